//! Students' pages (学生共育): pairings (手拉手), joint events, "两帮一" groups with progress
//! notes, and the hardship fund (帮困基金) with donations, disbursements and reversals.

use super::common::*;
use crate::AppState;
use crate::api::students::{
    ReverseFields, fund_community, require_event, require_group, require_movement, require_pairing,
    reverse_fields, visible_funds,
};
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::inputs::{
    DisbursementFields, DonationFields, HelpGroupFields, HelpNoteFields, PairingFields,
    StudentEventFields, format_yuan,
};
use gongjin_domain::{Grade, HelpGroupStatus, PairingKind};
use gongjin_store::students::{
    FundDetail, FundMovement, FundSummary, HelpGroup, HelpGroupDetail, Pairing, StudentEvent,
    StudentQuery,
};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/pairings", get(pairings))
        .route("/pairings/new", post(create_pairing))
        .route("/pairings/{id}/delete", post(delete_pairing))
        .route("/student-events", get(events))
        .route("/student-events/new", post(create_event))
        .route("/student-events/{id}/delete", post(delete_event))
        .route("/help-groups", get(groups))
        .route("/help-groups/new", post(create_group))
        .route("/help-groups/{id}", get(group_detail))
        .route("/help-groups/{id}/notes", post(add_note))
        .route("/help-groups/{id}/status", post(set_status))
        .route("/help-groups/{id}/delete", post(delete_group))
        .route("/hardship-fund", get(funds))
        .route("/hardship-fund/{id}", get(fund_detail))
        .route("/hardship-fund/{id}/donations", post(donate))
        .route("/hardship-fund/{id}/disbursements", post(disburse))
        .route("/hardship-fund/movements/{id}/reverse", post(reverse))
}

fn is_forbidden(e: &AppError) -> bool {
    e.status == StatusCode::FORBIDDEN
}

/// Schools of the caller's communities as options: "community · school".
async fn school_opts(st: &AppState, c: &Caller, current: &str) -> Result<Vec<Opt>, AppError> {
    let rows = st.store.community_schools(&c.visible()).await?;
    Ok(opts(
        rows.into_iter()
            .map(|(_, cn, sid, sn)| (sid.to_string(), format!("{cn} · {sn}"))),
        current,
    ))
}

fn id_of(f: &HashMap<String, String>, k: &str) -> i64 {
    opt_text(f, k).and_then(|s| s.parse().ok()).unwrap_or(0)
}

/// The community of a form's school (its current one), or a field error naming the school field.
async fn community_of(st: &AppState, school_id: i64, field: &str) -> Result<i64, AppError> {
    if school_id <= 0 {
        return Err(AppError::field(field, "error.required", None));
    }
    st.store
        .place_of_school(school_id)
        .await
        .ok()
        .and_then(|p| p.community_id)
        .ok_or_else(|| {
            AppError::field(field, "error.not_in_community", Some(school_id.to_string()))
        })
}

fn writes(c: &Caller) -> bool {
    !c.principal.is_read_only() && c.principal.role != gongjin_domain::Role::Teacher
}

// --- pairings ---

pub struct PairingRow {
    pub p: Pairing,
    pub kind: String,
    pub can_delete: bool,
}

#[derive(Template)]
#[template(path = "students_pairings.html")]
struct PairingsPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<PairingRow>,
    pager: Pager,
    kinds: Vec<Opt>,
    export_link: String,
    can_create: bool,
    schools_a: Vec<Opt>,
    schools_b: Vec<Opt>,
    form_kinds: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl PairingsPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn pairing_keys() -> Vec<&'static str> {
    PairingKind::ALL.iter().map(|k| k.key()).collect()
}

/// The place of every community the caller sees, from one read.
async fn community_places(
    st: &AppState,
    c: &Caller,
) -> Result<HashMap<i64, gongjin_domain::authz::Place>, AppError> {
    Ok(st
        .store
        .communities_in(&c.visible())
        .await?
        .iter()
        .map(|e| (e.community.id, e.place()))
        .collect())
}

async fn pairings_page(
    st: &AppState,
    c: &Caller,
    q: &StudentQuery,
    notice: Option<&str>,
    mut f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let page = st.store.list_pairings(&c.visible(), q).await.or_page(c)?;
    let filters = [
        ("kind", q.kind.clone().unwrap_or_default()),
        (
            "community_id",
            q.community_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
    ];
    let places = community_places(st, c).await.or_page(c)?;
    let mut rows = vec![];
    for p in page.items {
        let base = places.get(&p.community_id).cloned().unwrap_or_default();
        let can_delete = [p.school_a_id, p.school_b_id].iter().any(|s| {
            c.may(
                Action::Write,
                Resource::StudentWork,
                &gongjin_domain::authz::Place {
                    school_id: Some(*s),
                    ..base.clone()
                },
            )
        });
        rows.push(PairingRow {
            kind: tr.label("pairing_kind", &p.kind),
            can_delete,
            p,
        });
    }
    f.entry("paired_on".into())
        .or_insert_with(|| gongjin_store::today().to_string());
    let a = f.get("school_a_id").cloned().unwrap_or_default();
    let b = f.get("school_b_id").cloned().unwrap_or_default();
    let k = f.get("kind").cloned().unwrap_or_default();
    render(&PairingsPage {
        shell: Shell::new(c, "students").with_notice(notice),
        tab: "pairings",
        pager: Pager::new(
            "/pairings",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        rows,
        kinds: vocab_opts(
            tr,
            "pairing_kind",
            &pairing_keys(),
            q.kind.as_deref().unwrap_or(""),
        ),
        export_link: format!(
            "/api/v1/pairings/export?{}",
            serde_urlencoded::to_string(
                filters
                    .iter()
                    .filter(|(_, v)| !v.is_empty())
                    .collect::<Vec<_>>()
            )
            .unwrap_or_default()
        ),
        can_create: writes(c),
        schools_a: school_opts(st, c, &a).await.or_page(c)?,
        schools_b: school_opts(st, c, &b).await.or_page(c)?,
        form_kinds: vocab_opts(tr, "pairing_kind", &pairing_keys(), &k),
        f,
        errors,
    })
}

pub async fn pairings(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<StudentQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    pairings_page(
        &st,
        &c,
        &q,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
    )
    .await
}

pub async fn create_pairing(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let (a, b) = (id_of(&f, "school_a_id"), id_of(&f, "school_b_id"));
        let community_id = community_of(&st, a, "school_a_id").await?;
        let fields = PairingFields {
            community_id,
            kind: f.get("kind").cloned().unwrap_or_default(),
            school_a_id: a,
            party_a: f.get("party_a").cloned().unwrap_or_default(),
            school_b_id: b,
            party_b: f.get("party_b").cloned().unwrap_or_default(),
            paired_on: f.get("paired_on").cloned().unwrap_or_default(),
            note: opt_text(&f, "note"),
        };
        let base = st.store.place_of_community(community_id).await?;
        let ok = [a, b].iter().any(|s| {
            c.may(
                Action::Write,
                Resource::StudentWork,
                &gongjin_domain::authz::Place {
                    school_id: Some(*s),
                    ..base.clone()
                },
            )
        });
        if !ok {
            return Err(AppError::forbidden());
        }
        Ok::<_, AppError>(
            st.store
                .create_pairing(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/pairings", "notice.created")),
        Err(e) if is_forbidden(&e) => Err(error_page(&e, c.locale)),
        Err(e) => {
            pairings_page(
                &st,
                &c,
                &StudentQuery::default(),
                None,
                f,
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

pub async fn delete_pairing(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_pairing(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    st.store.delete_pairing(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/pairings", "notice.deleted"))
}

// --- joint events ---

pub struct EventRow {
    pub e: StudentEvent,
    pub schools: String,
    pub can_delete: bool,
}

#[derive(Template)]
#[template(path = "students_events.html")]
struct EventsPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<EventRow>,
    pager: Pager,
    can_create: bool,
    schools: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl EventsPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn events_page(
    st: &AppState,
    c: &Caller,
    q: &StudentQuery,
    notice: Option<&str>,
    mut f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let page = st
        .store
        .list_student_events(&c.visible(), q)
        .await
        .or_page(c)?;
    let places = community_places(st, c).await.or_page(c)?;
    let mut rows = vec![];
    for e in page.items {
        let ok = places.get(&e.community_id).is_some_and(|base| {
            crate::api::students::may_any_school(c, Action::Write, base, &e.school_ids)
        });
        rows.push(EventRow {
            schools: e.school_names.join("、"),
            can_delete: ok,
            e,
        });
    }
    f.entry("held_on".into())
        .or_insert_with(|| gongjin_store::today().to_string());
    let filters = [(
        "community_id",
        q.community_id.map(|v| v.to_string()).unwrap_or_default(),
    )];
    render(&EventsPage {
        shell: Shell::new(c, "students").with_notice(notice),
        tab: "events",
        pager: Pager::new(
            "/student-events",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        rows,
        can_create: writes(c),
        schools: school_opts(st, c, "").await.or_page(c)?,
        f,
        errors,
    })
}

pub async fn events(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<StudentQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    events_page(
        &st,
        &c,
        &q,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
    )
    .await
}

pub async fn create_event(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(pairs): Form<Vec<(String, String)>>,
) -> PageResult {
    let school_ids: Vec<i64> = pairs
        .iter()
        .filter(|(k, _)| k == "school_ids")
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect();
    let f: HashMap<String, String> = pairs
        .into_iter()
        .filter(|(k, _)| k != "school_ids")
        .collect();
    csrf_ok(&c, &f)?;
    let result = async {
        let first = school_ids.first().copied().unwrap_or(0);
        let community_id = community_of(&st, first, "school_ids").await?;
        let fields = StudentEventFields {
            community_id,
            title: f.get("title").cloned().unwrap_or_default(),
            held_on: f.get("held_on").cloned().unwrap_or_default(),
            school_ids: school_ids.clone(),
            students: opt_i64(&f, "students")
                .map_err(|e| AppError::validation(e.into()))?
                .unwrap_or(0),
            summary: opt_text(&f, "summary"),
        };
        let base = st.store.place_of_community(community_id).await?;
        let ok = school_ids.iter().any(|s| {
            c.may(
                Action::Write,
                Resource::StudentWork,
                &gongjin_domain::authz::Place {
                    school_id: Some(*s),
                    ..base.clone()
                },
            )
        });
        if !ok {
            return Err(AppError::forbidden());
        }
        Ok::<_, AppError>(
            st.store
                .create_student_event(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other("/student-events", "notice.created")),
        Err(e) if is_forbidden(&e) => Err(error_page(&e, c.locale)),
        Err(e) => {
            events_page(
                &st,
                &c,
                &StudentQuery::default(),
                None,
                f,
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

pub async fn delete_event(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_event(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    st.store
        .delete_student_event(&c.actor(), id)
        .await
        .or_page(&c)?;
    Ok(see_other("/student-events", "notice.deleted"))
}

// --- "两帮一" groups ---

pub struct GroupRow {
    pub g: HelpGroup,
    pub grade: String,
    pub status: String,
}

#[derive(Template)]
#[template(path = "students_groups.html")]
struct GroupsPage {
    shell: Shell,
    tab: &'static str,
    rows: Vec<GroupRow>,
    pager: Pager,
    can_create: bool,
    schools: Vec<Opt>,
    grades: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl GroupsPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

fn grade_keys() -> Vec<&'static str> {
    Grade::ALL.iter().map(|g| g.key()).collect()
}

async fn groups_page(
    st: &AppState,
    c: &Caller,
    q: &StudentQuery,
    notice: Option<&str>,
    mut f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let page = st
        .store
        .list_help_groups(&c.visible(), q)
        .await
        .or_page(c)?;
    f.entry("started_on".into())
        .or_insert_with(|| gongjin_store::today().to_string());
    let filters = [
        ("kind", q.kind.clone().unwrap_or_default()),
        (
            "community_id",
            q.community_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
    ];
    let school = f.get("school_id").cloned().unwrap_or_default();
    let grade = f.get("grade").cloned().unwrap_or_default();
    render(&GroupsPage {
        shell: Shell::new(c, "students").with_notice(notice),
        tab: "groups",
        pager: Pager::new(
            "/help-groups",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 500),
            page.total,
        ),
        rows: page
            .items
            .into_iter()
            .map(|g| GroupRow {
                grade: tr.label("grade", &g.grade),
                status: tr.label("help_status", &g.status),
                g,
            })
            .collect(),
        can_create: !c.principal.is_read_only(),
        schools: school_opts(st, c, &school).await.or_page(c)?,
        grades: vocab_opts(tr, "grade", &grade_keys(), &grade),
        f,
        errors,
    })
}

pub async fn groups(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<StudentQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    groups_page(
        &st,
        &c,
        &q,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
    )
    .await
}

pub async fn create_group(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let school_id = id_of(&f, "school_id");
        let community_id = community_of(&st, school_id, "school_id").await?;
        let staff = gongjin_domain::clean_ascii(f.get("staff_number").map_or("", |s| s));
        if staff.is_empty() {
            return Err(AppError::field(
                "staff_number_helper",
                "error.required",
                None,
            ));
        }
        let teacher_id = st
            .store
            .community_teacher(community_id, &staff)
            .await?
            .ok_or_else(|| AppError::field("staff_number_helper", "error.not_found", None))?;
        let fields = HelpGroupFields {
            school_id,
            student_name: f.get("student_name").cloned().unwrap_or_default(),
            teacher_id,
            helper_student: f.get("helper_student").cloned().unwrap_or_default(),
            grade: f.get("grade").cloned().unwrap_or_default(),
            subject: opt_text(&f, "subject"),
            started_on: f.get("started_on").cloned().unwrap_or_default(),
            goals: opt_text(&f, "goals"),
            status: None,
        };
        crate::api::students::require_new_group(&st, &c, &fields).await?;
        Ok::<_, AppError>(
            st.store
                .create_help_group(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(g) => Ok(see_other(
            &format!("/help-groups/{}", g.group.id),
            "notice.created",
        )),
        Err(e) if is_forbidden(&e) => Err(error_page(&e, c.locale)),
        Err(e) => {
            groups_page(
                &st,
                &c,
                &StudentQuery::default(),
                None,
                f,
                FormErrors::from_error(&e, c.locale),
            )
            .await
        }
    }
}

#[derive(Template)]
#[template(path = "help_group_detail.html")]
struct GroupPage {
    shell: Shell,
    g: HelpGroupDetail,
    grade: String,
    status: String,
    statuses: Vec<Opt>,
    can_edit: bool,
    errors: FormErrors,
    today: String,
}

async fn group_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let g = require_group(st, c, Action::Read, id).await.or_page(c)?;
    let can_edit = require_group(st, c, Action::Write, id).await.is_ok();
    let keys: Vec<&str> = HelpGroupStatus::ALL.iter().map(|s| s.key()).collect();
    render(&GroupPage {
        shell: Shell::new(c, "students").with_notice(notice),
        grade: tr.label("grade", &g.group.grade),
        status: tr.label("help_status", &g.group.status),
        statuses: vocab_opts(tr, "help_status", &keys, &g.group.status),
        g,
        can_edit,
        errors,
        today: gongjin_store::today().to_string(),
    })
}

pub async fn group_detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    group_page(
        &st,
        &c,
        id,
        raw.get("notice").map(String::as_str),
        FormErrors::default(),
    )
    .await
}

pub async fn add_note(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_group(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let fields = HelpNoteFields {
        noted_on: f.get("noted_on").cloned().unwrap_or_default(),
        note: f.get("note").cloned().unwrap_or_default(),
    };
    match fields.validate() {
        Ok(n) => {
            st.store
                .add_help_note(&c.actor(), id, &n)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/help-groups/{id}"), "notice.saved"))
        }
        Err(v) => {
            group_page(
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

pub async fn set_status(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let g = require_group(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?
        .group;
    let fields = HelpGroupFields {
        school_id: g.school_id,
        student_name: g.student_name,
        teacher_id: g.teacher_id,
        helper_student: g.helper_student,
        grade: g.grade,
        subject: Some(g.subject),
        started_on: g.started_on,
        goals: Some(g.goals),
        status: opt_text(&f, "status"),
    };
    match fields.validate() {
        Ok(n) => {
            st.store
                .update_help_group(&c.actor(), id, &n)
                .await
                .or_page(&c)?;
            Ok(see_other(&format!("/help-groups/{id}"), "notice.saved"))
        }
        Err(v) => {
            group_page(
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

pub async fn delete_group(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_group(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    st.store
        .delete_help_group(&c.actor(), id)
        .await
        .or_page(&c)?;
    Ok(see_other("/help-groups", "notice.deleted"))
}

// --- the hardship fund ---

pub struct FundRow {
    pub f: FundSummary,
    pub donations: String,
    pub disbursements: String,
}

#[derive(Template)]
#[template(path = "fund_list.html")]
struct FundsPage {
    shell: Shell,
    rows: Vec<FundRow>,
    total: String,
}

fn fund_row(f: FundSummary) -> FundRow {
    FundRow {
        donations: format_yuan(f.donations_fen),
        disbursements: format_yuan(f.disbursements_fen),
        f,
    }
}

pub async fn funds(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let list = visible_funds(&st, &c).await.or_page(&c)?;
    let total = format_yuan(list.iter().map(|f| f.balance_fen).sum());
    render(&FundsPage {
        shell: Shell::new(&c, "fund").with_notice(raw.get("notice").map(String::as_str)),
        rows: list.into_iter().map(fund_row).collect(),
        total,
    })
}

pub struct MovementRow {
    pub m: FundMovement,
    pub kind: String,
    pub balance_after: String,
    pub can_reverse: bool,
}

#[derive(Template)]
#[template(path = "fund_detail.html")]
struct FundPage {
    shell: Shell,
    fund: FundRow,
    rows: Vec<MovementRow>,
    can_donate: bool,
    schools: Vec<Opt>,
    f: HashMap<String, String>,
    errors: FormErrors,
    /// Which form the errors belong to: `donation`, `disbursement`.
    form: String,
    today: String,
}

impl FundPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn fund_page(
    st: &AppState,
    c: &Caller,
    community_id: i64,
    notice: Option<&str>,
    f: HashMap<String, String>,
    errors: FormErrors,
    form: &str,
) -> PageResult {
    let tr = Tr(c.locale);
    let id = fund_community(st, c, Some(community_id)).await.or_page(c)?;
    let FundDetail {
        fund,
        movement_list,
    } = st.store.fund(id).await.or_page(c)?;
    let base = st.store.place_of_community(id).await.or_page(c)?;
    let can_donate = c.may(Action::Write, Resource::HardshipFund, &base);
    let mut schools = vec![];
    for (_, _, sid, name) in st
        .store
        .community_schools(&gongjin_store::scope::Visible::Community(id))
        .await
        .or_page(c)?
    {
        let place = gongjin_domain::authz::Place {
            school_id: Some(sid),
            ..base.clone()
        };
        if c.may(Action::Write, Resource::HardshipFund, &place) {
            schools.push((sid.to_string(), name));
        }
    }
    let rows = movement_list
        .into_iter()
        .map(|m| {
            let place = gongjin_domain::authz::Place {
                school_id: m.school_id,
                ..base.clone()
            };
            MovementRow {
                kind: tr.label("fund_kind", &m.kind),
                balance_after: format_yuan(m.balance_after_fen),
                can_reverse: m.kind != "reversal"
                    && m.reversed_by.is_none()
                    && c.may(Action::Write, Resource::HardshipFund, &place),
                m,
            }
        })
        .collect();
    let current = f.get("school_id").cloned().unwrap_or_default();
    render(&FundPage {
        shell: Shell::new(c, "fund").with_notice(notice),
        fund: fund_row(fund),
        rows,
        can_donate,
        schools: opts(schools, &current),
        f,
        errors,
        form: form.to_owned(),
        today: gongjin_store::today().to_string(),
    })
}

pub async fn fund_detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    fund_page(
        &st,
        &c,
        id,
        raw.get("notice").map(String::as_str),
        HashMap::new(),
        FormErrors::default(),
        "",
    )
    .await
}

pub async fn donate(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let place = st.store.place_of_community(id).await.or_page(&c)?;
    c.require(Action::Write, Resource::HardshipFund, &place)
        .or_page(&c)?;
    let fields = DonationFields {
        community_id: id,
        donor: f.get("donor").cloned().unwrap_or_default(),
        amount: f.get("amount").cloned().unwrap_or_default(),
        on_date: f.get("on_date").cloned().unwrap_or_default(),
        note: opt_text(&f, "note"),
    };
    let result = async {
        Ok::<_, AppError>(
            st.store
                .record_fund_movement(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/hardship-fund/{id}"), "notice.created")),
        Err(e) => {
            fund_page(
                &st,
                &c,
                id,
                None,
                f,
                FormErrors::from_error(&e, c.locale),
                "donation",
            )
            .await
        }
    }
}

pub async fn disburse(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let school_id = id_of(&f, "school_id");
    let place = st
        .store
        .place_in_community(id, Some(school_id), None)
        .await
        .or_page(&c)?;
    // The bureau and the lead may pay out for any school of the community, a coordinator for its own.
    if !c.may(Action::Write, Resource::HardshipFund, &place) {
        return Err(error_page(&AppError::forbidden(), c.locale));
    }
    let fields = DisbursementFields {
        community_id: id,
        student_name: f.get("student_name").cloned().unwrap_or_default(),
        school_id,
        amount: f.get("amount").cloned().unwrap_or_default(),
        on_date: f.get("on_date").cloned().unwrap_or_default(),
        reason: f.get("reason").cloned().unwrap_or_default(),
    };
    let result = async {
        Ok::<_, AppError>(
            st.store
                .record_fund_movement(&c.actor(), &fields.validate()?)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/hardship-fund/{id}"), "notice.created")),
        Err(e) => {
            fund_page(
                &st,
                &c,
                id,
                None,
                f,
                FormErrors::from_error(&e, c.locale),
                "disbursement",
            )
            .await
        }
    }
}

pub async fn reverse(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let m = require_movement(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let rf = ReverseFields {
        note: opt_text(&f, "note"),
        on_date: None,
    };
    let result = async {
        let (note, on) = reverse_fields(&rf)?;
        Ok::<_, AppError>(
            st.store
                .reverse_fund_movement(&c.actor(), id, &note, on)
                .await?,
        )
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(
            &format!("/hardship-fund/{}", m.community_id),
            "notice.reversed",
        )),
        Err(e) => {
            fund_page(
                &st,
                &c,
                m.community_id,
                None,
                HashMap::new(),
                FormErrors::from_error(&e, c.locale),
                "reverse",
            )
            .await
        }
    }
}
