//! Import, export and templates over HTTP, shared by the API and the UI pages.

use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use crate::uploads;
use axum::Json;
use axum::extract::Multipart;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongjin_domain::Role;
use gongjin_domain::i18n::Locale;
use gongjin_sheet::{Cell, Format, TemplateKind};
use gongjin_store::import::ImportReport;

/// The largest sheet accepted for import.
pub const MAX_SHEET_BYTES: usize = 10 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Schools,
    Teachers,
    /// School conditions for balance monitoring (办学条件).
    Conditions,
}

impl Kind {
    pub fn parse(s: &str) -> Option<Kind> {
        match s.trim_end_matches(".xlsx").trim_end_matches(".csv") {
            "schools" => Some(Kind::Schools),
            "teachers" => Some(Kind::Teachers),
            "conditions" => Some(Kind::Conditions),
            _ => None,
        }
    }
    pub fn key(self) -> &'static str {
        match self {
            Kind::Schools => "schools",
            Kind::Teachers => "teachers",
            Kind::Conditions => "conditions",
        }
    }
    /// The file name stem users see: 学校名单 / 教师名单.
    pub fn file_stem(self) -> &'static str {
        match self {
            Kind::Schools => "学校名单",
            Kind::Teachers => "教师名单",
            Kind::Conditions => "办学条件",
        }
    }
}

pub fn format_of(s: Option<&str>) -> Result<Format, AppError> {
    match s.unwrap_or("xlsx") {
        "xlsx" => Ok(Format::Xlsx),
        "csv" => Ok(Format::Csv),
        other => Err(AppError::field(
            "format",
            "error.choice",
            Some(other.to_owned()),
        )),
    }
}

fn sheet_error(e: gongjin_sheet::SheetError, locale: Locale) -> AppError {
    AppError {
        message_override: Some(e.message(locale)),
        ..AppError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_file",
            "error.validation",
        )
    }
}

pub fn template_response(kind: Kind, format: Format) -> Result<Response, AppError> {
    let t = match kind {
        Kind::Schools => TemplateKind::Schools,
        Kind::Teachers => TemplateKind::Teachers,
        Kind::Conditions => TemplateKind::Conditions,
    };
    let bytes = gongjin_sheet::template(t, format).map_err(|e| sheet_error(e, Locale::ZhCn))?;
    Ok(uploads::attachment(
        bytes,
        format.content_type(),
        &format!("{}导入模板.{}", kind.file_stem(), format.extension()),
    ))
}

/// The rows of an export in the template's columns.
pub async fn export_rows(
    st: &AppState,
    c: &Caller,
    kind: Kind,
) -> Result<(Vec<&'static str>, Vec<Vec<Cell>>), AppError> {
    let visible = c.visible();
    Ok(match kind {
        Kind::Schools => {
            let rows = st
                .store
                .all_schools(&visible)
                .await?
                .iter()
                .map(|s| gongjin_sheet::school_export_row(&s.region_name, &s.fields()))
                .collect();
            (gongjin_sheet::school_export_headers().to_vec(), rows)
        }
        Kind::Teachers => {
            let rows = st
                .store
                .all_teachers(&visible)
                .await?
                .iter()
                .map(|t| gongjin_sheet::teacher_export_row(&t.school_code, &t.fields()))
                .collect();
            (gongjin_sheet::teacher_export_headers().to_vec(), rows)
        }
        Kind::Conditions => {
            let rows = st
                .store
                .conditions(&visible, None)
                .await?
                .iter()
                .map(|r| {
                    gongjin_sheet::condition_export_row(
                        &r.school_code,
                        r.year,
                        &r.stage,
                        &r.figures,
                    )
                })
                .collect();
            (gongjin_sheet::CONDITION_HEADERS.to_vec(), rows)
        }
    })
}

pub async fn export_response(
    st: &AppState,
    c: &Caller,
    kind: Kind,
    format: Format,
) -> Result<Response, AppError> {
    let (headers, rows) = export_rows(st, c, kind).await?;
    let bytes = match format {
        Format::Xlsx => gongjin_sheet::write_xlsx(kind.file_stem(), &headers, &rows)
            .map_err(|e| sheet_error(e, c.locale))?,
        Format::Csv => gongjin_sheet::write_csv(&headers, &rows),
    };
    let date = gongjin_store::today().format("%Y%m%d");
    Ok(uploads::attachment(
        bytes,
        format.content_type(),
        &format!("{}_{date}.{}", kind.file_stem(), format.extension()),
    ))
}

/// Reads a multipart upload: the `file` field (and a `_csrf` field from forms).
pub async fn read_upload(mp: Multipart) -> Result<(String, Vec<u8>, Option<String>), AppError> {
    let up = uploads::read_multipart(mp, MAX_SHEET_BYTES, "10 MB").await?;
    Ok((up.file_name, up.bytes, up.fields.get("_csrf").cloned()))
}

/// Checks and (unless a dry run) imports a sheet for a bureau administrator.
pub async fn import(
    st: &AppState,
    c: &Caller,
    kind: Kind,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<ImportReport, AppError> {
    if c.principal.role != Role::BureauAdmin {
        return Err(AppError::forbidden().in_locale(c.locale));
    }
    if bytes.is_empty() {
        return Err(AppError::field("file", "error.required", None).in_locale(c.locale));
    }
    let format = Format::from_path(name).ok_or_else(|| {
        AppError::field("file", "error.file_type", Some(name.to_owned())).in_locale(c.locale)
    })?;
    let visible = c.visible();
    let mut no_progress = |_: u64, _: u64| {};
    let report = match kind {
        Kind::Schools => {
            let table = gongjin_sheet::read_table(bytes, format, &gongjin_sheet::SCHOOL_REQUIRED)
                .map_err(|e| sheet_error(e, c.locale))?;
            let (rows, errors) = gongjin_sheet::parse_school_rows(&table);
            st.store
                .import_schools(
                    &c.actor(),
                    &visible,
                    rows,
                    errors,
                    dry_run,
                    &mut no_progress,
                )
                .await?
        }
        Kind::Teachers => {
            let (rows, errors) = gongjin_sheet::read_teacher_rows(bytes, format)
                .map_err(|e| sheet_error(e, c.locale))?;
            st.store
                .import_teachers(
                    &c.actor(),
                    &visible,
                    rows,
                    errors,
                    dry_run,
                    &mut no_progress,
                )
                .await?
        }
        Kind::Conditions => {
            let table =
                gongjin_sheet::read_table(bytes, format, &gongjin_sheet::CONDITION_REQUIRED)
                    .map_err(|e| sheet_error(e, c.locale))?;
            let (rows, errors) = gongjin_sheet::parse_condition_rows(&table);
            st.store
                .import_conditions(
                    &c.actor(),
                    &visible,
                    rows,
                    errors,
                    dry_run,
                    &mut no_progress,
                )
                .await?
        }
    };
    Ok(report)
}

/// The report as JSON with each error's message: 200 when clean, 422 when rows are bad.
pub fn report_response(report: ImportReport, locale: Locale) -> Response {
    let status = if report.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let messages: Vec<String> = report.errors.iter().map(|e| e.message(locale)).collect();
    let mut v = serde_json::to_value(&report).unwrap_or_default();
    if let serde_json::Value::Object(m) = &mut v {
        m.insert("messages".into(), serde_json::json!(messages));
    }
    (status, Json(v)).into_response()
}
