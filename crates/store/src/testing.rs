//! Test databases for this crate's and other crates' tests: a fresh SQLite file, and a fresh
//! database on the local PostgreSQL server (`GONGJIN_TEST_DATABASE_URL`, default
//! `postgres://postgres@127.0.0.1:5432/postgres`). When PostgreSQL is unreachable the tests say
//! so loudly and run on SQLite only — except under `CI=true`, where that is a failure.

use crate::Store;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

static COUNTER: AtomicU32 = AtomicU32::new(0);

pub struct TestDb {
    pub store: Store,
    pub label: &'static str,
    pub url: String,
    drop_pg: Option<(String, String)>,
    dir: Option<PathBuf>,
}

fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros())
        .unwrap_or(0);
    format!("{prefix}_{}_{}_{n}", std::process::id(), t % 1_000_000_000)
}

pub fn under_ci() -> bool {
    std::env::var("CI")
        .map(|v| v == "true" || v == "1")
        .unwrap_or(false)
}

pub fn postgres_admin_url() -> String {
    std::env::var("GONGJIN_TEST_DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh directory under the system temp dir.
pub fn temp_dir(prefix: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(unique(prefix));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

pub async fn sqlite() -> TestDb {
    let dir = temp_dir("gongjin_test");
    let url = crate::sqlite_url(&dir);
    let store = Store::open(&url).await.expect("open sqlite");
    TestDb {
        store,
        label: "sqlite",
        url,
        drop_pg: None,
        dir: Some(dir),
    }
}

/// A fresh PostgreSQL database, or None (with a loud message) when the server is unreachable
/// outside CI.
pub async fn postgres() -> Option<TestDb> {
    use sqlx::Executor;
    sqlx::any::install_default_drivers();
    let admin = postgres_admin_url();
    let conn = sqlx::AnyPool::connect(&admin).await;
    let pool = match conn {
        Ok(p) => p,
        Err(e) => {
            if under_ci() {
                panic!("CI=true but PostgreSQL is unreachable at {admin}: {e}");
            }
            eprintln!(
                "\n!!!!! PostgreSQL unreachable at {admin} ({e}): SKIPPING the PostgreSQL half of this test. Set GONGJIN_TEST_DATABASE_URL or start the server. !!!!!\n"
            );
            return None;
        }
    };
    let name = unique("gongjin_test");
    pool.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .expect("create test database");
    pool.close().await;
    let (base, _) = admin.rsplit_once('/').expect("database URL has a path");
    let url = format!("{base}/{name}");
    let store = Store::open(&url)
        .await
        .expect("open postgres test database");
    Some(TestDb {
        store,
        label: "postgres",
        url,
        drop_pg: Some((admin, name)),
        dir: None,
    })
}

/// SQLite, then PostgreSQL when reachable.
pub async fn all() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    if let Some(pg) = postgres().await {
        v.push(pg);
    }
    v
}

impl TestDb {
    /// Closes the store and removes the database.
    pub async fn finish(self) {
        use sqlx::Executor;
        self.store.close().await;
        if let Some((admin, name)) = self.drop_pg
            && let Ok(pool) = sqlx::AnyPool::connect(&admin).await
        {
            let _ = pool
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
            pool.close().await;
        }
        if let Some(dir) = self.dir {
            let _ = std::fs::remove_dir_all(dir);
        }
    }
}
