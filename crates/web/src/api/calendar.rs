//! Calendars of a community, school or teacher; iCal feeds with a revocable token; teachers'
//! weekly periods and common free time; the community lead's dashboard.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use gongjin_domain::Term;
use gongjin_domain::authz::{Action, Place, Principal, Resource};
use gongjin_domain::operations::{FreeWindow, IcalEvent, Slot, common_free_windows, render_ical};
use gongjin_store::calendar::{CalendarFeed, CalendarItem, CalendarSubject};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CalendarQuery {
    /// One of community_id, school_id, teacher_id (default: the caller's own).
    pub community_id: Option<i64>,
    pub school_id: Option<i64>,
    pub teacher_id: Option<i64>,
    /// `YYYY-MM-DD`; default the first of this month.
    pub from: Option<String>,
    /// `YYYY-MM-DD`; default six weeks after `from`.
    pub to: Option<String>,
}

/// The subject a query names, or the caller's own (teacher, school, community).
pub(crate) fn subject_of(q: &CalendarQuery, p: &Principal) -> Option<CalendarSubject> {
    q.community_id
        .map(CalendarSubject::Community)
        .or(q.school_id.map(CalendarSubject::School))
        .or(q.teacher_id.map(CalendarSubject::Teacher))
        .or(p.teacher_id.map(CalendarSubject::Teacher))
        .or(p.school_id.map(CalendarSubject::School))
        .or(p.community_id.map(CalendarSubject::Community))
}

pub(crate) async fn place_of_subject(
    st: &AppState,
    s: CalendarSubject,
) -> Result<(Resource, Place), AppError> {
    Ok(match s {
        CalendarSubject::Community(id) => {
            (Resource::Community, st.store.place_of_community(id).await?)
        }
        CalendarSubject::School(id) => (Resource::School, st.store.place_of_school(id).await?),
        CalendarSubject::Teacher(id) => (Resource::Teacher, st.store.place_of_teacher(id).await?),
    })
}

pub(crate) async fn require_subject(
    st: &AppState,
    p: &Principal,
    s: CalendarSubject,
) -> Result<Place, AppError> {
    let (res, place) = place_of_subject(st, s).await?;
    if p.may(Action::Read, res, &place) {
        Ok(place)
    } else {
        Err(AppError::forbidden())
    }
}

pub(crate) fn range(q: &CalendarQuery) -> Result<(chrono::NaiveDate, chrono::NaiveDate), AppError> {
    use chrono::Datelike;
    let today = gongjin_store::today();
    let from = match q.from.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            gongjin_domain::parse_date("from", s).map_err(|e| AppError::validation(e.into()))?
        }
        None => today.with_day(1).unwrap_or(today),
    };
    let to = match q.to.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => {
            gongjin_domain::parse_date("to", s).map_err(|e| AppError::validation(e.into()))?
        }
        None => from + chrono::Duration::days(41),
    };
    if to < from || (to - from).num_days() > 400 {
        return Err(AppError::field("to", "error.range", Some("≤ 400".into())));
    }
    Ok((from, to))
}

#[derive(Serialize, ToSchema)]
pub struct Calendar {
    pub name: String,
    pub subject: CalendarSubject,
    pub from: String,
    pub to: String,
    pub items: Vec<CalendarItem>,
}

/// Every dated item of a community, school or teacher between two dates.
#[utoipa::path(get, path = "/api/v1/calendar", tag = "calendar", params(CalendarQuery), responses((status = 200, body = Calendar), (status = 403, body = ErrorBody)))]
pub async fn calendar(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CalendarQuery>,
) -> Result<Json<Calendar>, AppError> {
    Ok(Json(load(&st, &c.principal, &q).await?))
}

pub(crate) async fn load(
    st: &AppState,
    p: &Principal,
    q: &CalendarQuery,
) -> Result<Calendar, AppError> {
    let subject =
        subject_of(q, p).ok_or_else(|| AppError::field("community_id", "error.required", None))?;
    require_subject(st, p, subject).await?;
    let (from, to) = range(q)?;
    Ok(Calendar {
        name: st.store.calendar_name(subject).await?,
        subject,
        from: from.to_string(),
        to: to.to_string(),
        items: st
            .store
            .calendar_items(subject, &from.to_string(), &to.to_string())
            .await?,
    })
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct FeedFields {
    /// `community`, `school` or `teacher`.
    pub kind: String,
    pub id: i64,
}

#[derive(Serialize, ToSchema)]
pub struct FeedCreated {
    pub feed: CalendarFeed,
    /// The subscription address (shown once; keep it private, revoke it when it leaks).
    pub url: String,
}

/// The caller's iCal feeds.
#[utoipa::path(get, path = "/api/v1/calendar-feeds", tag = "calendar", responses((status = 200, body = Vec<CalendarFeed>)))]
pub async fn list_feeds(
    State(st): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<CalendarFeed>>, AppError> {
    Ok(Json(
        st.store.list_calendar_feeds(c.principal.user_id).await?,
    ))
}

/// Makes an iCal feed of a calendar the caller may read.
#[utoipa::path(post, path = "/api/v1/calendar-feeds", tag = "calendar", request_body = FeedFields,
    responses((status = 201, body = FeedCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_feed(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<FeedFields>, JsonRejection>,
) -> Result<(StatusCode, Json<FeedCreated>), AppError> {
    let f = body(b)?;
    Ok((StatusCode::CREATED, Json(make_feed(&st, &c, &f).await?)))
}

pub(crate) async fn make_feed(
    st: &AppState,
    c: &Caller,
    f: &FeedFields,
) -> Result<FeedCreated, AppError> {
    let subject = CalendarSubject::parse(&f.kind, f.id)
        .ok_or_else(|| AppError::field("kind", "error.choice", Some(f.kind.clone())))?;
    let place = require_subject(st, &c.principal, subject).await?;
    let (feed, token) = st
        .store
        .create_calendar_feed(&c.actor(), c.principal.user_id, subject, &place.region_path)
        .await?;
    Ok(FeedCreated {
        feed,
        url: format!("/ical/{token}.ics"),
    })
}

/// Revokes one of the caller's feeds: its address stops working at once.
#[utoipa::path(delete, path = "/api/v1/calendar-feeds/{id}", tag = "calendar", params(("id" = i64, Path)), responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_feed(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    revoke(&st, &c, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn revoke(st: &AppState, c: &Caller, id: i64) -> Result<(), AppError> {
    let feed = st.store.get_calendar_feed(id).await?;
    if feed.user_id != c.principal.user_id {
        return Err(AppError::not_found());
    }
    st.store
        .revoke_calendar_feed(&c.actor(), id, &c.principal.region_path)
        .await?;
    Ok(())
}

/// The iCal feed behind a token: the items from 60 days ago to a year ahead. The token is the
/// credential; the feed still follows its owner's current scope.
pub async fn ical(State(st): State<AppState>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".ics").unwrap_or(&file);
    let result = async {
        let feed = st
            .store
            .calendar_feed_by_token(token)
            .await?
            .ok_or_else(AppError::not_found)?;
        let subject = CalendarSubject::parse(&feed.subject_kind, feed.subject_id)
            .ok_or_else(AppError::not_found)?;
        let owner = st
            .store
            .principal(feed.user_id)
            .await
            .map_err(|_| AppError::not_found())?;
        require_subject(&st, &owner, subject)
            .await
            .map_err(|_| AppError::not_found())?;
        let today = gongjin_store::today();
        let from = (today - chrono::Duration::days(60)).to_string();
        let to = (today + chrono::Duration::days(366)).to_string();
        let items = st.store.calendar_items(subject, &from, &to).await?;
        let name = st.store.calendar_name(subject).await?;
        let events: Vec<IcalEvent> = items
            .into_iter()
            .filter_map(|i| {
                Some(IcalEvent {
                    uid: format!("{}-{}-{}@gongjin", i.source, i.record_id, i.date),
                    date: chrono::NaiveDate::parse_from_str(&i.date, "%Y-%m-%d").ok()?,
                    start_time: i.start_time,
                    duration_minutes: i.duration_minutes,
                    summary: i.title,
                    description: i.url,
                    location: i.place,
                })
            })
            .collect();
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ").to_string();
        Ok::<_, AppError>(render_ical(&format!("共进·{name}"), &stamp, &events))
    }
    .await;
    match result {
        Ok(body) => (
            [
                (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
                (header::CACHE_CONTROL, "private, max-age=300"),
            ],
            body,
        )
            .into_response(),
        Err(e) => e.into_response(),
    }
}

/// A teacher's weekly teaching periods.
#[derive(Debug, Clone, Deserialize, Serialize, ToSchema)]
pub struct Periods {
    pub teacher_id: i64,
    pub slots: Vec<Slot>,
}

#[utoipa::path(get, path = "/api/v1/teachers/{id}/periods", tag = "calendar", params(("id" = i64, Path)), responses((status = 200, body = Periods), (status = 403, body = ErrorBody)))]
pub async fn get_periods(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Periods>, AppError> {
    c.require(
        Action::Read,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await?,
    )?;
    Ok(Json(Periods {
        teacher_id: id,
        slots: st.store.teacher_periods(id).await?,
    }))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct PeriodFields {
    /// Weekday 1–5 and period 1–8 of every lesson the teacher teaches each week.
    pub slots: Vec<Slot>,
}

/// Replaces a teacher's weekly periods (the teacher, their coordinator or lead).
#[utoipa::path(put, path = "/api/v1/teachers/{id}/periods", tag = "calendar", params(("id" = i64, Path)), request_body = PeriodFields,
    responses((status = 200, body = Periods), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_periods(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<PeriodFields>, JsonRejection>,
) -> Result<Json<Periods>, AppError> {
    c.require(
        Action::Write,
        Resource::TeacherEntry,
        &st.store.place_of_teacher(id).await?,
    )?;
    let f = body(b)?;
    let slots = check_slots(&f.slots)?;
    Ok(Json(Periods {
        teacher_id: id,
        slots: st.store.set_teacher_periods(&c.actor(), id, &slots).await?,
    }))
}

pub(crate) fn check_slots(slots: &[Slot]) -> Result<Vec<Slot>, AppError> {
    if let Some(bad) = slots.iter().find(|s| {
        !gongjin_domain::operations::WEEKDAYS.contains(&s.weekday)
            || !gongjin_domain::operations::PERIODS.contains(&s.period)
    }) {
        return Err(AppError::field(
            "slots",
            "error.range",
            Some(format!("星期{} 第{}节", bad.weekday, bad.period)),
        ));
    }
    Ok(slots.to_vec())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FreeTimeQuery {
    /// Teacher ids joined by commas, e.g. `12,40,77`.
    pub teacher_ids: String,
}

#[derive(Serialize, ToSchema)]
pub struct FreeTime {
    pub teacher_ids: Vec<i64>,
    /// Teachers who have entered no periods yet (their free time is unknown, counted as free).
    pub without_periods: Vec<i64>,
    /// Longest windows first.
    pub windows: Vec<FreeWindow>,
}

/// The weekly windows (Monday–Friday, periods 1–8) when all the teachers are free.
#[utoipa::path(get, path = "/api/v1/free-time", tag = "calendar", params(FreeTimeQuery), responses((status = 200, body = FreeTime), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn free_time(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<FreeTimeQuery>,
) -> Result<Json<FreeTime>, AppError> {
    let ids = parse_ids(&q.teacher_ids)?;
    Ok(Json(compute_free_time(&st, &c, ids).await?))
}

pub(crate) fn parse_ids(s: &str) -> Result<Vec<i64>, AppError> {
    let mut ids = vec![];
    for part in s.split([',', '，', ' ']).filter(|p| !p.trim().is_empty()) {
        ids.push(
            part.trim()
                .parse::<i64>()
                .map_err(|_| AppError::field("teacher_ids", "error.integer", Some(part.into())))?,
        );
    }
    ids.sort_unstable();
    ids.dedup();
    if ids.len() < 2 {
        return Err(AppError::field("teacher_ids", "error.at_least_two", None));
    }
    if ids.len() > 50 {
        return Err(AppError::field(
            "teacher_ids",
            "error.too_long",
            Some("50".into()),
        ));
    }
    Ok(ids)
}

/// Teachers the caller may read; their periods; the common windows.
pub(crate) async fn compute_free_time(
    st: &AppState,
    c: &Caller,
    ids: Vec<i64>,
) -> Result<FreeTime, AppError> {
    let mut busy = vec![];
    let mut without = vec![];
    for &t in &ids {
        let place = st.store.place_of_teacher(t).await?;
        // Within a community, teachers of the member schools may be looked up for scheduling.
        let ok = c.may(Action::Read, Resource::Teacher, &place)
            || c.may(Action::Read, Resource::Activity, &place);
        if !ok {
            return Err(AppError::forbidden());
        }
        let slots = st.store.teacher_periods(t).await?;
        if slots.is_empty() {
            without.push(t);
        }
        busy.push(slots);
    }
    Ok(FreeTime {
        windows: common_free_windows(&busy),
        teacher_ids: ids,
        without_periods: without,
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// School year (2025 = 2025–2026); default the current.
    pub year: Option<i32>,
    /// 1 or 2; default the current term.
    pub term: Option<u8>,
}

#[derive(Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub kind_name: String,
    pub planned: i64,
    pub done: i64,
}

#[derive(Serialize, ToSchema)]
pub struct OverdueItem {
    pub title: String,
    pub due_on: String,
    pub who: String,
    pub url: String,
}

#[derive(Serialize, ToSchema)]
pub struct Dashboard {
    pub community_id: i64,
    pub community_name: String,
    pub term: Term,
    pub term_label: String,
    pub from: String,
    pub to: String,
    pub activities_by_kind: Vec<KindCount>,
    /// Activities per month of the term: (`YYYY-MM`, count).
    pub activities_by_month: Vec<(String, i64)>,
    pub exchanges_active: i64,
    pub exchange_hours: f64,
    pub sync_lessons: i64,
    pub quota: Vec<gongjin_domain::quota::QuotaFigure>,
    pub overdue_tasks: Vec<OverdueItem>,
    pub overdue_decisions: Vec<OverdueItem>,
}

/// The community lead's view of a term: activities by kind, exchanges and hours, quota
/// compliance, overdue mentoring tasks and meeting decisions.
#[utoipa::path(get, path = "/api/v1/communities/{id}/dashboard", tag = "calendar", params(("id" = i64, Path), DashboardQuery),
    responses((status = 200, body = Dashboard), (status = 403, body = ErrorBody)))]
pub async fn dashboard(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<Dashboard>, AppError> {
    Ok(Json(build_dashboard(&st, &c, id, &q).await?))
}

pub(crate) async fn build_dashboard(
    st: &AppState,
    c: &Caller,
    id: i64,
    q: &DashboardQuery,
) -> Result<Dashboard, AppError> {
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    let now = Term::of(gongjin_store::today());
    let term = Term {
        year: q.year.unwrap_or(now.year),
        half: q.term.filter(|h| *h == 1 || *h == 2).unwrap_or(now.half),
    };
    let (from, to) = term.bounds();
    let (from_s, to_s) = (from.to_string(), to.to_string());
    let d = st.store.community_term_figures(id, &from_s, &to_s).await?;
    let quota = crate::api::exchanges::quota_report(
        st,
        c,
        &crate::api::exchanges::QuotaQuery {
            community_id: Some(id),
            region_id: None,
            year: Some(term.year),
        },
    )
    .await
    .map(|r| r.figures)
    .unwrap_or_default();
    let mut by_kind: Vec<KindCount> = vec![];
    for (kind, name, status, n) in d.activities {
        let e = match by_kind.iter_mut().position(|k| k.kind == kind) {
            Some(i) => &mut by_kind[i],
            None => {
                by_kind.push(KindCount {
                    kind: kind.clone(),
                    kind_name: name,
                    planned: 0,
                    done: 0,
                });
                by_kind.last_mut().expect("just pushed")
            }
        };
        match status.as_str() {
            "done" => e.done += n,
            "planned" => e.planned += n,
            _ => {}
        }
    }
    by_kind.sort_by_key(|b| std::cmp::Reverse(b.done + b.planned));
    let overdue = |v: Vec<(String, String, String, String)>| {
        v.into_iter()
            .map(|(title, due_on, who, url)| OverdueItem {
                title,
                due_on,
                who,
                url,
            })
            .collect()
    };
    Ok(Dashboard {
        community_id: id,
        community_name: st
            .store
            .calendar_name(CalendarSubject::Community(id))
            .await?,
        term,
        term_label: term.zh(),
        from: from_s,
        to: to_s,
        activities_by_kind: by_kind,
        activities_by_month: d.by_month,
        exchanges_active: d.exchanges_active,
        exchange_hours: d.exchange_hours,
        sync_lessons: d.sync_lessons,
        quota,
        overdue_tasks: overdue(d.overdue_tasks),
        overdue_decisions: overdue(d.overdue_decisions),
    })
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PeriodImportQuery {
    /// Check only; write nothing.
    pub dry_run: Option<bool>,
}

/// Imports weekly teaching periods from a sheet (`教师编号 | 星期 | 节次`, one row per teacher and
/// weekday, e.g. `ZD00012 | 星期二 | 1、3、5`): each listed teacher's periods are replaced, all or
/// nothing; bad rows come back as `第N行 列：原因` with 422. Multipart field `file` (.xlsx or .csv).
#[utoipa::path(post, path = "/api/v1/teacher-periods/import", tag = "calendar", params(PeriodImportQuery),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = Object)))]
pub async fn import_periods(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<PeriodImportQuery>,
    headers: axum::http::HeaderMap,
    mp: axum::extract::Multipart,
) -> Result<Response, AppError> {
    let (name, bytes, csrf) = crate::transfer::read_upload(mp).await?;
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(csrf)
        .unwrap_or_default();
    c.check_csrf(&token)?;
    let report = periods_report(&st, &c, &name, &bytes, q.dry_run.unwrap_or(false)).await?;
    Ok(crate::transfer::report_response(report, c.locale))
}

pub(crate) async fn periods_report(
    st: &AppState,
    c: &Caller,
    name: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<gongjin_store::import::ImportReport, AppError> {
    if c.principal.is_read_only() {
        return Err(AppError::forbidden());
    }
    if bytes.is_empty() {
        return Err(AppError::field("file", "error.required", None));
    }
    let format = gongjin_sheet::Format::from_path(name)
        .ok_or_else(|| AppError::field("file", "error.file_type", Some(name.to_owned())))?;
    let table = gongjin_sheet::read_table(bytes, format, &gongjin_sheet::PERIOD_HEADERS)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    let (rows, errors) = gongjin_sheet::parse_period_rows(&table);
    Ok(st
        .store
        .import_teacher_periods(&c.actor(), &c.visible(), rows, errors, dry_run)
        .await?)
}

/// The empty periods template (xlsx).
#[utoipa::path(get, path = "/api/v1/teacher-periods/template", tag = "calendar", responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn periods_template(_c: Caller) -> Result<Response, AppError> {
    use gongjin_sheet::Cell;
    let example = vec![vec![
        Cell::Text("ZD00001".into()),
        Cell::Text("星期一".into()),
        Cell::Text("1、2、5".into()),
    ]];
    let bytes = gongjin_sheet::write_xlsx("任课节次", &gongjin_sheet::PERIOD_HEADERS, &example)
        .map_err(|e| AppError::bad_request(e.to_string()))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        "任课节次模板.xlsx",
    ))
}

/// A calendar's items as Excel (same subject and dates as `GET /api/v1/calendar`).
#[utoipa::path(get, path = "/api/v1/calendar/export", tag = "calendar", params(CalendarQuery),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorBody)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CalendarQuery>,
) -> Result<Response, AppError> {
    let cal = load(&st, &c.principal, &q).await?;
    use gongjin_sheet::Cell;
    let kind = |s: &str| {
        match s {
            "activity" => "教研活动",
            "sync_lesson" => "同步课堂",
            "meeting" => "联席会议",
            "decision_due" => "决定事项到期",
            "exchange_start" => "交流开始",
            "exchange_end" => "交流结束",
            "mentorship_task_due" => "师徒任务到期",
            other => other,
        }
        .to_owned()
    };
    let rows: Vec<Vec<Cell>> = cal
        .items
        .iter()
        .map(|i| {
            vec![
                Cell::Text(i.date.clone()),
                Cell::Text(i.start_time.clone().unwrap_or_default()),
                Cell::Text(kind(&i.source)),
                Cell::Text(i.title.clone()),
                Cell::Text(i.place.clone()),
            ]
        })
        .collect();
    let bytes = gongjin_sheet::write_xlsx(
        "日程",
        &["日期", "时间", "类别", "事项", "地点/相关人"],
        &rows,
    )
    .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("日程_{}_{}.xlsx", cal.name, cal.from),
    ))
}

/// The term report package: Word documents (work plan and activity schedule with photos,
/// pairing lists and reflections, the work summary with its figures, the exchange teachers'
/// feedback forms) and xlsx tables, as one zip.
#[utoipa::path(get, path = "/api/v1/communities/{id}/term-report", tag = "calendar", params(("id" = i64, Path), DashboardQuery),
    responses((status = 200, content_type = "application/zip", body = Vec<u8>), (status = 403, body = ErrorBody)))]
pub async fn term_report(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<DashboardQuery>,
) -> Result<Response, AppError> {
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    let now = Term::of(gongjin_store::today());
    let term = Term {
        year: q.year.unwrap_or(now.year),
        half: q.term.filter(|h| *h == 1 || *h == 2).unwrap_or(now.half),
    };
    let (name, bytes) = crate::report::term_package(&st, id, term).await?;
    Ok(crate::uploads::attachment(bytes, "application/zip", &name))
}
