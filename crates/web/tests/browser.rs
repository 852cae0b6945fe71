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

#[tokio::test]
async fn admin_creates_a_community_and_adds_a_member_in_the_browser() {
    let (Some(driver_bin), Some(chromium)) = (find("chromedriver"), find("chromium")) else {
        if gongjin_store::testing::under_ci() {
            panic!(
                "CI=true but chromium/chromedriver are missing (apt-get install chromium chromium-driver)"
            );
        }
        eprintln!(
            "\n!!!!! chromium or chromedriver not found: SKIPPING the browser test. apt-get install chromium chromium-driver fonts-noto-cjk !!!!!\n"
        );
        return;
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
    let _driver = Driver(
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

    // Sign in.
    c.goto(&format!("{base}/communities/new")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "strangers are sent to the login page"
    );
    c.find(Locator::Css("input[name=username]"))
        .await
        .unwrap()
        .send_keys("admin")
        .await
        .unwrap();
    c.find(Locator::Css("input[name=password]"))
        .await
        .unwrap()
        .send_keys(ADMIN_PASSWORD)
        .await
        .unwrap();
    c.find(Locator::Css("button[type=submit]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
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
