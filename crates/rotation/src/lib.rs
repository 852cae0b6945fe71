//! Annual teacher rotation planner (交流轮岗方案).
//!
//! [`plan`] proposes who moves where for one year under the policy's hard rules, minimising
//! (weights in [`Weights`]):
//!
//! * Σ over stages (primary, junior) and the indicators `backbone_teachers_per_100` and
//!   `degree_teachers_per_100` of the enrolment-weighted CV, computed exactly as `gongjin-balance` does
//!   (parts below the enrolment minimum excluded);
//! * unfilled subject shortages at receiving schools (per teacher, by main subject = first of `subjects`);
//! * sending-school gaps: teachers of a main subject sent beyond the school's surplus of it;
//! * per move: disruption, kilometres and (when within-community is only preferred) leaving the community.
//!
//! Hard rules, never broken: eligibility (years ≥ N, no exemption); each urban or strong school sends
//! ≥ ⌈share × eligible⌉ (when that is impossible the plan says which school and why, and sends what it can);
//! backbone teachers ≥ the share of all moved (same); maximum distance; locks and forbids; a teacher moves at
//! most once and only to a school with a part of the teacher's stage; within-community when required; the
//! receiving cap; a sending school keeps ≥ 1 teacher of every subject it had.
//!
//! Optimality: [`Plan::lower_bound`] is a proven lower bound from a Lagrangian decomposition (each CV group's
//! counts per school part minimised exactly over integers, and an exact integer convex flow for the subject /
//! quota side, coupled by one multiplier per group and part), and [`Plan::gap`] the proven gap. The sending-school coverage rule enters the bound in two exact ways: a free teacher who is the
//! only possible stayer of one of its subjects is pinned at home before anything is solved (every feasible plan
//! keeps it home), and in the subject network at most (movable holders − 1) teachers whose main subject is k
//! may leave a school where no holder of k surely stays. The primal side is a construction, iterated local
//! search (moves, same-school replacements and destination swaps; after a kick only the touched schools are
//! re-examined, with a full descent at the end), and a repair + descent of the flow solution at dual steps (a
//! Lagrangian heuristic). The ascent starts from the better of two multiplier
//! vectors — the CV's gradient at the first plan (per-class coupling: the move costs split onto the CV groups),
//! or zero (the sum of the separate minima) — both evaluated
//! and both valid bounds. With [`PlanOptions::polish_cycles`] > 0 the planner then
//! alternates more local search from the best plan with more dual steps aimed at its (lower) objective, until
//! the proven gap reaches [`PlanOptions::target_gap`] or the budget or `should_stop` ends it.
//!
//! Why not an exact MILP (outer approximation of the convex CV terms on an aggregated model): the engine must
//! read no clock and stay dependency-light, and the available pure-Rust LP/MIP solver reads the clock inside;
//! a hand-written branch-and-bound was out of reach for this change. The first diagnosis also showed that the
//! worst gaps (55 % / 43 % on seed 8) were a bound that ignored the coverage rule, not a weak search.
//!
//! Pure: no IO, no clock. Time limits are the caller's: pass a `should_stop` closure (polled between passes
//! and dual steps) and the budgets in [`PlanOptions`]; the result is deterministic for a seed and budget when
//! `should_stop` never fires.

// Index-heavy numeric code: explicit index loops read better than zipped iterators here.
#![allow(clippy::needless_range_loop, clippy::while_let_loop)]

mod bound;
mod flow;
mod lagrange;
mod model;
mod search;
pub mod synthetic;

use std::collections::BTreeMap;

use gongjin_balance::{BalanceRules, BalanceStage, Indicator, SchoolPart};
use serde::{Deserialize, Serialize};

use model::{BB, DEG, Model, N_GROUPS, State};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BackboneLevel {
    #[default]
    None,
    County,
    City,
    Province,
}

impl BackboneLevel {
    /// 县级以上骨干: county, city and province all count.
    pub fn counts(self) -> bool {
        self != BackboneLevel::None
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub struct Exemptions {
    pub near_retirement: bool,
    pub leave: bool,
    pub illness: bool,
}

impl Exemptions {
    pub fn any(self) -> bool {
        self.near_retirement || self.leave || self.illness
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Teacher {
    pub id: String,
    pub name: Option<String>,
    pub school: String,
    /// The stage part the teacher teaches in (for nine- and twelve-year schools).
    pub stage: BalanceStage,
    /// Subjects taught; the first is the main subject (used for shortages and surpluses).
    pub subjects: Vec<String>,
    pub backbone: BackboneLevel,
    /// 高于规定学历
    pub has_higher_degree: bool,
    pub years_at_school: u32,
    pub birth_year: i32,
    pub exemptions: Exemptions,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Locality {
    Urban,
    Town,
    Rural,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StagePart {
    pub stage: BalanceStage,
    pub enrolment: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub id: String,
    pub name: Option<String>,
    pub parts: Vec<StagePart>,
    pub locality: Locality,
    pub strong: bool,
    pub lat: f64,
    pub lon: f64,
    #[serde(default)]
    pub shortages: BTreeMap<String, u32>,
    #[serde(default)]
    pub surpluses: BTreeMap<String, u32>,
    pub community: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommunityRule {
    /// Moves outside the teacher's community cost [`Weights::outside_community`].
    Preferred,
    /// Only moves within the community.
    Required,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Policy {
    pub eligible_after_years: u32,
    /// Share of eligible teachers each urban or strong school must send (rounded up).
    pub quota_share: f64,
    /// Minimum share of backbone teachers among all moved.
    pub backbone_share: f64,
    /// Term of the planned exchanges, 1..=3 years.
    pub term_years: u8,
    pub community: CommunityRule,
    pub max_distance_km: Option<f64>,
    pub max_incoming_per_school: Option<u32>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            eligible_after_years: 6,
            quota_share: 0.10,
            backbone_share: 0.20,
            term_years: 1,
            community: CommunityRule::Preferred,
            max_distance_km: None,
            max_incoming_per_school: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Weights {
    pub cv_backbone: f64,
    pub cv_degree: f64,
    /// per unfilled shortage unit
    pub shortage: f64,
    /// per teacher sent beyond the sending school's surplus of the main subject
    pub sender_gap: f64,
    pub per_move: f64,
    pub per_km: f64,
    pub outside_community: f64,
}

impl Default for Weights {
    fn default() -> Self {
        Weights {
            cv_backbone: 1.0,
            cv_degree: 1.0,
            shortage: 0.01,
            sender_gap: 0.005,
            per_move: 0.0005,
            per_km: 0.00002,
            outside_community: 0.001,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Lock {
    pub teacher: String,
    pub to: String,
    pub term_years: Option<u8>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Forbid {
    /// The teacher may not move.
    Teacher { teacher: String },
    /// The teacher may not go to this school.
    Destination { teacher: String, school: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanInput {
    pub teachers: Vec<Teacher>,
    pub schools: Vec<School>,
    #[serde(default)]
    pub policy: Policy,
    #[serde(default)]
    pub weights: Weights,
    #[serde(default)]
    pub locks: Vec<Lock>,
    #[serde(default)]
    pub forbids: Vec<Forbid>,
    #[serde(default)]
    pub balance_rules: BalanceRules,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct PlanOptions {
    pub seed: u64,
    /// Iterated-local-search rounds after the first descent (the budget; deterministic).
    pub rounds: u32,
    /// Subgradient iterations of the Lagrangian bound (each one also proposes a primal plan).
    pub bound_iterations: u32,
    /// Polishing cycles after the first ascent: each runs `polish_rounds` more iterated-local-search rounds
    /// from the best plan, then `bound_iterations` more dual steps aimed at the improved objective. Stops
    /// early when the proven gap reaches `target_gap` or `should_stop` fires.
    pub polish_cycles: u32,
    /// Iterated-local-search rounds per polishing cycle.
    pub polish_rounds: u32,
    /// Stop polishing once the proven gap is at most this (relative).
    pub target_gap: f64,
    /// Couple the CV groups by their counts per school part (a few hundred multipliers, started at the
    /// CV's gradient at the first plan) instead of per teacher class and destination.
    pub aggregate_bound: bool,
}

impl Default for PlanOptions {
    fn default() -> Self {
        PlanOptions {
            seed: 1,
            rounds: 30,
            bound_iterations: 200,
            polish_cycles: 0,
            polish_rounds: 100,
            target_gap: 0.005,
            aggregate_bound: true,
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
pub enum PlanError {
    #[error("unknown school {0}")]
    UnknownSchool(String),
    #[error("unknown teacher {0}")]
    UnknownTeacher(String),
    #[error("duplicate school {0}")]
    DuplicateSchool(String),
    #[error("duplicate teacher {0}")]
    DuplicateTeacher(String),
    #[error("invalid lock for teacher {teacher}: {reason}")]
    InvalidLock { teacher: String, reason: String },
    #[error("invalid policy: {0}")]
    InvalidPolicy(String),
    #[error("invalid input: {0}")]
    InvalidInput(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Move {
    pub teacher: String,
    pub from: String,
    pub to: String,
    pub stage: BalanceStage,
    pub term_years: u8,
    pub distance_km: f64,
    pub locked: bool,
    pub backbone: bool,
    pub higher_degree: bool,
    /// Why, in Chinese: quota, shortage subject, indicator improvement with numbers.
    pub reasons: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolOutcome {
    pub school: String,
    pub stage: BalanceStage,
    pub enrolment: u32,
    /// counted in the CV (enrolment ≥ the minimum)
    pub included: bool,
    pub backbone_before: u32,
    pub backbone_after: u32,
    pub degree_before: u32,
    pub degree_after: u32,
    pub backbone_per_100_before: f64,
    pub backbone_per_100_after: f64,
    pub degree_per_100_before: f64,
    pub degree_per_100_after: f64,
    pub sent: u32,
    pub received: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvOutcome {
    pub stage: BalanceStage,
    pub indicator: Indicator,
    pub before: f64,
    pub after: f64,
    pub cv_threshold: f64,
    pub pass_before: bool,
    pub pass_after: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuotaOutcome {
    pub school: String,
    pub eligible: u32,
    /// ⌈share × eligible⌉ for urban or strong schools, else 0
    pub required: u32,
    /// what the hard rule enforced (lower than `required` only when infeasible; see `infeasibilities`)
    pub enforced: u32,
    pub sent: u32,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Compliance {
    pub eligible_total: u32,
    pub moved: u32,
    pub moved_share: f64,
    pub backbone_moved: u32,
    pub backbone_share: f64,
    pub quotas_met: bool,
    pub backbone_met: bool,
    /// e.g. "派出12人/符合条件96人 = 12.5% ≥ 10% ✓；骨干教师4/12 = 33.3% ≥ 20% ✓"
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Objective {
    pub total: f64,
    pub cv: f64,
    pub shortage: f64,
    pub sender_gap: f64,
    pub moves: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    pub moves: Vec<Move>,
    pub schools: Vec<SchoolOutcome>,
    pub cv: Vec<CvOutcome>,
    pub quotas: Vec<QuotaOutcome>,
    pub compliance: Compliance,
    pub objective: Objective,
    /// A proven lower bound on the objective of every plan obeying the hard rules (with the enforced quotas):
    /// the larger of the Lagrangian bound (A) and the simple split bound (B).
    ///
    /// Both work on the model after an exact preprocessing of the coverage rule: repeatedly, when no holder
    /// of subject k at school i surely stays (not free, or with no destination) and exactly one free holder
    /// could, that teacher's destinations are removed. Every plan obeying the rule keeps that teacher at home,
    /// so no feasible plan is lost and both bounds stay valid (they are bounds over a superset of the
    /// feasible plans of the pinned model, which equals the feasible set of the original one).
    ///
    /// (A) Lagrangian decomposition (`lagrange.rs`). Relax the sending-school coverage rule (dropping a
    /// constraint can only lower the minimum). Aggregate free teachers into *multiplier classes* m (same
    /// school, stage, backbone / degree flags and allowed destinations: interchangeable for the CV) and write
    /// X_mj for how many of class m go to school j. Give every CV group g = (stage, indicator) its own copy
    /// y^g_mj of the classes that count in it, with the constraint y^g = X, and price it with free multipliers
    /// π^g_mj; price the backbone-share constraint share·moved − backbone ≤ 0 with ρ ≥ 0. For every (π, ρ)
    /// and every feasible plan x (where y^g = X(x) and the share holds), objective(x) ≥ objective(x) +
    /// Σ π^g·(y^g − X) + ρ·(share·moved − backbone) ≥ Σ_g min_y [w_g·CV_g(y) + π^g·y] + min_x [C(x) − Σ_g
    /// π^g·X(x) + ρ·(share·moved − backbone)] =: L(π, ρ), since each minimum runs over a superset of what x
    /// gives. C(x) = move costs + sending gaps + shortages, with the locks' part constant.
    /// * The x-part is a min-cost flow: source → sending school (the first q_i − locked units at −BIG, which
    ///   forces the enforced quota; BIG·Σ need added back) → (school, main subject) (the sending-gap cost is
    ///   0 up to the surplus left after locks, then `sender_gap` per unit: convex; capacity: when no holder of
    ///   subject k at the school surely stays, movable holders of k − 1, since the coverage rule keeps one of
    ///   them and the teachers of main subject k are among the holders, so this keeps the coverage rule
    ///   partly and every feasible plan still routes) → subject class →
    ///   (destination, subject) at move cost − Σπ + ρ·(share − [backbone]) → destination (shortage: −w for
    ///   each of the first open units, then 0: convex; constant w·Σ open) → sink (capacity = receiving cap −
    ///   locked). Convex arc costs with integer breakpoints: successive shortest paths from the zero flow give
    ///   the exact integer optimum (`flow.rs`).
    /// * A group part: when the number e of the group's movable units ending in parts excluded from the CV is
    ///   fixed, the stage total T is fixed and CV = √(Q·ΣP/T² − 1) with Q = Σᵢ nᵢ²/Pᵢ, a concave increasing
    ///   function of Q (Q ≥ T²/ΣP by Cauchy–Schwarz). w·CV(Q) + U (U = π·y) is concave in (Q, U) and
    ///   increasing in both, so its minimum over the integer flows is attained at a vertex of the lower-left
    ///   hull of the achievable (Q, U) points, each of which minimises a·Q + b·U for some a, b ≥ 0. Each such
    ///   minimisation is a transportation problem with separable convex costs (nᵢ²/Pᵢ has integer breakpoints),
    ///   solved exactly in integers by successive shortest paths; each solve gives a supporting line
    ///   a·Q + b·U ≥ h. The hull is explored best-first (Eisner–Severance): between two found hull points A, B
    ///   the hull lies in the triangle of A, B and the crossing of their supporting lines, so the concave
    ///   objective there is ≥ its minimum over those three corners; the search stops when no triangle can beat
    ///   the best found point. The group bound is the minimum over e of these values (when more than 12
    ///   values of e are possible, the group uses w·CV ≥ 0 and min U instead).
    ///
    /// Every L(π, ρ) computed is a valid bound; π, ρ are improved by projected subgradient ascent with Polyak
    /// steps towards the best plan's objective, and the best value is kept. Floating-point: shortest paths use a
    /// 1e-12 absolute + 1e-14 relative tolerance (above the rounding of sums containing BIG); a path search
    /// that does not settle within n·arcs relaxations is abandoned and that L(π, ρ) is discarded, never used;
    /// the final bound is lowered by 1e-9 relative.
    ///
    /// (B) The earlier split bound (`bound.rs`): every free move's cost split as α·c (shared among the groups
    /// the teacher counts in), β·c (quota part), γ·c (shortage part), α + β + γ = 1, and each bracket bounded
    /// separately (group: parametric convex flow on (Q, M); quota: required free moves × cheapest move;
    /// shortage: each open unit either unfilled or filled by a distinct incoming teacher), maximised over a
    /// fixed list of splits.
    pub lower_bound: f64,
    /// The proven optimality gap (objective − lower_bound) / objective; 0 when the objective is 0 (then the
    /// plan is optimal: the objective is never negative). The objective includes the move costs of every plan
    /// that meets the quotas, so it is positive whenever a quota forces moves; when it is tiny the absolute
    /// gap `objective.total − lower_bound` is the meaningful figure.
    pub gap: f64,
    /// Which hard rules could not be met and why (quota of a school, backbone share).
    pub infeasibilities: Vec<String>,
    /// Local-search rounds done.
    pub rounds: u32,
    /// Subgradient iterations of the bound done.
    pub bound_iterations: u32,
}

/// Plan with no deadline.
pub fn plan(input: &PlanInput, opts: &PlanOptions) -> Result<Plan, PlanError> {
    plan_with_stop(input, opts, &mut || false)
}

/// Plan; `should_stop` is polled between passes (the caller owns the clock).
pub fn plan_with_stop(
    input: &PlanInput,
    opts: &PlanOptions,
    should_stop: &mut dyn FnMut() -> bool,
) -> Result<Plan, PlanError> {
    let mut m = Model::new(input)?;
    let (dest, quota, notes) = {
        let mut s = search::Search::new(&m);
        s.construct();
        let quota = s.quota.clone();
        (s.st.dest.clone(), quota, s.notes.clone())
    };
    m.quota = quota;
    let mut s = search::Search::new(&m);
    s.quota = m.quota.clone();
    s.notes = notes;
    for (t, d) in dest.iter().enumerate() {
        if let (Some(j), None) = (d, m.t_lock[t]) {
            s.st.add(&m, t, *j);
        }
    }
    if !s.share_ok(s.st.bb_moved, s.st.moved) {
        s.relax = Some((s.st.bb_moved, s.st.moved));
    }
    // with a bound to compute, the dual steps propose better starting points than more kicks do: a short
    // first search, the rest in the polishing cycles
    let first_rounds = if opts.bound_iterations > 0 {
        opts.rounds.min(3)
    } else {
        opts.rounds
    };
    let mut rounds = search::improve(&mut s, opts.seed, first_rounds, should_stop);
    let mut lb = bound::lower_bound(&m);
    let mut best = s.st.clone();
    let mut best_f = best.objective(&m);
    let mut iterations = 0;
    if opts.bound_iterations > 0 && !should_stop() {
        let mut dec = lagrange::Decomp::new(&m, s.relax.is_none());
        if opts.aggregate_bound {
            dec.aggregate();
            dec.lam_from_counts(&best.cnt);
        }
        let mut rng =
            <rand_chacha::ChaCha8Rng as rand::SeedableRng>::seed_from_u64(opts.seed ^ 0x9e37);
        let quota = m.quota.clone();
        let relax = s.relax;
        // on large districts the repair + descent costs more than a dual step: propose less often
        let every = if m.nt > 1000 {
            5
        } else if m.nt > 300 {
            3
        } else {
            1
        };
        let gap_of = |f: f64, lb: f64| if f > 1e-12 { (f - lb) / f } else { 0.0 };
        for cycle in 0..=opts.polish_cycles {
            if cycle > 0 {
                // polish: more local search from the best plan, then more dual steps aimed at it
                if gap_of(best_f, lb) <= opts.target_gap || should_stop() {
                    break;
                }
                s.st = best.clone();
                rounds += search::improve(
                    &mut s,
                    opts.seed.wrapping_add(u64::from(cycle)),
                    opts.polish_rounds,
                    should_stop,
                );
                let f = s.st.objective(&m);
                if f < best_f - 1e-12 {
                    best_f = f;
                    best = s.st.clone();
                }
                if gap_of(best_f, lb) <= opts.target_gap || should_stop() {
                    break;
                }
            }
            let mut last_moves: Vec<(usize, usize)> = Vec::new();
            let start_f = best_f;
            let theta0 = if cycle == 0 { 1.0 } else { 0.25 };
            let mut primal = |ev: &lagrange::Eval, it: u32| -> Option<f64> {
                if !it.is_multiple_of(every) || ev.moves == last_moves {
                    return None;
                }
                last_moves = ev.moves.clone();
                let st = search::from_moves(&m, &quota, relax, &ev.moves, &mut rng, &mut || false)?;
                let f = st.objective(&m);
                if f < best_f - 1e-12 {
                    best_f = f;
                    best = st;
                }
                Some(best_f)
            };
            if cycle == 0 {
                let (split, zero) = dec.choose_start();
                for ev in [&split, &zero] {
                    primal(ev, 0);
                    if ev.value.is_finite() {
                        lb = lb.max(ev.value - 1e-9 * (1.0 + ev.value.abs()));
                    }
                }
                iterations += 2;
            }
            let (dual, done) = dec.ascend(
                opts.bound_iterations,
                start_f,
                theta0,
                &mut primal,
                should_stop,
            );
            iterations += done;
            // guard against rounding in the sums
            lb = lb.max(dual - 1e-9 * (1.0 + dual.abs()));
        }
    }
    s.st = best;
    s.rebuild();
    let mut p = report(&m, &s.st, &s.notes, Some(lb), rounds);
    p.bound_iterations = iterations;
    Ok(p)
}

/// What a person would do: per stage, the strongest urban or strong schools (highest backbone per 100)
/// send their backbone teachers first, each to the currently weakest reachable school, until the quota is
/// met; then more backbone teachers until the backbone share holds. Obeys the same hard rules.
pub fn greedy_baseline(input: &PlanInput) -> Result<Plan, PlanError> {
    let mut m = Model::new(input)?;
    let mut s = search::Search::new(&m);
    let per100 = |st: &State, m: &Model, school: usize, stage: BalanceStage| -> f64 {
        let p = m.part_of(school, stage).unwrap_or(0);
        st.cnt[p][BB] as f64 * 100.0 / f64::from(m.parts[p].enrolment.max(1))
    };
    let mut senders: Vec<usize> = (0..m.ns).filter(|&i| m.quota_nominal[i] > 0).collect();
    let strength_v: Vec<f64> = (0..m.ns)
        .map(|i| {
            BalanceStage::ALL
                .iter()
                .filter(|&&st| m.part_of(i, st).is_some())
                .map(|&st| per100(&s.st, &m, i, st))
                .fold(0.0, f64::max)
        })
        .collect();
    let strength = |i: usize| strength_v[i];
    senders.sort_by(|&a, &b| strength(b).total_cmp(&strength(a)).then(a.cmp(&b)));
    let mut notes = Vec::new();
    let mut quota = m.quota_nominal.clone();
    let pick = |s: &search::Search, t: usize| -> Option<usize> {
        if s.st.dest[t].is_some() || !s.st.coverage_ok(&m, t) {
            return None;
        }
        m.t_dests[t]
            .iter()
            .copied()
            .filter(|&j| s.st.in_n[j] < m.cap[j])
            .min_by(|&a, &b| {
                per100(&s.st, &m, a, m.t_stage[t])
                    .total_cmp(&per100(&s.st, &m, b, m.t_stage[t]))
                    .then(a.cmp(&b))
            })
    };
    for &i in &senders {
        let mut list = s.by_school[i].clone();
        list.sort_by_key(|&t| (!m.t_bb[t], !m.t_deg[t], t));
        for &t in &list {
            if s.st.out_n[i] >= quota[i] {
                break;
            }
            if let Some(j) = pick(&s, t) {
                s.st.add(&m, t, j);
            }
        }
        if s.st.out_n[i] < quota[i] {
            notes.push(format!(
                "{}须派出{}人，仅能派出{}人",
                input.schools[i].id, quota[i], s.st.out_n[i]
            ));
            quota[i] = s.st.out_n[i];
        }
    }
    let mut bbs: Vec<usize> = (0..m.nt).filter(|&t| m.t_free[t] && m.t_bb[t]).collect();
    bbs.sort_by(|&a, &b| {
        strength(m.t_school[b])
            .total_cmp(&strength(m.t_school[a]))
            .then(a.cmp(&b))
    });
    for &t in &bbs {
        if s.share_ok(s.st.bb_moved, s.st.moved) {
            break;
        }
        if let Some(j) = pick(&s, t) {
            s.st.add(&m, t, j);
        }
    }
    if !s.share_ok(s.st.bb_moved, s.st.moved) {
        notes.push("骨干教师占比要求无法满足".into());
    }
    let st = s.st.clone();
    m.quota = quota;
    Ok(report(&m, &st, &notes, None, 0))
}

/// The result of checking a set of moves against every hard rule, independently of the planner.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub objective: f64,
    /// CV per (stage, indicator) after the moves, from `gongjin-balance`.
    pub cv: Vec<(BalanceStage, Indicator, f64)>,
    pub violations: Vec<String>,
}

/// Check `(teacher id, destination school id)` moves against every hard rule (nominal quotas, or
/// `enforced_quotas` by school id when given) and compute the objective from scratch, with the CV from
/// `gongjin-balance`. Locks must be among the moves.
pub fn evaluate_moves(
    input: &PlanInput,
    moves: &[(String, String)],
    enforced_quotas: Option<&BTreeMap<String, u32>>,
) -> Result<Evaluation, PlanError> {
    let m = Model::new(input)?;
    let tix: BTreeMap<&str, usize> = input
        .teachers
        .iter()
        .enumerate()
        .map(|(i, t)| (t.id.as_str(), i))
        .collect();
    let six: BTreeMap<&str, usize> = input
        .schools
        .iter()
        .enumerate()
        .map(|(i, s)| (s.id.as_str(), i))
        .collect();
    let mut v = Vec::new();
    let mut dest: Vec<Option<usize>> = vec![None; m.nt];
    for (t, j) in moves {
        let t = *tix
            .get(t.as_str())
            .ok_or_else(|| PlanError::UnknownTeacher(t.clone()))?;
        let j = *six
            .get(j.as_str())
            .ok_or_else(|| PlanError::UnknownSchool(j.clone()))?;
        if dest[t].is_some() {
            v.push(format!("{} moves twice", input.teachers[t].id));
        }
        dest[t] = Some(j);
    }
    for t in 0..m.nt {
        let id = &input.teachers[t].id;
        if let Some((j, _)) = m.t_lock[t]
            && dest[t] != Some(j)
        {
            v.push(format!("lock of {id} not kept"));
        }
        let Some(j) = dest[t] else { continue };
        let i = m.t_school[t];
        if m.t_lock[t].is_some() {
            continue;
        }
        if !m.t_eligible[t] {
            v.push(format!("{id} not eligible"));
        }
        if !m.t_free[t] {
            v.push(format!("{id} forbidden to move"));
        }
        if !m.reachable(i, j, m.t_stage[t]) {
            v.push(format!(
                "{id}: destination not reachable (stage, distance, community)"
            ));
        }
        if input.forbids.iter().any(|f| matches!(f, Forbid::Destination { teacher, school } if teacher == id && *school == input.schools[j].id)) {
            v.push(format!("{id}: forbidden destination"));
        }
    }
    let mut out = vec![0u32; m.ns];
    let mut inn = vec![0u32; m.ns];
    let mut stay: Vec<BTreeMap<&str, u32>> = vec![BTreeMap::new(); m.ns];
    let mut had: Vec<BTreeMap<&str, u32>> = vec![BTreeMap::new(); m.ns];
    let (mut moved, mut bb) = (0u32, 0u32);
    for (t, te) in input.teachers.iter().enumerate() {
        let i = m.t_school[t];
        for s in &te.subjects {
            *had[i].entry(s.as_str()).or_default() += 1;
            if dest[t].is_none() {
                *stay[i].entry(s.as_str()).or_default() += 1;
            }
        }
        if let Some(j) = dest[t] {
            out[i] += 1;
            inn[j] += 1;
            moved += 1;
            bb += u32::from(te.backbone.counts());
        }
    }
    for i in 0..m.ns {
        let sid = &input.schools[i].id;
        for s in had[i].keys() {
            if stay[i].get(s).copied().unwrap_or(0) == 0 {
                v.push(format!("{sid}: subject {s} left uncovered"));
            }
        }
        let q = enforced_quotas
            .and_then(|e| e.get(sid).copied())
            .unwrap_or(m.quota_nominal[i]);
        if out[i] < q {
            v.push(format!("{sid}: sent {} < quota {q}", out[i]));
        }
        if inn[i] > m.cap[i] {
            v.push(format!("{sid}: received {} > cap", inn[i]));
        }
    }
    if f64::from(bb) + 1e-9 < input.policy.backbone_share * f64::from(moved) {
        v.push(format!("backbone {bb}/{moved} below share"));
    }
    // objective from scratch
    let parts = balance_parts(input, &m, &dest);
    let mut cvs = Vec::new();
    let mut f = 0.0;
    for stage in BalanceStage::ALL {
        for (ind, w) in [
            (Indicator::BackboneTeachersPer100, input.weights.cv_backbone),
            (Indicator::DegreeTeachersPer100, input.weights.cv_degree),
        ] {
            if let Some(c) = gongjin_balance::indicator_cv(&parts, stage, ind, &input.balance_rules)
            {
                f += w * c.cv;
                cvs.push((stage, ind, c.cv));
            }
        }
    }
    let w = &input.weights;
    let mut in_main = vec![vec![0u32; m.nsubj]; m.ns];
    let mut out_main = vec![vec![0u32; m.nsubj]; m.ns];
    for t in 0..m.nt {
        if let Some(j) = dest[t] {
            let i = m.t_school[t];
            f += m.move_cost(i, j);
            if let Some(k) = m.t_main[t] {
                in_main[j][k] += 1;
                out_main[i][k] += 1;
            }
        }
    }
    for i in 0..m.ns {
        for k in 0..m.nsubj {
            f += w.shortage * f64::from(m.shortage[i][k].saturating_sub(in_main[i][k]));
            f += w.sender_gap * f64::from(out_main[i][k].saturating_sub(m.surplus[i][k]));
        }
    }
    Ok(Evaluation {
        objective: f,
        cv: cvs,
        violations: v,
    })
}

fn balance_parts(input: &PlanInput, m: &Model, dest: &[Option<usize>]) -> Vec<SchoolPart> {
    let mut parts: Vec<SchoolPart> = m
        .parts
        .iter()
        .map(|p| SchoolPart::empty(input.schools[p.school].id.clone(), p.stage, p.enrolment))
        .collect();
    for t in 0..m.nt {
        let s = dest[t].unwrap_or(m.t_school[t]);
        if let Some(p) = m.part_of(s, m.t_stage[t]) {
            if m.t_bb[t] {
                parts[p].backbone_teachers += 1.0;
            }
            if m.t_deg[t] {
                parts[p].degree_teachers += 1.0;
            }
        }
    }
    parts
}

fn report(m: &Model, st: &State, notes: &[String], lb: Option<f64>, rounds: u32) -> Plan {
    let input = m.input;
    let empty = State::new(m);
    let none: Vec<Option<usize>> = vec![None; m.nt];
    let before_parts = balance_parts(input, m, &none);
    let after_parts = balance_parts(input, m, &st.dest);
    let mut cv = Vec::new();
    for stage in BalanceStage::ALL {
        for ind in [
            Indicator::BackboneTeachersPer100,
            Indicator::DegreeTeachersPer100,
        ] {
            let b = gongjin_balance::indicator_cv(&before_parts, stage, ind, &input.balance_rules);
            let a = gongjin_balance::indicator_cv(&after_parts, stage, ind, &input.balance_rules);
            if let (Some(b), Some(a)) = (b, a) {
                cv.push(CvOutcome {
                    stage,
                    indicator: ind,
                    before: b.cv,
                    after: a.cv,
                    cv_threshold: b.cv_threshold,
                    pass_before: b.pass,
                    pass_after: a.pass,
                });
            }
        }
    }
    let mut sent = vec![[0u32; 2]; m.parts.len()];
    let mut recv = vec![[0u32; 2]; m.parts.len()];
    let _ = &mut recv;
    let mut received = vec![0u32; m.parts.len()];
    let mut sentp = vec![0u32; m.parts.len()];
    for t in 0..m.nt {
        if let Some(j) = st.dest[t] {
            if let Some(p) = m.part_of(m.t_school[t], m.t_stage[t]) {
                sentp[p] += 1;
            }
            if let Some(p) = m.part_of(j, m.t_stage[t]) {
                received[p] += 1;
            }
        }
    }
    sent.clear();
    let schools: Vec<SchoolOutcome> = m
        .parts
        .iter()
        .enumerate()
        .map(|(p, part)| {
            let e = f64::from(part.enrolment.max(1));
            let (b0, d0) = (empty.cnt[p][BB], empty.cnt[p][DEG]);
            let (b1, d1) = (st.cnt[p][BB], st.cnt[p][DEG]);
            SchoolOutcome {
                school: input.schools[part.school].id.clone(),
                stage: part.stage,
                enrolment: part.enrolment,
                included: part.included,
                backbone_before: b0 as u32,
                backbone_after: b1 as u32,
                degree_before: d0 as u32,
                degree_after: d1 as u32,
                backbone_per_100_before: b0 as f64 * 100.0 / e,
                backbone_per_100_after: b1 as f64 * 100.0 / e,
                degree_per_100_before: d0 as f64 * 100.0 / e,
                degree_per_100_after: d1 as f64 * 100.0 / e,
                sent: sentp[p],
                received: received[p],
            }
        })
        .collect();
    let quotas: Vec<QuotaOutcome> = (0..m.ns)
        .map(|i| QuotaOutcome {
            school: input.schools[i].id.clone(),
            eligible: m.eligible_count[i],
            required: m.quota_nominal[i],
            enforced: m.quota[i].min(m.quota_nominal[i]),
            sent: st.out_n[i],
            met: st.out_n[i] >= m.quota_nominal[i],
        })
        .collect();
    let eligible_total: u32 = m.eligible_count.iter().sum();
    let moved = st.moved;
    let moved_share = if eligible_total > 0 {
        f64::from(moved) / f64::from(eligible_total)
    } else {
        0.0
    };
    let backbone_share = if moved > 0 {
        f64::from(st.bb_moved) / f64::from(moved)
    } else {
        0.0
    };
    let quotas_met = quotas.iter().all(|q| q.met);
    let backbone_met =
        f64::from(st.bb_moved) + 1e-9 >= input.policy.backbone_share * f64::from(moved);
    let tick = |b: bool| if b { "✓" } else { "✗" };
    let summary = format!(
        "派出{moved}人/符合条件{eligible_total}人 = {:.1}%，应派学校{}所中{}所达到≥{:.0}% {}；骨干教师{}/{} = {:.1}% ≥ {:.0}% {}",
        moved_share * 100.0,
        quotas.iter().filter(|q| q.required > 0).count(),
        quotas.iter().filter(|q| q.required > 0 && q.met).count(),
        input.policy.quota_share * 100.0,
        tick(quotas_met),
        st.bb_moved,
        moved,
        backbone_share * 100.0,
        input.policy.backbone_share * 100.0,
        tick(backbone_met)
    );
    // reasons
    let mut moves = Vec::new();
    let mut order: Vec<usize> = (0..m.nt).filter(|&t| st.dest[t].is_some()).collect();
    order.sort_by(|&a, &b| input.teachers[a].id.cmp(&input.teachers[b].id));
    let stage_cv = |s: &State, g: usize| s.cv(m, g);
    for t in order {
        let j = st.dest[t].unwrap_or(0);
        let i = m.t_school[t];
        let te = &input.teachers[t];
        let mut reasons = Vec::new();
        if let Some((_, _)) = m.t_lock[t] {
            reasons.push("人工锁定".to_string());
        }
        if m.quota_nominal[i] > 0 {
            reasons.push(format!(
                "派出配额：{}须派出≥{}人（符合条件{}人×{:.0}%向上取整），本方案派出{}人",
                input.schools[i].id,
                m.quota_nominal[i],
                m.eligible_count[i],
                input.policy.quota_share * 100.0,
                st.out_n[i]
            ));
        }
        if let Some(k) = m.t_main[t]
            && m.shortage[j][k] > 0
        {
            reasons.push(format!(
                "补缺学科：{}（{}缺{}人，本方案调入{}人）",
                m.subject_names[k], input.schools[j].id, m.shortage[j][k], st.in_main[j][k]
            ));
        }
        // indicator effect of this move alone: CV with and without it
        let mut without = st.clone();
        without.remove(m, t);
        for ind in [BB, DEG] {
            if !m.has_attr(t, ind) {
                continue;
            }
            let g = Model::group(m.t_stage[t], ind);
            let (a, b) = (stage_cv(&without, g), stage_cv(st, g));
            let name = if ind == BB {
                "骨干教师"
            } else {
                "高于规定学历教师"
            };
            let ind_name = if ind == BB {
                Indicator::BackboneTeachersPer100
            } else {
                Indicator::DegreeTeachersPer100
            };
            let pj = m.part_of(j, m.t_stage[t]).unwrap_or(0);
            let e = f64::from(m.parts[pj].enrolment.max(1));
            reasons.push(format!(
                "指标改善：{}{}每百名学生{:.2}→{:.2}；{}{}差异系数{:.4}→{:.4}",
                input.schools[j].id,
                name,
                (st.cnt[pj][ind] - 1) as f64 * 100.0 / e,
                st.cnt[pj][ind] as f64 * 100.0 / e,
                m.t_stage[t].label_zh(),
                ind_name.label_zh(),
                a,
                b
            ));
        }
        moves.push(Move {
            teacher: te.id.clone(),
            from: input.schools[i].id.clone(),
            to: input.schools[j].id.clone(),
            stage: te.stage,
            term_years: m.t_lock[t].map(|l| l.1).unwrap_or(input.policy.term_years),
            distance_km: m.d(i, j),
            locked: m.t_lock[t].is_some(),
            backbone: m.t_bb[t],
            higher_degree: m.t_deg[t],
            reasons,
        });
    }
    let w = &input.weights;
    let cv_part: f64 = (0..N_GROUPS)
        .map(|g| m.cv_weight(Model::group_ind(g)) * st.cv(m, g))
        .sum();
    let total = st.objective(m);
    let objective = Objective {
        total,
        cv: cv_part,
        shortage: w.shortage * st.unfilled as f64,
        sender_gap: w.sender_gap * st.gap as f64,
        moves: st.cost,
    };
    let lower_bound = lb.unwrap_or(f64::NAN);
    let gap = match lb {
        Some(lb) if total > 1e-12 => ((total - lb) / total).max(0.0),
        Some(_) => 0.0,
        None => f64::NAN,
    };
    Plan {
        moves,
        schools,
        cv,
        quotas,
        compliance: Compliance {
            eligible_total,
            moved,
            moved_share,
            backbone_moved: st.bb_moved,
            backbone_share,
            quotas_met,
            backbone_met,
            summary,
        },
        objective,
        lower_bound,
        gap,
        infeasibilities: notes.to_vec(),
        rounds,
        bound_iterations: 0,
    }
}

/// The lower bound with the nominal quotas (see [`Plan::lower_bound`]): the Lagrangian bound of a default
/// [`plan`] when every quota is feasible (then enforced = nominal), else the simple bound.
pub fn lower_bound(input: &PlanInput) -> Result<f64, PlanError> {
    let p = plan(input, &PlanOptions::default())?;
    if p.infeasibilities.is_empty() {
        return Ok(p.lower_bound);
    }
    let mut m = Model::new(input)?;
    m.quota = m.quota_nominal.clone();
    Ok(bound::lower_bound(&m))
}

#[cfg(test)]
mod tests;
