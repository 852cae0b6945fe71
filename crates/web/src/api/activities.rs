//! Joint research and activities (教研活动): records, recurring series, materials and photos,
//! reflections, the kinds list, and the xlsx export.

use super::body;
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
use gongjin_domain::operations::{ActivityFields, ReflectionFields, SeriesFields};
use gongjin_store::activities::{
    Activity, ActivityDetail, ActivityFile, ActivityKind, ActivityQuery, NewActivityFile,
    Reflection,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ActivityPage {
    pub items: Vec<Activity>,
    pub total: i64,
}

/// Where an activity sits for scope checks: its community, with the given school.
pub(crate) async fn place_at(
    st: &AppState,
    community_id: i64,
    school_id: i64,
) -> Result<Place, AppError> {
    let mut p = st.store.place_of_community(community_id).await?;
    p.school_id = Some(school_id);
    Ok(p)
}

/// Whether the caller may change the activity: the host's or the organiser's side.
pub(crate) async fn may_write(st: &AppState, c: &Caller, a: &Activity) -> Result<bool, AppError> {
    for s in [a.host_school_id, a.organiser_school_id] {
        if c.may(
            Action::Write,
            Resource::Activity,
            &place_at(st, a.community_id, s).await?,
        ) {
            return Ok(true);
        }
    }
    Ok(false)
}

pub(crate) async fn require_activity(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<ActivityDetail, AppError> {
    let a = st.store.get_activity(id).await?;
    let ok = match action {
        Action::Read => c.may(
            Action::Read,
            Resource::Activity,
            &place_at(st, a.activity.community_id, a.activity.host_school_id).await?,
        ),
        Action::Write => may_write(st, c, &a.activity).await?,
    };
    if ok {
        Ok(a)
    } else {
        Err(AppError::forbidden())
    }
}

/// Checks the caller may record an activity with this host or organiser school.
pub(crate) async fn require_new(
    st: &AppState,
    c: &Caller,
    community_id: i64,
    host: i64,
    organiser: Option<i64>,
) -> Result<(), AppError> {
    let place = st
        .store
        .place_of_community(community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.not_found", None))?;
    for s in std::iter::once(host).chain(organiser) {
        let mut p = place.clone();
        p.school_id = Some(s);
        if c.may(Action::Write, Resource::Activity, &p) {
            return Ok(());
        }
    }
    Err(AppError::forbidden())
}

#[utoipa::path(get, path = "/api/v1/activities", tag = "activities", params(ActivityQuery), responses((status = 200, body = ActivityPage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ActivityQuery>,
) -> Result<Json<ActivityPage>, AppError> {
    let p = st.store.list_activities(&c.visible(), &q).await?;
    Ok(Json(ActivityPage {
        items: p.items,
        total: p.total,
    }))
}

/// Records an activity (its community's lead, or the coordinator of the host or organising school).
#[utoipa::path(post, path = "/api/v1/activities", tag = "activities", request_body = ActivityFields,
    responses((status = 201, body = ActivityDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<ActivityFields>, JsonRejection>,
) -> Result<(StatusCode, Json<ActivityDetail>), AppError> {
    let f = body(b)?;
    require_new(
        &st,
        &c,
        f.community_id,
        f.host_school_id,
        f.organiser_school_id,
    )
    .await?;
    let a = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_activity(&c.actor(), &a).await?),
    ))
}

#[derive(Serialize, ToSchema)]
pub struct SeriesCreated {
    pub series_id: i64,
    /// Occurrences generated.
    pub activities: usize,
}

/// Creates a recurring series (e.g. every Wednesday afternoon) and all its occurrences.
#[utoipa::path(post, path = "/api/v1/activity-series", tag = "activities", request_body = SeriesFields,
    responses((status = 201, body = SeriesCreated), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_series(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<SeriesFields>, JsonRejection>,
) -> Result<(StatusCode, Json<SeriesCreated>), AppError> {
    let f = body(b)?;
    require_new(&st, &c, f.community_id, f.host_school_id, None).await?;
    let s = f.validate()?;
    let (series_id, activities) = st.store.create_series(&c.actor(), &s).await?;
    Ok((
        StatusCode::CREATED,
        Json(SeriesCreated {
            series_id,
            activities,
        }),
    ))
}

#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<ActivityDetail>, AppError> {
    Ok(Json(require_activity(&st, &c, Action::Read, id).await?))
}

pub(crate) fn fields_of(d: &ActivityDetail) -> ActivityFields {
    let a = &d.activity;
    ActivityFields {
        community_id: a.community_id,
        kind: a.kind.clone(),
        title: a.title.clone(),
        organiser_school_id: Some(a.organiser_school_id),
        organiser_studio: Some(a.organiser_studio.clone()),
        host_school_id: a.host_school_id,
        school_ids: d.schools.iter().map(|s| s.id).collect(),
        held_on: a.held_on.clone(),
        start_time: a.start_time.clone(),
        duration_minutes: Some(a.duration_minutes),
        mode: Some(a.mode.clone()),
        subject: Some(a.subject.clone()),
        student_count: Some(a.student_count),
        summary: Some(a.summary.clone()),
        stage_before: Some(a.stage_before.clone()),
        stage_during: Some(a.stage_during.clone()),
        stage_after: Some(a.stage_after.clone()),
        status: Some(a.status.clone()),
        invited_teacher_ids: d.participants.iter().map(|p| p.teacher_id).collect(),
        present_teacher_ids: d
            .participants
            .iter()
            .filter(|p| p.present == 1)
            .map(|p| p.teacher_id)
            .collect(),
    }
}

/// Changes an activity: any subset of its fields (e.g. `status`, `summary`, `present_teacher_ids`).
#[utoipa::path(patch, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), request_body = ActivityFields,
    responses((status = 200, body = ActivityDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<ActivityDetail>, AppError> {
    let before = require_activity(&st, &c, Action::Write, id).await?;
    let mut f: ActivityFields = super::merge(&fields_of(&before), body(b)?)?;
    f.community_id = before.activity.community_id;
    // Moving the activity to another host must stay within the caller's reach.
    if f.host_school_id != before.activity.host_school_id {
        require_new(&st, &c, f.community_id, f.host_school_id, None).await?;
    }
    let a = f.validate()?;
    Ok(Json(st.store.update_activity(&c.actor(), id, &a).await?))
}

#[utoipa::path(delete, path = "/api/v1/activities/{id}", tag = "activities", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_activity(&st, &c, Action::Write, id).await?;
    remove_files(&st, st.store.delete_activity(&c.actor(), id).await?).await;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn remove_files(st: &AppState, stored: Vec<String>) {
    for s in stored {
        if let Some(p) = uploads::path_of(&st.uploads, &s) {
            let _ = tokio::fs::remove_file(p).await;
        }
    }
}

/// Checks and stores an uploaded file and attaches it to the activity.
pub(crate) async fn save_file(
    st: &AppState,
    c: &Caller,
    id: i64,
    name: &str,
    bytes: &[u8],
) -> Result<ActivityFile, AppError> {
    let content_type = uploads::check(name, bytes)?;
    let stored = uploads::store(&st.uploads, bytes).await?;
    let f = NewActivityFile {
        original_name: name.to_owned(),
        stored_name: stored.clone(),
        content_type: content_type.into(),
        size_bytes: bytes.len() as i64,
    };
    match st.store.add_activity_file(&c.actor(), id, &f).await {
        Ok(x) => Ok(x),
        Err(e) => {
            // Nothing half-written: the file goes when its record could not be made.
            remove_files(st, vec![stored]).await;
            Err(e.into())
        }
    }
}

/// Attaches a material or photo: multipart with a `file` field (PDF, Office or image, up to 20 MB).
/// Session callers send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/activities/{id}/files", tag = "activities", params(("id" = i64, Path)),
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 201, body = ActivityFile), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_file(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<(StatusCode, Json<ActivityFile>), AppError> {
    require_activity(&st, &c, Action::Write, id).await?;
    let up = uploads::read_multipart(mp, uploads::MAX_DOCUMENT_BYTES, "20 MB").await?;
    let token = headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or(up.fields.get("_csrf").cloned())
        .unwrap_or_default();
    c.check_csrf(&token)?;
    Ok((
        StatusCode::CREATED,
        Json(save_file(&st, &c, id, &up.file_name, &up.bytes).await?),
    ))
}

pub(crate) async fn file_response(
    st: &AppState,
    c: &Caller,
    file_id: i64,
    inline: bool,
) -> Result<Response, AppError> {
    let f = st.store.get_activity_file(file_id).await?;
    require_activity(st, c, Action::Read, f.activity_id).await?;
    let path = uploads::path_of(&st.uploads, &f.stored_name).ok_or_else(AppError::not_found)?;
    let bytes = tokio::fs::read(path)
        .await
        .map_err(|_| AppError::not_found())?;
    if inline && f.content_type.starts_with("image/") {
        use axum::response::IntoResponse;
        return Ok((
            [
                (axum::http::header::CONTENT_TYPE, f.content_type.clone()),
                (
                    axum::http::header::X_CONTENT_TYPE_OPTIONS,
                    "nosniff".to_owned(),
                ),
                (
                    axum::http::header::CACHE_CONTROL,
                    "private, max-age=3600".to_owned(),
                ),
            ],
            bytes,
        )
            .into_response());
    }
    Ok(uploads::attachment(
        bytes,
        &f.content_type,
        &f.original_name,
    ))
}

/// Downloads a material or photo.
#[utoipa::path(get, path = "/api/v1/activity-files/{id}", tag = "activities", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_file(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    file_response(&st, &c, id, false).await
}

#[utoipa::path(delete, path = "/api/v1/activity-files/{id}", tag = "activities", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_file(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let f = st.store.get_activity_file(id).await?;
    require_activity(&st, &c, Action::Write, f.activity_id).await?;
    let f = st.store.delete_activity_file(&c.actor(), id).await?;
    remove_files(&st, vec![f.stored_name]).await;
    Ok(StatusCode::NO_CONTENT)
}

/// Resolves who writes a reflection and checks the caller may write for them.
pub(crate) async fn reflection_teacher(
    st: &AppState,
    c: &Caller,
    activity: &ActivityDetail,
    teacher_id: Option<i64>,
) -> Result<i64, AppError> {
    let t = teacher_id
        .or(c.principal.teacher_id)
        .ok_or_else(|| AppError::field("teacher_id", "error.required", None))?;
    let mut place = st.store.place_of_teacher(t).await?;
    if place.community_id != Some(activity.activity.community_id) {
        place.community_id = Some(activity.activity.community_id);
    }
    c.require(Action::Write, Resource::TeacherEntry, &place)?;
    Ok(t)
}

/// Writes (or rewrites) a participant's reflection: a teacher for themself, or their
/// coordinator or community lead for them.
#[utoipa::path(post, path = "/api/v1/activities/{id}/reflections", tag = "activities", params(("id" = i64, Path)), request_body = ReflectionFields,
    responses((status = 201, body = Reflection), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_reflection(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<ReflectionFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Reflection>), AppError> {
    let a = require_activity(&st, &c, Action::Read, id).await?;
    let f = body(b)?;
    let t = reflection_teacher(&st, &c, &a, f.teacher_id).await?;
    let text = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.save_reflection(&c.actor(), id, t, &text).await?),
    ))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct KindQuery {
    /// The region whose list to show (default: the caller's).
    pub region_id: Option<i64>,
}

/// The activity kinds offered in a region: the presets and the region's own.
#[utoipa::path(get, path = "/api/v1/activity-kinds", tag = "activities", params(KindQuery), responses((status = 200, body = Vec<ActivityKind>)))]
pub async fn kinds(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<KindQuery>,
) -> Result<Json<Vec<ActivityKind>>, AppError> {
    let path = match q.region_id {
        Some(r) => {
            let p = st.store.place_of_region(r).await?;
            c.require(Action::Read, Resource::Region, &p)?;
            p.region_path
        }
        None => c.principal.region_path.clone(),
    };
    Ok(Json(st.store.activity_kinds(&path).await?))
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
pub struct KindFields {
    pub region_id: i64,
    /// Lower-case letters, digits and `_`.
    pub key: String,
    pub name_zh: String,
    pub name_en: Option<String>,
}

/// Adds a kind for a region (its bureau).
#[utoipa::path(post, path = "/api/v1/activity-kinds", tag = "activities", request_body = KindFields,
    responses((status = 201, body = ActivityKind), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_kind(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<KindFields>, JsonRejection>,
) -> Result<(StatusCode, Json<ActivityKind>), AppError> {
    let f = body(b)?;
    c.require(
        Action::Write,
        Resource::RegionSettings,
        &st.store.place_of_region(f.region_id).await?,
    )?;
    let mut e = gongjin_domain::ValidationErrors::default();
    let key = e.take(gongjin_domain::operations::parse_kind_key("key", &f.key));
    let zh = e.take(gongjin_domain::parse_name("name_zh", &f.name_zh));
    let en = e.take(gongjin_domain::parse_text(
        "name_en",
        f.name_en.as_deref(),
        64,
    ));
    if !e.is_empty() {
        return Err(AppError::validation(e));
    }
    let (key, zh, en) = (
        key.unwrap_or_default(),
        zh.unwrap_or_default(),
        en.unwrap_or_default(),
    );
    Ok((
        StatusCode::CREATED,
        Json(
            st.store
                .add_activity_kind(&c.actor(), f.region_id, &key, &zh, &en)
                .await?,
        ),
    ))
}

/// Activities as Excel (the list's filters apply).
#[utoipa::path(get, path = "/api/v1/activities/export", tag = "activities", params(ActivityQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<ActivityQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(1000);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "日期",
        "时间",
        "时长(分钟)",
        "活动类型",
        "活动名称",
        "教共体",
        "组织方",
        "承办学校",
        "形式",
        "学科",
        "状态",
        "应到人数",
        "实到人数",
        "学生人数",
        "材料",
        "照片",
        "反思",
        "活动小结",
    ];
    use gongjin_sheet::Cell;
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_activities(&c.visible(), &q)
        .await?
        .items
        .into_iter()
        .map(|a| {
            vec![
                Cell::Text(a.held_on),
                Cell::Text(a.start_time.unwrap_or_default()),
                Cell::Int(a.duration_minutes),
                Cell::Text(a.kind_name),
                Cell::Text(a.title),
                Cell::Text(a.community_name),
                Cell::Text(if a.organiser_studio.is_empty() {
                    a.organiser_school_name
                } else {
                    format!("{}（{}）", a.organiser_school_name, a.organiser_studio)
                }),
                Cell::Text(a.host_school_name),
                Cell::Text(tr.label("activity_mode", &a.mode)),
                Cell::Text(a.subject),
                Cell::Text(tr.label("activity_status", &a.status)),
                Cell::Int(a.invited),
                Cell::Int(a.present),
                Cell::Int(a.student_count),
                Cell::Int(a.files - a.photos),
                Cell::Int(a.photos),
                Cell::Int(a.reflections),
                Cell::Text(a.summary),
            ]
        })
        .collect();
    let bytes = gongjin_sheet::write_xlsx("教研活动", &headers, &rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("教研活动_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}
