//! Assessment (考核评价): a community's score card from its records under its region's standard,
//! the region's ranking, the standard itself, and reviewers' manual scores.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use gongjin_domain::authz::{Action, Resource};
use gongjin_evaluation::{IndicatorKind, ManualScore, RankEntry, ScoreCard, Standard};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssessmentQuery {
    pub community_id: Option<i64>,
    pub region_id: Option<i64>,
    /// School year (2025 = 2025–2026); default the current.
    pub year: Option<i32>,
}

pub(crate) fn year_of(q: Option<i32>) -> i32 {
    q.unwrap_or_else(|| gongjin_domain::school_year_of(gongjin_store::today()))
}

pub(crate) async fn card(
    st: &AppState,
    c: &Caller,
    community_id: i64,
    year: i32,
) -> Result<ScoreCard, AppError> {
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(community_id).await?,
    )?;
    Ok(st.store.assess_community(community_id, year).await?)
}

/// A community's score card: every indicator's score with its explanation and the records it
/// counted (evidence: kind and id), dimension totals, total, pass.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessment", params(AssessmentQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn assessment(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<ScoreCard>, AppError> {
    let id = q
        .community_id
        .or(c.principal.community_id)
        .ok_or_else(|| AppError::field("community_id", "error.required", None))?;
    Ok(Json(card(&st, &c, id, year_of(q.year)).await?))
}

#[derive(Clone, Serialize, ToSchema)]
pub struct Ranking {
    pub year: i32,
    /// Ranked by the bundled score.
    #[schema(value_type = Vec<Object>)]
    pub entries: Vec<RankEntry>,
    /// Each community's bundled assessment: its own score card and its member schools' progress.
    #[schema(value_type = Vec<Object>)]
    pub bundled: Vec<gongjin_evaluation::BundledResult>,
}

pub(crate) async fn ranking_of(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    year: i32,
) -> Result<Ranking, AppError> {
    let place = st.store.place_of_region(region_id).await?;
    c.require(Action::Read, Resource::RegionSettings, &place)?;
    let ranking = st
        .store
        .cached(&format!("ranking:{region_id}:{year}"), async {
            let bundled = st.store.region_bundled(region_id, year).await?;
            Ok::<_, AppError>(Ranking {
                year,
                entries: gongjin_evaluation::rank_bundled(&bundled),
                bundled,
            })
        })
        .await?;
    Ok((*ranking).clone())
}

#[derive(Clone, Serialize, ToSchema)]
pub struct IndexReport {
    #[schema(value_type = Object)]
    pub index: gongjin_evaluation::DevelopmentIndex,
    /// The index of this and the two school years before, with the change.
    #[schema(value_type = Vec<Object>)]
    pub trend: Vec<gongjin_evaluation::TrendPoint>,
}

pub(crate) async fn index_of(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    year: i32,
) -> Result<IndexReport, AppError> {
    c.require(
        Action::Read,
        Resource::RegionSettings,
        &st.store.place_of_region(region_id).await?,
    )?;
    // Kept until the next write or tomorrow (coverage is measured on the day).
    let key = format!("index:{region_id}:{year}:{}", gongjin_store::today());
    let report = st
        .store
        .cached(&key, async {
            let this = st.store.region_bundled(region_id, year).await?;
            index_with(st, c, region_id, year, &this).await
        })
        .await?;
    Ok((*report).clone())
}

/// The development index and trend, with this year's bundled results already computed.
pub(crate) async fn index_with(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    year: i32,
    this_year: &[gongjin_evaluation::BundledResult],
) -> Result<IndexReport, AppError> {
    c.require(
        Action::Read,
        Resource::RegionSettings,
        &st.store.place_of_region(region_id).await?,
    )?;
    let mut points = vec![];
    let mut last = None;
    for y in year.saturating_sub(2)..=year {
        let i = if y == year {
            st.store
                .development_index_of(region_id, y, this_year)
                .await?
        } else {
            st.store.development_index(region_id, y).await?
        };
        points.push((y, i.index));
        last = Some(i);
    }
    Ok(IndexReport {
        index: last.expect("three years computed"),
        trend: gongjin_evaluation::trend(&points),
    })
}

/// The region's development index (0–100) with each component's points and explanation, and
/// its trend over three school years.
#[utoipa::path(get, path = "/api/v1/development-index", tag = "assessment", params(AssessmentQuery),
    responses((status = 200, body = IndexReport), (status = 403, body = ErrorBody)))]
pub async fn development_index(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<IndexReport>, AppError> {
    let region = q
        .region_id
        .or(
            (c.principal.scope_id > 0 && c.principal.region_prefix().is_some())
                .then_some(c.principal.scope_id),
        )
        .ok_or_else(|| AppError::field("region_id", "error.required", None))?;
    Ok(Json(index_of(&st, &c, region, year_of(q.year)).await?))
}

/// The communities of a region ranked by their total score.
#[utoipa::path(get, path = "/api/v1/assessments/ranking", tag = "assessment", params(AssessmentQuery),
    responses((status = 200, body = Ranking), (status = 403, body = ErrorBody)))]
pub async fn ranking(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<AssessmentQuery>,
) -> Result<Json<Ranking>, AppError> {
    let region = q
        .region_id
        .or(
            (c.principal.scope_id > 0 && c.principal.region_prefix().is_some())
                .then_some(c.principal.scope_id),
        )
        .ok_or_else(|| AppError::field("region_id", "error.required", None))?;
    Ok(Json(ranking_of(&st, &c, region, year_of(q.year)).await?))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct YearQuery {
    pub year: Option<i32>,
}

/// The standard that applies to a region in a year (its own, an ancestor's, or the preset).
#[utoipa::path(get, path = "/api/v1/regions/{id}/standard", tag = "assessment", params(("id" = i64, Path), YearQuery),
    responses((status = 200, body = Object), (status = 403, body = ErrorBody)))]
pub async fn get_standard(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<YearQuery>,
) -> Result<Json<Standard>, AppError> {
    c.require(
        Action::Read,
        Resource::Region,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.standard_for(id, year_of(q.year)).await?))
}

/// Saves a new version of a region's standard (its bureau). The body is the standard as GET
/// returns it; it is checked (unique keys, points, rules) before anything is written.
#[utoipa::path(put, path = "/api/v1/regions/{id}/standard", tag = "assessment", params(("id" = i64, Path)), request_body = Object,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_standard(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<Standard>, JsonRejection>,
) -> Result<Json<Standard>, AppError> {
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    let mut s = body(b)?;
    s.region_id = id;
    if let Some(e) = s.validate().into_iter().next() {
        return Err(AppError::field(
            "standard",
            "error.standard",
            Some(e.to_string()),
        ));
    }
    Ok(Json(st.store.save_standard(&c.actor(), &s).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct ManualFields {
    pub community_id: i64,
    pub year: Option<i32>,
    /// A manual indicator's key.
    pub indicator: String,
    pub score: f64,
    pub comment: Option<String>,
}

/// A reviewer (the community's bureau) scores a manual indicator.
#[utoipa::path(put, path = "/api/v1/assessments/manual", tag = "assessment", request_body = ManualFields,
    responses((status = 200, body = Object), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_manual(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<ManualFields>, JsonRejection>,
) -> Result<Json<ScoreCard>, AppError> {
    let f = body(b)?;
    Ok(Json(save_manual(&st, &c, &f).await?))
}

pub(crate) async fn save_manual(
    st: &AppState,
    c: &Caller,
    f: &ManualFields,
) -> Result<ScoreCard, AppError> {
    let place = st.store.place_of_community(f.community_id).await?;
    c.require(Action::Write, Resource::RegionSettings, &place)?;
    let year = year_of(f.year);
    let com = st.store.get_community(f.community_id).await?;
    let standard = st.store.standard_for(com.region_id, year).await?;
    let ind = standard
        .indicator(&f.indicator)
        .ok_or_else(|| AppError::field("indicator", "error.choice", Some(f.indicator.clone())))?;
    if !matches!(ind.kind, IndicatorKind::Manual { .. }) {
        return Err(AppError::field(
            "indicator",
            "error.not_manual",
            Some(f.indicator.clone()),
        ));
    }
    if !(0.0..=ind.max_points).contains(&f.score) || !f.score.is_finite() {
        return Err(AppError::field(
            "score",
            "error.range",
            Some(format!("0–{}", ind.max_points)),
        ));
    }
    let comment = gongjin_domain::parse_text("comment", f.comment.as_deref(), 2000)
        .map_err(|e| AppError::validation(e.into()))?;
    st.store
        .put_manual_score(
            &c.actor(),
            f.community_id,
            year,
            &ManualScore {
                indicator: f.indicator.clone(),
                score: f.score,
                comment,
                reviewer: c.display_name.clone(),
                attachments: vec![],
            },
        )
        .await?;
    Ok(st.store.assess_community(f.community_id, year).await?)
}
