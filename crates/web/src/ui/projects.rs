//! Project review pages (项目评估): list and draft, the project with its review history, the
//! school's edit and submit, and the bureau's review.

use super::common::*;
use crate::AppState;
use crate::api::projects::{
    MoveFields, ProjectFields, apply_move, require_project, require_school_side, validate,
};
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::projects::{Project, ProjectDetail};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/projects", get(list).post(create))
        .route("/projects/{id}", get(detail).post(edit))
        .route("/projects/{id}/moves", post(move_project))
}

/// (community id, core school id, label) the caller may draft for.
async fn core_sides(
    st: &AppState,
    c: &crate::auth::Caller,
) -> Result<Vec<(String, String)>, AppError> {
    // The same decision as `require_school_side`, made over one read of the communities.
    let mut out = vec![];
    for e in st.store.communities_in(&c.visible()).await? {
        if let Some(core) = e.members.iter().find(|m| m.role == "core") {
            let mut place = e.place();
            place.school_id = Some(core.school_id);
            if c.may(Action::Write, Resource::Activity, &place) {
                out.push((
                    format!("{}:{}", e.community.id, core.school_id),
                    format!("{}（{}）", core.school_name, e.community.name),
                ));
            }
        }
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "projects.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Project>,
    sides: Vec<Opt>,
    errors: FormErrors,
}

impl ListPage {
    fn status(&self, s: &str) -> String {
        self.shell.tr.label("project_status", s)
    }
}

async fn list_page(
    st: &AppState,
    c: &crate::auth::Caller,
    errors: FormErrors,
    notice: Option<&str>,
) -> PageResult {
    render(&ListPage {
        shell: Shell::new(c, "projects").with_notice(notice),
        items: st
            .store
            .list_projects(&c.visible(), None)
            .await
            .or_page(c)?,
        sides: opts(core_sides(st, c).await.or_page(c)?, ""),
        errors,
    })
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    list_page(
        &st,
        &c,
        FormErrors::default(),
        raw.get("notice").map(String::as_str),
    )
    .await
}

fn fields(f: &HashMap<String, String>, community_id: i64, school_id: i64) -> ProjectFields {
    ProjectFields {
        community_id,
        school_id,
        title: f.get("title").cloned().unwrap_or_default(),
        goal: opt_text(f, "goal"),
        period_from: f.get("period_from").cloned().unwrap_or_default(),
        period_to: f.get("period_to").cloned().unwrap_or_default(),
        member_schools: opt_text(f, "member_schools"),
        evidence: opt_text(f, "evidence"),
        claimed_improvement: opt_text(f, "claimed_improvement"),
    }
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let side = f.get("side").cloned().unwrap_or_default();
    let mut it = side.split(':').map(|x| x.parse::<i64>().unwrap_or(0));
    let (cid, sid) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    let result = async {
        require_school_side(&st, &c, cid, sid).await?;
        let p = validate(&fields(&f, cid, sid))?;
        Ok::<_, AppError>(st.store.create_project(&c.actor(), &p).await?)
    }
    .await;
    match result {
        Ok(p) => Ok(see_other(
            &format!("/projects/{}", p.project.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => list_page(&st, &c, FormErrors::from_error(&e, c.locale), None).await,
    }
}

#[derive(Template)]
#[template(path = "project_detail.html")]
struct DetailPage {
    shell: Shell,
    d: ProjectDetail,
    status: String,
    school_side: bool,
    reviewer: bool,
    errors: FormErrors,
}

impl DetailPage {
    fn action(&self, a: &str) -> String {
        self.shell.tr.label("project_action", a)
    }
    fn editable(&self) -> bool {
        self.school_side && matches!(self.d.project.status.as_str(), "draft" | "returned")
    }
}

async fn detail_page(
    st: &AppState,
    c: &crate::auth::Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let d = require_project(st, c, id).await.or_page(c)?;
    let school_side = require_school_side(st, c, d.project.community_id, d.project.school_id)
        .await
        .is_ok();
    let reviewer = c.may(
        Action::Write,
        Resource::RegionSettings,
        &st.store
            .place_of_community(d.project.community_id)
            .await
            .or_page(c)?,
    );
    render(&DetailPage {
        shell: Shell::new(c, "projects").with_notice(notice),
        status: Tr(c.locale).label("project_status", &d.project.status),
        d,
        school_side,
        reviewer,
        errors,
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

pub async fn edit(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let d = require_project(&st, &c, id).await.or_page(&c)?;
    let result = async {
        require_school_side(&st, &c, d.project.community_id, d.project.school_id).await?;
        let p = validate(&fields(&f, d.project.community_id, d.project.school_id))?;
        Ok::<_, AppError>(st.store.update_project(&c.actor(), id, &p).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/projects/{id}"), "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn move_project(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let m = MoveFields {
        action: f.get("action").cloned().unwrap_or_default(),
        score: opt_text(&f, "score").and_then(|v| gongjin_domain::clean_ascii(&v).parse().ok()),
        comment: opt_text(&f, "comment"),
    };
    match apply_move(&st, &c, id, &m).await {
        Ok(_) => Ok(see_other(&format!("/projects/{id}"), "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}
