//! Exchange pages (交流轮岗): list, record, detail with the hours ledger and feedback forms, and
//! the quota compliance page.

use super::common::*;
use crate::AppState;
use crate::api::exchanges::{
    QuotaQuery, checked_exchange, may_exchange, quota_report, require_exchange,
};
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{ExchangeFields, FeedbackFields, HoursFields};
use gongjin_domain::{ExchangeKind, ExchangeStatus, Rating};
use gongjin_store::exchanges::{Exchange, ExchangeQuery, Feedback, HoursEntry};
use gongjin_store::records::ListQuery;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/exchanges", get(list))
        .route("/exchanges/new", get(new_form).post(create))
        .route("/exchanges/{id}", get(detail))
        .route("/exchanges/{id}/edit", get(edit_form).post(update))
        .route("/exchanges/{id}/delete", post(delete))
        .route("/exchanges/{id}/hours", post(add_hours))
        .route("/exchanges/{id}/hours/{hid}/delete", post(delete_hours))
        .route("/exchanges/{id}/feedback", post(feedback))
        .route("/quotas", get(quotas))
}

fn keys<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<&'static str> {
    all.iter().map(|v| key(*v)).collect()
}

pub struct Row {
    pub e: Exchange,
    pub kind: String,
    pub direction: String,
    pub status: String,
    pub status_class: &'static str,
}

fn row(tr: Tr, e: Exchange) -> Row {
    Row {
        kind: tr.label("exchange_kind", &e.kind),
        direction: tr.label("direction", &e.direction),
        status: tr.label("exchange_status", &e.status),
        status_class: match e.status.as_str() {
            "active" => "green",
            "planned" => "orange",
            "cancelled" => "red",
            _ => "gray",
        },
        e,
    }
}

#[derive(Template)]
#[template(path = "exchanges_list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<Row>,
    pager: Pager,
    q: String,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    year: String,
    quota_link: String,
    export_link: String,
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<ExchangeQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let tr = Tr(c.locale);
    let page = st
        .store
        .list_exchanges(&c.visible(), &q)
        .await
        .or_page(&c)?;
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("kind", q.kind.clone().unwrap_or_default()),
        ("status", q.status.clone().unwrap_or_default()),
        ("year", q.year.map(|y| y.to_string()).unwrap_or_default()),
        (
            "school_id",
            q.school_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
        (
            "community_id",
            q.community_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
    ];
    let quota_link = match (c.principal.community_id, c.principal.region_prefix()) {
        (_, Some(_)) if c.principal.scope_id > 0 => {
            format!("/quotas?region_id={}", c.principal.scope_id)
        }
        (Some(cid), _) => format!("/quotas?community_id={cid}"),
        _ => String::new(),
    };
    let export_link = format!(
        "/api/v1/exchanges/export?{}",
        serde_urlencoded::to_string(
            filters
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    render(&ListPage {
        shell: Shell::new(&c, "exchanges").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new(
            "/exchanges",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 5000),
            page.total,
        ),
        rows: page.items.into_iter().map(|e| row(tr, e)).collect(),
        q: q.q.clone().unwrap_or_default(),
        kinds: vocab_opts(
            tr,
            "exchange_kind",
            &keys(ExchangeKind::ALL, ExchangeKind::key),
            q.kind.as_deref().unwrap_or(""),
        ),
        statuses: vocab_opts(
            tr,
            "exchange_status",
            &keys(ExchangeStatus::ALL, ExchangeStatus::key),
            q.status.as_deref().unwrap_or(""),
        ),
        year: q.year.map(|y| y.to_string()).unwrap_or_default(),
        quota_link,
        export_link,
    })
}

#[derive(Template)]
#[template(path = "exchange_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: HashMap<String, String>,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    schools: Vec<Opt>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

/// Schools an exchange may go to: those the caller sees, and the caller's community's schools.
async fn school_opts(st: &AppState, c: &Caller, current: &str) -> Result<Vec<Opt>, AppError> {
    let mut all: Vec<(String, String)> = st
        .store
        .school_index(&c.visible())
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();
    if let Some(cid) = c.principal.community_id {
        for m in st.store.community_detail(cid).await?.members {
            let id = m.school_id.to_string();
            if !all.iter().any(|(v, _)| *v == id) {
                all.push((id, m.school_name));
            }
        }
    }
    Ok(opts(all, current))
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    id: Option<i64>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    render(&FormPage {
        shell: Shell::new(c, "exchanges"),
        kinds: vocab_opts(
            tr,
            "exchange_kind",
            &keys(ExchangeKind::ALL, ExchangeKind::key),
            &g("kind"),
        ),
        statuses: vocab_opts(
            tr,
            "exchange_status",
            &keys(ExchangeStatus::ALL, ExchangeStatus::key),
            &g("status"),
        ),
        schools: school_opts(st, c, &g("to_school_id")).await.or_page(c)?,
        id,
        f,
        errors,
    })
}

pub async fn new_form(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let mut f = HashMap::new();
    f.insert("status".into(), "planned".into());
    f.insert("kind".into(), "long_term".into());
    if let Some(s) = q.get("staff_number") {
        f.insert("staff_number".into(), s.clone());
    }
    form_page(&st, &c, None, f, FormErrors::default()).await
}

/// Reads the form: the teacher by staff number among the teachers the caller sees.
async fn fields_from(
    st: &AppState,
    c: &Caller,
    f: &HashMap<String, String>,
) -> Result<ExchangeFields, AppError> {
    let staff = opt_text(f, "staff_number").unwrap_or_default();
    let found = st
        .store
        .list_teachers(
            &c.visible(),
            &ListQuery {
                q: Some(staff.clone()),
                per_page: Some(50),
                ..Default::default()
            },
            &Default::default(),
        )
        .await?
        .items
        .into_iter()
        .find(|t| t.staff_number == gongjin_domain::clean_ascii(&staff));
    let Some(teacher) = found else {
        return Err(AppError::field(
            "staff_number",
            if staff.is_empty() {
                "error.required"
            } else {
                "error.not_found"
            },
            None,
        ));
    };
    Ok(ExchangeFields {
        teacher_id: teacher.id,
        from_school_id: None,
        to_school_id: opt_text(f, "to_school_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        kind: f.get("kind").cloned().unwrap_or_default(),
        subject: opt_text(f, "subject"),
        start_on: f.get("start_on").cloned().unwrap_or_default(),
        end_on: f.get("end_on").cloned().unwrap_or_default(),
        weekly_pattern: opt_text(f, "weekly_pattern"),
        status: opt_text(f, "status"),
        note: opt_text(f, "note"),
    })
}

fn keep_form(e: AppError, c: &Caller) -> Result<FormErrors, axum::response::Response> {
    if e.status.is_client_error() && e.status != axum::http::StatusCode::FORBIDDEN {
        Ok(FormErrors::from_error(&e, c.locale))
    } else {
        Err(error_page(&e, c.locale))
    }
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let fields = fields_from(&st, &c, &f).await?;
        let x = checked_exchange(&st, &c, &fields).await?;
        Ok::<_, AppError>(st.store.create_exchange(&c.actor(), &x).await?)
    }
    .await;
    match result {
        Ok(x) => Ok(see_other(&format!("/exchanges/{}", x.id), "notice.created")),
        Err(e) => {
            let errors = keep_form(e, &c)?;
            form_page(&st, &c, None, f, errors).await
        }
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    require_exchange(
        &c,
        Action::Write,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let e = st.store.get_exchange(id).await.or_page(&c)?;
    let f: HashMap<String, String> = [
        ("staff_number", e.staff_number),
        ("to_school_id", e.to_school_id.to_string()),
        ("kind", e.kind),
        ("subject", e.subject),
        ("start_on", e.start_on),
        ("end_on", e.end_on),
        ("weekly_pattern", e.weekly_pattern),
        ("status", e.status),
        ("note", e.note),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect();
    form_page(&st, &c, Some(id), f, FormErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_exchange(
        &c,
        Action::Write,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let mut fields = fields_from(&st, &c, &f).await?;
        fields.from_school_id = Some(st.store.get_exchange(id).await?.from_school_id);
        let x = checked_exchange(&st, &c, &fields).await?;
        Ok::<_, AppError>(st.store.update_exchange(&c.actor(), id, &x).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/exchanges/{id}"), "notice.saved")),
        Err(e) => {
            let errors = keep_form(e, &c)?;
            form_page(&st, &c, Some(id), f, errors).await
        }
    }
}

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_exchange(
        &c,
        Action::Write,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store.delete_exchange(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/exchanges", "notice.deleted"))
}

pub struct FeedbackView {
    pub role: &'static str,
    pub role_label: String,
    pub filed: Option<Feedback>,
    pub rating_label: String,
    pub can_edit: bool,
    pub ratings: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "exchange_detail.html")]
struct DetailPage {
    shell: Shell,
    r: Row,
    hours: Vec<HoursEntry>,
    feedback: Vec<FeedbackView>,
    can_edit: bool,
    can_log: bool,
    errors: FormErrors,
    today: String,
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let places = st.store.places_of_exchange(id).await.or_page(c)?;
    require_exchange(c, Action::Read, Resource::Exchange, &places).or_page(c)?;
    let tr = Tr(c.locale);
    let e = st.store.get_exchange(id).await.or_page(c)?;
    let filed = st.store.list_feedback(id).await.or_page(c)?;
    let rating_keys = keys(Rating::ALL, Rating::key);
    let feedback = [
        ("host", c.may(Action::Write, Resource::Exchange, &places.1)),
        (
            "teacher",
            may_exchange(c, Action::Write, Resource::ExchangeHours, &places),
        ),
    ]
    .into_iter()
    .map(|(role, can_edit)| {
        let f = filed.iter().find(|f| f.author_role == role).cloned();
        FeedbackView {
            role,
            role_label: tr.label("feedback_role", role),
            rating_label: f
                .as_ref()
                .map(|f| tr.label("rating", &f.rating))
                .unwrap_or_default(),
            ratings: vocab_opts(
                tr,
                "rating",
                &rating_keys,
                f.as_ref().map(|f| f.rating.as_str()).unwrap_or("good"),
            ),
            filed: f,
            can_edit,
        }
    })
    .collect();
    render(&DetailPage {
        shell: Shell::new(c, "exchanges").with_notice(notice),
        can_edit: may_exchange(c, Action::Write, Resource::Exchange, &places),
        can_log: may_exchange(c, Action::Write, Resource::ExchangeHours, &places),
        hours: st.store.list_hours(id).await.or_page(c)?,
        r: row(tr, e),
        feedback,
        errors,
        today: gongjin_store::today().to_string(),
    })
}

pub async fn detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    detail_page(
        &st,
        &c,
        id,
        raw.get("notice").map(String::as_str),
        FormErrors::default(),
    )
    .await
}

pub async fn add_hours(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_exchange(
        &c,
        Action::Write,
        Resource::ExchangeHours,
        &st.store.places_of_exchange(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let hours = opt_f64(&f, "hours")
            .map_err(|e| AppError::validation(e.into()))?
            .unwrap_or(0.0);
        let h = HoursFields {
            exchange_id: id,
            on_date: f.get("on_date").cloned().unwrap_or_default(),
            hours,
            note: opt_text(&f, "note"),
        }
        .validate()?;
        Ok::<_, AppError>(st.store.add_hours(&c.actor(), &h).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/exchanges/{id}"), "notice.saved")),
        Err(e) => {
            let errors = keep_form(e, &c)?;
            detail_page(&st, &c, id, None, errors).await
        }
    }
}

pub async fn delete_hours(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, hid)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let h = st.store.get_hours(hid).await.or_page(&c)?;
    if h.exchange_id != id {
        return Err(error_page(&AppError::not_found(), c.locale));
    }
    require_exchange(
        &c,
        Action::Write,
        Resource::ExchangeHours,
        &st.store.places_of_exchange(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store.delete_hours(&c.actor(), hid).await.or_page(&c)?;
    Ok(see_other(&format!("/exchanges/{id}"), "notice.deleted"))
}

pub async fn feedback(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let places = st.store.places_of_exchange(id).await.or_page(&c)?;
    let fields = FeedbackFields {
        author_role: f.get("author_role").cloned().unwrap_or_default(),
        rating: f.get("rating").cloned().unwrap_or_default(),
        attendance: opt_text(&f, "attendance"),
        work_summary: opt_text(&f, "work_summary"),
        comments: opt_text(&f, "comments"),
    };
    let allowed = match gongjin_domain::FeedbackRole::parse(&fields.author_role) {
        Some(gongjin_domain::FeedbackRole::Host) => {
            c.may(Action::Write, Resource::Exchange, &places.1)
        }
        Some(gongjin_domain::FeedbackRole::Teacher) => {
            may_exchange(&c, Action::Write, Resource::ExchangeHours, &places)
        }
        None => true,
    };
    if !allowed {
        return Err(error_page(&AppError::forbidden(), c.locale));
    }
    match fields.validate() {
        Ok(n) => {
            st.store
                .put_feedback(&c.actor(), id, &n)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/exchanges/{id}"), "notice.saved"))
        }
        Err(v) => {
            detail_page(
                &st,
                &c,
                id,
                None,
                FormErrors::from_error(&AppError::validation(v), c.locale),
            )
            .await
        }
    }
}

pub struct FigureRow {
    /// The rule key (`long_term`, …), for the row's `data-rule`.
    pub rule: String,
    pub label: String,
    pub subject: String,
    pub figure: String,
    pub target: String,
    pub pass: bool,
    pub records: Vec<(String, String)>,
}

#[derive(Template)]
#[template(path = "quotas.html")]
struct QuotaPage {
    shell: Shell,
    scope: String,
    year: i32,
    rows: Vec<FigureRow>,
    query: String,
}

pub async fn quotas(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(mut q): Query<QuotaQuery>,
) -> PageResult {
    if q.community_id.is_none() && q.region_id.is_none() {
        // Default: the caller's own region or community.
        if c.principal.region_prefix().is_some() && c.principal.scope_id > 0 {
            q.region_id = Some(c.principal.scope_id);
        } else {
            q.community_id = c.principal.community_id;
        }
    }
    let report = quota_report(&st, &c, &q).await.or_page(&c)?;
    let tr = Tr(c.locale);
    let mut ids: Vec<i64> = report
        .figures
        .iter()
        .filter(|f| f.rule != "long_term")
        .flat_map(|f| f.records.iter().copied())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let names = st.store.teacher_labels(&ids).await.or_page(&c)?;
    let mut rows = vec![];
    for f in &report.figures {
        let pct = |x: f64| format!("{:.1}%", x * 100.0);
        let (figure, target) = if f.rule == "long_term" {
            (format!("{}", f.numerator), format!("≥{}", f.target))
        } else {
            (
                format!("{} / {} = {}", f.numerator, f.denominator, pct(f.ratio)),
                format!("≥{}", pct(f.target)),
            )
        };
        let mut records = vec![];
        for id in &f.records {
            if f.rule == "long_term" {
                records.push((format!("/exchanges/{id}"), format!("#{id}")));
            } else {
                let name = names.get(id).cloned().unwrap_or_else(|| format!("#{id}"));
                records.push((format!("/teachers/{id}"), name));
            }
        }
        rows.push(FigureRow {
            rule: f.rule.clone(),
            label: tr.t(&format!("quota.{}", f.rule)).to_owned(),
            subject: f.subject.clone(),
            figure,
            target,
            pass: f.pass,
            records,
        });
    }
    let query = match (q.community_id, q.region_id) {
        (Some(cid), _) => format!("community_id={cid}"),
        (_, Some(rid)) => format!("region_id={rid}"),
        _ => String::new(),
    };
    render(&QuotaPage {
        shell: Shell::new(&c, "exchanges"),
        scope: report.scope,
        year: report.year,
        rows,
        query,
    })
}
