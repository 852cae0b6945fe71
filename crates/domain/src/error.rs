//! Validation errors that name the field and carry a catalogue key, never a hard-coded sentence.

use serde::Serialize;

/// One problem with one field. `key` is a catalogue key (`error.*`); `arg` fills its `{}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// The English field identifier (`code`, `stage`, …).
    pub field: String,
    /// Catalogue key of the reason, e.g. `error.school_code`.
    pub key: String,
    /// The offending value or a bound, substituted into the message.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
}

impl FieldError {
    pub fn new(field: &str, key: &str) -> Self {
        FieldError {
            field: field.to_owned(),
            key: key.to_owned(),
            arg: None,
        }
    }
    pub fn with(field: &str, key: &str, arg: impl ToString) -> Self {
        FieldError {
            field: field.to_owned(),
            key: key.to_owned(),
            arg: Some(arg.to_string()),
        }
    }
}

/// All problems found in one record: validation never stops at the first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} invalid field(s)", .0.len())]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result<T>(self, ok: impl FnOnce() -> T) -> Result<T, ValidationErrors> {
        if self.0.is_empty() {
            Ok(ok())
        } else {
            Err(self)
        }
    }
    /// Collects the error of a field parse, returning the value when it parsed.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(e: FieldError) -> Self {
        ValidationErrors(vec![e])
    }
}
