//! Teacher pages: list with search and filters (phones masked), detail, create, edit, delete.

use super::common::*;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::Role;
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::TeacherFields;
use gongjin_store::records::{ListQuery, Teacher};
use gongjin_store::teachers::TeacherFilter;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/teachers", get(list))
        .route("/teachers/new", get(new_form).post(create))
        .route("/teachers/{id}", get(detail))
        .route("/teachers/{id}/edit", get(edit_form).post(update))
        .route("/teachers/{id}/delete", post(delete))
}

const STAGES: &[&str] = &["primary", "junior", "nine_year", "twelve_year"];
const GENDERS: &[&str] = &["male", "female"];
const BACKBONES: &[&str] = &["none", "county", "city", "province"];
const STATUSES: &[&str] = &["active", "on_leave", "retired", "left"];

/// A whole number from a query or form map; anything else counts as absent.
pub(super) fn num(raw: &HashMap<String, String>, k: &str) -> Option<i64> {
    raw.get(k).and_then(|s| s.trim().parse().ok())
}

/// The shared list filters, read leniently from the raw query (an empty select is "all").
pub(super) fn list_query(raw: &HashMap<String, String>) -> ListQuery {
    ListQuery {
        q: opt_text(raw, "q"),
        region_id: num(raw, "region_id"),
        school_id: num(raw, "school_id"),
        community_id: num(raw, "community_id"),
        stage: opt_text(raw, "stage"),
        locality: opt_text(raw, "locality"),
        page: num(raw, "page"),
        per_page: num(raw, "per_page"),
    }
}

/// The notice carried by a redirect after a successful POST.
pub(super) fn notice(raw: &HashMap<String, String>) -> Option<&str> {
    raw.get("notice").map(String::as_str)
}

/// A 403 error page in the caller's language.
pub(super) fn forbidden(c: &Caller) -> axum::response::Response {
    error_page(&AppError::forbidden().in_locale(c.locale), c.locale)
}

/// Whether a 4xx error is worth showing on the form again (not a refusal).
pub(super) fn redisplay(e: &AppError) -> bool {
    e.status.is_client_error() && e.status != StatusCode::FORBIDDEN
}

/// Where the caller may add teachers: anywhere in a bureau's region, or a coordinator's school.
fn writes_teachers(c: &Caller) -> bool {
    c.may(
        Action::Write,
        Resource::Teacher,
        &Place {
            region_path: c.principal.region_path.clone(),
            community_id: c.principal.community_id,
            school_id: c.principal.school_id,
            teacher_id: None,
        },
    )
}

#[derive(Template)]
#[template(path = "teachers_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Teacher>,
    pager: Pager,
    q: String,
    subject: String,
    community_id: String,
    schools: Vec<Opt>,
    backbones: Vec<Opt>,
    stages: Vec<Opt>,
    can_create: bool,
}

impl ListPage {
    fn label(&self, prefix: &str, k: &str) -> String {
        self.shell.tr.label(prefix, k)
    }
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let tr = Tr(c.locale);
    let q = list_query(&raw);
    let tf = TeacherFilter {
        backbone_level: opt_text(&raw, "backbone_level"),
        subject: opt_text(&raw, "subject"),
        status: opt_text(&raw, "status"),
    };
    let page = st
        .store
        .list_teachers(&c.visible(), &q, &tf)
        .await
        .or_page(&c)?;
    let schools = st.store.school_index(&c.visible()).await.or_page(&c)?;
    let school_id = q.school_id.map(|s| s.to_string()).unwrap_or_default();
    let backbone = tf.backbone_level.clone().unwrap_or_default();
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("school_id", school_id.clone()),
        ("backbone_level", backbone.clone()),
        ("subject", tf.subject.clone().unwrap_or_default()),
        ("stage", q.stage.clone().unwrap_or_default()),
        ("status", tf.status.clone().unwrap_or_default()),
        (
            "community_id",
            q.community_id.map(|c| c.to_string()).unwrap_or_default(),
        ),
    ];
    let mut backbone_keys = vec![("any".to_owned(), tr.t("teachers.any_backbone").to_owned())];
    backbone_keys.extend(
        BACKBONES
            .iter()
            .map(|k| ((*k).to_owned(), tr.label("backbone", k))),
    );
    render(&ListPage {
        shell: Shell::new(&c, "teachers").with_notice(notice(&raw)),
        pager: Pager::new("/teachers", &filters, q.page(), q.limit(), page.total),
        items: page.items.into_iter().map(Teacher::mask_phone).collect(),
        q: q.q.clone().unwrap_or_default(),
        subject: tf.subject.clone().unwrap_or_default(),
        community_id: q.community_id.map(|c| c.to_string()).unwrap_or_default(),
        schools: opts(
            schools.into_iter().map(|s| (s.id.to_string(), s.name)),
            &school_id,
        ),
        backbones: opts(backbone_keys, &backbone),
        stages: vocab_opts(tr, "stage", STAGES, q.stage.as_deref().unwrap_or("")),
        can_create: writes_teachers(&c),
    })
}

#[derive(Template)]
#[template(path = "teacher_detail.html")]
struct DetailPage {
    shell: Shell,
    t: Teacher,
    phone: String,
    can_edit: bool,
}

impl DetailPage {
    fn label(&self, prefix: &str, k: &str) -> String {
        self.shell.tr.label(prefix, k)
    }
}

pub async fn detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let place = st.store.place_of_teacher(id).await.or_page(&c)?;
    c.require(Action::Read, Resource::Teacher, &place)
        .or_page(&c)?;
    let can_edit = c.may(Action::Write, Resource::Teacher, &place);
    let t = st.store.get_teacher(id).await.or_page(&c)?;
    // The full number only for those who keep the record; everyone else sees it masked.
    let t = if can_edit { t } else { t.mask_phone() };
    render(&DetailPage {
        shell: Shell::new(&c, "teachers").with_notice(notice(&raw)),
        phone: t.phone.clone().unwrap_or_default(),
        t,
        can_edit,
    })
}

#[derive(Template)]
#[template(path = "teacher_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: HashMap<String, String>,
    schools: Vec<Opt>,
    genders: Vec<Opt>,
    backbones: Vec<Opt>,
    statuses: Vec<Opt>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn form_of(t: &Teacher) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("staff_number".into(), t.staff_number.clone());
    m.insert("name".into(), t.name.clone());
    m.insert("gender".into(), t.gender.clone());
    m.insert(
        "birth_year".into(),
        t.birth_year.map(|y| y.to_string()).unwrap_or_default(),
    );
    m.insert("school_id".into(), t.school_id.to_string());
    m.insert("subjects".into(), t.subjects.joined());
    m.insert("title".into(), t.title.clone());
    m.insert("backbone_level".into(), t.backbone_level.clone());
    m.insert("years_at_school".into(), t.years_at_school.to_string());
    m.insert("phone".into(), t.phone.clone().unwrap_or_default());
    m.insert("status".into(), t.status.clone());
    m.insert(
        "degree_above_standard".into(),
        if t.degree_above_standard != 0 {
            "1"
        } else {
            ""
        }
        .into(),
    );
    m
}

/// Schools the caller may place a teacher in: every school of a bureau's region, a coordinator's own.
async fn school_opts(st: &AppState, c: &Caller, current: &str) -> Result<Vec<Opt>, AppError> {
    let schools: Vec<(i64, String, String)> = match (c.principal.role, c.principal.school_id) {
        (Role::BureauAdmin, _) => st
            .store
            .school_index(&c.visible())
            .await?
            .into_iter()
            .map(|s| (s.id, s.name, s.code))
            .collect(),
        (Role::SchoolCoordinator, Some(id)) => {
            let s = st.store.get_school(id).await?;
            vec![(s.id, s.name, s.code)]
        }
        _ => vec![],
    };
    Ok(opts(
        schools
            .into_iter()
            .map(|(id, name, code)| (id.to_string(), format!("{name}（{code}）"))),
        current,
    ))
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    id: Option<i64>,
    f: HashMap<String, String>,
    mut errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    // A teacher's name is 姓名, not the generic 名称 the field messages use.
    if let Some(m) = errors.by_field.get_mut("name") {
        *m = m.replacen(tr.t("field.name"), tr.t("teachers.name"), 1);
    }
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&FormPage {
        shell: Shell::new(c, "teachers"),
        schools: school_opts(st, c, &g("school_id")).await.or_page(c)?,
        genders: vocab_opts(tr, "gender", GENDERS, &g("gender")),
        backbones: vocab_opts(tr, "backbone", BACKBONES, &g("backbone_level")),
        statuses: vocab_opts(tr, "teacher_status", STATUSES, &g("status")),
        id,
        f,
        errors,
    })?;
    Ok((status, page).into_response())
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    if !writes_teachers(&c) {
        return Err(forbidden(&c));
    }
    let mut f = HashMap::new();
    f.insert("backbone_level".into(), "none".into());
    f.insert("status".into(), "active".into());
    if let Some(s) = c.principal.school_id {
        f.insert("school_id".into(), s.to_string());
    }
    form_page(&st, &c, None, f, FormErrors::default()).await
}

fn fields_from(f: &HashMap<String, String>) -> Result<TeacherFields, AppError> {
    let mut errs = gongjin_domain::ValidationErrors::default();
    let birth_year = errs.take(opt_i64(f, "birth_year")).flatten();
    let years = errs.take(opt_i64(f, "years_at_school")).flatten();
    let school_id = errs.take(opt_i64(f, "school_id")).flatten();
    if !errs.is_empty() {
        return Err(AppError::validation(errs));
    }
    let tf = TeacherFields {
        staff_number: f.get("staff_number").cloned().unwrap_or_default(),
        name: f.get("name").cloned().unwrap_or_default(),
        gender: f.get("gender").cloned().unwrap_or_default(),
        birth_year,
        school_id: school_id.unwrap_or(0),
        subjects: opt_text(f, "subjects").into_iter().collect(),
        title: opt_text(f, "title"),
        backbone_level: opt_text(f, "backbone_level"),
        years_at_school: years,
        phone: opt_text(f, "phone"),
        status: opt_text(f, "status"),
        degree_above_standard: Some(
            f.get("degree_above_standard")
                .is_some_and(|v| matches!(v.as_str(), "1" | "on" | "true")),
        ),
    };
    // Validate here too, so every field's problem shows at once.
    tf.validate().map_err(AppError::validation)?;
    Ok(tf)
}

async fn school_place(st: &AppState, school_id: i64) -> Result<Place, AppError> {
    st.store
        .place_of_school(school_id)
        .await
        .map_err(|_| AppError::field("school_id", "error.not_found", None))
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let tf = fields_from(&f)?;
        c.require(
            Action::Write,
            Resource::Teacher,
            &school_place(&st, tf.school_id).await?,
        )?;
        Ok::<_, AppError>(st.store.create_teacher(&c.actor(), &tf.validate()?).await?)
    }
    .await;
    match result {
        Ok(t) => Ok(see_other(&format!("/teachers/{}", t.id), "notice.created")),
        Err(e) if redisplay(&e) => {
            form_page(&st, &c, None, f, FormErrors::from_error(&e, c.locale)).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    c.require(
        Action::Write,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let t = st.store.get_teacher(id).await.or_page(&c)?;
    form_page(&st, &c, Some(id), form_of(&t), FormErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let before = st.store.get_teacher(id).await.or_page(&c)?;
    let result = async {
        let tf = fields_from(&f)?;
        if tf.school_id != before.school_id {
            // Moving a teacher needs the right to keep teachers at the new school too.
            c.require(
                Action::Write,
                Resource::Teacher,
                &school_place(&st, tf.school_id).await?,
            )?;
        }
        Ok::<_, AppError>(
            st.store
                .update_teacher(&c.actor(), id, &tf.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/teachers/{id}"), "notice.saved")),
        Err(e) if redisplay(&e) => {
            form_page(&st, &c, Some(id), f, FormErrors::from_error(&e, c.locale)).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Teacher,
        &st.store.place_of_teacher(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store.delete_teacher(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/teachers", "notice.deleted"))
}
