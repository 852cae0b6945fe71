//! The rotation plan page: a bureau admin plans a year's rotation, locks and forbids moves, and
//! accepts the plan into planned exchanges; everyone else, and other regions, are refused.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env, outside};
use gongjin_store::demo::DEMO_PASSWORD;

/// The `move` values of the accept form.
fn moves(html: &str) -> Vec<String> {
    html.split("name=\"move\" value=\"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn admin_plans_adjusts_and_accepts_a_rotation() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let o = outside(&root).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let me = admin.get("/api/v1/auth/me").await.json();
        let (region, csrf) = (
            me["scope_id"].as_i64().unwrap(),
            me["csrf_token"].as_str().unwrap().to_owned(),
        );
        let url = format!("/plan/rotation?region_id={region}&year=2026&time_limit=2");
        let page = admin.get(&url).await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        let html = page.text();
        assert!(
            html.contains("id=\"moves\"")
                && html.contains("id=\"cv\"")
                && html.contains("id=\"quotas\""),
            "{label}"
        );
        assert!(html.contains("最优性差距"), "{label}");
        let planned = moves(&html);
        assert!(
            !planned.is_empty(),
            "{label}: the demo district rotates someone"
        );
        // Others may not plan, nor may the admin plan another county.
        for u in ["zengdu_inspector", "lead1", "coord1", "teacher1"] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&url).await.status,
                StatusCode::FORBIDDEN,
                "{label} {u}"
            );
            assert_eq!(
                c.get("/plan/rotation").await.status,
                StatusCode::FORBIDDEN,
                "{label} {u}"
            );
        }
        assert_eq!(
            admin
                .get(&format!(
                    "/plan/rotation?region_id={}&year=2026&time_limit=1",
                    o.region
                ))
                .await
                .status,
            StatusCode::FORBIDDEN,
            "{label}"
        );
        // Forbid the first teacher and lock the second move: solve again.
        let first_teacher = planned[0].split(':').next().unwrap().to_owned();
        let second: Vec<&str> = planned
            .get(1)
            .map(|m| m.split(':').collect())
            .unwrap_or_default();
        let mut again = format!("{url}&forbid={first_teacher}");
        if second.len() == 3 {
            again.push_str(&format!("&lock={}:{}", second[0], second[1]));
        }
        let html2 = admin.get(&again).await.text();
        let planned2 = moves(&html2);
        assert!(
            planned2
                .iter()
                .all(|m| !m.starts_with(&format!("{first_teacher}:"))),
            "{label}: the forbidden teacher stays"
        );
        if second.len() == 3 {
            assert!(
                planned2
                    .iter()
                    .any(|m| m.starts_with(&format!("{}:{}:", second[0], second[1]))),
                "{label}: the lock holds"
            );
        }
        let count = |c: &Client| {
            let c = c.clone();
            async move {
                c.get("/api/v1/exchanges?per_page=1").await.json()["total"]
                    .as_i64()
                    .unwrap()
            }
        };
        let before = count(&admin).await;
        let form = |token: &str, ms: &[String]| {
            let mut f = vec![
                ("_csrf", token.to_owned()),
                ("region_id", region.to_string()),
                ("year", "2026".to_owned()),
            ];
            for m in ms {
                f.push(("move", m.clone()));
            }
            f
        };
        // A forged post and a plan breaking a hard rule (one teacher moving twice) write nothing.
        assert_eq!(
            admin
                .form_owned("/plan/rotation/accept", &form("forged", &planned2))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let mut twice = planned2.clone();
        twice.push(planned2[0].clone());
        let r = admin
            .form_owned("/plan/rotation/accept", &form(&csrf, &twice))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{label}: {}", r.text());
        assert_eq!(count(&admin).await, before, "{label}: nothing written");
        // The plan as shown is accepted: exactly its moves become planned long-term exchanges.
        let r = admin
            .form_owned("/plan/rotation/accept", &form(&csrf, &planned2))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.text());
        assert_eq!(
            count(&admin).await,
            before + planned2.len() as i64,
            "{label}"
        );
        for m in &planned2 {
            let p: Vec<i64> = m.split(':').map(|x| x.parse().unwrap()).collect();
            let list = admin
                .get(&format!(
                    "/api/v1/exchanges?teacher_id={}&status=planned",
                    p[0]
                ))
                .await
                .json();
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["to_school_id"] == p[1]
                        && x["kind"] == "long_term"
                        && x["start_on"] == "2026-09-01"
                        && x["end_on"] == "2027-08-31"),
                "{label}: {m}: {list}"
            );
        }
        let log = admin.get("/api/v1/audit?entity=rotation_plan").await.json();
        assert_eq!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|x| x["action"] == "accept_plan")
                .count(),
            1,
            "{label}: {log}"
        );
        // Accepting again is refused: those teachers already have a planned exchange.
        let r = admin
            .form_owned("/plan/rotation/accept", &form(&csrf, &planned2))
            .await;
        assert_eq!(r.status, StatusCode::CONFLICT, "{label}");
        assert_eq!(
            count(&admin).await,
            before + planned2.len() as i64,
            "{label}"
        );
        e.db.finish().await;
    }
}
