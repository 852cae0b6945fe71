//! The figures cache: a cached region-wide figure equals the fresh computation after writes — made
//! by this store or by another process on the same database (a command-line import) — and a
//! write that changes the figure is seen at once. Both backends.

use gongjin_evaluation::ManualScore;
use gongjin_store::facts::Communities;
use gongjin_store::testing;
use gongjin_store::{Actor, Store};

struct NoProgress;
impl gongjin_store::demo::DemoProgress for NoProgress {
    fn phase(&mut self, _: &str, _: u64) {}
    fn inc(&mut self, _: u64) {}
}

const YEAR: i32 = 2025;

async fn fresh(store: &Store, path: &str) -> serde_json::Value {
    let facts = store
        .assessment_facts(&Communities::InRegion(path.to_owned()), YEAR)
        .await
        .unwrap();
    serde_json::to_value(gongjin_store::assessment::region_bundled_of(&facts).unwrap()).unwrap()
}

async fn cached(store: &Store, region: i64) -> serde_json::Value {
    serde_json::to_value(store.region_bundled(region, YEAR).await.unwrap()).unwrap()
}

#[tokio::test]
async fn cached_figures_follow_every_write() {
    for db in testing::all().await {
        let store = db.store.clone();
        let data = gongjin_demo::generate(
            gongjin_demo::Scale::District,
            gongjin_demo::DEFAULT_SEED,
            &mut |_, _| {},
        );
        store.load_demo(&data, &mut NoProgress).await.unwrap();
        let region: i64 = sqlx::query_scalar("SELECT id FROM regions WHERE name = '曾都区'")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let path: String = sqlx::query_scalar("SELECT path FROM regions WHERE id = $1")
            .bind(region)
            .fetch_one(store.pool())
            .await
            .unwrap();

        let first = cached(&store, region).await;
        assert_eq!(first, fresh(&store, &path).await, "{}", db.label);
        // A second read is the same figure, and costs one statement (the version check).
        gongjin_store::stats::install();
        let before = gongjin_store::stats::statements();
        let again = cached(&store, region).await;
        let used = gongjin_store::stats::statements() - before;
        assert_eq!(again, first, "{}", db.label);
        assert!(
            used <= 3,
            "{}: a cached read ran {used} statements",
            db.label
        );

        // A write through this store: a reviewer scores a manual indicator.
        let community: i64 = sqlx::query_scalar("SELECT MIN(id) FROM communities")
            .fetch_one(store.pool())
            .await
            .unwrap();
        store
            .put_manual_score(
                &Actor::system("cache-test"),
                community,
                YEAR,
                &ManualScore {
                    indicator: "plans_and_charter".into(),
                    score: 5.0,
                    comment: "协议章程齐全".into(),
                    reviewer: "测试".into(),
                    attachments: vec![],
                },
            )
            .await
            .unwrap();
        let second = cached(&store, region).await;
        assert_ne!(second, first, "{}: the new score shows", db.label);
        assert_eq!(second, fresh(&store, &path).await, "{}", db.label);

        // A write by another process on the same database (as `gongjin import` while the server runs).
        let other = Store::open(&db.url).await.unwrap();
        other
            .put_manual_score(
                &Actor::system("cli"),
                community,
                YEAR,
                &ManualScore {
                    indicator: "plans_and_charter".into(),
                    score: 1.0,
                    comment: "章程待修订".into(),
                    reviewer: "测试".into(),
                    attachments: vec![],
                },
            )
            .await
            .unwrap();
        other.close().await;
        let third = cached(&store, region).await;
        assert_ne!(
            third, second,
            "{}: the other process's write shows",
            db.label
        );
        assert_eq!(third, fresh(&store, &path).await, "{}", db.label);

        // The balance report and the quota inputs are kept the same way.
        let b1 = serde_json::to_value(store.balance(region, YEAR).await.unwrap()).unwrap();
        let b2 = serde_json::to_value(store.balance_fresh(region, YEAR).await.unwrap()).unwrap();
        assert_eq!(b1, b2, "{}", db.label);
        db.finish().await;
    }
}
