//! The grouping proposal page: a bureau admin proposes, accepts, and the communities exist.

mod common;

use axum::http::StatusCode;
use common::{Client, env};
use gongjin_store::demo::DEMO_PASSWORD;

#[tokio::test]
async fn admin_proposes_and_accepts_a_grouping() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let admin = Client::login(&e.app, "zengdu_admin", DEMO_PASSWORD).await;
        let me = admin.get("/api/v1/auth/me").await.json();
        let (region, csrf) = (
            me["scope_id"].as_i64().unwrap(),
            me["csrf_token"].as_str().unwrap().to_owned(),
        );
        let page = admin
            .get(&format!(
                "/plan/communities?region_id={region}&max_members=2&max_km=30"
            ))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{label}");
        let html = page.text();
        assert!(
            html.contains("id=\"proposal\"") && html.contains("公里") && html.contains("精确最优"),
            "{label}"
        );
        // Others may not plan.
        for u in ["zengdu_inspector", "lead1", "coord1", "teacher1"] {
            let c = Client::login(&e.app, u, DEMO_PASSWORD).await;
            assert_eq!(
                c.get(&format!("/plan/communities?region_id={region}"))
                    .await
                    .status,
                StatusCode::FORBIDDEN,
                "{u}"
            );
        }
        let fields = |token: &str| {
            vec![
                ("_csrf", token.to_owned()),
                ("region_id", region.to_string()),
                ("max_members", "2".into()),
                ("max_km", "30".into()),
                ("kind", "co_built".into()),
            ]
        };
        assert_eq!(
            admin
                .form_owned("/plan/communities/accept", &fields("forged"))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            admin.get("/api/v1/communities").await.json()["total"],
            6,
            "nothing written by the forged post"
        );
        let r = admin
            .form_owned("/plan/communities/accept", &fields(&csrf))
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{label}: {}", r.text());
        let total = admin.get("/api/v1/communities").await.json()["total"]
            .as_i64()
            .unwrap();
        assert!(total > 6, "{label}: {total}");
        let cov = admin
            .get(&format!("/api/v1/coverage?region_id={region}"))
            .await
            .json();
        assert!(cov["covered"].as_i64().unwrap() >= 44, "{label}: {cov}");
        // The new communities are a new batch (第三批) and audited.
        let list = admin.get("/api/v1/communities?per_page=50").await.json();
        assert!(
            list["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c["batch"] == 3),
            "{label}"
        );
        let log = admin.get("/api/v1/audit?entity=community").await.json();
        assert!(
            log["items"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["action"] == "accept_plan")
        );
        // Accepting again changes nothing more: every school that could join has joined.
        let again = admin
            .form_owned("/plan/communities/accept", &fields(&csrf))
            .await;
        assert_eq!(again.status, StatusCode::SEE_OTHER);
        assert_eq!(
            admin.get("/api/v1/communities").await.json()["total"]
                .as_i64()
                .unwrap(),
            total
        );
        e.db.finish().await;
    }
}
