//! Mentoring pages (师徒结对): list with overdue tasks, signing a pair, detail with tasks and
//! staged evaluations.

use super::common::*;
use crate::AppState;
use crate::api::mentorships::{checked_pair, require_pair};
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{EvaluationFields, MentorshipFields, TaskFields};
use gongjin_domain::{EvaluatorRole, MentorshipStatus};
use gongjin_store::mentorships::{Mentorship, MentorshipDetail, MentorshipQuery};
use gongjin_store::records::ListQuery;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mentorships", get(list))
        .route("/mentorships/new", get(new_form).post(create))
        .route("/mentorships/{id}", get(detail))
        .route("/mentorships/{id}/status", post(status))
        .route("/mentorships/{id}/tasks", post(add_task))
        .route("/mentorships/{id}/tasks/{tid}/done", post(task_done))
        .route("/mentorships/{id}/evaluations", post(add_evaluation))
}

#[derive(Template)]
#[template(path = "mentorships_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Mentorship>,
    pager: Pager,
    overdue_only: bool,
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<MentorshipQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let page = st
        .store
        .list_mentorships(&c.visible(), &q)
        .await
        .or_page(&c)?;
    let filters = [(
        "overdue",
        if q.overdue == Some(true) {
            "true".to_owned()
        } else {
            String::new()
        },
    )];
    render(&ListPage {
        shell: Shell::new(&c, "mentorships").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new(
            "/mentorships",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        items: page.items,
        overdue_only: q.overdue == Some(true),
    })
}

#[derive(Template)]
#[template(path = "mentorship_form.html")]
struct FormPage {
    shell: Shell,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

pub async fn new_form(Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    f.insert("signed_on".into(), gongjin_store::today().to_string());
    render(&FormPage {
        shell: Shell::new(&c, "mentorships"),
        f,
        errors: FormErrors::default(),
    })
}

/// A teacher the caller sees, by staff number.
async fn teacher_by_staff(
    st: &AppState,
    c: &Caller,
    field: &str,
    staff: &str,
) -> Result<i64, AppError> {
    let staff = gongjin_domain::clean_ascii(staff);
    if staff.is_empty() {
        return Err(AppError::field(field, "error.required", None));
    }
    st.store
        .list_teachers(
            &c.visible(),
            &ListQuery {
                q: Some(staff.clone()),
                per_page: Some(50),
                ..Default::default()
            },
            &Default::default(),
        )
        .await?
        .items
        .into_iter()
        .find(|t| t.staff_number == staff)
        .map(|t| t.id)
        .ok_or_else(|| AppError::field(field, "error.not_found", None))
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let mentor_id = teacher_by_staff(
            &st,
            &c,
            "mentor_id",
            f.get("mentor").map(String::as_str).unwrap_or(""),
        )
        .await?;
        let apprentice_id = teacher_by_staff(
            &st,
            &c,
            "apprentice_id",
            f.get("apprentice").map(String::as_str).unwrap_or(""),
        )
        .await?;
        let fields = MentorshipFields {
            mentor_id,
            apprentice_id,
            signed_on: f.get("signed_on").cloned().unwrap_or_default(),
            goals: opt_text(&f, "goals"),
            status: None,
        };
        let m = checked_pair(&st, &c, &fields).await?;
        Ok::<_, AppError>(st.store.create_mentorship(&c.actor(), &m).await?)
    }
    .await;
    match result {
        Ok(m) => Ok(see_other(
            &format!("/mentorships/{}", m.mentorship.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => render(&FormPage {
            shell: Shell::new(&c, "mentorships"),
            f,
            errors: FormErrors::from_error(&e, c.locale),
        }),
    }
}

pub struct TaskRow {
    pub t: gongjin_store::mentorships::Task,
    pub overdue: bool,
}

#[derive(Template)]
#[template(path = "mentorship_detail.html")]
struct DetailPage {
    shell: Shell,
    m: MentorshipDetail,
    status: String,
    statuses: Vec<Opt>,
    roles: Vec<Opt>,
    tasks: Vec<TaskRow>,
    can_edit: bool,
    can_tasks: bool,
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
    let places = require_pair(st, c, Action::Read, Resource::Mentorship, id)
        .await
        .or_page(c)?;
    let m = st.store.get_mentorship(id).await.or_page(c)?;
    let tr = Tr(c.locale);
    let today = gongjin_store::today().to_string();
    let statuses: Vec<&str> = MentorshipStatus::ALL.iter().map(|s| s.key()).collect();
    let roles: Vec<&str> = EvaluatorRole::ALL.iter().map(|s| s.key()).collect();
    render(&DetailPage {
        shell: Shell::new(c, "mentorships").with_notice(notice),
        status: tr.label("mentorship_status", &m.mentorship.status),
        statuses: vocab_opts(tr, "mentorship_status", &statuses, &m.mentorship.status),
        roles: vocab_opts(tr, "evaluator_role", &roles, "school"),
        tasks: m
            .task_list
            .iter()
            .map(|t| TaskRow {
                overdue: t.done_on.is_none()
                    && t.due_on.as_deref().is_some_and(|d| d < today.as_str()),
                t: t.clone(),
            })
            .collect(),
        can_edit: c.may(Action::Write, Resource::Mentorship, &places.0)
            || c.may(Action::Write, Resource::Mentorship, &places.1),
        can_tasks: c.may(Action::Write, Resource::MentorshipTask, &places.0)
            || c.may(Action::Write, Resource::MentorshipTask, &places.1),
        m,
        errors,
        today,
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

pub async fn status(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_pair(&st, &c, Action::Write, Resource::Mentorship, id)
        .await
        .or_page(&c)?;
    let s = MentorshipStatus::parse(f.get("status").map(String::as_str).unwrap_or(""))
        .ok_or_else(|| error_page(&AppError::field("status", "error.choice", None), c.locale))?;
    let goals = st
        .store
        .get_mentorship(id)
        .await
        .or_page(&c)?
        .mentorship
        .goals;
    st.store
        .set_mentorship_status(&c.actor(), id, s, &goals)
        .await
        .or_page(&c)?;
    Ok(see_other(&format!("/mentorships/{id}"), "notice.saved"))
}

pub async fn add_task(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_pair(&st, &c, Action::Write, Resource::MentorshipTask, id)
        .await
        .or_page(&c)?;
    let fields = TaskFields {
        title: f.get("title").cloned().unwrap_or_default(),
        due_on: opt_text(&f, "due_on"),
        done_on: None,
        note: opt_text(&f, "note"),
    };
    match fields.validate() {
        Ok(t) => {
            st.store
                .put_task(&c.actor(), id, None, &t)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/mentorships/{id}"), "notice.saved"))
        }
        Err(v) => {
            detail_page(
                &st,
                &c,
                id,
                None,
                FormErrors::from_error(&AppError::validation(v), c.locale),
            )
            .await
        }
    }
}

pub async fn task_done(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, tid)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_pair(&st, &c, Action::Write, Resource::MentorshipTask, id)
        .await
        .or_page(&c)?;
    let t = st.store.get_task(tid).await.or_page(&c)?;
    if t.mentorship_id != id {
        return Err(error_page(&AppError::not_found(), c.locale));
    }
    let fields = TaskFields {
        title: t.title,
        due_on: t.due_on,
        done_on: Some(gongjin_store::today().to_string()),
        note: Some(t.note),
    };
    let n = fields
        .validate()
        .map_err(|v| error_page(&AppError::validation(v), c.locale))?;
    st.store
        .put_task(&c.actor(), id, Some(tid), &n)
        .await
        .or_page(&c)?;
    Ok(see_other(&format!("/mentorships/{id}"), "notice.saved"))
}

pub async fn add_evaluation(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let places = st.store.places_of_mentorship(id).await.or_page(&c)?;
    let score = match opt_f64(&f, "score") {
        Ok(s) => s.unwrap_or(-1.0),
        Err(e) => {
            return detail_page(
                &st,
                &c,
                id,
                None,
                FormErrors::from_error(&AppError::validation(e.into()), c.locale),
            )
            .await;
        }
    };
    let fields = EvaluationFields {
        stage: f.get("stage").cloned().unwrap_or_default(),
        evaluator_role: f.get("evaluator_role").cloned().unwrap_or_default(),
        score,
        comment: opt_text(&f, "comment"),
        evaluated_on: f.get("evaluated_on").cloned().unwrap_or_default(),
    };
    match fields.validate() {
        Ok(ev) => {
            let ok = match ev.evaluator_role {
                EvaluatorRole::Mentor => c.may(Action::Write, Resource::MentorshipTask, &places.0),
                EvaluatorRole::School => {
                    c.may(Action::Write, Resource::Mentorship, &places.0)
                        || c.may(Action::Write, Resource::Mentorship, &places.1)
                }
            };
            if !ok {
                return Err(error_page(&AppError::forbidden(), c.locale));
            }
            st.store
                .add_evaluation(&c.actor(), id, &ev)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/mentorships/{id}"), "notice.saved"))
        }
        Err(v) => {
            require_pair(&st, &c, Action::Read, Resource::Mentorship, id)
                .await
                .or_page(&c)?;
            detail_page(
                &st,
                &c,
                id,
                None,
                FormErrors::from_error(&AppError::validation(v), c.locale),
            )
            .await
        }
    }
}
