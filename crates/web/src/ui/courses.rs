//! Shared course pages (课程共享: list with totals, record, detail with deliveries) and the
//! resource library (资源库: search, upload, download).

use super::common::*;
use crate::AppState;
use crate::api::courses::{
    check_receiver, require_course, require_resource, resource_file, save_resource,
};
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{CourseFields, DeliveryFields};
use gongjin_domain::{Grade, ResourceKind};
use gongjin_store::courses::{
    Course, CourseDetail, CourseQuery, LibraryResource, ResourceQuery, SharingTotals,
};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/courses", get(list))
        .route("/courses/new", post(create))
        .route("/courses/{id}", get(detail))
        .route("/courses/{id}/edit", get(edit_form).post(update))
        .route("/courses/{id}/delete", post(delete))
        .route("/courses/{id}/deliveries", post(add_delivery))
        .route(
            "/courses/{id}/deliveries/{did}/delete",
            post(delete_delivery),
        )
        .route("/resources", get(resources))
        .route("/resources/new", post(upload))
        .route("/resources/{id}/download", get(download))
        .route("/resources/{id}/delete", post(delete_resource))
}

fn grade_keys() -> Vec<&'static str> {
    Grade::ALL.iter().map(|g| g.key()).collect()
}

pub(crate) fn grade_text(tr: Tr, keys: &[String]) -> String {
    keys.iter()
        .filter(|k| !k.is_empty())
        .map(|k| tr.label("grade", k))
        .collect::<Vec<_>>()
        .join("、")
}

/// Schools the caller may share for (offer a course, upload a resource).
async fn writable_schools(st: &AppState, c: &Caller) -> Result<Vec<(String, String)>, AppError> {
    if c.principal.is_read_only() {
        return Ok(vec![]);
    }
    Ok(st
        .store
        .school_index(&c.visible())
        .await?
        .into_iter()
        .filter(|s| c.may(Action::Write, Resource::Sharing, &s.place()))
        .map(|s| (s.id.to_string(), s.name))
        .collect())
}

pub struct CourseRow {
    pub c: Course,
    pub grades: String,
}

#[derive(Template)]
#[template(path = "courses_list.html")]
struct ListPage {
    shell: Shell,
    rows: Vec<CourseRow>,
    totals: SharingTotals,
    pager: Pager,
    q: String,
    subject: String,
    grades: Vec<Opt>,
    export_link: String,
    schools: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl ListPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn list_page(
    st: &AppState,
    c: &Caller,
    q: &CourseQuery,
    notice: Option<&str>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let v = c.visible();
    let page = st.store.list_courses(&v, q).await.or_page(c)?;
    let totals = st.store.course_totals(&v, q).await.or_page(c)?;
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("subject", q.subject.clone().unwrap_or_default()),
        ("grade", q.grade.clone().unwrap_or_default()),
        (
            "community_id",
            q.community_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
    ];
    let export_link = format!(
        "/api/v1/courses/export?{}",
        serde_urlencoded::to_string(
            filters
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let current_school = f.get("school_id").cloned().unwrap_or_default();
    render(&ListPage {
        shell: Shell::new(c, "courses").with_notice(notice),
        pager: Pager::new(
            "/courses",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        rows: page
            .items
            .into_iter()
            .map(|x| CourseRow {
                grades: grade_text(tr, &x.grades),
                c: x,
            })
            .collect(),
        totals,
        q: q.q.clone().unwrap_or_default(),
        subject: q.subject.clone().unwrap_or_default(),
        grades: vocab_opts(tr, "grade", &grade_keys(), q.grade.as_deref().unwrap_or("")),
        export_link,
        schools: opts(writable_schools(st, c).await.or_page(c)?, &current_school),
        f,
        errors,
    })
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<CourseQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    list_page(
        &st,
        &c,
        &q,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
    )
    .await
}

/// The form as fields, with the error of a class-hours entry that is not a number (reported
/// together with the other fields' errors).
fn course_fields(
    f: &HashMap<String, String>,
) -> (CourseFields, Option<gongjin_domain::FieldError>) {
    let (hours, bad) = match opt_i64(f, "class_hours") {
        Ok(v) => (v.unwrap_or(0), None),
        Err(e) => (1, Some(e)),
    };
    (
        CourseFields {
            school_id: opt_text(f, "school_id")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            title: f.get("title").cloned().unwrap_or_default(),
            subject: f.get("subject").cloned().unwrap_or_default(),
            grades: vec![f.get("grades").cloned().unwrap_or_default()],
            class_hours: hours,
            description: opt_text(f, "description"),
        },
        bad,
    )
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let (fields, bad) = course_fields(&f);
        if fields.school_id > 0 {
            crate::api::courses::require_school(&st, &c, fields.school_id).await?;
        }
        let n = match (fields.validate(), bad) {
            (Ok(n), None) => n,
            (Ok(_), Some(b)) => return Err(AppError::validation(b.into())),
            (Err(mut v), b) => {
                v.0.extend(b);
                return Err(AppError::validation(v));
            }
        };
        Ok::<_, AppError>(st.store.create_course(&c.actor(), &n).await?)
    }
    .await;
    match result {
        Ok(m) => Ok(see_other(
            &format!("/courses/{}", m.course.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => {
            list_page(
                &st,
                &c,
                &CourseQuery::default(),
                None,
                f,
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "course_detail.html")]
struct DetailPage {
    shell: Shell,
    m: CourseDetail,
    grades: String,
    can_edit: bool,
    schools: Vec<Opt>,
    errors: FormErrors,
    today: String,
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let m = require_course(st, c, Action::Read, id).await.or_page(c)?;
    let place = st
        .store
        .place_of_school(m.course.school_id)
        .await
        .or_page(c)?;
    let can_edit = c.may(Action::Write, Resource::Sharing, &place);
    let mut schools: Vec<(String, String)> = vec![];
    if can_edit {
        if let Some(cid) = place.community_id {
            for (_, _, sid, name) in st
                .store
                .community_schools(&gongjin_store::scope::Visible::Community(cid))
                .await
                .or_page(c)?
            {
                if sid != m.course.school_id {
                    schools.push((sid.to_string(), name));
                }
            }
        }
        for s in st.store.school_index(&c.visible()).await.or_page(c)? {
            let id = s.id.to_string();
            if s.id != m.course.school_id && !schools.iter().any(|x| x.0 == id) {
                schools.push((id, s.name));
            }
        }
    }
    render(&DetailPage {
        shell: Shell::new(c, "courses").with_notice(notice),
        grades: grade_text(Tr(c.locale), &m.course.grades),
        m,
        can_edit,
        schools: opts(schools, ""),
        errors,
        today: gongjin_store::today().to_string(),
    })
}

pub async fn detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    detail_page(
        &st,
        &c,
        id,
        raw.get("notice").map(String::as_str),
        FormErrors::default(),
    )
    .await
}

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_course(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    st.store.delete_course(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/courses", "notice.deleted"))
}

pub async fn add_delivery(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let course = require_course(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let result = async {
        let fields = DeliveryFields {
            delivered_on: f.get("delivered_on").cloned().unwrap_or_default(),
            to_school_id: opt_text(&f, "to_school_id")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0),
            hours: opt_i64(&f, "hours")
                .map_err(|e| AppError::validation(e.into()))?
                .unwrap_or(0),
            students: opt_i64(&f, "students")
                .map_err(|e| AppError::validation(e.into()))?
                .unwrap_or(0),
            note: opt_text(&f, "note"),
        };
        let n = fields.validate()?;
        check_receiver(&st, &c, &course, n.to_school_id).await?;
        Ok::<_, AppError>(st.store.add_delivery(&c.actor(), id, &n).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/courses/{id}"), "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn delete_delivery(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, did)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_course(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let d = st.store.get_delivery(did).await.or_page(&c)?;
    if d.course_id != id {
        return Err(error_page(&AppError::not_found(), c.locale));
    }
    st.store
        .delete_delivery(&c.actor(), did)
        .await
        .or_page(&c)?;
    Ok(see_other(&format!("/courses/{id}"), "notice.deleted"))
}

pub struct ResourceRow {
    pub r: LibraryResource,
    pub kind: String,
    pub grades: String,
    pub can_delete: bool,
}

#[derive(Template)]
#[template(path = "resources_list.html")]
struct ResourcesPage {
    shell: Shell,
    rows: Vec<ResourceRow>,
    pager: Pager,
    q: String,
    subject: String,
    kinds: Vec<Opt>,
    grades: Vec<Opt>,
    export_link: String,
    schools: Vec<Opt>,
    form_kinds: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl ResourcesPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn kind_keys() -> Vec<&'static str> {
    ResourceKind::ALL.iter().map(|k| k.key()).collect()
}

async fn resources_page(
    st: &AppState,
    c: &Caller,
    q: &ResourceQuery,
    notice: Option<&str>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let page = st.store.list_resources(&c.visible(), q).await.or_page(c)?;
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("kind", q.kind.clone().unwrap_or_default()),
        ("subject", q.subject.clone().unwrap_or_default()),
        ("grade", q.grade.clone().unwrap_or_default()),
    ];
    let export_link = format!(
        "/api/v1/resources/export?{}",
        serde_urlencoded::to_string(
            filters
                .iter()
                .filter(|(_, v)| !v.is_empty())
                .collect::<Vec<_>>()
        )
        .unwrap_or_default()
    );
    let mut rows = vec![];
    for r in page.items {
        let place = st.store.place_of_school(r.school_id).await.or_page(c)?;
        let grades: Vec<String> = r.grades.split(',').map(str::to_owned).collect();
        rows.push(ResourceRow {
            kind: tr.label("resource_kind", &r.kind),
            grades: grade_text(tr, &grades),
            can_delete: c.may(Action::Write, Resource::Sharing, &place),
            r,
        });
    }
    let current_school = f.get("school_id").cloned().unwrap_or_default();
    let current_kind = f.get("kind").cloned().unwrap_or_default();
    render(&ResourcesPage {
        shell: Shell::new(c, "resources").with_notice(notice),
        pager: Pager::new(
            "/resources",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        rows,
        q: q.q.clone().unwrap_or_default(),
        subject: q.subject.clone().unwrap_or_default(),
        kinds: vocab_opts(
            tr,
            "resource_kind",
            &kind_keys(),
            q.kind.as_deref().unwrap_or(""),
        ),
        grades: vocab_opts(tr, "grade", &grade_keys(), q.grade.as_deref().unwrap_or("")),
        export_link,
        schools: opts(writable_schools(st, c).await.or_page(c)?, &current_school),
        form_kinds: vocab_opts(tr, "resource_kind", &kind_keys(), &current_kind),
        f,
        errors,
    })
}

pub async fn resources(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<ResourceQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    resources_page(
        &st,
        &c,
        &q,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
    )
    .await
}

pub async fn upload(State(st): State<AppState>, Ui(c): Ui, mp: Multipart) -> PageResult {
    let up = crate::uploads::read_multipart(mp, crate::uploads::MAX_DOCUMENT_BYTES, "20 MB")
        .await
        .or_page(&c)?;
    csrf_ok(&c, &up.fields)?;
    if c.principal.is_read_only() {
        return Err(error_page(&AppError::forbidden(), c.locale));
    }
    match save_resource(&st, &c, &up).await {
        Ok(_) => Ok(see_other("/resources", "notice.created")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => {
            resources_page(
                &st,
                &c,
                &ResourceQuery::default(),
                None,
                up.fields.clone(),
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

pub async fn download(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    resource_file(&st, &c, id).await.or_page(&c)
}

pub async fn delete_resource(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_resource(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let r = st.store.delete_resource(&c.actor(), id).await.or_page(&c)?;
    if let Some(p) = crate::uploads::path_of(&st.uploads, &r.stored_name) {
        let _ = tokio::fs::remove_file(p).await;
    }
    Ok(see_other("/resources", "notice.deleted"))
}

#[derive(Template)]
#[template(path = "course_form.html")]
struct EditPage {
    shell: Shell,
    id: i64,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl EditPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    let m = require_course(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?
        .course;
    let f = HashMap::from([
        ("title".to_owned(), m.title.clone()),
        ("subject".to_owned(), m.subject.clone()),
        ("grades".to_owned(), grade_text(Tr(c.locale), &m.grades)),
        ("class_hours".to_owned(), m.class_hours.to_string()),
        ("description".to_owned(), m.description.clone()),
    ]);
    render(&EditPage {
        shell: Shell::new(&c, "courses"),
        id,
        f,
        errors: FormErrors::default(),
    })
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(mut f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let m = require_course(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?
        .course;
    // The offering school stays; the rest is replaced.
    f.insert("school_id".into(), m.school_id.to_string());
    let (fields, bad) = course_fields(&f);
    let result = match (fields.validate(), bad) {
        (Ok(n), None) => Ok(n),
        (Ok(_), Some(b)) => Err(AppError::validation(b.into())),
        (Err(mut v), b) => {
            v.0.extend(b);
            Err(AppError::validation(v))
        }
    };
    match result {
        Ok(n) => {
            st.store
                .update_course(&c.actor(), id, &n)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/courses/{id}"), "notice.saved"))
        }
        Err(e) => render(&EditPage {
            shell: Shell::new(&c, "courses"),
            id,
            errors: FormErrors::from_error(&e, c.locale),
            f,
        }),
    }
}
