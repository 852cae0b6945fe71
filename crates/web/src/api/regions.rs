use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::coverage::{Coverage, CoverageTarget};
use gongjin_domain::inputs::RegionFields;
use gongjin_store::records::{CommunityKind, Region};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RegionQuery {
    pub q: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RegionPage {
    pub items: Vec<Region>,
    pub total: i64,
}

/// Regions the caller may see (their own, below it, and the ancestors).
#[utoipa::path(get, path = "/api/v1/regions", tag = "regions", params(RegionQuery), responses((status = 200, body = RegionPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<RegionQuery>,
) -> Result<Json<RegionPage>, AppError> {
    let items = st.store.list_regions(&c.visible(), q.q.as_deref()).await?;
    Ok(Json(RegionPage {
        total: items.len() as i64,
        items,
    }))
}

/// Creates a region below one the caller administers.
#[utoipa::path(post, path = "/api/v1/regions", tag = "regions", request_body = RegionFields,
    responses((status = 201, body = Region), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<RegionFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Region>), AppError> {
    let f = body(b)?;
    let parent_path = match f.parent_id {
        Some(pid) => {
            st.store
                .place_of_region(pid)
                .await
                .map_err(|_| AppError::field("parent_id", "error.not_found", None))?
                .region_path
        }
        None => "/".into(),
    };
    // The new region's place: a child of its parent.
    c.require(
        Action::Write,
        Resource::Region,
        &Place {
            region_path: format!("{parent_path}0/"),
            ..Place::default()
        },
    )?;
    let r = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_region(&c.actor(), &r).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = i64, Path)), responses((status = 200, body = Region), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Region>, AppError> {
    c.require(
        Action::Read,
        Resource::Region,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.get_region(id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct RegionPatch {
    pub name: String,
}

/// Renames a region.
#[utoipa::path(patch, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = i64, Path)), request_body = RegionPatch,
    responses((status = 200, body = Region), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<RegionPatch>, JsonRejection>,
) -> Result<Json<Region>, AppError> {
    c.require(
        Action::Write,
        Resource::Region,
        &st.store.place_of_region(id).await?,
    )?;
    let p = body(b)?;
    let name = gongjin_domain::parse_name("name", &p.name)
        .map_err(gongjin_domain::ValidationErrors::from)?;
    Ok(Json(st.store.rename_region(&c.actor(), id, &name).await?))
}

/// Deletes an empty region.
#[utoipa::path(delete, path = "/api/v1/regions/{id}", tag = "regions", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Region,
        &st.store.place_of_region(id).await?,
    )?;
    st.store.delete_region(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CoverageQuery {
    pub region_id: i64,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct RegionCoverage {
    pub region_id: i64,
    pub region_name: String,
    #[serde(flatten)]
    pub coverage: Coverage,
    /// The same figures for each child region.
    pub children: Vec<ChildCoverage>,
}

#[derive(Clone, Serialize, ToSchema)]
pub struct ChildCoverage {
    pub region_id: i64,
    pub region_name: String,
    pub eligible: u32,
    pub covered: u32,
    pub share: f64,
}

pub(crate) async fn coverage_of(st: &AppState, region_id: i64) -> Result<RegionCoverage, AppError> {
    let region = st.store.get_region(region_id).await?;
    // One read of the subtree's schools, split by child region.
    let at = st.store.coverage_schools_at(region_id).await?;
    let schools: Vec<_> = at.iter().map(|(_, s)| *s).collect();
    let targets = st.store.coverage_targets(region_id).await?;
    let cov = gongjin_domain::coverage::coverage(&schools, &targets, gongjin_store::today());
    let mut children = vec![];
    for child in st.store.child_regions(region_id).await? {
        let s: Vec<_> = at
            .iter()
            .filter(|(p, _)| p.starts_with(child.path.as_str()))
            .map(|(_, s)| *s)
            .collect();
        let cc = gongjin_domain::coverage::coverage(&s, &[], gongjin_store::today());
        children.push(ChildCoverage {
            region_id: child.id,
            region_name: child.name,
            eligible: cc.eligible,
            covered: cc.covered,
            share: cc.share,
        });
    }
    Ok(RegionCoverage {
        region_id,
        region_name: region.name,
        coverage: cov,
        children,
    })
}

/// Coverage of a region: the share of public compulsory schools in a community, against the targets.
#[utoipa::path(get, path = "/api/v1/coverage", tag = "regions", params(CoverageQuery), responses((status = 200, body = RegionCoverage), (status = 403, body = ErrorBody)))]
pub async fn coverage(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CoverageQuery>,
) -> Result<Json<RegionCoverage>, AppError> {
    let place = st.store.place_of_region(q.region_id).await?;
    // Coverage is a bureau figure: region-scoped roles inside the region.
    c.require(Action::Read, Resource::RegionSettings, &place)?;
    Ok(Json(coverage_of(&st, q.region_id).await?))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}/coverage-targets", tag = "regions", params(("id" = i64, Path)), responses((status = 200, body = Vec<CoverageTarget>), (status = 403, body = ErrorBody)))]
pub async fn get_targets(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CoverageTarget>>, AppError> {
    c.require(
        Action::Read,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.coverage_targets(id).await?))
}

/// Replaces the region's coverage timeline (shares 0–1).
#[utoipa::path(put, path = "/api/v1/regions/{id}/coverage-targets", tag = "regions", params(("id" = i64, Path)), request_body = Vec<CoverageTarget>,
    responses((status = 200, body = Vec<CoverageTarget>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_targets(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<Vec<CoverageTarget>>, JsonRejection>,
) -> Result<Json<Vec<CoverageTarget>>, AppError> {
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    let targets = body(b)?;
    if let Some(bad) = targets.iter().find(|t| !(0.0..=1.0).contains(&t.share)) {
        return Err(AppError::field(
            "share",
            "error.range",
            Some(format!("0–1 ({})", bad.share)),
        ));
    }
    st.store
        .set_coverage_targets(&c.actor(), id, &targets)
        .await?;
    Ok(Json(st.store.coverage_targets(id).await?))
}

#[utoipa::path(get, path = "/api/v1/regions/{id}/community-kinds", tag = "regions", params(("id" = i64, Path)), responses((status = 200, body = Vec<CommunityKind>)))]
pub async fn get_kinds(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<CommunityKind>>, AppError> {
    c.require(
        Action::Read,
        Resource::Region,
        &st.store.place_of_region(id).await?,
    )?;
    Ok(Json(st.store.community_kinds(id).await?))
}

/// Replaces the region's list of community kinds (inherited by the regions below).
#[utoipa::path(put, path = "/api/v1/regions/{id}/community-kinds", tag = "regions", params(("id" = i64, Path)), request_body = Vec<CommunityKind>,
    responses((status = 200, body = Vec<CommunityKind>), (status = 403, body = ErrorBody)))]
pub async fn put_kinds(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<Vec<KindBody>>, JsonRejection>,
) -> Result<Json<Vec<CommunityKind>>, AppError> {
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(id).await?,
    )?;
    let kinds = body(b)?;
    let mut pairs = vec![];
    for k in kinds {
        let key = gongjin_domain::clean_ascii(&k.key);
        if key.is_empty() || !key.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') {
            return Err(AppError::field("kind", "error.choice", Some(key)));
        }
        pairs.push((
            key,
            gongjin_domain::parse_name("name", &k.name)
                .map_err(gongjin_domain::ValidationErrors::from)?,
        ));
    }
    st.store.set_community_kinds(&c.actor(), id, &pairs).await?;
    Ok(Json(st.store.community_kinds(id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct KindBody {
    pub key: String,
    pub name: String,
}
