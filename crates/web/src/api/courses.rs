//! Shared courses with their deliveries (课程共享) and the teaching resource library (资源库).

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
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{CourseFields, DeliveryFields, ResourceFields};
use gongjin_sheet::Cell;
use gongjin_store::courses::{
    Course, CourseDetail, CourseQuery, Delivery, LibraryResource, ResourceQuery, SharingTotals,
    StoredFile,
};
use serde::Serialize;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CoursePage {
    pub items: Vec<Course>,
    pub total: i64,
    /// Deliveries, class hours and students reached of all matching courses, and per community.
    pub totals: SharingTotals,
}

#[derive(Serialize, ToSchema)]
pub struct ResourcePage {
    pub items: Vec<LibraryResource>,
    pub total: i64,
}

pub(crate) async fn require_course(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<CourseDetail, AppError> {
    let m = st.store.get_course(id).await?;
    c.require(
        action,
        Resource::Sharing,
        &st.store.place_of_school(m.course.school_id).await?,
    )?;
    Ok(m)
}

pub(crate) async fn require_resource(
    st: &AppState,
    c: &Caller,
    action: Action,
    id: i64,
) -> Result<LibraryResource, AppError> {
    let r = st.store.get_resource(id).await?;
    c.require(
        action,
        Resource::Sharing,
        &st.store.place_of_school(r.school_id).await?,
    )?;
    Ok(r)
}

/// The offering school must be one the caller may share for.
pub(crate) async fn require_school(
    st: &AppState,
    c: &Caller,
    school_id: i64,
) -> Result<(), AppError> {
    let place = st
        .store
        .place_of_school(school_id)
        .await
        .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
    c.require(Action::Write, Resource::Sharing, &place)
}

#[utoipa::path(get, path = "/api/v1/courses", tag = "courses", params(CourseQuery), responses((status = 200, body = CoursePage)))]
pub async fn list(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CourseQuery>,
) -> Result<Json<CoursePage>, AppError> {
    let v = c.visible();
    let p = st.store.list_courses(&v, &q).await?;
    let totals = st.store.course_totals(&v, &q).await?;
    Ok(Json(CoursePage {
        items: p.items,
        total: p.total,
        totals,
    }))
}

/// Class hours delivered and students reached, overall and per community, for the courses the
/// caller sees (filters as the list; `region_id` totals a region).
#[utoipa::path(get, path = "/api/v1/courses/totals", tag = "courses", params(CourseQuery), responses((status = 200, body = SharingTotals)))]
pub async fn totals(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<CourseQuery>,
) -> Result<Json<SharingTotals>, AppError> {
    Ok(Json(st.store.course_totals(&c.visible(), &q).await?))
}

/// Records a course a school offers to others.
#[utoipa::path(post, path = "/api/v1/courses", tag = "courses", request_body = CourseFields,
    responses((status = 201, body = CourseDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(st): State<AppState>,
    c: Caller,
    b: Result<Json<CourseFields>, JsonRejection>,
) -> Result<(StatusCode, Json<CourseDetail>), AppError> {
    let f = body(b)?;
    require_school(&st, &c, f.school_id).await?;
    let n = f.validate()?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.create_course(&c.actor(), &n).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = i64, Path)), responses((status = 200, body = CourseDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<CourseDetail>, AppError> {
    Ok(Json(require_course(&st, &c, Action::Read, id).await?))
}

#[utoipa::path(patch, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = i64, Path)), request_body = CourseFields,
    responses((status = 200, body = CourseDetail), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn patch(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<serde_json::Value>, JsonRejection>,
) -> Result<Json<CourseDetail>, AppError> {
    let before = require_course(&st, &c, Action::Write, id).await?;
    let m = &before.course;
    let base = CourseFields {
        school_id: m.school_id,
        title: m.title.clone(),
        subject: m.subject.clone(),
        grades: m.grades.clone(),
        class_hours: m.class_hours,
        description: Some(m.description.clone()),
    };
    let f: CourseFields = super::merge(&base, body(b)?)?;
    if f.school_id != m.school_id {
        require_school(&st, &c, f.school_id).await?;
    }
    let n = f.validate()?;
    Ok(Json(st.store.update_course(&c.actor(), id, &n).await?))
}

#[utoipa::path(delete, path = "/api/v1/courses/{id}", tag = "courses", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_course(&st, &c, Action::Write, id).await?;
    st.store.delete_course(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/courses/{id}/deliveries", tag = "courses", params(("id" = i64, Path)), responses((status = 200, body = Vec<Delivery>), (status = 403, body = ErrorBody)))]
pub async fn deliveries(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<Vec<Delivery>>, AppError> {
    Ok(Json(
        require_course(&st, &c, Action::Read, id)
            .await?
            .delivery_list,
    ))
}

/// Checks a delivery's receiving school: in the offering school's community, or a school the
/// caller may see.
pub(crate) async fn check_receiver(
    st: &AppState,
    c: &Caller,
    course: &CourseDetail,
    to_school_id: i64,
) -> Result<(), AppError> {
    let missing = || AppError::field("to_school_id", "error.not_found", None);
    let to = st
        .store
        .place_of_school(to_school_id)
        .await
        .map_err(|_| missing())?;
    let from = st.store.place_of_school(course.course.school_id).await?;
    let same_community = to.community_id.is_some() && to.community_id == from.community_id;
    if same_community || c.may(Action::Read, Resource::School, &to) {
        Ok(())
    } else {
        Err(missing())
    }
}

/// Records a delivery of the course to another school (date, hours, students reached).
#[utoipa::path(post, path = "/api/v1/courses/{id}/deliveries", tag = "courses", params(("id" = i64, Path)), request_body = DeliveryFields,
    responses((status = 201, body = Delivery), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_delivery(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
    b: Result<Json<DeliveryFields>, JsonRejection>,
) -> Result<(StatusCode, Json<Delivery>), AppError> {
    let course = require_course(&st, &c, Action::Write, id).await?;
    let n = body(b)?.validate()?;
    check_receiver(&st, &c, &course, n.to_school_id).await?;
    Ok((
        StatusCode::CREATED,
        Json(st.store.add_delivery(&c.actor(), id, &n).await?),
    ))
}

#[utoipa::path(delete, path = "/api/v1/course-deliveries/{id}", tag = "courses", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_delivery(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    let d = st.store.get_delivery(id).await?;
    require_course(&st, &c, Action::Write, d.course_id).await?;
    st.store.delete_delivery(&c.actor(), id).await?;
    Ok(StatusCode::NO_CONTENT)
}

fn grade_labels(tr: crate::ui::Tr, keys: &[String]) -> String {
    keys.iter()
        .map(|k| tr.label("grade", k))
        .collect::<Vec<_>>()
        .join("、")
}

fn xlsx(
    c: &Caller,
    name: &str,
    headers: &[&str],
    rows: &[Vec<Cell>],
) -> Result<Response, AppError> {
    let bytes = gongjin_sheet::write_xlsx(name, headers, rows)
        .map_err(|e| AppError::bad_request(e.message(c.locale)))?;
    Ok(uploads::attachment(
        bytes,
        gongjin_sheet::Format::Xlsx.content_type(),
        &format!("{name}_{}.xlsx", gongjin_store::today().format("%Y%m%d")),
    ))
}

/// Courses and their deliveries as Excel (one row per delivery).
#[utoipa::path(get, path = "/api/v1/courses/export", tag = "courses", params(CourseQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<CourseQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(500);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "教共体",
        "开课学校",
        "课程名称",
        "学科",
        "年级",
        "课时",
        "送课日期",
        "接收学校",
        "送课课时",
        "受益学生",
    ];
    let mut rows = vec![];
    for m in st.store.list_courses(&c.visible(), &q).await?.items {
        let head = vec![
            Cell::Text(m.community_name.clone().unwrap_or_default()),
            Cell::Text(m.school_name.clone()),
            Cell::Text(m.title.clone()),
            Cell::Text(m.subject.clone()),
            Cell::Text(grade_labels(tr, &m.grades)),
            Cell::Int(m.class_hours),
        ];
        let ds = st.store.list_deliveries(m.id).await?;
        if ds.is_empty() {
            let mut r = head.clone();
            r.extend([Cell::Empty, Cell::Empty, Cell::Empty, Cell::Empty]);
            rows.push(r);
        }
        for d in ds {
            let mut r = head.clone();
            r.extend([
                Cell::Text(d.delivered_on),
                Cell::Text(d.to_school_name),
                Cell::Int(d.hours),
                Cell::Int(d.students),
            ]);
            rows.push(r);
        }
    }
    xlsx(&c, "课程共享", &headers, &rows)
}

#[utoipa::path(get, path = "/api/v1/resources", tag = "resources", params(ResourceQuery), responses((status = 200, body = ResourcePage)))]
pub async fn list_resources(
    State(st): State<AppState>,
    c: Caller,
    Query(q): Query<ResourceQuery>,
) -> Result<Json<ResourcePage>, AppError> {
    let p = st.store.list_resources(&c.visible(), &q).await?;
    Ok(Json(ResourcePage {
        items: p.items,
        total: p.total,
    }))
}

/// Reads, checks and stores an uploaded resource (multipart: `school_id`, `title`, `kind`,
/// `subject`, `grades`, `description`, `file`).
pub(crate) async fn save_resource(
    st: &AppState,
    c: &Caller,
    up: &uploads::Upload,
) -> Result<LibraryResource, AppError> {
    let school_id: i64 = up.field("school_id").trim().parse().unwrap_or(0);
    if school_id > 0 {
        require_school(st, c, school_id).await?;
    }
    let f = ResourceFields {
        school_id,
        title: up.field("title").to_owned(),
        kind: up.field("kind").to_owned(),
        subject: up.field("subject").to_owned(),
        grades: vec![up.field("grades").to_owned()],
        description: Some(up.field("description").to_owned()),
    };
    let checked = f.validate();
    let content_type = uploads::check(&up.file_name, &up.bytes);
    let (n, content_type) = match (checked, content_type) {
        (Ok(n), Ok(ct)) => (n, ct),
        (Err(mut v), Err(e)) => {
            v.0.extend(e.fields.iter().cloned());
            return Err(AppError::validation(v));
        }
        (Err(v), _) => return Err(AppError::validation(v)),
        (_, Err(e)) => return Err(e),
    };
    let stored = uploads::store(&st.uploads, &up.bytes).await?;
    let file = StoredFile {
        original_name: up.file_name.clone(),
        stored_name: stored.clone(),
        content_type: content_type.into(),
        size_bytes: up.bytes.len() as i64,
    };
    match st.store.create_resource(&c.actor(), &n, &file).await {
        Ok(r) => Ok(r),
        Err(e) => {
            if let Some(p) = uploads::path_of(&st.uploads, &stored) {
                let _ = tokio::fs::remove_file(p).await;
            }
            Err(e.into())
        }
    }
}

/// Uploads a resource to the library: multipart fields `school_id`, `title`, `kind`
/// (guide_sheet, lesson_design, slides, exercises, test_paper), `subject`, `grades` (e.g. 七年级、八年级),
/// `description` and `file` (PDF, Office or image, up to 20 MB). Session callers send `X-CSRF-Token`.
#[utoipa::path(post, path = "/api/v1/resources", tag = "resources",
    request_body(content_type = "multipart/form-data", content = String),
    responses((status = 201, body = LibraryResource), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_resource(
    State(st): State<AppState>,
    c: Caller,
    headers: HeaderMap,
    mp: Multipart,
) -> Result<(StatusCode, Json<LibraryResource>), AppError> {
    if c.principal.is_read_only() {
        return Err(AppError::forbidden());
    }
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
        Json(save_resource(&st, &c, &up).await?),
    ))
}

#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = i64, Path)), responses((status = 200, body = LibraryResource), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_resource(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Json<LibraryResource>, AppError> {
    Ok(Json(require_resource(&st, &c, Action::Read, id).await?))
}

#[utoipa::path(delete, path = "/api/v1/resources/{id}", tag = "resources", params(("id" = i64, Path)), responses((status = 204), (status = 403, body = ErrorBody)))]
pub async fn delete_resource(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    require_resource(&st, &c, Action::Write, id).await?;
    let r = st.store.delete_resource(&c.actor(), id).await?;
    if let Some(p) = uploads::path_of(&st.uploads, &r.stored_name) {
        let _ = tokio::fs::remove_file(p).await;
    }
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn resource_file(
    st: &AppState,
    c: &Caller,
    id: i64,
) -> Result<Response, AppError> {
    let r = require_resource(st, c, Action::Read, id).await?;
    let path = uploads::path_of(&st.uploads, &r.stored_name).ok_or_else(AppError::not_found)?;
    let bytes = match tokio::fs::read(path).await {
        Ok(b) => b,
        // The demo library's files are generated, not stored.
        Err(_) if gongjin_store::students::is_demo_file(&r.stored_name, &r.uploaded_by) => {
            gongjin_store::students::demo_pdf(r.id)
        }
        Err(_) => return Err(AppError::not_found()),
    };
    st.store.count_download(id).await?;
    Ok(uploads::attachment(
        bytes,
        &r.content_type,
        &r.original_name,
    ))
}

/// Downloads a resource's file (and counts the download).
#[utoipa::path(get, path = "/api/v1/resources/{id}/download", tag = "resources", params(("id" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn download_resource(
    State(st): State<AppState>,
    c: Caller,
    Path(id): Path<i64>,
) -> Result<Response, AppError> {
    resource_file(&st, &c, id).await
}

/// The library (filters as the list) as Excel.
#[utoipa::path(get, path = "/api/v1/resources/export", tag = "resources", params(ResourceQuery), responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn export_resources(
    State(st): State<AppState>,
    c: Caller,
    Query(mut q): Query<ResourceQuery>,
) -> Result<Response, AppError> {
    q.page = Some(1);
    q.per_page = Some(500);
    let tr = crate::ui::Tr(c.locale);
    let headers = [
        "资源名称",
        "类型",
        "学科",
        "年级",
        "学校",
        "文件名",
        "下载次数",
        "上传人",
        "上传时间",
    ];
    let rows: Vec<Vec<Cell>> = st
        .store
        .list_resources(&c.visible(), &q)
        .await?
        .items
        .into_iter()
        .map(|r| {
            let grades: Vec<String> = r.grades.split(',').map(str::to_owned).collect();
            vec![
                Cell::Text(r.title),
                Cell::Text(tr.label("resource_kind", &r.kind)),
                Cell::Text(r.subject),
                Cell::Text(grade_labels(tr, &grades)),
                Cell::Text(r.school_name),
                Cell::Text(r.original_name),
                Cell::Int(r.downloads),
                Cell::Text(r.uploaded_by),
                Cell::Text(tr.time(&r.created_at)),
            ]
        })
        .collect();
    xlsx(&c, "资源库", &headers, &rows)
}
