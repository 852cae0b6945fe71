//! Students (学生共育): pairings (手拉手), joint student events, "两帮一" groups with progress
//! notes, and the hardship fund (帮困基金).

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
use gongjin_domain::inputs::{
    DisbursementFields, DonationFields, HelpGroupFields, HelpNoteFields, PairingFields,
    StudentEventFields, format_yuan,
};
use gongjin_sheet::Cell;
use gongjin_store::students::{
    FundDetail, FundMovement, FundSummary, HelpGroup, HelpGroupDetail, HelpNote, Pairing,
    StudentEvent, StudentQuery,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct PairingPage {
    pub items: Vec<Pairing>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct StudentEventPage {
    pub items: Vec<StudentEvent>,
    pub total: i64,
}

#[derive(Serialize, ToSchema)]
pub struct HelpGroupPage {
    pub items: Vec<HelpGroup>,
    pub total: i64,
}

/// The caller may act on a record concerning any one of `schools` of the community.
async fn require_any_school(
    st: &AppState,
    c: &Caller,
    action: Action,
    community_id: i64,
    schools: &[i64],
) -> Result<(), AppError> {
    let base = st.store.place_of_community(community_id).await?;
    if may_any_school(c, action, &base, schools) {
        Ok(())
    } else {
        Err(AppError::forbidden())
    }
}

/// The decision of [`require_any_school`] given the community's place (lists decide it per row
/// from one read of the communities).
pub(crate) fn may_any_school(c: &Caller, action: Action, base: &Place, schools: &[i64]) -> bool {
    schools.iter().any(|s| {
        c.may(
            action,
            Resource::StudentWork,
            &Place {
                school_id: Some(*s),
                ..base.clone()
            },
        )
    }) || c.may(action, Resource::StudentWork, base)
}

async fn community_exists(st: &AppState, id: i64) -> Result<(), AppError> {
    st.store
        .place_of_community(id)
        .await
        .map(|_| ())
        .map_err(|_| AppError::field("community_id", "error.not_found", None))
}

pub(crate) async fn require_pairing(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<Pairing, AppError> {
    let p = st.store.get_pairing(id).await?;
    require_any_school(
        st,
        c,
        action,
        p.community_id,
        &[p.school_a_id, p.school_b_id],
    )
    .await?;
    Ok(p)
}

#[utoipa::path(get, path = "/api/v1/pairings", tag = "students", params(StudentQuery), responses((status = 200, body = PairingPage)))]
pub async fn list_pairings(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Json<PairingPage>, AppError> {
    let p = st.store.list_pairings(&c.visible(), &q).await?;
    Ok(Json(PairingPage {
        items: p.items,
        total: p.total,
    }))
}

/// Pairs students, classes, grades or families (`kind`) of two schools of a community.
#[utoipa::path(post, path = "/api/v1/pairings", tag = "students", request_body = PairingFields,
    responses((status = 201, body = Pairing), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_pairing(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<PairingFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Pairing>), AppError> {
    let f = body(b)?;
    community_exists(&st, f.community_id).await?;
    require_any_school(
        &st,
        &c,
        Action::Write,
        f.community_id,
        &[f.school_a_id, f.school_b_id],
    )
    .await?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_pairing(&c.actor(), &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/pairings/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 200, body = Pairing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_pairing(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Pairing>, AppError> {
    Ok(Json(require_pairing(&st, &c, Action::Read, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/pairings/{id}", tag = "students", params(("id" = i64, Path)), request_body = PairingFields,
    responses((status = 200, body = Pairing), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_pairing(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Pairing>, AppError> {
    let p = require_pairing(&st, &c, Action::Write, id).await?;
    let base = PairingFields {
        community_id: p.community_id,
        kind: p.kind.clone(),
        school_a_id: p.school_a_id,
        party_a: p.party_a.clone(),
        school_b_id: p.school_b_id,
        party_b: p.party_b.clone(),
        paired_on: p.paired_on.clone(),
        note: Some(p.note.clone()),
    };
    let mut f: PairingFields = super::merge(&base, body(b)?)?;
    f.community_id = p.community_id;
    require_any_school(
        &st,
        &c,
        Action::Write,
        f.community_id,
        &[f.school_a_id, f.school_b_id],
    )
    .await?;
    let n = f.validate()?;
    Ok(Json(st.store.update_pairing(&c.actor(), id, &n).await?))
}

#[utoipa::path(delete, path = "/api/v1/pairings/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_pairing(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_pairing(&st, &c, Action::Write, id).await?;
    st.store.delete_pairing(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn xlsx(
    c: &Caller,
    name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Response, AppError> {
    let bytes = gongjin_sheet::write_xlsx(name, headers, rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(crate::uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("{name}_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}

fn all(mut q: StudentQuery) -> StudentQuery {
    q.page = Some(1);
    q.per_page = Some(500);
    q
}

#[utoipa::path(get, path = "/api/v1/pairings/export", tag = "students", params(StudentQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export_pairings(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Response, AppError> {
    let tr = crate::ui::Tr(c.locale);
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_pairings(&c.visible(), &all(q))
        .await?
        .items
        .into_iter()
        .map(|p| {
            vec![
                Cell::Text(p.community_name),
                Cell::Text(tr.label("pairing_kind", &p.kind)),
                Cell::Text(p.school_a_name),
                Cell::Text(p.party_a),
                Cell::Text(p.school_b_name),
                Cell::Text(p.party_b),
                Cell::Text(p.paired_on),
                Cell::Text(p.note),
            ]
        })
        .collect();
    xlsx(
        &c,
        "手拉手结对",
        &[
            "教共体",
            "结对类型",
            "学校甲",
            "结对方甲",
            "学校乙",
            "结对方乙",
            "结对日期",
            "备注",
        ],
        &rows,
    )
}

// --- joint student events ---

pub(crate) async fn require_event(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<StudentEvent, AppError> {
    let e = st.store.get_student_event(id).await?;
    require_any_school(st, c, action, e.community_id, &e.school_ids).await?;
    Ok(e)
}

#[utoipa::path(get, path = "/api/v1/student-events", tag = "students", params(StudentQuery), responses((status = 200, body = StudentEventPage)))]
pub async fn list_events(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Json<StudentEventPage>, AppError> {
    let p = st.store.list_student_events(&c.visible(), &q).await?;
    Ok(Json(StudentEventPage {
        items: p.items,
        total: p.total,
    }))
}

/// Records a joint student event (club festival, league, "共读一本书") of the community's schools.
#[utoipa::path(post, path = "/api/v1/student-events", tag = "students", request_body = StudentEventFields,
    responses((status = 201, body = StudentEvent), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_event(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<StudentEventFields>, JsonRejection>,
) -> Result<(StatusCode, Json<StudentEvent>), AppError> {
    let f = body(b)?;
    community_exists(&st, f.community_id).await?;
    require_any_school(&st, &c, Action::Write, f.community_id, &f.school_ids).await?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_student_event(&c.actor(), &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/student-events/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 200, body = StudentEvent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<StudentEvent>, AppError> {
    Ok(Json(require_event(&st, &c, Action::Read, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/student-events/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_event(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_event(&st, &c, Action::Write, id).await?;
    st.store.delete_student_event(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/student-events/export", tag = "students", params(StudentQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export_events(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Response, AppError> {
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_student_events(&c.visible(), &all(q))
        .await?
        .items
        .into_iter()
        .map(|e| {
            vec![
                Cell::Text(e.community_name),
                Cell::Text(e.held_on),
                Cell::Text(e.title),
                Cell::Text(e.school_names.join("、")),
                Cell::Int(e.students),
                Cell::Text(e.summary),
            ]
        })
        .collect();
    xlsx(
        &c,
        "学生联合活动",
        &[
            "教共体",
            "活动日期",
            "活动名称",
            "参与学校",
            "参与学生数",
            "活动总结",
        ],
        &rows,
    )
}

// --- "两帮一" groups ---

pub(crate) async fn group_place(st: &AppState, g: &HelpGroup) -> Result<Place, AppError> {
    Ok(st
        .store
        .place_in_community(g.community_id, Some(g.school_id), Some(g.teacher_id))
        .await?)
}

pub(crate) async fn require_group(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<HelpGroupDetail, AppError> {
    let g = st.store.get_help_group(id).await?;
    c.require(
        action,
        Resource::StudentWork,
        &group_place(st, &g.group).await?,
    )?;
    Ok(g)
}

/// Checks a new group's place: the student's school's community, the school and the teacher.
pub(crate) async fn require_new_group(
    st: &AppState,
    c: &Caller,
    f: &HelpGroupFields,
) -> Result<(), AppError> {
    let school = st
        .store
        .place_of_school(f.school_id)
        .await
        .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
    let mut place = school.clone();
    place.teacher_id = Some(f.teacher_id);
    c.require(Action::Write, Resource::StudentWork, &place)
}

#[utoipa::path(get, path = "/api/v1/help-groups", tag = "students", params(StudentQuery), responses((status = 200, body = HelpGroupPage)))]
pub async fn list_groups(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Json<HelpGroupPage>, AppError> {
    let p = st.store.list_help_groups(&c.visible(), &q).await?;
    Ok(Json(HelpGroupPage {
        items: p.items,
        total: p.total,
    }))
}

/// Forms a "两帮一" group: a teacher and a strong student help a struggling student.
#[utoipa::path(post, path = "/api/v1/help-groups", tag = "students", request_body = HelpGroupFields,
    responses((status = 201, body = HelpGroupDetail), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_group(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<HelpGroupFields>, JsonRejection>,
) -> Result<(StatusCode, Json<HelpGroupDetail>), AppError> {
    let f = body(b)?;
    require_new_group(&st, &c, &f).await?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_help_group(&c.actor(), &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/help-groups/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 200, body = HelpGroupDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_group(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<HelpGroupDetail>, AppError> {
    Ok(Json(require_group(&st, &c, Action::Read, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/help-groups/{id}", tag = "students", params(("id" = i64, Path)), request_body = HelpGroupFields,
    responses((status = 200, body = HelpGroupDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch_group(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<HelpGroupDetail>, AppError> {
    let g = require_group(&st, &c, Action::Write, id).await?.group;
    let base = HelpGroupFields {
        school_id: g.school_id,
        student_name: g.student_name.clone(),
        teacher_id: g.teacher_id,
        helper_student: g.helper_student.clone(),
        grade: g.grade.clone(),
        subject: Some(g.subject.clone()),
        started_on: g.started_on.clone(),
        goals: Some(g.goals.clone()),
        status: Some(g.status.clone()),
    };
    let f: HelpGroupFields = super::merge(&base, body(b)?)?;
    if f.school_id != g.school_id || f.teacher_id != g.teacher_id {
        require_new_group(&st, &c, &f).await?;
    }
    let n = f.validate()?;
    Ok(Json(st.store.update_help_group(&c.actor(), id, &n).await?))
}

#[utoipa::path(delete, path = "/api/v1/help-groups/{id}", tag = "students", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_group(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_group(&st, &c, Action::Write, id).await?;
    st.store.delete_help_group(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a dated progress note (the group's teacher may, too).
#[utoipa::path(post, path = "/api/v1/help-groups/{id}/notes", tag = "students", params(("id" = i64, Path)), request_body = HelpNoteFields,
    responses((status = 201, body = HelpNote), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_note(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<HelpNoteFields>, JsonRejection>,
) -> Result<(StatusCode, Json<HelpNote>), AppError> {
    require_group(&st, &c, Action::Write, id).await?;
    let n = body(b)?.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_help_note(&c.actor(), id, &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/help-groups/export", tag = "students", params(StudentQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export_groups(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<StudentQuery>,
) -> Result<Response, AppError> {
    let tr = crate::ui::Tr(c.locale);
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_help_groups(&c.visible(), &all(q))
        .await?
        .items
        .into_iter()
        .map(|g| {
            vec![
                Cell::Text(g.community_name),
                Cell::Text(g.school_name),
                Cell::Text(g.student_name),
                Cell::Text(tr.label("grade", &g.grade)),
                Cell::Text(g.teacher_name),
                Cell::Text(g.helper_student),
                Cell::Text(g.subject),
                Cell::Text(g.started_on),
                Cell::Text(tr.label("help_status", &g.status)),
                Cell::Int(g.notes),
                Cell::Text(g.last_note_on.unwrap_or_default()),
            ]
        })
        .collect();
    xlsx(
        &c,
        "两帮一",
        &[
            "教共体",
            "学校",
            "受助学生",
            "年级",
            "帮扶教师",
            "帮扶学生",
            "学科",
            "开始日期",
            "状态",
            "进展记录数",
            "最近记录",
        ],
        &rows,
    )
}

// --- the hardship fund ---

#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FundQuery {
    /// The community (a community lead's own when left out).
    pub community_id: Option<i64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReverseFields {
    /// Why the movement is reversed.
    pub note: Option<String>,
    /// `YYYY-MM-DD`; today when left out.
    pub on_date: Option<String>,
}

pub(crate) async fn fund_community(
    st: &AppState,
    c: &Caller,
    community_id: Option<i64>,
) -> Result<i64, AppError> {
    let id = community_id
        .or(c
            .principal
            .community_id
            .filter(|_| c.principal.role == gongjin_domain::Role::CommunityLead))
        .ok_or_else(|| AppError::field("community_id", "error.required", None))?;
    c.require(
        Action::Read,
        Resource::HardshipFund,
        &st.store.place_of_community(id).await?,
    )?;
    Ok(id)
}

/// A community's fund: balance (fen and yuan), totals and every movement, newest first.
#[utoipa::path(get, path = "/api/v1/hardship-fund", tag = "hardship-fund", params(FundQuery), responses((status = 200, body = FundDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_fund(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<FundQuery>,
) -> Result<Json<FundDetail>, AppError> {
    let id = fund_community(&st, &c, q.community_id).await?;
    Ok(Json(st.store.fund(id).await?))
}

/// The funds of every community the caller may see, with balances.
#[utoipa::path(get, path = "/api/v1/hardship-fund/communities", tag = "hardship-fund", responses((status = 200, body = Vec<FundSummary>)))]
pub async fn list_funds(
    State(st): State<AppState>,
    c: Caller,
) -> Result<Json<Vec<FundSummary>>, AppError> {
    Ok(Json(visible_funds(&st, &c).await?))
}

pub(crate) async fn visible_funds(st: &AppState, c: &Caller) -> Result<Vec<FundSummary>, AppError> {
    // Each fund's place from one read of the visible communities.
    let places: std::collections::HashMap<i64, gongjin_domain::authz::Place> = st
        .store
        .communities_in(&c.visible())
        .await?
        .iter()
        .map(|e| (e.community.id, e.place()))
        .collect();
    Ok(st
        .store
        .list_funds(&c.visible())
        .await?
        .into_iter()
        .filter(|f| {
            places
                .get(&f.community_id)
                .is_some_and(|p| c.may(Action::Read, Resource::HardshipFund, p))
        })
        .collect())
}

/// Records a donation into a community's fund (the community's lead or the bureau).
#[utoipa::path(post, path = "/api/v1/hardship-fund/donations", tag = "hardship-fund", request_body = DonationFields,
    responses((status = 201, body = FundMovement), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn donate(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<DonationFields>, JsonRejection>,
) -> Result<(StatusCode, Json<FundMovement>), AppError> {
    let f = body(b)?;
    community_exists(&st, f.community_id).await?;
    c.require(
        Action::Write,
        Resource::HardshipFund,
        &st.store.place_of_community(f.community_id).await?,
    )?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.record_fund_movement(&c.actor(), &n).await?),
    ))
}

/// Pays a named student of a member school out of the fund. Refused (409) when the balance does
/// not cover it: the balance never goes negative.
#[utoipa::path(post, path = "/api/v1/hardship-fund/disbursements", tag = "hardship-fund", request_body = DisbursementFields,
    responses((status = 201, body = FundMovement), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn disburse(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<DisbursementFields>, JsonRejection>,
) -> Result<(StatusCode, Json<FundMovement>), AppError> {
    let f = body(b)?;
    community_exists(&st, f.community_id).await?;
    let place = st
        .store
        .place_in_community(f.community_id, Some(f.school_id), None)
        .await?;
    c.require(Action::Write, Resource::HardshipFund, &place)?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.record_fund_movement(&c.actor(), &n).await?),
    ))
}

pub(crate) async fn require_movement(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<FundMovement, AppError> {
    let m = st.store.get_movement(id).await?;
    let place = st
        .store
        .place_in_community(m.community_id, m.school_id, None)
        .await?;
    c.require(action, Resource::HardshipFund, &place)?;
    Ok(m)
}

/// Reverses a donation or disbursement by a counter-entry that references it. Movements are never
/// edited or deleted; each can be reversed once, and a reversal cannot be reversed.
#[utoipa::path(post, path = "/api/v1/hardship-fund/movements/{id}/reverse", tag = "hardship-fund", params(("id" = i64, Path)), request_body = ReverseFields,
    responses((status = 201, body = FundMovement), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn reverse(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<ReverseFields>, JsonRejection>,
) -> Result<(StatusCode, Json<FundMovement>), AppError> {
    require_movement(&st, &c, Action::Write, id).await?;
    let f = body(b)?;
    let (note, on) = reverse_fields(&f)?;
    Ok((
        StatusCode::CREATED,
        Json(
            st.store
                .reverse_fund_movement(&c.actor(), id, &note, on)
                .await?,
        ),
    ))
}

pub(crate) fn reverse_fields(f: &ReverseFields) -> Result<(String, chrono::NaiveDate), AppError> {
    let mut e = gongjin_domain::ValidationErrors::default();
    let note = e.take(gongjin_domain::parse_text("note", f.note.as_deref(), 500));
    let on = match f
        .on_date
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        None => Some(gongjin_store::today()),
        Some(s) => e.take(gongjin_domain::parse_date("on_date", s)),
    };
    if !e.is_empty() {
        return Err(AppError::validation(e));
    }
    Ok((note.unwrap_or_default(), on.unwrap_or_default()))
}

/// A community's fund movements as Excel.
#[utoipa::path(get, path = "/api/v1/hardship-fund/export", tag = "hardship-fund", params(FundQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorBody)))]
pub async fn export_fund(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<FundQuery>,
) -> Result<Response, AppError> {
    let tr = crate::ui::Tr(c.locale);
    let ids: Vec<i64> = match q.community_id {
        Some(_) => vec![fund_community(&st, &c, q.community_id).await?],
        None => visible_funds(&st, &c)
            .await?
            .into_iter()
            .map(|f| f.community_id)
            .collect(),
    };
    let mut rows = vec![];
    for id in ids {
        let f = st.store.fund(id).await?;
        for m in f.movement_list.into_iter().rev() {
            rows.push(vec![
                Cell::Text(f.fund.community_name.clone()),
                Cell::Int(m.id),
                Cell::Text(m.on_date),
                Cell::Text(tr.label("fund_kind", &m.kind)),
                Cell::Text(m.amount),
                Cell::Text(m.donor),
                Cell::Text(m.student_name),
                Cell::Text(m.school_name.unwrap_or_default()),
                Cell::Text(m.note),
                Cell::Text(m.reverses_id.map(|x| x.to_string()).unwrap_or_default()),
                Cell::Text(format_yuan(m.balance_after_fen)),
                Cell::Text(m.entered_by),
            ]);
        }
    }
    xlsx(
        &c,
        "帮困基金",
        &[
            "教共体",
            "编号",
            "日期",
            "类型",
            "金额（元）",
            "捐赠方",
            "受助学生",
            "学校",
            "事由/备注",
            "冲正编号",
            "余额（元）",
            "经办人",
        ],
        &rows,
    )
}
