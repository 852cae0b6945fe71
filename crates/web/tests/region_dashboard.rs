//! The region dashboard (home page of a bureau administrator or inspector, and
//! `GET /api/v1/regions/{id}/dashboard`): every chart card drawn on the demo district, its figures
//! against independent recomputations from the list APIs (activities per month, exchanges and
//! hours, CVs from the schools' values), the other figures against the pages they summarise, an
//! empty region drawn as "no data" lines, and the scope — on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};

const CARDS: [&str; 7] = [
    "card-exchanges",
    "card-activities",
    "card-quota",
    "card-assessment",
    "card-balance",
    "card-tests",
    "card-index",
];

/// The HTML of one chart card of the page.
fn card<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("card {id} missing"));
    let rest = &html[start..];
    let end = rest[1..]
        .find("class=\"card chart-card\"")
        .map_or(rest.len(), |i| i + 1);
    &rest[..end]
}

fn weighted_cv(points: &[(f64, f64)]) -> f64 {
    let w: f64 = points.iter().map(|p| p.0).sum();
    let mean = points.iter().map(|p| p.0 * p.1).sum::<f64>() / w;
    let var = points
        .iter()
        .map(|p| p.0 * (p.1 - mean).powi(2))
        .sum::<f64>()
        / w;
    var.sqrt() / mean
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-6 * (1.0 + a.abs().max(b.abs()))
}

#[tokio::test]
async fn the_region_dashboard_draws_every_chart_from_the_records() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let r = admin
            .get(&format!("/api/v1/regions/{region}/dashboard"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let d = r.json();
        let year = d["year"].as_i64().unwrap() as i32;
        // The demo's records are of the current school year, which is the default.
        assert_eq!(
            year,
            gongjin_domain::school_year_of(gongjin_store::today()),
            "{label}"
        );
        assert!(d["years"].as_array().unwrap().contains(&json!(year)));
        let (from, to) = (
            d["from"].as_str().unwrap().to_owned(),
            d["to"].as_str().unwrap().to_owned(),
        );
        assert_eq!(from, format!("{year}-09-01"));
        assert_eq!(d["region_name"], "曾都区");

        // Activities per month, recomputed from the activity list of the school year.
        let mut per_month: BTreeMap<String, i64> = BTreeMap::new();
        let mut page = 1;
        loop {
            let r = admin
                .get(&format!(
                    "/api/v1/activities?from={from}&to={to}&per_page=1000&page={page}"
                ))
                .await
                .json();
            let items = r["items"].as_array().unwrap().clone();
            for a in &items {
                if a["status"] != "cancelled" {
                    let m = a["held_on"].as_str().unwrap()[..7].to_owned();
                    *per_month.entry(m).or_default() += 1;
                }
            }
            if items.len() < 1000 {
                break;
            }
            page += 1;
        }
        assert!(!per_month.is_empty(), "{label}: the demo has activities");
        let shown: BTreeMap<String, i64> = d["activities_by_month"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["count"].as_i64().unwrap() > 0)
            .map(|m| {
                (
                    m["month"].as_str().unwrap().to_owned(),
                    m["count"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(shown, per_month, "{label}");
        // Months run from September, zero-filled.
        assert_eq!(
            d["activities_by_month"][0]["month"],
            format!("{year}-09"),
            "{label}"
        );

        // Exchanges and hours, recomputed from the exchange list and each exchange's hours ledger.
        let list = admin.get("/api/v1/exchanges?per_page=5000").await.json();
        let items = list["items"].as_array().unwrap();
        assert_eq!(items.len() as i64, list["total"].as_i64().unwrap());
        let mut teachers: BTreeSet<i64> = BTreeSet::new();
        let mut by_kind: BTreeMap<String, (i64, BTreeSet<i64>, BTreeSet<i64>, f64)> =
            BTreeMap::new();
        let mut hours_by_month: BTreeMap<String, f64> = BTreeMap::new();
        let mut hours = 0.0;
        for x in items {
            let kind = x["kind"].as_str().unwrap().to_owned();
            let status = x["status"].as_str().unwrap();
            let teacher = x["teacher_id"].as_i64().unwrap();
            let overlaps = status != "cancelled"
                && x["start_on"].as_str().unwrap() <= to.as_str()
                && x["end_on"].as_str().unwrap() >= from.as_str();
            if overlaps {
                let k = by_kind.entry(kind.clone()).or_default();
                k.0 += 1;
                if status == "active" || status == "finished" {
                    k.1.insert(teacher);
                    teachers.insert(teacher);
                } else if status == "planned" {
                    k.2.insert(teacher);
                }
            }
            let ledger = admin
                .get(&format!(
                    "/api/v1/exchange-hours?exchange_id={}",
                    x["id"].as_i64().unwrap()
                ))
                .await
                .json();
            for h in ledger["items"].as_array().unwrap() {
                let on = h["on_date"].as_str().unwrap();
                if on >= from.as_str() && on <= to.as_str() {
                    let v = h["hours"].as_f64().unwrap();
                    hours += v;
                    *hours_by_month.entry(on[..7].to_owned()).or_default() += v;
                    by_kind.entry(kind.clone()).or_default().3 += v;
                }
            }
        }
        let ex = &d["exchanges"];
        assert!(!teachers.is_empty(), "{label}: the demo has exchanges");
        assert_eq!(
            ex["teachers"].as_i64().unwrap(),
            teachers.len() as i64,
            "{label}"
        );
        assert!(
            close(ex["hours"].as_f64().unwrap(), hours),
            "{label}: {ex} vs {hours}"
        );
        let kinds = ex["by_kind"].as_array().unwrap();
        assert_eq!(kinds.len(), by_kind.len(), "{label}: {kinds:?}");
        for k in kinds {
            let mine = &by_kind[k["kind"].as_str().unwrap()];
            assert_eq!(k["exchanges"].as_i64().unwrap(), mine.0, "{label} {k}");
            assert_eq!(
                k["teachers"].as_i64().unwrap(),
                mine.1.len() as i64,
                "{label} {k}"
            );
            assert_eq!(
                k["teachers_planned"].as_i64().unwrap(),
                mine.2.len() as i64,
                "{label} {k}"
            );
            assert!(close(k["hours"].as_f64().unwrap(), mine.3), "{label} {k}");
        }
        let months: BTreeMap<String, f64> = ex["hours_by_month"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| {
                (
                    m["month"].as_str().unwrap().to_owned(),
                    m["value"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            months.keys().collect::<Vec<_>>(),
            hours_by_month.keys().collect::<Vec<_>>(),
            "{label}"
        );
        for (m, v) in &hours_by_month {
            assert!(close(months[m], *v), "{label} {m}");
        }

        // Balance: each CV recomputed from the schools' values and enrolments of the balance report.
        let b = admin
            .get(&format!("/api/v1/balance?region_id={region}&year={year}"))
            .await
            .json();
        let stages = d["balance"].as_array().expect("the demo has conditions");
        assert_eq!(
            stages.len(),
            b["stages"].as_array().unwrap().len(),
            "{label}"
        );
        let mut cvs = vec![];
        for (s, full) in stages.iter().zip(b["stages"].as_array().unwrap()) {
            assert_eq!(s["stage"], full["stage"]);
            assert_eq!(s["cv_threshold"], full["cv_threshold"]);
            for (i, fi) in s["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .zip(full["indicators"].as_array().unwrap())
            {
                assert_eq!(i["key"], fi["key"]);
                let points: Vec<(f64, f64)> = fi["schools"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|x| {
                        (
                            x["enrolment"].as_f64().unwrap(),
                            x["value"].as_f64().unwrap(),
                        )
                    })
                    .collect();
                let cv = weighted_cv(&points);
                assert!(close(i["cv"].as_f64().unwrap(), cv), "{label} {i} vs {cv}");
                assert_eq!(
                    i["pass"].as_bool().unwrap(),
                    cv <= s["cv_threshold"].as_f64().unwrap() + 1e-12,
                    "{label} {i}"
                );
                cvs.push(format!("{cv:.3}"));
            }
        }

        // Quotas as the quotas page computes them, for the region and each community.
        let q = admin
            .get(&format!("/api/v1/quotas?region_id={region}&year={year}"))
            .await
            .json();
        for rule in ["exchanged", "backbone"] {
            let mine = d["quota"]["region"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["rule"] == rule)
                .unwrap();
            let theirs = q["figures"]
                .as_array()
                .unwrap()
                .iter()
                .find(|f| f["rule"] == rule)
                .unwrap();
            assert_eq!(mine["numerator"], theirs["numerator"], "{label} {rule}");
            assert_eq!(mine["denominator"], theirs["denominator"], "{label} {rule}");
        }
        let communities = d["quota"]["communities"].as_array().unwrap();
        assert_eq!(communities.len(), 6, "{label}: the demo's six communities");
        for c in communities {
            let q = admin
                .get(&format!(
                    "/api/v1/quotas?community_id={}&year={year}",
                    c["community_id"]
                ))
                .await
                .json();
            let theirs: Vec<(Value, Value, Value)> = q["figures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].clone(),
                        f["numerator"].clone(),
                        f["denominator"].clone(),
                    )
                })
                .collect();
            let mine: Vec<(Value, Value, Value)> = c["figures"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["rule"].clone(),
                        f["numerator"].clone(),
                        f["denominator"].clone(),
                    )
                })
                .collect();
            assert_eq!(mine, theirs, "{label}");
        }

        // Assessment by dimension as the ranking computes it.
        let ranking = admin
            .get(&format!(
                "/api/v1/assessments/ranking?region_id={region}&year={year}"
            ))
            .await
            .json();
        let assessed = d["assessment"].as_array().unwrap();
        assert_eq!(assessed.len(), 6, "{label}");
        for a in assessed {
            let b = ranking["bundled"]
                .as_array()
                .unwrap()
                .iter()
                .find(|b| b["community_id"] == a["community_id"])
                .unwrap();
            assert!(close(
                a["bundled"].as_f64().unwrap(),
                b["score"].as_f64().unwrap()
            ));
            let dims = a["dimensions"].as_array().unwrap();
            assert!(!dims.is_empty());
            let sum: f64 = dims.iter().map(|x| x["score"].as_f64().unwrap()).sum();
            assert!(close(sum, a["total"].as_f64().unwrap()), "{label} {a}");
            for (x, y) in dims.iter().zip(b["card"]["dimensions"].as_array().unwrap()) {
                assert_eq!(x["name"], y["name"]);
                assert!(close(
                    x["score"].as_f64().unwrap(),
                    y["score"].as_f64().unwrap()
                ));
            }
        }

        // Unified tests: each community's latest, with the test page's overall mean and pass rate.
        let tests = d["unified_tests"].as_array().unwrap();
        assert_eq!(tests.len(), 2, "{label}: the demo tests two communities");
        for t in tests {
            let a = admin
                .get(&format!("/api/v1/unified-tests/{}", t["test_id"]))
                .await
                .json();
            let overall = &a["report"]["overall"];
            assert!(close(
                t["mean"].as_f64().unwrap(),
                overall["mean"].as_f64().unwrap()
            ));
            assert!(close(
                t["pass_rate"].as_f64().unwrap(),
                overall["pass_rate"].as_f64().unwrap()
            ));
            let list = admin
                .get(&format!(
                    "/api/v1/unified-tests?community_id={}",
                    t["community_id"]
                ))
                .await
                .json();
            let latest = list
                .as_array()
                .or(list["items"].as_array())
                .unwrap()
                .iter()
                .filter(|x| x["held_on"].as_str().unwrap() <= to.as_str())
                .map(|x| x["held_on"].as_str().unwrap().to_owned())
                .max()
                .unwrap();
            assert_eq!(t["held_on"].as_str().unwrap(), latest, "{label}");
        }
        assert_eq!(
            d["development_index"].as_array().unwrap().len(),
            3,
            "{label}"
        );

        // The page: every card drawn with SVG and a link to its details, showing these numbers.
        let r = admin.get("/").await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        let html = r.text();
        assert!(html.contains("曾都区 · 区域概览"), "{label}");
        assert!(html.contains("id=\"coverage\""));
        for id in CARDS {
            let c = card(&html, id);
            assert!(c.contains("<svg"), "{label}: {id} has no chart: {c}");
            assert!(c.contains("查看详情"), "{label}: {id}");
            assert!(!c.contains("尚无数据"), "{label}: {id}");
        }
        let c = card(&html, "card-activities");
        let total: i64 = per_month.values().sum();
        assert!(
            c.contains(&format!("<div class=\"n\">{total}</div>")),
            "{label}: {c}"
        );
        for (m, n) in &per_month {
            let month: u32 = m[5..].parse().unwrap();
            assert!(c.contains(&format!(">{month}月</text>")), "{label}: {m}");
            assert!(c.contains(&format!(">{n}</text>")), "{label}: {m} {n}");
        }
        let c = card(&html, "card-exchanges");
        assert!(
            c.contains(&format!("<div class=\"n\">{}</div>", teachers.len())),
            "{label}: {c}"
        );
        assert!(
            c.contains(&format!("<div class=\"n\">{hours:.0}</div>")),
            "{label}"
        );
        let c = card(&html, "card-balance");
        for cv in &cvs {
            assert!(c.contains(&format!(">{cv}</text>")), "{label}: CV {cv}");
        }
        assert!(
            c.contains(&format!("/balance?region_id={region}")),
            "{label}"
        );
        assert!(card(&html, "card-quota").contains("/quotas?region_id="));
        assert!(card(&html, "card-assessment").contains("/assessment/ranking?region_id="));
        assert!(card(&html, "card-tests").contains("/unified-tests"));

        // Another year is selectable; a year without records draws "no data" lines, not broken charts.
        let r = admin.get("/?year=2001").await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        let html = r.text();
        assert!(html.contains("2001–2002学年"), "{label}");
        for id in [
            "card-exchanges",
            "card-activities",
            "card-quota",
            "card-assessment",
            "card-balance",
            "card-tests",
        ] {
            let c = card(&html, id);
            assert!(!c.contains("<svg"), "{label}: {id}");
            assert!(!c.contains(">-0<"), "{label}: {id}");
            assert!(c.contains("class=\"muted no-data\""), "{label}: {id}");
        }
        let r = admin
            .get(&format!("/api/v1/regions/{region}/dashboard?year=2001"))
            .await;
        assert_eq!(r.status, StatusCode::OK);
        let d = r.json();
        assert_eq!(d["exchanges"]["teachers"], 0);
        assert!(d["balance"].is_null());
        assert!(d["unified_tests"].as_array().unwrap().is_empty());

        // The inspector sees the same page.
        let inspector = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        let html = inspector.get("/").await.text();
        for id in CARDS {
            assert!(card(&html, id).contains("<svg"), "{label}: inspector {id}");
        }

        // The route is documented.
        let doc = Client::anonymous(&e.app)
            .get("/api/v1/openapi.json")
            .await
            .json();
        assert!(doc["paths"]["/api/v1/regions/{id}/dashboard"]["get"].is_object());
        e.db.finish().await;
    }
}

#[tokio::test]
async fn the_region_dashboard_stays_inside_the_callers_region() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let zengdu = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = zengdu.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let s = c
                .get(&format!("/api/v1/regions/{}/dashboard", o.region))
                .await
                .status;
            assert!(
                s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND,
                "{label} {u}: {s}"
            );
            // Community and school roles do not read their own region's dashboard either.
            if !u.starts_with("zengdu") {
                let s = c
                    .get(&format!("/api/v1/regions/{region}/dashboard"))
                    .await
                    .status;
                assert_eq!(s, StatusCode::FORBIDDEN, "{label} {u}");
                let html = c.get("/").await.text();
                assert!(!html.contains("card-exchanges"), "{label} {u}");
            }
        }
        let coord = Client::login(&e.app, "suixian_coord", "coord-pass-1").await;
        assert_eq!(
            coord
                .get(&format!("/api/v1/regions/{region}/dashboard"))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{label}"
        );
        assert_eq!(
            Client::anonymous(&e.app)
                .get(&format!("/api/v1/regions/{region}/dashboard"))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
        assert_eq!(
            zengdu.get("/api/v1/regions/999999/dashboard").await.status,
            StatusCode::NOT_FOUND
        );

        // The 曾都区 page shows 曾都区 only.
        let html = zengdu.get("/").await.text();
        assert!(html.contains("曾都区 · 区域概览"), "{label}");
        assert!(!html.contains("随县"), "{label}");

        // 随县's own bureau sees 随县 only: its one community, and "no data yet" where it has no records.
        let r = root.post("/api/v1/users", json!({"username": "suixian_admin", "password": "admin-pass-2", "role": "bureau_admin", "scope_id": o.region})).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let sx = Client::login(&e.app, "suixian_admin", "admin-pass-2").await;
        let r = sx
            .get(&format!("/api/v1/regions/{}/dashboard", o.region))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let d = r.json();
        assert_eq!(d["region_name"], "随县");
        assert_eq!(d["assessment"].as_array().unwrap().len(), 1);
        assert_eq!(d["exchanges"]["teachers"], 0);
        assert!(d["balance"].is_null());
        assert_eq!(
            sx.get(&format!("/api/v1/regions/{region}/dashboard"))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{label}"
        );
        let html = sx.get("/").await.text();
        assert!(html.contains("随县 · 区域概览"), "{label}");
        assert!(!html.contains("曾都区"), "{label}");
        for id in [
            "card-exchanges",
            "card-activities",
            "card-quota",
            "card-balance",
            "card-tests",
        ] {
            let c = card(&html, id);
            assert!(c.contains("class=\"muted no-data\""), "{label}: {id}: {c}");
            assert!(!c.contains("<svg"), "{label}: {id}");
        }
        e.db.finish().await;
    }
}
