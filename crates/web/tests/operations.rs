//! Activities (with photos, series, attendance, reflections), synchronous lessons, the support
//! menu, calendars and iCal feeds, common free time and the lead's dashboard: through the API and
//! the pages, with their scope, on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::json;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

/// Whether the workbook has a row whose cell under `header` contains `needle`.
fn sheet_has(bytes: &[u8], header: &str, needle: &str) -> bool {
    let t = gongjin_sheet::read_table(bytes, gongjin_sheet::Format::Xlsx, &[header]).unwrap();
    t.rows.iter().any(|r| r.get(header).contains(needle))
}

struct Ids {
    community: i64,
    core: i64,
    coord_school: i64,
    teacher: i64,
    other_member: i64,
}

async fn ids(e: &common::Env) -> Ids {
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
    let coord_school = coord.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
    let teacher = teacher.get("/api/v1/auth/me").await.json()["scope_id"]
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
    let other_member = members
        .iter()
        .map(|m| m["school_id"].as_i64().unwrap())
        .find(|&s| s != core && s != coord_school)
        .unwrap();
    Ids {
        community,
        core,
        coord_school,
        teacher,
        other_member,
    }
}

#[tokio::test]
async fn activities_with_photos_series_reflections_and_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let i = ids(&e).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;

        // The coordinator records an activity hosted by the own school, with the core taking part.
        let body = json!({"community_id": i.community, "kind": "same_topic", "title": "七年级数学同课异构",
            "host_school_id": i.coord_school, "school_ids": [i.core], "held_on": "2026-10-14",
            "start_time": "14:30", "duration_minutes": 120, "subject": "数学",
            "invited_teacher_ids": [i.teacher], "present_teacher_ids": [i.teacher], "student_count": 45});
        let r = coord.post("/api/v1/activities", body.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let a = r.json();
        let id = a["id"].as_i64().unwrap();
        assert_eq!(
            (a["invited"].as_i64(), a["present"].as_i64()),
            (Some(1), Some(1))
        );
        assert_eq!(a["kind_name"], "同课异构");
        // …but not one hosted by another school, and never with a made-up kind or outside school.
        let mut other = body.clone();
        other["host_school_id"] = json!(i.other_member);
        assert_eq!(
            coord.post("/api/v1/activities", other).await.status,
            StatusCode::FORBIDDEN
        );
        let mut bad = body.clone();
        bad["kind"] = json!("no_such_kind");
        let r = coord.post("/api/v1/activities", bad).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        assert!(r.text().contains("kind"), "{}", r.text());
        // Teachers and inspectors do not record activities.
        for c in [
            &teacher,
            &Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await,
        ] {
            assert_eq!(
                c.post("/api/v1/activities", body.clone()).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                c.get(&format!("/api/v1/activities/{id}")).await.status,
                StatusCode::OK
            );
        }

        // A photo: checked by content, stored under our name, listed, served.
        let me = coord.get("/api/v1/auth/me").await.json();
        let csrf = me["csrf_token"].as_str().map(str::to_owned);
        let r = coord
            .upload(
                &format!("/api/v1/activities/{id}/files"),
                &[],
                "现场.png",
                PNG,
                csrf.as_deref(),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let file = r.json()["id"].as_i64().unwrap();
        let fake = coord
            .upload(
                &format!("/api/v1/activities/{id}/files"),
                &[],
                "x.png",
                b"not a png",
                csrf.as_deref(),
            )
            .await;
        assert_eq!(
            fake.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            fake.text()
        );
        let d = lead.get(&format!("/api/v1/activities/{id}")).await.json();
        assert_eq!(d["photos"], 1, "{label}");
        assert_eq!(d["file_list"].as_array().unwrap().len(), 1);
        let dl = lead.get(&format!("/api/v1/activity-files/{file}")).await;
        assert_eq!(dl.status, StatusCode::OK);
        assert_eq!(dl.bytes, PNG);

        // The teacher writes a reflection as themself; cannot write for someone else.
        let r = teacher
            .post(
                &format!("/api/v1/activities/{id}/reflections"),
                json!({"body": "收获很大"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let r = teacher
            .post(
                &format!("/api/v1/activities/{id}/reflections"),
                json!({"body": "改写", "teacher_id": i.teacher}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED);
        assert_eq!(
            lead.get(&format!("/api/v1/activities/{id}")).await.json()["reflection_list"]
                .as_array()
                .unwrap()
                .len(),
            1,
            "a rewrite replaces the teacher's reflection"
        );

        // The lead marks it done; the coordinator may too (own school); the teacher may not.
        let r = lead
            .patch(
                &format!("/api/v1/activities/{id}"),
                json!({"status": "done", "summary": "效果良好"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/activities/{id}"),
                    json!({"status": "cancelled"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // A series: every Wednesday from 2026-09-02 to 2026-09-30 → 5 occurrences.
        let r = lead
            .post("/api/v1/activity-series", json!({"community_id": i.community, "kind": "lesson_prep",
                "title": "周周有约·集体备课", "host_school_id": i.core, "weekday": 3, "start_time": "14:00",
                "first_date": "2026-09-01", "last_date": "2026-09-30"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        assert_eq!(r.json()["activities"], 5);
        let sid = r.json()["series_id"].as_i64().unwrap();
        let listed = lead
            .get(&format!("/api/v1/activities?series_id={sid}"))
            .await
            .json();
        assert_eq!(listed["total"], 5);
        assert!(
            listed["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|a| a["held_on"].as_str().unwrap() >= "2026-09-02")
        );

        // Kinds: presets listed; a bureau adds its own; a lead may not.
        let kinds = lead.get("/api/v1/activity-kinds").await.json();
        assert!(kinds.as_array().unwrap().len() >= 15);
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let r = admin
            .post(
                "/api/v1/activity-kinds",
                json!({"region_id": region, "key": "reading_club", "name_zh": "共读一本书"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(
            lead.post(
                "/api/v1/activity-kinds",
                json!({"region_id": region, "key": "x_kind", "name_zh": "x"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let mut k = body.clone();
        k["kind"] = json!("reading_club");
        assert_eq!(
            coord.post("/api/v1/activities", k).await.status,
            StatusCode::CREATED
        );

        // Export opens as a workbook with the activities.
        let x = lead.get("/api/v1/activities/export").await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(
            sheet_has(&x.bytes, "活动名称", "七年级数学同课异构"),
            "{label}"
        );

        // Outside: a 随县 activity is invisible and untouchable for every 曾都区 role.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let r = root.post("/api/v1/activities", json!({"community_id": o.community, "kind": "lecture", "title": "随县讲座", "host_school_id": o.school, "held_on": "2026-10-20"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let oid = r.json()["id"].as_i64().unwrap();
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/activities/{oid}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.patch(
                    &format!("/api/v1/activities/{oid}"),
                    json!({"status": "done"})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.delete(&format!("/api/v1/activities/{oid}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            let list = c.get("/api/v1/activities?per_page=1000").await.json();
            assert!(
                !list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|a| a["id"] == oid),
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/api/v1/calendar?community_id={}", o.community))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
        }

        // Deleting removes the activity with its files; it is audited.
        assert_eq!(
            coord
                .delete(&format!("/api/v1/activities/{id}"))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            lead.get(&format!("/api/v1/activity-files/{file}"))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let audit = admin.get("/api/v1/audit?entity=activity").await.json();
        assert!(audit.to_string().contains("七年级数学同课异构"), "{label}");
        e.db.finish().await;
    }
}

#[tokio::test]
async fn calendar_feeds_sync_lessons_support_free_time_and_dashboard() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let i = ids(&e).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        let today = gongjin_store::today();
        let day = (today + chrono::Duration::days(3)).to_string();

        // A synchronous lesson taught by teacher1 to a class of the core school.
        let r = coord
            .post("/api/v1/sync-lessons", json!({"community_id": i.community, "host_teacher_id": i.teacher,
                "host_class": "四年级(1)班", "receivers": [{"school_id": i.core, "class_label": "四年级(3)班"}],
                "subject": "语文", "held_on": day, "period": 3, "topic": "《观潮》", "live_url": "https://live.example.cn/1",
                "goals": "朗读", "status": "done"}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let lesson = r.json()["id"].as_i64().unwrap();
        assert!(
            r.json()["receivers_text"]
                .as_str()
                .unwrap()
                .contains("四年级(3)班")
        );
        let bad = coord.post("/api/v1/sync-lessons", json!({"community_id": i.community, "host_teacher_id": i.teacher,
            "host_class": "x", "receivers": [], "subject": "语文", "held_on": day, "period": 12, "topic": "t", "live_url": "ftp://x"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        for f in ["receivers", "period", "live_url"] {
            assert!(bad.text().contains(f), "{f} named in {}", bad.text());
        }
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/sync-lessons/{lesson}"),
                    json!({"after_notes": "x"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = lead
            .patch(
                &format!("/api/v1/sync-lessons/{lesson}"),
                json!({"after_notes": "课后同评：互动充分"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let year = gongjin_domain::school_year_of(today + chrono::Duration::days(3));
        let counts = lead
            .get(&format!(
                "/api/v1/sync-lessons/counts?community_id={}&year={year}",
                i.community
            ))
            .await
            .json();
        assert_eq!(counts[0]["target"]["lessons_per_year"], 20);
        assert!(
            counts[0]["lessons"].as_i64().unwrap() >= 1,
            "{label}: {counts}"
        );

        // The support menu: the core offers, a member orders, the core schedules, it is done.
        let r = lead.post("/api/v1/support-offers", json!({"community_id": i.community, "school_id": i.core,
            "title": "送教下乡：六年级数学复习课", "kind": "open_class", "provider": "数学名师工作室", "times": 1})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let offer = r.json()["id"].as_i64().unwrap();
        assert_eq!(
            coord
                .post(
                    "/api/v1/support-offers",
                    json!({"community_id": i.community, "school_id": i.core, "title": "x"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = coord.post("/api/v1/support-orders", json!({"offer_id": offer, "school_id": i.coord_school, "wanted_on": day, "note": "希望讲分数应用题"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let order = r.json()["id"].as_i64().unwrap();
        // The only time is taken: a second order is refused, and nothing is written.
        let before = lead.get("/api/v1/support-orders").await.json()["total"]
            .as_i64()
            .unwrap();
        let r = lead
            .post(
                "/api/v1/support-orders",
                json!({"offer_id": offer, "school_id": i.other_member, "wanted_on": day}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(
            lead.get("/api/v1/support-orders").await.json()["total"]
                .as_i64()
                .unwrap(),
            before
        );
        // The ordering coordinator cannot accept their own order; the offering side can.
        assert_eq!(
            coord
                .patch(
                    &format!("/api/v1/support-orders/{order}"),
                    json!({"status": "scheduled"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = lead
            .patch(
                &format!("/api/v1/support-orders/{order}"),
                json!({"status": "scheduled", "reply": "安排王老师"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        let act = r.json()["activity_id"]
            .as_i64()
            .expect("scheduled as an activity");
        let a = lead.get(&format!("/api/v1/activities/{act}")).await.json();
        assert_eq!(
            (a["host_school_id"].as_i64(), a["status"].as_str()),
            (Some(i.coord_school), Some("planned"))
        );
        assert_eq!(
            lead.patch(
                &format!("/api/v1/support-orders/{order}"),
                json!({"status": "requested"})
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = lead
            .patch(
                &format!("/api/v1/support-orders/{order}"),
                json!({"status": "done"}),
            )
            .await;
        assert_eq!(r.json()["status"], "done");
        assert_eq!(
            lead.get(&format!("/api/v1/activities/{act}")).await.json()["status"],
            "done"
        );
        let x = lead.get("/api/v1/support-orders/export").await;
        assert!(
            sheet_has(&x.bytes, "帮扶项目", "六年级数学复习课"),
            "{label}"
        );

        // The community calendar shows the lesson and the scheduled support activity.
        let cal = lead
            .get(&format!(
                "/api/v1/calendar?community_id={}&from={}&to={}",
                i.community,
                today,
                today + chrono::Duration::days(10)
            ))
            .await;
        assert_eq!(cal.status, StatusCode::OK, "{}", cal.text());
        let items = cal.json()["items"].as_array().unwrap().clone();
        assert!(
            items
                .iter()
                .any(|x| x["source"] == "sync_lesson" && x["record_id"] == lesson),
            "{label}: {items:?}"
        );
        assert!(
            items
                .iter()
                .any(|x| x["source"] == "activity" && x["record_id"] == act),
            "{label}"
        );
        let x = lead
            .get(&format!(
                "/api/v1/calendar/export?community_id={}&from={}&to={}",
                i.community,
                today,
                today + chrono::Duration::days(10)
            ))
            .await;
        assert_eq!(x.status, StatusCode::OK);
        assert!(
            sheet_has(&x.bytes, "事项", "《观潮》"),
            "{label}: the calendar exports"
        );
        // The teacher's own calendar has the lesson they teach.
        let mine = teacher
            .get(&format!(
                "/api/v1/calendar?from={}&to={}",
                today,
                today + chrono::Duration::days(10)
            ))
            .await
            .json();
        assert!(
            mine["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["record_id"] == lesson),
            "{mine}"
        );

        // An iCal feed: made by the lead, read with its token only, gone when revoked.
        let r = lead
            .post(
                "/api/v1/calendar-feeds",
                json!({"kind": "community", "id": i.community}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let url = r.json()["url"].as_str().unwrap().to_owned();
        let feed = r.json()["feed"]["id"].as_i64().unwrap();
        let anon = Client::anonymous(&e.app);
        let ics = anon.get(&url).await;
        assert_eq!(ics.status, StatusCode::OK);
        let text = ics.text();
        assert!(
            text.starts_with("BEGIN:VCALENDAR\r\n") && text.contains("《观潮》"),
            "{label}: {text}"
        );
        assert_eq!(
            anon.get("/ical/0000.ics").await.status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            coord
                .delete(&format!("/api/v1/calendar-feeds/{feed}"))
                .await
                .status,
            StatusCode::NOT_FOUND,
            "only the owner revokes"
        );
        assert_eq!(
            lead.delete(&format!("/api/v1/calendar-feeds/{feed}"))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(anon.get(&url).await.status, StatusCode::NOT_FOUND);
        assert_eq!(
            coord
                .post(
                    "/api/v1/calendar-feeds",
                    json!({"kind": "teacher", "id": i.teacher + 100000})
                )
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Common free time: teacher1 teaches Monday 1–4; a core teacher Monday 3–8 and Tuesday all day.
        let core_teacher = lead
            .get(&format!("/api/v1/teachers?school_id={}&per_page=1", i.core))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let slots = |v: &[(u8, u8)]| json!({"slots": v.iter().map(|(w, p)| json!({"weekday": w, "period": p})).collect::<Vec<_>>()});
        let r = teacher
            .put(
                &format!("/api/v1/teachers/{}/periods", i.teacher),
                slots(&[(1, 1), (1, 2), (1, 3), (1, 4)]),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            teacher
                .put(
                    &format!("/api/v1/teachers/{core_teacher}/periods"),
                    slots(&[(1, 1)])
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut busy: Vec<(u8, u8)> = (3..=8).map(|p| (1, p)).collect();
        busy.extend((1..=8).map(|p| (2, p)));
        assert_eq!(
            lead.put(
                &format!("/api/v1/teachers/{core_teacher}/periods"),
                slots(&busy)
            )
            .await
            .status,
            StatusCode::OK
        );
        assert_eq!(
            lead.put(
                &format!("/api/v1/teachers/{core_teacher}/periods"),
                slots(&[(6, 1)])
            )
            .await
            .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let ft = lead
            .get(&format!(
                "/api/v1/free-time?teacher_ids={},{core_teacher}",
                i.teacher
            ))
            .await;
        assert_eq!(ft.status, StatusCode::OK, "{}", ft.text());
        let w = ft.json()["windows"].as_array().unwrap().clone();
        assert!(
            w.iter().all(|x| x["weekday"] != 1 && x["weekday"] != 2),
            "{w:?}"
        );
        assert_eq!(w.len(), 3, "Wednesday to Friday, whole days: {w:?}");
        assert_eq!(
            lead.get(&format!("/api/v1/free-time?teacher_ids={}", i.teacher))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // The lead's dashboard counts the term.
        let d = lead
            .get(&format!("/api/v1/communities/{}/dashboard", i.community))
            .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.text());
        let d = d.json();
        assert!(
            d["sync_lessons"].as_i64().unwrap() >= 1
                || gongjin_domain::Term::of(today)
                    != gongjin_domain::Term::of(today + chrono::Duration::days(3)),
            "{d}"
        );
        assert!(d["quota"].as_array().is_some());
        let other_lead = Client::login(&e.app, "lead2", DEMO_PASSWORD).await;
        assert_eq!(
            other_lead
                .get(&format!("/api/v1/communities/{}/dashboard", i.community))
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        // Pages render for the lead.
        for p in [
            "/activities".to_owned(),
            "/activities/new".to_owned(),
            "/activities/series/new".to_owned(),
            format!("/activities/{act}"),
            format!("/calendar?community_id={}", i.community),
            "/calendar".to_owned(),
            format!("/communities/{}/dashboard", i.community),
            format!(
                "/free-time?community_id={}&teacher_id={}&teacher_id={core_teacher}",
                i.community, i.teacher
            ),
            format!("/teachers/{core_teacher}/periods"),
            "/sync-lessons".to_owned(),
            "/sync-lessons/new".to_owned(),
            format!("/sync-lessons/{lesson}"),
            "/support".to_owned(),
        ] {
            let r = lead.get(&p).await;
            assert_eq!(r.status, StatusCode::OK, "{label} {p}: {}", r.text());
        }
        e.db.finish().await;
    }
}

#[tokio::test]
async fn teaching_periods_import_all_or_nothing() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let i = ids(&e).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let csrf = lead.get("/api/v1/auth/me").await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let staff = |id: i64| {
            let lead = &lead;
            async move {
                lead.get(&format!("/api/v1/teachers/{id}")).await.json()["staff_number"]
                    .as_str()
                    .unwrap()
                    .to_owned()
            }
        };
        let core_teacher = lead
            .get(&format!("/api/v1/teachers?school_id={}&per_page=1", i.core))
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let (s1, s2) = (staff(i.teacher).await, staff(core_teacher).await);
        let before = lead
            .get(&format!("/api/v1/teachers/{}/periods", i.teacher))
            .await
            .json();

        // A bad sheet: every bad row named, nothing written.
        let bad =
            format!("教师编号,星期,节次\n{s1},星期一,1、2\n{s2},星期六,1\nNOPE999,星期二,3\n");
        let r = lead
            .upload(
                "/api/v1/teacher-periods/import",
                &[],
                "p.csv",
                bad.as_bytes(),
                Some(&csrf),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {}",
            r.text()
        );
        let msgs = r.json()["messages"].to_string();
        assert!(
            msgs.contains("第3行 星期") && msgs.contains("第4行 教师编号"),
            "{msgs}"
        );
        assert_eq!(
            lead.get(&format!("/api/v1/teachers/{}/periods", i.teacher))
                .await
                .json(),
            before,
            "{label}: nothing written"
        );

        // A good sheet replaces the listed teachers' periods.
        let good = format!(
            "教师编号,星期,节次\n{s1},星期一,1-4\n{s1},星期三,2\n{s2},周二,1、2、3、4、5、6、7、8\n"
        );
        let r = lead
            .upload(
                "/api/v1/teacher-periods/import",
                &[],
                "p.csv",
                good.as_bytes(),
                Some(&csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        assert_eq!(r.json()["written"], true);
        let p = lead
            .get(&format!("/api/v1/teachers/{}/periods", i.teacher))
            .await
            .json();
        assert_eq!(p["slots"].as_array().unwrap().len(), 5, "{p}");
        let ft = lead
            .get(&format!(
                "/api/v1/free-time?teacher_ids={},{core_teacher}",
                i.teacher
            ))
            .await
            .json();
        assert!(
            ft["windows"]
                .as_array()
                .unwrap()
                .iter()
                .all(|w| w["weekday"] != 2),
            "{ft}"
        );

        // Inspectors write nothing; a coordinator cannot reach another school's teacher.
        let insp = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        let ic = insp.get("/api/v1/auth/me").await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        assert_eq!(
            insp.upload(
                "/api/v1/teacher-periods/import",
                &[],
                "p.csv",
                good.as_bytes(),
                Some(&ic)
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let cc = coord.get("/api/v1/auth/me").await.json()["csrf_token"]
            .as_str()
            .unwrap()
            .to_owned();
        let r = coord
            .upload(
                "/api/v1/teacher-periods/import",
                &[],
                "p.csv",
                format!("教师编号,星期,节次\n{s2},星期四,1\n").as_bytes(),
                Some(&cc),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());

        // The page form reports the same way.
        let r = lead
            .upload(
                "/free-time/import",
                &[("_csrf", &csrf)],
                "p.csv",
                bad.as_bytes(),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.text().contains("第3行 星期"), "{}", r.text());
        assert_eq!(
            lead.get("/api/v1/teacher-periods/template").await.status,
            StatusCode::OK
        );
        e.db.finish().await;
    }
}
