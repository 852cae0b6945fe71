//! Black-box tests of the JSON API, on SQLite and on PostgreSQL: the demo district's figures,
//! errors, sessions and tokens, and the route × role scope matrix.

mod common;

use axum::http::{Method, StatusCode};
use common::{ADMIN_PASSWORD, Client, Outside, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use gongjin_store::testing;
use serde_json::{Value, json};

async fn id_of(c: &Client, uri: &str) -> i64 {
    let r = c.get(uri).await;
    assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text());
    r.json()["items"][0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no item at {uri}: {}", r.text()))
}

#[tokio::test]
async fn demo_district_figures_and_basics() {
    for db in testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let anon = Client::anonymous(&e.app);
        assert_eq!(anon.get("/healthz").await.status, StatusCode::OK);
        let doc = anon.get("/api/v1/openapi.json").await.json();
        assert!(
            doc["openapi"].as_str().unwrap().starts_with("3.1"),
            "{label}"
        );

        let r = anon.get("/api/v1/schools").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"]["code"], "unauthorized");
        assert_eq!(r.json()["error"]["message"], "请先登录");

        let admin = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        assert_eq!(
            admin.get("/api/v1/schools?per_page=1").await.json()["total"],
            45,
            "{label}"
        );
        assert_eq!(
            admin.get("/api/v1/communities").await.json()["total"],
            6,
            "{label}"
        );
        let all = admin.get("/api/v1/schools?per_page=200").await.json();
        let covered = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| !s["community_id"].is_null())
            .count();
        assert_eq!(covered, 30, "{label}");
        let zengdu = id_of(&admin, "/api/v1/regions?q=%E6%9B%BE%E9%83%BD%E5%8C%BA").await;
        let cov = admin
            .get(&format!("/api/v1/coverage?region_id={zengdu}"))
            .await
            .json();
        assert_eq!(
            (cov["covered"].as_i64(), cov["eligible"].as_i64()),
            (Some(30), Some(45)),
            "{label}: {cov}"
        );
        assert_eq!(cov["targets"].as_array().unwrap().len(), 2);
        assert_eq!(cov["targets"][0]["schools_needed"], 6);

        // Teachers: about 2,500, phones masked in lists.
        let t = admin.get("/api/v1/teachers?per_page=5").await.json();
        let n = t["total"].as_i64().unwrap();
        assert!((2300..=2700).contains(&n), "{n}");
        assert!(t["items"][0]["phone"].as_str().unwrap().contains("****"));
        let tid = t["items"][0]["id"].as_i64().unwrap();
        assert!(
            !admin.get(&format!("/api/v1/teachers/{tid}")).await.json()["phone"]
                .as_str()
                .unwrap()
                .contains('*')
        );

        // Errors have the documented shape and status.
        let r = admin.send(Method::POST, "/api/v1/schools", None).await;
        assert!(r.status.is_client_error());
        let r = admin.post("/api/v1/schools", json!({"name": "", "code": "123", "region_id": zengdu, "stage": "高中", "locality": "乡村"})).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = r.json()["error"]["fields"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["field"].as_str().unwrap().to_owned())
            .collect();
        assert!(
            fields.contains(&"name".into())
                && fields.contains(&"code".into())
                && fields.contains(&"stage".into()),
            "{fields:?}"
        );
        let existing = all["items"][0]["code"].as_str().unwrap();
        let r = admin.post("/api/v1/schools", json!({"name": "重复学校", "code": existing, "region_id": zengdu, "stage": "primary", "locality": "rural"})).await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.text());
        assert_eq!(
            admin.get("/api/v1/schools/999999").await.status,
            StatusCode::NOT_FOUND
        );
        let r = admin
            .patch(
                &format!("/api/v1/schools/{}", all["items"][0]["id"]),
                json!({"no_such_field": 1}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);

        // Every documented route is routed (no fallback 404/405 with an empty body).
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in item.as_object().unwrap().keys() {
                let uri = path
                    .replace("{id}", "999999")
                    .replace("{school_id}", "999999")
                    .replace("{seat_id}", "999999")
                    .replace("{kind}", "schools");
                let uri = if uri.contains("coverage?") || path == "/api/v1/coverage" {
                    format!("{uri}?region_id=999999")
                } else {
                    uri
                };
                let m = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
                if path.ends_with("/logout") {
                    continue;
                }
                let body = if matches!(m, Method::POST | Method::PATCH | Method::PUT)
                    && !path.contains("documents")
                    && !path.contains("import")
                {
                    Some(json!({}))
                } else {
                    None
                };
                let r = admin.send(m.clone(), &uri, body).await;
                assert!(
                    r.status != StatusCode::METHOD_NOT_ALLOWED
                        && !(r.status == StatusCode::NOT_FOUND && r.bytes.is_empty()),
                    "{m} {uri} not routed: {}",
                    r.status
                );
            }
        }
        e.db.finish().await;
    }
}

#[tokio::test]
async fn sessions_tokens_and_login_limits() {
    let db = testing::sqlite().await;
    let e = env(db).await;
    let admin = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let me = admin.get("/api/v1/auth/me").await.json();
    assert_eq!(me["role"], "bureau_admin");
    // API token for scripts.
    let r = admin
        .post("/api/v1/tokens", json!({"name": "同步脚本"}))
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let secret = r.json()["secret"].as_str().unwrap().to_owned();
    let script = Client {
        app: e.app.clone(),
        cookie: None,
        bearer: Some(secret),
    };
    assert_eq!(
        script.get("/api/v1/auth/me").await.json()["username"],
        "admin"
    );
    let bad = Client {
        app: e.app.clone(),
        cookie: None,
        bearer: Some("nope".into()),
    };
    assert_eq!(
        bad.get("/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Logout ends the session.
    assert_eq!(
        admin
            .send(Method::POST, "/api/v1/auth/logout", None)
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        admin.get("/api/v1/auth/me").await.status,
        StatusCode::UNAUTHORIZED
    );
    // Five wrong passwords lock the name out, even with the right password afterwards.
    let anon = Client::anonymous(&e.app);
    for _ in 0..5 {
        let r = anon
            .post(
                "/api/v1/auth/login",
                json!({"username": "lead1", "password": "wrong-password"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
        assert_eq!(r.json()["error"]["message"], "用户名或密码错误");
    }
    let r = anon
        .post(
            "/api/v1/auth/login",
            json!({"username": "lead1", "password": DEMO_PASSWORD}),
        )
        .await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    // Failed sign-ins are audited.
    let log = script.get("/api/v1/audit?entity=session").await.json();
    assert!(
        log["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["action"] == "login_failed")
    );
    e.db.finish().await;
}

/// Every route that names a record, aimed at the outside records: (method, uri, body).
fn outside_routes(o: &Outside) -> Vec<(Method, String, Option<Value>)> {
    let j = Some(json!({}));
    vec![
        (Method::GET, format!("/api/v1/regions/{}", o.region), None),
        (
            Method::PATCH,
            format!("/api/v1/regions/{}", o.region),
            Some(json!({"name": "改名"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/regions/{}", o.region),
            None,
        ),
        (
            Method::POST,
            "/api/v1/regions".into(),
            Some(json!({"name": "某乡", "level": "county", "parent_id": o.region})),
        ),
        (
            Method::GET,
            format!("/api/v1/coverage?region_id={}", o.region),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/regions/{}/coverage-targets", o.region),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/regions/{}/coverage-targets", o.region),
            Some(json!([])),
        ),
        (
            Method::GET,
            format!("/api/v1/regions/{}/community-kinds", o.region),
            None,
        ),
        (
            Method::PUT,
            format!("/api/v1/regions/{}/community-kinds", o.region),
            Some(json!([{"key": "tight", "name": "紧密型"}])),
        ),
        (
            Method::POST,
            "/api/v1/schools".into(),
            Some(
                json!({"name": "新校", "code": "4213219999", "region_id": o.region, "stage": "primary", "locality": "rural"}),
            ),
        ),
        (Method::GET, format!("/api/v1/schools/{}", o.school), None),
        (
            Method::PATCH,
            format!("/api/v1/schools/{}", o.school),
            Some(json!({"name": "改名"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/schools/{}", o.school),
            None,
        ),
        (
            Method::POST,
            "/api/v1/teachers".into(),
            Some(
                json!({"staff_number": "SX0002", "name": "王", "gender": "男", "school_id": o.school, "subjects": ["语文"]}),
            ),
        ),
        (Method::GET, format!("/api/v1/teachers/{}", o.teacher), None),
        (
            Method::PATCH,
            format!("/api/v1/teachers/{}", o.teacher),
            Some(json!({"name": "改名"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/teachers/{}", o.teacher),
            None,
        ),
        (
            Method::POST,
            "/api/v1/communities".into(),
            Some(json!({"name": "新教联体", "kind": "co_built", "core_school_id": o.school})),
        ),
        (
            Method::GET,
            format!("/api/v1/communities/{}", o.community),
            None,
        ),
        (
            Method::PATCH,
            format!("/api/v1/communities/{}", o.community),
            Some(json!({"bureau_leader": "某人"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/communities/{}", o.community),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/communities/{}/members", o.community),
            Some(json!({"school_id": o.school})),
        ),
        (
            Method::PATCH,
            format!("/api/v1/communities/{}/members/{}", o.community, o.school),
            Some(json!({"school_leader": "某人"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/communities/{}/members/{}", o.community, o.school),
            None,
        ),
        (
            Method::POST,
            format!("/api/v1/communities/{}/council", o.community),
            Some(json!({"name": "某人", "role": "member"})),
        ),
        (
            Method::DELETE,
            format!("/api/v1/communities/{}/council/{}", o.community, o.seat),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/communities/{}/documents", o.community),
            None,
        ),
        (
            Method::GET,
            format!("/api/v1/documents/{}", o.document),
            None,
        ),
        (
            Method::DELETE,
            format!("/api/v1/documents/{}", o.document),
            None,
        ),
        (
            Method::POST,
            "/api/v1/users".into(),
            Some(
                json!({"username": "intruder", "password": "intruder-pass", "role": "school_coordinator", "scope_id": o.school}),
            ),
        ),
        (Method::GET, format!("/api/v1/users/{}", o.user), None),
        (
            Method::PATCH,
            format!("/api/v1/users/{}", o.user),
            Some(json!({"active": false})),
        ),
        (Method::DELETE, format!("/api/v1/users/{}", o.user), None),
        (
            Method::PATCH,
            format!("/api/v1/communities/{}", o.community),
            j,
        ),
    ]
}

#[tokio::test]
async fn every_route_and_role_stays_in_scope() {
    for db in testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let roles = [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ];
        let mut clients = vec![];
        for u in roles {
            clients.push((u, Client::login(&e.app, u, DEMO_PASSWORD).await));
        }

        // 1. Nothing outside: every record route is refused, for every role.
        for (u, c) in &clients {
            for (m, uri, body) in outside_routes(&o) {
                let r = c.send(m.clone(), &uri, body).await;
                assert_eq!(
                    r.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} {m} {uri}: {}",
                    r.text()
                );
                assert_eq!(r.json()["error"]["code"], "forbidden");
            }
            // Lists never show outside records.
            for (list, id) in [
                ("schools", o.school),
                ("teachers", o.teacher),
                ("communities", o.community),
            ] {
                let r = c
                    .get(&format!("/api/v1/{list}?per_page=200&q=%E9%9A%8F%E5%8E%BF"))
                    .await;
                assert_eq!(r.status, StatusCode::OK);
                assert!(
                    r.json()["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|x| x["id"] != id),
                    "{label} {u} sees outside {list}"
                );
            }
            let regions = c.get("/api/v1/regions").await.json();
            assert!(
                regions["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .all(|x| x["id"] != o.region),
                "{label} {u} sees 随县"
            );
            let users = c.get("/api/v1/users?per_page=200").await;
            if users.status == StatusCode::OK {
                assert!(
                    users.json()["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .all(|x| x["id"] != o.user),
                    "{label} {u} sees outside user"
                );
            } else {
                assert_eq!(users.status, StatusCode::FORBIDDEN);
            }
            let audit = c.get("/api/v1/audit?per_page=200").await;
            if audit.status == StatusCode::OK {
                let items = audit.json()["items"].as_array().unwrap().clone();
                assert!(
                    items
                        .iter()
                        .all(|x| !x["summary"].as_str().unwrap_or("").contains("随县")),
                    "{label} {u} sees 随县 audit"
                );
            } else {
                assert_eq!(audit.status, StatusCode::FORBIDDEN, "{u}");
            }
            let export = c.get("/api/v1/export/schools?format=csv").await;
            assert_eq!(export.status, StatusCode::OK);
            assert!(
                !export.text().contains("4213210001"),
                "{label} {u} exports an outside school"
            );
            // Import is for bureau administrators, within their region.
            let csv = "学校名称,学校标识码,所属区域,学段,城乡类型\n随县新学校,4213218888,随县,小学,乡村\n";
            let csrf = c.get("/api/v1/auth/me").await.json()["csrf_token"]
                .as_str()
                .unwrap()
                .to_owned();
            let r = c
                .upload(
                    "/api/v1/import/schools",
                    &[],
                    "s.csv",
                    csv.as_bytes(),
                    Some(&csrf),
                )
                .await;
            if *u == "zengdu_admin" {
                assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
                assert!(
                    r.json()["messages"][0]
                        .as_str()
                        .unwrap()
                        .starts_with("第2行 所属区域"),
                    "{}",
                    r.text()
                );
            } else {
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{u}: {}", r.text());
            }
        }
        // Nothing outside changed.
        let s = root
            .get(&format!("/api/v1/schools/{}", o.school))
            .await
            .json();
        assert_eq!(s["name"], "随县厉山镇中心小学");
        assert_eq!(
            root.get("/api/v1/schools?q=4213218888").await.json()["total"],
            0
        );

        // 2. Inside: what each role may and may not do.
        let c = |name: &str| clients.iter().find(|(u, _)| *u == name).unwrap().1.clone();
        let (admin, inspector, lead, coord, teacher) = (
            c("zengdu_admin"),
            c("zengdu_inspector"),
            c("lead1"),
            c("coord1"),
            c("teacher1"),
        );
        let lead_me = lead.get("/api/v1/auth/me").await.json();
        let community = lead_me["scope_id"].as_i64().unwrap();
        let coord_me = coord.get("/api/v1/auth/me").await.json();
        let coord_school = coord_me["school_id"].as_i64().unwrap();
        let teacher_me = teacher.get("/api/v1/auth/me").await.json();
        let own_teacher = teacher_me["teacher_id"].as_i64().unwrap();
        let detail = admin
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json();
        let members: Vec<i64> = detail["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["school_id"].as_i64().unwrap())
            .collect();
        let all = admin.get("/api/v1/schools?per_page=200").await.json();
        let stranger_school = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["community_id"].as_i64() != Some(community))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let free_school = all["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["community_id"].is_null())
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let colleague = admin
            .get(&format!(
                "/api/v1/teachers?school_id={coord_school}&per_page=5"
            ))
            .await
            .json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"].as_i64() != Some(own_teacher))
            .unwrap()["id"]
            .as_i64()
            .unwrap();
        let member_school = members[1];

        // bureau admin: everything in 曾都区
        assert_eq!(
            admin
                .patch(
                    &format!("/api/v1/schools/{stranger_school}"),
                    json!({"class_count": 13})
                )
                .await
                .status,
            StatusCode::OK
        );
        let r = admin
            .post(
                &format!("/api/v1/communities/{community}/members"),
                json!({"school_id": free_school, "batch": 2, "joined_on": "2024-03-01"}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let r = admin
            .post(
                &format!("/api/v1/communities/{community}/members"),
                json!({"school_id": free_school}),
            )
            .await;
        assert_eq!(
            r.status,
            StatusCode::CONFLICT,
            "a school is in one community at a time"
        );
        assert_eq!(
            admin
                .delete(&format!(
                    "/api/v1/communities/{community}/members/{free_school}?left_on=2025-01-01"
                ))
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        // inspector: reads, never writes
        assert_eq!(
            inspector
                .get(&format!("/api/v1/schools/{stranger_school}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(inspector.get("/api/v1/audit").await.status, StatusCode::OK);
        for (m, uri, body) in [
            (
                Method::PATCH,
                format!("/api/v1/schools/{stranger_school}"),
                Some(json!({"class_count": 14})),
            ),
            (
                Method::PATCH,
                format!("/api/v1/communities/{community}"),
                Some(json!({"bureau_leader": "x"})),
            ),
            (
                Method::POST,
                "/api/v1/teachers".to_string(),
                Some(
                    json!({"staff_number": "IN001", "name": "x", "gender": "男", "school_id": coord_school, "subjects": ["语文"]}),
                ),
            ),
            (
                Method::DELETE,
                format!("/api/v1/teachers/{colleague}"),
                None,
            ),
        ] {
            assert_eq!(
                inspector.send(m.clone(), &uri, body).await.status,
                StatusCode::FORBIDDEN,
                "inspector {m} {uri}"
            );
        }
        // community lead: runs its community, not membership or the registry
        assert_eq!(
            lead.get(&format!("/api/v1/communities/{community}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            lead.patch(
                &format!("/api/v1/communities/{community}"),
                json!({"bureau_leader": "李副局长"})
            )
            .await
            .status,
            StatusCode::OK
        );
        assert_eq!(
            lead.patch(
                &format!("/api/v1/communities/{community}/members/{member_school}"),
                json!({"school_leader": "赵主任"})
            )
            .await
            .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            lead.post(
                &format!("/api/v1/communities/{community}/members"),
                json!({"school_id": free_school})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            lead.get(&format!("/api/v1/schools/{member_school}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            lead.patch(
                &format!("/api/v1/schools/{member_school}"),
                json!({"class_count": 9})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            lead.get(&format!("/api/v1/schools/{stranger_school}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            lead.get("/api/v1/users").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            lead.get("/api/v1/audit").await.status,
            StatusCode::FORBIDDEN
        );
        // school coordinator: its school and teachers
        assert_eq!(
            coord
                .patch(
                    &format!("/api/v1/schools/{coord_school}"),
                    json!({"class_count": 11})
                )
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            coord
                .patch(
                    &format!("/api/v1/schools/{coord_school}"),
                    json!({"code": "4213039999"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = coord.post("/api/v1/teachers", json!({"staff_number": "ZDNEW01", "name": "新老师", "gender": "女", "school_id": coord_school, "subjects": ["英语"]})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        assert_eq!(coord.post("/api/v1/teachers", json!({"staff_number": "ZDNEW02", "name": "x", "gender": "女", "school_id": stranger_school, "subjects": ["英语"]})).await.status, StatusCode::FORBIDDEN);
        assert_eq!(
            coord
                .patch(
                    &format!("/api/v1/communities/{}", coord_me["community_id"]),
                    json!({"bureau_leader": "x"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            coord
                .get(&format!("/api/v1/schools/{stranger_school}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        // teacher: self
        assert_eq!(
            teacher
                .get(&format!("/api/v1/teachers/{own_teacher}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            teacher
                .get(&format!("/api/v1/teachers/{colleague}"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/teachers/{own_teacher}"),
                    json!({"name": "改名"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            teacher
                .get(&format!("/api/v1/schools/{coord_school}"))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(teacher.get("/api/v1/teachers").await.json()["total"], 1);
        // Own password, through the same route.
        let own_id = teacher_me["user_id"].as_i64().unwrap();
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/users/{own_id}"),
                    json!({"role": "bureau_admin"})
                )
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            teacher
                .patch(
                    &format!("/api/v1/users/{own_id}"),
                    json!({"password": "new-teacher-pass"})
                )
                .await
                .status,
            StatusCode::OK
        );
        // A changed password ends the account's sessions.
        assert_eq!(
            teacher.get("/api/v1/auth/me").await.status,
            StatusCode::UNAUTHORIZED
        );

        // Every change above is in the audit log with who did it.
        let log = admin.get("/api/v1/audit?per_page=200").await.json();
        let items = log["items"].as_array().unwrap();
        assert!(items.iter().any(|x| x["username"] == "coord1"
            && x["entity"] == "school"
            && x["before_json"].is_string()
            && x["after_json"].is_string()));
        assert!(
            items
                .iter()
                .any(|x| x["username"] == "zengdu_admin" && x["action"] == "add_member")
        );
        e.db.finish().await;
    }
}

#[tokio::test]
async fn documents_are_checked_stored_and_served_safely() {
    let e = env(testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let me = lead.get("/api/v1/auth/me").await.json();
    let community = me["scope_id"].as_i64().unwrap();
    let csrf = me["csrf_token"].as_str().unwrap().to_owned();
    let uri = format!("/api/v1/communities/{community}/documents");
    // A session caller must send the CSRF token.
    assert_eq!(
        lead.upload(
            &uri,
            &[("kind", "agreement")],
            "协议.pdf",
            b"%PDF-1.7 x",
            None
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    // The content must match the type.
    let r = lead
        .upload(
            &uri,
            &[("kind", "agreement")],
            "协议.pdf",
            b"<script>alert(1)</script>",
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text());
    let r = lead
        .upload(
            &uri,
            &[("kind", "agreement")],
            "../../etc/协议.pdf",
            b"%PDF-1.7 agreement",
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let doc = r.json();
    assert_eq!(doc["original_name"], "协议.pdf");
    assert!(doc.get("stored_name").is_none());
    let r = lead.get(&format!("/api/v1/documents/{}", doc["id"])).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.bytes, b"%PDF-1.7 agreement");
    assert!(
        r.headers["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(r.headers["x-content-type-options"], "nosniff");
    // Stored under a random name inside the uploads folder.
    let files: Vec<_> = std::fs::read_dir(e.dir.join("uploads")).unwrap().collect();
    assert_eq!(files.len(), 1);
    e.db.finish().await;
}
