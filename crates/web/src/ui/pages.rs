//! Sign-in, language, the region overview and the account page.

use super::common::*;
use crate::AppState;
use crate::auth::{
    ClientAddr, LANG_COOKIE, Lang, SESSION_COOKIE, clear_session_cookie, cookie, session_cookie,
};
use crate::charts::{Bar, coverage_bars};
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use gongjin_domain::Role;
use gongjin_store::records::{ApiToken, ListQuery};
use std::collections::HashMap;

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    tr: Tr,
    next: String,
    username: String,
    error: Option<String>,
}

fn safe_next(next: Option<&String>) -> String {
    // Only local paths: never redirect off-site after sign-in.
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.starts_with("/\\") => n.clone(),
        _ => "/".into(),
    }
}

pub async fn login_form(
    Lang(locale): Lang,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    render(&LoginPage {
        tr: Tr(locale),
        next: safe_next(q.get("next")),
        username: String::new(),
        error: None,
    })
}

pub async fn login_submit(
    State(st): State<AppState>,
    Lang(locale): Lang,
    ClientAddr(addr): ClientAddr,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    let username = f.get("username").cloned().unwrap_or_default();
    let password = f.get("password").cloned().unwrap_or_default();
    let next = safe_next(f.get("next"));
    match crate::auth::login(&st, &username, &password, &addr, locale).await {
        Ok((_, token)) => Ok((
            [(header::SET_COOKIE, session_cookie(&token))],
            Redirect::to(&next),
        )
            .into_response()),
        Err(e) => {
            let page = LoginPage {
                tr: Tr(locale),
                next,
                username,
                error: Some(e.message()),
            };
            let body = render(&page)?;
            Ok((e.status, body).into_response())
        }
    }
}

pub async fn logout(
    State(st): State<AppState>,
    Ui(c): Ui,
    headers: HeaderMap,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    if let Some(token) = cookie(&headers, SESSION_COOKIE) {
        st.store.end_session(&token).await.or_page(&c)?;
    }
    Ok((
        [(header::SET_COOKIE, clear_session_cookie())],
        Redirect::to("/login"),
    )
        .into_response())
}

pub async fn set_lang(Path(tag): Path<String>, headers: HeaderMap) -> Response {
    let locale = gongjin_domain::i18n::Locale::parse(&tag);
    let back = headers
        .get(header::REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| {
            r.find("://")
                .and_then(|i| r[i + 3..].find('/').map(|j| r[i + 3 + j..].to_owned()))
        })
        .unwrap_or_else(|| "/".into());
    (
        [(
            header::SET_COOKIE,
            format!(
                "{LANG_COOKIE}={}; Path=/; SameSite=Lax; Max-Age=31536000",
                locale.tag()
            ),
        )],
        Redirect::to(&safe_next(Some(&back))),
    )
        .into_response()
}

pub struct RegionRow {
    pub name: String,
    pub eligible: u32,
    pub covered: u32,
    pub share: String,
}

pub struct TargetRow {
    pub due_on: String,
    pub share: String,
    pub state: String,
    pub state_class: &'static str,
    pub needed: u32,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
struct Dashboard {
    shell: Shell,
    heading: String,
    schools: i64,
    teachers: i64,
    communities: i64,
    covered: String,
    chart: Option<String>,
    targets: Vec<TargetRow>,
    children: Vec<RegionRow>,
    show_coverage: bool,
    region_id: i64,
    can_set_targets: bool,
    targets_text: String,
    targets_error: Option<String>,
    /// The region's chart cards for the school year (bureau administrators and inspectors).
    cards: Vec<ChartCard>,
    years: Vec<Opt>,
    year_label: String,
}

/// A part of a chart card: an optional subtitle over one SVG chart.
pub struct ChartPart {
    pub subtitle: Option<String>,
    pub svg: String,
}

/// One card of the region dashboard: its title, a link to the page with the details, small
/// figures, the charts — or, without data, a muted line.
pub struct ChartCard {
    pub id: &'static str,
    pub title: String,
    pub href: String,
    pub facts: Vec<(String, String)>,
    pub parts: Vec<ChartPart>,
    pub empty: Option<String>,
    pub note: Option<String>,
}

fn pct(x: f64) -> String {
    format!("{:.1}%", x * 100.0)
}

pub async fn dashboard(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let tr = Tr(c.locale);
    let visible = c.visible();
    let all = ListQuery {
        per_page: Some(1),
        ..Default::default()
    };
    let schools = st
        .store
        .list_schools(&visible, &all)
        .await
        .or_page(&c)?
        .total;
    let teachers = st.store.count_teachers(&visible).await.or_page(&c)?;
    let communities = st
        .store
        .list_communities(&visible, &all)
        .await
        .or_page(&c)?
        .total;
    let mut page = Dashboard {
        shell: Shell::new(&c, "home").with_notice(q.get("notice").map(String::as_str)),
        heading: tr.t("page.dashboard").to_owned(),
        schools,
        teachers,
        communities,
        covered: "-".into(),
        chart: None,
        targets: vec![],
        children: vec![],
        show_coverage: false,
        region_id: 0,
        can_set_targets: false,
        targets_text: String::new(),
        targets_error: q
            .get("targets_error")
            .map(|e| tr.tf("coverage.bad_line", e)),
        cards: vec![],
        years: vec![],
        year_label: String::new(),
    };
    if matches!(c.principal.role, Role::BureauAdmin | Role::Inspector) {
        // The region to report on: the caller's own, or for the whole installation the first
        // region that has coverage targets (else the first top-level region).
        let region_id = if c.principal.scope_id > 0 {
            Some(c.principal.scope_id)
        } else {
            let regions = st.store.list_regions(&visible, None).await.or_page(&c)?;
            let mut with_targets = None;
            for r in &regions {
                if !st
                    .store
                    .coverage_targets(r.id)
                    .await
                    .or_page(&c)?
                    .is_empty()
                {
                    with_targets = Some(r.id);
                    break;
                }
            }
            with_targets.or_else(|| regions.first().map(|r| r.id))
        };
        if let Some(rid) = region_id {
            let year = q.get("year").and_then(|y| y.parse().ok());
            let d = crate::api::dashboard::build_region_dashboard(&st, &c, rid, year)
                .await
                .or_page(&c)?;
            let cov = &d.coverage;
            page.region_id = rid;
            let place = st.store.place_of_region(rid).await.or_page(&c)?;
            page.can_set_targets = c.may(
                gongjin_domain::authz::Action::Write,
                gongjin_domain::authz::Resource::RegionSettings,
                &place,
            );
            page.targets_text = cov
                .coverage
                .targets
                .iter()
                .map(|t| format!("{} {}%", t.due_on, (t.share * 100.0).round()))
                .collect::<Vec<_>>()
                .join("\n");
            page.heading = format!("{} · {}", cov.region_name, tr.t("page.dashboard"));
            page.show_coverage = true;
            page.covered = format!(
                "{}/{} · {}",
                cov.coverage.covered,
                cov.coverage.eligible,
                pct(cov.coverage.share)
            );
            let mut bars = vec![Bar {
                label: cov.region_name.clone(),
                value: cov.coverage.share,
                caption: format!(
                    "{}/{} {}",
                    cov.coverage.covered,
                    cov.coverage.eligible,
                    pct(cov.coverage.share)
                ),
            }];
            for ch in &cov.children {
                bars.push(Bar {
                    label: ch.region_name.clone(),
                    value: ch.share,
                    caption: format!("{}/{} {}", ch.covered, ch.eligible, pct(ch.share)),
                });
                page.children.push(RegionRow {
                    name: ch.region_name.clone(),
                    eligible: ch.eligible,
                    covered: ch.covered,
                    share: pct(ch.share),
                });
            }
            let marks: Vec<(f64, String)> = cov
                .coverage
                .targets
                .iter()
                .map(|t| (t.share, format!("{} ≥{}", t.due_on, pct(t.share))))
                .collect();
            page.chart = Some(coverage_bars(&bars, &marks));
            page.targets = cov
                .coverage
                .targets
                .iter()
                .map(|t| TargetRow {
                    due_on: t.due_on.to_string(),
                    share: pct(t.share),
                    state: tr.t(&format!("target.{}", t.state)).to_owned(),
                    state_class: match t.state.as_str() {
                        "met" | "on_track" => "green",
                        "missed" => "red",
                        _ => "orange",
                    },
                    needed: t.schools_needed,
                })
                .collect();
            let mut years = d.years.clone();
            let now = gongjin_domain::school_year_of(gongjin_store::today());
            for y in [now, d.year] {
                if !years.contains(&y) {
                    years.push(y);
                }
            }
            years.sort_unstable_by(|a, b| b.cmp(a));
            let label = |y: i32| tr.tf("exchanges.school_year", &format!("{y}–{}", y + 1));
            page.year_label = label(d.year);
            page.years = opts(
                years.iter().map(|y| (y.to_string(), label(*y))),
                &d.year.to_string(),
            );
            page.cards = region_cards(tr, &d);
        }
    }
    render(&page)
}

/// `2026-09` → 9月
fn month_label(tr: Tr, month: &str) -> String {
    let m: u32 = month.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(0);
    tr.tf("region_dash.month", &m)
}

/// The region dashboard's chart cards, drawn from the figures the API returns.
fn region_cards(tr: Tr, d: &crate::api::dashboard::RegionDashboard) -> Vec<ChartCard> {
    let no_data = || Some(tr.t("region_dash.no_data").to_owned());
    let (rid, year) = (d.region_id, d.year);
    let mut cards = vec![];

    // Exchanges and hours.
    let ex = &d.exchanges;
    let mut parts = vec![];
    if !ex.by_kind.is_empty() {
        parts.push(ChartPart {
            subtitle: Some(tr.t("region_dash.teachers_by_kind").to_owned()),
            svg: crate::charts::count_bars(
                &ex.by_kind
                    .iter()
                    .map(|k| {
                        (
                            tr.label("exchange_kind", &k.kind),
                            k.teachers,
                            k.teachers_planned,
                        )
                    })
                    .collect::<Vec<_>>(),
                (tr.t("region_dash.exchanged"), tr.t("region_dash.planned")),
            ),
        });
    }
    if !ex.hours_by_month.is_empty() {
        parts.push(ChartPart {
            subtitle: Some(tr.t("region_dash.hours_by_month").to_owned()),
            svg: crate::charts::columns(
                &ex.hours_by_month
                    .iter()
                    .map(|m| (month_label(tr, &m.month), m.value.round() as i64))
                    .collect::<Vec<_>>(),
            ),
        });
    }
    cards.push(ChartCard {
        id: "card-exchanges",
        title: tr.t("region_dash.exchanges").to_owned(),
        href: format!("/exchanges?year={year}"),
        facts: vec![
            (
                tr.t("region_dash.teachers_exchanged").to_owned(),
                ex.teachers.to_string(),
            ),
            (
                tr.t("region_dash.hours_logged").to_owned(),
                format!("{:.0}", ex.hours),
            ),
        ],
        empty: if parts.is_empty() { no_data() } else { None },
        parts,
        note: None,
    });

    // Activities per month.
    let total: i64 = d.activities_by_month.iter().map(|m| m.count).sum();
    cards.push(ChartCard {
        id: "card-activities",
        title: tr.t("region_dash.activities").to_owned(),
        href: format!("/activities?from={}&to={}", d.from, d.to),
        facts: vec![(
            tr.t("region_dash.activities_total").to_owned(),
            total.to_string(),
        )],
        parts: if total > 0 {
            vec![ChartPart {
                subtitle: None,
                svg: crate::charts::columns(
                    &d.activities_by_month
                        .iter()
                        .map(|m| (month_label(tr, &m.month), m.count))
                        .collect::<Vec<_>>(),
                ),
            }]
        } else {
            vec![]
        },
        empty: if total > 0 { None } else { no_data() },
        note: None,
    });

    // Quota compliance: the region, then each community.
    let share_bars = |rule: &str, target: f64| {
        let mut bars = vec![];
        let rows = d
            .quota
            .region
            .iter()
            .filter(|f| f.rule == rule)
            .map(|f| (d.region_name.clone(), f))
            .chain(d.quota.communities.iter().flat_map(|c| {
                c.figures
                    .iter()
                    .filter(|f| f.rule == rule)
                    .map(|f| (c.name.clone(), f))
            }));
        for (name, f) in rows {
            bars.push(Bar {
                label: name,
                value: f.ratio,
                caption: format!("{}/{} {}", f.numerator, f.denominator, pct(f.ratio)),
            });
        }
        crate::charts::coverage_bars(&bars, &[(target, format!("≥{}", pct(target)))])
    };
    let rules = &d.quota.rules;
    let long_term: Vec<_> = d
        .quota
        .communities
        .iter()
        .flat_map(|c| c.figures.iter().filter(|f| f.rule == "long_term"))
        .collect();
    // Without an exchange in the year every share is 0 of its eligible teachers: no data yet.
    let any_quota = d
        .quota
        .region
        .iter()
        .any(|f| f.rule == "exchanged" && f.denominator > 0)
        && (!ex.by_kind.is_empty() || d.quota.region.iter().any(|f| f.numerator > 0));
    cards.push(ChartCard {
        id: "card-quota",
        title: tr.t("region_dash.quota").to_owned(),
        href: format!("/quotas?region_id={rid}&year={year}"),
        facts: vec![(
            tr.tf("region_dash.long_term_pass", &rules.long_term_per_community),
            format!(
                "{}/{}",
                long_term.iter().filter(|f| f.pass).count(),
                long_term.len()
            ),
        )],
        parts: if any_quota {
            vec![
                ChartPart {
                    subtitle: Some(
                        tr.tf("region_dash.exchanged_share", &pct(rules.exchanged_share)),
                    ),
                    svg: share_bars("exchanged", rules.exchanged_share),
                },
                ChartPart {
                    subtitle: Some(tr.tf("region_dash.backbone_share", &pct(rules.backbone_share))),
                    svg: share_bars("backbone", rules.backbone_share),
                },
            ]
        } else {
            vec![]
        },
        empty: if any_quota { None } else { no_data() },
        note: None,
    });

    // Assessment scores by dimension.
    let series: Vec<String> = d
        .assessment
        .first()
        .map(|a| a.dimensions.iter().map(|x| x.name.clone()).collect())
        .unwrap_or_default();
    let max = d.assessment.iter().map(|a| a.max_total).fold(0.0, f64::max);
    // Nothing scored (no records in the year) draws as no data, not as empty bars.
    let scored = d.assessment.iter().any(|a| a.total > 0.0);
    cards.push(ChartCard {
        id: "card-assessment",
        title: tr.t("region_dash.assessment").to_owned(),
        href: format!("/assessment/ranking?region_id={rid}&year={year}"),
        facts: vec![(
            tr.t("region_dash.assessment_passed").to_owned(),
            format!(
                "{}/{}",
                d.assessment.iter().filter(|a| a.passed).count(),
                d.assessment.len()
            ),
        )],
        parts: if !scored {
            vec![]
        } else {
            vec![ChartPart {
                subtitle: None,
                svg: crate::charts::stacked_bars(
                    &d.assessment
                        .iter()
                        .map(|a| crate::charts::StackRow {
                            label: a.name.clone(),
                            values: a.dimensions.iter().map(|x| x.score).collect(),
                            caption: tr.tf(
                                "region_dash.score_caption",
                                &format!(
                                    "{}/{}",
                                    gongjin_evaluation::fmt_num(a.total),
                                    gongjin_evaluation::fmt_num(a.max_total)
                                ),
                            ),
                        })
                        .collect::<Vec<_>>(),
                    &series,
                    max,
                ),
            }]
        },
        empty: if scored { None } else { no_data() },
        note: scored.then(|| tr.t("region_dash.assessment_note").to_owned()),
    });

    // Balance CVs against the threshold, per stage.
    let stages = d.balance.as_deref().unwrap_or_default();
    cards.push(ChartCard {
        id: "card-balance",
        title: tr.t("region_dash.balance").to_owned(),
        href: format!("/balance?region_id={rid}&year={year}"),
        facts: stages
            .iter()
            .map(|s| {
                (
                    tr.tf("region_dash.cv_pass", &tr.label("stage", &s.stage)),
                    format!(
                        "{}/{}",
                        s.indicators.iter().filter(|i| i.pass).count(),
                        s.indicators.len()
                    ),
                )
            })
            .collect(),
        parts: stages
            .iter()
            .map(|s| ChartPart {
                subtitle: Some(tr.tf("region_dash.cv_stage", &tr.label("stage", &s.stage))),
                svg: crate::charts::cv_bars(
                    &s.indicators
                        .iter()
                        .map(|i| (tr.t(&format!("balance.ind_{}", i.key)).to_owned(), i.cv))
                        .collect::<Vec<_>>(),
                    s.cv_threshold,
                    &format!("≤{:.2}", s.cv_threshold),
                ),
            })
            .collect(),
        empty: if stages.is_empty() {
            Some(tr.t("region_dash.no_conditions").to_owned())
        } else {
            None
        },
        note: None,
    });

    // Unified tests: each community's latest.
    let tests = &d.unified_tests;
    cards.push(ChartCard {
        id: "card-tests",
        title: tr.t("region_dash.tests").to_owned(),
        href: "/unified-tests".into(),
        facts: vec![],
        parts: if tests.is_empty() {
            vec![]
        } else {
            vec![ChartPart {
                subtitle: Some(tr.t("region_dash.pass_rate").to_owned()),
                svg: coverage_bars(
                    &tests
                        .iter()
                        .map(|t| Bar {
                            label: t.community_name.clone(),
                            value: t.pass_rate.unwrap_or(0.0),
                            caption: format!(
                                "{} · {}",
                                tr.tf(
                                    "region_dash.mean",
                                    &format!(
                                        "{}/{}",
                                        t.mean.map_or("-".into(), |m| format!("{m:.1}")),
                                        gongjin_evaluation::fmt_num(t.full_marks)
                                    )
                                ),
                                tr.tf("region_dash.pass", &t.pass_rate.map_or("-".into(), pct))
                            ),
                        })
                        .collect::<Vec<_>>(),
                    &[],
                ),
            }]
        },
        empty: if tests.is_empty() { no_data() } else { None },
        note: (!tests.is_empty()).then(|| {
            tests
                .iter()
                .map(|t| format!("{}：{}（{}）", t.community_name, t.title, t.held_on))
                .collect::<Vec<_>>()
                .join("；")
        }),
    });

    // The development index trend.
    cards.push(ChartCard {
        id: "card-index",
        title: tr.t("region_dash.index").to_owned(),
        href: format!("/assessment/ranking?region_id={rid}&year={year}"),
        facts: d
            .development_index
            .last()
            .map(|p| {
                vec![(
                    tr.t("region_dash.index_now").to_owned(),
                    gongjin_evaluation::fmt_num(p.index),
                )]
            })
            .unwrap_or_default(),
        parts: if d.development_index.is_empty() {
            vec![]
        } else {
            vec![ChartPart {
                subtitle: None,
                svg: crate::charts::columns(
                    &d.development_index
                        .iter()
                        .map(|p| {
                            (
                                tr.tf("exchanges.school_year", &p.year),
                                p.index.round() as i64,
                            )
                        })
                        .collect::<Vec<_>>(),
                ),
            }]
        },
        empty: if d.development_index.is_empty() {
            no_data()
        } else {
            None
        },
        note: None,
    });
    // Two cards a row, of like heights: the tall quota and balance cards side by side.
    const ORDER: [&str; 7] = [
        "card-exchanges",
        "card-activities",
        "card-quota",
        "card-balance",
        "card-assessment",
        "card-tests",
        "card-index",
    ];
    cards.sort_by_key(|c| ORDER.iter().position(|id| *id == c.id));
    cards
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    shell: Shell,
    username: String,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    errors: FormErrors,
}

async fn account_page(
    st: &AppState,
    c: &crate::auth::Caller,
    notice: Option<&str>,
    new_secret: Option<String>,
    errors: FormErrors,
) -> PageResult {
    let tokens = st
        .store
        .list_api_tokens(c.principal.user_id)
        .await
        .or_page(c)?;
    render(&AccountPage {
        shell: Shell::new(c, "account").with_notice(notice),
        username: c.principal.username.clone(),
        tokens,
        new_secret,
        errors,
    })
}

pub async fn account(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    account_page(
        &st,
        &c,
        q.get("notice").map(String::as_str),
        None,
        FormErrors::default(),
    )
    .await
}

/// Changes the caller's own password.
pub async fn account_submit(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let current = f.get("current").cloned().unwrap_or_default();
    let new = f.get("password").cloned().unwrap_or_default();
    if st
        .store
        .verify_login(&c.principal.username, &current)
        .await
        .or_page(&c)?
        .is_none()
    {
        let e = crate::error::AppError::field("current", "error.bad_credentials", None);
        return account_page(&st, &c, None, None, FormErrors::from_error(&e, c.locale)).await;
    }
    let patch = gongjin_store::users::UserPatch {
        password: Some(new),
        ..Default::default()
    };
    match st
        .store
        .update_user(&c.actor(), c.principal.user_id, &patch)
        .await
    {
        Ok(_) => Ok(Redirect::to("/login").into_response()),
        Err(e) => {
            account_page(
                &st,
                &c,
                None,
                None,
                FormErrors::from_error(&e.into(), c.locale),
            )
            .await
        }
    }
}

pub async fn token_create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let name =
        match gongjin_domain::parse_name("name", f.get("name").map(String::as_str).unwrap_or("")) {
            Ok(n) => n,
            Err(e) => {
                return account_page(
                    &st,
                    &c,
                    None,
                    None,
                    FormErrors::from_error(
                        &gongjin_domain::ValidationErrors::from(e).into(),
                        c.locale,
                    ),
                )
                .await;
            }
        };
    let (_, secret) = st
        .store
        .create_api_token(&c.actor(), c.principal.user_id, &name)
        .await
        .or_page(&c)?;
    account_page(
        &st,
        &c,
        Some("notice.token_created"),
        Some(secret),
        FormErrors::default(),
    )
    .await
}

pub async fn token_delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    st.store
        .delete_api_token(&c.actor(), c.principal.user_id, id)
        .await
        .or_page(&c)?;
    Ok(see_other("/account", "notice.deleted"))
}

/// Parses one target per line: `2024-12-31 80%` (or `80`, or `0.8`).
pub fn parse_targets(text: &str) -> Result<Vec<gongjin_domain::coverage::CoverageTarget>, String> {
    let mut out = vec![];
    for line in text
        .lines()
        .map(gongjin_domain::clean_text)
        .filter(|l| !l.is_empty())
    {
        let mut parts = line.split_whitespace();
        let (Some(date), Some(share), None) = (parts.next(), parts.next(), parts.next()) else {
            return Err(line);
        };
        let due_on = gongjin_domain::parse_date("due_on", date).map_err(|_| line.clone())?;
        let n: f64 = gongjin_domain::clean_ascii(share)
            .trim_end_matches(['%', '％'])
            .parse()
            .map_err(|_| line.clone())?;
        let share = if n > 1.0 { n / 100.0 } else { n };
        if !(0.0..=1.0).contains(&share) {
            return Err(line);
        }
        out.push(gongjin_domain::coverage::CoverageTarget { due_on, share });
    }
    Ok(out)
}

/// Saves the region's coverage timeline from the overview page.
pub async fn set_targets(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let region_id: i64 = f.get("region_id").and_then(|s| s.parse().ok()).unwrap_or(0);
    let place = st.store.place_of_region(region_id).await.or_page(&c)?;
    c.require(
        gongjin_domain::authz::Action::Write,
        gongjin_domain::authz::Resource::RegionSettings,
        &place,
    )
    .or_page(&c)?;
    match parse_targets(f.get("targets").map(String::as_str).unwrap_or("")) {
        Ok(targets) => {
            st.store
                .set_coverage_targets(&c.actor(), region_id, &targets)
                .await
                .or_page(&c)?;
            Ok(see_other("/", "notice.saved"))
        }
        Err(line) => Ok(Redirect::to(&format!(
            "/?{}",
            serde_urlencoded::to_string([("targets_error", line)]).unwrap_or_default()
        ))
        .into_response()),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn targets_parse_in_bureau_spellings() {
        let t = super::parse_targets("2024-12-31 80%\n\n2025/12/31 100\n").unwrap();
        assert_eq!(t.len(), 2);
        assert!((t[0].share - 0.8).abs() < 1e-9);
        assert!((t[1].share - 1.0).abs() < 1e-9);
        assert_eq!(
            super::parse_targets("2024-12-31 0.8").unwrap()[0].share,
            0.8
        );
        assert!(super::parse_targets("明年 80%").is_err());
        assert!(super::parse_targets("2024-12-31 180%").is_err());
    }
}
