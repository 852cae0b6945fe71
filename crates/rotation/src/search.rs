//! Construction and local search (the primal side).

use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{Model, State};

pub(crate) struct Search<'m, 'a> {
    pub m: &'m Model<'a>,
    pub st: State,
    pub quota: Vec<u32>,
    pub share: f64,
    /// when the backbone share can not be met: (backbone moves, moves) that may not get worse
    pub relax: Option<(u32, u32)>,
    pub by_school: Vec<Vec<usize>>,
    pub notes: Vec<String>,
}

const EPS: f64 = 1e-12;

impl<'m, 'a> Search<'m, 'a> {
    pub fn new(m: &'m Model<'a>) -> Self {
        let mut by_school = vec![Vec::new(); m.ns];
        for t in 0..m.nt {
            if m.t_free[t] {
                by_school[m.t_school[t]].push(t);
            }
        }
        let mut st = State::new(m);
        for t in 0..m.nt {
            if let Some((j, _)) = m.t_lock[t] {
                st.add(m, t, j);
            }
        }
        Search {
            m,
            st,
            quota: m.quota_nominal.clone(),
            share: m.input.policy.backbone_share,
            relax: None,
            by_school,
            notes: Vec::new(),
        }
    }

    pub fn share_ok(&self, bb: u32, moved: u32) -> bool {
        if f64::from(bb) + 1e-9 >= self.share * f64::from(moved) {
            return true;
        }
        matches!(self.relax, Some((b0, m0)) if bb >= b0 && moved <= m0)
    }

    fn can_add(&self, t: usize, j: usize) -> bool {
        self.st.dest[t].is_none()
            && self.st.in_n[j] < self.m.cap[j]
            && self.st.coverage_ok(self.m, t)
    }

    /// Objective after adding t -> j (state restored).
    fn eval_add(&mut self, t: usize, j: usize) -> f64 {
        let f = self.st.objective_after_add(self.m, t, j);
        debug_assert!({
            self.st.add(self.m, t, j);
            let g = self.st.objective(self.m);
            self.st.remove(self.m, t);
            (f - g).abs() <= 1e-12 * (1.0 + g.abs())
        });
        f
    }

    fn best_add_from(
        &mut self,
        teachers: &[usize],
        need_share: bool,
    ) -> Option<(usize, usize, f64)> {
        let mut best: Option<(usize, usize, f64)> = None;
        for &t in teachers {
            if self.st.dest[t].is_some() || !self.st.coverage_ok(self.m, t) {
                continue;
            }
            let bb = self.st.bb_moved + u32::from(self.m.t_bb[t]);
            if need_share && !self.share_ok(bb, self.st.moved + 1) {
                continue;
            }
            for di in 0..self.m.t_dests[t].len() {
                let j = self.m.t_dests[t][di];
                if !self.can_add(t, j) {
                    continue;
                }
                let f = self.eval_add(t, j);
                if best.is_none_or(|b| f < b.2 - EPS) {
                    best = Some((t, j, f));
                }
            }
        }
        best
    }

    /// Meet quotas, then the backbone share. Records what can not be met.
    pub fn construct(&mut self) {
        let m = self.m;
        for i in 0..m.ns {
            while self.st.out_n[i] < self.quota[i] {
                let list = self.by_school[i].clone();
                match self.best_add_from(&list, false) {
                    Some((t, j, _)) => self.st.add(m, t, j),
                    None => {
                        let s = &m.input.schools[i];
                        let free = list.len();
                        let forbidden_or_locked = m.eligible_count[i] as usize - free;
                        let no_dest = list.iter().filter(|&&t| m.t_dests[t].is_empty()).count();
                        self.notes.push(format!(
                            "{}（{}）须派出{}人（符合条件{}人的10%向上取整），仅能派出{}人：可自由安排的符合条件教师{}人，其中被禁止或已锁定{}人、无可去学校（学段/距离/共同体/禁止）{}人，其余受学科保留（派出校每科至少留1人）或接收校名额限制",
                            s.name.as_deref().unwrap_or(&s.id),
                            s.id,
                            self.quota[i],
                            m.eligible_count[i],
                            self.st.out_n[i],
                            free,
                            forbidden_or_locked,
                            no_dest
                        ));
                        self.quota[i] = self.st.out_n[i];
                        break;
                    }
                }
            }
        }
        let all_free: Vec<usize> = (0..m.nt).filter(|&t| m.t_free[t] && m.t_bb[t]).collect();
        while !self.share_ok(self.st.bb_moved, self.st.moved) {
            if let Some((t, j, _)) = self.best_add_from(&all_free, false) {
                self.st.add(m, t, j);
                continue;
            }
            // swap a moving non-backbone free teacher for a backbone one of the same school
            let mut done = false;
            for t in 0..m.nt {
                if !m.t_free[t] || m.t_bb[t] || self.st.dest[t].is_none() {
                    continue;
                }
                let i = m.t_school[t];
                let j0 = self.st.dest[t].unwrap_or(i);
                self.st.remove(m, t);
                let cands: Vec<usize> = self.by_school[i]
                    .iter()
                    .copied()
                    .filter(|&u| m.t_bb[u])
                    .collect();
                if let Some((u, j, _)) = self.best_add_from(&cands, false) {
                    self.st.add(m, u, j);
                    done = true;
                    break;
                }
                self.st.add(m, t, j0);
            }
            if !done {
                self.notes.push(format!(
                    "骨干教师占比要求≥{:.0}%无法满足：派出{}人中骨干教师仅{}人，已无可派出的符合条件骨干教师",
                    self.share * 100.0,
                    self.st.moved,
                    self.st.bb_moved
                ));
                self.relax = Some((self.st.bb_moved, self.st.moved));
                break;
            }
        }
    }

    /// One full pass of improving moves. Returns whether anything improved.
    fn pass(&mut self, order: &[usize]) -> bool {
        self.pass_marking(order, None)
    }

    /// [`Search::pass`], marking the schools whose moves changed (home and destinations) in `touched`.
    fn pass_marking(&mut self, order: &[usize], mut touched: Option<&mut Vec<bool>>) -> bool {
        let m = self.m;
        let mut mark = |i: usize| {
            if let Some(v) = touched.as_deref_mut() {
                v[i] = true;
            }
        };
        let mut improved = false;
        for &t in order {
            let cur = self.st.objective(m);
            match self.st.dest[t] {
                None => {
                    if let Some((t2, j, f)) = self.best_add_from(&[t], true)
                        && f < cur - EPS
                    {
                        self.st.add(m, t2, j);
                        mark(m.t_school[t2]);
                        mark(j);
                        improved = true;
                    }
                }
                Some(j0) => {
                    let i = m.t_school[t];
                    self.st.remove(m, t);
                    // option 1: stay home
                    let mut best: (f64, Option<(usize, usize)>) = (f64::INFINITY, None);
                    if self.st.out_n[i] >= self.quota[i]
                        && self.share_ok(self.st.bb_moved, self.st.moved)
                    {
                        best = (self.st.objective(m), None);
                    }
                    // option 2: t elsewhere
                    for &j in &m.t_dests[t] {
                        if j != j0 && self.can_add(t, j) {
                            let f = self.eval_add(t, j);
                            if f < best.0 - EPS {
                                best = (f, Some((t, j)));
                            }
                        }
                    }
                    // option 3: another teacher of the same school instead
                    let list = self.by_school[i].clone();
                    for &u in &list {
                        if u == t || self.st.dest[u].is_some() || !self.st.coverage_ok(m, u) {
                            continue;
                        }
                        if !self
                            .share_ok(self.st.bb_moved + u32::from(m.t_bb[u]), self.st.moved + 1)
                        {
                            continue;
                        }
                        for &j in &m.t_dests[u] {
                            if self.can_add(u, j) {
                                let f = self.eval_add(u, j);
                                if f < best.0 - EPS {
                                    best = (f, Some((u, j)));
                                }
                            }
                        }
                    }
                    if best.0 < cur - EPS {
                        mark(i);
                        mark(j0);
                        if let Some((u, j)) = best.1 {
                            self.st.add(m, u, j);
                            mark(j);
                        }
                        improved = true;
                    } else {
                        self.st.add(m, t, j0);
                    }
                }
            }
        }
        improved
    }

    pub fn descend(&mut self, rng: &mut ChaCha8Rng, stop: &mut dyn FnMut() -> bool) {
        let mut order: Vec<usize> = (0..self.m.nt).filter(|&t| self.m.t_free[t]).collect();
        for _ in 0..200 {
            order.shuffle(rng);
            let improved = self.pass(&order) || self.swap_pass();
            if !improved || stop() {
                break;
            }
        }
        self.rebuild();
    }

    /// Exchange the destinations of two moving teachers (quotas, share, caps and coverage unchanged).
    fn swap_pass(&mut self) -> bool {
        let m = self.m;
        let moving: Vec<usize> = (0..m.nt)
            .filter(|&t| m.t_free[t] && self.st.dest[t].is_some())
            .collect();
        let mut improved = false;
        for a in 0..moving.len() {
            for b in a + 1..moving.len() {
                let (t1, t2) = (moving[a], moving[b]);
                let (Some(j1), Some(j2)) = (self.st.dest[t1], self.st.dest[t2]) else {
                    continue;
                };
                if j1 == j2
                    || m.t_stage[t1] != m.t_stage[t2]
                    || !m.t_dests[t1].contains(&j2)
                    || !m.t_dests[t2].contains(&j1)
                {
                    continue;
                }
                let cur = self.st.objective(m);
                self.st.remove(m, t1);
                self.st.remove(m, t2);
                self.st.add(m, t1, j2);
                self.st.add(m, t2, j1);
                if self.st.objective(m) < cur - EPS {
                    improved = true;
                } else {
                    self.st.remove(m, t1);
                    self.st.remove(m, t2);
                    self.st.add(m, t1, j1);
                    self.st.add(m, t2, j2);
                }
            }
        }
        improved
    }

    /// Recompute the incremental sums from the assignment (removes floating drift).
    pub fn rebuild(&mut self) {
        let dest = self.st.dest.clone();
        let mut st = State::new(self.m);
        for (t, d) in dest.iter().enumerate() {
            if let Some(j) = d {
                st.add(self.m, t, *j);
            }
        }
        self.st = st;
    }

    /// Random kick: a few removals, redirections and additions, all keeping the hard rules.
    /// Returns the schools whose moves changed.
    pub fn kick(&mut self, rng: &mut ChaCha8Rng, size: usize) -> Vec<bool> {
        let m = self.m;
        let mut touched = vec![false; m.ns];
        let free: Vec<usize> = (0..m.nt).filter(|&t| m.t_free[t]).collect();
        if free.is_empty() {
            return touched;
        }
        for _ in 0..size {
            let t = free[rng.random_range(0..free.len())];
            let i = m.t_school[t];
            match self.st.dest[t] {
                Some(_) => {
                    let bb = self.st.bb_moved - u32::from(m.t_bb[t]);
                    let j0 = self.st.dest[t].unwrap_or(i);
                    touched[i] = true;
                    touched[j0] = true;
                    if self.st.out_n[i] > self.quota[i] && self.share_ok(bb, self.st.moved - 1) {
                        self.st.remove(m, t);
                    } else if !m.t_dests[t].is_empty() {
                        let j = m.t_dests[t][rng.random_range(0..m.t_dests[t].len())];
                        self.st.remove(m, t);
                        if self.can_add(t, j) {
                            self.st.add(m, t, j);
                            touched[j] = true;
                        } else {
                            self.st.add(m, t, j0);
                        }
                    }
                }
                None => {
                    if m.t_dests[t].is_empty() {
                        continue;
                    }
                    let j = m.t_dests[t][rng.random_range(0..m.t_dests[t].len())];
                    let bb = self.st.bb_moved + u32::from(m.t_bb[t]);
                    if self.can_add(t, j) && self.share_ok(bb, self.st.moved + 1) {
                        self.st.add(m, t, j);
                        touched[i] = true;
                        touched[j] = true;
                    }
                }
            }
        }
        touched
    }

    /// Descent restricted to the teachers of touched schools (home or destination), widening to the schools
    /// each improvement touches, until nothing improves there.
    fn descend_touched(&mut self, mut touched: Vec<bool>, rng: &mut ChaCha8Rng) {
        let m = self.m;
        for _ in 0..50 {
            let mut order: Vec<usize> = (0..m.nt)
                .filter(|&t| {
                    m.t_free[t]
                        && (touched[m.t_school[t]] || self.st.dest[t].is_some_and(|j| touched[j]))
                })
                .collect();
            if order.is_empty() {
                break;
            }
            order.shuffle(rng);
            let mut next = vec![false; m.ns];
            if !self.pass_marking(&order, Some(&mut next)) {
                break;
            }
            touched = next;
        }
    }
}

/// Iterated local search. Deterministic for a seed and a budget.
pub(crate) fn improve(
    s: &mut Search,
    seed: u64,
    rounds: u32,
    stop: &mut dyn FnMut() -> bool,
) -> u32 {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    s.descend(&mut rng, stop);
    let mut best = s.st.clone();
    let mut best_f = best.objective(s.m);
    let mut done = 0;
    for _ in 0..rounds {
        if stop() {
            break;
        }
        done += 1;
        let size = 2 + rng.random_range(0..6usize);
        let touched = s.kick(&mut rng, size);
        s.descend_touched(touched, &mut rng);
        let f = s.st.objective(s.m);
        if f < best_f - EPS {
            best = s.st.clone();
            best_f = f;
        } else {
            s.st = best.clone();
        }
    }
    s.st = best;
    // the rounds only re-examined the schools they touched: a full descent from the best
    s.descend(&mut rng, stop);
    done
}

/// A primal plan from a set of proposed moves (e.g. the subject network's solution at some multipliers):
/// keep the moves that obey the hard rules, complete the quotas and the backbone share, then descend.
/// `None` when the enforced quotas or share could not be reached from there.
pub(crate) fn from_moves(
    m: &Model,
    quota: &[u32],
    relax: Option<(u32, u32)>,
    moves: &[(usize, usize)],
    rng: &mut ChaCha8Rng,
    stop: &mut dyn FnMut() -> bool,
) -> Option<State> {
    let mut s = Search::new(m);
    s.quota = quota.to_vec();
    s.relax = relax;
    for &(t, j) in moves {
        if s.can_add(t, j) {
            s.st.add(m, t, j);
        }
    }
    // drop backbone-less surplus moves if the share is broken: construct adds backbone moves first
    s.construct();
    if !s.notes.is_empty() || s.quota != quota {
        return None;
    }
    s.descend(rng, stop);
    Some(s.st)
}
