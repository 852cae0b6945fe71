//! Errors as callers see them: `{"error":{"code","message","fields"}}` with the right status for
//! the API, a page in the layout for the UI. Messages come from the catalogue.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use gongjin_domain::i18n::{Locale, field_error, t, tf};
use gongjin_domain::{FieldError, ValidationErrors};
use gongjin_store::StoreError;
use serde::Serialize;

#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub key: String,
    pub arg: Option<String>,
    pub fields: Vec<FieldError>,
    pub locale: Locale,
    /// A message already rendered elsewhere (e.g. by the sheet reader), used instead of `key`.
    pub message_override: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// `bad_request`, `unauthorized`, `forbidden`, `not_found`, `conflict`, `validation`, `rate_limited`, `internal`.
    pub code: String,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldMessage>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldMessage {
    pub field: String,
    pub message: String,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, key: &str) -> AppError {
        AppError {
            status,
            code,
            key: key.to_owned(),
            arg: None,
            fields: vec![],
            locale: Locale::ZhCn,
            message_override: None,
        }
    }
    pub fn with_arg(mut self, arg: impl ToString) -> AppError {
        self.arg = Some(arg.to_string());
        self
    }
    pub fn in_locale(mut self, locale: Locale) -> AppError {
        self.locale = locale;
        self
    }
    pub fn unauthorized() -> AppError {
        AppError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "error.unauthorized",
        )
    }
    pub fn forbidden() -> AppError {
        AppError::new(StatusCode::FORBIDDEN, "forbidden", "error.forbidden")
    }
    pub fn not_found() -> AppError {
        AppError::new(StatusCode::NOT_FOUND, "not_found", "error.not_found")
    }
    pub fn bad_request(detail: impl ToString) -> AppError {
        AppError::new(StatusCode::BAD_REQUEST, "bad_request", "error.bad_request").with_arg(detail)
    }
    pub fn validation(errors: ValidationErrors) -> AppError {
        AppError {
            fields: errors.0,
            ..AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "validation",
                "error.validation",
            )
        }
    }
    pub fn field(field: &str, key: &str, arg: Option<String>) -> AppError {
        AppError::validation(ValidationErrors(vec![FieldError {
            field: field.into(),
            key: key.into(),
            arg,
        }]))
    }

    pub fn message(&self) -> String {
        if let Some(m) = &self.message_override {
            return m.clone();
        }
        match &self.arg {
            Some(a) => tf(self.locale, &self.key, a),
            None => t(self.locale, &self.key).to_owned(),
        }
    }

    pub fn field_messages(&self) -> Vec<FieldMessage> {
        self.fields
            .iter()
            .map(|f| FieldMessage {
                field: f.field.clone(),
                message: field_error(self.locale, f),
            })
            .collect()
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message(),
                fields: self.field_messages(),
            },
        }
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> AppError {
        match e {
            StoreError::NotFound => AppError::not_found(),
            StoreError::Conflict { key, arg } => {
                AppError::new(StatusCode::CONFLICT, "conflict", &key).with_arg(arg)
            }
            StoreError::Invalid(v) => AppError::validation(v),
            other => {
                tracing::error!("store error: {other}");
                AppError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "internal",
                    "error.internal",
                )
            }
        }
    }
}

impl From<ValidationErrors> for AppError {
    fn from(v: ValidationErrors) -> AppError {
        AppError::validation(v)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        (self.status, axum::Json(self.body())).into_response()
    }
}

pub type ApiResult<T> = Result<T, AppError>;
