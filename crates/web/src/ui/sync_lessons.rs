//! Synchronous lesson pages (同步课堂): list with the yearly count against the target, record one
//! with its design form, and the detail with the before / during / after record.

use super::common::*;
use crate::AppState;
use crate::api::sync_lessons::{fields_of, require_lesson, require_new};
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::ActivityStatus;
use gongjin_domain::operations::{ReceiverFields, SyncLessonFields};
use gongjin_store::sync_lessons::{SyncLesson, SyncLessonCount, SyncLessonDetail, SyncLessonQuery};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sync-lessons", get(list))
        .route("/sync-lessons/new", get(new_form).post(create))
        .route("/sync-lessons/{id}", get(detail).post(update))
        .route("/sync-lessons/{id}/delete", post(delete))
}

#[derive(Template)]
#[template(path = "sync_lessons_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<SyncLesson>,
    counts: Vec<SyncLessonCount>,
    pager: Pager,
    can_create: bool,
    year_label: String,
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<SyncLessonQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let page = st
        .store
        .list_sync_lessons(&c.visible(), &q)
        .await
        .or_page(&c)?;
    let year = gongjin_domain::school_year_of(gongjin_store::today());
    let counts = st
        .store
        .sync_lesson_counts(&c.visible(), q.community_id, year)
        .await
        .or_page(&c)?;
    let (hosts, _) = super::activities::hosts(&st, &c).await.or_page(&c)?;
    let filters = [(
        "community_id",
        q.community_id.map(|v| v.to_string()).unwrap_or_default(),
    )];
    render(&ListPage {
        shell: Shell::new(&c, "sync_lessons").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new(
            "/sync-lessons",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 1000),
            page.total,
        ),
        items: page.items,
        counts,
        can_create: !hosts.is_empty(),
        year_label: format!("{}–{}", year, year + 1),
    })
}

#[derive(Template)]
#[template(path = "sync_lesson_form.html")]
struct FormPage {
    shell: Shell,
    f: HashMap<String, String>,
    communities: Vec<Opt>,
    schools: Vec<Opt>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn form_page(
    st: &AppState,
    c: &crate::auth::Caller,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let (hosts, schools) = super::activities::hosts(st, c).await.or_page(c)?;
    let mut coms: Vec<(String, String)> = vec![];
    for h in &hosts {
        let label = h
            .label
            .rsplit('（')
            .next()
            .unwrap_or("")
            .trim_end_matches('）')
            .to_owned();
        if !coms.iter().any(|(v, _)| *v == h.community_id.to_string()) {
            coms.push((h.community_id.to_string(), label));
        }
    }
    let current = f.get("community_id").cloned().unwrap_or_default();
    render(&FormPage {
        shell: Shell::new(c, "sync_lessons"),
        communities: opts(coms, &current),
        schools,
        f,
        errors,
    })
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    f.insert("held_on".into(), gongjin_store::today().to_string());
    f.insert("period".into(), "3".into());
    form_page(&st, &c, f, FormErrors::default()).await
}

fn text(f: &HashMap<String, String>, k: &str) -> String {
    f.get(k).cloned().unwrap_or_default()
}

async fn fields_from(
    st: &AppState,
    f: &HashMap<String, String>,
) -> Result<SyncLessonFields, AppError> {
    let community_id: i64 = text(f, "community_id").parse().unwrap_or(0);
    let staff = gongjin_domain::clean_ascii(&text(f, "host_staff_number"));
    let region = st
        .store
        .get_community(community_id)
        .await
        .map_err(|_| AppError::field("community_id", "error.required", None))?
        .region_id;
    let teacher = st
        .store
        .teacher_by_staff_number(region, &staff)
        .await?
        .ok_or_else(|| AppError::field("host_teacher_id", "error.staff_unknown", Some(staff)))?;
    let mut receivers = vec![];
    for n in 1..=3 {
        let s: i64 = text(f, &format!("receiver_school_{n}"))
            .parse()
            .unwrap_or(0);
        let class = text(f, &format!("receiver_class_{n}"));
        if s > 0 {
            receivers.push(ReceiverFields {
                school_id: s,
                class_label: class,
            });
        }
    }
    Ok(SyncLessonFields {
        community_id,
        host_teacher_id: teacher.id,
        host_class: text(f, "host_class"),
        receivers,
        subject: text(f, "subject"),
        held_on: text(f, "held_on"),
        period: text(f, "period").trim().parse().unwrap_or(0),
        live_url: opt_text(f, "live_url"),
        topic: text(f, "topic"),
        goals: opt_text(f, "goals"),
        key_points: opt_text(f, "key_points"),
        process: opt_text(f, "process"),
        division: opt_text(f, "division"),
        before_notes: opt_text(f, "before_notes"),
        during_notes: None,
        after_notes: None,
        status: opt_text(f, "status"),
    })
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let fields = fields_from(&st, &f).await?;
        require_new(&st, &c, fields.community_id, fields.host_teacher_id).await?;
        Ok::<_, AppError>(
            st.store
                .create_sync_lesson(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(l) => Ok(see_other(
            &format!("/sync-lessons/{}", l.lesson.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => form_page(&st, &c, f, FormErrors::from_error(&e, c.locale)).await,
    }
}

#[derive(Template)]
#[template(path = "sync_lesson_detail.html")]
struct DetailPage {
    shell: Shell,
    d: SyncLessonDetail,
    can_edit: bool,
    statuses: Vec<Opt>,
    status_label: String,
    errors: FormErrors,
}

async fn detail_page(
    st: &AppState,
    c: &crate::auth::Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let d = require_lesson(st, c, gongjin_domain::authz::Action::Read, id)
        .await
        .or_page(c)?;
    let can_edit = require_lesson(st, c, gongjin_domain::authz::Action::Write, id)
        .await
        .is_ok();
    let tr = Tr(c.locale);
    let keys: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.key()).collect();
    render(&DetailPage {
        shell: Shell::new(c, "sync_lessons").with_notice(notice),
        statuses: vocab_opts(tr, "activity_status", &keys, &d.lesson.status),
        status_label: tr.label("activity_status", &d.lesson.status),
        d,
        can_edit,
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

/// Saves the before / during / after record and the status.
pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let before = require_lesson(&st, &c, gongjin_domain::authz::Action::Write, id)
        .await
        .or_page(&c)?;
    let mut fields = fields_of(&before);
    for (k, slot) in [
        ("before_notes", &mut fields.before_notes),
        ("during_notes", &mut fields.during_notes),
        ("after_notes", &mut fields.after_notes),
        ("status", &mut fields.status),
    ] {
        if let Some(v) = f.get(k) {
            *slot = Some(v.clone());
        }
    }
    let result = async {
        Ok::<_, AppError>(
            st.store
                .update_sync_lesson(&c.actor(), id, &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/sync-lessons/{id}"), "notice.saved")),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_lesson(&st, &c, gongjin_domain::authz::Action::Write, id)
        .await
        .or_page(&c)?;
    st.store
        .delete_sync_lesson(&c.actor(), id)
        .await
        .or_page(&c)?;
    Ok(see_other("/sync-lessons", "notice.deleted"))
}
