//! Assessment pages: a community's score card with every point's evidence, manual scoring by the
//! bureau, and the region's ranking.

use super::common::*;
use crate::AppState;
use crate::api::assessment::{ManualFields, card, ranking_of, save_manual, year_of};
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_evaluation::{Evidence, RankEntry, ScoreCard};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/assessment", get(page))
        .route("/assessment/manual", post(manual))
        .route("/assessment/ranking", get(ranking))
}

/// Where a piece of evidence opens.
pub fn evidence_url(e: &Evidence) -> String {
    let base = match e.kind.as_str() {
        "teacher" => "/teachers",
        "exchange" => "/exchanges",
        "activity" => "/activities",
        "sync_lesson" => "/sync-lessons",
        "mentorship" => "/mentorships",
        "meeting" => "/meetings",
        "course" => "/courses",
        "student_event" => return "/student-events".into(),
        "unified_test" => "/unified-tests",
        "school" => "/schools",
        "project" => "/projects",
        _ => return "#".into(),
    };
    format!("{base}/{}", e.id)
}

#[derive(Template)]
#[template(path = "assessment.html")]
struct AssessmentPage {
    shell: Shell,
    card: ScoreCard,
    /// Score by dimension against its maximum (SVG).
    chart: String,
    communities: Vec<Opt>,
    years: Vec<Opt>,
    can_review: bool,
    errors: FormErrors,
}

impl AssessmentPage {
    fn url(&self, e: &Evidence) -> String {
        evidence_url(e)
    }
    fn num(&self, v: &f64) -> String {
        gongjin_evaluation::fmt_num(*v)
    }
}

fn year_opts(current: i32) -> Vec<Opt> {
    let now = gongjin_domain::school_year_of(gongjin_store::today());
    opts(
        (now - 2..=now)
            .rev()
            .map(|y| (y.to_string(), format!("{y}–{}学年", y + 1))),
        &current.to_string(),
    )
}

async fn render_page(
    st: &AppState,
    c: &crate::auth::Caller,
    community: Option<i64>,
    year: i32,
    errors: FormErrors,
) -> PageResult {
    let communities = super::activities::community_opts(st, c, community)
        .await
        .or_page(c)?;
    let Some(id) = community
        .or(c.principal.community_id)
        .or_else(|| communities.first().and_then(|o| o.value.parse().ok()))
    else {
        return Err(error_page(&crate::error::AppError::not_found(), c.locale));
    };
    let card = card(st, c, id, year).await.or_page(c)?;
    let can_review = c.may(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_community(id).await.or_page(c)?,
    );
    let chart = crate::charts::coverage_bars(
        &card
            .dimensions
            .iter()
            .map(|d| crate::charts::Bar {
                label: d.name.clone(),
                value: if d.max > 0.0 { d.score / d.max } else { 0.0 },
                caption: format!(
                    "{} / {}",
                    gongjin_evaluation::fmt_num(d.score),
                    gongjin_evaluation::fmt_num(d.max)
                ),
            })
            .collect::<Vec<_>>(),
        &[(0.6, "60%".into())],
    );
    render(&AssessmentPage {
        shell: Shell::new(c, "assessment"),
        chart,
        communities: super::activities::community_opts(st, c, Some(id))
            .await
            .or_page(c)?,
        years: year_opts(year),
        card,
        can_review,
        errors,
    })
}

pub async fn page(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let community = q.get("community_id").and_then(|v| v.parse().ok());
    let year = year_of(q.get("year").and_then(|v| v.parse().ok()));
    render_page(&st, &c, community, year, FormErrors::default()).await
}

pub async fn manual(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let community_id: i64 = f
        .get("community_id")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let year: i32 = year_of(f.get("year").and_then(|v| v.parse().ok()));
    let score = match opt_f64(&f, "score") {
        Ok(Some(v)) => v,
        Ok(None) => -1.0,
        Err(e) => {
            let e = crate::error::AppError::validation(e.into());
            return render_page(
                &st,
                &c,
                Some(community_id),
                year,
                FormErrors::from_error(&e, c.locale),
            )
            .await;
        }
    };
    let m = ManualFields {
        community_id,
        year: Some(year),
        indicator: f.get("indicator").cloned().unwrap_or_default(),
        score,
        comment: opt_text(&f, "comment"),
    };
    match save_manual(&st, &c, &m).await {
        Ok(_) => Ok(see_other(
            &format!("/assessment?community_id={community_id}&year={year}"),
            "notice.saved",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => {
            render_page(
                &st,
                &c,
                Some(community_id),
                year,
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "assessment_ranking.html")]
struct RankingPage {
    shell: Shell,
    entries: Vec<RankEntry>,
    bundled: Vec<gongjin_evaluation::BundledResult>,
    index: crate::api::assessment::IndexReport,
    trend_chart: String,
    year: i32,
    years: Vec<Opt>,
    regions: Vec<Opt>,
}

impl RankingPage {
    fn num(&self, v: &f64) -> String {
        gongjin_evaluation::fmt_num(*v)
    }
    fn bundled_of(&self, id: &i64) -> Option<&gongjin_evaluation::BundledResult> {
        self.bundled.iter().find(|b| b.community_id == *id)
    }
}

pub async fn ranking(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let year = year_of(q.get("year").and_then(|v| v.parse().ok()));
    let region = q
        .get("region_id")
        .and_then(|v| v.parse().ok())
        .or(
            (c.principal.scope_id > 0 && c.principal.region_prefix().is_some())
                .then_some(c.principal.scope_id),
        )
        .ok_or_else(|| {
            error_page(
                &crate::error::AppError::field("region_id", "error.required", None),
                c.locale,
            )
        })?;
    let r = ranking_of(&st, &c, region, year).await.or_page(&c)?;
    let index = crate::api::assessment::index_of(&st, &c, region, year)
        .await
        .or_page(&c)?;
    let trend_chart = crate::charts::columns(
        &index
            .trend
            .iter()
            .map(|t| (format!("{}学年", t.year), t.index.round() as i64))
            .collect::<Vec<_>>(),
    );
    render(&RankingPage {
        shell: Shell::new(&c, "assessment"),
        entries: r.entries,
        bundled: r.bundled,
        index,
        trend_chart,
        year,
        years: year_opts(year),
        regions: region_opts(&st, &c, &region.to_string())
            .await
            .or_page(&c)?,
    })
}
