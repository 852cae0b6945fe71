//! Joint meeting pages (联席会议): list, record, detail with decisions and their follow-up.

use super::common::*;
use crate::AppState;
use crate::api::meetings::require_meeting;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::DecisionStatus;
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{DecisionFields, MeetingFields};
use gongjin_store::meetings::{Meeting, MeetingDetail, MeetingQuery};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meetings", get(list))
        .route("/meetings/new", get(new_form).post(create))
        .route("/meetings/{id}", get(detail))
        .route("/meetings/{id}/delete", post(delete))
        .route("/meetings/{id}/decisions", post(add_decision))
        .route("/meetings/{id}/decisions/{did}", post(update_decision))
}

#[derive(Template)]
#[template(path = "meetings_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Meeting>,
    pager: Pager,
    can_create: bool,
}

async fn writable_communities(
    st: &AppState,
    c: &Caller,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(st
        .store
        .communities_in(&c.visible())
        .await?
        .into_iter()
        .filter(|e| c.may(Action::Write, Resource::Community, &e.place()))
        .map(|e| (e.community.id.to_string(), e.community.name))
        .collect())
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<MeetingQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let page = st.store.list_meetings(&c.visible(), &q).await.or_page(&c)?;
    let filters = [(
        "community_id",
        q.community_id.map(|v| v.to_string()).unwrap_or_default(),
    )];
    render(&ListPage {
        shell: Shell::new(&c, "meetings").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new(
            "/meetings",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        items: page.items,
        can_create: !writable_communities(&st, &c).await.or_page(&c)?.is_empty(),
    })
}

#[derive(Template)]
#[template(path = "meeting_form.html")]
struct FormPage {
    shell: Shell,
    f: HashMap<String, String>,
    communities: Vec<Opt>,
    errors: FormErrors,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let current = f.get("community_id").cloned().unwrap_or_default();
    render(&FormPage {
        shell: Shell::new(c, "meetings"),
        communities: opts(writable_communities(st, c).await.or_page(c)?, &current),
        f,
        errors,
    })
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    f.insert("held_on".into(), gongjin_store::today().to_string());
    form_page(&st, &c, f, FormErrors::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let fields = MeetingFields {
        community_id: opt_text(&f, "community_id")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0),
        held_on: f.get("held_on").cloned().unwrap_or_default(),
        topic: f.get("topic").cloned().unwrap_or_default(),
        location: opt_text(&f, "location"),
        attendees: vec![f.get("attendees").cloned().unwrap_or_default()],
        agenda: opt_text(&f, "agenda"),
        minutes: opt_text(&f, "minutes"),
    };
    let result = async {
        let place = st
            .store
            .place_of_community(fields.community_id)
            .await
            .map_err(|_| AppError::field("community_id", "error.required", None))?;
        c.require(Action::Write, Resource::Community, &place)?;
        Ok::<_, AppError>(
            st.store
                .create_meeting(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(m) => Ok(see_other(
            &format!("/meetings/{}", m.meeting.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => form_page(&st, &c, f, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub struct DecisionRow {
    pub d: gongjin_store::meetings::Decision,
    pub status: String,
    pub overdue: bool,
    pub statuses: Vec<Opt>,
}

#[derive(Template)]
#[template(path = "meeting_detail.html")]
struct DetailPage {
    shell: Shell,
    m: MeetingDetail,
    rows: Vec<DecisionRow>,
    can_edit: bool,
    errors: FormErrors,
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let m = require_meeting(st, c, Action::Read, id).await.or_page(c)?;
    let can_edit = c.may(
        Action::Write,
        Resource::Community,
        &st.store
            .place_of_community(m.meeting.community_id)
            .await
            .or_page(c)?,
    );
    let tr = Tr(c.locale);
    let today = gongjin_store::today().to_string();
    let keys: Vec<&str> = DecisionStatus::ALL.iter().map(|s| s.key()).collect();
    let rows = m
        .decision_list
        .iter()
        .map(|d| DecisionRow {
            status: tr.label("decision_status", &d.status),
            overdue: d.due_on.as_deref().is_some_and(|due| due < today.as_str())
                && matches!(d.status.as_str(), "open" | "in_progress"),
            statuses: vocab_opts(tr, "decision_status", &keys, &d.status),
            d: d.clone(),
        })
        .collect();
    render(&DetailPage {
        shell: Shell::new(c, "meetings").with_notice(notice),
        m,
        rows,
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

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_meeting(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    st.store.delete_meeting(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/meetings", "notice.deleted"))
}

fn decision_fields(f: &HashMap<String, String>) -> DecisionFields {
    DecisionFields {
        content: f.get("content").cloned().unwrap_or_default(),
        owner: opt_text(f, "owner"),
        due_on: opt_text(f, "due_on"),
        status: opt_text(f, "status"),
        follow_up: opt_text(f, "follow_up"),
    }
}

pub async fn add_decision(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_meeting(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    match decision_fields(&f).validate() {
        Ok(d) => {
            st.store
                .add_decision(&c.actor(), id, &d)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/meetings/{id}"), "notice.saved"))
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

pub async fn update_decision(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, did)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_meeting(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let before = st.store.get_decision(did).await.or_page(&c)?;
    if before.meeting_id != id {
        return Err(error_page(&AppError::not_found(), c.locale));
    }
    let mut fields = decision_fields(&f);
    if fields.content.trim().is_empty() {
        fields.content = before.content.clone();
    }
    fields.owner = fields.owner.or(Some(before.owner.clone()));
    fields.due_on = fields.due_on.or(before.due_on.clone());
    match fields.validate() {
        Ok(d) => {
            st.store
                .update_decision(&c.actor(), did, &d)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/meetings/{id}"), "notice.saved"))
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
