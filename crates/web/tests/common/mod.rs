//! A test client for the in-process application, and a demo-loaded setup per backend.
#![allow(dead_code)]

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use gongjin_store::testing::{self, TestDb};
use gongjin_web::{AppState, app};
use http_body_util::BodyExt;
use serde_json::json;
use tower::ServiceExt;

pub const ADMIN_PASSWORD: &str = "admin-pass-1";

pub struct NoProgress;
impl gongjin_store::demo::DemoProgress for NoProgress {
    fn phase(&mut self, _: &str, _: u64) {}
    fn inc(&mut self, _: u64) {}
}

pub struct Env {
    pub db: TestDb,
    pub app: Router,
    pub dir: std::path::PathBuf,
}

/// A database with the demo district and the bootstrap admin, and the app over it.
pub async fn env(db: TestDb) -> Env {
    let data = gongjin_demo::generate(
        gongjin_demo::Scale::District,
        gongjin_demo::DEFAULT_SEED,
        &mut |_, _| {},
    );
    assert!(
        db.store
            .bootstrap_admin(ADMIN_PASSWORD)
            .await
            .expect("bootstrap admin")
    );
    db.store
        .load_demo(&data, &mut NoProgress)
        .await
        .expect("load demo");
    let dir = testing::temp_dir("gongjin_web");
    let app = app(AppState::new(db.store.clone(), &dir));
    Env { db, app, dir }
}

pub struct Resp {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub bytes: Vec<u8>,
}

impl Resp {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.bytes).unwrap_or(serde_json::Value::Null)
    }
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

#[derive(Clone)]
pub struct Client {
    pub app: Router,
    pub cookie: Option<String>,
    pub bearer: Option<String>,
}

impl Client {
    pub fn anonymous(app: &Router) -> Client {
        Client {
            app: app.clone(),
            cookie: None,
            bearer: None,
        }
    }

    pub async fn login(app: &Router, username: &str, password: &str) -> Client {
        let mut c = Client::anonymous(app);
        let r = c
            .send(
                Method::POST,
                "/api/v1/auth/login",
                Some(serde_json::json!({ "username": username, "password": password })),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {username}: {}", r.text());
        let set = r
            .headers
            .get(header::SET_COOKIE)
            .expect("session cookie")
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            set.contains("HttpOnly") && set.contains("SameSite=Lax"),
            "{set}"
        );
        c.cookie = Some(set.split(';').next().unwrap().to_owned());
        c
    }

    pub async fn send(&self, method: Method, uri: &str, body: Option<serde_json::Value>) -> Resp {
        let mut b = Request::builder().method(method).uri(uri);
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        let req = match body {
            Some(v) => b
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(v.to_string()))
                .unwrap(),
            None => b.body(Body::empty()).unwrap(),
        };
        self.raw(req).await
    }

    pub async fn raw(&self, req: Request<Body>) -> Resp {
        let res = self.app.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = res.into_body().collect().await.unwrap().to_bytes().to_vec();
        Resp {
            status,
            headers,
            bytes,
        }
    }

    /// Posts a URL-encoded form with the session cookie, as a page's form does.
    pub async fn form(&self, uri: &str, fields: &[(&str, &str)]) -> Resp {
        let mut b = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        self.raw(
            b.body(Body::from(serde_urlencoded::to_string(fields).unwrap()))
                .unwrap(),
        )
        .await
    }

    /// [`Client::form`] with owned values.
    pub async fn form_owned(&self, uri: &str, fields: &[(&str, String)]) -> Resp {
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        self.form(uri, &borrowed).await
    }

    pub async fn get(&self, uri: &str) -> Resp {
        self.send(Method::GET, uri, None).await
    }
    pub async fn post(&self, uri: &str, v: serde_json::Value) -> Resp {
        self.send(Method::POST, uri, Some(v)).await
    }
    pub async fn patch(&self, uri: &str, v: serde_json::Value) -> Resp {
        self.send(Method::PATCH, uri, Some(v)).await
    }
    pub async fn put(&self, uri: &str, v: serde_json::Value) -> Resp {
        self.send(Method::PUT, uri, Some(v)).await
    }
    pub async fn delete(&self, uri: &str) -> Resp {
        self.send(Method::DELETE, uri, None).await
    }

    /// A multipart upload of one file field (plus extra text fields).
    pub async fn upload(
        &self,
        uri: &str,
        fields: &[(&str, &str)],
        file_name: &str,
        bytes: &[u8],
        csrf: Option<&str>,
    ) -> Resp {
        let boundary = "gongjinboundary7d93";
        let mut body: Vec<u8> = vec![];
        for (k, v) in fields {
            body.extend(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n"
                )
                .as_bytes(),
            );
        }
        body.extend(format!("--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n").as_bytes());
        body.extend(bytes);
        body.extend(format!("\r\n--{boundary}--\r\n").as_bytes());
        let mut b = Request::builder().method(Method::POST).uri(uri).header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        );
        if let Some(c) = &self.cookie {
            b = b.header(header::COOKIE, c);
        }
        if let Some(t) = &self.bearer {
            b = b.header(header::AUTHORIZATION, format!("Bearer {t}"));
        }
        if let Some(t) = csrf {
            b = b.header("x-csrf-token", t);
        }
        self.raw(b.body(Body::from(body)).unwrap()).await
    }
}

/// Records in another county (随县) that no 曾都区 role may touch.
pub struct Outside {
    pub region: i64,
    pub school: i64,
    /// A member school of `community`.
    pub school2: i64,
    pub teacher: i64,
    pub community: i64,
    pub seat: i64,
    pub document: i64,
    pub user: i64,
}

/// Creates, as the installation's administrator `root`, a second county 随县 under 随州市 with a
/// community (core and member school), a teacher, a council seat, a document and an account.
pub async fn outside(root: &Client) -> Outside {
    let city = root
        .get("/api/v1/regions?q=%E9%9A%8F%E5%B7%9E%E5%B8%82")
        .await
        .json()["items"][0]["id"]
        .as_i64()
        .expect("随州市");
    let r = root
        .post(
            "/api/v1/regions",
            json!({"name": "随县", "level": "county", "parent_id": city}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let region = r.json()["id"].as_i64().unwrap();
    let r = root.post("/api/v1/schools", json!({"name": "随县厉山镇中心小学", "code": "4213210001", "region_id": region, "stage": "小学", "locality": "镇区", "primary_enrolment": 600})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let school = r.json()["id"].as_i64().unwrap();
    let r = root.post("/api/v1/teachers", json!({"staff_number": "SX0001", "name": "周敏", "gender": "女", "school_id": school, "subjects": ["数学"]})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let teacher = r.json()["id"].as_i64().unwrap();
    let r = root
        .post(
            "/api/v1/communities",
            json!({"name": "随县厉山教联体", "kind": "co_built", "core_school_id": school}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let community = r.json()["id"].as_i64().unwrap();
    let r = root.post("/api/v1/schools", json!({"name": "随县均川小学", "code": "4213210002", "region_id": region, "stage": "primary", "locality": "rural"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let school2 = r.json()["id"].as_i64().unwrap();
    let r = root
        .post(
            &format!("/api/v1/communities/{community}/members"),
            json!({"school_id": school2}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let r = root
        .post(
            &format!("/api/v1/communities/{community}/council"),
            json!({"name": "周校长", "role": "chair"}),
        )
        .await;
    let seat = r.json()["id"].as_i64().unwrap();
    let csrf = root.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = root
        .upload(
            &format!("/api/v1/communities/{community}/documents"),
            &[("kind", "charter")],
            "章程.pdf",
            b"%PDF-1.4 charter",
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let document = r.json()["id"].as_i64().unwrap();
    let r = root.post("/api/v1/users", json!({"username": "suixian_coord", "password": "coord-pass-1", "role": "school_coordinator", "scope_id": school})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    let user = r.json()["id"].as_i64().unwrap();
    Outside {
        region,
        school,
        school2,
        teacher,
        community,
        seat,
        document,
        user,
    }
}
