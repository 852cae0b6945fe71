//! Joint meetings and their decisions: API on both backends, pages, scope.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

#[tokio::test]
async fn meetings_decisions_and_their_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let r = lead
            .post("/api/v1/meetings", json!({"community_id": community, "held_on": "2026-10-10", "topic": "第三次联席会议", "attendees": ["赵校长、钱主任", "孙老师"], "agenda": "交流轮岗安排", "minutes": "议定三项工作"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["attendees"], "赵校长、钱主任、孙老师");
        let d1 = lead.post(&format!("/api/v1/meetings/{id}/decisions"), json!({"content": "十月底前完成跟岗名单", "owner": "钱主任", "due_on": "2026-10-31"})).await;
        assert_eq!(d1.status, StatusCode::CREATED, "{}", d1.text());
        let d2 = lead
            .post(
                &format!("/api/v1/meetings/{id}/decisions"),
                json!({"content": "筹备同课异构活动", "owner": "孙老师", "due_on": "2099-01-01"}),
            )
            .await
            .json();
        assert_eq!(
            lead.post(
                &format!("/api/v1/meetings/{id}/decisions"),
                json!({"content": ""})
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        // One decision is past due and still open.
        let list = lead.get("/api/v1/meetings").await.json();
        let m = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == id)
            .unwrap()
            .clone();
        assert_eq!(
            (m["decisions"].as_i64(), m["overdue"].as_i64()),
            (Some(2), Some(1)),
            "{label}"
        );
        let r = lead
            .patch(
                &format!("/api/v1/meeting-decisions/{}", d1.json()["id"]),
                json!({"status": "done", "follow_up": "名单已报教育局"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            lead.get(&format!("/api/v1/meetings/{id}")).await.json()["overdue"],
            0
        );
        // A coordinator of a member school reads, does not write; an inspector likewise.
        for u in ["coord1", "zengdu_inspector"] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/meetings/{id}")).await.status,
                StatusCode::OK,
                "{u}"
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/meeting-decisions/{}", d2["id"]),
                    json!({"status": "done"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(
                    "/api/v1/meetings",
                    json!({"community_id": community, "held_on": "2026-10-10", "topic": "x"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
        }
        // Outside: a 随县 meeting is invisible and untouchable for every 曾都区 role.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let om = root.post("/api/v1/meetings", json!({"community_id": o.community, "held_on": "2026-10-11", "topic": "随县联席会"})).await.json()["id"].as_i64().unwrap();
        let od = root
            .post(
                &format!("/api/v1/meetings/{om}/decisions"),
                json!({"content": "某事"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/meetings/{om}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.patch(&format!("/api/v1/meetings/{om}"), json!({"topic": "改"}))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.delete(&format!("/api/v1/meetings/{om}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(
                    &format!("/api/v1/meetings/{om}/decisions"),
                    json!({"content": "x"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/meeting-decisions/{od}"),
                    json!({"status": "done"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.delete(&format!("/api/v1/meeting-decisions/{od}"))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(
                    "/api/v1/meetings",
                    json!({"community_id": o.community, "held_on": "2026-10-10", "topic": "x"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert!(
                c.get("/api/v1/meetings").await.json()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|m| m["id"] != om)
            );
            assert_eq!(
                c.get(&format!("/meetings/{om}")).await.status,
                StatusCode::FORBIDDEN,
                "{u} page"
            );
        }
        // Export.
        let x = lead.get("/api/v1/meetings/export").await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(x.bytes.starts_with(b"PK"));
        e.db.finish().await;
    }
}

#[tokio::test]
async fn lead_records_a_meeting_through_the_pages() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let me = lead.get("/api/v1/auth/me").await.json();
    let (community, csrf) = (
        me["scope_id"].as_i64().unwrap().to_string(),
        me["csrf_token"].as_str().unwrap().to_owned(),
    );
    assert_eq!(lead.get("/meetings/new").await.status, StatusCode::OK);
    let r = lead
        .form(
            "/meetings/new",
            &[
                ("_csrf", &csrf),
                ("community_id", &community),
                ("held_on", "2026-11-07"),
                ("topic", ""),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("主题：必填"), "{}", r.text());
    let r = lead
        .form(
            "/meetings/new",
            &[
                ("_csrf", &csrf),
                ("community_id", &community),
                ("held_on", "2026-11-07"),
                ("topic", "十一月联席会议"),
                ("attendees", "赵校长、钱主任"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let at = r.headers["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = lead
        .form(
            &format!("{at}/decisions"),
            &[
                ("_csrf", &csrf),
                ("content", "下周完成听课安排"),
                ("owner", "钱主任"),
                ("due_on", "2026-11-14"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = lead.get(&at).await.text();
    assert!(page.contains("下周完成听课安排") && page.contains("id=\"decisions\""));
    let list = lead.get("/meetings").await.text();
    assert!(list.contains("十一月联席会议"));
    e.db.finish().await;
}
