use super::{body, merge};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::TeacherFields;
use gongjin_store::records::{ListQuery, Teacher};
use gongjin_store::teachers::TeacherFilter;
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct TeacherPage {
    /// Phones are masked in lists (`138****5678`).
    pub items: Vec<Teacher>,
    /// Matching teachers, counted up to 10,000: when more match, `total` is 10,001 and
    /// `total_exact` false.
    pub total: i64,
    pub total_exact: bool,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/teachers", tag = "teachers", params(ListQuery, TeacherFilter), responses((status = 200, body = TeacherPage), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ListQuery>,
    Query(tf): Query<TeacherFilter>,
) -> Result<Json<TeacherPage>, AppError> {
    let p = st.store.list_teachers(&c.visible(), &q, &tf).await?;
    Ok(Json(TeacherPage {
        items: p.items.into_iter().map(Teacher::mask_phone).collect(),
        total_exact: p.total <= gongjin_store::teachers::TOTAL_CAP,
        total: p.total,
        page: q.page(),
        per_page: q.limit(),
    }))
}

#[utoipa::path(post, path = "/api/v1/teachers", tag = "teachers", request_body = TeacherFields,
    responses((status = 201, body = Teacher), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<TeacherFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Teacher>), AppError> {
    let f = body(b)?;
    let place = st
        .store
        .place_of_school(f.school_id)
        .await
        .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Teacher, &place)?;
    let t = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_teacher(&c.actor(), &t).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/teachers/{id}", tag = "teachers", params(("id" = i64, Path)), responses((status = 200, body = Teacher), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Teacher>, AppError> {
    c.require(
        Action::Read,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await?,
    )?;
    Ok(Json(st.store.get_teacher(id).await?))
}

/// Updates a teacher: send only the fields to change.
#[utoipa::path(patch, path = "/api/v1/teachers/{id}", tag = "teachers", params(("id" = i64, Path)), request_body = TeacherFields,
    responses((status = 200, body = Teacher), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Teacher>, AppError> {
    c.require(
        Action::Write,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await?,
    )?;
    let before = st.store.get_teacher(id).await?;
    let f: TeacherFields = merge(&before.fields(), body(b)?)?;
    if f.school_id != before.school_id {
        let to = st
            .store
            .place_of_school(f.school_id)
            .await
            .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
        c.require(Action::Write, Resource::Teacher, &to)?;
    }
    let t = f.validate()?;
    Ok(Json(st.store.update_teacher(&c.actor(), id, &t).await?))
}

#[utoipa::path(delete, path = "/api/v1/teachers/{id}", tag = "teachers", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await?,
    )?;
    st.store.delete_teacher(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}
