//! The UI in a real browser: headless Chromium driven through chromedriver signs in, creates a
//! community and adds a member school. Without chromedriver the test says so loudly and skips,
//! except under CI=true, where that is a failure.

mod common;

use common::{ADMIN_PASSWORD, env};
use fantoccini::{ClientBuilder, Locator};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Driver(Child);
impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn find(bin: &str) -> Option<String> {
    for dir in std::env::var("PATH")
        .unwrap_or_default()
        .split(':')
        .chain(["/usr/bin", "/usr/lib/chromium"])
    {
        let p = std::path::Path::new(dir).join(bin);
        if p.exists() {
            return Some(p.display().to_string());
        }
    }
    None
}

/// The app over a fresh SQLite demo database, served on a free port, and a headless Chromium
/// session; `None` (loudly) when the browser is missing outside CI.
async fn start() -> Option<(fantoccini::Client, String, common::Env, Driver)> {
    let (Some(driver_bin), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        if gongjin_store::testing::under_ci() {
            panic!(
                "CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "\n!!!!! chromium or chromedriver not found: SKIPPING the browser test. apt-get install chromium chromium-driver fonts-noto-cjk !!!!!\n"
        );
        return None;
    };
    let e = env(gongjin_store::testing::sqlite().await).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let app = e.app.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });

    let port = free_port();
    let driver = Driver(
        Command::new(driver_bin)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver"),
    );
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({
            "binary": chromium,
            "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-quic", "--no-first-run",
                     "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1400,1000"]
        }),
    );
    let mut client = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(c) => {
                client = Some(c);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let c = client.expect("connect to chromedriver");
    Some((c, base, e, driver))
}

async fn sign_in(c: &fantoccini::Client, base: &str, path: &str, user: &str, password: &str) {
    c.goto(&format!("{base}{path}")).await.unwrap();
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys(user)
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(password)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

#[tokio::test]
async fn admin_creates_a_community_and_adds_a_member_in_the_browser() {
    let Some((c, base, e, _driver)) = start().await else {
        return;
    };
    // Sign in.
    c.goto(&format!("{base}/communities/new")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "strangers are sent to the login page"
    );
    // Signing in returns to the page asked for.
    sign_in(&c, &base, "/communities/new", "admin", ADMIN_PASSWORD).await;
    // Back at the page asked for: the new-community form.
    let form = c
        .wait()
        .for_element(Locator::Id("community-form"))
        .await
        .unwrap();
    form.find(Locator::Css("input[name=name]"))
        .await
        .unwrap()
        .send_keys("浏览器测试教联体")
        .await
        .unwrap();
    let core = form
        .find(Locator::Css("select[name=core_school_id]"))
        .await
        .unwrap();
    let options = core.find_all(Locator::Css("option")).await.unwrap();
    let mut core_name = String::new();
    for o in options {
        if !o
            .attr("value")
            .await
            .unwrap()
            .unwrap_or_default()
            .is_empty()
        {
            core_name = o
                .text()
                .await
                .unwrap()
                .split('（')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            o.click().await.unwrap();
            break;
        }
    }
    assert!(!core_name.is_empty(), "a free school is offered as core");
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();

    // The detail page: add a member school.
    let add = c
        .wait()
        .for_element(Locator::Id("add-member"))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains("浏览器测试教联体"));
    let select = add
        .find(Locator::Css("select[name=school_id]"))
        .await
        .unwrap();
    let mut member_name = String::new();
    for o in select.find_all(Locator::Css("option")).await.unwrap() {
        if !o
            .attr("value")
            .await
            .unwrap()
            .unwrap_or_default()
            .is_empty()
        {
            // Options read "学校名（区域）": the table shows the name.
            member_name = o
                .text()
                .await
                .unwrap()
                .split('（')
                .next()
                .unwrap_or_default()
                .trim()
                .to_owned();
            o.click().await.unwrap();
            break;
        }
    }
    assert!(
        !member_name.is_empty(),
        "a free school is offered as member"
    );
    add.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The form posts and redirects back to this same page, so the old #members element may go
    // stale under our feet: look it up afresh each time and treat a stale read as "not yet".
    let mut text = String::new();
    for _ in 0..50 {
        if let Ok(el) = c.find(Locator::Id("members")).await
            && let Ok(t) = el.text().await
        {
            text = t;
            if text.contains(member_name.trim()) {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        text.contains(member_name.trim()),
        "member {member_name} listed in:\n{text}"
    );
    assert!(
        text.contains(core_name.trim()),
        "core {core_name} listed in:\n{text}"
    );
    // Keep a picture of the page for people to look at.
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(std::env::temp_dir().join("gongjin-community.png"), png);
    }
    c.close().await.unwrap();
    e.db.finish().await;
}

/// A coordinator logs an activity with a photo in one form; the community's lead then finds it on
/// the community calendar.
#[tokio::test]
async fn coordinator_logs_an_activity_with_a_photo_and_the_lead_sees_it_on_the_calendar() {
    let Some((c, base, e, _driver)) = start().await else {
        return;
    };
    use gongjin_store::demo::DEMO_PASSWORD;
    sign_in(&c, &base, "/activities/new", "coord1", DEMO_PASSWORD).await;
    let form = c
        .wait()
        .for_element(Locator::Id("activity-form"))
        .await
        .unwrap();
    // The coordinator is offered their own school as host; pick it.
    let host = form.find(Locator::Css("select[name=host]")).await.unwrap();
    let mut picked = false;
    for o in host.find_all(Locator::Css("option")).await.unwrap() {
        if !o
            .attr("value")
            .await
            .unwrap()
            .unwrap_or_default()
            .is_empty()
        {
            o.click().await.unwrap();
            picked = true;
            break;
        }
    }
    assert!(picked, "the coordinator's school is offered as host");
    let title = "浏览器登记的同课异构活动";
    form.find(Locator::Css("input[name=title]"))
        .await
        .unwrap()
        .send_keys(title)
        .await
        .unwrap();
    let photo = std::env::temp_dir().join(format!("gongjin-photo-{}.png", std::process::id()));
    std::fs::write(&photo, PNG).unwrap();
    form.find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(&photo.display().to_string())
        .await
        .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The detail page shows the photo.
    let photos = c
        .wait()
        .for_element(Locator::Css("#photos img"))
        .await
        .unwrap();
    assert!(
        photos
            .attr("src")
            .await
            .unwrap()
            .unwrap_or_default()
            .contains("/activities/files/")
    );
    assert!(c.source().await.unwrap().contains(title));

    // The lead signs in and opens the community calendar.
    c.delete_all_cookies().await.unwrap();
    sign_in(&c, &base, "/calendar", "lead1", DEMO_PASSWORD).await;
    let cal = c.wait().for_element(Locator::Id("calendar")).await.unwrap();
    let text = cal.text().await.unwrap();
    assert!(
        text.contains(title),
        "the activity is on the lead's calendar:\n{text}"
    );
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(std::env::temp_dir().join("gongjin-calendar.png"), png);
    }
    let _ = std::fs::remove_file(photo);
    c.close().await.unwrap();
    e.db.finish().await;
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

/// The long-term exchange figure on the community's quota page.
async fn long_term_figure(c: &fantoccini::Client, base: &str, community: i64) -> i64 {
    c.goto(&format!("{base}/quotas?community_id={community}"))
        .await
        .unwrap();
    let cell = c
        .wait()
        .for_element(Locator::Css(
            "#quotas tr[data-rule=long_term] td:nth-child(3)",
        ))
        .await
        .unwrap();
    let text = cell.text().await.unwrap();
    text.trim()
        .parse()
        .unwrap_or_else(|_| panic!("a count: {text}"))
}

/// A lead records a long-term exchange in the browser and sees the community's figure rise.
#[tokio::test]
async fn lead_records_an_exchange_and_sees_the_quota_figure_change() {
    let Some((c, base, e, _driver)) = start().await else {
        return;
    };
    use gongjin_store::demo::DEMO_PASSWORD;
    // The community, its core school and a member school, and a core-school teacher, from the API.
    let api = common::Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let community = api.get("/api/v1/auth/me").await.json()["scope_id"]
        .as_i64()
        .unwrap();
    let d = api
        .get(&format!("/api/v1/communities/{community}"))
        .await
        .json();
    let members = d["members"].as_array().unwrap();
    let core = members.iter().find(|m| m["role"] == "core").unwrap()["school_id"]
        .as_i64()
        .unwrap();
    let member = members.iter().find(|m| m["role"] != "core").unwrap()["school_id"]
        .as_i64()
        .unwrap();
    let staff = api
        .get(&format!("/api/v1/teachers?school_id={core}&per_page=200"))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["status"] == "active")
        .unwrap()["staff_number"]
        .as_str()
        .unwrap()
        .to_owned();

    sign_in(
        &c,
        &base,
        &format!("/quotas?community_id={community}"),
        "lead1",
        DEMO_PASSWORD,
    )
    .await;
    let before = long_term_figure(&c, &base, community).await;

    c.goto(&format!("{base}/exchanges/new")).await.unwrap();
    let form = c
        .wait()
        .for_element(Locator::Id("exchange-form"))
        .await
        .unwrap();
    form.find(Locator::Css("input[name=staff_number]"))
        .await
        .unwrap()
        .send_keys(&staff)
        .await
        .unwrap();
    form.find(Locator::Css(&format!(
        "select[name=to_school_id] option[value='{member}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    form.find(Locator::Css("select[name=kind] option[value=long_term]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    if let Ok(o) = form
        .find(Locator::Css("select[name=status] option[value=active]"))
        .await
    {
        o.click().await.unwrap();
    }
    let today = gongjin_store::today();
    // Date inputs take the locale's format when typed; set their values directly.
    c.execute(
        "document.querySelector('input[name=start_on]').value = arguments[0]; document.querySelector('input[name=end_on]').value = arguments[1];",
        vec![
            serde_json::json!(today.to_string()),
            serde_json::json!((today + chrono::Duration::days(366)).to_string()),
        ],
    )
    .await
    .unwrap();
    form.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    // The exchange's page (not the form again with an error).
    let mut ok = false;
    for _ in 0..50 {
        let url = c.current_url().await.unwrap();
        let p = url.path().to_owned();
        if p.starts_with("/exchanges/") && p != "/exchanges/new" {
            ok = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(
        ok,
        "the exchange was saved: {}",
        c.source()
            .await
            .unwrap_or_default()
            .chars()
            .take(2000)
            .collect::<String>()
    );

    let after = long_term_figure(&c, &base, community).await;
    assert_eq!(
        after,
        before + 1,
        "the long-term figure counts the new exchange"
    );
    if let Ok(png) = c.screenshot().await {
        let _ = std::fs::write(std::env::temp_dir().join("gongjin-quotas.png"), png);
    }
    c.close().await.unwrap();
    e.db.finish().await;
}
