//! Counts the SQL statements the store runs, for tests that bound how many statements a page or an
//! API read needs (set-based data access: the count must not grow with the data).
//!
//! sqlx reports every statement it executes as a `tracing` event with target `sqlx::query`;
//! [`install`] makes a subscriber that counts those events the process's global default (once),
//! and [`statements`] reads the running total. Take the difference around one request, with no
//! other request running. The server itself never installs the counter.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use tracing_subscriber::layer::{Context, SubscriberExt};

static STATEMENTS: AtomicU64 = AtomicU64::new(0);
static INSTALLED: OnceLock<bool> = OnceLock::new();

struct Counter;

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Counter {
    fn on_event(&self, event: &tracing::Event<'_>, _: Context<'_, S>) {
        if event.metadata().target() == "sqlx::query" {
            STATEMENTS.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// Installs the counting subscriber as the global default. Returns false when another global
/// subscriber was installed first (the counter then stays at zero).
pub fn install() -> bool {
    *INSTALLED.get_or_init(|| {
        let subscriber = tracing_subscriber::registry().with(Counter);
        tracing::subscriber::set_global_default(subscriber).is_ok()
    })
}

/// Statements executed since the process started (while the counter is installed).
pub fn statements() -> u64 {
    STATEMENTS.load(Ordering::Relaxed)
}
