//! The audit log: who did what, when, with the record before and after. Written inside the
//! transaction of the change it describes, so a change and its entry land or fail together.

use crate::records::{AuditEntry, Page};
use crate::scope::Visible;
use crate::sql::Sql;
use crate::{Actor, Result, Store};
use serde::Serialize;
use sqlx::AnyConnection;

pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: Option<i64>,
    pub region_path: &'a str,
    pub summary: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
}

pub fn json<T: Serialize>(v: &T) -> Option<serde_json::Value> {
    serde_json::to_value(v).ok()
}

pub async fn record(conn: &mut AnyConnection, actor: &Actor, c: Change<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, region_path, summary, before_json, after_json) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(crate::now())
    .bind(actor.user_id)
    .bind(actor.username.clone())
    .bind(c.action.to_owned())
    .bind(c.entity.to_owned())
    .bind(c.entity_id)
    .bind(c.region_path.to_owned())
    .bind(c.summary)
    .bind(c.before.map(|v| v.to_string()))
    .bind(c.after.map(|v| v.to_string()))
    .execute(conn)
    .await?;
    Ok(())
}

/// Appends many entries in as few statements as possible (500 a statement): for imports.
pub async fn record_many(
    conn: &mut AnyConnection,
    actor: &Actor,
    changes: Vec<Change<'_>>,
) -> Result<()> {
    let at = crate::now();
    let mut it = changes.into_iter().peekable();
    while it.peek().is_some() {
        let mut q = Sql::new(
            "INSERT INTO audit_log (at, user_id, username, action, entity, entity_id, region_path, summary, before_json, after_json) VALUES ",
        );
        for (i, c) in it.by_ref().take(500).enumerate() {
            if i > 0 {
                q.push(", ");
            }
            q.push("(")
                .bind(at.clone())
                .push(", ")
                .bind(actor.user_id)
                .push(", ")
                .bind(actor.username.clone())
                .push(", ")
                .bind(c.action)
                .push(", ")
                .bind(c.entity);
            q.push(", ")
                .bind(c.entity_id)
                .push(", ")
                .bind(c.region_path)
                .push(", ")
                .bind(c.summary)
                .push(", ")
                .bind(c.before.map(|v| v.to_string()))
                .push(", ")
                .bind(c.after.map(|v| v.to_string()))
                .push(")");
        }
        q.query().execute(&mut *conn).await?;
    }
    Ok(())
}

/// Filters for browsing the log.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entity kind, e.g. `school`.
    pub entity: Option<String>,
    pub entity_id: Option<i64>,
    /// Username of the actor.
    pub username: Option<String>,
    pub page: Option<i64>,
    pub per_page: Option<i64>,
}

impl Store {
    pub async fn list_audit(&self, visible: &Visible, f: &AuditQuery) -> Result<Page<AuditEntry>> {
        let mut cond = Sql::new(" WHERE 1 = 1");
        match visible {
            Visible::All => {}
            Visible::RegionPrefix(p) => {
                cond.push(" AND region_path LIKE ").bind(format!("{p}%"));
            }
            // Only region-scoped roles browse the log; the web layer refuses the others first.
            _ => {
                cond.push(" AND 1 = 0");
            }
        }
        if let Some(e) = f.entity.as_deref().filter(|s| !s.is_empty()) {
            cond.push(" AND entity = ").bind(e);
        }
        if let Some(id) = f.entity_id {
            cond.push(" AND entity_id = ").bind(id);
        }
        if let Some(u) = f.username.as_deref().filter(|s| !s.is_empty()) {
            cond.push(" AND username = ").bind(u);
        }
        let mut count = Sql::new("SELECT COUNT(*) FROM audit_log");
        count.push(&cond.text);
        count.args = cond.args.clone();
        let total: i64 = count.query_scalar().fetch_one(&self.pool).await?;
        let per = f.per_page.unwrap_or(50).clamp(1, 200);
        let page = f.page.unwrap_or(1).max(1);
        let mut q = Sql::new(
            "SELECT id, at, user_id, username, action, entity, entity_id, summary, before_json, after_json FROM audit_log",
        );
        q.push(&cond.text);
        q.args = cond.args;
        q.push(" ORDER BY id DESC LIMIT ")
            .bind(per)
            .push(" OFFSET ")
            .bind((page - 1) * per);
        let items = q.query_as::<AuditEntry>().fetch_all(&self.pool).await?;
        Ok(Page { items, total })
    }
}
