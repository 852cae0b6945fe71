//! The import page (bureau administrators): templates, exports, and uploading a school or teacher
//! sheet — checked first (dry run), written all or nothing.

use super::common::*;
use super::teachers::forbidden;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::transfer::{self, Kind, MAX_SHEET_BYTES};
use crate::uploads;
use askama::Template;
use axum::Router;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use gongjin_domain::Role;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/import", get(page))
        .route("/import/template/{kind}", get(template))
        .route("/import/{kind}", post(upload))
}

/// What one upload came to.
struct Outcome {
    kind: &'static str,
    file: String,
    rows: usize,
    created: usize,
    updated: usize,
    dry_run: bool,
    written: bool,
    errors: Vec<String>,
}

#[derive(Template)]
#[template(path = "import.html")]
struct ImportPage {
    shell: Shell,
    outcome: Option<Outcome>,
    /// A problem with the file as a whole (unreadable, wrong type, missing headers).
    error: Option<(&'static str, String)>,
}

impl ImportPage {
    fn error_for(&self, kind: &str) -> Option<&String> {
        self.error
            .as_ref()
            .filter(|(k, _)| *k == kind)
            .map(|(_, m)| m)
    }
    fn title(&self, kind: &str) -> &'static str {
        if kind == "schools" {
            self.shell.tr.t("import.schools")
        } else if kind == "conditions" {
            self.shell.tr.t("balance.import_conditions")
        } else {
            self.shell.tr.t("import.teachers")
        }
    }
    fn outcome_for(&self, kind: &str) -> Option<&Outcome> {
        self.outcome.as_ref().filter(|o| o.kind == kind)
    }
}

#[allow(clippy::result_large_err)] // the same shape as `csrf_ok`: an error page
fn admin_only(c: &Caller) -> Result<(), axum::response::Response> {
    if c.principal.role == Role::BureauAdmin {
        Ok(())
    } else {
        Err(forbidden(c))
    }
}

pub async fn page(Ui(c): Ui) -> PageResult {
    admin_only(&c)?;
    render(&ImportPage {
        shell: Shell::new(&c, "import"),
        outcome: None,
        error: None,
    })
}

pub async fn template(
    Ui(c): Ui,
    Path(kind): Path<String>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let kind = Kind::parse(&kind)
        .ok_or_else(AppError::not_found)
        .or_page(&c)?;
    let format = transfer::format_of(raw.get("format").map(String::as_str)).or_page(&c)?;
    transfer::template_response(kind, format).or_page(&c)
}

/// The upload form's fields: the file, the dry-run box and the CSRF token.
async fn read_form(mut mp: Multipart) -> Result<(String, Vec<u8>, bool, String), AppError> {
    let (mut name, mut bytes, mut dry_run, mut csrf) =
        (String::new(), Vec::new(), false, String::new());
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        match field.name().unwrap_or("") {
            "_csrf" => {
                csrf = field
                    .text()
                    .await
                    .map_err(|e| AppError::bad_request(e.body_text()))?
            }
            "dry_run" => {
                let v = field
                    .text()
                    .await
                    .map_err(|e| AppError::bad_request(e.body_text()))?;
                dry_run = !v.is_empty() && v != "0" && v != "false";
            }
            "file" => {
                name = uploads::clean_name(field.file_name().unwrap_or(""));
                bytes = field
                    .bytes()
                    .await
                    .map_err(|_| {
                        AppError::field("file", "error.file_too_large", Some("10 MB".into()))
                    })?
                    .to_vec();
            }
            _ => {}
        }
    }
    if bytes.len() > MAX_SHEET_BYTES {
        return Err(AppError::field(
            "file",
            "error.file_too_large",
            Some("10 MB".into()),
        ));
    }
    Ok((name, bytes, dry_run, csrf))
}

pub async fn upload(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(kind): Path<String>,
    mp: Multipart,
) -> PageResult {
    let kind = Kind::parse(&kind)
        .ok_or_else(AppError::not_found)
        .or_page(&c)?;
    let (name, bytes, dry_run, csrf) = read_form(mp).await.or_page(&c)?;
    c.check_csrf(&csrf).or_page(&c)?;
    admin_only(&c)?;
    let key = kind.key();
    match transfer::import(&st, &c, kind, &name, &bytes, dry_run).await {
        Ok(report) => {
            let status = if report.errors.is_empty() {
                StatusCode::OK
            } else {
                StatusCode::UNPROCESSABLE_ENTITY
            };
            let outcome = Outcome {
                kind: key,
                file: name,
                rows: report.rows,
                created: report.created,
                updated: report.updated,
                dry_run: report.dry_run,
                written: report.written,
                errors: report.errors.iter().map(|e| e.message(c.locale)).collect(),
            };
            let page = render(&ImportPage {
                shell: Shell::new(&c, "import"),
                outcome: Some(outcome),
                error: None,
            })?;
            Ok((status, page).into_response())
        }
        Err(e) if e.status.is_client_error() && e.status != StatusCode::FORBIDDEN => {
            let fe = FormErrors::from_error(&e, c.locale);
            let mut msg = fe.general.unwrap_or_default();
            for m in fe.by_field.values() {
                msg.push_str(if c.locale == gongjin_domain::i18n::Locale::En {
                    "; "
                } else {
                    "；"
                });
                msg.push_str(m);
            }
            let page = render(&ImportPage {
                shell: Shell::new(&c, "import"),
                outcome: None,
                error: Some((key, msg)),
            })?;
            Ok((e.status, page).into_response())
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}
