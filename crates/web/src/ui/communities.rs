//! Community pages: list, detail (members with history, council, documents), create and edit,
//! and the forms that change membership, leaders, the council and documents.

use super::common::*;
use super::teachers::{forbidden, list_query, notice, num, redisplay};
use crate::AppState;
use crate::api::communities::{
    document_response, kinds_for_school, read_document_form, save_document,
};
use crate::auth::Caller;
use crate::error::AppError;
use crate::uploads;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Place, Resource};
use gongjin_domain::i18n;
use gongjin_domain::inputs::{CommunityFields, CouncilFields, MemberFields};
use gongjin_domain::{Role, batch_label};
use gongjin_store::records::{Community, CommunityDetail, CommunityKind, CouncilSeat};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/communities", get(list))
        .route("/communities/new", get(new_form).post(create))
        .route("/communities/{id}", get(detail))
        .route("/communities/{id}/edit", get(edit_form).post(update))
        .route("/communities/{id}/delete", post(delete))
        .route("/communities/{id}/members", post(add_member))
        .route(
            "/communities/{id}/members/{school_id}/leader",
            post(set_leader),
        )
        .route(
            "/communities/{id}/members/{school_id}/remove",
            post(remove_member),
        )
        .route("/communities/{id}/council", post(add_seat))
        .route(
            "/communities/{id}/council/{seat_id}/delete",
            post(remove_seat),
        )
        .route("/communities/{id}/documents", post(upload_document))
        .route("/communities/documents/{doc_id}", get(download_document))
        .route(
            "/communities/documents/{doc_id}/delete",
            post(delete_document),
        )
}

const PILOTS: &[&str] = &["none", "municipal", "provincial"];
const COUNCIL_ROLES: &[&str] = &["chair", "vice_chair", "member", "secretary_general"];
const DOC_KINDS: &[&str] = &["agreement", "charter", "plan"];
/// Batches offered in the forms (the domain accepts up to 99).
const BATCHES: std::ops::RangeInclusive<i64> = 1..=5;

/// The label of a community kind: the catalogue's for preset kinds, else the region's own name.
fn kind_label(tr: Tr, kinds: &[CommunityKind], key: &str) -> String {
    let k = format!("community_kind.{key}");
    if i18n::has(tr.0, &k) {
        return tr.t(&k).to_owned();
    }
    kinds
        .iter()
        .find(|x| x.key == key)
        .map(|x| x.name.clone())
        .unwrap_or_else(|| key.to_owned())
}

/// "第一批" in Chinese, "Batch 1" in English.
fn batch_text(tr: Tr, n: i64) -> String {
    if tr.is_en() {
        tr.tf("communities.batch_n", &n)
    } else {
        batch_label(n)
    }
}

fn batch_opts(tr: Tr, current: &str) -> Vec<Opt> {
    opts(BATCHES.map(|n| (n.to_string(), batch_text(tr, n))), current)
}

/// The caller's own region as a place (for "may the caller do this anywhere here" checks).
fn home(c: &Caller) -> Place {
    Place {
        region_path: c.principal.region_path.clone(),
        ..Place::default()
    }
}

// ---------------------------------------------------------------------------------------------
// List

#[derive(Template)]
#[template(path = "communities_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Community>,
    kinds: HashMap<String, String>,
    pager: Pager,
    q: String,
    regions: Vec<Opt>,
    can_create: bool,
}

impl ListPage {
    fn kind(&self, c: &Community) -> String {
        self.kinds
            .get(&format!("{}:{}", c.region_id, c.kind))
            .cloned()
            .unwrap_or_else(|| c.kind.clone())
    }
    fn batch(&self, n: &i64) -> String {
        batch_text(self.shell.tr, *n)
    }
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
    let page = st
        .store
        .list_communities(&c.visible(), &q)
        .await
        .or_page(&c)?;
    let mut kinds = HashMap::new();
    let mut regions: Vec<i64> = page.items.iter().map(|i| i.region_id).collect();
    regions.sort_unstable();
    regions.dedup();
    for (region_id, list) in st.store.community_kinds_of(&regions).await.or_page(&c)? {
        for k in &list {
            kinds.insert(
                format!("{region_id}:{}", k.key),
                kind_label(tr, &list, &k.key),
            );
        }
    }
    let region = q.region_id.map(|r| r.to_string()).unwrap_or_default();
    let filters = [
        ("q", q.q.clone().unwrap_or_default()),
        ("region_id", region.clone()),
    ];
    render(&ListPage {
        shell: Shell::new(&c, "communities").with_notice(notice(&raw)),
        pager: Pager::new("/communities", &filters, q.page(), q.limit(), page.total),
        items: page.items,
        kinds,
        q: q.q.clone().unwrap_or_default(),
        regions: region_opts(&st, &c, &region).await.or_page(&c)?,
        can_create: c.may(Action::Write, Resource::Membership, &home(&c)),
    })
}

// ---------------------------------------------------------------------------------------------
// Detail

#[derive(Template)]
#[template(path = "community_detail.html")]
struct DetailPage {
    shell: Shell,
    d: CommunityDetail,
    kind: String,
    can_edit: bool,
    can_members: bool,
    candidates: Vec<Opt>,
    batches: Vec<Opt>,
    council_roles: Vec<Opt>,
    member_schools: Vec<Opt>,
    doc_kinds: Vec<Opt>,
    today: String,
    /// The add-member form's values (kept when it is shown again with an error).
    am: HashMap<String, String>,
    /// An error of one of the page's forms, and which: `add`, `members`, `council`, `document`, `delete`.
    error: Option<String>,
    error_at: &'static str,
}

impl DetailPage {
    fn label(&self, prefix: &str, k: &str) -> String {
        self.shell.tr.label(prefix, k)
    }
    fn batch(&self, n: &i64) -> String {
        batch_text(self.shell.tr, *n)
    }
    fn am(&self, k: &str) -> String {
        self.am.get(k).cloned().unwrap_or_default()
    }
    fn seat_school(&self, s: &CouncilSeat) -> String {
        match s.school_id {
            None => String::new(),
            Some(id) => self
                .d
                .members
                .iter()
                .chain(self.d.history.iter())
                .find(|m| m.school_id == id)
                .map(|m| m.school_name.clone())
                .unwrap_or_else(|| format!("#{id}")),
        }
    }
    fn size(&self, bytes: &i64) -> String {
        let b = *bytes as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MB", b / 1024.0 / 1024.0)
        } else if b >= 1024.0 {
            format!("{:.0} KB", b / 1024.0)
        } else {
            format!("{bytes} B")
        }
    }
    fn error_for(&self, section: &str) -> Option<&String> {
        self.error.as_ref().filter(|_| self.error_at == section)
    }
}

struct PageError {
    at: &'static str,
    error: AppError,
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice_key: Option<&str>,
    am: HashMap<String, String>,
    err: Option<PageError>,
) -> PageResult {
    let tr = Tr(c.locale);
    let place = st.store.place_of_community(id).await.or_page(c)?;
    c.require(Action::Read, Resource::Community, &place)
        .or_page(c)?;
    let d = st.store.community_detail(id).await.or_page(c)?;
    let kinds = st
        .store
        .community_kinds(d.community.region_id)
        .await
        .or_page(c)?;
    let can_members = c.may(Action::Write, Resource::Membership, &place);
    let candidates = if can_members {
        st.store
            .all_schools(&c.visible())
            .await
            .or_page(c)?
            .into_iter()
            .filter(|s| s.community_id.is_none())
            .map(|s| (s.id.to_string(), format!("{}（{}）", s.name, s.region_name)))
            .collect()
    } else {
        vec![]
    };
    let g = |k: &str| am.get(k).cloned().unwrap_or_default();
    let status = match &err {
        Some(e) => e.error.status,
        None => StatusCode::OK,
    };
    let (error, error_at) = match err {
        Some(e) => {
            let fe = FormErrors::from_error(&e.error, c.locale);
            let mut msg = fe.general.unwrap_or_default();
            let mut fields: Vec<&String> = fe.by_field.values().collect();
            fields.sort();
            for f in fields {
                msg.push_str(if tr.is_en() { "; " } else { "；" });
                msg.push_str(f);
            }
            (Some(msg), e.at)
        }
        None => (None, ""),
    };
    let page = render(&DetailPage {
        shell: Shell::new(c, "communities").with_notice(notice_key),
        kind: kind_label(tr, &kinds, &d.community.kind),
        can_edit: c.may(Action::Write, Resource::Community, &place),
        can_members,
        candidates: opts(candidates, &g("school_id")),
        batches: batch_opts(tr, &g("batch")),
        council_roles: vocab_opts(tr, "council_role", COUNCIL_ROLES, "member"),
        member_schools: opts(
            d.members
                .iter()
                .map(|m| (m.school_id.to_string(), m.school_name.clone())),
            "",
        ),
        doc_kinds: vocab_opts(tr, "document_kind", DOC_KINDS, "agreement"),
        today: gongjin_store::today().format("%Y-%m-%d").to_string(),
        d,
        am,
        error,
        error_at,
    })?;
    Ok((status, page).into_response())
}

pub async fn detail(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let mut am = HashMap::new();
    am.insert("batch".into(), "1".into());
    detail_page(&st, &c, id, notice(&raw), am, None).await
}

/// After a detail-page form: back to the page on success, the page with the error on a 4xx.
async fn after_form(
    st: &AppState,
    c: &Caller,
    id: i64,
    at: &'static str,
    am: HashMap<String, String>,
    result: Result<&str, AppError>,
) -> PageResult {
    match result {
        Ok(n) => Ok(see_other(&format!("/communities/{id}"), n)),
        Err(e) if redisplay(&e) && e.status != StatusCode::NOT_FOUND => {
            detail_page(st, c, id, None, am, Some(PageError { at, error: e })).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

// ---------------------------------------------------------------------------------------------
// Create and edit

#[derive(Template)]
#[template(path = "community_form.html")]
struct FormPage {
    shell: Shell,
    id: Option<i64>,
    f: HashMap<String, String>,
    kinds: Vec<Opt>,
    cores: Vec<Opt>,
    core_locked: bool,
    pilots: Vec<Opt>,
    batches: Vec<Opt>,
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

fn form_of(c: &Community) -> HashMap<String, String> {
    let mut m = HashMap::new();
    m.insert("name".into(), c.name.clone());
    m.insert("kind".into(), c.kind.clone());
    m.insert("core_school_id".into(), c.core_school_id.to_string());
    m.insert("pilot_level".into(), c.pilot_level.clone());
    if c.cross_region != 0 {
        m.insert("cross_region".into(), "1".into());
    }
    m.insert("first_responsible".into(), c.first_responsible.clone());
    m.insert("second_responsible".into(), c.second_responsible.clone());
    m.insert("bureau_leader".into(), c.bureau_leader.clone());
    m.insert("founded_on".into(), c.founded_on.clone());
    m.insert("batch".into(), c.batch.to_string());
    m
}

/// The region whose community kinds a form offers: the community's, the chosen core school's,
/// else the first region the caller administers.
async fn kinds_region(
    st: &AppState,
    c: &Caller,
    community: Option<&Community>,
    core_school_id: Option<i64>,
) -> Result<Option<i64>, AppError> {
    if let Some(cm) = community {
        return Ok(Some(cm.region_id));
    }
    if let Some(sid) = core_school_id
        && let Ok(s) = st.store.get_school(sid).await
    {
        return Ok(Some(s.region_id));
    }
    if matches!(c.principal.role, Role::BureauAdmin | Role::Inspector) && c.principal.scope_id > 0 {
        return Ok(Some(c.principal.scope_id));
    }
    let regions = st.store.list_regions(&c.visible(), None).await?;
    Ok(regions
        .iter()
        .find(|r| r.level == "county")
        .or(regions.first())
        .map(|r| r.id))
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    community: Option<&Community>,
    f: HashMap<String, String>,
    errors: FormErrors,
) -> PageResult {
    let tr = Tr(c.locale);
    let g = |k: &str| f.get(k).cloned().unwrap_or_default();
    let kinds = match kinds_region(st, c, community, num(&f, "core_school_id"))
        .await
        .or_page(c)?
    {
        Some(r) => st.store.community_kinds(r).await.or_page(c)?,
        None => vec![],
    };
    let mut core_locked = false;
    let mut cores: Vec<(String, String)> = Vec::new();
    if let Some(cm) = community {
        let place = st.store.place_of_community(cm.id).await.or_page(c)?;
        core_locked = !c.may(Action::Write, Resource::Membership, &place);
        // The community's own schools may take over as core.
        let d = st.store.community_detail(cm.id).await.or_page(c)?;
        cores.extend(d.members.iter().map(|m| {
            (
                m.school_id.to_string(),
                format!("{}（{}）", m.school_name, m.school_code),
            )
        }));
    }
    if !core_locked {
        cores.extend(
            st.store
                .all_schools(&c.visible())
                .await
                .or_page(c)?
                .into_iter()
                .filter(|s| s.community_id.is_none())
                .map(|s| (s.id.to_string(), format!("{}（{}）", s.name, s.region_name))),
        );
    }
    let status = if errors.any() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    // A kind must be chosen; offer the first so that a new community needs only name and core.
    let kind = match g("kind") {
        k if k.is_empty() => kinds.first().map(|k| k.key.clone()).unwrap_or_default(),
        k => k,
    };
    let page = render(&FormPage {
        shell: Shell::new(c, "communities"),
        id: community.map(|cm| cm.id),
        kinds: opts(
            kinds
                .iter()
                .map(|k| (k.key.clone(), kind_label(tr, &kinds, &k.key))),
            &kind,
        ),
        cores: opts(cores, &g("core_school_id")),
        core_locked,
        pilots: vocab_opts(tr, "pilot", PILOTS, &g("pilot_level")),
        batches: batch_opts(tr, &g("batch")),
        f,
        errors,
    })?;
    Ok((status, page).into_response())
}

fn fields_from(f: &HashMap<String, String>) -> Result<CommunityFields, AppError> {
    let mut errs = gongjin_domain::ValidationErrors::default();
    let core = errs.take(opt_i64(f, "core_school_id")).flatten();
    let batch = errs.take(opt_i64(f, "batch")).flatten();
    if !errs.is_empty() {
        return Err(AppError::validation(errs));
    }
    Ok(CommunityFields {
        name: f.get("name").cloned().unwrap_or_default(),
        kind: f.get("kind").cloned().unwrap_or_default(),
        core_school_id: core.unwrap_or(0),
        pilot_level: opt_text(f, "pilot_level"),
        cross_region: f
            .get("cross_region")
            .is_some_and(|v| !v.is_empty() && v != "0" && v != "false"),
        first_responsible: opt_text(f, "first_responsible"),
        second_responsible: opt_text(f, "second_responsible"),
        bureau_leader: opt_text(f, "bureau_leader"),
        founded_on: opt_text(f, "founded_on"),
        batch,
    })
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    if !c.may(Action::Write, Resource::Membership, &home(&c)) {
        return Err(forbidden(&c));
    }
    let mut f = HashMap::new();
    f.insert("pilot_level".into(), "none".into());
    f.insert("batch".into(), "1".into());
    f.insert(
        "founded_on".into(),
        gongjin_store::today().format("%Y-%m-%d").to_string(),
    );
    form_page(&st, &c, None, f, FormErrors::default()).await
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let result = async {
        let cf = fields_from(&f)?;
        if cf.core_school_id <= 0 {
            // Report every missing field at once (kind cannot be checked without a school).
            let any_kind = [cf.kind.trim().to_owned()];
            return Err(AppError::validation(
                cf.validate(&any_kind, gongjin_store::today())
                    .err()
                    .unwrap_or_default(),
            ));
        }
        let school = st
            .store
            .place_of_school(cf.core_school_id)
            .await
            .map_err(|_| AppError::field("core_school_id", "error.not_found", None))?;
        // Forming communities is the bureau's: membership rights over the core school's region.
        c.require(
            Action::Write,
            Resource::Membership,
            &Place {
                region_path: school.region_path,
                ..Place::default()
            },
        )?;
        let kinds = kinds_for_school(&st, cf.core_school_id).await?;
        let n = cf.validate(&kinds, gongjin_store::today())?;
        Ok::<_, AppError>(st.store.create_community(&c.actor(), &n).await?)
    }
    .await;
    match result {
        Ok(cm) => Ok(see_other(
            &format!("/communities/{}", cm.id),
            "notice.created",
        )),
        Err(e) if redisplay(&e) => {
            form_page(&st, &c, None, f, FormErrors::from_error(&e, c.locale)).await
        }
        Err(e) => Err(error_page(&e, c.locale)),
    }
}

pub async fn edit_form(State(st): State<AppState>, Ui(c): Ui, Path(id): Path<i64>) -> PageResult {
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let cm = st.store.get_community(id).await.or_page(&c)?;
    form_page(&st, &c, Some(&cm), form_of(&cm), FormErrors::default()).await
}

pub async fn update(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let place = st.store.place_of_community(id).await.or_page(&c)?;
    c.require(Action::Write, Resource::Community, &place)
        .or_page(&c)?;
    let before = st.store.get_community(id).await.or_page(&c)?;
    let result = async {
        let cf = fields_from(&f)?;
        if cf.core_school_id != before.core_school_id {
            // Changing the core school changes membership: the bureau's decision.
            c.require(Action::Write, Resource::Membership, &place)?;
        }
        let kinds = kinds_for_school(&st, cf.core_school_id).await?;
        let n = cf.validate(&kinds, gongjin_store::today())?;
        Ok::<_, AppError>(st.store.update_community(&c.actor(), id, &n).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/communities/{id}"), "notice.saved")),
        Err(e) if redisplay(&e) => {
            form_page(
                &st,
                &c,
                Some(&before),
                f,
                FormErrors::from_error(&e, c.locale),
            )
            .await
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
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = st
        .store
        .delete_community(&c.actor(), id)
        .await
        .map_err(AppError::from);
    match result {
        Ok(()) => Ok(see_other("/communities", "notice.deleted")),
        Err(e) => after_form(&st, &c, id, "delete", HashMap::new(), Err(e)).await,
    }
}

// ---------------------------------------------------------------------------------------------
// Members

pub async fn add_member(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Membership,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let mut errs = gongjin_domain::ValidationErrors::default();
        let school_id = errs.take(opt_i64(&f, "school_id")).flatten();
        let batch = errs.take(opt_i64(&f, "batch")).flatten();
        if !errs.is_empty() {
            return Err(AppError::validation(errs));
        }
        let mf = MemberFields {
            school_id: school_id.unwrap_or(0),
            batch,
            joined_on: opt_text(&f, "joined_on"),
            school_leader: opt_text(&f, "school_leader"),
        };
        let m = mf.validate(gongjin_store::today())?;
        let school = st
            .store
            .place_of_school(m.school_id)
            .await
            .map_err(|_| AppError::field("school_id", "error.not_found", None))?;
        c.require(Action::Write, Resource::Membership, &school)?;
        st.store.add_member(&c.actor(), id, &m).await?;
        Ok("notice.member_added")
    }
    .await;
    after_form(&st, &c, id, "add", f, result).await
}

pub async fn set_leader(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, school_id)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let leader = gongjin_domain::parse_text(
            "school_leader",
            f.get("school_leader").map(String::as_str),
            32,
        )
        .map_err(gongjin_domain::ValidationErrors::from)?;
        st.store
            .set_school_leader(&c.actor(), id, school_id, &leader)
            .await?;
        Ok("notice.saved")
    }
    .await;
    after_form(&st, &c, id, "members", HashMap::new(), result).await
}

pub async fn remove_member(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, school_id)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Membership,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let left = match opt_text(&f, "left_on") {
            Some(s) => gongjin_domain::parse_date("left_on", &s)
                .map_err(gongjin_domain::ValidationErrors::from)?,
            None => gongjin_store::today(),
        };
        st.store
            .remove_member(&c.actor(), id, school_id, left)
            .await?;
        Ok("notice.member_removed")
    }
    .await;
    after_form(&st, &c, id, "members", HashMap::new(), result).await
}

// ---------------------------------------------------------------------------------------------
// Council

pub async fn add_seat(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        let seat = CouncilFields {
            name: f.get("name").cloned().unwrap_or_default(),
            role: f.get("role").cloned().unwrap_or_default(),
            school_id: num(&f, "school_id"),
        }
        .validate()?;
        st.store.add_council_seat(&c.actor(), id, &seat).await?;
        Ok("notice.created")
    }
    .await;
    after_form(&st, &c, id, "council", HashMap::new(), result).await
}

pub async fn remove_seat(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path((id, seat_id)): Path<(i64, i64)>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    st.store
        .remove_council_seat(&c.actor(), id, seat_id)
        .await
        .or_page(&c)?;
    Ok(see_other(&format!("/communities/{id}"), "notice.deleted"))
}

// ---------------------------------------------------------------------------------------------
// Documents

pub async fn upload_document(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let (kind, name, bytes, csrf) = read_document_form(mp).await.or_page(&c)?;
    c.check_csrf(csrf.as_deref().unwrap_or("")).or_page(&c)?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store.place_of_community(id).await.or_page(&c)?,
    )
    .or_page(&c)?;
    let result = async {
        if bytes.is_empty() {
            return Err(AppError::field("file", "error.required", None));
        }
        save_document(&st, &c, id, &kind, &name, &bytes).await?;
        Ok("notice.uploaded")
    }
    .await;
    after_form(&st, &c, id, "document", HashMap::new(), result).await
}

pub async fn download_document(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(doc_id): Path<i64>,
) -> PageResult {
    document_response(&st, &c, doc_id).await.or_page(&c)
}

pub async fn delete_document(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(doc_id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let doc = st.store.get_document(doc_id).await.or_page(&c)?;
    c.require(
        Action::Write,
        Resource::Community,
        &st.store
            .place_of_community(doc.community_id)
            .await
            .or_page(&c)?,
    )
    .or_page(&c)?;
    let doc = st
        .store
        .delete_document(&c.actor(), doc_id)
        .await
        .or_page(&c)?;
    if let Some(p) = uploads::path_of(&st.uploads, &doc.stored_name) {
        let _ = tokio::fs::remove_file(p).await;
    }
    Ok(see_other(
        &format!("/communities/{}", doc.community_id),
        "notice.deleted",
    ))
}
