//! Project review: the core school drafts and submits, the bureau reviews, returns and approves;
//! wrong-state moves and out-of-scope callers change nothing; on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

#[tokio::test]
async fn project_review_workflow_and_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let d = lead
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json();
        let members = d["members"].as_array().unwrap();
        let core = members.iter().find(|m| m["role"] == "core").unwrap()["school_id"]
            .as_i64()
            .unwrap();
        let member = members.iter().find(|m| m["role"] != "core").unwrap()["school_id"]
            .as_i64()
            .unwrap();
        let body = json!({"community_id": community, "school_id": core, "title": "城乡课堂共同提升项目", "goal": "成员校课堂达标率提高", "period_from": "2026-09-01", "period_to": "2027-06-30"});

        // Only the core school's side drafts; a member school's project is refused.
        let mut wrong = body.clone();
        wrong["school_id"] = json!(member);
        assert_eq!(
            lead.post("/api/v1/projects", wrong).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let mut bad = body.clone();
        bad["period_to"] = json!("2026-01-01");
        assert_eq!(
            lead.post("/api/v1/projects", bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = lead.post("/api/v1/projects", body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["status"], "draft");
        let mv = |action: &str, score: Option<f64>, comment: &str| json!({"action": action, "score": score, "comment": comment});

        // The bureau cannot review a draft; the lead cannot approve.
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("start_review", None, "")
                )
                .await
                .status,
            StatusCode::CONFLICT
        );
        let r = lead
            .post(
                &format!("/api/v1/projects/{id}/moves"),
                mv("submit", None, ""),
            )
            .await;
        assert_eq!(r.json()["status"], "submitted", "{label}: {}", r.text());
        assert_eq!(
            lead.patch(&format!("/api/v1/projects/{id}"), json!({"evidence": "改"}))
                .await
                .status,
            StatusCode::CONFLICT,
            "submitted is locked"
        );
        assert_eq!(
            lead.post(
                &format!("/api/v1/projects/{id}/moves"),
                mv("start_review", None, "")
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("start_review", None, "")
                )
                .await
                .json()["status"],
            "under_review"
        );
        // Returned with a comment (required), edited, resubmitted, approved with a score.
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("return", None, "")
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("return", None, "请补充课堂达标数据")
                )
                .await
                .json()["status"],
            "returned"
        );
        let r = lead
            .patch(
                &format!("/api/v1/projects/{id}"),
                json!({"evidence": "达标率由 62% 提高到 81%"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        lead.post(
            &format!("/api/v1/projects/{id}/moves"),
            mv("submit", None, "已补充"),
        )
        .await;
        admin
            .post(
                &format!("/api/v1/projects/{id}/moves"),
                mv("start_review", None, ""),
            )
            .await;
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("approve", Some(120.0), "")
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = admin
            .post(
                &format!("/api/v1/projects/{id}/moves"),
                mv("approve", Some(88.0), "成效明显"),
            )
            .await;
        assert_eq!(r.json()["status"], "approved", "{label}: {}", r.text());
        assert_eq!(r.json()["score"], 88.0);
        let steps: Vec<String> = r.json()["reviews"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["action"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            steps,
            [
                "submit",
                "start_review",
                "return",
                "submit",
                "start_review",
                "approve"
            ]
        );
        assert_eq!(
            admin
                .post(
                    &format!("/api/v1/projects/{id}/moves"),
                    mv("return", None, "x")
                )
                .await
                .status,
            StatusCode::CONFLICT
        );

        // Pages.
        for (c, p) in [
            (&lead, "/projects".to_owned()),
            (&admin, format!("/projects/{id}")),
        ] {
            let r = c.get(&p).await;
            assert_eq!(r.status, StatusCode::OK, "{label} {p}");
        }
        // Outside: nobody here reads or moves a 随县 project.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let r = root.post("/api/v1/projects", json!({"community_id": o.community, "school_id": o.school, "title": "随县项目", "period_from": "2026-09-01", "period_to": "2027-06-30"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let oid = r.json()["id"].as_i64().unwrap();
        root.post(
            &format!("/api/v1/projects/{oid}/moves"),
            mv("submit", None, ""),
        )
        .await;
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/projects/{oid}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/projects/{oid}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(
                    &format!("/api/v1/projects/{oid}/moves"),
                    mv("start_review", None, "")
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert!(
                !c.get("/api/v1/projects").await.text().contains("随县项目"),
                "{u}"
            );
        }
        assert_eq!(
            root.get(&format!("/api/v1/projects/{oid}")).await.json()["status"],
            "submitted"
        );
        e.db.finish().await;
    }
}
