//! Indexed model of an input and the incremental state the search works on.

use std::collections::{BTreeMap, HashMap, HashSet};

use gongjin_balance::BalanceStage;

use crate::{CommunityRule, Forbid, PlanError, PlanInput};

pub(crate) const N_GROUPS: usize = 4;
pub(crate) const BB: usize = 0;
pub(crate) const DEG: usize = 1;

pub(crate) struct PartInfo {
    pub school: usize,
    pub stage: BalanceStage,
    pub enrolment: u32,
    pub included: bool,
}

pub(crate) struct Model<'a> {
    pub input: &'a PlanInput,
    pub nt: usize,
    pub ns: usize,
    pub nsubj: usize,
    pub subject_names: Vec<String>,
    pub t_school: Vec<usize>,
    pub t_stage: Vec<BalanceStage>,
    pub t_bb: Vec<bool>,
    pub t_deg: Vec<bool>,
    pub t_subj: Vec<Vec<usize>>,
    pub t_main: Vec<Option<usize>>,
    pub t_eligible: Vec<bool>,
    /// eligible, not forbidden to move, not locked: the search may decide about it
    pub t_free: Vec<bool>,
    pub t_lock: Vec<Option<(usize, u8)>>,
    /// allowed destinations of a free teacher (hard rules except capacity / coverage / quota)
    pub t_dests: Vec<Vec<usize>>,
    pub parts: Vec<PartInfo>,
    /// school -> [primary part, junior part]
    pub school_parts: Vec<[Option<usize>; 2]>,
    pub dist: Vec<f64>,
    pub same_comm: Vec<bool>,
    pub shortage: Vec<Vec<u32>>,
    pub surplus: Vec<Vec<u32>>,
    pub initial_subj: Vec<Vec<u32>>,
    pub eligible_count: Vec<u32>,
    pub quota_nominal: Vec<u32>,
    pub quota: Vec<u32>,
    pub cap: Vec<u32>,
    pub psum: [f64; N_GROUPS],
    /// per school, per subject: see [`Model::coverage_room`]
    pub cov_room: Vec<Vec<Option<u32>>>,
}

fn stage_idx(s: BalanceStage) -> usize {
    match s {
        BalanceStage::Primary => 0,
        BalanceStage::Junior => 1,
    }
}

pub(crate) fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (la1, lo1) = (a.0.to_radians(), a.1.to_radians());
    let (la2, lo2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((la2 - la1) / 2.0).sin().powi(2)
        + la1.cos() * la2.cos() * ((lo2 - lo1) / 2.0).sin().powi(2);
    2.0 * 6371.0088 * h.sqrt().min(1.0).asin()
}

impl<'a> Model<'a> {
    pub fn group(stage: BalanceStage, ind: usize) -> usize {
        stage_idx(stage) * 2 + ind
    }
    pub fn group_stage(g: usize) -> BalanceStage {
        if g / 2 == 0 {
            BalanceStage::Primary
        } else {
            BalanceStage::Junior
        }
    }
    pub fn group_ind(g: usize) -> usize {
        g % 2
    }
    pub fn cv_weight(&self, ind: usize) -> f64 {
        if ind == BB {
            self.input.weights.cv_backbone
        } else {
            self.input.weights.cv_degree
        }
    }
    pub fn has_attr(&self, t: usize, ind: usize) -> bool {
        if ind == BB {
            self.t_bb[t]
        } else {
            self.t_deg[t]
        }
    }
    pub fn groups_of(&self, t: usize) -> usize {
        usize::from(self.t_bb[t]) + usize::from(self.t_deg[t])
    }
    pub fn part_of(&self, school: usize, stage: BalanceStage) -> Option<usize> {
        self.school_parts[school][stage_idx(stage)]
    }
    pub fn t_locked_dest(&self, t: usize) -> Option<usize> {
        self.t_lock[t].map(|l| l.0)
    }
    pub fn d(&self, i: usize, j: usize) -> f64 {
        self.dist[i * self.ns + j]
    }
    /// School-level rules: stage part exists, distance, community requirement.
    pub fn reachable(&self, i: usize, j: usize, stage: BalanceStage) -> bool {
        if i == j || self.part_of(j, stage).is_none() {
            return false;
        }
        let p = &self.input.policy;
        if let Some(mx) = p.max_distance_km
            && self.d(i, j) > mx + 1e-9
        {
            return false;
        }
        if p.community == CommunityRule::Required && !self.same_comm[i * self.ns + j] {
            return false;
        }
        true
    }
    /// Cost of one move (disruption + distance + outside community).
    pub fn move_cost(&self, i: usize, j: usize) -> f64 {
        let w = &self.input.weights;
        let mut c = w.per_move + w.per_km * self.d(i, j);
        if self.input.policy.community == CommunityRule::Preferred
            && !self.same_comm[i * self.ns + j]
        {
            c += w.outside_community;
        }
        c
    }

    pub fn new(input: &'a PlanInput) -> Result<Self, PlanError> {
        let p = &input.policy;
        if !(1..=3).contains(&p.term_years) {
            return Err(PlanError::InvalidPolicy(format!(
                "任期须为1至3年，收到{}",
                p.term_years
            )));
        }
        let ns = input.schools.len();
        let mut sidx: HashMap<&str, usize> = HashMap::new();
        for (i, s) in input.schools.iter().enumerate() {
            if sidx.insert(s.id.as_str(), i).is_some() {
                return Err(PlanError::DuplicateSchool(s.id.clone()));
            }
        }
        let mut parts = Vec::new();
        let mut school_parts = vec![[None, None]; ns];
        for (i, s) in input.schools.iter().enumerate() {
            for sp in &s.parts {
                let k = stage_idx(sp.stage);
                if school_parts[i][k].is_some() {
                    return Err(PlanError::InvalidInput(format!("学校{}的学段重复", s.id)));
                }
                school_parts[i][k] = Some(parts.len());
                parts.push(PartInfo {
                    school: i,
                    stage: sp.stage,
                    enrolment: sp.enrolment,
                    included: input.balance_rules.included_enrolment(sp.enrolment),
                });
            }
        }
        let mut subj: BTreeMap<String, usize> = BTreeMap::new();
        let mut subject_names = Vec::new();
        let mut sid = |name: &str, subject_names: &mut Vec<String>| -> usize {
            if let Some(&i) = subj.get(name) {
                return i;
            }
            subj.insert(name.to_string(), subject_names.len());
            subject_names.push(name.to_string());
            subject_names.len() - 1
        };
        let nt = input.teachers.len();
        let mut tidx: HashMap<&str, usize> = HashMap::new();
        let mut t_school = Vec::with_capacity(nt);
        let mut t_subj = Vec::with_capacity(nt);
        let mut t_main = Vec::with_capacity(nt);
        for (t, te) in input.teachers.iter().enumerate() {
            if tidx.insert(te.id.as_str(), t).is_some() {
                return Err(PlanError::DuplicateTeacher(te.id.clone()));
            }
            let s = *sidx
                .get(te.school.as_str())
                .ok_or_else(|| PlanError::UnknownSchool(te.school.clone()))?;
            if school_parts[s][stage_idx(te.stage)].is_none() {
                return Err(PlanError::InvalidInput(format!(
                    "教师{}所在学校{}没有{}学段",
                    te.id,
                    te.school,
                    te.stage.label_zh()
                )));
            }
            t_school.push(s);
            let mut v: Vec<usize> = te
                .subjects
                .iter()
                .map(|x| sid(x, &mut subject_names))
                .collect();
            t_main.push(v.first().copied());
            v.sort_unstable();
            v.dedup();
            t_subj.push(v);
        }
        let mut short_raw = Vec::new();
        for s in &input.schools {
            let a: Vec<(usize, u32)> = s
                .shortages
                .iter()
                .map(|(k, &n)| (sid(k, &mut subject_names), n))
                .collect();
            let b: Vec<(usize, u32)> = s
                .surpluses
                .iter()
                .map(|(k, &n)| (sid(k, &mut subject_names), n))
                .collect();
            short_raw.push((a, b));
        }
        let nsubj = subject_names.len();
        let mut shortage = vec![vec![0u32; nsubj]; ns];
        let mut surplus = vec![vec![0u32; nsubj]; ns];
        for (i, (a, b)) in short_raw.into_iter().enumerate() {
            for (k, n) in a {
                shortage[i][k] = n;
            }
            for (k, n) in b {
                surplus[i][k] = n;
            }
        }
        let mut dist = vec![0.0; ns * ns];
        let mut same_comm = vec![false; ns * ns];
        for i in 0..ns {
            for j in 0..ns {
                let (a, b) = (&input.schools[i], &input.schools[j]);
                dist[i * ns + j] = haversine_km((a.lat, a.lon), (b.lat, b.lon));
                same_comm[i * ns + j] =
                    i == j || (a.community.is_some() && a.community == b.community);
            }
        }
        let t_stage: Vec<BalanceStage> = input.teachers.iter().map(|t| t.stage).collect();
        let t_bb: Vec<bool> = input.teachers.iter().map(|t| t.backbone.counts()).collect();
        let t_deg: Vec<bool> = input.teachers.iter().map(|t| t.has_higher_degree).collect();
        let t_eligible: Vec<bool> = input
            .teachers
            .iter()
            .map(|t| t.years_at_school >= p.eligible_after_years && !t.exemptions.any())
            .collect();
        let mut no_move: HashSet<usize> = HashSet::new();
        let mut no_dest: HashSet<(usize, usize)> = HashSet::new();
        for f in &input.forbids {
            match f {
                Forbid::Teacher { teacher } => {
                    let t = *tidx
                        .get(teacher.as_str())
                        .ok_or_else(|| PlanError::UnknownTeacher(teacher.clone()))?;
                    no_move.insert(t);
                }
                Forbid::Destination { teacher, school } => {
                    let t = *tidx
                        .get(teacher.as_str())
                        .ok_or_else(|| PlanError::UnknownTeacher(teacher.clone()))?;
                    let s = *sidx
                        .get(school.as_str())
                        .ok_or_else(|| PlanError::UnknownSchool(school.clone()))?;
                    no_dest.insert((t, s));
                }
            }
        }
        let mut m = Model {
            input,
            nt,
            ns,
            nsubj,
            subject_names,
            t_school,
            t_stage,
            t_bb,
            t_deg,
            t_subj,
            t_main,
            t_eligible,
            t_free: vec![false; nt],
            t_lock: vec![None; nt],
            t_dests: vec![Vec::new(); nt],
            parts,
            school_parts,
            dist,
            same_comm,
            shortage,
            surplus,
            initial_subj: vec![vec![0; nsubj]; ns],
            eligible_count: vec![0; ns],
            quota_nominal: vec![0; ns],
            quota: vec![0; ns],
            cap: vec![u32::MAX; ns],
            psum: [0.0; N_GROUPS],
            cov_room: Vec::new(),
        };
        for t in 0..nt {
            for &k in &m.t_subj[t] {
                m.initial_subj[m.t_school[t]][k] += 1;
            }
            if m.t_eligible[t] {
                m.eligible_count[m.t_school[t]] += 1;
            }
        }
        for part in &m.parts {
            if part.included {
                for ind in [BB, DEG] {
                    m.psum[Model::group(part.stage, ind)] += f64::from(part.enrolment);
                }
            }
        }
        if let Some(c) = p.max_incoming_per_school {
            m.cap = vec![c; ns];
        }
        for (i, s) in input.schools.iter().enumerate() {
            if s.locality == crate::Locality::Urban || s.strong {
                let e = f64::from(m.eligible_count[i]) * p.quota_share;
                m.quota_nominal[i] = (e - 1e-9).ceil().max(0.0) as u32;
            }
        }
        // locks
        for l in &input.locks {
            let t = *tidx
                .get(l.teacher.as_str())
                .ok_or_else(|| PlanError::UnknownTeacher(l.teacher.clone()))?;
            let j = *sidx
                .get(l.to.as_str())
                .ok_or_else(|| PlanError::UnknownSchool(l.to.clone()))?;
            let bad = |r: String| PlanError::InvalidLock {
                teacher: l.teacher.clone(),
                reason: r,
            };
            if m.t_lock[t].is_some() {
                return Err(bad("同一教师被锁定了两次".into()));
            }
            if !m.t_eligible[t] {
                return Err(bad(
                    "教师不符合交流条件（任教年限不足或已标记免于交流）".into()
                ));
            }
            if no_move.contains(&t) || no_dest.contains(&(t, j)) {
                return Err(bad("与禁止规则冲突".into()));
            }
            if !m.reachable(m.t_school[t], j, m.t_stage[t]) {
                return Err(bad(
                    "目标学校不在同一学段、超出距离上限或不在同一共同体".into()
                ));
            }
            let term = l.term_years.unwrap_or(p.term_years);
            if !(1..=3).contains(&term) {
                return Err(bad(format!("任期须为1至3年，收到{term}")));
            }
            m.t_lock[t] = Some((j, term));
        }
        for t in 0..nt {
            m.t_free[t] = m.t_eligible[t] && !no_move.contains(&t) && m.t_lock[t].is_none();
            if m.t_free[t] {
                let i = m.t_school[t];
                m.t_dests[t] = (0..ns)
                    .filter(|&j| m.reachable(i, j, m.t_stage[t]) && !no_dest.contains(&(t, j)))
                    .collect();
            }
        }
        m.pin_by_coverage();
        m.compute_coverage_room();
        Ok(m)
    }

    /// Coverage rule, exact preprocessing: a free teacher who is (after the locks) the only holder of one of
    /// its subjects that could stay at home can never move in a plan obeying the rule, so its destination
    /// list is emptied. Repeated until nothing changes. Every plan obeying the hard rules is kept, so bounds
    /// computed on the pinned model remain valid.
    fn pin_by_coverage(&mut self) {
        loop {
            let mut changed = false;
            // per (school, subject): (teachers that surely stay, movable holders)
            let mut stay = vec![vec![0u32; self.nsubj]; self.ns];
            let mut movable: Vec<Vec<Vec<usize>>> = vec![vec![Vec::new(); self.nsubj]; self.ns];
            for t in 0..self.nt {
                let i = self.t_school[t];
                for &k in &self.t_subj[t] {
                    if self.t_lock[t].is_some() {
                        continue;
                    }
                    if self.t_free[t] && !self.t_dests[t].is_empty() {
                        movable[i][k].push(t);
                    } else {
                        stay[i][k] += 1;
                    }
                }
            }
            for i in 0..self.ns {
                for k in 0..self.nsubj {
                    if stay[i][k] == 0 && movable[i][k].len() == 1 {
                        let t = movable[i][k][0];
                        if !self.t_dests[t].is_empty() {
                            self.t_dests[t].clear();
                            changed = true;
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
    }

    /// Coverage rule as a cap: at most this many free teachers holding subject k may leave school i (all
    /// movable holders but one, when no holder surely stays), or `None` when the rule can not bind.
    pub fn coverage_room(&self, i: usize, k: usize) -> Option<u32> {
        self.cov_room[i][k]
    }

    fn compute_coverage_room(&mut self) {
        let mut stay = vec![vec![0u32; self.nsubj]; self.ns];
        let mut movable = vec![vec![0u32; self.nsubj]; self.ns];
        for t in 0..self.nt {
            if self.t_lock[t].is_some() {
                continue;
            }
            let i = self.t_school[t];
            for &k in &self.t_subj[t] {
                if self.t_free[t] && !self.t_dests[t].is_empty() {
                    movable[i][k] += 1;
                } else {
                    stay[i][k] += 1;
                }
            }
        }
        self.cov_room = (0..self.ns)
            .map(|i| {
                (0..self.nsubj)
                    .map(|k| {
                        if stay[i][k] > 0 || movable[i][k] == 0 {
                            None
                        } else {
                            Some(movable[i][k] - 1)
                        }
                    })
                    .collect()
            })
            .collect();
    }

    /// Move cost plus the sending-gap unit every move of this teacher surely opens (no surplus of its main
    /// subject at home): a per-move lower bound used by the bound.
    pub fn bound_cost(&self, t: usize, j: usize) -> f64 {
        let i = self.t_school[t];
        let gap = match self.t_main[t] {
            Some(k) if self.surplus[i][k] == 0 => self.input.weights.sender_gap,
            _ => 0.0,
        };
        self.move_cost(i, j) + gap
    }

    /// Cost paid by every plan because of the locks (their move costs and the sending gaps they open).
    pub fn locked_constant(&self) -> f64 {
        let w = &self.input.weights;
        let mut c = 0.0;
        let mut out = vec![vec![0u32; self.nsubj]; self.ns];
        for t in 0..self.nt {
            if let Some((j, _)) = self.t_lock[t] {
                c += self.move_cost(self.t_school[t], j);
                if let Some(k) = self.t_main[t] {
                    out[self.t_school[t]][k] += 1;
                }
            }
        }
        for i in 0..self.ns {
            for k in 0..self.nsubj {
                c += w.sender_gap * f64::from(out[i][k].saturating_sub(self.surplus[i][k]));
            }
        }
        c
    }

    /// Σ over schools of (required free moves) × (cheapest free move from that school).
    pub fn quota_cost_floor(&self) -> f64 {
        let mut locked_out = vec![0u32; self.ns];
        for t in 0..self.nt {
            if self.t_lock[t].is_some() {
                locked_out[self.t_school[t]] += 1;
            }
        }
        let mut total = 0.0;
        for i in 0..self.ns {
            let need = self.quota[i].saturating_sub(locked_out[i]);
            if need == 0 {
                continue;
            }
            let cheapest = (0..self.nt)
                .filter(|&t| self.t_free[t] && self.t_school[t] == i)
                .flat_map(|t| self.t_dests[t].iter().map(move |&j| (t, j)))
                .map(|(t, j)| self.bound_cost(t, j))
                .fold(f64::INFINITY, f64::min);
            if cheapest.is_finite() {
                total += f64::from(need) * cheapest;
            }
        }
        total
    }

    /// Lower bound of the shortage penalty plus the γ share of the incoming moves' costs.
    pub fn shortage_floor(&self, gamma: f64) -> f64 {
        let w = self.input.weights.shortage;
        let mut locked_in = vec![vec![0u32; self.nsubj]; self.ns];
        for t in 0..self.nt {
            if let (Some((j, _)), Some(k)) = (self.t_lock[t], self.t_main[t]) {
                locked_in[j][k] += 1;
            }
        }
        let mut total = 0.0;
        for j in 0..self.ns {
            for k in 0..self.nsubj {
                let s = self.shortage[j][k].saturating_sub(locked_in[j][k]);
                if s == 0 {
                    continue;
                }
                let mut sup = 0u32;
                let mut cheapest = f64::INFINITY;
                for t in 0..self.nt {
                    if self.t_free[t] && self.t_main[t] == Some(k) && self.t_dests[t].contains(&j) {
                        sup += 1;
                        cheapest = cheapest.min(self.bound_cost(t, j));
                    }
                }
                let fill = s.min(sup);
                let unit = if cheapest.is_finite() {
                    w.min(gamma * cheapest)
                } else {
                    w
                };
                total += f64::from(fill) * unit + f64::from(s - fill) * w;
            }
        }
        total
    }
}

/// The incremental state: where every teacher goes.
#[derive(Clone)]
pub(crate) struct State {
    pub dest: Vec<Option<usize>>,
    pub cnt: Vec<[i64; 2]>,
    pub q: [f64; N_GROUPS],
    pub tot: [f64; N_GROUPS],
    /// CV per group (kept in step with q and tot)
    pub cvv: [f64; N_GROUPS],
    pub out_n: Vec<u32>,
    pub in_n: Vec<u32>,
    pub stay_subj: Vec<Vec<u32>>,
    pub in_main: Vec<Vec<u32>>,
    pub out_main: Vec<Vec<u32>>,
    pub moved: u32,
    pub bb_moved: u32,
    pub unfilled: i64,
    pub gap: i64,
    pub cost: f64,
}

impl State {
    pub fn new(m: &Model) -> State {
        let mut cnt = vec![[0i64; 2]; m.parts.len()];
        for t in 0..m.nt {
            let p = m.part_of(m.t_school[t], m.t_stage[t]).unwrap_or(0);
            if m.t_bb[t] {
                cnt[p][BB] += 1;
            }
            if m.t_deg[t] {
                cnt[p][DEG] += 1;
            }
        }
        let mut q = [0.0; N_GROUPS];
        let mut tot = [0.0; N_GROUPS];
        for (p, part) in m.parts.iter().enumerate() {
            if part.included {
                for ind in [BB, DEG] {
                    let g = Model::group(part.stage, ind);
                    let c = cnt[p][ind] as f64;
                    q[g] += c * c / f64::from(part.enrolment);
                    tot[g] += c;
                }
            }
        }
        let unfilled: i64 = m.shortage.iter().flatten().map(|&x| i64::from(x)).sum();
        let mut cvv = [0.0; N_GROUPS];
        for g in 0..N_GROUPS {
            cvv[g] = crate::bound::cv_of(q[g], m.psum[g], tot[g]);
        }
        State {
            dest: vec![None; m.nt],
            cnt,
            q,
            tot,
            cvv,
            out_n: vec![0; m.ns],
            in_n: vec![0; m.ns],
            stay_subj: m.initial_subj.clone(),
            in_main: vec![vec![0; m.nsubj]; m.ns],
            out_main: vec![vec![0; m.nsubj]; m.ns],
            moved: 0,
            bb_moved: 0,
            unfilled,
            gap: 0,
            cost: 0.0,
        }
    }

    fn shift(&mut self, m: &Model, t: usize, from_school: usize, to_school: usize) {
        let st = m.t_stage[t];
        let pa = m.part_of(from_school, st).unwrap_or(0);
        let pb = m.part_of(to_school, st).unwrap_or(0);
        for ind in [BB, DEG] {
            if !m.has_attr(t, ind) {
                continue;
            }
            let g = Model::group(st, ind);
            if m.parts[pa].included {
                let c = self.cnt[pa][ind] as f64;
                self.q[g] += (1.0 - 2.0 * c) / f64::from(m.parts[pa].enrolment);
                self.tot[g] -= 1.0;
            }
            self.cnt[pa][ind] -= 1;
            if m.parts[pb].included {
                let c = self.cnt[pb][ind] as f64;
                self.q[g] += (2.0 * c + 1.0) / f64::from(m.parts[pb].enrolment);
                self.tot[g] += 1.0;
            }
            self.cnt[pb][ind] += 1;
            self.cvv[g] = crate::bound::cv_of(self.q[g], m.psum[g], self.tot[g]);
        }
    }

    /// Move teacher t (currently at home) to j.
    pub fn add(&mut self, m: &Model, t: usize, j: usize) {
        let i = m.t_school[t];
        debug_assert!(self.dest[t].is_none());
        self.dest[t] = Some(j);
        self.shift(m, t, i, j);
        self.out_n[i] += 1;
        self.in_n[j] += 1;
        for &k in &m.t_subj[t] {
            self.stay_subj[i][k] -= 1;
        }
        if let Some(k) = m.t_main[t] {
            if self.in_main[j][k] < m.shortage[j][k] {
                self.unfilled -= 1;
            }
            self.in_main[j][k] += 1;
            if self.out_main[i][k] >= m.surplus[i][k] {
                self.gap += 1;
            }
            self.out_main[i][k] += 1;
        }
        self.moved += 1;
        if m.t_bb[t] {
            self.bb_moved += 1;
        }
        self.cost += m.move_cost(i, j);
    }

    pub fn remove(&mut self, m: &Model, t: usize) {
        let i = m.t_school[t];
        let j = self.dest[t].take().unwrap_or(i);
        self.shift(m, t, j, i);
        self.out_n[i] -= 1;
        self.in_n[j] -= 1;
        for &k in &m.t_subj[t] {
            self.stay_subj[i][k] += 1;
        }
        if let Some(k) = m.t_main[t] {
            self.in_main[j][k] -= 1;
            if self.in_main[j][k] < m.shortage[j][k] {
                self.unfilled += 1;
            }
            self.out_main[i][k] -= 1;
            if self.out_main[i][k] >= m.surplus[i][k] {
                self.gap -= 1;
            }
        }
        self.moved -= 1;
        if m.t_bb[t] {
            self.bb_moved -= 1;
        }
        self.cost -= m.move_cost(i, j);
    }

    /// The objective after moving t (at home) to j, without changing the state (same arithmetic as
    /// `add` followed by `objective`).
    pub fn objective_after_add(&self, m: &Model, t: usize, j: usize) -> f64 {
        let i = m.t_school[t];
        let st = m.t_stage[t];
        let pa = m.part_of(i, st).unwrap_or(0);
        let pb = m.part_of(j, st).unwrap_or(0);
        let mut q = self.q;
        let mut tot = self.tot;
        let mut cvv = self.cvv;
        for ind in [BB, DEG] {
            if !m.has_attr(t, ind) {
                continue;
            }
            let g = Model::group(st, ind);
            if m.parts[pa].included {
                let c = self.cnt[pa][ind] as f64;
                q[g] += (1.0 - 2.0 * c) / f64::from(m.parts[pa].enrolment);
                tot[g] -= 1.0;
            }
            if m.parts[pb].included {
                let c = self.cnt[pb][ind] as f64;
                q[g] += (2.0 * c + 1.0) / f64::from(m.parts[pb].enrolment);
                tot[g] += 1.0;
            }
            cvv[g] = crate::bound::cv_of(q[g], m.psum[g], tot[g]);
        }
        let (mut unfilled, mut gap) = (self.unfilled, self.gap);
        if let Some(k) = m.t_main[t] {
            if self.in_main[j][k] < m.shortage[j][k] {
                unfilled -= 1;
            }
            if self.out_main[i][k] >= m.surplus[i][k] {
                gap += 1;
            }
        }
        let cost = self.cost + m.move_cost(i, j);
        let w = &m.input.weights;
        let mut f = 0.0;
        for g in 0..N_GROUPS {
            f += m.cv_weight(Model::group_ind(g)) * cvv[g];
        }
        f + w.shortage * unfilled as f64 + w.sender_gap * gap as f64 + cost
    }

    pub fn cv(&self, _m: &Model, g: usize) -> f64 {
        self.cvv[g]
    }

    pub fn objective(&self, m: &Model) -> f64 {
        let w = &m.input.weights;
        let mut f = 0.0;
        for g in 0..N_GROUPS {
            f += m.cv_weight(Model::group_ind(g)) * self.cv(m, g);
        }
        f + w.shortage * self.unfilled as f64 + w.sender_gap * self.gap as f64 + self.cost
    }

    /// Coverage rule: t can leave without leaving one of its subjects uncovered at home.
    pub fn coverage_ok(&self, m: &Model, t: usize) -> bool {
        let i = m.t_school[t];
        m.t_subj[t].iter().all(|&k| self.stay_subj[i][k] >= 2)
    }
}
