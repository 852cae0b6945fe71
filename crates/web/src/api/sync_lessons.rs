//! Synchronous lessons (同步课堂/专递课堂) and their yearly count against the target.

use super::body;
use crate::AppState;
use crate::api::activities::place_at;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::operations::{ReceiverFields, SyncLessonFields};
use gongjin_store::sync_lessons::{SyncLesson, SyncLessonCount, SyncLessonDetail, SyncLessonQuery};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct SyncLessonPage {
    pub items: Vec<SyncLesson>,
    pub total: i64,
}

pub(crate) async fn require_lesson(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<SyncLessonDetail, AppError> {
    let l = st.store.get_sync_lesson(id).await?;
    c.require(
        action,
        Resource::Activity,
        &place_at(st, l.lesson.community_id, l.lesson.host_school_id).await?,
    )?;
    Ok(l)
}

/// Checks the caller may record a lesson taught by this teacher in this community.
pub(crate) async fn require_new(
    st: &AppState,
    c: &Caller,
    community_id: i64,
    teacher_id: i64,
) -> Result<(), AppError> {
    let school = st
        .store
        .place_of_teacher(teacher_id)
        .await
        .map_err(|_| AppError::field("host_teacher_id", "error.not_found", None))?
        .school_id
        .unwrap_or_default();
    let place = st
        .store
        .place_of_community(community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    c.require(
        Action::Write,
        Resource::Activity,
        &gongjin_domain::authz::Place {
            school_id: Some(school),
            ..place
        },
    )
}

#[utoipa::path(get, path = "/api/v1/sync-lessons", tag = "sync-lessons", params(SyncLessonQuery), responses((status = 200, body = SyncLessonPage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<SyncLessonQuery>,
) -> Result<Json<SyncLessonPage>, AppError> {
    let p = st.store.list_sync_lessons(&c.visible(), &q).await?;
    Ok(Json(SyncLessonPage {
        items: p.items,
        total: p.total,
    }))
}

/// Records a synchronous lesson with its design form (the host school's coordinator or the lead).
#[utoipa::path(post, path = "/api/v1/sync-lessons", tag = "sync-lessons", request_body = SyncLessonFields,
    responses((status = 201, body = SyncLessonDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<SyncLessonFields>, JsonRejection>,
) -> Result<(StatusCode, Json<SyncLessonDetail>), AppError> {
    let f = body(b)?;
    require_new(&st, &c, f.community_id, f.host_teacher_id).await?;
    let l = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_sync_lesson(&c.actor(), &l).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/sync-lessons/{id}", tag = "sync-lessons", params(("id" = i64, Path)), responses((status = 200, body = SyncLessonDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<SyncLessonDetail>, AppError> {
    Ok(Json(require_lesson(&st, &c, Action::Read, id).await?))
}

pub(crate) fn fields_of(d: &SyncLessonDetail) -> SyncLessonFields {
    let l = &d.lesson;
    SyncLessonFields {
        community_id: l.community_id,
        host_teacher_id: l.host_teacher_id,
        host_class: l.host_class.clone(),
        receivers: d
            .receivers
            .iter()
            .map(|r| ReceiverFields {
                school_id: r.school_id,
                class_label: r.class_label.clone(),
            })
            .collect(),
        subject: l.subject.clone(),
        held_on: l.held_on.clone(),
        period: l.period,
        live_url: Some(l.live_url.clone()),
        topic: l.topic.clone(),
        goals: Some(l.goals.clone()),
        key_points: Some(l.key_points.clone()),
        process: Some(l.process.clone()),
        division: Some(l.division.clone()),
        before_notes: Some(l.before_notes.clone()),
        during_notes: Some(l.during_notes.clone()),
        after_notes: Some(l.after_notes.clone()),
        status: Some(l.status.clone()),
    }
}

/// Changes a lesson: any subset of its fields (e.g. the after-lesson review and `status`).
#[utoipa::path(patch, path = "/api/v1/sync-lessons/{id}", tag = "sync-lessons", params(("id" = i64, Path)), request_body = SyncLessonFields,
    responses((status = 200, body = SyncLessonDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<SyncLessonDetail>, AppError> {
    let before = require_lesson(&st, &c, Action::Write, id).await?;
    let mut f: SyncLessonFields = super::merge(&fields_of(&before), body(b)?)?;
    f.community_id = before.lesson.community_id;
    if f.host_teacher_id != before.lesson.host_teacher_id {
        require_new(&st, &c, f.community_id, f.host_teacher_id).await?;
    }
    let l = f.validate()?;
    Ok(Json(st.store.update_sync_lesson(&c.actor(), id, &l).await?))
}

#[utoipa::path(delete, path = "/api/v1/sync-lessons/{id}", tag = "sync-lessons", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_lesson(&st, &c, Action::Write, id).await?;
    st.store.delete_sync_lesson(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CountQuery {
    pub community_id: Option<i64>,
    /// School year (2025 = 2025–2026); default the current one.
    pub year: Option<i32>,
}

/// Held lessons per community and school year against the target (≥20 lessons, ≥2 subjects).
#[utoipa::path(get, path = "/api/v1/sync-lessons/counts", tag = "sync-lessons", params(CountQuery), responses((status = 200, body = Vec<SyncLessonCount>)))]
pub async fn counts(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CountQuery>,
) -> Result<Json<Vec<SyncLessonCount>>, AppError> {
    let year = q
        .year
        .unwrap_or_else(|| gongjin_domain::school_year_of(gongjin_store::today()));
    Ok(Json(
        st.store
            .sync_lesson_counts(&c.visible(), q.community_id, year)
            .await?,
    ))
}

/// Synchronous lessons as Excel.
#[utoipa::path(get, path = "/api/v1/sync-lessons/export", tag = "sync-lessons", params(SyncLessonQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<SyncLessonQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(1000);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "日期",
        "节次",
        "教共体",
        "学科",
        "课题",
        "主讲教师",
        "主讲学校",
        "主讲班级",
        "接收班级",
        "状态",
        "直播链接",
    ];
    use gongjin_sheet::Cell;
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_sync_lessons(&c.visible(), &q)
        .await?
        .items
        .into_iter()
        .map(|l| {
            vec![
                Cell::Text(l.held_on),
                Cell::Int(l.period),
                Cell::Text(l.community_name),
                Cell::Text(l.subject),
                Cell::Text(l.topic),
                Cell::Text(l.host_teacher_name),
                Cell::Text(l.host_school_name),
                Cell::Text(l.host_class),
                Cell::Text(l.receivers_text),
                Cell::Text(tr.label("activity_status", &l.status)),
                Cell::Text(l.live_url),
            ]
        })
        .collect();
    let bytes = gongjin_sheet::write_xlsx("同步课堂", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("同步课堂_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}
