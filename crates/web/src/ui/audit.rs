//! The audit log page (bureau administrators and inspectors): who changed what, with the record
//! before and after.

use super::common::*;
use super::teachers::{notice, num};
use crate::AppState;
use askama::Template;
use axum::Router;
use axum::extract::{Query, State};
use axum::routing::get;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_store::audit::AuditQuery;
use gongjin_store::records::AuditEntry;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new().route("/audit", get(list))
}

const PER_PAGE: i64 = 50;
/// Entity kinds the store records, for the filter.
const ENTITIES: &[&str] = &[
    "school",
    "teacher",
    "community",
    "council_seat",
    "document",
    "school_leader",
    "region",
    "community_kinds",
    "coverage_targets",
    "registry",
    "user",
    "api_token",
    "session",
];

/// An entry as the page shows it: labels resolved, JSON pretty-printed.
struct Row {
    e: AuditEntry,
    action: String,
    entity: String,
    before: Option<String>,
    after: Option<String>,
}

fn pretty(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .filter(|s| !s.is_empty() && *s != "null")
        .map(|s| {
            serde_json::from_str::<serde_json::Value>(s)
                .ok()
                .and_then(|v| serde_json::to_string_pretty(&v).ok())
                .unwrap_or_else(|| s.to_owned())
        })
}

#[derive(Template)]
#[template(path = "audit.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    pager: Pager,
    entities: Vec<Opt>,
    username: String,
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    c.require(
        Action::Read,
        Resource::Audit,
        &Place {
            region_path: c.principal.region_path.clone(),
            ..Place::default()
        },
    )
    .or_page(&c)?;
    let tr = Tr(c.locale);
    let q = AuditQuery {
        entity: opt_text(&raw, "entity"),
        entity_id: num(&raw, "entity_id"),
        username: opt_text(&raw, "username"),
        page: num(&raw, "page"),
        per_page: Some(PER_PAGE),
    };
    let page = st.store.list_audit(&c.visible(), &q).await.or_page(&c)?;
    let entity = q.entity.clone().unwrap_or_default();
    let filters = [
        ("entity", entity.clone()),
        (
            "entity_id",
            q.entity_id.map(|i| i.to_string()).unwrap_or_default(),
        ),
        ("username", q.username.clone().unwrap_or_default()),
    ];
    let rows = page
        .items
        .into_iter()
        .map(|e| Row {
            action: tr.label("audit_action", &e.action),
            entity: tr.label("audit_entity", &e.entity),
            before: pretty(&e.before_json),
            after: pretty(&e.after_json),
            e,
        })
        .collect();
    render(&ListPage {
        shell: Shell::new(&c, "audit").with_notice(notice(&raw)),
        pager: Pager::new(
            "/audit",
            &filters,
            q.page.unwrap_or(1).max(1),
            PER_PAGE,
            page.total,
        ),
        rows,
        entities: opts(
            ENTITIES
                .iter()
                .map(|k| ((*k).to_owned(), tr.label("audit_entity", k))),
            &entity,
        ),
        username: q.username.clone().unwrap_or_default(),
    })
}
