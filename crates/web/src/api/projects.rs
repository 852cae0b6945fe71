//! Project review (项目评估): the core school's projects and the bureau's review.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::projects::{NewProject, Project, ProjectDetail, by_school};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProjectQuery {
    pub community_id: Option<i64>,
}

#[utoipa::path(get, path = "/api/v1/projects", tag = "projects", params(ProjectQuery), responses((status = 200, body = Vec<Project>)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ProjectQuery>,
) -> Result<Json<Vec<Project>>, AppError> {
    Ok(Json(
        st.store.list_projects(&c.visible(), q.community_id).await?,
    ))
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, ToSchema)]
pub struct ProjectFields {
    pub community_id: i64,
    /// The core school submitting it.
    pub school_id: i64,
    pub title: String,
    pub goal: Option<String>,
    /// `YYYY-MM-DD`
    pub period_from: String,
    pub period_to: String,
    /// Member schools taking part, by name.
    pub member_schools: Option<String>,
    pub evidence: Option<String>,
    pub claimed_improvement: Option<String>,
}

pub(crate) fn validate(f: &ProjectFields) -> Result<NewProject, AppError> {
    use gongjin_domain::{parse_date, parse_name, parse_text};
    let mut e = gongjin_domain::ValidationErrors::default();
    let title = e.take(parse_name("project_title", &f.title));
    let from = e.take(parse_date("period_from", &f.period_from));
    let to = e.take(parse_date("period_to", &f.period_to));
    if let (Some(a), Some(b)) = (from, to)
        && b < a
    {
        e.push(gongjin_domain::FieldError::with(
            "period_to",
            "error.end_before_start",
            b,
        ));
    }
    let goal = e.take(parse_text("goal", f.goal.as_deref(), 4000));
    let members = e.take(parse_text(
        "member_schools",
        f.member_schools.as_deref(),
        1000,
    ));
    let evidence = e.take(parse_text("evidence", f.evidence.as_deref(), 20_000));
    let claimed = e.take(parse_text(
        "claimed_improvement",
        f.claimed_improvement.as_deref(),
        4000,
    ));
    if !e.is_empty() {
        return Err(AppError::validation(e));
    }
    Ok(NewProject {
        community_id: f.community_id,
        school_id: f.school_id,
        title: title.unwrap_or_default(),
        goal: goal.unwrap_or_default(),
        period_from: from.map(|d| d.to_string()).unwrap_or_default(),
        period_to: to.map(|d| d.to_string()).unwrap_or_default(),
        member_schools: members.unwrap_or_default(),
        evidence: evidence.unwrap_or_default(),
        claimed_improvement: claimed.unwrap_or_default(),
    })
}

/// The school side (its coordinator or the community's lead) for a project of the core school.
pub(crate) async fn require_school_side(
    st: &AppState,
    c: &Caller,
    community_id: i64,
    school_id: i64,
) -> Result<(), AppError> {
    let d = st
        .store
        .community_detail(community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    if !d
        .members
        .iter()
        .any(|m| m.school_id == school_id && m.role == "core")
    {
        return Err(AppError::field(
            "school_id",
            "error.not_core",
            Some(school_id.to_string()),
        ));
    }
    let mut place = st.store.place_of_community(community_id).await?;
    place.school_id = Some(school_id);
    c.require(Action::Write, Resource::Activity, &place)
}

pub(crate) async fn require_project(
    st: &AppState,
    c: &Caller,
    id: i64,
) -> Result<ProjectDetail, AppError> {
    let p = st.store.get_project(id).await?;
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(p.project.community_id).await?,
    )?;
    Ok(p)
}

/// A core school drafts a project.
#[utoipa::path(post, path = "/api/v1/projects", tag = "projects", request_body = ProjectFields,
    responses((status = 201, body = ProjectDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<ProjectFields>, JsonRejection>,
) -> Result<(StatusCode, Json<ProjectDetail>), AppError> {
    let f = body(b)?;
    require_school_side(&st, &c, f.community_id, f.school_id).await?;
    let p = validate(&f)?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_project(&c.actor(), &p).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), responses((status = 200, body = ProjectDetail), (status = 403, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ProjectDetail>, AppError> {
    Ok(Json(require_project(&st, &c, id).await?))
}

/// Edits a draft or returned project (the school side).
#[utoipa::path(patch, path = "/api/v1/projects/{id}", tag = "projects", params(("id" = i64, Path)), request_body = ProjectFields,
    responses((status = 200, body = ProjectDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<ProjectDetail>, AppError> {
    let d = require_project(&st, &c, id).await?;
    let p = &d.project;
    require_school_side(&st, &c, p.community_id, p.school_id).await?;
    let base = ProjectFields {
        community_id: p.community_id,
        school_id: p.school_id,
        title: p.title.clone(),
        goal: Some(p.goal.clone()),
        period_from: p.period_from.clone(),
        period_to: p.period_to.clone(),
        member_schools: Some(p.member_schools.clone()),
        evidence: Some(p.evidence.clone()),
        claimed_improvement: Some(p.claimed_improvement.clone()),
    };
    let mut f: ProjectFields = super::merge(&base, body(b)?)?;
    f.community_id = p.community_id;
    f.school_id = p.school_id;
    Ok(Json(
        st.store
            .update_project(&c.actor(), id, &validate(&f)?)
            .await?,
    ))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct MoveFields {
    /// `submit` (school side), `start_review`, `return`, `approve` (bureau).
    pub action: String,
    /// Required to approve: 0–100.
    pub score: Option<f64>,
    pub comment: Option<String>,
}

/// Moves a project along draft → submitted → under review → returned / approved.
#[utoipa::path(post, path = "/api/v1/projects/{id}/moves", tag = "projects", params(("id" = i64, Path)), request_body = MoveFields,
    responses((status = 200, body = ProjectDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_project(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<MoveFields>, JsonRejection>,
) -> Result<Json<ProjectDetail>, AppError> {
    let m = body(b)?;
    Ok(Json(apply_move(&st, &c, id, &m).await?))
}

pub(crate) async fn apply_move(
    st: &AppState,
    c: &Caller,
    id: i64,
    m: &MoveFields,
) -> Result<ProjectDetail, AppError> {
    let d = require_project(st, c, id).await?;
    let p = &d.project;
    if !["submit", "start_review", "return", "approve"].contains(&m.action.as_str()) {
        return Err(AppError::field(
            "action",
            "error.choice",
            Some(m.action.clone()),
        ));
    }
    if by_school(&m.action) {
        require_school_side(st, c, p.community_id, p.school_id).await?;
    } else {
        c.require(
            Action::Write,
            Resource::RegionSettings,
            &st.store.place_of_community(p.community_id).await?,
        )?;
    }
    let comment = gongjin_domain::parse_text("comment", m.comment.as_deref(), 2000)
        .map_err(|e| AppError::validation(e.into()))?;
    if m.action == "approve" && !m.score.is_some_and(|s| (0.0..=100.0).contains(&s)) {
        return Err(AppError::field(
            "score",
            "error.range",
            Some("0–100".into()),
        ));
    }
    if m.action == "return" && comment.is_empty() {
        return Err(AppError::field("comment", "error.required", None));
    }
    Ok(st
        .store
        .move_project(
            &c.actor(),
            id,
            &m.action,
            m.score.filter(|_| m.action == "approve"),
            &comment,
        )
        .await?)
}
