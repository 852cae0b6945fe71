//! A small SQL builder with `$N` placeholders, which both SQLite and PostgreSQL accept.
//! (sqlx's QueryBuilder picks the placeholder style from the database type; with the `Any`
//! driver that is not the server's, so queries with dynamic filters are built here.)

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

#[derive(Debug, Clone)]
pub enum Val {
    I(i64),
    F(f64),
    T(String),
    OptI(Option<i64>),
    OptF(Option<f64>),
    OptT(Option<String>),
}

impl From<i64> for Val {
    fn from(v: i64) -> Val {
        Val::I(v)
    }
}
impl From<f64> for Val {
    fn from(v: f64) -> Val {
        Val::F(v)
    }
}
impl From<String> for Val {
    fn from(v: String) -> Val {
        Val::T(v)
    }
}
impl From<&str> for Val {
    fn from(v: &str) -> Val {
        Val::T(v.to_owned())
    }
}
impl From<Option<i64>> for Val {
    fn from(v: Option<i64>) -> Val {
        Val::OptI(v)
    }
}
impl From<Option<f64>> for Val {
    fn from(v: Option<f64>) -> Val {
        Val::OptF(v)
    }
}
impl From<Option<String>> for Val {
    fn from(v: Option<String>) -> Val {
        Val::OptT(v)
    }
}

#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub args: Vec<Val>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_owned(),
            args: vec![],
        }
    }
    /// Appends raw SQL.
    pub fn push(&mut self, s: &str) -> &mut Self {
        self.text.push_str(s);
        self
    }
    /// Appends a placeholder bound to `v`.
    pub fn bind(&mut self, v: impl Into<Val>) -> &mut Self {
        self.args.push(v.into());
        self.text.push('$');
        self.text.push_str(&self.args.len().to_string());
        self
    }
    pub fn arguments(&self) -> AnyArguments {
        let mut a = AnyArguments::default();
        for v in &self.args {
            // Adding a supported scalar type cannot fail.
            let _ = match v {
                Val::I(x) => a.add(*x),
                Val::F(x) => a.add(*x),
                Val::T(x) => a.add(x.clone()),
                Val::OptI(x) => a.add(*x),
                Val::OptF(x) => a.add(*x),
                Val::OptT(x) => a.add(x.clone()),
            };
        }
        a
    }
    pub fn query(&self) -> sqlx::query::Query<'_, Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.text.clone()), self.arguments())
    }
    pub fn query_as<T>(&self) -> sqlx::query::QueryAs<'_, Any, T, AnyArguments>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(sqlx::AssertSqlSafe(self.text.clone()), self.arguments())
    }
    pub fn query_scalar<T>(&self) -> sqlx::query::QueryScalar<'_, Any, T, AnyArguments>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_scalar_with(sqlx::AssertSqlSafe(self.text.clone()), self.arguments())
    }
}

/// Escapes `%`, `_` and `\` for a LIKE pattern (used with `ESCAPE '\'`).
pub fn like_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_")
}
