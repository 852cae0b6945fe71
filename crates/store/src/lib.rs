//! The storage seam. One [`Store`] runs on SQLite (a file under the data directory, WAL) or on
//! PostgreSQL (any Postgres-compatible server), chosen by URL at start. Both backends share every
//! query: SQL is kept to the portable subset (`$N` placeholders, BIGINT / DOUBLE PRECISION / TEXT,
//! dates as ISO text, `RETURNING id`), and the same test suite runs against both.
//!
//! Every write runs in a transaction that also appends to the audit log ([`audit`]).

pub mod activities;
pub mod assessment;
pub mod audit;
pub mod cache;
pub mod calendar;
pub mod communities;
pub mod conditions;
pub mod dashboard;
pub mod demo;
mod demo_ops;
pub mod error;
pub mod exchanges;
pub mod facts;
pub mod import;
pub mod meetings;
pub mod mentorships;
pub mod planning;
pub mod projects;
pub mod records;
pub mod regions;
pub mod rotation;
pub mod schools;
pub mod scope;
pub mod search;
pub mod sql;
pub mod stats;
pub mod support;
pub mod sync_lessons;
pub mod teachers;
pub mod testing;
pub mod unified_tests;
pub mod users;
// Shared courses and resources; students (community operations, parts 6 and 8).
pub mod courses;
pub mod students;

pub use error::StoreError;
pub use records::*;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Who performs a write, as the audit log records it.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<i64>,
    pub username: String,
}

impl Actor {
    /// Writes made by the program itself (bootstrap, demo loading) or the command line.
    pub fn system(name: &str) -> Actor {
        Actor {
            user_id: None,
            username: name.to_owned(),
        }
    }
}

#[derive(Clone)]
pub struct Store {
    pub(crate) pool: AnyPool,
    backend: Backend,
    cache: cache::FigureCache,
}

static SQLITE_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The SQLite URL for a data directory (`DIR/gongjin.db`, created when missing).
pub fn sqlite_url(data_dir: &std::path::Path) -> String {
    format!(
        "sqlite://{}?mode=rwc",
        data_dir.join("gongjin.db").display()
    )
}

impl Store {
    /// Connects to `url` (`sqlite://…` or `postgres://…`) and applies pending migrations.
    pub async fn open(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            return Err(StoreError::Config(format!(
                "unsupported database URL: {url}"
            )));
        };
        let mut options = AnyPoolOptions::new().acquire_timeout(Duration::from_secs(30));
        options = match backend {
            Backend::Sqlite => options.max_connections(8).after_connect(|conn, _| {
                Box::pin(async move {
                    conn.execute("PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; PRAGMA synchronous = NORMAL;")
                        .await?;
                    Ok(())
                })
            }),
            Backend::Postgres => options.max_connections(16),
        };
        // PostgreSQL through the Any driver: a prepared statement keeps the parameter formats of
        // its first use, so a statement first run with a NULL where a number goes later fails
        // ("incorrect binary data format"). Statements are therefore not cached on PostgreSQL.
        let url = match backend {
            Backend::Postgres if !url.contains("statement-cache-capacity") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}statement-cache-capacity=0")
            }
            _ => url.to_owned(),
        };
        let pool = options.connect(&url).await?;
        let store = Store {
            pool,
            backend,
            cache: cache::FigureCache::default(),
        };
        store.migrate().await?;
        store.backfill_search().await?;
        Ok(store)
    }

    pub async fn migrate(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => SQLITE_MIGRATOR.run(&self.pool).await?,
            Backend::Postgres => POSTGRES_MIGRATOR.run(&self.pool).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// A write transaction. On SQLite it takes the write lock at once (`BEGIN IMMEDIATE`,
    /// waiting up to the busy timeout), so a transaction that reads first never fails on
    /// upgrading its lock while another writer finishes ("database is locked").
    pub(crate) async fn begin_write(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Refreshes the planner's statistics after a bulk load or an import (`ANALYZE`; on SQLite also
    /// `PRAGMA optimize`), so that the next queries do not run on stale row estimates.
    pub async fn analyze(&self) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
                sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
            }
            Backend::Postgres => {
                sqlx::query("ANALYZE").execute(&self.pool).await?;
            }
        }
        Ok(())
    }

    /// After an import into `tables`: PostgreSQL re-analyses those tables; SQLite runs
    /// `PRAGMA optimize`, which re-analyses the tables whose size changed enough to matter.
    pub(crate) async fn refresh_stats(&self, tables: &[&str]) -> Result<()> {
        match self.backend {
            Backend::Sqlite => {
                sqlx::query("PRAGMA optimize").execute(&self.pool).await?;
            }
            Backend::Postgres => {
                for t in tables {
                    sqlx::query(sqlx::AssertSqlSafe(format!("ANALYZE {t}")))
                        .execute(&self.pool)
                        .await?;
                }
            }
        }
        Ok(())
    }

    /// True when no account exists yet (a fresh database).
    pub async fn has_no_users(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }

    /// True when the registry holds no school (the demo loads only into such a database).
    pub async fn has_no_schools(&self) -> Result<bool> {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM schools")
            .fetch_one(&self.pool)
            .await?;
        Ok(n == 0)
    }
}

/// The current time as stored: RFC 3339, UTC, second precision.
pub(crate) fn now() -> String {
    chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Today's date (UTC+8, the bureaus' clock).
pub fn today() -> chrono::NaiveDate {
    (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive()
}
