//! Mentoring pairs, tasks and staged evaluations: API on both backends, pages, scope.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

#[tokio::test]
async fn pairs_tasks_evaluations_and_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let apprentice = teacher.get("/api/v1/auth/me").await.json()["teacher_id"]
            .as_i64()
            .unwrap();
        let core = lead
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json()["core_school_id"]
            .as_i64()
            .unwrap();
        let mentor = lead
            .get(&format!(
                "/api/v1/teachers?school_id={core}&backbone_level=any&per_page=1"
            ))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        // The demo's own pairs have tasks falling due as the calendar moves on: count from here.
        let overdue_before = lead.get("/api/v1/mentorships?overdue=true").await.json()["total"]
            .as_i64()
            .unwrap();
        assert_eq!(
            lead.post(
                "/api/v1/mentorships",
                json!({"mentor_id": mentor, "apprentice_id": mentor, "signed_on": "2026-09-10"})
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = lead.post("/api/v1/mentorships", json!({"mentor_id": mentor, "apprentice_id": apprentice, "signed_on": "2026-09-10", "goals": "一年内独立承担公开课"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let id = r.json()["id"].as_i64().unwrap();
        let t1 = lead
            .post(
                &format!("/api/v1/mentorships/{id}/tasks"),
                json!({"title": "听师傅课10节", "due_on": "2026-10-31"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        lead.post(
            &format!("/api/v1/mentorships/{id}/tasks"),
            json!({"title": "上汇报课", "due_on": "2099-06-30"}),
        )
        .await;
        let pair = lead.get(&format!("/api/v1/mentorships/{id}")).await.json();
        assert_eq!(
            (pair["tasks"].as_i64(), pair["overdue"].as_i64()),
            (Some(2), Some(1)),
            "{label}"
        );
        assert_eq!(
            lead.get("/api/v1/mentorships?overdue=true").await.json()["total"].as_i64(),
            Some(overdue_before + 1),
            "{label}"
        );
        // The apprentice sees the pair and completes the task; may not end the pair or evaluate as the school.
        assert_eq!(
            teacher
                .get(&format!("/api/v1/mentorships/{id}"))
                .await
                .status,
            StatusCode::OK
        );
        let r = teacher
            .patch(
                &format!("/api/v1/mentorship-tasks/{t1}"),
                json!({"done_on": "2026-10-30"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            lead.get(&format!("/api/v1/mentorships/{id}")).await.json()["overdue"],
            0
        );
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/mentorships/{id}"),
                    json!({"status": "ended"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(teacher.post(&format!("/api/v1/mentorships/{id}/evaluations"), json!({"stage": "第一学期", "evaluator_role": "school", "score": 90, "evaluated_on": "2027-01-15"})).await.status, StatusCode::FORBIDDEN);
        let r = lead.post(&format!("/api/v1/mentorships/{id}/evaluations"), json!({"stage": "第一学期", "evaluator_role": "school", "score": 88.5, "comment": "进步明显", "evaluated_on": "2027-01-15"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(lead.post(&format!("/api/v1/mentorships/{id}/evaluations"), json!({"stage": "x", "evaluator_role": "school", "score": 120, "evaluated_on": "2027-01-15"})).await.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            lead.patch(
                &format!("/api/v1/mentorships/{id}"),
                json!({"status": "completed"})
            )
            .await
            .json()["status"],
            "completed"
        );
        let x = lead.get("/api/v1/mentorships/export").await;
        assert!(x.bytes.starts_with(b"PK"));
        // Outside: a 随县 pair is invisible and untouchable for every 曾都区 role.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let t2 = root.post("/api/v1/teachers", json!({"staff_number": "SX0009", "name": "吴静", "gender": "女", "school_id": o.school2, "subjects": ["数学"]})).await.json()["id"].as_i64().unwrap();
        let op = root
            .post(
                "/api/v1/mentorships",
                json!({"mentor_id": o.teacher, "apprentice_id": t2, "signed_on": "2026-09-01"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let ot = root
            .post(
                &format!("/api/v1/mentorships/{op}/tasks"),
                json!({"title": "x"}),
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
                c.get(&format!("/api/v1/mentorships/{op}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/mentorships/{op}"),
                    json!({"status": "ended"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.delete(&format!("/api/v1/mentorships/{op}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(
                    &format!("/api/v1/mentorships/{op}/tasks"),
                    json!({"title": "x"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/mentorship-tasks/{ot}"),
                    json!({"done_on": "2026-10-01"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(c.post(&format!("/api/v1/mentorships/{op}/evaluations"), json!({"stage": "x", "evaluator_role": "school", "score": 1, "evaluated_on": "2026-10-01"})).await.status, StatusCode::FORBIDDEN, "{u}");
            assert_eq!(
                c.post(
                    "/api/v1/mentorships",
                    json!({"mentor_id": o.teacher, "apprentice_id": t2, "signed_on": "2026-09-01"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert!(
                c.get("/api/v1/mentorships").await.json()["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|m| m["id"] != op)
            );
            assert_eq!(
                c.get(&format!("/mentorships/{op}")).await.status,
                StatusCode::FORBIDDEN,
                "{u} page"
            );
        }
        e.db.finish().await;
    }
}

#[tokio::test]
async fn lead_signs_a_pair_through_the_pages() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let me = lead.get("/api/v1/auth/me").await.json();
    let (community, csrf) = (
        me["scope_id"].as_i64().unwrap(),
        me["csrf_token"].as_str().unwrap().to_owned(),
    );
    let detail = lead
        .get(&format!("/api/v1/communities/{community}"))
        .await
        .json();
    let (core, member) = (
        detail["members"][0]["school_id"].as_i64().unwrap(),
        detail["members"][1]["school_id"].as_i64().unwrap(),
    );
    let staff = |s: i64| {
        let lead = lead.clone();
        async move {
            lead.get(&format!("/api/v1/teachers?school_id={s}&per_page=1"))
                .await
                .json()["items"][0]["staff_number"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    let (m, a) = (staff(core).await, staff(member).await);
    let r = lead
        .form(
            "/mentorships/new",
            &[
                ("_csrf", &csrf),
                ("mentor", &m),
                ("apprentice", "NOPE"),
                ("signed_on", "2026-09-10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("徒弟：记录不存在"), "{}", r.text());
    let r = lead
        .form(
            "/mentorships/new",
            &[
                ("_csrf", &csrf),
                ("mentor", &m),
                ("apprentice", &a),
                ("signed_on", "2026-09-10"),
                ("goals", "站稳讲台"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let at = r.headers["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(
        lead.form(
            &format!("{at}/tasks"),
            &[
                ("_csrf", &csrf),
                ("title", "每周听课两节"),
                ("due_on", "2026-09-30")
            ]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let r = lead
        .form(
            &format!("{at}/evaluations"),
            &[
                ("_csrf", &csrf),
                ("stage", "第一学期"),
                ("evaluator_role", "school"),
                ("score", "91"),
                ("evaluated_on", "2027-01-10"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = lead.get(&at).await.text();
    assert!(
        page.contains("每周听课两节") && page.contains("已逾期") && page.contains("91"),
        "{page}"
    );
    assert!(
        lead.get("/mentorships?overdue=true")
            .await
            .text()
            .contains("id=\"mentorships\"")
    );
    e.db.finish().await;
}
