use gongjin_domain::ValidationErrors;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("not found")]
    NotFound,
    /// A rule of the registry refuses the change. `key` is a catalogue key, `arg` fills it.
    #[error("conflict: {key} {arg}")]
    Conflict { key: String, arg: String },
    #[error(transparent)]
    Invalid(#[from] ValidationErrors),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    pub fn conflict(key: &str, arg: impl ToString) -> StoreError {
        StoreError::Conflict {
            key: key.to_owned(),
            arg: arg.to_string(),
        }
    }

    /// Maps a unique-constraint violation to a conflict naming what collided.
    pub(crate) fn unique_or(e: sqlx::Error, what: impl ToString) -> StoreError {
        if let sqlx::Error::Database(d) = &e
            && (d.is_unique_violation()
                || d.message().contains("UNIQUE")
                || d.code().as_deref() == Some("23505"))
        {
            return StoreError::conflict("error.duplicate", what);
        }
        StoreError::Db(e)
    }
}

impl From<gongjin_domain::FieldError> for StoreError {
    fn from(e: gongjin_domain::FieldError) -> Self {
        StoreError::Invalid(e.into())
    }
}
