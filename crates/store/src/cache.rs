//! Region-wide figures kept between requests, keyed by the data version.
//!
//! Every write to the records runs in a transaction that appends to the audit log (see
//! [`crate::audit`]), so the audit log's greatest id is a data version that every write bumps,
//! whichever process made it (the server or a command-line import). A cached figure is served
//! only while that version is unchanged; after any write it is computed afresh. One statement
//! (`MAX(id)` on the log's primary key) per use. Concurrent requests for the same cold figure wait
//! for one computation instead of each running it.

use crate::{Result, Store};

use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};

type Slot = Arc<tokio::sync::Mutex<Option<(i64, Arc<dyn Any + Send + Sync>)>>>;

/// The figures cache of one store (shared by its clones).
#[derive(Default, Clone)]
pub struct FigureCache {
    slots: Arc<Mutex<HashMap<String, Slot>>>,
}

impl FigureCache {
    fn slot(&self, key: &str) -> Slot {
        let mut slots = self.slots.lock().unwrap_or_else(|e| e.into_inner());
        slots.entry(key.to_owned()).or_default().clone()
    }

    fn clear(&self) {
        self.slots.lock().unwrap_or_else(|e| e.into_inner()).clear();
    }
}

impl Store {
    /// The data version: the newest audit entry's id (0 on an empty log).
    pub async fn data_version(&self) -> Result<i64> {
        Ok(
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(id), 0) FROM audit_log")
                .fetch_one(&self.pool)
                .await?,
        )
    }

    /// The figure under `key` as `compute` gives it for the current data version: from the cache
    /// when nothing was written since it was computed, else computed now and kept.
    pub async fn cached<T, E, F>(&self, key: &str, compute: F) -> std::result::Result<Arc<T>, E>
    where
        T: Send + Sync + 'static,
        E: From<crate::StoreError>,
        F: Future<Output = std::result::Result<T, E>>,
    {
        // The version is read before taking the slot, so a hit holds the slot only to clone an
        // `Arc`. A write landing after this read is caught by the next read's version.
        let version = self.data_version().await?;
        let slot = self.cache.slot(key);
        let mut guard = slot.lock().await;
        if let Some((v, value)) = guard.as_ref()
            && *v == version
            && let Ok(hit) = value.clone().downcast::<T>()
        {
            return Ok(hit);
        }
        let value = Arc::new(compute.await?);
        *guard = Some((version, value.clone() as Arc<dyn Any + Send + Sync>));
        Ok(value)
    }

    /// Forgets every cached figure (tests measure the cold path with it).
    pub fn clear_cache(&self) {
        self.cache.clear();
    }
}
