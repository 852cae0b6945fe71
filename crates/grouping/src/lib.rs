//! Community grouping recommender (组建教共体): proposes which schools lead an education community
//! (核心校) and which member schools (成员校) join which core, for a bureau's public compulsory schools.
//!
//! Pure: values in, values out; no IO, no clock, no randomness. Deterministic: the schools are
//! processed in id order, so the same input (in any order) gives the same proposal.
//!
//! # The model (what "optimal" means here)
//!
//! **Scope.** Only public schools (`public == true`) are grouped; private schools are reported as
//! [`UncoveredReason::Private`]. Every [`gongjin_domain::Stage`] is compulsory education, so every
//! public school is *eligible*. In cross-region mode (山海协作, `Rules::cross_region = Some((a, b))`)
//! only schools of regions `a` and `b` are in scope; the rest are reported as
//! [`UncoveredReason::OutsideCrossRegion`] and are not eligible.
//!
//! **Existing communities** are kept exactly as they are: their schools are never re-assigned and
//! never become new cores or members elsewhere. With `fill_existing`, a kept community whose core is
//! public may receive new members up to `max_members` in total (capacity `max_members − |members|`).
//!
//! **Roles are decided by the leader rule before optimising.** Among the free (not in a kept
//! community) public schools in scope — in cross-region mode, the free public schools of region `a` —
//! the leader-eligible schools `L` are:
//! * [`LeaderRule::Strongest`]: the `⌈top_share · n⌉` strongest (strength descending, id ascending on
//!   ties) of those `n` schools;
//! * [`LeaderRule::Marked`]: those with `may_lead`;
//! * [`LeaderRule::Either`]: the union of both.
//!
//! A leader-eligible school is a *candidate core*; every other free school in scope is a *candidate
//! member* (in cross-region mode: every free public school of region `b`; schools of region `a` that
//! may not lead are not grouped, [`UncoveredReason::CannotLeadInCrossRegion`]). A candidate core is
//! never made a member: the roles are a partition given by the rule, so a strong school is never
//! "spent" as a member of another strong school.
//!
//! **Decision.** Assign each candidate member to at most one *receiving core* (a candidate core, or
//! with `fill_existing` a kept core with spare capacity) such that
//! 1. the core and the member are stage-compatible: they share a stage part, where the primary part
//!    is held by primary, nine-year and twelve-year schools and the junior part by junior, nine-year
//!    and twelve-year schools ([`compatible`]);
//! 2. their distance is at most `max_km` (road distance from `road_km` when the table has the pair,
//!    otherwise great-circle distance, [`distance_km`]);
//! 3. a candidate core gets at most `max_members` members, a kept core at most its spare capacity;
//! 4. in cross-region mode, the core is of region `a` and the member of region `b`.
//!
//! A candidate core with no member is simply not a core (it is not proposed and not covered).
//!
//! **Objective, lexicographic.**
//! 1. Maximise the number of covered eligible schools. A school is covered if it is a member, or the
//!    core of a community with at least one member (kept members included).
//! 2. Among those, minimise `Σ over new (core c, member m) of weight_km · km(c, m) − weight_lift ·
//!    lift(c, m)`, where `lift(c, m) = max(0, strength(c) − strength(m))` in strength points (0–100)
//!    and `km` in kilometres. With the default weights 1 and 1, one kilometre of travel is worth one
//!    point of strength gap; the weights are the bureau's knob. Kept assignments are not part of
//!    the objective (they are not decided here).
//!
//! # Why the answer is exactly optimal
//!
//! With roles fixed, the problem is a min-cost flow: source → each candidate member (capacity 1) →
//! each compatible receiving core within reach (capacity 1, cost `(−1, money(c, m))`) → sink. A core
//! that has no member yet has two arcs to the sink: one of capacity 1 and cost `(−1, 0)` (its first
//! member also covers the core itself) and one of capacity `cap − 1` and cost `(0, 0)`; a kept core
//! that already has members has one arc of capacity `cap` and cost 0. The per-core cost is convex
//! in the number of members (first unit cheaper than the rest), so any min-cost flow uses the bonus
//! arc first, and the cost of an integral flow is exactly `(−covered_new, money)` of the
//! corresponding assignment. Costs are pairs ordered lexicographically, which encodes "coverage
//! first, then money" without a big-M constant. Min-cost flow with integer capacities has an
//! integral optimum, which successive shortest paths find: [`flow::assign`] (the specialised form of
//! [`flow::Network::min_cost_any_flow`]) adds
//! the members one at a time and, for each, augments along the cheapest cycle through it if that
//! cycle is negative (Dijkstra with potentials); after the last member the flow is optimal over
//! flows of every value (see the proof there). The money term is
//! rounded to 10⁻⁶ objective units per pair before optimising, so the optimum is exact for costs
//! rounded to six decimals (the reported `objective` is the unrounded sum).
//!
//! The graph is sparse: candidate pairs are found with a 3-D grid over the sphere (cells of
//! `max_km`), and each connected component of the candidate graph is solved on its own (the
//! components share no school, so this is exact too).
//!
//! What the model does not do: choose whether a leader-eligible school should rather be a member.
//! Allowing every school to be either core or member makes the problem a weighted capacitated
//! star packing in a general graph (already with one member per core it is a general, non-bipartite
//! matching), which a flow cannot express; the leader rule is the bureau's statement of who leads.

pub mod flow;
pub mod geo;

use flow::Cost;
use gongjin_domain::{Locality, Stage};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Objective units per unit of money in the flow (10⁻⁶ resolution).
const MONEY_SCALE: f64 = 1e6;
/// Largest allowed `weight_km · max_km + weight_lift · 100`: keeps fixed-point sums far from overflow.
const MAX_EDGE_COST: f64 = 1e6;
/// Half the Earth's circumference: no great-circle distance exceeds it.
const MAX_KM_LIMIT: f64 = 20_100.0;

/// One school as the recommender sees it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolInput {
    pub id: i64,
    pub name: String,
    pub stage: Stage,
    pub locality: Locality,
    pub public: bool,
    /// Longitude, degrees (−180..=180).
    pub lon: f64,
    /// Latitude, degrees (−90..=90).
    pub lat: f64,
    /// Not used by the model; carried for the caller.
    pub enrolment: i64,
    /// 0–100, higher is stronger.
    pub strength: f64,
    /// Marked by the bureau as allowed to be a core.
    pub may_lead: bool,
    pub region_id: i64,
}

/// A community that already exists and is kept as it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingCommunity {
    pub core: i64,
    pub members: Vec<i64>,
}

/// Who may be a core school.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum LeaderRule {
    /// The strongest `top_share` (0–1) of the schools being grouped may lead.
    Strongest { top_share: f64 },
    /// Only schools marked `may_lead`.
    Marked,
    /// Marked schools and the strongest `top_share`.
    Either { top_share: f64 },
}

/// The bureau's rules for a grouping run.
#[derive(Debug, Clone, PartialEq)]
pub struct Rules {
    /// X in 1+X: a core has 1..=X members.
    pub max_members: usize,
    /// Greatest distance between a core and a member, km.
    pub max_km: f64,
    /// Road distances (km) by pair of school ids, looked up in either order. Pairs missing from the
    /// table use the great-circle distance. Road distances are assumed never shorter than the
    /// great-circle distance (candidate pairs are pre-selected by great-circle distance).
    pub road_km: Option<HashMap<(i64, i64), f64>>,
    pub leaders: LeaderRule,
    /// Objective weight of one kilometre.
    pub weight_km: f64,
    /// Objective weight of one strength point of lift.
    pub weight_lift: f64,
    /// Whether kept communities may receive new members up to `max_members`.
    pub fill_existing: bool,
    /// 山海协作: cores only from the first region, members only from the second.
    pub cross_region: Option<(i64, i64)>,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            max_members: 2,
            max_km: 30.0,
            road_km: None,
            leaders: LeaderRule::Either { top_share: 0.3 },
            weight_km: 1.0,
            weight_lift: 1.0,
            fill_existing: false,
            cross_region: None,
        }
    }
}

/// The recommendation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Proposal {
    /// Kept communities (`existing == true`, with any new members) and new ones, by core id.
    pub communities: Vec<ProposedCommunity>,
    /// Every school in the input that is in no community, by school id, with the reason.
    pub uncovered: Vec<Uncovered>,
    /// `Σ weight_km · km − weight_lift · lift` over the new (core, member) pairs.
    pub objective: f64,
    /// Eligible schools covered by the proposal (kept communities included).
    pub covered: usize,
    /// Public schools in scope.
    pub eligible: usize,
    pub stats: Stats,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProposedCommunity {
    pub core: i64,
    /// A kept community (possibly with new members).
    pub existing: bool,
    /// By school id.
    pub members: Vec<Assignment>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub school: i64,
    /// Distance to the core (road or great-circle), km.
    pub km: f64,
    /// `max(0, strength(core) − strength(member))`.
    pub lift: f64,
    /// A member of a kept community that stays (not decided by this run).
    pub kept: bool,
    /// Why, in Chinese, e.g. "距核心校 12.3 公里，学段相容（小学），实力差 +18.5".
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Uncovered {
    pub school: i64,
    pub reason: UncoveredReason,
    /// Why, in Chinese.
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum UncoveredReason {
    /// Private schools are not grouped.
    Private,
    /// Cross-region mode: the school is in neither of the two regions.
    OutsideCrossRegion,
    /// Cross-region mode: a school of the core region that the leader rule does not let lead.
    CannotLeadInCrossRegion,
    /// A candidate member with no stage-compatible core within `max_km`; `nearest_km` is the
    /// nearest compatible receiving core at any distance, if there is one.
    NoCompatibleCoreWithinKm { nearest_km: Option<f64> },
    /// A candidate member whose `candidates` compatible cores within reach are all full.
    AllNearbyCoresFull { candidates: usize },
    /// A candidate core with no compatible candidate member within `max_km`.
    NoCompatibleMemberWithinKm,
    /// A candidate core whose `candidates` reachable members were all better placed elsewhere.
    NearbyMembersAssignedElsewhere { candidates: usize },
    /// The core of a kept community with no member, which received none.
    ExistingCommunityWithoutMembers,
}

/// Size of the problem that was solved.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Stats {
    pub core_candidates: usize,
    pub member_candidates: usize,
    /// Receiving cores of kept communities (with `fill_existing`).
    pub kept_cores_receiving: usize,
    /// Compatible (core, member) pairs within reach.
    pub candidate_pairs: usize,
    /// Connected components solved independently.
    pub components: usize,
    /// Schools in the largest component.
    pub largest_component: usize,
    /// Shortest augmenting paths (negative cycles) used in total.
    pub augmentations: usize,
    /// Nodes settled by Dijkstra, summed over all searches (work done).
    pub settled: usize,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GroupingError {
    #[error("school id {0} appears more than once")]
    DuplicateSchool(i64),
    #[error(
        "school {id}: invalid coordinates (lon {lon}, lat {lat}); need finite lon in -180..=180 and lat in -90..=90"
    )]
    InvalidCoordinates { id: i64, lon: f64, lat: f64 },
    #[error("school {id}: strength {strength} is not a number in 0..=100")]
    InvalidStrength { id: i64, strength: f64 },
    #[error("existing community with core {core}: unknown school id {id}")]
    UnknownSchool { core: i64, id: i64 },
    #[error("school {0} is in more than one existing community (or twice in one)")]
    SchoolInTwoCommunities(i64),
    #[error("invalid rules: {0}")]
    InvalidRules(String),
}

/// Whether a core of stage `a` and a member of stage `b` share a stage part (primary part: primary,
/// nine-year, twelve-year; junior part: junior, nine-year, twelve-year). Symmetric.
pub fn compatible(a: Stage, b: Stage) -> bool {
    (a.has_primary() && b.has_primary()) || (a.has_junior() && b.has_junior())
}

/// The shared stage parts in Chinese, e.g. "小学", "初中" or "小学、初中".
fn shared_parts(a: Stage, b: Stage) -> &'static str {
    match (
        a.has_primary() && b.has_primary(),
        a.has_junior() && b.has_junior(),
    ) {
        (true, true) => "小学、初中",
        (true, false) => "小学",
        (false, true) => "初中",
        (false, false) => "无",
    }
}

/// Distance used by the model: the road distance from the table (either order) if present, else
/// the great-circle distance. Returns the distance and whether it is a road distance.
pub fn distance_km(a: &SchoolInput, b: &SchoolInput, rules: &Rules) -> (f64, bool) {
    if let Some(table) = &rules.road_km
        && let Some(&d) = table
            .get(&(a.id, b.id))
            .or_else(|| table.get(&(b.id, a.id)))
    {
        return (d, true);
    }
    (geo::haversine_km(a.lon, a.lat, b.lon, b.lat), false)
}

/// Objective term of one pair: `weight_km · km − weight_lift · lift`.
pub fn pair_cost(km: f64, lift: f64, rules: &Rules) -> f64 {
    rules.weight_km * km - rules.weight_lift * lift
}

fn lift(core: &SchoolInput, member: &SchoolInput) -> f64 {
    (core.strength - member.strength).max(0.0)
}

fn validate(
    schools: &[SchoolInput],
    existing: &[ExistingCommunity],
    rules: &Rules,
) -> Result<(), GroupingError> {
    let bad = |m: String| Err(GroupingError::InvalidRules(m));
    if rules.max_members == 0 {
        return bad("max_members must be at least 1".into());
    }
    if !(rules.max_km.is_finite() && rules.max_km > 0.0 && rules.max_km <= MAX_KM_LIMIT) {
        return bad(format!(
            "max_km must be in (0, {MAX_KM_LIMIT}], got {}",
            rules.max_km
        ));
    }
    for (name, w) in [
        ("weight_km", rules.weight_km),
        ("weight_lift", rules.weight_lift),
    ] {
        if !(w.is_finite() && w >= 0.0) {
            return bad(format!("{name} must be finite and ≥ 0, got {w}"));
        }
    }
    if rules.weight_km * rules.max_km + rules.weight_lift * 100.0 > MAX_EDGE_COST {
        return bad(format!(
            "weights too large: weight_km · max_km + weight_lift · 100 must be ≤ {MAX_EDGE_COST}"
        ));
    }
    if let LeaderRule::Strongest { top_share } | LeaderRule::Either { top_share } = rules.leaders
        && !(0.0..=1.0).contains(&top_share)
    {
        return bad(format!("top_share must be in 0..=1, got {top_share}"));
    }
    if let Some(table) = &rules.road_km {
        // Sorted so that the reported pair does not depend on hash order.
        let mut wrong: Vec<_> = table
            .iter()
            .filter(|(_, d)| !(d.is_finite() && **d >= 0.0))
            .map(|(k, _)| *k)
            .collect();
        wrong.sort();
        if let Some((a, b)) = wrong.first() {
            return bad(format!("road_km for ({a}, {b}) must be finite and ≥ 0"));
        }
    }
    if let Some((a, b)) = rules.cross_region
        && a == b
    {
        return bad(format!(
            "cross_region needs two different regions, got {a} twice"
        ));
    }
    let mut seen = HashMap::with_capacity(schools.len());
    for s in schools {
        if seen.insert(s.id, ()).is_some() {
            return Err(GroupingError::DuplicateSchool(s.id));
        }
        if !(s.lon.is_finite()
            && s.lat.is_finite()
            && (-180.0..=180.0).contains(&s.lon)
            && (-90.0..=90.0).contains(&s.lat))
        {
            return Err(GroupingError::InvalidCoordinates {
                id: s.id,
                lon: s.lon,
                lat: s.lat,
            });
        }
        if !(s.strength.is_finite() && (0.0..=100.0).contains(&s.strength)) {
            return Err(GroupingError::InvalidStrength {
                id: s.id,
                strength: s.strength,
            });
        }
    }
    let mut grouped = HashMap::new();
    for c in existing {
        for &id in std::iter::once(&c.core).chain(&c.members) {
            if !seen.contains_key(&id) {
                return Err(GroupingError::UnknownSchool { core: c.core, id });
            }
            if grouped.insert(id, ()).is_some() {
                return Err(GroupingError::SchoolInTwoCommunities(id));
            }
        }
    }
    Ok(())
}

/// What a school is in this run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Private,
    OutsideScope,
    /// Core of kept community `k`.
    KeptCore(usize),
    /// Member of kept community `k`.
    KeptMember(usize),
    CannotLead,
    CoreCandidate,
    MemberCandidate,
}

/// The leader-eligible schools among `pool` (indices into `schools`), per the rule.
fn leaders(schools: &[SchoolInput], pool: &[usize], rule: LeaderRule) -> Vec<bool> {
    let mut out = vec![false; schools.len()];
    let top_share = match rule {
        LeaderRule::Strongest { top_share } | LeaderRule::Either { top_share } => Some(top_share),
        LeaderRule::Marked => None,
    };
    if let Some(share) = top_share {
        let mut by_strength = pool.to_vec();
        by_strength.sort_by(|&a, &b| {
            schools[b]
                .strength
                .total_cmp(&schools[a].strength)
                .then(schools[a].id.cmp(&schools[b].id))
        });
        // ⌈share · n⌉, tolerant to representation error (0.3 · 10 = 3.0000000000000004).
        let k = ((share * pool.len() as f64) - 1e-9).ceil().max(0.0) as usize;
        for &i in by_strength.iter().take(k.min(pool.len())) {
            out[i] = true;
        }
    }
    if matches!(rule, LeaderRule::Marked | LeaderRule::Either { .. }) {
        for &i in pool {
            if schools[i].may_lead {
                out[i] = true;
            }
        }
    }
    out
}

struct Dsu(Vec<usize>);
impl Dsu {
    fn find(&mut self, mut x: usize) -> usize {
        while self.0[x] != x {
            self.0[x] = self.0[self.0[x]];
            x = self.0[x];
        }
        x
    }
    fn union(&mut self, a: usize, b: usize) {
        let (a, b) = (self.find(a), self.find(b));
        if a != b {
            // Smaller index as root: deterministic.
            let (lo, hi) = if a < b { (a, b) } else { (b, a) };
            self.0[hi] = lo;
        }
    }
}

/// Recommends communities for `schools`, keeping `existing`, under `rules`. See the crate
/// documentation for the exact model and why the result is optimal for it.
pub fn recommend(
    schools: &[SchoolInput],
    existing: &[ExistingCommunity],
    rules: &Rules,
) -> Result<Proposal, GroupingError> {
    validate(schools, existing, rules)?;

    // Work in id order: the result does not depend on the input order.
    let mut sorted: Vec<&SchoolInput> = schools.iter().collect();
    sorted.sort_by_key(|s| s.id);
    let schools: Vec<SchoolInput> = sorted.into_iter().cloned().collect();
    let n = schools.len();
    let index: HashMap<i64, usize> = schools.iter().enumerate().map(|(i, s)| (s.id, i)).collect();
    let mut existing: Vec<ExistingCommunity> = existing.to_vec();
    for c in &mut existing {
        c.members.sort_by_key(|id| index[id]);
    }
    existing.sort_by_key(|c| c.core);

    // Roles.
    let in_scope = |s: &SchoolInput| match rules.cross_region {
        None => true,
        Some((a, b)) => s.region_id == a || s.region_id == b,
    };
    let mut role = vec![Role::OutsideScope; n];
    for (k, c) in existing.iter().enumerate() {
        role[index[&c.core]] = Role::KeptCore(k);
        for m in &c.members {
            role[index[m]] = Role::KeptMember(k);
        }
    }
    let mut pool = Vec::new();
    for (i, s) in schools.iter().enumerate() {
        if matches!(role[i], Role::KeptCore(_) | Role::KeptMember(_)) {
            continue;
        }
        role[i] = if !s.public {
            Role::Private
        } else if !in_scope(s) {
            Role::OutsideScope
        } else {
            if rules.cross_region.is_none_or(|(a, _)| s.region_id == a) {
                pool.push(i);
            }
            Role::MemberCandidate
        };
    }
    let may_lead = leaders(&schools, &pool, rules.leaders);
    for &i in &pool {
        role[i] = if may_lead[i] {
            Role::CoreCandidate
        } else if rules.cross_region.is_some() {
            Role::CannotLead
        } else {
            Role::MemberCandidate
        };
    }

    // Receiving cores and their capacity; `bonus` when the first member also covers the core.
    let mut capacity = vec![0usize; n];
    let mut bonus = vec![false; n];
    for (i, s) in schools.iter().enumerate() {
        match role[i] {
            Role::CoreCandidate => {
                capacity[i] = rules.max_members;
                bonus[i] = true;
            }
            Role::KeptCore(k) if rules.fill_existing && s.public => {
                let region_ok = rules.cross_region.is_none_or(|(a, _)| s.region_id == a);
                if region_ok {
                    capacity[i] = rules.max_members.saturating_sub(existing[k].members.len());
                    bonus[i] = existing[k].members.is_empty();
                }
            }
            _ => {}
        }
    }
    let receiving: Vec<usize> = (0..n).filter(|&i| capacity[i] > 0).collect();
    let members: Vec<usize> = (0..n)
        .filter(|&i| role[i] == Role::MemberCandidate)
        .collect();
    let member_ok = |s: &SchoolInput| rules.cross_region.is_none_or(|(_, b)| s.region_id == b);

    // Candidate pairs: (member, core, km, road, money), by member then core index.
    let xyz: Vec<[f64; 3]> = schools.iter().map(|s| geo::to_xyz(s.lon, s.lat)).collect();
    let grid = geo::Grid::new(rules.max_km, receiving.iter().map(|&c| (c, xyz[c])));
    let mut pairs: Vec<(usize, usize, i64)> = Vec::new();
    let mut near = Vec::new();
    for &m in &members {
        let sm = &schools[m];
        if !member_ok(sm) {
            continue;
        }
        near.clear();
        grid.near(xyz[m], &mut near);
        near.sort_unstable();
        for &c in &near {
            let sc = &schools[c];
            if !compatible(sc.stage, sm.stage)
                || geo::haversine_km(sc.lon, sc.lat, sm.lon, sm.lat) > rules.max_km
            {
                continue;
            }
            let (km, _) = distance_km(sc, sm, rules);
            if km > rules.max_km {
                continue;
            }
            let money = (pair_cost(km, lift(sc, sm), rules) * MONEY_SCALE).round() as i64;
            pairs.push((m, c, money));
        }
    }

    // Components of the candidate graph.
    let mut dsu = Dsu((0..n).collect());
    for &(m, c, _) in &pairs {
        dsu.union(m, c);
    }
    let mut comp_of_root: HashMap<usize, usize> = HashMap::new();
    let mut comps: Vec<(Vec<usize>, Vec<usize>, Vec<usize>)> = Vec::new(); // (members, cores, pair idx)
    let mut node_of = vec![usize::MAX; n];
    for (p, &(m, c, _)) in pairs.iter().enumerate() {
        let r = dsu.find(m);
        let k = *comp_of_root.entry(r).or_insert_with(|| {
            comps.push(Default::default());
            comps.len() - 1
        });
        let comp = &mut comps[k];
        for (v, list) in [(m, &mut comp.0), (c, &mut comp.1)] {
            if node_of[v] == usize::MAX {
                node_of[v] = list.len();
                list.push(v);
            }
        }
        comp.2.push(p);
    }

    let mut stats = Stats {
        core_candidates: role.iter().filter(|r| **r == Role::CoreCandidate).count(),
        member_candidates: members.len(),
        kept_cores_receiving: receiving
            .iter()
            .filter(|&&i| matches!(role[i], Role::KeptCore(_)))
            .count(),
        candidate_pairs: pairs.len(),
        components: comps.len(),
        ..Stats::default()
    };

    // Solve each component exactly.
    let mut assigned_to = vec![usize::MAX; n];
    for (cm, cc, cp) in &comps {
        stats.largest_component = stats.largest_component.max(cm.len() + cc.len());
        let mut member_pairs: Vec<Vec<flow::Pair>> = vec![Vec::new(); cm.len()];
        let mut member_cores: Vec<Vec<usize>> = vec![Vec::new(); cm.len()];
        for &p in cp {
            let (m, c, money) = pairs[p];
            member_pairs[node_of[m]].push((node_of[c], Cost::new(-1, money)));
            member_cores[node_of[m]].push(c);
        }
        let cap: Vec<usize> = cc.iter().map(|&c| capacity[c]).collect();
        let bon: Vec<bool> = cc.iter().map(|&c| bonus[c]).collect();
        let (assigned, run) = flow::assign(&member_pairs, &cap, &bon);
        stats.augmentations += run.augmentations;
        stats.settled += run.settled;
        for (k, a) in assigned.iter().enumerate() {
            if let Some(i) = *a {
                assigned_to[cm[k]] = member_cores[k][i];
            }
        }
    }

    // Communities.
    let mut new_members: Vec<Vec<usize>> = vec![Vec::new(); n];
    for m in 0..n {
        if assigned_to[m] != usize::MAX {
            new_members[assigned_to[m]].push(m);
        }
    }
    let mut objective = 0.0;
    let mut assignment = |c: usize, m: usize, kept: bool| {
        let (sc, sm) = (&schools[c], &schools[m]);
        let (km, road) = distance_km(sc, sm, rules);
        let l = lift(sc, sm);
        if !kept {
            objective += pair_cost(km, l, rules);
        }
        let head = if kept {
            "原有共同体成员，保持不变；"
        } else if matches!(role[c], Role::KeptCore(_)) {
            "补入原有共同体；"
        } else {
            ""
        };
        let reason = format!(
            "{head}距核心校 {km:.1} 公里（{}），学段相容（{}），实力差 {:+.1}",
            if road { "道路距离" } else { "直线距离" },
            shared_parts(sc.stage, sm.stage),
            sc.strength - sm.strength
        );
        Assignment {
            school: sm.id,
            km,
            lift: l,
            kept,
            reason,
        }
    };
    let mut communities = Vec::new();
    let mut covered_flag = vec![false; n];
    for c in 0..n {
        let kept: &[i64] = match role[c] {
            Role::KeptCore(k) => &existing[k].members,
            _ if !new_members[c].is_empty() => &[],
            _ => continue,
        };
        let mut list: Vec<(usize, bool)> = kept
            .iter()
            .map(|id| (index[id], true))
            .chain(new_members[c].iter().map(|&m| (m, false)))
            .collect();
        list.sort_by_key(|&(m, _)| m);
        if !list.is_empty() {
            covered_flag[c] = true;
        }
        let members = list
            .iter()
            .map(|&(m, kept)| {
                covered_flag[m] = true;
                assignment(c, m, kept)
            })
            .collect();
        communities.push(ProposedCommunity {
            core: schools[c].id,
            existing: matches!(role[c], Role::KeptCore(_)),
            members,
        });
    }

    // Uncovered schools and why.
    let mut pair_count_member = vec![0usize; n];
    let mut pair_count_core = vec![0usize; n];
    for &(m, c, _) in &pairs {
        pair_count_member[m] += 1;
        pair_count_core[c] += 1;
    }
    let mut uncovered = Vec::new();
    let mut eligible = 0;
    let mut covered = 0;
    for (i, s) in schools.iter().enumerate() {
        let is_eligible = s.public && in_scope(s);
        if is_eligible {
            eligible += 1;
            if covered_flag[i] {
                covered += 1;
            }
        }
        if covered_flag[i] {
            continue;
        }
        let reason = match role[i] {
            Role::Private => UncoveredReason::Private,
            Role::OutsideScope => UncoveredReason::OutsideCrossRegion,
            Role::CannotLead => UncoveredReason::CannotLeadInCrossRegion,
            Role::KeptCore(_) => UncoveredReason::ExistingCommunityWithoutMembers,
            Role::KeptMember(_) => continue, // a kept member is always covered
            Role::CoreCandidate if pair_count_core[i] == 0 => {
                UncoveredReason::NoCompatibleMemberWithinKm
            }
            Role::CoreCandidate => UncoveredReason::NearbyMembersAssignedElsewhere {
                candidates: pair_count_core[i],
            },
            Role::MemberCandidate if pair_count_member[i] > 0 => {
                UncoveredReason::AllNearbyCoresFull {
                    candidates: pair_count_member[i],
                }
            }
            Role::MemberCandidate => {
                let nearest_km = if member_ok(s) {
                    receiving
                        .iter()
                        .filter(|&&c| compatible(schools[c].stage, s.stage))
                        .map(|&c| distance_km(&schools[c], s, rules).0)
                        .min_by(f64::total_cmp)
                } else {
                    None
                };
                UncoveredReason::NoCompatibleCoreWithinKm { nearest_km }
            }
        };
        let explanation = explain(&reason, s, rules);
        uncovered.push(Uncovered {
            school: s.id,
            reason,
            explanation,
        });
    }

    Ok(Proposal {
        communities,
        uncovered,
        objective,
        covered,
        eligible,
        stats,
    })
}

fn explain(reason: &UncoveredReason, s: &SchoolInput, rules: &Rules) -> String {
    let x = rules.max_km;
    match reason {
        UncoveredReason::Private => "民办学校，不参与组建教共体".to_string(),
        UncoveredReason::OutsideCrossRegion => {
            "山海协作模式下，本校不属于参与协作的两个区域".to_string()
        }
        UncoveredReason::CannotLeadInCrossRegion => {
            "山海协作模式下，本区域学校只能担任核心校，而本校不在可任核心校之列".to_string()
        }
        UncoveredReason::NoCompatibleCoreWithinKm { nearest_km } => match nearest_km {
            Some(d) => format!(
                "{x:.0} 公里内没有学段相容的可任核心校；最近的学段相容核心校在 {d:.1} 公里外（{}）",
                s.stage.zh()
            ),
            None => format!("没有学段相容的可任核心校（{}）", s.stage.zh()),
        },
        UncoveredReason::AllNearbyCoresFull { candidates } => format!(
            "{x:.0} 公里内有 {candidates} 所学段相容的核心校，但都已满员（每校至多 {} 所成员校）",
            rules.max_members
        ),
        UncoveredReason::NoCompatibleMemberWithinKm => {
            format!("可任核心校，但 {x:.0} 公里内没有学段相容、可结对的成员校")
        }
        UncoveredReason::NearbyMembersAssignedElsewhere { candidates } => format!(
            "可任核心校；{x:.0} 公里内 {candidates} 所可结对的成员校均已分配给更合适的核心校"
        ),
        UncoveredReason::ExistingCommunityWithoutMembers => {
            "原有共同体没有成员校，本次也未补入成员校".to_string()
        }
    }
}

#[cfg(test)]
mod tests;
