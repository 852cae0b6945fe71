//! Exchanges (交流轮岗), the hours ledger, feedback forms and quota compliance.

use super::{body, merge};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::{ExchangeFields, FeedbackFields, HoursFields};
use gongjin_domain::quota::{QuotaFigure, QuotaRules};
use gongjin_store::exchanges::{Exchange, ExchangeQuery, Feedback, HoursEntry, HoursTotal};
use gongjin_store::scope::Visible;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct ExchangePage {
    pub items: Vec<Exchange>,
    pub total: i64,
}

/// May the caller do `action` on an exchange at one of its two places?
pub(crate) fn may_exchange(
    c: &Caller,
    action: Action,
    res: Resource,
    places: &(Place, Place),
) -> bool {
    c.may(action, res, &places.0) || c.may(action, res, &places.1)
}

pub(crate) fn require_exchange(
    c: &Caller,
    action: Action,
    res: Resource,
    places: &(Place, Place),
) -> Result<(), AppError> {
    if may_exchange(c, action, res, places) {
        Ok(())
    } else {
        Err(AppError::forbidden().in_locale(c.locale))
    }
}

/// Validates an exchange for the caller: both schools and the teacher must exist, and the caller
/// must be allowed to record exchanges at the from or the to school.
pub(crate) async fn checked_exchange(
    st: &AppState,
    c: &Caller,
    f: &ExchangeFields,
) -> Result<gongjin_domain::inputs::NewExchange, AppError> {
    let teacher = st
        .store
        .get_teacher(f.teacher_id)
        .await
        .map_err(|_| AppError::field("teacher_id", "error.not_found", None))?;
    let x = f.validate(teacher.school_id)?;
    let mut from = st
        .store
        .place_of_school(x.from_school_id)
        .await
        .map_err(|_| AppError::field("from_school_id", "error.not_found", None))?;
    let mut to = st
        .store
        .place_of_school(x.to_school_id)
        .await
        .map_err(|_| AppError::field("to_school_id", "error.not_found", None))?;
    from.teacher_id = Some(x.teacher_id);
    to.teacher_id = Some(x.teacher_id);
    require_exchange(c, Action::Write, Resource::Exchange, &(from, to))?;
    // The teacher must be one the caller may see: nobody records strangers from elsewhere.
    c.require(
        Action::Read,
        Resource::Teacher,
        &st.store.place_of_teacher(x.teacher_id).await?,
    )?;
    Ok(x)
}

#[utoipa::path(get, path = "/api/v1/exchanges", tag = "exchanges", params(ExchangeQuery), responses((status = 200, body = ExchangePage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ExchangeQuery>,
) -> Result<Json<ExchangePage>, AppError> {
    let p = st.store.list_exchanges(&c.visible(), &q).await?;
    Ok(Json(ExchangePage {
        items: p.items,
        total: p.total,
    }))
}

/// Records an exchange. `from_school_id` defaults to the teacher's school.
#[utoipa::path(post, path = "/api/v1/exchanges", tag = "exchanges", request_body = ExchangeFields,
    responses((status = 201, body = Exchange), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<ExchangeFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Exchange>), AppError> {
    let f = body(b)?;
    let x = checked_exchange(&st, &c, &f).await?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_exchange(&c.actor(), &x).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct ExchangeDetail {
    #[serde(flatten)]
    pub exchange: Exchange,
    pub hours_ledger: Vec<HoursEntry>,
    pub feedback: Vec<Feedback>,
}

#[utoipa::path(get, path = "/api/v1/exchanges/{id}", tag = "exchanges", params(("id" = i64, Path)), responses((status = 200, body = ExchangeDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ExchangeDetail>, AppError> {
    require_exchange(
        &c,
        Action::Read,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await?,
    )?;
    Ok(Json(ExchangeDetail {
        exchange: st.store.get_exchange(id).await?,
        hours_ledger: st.store.list_hours(id).await?,
        feedback: st.store.list_feedback(id).await?,
    }))
}

fn fields_of(e: &Exchange) -> ExchangeFields {
    ExchangeFields {
        teacher_id: e.teacher_id,
        from_school_id: Some(e.from_school_id),
        to_school_id: e.to_school_id,
        kind: e.kind.clone(),
        subject: Some(e.subject.clone()),
        start_on: e.start_on.clone(),
        end_on: e.end_on.clone(),
        weekly_pattern: Some(e.weekly_pattern.clone()),
        status: Some(e.status.clone()),
        note: Some(e.note.clone()),
    }
}

/// Changes an exchange (e.g. its status): send only the fields to change.
#[utoipa::path(patch, path = "/api/v1/exchanges/{id}", tag = "exchanges", params(("id" = i64, Path)), request_body = ExchangeFields,
    responses((status = 200, body = Exchange), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Exchange>, AppError> {
    require_exchange(
        &c,
        Action::Write,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await?,
    )?;
    let before = st.store.get_exchange(id).await?;
    let f: ExchangeFields = merge(&fields_of(&before), body(b)?)?;
    let x = checked_exchange(&st, &c, &f).await?;
    Ok(Json(st.store.update_exchange(&c.actor(), id, &x).await?))
}

#[utoipa::path(delete, path = "/api/v1/exchanges/{id}", tag = "exchanges", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_exchange(
        &c,
        Action::Write,
        Resource::Exchange,
        &st.store.places_of_exchange(id).await?,
    )?;
    st.store.delete_exchange(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Files one side's feedback form (支教/挂职教师信息反馈表): the host school (`host`) or the teacher.
#[utoipa::path(put, path = "/api/v1/exchanges/{id}/feedback", tag = "exchanges", params(("id" = i64, Path)), request_body = FeedbackFields,
    responses((status = 200, body = Vec<Feedback>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_feedback(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<FeedbackFields>, JsonRejection>,
) -> Result<Json<Vec<Feedback>>, AppError> {
    let places = st.store.places_of_exchange(id).await?;
    let f = body(b)?.validate()?;
    // The host school's side at the to-school; the teacher's side by the teacher (or whoever records for them).
    let ok = match f.author_role {
        gongjin_domain::FeedbackRole::Host => c.may(Action::Write, Resource::Exchange, &places.1),
        gongjin_domain::FeedbackRole::Teacher => {
            may_exchange(&c, Action::Write, Resource::ExchangeHours, &places)
        }
    };
    if !ok {
        return Err(AppError::forbidden());
    }
    Ok(Json(st.store.put_feedback(&c.actor(), id, &f).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct HoursQuery {
    pub exchange_id: Option<i64>,
    /// Totals for a school year (2024 = 2024–2025) instead of one exchange's entries.
    pub year: Option<i32>,
}

#[derive(Serialize, ToSchema)]
pub struct HoursReport {
    /// One exchange's entries (with `exchange_id`).
    pub items: Vec<HoursEntry>,
    pub total: i64,
    /// Totals per teacher, school and community (with `year`).
    pub totals: Vec<HoursTotal>,
    pub sum: f64,
}

/// The hours ledger: one exchange's entries, or a school year's totals within the caller's scope.
#[utoipa::path(get, path = "/api/v1/exchange-hours", tag = "exchanges", params(HoursQuery), responses((status = 200, body = HoursReport), (status = 403, body = ErrorBody)))]
pub async fn hours(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<HoursQuery>,
) -> Result<Json<HoursReport>, AppError> {
    if let Some(id) = q.exchange_id {
        require_exchange(
            &c,
            Action::Read,
            Resource::Exchange,
            &st.store.places_of_exchange(id).await?,
        )?;
        let items = st.store.list_hours(id).await?;
        let sum = items.iter().map(|h| h.hours).sum();
        return Ok(Json(HoursReport {
            total: items.len() as i64,
            items,
            totals: vec![],
            sum,
        }));
    }
    let year = q
        .year
        .unwrap_or_else(|| gongjin_domain::school_year_of(gongjin_store::today()));
    let totals = st.store.hours_totals(&c.visible(), year).await?;
    let sum = totals.iter().map(|t| t.hours).sum();
    Ok(Json(HoursReport {
        items: vec![],
        total: totals.len() as i64,
        totals,
        sum,
    }))
}

/// Logs hours worked on an exchange (by the teacher or a coordinator).
#[utoipa::path(post, path = "/api/v1/exchange-hours", tag = "exchanges", request_body = HoursFields,
    responses((status = 201, body = HoursEntry), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_hours(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<HoursFields>, JsonRejection>,
) -> Result<(StatusCode, Json<HoursEntry>), AppError> {
    let f = body(b)?;
    let places = st
        .store
        .places_of_exchange(f.exchange_id)
        .await
        .map_err(|_| AppError::field("exchange_id", "error.not_found", None))?;
    require_exchange(&c, Action::Write, Resource::ExchangeHours, &places)?;
    let h = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_hours(&c.actor(), &h).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/exchange-hours/{id}", tag = "exchanges", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_hours(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let h = st.store.get_hours(id).await?;
    require_exchange(
        &c,
        Action::Write,
        Resource::ExchangeHours,
        &st.store.places_of_exchange(h.exchange_id).await?,
    )?;
    st.store.delete_hours(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QuotaQuery {
    pub community_id: Option<i64>,
    pub region_id: Option<i64>,
    /// School year by its first calendar year; the current one by default.
    pub year: Option<i32>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct QuotaReport {
    pub year: i32,
    pub scope: String,
    pub rules: QuotaRules,
    pub figures: Vec<QuotaFigure>,
}

pub(crate) async fn quota_report(
    st: &AppState,
    c: &Caller,
    q: &QuotaQuery,
) -> Result<QuotaReport, AppError> {
    let year = q
        .year
        .unwrap_or_else(|| gongjin_domain::school_year_of(gongjin_store::today()));
    let (scope, name, region_id) = match (q.community_id, q.region_id) {
        (Some(cid), _) => {
            c.require(
                Action::Read,
                Resource::Community,
                &st.store.place_of_community(cid).await?,
            )?;
            let com = st.store.get_community(cid).await?;
            (Visible::Community(cid), com.name, com.region_id)
        }
        (None, Some(rid)) => {
            c.require(
                Action::Read,
                Resource::RegionSettings,
                &st.store.place_of_region(rid).await?,
            )?;
            let r = st.store.get_region(rid).await?;
            (Visible::RegionPrefix(r.path), r.name, rid)
        }
        (None, None) => return Err(AppError::field("community_id", "error.required", None)),
    };
    // The same report for everyone allowed to read it, until the next write.
    let key = format!("quota_report:{scope:?}:{year}");
    let report = st
        .store
        .cached(&key, async {
            let rules = st.store.quota_rules(region_id).await?;
            let (schools, teachers, exchanges) = st.store.quota_inputs(&scope, year).await?;
            let figures =
                gongjin_domain::quota::compliance(&schools, &teachers, &exchanges, &rules, &name);
            Ok::<_, AppError>(QuotaReport {
                year,
                scope: name.clone(),
                rules,
                figures,
            })
        })
        .await?;
    Ok((*report).clone())
}

/// Quota compliance of a community or region for a school year: each rule with numerator,
/// denominator, ratio, target, pass flag and the records behind it.
#[utoipa::path(get, path = "/api/v1/quotas", tag = "exchanges", params(QuotaQuery), responses((status = 200, body = QuotaReport), (status = 403, body = ErrorBody)))]
pub async fn quotas(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<QuotaQuery>,
) -> Result<Json<QuotaReport>, AppError> {
    Ok(Json(quota_report(&st, &c, &q).await?))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}/quota-rules", tag = "exchanges", params(("id" = i64, Path)), responses((status = 200, body = QuotaRules)))]
pub async fn get_rules(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<QuotaRules>, AppError> {
    c.require(
        Action::Read,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.quota_rules(id).await?))
}

/// Sets a region's quota rules (inherited below it).
#[utoipa::path(put, path = "/api/v1/regions/{id}/quota-rules", tag = "exchanges", params(("id" = i64, Path)), request_body = QuotaRules,
    responses((status = 200, body = QuotaRules), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rules(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<QuotaRules>, JsonRejection>,
) -> Result<Json<QuotaRules>, AppError> {
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    let r = body(b)?;
    let shares = [r.shadowing_share, r.exchanged_share, r.backbone_share];
    if shares.iter().any(|s| !(0.0..=1.0).contains(s))
        || r.long_term_per_community < 0
        || !(0..=40).contains(&r.eligible_years)
    {
        return Err(AppError::field("rules", "error.range", Some("0–1".into())));
    }
    st.store.set_quota_rules(&c.actor(), id, &r).await?;
    Ok(Json(st.store.quota_rules(id).await?))
}

/// The exchange list as Excel.
#[utoipa::path(get, path = "/api/v1/exchanges/export", tag = "exchanges", params(ExchangeQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<ExchangeQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(5000);
    let items = st.store.list_exchanges(&c.visible(), &q).await?.items;
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "教师编号",
        "姓名",
        "形式",
        "派出学校",
        "接收学校",
        "方向",
        "学科",
        "开始日期",
        "结束日期",
        "每周安排",
        "状态",
        "累计课时",
    ];
    use gongjin_sheet::Cell;
    let rows: Vec<Vec<Cell>> = items
        .iter()
        .map(|e| {
            vec![
                Cell::Text(e.staff_number.clone()),
                Cell::Text(e.teacher_name.clone()),
                Cell::Text(tr.label("exchange_kind", &e.kind)),
                Cell::Text(e.from_school_name.clone()),
                Cell::Text(e.to_school_name.clone()),
                Cell::Text(tr.label("direction", &e.direction)),
                Cell::Text(e.subject.clone()),
                Cell::Text(e.start_on.clone()),
                Cell::Text(e.end_on.clone()),
                Cell::Text(e.weekly_pattern.clone()),
                Cell::Text(tr.label("exchange_status", &e.status)),
                Cell::Float(e.hours),
            ]
        })
        .collect();
    let bytes = gongjin_sheet::write_xlsx("交流轮岗", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("交流轮岗_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}
