use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::transfer;
use axum::Json;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_store::audit::AuditQuery;
use gongjin_store::import::ImportReport;
use gongjin_store::records::AuditEntry;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntry>,
    pub total: i64,
}

/// The audit log of the caller's region (bureau administrators and inspectors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery), responses((status = 200, body = AuditPage), (status = 403, body = ErrorBody)))]
pub async fn audit(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<AuditQuery>,
) -> Result<Json<AuditPage>, AppError> {
    c.require(
        Action::Read,
        Resource::Audit,
        &Place {
            region_path: c.principal.region_path.clone(),
            ..Place::default()
        },
    )?;
    let p = st.store.list_audit(&c.visible(), &q).await?;
    Ok(Json(AuditPage {
        items: p.items,
        total: p.total,
    }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// `xlsx` (default) or `csv`.
    pub format: Option<String>,
}

/// Exports the schools or teachers the caller may see, in the import template's columns.
#[utoipa::path(get, path = "/api/v1/export/{kind}", tag = "import", params(("kind" = String, Path, description = "`schools` or `teachers`"), FormatQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let kind = transfer::Kind::parse(&kind).ok_or_else(AppError::not_found)?;
    let format = transfer::format_of(q.format.as_deref())?;
    transfer::export_response(&st, &c, kind, format).await
}

/// The empty import template.
#[utoipa::path(get, path = "/api/v1/template/{kind}", tag = "import", params(("kind" = String, Path, description = "`schools` or `teachers`"), FormatQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn template(
    _c: Caller,
    Path(kind): Path<String>,
    Query(q): Query<FormatQuery>,
) -> Result<Response, AppError> {
    let kind = transfer::Kind::parse(&kind).ok_or_else(AppError::not_found)?;
    let format = transfer::format_of(q.format.as_deref())?;
    transfer::template_response(kind, format)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// Check only: report what would change, write nothing.
    pub dry_run: Option<bool>,
}

/// Imports a sheet (multipart field `file`, .xlsx or .csv). All or nothing: with any bad row,
/// nothing is written and every bad row is listed (`第N行 列：原因`). Bureau administrators only.
#[utoipa::path(post, path = "/api/v1/import/{kind}", tag = "import", params(("kind" = String, Path, description = "`schools` or `teachers`"), ImportQuery),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = ImportReport), (status = 403, body = ErrorBody), (status = 422, body = ImportReport)))]
pub async fn import(
    State(st): State<AppState>,
    c: Caller,
    Path(kind): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<Response, AppError> {
    let kind = transfer::Kind::parse(&kind).ok_or_else(AppError::not_found)?;
    let (name, bytes, csrf) = transfer::read_upload(mp).await?;
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(csrf)
        .unwrap_or_default();
    c.check_csrf(&token)?;
    let report = transfer::import(&st, &c, kind, &name, &bytes, q.dry_run.unwrap_or(false)).await?;
    Ok(transfer::report_response(report, c.locale))
}

/// Liveness: 200 with `ok` while the server runs.
#[utoipa::path(get, path = "/healthz", tag = "meta", responses((status = 200, body = String)))]
pub async fn healthz() -> &'static str {
    "ok"
}

/// This document: OpenAPI 3.1, covering every route.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "meta", responses((status = 200, content_type = "application/json", body = Object)))]
pub async fn openapi(State(st): State<AppState>) -> impl axum::response::IntoResponse {
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        st.openapi.as_str().to_owned(),
    )
}
