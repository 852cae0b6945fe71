//! Unified tests: setup, score import (all or nothing, 第N行), statistics recomputed here, value
//! added recovering the demo's planted school effects, pages and scope, on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

fn school_stats(report: &Value, school: i64) -> Value {
    report["schools"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["school_id"] == school)
        .unwrap()["stats"]
        .clone()
}

#[tokio::test]
async fn unified_tests_statistics_and_value_added() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let me = lead.get("/api/v1/auth/me").await.json();
        let (community, csrf) = (
            me["scope_id"].as_i64().unwrap(),
            me["csrf_token"].as_str().unwrap().to_owned(),
        );
        let d = lead
            .get(&format!("/api/v1/communities/{community}"))
            .await
            .json();
        let mut members: Vec<(i64, String, String)> = d["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["school_id"].as_i64().unwrap(),
                    m["school_name"].as_str().unwrap().to_owned(),
                    m["role"].as_str().unwrap().to_owned(),
                )
            })
            .collect();
        members.sort();
        let core = members.iter().find(|m| m.2 == "core").unwrap().clone();
        let other = members.iter().find(|m| m.2 != "core").unwrap().clone();

        // Setup: impossible lines are refused.
        let bad = lead.post("/api/v1/unified-tests", json!({"community_id": community, "title": "测试", "subject": "数学", "grade": "五年级", "held_on": "2026-12-20", "full_marks": 100, "pass_line": 90, "excellent_line": 80})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        let coord = Client::login(&e.app, "coord1", DEMO_PASSWORD).await;
        assert_eq!(coord.post("/api/v1/unified-tests", json!({"community_id": community, "title": "x", "subject": "数学", "grade": "五年级", "held_on": "2026-12-20", "full_marks": 100, "pass_line": 60, "excellent_line": 85})).await.status, StatusCode::FORBIDDEN);
        let r = lead.post("/api/v1/unified-tests", json!({"community_id": community, "title": "五年级数学期末统一检测", "subject": "数学", "grade": "五年级", "held_on": "2026-12-20", "full_marks": 100, "pass_line": 60, "excellent_line": 85})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{label}: {}", r.text());
        let test = r.json()["id"].as_i64().unwrap();

        // A bad sheet names every bad row and writes nothing.
        let sheet_bad = format!(
            "学籍号,姓名,学校,班级,成绩\nA1,甲,{},5(1)班,120\nA2,乙,不存在的学校,5(1)班,80\nA1,丙,{},5(2)班,70\n",
            core.1, other.1
        );
        let r = lead
            .upload(
                &format!("/api/v1/unified-tests/{test}/scores"),
                &[],
                "s.csv",
                sheet_bad.as_bytes(),
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
            msgs.contains("第2行 成绩")
                && msgs.contains("第3行 学校")
                && msgs.contains("第4行 学籍号"),
            "{msgs}"
        );
        assert_eq!(
            lead.get(&format!("/api/v1/unified-tests/{test}"))
                .await
                .json()["test"]["students"],
            0
        );

        // A good sheet; the statistics are recomputed here.
        let core_scores = [92.0, 85.0, 78.0, 66.0];
        let other_scores = [58.0, 71.0, 90.0];
        let mut csv = String::from("学籍号,姓名,学校,班级,成绩\n");
        for (i, s) in core_scores.iter().enumerate() {
            csv.push_str(&format!("C{i},学生,{},5(1)班,{s}\n", core.1));
        }
        for (i, s) in other_scores.iter().enumerate() {
            csv.push_str(&format!("M{i},学生,{},5(2)班,{s}\n", other.1));
        }
        csv.push_str(&format!("M9,缺考生,{},5(2)班,缺考\n", other.1));
        let r = lead
            .upload(
                &format!("/api/v1/unified-tests/{test}/scores"),
                &[],
                "s.csv",
                csv.as_bytes(),
                Some(&csrf),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let a = lead
            .get(&format!("/api/v1/unified-tests/{test}"))
            .await
            .json();
        let stats = |v: &[f64]| {
            let n = v.len() as f64;
            let mean = v.iter().sum::<f64>() / n;
            let sd = (v.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
            let pass = v.iter().filter(|&&x| x >= 60.0).count() as f64 / n;
            (mean, sd, pass)
        };
        for (school, scores) in [(core.0, &core_scores[..]), (other.0, &other_scores[..])] {
            let s = school_stats(&a["report"], school);
            let (mean, sd, pass) = stats(scores);
            assert!(
                (s["mean"].as_f64().unwrap() - mean).abs() < 1e-9,
                "{label}: mean"
            );
            assert!(
                (s["sd"].as_f64().unwrap() - sd).abs() < 1e-9,
                "{label}: sample sd"
            );
            assert!(
                (s["pass_rate"].as_f64().unwrap() - pass).abs() < 1e-9,
                "{label}: pass rate"
            );
        }
        assert_eq!(school_stats(&a["report"], other.0)["absent"], 1);
        let gap = a["core_gaps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|g| g["school_id"] == other.0)
            .unwrap()
            .clone();
        assert!(
            (gap["mean_diff"].as_f64().unwrap() - (stats(&other_scores).0 - stats(&core_scores).0))
                .abs()
                < 1e-9
        );
        let x = lead
            .get(&format!("/api/v1/unified-tests/{test}/export"))
            .await;
        assert!(x.status == StatusCode::OK && x.bytes.starts_with(b"PK"));

        // Value added on the demo's two tests recovers the planted order of school effects
        // (+0.25, 0, −0.2 by the school's place in id order).
        let tests = lead
            .get(&format!("/api/v1/unified-tests?community_id={community}"))
            .await
            .json();
        let demo: Vec<&Value> = tests
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["title"].as_str().unwrap().contains("五年级数学") && t["id"] != test)
            .collect();
        assert_eq!(demo.len(), 2, "{label}: {tests}");
        let (later, earlier) = (
            demo[0]["id"].as_i64().unwrap(),
            demo[1]["id"].as_i64().unwrap(),
        );
        let r = lead
            .get(&format!(
                "/api/v1/unified-tests/value-added?earlier={earlier}&later={later}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let va = r.json()["value_added"].clone();
        let effect = [0.25, 0.0, -0.2];
        let of = |i: usize| {
            va["schools"]
                .as_array()
                .unwrap()
                .iter()
                .find(|g| g["id"] == members[i].0)
                .unwrap()["value_added"]
                .as_f64()
                .unwrap()
        };
        for i in 0..members.len() {
            for j in 0..members.len() {
                if effect[i % 3] - effect[j % 3] > 0.4 {
                    assert!(
                        of(i) > of(j),
                        "{label}: school {i} (+{}) above school {j} ({})",
                        effect[i % 3],
                        effect[j % 3]
                    );
                }
            }
        }

        // Pages and scope.
        for p in [
            "/unified-tests".to_owned(),
            format!("/unified-tests/{test}"),
            format!("/unified-tests/{later}/value-added?earlier={earlier}"),
        ] {
            let r = lead.get(&p).await;
            assert_eq!(
                r.status,
                StatusCode::OK,
                "{label} {p}: {}",
                r.text().chars().take(300).collect::<String>()
            );
        }
        assert_eq!(
            coord
                .get(&format!("/api/v1/unified-tests/{test}"))
                .await
                .status,
            StatusCode::OK
        );
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let ot = root.post("/api/v1/unified-tests", json!({"community_id": o.community, "title": "随县检测", "subject": "数学", "grade": "五年级", "held_on": "2026-12-20", "full_marks": 100, "pass_line": 60, "excellent_line": 85})).await.json()["id"].as_i64().unwrap();
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let t = c.get("/api/v1/auth/me").await.json()["csrf_token"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            assert_eq!(
                c.get(&format!("/api/v1/unified-tests/{ot}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/unified-tests/{ot}")).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.delete(&format!("/api/v1/unified-tests/{ot}"))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.upload(
                    &format!("/api/v1/unified-tests/{ot}/scores"),
                    &[],
                    "s.csv",
                    csv.as_bytes(),
                    Some(&t)
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert!(
                !c.get("/api/v1/unified-tests")
                    .await
                    .text()
                    .contains("随县检测"),
                "{u}"
            );
        }
        e.db.finish().await;
    }
}
