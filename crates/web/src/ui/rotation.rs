//! The annual rotation plan page (交流轮岗方案) for a bureau administrator: run the planner for a
//! region and year, lock or forbid moves and solve again, accept into planned exchanges.
//!
//! Locks and forbids travel in the query (`lock=teacher:school`, `forbid=teacher`), so a plan is a
//! link; acceptance posts the moves shown (`move=teacher:school:term`) and the store checks them again.

use super::common::*;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::rotation;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plan/rotation", get(page))
        .route("/plan/rotation/accept", post(accept))
}

pub struct MoveRow {
    pub teacher: String,
    pub teacher_id: String,
    pub from: String,
    pub to: String,
    pub to_id: String,
    pub stage: String,
    pub km: String,
    pub term: u8,
    pub backbone: bool,
    pub degree: bool,
    pub locked: bool,
    pub reasons: String,
}

pub struct CvRow {
    pub stage: String,
    pub indicator: String,
    pub before: String,
    pub after: String,
    pub pass: bool,
}

pub struct QuotaRow {
    pub school: String,
    pub eligible: u32,
    pub required: u32,
    pub sent: u32,
    pub met: bool,
}

#[derive(Template)]
#[template(path = "plan_rotation.html")]
struct RotationPage {
    shell: Shell,
    regions: Vec<Opt>,
    region_id: i64,
    year: i32,
    time_limit: String,
    ran: bool,
    summary: String,
    gap: String,
    moves: Vec<MoveRow>,
    cv: Vec<CvRow>,
    quotas: Vec<QuotaRow>,
    notes: Vec<String>,
    forbidden: Vec<String>,
}

struct Params {
    region_id: i64,
    year: i32,
    time_limit: f64,
    locks: Vec<(i64, i64)>,
    forbids: Vec<i64>,
}

fn params(q: &[(String, String)]) -> Params {
    let get = |k: &str| q.iter().find(|(a, _)| a == k).map(|(_, v)| v.as_str());
    let this_year = {
        use chrono::Datelike;
        gongjin_store::today().year()
    };
    Params {
        region_id: get("region_id").and_then(|s| s.parse().ok()).unwrap_or(0),
        year: get("year")
            .and_then(|s| s.trim().parse().ok())
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or(this_year),
        time_limit: get("time_limit")
            .and_then(|s| s.trim().parse().ok())
            .filter(|t: &f64| *t > 0.0)
            .unwrap_or(30.0)
            .min(120.0),
        locks: q
            .iter()
            .filter(|(k, _)| k == "lock")
            .filter_map(|(_, v)| {
                let (t, s) = v.split_once(':')?;
                Some((t.parse().ok()?, s.parse().ok()?))
            })
            .collect(),
        forbids: q
            .iter()
            .filter(|(k, _)| k == "forbid")
            .filter_map(|(_, v)| v.parse().ok())
            .collect(),
    }
}

fn allowed(st: &AppState, c: &Caller) -> bool {
    let _ = st;
    c.principal.role == gongjin_domain::Role::BureauAdmin
}

async fn check_region(st: &AppState, c: &Caller, region_id: i64) -> Result<(), AppError> {
    let place = st.store.place_of_region(region_id).await?;
    c.require(Action::Write, Resource::RegionSettings, &place)?;
    Ok(())
}

pub async fn page(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<Vec<(String, String)>>,
) -> PageResult {
    if !allowed(&st, &c) {
        return Err(error_page(&AppError::forbidden(), c.locale));
    }
    let mut p = params(&q);
    let regions = st
        .store
        .list_regions(&c.visible(), None)
        .await
        .or_page(&c)?;
    let mine: Vec<_> = regions
        .into_iter()
        .filter(|r| r.path.starts_with(&c.principal.region_path))
        .collect();
    let asked = p.region_id > 0;
    if p.region_id == 0 {
        p.region_id = mine
            .iter()
            .find(|r| r.level == "county")
            .or(mine.first())
            .map(|r| r.id)
            .unwrap_or(0);
    }
    let tr = Tr(c.locale);
    let mut page = RotationPage {
        shell: Shell::new(&c, "rotation"),
        regions: opts(
            mine.iter().map(|r| (r.id.to_string(), r.name.clone())),
            &p.region_id.to_string(),
        ),
        region_id: p.region_id,
        year: p.year,
        time_limit: p.time_limit.to_string(),
        ran: false,
        summary: String::new(),
        gap: String::new(),
        moves: vec![],
        cv: vec![],
        quotas: vec![],
        notes: vec![],
        forbidden: p.forbids.iter().map(|f| f.to_string()).collect(),
    };
    if asked {
        check_region(&st, &c, p.region_id).await.or_page(&c)?;
        let mut inputs = st
            .store
            .rotation_inputs(p.region_id, p.year)
            .await
            .or_page(&c)?;
        let forbids: Vec<(i64, Option<i64>)> = p.forbids.iter().map(|t| (*t, None)).collect();
        let locks: Vec<(i64, i64)> = p
            .locks
            .iter()
            .filter(|(t, _)| !p.forbids.contains(t))
            .copied()
            .collect();
        rotation::constrain(&mut inputs, &locks, &forbids);
        let limit = std::time::Duration::from_secs_f64(p.time_limit);
        let (inputs, plan) = tokio::task::spawn_blocking(move || {
            let r = rotation::solve(&inputs.input, limit, &mut |_| {});
            (inputs, r)
        })
        .await
        .map_err(|_| error_page(&AppError::forbidden(), c.locale))?;
        let plan = plan.or_page(&c)?;
        let school = |key: &str| key.to_owned();
        let school_id = |key: &str| {
            inputs
                .school_by_key
                .get(key)
                .map(|i| i.to_string())
                .unwrap_or_default()
        };
        let teacher = |id: &str| {
            id.parse::<i64>()
                .ok()
                .and_then(|i| inputs.teachers.get(&i))
                .map(|t| t.name.clone())
                .unwrap_or_else(|| id.to_owned())
        };
        let comp = &plan.compliance;
        page.ran = true;
        page.summary = tr
            .t("rotation.summary")
            .replacen("{}", &inputs.input.teachers.len().to_string(), 1)
            .replacen("{}", &comp.eligible_total.to_string(), 1)
            .replacen(
                "{}",
                &format!("{}（{:.1}%）", comp.moved, comp.moved_share * 100.0),
                1,
            )
            .replacen(
                "{}",
                &format!(
                    "{}（{:.1}%）",
                    comp.backbone_moved,
                    comp.backbone_share * 100.0
                ),
                1,
            );
        page.gap = tr
            .t("rotation.gap_line")
            .replacen("{}", &format!("{:.6}", plan.objective.total), 1)
            .replacen("{}", &format!("{:.6}", plan.lower_bound), 1)
            .replacen("{}", &format!("{:.2}%", plan.gap * 100.0), 1);
        page.moves = plan
            .moves
            .iter()
            .map(|m| MoveRow {
                teacher: teacher(&m.teacher),
                teacher_id: m.teacher.clone(),
                from: school(&m.from),
                to: school(&m.to),
                to_id: school_id(&m.to),
                stage: tr
                    .t(&format!("rotation.stage_{}", m.stage.key()))
                    .to_owned(),
                km: format!("{:.1}", m.distance_km),
                term: m.term_years,
                backbone: m.backbone,
                degree: m.higher_degree,
                locked: m.locked,
                reasons: m.reasons.join("；"),
            })
            .collect();
        page.cv = plan
            .cv
            .iter()
            .map(|cv| CvRow {
                stage: tr
                    .t(&format!("rotation.stage_{}", cv.stage.key()))
                    .to_owned(),
                indicator: cv.indicator.label_zh().to_owned(),
                before: format!("{:.4}", cv.before),
                after: format!("{:.4}", cv.after),
                pass: cv.pass_after,
            })
            .collect();
        page.quotas = plan
            .quotas
            .iter()
            .map(|qq| QuotaRow {
                school: school(&qq.school),
                eligible: qq.eligible,
                required: qq.required,
                sent: qq.sent,
                met: qq.met,
            })
            .collect();
        page.notes = inputs
            .notes
            .iter()
            .cloned()
            .chain(plan.infeasibilities.iter().cloned())
            .collect();
    }
    render(&page)
}

pub async fn accept(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<Vec<(String, String)>>,
) -> PageResult {
    let map: HashMap<String, String> = f.iter().filter(|(k, _)| k == "_csrf").cloned().collect();
    csrf_ok(&c, &map)?;
    if !allowed(&st, &c) {
        return Err(error_page(&AppError::forbidden(), c.locale));
    }
    let p = params(&f);
    check_region(&st, &c, p.region_id).await.or_page(&c)?;
    let moves: Vec<(i64, i64, u8)> = f
        .iter()
        .filter(|(k, _)| k == "move")
        .filter_map(|(_, v)| {
            let mut it = v.split(':');
            Some((
                it.next()?.parse().ok()?,
                it.next()?.parse().ok()?,
                it.next().and_then(|t| t.parse().ok()).unwrap_or(1),
            ))
        })
        .collect();
    st.store
        .accept_rotation(&c.actor(), p.region_id, p.year, &moves)
        .await
        .or_page(&c)?;
    Ok(see_other("/exchanges", "notice.rotation_accepted"))
}
