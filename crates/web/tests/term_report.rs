//! The term report package: generated from the records (an activity with its photo, the figures
//! of the summary), six files in one zip, and every Word document opens in LibreOffice
//! (`soffice --headless --convert-to pdf`). Without LibreOffice the conversion is skipped loudly,
//! except under CI=true, where that is a failure.

mod common;

use axum::http::StatusCode;
use common::{Client, env};
use gongjin_store::demo::DEMO_PASSWORD;
use std::io::Read;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa7\x35\x81\x84\0\0\0\0IEND\xaeB`\x82";

#[tokio::test]
async fn term_package_from_the_records_opens_in_libreoffice() {
    let e = env(gongjin_store::testing::sqlite().await).await;
    let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
    let me = lead.get("/api/v1/auth/me").await.json();
    let (community, csrf) = (
        me["scope_id"].as_i64().unwrap(),
        me["csrf_token"].as_str().unwrap().to_owned(),
    );
    let term = gongjin_domain::Term::of(gongjin_store::today());
    let (from, _) = term.bounds();
    let today = gongjin_store::today();
    // A done activity of this term gets a photo.
    let acts = lead
        .get(&format!("/api/v1/activities?community_id={community}&status=done&from={from}&to={today}&per_page=1"))
        .await
        .json();
    let act = acts["items"][0].clone();
    let r = lead
        .upload(
            &format!("/api/v1/activities/{}/files", act["id"]),
            &[],
            "现场.png",
            PNG,
            Some(&csrf),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());

    let r = lead
        .get(&format!(
            "/api/v1/communities/{community}/term-report?year={}&term={}",
            term.year, term.half
        ))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text());
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(r.bytes.clone())).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    assert_eq!(names.len(), 6, "{names:?}");
    let dir = gongjin_store::testing::temp_dir("gongjin_term");
    let mut docs = vec![];
    for (i, n) in names.iter().enumerate() {
        let mut bytes = vec![];
        z.by_name(n).unwrap().read_to_end(&mut bytes).unwrap();
        let path = dir.join(format!("part{i}.{}", n.rsplit('.').next().unwrap()));
        std::fs::write(&path, &bytes).unwrap();
        if n.ends_with(".docx") {
            let mut d = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
            let mut xml = String::new();
            d.by_name("word/document.xml")
                .unwrap()
                .read_to_string(&mut xml)
                .unwrap();
            docs.push((
                n.clone(),
                path,
                xml,
                d.by_name("word/media/image1.png").is_ok(),
            ));
        }
    }
    let plan = docs.iter().find(|d| d.0.contains("活动安排")).unwrap();
    assert!(
        plan.2.contains(act["title"].as_str().unwrap()),
        "the activity is in the schedule"
    );
    assert!(plan.3, "its photo is in the document");
    let summary = docs.iter().find(|d| d.0.contains("工作总结")).unwrap();
    assert!(
        summary.2.contains("联合教研等活动") && summary.2.contains("同步课堂"),
        "figures filled in"
    );
    let dash = lead
        .get(&format!("/api/v1/communities/{community}/dashboard"))
        .await
        .json();
    let held: i64 = dash["activities_by_kind"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["done"].as_i64().unwrap())
        .sum();
    assert!(
        summary.2.contains(&format!("活动 {held} 项")),
        "the summary counts what the dashboard counts ({held})"
    );
    let other = Client::login(&e.app, "lead2", DEMO_PASSWORD).await;
    assert_eq!(
        other
            .get(&format!("/api/v1/communities/{community}/term-report"))
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // LibreOffice opens every document.
    let soffice = ["soffice", "libreoffice"].into_iter().find(|b| {
        std::process::Command::new(b)
            .arg("--version")
            .output()
            .is_ok_and(|o| o.status.success())
    });
    let Some(soffice) = soffice else {
        assert!(
            !gongjin_store::testing::under_ci(),
            "CI=true but LibreOffice is missing (apt-get install libreoffice-writer-nogui)"
        );
        eprintln!(
            "\n!!!!! LibreOffice not found: SKIPPING the conversion check (apt-get install libreoffice-writer-nogui) !!!!!\n"
        );
        e.db.finish().await;
        return;
    };
    let profile = dir.join("lo-profile");
    for (name, path, _, _) in &docs {
        let out = std::process::Command::new(soffice)
            .arg(format!(
                "-env:UserInstallation=file://{}",
                profile.display()
            ))
            .args(["--headless", "--convert-to", "pdf", "--outdir"])
            .arg(&dir)
            .arg(path)
            .output()
            .expect("run LibreOffice");
        let pdf = path.with_extension("pdf");
        assert!(
            out.status.success() && pdf.exists() && std::fs::metadata(&pdf).unwrap().len() > 1000,
            "{name} converts: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    e.db.finish().await;
}
