//! Planning pages: the community grouping proposal (组建教共体) for a bureau administrator, and
//! accepting it into real communities.

use super::common::*;
use crate::AppState;
use crate::auth::Caller;
use crate::error::AppError;
use askama::Template;
use axum::extract::{Query, State};
use axum::routing::{get, post};
use axum::{Form, Router};
use gongjin_domain::authz::{Action, Resource};
use gongjin_store::planning::{self, Run};
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/plan/communities", get(page))
        .route("/plan/communities/accept", post(accept))
}

pub struct Pair {
    pub member: String,
    pub km: String,
    pub lift: String,
    pub reason: String,
    pub kept: bool,
}

pub struct Proposed {
    pub core: String,
    pub existing: bool,
    pub pairs: Vec<Pair>,
}

#[derive(Template)]
#[template(path = "plan_communities.html")]
struct PlanPage {
    shell: Shell,
    regions: Vec<Opt>,
    kinds: Vec<Opt>,
    max_members: String,
    max_km: String,
    fill_existing: bool,
    region_id: i64,
    ran: bool,
    summary: String,
    proposed: Vec<Proposed>,
    uncovered: Vec<(String, String)>,
    new_count: usize,
}

struct Params {
    region_id: i64,
    max_members: usize,
    max_km: f64,
    fill_existing: bool,
}

fn params(q: &HashMap<String, String>) -> Params {
    Params {
        region_id: q.get("region_id").and_then(|s| s.parse().ok()).unwrap_or(0),
        max_members: q
            .get("max_members")
            .and_then(|s| s.parse().ok())
            .unwrap_or(2)
            .clamp(1, 10),
        max_km: q
            .get("max_km")
            .and_then(|s| s.parse().ok())
            .filter(|k: &f64| *k > 0.0)
            .unwrap_or(30.0)
            .min(500.0),
        fill_existing: q.get("fill_existing").is_some_and(|v| !v.is_empty()),
    }
}

async fn run(st: &AppState, c: &Caller, p: &Params) -> Result<Run, AppError> {
    let place = st.store.place_of_region(p.region_id).await?;
    c.require(Action::Write, Resource::RegionSettings, &place)?;
    let region = st.store.get_region(p.region_id).await?;
    let rules = planning::default_rules(p.max_members, p.max_km, p.fill_existing);
    Ok(planning::communities(&st.store, region, &rules).await?)
}

pub async fn page(
    State(st): State<AppState>,
    Ui(c): Ui,
    Query(q): Query<HashMap<String, String>>,
) -> PageResult {
    if c.principal.role != gongjin_domain::Role::BureauAdmin {
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
    if p.region_id == 0 {
        p.region_id = mine
            .iter()
            .find(|r| r.level == "county")
            .or(mine.first())
            .map(|r| r.id)
            .unwrap_or(0);
    }
    let tr = Tr(c.locale);
    let kinds = match st.store.community_kinds(p.region_id).await {
        Ok(k) => opts(k.into_iter().map(|k| (k.key, k.name)), "co_built"),
        Err(_) => vec![],
    };
    let mut page = PlanPage {
        shell: Shell::new(&c, "plan"),
        regions: opts(
            mine.iter().map(|r| (r.id.to_string(), r.name.clone())),
            &p.region_id.to_string(),
        ),
        kinds,
        max_members: p.max_members.to_string(),
        max_km: p.max_km.to_string(),
        fill_existing: p.fill_existing,
        region_id: p.region_id,
        ran: false,
        summary: String::new(),
        proposed: vec![],
        uncovered: vec![],
        new_count: 0,
    };
    if q.contains_key("region_id") && p.region_id > 0 {
        let r = run(&st, &c, &p).await.or_page(&c)?;
        let names: HashMap<i64, String> =
            r.schools.iter().map(|s| (s.id, s.name.clone())).collect();
        let name = |id: i64| names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"));
        let pct = |n: usize| {
            if r.proposal.eligible == 0 {
                0.0
            } else {
                n as f64 * 100.0 / r.proposal.eligible as f64
            }
        };
        page.ran = true;
        page.new_count = r
            .proposal
            .communities
            .iter()
            .filter(|c| c.members.iter().any(|m| !m.kept))
            .count();
        page.summary = tr
            .t("plan.summary")
            .replacen("{}", &r.proposal.eligible.to_string(), 1)
            .replacen(
                "{}",
                &format!("{}（{:.1}%）", r.covered_before, pct(r.covered_before)),
                1,
            )
            .replacen(
                "{}",
                &format!("{}（{:.1}%）", r.proposal.covered, pct(r.proposal.covered)),
                1,
            )
            .replacen("{}", &format!("{:.1}", r.proposal.objective), 1);
        page.proposed = r
            .proposal
            .communities
            .iter()
            .filter(|pc| pc.members.iter().any(|m| !m.kept))
            .map(|pc| Proposed {
                core: name(pc.core),
                existing: pc.existing,
                pairs: pc
                    .members
                    .iter()
                    .map(|m| Pair {
                        member: name(m.school),
                        km: format!("{:.1}", m.km),
                        lift: format!("{:+.1}", m.lift),
                        reason: m.reason.clone(),
                        kept: m.kept,
                    })
                    .collect(),
            })
            .collect();
        page.uncovered = r
            .proposal
            .uncovered
            .iter()
            .map(|u| (name(u.school), u.explanation.clone()))
            .collect();
    }
    render(&page)
}

pub async fn accept(
    State(st): State<AppState>,
    Ui(c): Ui,
    Form(f): Form<HashMap<String, String>>,
) -> PageResult {
    csrf_ok(&c, &f)?;
    let p = params(&f);
    let r = run(&st, &c, &p).await.or_page(&c)?;
    let kind = f.get("kind").cloned().unwrap_or_else(|| "co_built".into());
    let kinds: Vec<String> = st
        .store
        .community_kinds(p.region_id)
        .await
        .or_page(&c)?
        .into_iter()
        .map(|k| k.key)
        .collect();
    if !kinds.contains(&kind) {
        return Err(error_page(
            &AppError::field("kind", "error.choice", Some(kind)),
            c.locale,
        ));
    }
    st.store
        .accept_grouping(&c.actor(), &r, &kind, gongjin_store::today())
        .await
        .or_page(&c)?;
    Ok(see_other("/communities", "notice.plan_accepted"))
}
