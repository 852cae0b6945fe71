use super::{body, merge};
use crate::AppState;
use crate::auth::Caller;
use crate::error::{AppError, ErrorBody};
use crate::uploads;
use axum::Json;
use axum::extract::rejection::JsonRejection;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::{CommunityFields, CouncilFields, MemberFields};
use gongjin_store::communities::NewDocument;
use gongjin_store::records::{
    Community, CommunityDetail, CouncilSeat, Document, ListQuery, Membership,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CommunityPage {
    pub items: Vec<Community>,
    pub total: i64,
    pub page: i64,
    pub per_page: i64,
}

#[utoipa::path(get, path = "/api/v1/communities", tag = "communities", params(ListQuery), responses((status = 200, body = CommunityPage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ListQuery>,
) -> Result<Json<CommunityPage>, AppError> {
    let p = st.store.list_communities(&c.visible(), &q).await?;
    Ok(Json(CommunityPage {
        items: p.items,
        total: p.total,
        page: q.page(),
        per_page: q.limit(),
    }))
}

pub(crate) async fn kinds_for_school(
    st: &AppState,
    school_id: i64,
) -> Result<Vec<String>, AppError> {
    let school = st
        .store
        .get_school(school_id)
        .await
        .map_err(|_| AppError::field("core_school_id", "error.not_found", None))?;
    Ok(st
        .store
        .community_kinds(school.region_id)
        .await?
        .into_iter()
        .map(|k| k.key)
        .collect())
}

/// Creates a community around a core school (which joins it as `core`).
#[utoipa::path(post, path = "/api/v1/communities", tag = "communities", request_body = CommunityFields,
    responses((status = 201, body = Community), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<CommunityFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Community>), AppError> {
    let f = body(b)?;
    let school = st
        .store
        .place_of_school(f.core_school_id)
        .await
        .map_err(|_| AppError::field("core_school_id", "error.not_found", None))?;
    // Forming communities is the bureau's: membership rights over the core school's region.
    c.require(
        Action::Write,
        Resource::Membership,
        &Place {
            region_path: school.region_path,
            ..Place::default()
        },
    )?;
    let kinds = kinds_for_school(&st, f.core_school_id).await?;
    let n = f.validate(&kinds, gongjin_store::today())?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_community(&c.actor(), &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/communities/{id}", tag = "communities", params(("id" = i64, Path)), responses((status = 200, body = CommunityDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CommunityDetail>, AppError> {
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    Ok(Json(st.store.community_detail(id).await?))
}

/// Updates a community's details: send only the fields to change.
#[utoipa::path(patch, path = "/api/v1/communities/{id}", tag = "communities", params(("id" = i64, Path)), request_body = CommunityFields,
    responses((status = 200, body = Community), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<Community>, AppError> {
    let place = st.store.place_of_community(id).await?;
    c.require(Action::Write, Resource::Community, &place)?;
    let before = st.store.get_community(id).await?;
    let f: CommunityFields = merge(&before.fields(), body(b)?)?;
    if f.core_school_id != before.core_school_id {
        // Changing the core school changes membership: the bureau's decision.
        c.require(Action::Write, Resource::Membership, &place)?;
    }
    let kinds = kinds_for_school(&st, f.core_school_id).await?;
    let n = f.validate(&kinds, gongjin_store::today())?;
    Ok(Json(st.store.update_community(&c.actor(), id, &n).await?))
}

/// Deletes a community that has no member schools besides its core.
#[utoipa::path(delete, path = "/api/v1/communities/{id}", tag = "communities", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Membership,
        &st.store.place_of_community(id).await?,
    )?;
    st.store.delete_community(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a member school (it must not be in another community).
#[utoipa::path(post, path = "/api/v1/communities/{id}/members", tag = "communities", params(("id" = i64, Path)), request_body = MemberFields,
    responses((status = 201, body = Membership), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn add_member(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<MemberFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Membership>), AppError> {
    c.require(
        Action::Write,
        Resource::Membership,
        &st.store.place_of_community(id).await?,
    )?;
    let f = body(b)?;
    let school = st
        .store
        .place_of_school(f.school_id)
        .await
        .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Membership, &school)?;
    let m = f.validate(gongjin_store::today())?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_member(&c.actor(), id, &m).await?),
    ))
}

#[derive(Deserialize, ToSchema, Default)]
pub struct MemberPatch {
    /// The school's named leader (学校负责人).
    pub school_leader: String,
}

/// Names a member school's leader.
#[utoipa::path(patch, path = "/api/v1/communities/{id}/members/{school_id}", tag = "communities", params(("id" = i64, Path), ("school_id" = i64, Path)), request_body = MemberPatch,
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patch_member(
    State(st): State<AppState>,
    c: Caller,
    Path((id, school_id)): Path<(i64, i64)>,
    b: Result<Json<MemberPatch>, JsonRejection>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    let p = body(b)?;
    let leader = gongjin_domain::parse_text("school_leader", Some(&p.school_leader), 32)
        .map_err(gongjin_domain::ValidationErrors::from)?;
    st.store
        .set_school_leader(&c.actor(), id, school_id, &leader)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LeaveQuery {
    /// Date the school leaves, `YYYY-MM-DD` (default today).
    pub left_on: Option<String>,
}

/// Ends a member school's membership (kept as history).
#[utoipa::path(delete, path = "/api/v1/communities/{id}/members/{school_id}", tag = "communities", params(("id" = i64, Path), ("school_id" = i64, Path), LeaveQuery),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_member(
    State(st): State<AppState>,
    c: Caller,
    Path((id, school_id)): Path<(i64, i64)>,
    Query(q): Query<LeaveQuery>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Membership,
        &st.store.place_of_community(id).await?,
    )?;
    let left = match q.left_on.as_deref().filter(|s| !s.is_empty()) {
        Some(s) => gongjin_domain::parse_date("left_on", s)
            .map_err(gongjin_domain::ValidationErrors::from)?,
        None => gongjin_store::today(),
    };
    st.store
        .remove_member(&c.actor(), id, school_id, left)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Adds a council seat (理事会).
#[utoipa::path(post, path = "/api/v1/communities/{id}/council", tag = "communities", params(("id" = i64, Path)), request_body = CouncilFields,
    responses((status = 201, body = CouncilSeat), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_seat(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<CouncilFields>, JsonRejection>,
) -> Result<(StatusCode, Json<CouncilSeat>), AppError> {
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    let seat = body(b)?.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_council_seat(&c.actor(), id, &seat).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/communities/{id}/council/{seat_id}", tag = "communities", params(("id" = i64, Path), ("seat_id" = i64, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn remove_seat(
    State(st): State<AppState>,
    c: Caller,
    Path((id, seat_id)): Path<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    st.store
        .remove_council_seat(&c.actor(), id, seat_id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/communities/{id}/documents", tag = "communities", params(("id" = i64, Path)), responses((status = 200, body = Vec<Document>), (status = 403, body = ErrorBody)))]
pub async fn list_documents(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Document>>, AppError> {
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    Ok(Json(st.store.list_documents(id).await?))
}

/// Reads a multipart form with a `kind` and a `file` field.
pub(crate) async fn read_document_form(
    mp: Multipart,
) -> Result<(String, String, Vec<u8>, Option<String>), AppError> {
    let up = uploads::read_multipart(mp, uploads::MAX_DOCUMENT_BYTES, "20 MB").await?;
    Ok((
        up.field("kind").to_owned(),
        up.file_name.clone(),
        up.bytes,
        up.fields.get("_csrf").cloned(),
    ))
}

pub(crate) async fn save_document(
    st: &AppState,
    c: &Caller,
    id: i64,
    kind: &str,
    name: &str,
    bytes: &[u8],
) -> Result<Document, AppError> {
    let kind = gongjin_domain::DocumentKind::parse(kind)
        .ok_or_else(|| AppError::field("document_kind", "error.choice", Some(kind.to_owned())))?;
    let content_type = uploads::check(name, bytes)?;
    let stored = uploads::store(&st.uploads, bytes).await?;
    let doc = NewDocument {
        kind: kind.key().into(),
        original_name: name.to_owned(),
        stored_name: stored,
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
    };
    Ok(st.store.add_document(&c.actor(), id, &doc).await?)
}

/// Uploads a document (agreement, charter, three-year plan): multipart fields `kind` and `file`;
/// PDF, Office or image files up to 20 MB. Session callers send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/communities/{id}/documents", tag = "communities", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 201, body = Document), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_document(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<(StatusCode, Json<Document>), AppError> {
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await?,
    )?;
    let (kind, name, bytes, csrf) = read_document_form(mp).await?;
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(csrf)
        .unwrap_or_default();
    c.check_csrf(&token)?;
    Ok((
        StatusCode::CREATED,
        Json(save_document(&st, &c, id, &kind, &name, &bytes).await?),
    ))
}

pub(crate) async fn document_response(
    st: &AppState,
    c: &Caller,
    doc_id: i64,
) -> Result<Response, AppError> {
    let doc = st.store.get_document(doc_id).await?;
    c.require(
        Action::Read,
        Resource::Community,
        &st.store.place_of_community(doc.community_id).await?,
    )?;
    let path = uploads::path_of(&st.uploads, &doc.stored_name).ok_or_else(AppError::not_found)?;
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| AppError::not_found())?;
    Ok(uploads::attachment(
        bytes,
        &doc.content_type,
        &doc.original_name,
    ))
}

/// Downloads a document.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "communities", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_document(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    document_response(&st, &c, id).await
}

#[utoipa::path(delete, path = "/api/v1/documents/{id}", tag = "communities", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_document(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let doc = st.store.get_document(id).await?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(doc.community_id).await?,
    )?;
    let doc = st.store.delete_document(&c.actor(), id).await?;
    if let Some(p) = uploads::path_of(&st.uploads, &doc.stored_name) {
        let _ = tokio::fs::remove_file(p).await;
    }
    Ok(StatusCode::NO_CONTENT)
}
