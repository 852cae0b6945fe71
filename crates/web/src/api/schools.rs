use super::{body, merge};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gongjin_domain::Role;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::SchoolFields;
use gongjin_store::records::{ListQuery, Membership, School};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SchoolPage {
    pub items: Vec<School>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/schools", tag = "schools", params(ListQuery), responses((status = 200, body = SchoolPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<SchoolPage>, AppError> {
    let p = st.store.list_schools(&c.visible(), &q).await?;
    Ok(Json(SchoolPage {
        items: p.items,
        total: p.total,
        page: q.page(),
        per_page: q.limit(),
    }))
}

pub(crate) async fn school_place_for_region(
    st: &AppState,
    region_id: i64,
) -> Result<Place, AppError> {
    let region = st
        .store
        .place_of_region(region_id)
        .await
        .map_err(|_| AppError::field("region_id", "error.not_found", None))?;
    Ok(Place {
        region_path: region.region_path,
        ..Place::default()
    })
}

#[utoipa::path(post, path = "/api/v1/schools", tag = "schools", request_body = SchoolFields,
    responses((status = 201, body = School), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<SchoolFields>, JsonRejection>,
) -> Result<(StatusCode, Json<School>), AppError> {
    let f = body(b)?;
    c.require(
        Action::Write,
        Resource::School,
        &school_place_for_region(&st, f.region_id).await?,
    )?;
    let s = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_school(&c.actor(), &s).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SchoolDetail {
    #[serde(flatten)]
    pub school: School,
    /// Every membership the school has had, newest first.
    pub memberships: Vec<Membership>,
}

#[utoipa::path(get, path = "/api/v1/schools/{id}", tag = "schools", params(("id" = i64, Path)), responses((status = 200, body = SchoolDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SchoolDetail>, AppError> {
    c.require(
        Action::Read,
        Resource::School,
        &st.store.place_of_school(id).await?,
    )?;
    Ok(Json(SchoolDetail {
        school: st.store.get_school(id).await?,
        memberships: st.store.school_memberships(id).await?,
    }))
}

/// Updates a school: send only the fields to change.
#[utoipa::path(patch, path = "/api/v1/schools/{id}", tag = "schools", params(("id" = i64, Path)), request_body = SchoolFields,
    responses((status = 200, body = School), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<School>, AppError> {
    let place = st.store.place_of_school(id).await?;
    c.require(Action::Write, Resource::School, &place)?;
    let before = st.store.get_school(id).await?;
    let f: SchoolFields = merge(&before.fields(), body(b)?)?;
    if f.region_id != before.region_id {
        c.require(
            Action::Write,
            Resource::School,
            &school_place_for_region(&st, f.region_id).await?,
        )?;
    }
    // A school coordinator keeps the registry keys (code, region) as the bureau set them.
    if c.principal.role == Role::SchoolCoordinator
        && (f.region_id != before.region_id || gongjin_domain::clean_ascii(&f.code) != before.code)
    {
        return Err(AppError::forbidden());
    }
    let s = f.validate()?;
    Ok(Json(st.store.update_school(&c.actor(), id, &s).await?))
}

#[utoipa::path(delete, path = "/api/v1/schools/{id}", tag = "schools", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let place = st.store.place_of_school(id).await?;
    // Removing a school from the registry is the bureau's decision.
    c.require(Action::Write, Resource::Membership, &place)?;
    st.store.delete_school(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
