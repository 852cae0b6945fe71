//! The server-rendered pages, driven in-process as a browser would: sign in through the login
//! form, keep the cookie, read the CSRF token from a page, submit forms.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gongjin_domain::inputs::{
    CommunityFields, MemberFields, RegionFields, SchoolFields, TeacherFields, UserFields,
};
use gongjin_store::Actor;
use gongjin_store::testing::{self, TestDb};
use gongjin_web::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

const ADMIN_PASSWORD: &str = "admin-pass-1";
const INSPECTOR_PASSWORD: &str = "inspect-pass-1";

/// A small district: 湖北省 > 随州市 > 曾都区, five schools, a community with one member, a teacher,
/// and an inspector of the district.
struct Env {
    _db: TestDb,
    app: Router,
    schools: Vec<i64>,
    community: i64,
}

async fn env() -> Env {
    let db = testing::sqlite().await;
    let s = db.store.clone();
    s.bootstrap_admin(ADMIN_PASSWORD).await.expect("bootstrap");
    let a = Actor::system("test");
    let region = |name: &str, level: &str, parent: Option<i64>| RegionFields {
        name: name.into(),
        level: level.into(),
        parent_id: parent,
    };
    let hb = s
        .create_region(&a, &region("湖北省", "province", None).validate().unwrap())
        .await
        .unwrap();
    let sz = s
        .create_region(
            &a,
            &region("随州市", "city", Some(hb.id)).validate().unwrap(),
        )
        .await
        .unwrap();
    let zd = s
        .create_region(
            &a,
            &region("曾都区", "county", Some(sz.id)).validate().unwrap(),
        )
        .await
        .unwrap();
    let mut schools = vec![];
    for (i, (name, stage, locality)) in [
        ("曾都区第一中学", "初中", "城区"),
        ("曾都区实验小学", "小学", "城区"),
        ("何店镇中心小学", "小学", "乡村"),
        ("府河镇中学", "初中", "乡村"),
        ("洛阳镇中心学校", "九年一贯制", "镇区"),
    ]
    .iter()
    .enumerate()
    {
        let f = SchoolFields {
            name: (*name).into(),
            code: format!("42130300{:02}", i + 1),
            region_id: zd.id,
            stage: (*stage).into(),
            locality: (*locality).into(),
            ..Default::default()
        };
        schools.push(
            s.create_school(&a, &f.validate().unwrap())
                .await
                .unwrap()
                .id,
        );
    }
    let t = TeacherFields {
        staff_number: "ZD0001".into(),
        name: "张伟".into(),
        gender: "男".into(),
        school_id: schools[0],
        subjects: vec!["语文".into()],
        backbone_level: Some("市级".into()),
        phone: Some("13812345678".into()),
        ..Default::default()
    };
    s.create_teacher(&a, &t.validate().unwrap()).await.unwrap();
    let today = gongjin_store::today();
    let kinds = vec!["co_built".to_string()];
    let cm = CommunityFields {
        name: "曾都区第一教共体".into(),
        kind: "co_built".into(),
        core_school_id: schools[0],
        ..Default::default()
    };
    let cm = s
        .create_community(&a, &cm.validate(&kinds, today).unwrap())
        .await
        .unwrap();
    let m = MemberFields {
        school_id: schools[1],
        ..Default::default()
    };
    s.add_member(&a, cm.id, &m.validate(today).unwrap())
        .await
        .unwrap();
    let u = UserFields {
        username: "zengdu_inspector".into(),
        password: INSPECTOR_PASSWORD.into(),
        role: "inspector".into(),
        scope_id: zd.id,
        display_name: Some("曾都区教育督导室".into()),
    };
    s.create_user(&a, &u.validate().unwrap()).await.unwrap();
    let dir = testing::temp_dir("gongjin_ui");
    Env {
        app: app(AppState::new(s, &dir)),
        _db: db,
        schools,
        community: cm.id,
    }
}

struct Resp {
    status: StatusCode,
    location: String,
    text: String,
}

struct Browser {
    app: Router,
    cookie: String,
}

fn form_body(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

impl Browser {
    async fn login(app: &Router, username: &str, password: &str) -> Browser {
        let b = Browser {
            app: app.clone(),
            cookie: String::new(),
        };
        let req = Request::builder()
            .method(Method::POST)
            .uri("/login")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(form_body(&[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ])))
            .unwrap();
        let res = app.clone().oneshot(req).await.unwrap();
        assert!(
            res.status().is_redirection(),
            "login {username}: {}",
            res.status()
        );
        let set = res
            .headers()
            .get(header::SET_COOKIE)
            .expect("session cookie")
            .to_str()
            .unwrap();
        Browser {
            cookie: set.split(';').next().unwrap().to_owned(),
            ..b
        }
    }

    async fn send(&self, req: axum::http::request::Builder, body: Body) -> Resp {
        let req = req.header(header::COOKIE, &self.cookie).body(body).unwrap();
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_owned())
            .unwrap_or_default();
        let bytes = res.into_body().collect().await.unwrap().to_bytes();
        Resp {
            status,
            location,
            text: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    async fn get(&self, uri: &str) -> Resp {
        self.send(Request::builder().uri(uri), Body::empty()).await
    }

    async fn post(&self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        self.send(
            Request::builder()
                .method(Method::POST)
                .uri(uri)
                .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded"),
            Body::from(form_body(fields)),
        )
        .await
    }

    async fn upload(&self, uri: &str, fields: &[(&str, &str)], name: &str, bytes: &[u8]) -> Resp {
        let boundary = "uipagesboundary42";
        let mut body: Vec<u8> = vec![];
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        self.send(
            Request::builder().method(Method::POST).uri(uri).header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            ),
            Body::from(body),
        )
        .await
    }

    /// The CSRF token, as every page's forms carry it.
    async fn csrf(&self) -> String {
        let page = self.get("/teachers").await;
        attr_after(&page.text, "name=\"_csrf\" value=\"").expect("csrf field")
    }
}

/// The text after `marker` up to the next double quote.
fn attr_after(html: &str, marker: &str) -> Option<String> {
    let i = html.find(marker)? + marker.len();
    Some(html[i..].split('"').next()?.to_owned())
}

/// The part of a page from the element with this id on.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let i = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no #{id}"));
    &html[i..]
}

fn table<'a>(html: &'a str, id: &str) -> &'a str {
    let s = section(html, id);
    &s[..s.find("</table>").unwrap_or(s.len())]
}

#[tokio::test]
async fn every_page_renders_for_the_admin() {
    let e = env().await;
    let b = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    for (uri, expect) in [
        ("/teachers", "张伟"),
        ("/teachers?backbone_level=any&school_id=&stage=", "张伟"),
        ("/teachers?subject=语文&backbone_level=city", "138****5678"),
        ("/communities", "曾都区第一教共体"),
        ("/communities?region_id=&q=第一", "共建型"),
        ("/users", "zengdu_inspector"),
        ("/audit", "曾都区第一教共体"),
        ("/audit?entity=teacher&username=test", "张伟"),
        ("/import", "仅检查（不写入）"),
        ("/teachers/new", "曾都区第一中学"),
        ("/communities/new", "洛阳镇中心学校"),
        ("/users/new", "曾都区"),
    ] {
        let r = b.get(uri).await;
        assert_eq!(r.status, StatusCode::OK, "{uri}: {}", r.text);
        assert!(r.text.contains(expect), "{uri} lacks {expect}");
        assert!(!r.text.contains("⟨?⟩"), "{uri} has a missing catalogue key");
    }
    // Lists mask phones; the detail shows the number to those who keep the record.
    let list = b.get("/teachers").await.text;
    assert!(!list.contains("13812345678"));
    let id = attr_after(&list, "<td><a href=\"/teachers/").unwrap();
    let detail = b.get(&format!("/teachers/{id}")).await;
    assert!(detail.text.contains("13812345678"), "{}", detail.text);
    let c = b.get(&format!("/communities/{}", e.community)).await;
    assert_eq!(c.status, StatusCode::OK);
    assert!(table(&c.text, "members").contains("曾都区实验小学"));
    assert!(b.get("/communities/999999").await.status == StatusCode::NOT_FOUND);
    // English when chosen (the language switch's cookie); a browser's Accept-Language alone keeps Chinese.
    let en = b
        .send(
            Request::builder()
                .uri("/communities")
                .header(header::COOKIE, "gongjin_lang=en"),
            Body::empty(),
        )
        .await;
    assert!(
        en.text.contains("New community"),
        "{} {} {}",
        en.status,
        en.location,
        en.text
    );
    // Templates download.
    let t = b.get("/import/template/schools?format=csv").await;
    assert_eq!(t.status, StatusCode::OK);
    assert!(t.text.contains("学校标识码"));
}

#[tokio::test]
async fn teacher_form_creates_and_reports_errors() {
    let e = env().await;
    let b = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let csrf = b.csrf().await;
    let school = e.schools[2].to_string();
    let bad = b
        .post(
            "/teachers/new",
            &[
                ("_csrf", &csrf),
                ("staff_number", ""),
                ("name", "李娜"),
                ("gender", "female"),
                ("school_id", &school),
                ("subjects", "数学"),
                ("phone", "12345"),
                ("birth_year", "abc"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.text);
    assert!(bad.text.contains("has-err"));
    assert!(
        bad.text.contains("value=\"李娜\""),
        "the form keeps what was typed"
    );
    let ok = b
        .post(
            "/teachers/new",
            &[
                ("_csrf", &csrf),
                ("staff_number", "ZD0100"),
                ("name", "李娜"),
                ("gender", "female"),
                ("birth_year", "1990"),
                ("school_id", &school),
                ("subjects", "数学、科学"),
                ("title", "一级教师"),
                ("backbone_level", "county"),
                ("years_at_school", "3"),
                ("phone", "13900001111"),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.text);
    assert!(ok.location.starts_with("/teachers/"), "{}", ok.location);
    let detail = b.get(&ok.location).await;
    assert_eq!(detail.status, StatusCode::OK);
    for s in [
        "李娜",
        "ZD0100",
        "数学、科学",
        "县级",
        "何店镇中心小学",
        "13900001111",
        "已创建",
    ] {
        assert!(detail.text.contains(s), "detail lacks {s}");
    }
    // Edit, then delete.
    let path = ok.location.split('?').next().unwrap().to_owned();
    let edit = b.get(&format!("{path}/edit")).await;
    assert!(edit.text.contains("value=\"ZD0100\""));
    let saved = b
        .post(
            &format!("{path}/edit"),
            &[
                ("_csrf", &csrf),
                ("staff_number", "ZD0100"),
                ("name", "李娜"),
                ("gender", "female"),
                ("school_id", &school),
                ("subjects", "数学"),
                ("backbone_level", "none"),
                ("status", "on_leave"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert!(b.get(&path).await.text.contains("休假"));
    let gone = b.post(&format!("{path}/delete"), &[("_csrf", &csrf)]).await;
    assert_eq!(gone.status, StatusCode::SEE_OTHER);
    assert_eq!(b.get(&path).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn community_is_created_and_gains_a_member() {
    let e = env().await;
    let b = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let csrf = b.csrf().await;
    let new = b.get("/communities/new").await.text;
    assert!(new.contains("id=\"community-form\""));
    // The core school select offers only free schools.
    let form = section(&new, "community-form");
    assert!(
        !form.contains("曾都区实验小学"),
        "members are not offered as core"
    );
    // A kind is preselected: name and core school are all a new community needs.
    let kind = &form[form.find("name=\"kind\"").unwrap()..];
    assert!(kind[..kind.find("</select>").unwrap()].contains(" selected>"));
    let core = e.schools[2].to_string();
    let created = b
        .post(
            "/communities/new",
            &[
                ("_csrf", &csrf),
                ("name", "曾都区第二教共体"),
                ("kind", "collaborative"),
                ("core_school_id", &core),
                ("pilot_level", "municipal"),
                ("batch", "2"),
                ("founded_on", "2024-09-01"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let path = created.location.split('?').next().unwrap().to_owned();
    let page = b.get(&created.location).await.text;
    assert!(
        page.contains("曾都区第二教共体") && page.contains("协作型") && page.contains("第二批")
    );
    // Add a member through the add-member form: pick its first candidate.
    let add = section(&page, "add-member");
    let pick = attr_after(
        &add[add.find("<option value=\"\"").unwrap() + 5..],
        "<option value=\"",
    )
    .expect("a candidate school");
    let added = b
        .post(
            &format!("{path}/members"),
            &[
                ("_csrf", &csrf),
                ("school_id", &pick),
                ("batch", "1"),
                ("joined_on", ""),
                ("school_leader", "王校长"),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text);
    let page = b.get(&path).await.text;
    let members = table(&page, "members");
    assert!(members.contains("王校长"), "{members}");
    assert!(members.contains("成员校"));
    // A school already in a community is refused, shown on the page.
    let taken = e.schools[1].to_string();
    let refused = b
        .post(
            &format!("{path}/members"),
            &[("_csrf", &csrf), ("school_id", &taken), ("batch", "1")],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.text);
    assert!(refused.text.contains("曾都区第一教共体"));
    // Leader, council, document, removal.
    let r = b
        .post(
            &format!("{path}/members/{pick}/leader"),
            &[("_csrf", &csrf), ("school_leader", "赵主任")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let r = b
        .post(
            &format!("{path}/council"),
            &[
                ("_csrf", &csrf),
                ("name", "刘洋"),
                ("role", "chair"),
                ("school_id", &core),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let pdf = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n";
    let r = b
        .upload(
            &format!("{path}/documents"),
            &[("_csrf", &csrf), ("kind", "charter")],
            "章程.pdf",
            pdf,
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let page = b.get(&path).await.text;
    assert!(table(&page, "members").contains("赵主任"));
    assert!(table(&page, "council").contains("刘洋") && table(&page, "council").contains("理事长"));
    let docs = table(&page, "documents");
    assert!(docs.contains("章程.pdf"));
    let doc = attr_after(docs, "href=\"/communities/documents/").unwrap();
    let dl = b.get(&format!("/communities/documents/{doc}")).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert!(dl.text.starts_with("%PDF"));
    let r = b
        .post(
            &format!("{path}/members/{pick}/remove"),
            &[("_csrf", &csrf), ("left_on", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = b.get(&path).await.text;
    assert!(!table(&page, "members").contains("赵主任"));
    assert!(table(&page, "history").contains("赵主任"));
    // Edit keeps the page working.
    let edit = b.get(&format!("{path}/edit")).await;
    assert!(edit.text.contains("value=\"曾都区第二教共体\""));
}

#[tokio::test]
async fn forms_need_the_token_and_the_right() {
    let e = env().await;
    let admin = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let r = admin
        .post(
            "/teachers/new",
            &[
                ("_csrf", "forged"),
                ("staff_number", "ZD0200"),
                ("name", "王"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = admin
        .post(
            &format!("/communities/{}/members", e.community),
            &[("school_id", "3")],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let insp = Browser::login(&e.app, "zengdu_inspector", INSPECTOR_PASSWORD).await;
    let csrf = insp.csrf().await;
    for uri in ["/teachers", "/communities", "/audit"] {
        assert_eq!(insp.get(uri).await.status, StatusCode::OK, "{uri}");
    }
    let list = insp.get("/teachers").await.text;
    assert!(
        !list.contains("/teachers/new"),
        "no create button for inspectors"
    );
    for uri in [
        "/users",
        "/users/new",
        "/import",
        "/teachers/new",
        "/communities/new",
    ] {
        assert_eq!(insp.get(uri).await.status, StatusCode::FORBIDDEN, "{uri}");
    }
    let school = e.schools[0].to_string();
    let cid = e.community;
    let posts: Vec<(String, Vec<(&str, &str)>)> = vec![
        (
            "/teachers/new".into(),
            vec![
                ("_csrf", &csrf),
                ("staff_number", "ZD0300"),
                ("name", "王"),
                ("gender", "male"),
                ("school_id", &school),
                ("subjects", "语文"),
            ],
        ),
        (
            "/communities/new".into(),
            vec![
                ("_csrf", &csrf),
                ("name", "X"),
                ("kind", "co_built"),
                ("core_school_id", &school),
            ],
        ),
        (
            format!("/communities/{cid}/members"),
            vec![("_csrf", &csrf), ("school_id", &school)],
        ),
        (
            format!("/communities/{cid}/council"),
            vec![("_csrf", &csrf), ("name", "X"), ("role", "member")],
        ),
        (
            "/users/new".into(),
            vec![
                ("_csrf", &csrf),
                ("username", "newbie"),
                ("password", "long-enough-1"),
                ("role", "inspector"),
            ],
        ),
    ];
    for (uri, fields) in posts {
        let r = insp.post(&uri, &fields).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{uri}: {}", r.text);
    }
    // The detail page offers the inspector nothing to change.
    let page = insp.get(&format!("/communities/{cid}")).await.text;
    assert!(!page.contains("id=\"add-member\""));
}

#[tokio::test]
async fn users_are_managed_through_the_forms() {
    let e = env().await;
    let b = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let csrf = b.csrf().await;
    let community = format!("community:{}", e.community);
    // A scope that does not fit the role is named on the form.
    let r = b
        .post(
            "/users/new",
            &[
                ("_csrf", &csrf),
                ("username", "lead9"),
                ("password", "lead-pass-9"),
                ("role", "school_coordinator"),
                ("scope", &community),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("与角色不符"));
    let r = b
        .post(
            "/users/new",
            &[
                ("_csrf", &csrf),
                ("username", "lead9"),
                ("display_name", "第一教共体负责人"),
                ("password", "lead-pass-9"),
                ("role", "community_lead"),
                ("scope", &community),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let r = b
        .post(
            "/users/new",
            &[
                ("_csrf", &csrf),
                ("username", "zhangwei"),
                ("password", "teacher-pass-1"),
                ("role", "teacher"),
                ("teacher", "ZD0001"),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    let list = b.get("/users").await.text;
    assert!(list.contains("lead9") && list.contains("曾都区第一教共体"));
    assert!(list.contains("zhangwei") && list.contains("张伟"));
    // The new lead signs in and sees its community.
    let lead = Browser::login(&e.app, "lead9", "lead-pass-9").await;
    let page = lead.get(&format!("/communities/{}", e.community)).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("/edit"), "a lead edits its community");
    assert!(
        !page.text.contains("id=\"add-member\""),
        "but not its membership"
    );
    assert_eq!(lead.get("/users").await.status, StatusCode::FORBIDDEN);
    // Disable the account.
    let id = {
        let i = list.find("lead9").unwrap();
        let rest = &list[i..];
        attr_after(rest, "href=\"/users/").unwrap()
    };
    let id = id.trim_end_matches("/edit").to_owned();
    let edit = b.get(&format!("/users/{id}/edit")).await;
    assert_eq!(edit.status, StatusCode::OK);
    assert!(
        edit.text
            .contains(&format!("value=\"{community}\" selected"))
    );
    let r = b
        .post(
            &format!("/users/{id}/edit"),
            &[
                ("_csrf", &csrf),
                ("display_name", "已调离"),
                ("role", "community_lead"),
                ("scope", &community),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.text);
    assert!(b.get("/users").await.text.contains("停用"));
    assert_ne!(lead.get("/communities").await.status, StatusCode::OK);
}

#[tokio::test]
async fn import_dry_run_lists_bad_rows_and_writes_nothing() {
    let e = env().await;
    let b = Browser::login(&e.app, "admin", ADMIN_PASSWORD).await;
    let csrf = b.csrf().await;
    let before = b.get("/schools?q=新学校").await.text;
    assert!(!before.contains("曾都区新学校"));
    let csv = "学校名称,学校标识码,所属区域,学段,城乡类型\n曾都区新学校,123,曾都区,小学,城区\n曾都区另一学校,4213030099,曾都区,小学,乡村\n";
    let r = b
        .upload(
            "/import/schools",
            &[("_csrf", &csrf), ("dry_run", "1")],
            "学校.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.text);
    assert!(r.text.contains("第2行"), "{}", r.text);
    assert!(r.text.contains("未写入任何数据"));
    // Not even with the box unticked: a bad row stops everything.
    let r = b
        .upload(
            "/import/schools",
            &[("_csrf", &csrf)],
            "学校.csv",
            csv.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    let after = b.get("/schools?q=学校").await.text;
    assert!(!after.contains("曾都区另一学校"));
    // A clean sheet: the dry run writes nothing, the real run writes.
    let good =
        "学校名称,学校标识码,所属区域,学段,城乡类型\n曾都区另一学校,4213030099,曾都区,小学,乡村\n";
    let r = b
        .upload(
            "/import/schools",
            &[("_csrf", &csrf), ("dry_run", "1")],
            "学校.csv",
            good.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("将新增"));
    assert!(
        !b.get("/schools?q=另一")
            .await
            .text
            .contains("曾都区另一学校")
    );
    let r = b
        .upload(
            "/import/schools",
            &[("_csrf", &csrf)],
            "学校.csv",
            good.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert!(r.text.contains("已新增"));
    assert!(
        b.get("/schools?q=另一")
            .await
            .text
            .contains("曾都区另一学校")
    );
    // A forged token is refused before anything is read into the store.
    let r = b
        .upload(
            "/import/schools",
            &[("_csrf", "nope")],
            "学校.csv",
            good.as_bytes(),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
}
