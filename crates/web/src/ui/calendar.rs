//! Calendar pages (month grid of a community, school or teacher, with iCal feeds), a teacher's
//! weekly periods, common free time, and the community lead's dashboard.

use super::common::*;
use crate::AppState;
use crate::api::calendar::{
    CalendarQuery, Dashboard, DashboardQuery, FeedFields, build_dashboard, check_slots,
    compute_free_time, load, make_feed, revoke, subject_of,
};
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use chrono::{Datelike, NaiveDate};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::operations::{FreeWindow, PERIODS, Slot, WEEKDAYS};
use gongjin_store::calendar::{CalendarFeed, CalendarItem};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/calendar", get(calendar))
        .route("/calendar/feeds", post(create_feed))
        .route("/calendar/feeds/{id}/revoke", post(revoke_feed))
        .route("/teachers/{id}/periods", get(periods).post(save_periods))
        .route("/free-time", get(free_time))
        .route("/map", get(map))
        .route("/free-time/import", post(import_periods))
        .route("/communities/{id}/dashboard", get(dashboard))
}

pub struct Day {
    pub date: String,
    pub day: u32,
    pub in_month: bool,
    pub today: bool,
    pub items: Vec<CalendarItem>,
}

#[derive(Template)]
#[template(path = "calendar.html")]
struct CalendarPage {
    shell: Shell,
    name: String,
    subject_kind: String,
    subject_id: i64,
    from: String,
    to: String,
    month_label: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<Day>>,
    communities: Vec<Opt>,
    feeds: Vec<CalendarFeed>,
    new_feed_url: Option<String>,
    upcoming: Vec<CalendarItem>,
}

pub async fn calendar(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(mut q): Query<CalendarQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let today = gongjin_store::today();
    let month = raw
        .get("month")
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today.with_day(1).unwrap_or(today));
    // The grid: Monday of the first week to Sunday of the last.
    let start = month - chrono::Duration::days(i64::from(month.weekday().num_days_from_monday()));
    let next_month = month
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(month);
    let last = next_month.pred_opt().unwrap_or(month);
    let end = last + chrono::Duration::days(i64::from(6 - last.weekday().num_days_from_monday()));
    q.from = Some(start.to_string());
    q.to = Some(end.to_string());
    let Some(subject) = subject_of(&q, &c.principal) else {
        // A region-wide caller picks a community first.
        let first = st
            .store
            .list_communities(&c.visible(), &Default::default())
            .await
            .or_page(&c)?
            .items
            .into_iter()
            .next();
        return match first {
            Some(com) => Ok(axum::response::Redirect::to(&format!(
                "/calendar?community_id={}",
                com.id
            ))
            .into_response_page()),
            None => Err(error_page(&AppError::not_found(), c.locale)),
        };
    };
    let cal = load(&st, &c.principal, &q).await.or_page(&c)?;
    let mut weeks = vec![];
    let mut d = start;
    while d <= end {
        let mut week = vec![];
        for _ in 0..7 {
            let ds = d.to_string();
            week.push(Day {
                items: cal.items.iter().filter(|i| i.date == ds).cloned().collect(),
                date: ds,
                day: d.day(),
                in_month: d.month() == month.month(),
                today: d == today,
            });
            d = d.succ_opt().unwrap_or(d);
        }
        weeks.push(week);
    }
    let upcoming = st
        .store
        .calendar_items(
            subject,
            &today.to_string(),
            &(today + chrono::Duration::days(14)).to_string(),
        )
        .await
        .or_page(&c)?;
    let key = |k: &str| {
        let mut q: Vec<(&str, String)> = vec![(subject.key(), subject.id().to_string())];
        q[0].0 = match subject.key() {
            "community" => "community_id",
            "school" => "school_id",
            _ => "teacher_id",
        };
        q.push(("month", k.to_owned()));
        format!(
            "/calendar?{}",
            serde_urlencoded::to_string(&q).unwrap_or_default()
        )
    };
    let prev_m = month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap_or(month);
    render(&CalendarPage {
        shell: Shell::new(&c, "calendar"),
        name: cal.name,
        subject_kind: subject.key().into(),
        subject_id: subject.id(),
        from: start.to_string(),
        to: end.to_string(),
        month_label: format!("{}年{}月", month.year(), month.month()),
        prev: key(&prev_m.format("%Y-%m").to_string()),
        next: key(&next_month.format("%Y-%m").to_string()),
        weeks,
        communities: super::activities::community_opts(
            &st,
            &c,
            match subject {
                gongjin_store::calendar::CalendarSubject::Community(i) => Some(i),
                _ => None,
            },
        )
        .await
        .or_page(&c)?,
        feeds: st
            .store
            .list_calendar_feeds(c.principal.user_id)
            .await
            .or_page(&c)?,
        new_feed_url: raw.get("feed").cloned(),
        upcoming,
    })
}

trait IntoPage {
    fn into_response_page(self) -> axum::response::Response;
}
impl IntoPage for axum::response::Redirect {
    fn into_response_page(self) -> axum::response::Response {
        axum::response::IntoResponse::into_response(self)
    }
}

pub async fn create_feed(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let fields = FeedFields {
        kind: f.get("kind").cloned().unwrap_or_default(),
        id: f.get("id").and_then(|v| v.parse().ok()).unwrap_or(0),
    };
    let made = make_feed(&st, &c, &fields).await.or_page(&c)?;
    let back = format!(
        "/calendar?{}_id={}&feed={}",
        fields.kind,
        fields.id,
        urlencode(&made.url)
    );
    Ok(see_other(&back, "notice.created"))
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_owned()
}

pub async fn revoke_feed(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    revoke(&st, &c, id).await.or_page(&c)?;
    Ok(see_other("/calendar", "notice.saved"))
}

pub struct WeekRow {
    pub period: u8,
    /// (weekday, busy)
    pub cells: Vec<(u8, bool)>,
}

#[derive(Template)]
#[template(path = "teacher_periods.html")]
struct PeriodsPage {
    shell: Shell,
    teacher_id: i64,
    teacher_name: String,
    rows: Vec<WeekRow>,
    can_edit: bool,
    weekdays: Vec<(u8, String)>,
}

fn weekdays(tr: Tr) -> Vec<(u8, String)> {
    WEEKDAYS
        .map(|d| (d, tr.label("weekday", &d.to_string())))
        .collect()
}

pub async fn periods(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let place = st.store.place_of_teacher(id).await.or_page(&c)?;
    c.require(Action::Read, Resource::Teacher, &place)
        .or_page(&c)?;
    let t = st.store.get_teacher(id).await.or_page(&c)?;
    let busy = st.store.teacher_periods(id).await.or_page(&c)?;
    let rows = PERIODS
        .map(|p| WeekRow {
            period: p,
            cells: WEEKDAYS
                .map(|w| {
                    (
                        w,
                        busy.contains(&Slot {
                            weekday: w,
                            period: p,
                        }),
                    )
                })
                .collect(),
        })
        .collect();
    render(&PeriodsPage {
        shell: Shell::new(&c, "teachers").with_notice(raw.get("notice").map(String::as_str)),
        teacher_id: id,
        teacher_name: t.name,
        rows,
        can_edit: c.may(Action::Write, Resource::TeacherEntry, &place),
        weekdays: weekdays(Tr(c.locale)),
    })
}

pub async fn save_periods(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let m: HashMap<String, String> = f.iter().cloned().collect();
    csrf_ok(&c, &m)?;
    let place = st.store.place_of_teacher(id).await.or_page(&c)?;
    c.require(Action::Write, Resource::TeacherEntry, &place)
        .or_page(&c)?;
    let slots: Vec<Slot> = f
        .iter()
        .filter(|(k, _)| k == "slot")
        .filter_map(|(_, v)| {
            let (w, p) = v.split_once('-')?;
            Some(Slot {
                weekday: w.parse().ok()?,
                period: p.parse().ok()?,
            })
        })
        .collect();
    let slots = check_slots(&slots).or_page(&c)?;
    st.store
        .set_teacher_periods(&c.actor(), id, &slots)
        .await
        .or_page(&c)?;
    Ok(see_other(
        &format!("/teachers/{id}/periods"),
        "notice.saved",
    ))
}

#[derive(Template)]
#[template(path = "free_time.html")]
struct FreeTimePage {
    shell: Shell,
    communities: Vec<Opt>,
    teachers: Vec<(i64, String, bool)>,
    result: Option<crate::api::calendar::FreeTime>,
    names: HashMap<i64, String>,
    rows: Vec<WeekRow>,
    weekdays: Vec<(u8, String)>,
    error: Option<String>,
}

impl FreeTimePage {
    fn window_label(&self, w: &FreeWindow) -> String {
        let day = self.shell.tr.label("weekday", &w.weekday.to_string());
        if w.first_period == w.last_period {
            format!("{day} 第{}节", w.first_period)
        } else {
            format!("{day} 第{}–{}节", w.first_period, w.last_period)
        }
    }
    fn name(&self, id: &i64) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }
}

pub async fn free_time(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<Vec<(String, String)>>,
) -> PageResult {
    let community: Option<i64> = raw
        .iter()
        .find(|(k, _)| k == "community_id")
        .and_then(|(_, v)| v.parse().ok());
    let picked: Vec<i64> = raw
        .iter()
        .filter(|(k, _)| k == "teacher_id")
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    let communities = super::activities::community_opts(&st, &c, community)
        .await
        .or_page(&c)?;
    let community = community.or_else(|| communities.first().and_then(|o| o.value.parse().ok()));
    let mut teachers = vec![];
    let mut names = HashMap::new();
    if let Some(cid) = community {
        let place = st.store.place_of_community(cid).await.or_page(&c)?;
        if c.may(Action::Read, Resource::Activity, &place) {
            // Teachers of the community's schools with periods entered (others are unknown).
            for (id, name, school) in st.store.teachers_with_periods(cid).await.or_page(&c)? {
                names.insert(id, format!("{name}（{school}）"));
                teachers.push((id, format!("{name}（{school}）"), picked.contains(&id)));
            }
        }
    }
    let (result, error) = if picked.len() >= 2 {
        match compute_free_time(&st, &c, picked.clone()).await {
            Ok(r) => (Some(r), None),
            Err(e) => (None, Some(e.in_locale(c.locale).message())),
        }
    } else if picked.len() == 1 {
        (None, Some(Tr(c.locale).t("error.at_least_two").to_owned()))
    } else {
        (None, None)
    };
    let rows = match &result {
        Some(r) => PERIODS
            .map(|p| WeekRow {
                period: p,
                cells: WEEKDAYS
                    .map(|w| {
                        let free = r.windows.iter().any(|x| {
                            x.weekday == w && (x.first_period..=x.last_period).contains(&p)
                        });
                        (w, !free)
                    })
                    .collect(),
            })
            .collect(),
        None => vec![],
    };
    render(&FreeTimePage {
        shell: Shell::new(&c, "calendar"),
        communities,
        teachers,
        result,
        names,
        rows,
        weekdays: weekdays(Tr(c.locale)),
        error,
    })
}

#[derive(Template)]
#[template(path = "dashboard_community.html")]
struct DashboardPage {
    shell: Shell,
    d: Dashboard,
    kind_chart: String,
    month_chart: String,
    quota_rows: Vec<(String, String, String, bool)>,
    terms: Vec<Opt>,
    done_total: i64,
    planned_total: i64,
    overdue_total: usize,
}

pub async fn dashboard(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let (year, term) = match q.get("term").and_then(|t| t.split_once('-')) {
        Some((y, h)) => (y.parse().ok(), h.parse().ok()),
        None => (None, None),
    };
    let d = build_dashboard(&st, &c, id, &DashboardQuery { year, term })
        .await
        .or_page(&c)?;
    let kind_chart = crate::charts::count_bars(
        &d.activities_by_kind
            .iter()
            .map(|k| (k.kind_name.clone(), k.done, k.planned))
            .collect::<Vec<_>>(),
        ("已开展", "计划中"),
    );
    let month_chart = crate::charts::columns(&d.activities_by_month);
    let tr = Tr(c.locale);
    let quota_rows: Vec<(String, String, String, bool)> = d
        .quota
        .iter()
        .map(|f| {
            let figure = if f.rule == "long_term" {
                format!("{} / ≥{}", f.numerator, f.target)
            } else {
                format!("{:.1}% / ≥{:.0}%", f.ratio * 100.0, f.target * 100.0)
            };
            (
                tr.t(&format!("quota.{}", f.rule)).to_owned(),
                f.subject.clone(),
                figure,
                f.pass,
            )
        })
        .collect();
    let now = gongjin_domain::Term::of(gongjin_store::today());
    let current = format!("{}-{}", d.term.year, d.term.half);
    let mut terms = vec![];
    for y in (now.year - 2..=now.year).rev() {
        for h in [2u8, 1] {
            let t = gongjin_domain::Term { year: y, half: h };
            if t.bounds().0 <= gongjin_store::today() {
                terms.push((format!("{y}-{h}"), t.zh()));
            }
        }
    }
    render(&DashboardPage {
        shell: Shell::new(&c, "communities"),
        done_total: d.activities_by_kind.iter().map(|k| k.done).sum(),
        planned_total: d.activities_by_kind.iter().map(|k| k.planned).sum(),
        overdue_total: d.overdue_tasks.len() + d.overdue_decisions.len(),
        terms: opts(terms, &current),
        d,
        kind_chart,
        month_chart,
        quota_rows,
    })
}

#[derive(Template)]
#[template(path = "periods_import.html")]
struct PeriodsImportPage {
    shell: Shell,
    report: Option<gongjin_store::import::ImportReport>,
    messages: Vec<String>,
}

/// Imports a periods sheet from the free-time page; shows the report (nothing is written when
/// any row is bad).
pub async fn import_periods(
    State(st): State<AppState>,
    Ui(c): Ui,
    mp: axum::extract::Multipart,
) -> PageResult {
    let up = crate::uploads::read_multipart(mp, 10 * 1024 * 1024, "10 MB")
        .await
        .or_page(&c)?;
    csrf_ok(&c, &up.fields)?;
    let dry = up.fields.get("dry_run").is_some_and(|v| !v.is_empty());
    let report = crate::api::calendar::periods_report(&st, &c, &up.file_name, &up.bytes, dry)
        .await
        .or_page(&c)?;
    render(&PeriodsImportPage {
        shell: Shell::new(&c, "calendar"),
        messages: report.errors.iter().map(|e| e.message(c.locale)).collect(),
        report: Some(report),
    })
}

pub struct Legend {
    pub colour: &'static str,
    pub name: String,
    pub id: i64,
    pub schools: usize,
}

#[derive(Template)]
#[template(path = "map.html")]
struct MapPage {
    shell: Shell,
    svg: String,
    legend: Vec<Legend>,
    uncovered: usize,
    without_coordinates: i64,
    regions: Vec<Opt>,
}

/// The offline community map of the caller's schools (or a region's).
pub async fn map(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let region: Option<i64> = q.get("region_id").and_then(|v| v.parse().ok());
    if let Some(r) = region {
        c.require(
            Action::Read,
            Resource::Region,
            &st.store.place_of_region(r).await.or_page(&c)?,
        )
        .or_page(&c)?;
    }
    let points = st
        .store
        .map_points(&c.visible(), region)
        .await
        .or_page(&c)?;
    let mut communities: Vec<(i64, String)> = vec![];
    for p in &points {
        if let (Some(id), Some(name)) = (p.community_id, &p.community_name)
            && !communities.iter().any(|x| x.0 == id)
        {
            communities.push((id, name.clone()));
        }
    }
    communities.sort();
    let schools: Vec<crate::charts::MapSchool> = points
        .iter()
        .map(|p| {
            let community = p
                .community_id
                .and_then(|id| communities.iter().position(|x| x.0 == id));
            crate::charts::MapSchool {
                id: p.school_id,
                name: p.name.clone(),
                lon: p.longitude,
                lat: p.latitude,
                community,
                core: p.role == "core",
                core_of: if p.role == "member" {
                    points
                        .iter()
                        .position(|o| o.role == "core" && o.community_id == p.community_id)
                } else {
                    None
                },
            }
        })
        .collect();
    let legend = communities
        .iter()
        .enumerate()
        .map(|(i, (id, name))| Legend {
            colour: crate::charts::palette(i),
            name: name.clone(),
            id: *id,
            schools: points
                .iter()
                .filter(|p| p.community_id == Some(*id))
                .count(),
        })
        .collect();
    let total = st
        .store
        .list_schools(
            &c.visible(),
            &gongjin_store::records::ListQuery {
                per_page: Some(1),
                region_id: region,
                ..Default::default()
            },
        )
        .await
        .or_page(&c)?
        .total;
    render(&MapPage {
        shell: Shell::new(&c, "map"),
        svg: crate::charts::community_map(&schools),
        legend,
        uncovered: points.iter().filter(|p| p.community_id.is_none()).count(),
        without_coordinates: total - points.len() as i64,
        regions: region_opts(&st, &c, &region.map(|r| r.to_string()).unwrap_or_default())
            .await
            .or_page(&c)?,
    })
}
