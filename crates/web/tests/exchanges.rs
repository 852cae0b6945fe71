//! Exchanges, the hours ledger, feedback and quota figures through the API, on both backends;
//! quota figures are recomputed here independently from the records.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

#[tokio::test]
async fn exchanges_hours_feedback_and_quotas() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        let inspector = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let me = teacher.get("/api/v1/auth/me").await.json();
        let (own_teacher, school) = (
            me["teacher_id"].as_i64().unwrap(),
            me["school_id"].as_i64().unwrap(),
        );
        let detail = lead
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json();
        let core = detail["core_school_id"].as_i64().unwrap();
        assert_ne!(core, school);

        let quota = |c: Client| async move {
            c.get(&format!(
                "/api/v1/quotas?community_id={community}&year=2026"
            ))
            .await
            .json()
        };
        let before = quota(lead.clone()).await;
        let figure = |q: &serde_json::Value, rule: &str| {
            q["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["rule"] == rule)
                .unwrap()
                .clone()
        };
        let lt_before = figure(&before, "long_term")["numerator"].as_i64().unwrap();

        // The coordinator records a long-term exchange of the own teacher to the core school.
        let r = coord
            .post("/api/v1/exchanges", json!({"teacher_id": own_teacher, "to_school_id": core, "kind": "长期交流", "subject": "语文", "start_on": "2026-09-01", "end_on": "2027-08-31", "weekly_pattern": "每周一至周五", "status": "active"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let ex = r.json();
        let id = ex["id"].as_i64().unwrap();
        assert_eq!(ex["from_school_id"], school);
        assert!(
            ex["direction"].as_str().unwrap().ends_with("_to_urban"),
            "{ex}"
        );
        // Too short for a long-term exchange: refused with the reason.
        let r = coord.post("/api/v1/exchanges", json!({"teacher_id": own_teacher, "to_school_id": core, "kind": "long_term", "start_on": "2026-09-01", "end_on": "2026-12-31"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("长期交流至少一年"), "{}", r.text());
        // The quota figure moves by one, and lists the record.
        let after = quota(lead.clone()).await;
        let lt = figure(&after, "long_term");
        assert_eq!(lt["numerator"].as_i64().unwrap(), lt_before + 1, "{label}");
        assert!(lt["records"].as_array().unwrap().contains(&json!(id)));

        let before_hours: f64 = lead.get("/api/v1/exchange-hours?year=2026").await.json()["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["teacher_id"] == own_teacher)
            .map(|t| t["hours"].as_f64().unwrap())
            .unwrap_or(0.0);
        // The teacher logs hours on the own exchange; not on someone else's.
        let r = teacher
            .post(
                "/api/v1/exchange-hours",
                json!({"exchange_id": id, "on_date": "2026-09-07", "hours": 6}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(
            teacher
                .post(
                    "/api/v1/exchange-hours",
                    json!({"exchange_id": id, "on_date": "2026-09-08", "hours": 400})
                )
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            teacher.get(&format!("/api/v1/exchanges/{id}")).await.json()["hours"],
            6.0
        );
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/exchanges/{id}"),
                    json!({"status": "finished"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            inspector
                .post(
                    "/api/v1/exchange-hours",
                    json!({"exchange_id": id, "on_date": "2026-09-09", "hours": 2})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let totals = lead.get("/api/v1/exchange-hours?year=2026").await.json();
        // The year's total for the teacher includes the new entry (on top of the demo's own ledger).
        let own = totals["totals"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["teacher_id"] == own_teacher)
            .expect("teacher in totals");
        assert_eq!(
            own["hours"].as_f64().unwrap(),
            before_hours + 6.0,
            "{label}"
        );

        // Feedback: the host school's form by the lead (core school is in the community), the teacher's own.
        assert_eq!(lead.put(&format!("/api/v1/exchanges/{id}/feedback"), json!({"author_role": "host", "rating": "优秀", "work_summary": "承担初一语文两个班"})).await.status, StatusCode::OK);
        let r = teacher
            .put(
                &format!("/api/v1/exchanges/{id}/feedback"),
                json!({"author_role": "teacher", "rating": "good", "comments": "收获很大"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json().as_array().unwrap().len(), 2);
        assert_eq!(
            teacher
                .put(
                    &format!("/api/v1/exchanges/{id}/feedback"),
                    json!({"author_role": "host", "rating": "good"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // Independent recomputation of the exchanged/backbone figures from the records.
        let q = quota(lead.clone()).await;
        let all = lead
            .get("/api/v1/exchanges?year=2026&per_page=500")
            .await
            .json();
        let members: Vec<i64> = lead
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json()["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["school_id"].as_i64().unwrap())
            .collect();
        let mut exchanged: Vec<i64> = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| {
                x["status"] != "cancelled"
                    && members.contains(&x["from_school_id"].as_i64().unwrap())
            })
            .map(|x| x["teacher_id"].as_i64().unwrap())
            .collect();
        exchanged.sort();
        exchanged.dedup();
        let ex_fig = figure(&q, "exchanged");
        assert_eq!(
            ex_fig["numerator"].as_i64().unwrap(),
            exchanged.len() as i64,
            "{label}"
        );
        let mut eligible = 0;
        for s in &members {
            let ts = lead
                .get(&format!(
                    "/api/v1/teachers?school_id={s}&status=active&per_page=200"
                ))
                .await
                .json();
            eligible += ts["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|t| t["years_at_school"].as_i64().unwrap() >= 6)
                .count() as i64;
        }
        assert_eq!(ex_fig["denominator"].as_i64().unwrap(), eligible, "{label}");

        // Export as Excel.
        let r = lead.get("/api/v1/exchanges/export").await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"PK"));

        // Outside the scope: a root-made exchange in another county is invisible and untouchable.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = common::outside(&root).await;
        let (region, b, t) = (o.region, o.school2, o.teacher);
        let r = root.post("/api/v1/exchanges", json!({"teacher_id": t, "to_school_id": b, "kind": "support_teaching", "start_on": "2026-09-01", "end_on": "2027-01-15"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let outside = r.json()["id"].as_i64().unwrap();
        for c in [
            &lead,
            &coord,
            &teacher,
            &inspector,
            &Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await,
        ] {
            assert_eq!(
                c.get(&format!("/api/v1/exchanges/{outside}")).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/exchanges/{outside}"),
                    json!({"status": "cancelled"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                c.delete(&format!("/api/v1/exchanges/{outside}"))
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                c.post(
                    "/api/v1/exchange-hours",
                    json!({"exchange_id": outside, "on_date": "2026-09-07", "hours": 2})
                )
                .await
                .status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                c.put(
                    &format!("/api/v1/exchanges/{outside}/feedback"),
                    json!({"author_role": "host", "rating": "good"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(c.post("/api/v1/exchanges", json!({"teacher_id": t, "to_school_id": core, "kind": "support_teaching", "start_on": "2026-09-01", "end_on": "2027-01-15"})).await.status, StatusCode::FORBIDDEN);
            assert_eq!(
                c.get(&format!("/api/v1/quotas?region_id={region}"))
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
            let list = c.get("/api/v1/exchanges?per_page=500").await.json();
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["id"] != outside)
            );
        }
        assert_eq!(
            root.get(&format!("/api/v1/exchanges/{outside}"))
                .await
                .json()["status"],
            "planned"
        );
        e.db.finish().await;
    }
}

#[tokio::test]
async fn exchange_pages_record_log_and_show_quotas() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
    let csrf = coord.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let me = Client::login(&e.app, "teacher1", DEMO_PASSWORD)
        .await
        .get("/api/v1/auth/me")
        .await
        .json();
    let t = coord
        .get(&format!("/api/v1/teachers/{}", me["teacher_id"]))
        .await
        .json();
    let staff = t["staff_number"].as_str().unwrap().to_owned();
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let core = lead
        .get(&format!("/api/v1/communities/{community}"))
        .await
        .json()["core_school_id"]
        .as_i64()
        .unwrap()
        .to_string();

    assert_eq!(coord.get("/exchanges/new").await.status, StatusCode::OK);
    // A bad form comes back with the reasons inline; nothing is written.
    let r = coord
        .form(
            "/exchanges/new",
            &[
                ("_csrf", &csrf),
                ("staff_number", &staff),
                ("to_school_id", &core),
                ("kind", "shadowing"),
                ("start_on", "2026-10-01"),
                ("end_on", "2026-10-03"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("跟岗至少一周"), "{}", r.text());
    let r = coord
        .form(
            "/exchanges/new",
            &[
                ("_csrf", &csrf),
                ("staff_number", &staff),
                ("to_school_id", &core),
                ("kind", "shadowing"),
                ("start_on", "2026-10-01"),
                ("end_on", "2026-10-14"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let location = r.headers["location"]
        .to_str()
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let r = coord
        .form(
            &format!("{location}/hours"),
            &[("_csrf", &csrf), ("on_date", "2026-10-02"), ("hours", "4")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = coord.get(&location).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text().contains("跟岗") && page.text().contains("2026-10-02"));
    let list = coord.get("/exchanges").await.text();
    assert!(list.contains(t["name"].as_str().unwrap()));
    // The community's quota page lists the shadowing teacher behind the school's figure.
    let q = lead
        .get(&format!("/quotas?community_id={community}&year=2026"))
        .await;
    assert_eq!(q.status, StatusCode::OK);
    assert!(
        q.text().contains("短期跟岗占教师比例") && q.text().contains(&staff),
        "{}",
        q.text()
    );
    // An inspector reads but cannot record.
    let insp = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
    let icsrf = insp.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(insp.get(&location).await.status, StatusCode::OK);
    let r = insp
        .form(
            &format!("{location}/hours"),
            &[("_csrf", &icsrf), ("on_date", "2026-10-03"), ("hours", "2")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    e.db.finish().await;
}
