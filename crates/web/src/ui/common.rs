//! What every page shares: the translator, the layout shell, the signed-in extractor that sends
//! strangers to the login page, option lists, pagination and form helpers.

use crate::AppState;
use crate::auth::{Caller, locale_of};
use crate::error::AppError;
use askama::Template;
use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::{Html, IntoResponse, Redirect, Response};
use gongjin_domain::Role;
use gongjin_domain::i18n::{self, Locale};
use std::collections::HashMap;

/// The translator templates call: `tr.t("nav.schools")`.
#[derive(Debug, Clone, Copy)]
pub struct Tr(pub Locale);

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        i18n::t(self.0, key)
    }
    pub fn tf(&self, key: &str, arg: &dyn std::fmt::Display) -> String {
        i18n::tf(self.0, key, &arg.to_string())
    }
    /// A vocabulary label: `tr.label("stage", "primary")` → 小学.
    pub fn label(&self, prefix: &str, key: &str) -> String {
        let k = format!("{prefix}.{key}");
        if i18n::has(self.0, &k) {
            i18n::t(self.0, &k).to_owned()
        } else {
            key.to_owned()
        }
    }
    pub fn lang(&self) -> &'static str {
        self.0.tag()
    }
    pub fn is_en(&self) -> bool {
        self.0 == Locale::En
    }
    /// A stored UTC timestamp as the bureau's local time (UTC+8): `2026-11-23 21:57`.
    pub fn time(&self, stored: &str) -> String {
        match chrono::DateTime::parse_from_rfc3339(stored) {
            Ok(t) => (t.with_timezone(&chrono::Utc) + chrono::Duration::hours(8))
                .format("%Y-%m-%d %H:%M")
                .to_string(),
            Err(_) => stored.to_owned(),
        }
    }
}

/// The layout's data: who is signed in, the current section, the CSRF token, a notice.
pub struct Shell {
    pub tr: Tr,
    pub user: String,
    pub role_label: String,
    pub scope_label: String,
    pub csrf: String,
    pub nav: &'static str,
    pub notice: Option<String>,
    pub manages_users: bool,
    pub reads_audit: bool,
    pub imports: bool,
    /// Bureau administrators and inspectors read the balance figures.
    pub balance: bool,
}

impl Shell {
    pub fn new(c: &Caller, nav: &'static str) -> Shell {
        let tr = Tr(c.locale);
        let region_scoped = matches!(c.principal.role, Role::BureauAdmin | Role::Inspector);
        Shell {
            tr,
            user: c.display_name.clone(),
            role_label: tr.label("role", c.principal.role.key()),
            scope_label: String::new(),
            csrf: c.csrf.clone().unwrap_or_default(),
            nav,
            notice: None,
            manages_users: c.principal.role == Role::BureauAdmin,
            reads_audit: region_scoped,
            imports: c.principal.role == Role::BureauAdmin,
            balance: region_scoped,
        }
    }
    pub fn with_notice(mut self, n: Option<&str>) -> Shell {
        self.notice = n
            .filter(|k| k.starts_with("notice."))
            .map(|k| self.tr.t(k).to_owned());
        self
    }
}

/// A signed-in caller for pages: strangers are sent to the login page.
pub struct Ui(pub Caller);

impl FromRequestParts<AppState> for Ui {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Ui, Response> {
        match crate::auth::resolve(state, &parts.headers).await {
            Ok(Some(c)) => Ok(Ui(c)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                let q = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
                Err(Redirect::to(&format!("/login?{q}")).into_response())
            }
            Err(e) => Err(error_page(&e, locale_of(&parts.headers))),
        }
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    tr: Tr,
    status: u16,
    message: String,
}

/// An error as a page.
pub fn error_page(e: &AppError, locale: Locale) -> Response {
    let e2 = AppError {
        locale,
        message_override: e.message_override.clone(),
        key: e.key.clone(),
        arg: e.arg.clone(),
        fields: e.fields.clone(),
        ..AppError::new(e.status, e.code, &e.key)
    };
    let mut message = e2.message();
    for f in e2.field_messages() {
        message.push('；');
        message.push_str(&f.message);
    }
    let page = ErrorPage {
        tr: Tr(locale),
        status: e.status.as_u16(),
        message,
    };
    (e.status, Html(page.render().unwrap_or_default())).into_response()
}

/// Page handlers return this: a page or an error page.
pub type PageResult = Result<Response, Response>;

pub trait OrPage<T> {
    fn or_page(self, c: &Caller) -> Result<T, Response>;
}

impl<T, E: Into<AppError>> OrPage<T> for Result<T, E> {
    fn or_page(self, c: &Caller) -> Result<T, Response> {
        self.map_err(|e| error_page(&e.into(), c.locale))
    }
}

pub fn render<T: Template>(t: &T) -> PageResult {
    match t.render() {
        Ok(html) => Ok(Html(html).into_response()),
        Err(e) => {
            tracing::error!("template: {e}");
            Err((StatusCode::INTERNAL_SERVER_ERROR, "template error").into_response())
        }
    }
}

/// Redirect after a successful POST, with a notice key shown on the next page.
pub fn see_other(path: &str, notice: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    Redirect::to(&format!("{path}{sep}notice={notice}")).into_response()
}

/// An option of a select.
pub struct Opt {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

pub fn opts(values: impl IntoIterator<Item = (String, String)>, current: &str) -> Vec<Opt> {
    values
        .into_iter()
        .map(|(value, label)| Opt {
            selected: value == current,
            value,
            label,
        })
        .collect()
}

/// Options for a vocabulary, labelled from the catalogue.
pub fn vocab_opts(tr: Tr, prefix: &str, keys: &[&str], current: &str) -> Vec<Opt> {
    opts(
        keys.iter().map(|k| ((*k).to_owned(), tr.label(prefix, k))),
        current,
    )
}

/// Pagination links.
pub struct Pager {
    pub page: i64,
    pub pages: i64,
    pub total: i64,
    /// The total as shown: "10,000+" past the counting cap of large lists.
    pub total_label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `query` is the current filter query without `page`.
    pub fn new(
        base: &str,
        query: &[(&str, String)],
        page: i64,
        per_page: i64,
        total: i64,
    ) -> Pager {
        let pages = ((total + per_page - 1) / per_page).max(1);
        let link = |p: i64| {
            let mut q: Vec<(&str, String)> = query
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .cloned()
                .collect();
            q.push(("page", p.to_string()));
            format!(
                "{base}?{}",
                serde_urlencoded::to_string(&q).unwrap_or_default()
            )
        };
        Pager {
            page,
            pages,
            total,
            total_label: if total > gongjin_store::teachers::TOTAL_CAP {
                "10,000+".to_owned()
            } else {
                total.to_string()
            },
            prev: (page > 1).then(|| link(page - 1)),
            next: (page < pages).then(|| link(page + 1)),
        }
    }
}

/// Field errors of a form, by field, rendered in the caller's language.
#[derive(Default)]
pub struct FormErrors {
    pub by_field: HashMap<String, String>,
    pub general: Option<String>,
}

impl FormErrors {
    pub fn from_error(e: &AppError, locale: Locale) -> FormErrors {
        let e = AppError {
            locale,
            message_override: e.message_override.clone(),
            key: e.key.clone(),
            arg: e.arg.clone(),
            fields: e.fields.clone(),
            ..AppError::new(e.status, e.code, &e.key)
        };
        let mut by_field = HashMap::new();
        for (f, m) in e.fields.iter().zip(e.field_messages()) {
            by_field.entry(f.field.clone()).or_insert(m.message);
        }
        FormErrors {
            by_field,
            general: Some(e.message()),
        }
    }
    pub fn get(&self, field: &str) -> Option<&String> {
        self.by_field.get(field)
    }
    pub fn any(&self) -> bool {
        self.general.is_some()
    }
}

/// A form field as text: empty → None.
pub fn opt_text(m: &HashMap<String, String>, k: &str) -> Option<String> {
    m.get(k)
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A form field as a number; text that is not a number is kept for the validator to name.
pub fn opt_i64(
    m: &HashMap<String, String>,
    k: &str,
) -> Result<Option<i64>, gongjin_domain::FieldError> {
    match opt_text(m, k) {
        None => Ok(None),
        Some(s) => gongjin_domain::clean_ascii(&s)
            .parse()
            .map(Some)
            .map_err(|_| gongjin_domain::FieldError::with(k, "error.integer", s)),
    }
}

pub fn opt_f64(
    m: &HashMap<String, String>,
    k: &str,
) -> Result<Option<f64>, gongjin_domain::FieldError> {
    match opt_text(m, k) {
        None => Ok(None),
        Some(s) => gongjin_domain::clean_ascii(&s)
            .parse()
            .map(Some)
            .map_err(|_| gongjin_domain::FieldError::with(k, "error.number", s)),
    }
}

/// Checks the form's CSRF token.
pub fn csrf_ok(c: &Caller, form: &HashMap<String, String>) -> Result<(), Response> {
    c.check_csrf(form.get("_csrf").map(String::as_str).unwrap_or(""))
        .map_err(|e| error_page(&e, c.locale))
}

/// The regions a caller's forms and filters offer: their own region and those below it,
/// indented by depth.
pub async fn region_opts(
    st: &crate::AppState,
    c: &crate::auth::Caller,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    let regions = st.store.list_regions(&c.visible(), None).await?;
    let depth = |r: &gongjin_store::records::Region| r.path.matches('/').count().saturating_sub(2);
    Ok(opts(
        regions
            .iter()
            .filter(|r| r.path.starts_with(&c.principal.region_path))
            .map(|r| {
                (
                    r.id.to_string(),
                    format!("{}{}", "　".repeat(depth(r)), r.name),
                )
            }),
        current,
    ))
}
