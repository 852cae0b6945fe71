//! Joint meetings (联席会议) and their decisions.

use super::body;
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{DecisionFields, MeetingFields};
use gongjin_store::meetings::{Decision, Meeting, MeetingDetail, MeetingQuery};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct MeetingPage {
    pub items: Vec<Meeting>,
    pub total: i64,
}

pub(crate) async fn require_meeting(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<MeetingDetail, AppError> {
    let m = st.store.get_meeting(id).await?;
    c.require(
        action,
        Resource::Community,
        &st.store.place_of_community(m.meeting.community_id).await?,
    )?;
    Ok(m)
}

#[utoipa::path(get, path = "/api/v1/meetings", tag = "meetings", params(MeetingQuery), responses((status = 200, body = MeetingPage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<MeetingQuery>,
) -> Result<Json<MeetingPage>, AppError> {
    let p = st.store.list_meetings(&c.visible(), &q).await?;
    Ok(Json(MeetingPage {
        items: p.items,
        total: p.total,
    }))
}

/// Records a joint meeting of a community (its lead or the bureau).
#[utoipa::path(post, path = "/api/v1/meetings", tag = "meetings", request_body = MeetingFields,
    responses((status = 201, body = MeetingDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<MeetingFields>, JsonRejection>,
) -> Result<(StatusCode, Json<MeetingDetail>), AppError> {
    let f = body(b)?;
    let place = st
        .store
        .place_of_community(f.community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Community, &place)?;
    let m = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_meeting(&c.actor(), &m).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), responses((status = 200, body = MeetingDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<MeetingDetail>, AppError> {
    Ok(Json(require_meeting(&st, &c, Action::Read, id).await?))
}

/// Replaces a meeting's record (date, topic, attendees, agenda, minutes).
#[utoipa::path(patch, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = MeetingFields,
    responses((status = 200, body = MeetingDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<MeetingDetail>, AppError> {
    let before = require_meeting(&st, &c, Action::Write, id).await?;
    let m = &before.meeting;
    let base = MeetingFields {
        community_id: m.community_id,
        held_on: m.held_on.clone(),
        topic: m.topic.clone(),
        location: Some(m.location.clone()),
        attendees: vec![m.attendees.clone()],
        agenda: Some(m.agenda.clone()),
        minutes: Some(m.minutes.clone()),
    };
    let mut f: MeetingFields = super::merge(&base, body(b)?)?;
    f.community_id = m.community_id;
    let n = f.validate()?;
    Ok(Json(st.store.update_meeting(&c.actor(), id, &n).await?))
}

#[utoipa::path(delete, path = "/api/v1/meetings/{id}", tag = "meetings", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_meeting(&st, &c, Action::Write, id).await?;
    st.store.delete_meeting(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a decision with its owner and due date.
#[utoipa::path(post, path = "/api/v1/meetings/{id}/decisions", tag = "meetings", params(("id" = i64, Path)), request_body = DecisionFields,
    responses((status = 201, body = Decision), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_decision(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<DecisionFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Decision>), AppError> {
    require_meeting(&st, &c, Action::Write, id).await?;
    let d = body(b)?.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_decision(&c.actor(), id, &d).await?),
    ))
}

/// Updates a decision, e.g. its follow-up status.
#[utoipa::path(patch, path = "/api/v1/meeting-decisions/{id}", tag = "meetings", params(("id" = i64, Path)), request_body = DecisionFields,
    responses((status = 200, body = Decision), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_decision(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Decision>, AppError> {
    let d = st.store.get_decision(id).await?;
    require_meeting(&st, &c, Action::Write, d.meeting_id).await?;
    let base = DecisionFields {
        content: d.content.clone(),
        owner: Some(d.owner.clone()),
        due_on: d.due_on.clone(),
        status: Some(d.status.clone()),
        follow_up: Some(d.follow_up.clone()),
    };
    let f: DecisionFields = super::merge(&base, body(b)?)?;
    Ok(Json(
        st.store
            .update_decision(&c.actor(), id, &f.validate()?)
            .await?,
    ))
}

#[utoipa::path(delete, path = "/api/v1/meeting-decisions/{id}", tag = "meetings", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_decision(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let d = st.store.get_decision(id).await?;
    require_meeting(&st, &c, Action::Write, d.meeting_id).await?;
    st.store.delete_decision(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Meetings and their decisions as Excel (one row per decision).
#[utoipa::path(get, path = "/api/v1/meetings/export", tag = "meetings", params(MeetingQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<MeetingQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(500);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "教共体",
        "会议日期",
        "会议主题",
        "地点",
        "参会人员",
        "决定事项",
        "责任人",
        "完成期限",
        "落实状态",
        "落实情况",
    ];
    use gongjin_sheet::Cell;
    let mut rows = vec![];
    for m in st.store.list_meetings(&c.visible(), &q).await?.items {
        let d = st.store.get_meeting(m.id).await?;
        let head = |m: &Meeting| {
            vec![
                Cell::Text(m.community_name.clone()),
                Cell::Text(m.held_on.clone()),
                Cell::Text(m.topic.clone()),
                Cell::Text(m.location.clone()),
                Cell::Text(m.attendees.clone()),
            ]
        };
        if d.decision_list.is_empty() {
            let mut r = head(&m);
            r.extend([
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
                Cell::Empty,
            ]);
            rows.push(r);
        }
        for x in &d.decision_list {
            let mut r = head(&m);
            r.extend([
                Cell::Text(x.content.clone()),
                Cell::Text(x.owner.clone()),
                Cell::Text(x.due_on.clone().unwrap_or_default()),
                Cell::Text(tr.label("decision_status", &x.status)),
                Cell::Text(x.follow_up.clone()),
            ]);
            rows.push(r);
        }
    }
    let bytes = gongjin_sheet::write_xlsx("联席会议", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("联席会议_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}
