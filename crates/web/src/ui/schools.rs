//! School pages: list with search and filters, detail with membership history, create and edit.

use super::common::*;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::inputs::SchoolFields;
use gongjin_domain::{Locality, Ownership, Stage};
use gongjin_store::records::{ListQuery, Membership, School};
use std::collections::HashMap;

const STAGES: &[&str] = &["primary", "junior", "nine_year", "twelve_year"];
const LOCALITIES: &[&str] = &["urban", "town", "rural"];
const OWNERSHIPS: &[&str] = &["public", "private"];

#[derive(Template)]
#[template(path = "schools_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<School>,
    pager: Pager,
    q: String,
    stages: Vec<Opt>,
    localities: Vec<Opt>,
    can_create: bool,
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<ListQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let tr = Tr(c.locale);
    let page = st.store.list_schools(&c.visible(), &q).await.or_page(&c)?;
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("stage", q.stage.clone().unwrap_or_default()),
        ("locality", q.locality.clone().unwrap_or_default()),
        (
            "region_id",
            q.region_id.map(|r| r.to_string()).unwrap_or_default(),
        ),
        (
            "community_id",
            q.community_id.map(|r| r.to_string()).unwrap_or_default(),
        ),
    ];
    let can_create = c.may(
        Action::Write,
        Resource::Membership,
        &Place {
            region_path: c.principal.region_path.clone(),
            ..Place::default()
        },
    );
    render(&ListPage {
        shell: Shell::new(&c, "schools").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new("/schools", &filters, q.page(), q.limit(), page.total),
        items: page.items,
        q: q.q.clone().unwrap_or_default(),
        stages: vocab_opts(tr, "stage", STAGES, q.stage.as_deref().unwrap_or("")),
        localities: vocab_opts(
            tr,
            "locality",
            LOCALITIES,
            q.locality.as_deref().unwrap_or(""),
        ),
        can_create,
    })
}

#[derive(Template)]
#[template(path = "school_detail.html")]
struct DetailPage {
    shell: Shell,
    s: School,
    memberships: Vec<Membership>,
    can_edit: bool,
    can_delete: bool,
    figures: gongjin_store::calendar::SchoolFigures,
    month_chart: String,
    year_label: String,
}

pub async fn detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let place = st.store.place_of_school(id).await.or_page(&c)?;
    c.require(Action::Read, Resource::School, &place)
        .or_page(&c)?;
    let s = st.store.get_school(id).await.or_page(&c)?;
    let memberships = st.store.school_memberships(id).await.or_page(&c)?;
    let year = gongjin_domain::school_year_of(gongjin_store::today());
    let figures = st.store.school_figures(id, year).await.or_page(&c)?;
    let month_chart = crate::charts::columns(&figures.activities_by_month);
    render(&DetailPage {
        shell: Shell::new(&c, "schools").with_notice(raw.get("notice").map(String::as_str)),
        figures,
        month_chart,
        year_label: format!("{}–{}", year, year + 1),
        can_edit: c.may(Action::Write, Resource::School, &place),
        can_delete: c.may(Action::Write, Resource::Membership, &place),
        s,
        memberships,
    })
}

#[derive(Template)]
#[template(path = "school_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: HashMap<String, String>,
    regions: Vec<Opt>,
    stages: Vec<Opt>,
    localities: Vec<Opt>,
    ownerships: Vec<Opt>,
    errors: FormErrors,
    locked_keys: bool,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn form_of(s: &School) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("name".into(), s.name.clone());
    m.insert("code".into(), s.code.clone());
    m.insert("region_id".into(), s.region_id.to_string());
    m.insert("stage".into(), s.stage.clone());
    m.insert("locality".into(), s.locality.clone());
    m.insert("ownership".into(), s.ownership.clone());
    m.insert("address".into(), s.address.clone());
    m.insert(
        "longitude".into(),
        s.longitude.map(|v| v.to_string()).unwrap_or_default(),
    );
    m.insert(
        "latitude".into(),
        s.latitude.map(|v| v.to_string()).unwrap_or_default(),
    );
    m.insert("primary_enrolment".into(), s.primary_enrolment.to_string());
    m.insert("junior_enrolment".into(), s.junior_enrolment.to_string());
    m.insert("class_count".into(), s.class_count.to_string());
    m
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    id: Option<i64>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    render(&FormPage {
        shell: Shell::new(c, "schools"),
        regions: region_opts(st, c, &g("region_id")).await.or_page(c)?,
        stages: vocab_opts(tr, "stage", STAGES, &g("stage")),
        localities: vocab_opts(tr, "locality", LOCALITIES, &g("locality")),
        ownerships: vocab_opts(tr, "ownership", OWNERSHIPS, &g("ownership")),
        locked_keys: id.is_some() && c.principal.role == gongjin_domain::Role::SchoolCoordinator,
        id,
        f,
        errors,
    })
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    f.insert("ownership".into(), "public".into());
    form_page(&st, &c, None, f, FormErrors::default()).await
}

fn fields_from(f: &HashMap<String, String>) -> Result<SchoolFields, AppError> {
    let mut errs = gongjin_domain::ValidationErrors::default();
    let longitude = errs.take(opt_f64(f, "longitude")).flatten();
    let latitude = errs.take(opt_f64(f, "latitude")).flatten();
    let primary = errs.take(opt_i64(f, "primary_enrolment")).flatten();
    let junior = errs.take(opt_i64(f, "junior_enrolment")).flatten();
    let classes = errs.take(opt_i64(f, "class_count")).flatten();
    if !errs.is_empty() {
        return Err(AppError::validation(errs));
    }
    let sf = SchoolFields {
        name: f.get("name").cloned().unwrap_or_default(),
        code: f.get("code").cloned().unwrap_or_default(),
        region_id: opt_text(f, "region_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        stage: f.get("stage").cloned().unwrap_or_default(),
        locality: f.get("locality").cloned().unwrap_or_default(),
        ownership: opt_text(f, "ownership"),
        address: opt_text(f, "address"),
        longitude,
        latitude,
        primary_enrolment: primary,
        junior_enrolment: junior,
        class_count: classes,
    };
    // Run validation here too, so every field's problem shows at once.
    sf.validate().map_err(AppError::validation)?;
    Ok(sf)
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let sf = fields_from(&f)?;
        c.require(
            Action::Write,
            Resource::Membership,
            &crate::api::schools::school_place_for_region(&st, sf.region_id).await?,
        )?;
        Ok::<_, AppError>(st.store.create_school(&c.actor(), &sf.validate()?).await?)
    }
    .await;
    match result {
        Ok(s) => Ok(see_other(&format!("/schools/{}", s.id), "notice.created")),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::FORBIDDEN => {
            form_page(&st, &c, None, f, FormErrors::from_error(&e, c.locale)).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    c.require(
        Action::Write,
        Resource::School,
        &st.store.place_of_school(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let s = st.store.get_school(id).await.or_page(&c)?;
    form_page(&st, &c, Some(id), form_of(&s), FormErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(mut f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let place = st.store.place_of_school(id).await.or_page(&c)?;
    c.require(Action::Write, Resource::School, &place)
        .or_page(&c)?;
    let before = st.store.get_school(id).await.or_page(&c)?;
    if c.principal.role == gongjin_domain::Role::SchoolCoordinator {
        // Coordinators keep the registry keys as the bureau set them.
        f.insert("code".into(), before.code.clone());
        f.insert("region_id".into(), before.region_id.to_string());
    }
    let result = async {
        let sf = fields_from(&f)?;
        if sf.region_id != before.region_id {
            c.require(
                Action::Write,
                Resource::School,
                &crate::api::schools::school_place_for_region(&st, sf.region_id).await?,
            )?;
        }
        Ok::<_, AppError>(
            st.store
                .update_school(&c.actor(), id, &sf.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/schools/{id}"), "notice.saved")),
        Err(e) if e.status.is_client_error() && e.status != axum::http::StatusCode::FORBIDDEN => {
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
        Resource::Membership,
        &st.store.place_of_school(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store.delete_school(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/schools", "notice.deleted"))
}

// Labels used by the templates.
impl ListPage {
    fn stage(&self, k: &str) -> String {
        Stage::parse(k)
            .map(|s| self.shell.tr.label("stage", s.key()))
            .unwrap_or_default()
    }
    fn locality(&self, k: &str) -> String {
        Locality::parse(k)
            .map(|s| self.shell.tr.label("locality", s.key()))
            .unwrap_or_default()
    }
}
impl DetailPage {
    fn label(&self, prefix: &str, k: &str) -> String {
        self.shell.tr.label(prefix, k)
    }
    fn ownership(&self) -> String {
        Ownership::parse(&self.s.ownership)
            .map(|o| self.shell.tr.label("ownership", o.key()))
            .unwrap_or_default()
    }
}
