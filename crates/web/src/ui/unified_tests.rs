//! Unified test pages (统一检测): list and set up, the statistics of one test with its score
//! import, and value added between two tests.

use super::common::*;
use crate::AppState;
use crate::api::unified_tests::{
    TestAnalysis, TestFields, ValueAddedReport, analysis, import_report, require_test, validate,
    value_added_of,
};
use crate::error::AppError;
use askama::Template;
use axum::extract::{Multipart, Path, Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::unified_tests::TestRecord;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/unified-tests", get(list).post(create))
        .route("/unified-tests/{id}", get(detail))
        .route("/unified-tests/{id}/scores", post(import))
        .route("/unified-tests/{id}/delete", post(delete))
        .route("/unified-tests/{id}/value-added", get(value_added))
}

#[derive(Template)]
#[template(path = "unified_tests.html")]
struct ListPage {
    shell: Shell,
    items: Vec<TestRecord>,
    communities: Vec<Opt>,
    can_create: bool,
    f: HashMap<String, String>,
    errors: FormErrors,
}

impl ListPage {
    fn v(&self, k: &str) -> String {
        self.f.get(k).cloned().unwrap_or_default()
    }
}

async fn writable(
    st: &AppState,
    c: &crate::auth::Caller,
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

async fn list_page(
    st: &AppState,
    c: &crate::auth::Caller,
    f: HashMap<String, String>,
    errors: FormErrors,
    notice: Option<&str>,
) -> PageResult {
    let coms = writable(st, c).await.or_page(c)?;
    let current = f.get("community_id").cloned().unwrap_or_default();
    render(&ListPage {
        shell: Shell::new(c, "unified_tests").with_notice(notice),
        items: st.store.list_tests(&c.visible(), None).await.or_page(c)?,
        can_create: !coms.is_empty(),
        communities: opts(coms, &current),
        f,
        errors,
    })
}

pub async fn list(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(raw): Query<HashMap<String, String>>,
) -> PageResult {
    let mut f = HashMap::new();
    f.insert("held_on".into(), gongjin_store::today().to_string());
    f.insert("full_marks".into(), "100".into());
    f.insert("pass_line".into(), "60".into());
    f.insert("excellent_line".into(), "85".into());
    list_page(
        &st,
        &c,
        f,
        FormErrors::default(),
        raw.get("notice").map(String::as_str),
    )
    .await
}

fn num(f: &HashMap<String, String>, k: &str) -> f64 {
    f.get(k)
        .and_then(|v| gongjin_domain::clean_ascii(v).parse().ok())
        .unwrap_or(f64::NAN)
}

pub async fn create(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let fields = TestFields {
        community_id: f
            .get("community_id")
            .and_then(|v| v.parse().ok())
            .unwrap_or(0),
        title: f.get("title").cloned().unwrap_or_default(),
        subject: f.get("subject").cloned().unwrap_or_default(),
        grade: f.get("grade").cloned().unwrap_or_default(),
        held_on: f.get("held_on").cloned().unwrap_or_default(),
        full_marks: num(&f, "full_marks"),
        pass_line: num(&f, "pass_line"),
        excellent_line: num(&f, "excellent_line"),
        low_line: opt_text(&f, "low_line").and_then(|v| v.parse().ok()),
    };
    let result = async {
        let place = st
            .store
            .place_of_community(fields.community_id)
            .await
            .map_err(|_| AppError::field("community_id", "error.required", None))?;
        c.require(Action::Write, Resource::Community, &place)?;
        let t = validate(&fields)?;
        Ok::<_, AppError>(st.store.create_test(&c.actor(), &t).await?)
    }
    .await;
    match result {
        Ok(t) => Ok(see_other(
            &format!("/unified-tests/{}", t.id),
            "notice.created",
        )),
        Err(e) if e.status == axum::http::StatusCode::FORBIDDEN => Err(error_page(&e, c.locale)),
        Err(e) => list_page(&st, &c, f, FormErrors::from_error(&e, c.locale), None).await,
    }
}

pub struct SchoolLine {
    pub name: String,
    pub is_core: bool,
    pub count: usize,
    pub absent: usize,
    pub mean: String,
    pub sd: String,
    pub pass: String,
    pub excellent: String,
    pub low: String,
    pub gap: String,
    pub classes: Vec<(String, usize, String, String, String)>,
}

#[derive(Template)]
#[template(path = "unified_test_detail.html")]
struct DetailPage {
    shell: Shell,
    a: TestAnalysis,
    lines: Vec<SchoolLine>,
    band_chart: String,
    can_edit: bool,
    others: Vec<Opt>,
    import_messages: Vec<String>,
    import_done: Option<String>,
}

fn f1(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.1}")).unwrap_or_else(|| "-".into())
}
fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "-".into())
}

async fn detail_page(
    st: &AppState,
    c: &crate::auth::Caller,
    id: i64,
    notice: Option<&str>,
    import_messages: Vec<String>,
    import_done: Option<String>,
) -> PageResult {
    let a = analysis(st, c, id).await.or_page(c)?;
    let can_edit = require_test(st, c, Action::Write, id).await.is_ok();
    let mut lines = vec![];
    let mut band_chart = String::new();
    if let Some(r) = &a.report {
        for s in &r.schools {
            let gap = a
                .core_gaps
                .iter()
                .find(|g| g.school_id == s.school_id)
                .and_then(|g| g.mean_diff);
            lines.push(SchoolLine {
                name: a
                    .school_names
                    .get(&s.school_id)
                    .cloned()
                    .unwrap_or_default(),
                is_core: a.core_school_id == Some(s.school_id),
                count: s.stats.count,
                absent: s.stats.absent,
                mean: f1(s.stats.mean),
                sd: f1(s.stats.sd),
                pass: pct(s.stats.pass_rate),
                excellent: pct(s.stats.excellent_rate),
                low: pct(s.stats.low_score_rate),
                gap: gap
                    .map(|g| format!("{g:+.1}"))
                    .unwrap_or_else(|| "-".into()),
                classes: s
                    .classes
                    .iter()
                    .map(|cl| {
                        (
                            cl.class_label.clone(),
                            cl.stats.count,
                            f1(cl.stats.mean),
                            pct(cl.stats.pass_rate),
                            pct(cl.stats.excellent_rate),
                        )
                    })
                    .collect(),
            });
        }
        band_chart = crate::charts::columns(
            &r.overall
                .bands
                .iter()
                .map(|b| (format!("{:.0}–{:.0}", b.lower, b.upper), b.count as i64))
                .collect::<Vec<_>>(),
        );
    }
    let others = st
        .store
        .list_tests(&c.visible(), Some(a.test.community_id))
        .await
        .or_page(c)?
        .into_iter()
        .filter(|t| t.id != id && t.held_on <= a.test.held_on)
        .map(|t| {
            (
                t.id.to_string(),
                format!("{} {}（{}）", t.held_on, t.title, t.subject),
            )
        })
        .collect::<Vec<_>>();
    render(&DetailPage {
        shell: Shell::new(c, "unified_tests").with_notice(notice),
        a,
        lines,
        band_chart,
        can_edit,
        others: opts(others, ""),
        import_messages,
        import_done,
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
        vec![],
        None,
    )
    .await
}

pub async fn import(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let up = crate::uploads::read_multipart(mp, 10 * 1024 * 1024, "10 MB")
        .await
        .or_page(&c)?;
    csrf_ok(&c, &up.fields)?;
    let dry = up.fields.get("dry_run").is_some_and(|v| !v.is_empty());
    let r = import_report(&st, &c, id, &up.file_name, &up.bytes, dry)
        .await
        .or_page(&c)?;
    if r.errors.is_empty() && r.written {
        return Ok(see_other(
            &format!("/unified-tests/{id}"),
            "notice.imported",
        ));
    }
    let tr = Tr(c.locale);
    let done = r
        .errors
        .is_empty()
        .then(|| tr.tf("tests.checked", &r.created));
    let msgs = r.errors.iter().map(|e| e.message(c.locale)).collect();
    detail_page(&st, &c, id, None, msgs, done).await
}

pub async fn delete(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    require_test(&st, &c, Action::Write, id).await.or_page(&c)?;
    st.store.delete_test(&c.actor(), id).await.or_page(&c)?;
    Ok(see_other("/unified-tests", "notice.deleted"))
}

pub struct EffectLine {
    pub name: String,
    pub n: usize,
    pub va: String,
    pub ci: String,
    pub verdict: &'static str,
}

#[derive(Template)]
#[template(path = "value_added.html")]
struct ValueAddedPage {
    shell: Shell,
    r: ValueAddedReport,
    lines: Vec<EffectLine>,
    community: Option<EffectLine>,
}

fn effect_line(name: String, g: &gongjin_scores::GroupEffect) -> EffectLine {
    EffectLine {
        name,
        n: g.n,
        va: format!("{:+.3}", g.value_added),
        ci: match (g.lower, g.upper) {
            (Some(l), Some(u)) => format!("[{l:+.3}, {u:+.3}]"),
            _ => "-".into(),
        },
        verdict: match g.significance() {
            Some(std::cmp::Ordering::Greater) => "up",
            Some(std::cmp::Ordering::Less) => "down",
            _ => "flat",
        },
    }
}

pub async fn value_added(
    State(st): State<AppState>,
    Ui(c): Ui,
    Path(id): Path<i64>,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    let earlier: i64 = q.get("earlier").and_then(|v| v.parse().ok()).unwrap_or(0);
    let r = value_added_of(&st, &c, earlier, id).await.or_page(&c)?;
    let lines = r
        .value_added
        .schools
        .iter()
        .map(|g| effect_line(r.school_names.get(&g.id).cloned().unwrap_or_default(), g))
        .collect();
    let community = r
        .value_added
        .communities
        .first()
        .map(|g| effect_line(r.later.community_name.clone(), g));
    render(&ValueAddedPage {
        shell: Shell::new(&c, "unified_tests"),
        r,
        lines,
        community,
    })
}
