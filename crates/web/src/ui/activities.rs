//! Activity pages (教研活动): list with filters, record one (with a photo or material in the same
//! form), a recurring series, the detail with attendance, files, photos and reflections.

use super::common::*;
use crate::AppState;
use crate::api::activities::{
    fields_of, file_response, reflection_teacher, remove_files, require_activity, require_new,
    save_file,
};
use crate::auth::Caller;
use crate::error::AppError;
use crate::uploads;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_domain::operations::{ActivityFields, ReflectionFields, SeriesFields};
use gongjin_domain::{ActivityMode, ActivityStatus};
use gongjin_store::activities::{Activity, ActivityDetail, ActivityQuery};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/activities", get(list))
        .route("/activities/new", get(new_form).post(create))
        .route(
            "/activities/series/new",
            get(series_form).post(create_series),
        )
        .route("/activities/{id}", get(detail))
        .route("/activities/{id}/record", post(record))
        .route("/activities/{id}/files", post(upload))
        .route("/activities/{id}/delete", post(delete))
        .route("/activities/{id}/reflections", post(reflect))
        .route("/activities/files/{fid}", get(download))
        .route("/activities/files/{fid}/view", get(view))
        .route("/activities/files/{fid}/delete", post(delete_file))
}

/// A school the caller may record activities for, within its community.
pub struct HostOpt {
    pub value: String,
    pub label: String,
    pub community_id: i64,
    pub school_id: i64,
    pub selected: bool,
}

/// Every (community, member school) the caller may record for, and every member school of
/// the communities the caller sees (for "participating schools").
pub(crate) async fn hosts(st: &AppState, c: &Caller) -> Result<(Vec<HostOpt>, Vec<Opt>), AppError> {
    let mut hosts = vec![];
    let mut members = vec![];
    for e in st.store.communities_in(&c.visible()).await? {
        let place = e.place();
        let com = e.community;
        for m in e.members {
            let mut p = place.clone();
            p.school_id = Some(m.school_id);
            if c.may(Action::Write, Resource::Activity, &p) {
                hosts.push(HostOpt {
                    value: format!("{}:{}", com.id, m.school_id),
                    label: format!("{}（{}）", m.school_name, com.name),
                    community_id: com.id,
                    school_id: m.school_id,
                    selected: false,
                });
            }
            members.push((
                m.school_id.to_string(),
                format!("{}（{}）", m.school_name, com.name),
            ));
        }
    }
    Ok((hosts, opts(members, "")))
}

#[derive(Template)]
#[template(path = "activities_list.html")]
struct ListPage {
    shell: Shell,
    items: Vec<Activity>,
    pager: Pager,
    can_create: bool,
    kinds: Vec<Opt>,
    statuses: Vec<Opt>,
    communities: Vec<Opt>,
    q: ActivityQuery,
    export_query: String,
}

impl ListPage {
    fn status_label(&self, k: &str) -> String {
        self.shell.tr.label("activity_status", k)
    }
    fn mode_label(&self, k: &str) -> String {
        self.shell.tr.label("activity_mode", k)
    }
    fn qv(&self, k: &str) -> String {
        match k {
            "from" => self.q.from.clone().unwrap_or_default(),
            "to" => self.q.to.clone().unwrap_or_default(),
            "q" => self.q.q.clone().unwrap_or_default(),
            _ => String::new(),
        }
    }
}

pub(crate) async fn kind_opts(
    st: &AppState,
    c: &Caller,
    current: &str,
) -> Result<Vec<Opt>, AppError> {
    let kinds = st.store.activity_kinds(&c.principal.region_path).await?;
    Ok(opts(
        kinds.into_iter().filter(|k| k.active == 1).map(|k| {
            let label = if c.locale == gongjin_domain::i18n::Locale::En && !k.name_en.is_empty() {
                k.name_en
            } else {
                k.name_zh
            };
            (k.key, label)
        }),
        current,
    ))
}

pub(crate) async fn community_opts(
    st: &AppState,
    c: &Caller,
    current: Option<i64>,
) -> Result<Vec<Opt>, AppError> {
    let coms = st.store.communities_in(&c.visible()).await?;
    Ok(opts(
        coms.into_iter()
            .map(|x| (x.community.id.to_string(), x.community.name)),
        &current.map(|v| v.to_string()).unwrap_or_default(),
    ))
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(mut q): Query<ActivityQuery>,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    // Opened plainly, the list starts around today (the next two months and everything before);
    // the date filter shows it and can be cleared.
    if raw.keys().all(|k| k == "notice") {
        q.to = Some((gongjin_store::today() + chrono::Duration::days(60)).to_string());
    }
    let page = st
        .store
        .list_activities(&c.visible(), &q)
        .await
        .or_page(&c)?;
    let tr = Tr(c.locale);
    let keys: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.key()).collect();
    let filters = [
        (
            "community_id",
            q.community_id.map(|v| v.to_string()).unwrap_or_default(),
        ),
        ("kind", q.kind.clone().unwrap_or_default()),
        ("status", q.status.clone().unwrap_or_default()),
        ("from", q.from.clone().unwrap_or_default()),
        ("to", q.to.clone().unwrap_or_default()),
        ("q", q.q.clone().unwrap_or_default()),
    ];
    let export_query = serde_urlencoded::to_string(
        filters
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .collect::<Vec<_>>(),
    )
    .unwrap_or_default();
    let (hosts, _) = hosts(&st, &c).await.or_page(&c)?;
    render(&ListPage {
        shell: Shell::new(&c, "activities").with_notice(raw.get("notice").map(String::as_str)),
        pager: Pager::new(
            "/activities",
            &filters,
            q.page.unwrap_or(1).max(1),
            q.per_page.unwrap_or(20).clamp(1, 1000),
            page.total,
        ),
        items: page.items,
        can_create: !hosts.is_empty(),
        kinds: kind_opts(&st, &c, q.kind.as_deref().unwrap_or(""))
            .await
            .or_page(&c)?,
        statuses: vocab_opts(
            tr,
            "activity_status",
            &keys,
            q.status.as_deref().unwrap_or(""),
        ),
        communities: community_opts(&st, &c, q.community_id).await.or_page(&c)?,
        export_query,
        q,
    })
}

#[derive(Template)]
#[template(path = "activity_form.html")]
struct FormPage {
    shell: Shell,
    f: HashMap<String, String>,
    hosts: Vec<HostOpt>,
    schools: Vec<Opt>,
    kinds: Vec<Opt>,
    modes: Vec<Opt>,
    statuses: Vec<Opt>,
    errors: FormErrors,
    series: bool,
    weekdays: Vec<Opt>,
}

impl FormPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
    fn picked(&self, id: &str) -> bool {
        self.f
            .get("school_ids")
            .is_some_and(|v| v.split(',').any(|x| x == id))
    }
}

async fn form_page(
    st: &AppState,
    c: &Caller,
    f: HashMap<String, String>,
    errors: FormErrors,
    series: bool,
) -> PageResult {
    let tr = Tr(c.locale);
    let (mut hosts, schools) = hosts(st, c).await.or_page(c)?;
    let current = f.get("host").cloned().unwrap_or_default();
    for h in &mut hosts {
        h.selected = h.value == current;
    }
    let modes: Vec<&str> = ActivityMode::ALL.iter().map(|s| s.key()).collect();
    let statuses: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.key()).collect();
    let weekday = f.get("weekday").cloned().unwrap_or_else(|| "3".into());
    render(&FormPage {
        shell: Shell::new(c, "activities"),
        kinds: kind_opts(
            st,
            c,
            f.get("kind").map(String::as_str).unwrap_or("lesson_prep"),
        )
        .await
        .or_page(c)?,
        modes: vocab_opts(
            tr,
            "activity_mode",
            &modes,
            f.get("mode").map(String::as_str).unwrap_or("on_site"),
        ),
        statuses: vocab_opts(
            tr,
            "activity_status",
            &statuses,
            f.get("status").map(String::as_str).unwrap_or("planned"),
        ),
        weekdays: opts(
            (1..=7).map(|d| (d.to_string(), tr.label("weekday", &d.to_string()))),
            &weekday,
        ),
        hosts,
        schools,
        f,
        errors,
        series,
    })
}

pub async fn new_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    f.insert("held_on".into(), gongjin_store::today().to_string());
    f.insert("start_time".into(), "14:30".into());
    f.insert("duration_minutes".into(), "90".into());
    form_page(&st, &c, f, FormErrors::default(), false).await
}

pub async fn series_form(State(st): State<AppState>, Ui(c): Ui) -> PageResult {
    let mut f = HashMap::new();
    let today = gongjin_store::today();
    let term = gongjin_domain::Term::of(today);
    f.insert("first_date".into(), today.to_string());
    f.insert("last_date".into(), term.bounds().1.to_string());
    f.insert("start_time".into(), "14:30".into());
    f.insert("duration_minutes".into(), "120".into());
    f.insert("title".into(), "周周有约·集体教研".into());
    form_page(&st, &c, f, FormErrors::default(), true).await
}

fn host_of(f: &HashMap<String, String>) -> (i64, i64) {
    let v = f.get("host").cloned().unwrap_or_default();
    let mut it = v.split(':').map(|x| x.parse::<i64>().unwrap_or(0));
    (it.next().unwrap_or(0), it.next().unwrap_or(0))
}

/// Staff numbers (joined by 、 , or spaces) to teacher ids in the community's region; unknown
/// numbers are named in the error.
async fn staff_ids(
    st: &AppState,
    community_id: i64,
    field: &str,
    text: &str,
) -> Result<Vec<i64>, AppError> {
    let numbers: Vec<String> = text
        .split(['、', ',', '，', ' ', '\n', ';', '；'])
        .map(gongjin_domain::clean_ascii)
        .filter(|s| !s.is_empty())
        .collect();
    if numbers.is_empty() {
        return Ok(vec![]);
    }
    let region_id = st
        .store
        .get_community(community_id)
        .await
        .map_err(|_| AppError::field("host", "error.required", None))?
        .region_id;
    let mut ids = vec![];
    for n in numbers {
        match st.store.teacher_by_staff_number(region_id, &n).await? {
            Some(t) => ids.push(t.id),
            None => return Err(AppError::field(field, "error.staff_unknown", Some(n))),
        }
    }
    Ok(ids)
}

fn fields_from(f: &HashMap<String, String>) -> Result<ActivityFields, AppError> {
    let (community_id, host) = host_of(f);
    let school_ids = f
        .get("school_ids")
        .map(|v| v.split(',').filter_map(|x| x.trim().parse().ok()).collect())
        .unwrap_or_default();
    Ok(ActivityFields {
        community_id,
        kind: f.get("kind").cloned().unwrap_or_default(),
        title: f.get("title").cloned().unwrap_or_default(),
        organiser_school_id: None,
        organiser_studio: opt_text(f, "organiser_studio"),
        host_school_id: host,
        school_ids,
        held_on: f.get("held_on").cloned().unwrap_or_default(),
        start_time: opt_text(f, "start_time"),
        duration_minutes: opt_i64(f, "duration_minutes")
            .map_err(|e| AppError::validation(e.into()))?,
        mode: opt_text(f, "mode"),
        subject: opt_text(f, "subject"),
        student_count: opt_i64(f, "student_count").map_err(|e| AppError::validation(e.into()))?,
        summary: opt_text(f, "summary"),
        stage_before: opt_text(f, "stage_before"),
        stage_during: opt_text(f, "stage_during"),
        stage_after: opt_text(f, "stage_after"),
        status: opt_text(f, "status"),
        invited_teacher_ids: vec![],
        present_teacher_ids: vec![],
    })
}

/// Reads the form (multipart: it may carry a file), joining repeated `school_ids`.
async fn read_form(mp: Multipart) -> Result<(HashMap<String, String>, String, Vec<u8>), AppError> {
    let mut mp = mp;
    let mut f: HashMap<String, String> = HashMap::new();
    let mut name = String::new();
    let mut bytes = vec![];
    while let Some(field) = mp
        .next_field()
        .await
        .map_err(|e| AppError::bad_request(e.body_text()))?
    {
        let k = field.name().unwrap_or("").to_owned();
        if k == "file" {
            name = uploads::clean_name(field.file_name().unwrap_or(""));
            bytes = field
                .bytes()
                .await
                .map_err(|_| AppError::field("file", "error.file_too_large", Some("20 MB".into())))?
                .to_vec();
            if bytes.len() > uploads::MAX_DOCUMENT_BYTES {
                return Err(AppError::field(
                    "file",
                    "error.file_too_large",
                    Some("20 MB".into()),
                ));
            }
        } else {
            let v = field
                .text()
                .await
                .map_err(|e| AppError::bad_request(e.body_text()))?;
            f.entry(k)
                .and_modify(|old: &mut String| {
                    old.push(',');
                    old.push_str(&v);
                })
                .or_insert(v);
        }
    }
    Ok((f, name, bytes))
}

pub async fn create(State(st): State<AppState>, Ui(c): Ui, mp: Multipart) -> PageResult {
    let (f, file_name, bytes) = match read_form(mp).await {
        Ok(x) => x,
        Err(e) => return Err(error_page(&e, c.locale)),
    };
    csrf_ok(&c, &f)?;
    let result = async {
        let mut fields = fields_from(&f)?;
        if fields.community_id == 0 {
            return Err(AppError::field("host", "error.required", None));
        }
        require_new(&st, &c, fields.community_id, fields.host_school_id, None).await?;
        fields.invited_teacher_ids = staff_ids(
            &st,
            fields.community_id,
            "invited",
            f.get("invited").map(String::as_str).unwrap_or(""),
        )
        .await?;
        fields.present_teacher_ids = staff_ids(
            &st,
            fields.community_id,
            "present",
            f.get("present").map(String::as_str).unwrap_or(""),
        )
        .await?;
        let a = fields.validate()?;
        // The file is checked before anything is written, so a bad file leaves no activity.
        if !bytes.is_empty() {
            uploads::check(&file_name, &bytes)?;
        }
        let d = st.store.create_activity(&c.actor(), &a).await?;
        if !bytes.is_empty()
            && let Err(e) = save_file(&st, &c, d.activity.id, &file_name, &bytes).await
        {
            let _ = st.store.delete_activity(&c.actor(), d.activity.id).await;
            return Err(e);
        }
        Ok::<_, AppError>(d)
    }
    .await;
    match result {
        Ok(d) => Ok(see_other(
            &format!("/activities/{}", d.activity.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => form_page(&st, &c, f, FormErrors::from_error(&e, c.locale), false).await,
    }
}

pub async fn create_series(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let mut m: HashMap<String, String> = HashMap::new();
    for (k, v) in f {
        m.entry(k)
            .and_modify(|old| {
                old.push(',');
                old.push_str(&v);
            })
            .or_insert(v);
    }
    let f = m;
    csrf_ok(&c, &f)?;
    let result = async {
        let a = fields_from(&f)?;
        if a.community_id == 0 {
            return Err(AppError::field("host", "error.required", None));
        }
        require_new(&st, &c, a.community_id, a.host_school_id, None).await?;
        let s = SeriesFields {
            community_id: a.community_id,
            kind: a.kind,
            title: a.title,
            host_school_id: a.host_school_id,
            school_ids: a.school_ids,
            weekday: opt_i64(&f, "weekday")
                .map_err(|e| AppError::validation(e.into()))?
                .unwrap_or(0),
            start_time: a.start_time,
            duration_minutes: a.duration_minutes,
            mode: a.mode,
            subject: a.subject,
            first_date: f.get("first_date").cloned().unwrap_or_default(),
            last_date: f.get("last_date").cloned().unwrap_or_default(),
        }
        .validate()?;
        Ok::<_, AppError>(st.store.create_series(&c.actor(), &s).await?)
    }
    .await;
    match result {
        Ok((sid, _)) => Ok(see_other(
            &format!("/activities?series_id={sid}"),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => form_page(&st, &c, f, FormErrors::from_error(&e, c.locale), true).await,
    }
}

#[derive(Template)]
#[template(path = "activity_detail.html")]
struct DetailPage {
    shell: Shell,
    d: ActivityDetail,
    can_edit: bool,
    can_reflect: bool,
    /// A teacher writes as themself; others name the teacher by staff number.
    reflect_as_self: bool,
    statuses: Vec<Opt>,
    present_staff: String,
    errors: FormErrors,
}

impl DetailPage {
    fn status_label(&self) -> String {
        self.shell
            .tr
            .label("activity_status", &self.d.activity.status)
    }
    fn mode_label(&self) -> String {
        self.shell.tr.label("activity_mode", &self.d.activity.mode)
    }
}

async fn detail_page(
    st: &AppState,
    c: &Caller,
    id: i64,
    notice: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let d = require_activity(st, c, Action::Read, id).await.or_page(c)?;
    let can_edit = crate::api::activities::may_write(st, c, &d.activity)
        .await
        .or_page(c)?;
    let reflect_as_self = c.principal.teacher_id.is_some();
    let can_reflect = if reflect_as_self {
        reflection_teacher(st, c, &d, None).await.is_ok()
    } else {
        !c.principal.is_read_only()
            && c.may(
                Action::Write,
                Resource::TeacherEntry,
                &st.store
                    .place_of_community(d.activity.community_id)
                    .await
                    .or_page(c)?,
            )
            || can_edit
    };
    let tr = Tr(c.locale);
    let keys: Vec<&str> = ActivityStatus::ALL.iter().map(|s| s.key()).collect();
    let mut present_staff = vec![];
    for p in d.participants.iter().filter(|p| p.present == 1) {
        if let Ok(t) = st.store.get_teacher(p.teacher_id).await {
            present_staff.push(t.staff_number);
        }
    }
    render(&DetailPage {
        shell: Shell::new(c, "activities").with_notice(notice),
        statuses: vocab_opts(tr, "activity_status", &keys, &d.activity.status),
        present_staff: present_staff.join("、"),
        d,
        can_edit,
        can_reflect,
        reflect_as_self,
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

/// The after-the-activity record: status, students, who came, summary and the online stages.
pub async fn record(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let before = require_activity(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let result = async {
        let mut fields = fields_of(&before);
        if let Some(s) = f.get("status") {
            fields.status = Some(s.clone());
        }
        fields.student_count =
            opt_i64(&f, "student_count").map_err(|e| AppError::validation(e.into()))?;
        for (k, slot) in [
            ("summary", &mut fields.summary),
            ("stage_before", &mut fields.stage_before),
            ("stage_during", &mut fields.stage_during),
            ("stage_after", &mut fields.stage_after),
        ] {
            if let Some(v) = f.get(k) {
                *slot = Some(v.clone());
            }
        }
        if let Some(p) = f.get("present") {
            fields.present_teacher_ids =
                staff_ids(&st, before.activity.community_id, "present", p).await?;
        }
        let a = fields.validate()?;
        Ok::<_, AppError>(st.store.update_activity(&c.actor(), id, &a).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/activities/{id}"), "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn upload(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    require_activity(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let up = uploads::read_multipart(mp, uploads::MAX_DOCUMENT_BYTES, "20 MB")
        .await
        .or_page(&c)?;
    csrf_ok(&c, &up.fields)?;
    match save_file(&st, &c, id, &up.file_name, &up.bytes).await {
        Ok(_) => Ok(see_other(&format!("/activities/{id}"), "notice.uploaded")),
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
    require_activity(&st, &c, Action::Write, id)
        .await
        .or_page(&c)?;
    let files = st.store.delete_activity(&c.actor(), id).await.or_page(&c)?;
    remove_files(&st, files).await;
    Ok(see_other("/activities", "notice.deleted"))
}

pub async fn reflect(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let d = require_activity(&st, &c, Action::Read, id)
        .await
        .or_page(&c)?;
    let result = async {
        let teacher = match opt_text(&f, "staff_number") {
            Some(n) => staff_ids(&st, d.activity.community_id, "staff_number", &n)
                .await?
                .first()
                .copied(),
            None => None,
        };
        let t = reflection_teacher(&st, &c, &d, teacher).await?;
        let body = ReflectionFields {
            teacher_id: Some(t),
            body: f.get("body").cloned().unwrap_or_default(),
        }
        .validate()?;
        Ok::<_, AppError>(st.store.save_reflection(&c.actor(), id, t, &body).await?)
    }
    .await;
    match result {
        Ok(_) => Ok(see_other(&format!("/activities/{id}"), "notice.saved")),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => detail_page(&st, &c, id, None, FormErrors::from_error(&e, c.locale)).await,
    }
}

pub async fn download(State(st): State<AppState>, Ui(c): Ui, Path(fid): Path<i64>) -> PageResult {
    file_response(&st, &c, fid, false).await.or_page(&c)
}

pub async fn view(State(st): State<AppState>, Ui(c): Ui, Path(fid): Path<i64>) -> PageResult {
    file_response(&st, &c, fid, true).await.or_page(&c)
}

pub async fn delete_file(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(fid): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let file = st.store.get_activity_file(fid).await.or_page(&c)?;
    require_activity(&st, &c, Action::Write, file.activity_id)
        .await
        .or_page(&c)?;
    let gone = st
        .store
        .delete_activity_file(&c.actor(), fid)
        .await
        .or_page(&c)?;
    remove_files(&st, vec![gone.stored_name]).await;
    Ok(see_other(
        &format!("/activities/{}", file.activity_id),
        "notice.deleted",
    ))
}
