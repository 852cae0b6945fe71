//! The region dashboard (区域概览): a region's figures for one school year — coverage, exchanges and
//! hours, activities per month, quota compliance per community, assessment scores by dimension,
//! balance CVs against their thresholds, the latest unified tests and the development index trend.
//! The home page draws the same figures (`ui/pages.rs`).

use crate::AppState;
use crate::api::regions::{RegionCoverage, coverage_of};
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::{Path, Query, State};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::quota::{QuotaFigure, QuotaRules};
use gongjin_store::dashboard::{ExchangeFigures, TestResult, Within};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DashboardQuery {
    /// School year by its first calendar year (2025 = 2025–2026); by default the current one, or
    /// the latest before it with data.
    pub year: Option<i32>,
}

/// Activities in one month.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MonthCount {
    /// `YYYY-MM`
    pub month: String,
    pub count: i64,
}

/// A community's quota figures for the year (the records behind them are on `/api/v1/quotas`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityQuota {
    pub community_id: i64,
    pub name: String,
    /// `long_term`, `shadowing` (per member school), `exchanged` and `backbone` of the community.
    pub figures: Vec<QuotaFigure>,
}

/// Quota compliance of the region and of each of its communities.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotaSummary {
    pub rules: QuotaRules,
    /// The region as a whole: `exchanged` (≥ share of eligible teachers) and `backbone`.
    pub region: Vec<QuotaFigure>,
    pub communities: Vec<CommunityQuota>,
}

/// One dimension of a community's score card.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DimensionFigure {
    pub key: String,
    pub name: String,
    pub score: f64,
    pub max: f64,
}

/// A community's bundled assessment for the year, by dimension.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CommunityScores {
    pub community_id: i64,
    pub name: String,
    /// The score card's total and its maximum.
    pub total: f64,
    pub max_total: f64,
    /// The bundled score (0–100, member progress weighted in).
    pub bundled: f64,
    pub passed: bool,
    pub dimensions: Vec<DimensionFigure>,
}

/// One indicator's coefficient of variation against its stage's threshold.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndicatorCv {
    pub key: String,
    pub label: String,
    pub cv: f64,
    pub pass: bool,
}

/// One stage's CVs.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StageCv {
    /// `primary` or `junior`.
    pub stage: String,
    pub cv_threshold: f64,
    pub all_cv_pass: bool,
    pub indicators: Vec<IndicatorCv>,
}

/// The development index of one school year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IndexPoint {
    pub year: i32,
    pub index: f64,
    pub change: Option<f64>,
}

/// A region's dashboard for one school year.
#[derive(Clone, Serialize, ToSchema)]
pub struct RegionDashboard {
    pub region_id: i64,
    pub region_name: String,
    /// School year by its first calendar year.
    pub year: i32,
    /// School years with records in the region, latest first.
    pub years: Vec<i32>,
    /// First and last day of the school year.
    pub from: String,
    pub to: String,
    pub coverage: RegionCoverage,
    /// Exchanges overlapping the year (leaving or entering the region's schools) and hours logged in it.
    pub exchanges: ExchangeFigures,
    /// Joint research activities (not cancelled) of the region's communities, each month of the year
    /// up to the current one.
    pub activities_by_month: Vec<MonthCount>,
    pub quota: QuotaSummary,
    /// Each community's bundled assessment by dimension.
    pub assessment: Vec<CommunityScores>,
    /// Balance CVs per stage; `None` when the region has no school conditions for the year.
    pub balance: Option<Vec<StageCv>>,
    /// Each community's latest unified test held by the end of the year.
    pub unified_tests: Vec<TestResult>,
    /// The development index of this and the two school years before.
    pub development_index: Vec<IndexPoint>,
}

/// The school year shown when none is asked for: the current one when it has records, else the
/// latest before it that has, else the current one.
fn default_year(years: &[i32]) -> i32 {
    let now = gongjin_domain::school_year_of(gongjin_store::today());
    years.iter().copied().find(|y| *y <= now).unwrap_or(now)
}

/// Every month of the school year from September up to the current month (or all twelve for a
/// past year), with the counts given (others 0).
fn months_of(year: i32, counts: &[(String, i64)]) -> Vec<MonthCount> {
    let today = gongjin_store::today().format("%Y-%m").to_string();
    (0..12)
        .map(|i| {
            let (y, m) = if i < 4 {
                (year, 9 + i)
            } else {
                (year + 1, i - 3)
            };
            format!("{y:04}-{m:02}")
        })
        .filter(|m| *m <= today || counts.iter().any(|c| &c.0 == m))
        .map(|month| MonthCount {
            count: counts.iter().find(|c| c.0 == month).map_or(0, |c| c.1),
            month,
        })
        .collect()
}

pub(crate) async fn build_region_dashboard(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    year: Option<i32>,
) -> Result<RegionDashboard, AppError> {
    let place = st.store.place_of_region(region_id).await?;
    // A bureau figure: region-scoped roles inside the region (as coverage and quotas).
    c.require(Action::Read, Resource::RegionSettings, &place)?;
    let years = st.store.dashboard_years(region_id).await?;
    let year = year.unwrap_or_else(|| default_year(&years));
    // The same figures for every caller who may read them, until the next write (or tomorrow: the
    // months shown and the coverage targets follow the date). Whether the caller sees balance
    // figures is part of the key.
    let may_balance = c.may(Action::Read, Resource::Balance, &place);
    let key = format!(
        "dashboard:{region_id}:{year}:{}:{may_balance}",
        gongjin_store::today()
    );
    let d = st
        .store
        .cached(
            &key,
            compute_region_dashboard(st, c, region_id, &place, years, year, may_balance),
        )
        .await?;
    Ok((*d).clone())
}

async fn compute_region_dashboard(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    place: &gongjin_domain::authz::Place,
    years: Vec<i32>,
    year: i32,
    may_balance: bool,
) -> Result<RegionDashboard, AppError> {
    let (from, to) = gongjin_domain::school_year_bounds(year);
    let (from, to) = (from.to_string(), to.to_string());
    let within = Within::Region(&place.region_path);
    let coverage = coverage_of(st, region_id).await?;
    let exchanges = st.store.exchange_figures(within, &from, &to).await?;
    let by_month = st.store.activities_by_month(within, &from, &to).await?;

    // Every community of the region, assessed bundled (the ranking page's figures), from one read
    // of the facts, which also give each community's quota figures.
    let facts = st.store.region_facts(&place.region_path, year).await?;
    let bundled = gongjin_store::assessment::region_bundled_of(&facts)?;
    let assessment: Vec<CommunityScores> = bundled
        .iter()
        .cloned()
        .map(|b| CommunityScores {
            community_id: b.community_id,
            name: b.name,
            total: b.card.total,
            max_total: b.card.max_total,
            bundled: b.score,
            passed: b.passed,
            dimensions: b
                .card
                .dimensions
                .into_iter()
                .map(|d| DimensionFigure {
                    key: d.key,
                    name: d.name,
                    score: d.score,
                    max: d.max,
                })
                .collect(),
        })
        .collect();

    // Quotas, as the quotas page computes them: the region as a whole, then each community.
    let quota_of = |community_id, region_id| async move {
        let q = crate::api::exchanges::QuotaQuery {
            community_id,
            region_id,
            year: Some(year),
        };
        crate::api::exchanges::quota_report(st, c, &q).await
    };
    let strip = |figures: Vec<QuotaFigure>| -> Vec<QuotaFigure> {
        figures
            .into_iter()
            .map(|mut f| {
                f.records.clear();
                f
            })
            .collect()
    };
    let whole = quota_of(None, Some(region_id)).await?;
    let quota_communities = assessment
        .iter()
        .map(|a| CommunityQuota {
            community_id: a.community_id,
            name: a.name.clone(),
            figures: strip(facts.quota(a.community_id).to_vec()),
        })
        .collect();
    let quota = QuotaSummary {
        rules: whole.rules,
        region: strip(
            whole
                .figures
                .into_iter()
                .filter(|f| f.rule == "exchanged" || f.rule == "backbone")
                .collect(),
        ),
        communities: quota_communities,
    };

    let balance = if may_balance && st.store.condition_years(region_id).await?.contains(&year) {
        let v = st.store.balance(region_id, year).await?;
        Some(
            v.stages
                .into_iter()
                .map(|s| StageCv {
                    stage: s.stage,
                    cv_threshold: s.cv_threshold,
                    all_cv_pass: s.all_cv_pass,
                    indicators: s
                        .indicators
                        .into_iter()
                        .map(|i| IndicatorCv {
                            key: i.key,
                            label: i.label,
                            cv: i.cv,
                            pass: i.pass,
                        })
                        .collect(),
                })
                .collect(),
        )
    } else {
        None
    };

    let unified_tests = st
        .store
        .latest_test_results(&place.region_path, &to)
        .await?;
    let development_index = crate::api::assessment::index_with(st, c, region_id, year, &bundled)
        .await?
        .trend
        .into_iter()
        .map(|t| IndexPoint {
            year: t.year,
            index: t.index,
            change: t.change,
        })
        .collect();

    Ok(RegionDashboard {
        region_id,
        region_name: coverage.region_name.clone(),
        year,
        years,
        activities_by_month: months_of(year, &by_month),
        from,
        to,
        coverage,
        exchanges,
        quota,
        assessment,
        balance,
        unified_tests,
        development_index,
    })
}

/// A region's dashboard for a school year: coverage, exchanges and logged hours (per kind and
/// month), activities per month, quota compliance (the region and each community), each
/// community's assessment by dimension, balance CVs per stage against the threshold, each
/// community's latest unified test and the development index trend. Bureau administrators and
/// inspectors of the region.
#[utoipa::path(get, path = "/api/v1/regions/{id}/dashboard", tag = "regions", params(("id" = i64, Path), DashboardQuery),
    responses((status = 200, body = RegionDashboard), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn region_dashboard(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    Query(q): Query<DashboardQuery>,
) -> Result<Json<RegionDashboard>, AppError> {
    Ok(Json(build_region_dashboard(&st, &c, id, q.year).await?))
}
