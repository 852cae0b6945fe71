//! Balance monitoring (优质均衡): the county figures of a school year, and the what-if of teacher moves.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::conditions::{
    BalanceRuleSettings, BalanceView, MoveInput, RegionBalanceRules, WhatIfView,
};
use serde::Deserialize;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BalanceQuery {
    /// The county (or any region: its whole subtree is computed together).
    pub region_id: i64,
    /// School year by its first calendar year (2025 = 2025–2026); the latest with conditions when absent.
    pub year: Option<i32>,
}

/// Checks the caller may read the region's balance figures and picks the year.
pub(crate) async fn resolve(
    st: &AppState,
    c: &Caller,
    region_id: i64,
    year: Option<i32>,
) -> Result<i32, AppError> {
    let place = st.store.place_of_region(region_id).await?;
    c.require(Action::Read, Resource::Balance, &place)?;
    Ok(match year {
        Some(y) => y,
        None => st
            .store
            .condition_years(region_id)
            .await?
            .first()
            .copied()
            .unwrap_or_else(|| {
                let today = gongjin_store::today();
                use chrono::Datelike;
                if today.month() >= 9 {
                    today.year()
                } else {
                    today.year() - 1
                }
            }),
    })
}

/// Per stage and indicator: the national threshold, the enrolment-weighted CV against its threshold, the pass
/// flag and every included school's value and enrolment; per school part its seven values, the verdict under the
/// region's rules (national: ≥6 of 7, the rest ≥85 %, parts under 50 students left out) and, where the teacher
/// registry counts a figure differently, both numbers; `rules`: the rules in force and where they come from.
/// Bureau administrators and inspectors of the region.
#[utoipa::path(get, path = "/api/v1/balance", tag = "balance", params(BalanceQuery),
    responses((status = 200, body = BalanceView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<BalanceQuery>,
) -> Result<Json<BalanceView>, AppError> {
    let year = resolve(&st, &c, q.region_id, q.year).await?;
    Ok(Json(st.store.balance(q.region_id, year).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct WhatIfRequest {
    pub region_id: i64,
    pub year: Option<i32>,
    /// Moves entered by hand.
    #[serde(default)]
    pub moves: Vec<MoveInput>,
    /// Also apply the region's planned long-term and support-teaching exchanges of the year.
    #[serde(default)]
    pub planned: bool,
}

/// Each indicator's CV before and after moving the given teachers (and, with `planned`, the year's planned
/// exchanges). Computes only; nothing is written.
#[utoipa::path(post, path = "/api/v1/balance/what-if", tag = "balance", request_body = WhatIfRequest,
    responses((status = 200, body = WhatIfView), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn what_if(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<WhatIfRequest>, JsonRejection>,
) -> Result<Json<WhatIfView>, AppError> {
    let r = body(b)?;
    let year = resolve(&st, &c, r.region_id, r.year).await?;
    let mut moves = r.moves;
    if r.planned {
        moves.extend(st.store.planned_moves(r.region_id, year).await?);
    }
    match st.store.balance_what_if(r.region_id, year, &moves).await? {
        Ok(v) => Ok(Json(v)),
        Err(p) => Err(AppError {
            message_override: Some(p.0),
            ..AppError::field("moves", "error.validation", None)
        }),
    }
}

/// The balance rules in force for a region (its own, the nearest ancestor's, or the national defaults).
#[utoipa::path(get, path = "/api/v1/regions/{id}/balance-rules", tag = "balance", params(("id" = i64, Path)),
    responses((status = 200, body = RegionBalanceRules), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_rules(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<RegionBalanceRules>, AppError> {
    c.require(
        Action::Read,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.balance_rules(id).await?))
}

/// Sets a region's balance rules (inherited by the regions below it): `min_met` 0–7, `floor_share` in (0, 1],
/// `min_enrolment` ≥ 0, CV thresholds > 0. Every balance figure of the region (page, API, what-if, assessment,
/// rotation planning) follows them. Bureau administrators of the region or above.
#[utoipa::path(put, path = "/api/v1/regions/{id}/balance-rules", tag = "balance", params(("id" = i64, Path)), request_body = BalanceRuleSettings,
    responses((status = 200, body = RegionBalanceRules), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_rules(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<BalanceRuleSettings>, JsonRejection>,
) -> Result<Json<RegionBalanceRules>, AppError> {
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    let r = body(b)?;
    r.validate().map_err(AppError::validation)?;
    Ok(Json(st.store.set_balance_rules(&c.actor(), id, &r).await?))
}
