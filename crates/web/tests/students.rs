//! Students: pairings, joint events, "两帮一" groups and the hardship fund — API on both
//! backends, pages, exports, scope for the five roles, and the fund's guarantees: the balance never
//! goes negative under concurrent disbursements, a failed write leaves no trace, a reversal is a
//! counter-entry made at most once.

mod common;

use axum::http::{Method, StatusCode};
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

/// Whether any cell of an exported workbook (with `header`) contains `needle`.
fn export_mentions(bytes: &[u8], header: &str, needle: &str) -> bool {
    xlsx_rows(bytes, &[header])
        .iter()
        .any(|r| r.cells().any(|(_, v)| v.contains(needle)))
}

fn xlsx_rows(bytes: &[u8], required: &[&str]) -> Vec<gongjin_sheet::Row> {
    assert!(bytes.starts_with(b"PK"), "not an xlsx");
    match gongjin_sheet::read_table(bytes, gongjin_sheet::Format::Xlsx, required) {
        Ok(t) => t.rows,
        // A header without rows.
        Err(gongjin_sheet::SheetError::Empty) => vec![],
        Err(e) => panic!("export reads back: {e}"),
    }
}

/// (community, core school, member schools) of lead1's community.
async fn lead_community(lead: &Client) -> (i64, i64, Vec<i64>) {
    let cid = lead.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let d = lead.get(&format!("/api/v1/communities/{cid}")).await.json();
    let members = d["members"].as_array().unwrap();
    let core = members.iter().find(|m| m["role"] == "core").unwrap()["school_id"]
        .as_i64()
        .unwrap();
    let others = members
        .iter()
        .filter(|m| m["role"] == "member")
        .map(|m| m["school_id"].as_i64().unwrap())
        .collect();
    (cid, core, others)
}

/// Everything in the audit log but sign-ins.
async fn changes(root: &Client) -> i64 {
    let all = root.get("/api/v1/audit?per_page=1").await.json();
    let s = root
        .get("/api/v1/audit?per_page=1&entity=session")
        .await
        .json();
    all["total"].as_i64().unwrap() - s["total"].as_i64().unwrap()
}

async fn fund(c: &Client, community: i64) -> Value {
    let r = c
        .get(&format!("/api/v1/hardship-fund?community_id={community}"))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    r.json()
}

#[tokio::test]
async fn pairings_events_groups_and_their_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let (cid, core, members) = lead_community(&lead).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let me = coord.get("/api/v1/auth/me").await.json();
        let coord_school = me["scope_id"].as_i64().unwrap();
        assert!(
            members.contains(&coord_school),
            "coord1 is at a member school"
        );
        // Pairings.
        let r = lead.post("/api/v1/pairings", json!({"community_id": cid, "kind": "班级结对", "school_a_id": core, "party_a": "七(1)班", "school_b_id": coord_school, "party_b": "七年级2班", "paired_on": "2026-09-10"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let pid = r.json()["id"].as_i64().unwrap();
        assert_eq!(r.json()["kind"], "class");
        let r = lead.post("/api/v1/pairings", json!({"community_id": cid, "kind": "x", "school_a_id": core, "party_a": "", "school_b_id": core, "party_b": "b", "paired_on": "bad"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 4);
        let r = coord.post("/api/v1/pairings", json!({"community_id": cid, "kind": "family", "school_a_id": coord_school, "party_a": "李家", "school_b_id": core, "party_b": "王家", "paired_on": "2026-09-12"})).await;
        assert_eq!(
            r.status,
            StatusCode::CREATED,
            "coordinator pairs its own school: {}",
            r.text()
        );
        let others: Vec<i64> = members
            .iter()
            .copied()
            .filter(|s| *s != coord_school)
            .collect();
        if let Some(other) = others.first() {
            let r = coord.post("/api/v1/pairings", json!({"community_id": cid, "kind": "student", "school_a_id": core, "party_a": "甲", "school_b_id": other, "party_b": "乙", "paired_on": "2026-09-12"})).await;
            assert_eq!(r.status, StatusCode::FORBIDDEN, "not its school");
        }
        let r = lead
            .patch(
                &format!("/api/v1/pairings/{pid}"),
                json!({"note": "每月互访一次"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(
            coord
                .patch(&format!("/api/v1/pairings/{pid}"), json!({"note": "x"}))
                .await
                .status,
            StatusCode::OK
        );
        // Joint events.
        let r = lead.post("/api/v1/student-events", json!({"community_id": cid, "title": "共读一本书·互通一封信", "held_on": "2026-10-16", "school_ids": [core, coord_school], "students": 240, "summary": "两校学生交换书信"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let ev = r.json();
        assert_eq!(ev["school_names"].as_array().unwrap().len(), 2);
        let evid = ev["id"].as_i64().unwrap();
        // A school outside the community is refused.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let r = lead.post("/api/v1/student-events", json!({"community_id": cid, "title": "x", "held_on": "2026-10-16", "school_ids": [core, o.school], "students": 1})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        // "两帮一": the teacher of the group adds notes; the coordinator writes for its school.
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        let tme = teacher.get("/api/v1/auth/me").await.json();
        let tid = tme["scope_id"].as_i64().unwrap();
        let r = coord.post("/api/v1/help-groups", json!({"school_id": coord_school, "student_name": "张小雨", "teacher_id": tid, "helper_student": "刘洋", "grade": "五年级", "subject": "数学", "started_on": "2026-09-05", "goals": "期末数学及格"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let gid = r.json()["id"].as_i64().unwrap();
        let r = teacher
            .post(
                &format!("/api/v1/help-groups/{gid}/notes"),
                json!({"noted_on": "2026-10-08", "note": "分数加减已掌握"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = teacher
            .post(
                &format!("/api/v1/help-groups/{gid}/notes"),
                json!({"noted_on": "2026-10-08", "note": ""}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let g = lead.get(&format!("/api/v1/help-groups/{gid}")).await.json();
        assert_eq!(
            (g["notes"].as_i64(), g["last_note_on"].as_str()),
            (Some(1), Some("2026-10-08"))
        );
        assert_eq!(teacher.post("/api/v1/pairings", json!({"community_id": cid, "kind": "student", "school_a_id": core, "party_a": "a", "school_b_id": coord_school, "party_b": "b", "paired_on": "2026-09-12"})).await.status, StatusCode::FORBIDDEN);
        let r = lead
            .patch(
                &format!("/api/v1/help-groups/{gid}"),
                json!({"status": "closed"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        // The inspector reads everything in its region and writes nothing.
        let insp = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        for uri in [
            format!("/api/v1/pairings/{pid}"),
            format!("/api/v1/student-events/{evid}"),
            format!("/api/v1/help-groups/{gid}"),
        ] {
            assert_eq!(insp.get(&uri).await.status, StatusCode::OK, "{uri}");
        }
        assert_eq!(
            insp.post(
                &format!("/api/v1/help-groups/{gid}/notes"),
                json!({"noted_on": "2026-10-09", "note": "x"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // Filters: a pairing's kind (key or label), a group's status; events ignore `kind`.
        let l = lead
            .get(&format!(
                "/api/v1/pairings?community_id={cid}&kind=%E7%8F%AD%E7%BA%A7%E7%BB%93%E5%AF%B9"
            ))
            .await
            .json();
        assert!(
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["kind"] == "class")
                && l["total"].as_i64().unwrap() >= 1
        );
        let l = lead
            .get(&format!(
                "/api/v1/help-groups?school_id={coord_school}&kind=closed"
            ))
            .await
            .json();
        assert!(
            l["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|g| g["id"] == gid)
        );
        assert_eq!(
            lead.get("/api/v1/student-events?kind=x").await.status,
            StatusCode::OK
        );
        // Exports have the rows.
        let rows = xlsx_rows(
            &lead.get("/api/v1/pairings/export").await.bytes,
            &["结对类型", "结对方甲"],
        );
        assert!(
            rows.iter()
                .any(|r| r.get("结对方甲") == "七(1)班" && r.get("结对类型") == "班级结对")
        );
        let rows = xlsx_rows(
            &lead.get("/api/v1/student-events/export").await.bytes,
            &["活动名称"],
        );
        assert!(
            rows.iter()
                .any(|r| r.get("活动名称") == "共读一本书·互通一封信"
                    && r.get("参与学生数") == "240")
        );
        let rows = xlsx_rows(
            &lead.get("/api/v1/help-groups/export").await.bytes,
            &["受助学生"],
        );
        assert!(rows.iter().any(|r| r.get("受助学生") == "张小雨"
            && r.get("进展记录数") == "1"
            && r.get("状态") == "已结束"));

        // Outside: 随县's pairing, event and group, for every 曾都区 role.
        let t2 = root.post("/api/v1/teachers", json!({"staff_number": "SX0002", "name": "吴刚", "gender": "男", "school_id": o.school2, "subjects": ["语文"]})).await.json()["id"].as_i64().unwrap();
        let op = root.post("/api/v1/pairings", json!({"community_id": o.community, "kind": "student", "school_a_id": o.school, "party_a": "随县学生甲", "school_b_id": o.school2, "party_b": "随县学生乙", "paired_on": "2026-09-12"})).await;
        assert_eq!(op.status, StatusCode::CREATED, "{}", op.text());
        let op = op.json()["id"].as_i64().unwrap();
        let oe = root.post("/api/v1/student-events", json!({"community_id": o.community, "title": "随县联合运动会", "held_on": "2026-10-01", "school_ids": [o.school, o.school2], "students": 300})).await.json()["id"].as_i64().unwrap();
        let og = root.post("/api/v1/help-groups", json!({"school_id": o.school2, "student_name": "随县学困生", "teacher_id": t2, "helper_student": "随县优生", "grade": "g4", "started_on": "2026-09-01"})).await;
        assert_eq!(og.status, StatusCode::CREATED, "{}", og.text());
        let og = og.json()["id"].as_i64().unwrap();
        let before = changes(&root).await;
        for u in ROLES {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let token = csrf(&c).await;
            for (m, uri, body) in [
                (Method::GET, format!("/api/v1/pairings/{op}"), None),
                (
                    Method::PATCH,
                    format!("/api/v1/pairings/{op}"),
                    Some(json!({"note": "改"})),
                ),
                (Method::DELETE, format!("/api/v1/pairings/{op}"), None),
                (
                    Method::POST,
                    "/api/v1/pairings".into(),
                    Some(
                        json!({"community_id": o.community, "kind": "student", "school_a_id": o.school, "party_a": "a", "school_b_id": o.school2, "party_b": "b", "paired_on": "2026-09-12"}),
                    ),
                ),
                (Method::GET, format!("/api/v1/student-events/{oe}"), None),
                (Method::DELETE, format!("/api/v1/student-events/{oe}"), None),
                (
                    Method::POST,
                    "/api/v1/student-events".into(),
                    Some(
                        json!({"community_id": o.community, "title": "x", "held_on": "2026-10-01", "school_ids": [o.school], "students": 1}),
                    ),
                ),
                (Method::GET, format!("/api/v1/help-groups/{og}"), None),
                (
                    Method::PATCH,
                    format!("/api/v1/help-groups/{og}"),
                    Some(json!({"status": "closed"})),
                ),
                (Method::DELETE, format!("/api/v1/help-groups/{og}"), None),
                (
                    Method::POST,
                    format!("/api/v1/help-groups/{og}/notes"),
                    Some(json!({"noted_on": "2026-10-01", "note": "x"})),
                ),
                (
                    Method::POST,
                    "/api/v1/help-groups".into(),
                    Some(
                        json!({"school_id": o.school2, "student_name": "x", "teacher_id": t2, "helper_student": "y", "grade": "g4", "started_on": "2026-09-01"}),
                    ),
                ),
            ] {
                let r = c.send(m.clone(), &uri, body).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} {m} {uri}: {}",
                    r.text()
                );
            }
            for (list, id, header) in [
                ("pairings", op, "结对类型"),
                ("student-events", oe, "活动名称"),
                ("help-groups", og, "受助学生"),
            ] {
                let l = c.get(&format!("/api/v1/{list}?per_page=500")).await.json();
                assert!(
                    l["items"].as_array().unwrap().iter().all(|x| x["id"] != id),
                    "{label} {u} sees {list}"
                );
                let x = c.get(&format!("/api/v1/{list}/export")).await;
                assert_eq!(x.status, StatusCode::OK);
                assert!(
                    !export_mentions(&x.bytes, header, "随县"),
                    "{u} export {list}"
                );
            }
            for (uri, needle) in [
                ("/pairings", "随县学生甲"),
                ("/student-events", "随县联合运动会"),
                ("/help-groups", "随县学困生"),
            ] {
                let r = c.get(uri).await;
                assert_eq!(r.status, StatusCode::OK, "{u} {uri}");
                assert!(!r.text().contains(needle), "{u} {uri}");
            }
            assert_eq!(
                c.get(&format!("/help-groups/{og}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            let s = |v: i64| v.to_string();
            for (uri, fields) in [
                (format!("/pairings/{op}/delete"), vec![]),
                (
                    "/pairings/new".to_owned(),
                    vec![
                        ("kind", "student".to_owned()),
                        ("school_a_id", s(o.school)),
                        ("party_a", "a".into()),
                        ("school_b_id", s(o.school2)),
                        ("party_b", "b".into()),
                        ("paired_on", "2026-09-12".into()),
                    ],
                ),
                (format!("/student-events/{oe}/delete"), vec![]),
                (
                    "/student-events/new".to_owned(),
                    vec![
                        ("title", "x".to_owned()),
                        ("held_on", "2026-10-01".into()),
                        ("school_ids", s(o.school)),
                        ("students", "3".into()),
                    ],
                ),
                (
                    format!("/help-groups/{og}/notes"),
                    vec![("noted_on", "2026-10-01".to_owned()), ("note", "x".into())],
                ),
                (
                    format!("/help-groups/{og}/status"),
                    vec![("status", "closed".to_owned())],
                ),
                (format!("/help-groups/{og}/delete"), vec![]),
                (
                    "/help-groups/new".to_owned(),
                    vec![
                        ("school_id", s(o.school2)),
                        ("student_name", "x".into()),
                        ("staff_number", "SX0002".into()),
                        ("helper_student", "y".into()),
                        ("grade", "g4".into()),
                        ("started_on", "2026-09-01".into()),
                    ],
                ),
            ] {
                let mut f = fields.clone();
                f.push(("_csrf", token.clone()));
                let r = c.form_owned(&uri, &f).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} POST {uri}: {}",
                    r.text().chars().take(200).collect::<String>()
                );
            }
        }
        assert_eq!(
            changes(&root).await,
            before,
            "{label}: refused writes leave no trace"
        );
        assert_eq!(
            root.get(&format!("/api/v1/help-groups/{og}")).await.json()["status"],
            "active"
        );
        // Deleting is audited.
        assert_eq!(
            lead.delete(&format!("/api/v1/pairings/{pid}")).await.status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            lead.delete(&format!("/api/v1/student-events/{evid}"))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        let log = root
            .get("/api/v1/audit?entity=student_pairing")
            .await
            .json();
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["action"] == "delete")
        );
        e.db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_disbursements_never_overdraw_the_fund() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let (cid, _, members) = lead_community(&lead).await;
        let start = fund(&lead, cid).await;
        let start_balance = start["balance_fen"].as_i64().unwrap();
        let start_moves = start["movement_list"].as_array().unwrap().len();
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let audit0 = root
            .get("/api/v1/audit?entity=fund_movement&per_page=1")
            .await
            .json()["total"]
            .as_i64()
            .unwrap();
        let r = lead.post("/api/v1/hardship-fund/donations", json!({"community_id": cid, "donor": "曾都区慈善会", "amount": "1000.00", "on_date": "2026-11-02", "note": "助学专项"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let balance = start_balance + 100_000;
        assert_eq!(r.json()["balance_after_fen"], balance);
        // 20 disbursements at once, each more than a fifth of the balance.
        let each = balance / 5 + 1_000;
        let mut tasks = vec![];
        for i in 0..20 {
            let c = lead.clone();
            let school = members[i % members.len()];
            let amount = format!("{}.{:02}", each / 100, each % 100);
            tasks.push(tokio::spawn(async move {
                c.post("/api/v1/hardship-fund/disbursements", json!({"community_id": cid, "student_name": format!("学生{i}"), "school_id": school, "amount": amount, "on_date": "2026-11-03", "reason": "冬季助学"})).await
            }));
        }
        let mut ok = 0i64;
        for t in tasks {
            let r = t.await.unwrap();
            match r.status {
                StatusCode::CREATED => {
                    ok += 1;
                    assert!(r.json()["balance_after_fen"].as_i64().unwrap() >= 0);
                }
                StatusCode::CONFLICT => assert_eq!(r.json()["error"]["code"], "conflict"),
                s => panic!("{label}: unexpected {s}: {}", r.text()),
            }
        }
        assert_eq!(ok, 4, "{label}: exactly four fit into the balance");
        let f = fund(&lead, cid).await;
        let end = f["balance_fen"].as_i64().unwrap();
        assert!(end >= 0);
        assert_eq!(
            end,
            balance - ok * each,
            "{label}: donations − successful disbursements"
        );
        assert_eq!(
            f["movement_list"].as_array().unwrap().len(),
            start_moves + 1 + ok as usize
        );
        assert_eq!(f["balance"], gongjin_domain::inputs::format_yuan(end));
        // The stored running balance follows the movements.
        let mut running = start_balance;
        let mut moves: Vec<&Value> = f["movement_list"].as_array().unwrap().iter().collect();
        moves.sort_by_key(|m| m["id"].as_i64());
        for m in moves.iter().skip(start_moves) {
            running += m["delta_fen"].as_i64().unwrap();
            assert_eq!(m["balance_after_fen"].as_i64().unwrap(), running, "{label}");
        }
        let log = root
            .get("/api/v1/audit?entity=fund_movement&per_page=1")
            .await
            .json();
        assert_eq!(
            log["total"].as_i64().unwrap() - audit0,
            1 + ok,
            "{label}: every movement audited, nothing else"
        );
        e.db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn failed_fund_writes_leave_no_trace_and_reversal_happens_once() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let (cid, core, _) = lead_community(&lead).await;
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        let coord_school = coord.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let r = lead.post("/api/v1/hardship-fund/donations", json!({"community_id": cid, "donor": "爱心企业", "amount": 500, "on_date": "2026-11-01"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let donation = r.json()["id"].as_i64().unwrap();
        let snapshot = |f: &Value| {
            (
                f["balance_fen"].clone(),
                f["movement_list"].as_array().unwrap().len(),
            )
        };
        let o = outside(&root).await;
        let before = snapshot(&fund(&lead, cid).await);
        let audit_before = changes(&root).await;
        // An overdraw, bad rows and a school outside the community: refused, nothing written.
        let huge = before.0.as_i64().unwrap() + 1;
        for (body, status) in [
            (
                json!({"community_id": cid, "student_name": "王小明", "school_id": coord_school, "amount": format!("{}.{:02}", huge / 100, huge % 100), "on_date": "2026-11-02", "reason": "学费"}),
                StatusCode::CONFLICT,
            ),
            (
                json!({"community_id": cid, "student_name": "王小明", "school_id": coord_school, "amount": "12.345", "on_date": "2026-11-02", "reason": "学费"}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"community_id": cid, "student_name": "", "school_id": coord_school, "amount": "-5", "on_date": "昨天", "reason": ""}),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                json!({"community_id": cid, "student_name": "王小明", "school_id": o.school, "amount": "5", "on_date": "2026-11-02", "reason": "学费"}),
                StatusCode::CONFLICT,
            ),
        ] {
            let r = lead.post("/api/v1/hardship-fund/disbursements", body).await;
            assert_eq!(r.status, status, "{label}: {}", r.text());
            if status == StatusCode::CONFLICT
                && r.json()["error"]["message"]
                    .as_str()
                    .unwrap()
                    .contains("余额")
            {
                assert!(
                    r.text()
                        .contains(&gongjin_domain::inputs::format_yuan(huge - 1)),
                    "{}",
                    r.text()
                );
            }
        }
        let r = lead.post("/api/v1/hardship-fund/donations", json!({"community_id": cid, "donor": "x", "amount": "abc", "on_date": "2026-11-02"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            snapshot(&fund(&lead, cid).await),
            before,
            "{label}: balance and movements unchanged"
        );
        assert_eq!(
            changes(&root).await,
            audit_before,
            "{label}: audit log unchanged"
        );
        // The coordinator disburses for its own school only, and reads the fund; the teacher does not.
        let r = coord.post("/api/v1/hardship-fund/disbursements", json!({"community_id": cid, "student_name": "王小明", "school_id": coord_school, "amount": "200", "on_date": "2026-11-02", "reason": "冬衣"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let paid = r.json();
        assert_eq!(paid["amount"], "-200.00");
        let pid = paid["id"].as_i64().unwrap();
        assert_eq!(coord.post("/api/v1/hardship-fund/disbursements", json!({"community_id": cid, "student_name": "x", "school_id": core, "amount": "1", "on_date": "2026-11-02", "reason": "x"})).await.status, StatusCode::FORBIDDEN);
        assert_eq!(coord.post("/api/v1/hardship-fund/donations", json!({"community_id": cid, "donor": "x", "amount": "1", "on_date": "2026-11-02"})).await.status, StatusCode::FORBIDDEN);
        let teacher = Client::login(&e.app, "teacher1", DEMO_PASSWORD).await;
        assert_eq!(
            teacher
                .get(&format!("/api/v1/hardship-fund?community_id={cid}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert!(
            teacher
                .get("/api/v1/hardship-fund/communities")
                .await
                .json()
                .as_array()
                .unwrap()
                .is_empty()
        );
        let insp = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        assert_eq!(
            insp.get(&format!("/api/v1/hardship-fund?community_id={cid}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            insp.post(
                &format!("/api/v1/hardship-fund/movements/{pid}/reverse"),
                json!({})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // Reversal: a counter-entry referencing the original, once.
        let b0 = fund(&lead, cid).await["balance_fen"].as_i64().unwrap();
        let r = lead
            .post(
                &format!("/api/v1/hardship-fund/movements/{pid}/reverse"),
                json!({"note": "重复发放，冲正"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let rev = r.json();
        assert_eq!(
            (
                rev["kind"].as_str(),
                rev["reverses_id"].as_i64(),
                rev["delta_fen"].as_i64()
            ),
            (Some("reversal"), Some(pid), Some(20_000))
        );
        let f = fund(&lead, cid).await;
        assert_eq!(f["balance_fen"].as_i64().unwrap(), b0 + 20_000);
        let orig = f["movement_list"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["id"] == pid)
            .unwrap()
            .clone();
        assert_eq!(orig["reversed_by"], rev["id"]);
        assert_eq!(orig["delta_fen"], -20_000, "the original is never edited");
        let audit_now = changes(&root).await;
        let r = lead
            .post(
                &format!("/api/v1/hardship-fund/movements/{pid}/reverse"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "twice");
        let r = lead
            .post(
                &format!("/api/v1/hardship-fund/movements/{}/reverse", rev["id"]),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "a reversal is not reversed");
        assert_eq!(changes(&root).await, audit_now);
        // Concurrent reversals of the same donation: exactly one lands.
        let balance = fund(&lead, cid).await["balance_fen"].as_i64().unwrap();
        let d2 = lead.post("/api/v1/hardship-fund/donations", json!({"community_id": cid, "donor": "校友会", "amount": "300.50", "on_date": "2026-11-04"})).await.json();
        let d2id = d2["id"].as_i64().unwrap();
        let mut tasks = vec![];
        for _ in 0..6 {
            let c = lead.clone();
            tasks.push(tokio::spawn(async move {
                c.post(
                    &format!("/api/v1/hardship-fund/movements/{d2id}/reverse"),
                    json!({"note": "捐赠退回"}),
                )
                .await
                .status
            }));
        }
        let mut created = 0;
        for t in tasks {
            let s = t.await.unwrap();
            assert!(
                s == StatusCode::CREATED || s == StatusCode::CONFLICT,
                "{label}: {s}"
            );
            if s == StatusCode::CREATED {
                created += 1;
            }
        }
        assert_eq!(created, 1, "{label}");
        assert_eq!(
            fund(&lead, cid).await["balance_fen"].as_i64().unwrap(),
            balance
        );
        // Reversing a donation that has since been spent would overdraw: refused.
        let b = fund(&lead, cid).await["balance_fen"].as_i64().unwrap();
        let r = lead.post("/api/v1/hardship-fund/disbursements", json!({"community_id": cid, "student_name": "赵一", "school_id": coord_school, "amount": format!("{}.{:02}", b / 100, b % 100), "on_date": "2026-11-05", "reason": "住宿费"})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(fund(&lead, cid).await["balance_fen"], 0);
        let r = lead
            .post(
                &format!("/api/v1/hardship-fund/movements/{donation}/reverse"),
                json!({}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(fund(&lead, cid).await["balance_fen"], 0);
        // Export has every movement.
        let x = lead
            .get(&format!("/api/v1/hardship-fund/export?community_id={cid}"))
            .await;
        let rows = xlsx_rows(&x.bytes, &["类型", "金额（元）"]);
        assert_eq!(
            rows.len(),
            fund(&lead, cid).await["movement_list"]
                .as_array()
                .unwrap()
                .len()
        );
        assert!(
            rows.iter()
                .any(|r| r.get("类型") == "冲正" && r.get("冲正编号") == pid.to_string())
        );
        assert!(rows.iter().any(|r| r.get("金额（元）") == "300.50"));
        // Outside: 随县's fund for every 曾都区 role.
        root.post("/api/v1/hardship-fund/donations", json!({"community_id": o.community, "donor": "随县慈善会", "amount": "800", "on_date": "2026-11-01"})).await;
        let om = root.post("/api/v1/hardship-fund/disbursements", json!({"community_id": o.community, "student_name": "随县学生", "school_id": o.school2, "amount": "100", "on_date": "2026-11-02", "reason": "学费"})).await;
        assert_eq!(om.status, StatusCode::CREATED, "{}", om.text());
        let om = om.json()["id"].as_i64().unwrap();
        let audit_o = changes(&root).await;
        for u in ROLES {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let token = csrf(&c).await;
            for (m, uri, body) in [
                (
                    Method::GET,
                    format!("/api/v1/hardship-fund?community_id={}", o.community),
                    None,
                ),
                (
                    Method::GET,
                    format!("/api/v1/hardship-fund/export?community_id={}", o.community),
                    None,
                ),
                (
                    Method::POST,
                    "/api/v1/hardship-fund/donations".into(),
                    Some(
                        json!({"community_id": o.community, "donor": "x", "amount": "1", "on_date": "2026-11-02"}),
                    ),
                ),
                (
                    Method::POST,
                    "/api/v1/hardship-fund/disbursements".into(),
                    Some(
                        json!({"community_id": o.community, "student_name": "x", "school_id": o.school2, "amount": "1", "on_date": "2026-11-02", "reason": "x"}),
                    ),
                ),
                (
                    Method::POST,
                    format!("/api/v1/hardship-fund/movements/{om}/reverse"),
                    Some(json!({})),
                ),
            ] {
                let r = c.send(m.clone(), &uri, body).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} {m} {uri}: {}",
                    r.text()
                );
            }
            let l = c.get("/api/v1/hardship-fund/communities").await.json();
            assert!(
                l.as_array()
                    .unwrap()
                    .iter()
                    .all(|f| f["community_id"] != o.community),
                "{u}"
            );
            let x = c.get("/api/v1/hardship-fund/export").await;
            assert_eq!(x.status, StatusCode::OK);
            assert!(
                !export_mentions(&x.bytes, "类型", "随县"),
                "{u} fund export"
            );
            assert_eq!(
                c.get(&format!("/hardship-fund/{}", o.community))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            let s = |v: i64| v.to_string();
            for (uri, fields) in [
                (
                    format!("/hardship-fund/{}/donations", o.community),
                    vec![
                        ("donor", "x".to_owned()),
                        ("amount", "1".into()),
                        ("on_date", "2026-11-02".into()),
                    ],
                ),
                (
                    format!("/hardship-fund/{}/disbursements", o.community),
                    vec![
                        ("student_name", "x".to_owned()),
                        ("school_id", s(o.school2)),
                        ("amount", "1".into()),
                        ("on_date", "2026-11-02".into()),
                        ("reason", "x".into()),
                    ],
                ),
                (format!("/hardship-fund/movements/{om}/reverse"), vec![]),
            ] {
                let mut f = fields.clone();
                f.push(("_csrf", token.clone()));
                assert_eq!(
                    c.form_owned(&uri, &f).await.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} POST {uri}"
                );
            }
            let page = c.get("/hardship-fund").await;
            assert_eq!(page.status, StatusCode::OK);
            assert!(!page.text().contains("随县"));
        }
        assert_eq!(changes(&root).await, audit_o, "{label}");
        assert_eq!(fund(&root, o.community).await["balance_fen"], 70_000);
        e.db.finish().await;
    }
}

#[tokio::test]
async fn fund_groups_and_pairings_through_the_pages() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let (cid, core, members) = lead_community(&lead).await;
    let token = csrf(&lead).await;
    let (s, m) = (core.to_string(), members[0].to_string());
    for uri in [
        "/pairings",
        "/student-events",
        "/help-groups",
        "/hardship-fund",
        &format!("/hardship-fund/{cid}"),
    ] {
        let r = lead.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}");
    }
    let r = lead
        .form(
            "/pairings/new",
            &[
                ("_csrf", &token),
                ("kind", "grade"),
                ("school_a_id", &s),
                ("party_a", "八年级"),
                ("school_b_id", &m),
                ("party_b", "八年级"),
                ("paired_on", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = lead
        .form(
            "/pairings/new",
            &[
                ("_csrf", &token),
                ("kind", "grade"),
                ("school_a_id", &s),
                ("party_a", ""),
                ("school_b_id", &s),
                ("party_b", "x"),
                ("paired_on", "2026-09-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("两所学校不能相同"), "{}", r.text());
    assert!(
        lead.get("/pairings?kind=grade")
            .await
            .text()
            .contains("年级结对")
    );
    let r = lead
        .form(
            "/student-events/new",
            &[
                ("_csrf", &token),
                ("title", "社团节"),
                ("held_on", "2026-10-30"),
                ("school_ids", &s),
                ("school_ids", &m),
                ("students", "180"),
                ("summary", "书法、合唱"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = lead.get("/student-events").await.text();
    assert!(page.contains("社团节") && page.contains("180"));
    // A "两帮一" group by the helping teacher's staff number, then a progress note.
    let staff = lead
        .get(&format!("/api/v1/teachers?school_id={m}&per_page=1"))
        .await
        .json()["items"][0]["staff_number"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = lead
        .form(
            "/help-groups/new",
            &[
                ("_csrf", &token),
                ("school_id", &m),
                ("student_name", "陈小花"),
                ("grade", "g6"),
                ("staff_number", &staff),
                ("helper_student", "周杰"),
                ("subject", "英语"),
                ("started_on", "2026-09-08"),
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
            &format!("{at}/notes"),
            &[
                ("_csrf", &token),
                ("noted_on", "2026-10-10"),
                ("note", "单词听写进步明显"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let d = lead.get(&at).await.text();
    assert!(d.contains("陈小花") && d.contains("单词听写进步明显") && d.contains("六年级"));
    let r = lead
        .form(
            "/help-groups/new",
            &[
                ("_csrf", &token),
                ("school_id", &m),
                ("student_name", "x"),
                ("grade", "g6"),
                ("staff_number", "NOPE"),
                ("helper_student", "y"),
                ("started_on", "2026-09-08"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("帮扶教师编号"), "{}", r.text());
    // The fund: a donation, a disbursement shown in yuan, an overdraw refused with the balance.
    let fund_uri = format!("/hardship-fund/{cid}");
    let b0 = lead
        .get(&format!("/api/v1/hardship-fund?community_id={cid}"))
        .await
        .json()["balance_fen"]
        .as_i64()
        .unwrap();
    let r = lead
        .form(
            &format!("{fund_uri}/donations"),
            &[
                ("_csrf", &token),
                ("donor", "随州市红十字会"),
                ("amount", "1,200.50"),
                ("on_date", "2026-11-01"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let r = lead
        .form(
            &format!("{fund_uri}/disbursements"),
            &[
                ("_csrf", &token),
                ("student_name", "刘小军"),
                ("school_id", &m),
                ("amount", "300"),
                ("on_date", "2026-11-02"),
                ("reason", "学习用品"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = lead.get(&fund_uri).await.text();
    let expect = gongjin_domain::inputs::format_yuan(b0 + 120_050 - 30_000);
    assert!(
        page.contains(&format!("<strong id=\"balance\">{expect}</strong>")),
        "{page}"
    );
    assert!(page.contains("-300.00") && page.contains("1200.50") && page.contains("刘小军"));
    let r = lead
        .form(
            &format!("{fund_uri}/disbursements"),
            &[
                ("_csrf", &token),
                ("student_name", "刘小军"),
                ("school_id", &m),
                ("amount", "9999999"),
                ("on_date", "2026-11-02"),
                ("reason", "学费"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.text().contains("余额不足"), "{}", r.text());
    // Reverse the disbursement from the page.
    let f = lead
        .get(&format!("/api/v1/hardship-fund?community_id={cid}"))
        .await
        .json();
    let pid = f["movement_list"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["student_name"] == "刘小军")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let r = lead
        .form(
            &format!("/hardship-fund/movements/{pid}/reverse"),
            &[("_csrf", &token), ("note", "录入错误")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text());
    let page = lead.get(&fund_uri).await.text();
    assert!(page.contains("已冲正") && page.contains(&format!("冲正 #{pid}")));
    let list = lead.get("/hardship-fund").await.text();
    assert!(list.contains(&gongjin_domain::inputs::format_yuan(b0 + 120_050)));
    e.db.finish().await;
}
