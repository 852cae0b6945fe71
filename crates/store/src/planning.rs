//! Planning over the registry: the inputs the engines need, read from the store, and the
//! engines' answers shaped for people (workbook rows, JSON). Used by `gongjin plan` and the pages.

use crate::records::{Region, School};
use crate::scope::Visible;
use crate::{Store, StoreError};
use gongjin_grouping::{ExistingCommunity, LeaderRule, Proposal, Rules, SchoolInput};
use gongjin_sheet::Cell;
use std::collections::HashMap;

type Result<T> = std::result::Result<T, StoreError>;

/// Finds a region by id or by name (conflict errors name the problem).
pub async fn region(store: &Store, r: &str) -> Result<Region> {
    if let Ok(id) = r.parse::<i64>() {
        return store.get_region(id).await;
    }
    let found = store.regions_named(r.trim()).await?;
    match found.len() {
        0 => Err(StoreError::conflict("error.unknown_region", r.trim())),
        1 => Ok(found.into_iter().next().expect("one region")),
        _ => Err(StoreError::conflict("error.ambiguous_region", r.trim())),
    }
}

/// A school's strength for grouping (0–100): its percentile among the region's schools by backbone
/// teachers per 100 pupils (the balance indicator `backbone_teachers_per_100` from the registry),
/// ties broken by the share of backbone teachers among its staff.
pub fn strengths(schools: &[School], staff: &HashMap<i64, (i64, i64)>) -> HashMap<i64, f64> {
    let value = |s: &School| {
        let (n, b) = staff.get(&s.id).copied().unwrap_or((0, 0));
        let pupils = (s.primary_enrolment + s.junior_enrolment).max(1) as f64;
        (
            b as f64 * 100.0 / pupils,
            if n > 0 { b as f64 / n as f64 } else { 0.0 },
        )
    };
    let mut order: Vec<(i64, (f64, f64))> = schools.iter().map(|s| (s.id, value(s))).collect();
    order.sort_by(|a, b| {
        a.1.partial_cmp(&b.1)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then(a.0.cmp(&b.0))
    });
    let n = order.len().max(2) as f64 - 1.0;
    order
        .iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, (i as f64 * 100.0 / n).min(100.0)))
        .collect()
}

pub struct Run {
    pub region: Region,
    pub schools: Vec<School>,
    pub proposal: Proposal,
    pub covered_before: usize,
}

/// Runs the grouping recommender over a region's schools, keeping its communities as they are.
/// Runs the grouping recommender over a region's schools, keeping its communities as they are.
pub async fn communities(store: &Store, region: Region, rules: &Rules) -> Result<Run> {
    let visible = Visible::RegionPrefix(region.path.clone());
    let schools = store.all_schools(&visible).await?;
    let staff = store.school_staff_counts(&region.path).await?;
    let strength = strengths(&schools, &staff);
    let inputs: Vec<SchoolInput> = schools
        .iter()
        .filter_map(|s| {
            let (Some(lon), Some(lat)) = (s.longitude, s.latitude) else {
                return None;
            };
            Some(SchoolInput {
                id: s.id,
                name: s.name.clone(),
                stage: gongjin_domain::Stage::parse(&s.stage)?,
                locality: gongjin_domain::Locality::parse(&s.locality)?,
                public: s.ownership == "public",
                lon,
                lat,
                enrolment: s.primary_enrolment + s.junior_enrolment,
                strength: strength.get(&s.id).copied().unwrap_or(0.0),
                may_lead: s.membership_role.as_deref() == Some("core"),
                region_id: s.region_id,
            })
        })
        .collect();
    let ids: std::collections::HashSet<i64> = inputs.iter().map(|s| s.id).collect();
    // Every existing community the planner sees (never a page of them): its schools stay put.
    let mut existing = vec![];
    for c in store.communities_in(&visible).await? {
        if !ids.contains(&c.community.core_school_id) {
            continue;
        }
        let members = c
            .members
            .iter()
            .filter(|m| m.role != "core" && ids.contains(&m.school_id))
            .map(|m| m.school_id)
            .collect();
        existing.push(ExistingCommunity {
            core: c.community.core_school_id,
            members,
        });
    }
    // A school in a community the planner could not keep (its core has no coordinates) is still
    // in that community: it is never proposed elsewhere.
    let kept: std::collections::HashSet<i64> = existing
        .iter()
        .flat_map(|c| std::iter::once(c.core).chain(c.members.iter().copied()))
        .collect();
    let in_community: std::collections::HashSet<i64> = schools
        .iter()
        .filter(|s| s.community_id.is_some())
        .map(|s| s.id)
        .collect();
    let inputs: Vec<SchoolInput> = inputs
        .into_iter()
        .filter(|s| !in_community.contains(&s.id) || kept.contains(&s.id))
        .collect();
    let covered_before = schools
        .iter()
        .filter(|s| s.community_id.is_some() && s.ownership == "public")
        .count();
    let proposal = gongjin_grouping::recommend(&inputs, &existing, rules)
        .map_err(|e| StoreError::conflict("error.conflict", e))?;
    Ok(Run {
        region,
        schools,
        proposal,
        covered_before,
    })
}

pub fn default_rules(max_members: usize, max_km: f64, fill_existing: bool) -> Rules {
    Rules {
        max_members,
        max_km,
        fill_existing,
        leaders: LeaderRule::Either { top_share: 0.3 },
        ..Rules::default()
    }
}

/// The proposal as sheet rows: one row per (core, member) pair, kept ones marked.
pub fn rows(run: &Run) -> (Vec<&'static str>, Vec<Vec<Cell>>) {
    let names: HashMap<i64, &School> = run.schools.iter().map(|s| (s.id, s)).collect();
    let name = |id: i64| {
        names
            .get(&id)
            .map(|s| s.name.clone())
            .unwrap_or_else(|| format!("#{id}"))
    };
    let code = |id: i64| names.get(&id).map(|s| s.code.clone()).unwrap_or_default();
    let headers = vec![
        "方案序号",
        "核心校",
        "核心校标识码",
        "成员校",
        "成员校标识码",
        "距离（公里）",
        "实力差",
        "状态",
        "理由",
    ];
    let mut out = vec![];
    for (i, c) in run.proposal.communities.iter().enumerate() {
        for m in &c.members {
            out.push(vec![
                Cell::Int(i as i64 + 1),
                Cell::Text(name(c.core)),
                Cell::Text(code(c.core)),
                Cell::Text(name(m.school)),
                Cell::Text(code(m.school)),
                Cell::Float((m.km * 10.0).round() / 10.0),
                Cell::Float((m.lift * 10.0).round() / 10.0),
                Cell::Text(
                    if m.kept {
                        "保持"
                    } else if c.existing {
                        "新加入现有教共体"
                    } else {
                        "新组建"
                    }
                    .into(),
                ),
                Cell::Text(m.reason.clone()),
            ]);
        }
    }
    for u in &run.proposal.uncovered {
        out.push(vec![
            Cell::Empty,
            Cell::Empty,
            Cell::Empty,
            Cell::Text(name(u.school)),
            Cell::Text(code(u.school)),
            Cell::Empty,
            Cell::Empty,
            Cell::Text("未覆盖".into()),
            Cell::Text(u.explanation.clone()),
        ]);
    }
    (headers, out)
}

/// The `--json` document: the proposal, its objective with the bound and gap (the solve is exact:
/// the bound equals the objective), and coverage before and after.
pub fn json(run: &Run, rules: &Rules) -> serde_json::Value {
    serde_json::json!({
        "region": { "id": run.region.id, "name": run.region.name },
        "rules": { "max_members": rules.max_members, "max_km": rules.max_km, "fill_existing": rules.fill_existing, "weight_km": rules.weight_km, "weight_lift": rules.weight_lift },
        "proposal": run.proposal,
        "objective": run.proposal.objective,
        "bound": run.proposal.objective,
        "gap": 0.0,
        "coverage": {
            "eligible": run.proposal.eligible,
            "covered_before": run.covered_before,
            "covered_after": run.proposal.covered,
            "share_before": if run.proposal.eligible == 0 { 0.0 } else { run.covered_before as f64 / run.proposal.eligible as f64 },
            "share_after": if run.proposal.eligible == 0 { 0.0 } else { run.proposal.covered as f64 / run.proposal.eligible as f64 },
        },
    })
}

/// What accepting a grouping proposal created.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Accepted {
    pub batch: i64,
    pub communities: Vec<i64>,
    pub members_added: usize,
}

impl Store {
    /// Turns a proposal into real records, all or nothing: each new community is created around
    /// its core (kind `kind`, the next batch of the region, founded `today`), members joining it;
    /// kept communities receive their new members. Every community is audited.
    pub async fn accept_grouping(
        &self,
        actor: &crate::Actor,
        run: &Run,
        kind: &str,
        today: chrono::NaiveDate,
    ) -> Result<Accepted> {
        let names: HashMap<i64, &School> = run.schools.iter().map(|s| (s.id, s)).collect();
        let mut tx = self.begin_write().await?;
        let batch: i64 = sqlx::query_scalar(
            "SELECT CAST(COALESCE(MAX(m.batch), 0) AS BIGINT) FROM memberships m JOIN schools s ON s.id = m.school_id JOIN regions r ON r.id = s.region_id WHERE r.path LIKE $1",
        )
        .bind(format!("{}%", run.region.path))
        .fetch_one(&mut *tx)
        .await?;
        let batch = batch + 1;
        let day = today.format("%Y-%m-%d").to_string();
        let mut out = Accepted {
            batch,
            ..Default::default()
        };
        for c in &run.proposal.communities {
            let new_members: Vec<i64> = c
                .members
                .iter()
                .filter(|m| !m.kept)
                .map(|m| m.school)
                .collect();
            if new_members.is_empty() {
                continue;
            }
            let core = names.get(&c.core).ok_or(StoreError::NotFound)?;
            let community_id = if c.existing {
                sqlx::query_scalar::<_, i64>(
                    "SELECT community_id FROM memberships WHERE school_id = $1 AND left_on IS NULL",
                )
                .bind(c.core)
                .fetch_optional(&mut *tx)
                .await?
                .ok_or(StoreError::NotFound)?
            } else {
                crate::communities::ensure_free(&mut tx, c.core).await?;
                let taken: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM communities WHERE region_id = $1 AND name = $2",
                )
                .bind(core.region_id)
                .bind(format!("{}教共体", core.name))
                .fetch_one(&mut *tx)
                .await?;
                let name = if taken == 0 {
                    format!("{}教共体", core.name)
                } else {
                    format!(
                        "{}教共体（{}）",
                        core.name,
                        gongjin_domain::batch_label(batch)
                    )
                };
                let now = crate::now();
                let id: i64 = sqlx::query_scalar(
                    "INSERT INTO communities (name, region_id, kind, core_school_id, pilot_level, cross_region, first_responsible, second_responsible, bureau_leader, founded_on, created_at, updated_at) \
                     VALUES ($1, $2, $3, $4, 'none', 0, '', '', '', $5, $6, $6) RETURNING id",
                )
                .bind(name.clone())
                .bind(core.region_id)
                .bind(kind.to_owned())
                .bind(c.core)
                .bind(day.clone())
                .bind(now)
                .fetch_one(&mut *tx)
                .await?;
                crate::communities::insert_membership(&mut tx, id, c.core, "core", batch, &day, "")
                    .await?;
                out.communities.push(id);
                id
            };
            for m in &new_members {
                crate::communities::ensure_free(&mut tx, *m).await?;
                crate::communities::insert_membership(
                    &mut tx,
                    community_id,
                    *m,
                    "member",
                    batch,
                    &day,
                    "",
                )
                .await?;
                out.members_added += 1;
            }
            let path = crate::schools::region_path(&mut tx, core.region_id).await?;
            crate::audit::record(
                &mut tx,
                actor,
                crate::audit::Change {
                    action: "accept_plan",
                    entity: "community",
                    entity_id: Some(community_id),
                    region_path: &path,
                    summary: format!("{} + {} 所成员校（{}）", core.name, new_members.len(), gongjin_domain::batch_label(batch)),
                    before: None,
                    after: Some(serde_json::json!({ "core": c.core, "members": new_members, "batch": batch })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(out)
    }
}
