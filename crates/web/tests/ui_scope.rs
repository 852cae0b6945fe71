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
        // Community operations in 随县: an activity with a photo, a synchronous lesson, a support
        // offer and order, a meeting with a decision, a mentoring pair, teaching periods.
        let r = root.post("/api/v1/teachers", json!({"staff_number": "SX0002", "name": "吴刚", "gender": "男", "school_id": school2, "subjects": ["语文"]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let teacher2 = r.json()["id"].as_i64().unwrap();
        let r = root.post("/api/v1/activities", json!({"community_id": community, "kind": "lecture", "title": "随县讲座", "host_school_id": school, "school_ids": [school2], "held_on": "2026-10-20", "invited_teacher_ids": [teacher]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let act = r.json()["id"].as_i64().unwrap();
        let root_csrf = csrf(&root).await;
        let r = root
            .upload(
                &format!("/api/v1/activities/{act}/files"),
                &[],
                "p.png",
                b"\x89PNG\r\n\x1a\n0000",
                Some(&root_csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let file = r.json()["id"].as_i64().unwrap();
        let r = root.post("/api/v1/sync-lessons", json!({"community_id": community, "host_teacher_id": teacher, "host_class": "一年级(1)班", "receivers": [{"school_id": school2, "class_label": "一年级(1)班"}], "subject": "数学", "held_on": "2026-10-21", "period": 2, "topic": "随县同步课"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let lesson = r.json()["id"].as_i64().unwrap();
        let r = root.post("/api/v1/support-offers", json!({"community_id": community, "school_id": school, "title": "随县送教", "times": 3})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let offer = r.json()["id"].as_i64().unwrap();
        let r = root
            .post(
                "/api/v1/support-orders",
                json!({"offer_id": offer, "school_id": school2, "wanted_on": "2026-11-02"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let order = r.json()["id"].as_i64().unwrap();
        let meeting = root
            .post(
                "/api/v1/meetings",
                json!({"community_id": community, "held_on": "2026-10-11", "topic": "随县联席会"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let decision = root
            .post(
                &format!("/api/v1/meetings/{meeting}/decisions"),
                json!({"content": "某事"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap();
        let r = root
            .post(
                "/api/v1/mentorships",
                json!({"mentor_id": teacher, "apprentice_id": teacher2, "signed_on": "2026-09-10"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let pair = r.json()["id"].as_i64().unwrap();
        let task = root
            .post(
                &format!("/api/v1/mentorships/{pair}/tasks"),
                json!({"title": "听课十节", "due_on": "2026-12-01"}),
            )
            .await
            .json()["id"]
            .as_i64()
            .unwrap_or(0);
        let r = root
            .put(
                &format!("/api/v1/teachers/{teacher}/periods"),
                json!({"slots": [{"weekday": 1, "period": 1}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let _ = root
            .put(
                &format!("/api/v1/teachers/{teacher2}/periods"),
                json!({"slots": [{"weekday": 2, "period": 1}]}),
            )
            .await;

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
            format!("/plan/rotation?region_id={region}&year=2026&time_limit=1"),
            format!("/schools/{school}"),
            format!("/schools/{school}/edit"),
            format!("/teachers/{teacher}"),
            format!("/teachers/{teacher}/edit"),
            format!("/communities/{community}"),
            format!("/communities/{community}/edit"),
            format!("/communities/documents/{doc}"),
            format!("/users/{user}/edit"),
            format!("/activities/{act}"),
            format!("/activities/files/{file}"),
            format!("/activities/files/{file}/view"),
            format!("/sync-lessons/{lesson}"),
            format!("/calendar?community_id={community}"),
            format!("/calendar?school_id={school}"),
            format!("/calendar?teacher_id={teacher}"),
            format!("/communities/{community}/dashboard"),
            format!("/teachers/{teacher}/periods"),
            format!("/meetings/{meeting}"),
            format!("/mentorships/{pair}"),
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
                "/plan/rotation/accept".into(),
                vec![
                    ("region_id", s(region)),
                    ("year", "2026".into()),
                    ("move", format!("{teacher}:{school2}:1")),
                ],
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
                format!("/activities/{act}/record"),
                vec![("status", "done".into()), ("summary", "改".into())],
            ),
            (format!("/activities/{act}/delete"), vec![]),
            (
                format!("/activities/{act}/reflections"),
                vec![("staff_number", "SX0001".into()), ("body", "反思".into())],
            ),
            (format!("/activities/files/{file}/delete"), vec![]),
            (
                "/activities/series/new".into(),
                vec![
                    ("host", format!("{community}:{school}")),
                    ("kind", "lesson_prep".into()),
                    ("title", "周周有约".into()),
                    ("weekday", "3".into()),
                    ("first_date", "2026-09-01".into()),
                    ("last_date", "2026-10-01".into()),
                ],
            ),
            (
                "/sync-lessons/new".into(),
                vec![
                    ("community_id", s(community)),
                    ("host_staff_number", "SX0001".into()),
                    ("host_class", "一年级(1)班".into()),
                    ("receiver_school_1", s(school2)),
                    ("receiver_class_1", "一年级(2)班".into()),
                    ("subject", "数学".into()),
                    ("held_on", "2026-10-22".into()),
                    ("period", "2".into()),
                    ("topic", "x".into()),
                ],
            ),
            (
                format!("/sync-lessons/{lesson}"),
                vec![("after_notes", "改".into()), ("status", "done".into())],
            ),
            (format!("/sync-lessons/{lesson}/delete"), vec![]),
            (
                "/support/offers".into(),
                vec![
                    ("host", format!("{community}:{school}")),
                    ("title", "x".into()),
                ],
            ),
            (
                "/support/orders".into(),
                vec![
                    ("offer_id", s(offer)),
                    ("host", format!("{community}:{school2}")),
                    ("wanted_on", "2026-11-03".into()),
                ],
            ),
            (
                format!("/support/orders/{order}"),
                vec![("status", "scheduled".into())],
            ),
            (
                "/calendar/feeds".into(),
                vec![("kind", "community".into()), ("id", s(community))],
            ),
            (
                format!("/teachers/{teacher}/periods"),
                vec![("slot", "3-3".into())],
            ),
            (format!("/meetings/{meeting}/delete"), vec![]),
            (
                format!("/meetings/{meeting}/decisions"),
                vec![("content", "x".into())],
            ),
            (
                format!("/meetings/{meeting}/decisions/{decision}"),
                vec![("status", "done".into())],
            ),
            (
                format!("/mentorships/{pair}/status"),
                vec![("status", "ended".into())],
            ),
            (
                format!("/mentorships/{pair}/tasks"),
                vec![("title", "x".into())],
            ),
            (format!("/mentorships/{pair}/tasks/{task}/done"), vec![]),
            (
                format!("/mentorships/{pair}/evaluations"),
                vec![("stage", "x".into()), ("score", "90".into())],
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
            let r = c
                .upload(
                    &format!("/activities/{act}/files"),
                    &[("_csrf", &token)],
                    "x.png",
                    b"\x89PNG\r\n\x1a\n0000",
                    None,
                )
                .await;
            assert_eq!(
                r.status,
                StatusCode::FORBIDDEN,
                "{label} {u} activity upload"
            );
            let host = format!("{community}:{school}");
            let r = c
                .upload(
                    "/activities/new",
                    &[
                        ("_csrf", &token),
                        ("host", &host),
                        ("kind", "lecture"),
                        ("title", "闯入"),
                        ("held_on", "2026-10-20"),
                    ],
                    "x.png",
                    b"\x89PNG\r\n\x1a\n0000",
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} new activity");
            // Free time over outside teachers names nobody.
            let r = c
                .get(&format!(
                    "/free-time?community_id={community}&teacher_id={teacher}&teacher_id={teacher2}"
                ))
                .await;
            assert!(
                !r.text().contains("周敏") && !r.text().contains("吴刚"),
                "{label} {u} free time leaks"
            );
            // Lists do not show the outside records.
            for (list, needle) in [
                ("/schools?q=%E9%9A%8F%E5%8E%BF", "随县厉山镇中心小学"),
                ("/teachers?q=SX0001", "周敏"),
                ("/communities", "随县厉山教联体"),
                ("/activities?per_page=1000", "随县讲座"),
                ("/sync-lessons?per_page=1000", "随县同步课"),
                ("/support", "随县送教"),
                ("/meetings?per_page=500", "随县联席会"),
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
