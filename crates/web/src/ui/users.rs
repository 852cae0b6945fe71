//! Account pages for bureau administrators: list, create, edit (role, scope, active, password), delete.

use super::common::*;
use super::teachers::{forbidden, notice, num, redisplay};
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::UserFields;
use gongjin_domain::{FieldError, Role, ValidationErrors};
use gongjin_store::records::{Region, User};
use gongjin_store::users::UserPatch;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/users", get(list))
        .route("/users/new", get(new_form).post(create))
        .route("/users/{id}/edit", get(edit_form).post(update))
        .route("/users/{id}/delete", post(delete))
}

const ROLES: &[&str] = &[
    "bureau_admin",
    "inspector",
    "community_lead",
    "school_coordinator",
    "teacher",
];
const PER_PAGE: i64 = 20;

/// Account management is the bureau administrators'.
#[allow(clippy::result_large_err)] // the same shape as `csrf_ok`: an error page
fn admin_only(c: &Caller) -> Result<(), Response> {
    if c.principal.role == Role::BureauAdmin {
        Ok(())
    } else {
        Err(forbidden(c))
    }
}

#[derive(Template)]
#[template(path = "users_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<User>,
    pager: Pager,
    q: String,
    me: i64,
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
    admin_only(&c)?;
    let q = opt_text(&raw, "q").unwrap_or_default();
    let page = num(&raw, "page").unwrap_or(1).max(1);
    let p = st
        .store
        .list_users(&c.visible(), Some(&q), page, PER_PAGE)
        .await
        .or_page(&c)?;
    render(&ListPage {
        shell: Shell::new(&c, "users").with_notice(notice(&raw)),
        pager: Pager::new("/users", &[("q", q.clone())], page, PER_PAGE, p.total),
        items: p.items,
        q,
        me: c.principal.user_id,
    })
}

#[derive(Template)]
#[template(path = "user_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: HashMap<String, String>,
    roles: Vec<Opt>,
    regions: Vec<Opt>,
    communities: Vec<Opt>,
    schools: Vec<Opt>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
    fn checked(&self, k: &str) -> bool {
        self.f
            .get(k)
            .is_some_and(|v| !v.is_empty() && v != "0" && v != "false")
    }
}

/// The scope kind each role takes.
fn scope_kind(role: Role) -> &'static str {
    match role {
        Role::BureauAdmin | Role::Inspector => "region",
        Role::CommunityLead => "community",
        Role::SchoolCoordinator => "school",
        Role::Teacher => "teacher",
    }
}

/// What a form shows for an account's scope: `scope` = `region:3` …, or `teacher` = staff number.
async fn scope_form(st: &AppState, u: &User) -> HashMap<String, String> {
    let mut m = HashMap::new();
    if let Some(role) = Role::parse(&u.role) {
        if role == Role::Teacher {
            let staff = st
                .store
                .get_teacher(u.scope_id)
                .await
                .map(|t| t.staff_number)
                .unwrap_or_else(|_| u.scope_id.to_string());
            m.insert("teacher".into(), staff);
        } else {
            m.insert(
                "scope".into(),
                format!("{}:{}", scope_kind(role), u.scope_id),
            );
        }
    }
    m
}

/// Resolves the scope the form names for `role` into the id the account stores.
async fn scope_from(
    st: &AppState,
    c: &Caller,
    role: Role,
    f: &HashMap<String, String>,
) -> Result<i64, FieldError> {
    let mismatch = || FieldError::new("scope_id", "users.scope_mismatch");
    if role == Role::Teacher {
        let text =
            opt_text(f, "teacher").ok_or_else(|| FieldError::new("scope_id", "error.required"))?;
        let text = gongjin_domain::clean_ascii(&text);
        let found = st
            .store
            .visible_by_staff_number(&c.visible(), &text)
            .await
            .unwrap_or_default();
        if let Some(t) = found.first() {
            return Ok(t.id);
        }
        // A record id works too, when the caller can see that teacher.
        if let Ok(id) = text.trim_start_matches('#').parse::<i64>()
            && let Ok(place) = st.store.place_of_teacher(id).await
            && c.may(Action::Read, Resource::Teacher, &place)
        {
            return Ok(id);
        }
        return Err(FieldError::with(
            "scope_id",
            "users.teacher_not_found",
            text,
        ));
    }
    let value =
        opt_text(f, "scope").ok_or_else(|| FieldError::new("scope_id", "error.required"))?;
    let (kind, id) = value.split_once(':').ok_or_else(mismatch)?;
    if kind != scope_kind(role) {
        return Err(mismatch());
    }
    id.parse::<i64>().map_err(|_| mismatch())
}

async fn all_communities(st: &AppState, c: &Caller) -> Result<Vec<(i64, String)>, AppError> {
    Ok(st
        .store
        .communities_in(&c.visible())
        .await?
        .into_iter()
        .map(|e| (e.community.id, e.community.name))
        .collect())
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    id: Option<i64>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let scope = f.get("scope").cloned().unwrap_or_default();
    let regions: Vec<Region> = st.store.list_regions(&c.visible(), None).await.or_page(c)?;
    let depth = |r: &Region| r.path.matches('/').count().saturating_sub(2);
    let mut region_list: Vec<(String, String)> = Vec::new();
    if c.principal.region_path == "/" {
        region_list.push(("region:0".into(), tr.t("users.scope_all").to_owned()));
    }
    region_list.extend(
        regions
            .iter()
            .filter(|r| r.path.starts_with(&c.principal.region_path))
            .map(|r| {
                (
                    format!("region:{}", r.id),
                    format!("{}{}", "　".repeat(depth(r)), r.name),
                )
            }),
    );
    let communities = all_communities(st, c).await.or_page(c)?;
    let schools = st.store.school_index(&c.visible()).await.or_page(c)?;
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let page = render(&FormPage {
        shell: Shell::new(c, "users"),
        roles: vocab_opts(
            tr,
            "role",
            ROLES,
            f.get("role").map(String::as_str).unwrap_or(""),
        ),
        regions: opts(region_list, &scope),
        communities: opts(
            communities
                .into_iter()
                .map(|(id, name)| (format!("community:{id}"), name)),
            &scope,
        ),
        schools: opts(
            schools.into_iter().map(|s| {
                (
                    format!("school:{}", s.id),
                    format!("{}（{}）", s.name, s.code),
                )
            }),
            &scope,
        ),
        id,
        f,
        errors,
    })?;
    Ok((status, page).into_response())
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    admin_only(&c)?;
    let mut f = HashMap::new();
    f.insert("active".into(), "1".into());
    form_page(&st, &c, None, f, FormErrors::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    admin_only(&c)?;
    let result = async {
        let mut errs = ValidationErrors::default();
        let role = Role::parse(f.get("role").map(String::as_str).unwrap_or(""));
        let scope_id = match role {
            Some(r) => match scope_from(&st, &c, r, &f).await {
                Ok(id) => id,
                Err(e) => {
                    errs.push(e);
                    0
                }
            },
            None => 0,
        };
        let uf = UserFields {
            username: f.get("username").cloned().unwrap_or_default(),
            password: f.get("password").cloned().unwrap_or_default(),
            role: f.get("role").cloned().unwrap_or_default(),
            scope_id,
            display_name: opt_text(&f, "display_name"),
        };
        if let Err(v) = uf.validate() {
            let scope_reported = !errs.is_empty();
            for e in v.0 {
                if !(scope_reported && e.field == "scope_id") {
                    errs.push(e);
                }
            }
        }
        if !errs.is_empty() {
            return Err(AppError::validation(errs));
        }
        let u = uf.validate()?;
        let place = st
            .store
            .place_of_scope(u.role, u.scope_id)
            .await
            .map_err(|_| AppError::field("scope_id", "error.scope_missing", None))?;
        c.require(Action::Write, Resource::User, &place)?;
        Ok::<_, AppError>(st.store.create_user(&c.actor(), &u).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/users", "notice.created")),
        Err(e) if redisplay(&e) => {
            let mut f = f;
            f.remove("password");
            form_page(&st, &c, None, f, FormErrors::from_error(&e, c.locale)).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    admin_only(&c)?;
    c.require(
        Action::Write,
        Resource::User,
        &st.store.place_of_user(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let u = st.store.get_user(id).await.or_page(&c)?;
    let mut f = scope_form(&st, &u).await;
    f.insert("username".into(), u.username.clone());
    f.insert("display_name".into(), u.display_name.clone());
    f.insert("role".into(), u.role.clone());
    if u.active != 0 {
        f.insert("active".into(), "1".into());
    }
    form_page(&st, &c, Some(id), f, FormErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    admin_only(&c)?;
    c.require(
        Action::Write,
        Resource::User,
        &st.store.place_of_user(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let before = st.store.get_user(id).await.or_page(&c)?;
    let result = async {
        let role_text = f.get("role").cloned().unwrap_or_default();
        let role = Role::parse(&role_text)
            .ok_or_else(|| AppError::field("role", "error.choice", Some(role_text.clone())))?;
        let scope_id = scope_from(&st, &c, role, &f)
            .await
            .map_err(|e| AppError::validation(e.into()))?;
        let role_changed = role.key() != before.role;
        let scope_changed = scope_id != before.scope_id;
        if role_changed || scope_changed {
            let place = st
                .store
                .place_of_scope(role, scope_id)
                .await
                .map_err(|_| AppError::field("scope_id", "error.scope_missing", None))?;
            c.require(Action::Write, Resource::User, &place)?;
        }
        // Only what changed: a changed role or scope ends the account's sessions.
        let patch = UserPatch {
            password: opt_text(&f, "password"),
            role: role_changed.then(|| role.key().to_owned()),
            scope_id: scope_changed.then_some(scope_id),
            display_name: Some(f.get("display_name").cloned().unwrap_or_default()),
            active: Some(
                f.get("active")
                    .is_some_and(|v| !v.is_empty() && v != "0" && v != "false"),
            ),
        };
        Ok::<_, AppError>(st.store.update_user(&c.actor(), id, &patch).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/users", "notice.saved")),
        Err(e) if redisplay(&e) => {
            let mut f = f;
            f.remove("password");
            f.insert("username".into(), before.username.clone());
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
    admin_only(&c)?;
    if id == c.principal.user_id {
        return Err(forbidden(&c));
    }
    c.require(
        Action::Write,
        Resource::User,
        &st.store.place_of_user(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store.delete_user(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/users", "notice.deleted"))
}
