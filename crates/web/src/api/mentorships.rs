//! Mentoring (师徒结对): pairs, tasks, staged evaluations.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::{EvaluationFields, MentorshipFields, TaskFields};
use gongjin_store::mentorships::{Evaluation, Mentorship, MentorshipDetail, MentorshipQuery, Task};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MentorshipPage {
    pub items: Vec<Mentorship>,
    pub total: i64,
}

fn may(c: &Caller, action: Action, res: Resource, places: &(Place, Place)) -> bool {
    c.may(action, res, &places.0) || c.may(action, res, &places.1)
}

pub(crate) async fn require_pair(
    st: &AppState,
    c: &Caller,
    action: Action,
    res: Resource,
    id: i64,
) -> Result<(Place, Place), AppError> {
    let places = st.store.places_of_mentorship(id).await?;
    if may(c, action, res, &places) {
        Ok(places)
    } else {
        Err(AppError::forbidden().in_locale(c.locale))
    }
}

/// Validates a new pair for the caller: both teachers visible, and the caller records pairs at one of their schools.
pub(crate) async fn checked_pair(
    st: &AppState,
    c: &Caller,
    f: &MentorshipFields,
) -> Result<gongjin_domain::inputs::NewMentorship, AppError> {
    let m = f.validate()?;
    let mp = st
        .store
        .place_of_teacher(m.mentor_id)
        .await
        .map_err(|_| AppError::field("mentor_id", "error.not_found", None))?;
    let ap = st
        .store
        .place_of_teacher(m.apprentice_id)
        .await
        .map_err(|_| AppError::field("apprentice_id", "error.not_found", None))?;
    c.require(Action::Read, Resource::Teacher, &mp)?;
    c.require(Action::Read, Resource::Teacher, &ap)?;
    if !may(c, Action::Write, Resource::Mentorship, &(mp, ap)) {
        return Err(AppError::forbidden().in_locale(c.locale));
    }
    Ok(m)
}

#[utoipa::path(get, path = "/api/v1/mentorships", tag = "mentorships", params(MentorshipQuery), responses((status = 200, body = MentorshipPage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<MentorshipQuery>,
) -> Result<Json<MentorshipPage>, AppError> {
    let p = st.store.list_mentorships(&c.visible(), &q).await?;
    Ok(Json(MentorshipPage {
        items: p.items,
        total: p.total,
    }))
}

/// Signs a mentoring pair.
#[utoipa::path(post, path = "/api/v1/mentorships", tag = "mentorships", request_body = MentorshipFields,
    responses((status = 201, body = MentorshipDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<MentorshipFields>, JsonRejection>,
) -> Result<(StatusCode, Json<MentorshipDetail>), AppError> {
    let m = checked_pair(&st, &c, &body(b)?).await?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_mentorship(&c.actor(), &m).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/mentorships/{id}", tag = "mentorships", params(("id" = i64, Path)), responses((status = 200, body = MentorshipDetail), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MentorshipDetail>, AppError> {
    require_pair(&st, &c, Action::Read, Resource::Mentorship, id).await?;
    Ok(Json(st.store.get_mentorship(id).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct PairPatch {
    /// `active`, `completed`, `ended`.
    pub status: Option<String>,
    pub goals: Option<String>,
}

/// Changes a pair's status or goals.
#[utoipa::path(patch, path = "/api/v1/mentorships/{id}", tag = "mentorships", params(("id" = i64, Path)), request_body = PairPatch,
    responses((status = 200, body = MentorshipDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<PairPatch>, JsonRejection>,
) -> Result<Json<MentorshipDetail>, AppError> {
    require_pair(&st, &c, Action::Write, Resource::Mentorship, id).await?;
    let p = body(b)?;
    let before = st.store.get_mentorship(id).await?;
    let status = match p.status.as_deref() {
        Some(s) => gongjin_domain::MentorshipStatus::parse(s)
            .ok_or_else(|| AppError::field("status", "error.choice", Some(s.to_owned())))?,
        None => gongjin_domain::MentorshipStatus::parse(&before.mentorship.status)
            .unwrap_or(gongjin_domain::MentorshipStatus::Active),
    };
    let goals = gongjin_domain::parse_text(
        "goals",
        Some(p.goals.as_deref().unwrap_or(&before.mentorship.goals)),
        2000,
    )
    .map_err(gongjin_domain::ValidationErrors::from)?;
    Ok(Json(
        st.store
            .set_mentorship_status(&c.actor(), id, status, &goals)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/mentorships/{id}", tag = "mentorships", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_pair(&st, &c, Action::Write, Resource::Mentorship, id).await?;
    st.store.delete_mentorship(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a task with its due date.
#[utoipa::path(post, path = "/api/v1/mentorships/{id}/tasks", tag = "mentorships", params(("id" = i64, Path)), request_body = TaskFields,
    responses((status = 201, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_task(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<TaskFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Task>), AppError> {
    require_pair(&st, &c, Action::Write, Resource::MentorshipTask, id).await?;
    let t = body(b)?.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.put_task(&c.actor(), id, None, &t).await?),
    ))
}

/// Updates a task, e.g. marks it done (the mentor or apprentice may).
#[utoipa::path(patch, path = "/api/v1/mentorship-tasks/{id}", tag = "mentorships", params(("id" = i64, Path)), request_body = TaskFields,
    responses((status = 200, body = Task), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_task(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Task>, AppError> {
    let t = st.store.get_task(id).await?;
    require_pair(
        &st,
        &c,
        Action::Write,
        Resource::MentorshipTask,
        t.mentorship_id,
    )
    .await?;
    let base = TaskFields {
        title: t.title.clone(),
        due_on: t.due_on.clone(),
        done_on: t.done_on.clone(),
        note: Some(t.note.clone()),
    };
    let f: TaskFields = super::merge(&base, body(b)?)?;
    Ok(Json(
        st.store
            .put_task(&c.actor(), t.mentorship_id, Some(id), &f.validate()?)
            .await?,
    ))
}

/// Adds a staged evaluation: `mentor` by the mentor (or staff), `school` by school or community staff.
#[utoipa::path(post, path = "/api/v1/mentorships/{id}/evaluations", tag = "mentorships", params(("id" = i64, Path)), request_body = EvaluationFields,
    responses((status = 201, body = Evaluation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_evaluation(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<EvaluationFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Evaluation>), AppError> {
    let places = st.store.places_of_mentorship(id).await?;
    let ev = body(b)?.validate()?;
    let ok = match ev.evaluator_role {
        gongjin_domain::EvaluatorRole::Mentor => {
            c.may(Action::Write, Resource::MentorshipTask, &places.0)
        }
        gongjin_domain::EvaluatorRole::School => {
            may(&c, Action::Write, Resource::Mentorship, &places)
        }
    };
    if !ok {
        return Err(AppError::forbidden());
    }
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_evaluation(&c.actor(), id, &ev).await?),
    ))
}

/// Pairs as Excel.
#[utoipa::path(get, path = "/api/v1/mentorships/export", tag = "mentorships", params(MentorshipQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<MentorshipQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(500);
    let tr = crate::ui::Tr(c.locale);
    use gongjin_sheet::Cell;
    let headers = [
        "师傅",
        "师傅学校",
        "徒弟",
        "徒弟学校",
        "结对日期",
        "培养目标",
        "状态",
        "任务数",
        "已完成",
        "逾期",
    ];
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_mentorships(&c.visible(), &q)
        .await?
        .items
        .into_iter()
        .map(|m| {
            vec![
                Cell::Text(m.mentor_name),
                Cell::Text(m.mentor_school),
                Cell::Text(m.apprentice_name),
                Cell::Text(m.apprentice_school),
                Cell::Text(m.signed_on),
                Cell::Text(m.goals),
                Cell::Text(tr.label("mentorship_status", &m.status)),
                Cell::Int(m.tasks),
                Cell::Int(m.tasks_done),
                Cell::Int(m.overdue),
            ]
        })
        .collect();
    let bytes = gongjin_sheet::write_xlsx("师徒结对", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("师徒结对_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}
