//! Shared courses with their deliveries and totals, and the resource library: API on both
//! backends, pages, exports, and every new route refused outside scope for the five roles.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

const ROLES: [&str; 5] = [
    "zengdu_admin",
    "zengdu_inspector",
    "lead1",
    "coord1",
    "teacher1",
];

async fn csrf(c: &Client) -> String {
    c.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The rows of an exported workbook, read back by the import reader.
fn xlsx_rows(bytes: &[u8], required: &[&str]) -> Vec<gongjin_sheet::Row> {
    assert!(bytes.starts_with(b"PK"), "not an xlsx");
    match gongjin_sheet::read_table(bytes, gongjin_sheet::Format::Xlsx, required) {
        Ok(t) => t.rows,
        // A header without rows.
        Err(gongjin_sheet::SheetError::Empty) => vec![],
        Err(e) => panic!("export reads back: {e}"),
    }
}

/// (community id, core school id, a member school id) of lead1's community.
async fn lead_community(lead: &Client) -> (i64, i64, i64) {
    let cid = lead.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let d = lead.get(&format!("/api/v1/communities/{cid}")).await.json();
    let members = d["members"].as_array().unwrap();
    let core = members.iter().find(|m| m["role"] == "core").unwrap()["school_id"]
        .as_i64()
        .unwrap();
    let member = members.iter().find(|m| m["role"] == "member").unwrap()["school_id"]
        .as_i64()
        .unwrap();
    (cid, core, member)
}

fn totals_of(v: &Value) -> (i64, i64, i64) {
    let t = &v["totals"];
    (
        t["deliveries"].as_i64().unwrap(),
        t["hours"].as_i64().unwrap(),
        t["students"].as_i64().unwrap(),
    )
}

fn audit_changes(all: Value, sessions: Value) -> i64 {
    all["total"].as_i64().unwrap() - sessions["total"].as_i64().unwrap()
}

#[tokio::test]
async fn courses_deliveries_totals_and_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let (cid, core, member) = lead_community(&lead).await;
        let before = totals_of(
            &lead
                .get(&format!("/api/v1/courses?community_id={cid}"))
                .await
                .json(),
        );
        let r = lead.post("/api/v1/courses", json!({"school_id": core, "title": "茶文化与劳动实践", "subject": "劳动", "grades": ["七年级", "g8"], "class_hours": 16, "description": "校本特色课程"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let course = r.json();
        let id = course["id"].as_i64().unwrap();
        assert_eq!(course["grades"], json!(["g7", "g8"]));
        assert_eq!(course["community_id"], cid);
        // Every bad field at once.
        let r = lead
            .post(
                "/api/v1/courses",
                json!({"school_id": core, "title": "", "subject": "", "class_hours": 0, "grades": ["十年级"]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 4);
        let r = lead
            .patch(&format!("/api/v1/courses/{id}"), json!({"class_hours": 18}))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["class_hours"], 18);
        for (on, h, s) in [("2026-09-15", 10, 120), ("2026-10-20", 6, 80)] {
            let r = lead.post(&format!("/api/v1/courses/{id}/deliveries"), json!({"delivered_on": on, "to_school_id": member, "hours": h, "students": s, "note": "送课到校"})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        }
        let r = lead.post(&format!("/api/v1/courses/{id}/deliveries"), json!({"delivered_on": "2026-10-21", "to_school_id": core, "hours": 2, "students": 10})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "same school");
        let r = lead
            .post(
                &format!("/api/v1/courses/{id}/deliveries"),
                json!({"delivered_on": "x", "to_school_id": member, "hours": 0, "students": -1}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let ds = lead
            .get(&format!("/api/v1/courses/{id}/deliveries"))
            .await
            .json();
        assert_eq!(ds.as_array().unwrap().len(), 2);
        let d = lead.get(&format!("/api/v1/courses/{id}")).await.json();
        assert_eq!(
            (
                d["hours_delivered"].as_i64(),
                d["students_reached"].as_i64()
            ),
            (Some(16), Some(200))
        );
        // Totals per community and in all.
        let list = lead
            .get(&format!("/api/v1/courses?community_id={cid}"))
            .await
            .json();
        let after = totals_of(&list);
        assert_eq!(
            (after.0 - before.0, after.1 - before.1, after.2 - before.2),
            (2, 16, 200),
            "{label}"
        );
        let by = list["totals"]["by_community"].as_array().unwrap();
        assert!(by.iter().any(|t| t["community_id"] == cid));
        let t = lead
            .get(&format!("/api/v1/courses/totals?community_id={cid}"))
            .await
            .json();
        assert_eq!(t["hours"], list["totals"]["hours"]);
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/courses").await.json();
        assert!(region["totals"]["hours"].as_i64().unwrap() >= after.1);
        // A region's totals: 曾都区 holds every community's courses, a region without any none.
        let zengdu = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let t = admin
            .get(&format!("/api/v1/courses/totals?region_id={zengdu}"))
            .await
            .json();
        assert_eq!(t["hours"], region["totals"]["hours"]);
        let sum: i64 = t["by_community"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["hours"].as_i64().unwrap())
            .sum();
        assert_eq!(sum, t["hours"].as_i64().unwrap());
        assert_eq!(
            admin
                .get("/api/v1/courses/totals?region_id=999999")
                .await
                .json()["hours"],
            0
        );
        // Inside: the coordinator and teacher of a member school read; only the owner writes.
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let coord_school = coord.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        assert_eq!(
            coord.get(&format!("/api/v1/courses/{id}")).await.status,
            StatusCode::OK
        );
        assert_eq!(
            coord
                .patch(&format!("/api/v1/courses/{id}"), json!({"class_hours": 1}))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = coord.post("/api/v1/courses", json!({"school_id": coord_school, "title": "乡村少年宫剪纸", "subject": "美术", "grades": ["g3"], "class_hours": 8})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        for u in ["teacher1", "zengdu_inspector"] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/courses/{id}")).await.status,
                StatusCode::OK,
                "{u}"
            );
            assert_eq!(
                c.post(
                    "/api/v1/courses",
                    json!({"school_id": core, "title": "x", "subject": "x", "class_hours": 1})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.post(&format!("/api/v1/courses/{id}/deliveries"), json!({"delivered_on": "2026-10-01", "to_school_id": member, "hours": 1, "students": 1})).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
        }
        // Export: one row per delivery.
        let x = lead
            .get(&format!("/api/v1/courses/export?community_id={cid}"))
            .await;
        assert_eq!(x.status, StatusCode::OK);
        let rows = xlsx_rows(&x.bytes, &["课程名称", "送课课时"]);
        assert_eq!(
            rows.iter()
                .filter(|r| r.get("课程名称") == "茶文化与劳动实践")
                .count(),
            2
        );
        assert!(rows.iter().any(|r| r.get("受益学生") == "120"));

        // Outside: a 随县 course, delivery and resource are invisible and untouchable.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let oc = root.post("/api/v1/courses", json!({"school_id": o.school, "title": "随县厉山书法", "subject": "书法", "class_hours": 10})).await.json()["id"].as_i64().unwrap();
        let r = root.post(&format!("/api/v1/courses/{oc}/deliveries"), json!({"delivered_on": "2026-10-01", "to_school_id": o.school2, "hours": 2, "students": 30})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let od = r.json()["id"].as_i64().unwrap();
        let rtoken = csrf(&root).await;
        let r = root
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &o.school.to_string()),
                    ("title", "随县导学单"),
                    ("kind", "guide_sheet"),
                    ("subject", "语文"),
                ],
                "导学单.pdf",
                b"%PDF-1.4 outside",
                Some(&rtoken),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let ores = r.json()["id"].as_i64().unwrap();
        let sessions = || async {
            audit_changes(
                root.get("/api/v1/audit?per_page=1").await.json(),
                root.get("/api/v1/audit?per_page=1&entity=session")
                    .await
                    .json(),
            )
        };
        let audit_before = sessions().await;
        for u in ROLES {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let token = csrf(&c).await;
            for (m, uri, body) in [
                ("GET", format!("/api/v1/courses/{oc}"), None),
                (
                    "PATCH",
                    format!("/api/v1/courses/{oc}"),
                    Some(json!({"title": "改"})),
                ),
                ("DELETE", format!("/api/v1/courses/{oc}"), None),
                ("GET", format!("/api/v1/courses/{oc}/deliveries"), None),
                (
                    "POST",
                    format!("/api/v1/courses/{oc}/deliveries"),
                    Some(
                        json!({"delivered_on": "2026-10-01", "to_school_id": o.school2, "hours": 1, "students": 1}),
                    ),
                ),
                ("DELETE", format!("/api/v1/course-deliveries/{od}"), None),
                (
                    "POST",
                    "/api/v1/courses".to_owned(),
                    Some(
                        json!({"school_id": o.school, "title": "x", "subject": "x", "class_hours": 1}),
                    ),
                ),
                ("GET", format!("/api/v1/resources/{ores}"), None),
                ("GET", format!("/api/v1/resources/{ores}/download"), None),
                ("DELETE", format!("/api/v1/resources/{ores}"), None),
            ] {
                let r = c
                    .send(
                        axum::http::Method::from_bytes(m.as_bytes()).unwrap(),
                        &uri,
                        body,
                    )
                    .await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} {m} {uri}: {}",
                    r.text()
                );
            }
            let r = c
                .upload(
                    "/api/v1/resources",
                    &[
                        ("school_id", &o.school.to_string()),
                        ("title", "x"),
                        ("kind", "slides"),
                        ("subject", "x"),
                    ],
                    "x.pdf",
                    b"%PDF-1.4 x",
                    Some(&token),
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} upload");
            // Lists and exports never show them.
            let list = c.get("/api/v1/courses?per_page=500").await.json();
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["id"] != oc),
                "{u}"
            );
            assert!(
                list["totals"]["by_community"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["community_id"] != o.community),
                "{u} totals"
            );
            let t = c.get("/api/v1/courses/totals").await.json();
            assert!(
                t["by_community"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["community_id"] != o.community),
                "{u} totals endpoint"
            );
            let res = c.get("/api/v1/resources?per_page=500").await.json();
            assert!(
                res["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["id"] != ores),
                "{u}"
            );
            for x in ["/api/v1/courses/export", "/api/v1/resources/export"] {
                let r = c.get(x).await;
                assert_eq!(r.status, StatusCode::OK);
                let rows = xlsx_rows(
                    &r.bytes,
                    &[if x.contains("courses") {
                        "课程名称"
                    } else {
                        "资源名称"
                    }],
                );
                assert!(
                    rows.iter().all(|r| !r.get("课程名称").contains("随县")
                        && !r.get("资源名称").contains("随县")),
                    "{u} {x}"
                );
            }
            // Pages.
            for uri in [
                format!("/courses/{oc}"),
                format!("/courses/{oc}/edit"),
                format!("/resources/{ores}/download"),
            ] {
                let r = c.get(&uri).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} GET {uri}");
                assert!(!r.text().contains("随县厉山书法") && !r.text().contains("%PDF"));
            }
            let s = |v: i64| v.to_string();
            for (uri, fields) in [
                (format!("/courses/{oc}/delete"), vec![]),
                (
                    format!("/courses/{oc}/edit"),
                    vec![
                        ("title", "改".to_owned()),
                        ("subject", "x".into()),
                        ("class_hours", "1".into()),
                    ],
                ),
                (
                    format!("/courses/{oc}/deliveries"),
                    vec![
                        ("delivered_on", "2026-10-01".to_owned()),
                        ("to_school_id", s(o.school2)),
                        ("hours", "1".into()),
                        ("students", "1".into()),
                    ],
                ),
                (format!("/courses/{oc}/deliveries/{od}/delete"), vec![]),
                (
                    "/courses/new".to_owned(),
                    vec![
                        ("school_id", s(o.school)),
                        ("title", "x".into()),
                        ("subject", "x".into()),
                        ("class_hours", "1".into()),
                    ],
                ),
                (format!("/resources/{ores}/delete"), vec![]),
            ] {
                let mut f = fields.clone();
                f.push(("_csrf", token.clone()));
                let r = c.form_owned(&uri, &f).await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} POST {uri}");
            }
            let r = c
                .upload(
                    "/resources/new",
                    &[
                        ("_csrf", &token),
                        ("school_id", &o.school.to_string()),
                        ("title", "x"),
                        ("kind", "slides"),
                        ("subject", "x"),
                    ],
                    "x.pdf",
                    b"%PDF-1.4 x",
                    None,
                )
                .await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} page upload");
            let r = c.get("/courses").await;
            assert_eq!(r.status, StatusCode::OK, "{u}");
            assert!(!r.text().contains("随县厉山书法"));
            let r = c.get("/resources").await;
            assert_eq!(r.status, StatusCode::OK, "{u}");
            assert!(!r.text().contains("随县导学单"));
        }
        assert_eq!(
            sessions().await,
            audit_before,
            "{label}: no refused write left a trace"
        );
        let still = root.get(&format!("/api/v1/courses/{oc}")).await.json();
        assert_eq!(
            (still["title"].as_str(), still["deliveries"].as_i64()),
            (Some("随县厉山书法"), Some(1))
        );
        assert_eq!(
            root.get(&format!("/api/v1/resources/{ores}")).await.json()["downloads"],
            0
        );
        // Deleting a delivery and the course is audited.
        let r = lead
            .delete(&format!("/api/v1/course-deliveries/{}", ds[0]["id"]))
            .await;
        assert_eq!(r.status, StatusCode::NO_CONTENT);
        assert_eq!(
            lead.delete(&format!("/api/v1/courses/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
        let log = admin.get("/api/v1/audit?entity=course").await.json();
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["action"] == "delete" && x["entity_id"] == id)
        );
        e.db.finish().await;
    }
}

#[tokio::test]
async fn resource_library_upload_search_and_download_counts() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let school = coord.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap()
            .to_string();
        let token = csrf(&coord).await;
        let files_now = || {
            std::fs::read_dir(e.dir.join("uploads"))
                .map(|d| d.count())
                .unwrap_or(0)
        };
        let n0 = files_now();
        let queries = [
            ("kind=guide_sheet", 1),
            ("kind=%E8%AF%95%E5%8D%B7", 1),
            ("subject=%E6%95%B0%E5%AD%A6", 1),
            ("grade=g5", 2),
            ("grade=g6", 1),
            ("q=%E8%87%AA%E5%AD%A6", 1),
            ("grade=g9", 0),
        ];
        let mut before = vec![];
        for (q, _) in queries {
            let l = coord
                .get(&format!("/api/v1/resources?school_id={school}&{q}"))
                .await
                .json();
            before.push(l["total"].as_i64().unwrap());
        }
        // Content must match the type; nothing is stored for a refused file.
        let r = coord
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &school),
                    ("title", "分数导学单"),
                    ("kind", "导学单"),
                    ("subject", "数学"),
                    ("grades", "五年级"),
                ],
                "导学单.pdf",
                b"<script>x</script>",
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
        let r = coord
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &school),
                    ("title", ""),
                    ("kind", "poster"),
                    ("subject", "数学"),
                ],
                "a.pdf",
                b"%PDF-1.4 a",
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(files_now(), n0);
        // Without the CSRF token a session caller is refused.
        let r = coord
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &school),
                    ("title", "x"),
                    ("kind", "slides"),
                    ("subject", "数学"),
                ],
                "a.pdf",
                b"%PDF-1.4 a",
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN);
        let r = coord
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &school),
                    ("title", "百分数的应用导学单"),
                    ("kind", "导学单"),
                    ("subject", "数学"),
                    ("grades", "五年级、六年级"),
                    ("description", "课前自学"),
                ],
                "../../etc/导学单.pdf",
                b"%PDF-1.4 guide",
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let res = r.json();
        let id = res["id"].as_i64().unwrap();
        assert_eq!(res["original_name"], "导学单.pdf");
        assert_eq!(res["grades"], "g5,g6");
        assert!(res.get("stored_name").is_none());
        assert_eq!(files_now(), n0 + 1);
        let r = coord
            .upload(
                "/api/v1/resources",
                &[
                    ("school_id", &school),
                    ("title", "期中试卷"),
                    ("kind", "test_paper"),
                    ("subject", "语文"),
                    ("grades", "g5"),
                ],
                "试卷.docx",
                b"PK\x03\x04 docx",
                Some(&token),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        // Search by kind, subject, grade and text (counted over what the demo already holds).
        for ((q, expect), b) in queries.iter().zip(before) {
            let l = coord
                .get(&format!("/api/v1/resources?school_id={school}&{q}"))
                .await
                .json();
            assert_eq!(l["total"].as_i64().unwrap() - b, *expect, "{label} {q}");
        }
        // Downloads are counted, for the teacher of the community too.
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        for c in [&coord, &teacher, &coord] {
            let r = c.get(&format!("/api/v1/resources/{id}/download")).await;
            assert_eq!(r.status, StatusCode::OK);
            assert_eq!(r.bytes, b"%PDF-1.4 guide");
            assert_eq!(r.headers["x-content-type-options"], "nosniff");
        }
        let r = teacher.get(&format!("/resources/{id}/download")).await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            coord.get(&format!("/api/v1/resources/{id}")).await.json()["downloads"],
            4
        );
        // The page lists and finds it; the export has the rows.
        let page = teacher.get("/resources?kind=guide_sheet").await.text();
        assert!(page.contains("百分数的应用导学单") && page.contains("导学单"));
        let x = coord.get("/api/v1/resources/export").await;
        let rows = xlsx_rows(&x.bytes, &["资源名称", "下载次数"]);
        let row = rows
            .iter()
            .find(|r| r.get("资源名称") == "百分数的应用导学单")
            .expect("exported");
        assert_eq!(
            (row.get("下载次数"), row.get("年级")),
            ("4", "五年级、六年级")
        );
        // The community's lead may remove it; the file goes too.
        let teacher_del = teacher.delete(&format!("/api/v1/resources/{id}")).await;
        assert_eq!(teacher_del.status, StatusCode::FORBIDDEN);
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        assert_eq!(
            lead.delete(&format!("/api/v1/resources/{id}")).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(files_now(), n0 + 1);
        // The demo library's files are generated on download (nothing of theirs on disk).
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let all = admin.get("/api/v1/resources?per_page=500").await.json();
        let demo = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["uploaded_by"] == "demo")
            .expect("demo resources")
            .clone();
        let r = admin
            .get(&format!("/api/v1/resources/{}/download", demo["id"]))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        assert!(r.bytes.starts_with(b"%PDF"));
        assert_eq!(files_now(), n0 + 1);
        e.db.finish().await;
    }
}

#[tokio::test]
async fn lead_shares_a_course_and_a_resource_through_the_pages() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let (_, core, member) = lead_community(&lead).await;
    let token = csrf(&lead).await;
    let page = lead.get("/courses").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text().contains("id=\"course-totals\"") && page.text().contains("id=\"course-form\"")
    );
    let r = lead
        .form(
            "/courses/new",
            &[
                ("_csrf", &token),
                ("school_id", &core.to_string()),
                ("title", ""),
                ("subject", "科学"),
                ("class_hours", "x"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("名称：必填"), "{}", r.text());
    let r = lead
        .form(
            "/courses/new",
            &[
                ("_csrf", &token),
                ("school_id", &core.to_string()),
                ("title", "青少年科技创新"),
                ("subject", "科学"),
                ("grades", "七年级、八年级"),
                ("class_hours", "20"),
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
    let r = lead
        .form(
            &format!("{at}/deliveries"),
            &[
                ("_csrf", &token),
                ("delivered_on", "2026-11-05"),
                ("to_school_id", &member.to_string()),
                ("hours", "4"),
                ("students", "45"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = lead
        .form(
            &format!("{at}/deliveries"),
            &[
                ("_csrf", &token),
                ("delivered_on", "2026-11-06"),
                ("to_school_id", &member.to_string()),
                ("hours", "0"),
                ("students", "45"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("notice err"));
    let d = lead.get(&at).await.text();
    assert!(
        d.contains("青少年科技创新")
            && d.contains("七年级、八年级")
            && d.contains("id=\"deliveries\"")
            && d.contains("45")
    );
    let r = lead
        .form(
            &format!("{at}/edit"),
            &[
                ("_csrf", &token),
                ("title", "青少年科技创新（第二期）"),
                ("subject", "科学"),
                ("grades", "g8"),
                ("class_hours", "0"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("课程课时"), "{}", r.text());
    assert_eq!(lead.get(&format!("{at}/edit")).await.status, StatusCode::OK);
    let r = lead
        .form(
            &format!("{at}/edit"),
            &[
                ("_csrf", &token),
                ("title", "青少年科技创新（第二期）"),
                ("subject", "科学"),
                ("grades", "七年级、八年级"),
                ("class_hours", "24"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    assert!(lead.get(&at).await.text().contains("第二期"));
    let list = lead.get("/courses?grade=g8").await.text();
    assert!(list.contains("青少年科技创新"));
    let r = lead
        .upload(
            "/resources/new",
            &[
                ("_csrf", &token),
                ("school_id", &core.to_string()),
                ("title", "电路课件"),
                ("kind", "slides"),
                ("subject", "物理"),
                ("grades", "九年级"),
            ],
            "电路.pptx",
            b"PK\x03\x04 pptx",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = lead
        .upload(
            "/resources/new",
            &[
                ("_csrf", &token),
                ("school_id", &core.to_string()),
                ("title", "坏文件"),
                ("kind", "slides"),
                ("subject", "物理"),
            ],
            "x.exe",
            b"MZ",
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("notice err"));
    let lib = lead.get("/resources?q=%E7%94%B5%E8%B7%AF").await.text();
    assert!(lib.contains("电路课件") && lib.contains("课件"));
    assert!(!lib.contains("坏文件"));
    e.db.finish().await;
}
