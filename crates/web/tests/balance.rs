//! Balance monitoring (优质均衡): the conditions import (all or nothing, 第N行 errors, re-import updates), the
//! figures against an independent recomputation written here (enrolment-weighted CV, nine-year school split by
//! stage, the ≥6-of-7 rule, small parts excluded), the demo's figures, the what-if, the page and its export,
//! every new route refused outside the caller's scope for the five demo roles, and the region's balance rules
//! (stored per region, inherited, validated, audited, refused without the right) — on both backends.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;
use serde_json::{Value, json};
use std::collections::HashMap;

const HEADER: &str = "学校标识码,学年,学段,在校生数,高于规定学历教师数,县级以上骨干教师数,体育艺术专任教师数,教学及辅助用房面积,体育运动场馆面积,教学仪器设备值,网络多媒体教室数";

const KEYS: [&str; 7] = [
    "degree_teachers_per_100",
    "backbone_teachers_per_100",
    "pe_art_teachers_per_100",
    "teaching_space_per_student",
    "sports_space_per_student",
    "equipment_value_per_student",
    "multimedia_classrooms_per_100",
];

/// National thresholds, written out again here (primary, junior).
fn threshold(stage: &str, i: usize) -> f64 {
    let t = [
        (4.2, 5.3),
        (1.0, 1.0),
        (0.9, 0.9),
        (4.5, 5.8),
        (7.5, 10.2),
        (2000.0, 2500.0),
        (2.3, 2.4),
    ][i];
    if stage == "primary" { t.0 } else { t.1 }
}

/// One imported row: code, stage, enrolment and the seven raw figures in template order.
#[derive(Clone)]
struct Part {
    code: String,
    stage: &'static str,
    p: f64,
    raw: [f64; 7],
}

impl Part {
    fn value(&self, i: usize) -> f64 {
        // Counts per 100 students (0, 1, 2, 6), the rest per student.
        let scale = if matches!(i, 0 | 1 | 2 | 6) {
            100.0
        } else {
            1.0
        };
        self.raw[i] * scale / self.p
    }
    fn csv(&self, year: &str) -> String {
        let stage = if self.stage == "primary" {
            "小学"
        } else {
            "初中"
        };
        let r = self.raw;
        format!(
            "{},{year},{stage},{},{},{},{},{},{},{},{}",
            self.code, self.p, r[0], r[1], r[2], r[3], r[4], r[5], r[6]
        )
    }
    /// The ≥6-of-7 rule: at least six thresholds reached, every other one at ≥ 85 %.
    fn meets(&self) -> bool {
        self.meets_with(6, 0.85, 50.0)
    }
    /// The school rule of a region: at least `min_met` thresholds reached, every other one at ≥ `floor` of
    /// its threshold, and at least `min_p` students.
    fn meets_with(&self, min_met: usize, floor_share: f64, min_p: f64) -> bool {
        let mut met = 0;
        let mut floor = true;
        for i in 0..7 {
            let v = self.value(i);
            let t = threshold(self.stage, i);
            if v >= t - 1e-9 {
                met += 1;
            } else if v < floor_share * t - 1e-9 {
                floor = false;
            }
        }
        self.p >= min_p && met >= min_met && floor
    }
}

/// X̄ = ΣPᵢXᵢ / ΣPᵢ, S = √(ΣPᵢ(Xᵢ − X̄)² / ΣPᵢ), CV = S / X̄.
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

async fn csrf(c: &Client) -> String {
    c.get("/api/v1/auth/me").await.json()["csrf_token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn import(c: &Client, csv: &str, dry_run: bool) -> (StatusCode, Value) {
    let token = csrf(c).await;
    let uri = format!("/api/v1/import/conditions?dry_run={dry_run}");
    let r = c
        .upload(&uri, &[], "办学条件.csv", csv.as_bytes(), Some(&token))
        .await;
    (r.status, r.json())
}

async fn codes(c: &Client, stage: &str) -> Vec<String> {
    c.get(&format!("/api/v1/schools?stage={stage}&per_page=100"))
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_owned())
        .collect()
}

async fn school_id(c: &Client, code: &str) -> i64 {
    c.get("/api/v1/schools?per_page=100").await.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"] == code)
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

fn p(code: &str, stage: &'static str, enrol: f64, raw: [f64; 7]) -> Part {
    Part {
        code: code.to_owned(),
        stage,
        p: enrol,
        raw,
    }
}

#[tokio::test]
async fn balance_figures_match_an_independent_recomputation() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let primary = codes(&admin, "primary").await;
        let junior = codes(&admin, "junior").await;
        let nine = codes(&admin, "nine_year").await;
        assert!(
            primary.len() >= 5 && junior.len() >= 2 && !nine.is_empty(),
            "{label}"
        );
        let parts = vec![
            // Seven of seven.
            p(
                &primary[0],
                "primary",
                500.0,
                [25.0, 6.0, 5.0, 2500.0, 4000.0, 1_100_000.0, 12.0],
            ),
            // Six of seven, the seventh at 87 % (2.0 of 2.3): meets.
            p(
                &primary[1],
                "primary",
                400.0,
                [20.0, 5.0, 4.0, 2000.0, 3200.0, 900_000.0, 8.0],
            ),
            // Six of seven, the seventh at 76 % (1.75 of 2.3): does not meet.
            p(
                &primary[2],
                "primary",
                400.0,
                [20.0, 5.0, 4.0, 2000.0, 3200.0, 900_000.0, 7.0],
            ),
            // Five of seven: does not meet.
            p(
                &primary[3],
                "primary",
                300.0,
                [15.0, 2.0, 3.0, 1500.0, 900.0, 700_000.0, 6.0],
            ),
            // Fewer than 50 students: excluded from everything.
            p(
                &primary[4],
                "primary",
                40.0,
                [1.0, 0.0, 0.0, 100.0, 100.0, 10_000.0, 0.0],
            ),
            // A nine-year school, split by stage.
            p(
                &nine[0],
                "primary",
                600.0,
                [30.0, 7.0, 6.0, 2900.0, 5000.0, 1_500_000.0, 15.0],
            ),
            p(
                &nine[0],
                "junior",
                300.0,
                [18.0, 3.0, 3.0, 1800.0, 3300.0, 800_000.0, 8.0],
            ),
            p(
                &junior[0],
                "junior",
                800.0,
                [45.0, 9.0, 8.0, 5000.0, 9000.0, 2_200_000.0, 20.0],
            ),
            p(
                &junior[1],
                "junior",
                500.0,
                [20.0, 4.0, 4.0, 2600.0, 2000.0, 1_000_000.0, 10.0],
            ),
        ];
        let mut csv = format!("{HEADER}\n");
        for (i, part) in parts.iter().enumerate() {
            // The three spellings of a school year.
            let year = ["2030", "2030-2031", "2030学年"][i % 3];
            csv.push_str(&part.csv(year));
            csv.push('\n');
        }
        let (status, report) = import(&admin, &csv, false).await;
        assert_eq!(status, StatusCode::OK, "{label}: {report}");
        assert_eq!(report["created"], parts.len(), "{label}");

        let v = admin
            .get(&format!("/api/v1/balance?region_id={region}&year=2030"))
            .await;
        assert_eq!(v.status, StatusCode::OK, "{label}: {}", v.text());
        let v = v.json();
        assert_eq!(v["stages"].as_array().unwrap().len(), 2, "{label}");
        for stage in ["primary", "junior"] {
            let s = v["stages"]
                .as_array()
                .unwrap()
                .iter()
                .find(|s| s["stage"] == stage)
                .unwrap();
            let cv_threshold = if stage == "primary" { 0.50 } else { 0.45 };
            assert_eq!(s["cv_threshold"].as_f64(), Some(cv_threshold));
            let included: Vec<&Part> = parts
                .iter()
                .filter(|x| x.stage == stage && x.p >= 50.0)
                .collect();
            assert_eq!(s["included_parts"], included.len(), "{label} {stage}");
            for (i, key) in KEYS.iter().enumerate() {
                let ind = s["indicators"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|x| x["key"] == *key)
                    .unwrap();
                let pts: Vec<(f64, f64)> = included.iter().map(|x| (x.p, x.value(i))).collect();
                let cv = weighted_cv(&pts);
                let got = ind["cv"].as_f64().unwrap();
                assert!(
                    (got - cv).abs() < 1e-9,
                    "{label} {stage} {key}: {got} vs {cv}"
                );
                assert_eq!(ind["pass"].as_bool(), Some(cv <= cv_threshold), "{key}");
                assert_eq!(ind["threshold"].as_f64(), Some(threshold(stage, i)));
                // Every included school's value and enrolment.
                let schools = ind["schools"].as_array().unwrap();
                assert_eq!(schools.len(), included.len());
                for x in &included {
                    let row = s["parts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .find(|r| r["school_code"] == x.code.as_str())
                        .unwrap();
                    let sv = schools
                        .iter()
                        .find(|y| y["school_id"] == row["school_id"])
                        .unwrap();
                    assert_eq!(sv["enrolment"].as_f64(), Some(x.p));
                    assert!((sv["value"].as_f64().unwrap() - x.value(i)).abs() < 1e-9);
                }
            }
            // Every part's verdict by the rule as written above.
            for x in parts.iter().filter(|x| x.stage == stage) {
                let row = s["parts"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["school_code"] == x.code.as_str())
                    .unwrap_or_else(|| panic!("{label}: {} {stage} missing", x.code));
                assert_eq!(
                    row["meets_standard"].as_bool(),
                    Some(x.meets()),
                    "{label} {} {stage}",
                    x.code
                );
                assert_eq!(row["included"].as_bool(), Some(x.p >= 50.0));
                assert_eq!(row["enrolment"].as_f64(), Some(x.p));
            }
        }
        // The planted verdicts: 7/7 and 6/7 with 87 % meet; 6/7 with 76 %, 5/7 and the small school do not;
        // the nine-year school has a part in each stage.
        let verdicts: Vec<bool> = parts.iter().map(Part::meets).collect();
        assert_eq!(&verdicts[..5], &[true, true, false, false, false]);
        let part_rows = |code: &str| -> usize {
            v["stages"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    s["parts"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .filter(|r| r["school_code"] == code)
                        .count()
                })
                .sum()
        };
        assert_eq!(part_rows(&nine[0]), 2, "{label}");

        // The registry's backbone count beside the imported one when they differ.
        let first = v["stages"][0]["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["school_code"] == primary[0].as_str())
            .unwrap()
            .clone();
        let registry_backbone = admin
            .get(&format!(
                "/api/v1/teachers?school_id={}&backbone_level=any&status=active&per_page=1",
                first["school_id"]
            ))
            .await
            .json()["total"]
            .as_i64()
            .unwrap();
        let shown = first["registry"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["figure"] == "backbone_teachers");
        if registry_backbone == 6 {
            assert!(shown.is_none(), "{label}");
        } else {
            let d = shown.expect("disagreement shown");
            assert_eq!(d["imported"], 6);
            assert_eq!(d["registry"].as_i64(), Some(registry_backbone));
        }

        // Re-import of the same (school, year, stage) updates; nothing new is created.
        let (status, report) = import(&admin, &csv, false).await;
        assert_eq!(status, StatusCode::OK, "{label}: {report}");
        assert_eq!(
            (report["created"].as_i64(), report["updated"].as_i64()),
            (Some(0), Some(parts.len() as i64))
        );

        // The demo's conditions: two school years; some indicators pass and some fail, at least one CV fails.
        let d = admin
            .get(&format!("/api/v1/balance?region_id={region}&year=2025"))
            .await
            .json();
        let years: Vec<i64> = d["years"]
            .as_array()
            .unwrap()
            .iter()
            .map(|y| y.as_i64().unwrap())
            .collect();
        assert!(years.contains(&2025) && years.contains(&2026), "{years:?}");
        let mut cv_fail = 0;
        let mut cv_pass = 0;
        let mut met = 0;
        let mut unmet = 0;
        let mut disagreements = 0;
        for s in d["stages"].as_array().unwrap() {
            for i in s["indicators"].as_array().unwrap() {
                if i["pass"] == true {
                    cv_pass += 1
                } else {
                    cv_fail += 1
                }
            }
            for r in s["parts"].as_array().unwrap() {
                disagreements += r["registry"].as_array().unwrap().len();
                for x in r["values"].as_array().unwrap() {
                    if x["met"] == true {
                        met += 1
                    } else {
                        unmet += 1
                    }
                }
            }
        }
        assert!(
            cv_fail >= 1 && cv_pass >= 1 && met > 0 && unmet > 0 && disagreements > 0,
            "{label}: cv {cv_pass}/{cv_fail}, values {met}/{unmet}, registry {disagreements}"
        );

        // What-if (on the imported year): a backbone teacher moved by hand changes the backbone CV and leaves
        // the spaces alone.
        let mut found = None;
        for code in &primary[..4] {
            let sid = school_id(&admin, code).await;
            let items = admin
                .get(&format!(
                    "/api/v1/teachers?school_id={sid}&backbone_level=any&status=active&per_page=1"
                ))
                .await
                .json()["items"]
                .clone();
            if let Some(t) = items.as_array().and_then(|a| a.first()) {
                found = Some((code.clone(), t["staff_number"].as_str().unwrap().to_owned()));
                break;
            }
        }
        let (from_code, staff) = found.expect("a backbone teacher in the imported schools");
        let to = if from_code == primary[0] {
            &primary[1]
        } else {
            &primary[0]
        };
        let to_id = school_id(&admin, to).await;
        let r = admin
            .post(
                "/api/v1/balance/what-if",
                json!({"region_id": region, "year": 2030, "moves": [{"staff_number": staff, "to_school_id": to_id, "higher_degree": true}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let w = r.json();
        assert_eq!(w["moves"][0]["backbone"], true);
        let changes: HashMap<String, (f64, f64)> = w["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "primary")
            .unwrap()["indicators"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["key"].as_str().unwrap().to_owned(),
                    (
                        i["cv_before"].as_f64().unwrap(),
                        i["cv_after"].as_f64().unwrap(),
                    ),
                )
            })
            .collect();
        // The independent recomputation of the backbone CV after the move.
        let mut moved = parts.clone();
        for x in moved.iter_mut().filter(|x| x.stage == "primary") {
            if x.code == from_code {
                x.raw[0] -= 1.0;
                x.raw[1] -= 1.0;
            }
            if x.code == *to {
                x.raw[0] += 1.0;
                x.raw[1] += 1.0;
            }
        }
        let pts: Vec<(f64, f64)> = moved
            .iter()
            .filter(|x| x.stage == "primary" && x.p >= 50.0)
            .map(|x| (x.p, x.value(1)))
            .collect();
        let (b, a) = changes["backbone_teachers_per_100"];
        assert!((a - weighted_cv(&pts)).abs() < 1e-9, "{label}: {a}");
        assert!((b - a).abs() > 1e-12, "{label}: backbone CV unchanged");
        let (b, a) = changes["sports_space_per_student"];
        assert!((b - a).abs() < 1e-12);
        // An unknown staff number is refused with the reason.
        let r = admin
            .post(
                "/api/v1/balance/what-if",
                json!({"region_id": region, "year": 2030, "moves": [{"staff_number": "NOPE", "to_school_id": to_id}]}),
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.text().contains("NOPE"));
        // Planned exchanges of the year are taken as moves (or refused with the reason, e.g. a count below zero).
        let r = admin
            .post(
                "/api/v1/balance/what-if",
                json!({"region_id": region, "year": 2026, "planned": true}),
            )
            .await;
        assert!(
            r.status == StatusCode::OK || r.status == StatusCode::UNPROCESSABLE_ENTITY,
            "{label}: {}",
            r.text()
        );

        // The page, in Chinese, with the chart and the per-school table; the inspector reads it too.
        for u in ["zengdu_admin", "zengdu_inspector"] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let page = c
                .get(&format!("/balance?region_id={region}&year=2030"))
                .await;
            assert_eq!(page.status, StatusCode::OK, "{u}");
            let html = page.text();
            assert!(html.contains("差异系数"), "{u}");
            assert!(html.contains("cv-chart"));
            assert!(html.contains(&format!("data-school=\"{}\"", nine[0])));
            assert!(html.contains("v-low") && html.contains("v-ok"));
            let x = c
                .get(&format!("/balance/export?region_id={region}&year=2030"))
                .await;
            assert_eq!(x.status, StatusCode::OK);
            assert!(x.bytes.starts_with(b"PK"), "xlsx");
        }
        // The what-if form.
        let token = csrf(&admin).await;
        let r = admin
            .form_owned(
                "/balance/what-if",
                &[
                    ("_csrf", token),
                    ("region_id", region.to_string()),
                    ("year", "2030".into()),
                    ("moves", format!("{staff} {to}")),
                    ("higher_degree", "1".into()),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}");
        assert!(r.text().contains("what-if-result"), "{label}");
        e.db.finish().await;
    }
}

#[tokio::test]
async fn a_bad_conditions_file_writes_nothing() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let primary = codes(&admin, "primary").await;
        let junior = codes(&admin, "junior").await;
        let csv = format!(
            "{HEADER}\n\
             {a},2031,小学,500,25,6,5,2500,4000,1100000,12\n\
             {b},2031,初中,400,20,5,4,2000,3200,900000,8\n\
             {a},2031-2033,高中,x,25,6,5,2500,4000,1100000,1.5\n\
             9999999999,2031,小学,500,25,6,5,2500,4000,1100000,12\n\
             {c},2031,初中,500,25,6,5,2500,4000,1100000,12\n",
            a = primary[0],
            b = primary[1],
            c = junior[0],
        );
        let (status, report) = import(&admin, &csv, false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert_eq!(report["written"], false);
        let messages: Vec<String> = report["messages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m.as_str().unwrap().to_owned())
            .collect();
        for expect in [
            "第3行 学段",
            "第4行 学年",
            "第4行 学段",
            "第4行 在校生数",
            "第4行 网络多媒体教室数",
            "第5行 学校标识码",
        ] {
            assert!(
                messages.iter().any(|m| m.starts_with(expect)),
                "{label}: {expect} in {messages:?}"
            );
        }
        // Nothing written: the year has no figures.
        let v = admin
            .get(&format!("/api/v1/balance?region_id={region}&year=2031"))
            .await
            .json();
        assert_eq!(v["stages"].as_array().unwrap().len(), 0, "{label}");
        // The template and the export.
        let t = admin.get("/api/v1/template/conditions?format=csv").await;
        assert!(t.text().contains(HEADER), "{}", t.text());
        let x = admin.get("/api/v1/export/conditions?format=csv").await;
        assert!(x.text().contains("2025-2026"), "{label}");
        assert!(!x.text().contains(",2031-2032,"));
        e.db.finish().await;
    }
}

#[tokio::test]
async fn every_balance_route_is_refused_outside_the_callers_scope() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        // Conditions of the outside county's school, imported by the installation's administrator.
        let (status, report) = import(
            &root,
            &format!("{HEADER}\n4213210001,2025,小学,600,30,7,6,3000,5000,1300000,15\n"),
            false,
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{label}: {report}");
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
            let token = csrf(&c).await;
            assert_eq!(
                c.get(&format!("/api/v1/balance?region_id={}&year=2025", o.region))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{label} {u}"
            );
            assert_eq!(
                c.post(
                    "/api/v1/balance/what-if",
                    json!({"region_id": o.region, "year": 2025, "moves": []})
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/balance?region_id={}&year=2025", o.region))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.get(&format!("/balance/export?region_id={}&year=2025", o.region))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            assert_eq!(
                c.form_owned(
                    "/balance/what-if",
                    &[
                        ("_csrf", token.clone()),
                        ("region_id", o.region.to_string()),
                        ("year", "2025".into()),
                        ("moves", String::new()),
                    ],
                )
                .await
                .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
            // The import of the outside school's conditions: refused (403 for non-bureau roles, the row refused
            // for the 曾都区 bureau), nothing written.
            let (status, report) = import(
                &c,
                &format!("{HEADER}\n4213210001,2025,小学,999,30,7,6,3000,5000,1300000,15\n"),
                false,
            )
            .await;
            if u == "zengdu_admin" {
                assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{u}: {report}");
                assert_eq!(report["errors"][0]["key"], "error.forbidden");
            } else {
                assert_eq!(status, StatusCode::FORBIDDEN, "{u}");
            }
            // The export never carries the outside school.
            let x = c.get("/api/v1/export/conditions?format=csv").await;
            assert!(!x.text().contains("4213210001"), "{u}");
            // Inside 曾都区: the bureau and its inspector read, the other roles do not.
            let inside = c
                .get(&format!("/api/v1/balance?region_id={region}&year=2025"))
                .await
                .status;
            let page = c
                .get(&format!("/balance?region_id={region}&year=2025"))
                .await
                .status;
            if matches!(u, "zengdu_admin" | "zengdu_inspector") {
                assert_eq!((inside, page), (StatusCode::OK, StatusCode::OK), "{u}");
            } else {
                assert_eq!(
                    (inside, page),
                    (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN),
                    "{u}"
                );
            }
        }
        // The outside figures stayed as imported.
        let v = root
            .get(&format!("/api/v1/balance?region_id={}&year=2025", o.region))
            .await
            .json();
        assert_eq!(v["stages"][0]["parts"][0]["enrolment"], 600, "{label}");
        e.db.finish().await;
    }
}

/// Parts of 曾都区 for the rules tests (school year 2040): verdicts that move with the rules.
async fn rule_parts(c: &Client) -> Vec<Part> {
    let primary = codes(c, "primary").await;
    let junior = codes(c, "junior").await;
    vec![
        // Seven of seven, 500 students.
        p(
            &primary[0],
            "primary",
            500.0,
            [25.0, 6.0, 5.0, 2500.0, 4000.0, 1_100_000.0, 12.0],
        ),
        // Six of seven, the seventh at 87 %: meets under 6-of-7, not under 7-of-7.
        p(
            &primary[1],
            "primary",
            400.0,
            [20.0, 5.0, 4.0, 2000.0, 3200.0, 900_000.0, 8.0],
        ),
        // Six of seven, the seventh at 76 %: meets only when the floor share is at most 0.76.
        p(
            &primary[2],
            "primary",
            400.0,
            [20.0, 5.0, 4.0, 2000.0, 3200.0, 900_000.0, 7.0],
        ),
        // Seven of seven but only 120 students: counted under the national rule, excluded at 200.
        p(
            &primary[3],
            "primary",
            120.0,
            [6.0, 2.0, 2.0, 700.0, 1000.0, 300_000.0, 3.0],
        ),
        // 40 students: excluded under the national rule, counted at 0.
        p(
            &primary[4],
            "primary",
            40.0,
            [2.0, 1.0, 1.0, 200.0, 400.0, 90_000.0, 1.0],
        ),
        p(
            &junior[0],
            "junior",
            800.0,
            [45.0, 9.0, 8.0, 5000.0, 9000.0, 2_200_000.0, 20.0],
        ),
        p(
            &junior[1],
            "junior",
            150.0,
            [9.0, 2.0, 2.0, 900.0, 1600.0, 400_000.0, 4.0],
        ),
    ]
}

/// Checks the API's figures for 2040 against the rules as recomputed here: every part's inclusion and verdict,
/// every stage's included count, each indicator's CV over the included parts and its pass flag.
fn check_against(
    label: &str,
    v: &Value,
    parts: &[Part],
    (min_met, floor, min_p, cv_p, cv_j): (usize, f64, f64, f64, f64),
) {
    for stage in ["primary", "junior"] {
        let included: Vec<&Part> = parts
            .iter()
            .filter(|x| x.stage == stage && x.p >= min_p && x.p > 0.0)
            .collect();
        let Some(s) = v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == stage)
        else {
            assert!(included.is_empty(), "{label} {stage} missing");
            continue;
        };
        let cv_threshold = if stage == "primary" { cv_p } else { cv_j };
        assert_eq!(s["cv_threshold"].as_f64(), Some(cv_threshold), "{label}");
        assert_eq!(s["included_parts"], included.len(), "{label} {stage}");
        let meeting = parts
            .iter()
            .filter(|x| x.stage == stage && x.meets_with(min_met, floor, min_p))
            .count();
        assert_eq!(s["parts_meeting_standard"], meeting, "{label} {stage}");
        for (i, key) in KEYS.iter().enumerate() {
            let ind = s["indicators"]
                .as_array()
                .unwrap()
                .iter()
                .find(|x| x["key"] == *key)
                .unwrap();
            let cv = weighted_cv(
                &included
                    .iter()
                    .map(|x| (x.p, x.value(i)))
                    .collect::<Vec<_>>(),
            );
            let got = ind["cv"].as_f64().unwrap();
            assert!(
                (got - cv).abs() < 1e-9,
                "{label} {stage} {key}: {got} vs {cv}"
            );
            assert_eq!(
                ind["pass"].as_bool(),
                Some(cv <= cv_threshold + 1e-12),
                "{label} {stage} {key}"
            );
        }
        for x in parts.iter().filter(|x| x.stage == stage) {
            let row = s["parts"]
                .as_array()
                .unwrap()
                .iter()
                .find(|r| r["school_code"] == x.code.as_str())
                .unwrap();
            assert_eq!(
                row["included"].as_bool(),
                Some(x.p >= min_p),
                "{label} {}",
                x.code
            );
            assert_eq!(
                row["meets_standard"].as_bool(),
                Some(x.meets_with(min_met, floor, min_p)),
                "{label} {} under {min_met}/{floor}/{min_p}",
                x.code
            );
        }
    }
}

fn rules_json(min_met: i64, floor: f64, min_p: i64, cv_p: f64, cv_j: f64) -> Value {
    json!({
        "min_met": min_met,
        "floor_share": floor,
        "min_enrolment": min_p,
        "cv_threshold_primary": cv_p,
        "cv_threshold_junior": cv_j,
    })
}

async fn audit_count(c: &Client) -> usize {
    c.get("/api/v1/audit?entity=balance_rules&per_page=200")
        .await
        .json()["items"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn region_rules_change_verdicts_exclusions_and_cvs() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let parts = rule_parts(&admin).await;
        let mut csv = format!("{HEADER}\n");
        for x in &parts {
            csv.push_str(&x.csv("2040"));
            csv.push('\n');
        }
        let (status, report) = import(&admin, &csv, false).await;
        assert_eq!(status, StatusCode::OK, "{label}: {report}");
        let balance = || async {
            let r = admin
                .get(&format!("/api/v1/balance?region_id={region}&year=2040"))
                .await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            r.json()
        };

        // Nothing set: the national rules, reported as such.
        let r = admin
            .get(&format!("/api/v1/regions/{region}/balance-rules"))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let r = r.json();
        assert_eq!(r["source"], "national", "{label}");
        assert_eq!(r["rules"], rules_json(6, 0.85, 50, 0.5, 0.45), "{label}");
        let v = balance().await;
        assert_eq!(v["rules"]["source"], "national");
        check_against(label, &v, &parts, (6, 0.85, 50.0, 0.5, 0.45));
        // The planted verdicts under the national rule.
        let verdicts: Vec<bool> = parts[..5].iter().map(Part::meets).collect();
        assert_eq!(verdicts, [true, true, false, true, false], "{label}");

        // Set on the city (随州市) by the installation's administrator: 曾都区 inherits it.
        let city = root
            .get("/api/v1/regions?q=%E9%9A%8F%E5%B7%9E%E5%B8%82")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        let r = root
            .put(
                &format!("/api/v1/regions/{city}/balance-rules"),
                rules_json(6, 0.75, 50, 0.5, 0.45),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        assert_eq!(r.json()["source"], "own");
        let v = balance().await;
        assert_eq!(v["rules"]["source"], "inherited", "{label}");
        assert_eq!(v["rules"]["source_region_id"], city);
        check_against(label, &v, &parts, (6, 0.75, 50.0, 0.5, 0.45));
        assert!(parts[2].meets_with(6, 0.75, 50.0) && !parts[2].meets());

        // 7 of 7, set on 曾都区 itself: the 6-of-7 schools no longer meet the standard.
        let before = audit_count(&admin).await;
        let r = admin
            .put(
                &format!("/api/v1/regions/{region}/balance-rules"),
                rules_json(7, 0.85, 50, 0.5, 0.45),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let r = r.json();
        assert_eq!(r["source"], "own");
        assert_eq!(r["rules"]["min_met"], 7);
        assert_eq!(audit_count(&admin).await, before + 1, "{label}");
        let log = admin
            .get("/api/v1/audit?entity=balance_rules&per_page=200")
            .await
            .json();
        let entry = &log["items"][0];
        assert_eq!(entry["entity_id"], region, "{label}");
        assert_eq!(entry["username"], "zengdu_admin");
        let v = balance().await;
        assert_eq!(v["min_met"], 7);
        check_against(label, &v, &parts, (7, 0.85, 50.0, 0.5, 0.45));
        assert!(!parts[1].meets_with(7, 0.85, 50.0) && parts[1].meets());

        // Minimum enrolment 200: the 120- and 150-student parts are left out of the verdicts and the CVs.
        let r = admin
            .put(
                &format!("/api/v1/regions/{region}/balance-rules"),
                rules_json(6, 0.85, 200, 0.5, 0.45),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let v = balance().await;
        assert_eq!(v["min_enrolment"], 200);
        check_against(label, &v, &parts, (6, 0.85, 200.0, 0.5, 0.45));
        let primary = v["stages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["stage"] == "primary")
            .unwrap();
        assert_eq!(primary["included_parts"], 3, "{label}");

        // Minimum enrolment 0 and tight CV thresholds: every part counts, the CV verdicts follow the thresholds.
        let r = admin
            .put(
                &format!("/api/v1/regions/{region}/balance-rules"),
                rules_json(6, 0.85, 0, 0.05, 0.9),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let v = balance().await;
        check_against(label, &v, &parts, (6, 0.85, 0.0, 0.05, 0.9));

        // The what-if uses the region's thresholds too.
        let w = admin
            .post(
                "/api/v1/balance/what-if",
                json!({"region_id": region, "year": 2040, "moves": []}),
            )
            .await;
        assert_eq!(w.status, StatusCode::OK, "{label}: {}", w.text());
        let w = w.json();
        for s in w["stages"].as_array().unwrap() {
            let t = if s["stage"] == "primary" { 0.05 } else { 0.9 };
            for i in s["indicators"].as_array().unwrap() {
                assert_eq!(i["cv_threshold"].as_f64(), Some(t), "{label}");
            }
        }

        // The page states the rules in force; the bureau sees the form.
        let page = admin
            .get(&format!("/balance?region_id={region}&year=2040"))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let html = page.text();
        assert!(html.contains("id=\"rules-form\""), "{label}");
        assert!(html.contains("在校生不足0人"), "{label}");
        assert!(html.contains("本区域设定"), "{label}");
        e.db.finish().await;
    }
}

#[tokio::test]
async fn bad_balance_rules_are_refused_and_change_nothing() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = admin.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let uri = format!("/api/v1/regions/{region}/balance-rules");
        let r = admin.put(&uri, rules_json(5, 0.8, 100, 0.6, 0.5)).await;
        assert_eq!(r.status, StatusCode::OK, "{label}: {}", r.text());
        let saved = admin.get(&uri).await.json();
        let audits = audit_count(&admin).await;
        for (body, field, says) in [
            (
                rules_json(8, 0.85, 50, 0.5, 0.45),
                "min_met",
                "七项中至少达标项数：应为 0 到 7 之间的整数，实际为 8",
            ),
            (rules_json(-1, 0.85, 50, 0.5, 0.45), "min_met", "实际为 -1"),
            (
                rules_json(6, 0.0, 50, 0.5, 0.45),
                "floor_share",
                "其余指标最低达成比例：应大于 0 且不超过 1",
            ),
            (
                rules_json(6, 1.2, 50, 0.5, 0.45),
                "floor_share",
                "实际为 1.2",
            ),
            (
                rules_json(6, 0.85, -5, 0.5, 0.45),
                "min_enrolment",
                "纳入计算的最少在校生数：应为 0 到 100000 之间的整数，实际为 -5",
            ),
            (
                rules_json(6, 0.85, 50, 0.0, 0.45),
                "cv_threshold_primary",
                "小学差异系数上限：应大于 0",
            ),
            (
                rules_json(6, 0.85, 50, 0.5, -0.1),
                "cv_threshold_junior",
                "初中差异系数上限：应大于 0",
            ),
        ] {
            let r = admin.put(&uri, body.clone()).await;
            assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label} {body}");
            let j = r.json();
            let fields = j["error"]["fields"].as_array().unwrap();
            assert_eq!(fields.len(), 1, "{label} {j}");
            assert_eq!(fields[0]["field"], field, "{label} {j}");
            assert!(
                fields[0]["message"].as_str().unwrap().contains(says),
                "{label} {j}"
            );
        }
        // Every bad field named at once.
        let r = admin.put(&uri, rules_json(9, 2.0, -1, 0.0, 0.0)).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(r.json()["error"]["fields"].as_array().unwrap().len(), 5);
        // A missing field or a wrong type: 400.
        let r = admin.put(&uri, json!({"min_met": 6})).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{label}");
        let r = admin
            .put(&uri, json!({"min_met": "six", "floor_share": 0.85, "min_enrolment": 50, "cv_threshold_primary": 0.5, "cv_threshold_junior": 0.45}))
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{label}");

        // The page's form: a bad value is shown beside its field (422), nothing saved.
        let token = csrf(&admin).await;
        let form = |min_met: &str, floor: &str, min_p: &str| {
            vec![
                ("_csrf", token.clone()),
                ("region_id", region.to_string()),
                ("year", "2025".to_owned()),
                ("min_met", min_met.to_owned()),
                ("floor_share", floor.to_owned()),
                ("min_enrolment", min_p.to_owned()),
                ("cv_threshold_primary", "0.5".to_owned()),
                ("cv_threshold_junior", "0.45".to_owned()),
            ]
        };
        let r = admin
            .form_owned("/balance/rules", &form("6", "abc", "50"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            r.text().contains("其余指标最低达成比例：应为数字"),
            "{label}"
        );
        let r = admin
            .form_owned("/balance/rules", &form("12", "0.85", "50"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        assert!(
            r.text()
                .contains("七项中至少达标项数：应为 0 到 7 之间的整数，实际为 12"),
            "{label}"
        );
        let r = admin
            .form_owned("/balance/rules", &form("", "0.85", "50"))
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{label}");
        // Without the CSRF token: refused.
        let mut no_token = form("7", "0.85", "50");
        no_token[0].1 = String::new();
        let r = admin.form_owned("/balance/rules", &no_token).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{label}");

        assert_eq!(admin.get(&uri).await.json(), saved, "{label}");
        assert_eq!(audit_count(&admin).await, audits, "{label}");

        // A good form saves and comes back to the page with the new rules.
        let r = admin
            .form_owned("/balance/rules", &form("7", "0.9", "60"))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.text());
        let rules = admin.get(&uri).await.json()["rules"].clone();
        assert_eq!(rules, rules_json(7, 0.9, 60, 0.5, 0.45), "{label}");
        assert_eq!(audit_count(&admin).await, audits + 1, "{label}");
        e.db.finish().await;
    }
}

#[tokio::test]
async fn balance_rules_need_the_region_settings_right() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let zengdu = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let region = zengdu.get("/api/v1/auth/me").await.json()["scope_id"]
            .as_i64()
            .unwrap();
        let good = rules_json(7, 0.9, 100, 0.4, 0.4);
        for u in [
            "zengdu_admin",
            "zengdu_inspector",
            "lead1",
            "coord1",
            "teacher1",
        ] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            let token = csrf(&c).await;
            // Outside the caller's region: refused to everyone.
            for rid in [o.region, region] {
                if rid == region && u == "zengdu_admin" {
                    continue;
                }
                let uri = format!("/api/v1/regions/{rid}/balance-rules");
                assert_eq!(
                    c.put(&uri, good.clone()).await.status,
                    StatusCode::FORBIDDEN,
                    "{label} {u} {rid}"
                );
                let r = c
                    .form_owned(
                        "/balance/rules",
                        &[
                            ("_csrf", token.clone()),
                            ("region_id", rid.to_string()),
                            ("year", "2025".into()),
                            ("min_met", "7".into()),
                            ("floor_share", "0.9".into()),
                            ("min_enrolment", "100".into()),
                            ("cv_threshold_primary", "0.4".into()),
                            ("cv_threshold_junior", "0.4".into()),
                        ],
                    )
                    .await;
                assert_eq!(r.status, StatusCode::FORBIDDEN, "{label} {u} {rid}");
            }
            assert_eq!(
                c.get(&format!("/api/v1/regions/{}/balance-rules", o.region))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{label} {u}"
            );
            // Reading 曾都区's rules: the bureau and its inspector.
            let read = c
                .get(&format!("/api/v1/regions/{region}/balance-rules"))
                .await
                .status;
            let expected = if matches!(u, "zengdu_admin" | "zengdu_inspector") {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(read, expected, "{label} {u}");
        }
        // The inspector sees the rules as text, without the form.
        let inspector = Client::login(&e.app, "zengdu_inspector", DEMO_PASSWORD).await;
        let html = inspector
            .get(&format!("/balance?region_id={region}"))
            .await
            .text();
        assert!(html.contains("id=\"rules-in-force\""), "{label}");
        assert!(html.contains("至少6项"), "{label}");
        assert!(!html.contains("id=\"rules-form\""), "{label}");
        // Nothing changed, nothing audited.
        for rid in [region, o.region] {
            let r = root
                .get(&format!("/api/v1/regions/{rid}/balance-rules"))
                .await
                .json();
            assert_eq!(r["source"], "national", "{label} {rid}");
        }
        assert_eq!(audit_count(&root).await, 0, "{label}");
        e.db.finish().await;
    }
}
