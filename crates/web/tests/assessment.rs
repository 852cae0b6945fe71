//! Assessment from the records: every automatic score recomputed from the records behind it,
//! manual scoring by the bureau, the ranking, the standard's versions, and scope, on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::{Value, json};

fn indicators(card: &Value) -> Vec<Value> {
    card["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["indicators"].as_array().unwrap().clone())
        .collect()
}

fn by_metric(card: &Value, metric: &str) -> Value {
    indicators(card)
        .into_iter()
        .find(|i| i["metric"] == metric)
        .unwrap_or_else(|| panic!("an indicator measures {metric}"))
}

fn evidence_ids(i: &Value) -> Vec<i64> {
    let mut v: Vec<i64> = i["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    v.sort_unstable();
    v
}

#[tokio::test]
async fn scores_come_from_the_records_behind_them() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let lead = Client::login(&e.app, "lead1", DEMO_PASSWORD).await;
        let community = lead.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let year = gongjin_domain::school_year_of(gongjin_store::today());
        let r = lead
            .get(&format!(
                "/api/v1/assessments?community_id={community}&year={year}"
            ))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let card = r.json();
        assert_eq!(card["dimensions"].as_array().unwrap().len(), 5);
        let total: f64 = indicators(&card)
            .iter()
            .map(|i| i["weighted_score"].as_f64().unwrap())
            .sum();
        assert!(
            (total - card["total"].as_f64().unwrap()).abs() < 1e-6,
            "{label}: total is the sum"
        );

        // Long-term exchanges: the quota figure and its records.
        let q = lead
            .get(&format!(
                "/api/v1/quotas?community_id={community}&year={year}"
            ))
            .await
            .json();
        let lt = q["figures"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["rule"] == "long_term")
            .unwrap()
            .clone();
        let i = by_metric(&card, "long_term_exchanges");
        assert_eq!(
            i["value"].as_f64().unwrap(),
            lt["numerator"].as_f64().unwrap(),
            "{label}"
        );
        let mut recs: Vec<i64> = lt["records"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_i64().unwrap())
            .collect();
        recs.sort_unstable();
        assert_eq!(
            evidence_ids(&i),
            recs,
            "{label}: evidence is the exchanges counted"
        );

        // Synchronous lessons: held lessons of the school year, counted independently from the list.
        let (from, to) = gongjin_domain::school_year_bounds(year);
        let list = lead
            .get(&format!(
                "/api/v1/sync-lessons?community_id={community}&from={from}&to={to}&per_page=1000"
            ))
            .await
            .json();
        let mut held: Vec<i64> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["status"] == "done")
            .map(|l| l["id"].as_i64().unwrap())
            .collect();
        held.sort_unstable();
        let i = by_metric(&card, "sync_lessons");
        assert_eq!(i["value"].as_f64().unwrap(), held.len() as f64, "{label}");
        assert_eq!(evidence_ids(&i), held, "{label}");
        assert!(
            !held.is_empty(),
            "{label}: the demo has held lessons this year"
        );

        // Activities per term: done activities of the year / 2.
        let acts = lead
            .get(&format!("/api/v1/activities?community_id={community}&status=done&from={from}&to={to}&per_page=1000"))
            .await
            .json();
        let i = by_metric(&card, "activities_per_term");
        assert_eq!(
            i["value"].as_f64().unwrap(),
            acts["total"].as_f64().unwrap() / 2.0,
            "{label}"
        );

        // Metrics the records cannot give yet are listed as incomplete, not invented.
        let inc = card["incomplete"].to_string();
        // Member balance improvement: the demo has conditions for last year and this one.
        let bi = by_metric(&card, "member_balance_improvement");
        if year == 2026 {
            assert_eq!(bi["status"], "measured", "{label}: {bi}");
            assert!(bi["evidence"].to_string().contains("百分点"), "{bi}");
        } else {
            assert!(inc.contains(bi["key"].as_str().unwrap()), "{inc}");
        }
        // Member value added: from the demo's two unified tests when both fall in this school year.
        let va = by_metric(&card, "member_value_added");
        if va["status"] == "measured" {
            assert!(va["evidence"].to_string().contains("增值"), "{va}");
        } else {
            assert!(inc.contains(va["key"].as_str().unwrap()), "{inc}");
        }

        // A manual indicator: the bureau scores it; the lead cannot; bad scores change nothing.
        let manual = indicators(&card)
            .into_iter()
            .find(|i| i["metric"].is_null())
            .expect("a manual indicator");
        let key = manual["key"].as_str().unwrap().to_owned();
        let max = manual["max_points"].as_f64().unwrap();
        let body = json!({"community_id": community, "year": year, "indicator": key, "score": max / 2.0, "comment": "材料齐全"});
        assert_eq!(
            lead.put("/api/v1/assessments/manual", body.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let mut bad = body.clone();
        bad["score"] = json!(max + 1.0);
        assert_eq!(
            admin.put("/api/v1/assessments/manual", bad).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let mut auto = body.clone();
        auto["indicator"] = by_metric(&card, "sync_lessons")["key"].clone();
        assert_eq!(
            admin.put("/api/v1/assessments/manual", auto).await.status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let r = admin.put("/api/v1/assessments/manual", body).await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let after = r.json();
        let w = manual["weight"].as_f64().unwrap();
        assert!(
            (after["total"].as_f64().unwrap() - card["total"].as_f64().unwrap() - w * max / 2.0)
                .abs()
                < 1e-6,
            "{label}"
        );

        // The ranking lists the district's six communities, best first.
        let rk = admin
            .get(&format!("/api/v1/assessments/ranking?year={year}"))
            .await
            .json();
        let entries = rk["entries"].as_array().unwrap();
        assert_eq!(entries.len(), 6, "{label}: {rk}");
        assert!(
            entries
                .windows(2)
                .all(|w| w[0]["score"].as_f64() >= w[1]["score"].as_f64())
        );
        // Bundled: each community's card plus its member schools' progress.
        let bundled = rk["bundled"].as_array().unwrap();
        assert_eq!(bundled.len(), 6);
        for b in bundled {
            let own = b["card"]["percent"].as_f64().unwrap();
            let share = b["member_share"].as_f64().unwrap();
            let expect = (1.0 - share) * own + share * b["member_progress"].as_f64().unwrap();
            assert!(
                (b["score"].as_f64().unwrap() - expect).abs() < 1e-6,
                "{label}: {b}"
            );
        }
        // The development index: six components, 0–100, three years of trend.
        let di = admin
            .get(&format!("/api/v1/development-index?year={year}"))
            .await;
        assert_eq!(di.status, StatusCode::OK, "{label}: {}", di.text());
        let di = di.json();
        let idx = di["index"]["index"].as_f64().unwrap();
        assert!((0.0..=100.0).contains(&idx));
        let sum: f64 = di["index"]["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["points"].as_f64().unwrap())
            .sum();
        assert!(
            (sum - idx).abs() < 1e-6,
            "{label}: the index is the sum of its components"
        );
        assert_eq!(di["trend"].as_array().unwrap().len(), 3);
        assert_eq!(
            lead.get(&format!("/api/v1/development-index?year={year}"))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        assert_eq!(
            lead.get(&format!("/api/v1/assessments/ranking?year={year}"))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // The standard: the preset, then a saved version.
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let mut std = admin
            .get(&format!("/api/v1/regions/{region}/standard?year={year}"))
            .await
            .json();
        std["dimensions"][0]["indicators"][0]["name"] = json!("改过名的指标");
        assert_eq!(
            lead.put(&format!("/api/v1/regions/{region}/standard"), std.clone())
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let r = admin
            .put(&format!("/api/v1/regions/{region}/standard"), std.clone())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.text());
        assert_eq!(r.json()["version"], 1);
        let again = admin
            .get(&format!("/api/v1/regions/{region}/standard?year={year}"))
            .await
            .json();
        assert_eq!(
            again["dimensions"][0]["indicators"][0]["name"],
            "改过名的指标"
        );
        let mut broken = std.clone();
        broken["dimensions"][0]["indicators"][0]["max_points"] = json!(-5);
        assert_eq!(
            admin
                .put(&format!("/api/v1/regions/{region}/standard"), broken)
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );

        // Pages.
        for (c, p, s) in [
            (
                &lead,
                format!("/assessment?community_id={community}"),
                StatusCode::OK,
            ),
            (
                &admin,
                format!("/assessment?community_id={community}&year={year}"),
                StatusCode::OK,
            ),
            (&admin, "/assessment/ranking".to_owned(), StatusCode::OK),
        ] {
            let r = c.get(&p).await;
            assert_eq!(
                r.status,
                s,
                "{label} {p}: {}",
                r.text().chars().take(300).collect::<String>()
            );
        }
        let page = admin
            .get(&format!("/assessment?community_id={community}&year={year}"))
            .await
            .text();
        assert!(
            page.contains("/sync-lessons/") && page.contains("材料齐全"),
            "{label}: evidence links and the comment show"
        );

        // Outside: 随县's community is nobody's here.
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/api/v1/assessments?community_id={}", o.community))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/assessment?community_id={}", o.community))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!(
                    "/api/v1/assessments/ranking?region_id={}",
                    o.region
                ))
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.put(
                    &format!("/api/v1/regions/{}/standard", o.region),
                    std.clone()
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            let m =
                json!({"community_id": o.community, "year": year, "indicator": key, "score": 1.0});
            assert_eq!(
                c.put("/api/v1/assessments/manual", m).await.status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
        }
        e.db.finish().await;
    }
}
