//! The page routes × the five roles: no page shows or changes a record outside the caller's
//! scope. The same outside records as the API matrix (a school, teacher, community, council seat,
//! document and account in 随县, a county none of the 曾都区 roles belongs to).

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

async fn csrf(c: &Client) -> String {
    c.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn no_page_reaches_outside_the_callers_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = common::outside(&root).await;
        let (region, school, school2, teacher, community, seat, doc, user) = (
            o.region,
            o.school,
            o.school2,
            o.teacher,
            o.community,
            o.seat,
            o.document,
            o.user,
        );
        let ex = root
            .post("/api/v1/exchanges", json!({"teacher_id": teacher, "to_school_id": school2, "kind": "support_teaching", "start_on": "2026-09-01", "end_on": "2027-01-15"}))
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        // Changes in the log: everything but sign-ins.
        let changes = |r: serde_json::Value, s: serde_json::Value| {
            r["total"].as_i64().unwrap() - s["total"].as_i64().unwrap()
        };
        let before_audit = changes(
            root.get("/api/v1/audit?per_page=1").await.json(),
            root.get("/api/v1/audit?per_page=1&entity=session")
                .await
                .json(),
        );

        let gets = [
            format!("/exchanges/{ex}"),
            format!("/exchanges/{ex}/edit"),
            format!("/quotas?region_id={region}"),
            format!("/plan/communities?region_id={region}"),
            format!("/schools/{school}"),
            format!("/schools/{school}/edit"),
            format!("/teachers/{teacher}"),
            format!("/teachers/{teacher}/edit"),
            format!("/communities/{community}"),
            format!("/communities/{community}/edit"),
            format!("/communities/documents/{doc}"),
            format!("/users/{user}/edit"),
        ];
        let s = |v: i64| v.to_string();
        let posts: Vec<(String, Vec<(&str, String)>)> = vec![
            (
                format!("/schools/{school}/edit"),
                vec![
                    ("name", "改名".into()),
                    ("code", "4213210001".into()),
                    ("region_id", s(region)),
                    ("stage", "primary".into()),
                    ("locality", "town".into()),
                ],
            ),
            (format!("/schools/{school}/delete"), vec![]),
            (
                "/schools/new".into(),
                vec![
                    ("name", "新校".into()),
                    ("code", "4213219999".into()),
                    ("region_id", s(region)),
                    ("stage", "primary".into()),
                    ("locality", "rural".into()),
                ],
            ),
            (
                format!("/teachers/{teacher}/edit"),
                vec![
                    ("staff_number", "SX0001".into()),
                    ("name", "改名".into()),
                    ("gender", "female".into()),
                    ("school_id", s(school)),
                    ("subjects", "数学".into()),
                ],
            ),
            (format!("/teachers/{teacher}/delete"), vec![]),
            (
                "/teachers/new".into(),
                vec![
                    ("staff_number", "SX0009".into()),
                    ("name", "新".into()),
                    ("gender", "male".into()),
                    ("school_id", s(school)),
                    ("subjects", "语文".into()),
                ],
            ),
            (
                format!("/communities/{community}/edit"),
                vec![
                    ("name", "改名".into()),
                    ("kind", "co_built".into()),
                    ("core_school_id", s(school)),
                ],
            ),
            (format!("/communities/{community}/delete"), vec![]),
            (
                "/communities/new".into(),
                vec![
                    ("name", "新教联体".into()),
                    ("kind", "co_built".into()),
                    ("core_school_id", s(school2)),
                ],
            ),
            (
                format!("/communities/{community}/members"),
                vec![("school_id", s(school2))],
            ),
            (
                format!("/communities/{community}/members/{school2}/leader"),
                vec![("school_leader", "某人".into())],
            ),
            (
                format!("/communities/{community}/members/{school2}/remove"),
                vec![("left_on", "2025-01-01".into())],
            ),
            (
                format!("/communities/{community}/council"),
                vec![("name", "某人".into()), ("role", "member".into())],
            ),
            (
                format!("/communities/{community}/council/{seat}/delete"),
                vec![],
            ),
            (format!("/communities/documents/{doc}/delete"), vec![]),
            (
                format!("/users/{user}/edit"),
                vec![("display_name", "改名".into()), ("active", "".into())],
            ),
            (format!("/users/{user}/delete"), vec![]),
            (
                format!("/exchanges/{ex}/edit"),
                vec![
                    ("staff_number", "SX0001".into()),
                    ("to_school_id", s(school2)),
                    ("kind", "support_teaching".into()),
                    ("start_on", "2026-09-01".into()),
                    ("end_on", "2027-01-15".into()),
                ],
            ),
            (format!("/exchanges/{ex}/delete"), vec![]),
            (
                format!("/exchanges/{ex}/hours"),
                vec![("on_date", "2026-09-07".into()), ("hours", "4".into())],
            ),
            (
                format!("/exchanges/{ex}/feedback"),
                vec![("author_role", "host".into()), ("rating", "good".into())],
            ),
            (
                "/plan/communities/accept".into(),
                vec![
                    ("region_id", s(region)),
                    ("max_members", "2".into()),
                    ("max_km", "30".into()),
                    ("kind", "co_built".into()),
                ],
            ),
            (
                "/users/new".into(),
                vec![
                    ("username", "intruder".into()),
                    ("password", "intruder-pass".into()),
                    ("role", "school_coordinator".into()),
                    ("scope", format!("school:{school}")),
                ],
            ),
            (
                "/coverage-targets".into(),
                vec![
                    ("region_id", s(region)),
                    ("targets", "2025-12-31 100%".into()),
                ],
            ),
        ];

        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let token = csrf(&c).await;
            for uri in &gets {
                let r = c.get(uri).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} GET {uri}");
                assert!(
                    !r.text().contains("周敏") && !r.text().contains("%PDF"),
                    "{label} {u} GET {uri} leaks"
                );
            }
            for (uri, fields) in &posts {
                let mut f = fields.clone();
                f.push(("_csrf", token.clone()));
                let r = c.form_owned(uri, &f).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} POST {uri}: {}",
                    &r.text().chars().take(300).collect::<String>()
                );
            }
            let r = c
                .upload(
                    &format!("/communities/{community}/documents"),
                    &[("kind", "plan"), ("_csrf", &token)],
                    "x.pdf",
                    b"%PDF-1.4 x",
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} upload");
            // Lists do not show the outside records.
            for (list, needle) in [
                ("/schools?q=%E9%9A%8F%E5%8E%BF", "随县厉山镇中心小学"),
                ("/teachers?q=SX0001", "周敏"),
                ("/communities", "随县厉山教联体"),
            ] {
                let r = c.get(list).await;
                assert_eq!(r.status, StatusCode::OK, "{label} {u} {list}");
                assert!(
                    !r.text().contains(needle),
                    "{label} {u} sees {needle} on {list}"
                );
            }
        }
        // Nothing changed: no audit entry was added, the records are as they were.
        let after_audit = changes(
            root.get("/api/v1/audit?per_page=1").await.json(),
            root.get("/api/v1/audit?per_page=1&entity=session")
                .await
                .json(),
        );
        assert_eq!(after_audit, before_audit, "{label}: no write happened");
        let d = root
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json();
        assert_eq!(d["name"], "随县厉山教联体");
        assert_eq!(d["members"].as_array().unwrap().len(), 2);
        assert_eq!(d["council"].as_array().unwrap().len(), 1);
        assert_eq!(d["documents"].as_array().unwrap().len(), 1);
        assert_eq!(
            root.get(&format!("/api/v1/users/{user}")).await.json()["active"],
            true
        );
        e.db.finish().await;
    }
}
