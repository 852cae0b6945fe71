//! Regression: on PostgreSQL (through sqlx's Any driver) a statement first run with a NULL where a
//! number goes later used to fail ("incorrect binary data format"): a school without coordinates
//! followed by one with them. Both backends now take them in any order.

mod common;

use axum::http::StatusCode;
use common::{ADMIN_PASSWORD, Client, env};
use serde_json::json;

#[tokio::test]
async fn optional_numbers_in_any_order() {
    for db in gongjin_store::testing::all().await {
        let label = db.label;
        let e = env(db).await;
        let root = Client::login(&e.app, "admin", ADMIN_PASSWORD).await;
        let region = root
            .get("/api/v1/regions?q=%E6%9B%BE%E9%83%BD%E5%8C%BA")
            .await
            .json()["items"][0]["id"]
            .as_i64()
            .unwrap();
        for i in 0..6 {
            let mut b = json!({"name": format!("坐标测试学校{i}"), "code": format!("42999900{i:02}"), "region_id": region, "stage": "primary", "locality": "rural"});
            if i % 2 == 1 {
                b["longitude"] = json!(113.3);
                b["latitude"] = json!(31.7);
            }
            let r = root.post("/api/v1/schools", b).await;
            assert_eq!(
                r.status,
                StatusCode::CREATED,
                "{label} school {i}: {}",
                r.text()
            );
        }
        e.db.finish().await;
    }
}
