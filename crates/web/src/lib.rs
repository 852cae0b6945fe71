//! Gongjin's web layer: the JSON API under `/api/v1` (with its OpenAPI document) and the
//! server-rendered Chinese UI. Handlers are thin: parse, resolve where the record sits, check the
//! caller's scope ([`gongjin_domain::authz`]), call the store, render.

// Handlers return `Result<_, Response>` the axum way; boxing every error response buys nothing here.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod auth;
pub mod charts;
pub mod error;
pub mod report;
pub mod transfer;
pub mod ui;
pub mod uploads;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::get;
use gongjin_store::Store;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// Where uploaded documents are kept (`DATA_DIR/uploads`).
    pub uploads: PathBuf,
    pub limiter: Arc<auth::RateLimiter>,
    pub openapi: Arc<String>,
}

impl AppState {
    pub fn new(store: Store, data_dir: &std::path::Path) -> AppState {
        let (_, doc) = api::router();
        AppState {
            store,
            uploads: data_dir.join("uploads"),
            limiter: Arc::new(auth::RateLimiter::default()),
            openapi: Arc::new(doc.to_pretty_json().unwrap_or_default()),
        }
    }
}

/// The whole application.
pub fn app(state: AppState) -> Router {
    let (api, _) = api::router();
    Router::new()
        .merge(api)
        .route("/static/app.css", get(css))
        .route("/ical/{file}", get(api::calendar::ical))
        .merge(ui::router())
        .layer(DefaultBodyLimit::max(
            uploads::MAX_DOCUMENT_BYTES + 1024 * 1024,
        ))
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                header::X_FRAME_OPTIONS,
                header::HeaderValue::from_static("DENY"),
            ),
        )
        .layer(
            tower_http::set_header::SetResponseHeaderLayer::if_not_present(
                header::REFERRER_POLICY,
                header::HeaderValue::from_static("same-origin"),
            ),
        )
        .with_state(state)
}

async fn css() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../static/app.css"),
    )
}

/// Serves until Ctrl-C.
pub async fn serve(state: AppState, addr: std::net::SocketAddr) -> std::io::Result<()> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    axum::serve(listener, app(state))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await
}
