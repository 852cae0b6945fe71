//! The solver: greedy construction, then late-acceptance hill climbing over moves, swaps and room changes,
//! with incremental clash grids and per-entity day bitmasks (see ARCHITECTURE.md).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

use crate::eval::{Report, evaluate, milli};
use crate::model::{Idx, Model, RuleKind, Slot, Target, Timetable, rule_target};

/// Limits and seed. The run is a pure function of (model, options) when `should_stop` never fires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Options {
    pub seed: u64,
    /// Move evaluations of the local search (the construction comes on top).
    pub budget: u64,
    /// Late-acceptance history length.
    pub history: usize,
    /// Stop at the first timetable with 0 hard violations instead of minimising soft cost.
    pub stop_at_first_feasible: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            seed: 1,
            budget: 2_000_000,
            history: 1000,
            stop_at_first_feasible: false,
        }
    }
}

/// The solver's result, with the evaluator's report of the best timetable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Solution {
    pub timetable: Timetable,
    pub report: Report,
    /// Local-search iterations run.
    pub iterations: u64,
    /// Iteration at which the first timetable with 0 hard violations was found.
    pub first_feasible_at: Option<u64>,
}

impl Solution {
    pub fn is_feasible(&self) -> bool {
        self.report.hard == 0
    }
}

#[derive(Clone, Copy)]
enum CRule {
    Model(usize),
    /// A teacher at several schools: clock clashes and travel.
    Cross(Idx),
    /// Repair: activity should keep its old slot and room (soft, milli cost).
    Stay(usize, Slot, Option<Idx>, i64),
}

const BIG: i64 = 1_000_000_000;

pub(crate) struct Search<'m> {
    m: &'m Model,
    n: usize,
    off: Vec<usize>,
    dayoff: Vec<usize>,
    np: Vec<usize>,
    cells: usize,
    sds: usize,
    tcnt: Vec<u16>,
    ccnt: Vec<u16>,
    rcnt: Vec<u16>,
    tmask: Vec<u64>,
    cmask: Vec<u64>,
    texcl: Vec<u64>,
    cexcl: Vec<u64>,
    t_schools: Vec<Vec<Idx>>,
    c_acts: Vec<Vec<Idx>>,
    t_acts: Vec<Vec<Idx>>,
    slot: Vec<Option<Slot>>,
    room: Vec<Option<Idx>>,
    block: Vec<u32>,
    block_rule: Vec<usize>,
    domain: Vec<Vec<Slot>>,
    in_domain: Vec<Vec<bool>>,
    rules: Vec<CRule>,
    rule_cost: Vec<(u64, i64)>,
    rules_of: Vec<Vec<u32>>,
    partners: Vec<Vec<Idx>>,
    clash: u64,
    unplaced: u64,
    rhard: u64,
    rsoft: i64,
    stamp: Vec<u32>,
    stamp_now: u32,
    scratch: Vec<u32>,
    scratch_cost: Vec<(u64, i64)>,
    rng: ChaCha8Rng,
}

fn bits(lo: u16, hi: u16) -> u64 {
    // bits lo..hi (exclusive)
    if hi <= lo {
        return 0;
    }
    let w = hi - lo;
    let m = if w >= 64 { u64::MAX } else { (1u64 << w) - 1 };
    m << lo
}

fn mask_gaps(m: u64, ex: u64) -> u64 {
    if m == 0 {
        return 0;
    }
    let lo = m.trailing_zeros() as u16;
    let hi = 63 - m.leading_zeros() as u16;
    (bits(lo, hi + 1) & !m & !ex).count_ones() as u64
}

impl<'m> Search<'m> {
    pub(crate) fn new(m: &'m Model, seed: u64) -> Self {
        let n = m.activities.len();
        let mut off = Vec::new();
        let mut dayoff = Vec::new();
        let (mut c, mut sd) = (0, 0);
        let np: Vec<usize> = m.schools.iter().map(|s| s.periods.len()).collect();
        for s in &m.schools {
            off.push(c);
            dayoff.push(sd);
            c += s.days.len() * s.periods.len();
            sd += s.days.len();
        }
        let (nt, nc, nr) = (m.teachers.len(), m.classes.len(), m.rooms.len());
        let mut t_schools = vec![Vec::new(); nt];
        let mut t_acts = vec![Vec::new(); nt];
        let mut c_acts = vec![Vec::new(); nc];
        for (a, act) in m.activities.iter().enumerate() {
            for &t in &act.teachers {
                if !t_schools[t as usize].contains(&act.school) {
                    t_schools[t as usize].push(act.school);
                }
                t_acts[t as usize].push(a as Idx);
            }
            for &k in &act.classes {
                c_acts[k as usize].push(a as Idx);
            }
        }
        let mut s = Search {
            m,
            n,
            off,
            dayoff,
            np,
            cells: c,
            sds: sd,
            tcnt: vec![0; nt * c],
            ccnt: vec![0; nc * c],
            rcnt: vec![0; nr * c],
            tmask: vec![0; nt * sd],
            cmask: vec![0; nc * sd],
            texcl: vec![0; nt * sd],
            cexcl: vec![0; nc * sd],
            t_schools,
            c_acts,
            t_acts,
            slot: vec![None; n],
            room: vec![None; n],
            block: Vec::new(),
            block_rule: Vec::new(),
            domain: Vec::new(),
            in_domain: Vec::new(),
            rules: Vec::new(),
            rule_cost: Vec::new(),
            rules_of: vec![Vec::new(); n],
            partners: vec![Vec::new(); n],
            clash: 0,
            unplaced: n as u64,
            rhard: 0,
            rsoft: 0,
            stamp: Vec::new(),
            stamp_now: 0,
            scratch: Vec::new(),
            scratch_cost: Vec::new(),
            rng: ChaCha8Rng::seed_from_u64(seed),
        };
        s.setup();
        s
    }

    fn sd(&self, school: Idx, day: u16) -> usize {
        self.dayoff[school as usize] + day as usize
    }

    fn setup(&mut self) {
        let m = self.m;
        // Excluded (non-gap) periods: breaks and hard not-available times.
        let mut brk = vec![0u64; self.sds];
        for r in m.rules.iter().filter(|r| r.is_hard()) {
            match &r.kind {
                RuleKind::Break { school, slots } => {
                    for s in slots {
                        if (s.day as usize) < m.schools[*school as usize].days.len() {
                            let i = self.sd(*school, s.day);
                            brk[i] |= 1 << s.period;
                        }
                    }
                }
                RuleKind::NotAvailable { target, slots } => {
                    let schools: Vec<Idx> = match target {
                        Target::Teacher(t) => self.t_schools[*t as usize].clone(),
                        Target::Class(k) => vec![m.classes[*k as usize].school],
                    };
                    for sc in schools {
                        for s in slots {
                            if (s.day as usize) < m.schools[sc as usize].days.len() {
                                let i = self.sd(sc, s.day);
                                match target {
                                    Target::Teacher(t) => {
                                        self.texcl[*t as usize * self.sds + i] |= 1 << s.period
                                    }
                                    Target::Class(k) => {
                                        self.cexcl[*k as usize * self.sds + i] |= 1 << s.period
                                    }
                                }
                            }
                        }
                    }
                }
                _ => {}
            }
        }
        for t in 0..m.teachers.len() {
            for i in 0..self.sds {
                self.texcl[t * self.sds + i] |= brk[i];
            }
        }
        for k in 0..m.classes.len() {
            for i in 0..self.sds {
                self.cexcl[k * self.sds + i] |= brk[i];
            }
        }
        // Domains: starts that fit the day and break no hard unary rule.
        let mut allowed: Vec<Option<Vec<bool>>> = vec![None; self.n];
        let mut restrict = |a: usize, ok: &dyn Fn(Slot) -> bool, m: &Model| {
            let s = &m.schools[m.activities[a].school as usize];
            let np = s.periods.len();
            let v = allowed[a].get_or_insert_with(|| vec![true; s.days.len() * np]);
            for d in 0..s.days.len() {
                for p in 0..np {
                    if !ok(Slot {
                        day: d as u16,
                        period: p as u16,
                    }) {
                        v[d * np + p] = false;
                    }
                }
            }
        };
        for r in m.rules.iter().filter(|r| r.is_hard()) {
            match &r.kind {
                RuleKind::PreferredStarts { activities, slots } => {
                    for &a in activities {
                        restrict(a as usize, &|s| slots.contains(&s), m);
                    }
                }
                RuleKind::PreferredSlots { activities, slots } => {
                    for &a in activities {
                        let d = m.activities[a as usize].duration;
                        restrict(
                            a as usize,
                            &|s| {
                                (0..d).all(|k| {
                                    slots.contains(&Slot {
                                        day: s.day,
                                        period: s.period + k,
                                    })
                                })
                            },
                            m,
                        );
                    }
                }
                _ => {}
            }
        }
        for a in 0..self.n {
            let act = &m.activities[a];
            let s = &m.schools[act.school as usize];
            let np = s.periods.len();
            let mut ex = vec![0u64; s.days.len()];
            for d in 0..s.days.len() {
                let i = self.sd(act.school, d as u16);
                ex[d] = brk[i];
                for &t in &act.teachers {
                    ex[d] |= self.texcl[t as usize * self.sds + i];
                }
                for &k in &act.classes {
                    ex[d] |= self.cexcl[k as usize * self.sds + i];
                }
            }
            let base = allowed[a].clone();
            let mut v = vec![false; s.days.len() * np];
            let mut dom = Vec::new();
            for d in 0..s.days.len() {
                for p in 0..np {
                    let sl = Slot {
                        day: d as u16,
                        period: p as u16,
                    };
                    let fits = p + act.duration as usize <= np;
                    let ok = fits
                        && act.fixed.is_none_or(|f| f == sl)
                        && base.as_ref().is_none_or(|b| b[d * np + p])
                        && bits(p as u16, p as u16 + act.duration) & ex[d] == 0;
                    if ok {
                        v[d * np + p] = true;
                        dom.push(sl);
                    }
                }
            }
            if dom.is_empty() {
                // Nothing satisfies every hard unary rule: search over every fitting start (reported as violated).
                for d in 0..s.days.len() {
                    for p in 0..np {
                        let sl = Slot {
                            day: d as u16,
                            period: p as u16,
                        };
                        if p + act.duration as usize <= np && act.fixed.is_none_or(|f| f == sl) {
                            v[d * np + p] = true;
                            dom.push(sl);
                        }
                    }
                }
            }
            self.domain.push(dom);
            self.in_domain.push(v);
        }
        // Scoped rules.
        for (ri, r) in m.rules.iter().enumerate() {
            let scope: Vec<Idx> = match &r.kind {
                RuleKind::RoomNotAvailable { room, .. } => (0..self.n as Idx)
                    .filter(|&a| m.activities[a as usize].rooms.contains(room))
                    .collect(),
                RuleKind::Break { school, .. } => (0..self.n as Idx)
                    .filter(|&a| m.activities[a as usize].school == *school)
                    .collect(),
                RuleKind::EndsDay { activities } => {
                    let mut v = activities.clone();
                    for &a in activities {
                        for &k in &m.activities[a as usize].classes {
                            v.extend(self.c_acts[k as usize].iter().copied());
                        }
                    }
                    v
                }
                RuleKind::JointBlock { teachers, .. } => {
                    self.block_rule.push(self.rules.len());
                    self.block.push(0);
                    teachers
                        .iter()
                        .flat_map(|&t| self.t_acts[t as usize].iter().copied())
                        .collect()
                }
                RuleKind::Sync { activities, .. } => {
                    for &a in activities {
                        for &b in activities {
                            if a != b {
                                self.partners[a as usize].push(b);
                            }
                        }
                    }
                    activities.clone()
                }
                k => match rule_target(k) {
                    Some(Target::Teacher(t)) => self.t_acts[t as usize].clone(),
                    Some(Target::Class(c)) => self.c_acts[c as usize].clone(),
                    None => match k {
                        RuleKind::PreferredStarts { activities, .. }
                        | RuleKind::PreferredSlots { activities, .. }
                        | RuleKind::MinDaysBetween { activities, .. }
                        | RuleKind::SameStart { activities }
                        | RuleKind::SameDay { activities }
                        | RuleKind::NotOverlapping { activities }
                        | RuleKind::OccupyMaxSlots { activities, .. }
                        | RuleKind::MaxTerms { activities, .. }
                        | RuleKind::MaxInTerm { activities, .. }
                        | RuleKind::PreferredRooms { activities, .. } => activities.clone(),
                        RuleKind::Consecutive { first, second }
                        | RuleKind::Grouped { first, second } => {
                            vec![*first, *second]
                        }
                        _ => Vec::new(),
                    },
                },
            };
            self.push_rule(CRule::Model(ri), scope);
        }
        for t in 0..m.teachers.len() {
            if self.t_schools[t].len() > 1 {
                let scope = self.t_acts[t].clone();
                self.push_rule(CRule::Cross(t as Idx), scope);
            }
        }
        self.stamp = vec![0; self.rules.len()];
        self.recompute_all();
    }

    fn push_rule(&mut self, r: CRule, mut scope: Vec<Idx>) {
        scope.sort_unstable();
        scope.dedup();
        let id = self.rules.len() as u32;
        for a in scope {
            self.rules_of[a as usize].push(id);
        }
        self.rules.push(r);
        self.rule_cost.push((0, 0));
    }

    fn recompute_all(&mut self) {
        self.rhard = 0;
        self.rsoft = 0;
        for r in 0..self.rules.len() {
            let c = self.cost_of(r);
            self.rule_cost[r] = c;
            self.rhard += c.0;
            self.rsoft += c.1;
        }
    }

    pub(crate) fn total(&self) -> i64 {
        (self.clash + self.unplaced + self.rhard) as i64 * BIG + self.rsoft
    }

    fn hard(&self) -> u64 {
        self.clash + self.unplaced + self.rhard
    }

    // ----- occupancy -----

    fn occupy(&mut self, a: usize, s: Slot, room: Option<Idx>, add: bool) {
        let act = &self.m.activities[a];
        let sc = act.school;
        let base =
            self.off[sc as usize] + s.day as usize * self.np[sc as usize] + s.period as usize;
        let sdi = self.sd(sc, s.day);
        let span = bits(s.period, s.period + act.duration);
        let cells = self.cells;
        let sds = self.sds;
        let uses_room = !act.rooms.is_empty();
        for k in 0..act.duration as usize {
            let cell = base + k;
            for &t in &act.teachers {
                let c = &mut self.tcnt[t as usize * cells + cell];
                if add {
                    if *c >= 1 {
                        self.clash += 1;
                    }
                    *c += 1;
                } else {
                    *c -= 1;
                    if *c >= 1 {
                        self.clash -= 1;
                    }
                }
            }
            for &k2 in &act.classes {
                let c = &mut self.ccnt[k2 as usize * cells + cell];
                if add {
                    if *c >= 1 {
                        self.clash += 1;
                    }
                    *c += 1;
                } else {
                    *c -= 1;
                    if *c >= 1 {
                        self.clash -= 1;
                    }
                }
            }
            if let Some(r) = room
                && uses_room
            {
                let c = &mut self.rcnt[r as usize * cells + cell];
                if add {
                    if *c >= 1 {
                        self.clash += 1;
                    }
                    *c += 1;
                } else {
                    *c -= 1;
                    if *c >= 1 {
                        self.clash -= 1;
                    }
                }
            }
        }
        // Masks: rebuild bits of the span from counts.
        for &t in &act.teachers {
            let mut mk = self.tmask[t as usize * sds + sdi] & !span;
            for k in 0..act.duration as usize {
                if self.tcnt[t as usize * cells + base + k] > 0 {
                    mk |= 1 << (s.period as usize + k);
                }
            }
            self.tmask[t as usize * sds + sdi] = mk;
        }
        for &k2 in &act.classes {
            let mut mk = self.cmask[k2 as usize * sds + sdi] & !span;
            for k in 0..act.duration as usize {
                if self.ccnt[k2 as usize * cells + base + k] > 0 {
                    mk |= 1 << (s.period as usize + k);
                }
            }
            self.cmask[k2 as usize * sds + sdi] = mk;
        }
        if uses_room && room.is_none() {
            // A room-needing activity without a room counts as a hard violation.
            if add {
                self.clash += 1;
            } else {
                self.clash -= 1;
            }
        }
    }

    fn set(&mut self, a: usize, s: Option<Slot>, room: Option<Idx>) {
        if let Some(old) = self.slot[a] {
            self.occupy(a, old, self.room[a], false);
        } else {
            self.unplaced -= 1;
        }
        self.slot[a] = s;
        self.room[a] = room;
        if let Some(new) = s {
            self.occupy(a, new, room, true);
        } else {
            self.unplaced += 1;
        }
    }

    /// Apply changes; returns the new total and leaves the rule costs in scratch for commit/rollback.
    fn apply(
        &mut self,
        changes: &[(usize, Option<Slot>, Option<Idx>)],
        block: Option<(usize, u32)>,
    ) -> i64 {
        self.stamp_now = self.stamp_now.wrapping_add(1);
        if self.stamp_now == 0 {
            self.stamp.iter_mut().for_each(|x| *x = 0);
            self.stamp_now = 1;
        }
        self.scratch.clear();
        for &(a, _, _) in changes {
            for &r in &self.rules_of[a] {
                if self.stamp[r as usize] != self.stamp_now {
                    self.stamp[r as usize] = self.stamp_now;
                    self.scratch.push(r);
                }
            }
        }
        if let Some((b, c)) = block {
            let r = self.block_rule[b] as u32;
            if self.stamp[r as usize] != self.stamp_now {
                self.stamp[r as usize] = self.stamp_now;
                self.scratch.push(r);
            }
            self.block[b] = c;
        }
        for &(a, s, r) in changes {
            self.set(a, s, r);
        }
        let (mut h, mut sf) = (self.rhard, self.rsoft);
        self.scratch_cost.clear();
        for i in 0..self.scratch.len() {
            let r = self.scratch[i] as usize;
            let c = self.cost_of(r);
            h = h - self.rule_cost[r].0 + c.0;
            sf = sf - self.rule_cost[r].1 + c.1;
            self.scratch_cost.push(c);
        }
        (self.clash + self.unplaced + h) as i64 * BIG + sf
    }

    fn commit(&mut self) {
        for i in 0..self.scratch.len() {
            let r = self.scratch[i] as usize;
            let c = self.scratch_cost[i];
            self.rhard = self.rhard - self.rule_cost[r].0 + c.0;
            self.rsoft = self.rsoft - self.rule_cost[r].1 + c.1;
            self.rule_cost[r] = c;
        }
    }

    fn rollback(
        &mut self,
        undo: &[(usize, Option<Slot>, Option<Idx>)],
        block: Option<(usize, u32)>,
    ) {
        for &(a, s, r) in undo.iter().rev() {
            self.set(a, s, r);
        }
        if let Some((b, c)) = block {
            self.block[b] = c;
        }
    }

    // ----- rule costs (the solver's own implementation, on bitmasks) -----

    fn units(&self, r: usize) -> (f64, u64) {
        let m = self.m;
        match self.rules[r] {
            CRule::Cross(t) => (100.0, self.cross(t)),
            CRule::Stay(..) => (0.0, 0),
            CRule::Model(ri) => {
                let rule = &m.rules[ri];
                (rule.weight, self.model_units(ri, r))
            }
        }
    }

    fn cost_of(&self, r: usize) -> (u64, i64) {
        if let CRule::Stay(a, s, room, w) = self.rules[r] {
            let moved = self.slot[a] != Some(s) || (room.is_some() && self.room[a] != room);
            return (0, if moved { w } else { 0 });
        }
        let (w, u) = self.units(r);
        if u == 0 {
            (0, 0)
        } else if w >= 100.0 {
            (u, 0)
        } else {
            (0, milli(w) * u as i64)
        }
    }

    fn cross(&self, t: Idx) -> u64 {
        let acts = &self.t_acts[t as usize];
        let mut u = 0;
        for (i, &x) in acts.iter().enumerate() {
            let Some(sx) = self.slot[x as usize] else {
                continue;
            };
            for &y in &acts[i + 1..] {
                let Some(sy) = self.slot[y as usize] else {
                    continue;
                };
                let (ax, ay) = (
                    &self.m.activities[x as usize],
                    &self.m.activities[y as usize],
                );
                if sx.day != sy.day
                    || ax.school == ay.school
                    || self.partners[x as usize].contains(&y)
                {
                    continue;
                }
                let (s1, e1) = self.m.clock(x as usize, sx);
                let (s2, e2) = self.m.clock(y as usize, sy);
                if s1 < e2 && s2 < e1 {
                    u += 1;
                } else {
                    let gap = if e1 <= s2 { s2 - e1 } else { s1 - e2 };
                    if gap < self.m.travel_minutes(ax.school, ay.school) {
                        u += 1;
                    }
                }
            }
        }
        u
    }

    /// Day masks of a target: (school, day, busy, excluded).
    fn day_masks(&self, tg: Target) -> Vec<(Idx, u16, u64, u64)> {
        let m = self.m;
        let mut v = Vec::new();
        match tg {
            Target::Teacher(t) => {
                for &sc in &self.t_schools[t as usize] {
                    for d in 0..m.schools[sc as usize].days.len() as u16 {
                        let i = t as usize * self.sds + self.sd(sc, d);
                        v.push((sc, d, self.tmask[i], self.texcl[i]));
                    }
                }
            }
            Target::Class(k) => {
                let sc = m.classes[k as usize].school;
                for d in 0..m.schools[sc as usize].days.len() as u16 {
                    let i = k as usize * self.sds + self.sd(sc, d);
                    v.push((sc, d, self.cmask[i], self.cexcl[i]));
                }
            }
        }
        v
    }

    fn per_day<F: Fn(u64, u64) -> u64>(&self, tg: Target, f: F) -> Vec<u64> {
        let nd = self
            .m
            .schools
            .iter()
            .map(|s| s.days.len())
            .max()
            .unwrap_or(0);
        let mut h = vec![0u64; nd];
        for (_, d, mk, ex) in self.day_masks(tg) {
            h[d as usize] += f(mk, ex);
        }
        h
    }

    fn model_units(&self, ri: usize, r: usize) -> u64 {
        let m = self.m;
        let rule = &m.rules[ri];
        let get = |a: Idx| self.slot[a as usize];
        let dur = |a: Idx| m.activities[a as usize].duration;
        let term_of = |a: Idx, d: u16| {
            let s = &m.schools[m.activities[a as usize].school as usize];
            d / (s.days.len() as u16 / s.terms.max(1)).max(1)
        };
        match &rule.kind {
            RuleKind::NotAvailable { slots, .. }
            | RuleKind::RoomNotAvailable { slots, .. }
            | RuleKind::Break { slots, .. } => {
                let room = match rule.kind {
                    RuleKind::RoomNotAvailable { room, .. } => Some(room),
                    _ => None,
                };
                let mut u = 0;
                for &a in &self.scope(r) {
                    let Some(s) = get(a) else { continue };
                    if room.is_some() && self.room[a as usize] != room {
                        continue;
                    }
                    for sl in slots {
                        if sl.day == s.day && sl.period >= s.period && sl.period < s.period + dur(a)
                        {
                            u += 1;
                        }
                    }
                }
                u
            }
            RuleKind::PreferredStarts { activities, slots } => activities
                .iter()
                .filter(|&&a| get(a).is_some_and(|s| !slots.contains(&s)))
                .count() as u64,
            RuleKind::PreferredSlots { activities, slots } => activities
                .iter()
                .filter(|&&a| {
                    get(a).is_some_and(|s| {
                        (0..dur(a)).any(|k| {
                            !slots.contains(&Slot {
                                day: s.day,
                                period: s.period + k,
                            })
                        })
                    })
                })
                .count() as u64,
            RuleKind::MinDaysBetween {
                activities,
                min_days,
                consecutive_if_same_day,
            } => {
                let mut u = 0;
                for (i, &x) in activities.iter().enumerate() {
                    let Some(sx) = get(x) else { continue };
                    for &y in &activities[i + 1..] {
                        let Some(sy) = get(y) else { continue };
                        let dist = sx.day.abs_diff(sy.day);
                        if dist < *min_days {
                            u += (*min_days - dist) as u64;
                            if dist == 0
                                && *consecutive_if_same_day
                                && sx.period + dur(x) != sy.period
                                && sy.period + dur(y) != sx.period
                            {
                                u += 1;
                            }
                        }
                    }
                }
                u
            }
            RuleKind::SameStart { activities } | RuleKind::SameDay { activities } => {
                let by_day = matches!(rule.kind, RuleKind::SameDay { .. });
                let keys: Vec<(u16, u16)> = activities
                    .iter()
                    .filter_map(|&a| get(a))
                    .map(|s| {
                        if by_day {
                            (s.day, 0)
                        } else {
                            (s.day, s.period)
                        }
                    })
                    .collect();
                let best = keys
                    .iter()
                    .map(|k| keys.iter().filter(|x| *x == k).count())
                    .max()
                    .unwrap_or(0);
                (keys.len() - best) as u64
            }
            RuleKind::NotOverlapping { activities } => {
                let mut u = 0;
                for (i, &x) in activities.iter().enumerate() {
                    let Some(sx) = get(x) else { continue };
                    for &y in &activities[i + 1..] {
                        let Some(sy) = get(y) else { continue };
                        let (a0, a1) = m.clock(x as usize, sx);
                        let (b0, b1) = m.clock(y as usize, sy);
                        if sx.day == sy.day && a0 < b1 && b0 < a1 {
                            u += 1;
                        }
                    }
                }
                u
            }
            RuleKind::Consecutive { first, second } | RuleKind::Grouped { first, second } => {
                let either = matches!(rule.kind, RuleKind::Grouped { .. });
                match (get(*first), get(*second)) {
                    (Some(a), Some(b)) => {
                        let ok = a.day == b.day
                            && (a.period + dur(*first) == b.period
                                || (either && b.period + dur(*second) == a.period));
                        !ok as u64
                    }
                    _ => 0,
                }
            }
            RuleKind::EndsDay { activities } => {
                let mut u = 0;
                for &a in activities {
                    let Some(s) = get(a) else { continue };
                    let end = s.period + dur(a);
                    for &k in &m.activities[a as usize].classes {
                        let i =
                            k as usize * self.sds + self.sd(m.activities[a as usize].school, s.day);
                        if self.cmask[i] >> end != 0 {
                            u += 1;
                        }
                    }
                }
                u
            }
            RuleKind::OccupyMaxSlots {
                activities,
                slots,
                max,
            } => {
                let mut used: Vec<Slot> = Vec::new();
                for &a in activities {
                    if let Some(s) = get(a) {
                        for k in 0..dur(a) {
                            let x = Slot {
                                day: s.day,
                                period: s.period + k,
                            };
                            if slots.contains(&x) && !used.contains(&x) {
                                used.push(x);
                            }
                        }
                    }
                }
                (used.len() as u64).saturating_sub(*max as u64)
            }
            RuleKind::MaxTerms { activities, max } => {
                let mut t: Vec<u16> = activities
                    .iter()
                    .filter_map(|&a| get(a).map(|s| term_of(a, s.day)))
                    .collect();
                t.sort_unstable();
                t.dedup();
                (t.len() as u64).saturating_sub(*max as u64)
            }
            RuleKind::MaxInTerm { activities, max } => {
                let mut t: Vec<u16> = activities
                    .iter()
                    .filter_map(|&a| get(a).map(|s| term_of(a, s.day)))
                    .collect();
                t.sort_unstable();
                let mut u = 0;
                let mut i = 0;
                while i < t.len() {
                    let j = t[i..].iter().take_while(|&&x| x == t[i]).count();
                    u += (j as u64).saturating_sub(*max as u64);
                    i += j;
                }
                u
            }
            RuleKind::PreferredRooms { activities, rooms } => activities
                .iter()
                .filter(|&&a| {
                    !self.room[a as usize].is_some_and(|x| rooms.contains(&x)) && get(a).is_some()
                })
                .count() as u64,
            RuleKind::MaxGapsWeek { target, max } => {
                let g: u64 = self
                    .day_masks(*target)
                    .iter()
                    .map(|(_, _, mk, ex)| mask_gaps(*mk, *ex))
                    .sum();
                g.saturating_sub(*max as u64)
            }
            RuleKind::MaxGapsDay { target, max } => self
                .per_day(*target, mask_gaps)
                .iter()
                .map(|g| g.saturating_sub(*max as u64))
                .sum(),
            RuleKind::MaxHoursDaily { target, max } => self
                .per_day(*target, |mk, _| mk.count_ones() as u64)
                .iter()
                .map(|h| h.saturating_sub(*max as u64))
                .sum(),
            RuleKind::MinHoursDaily {
                target,
                min,
                allow_empty,
            } => self
                .per_day(*target, |mk, _| mk.count_ones() as u64)
                .iter()
                .filter(|&&h| h > 0 || !allow_empty)
                .map(|&h| (*min as u64).saturating_sub(h))
                .sum(),
            RuleKind::MaxDaysWeek { target, max } => {
                let d = self
                    .per_day(*target, |mk, _| mk.count_ones() as u64)
                    .iter()
                    .filter(|&&h| h > 0)
                    .count();
                (d as u64).saturating_sub(*max as u64)
            }
            RuleKind::MinDaysWeek { target, min } => {
                let d = self
                    .per_day(*target, |mk, _| mk.count_ones() as u64)
                    .iter()
                    .filter(|&&h| h > 0)
                    .count();
                (*min as u64).saturating_sub(d as u64)
            }
            RuleKind::MaxHoursContinuously { target, max, tag } => {
                let masks: Vec<u64> = match tag {
                    None => self.day_masks(*target).iter().map(|x| x.2).collect(),
                    Some(tg) => {
                        let mut v: Vec<((Idx, u16), u64)> = Vec::new();
                        for &a in &self.scope(r) {
                            let act = &m.activities[a as usize];
                            if !act.tags.contains(tg) {
                                continue;
                            }
                            if let Some(s) = get(a) {
                                let key = (act.school, s.day);
                                let b = bits(s.period, s.period + act.duration);
                                match v.iter_mut().find(|x| x.0 == key) {
                                    Some(x) => x.1 |= b,
                                    None => v.push((key, b)),
                                }
                            }
                        }
                        v.into_iter().map(|x| x.1).collect()
                    }
                };
                let mut u = 0;
                for mut mk in masks {
                    while mk != 0 {
                        let lo = mk.trailing_zeros();
                        let run = (!(mk >> lo)).trailing_zeros() as u64;
                        u += run.saturating_sub(*max as u64);
                        mk &= !bits(lo as u16, (lo as u64 + run) as u16);
                    }
                }
                u
            }
            RuleKind::IntervalMaxDays {
                target,
                start,
                end,
                max,
            } => {
                let iv = bits(*start, *end);
                let d = self
                    .per_day(*target, |mk, _| (mk & iv != 0) as u64)
                    .iter()
                    .filter(|&&h| h > 0)
                    .count();
                (d as u64).saturating_sub(*max as u64)
            }
            RuleKind::EarlyMaxBeginningsSecond { target, max } => {
                let (mut late1, mut u) = (0u64, 0u64);
                for (_, _, mk, ex) in self.day_masks(*target) {
                    if mk == 0 {
                        continue;
                    }
                    let first = mk.trailing_zeros() as u16;
                    let free = (bits(0, first) & !ex).count_ones() as u64;
                    if free >= 1 {
                        late1 += 1;
                        u += free - 1;
                    }
                }
                u + late1.saturating_sub(*max as u64)
            }
            RuleKind::MaxAfternoons { target, max } => {
                let h = self.per_day(*target, |mk, _| mk.count_ones() as u64);
                let aft = h
                    .iter()
                    .enumerate()
                    .filter(|(d, x)| d % 2 == 1 && **x > 0)
                    .count() as u64;
                aft.saturating_sub(*max as u64)
            }
            RuleKind::Sync {
                activities,
                tolerance,
            } => {
                let mut u = 0;
                for (i, &x) in activities.iter().enumerate() {
                    for &y in &activities[i + 1..] {
                        let (Some(sx), Some(sy)) = (get(x), get(y)) else {
                            u += 1;
                            continue;
                        };
                        let (a0, a1) = m.clock(x as usize, sx);
                        let (b0, b1) = m.clock(y as usize, sy);
                        let need = (a1 - a0).min(b1 - b0).saturating_sub(*tolerance).max(1);
                        if sx.day != sy.day || a1.min(b1).saturating_sub(a0.max(b0)) < need {
                            u += 1;
                        }
                    }
                }
                u
            }
            RuleKind::JointBlock { candidates, .. } => {
                let b = self.block_rule.iter().position(|&x| x == r).unwrap_or(0);
                let w = candidates[self.block[b] as usize % candidates.len()];
                let mut u = 0;
                for &a in &self.scope(r) {
                    if let Some(s) = get(a)
                        && s.day == w.day
                    {
                        let (st, en) = m.clock(a as usize, s);
                        if st < w.end && w.start < en {
                            u += 1;
                        }
                    }
                }
                u
            }
        }
    }

    fn scope(&self, r: usize) -> Vec<Idx> {
        let m = self.m;
        match self.rules[r] {
            CRule::Model(ri) => match &m.rules[ri].kind {
                RuleKind::RoomNotAvailable { room, .. } => (0..self.n as Idx)
                    .filter(|&a| m.activities[a as usize].rooms.contains(room))
                    .collect(),
                RuleKind::Break { school, .. } => (0..self.n as Idx)
                    .filter(|&a| m.activities[a as usize].school == *school)
                    .collect(),
                RuleKind::JointBlock { teachers, .. } => {
                    let mut v: Vec<Idx> = teachers
                        .iter()
                        .flat_map(|&t| self.t_acts[t as usize].iter().copied())
                        .collect();
                    v.sort_unstable();
                    v.dedup();
                    v
                }
                k => match rule_target(k) {
                    Some(Target::Teacher(t)) => self.t_acts[t as usize].clone(),
                    Some(Target::Class(c)) => self.c_acts[c as usize].clone(),
                    None => Vec::new(),
                },
            },
            _ => Vec::new(),
        }
    }

    // ----- search -----

    fn conflicted(&self, a: usize) -> bool {
        let Some(s) = self.slot[a] else { return true };
        let act = &self.m.activities[a];
        let base = self.off[act.school as usize]
            + s.day as usize * self.np[act.school as usize]
            + s.period as usize;
        for k in 0..act.duration as usize {
            let c = base + k;
            if act
                .teachers
                .iter()
                .any(|&t| self.tcnt[t as usize * self.cells + c] > 1)
                || act
                    .classes
                    .iter()
                    .any(|&x| self.ccnt[x as usize * self.cells + c] > 1)
                || (!act.rooms.is_empty()
                    && self.room[a].is_none_or(|r| self.rcnt[r as usize * self.cells + c] > 1))
            {
                return true;
            }
        }
        self.rules_of[a]
            .iter()
            .any(|&r| self.rule_cost[r as usize].0 > 0)
    }

    fn room_free(&self, a: usize, s: Slot, r: Idx) -> bool {
        let act = &self.m.activities[a];
        let base = self.off[act.school as usize]
            + s.day as usize * self.np[act.school as usize]
            + s.period as usize;
        (0..act.duration as usize).all(|k| {
            let c = self.rcnt[r as usize * self.cells + base + k];
            c == 0 || (self.slot[a].is_some_and(|o| o == s) && self.room[a] == Some(r) && c == 1)
        })
    }

    fn pick_room(&mut self, a: usize, s: Slot) -> Option<Idx> {
        let rooms = &self.m.activities[a].rooms;
        if rooms.is_empty() {
            return None;
        }
        if let Some(f) = self.m.activities[a].fixed_room {
            return Some(f);
        }
        let k = rooms.len();
        let start = self.rng.random_range(0..k);
        for i in 0..k {
            let r = rooms[(start + i) % k];
            if self.room_free(a, s, r) {
                return Some(r);
            }
        }
        Some(rooms[start])
    }

    fn construct(&mut self) {
        let mut order: Vec<usize> = (0..self.n).filter(|&a| self.slot[a].is_none()).collect();
        let key = |a: usize| {
            let act = &self.m.activities[a];
            let deg = act
                .teachers
                .iter()
                .map(|&t| self.t_acts[t as usize].len())
                .sum::<usize>()
                + act
                    .classes
                    .iter()
                    .map(|&k| self.c_acts[k as usize].len())
                    .sum::<usize>();
            (
                act.fixed.is_none(),
                self.domain[a].len(),
                usize::MAX - deg * act.duration as usize,
            )
        };
        order.sort_by_key(|&a| key(a));
        for a in order {
            let dom = self.domain[a].clone();
            let mut best = (i64::MAX, Slot { day: 0, period: 0 }, None);
            let mut ties = 0u32;
            for &s in &dom {
                let room = self.pick_room(a, s);
                let c = self.apply(&[(a, Some(s), room)], None);
                self.rollback(&[(a, None, None)], None);
                if c < best.0 {
                    best = (c, s, room);
                    ties = 1;
                } else if c == best.0 {
                    ties += 1;
                    if self.rng.random_range(0..ties) == 0 {
                        best = (c, s, room);
                    }
                }
            }
            if best.0 < i64::MAX {
                self.apply(&[(a, Some(best.1), best.2)], None);
                self.commit();
            }
        }
    }

    fn timetable(&self) -> Timetable {
        Timetable {
            slots: self.slot.clone(),
            rooms: self.room.clone(),
            blocks: self.block.iter().map(|&b| Some(b)).collect(),
        }
    }

    fn random_move(
        &mut self,
    ) -> Option<(
        Vec<(usize, Option<Slot>, Option<Idx>)>,
        Option<(usize, u32)>,
    )> {
        let n = self.n;
        if n == 0 {
            return None;
        }
        if !self.block.is_empty() && self.rng.random_range(0..20) == 0 {
            let b = self.rng.random_range(0..self.block.len());
            let CRule::Model(ri) = self.rules[self.block_rule[b]] else {
                return None;
            };
            let RuleKind::JointBlock { candidates, .. } = &self.m.rules[ri].kind else {
                return None;
            };
            return Some((
                Vec::new(),
                Some((b, self.rng.random_range(0..candidates.len() as u32))),
            ));
        }
        let mut a = self.rng.random_range(0..n);
        if self.hard() > 0 && self.rng.random_range(0..10) < 8 {
            for _ in 0..40 {
                if self.conflicted(a) && self.domain[a].len() > 1 {
                    break;
                }
                a = self.rng.random_range(0..n);
            }
        }
        if self.domain[a].len() <= 1 && self.m.activities[a].rooms.len() <= 1 {
            return None;
        }
        let act = &self.m.activities[a];
        let roll = self.rng.random_range(0..10);
        if roll < 3 && self.slot[a].is_some() {
            // Swap with an activity of the same class (or teacher) and duration.
            let pool: &Vec<Idx> = if !act.classes.is_empty() {
                &self.c_acts[act.classes[self.rng.random_range(0..act.classes.len())] as usize]
            } else if !act.teachers.is_empty() {
                &self.t_acts[act.teachers[self.rng.random_range(0..act.teachers.len())] as usize]
            } else {
                return None;
            };
            let b = pool[self.rng.random_range(0..pool.len())] as usize;
            let (sa, sb) = (self.slot[a]?, self.slot[b]?);
            let ma = &self.m.activities[b];
            if b == a || ma.school != act.school || ma.duration != act.duration || sa == sb {
                return None;
            }
            let np = self.np[act.school as usize];
            if !self.in_domain[a][sb.day as usize * np + sb.period as usize]
                || !self.in_domain[b][sa.day as usize * np + sa.period as usize]
            {
                return None;
            }
            let (ra, rb) = (
                self.room[b].filter(|_| !act.rooms.is_empty()),
                self.room[a].filter(|_| !ma.rooms.is_empty()),
            );
            let ra = if ra.is_some_and(|r| act.rooms.contains(&r)) {
                ra
            } else {
                self.pick_room(a, sb)
            };
            let rb = if rb.is_some_and(|r| ma.rooms.contains(&r)) {
                rb
            } else {
                self.pick_room(b, sa)
            };
            return Some((vec![(a, Some(sb), ra), (b, Some(sa), rb)], None));
        }
        if roll == 3 && act.rooms.len() > 1 && act.fixed_room.is_none() {
            let s = self.slot[a]?;
            let r = act.rooms[self.rng.random_range(0..act.rooms.len())];
            return Some((vec![(a, Some(s), Some(r))], None));
        }
        let s = self.domain[a][self.rng.random_range(0..self.domain[a].len())];
        let r = self.pick_room(a, s);
        Some((vec![(a, Some(s), r)], None))
    }

    pub(crate) fn run(
        &mut self,
        opts: &Options,
        should_stop: &mut dyn FnMut() -> bool,
    ) -> (Timetable, u64, Option<u64>) {
        self.construct();
        let mut cur = self.total();
        let mut best = cur;
        let mut best_tt = self.timetable();
        let mut first = if self.hard() == 0 { Some(0) } else { None };
        let hl = opts.history.max(1);
        let mut hist = vec![cur; hl];
        let mut it = 0u64;
        while it < opts.budget && best > 0 {
            if first.is_some() && opts.stop_at_first_feasible {
                break;
            }
            if it.is_multiple_of(256) && should_stop() {
                break;
            }
            it += 1;
            let Some((changes, block)) = self.random_move() else {
                continue;
            };
            let undo: Vec<(usize, Option<Slot>, Option<Idx>)> = changes
                .iter()
                .map(|&(a, _, _)| (a, self.slot[a], self.room[a]))
                .collect();
            let old_block = block.map(|(b, _)| (b, self.block[b]));
            let new = self.apply(&changes, block);
            let v = (it as usize) % hl;
            if new <= cur || new <= hist[v] {
                self.commit();
                cur = new;
                if cur < best {
                    best = cur;
                    best_tt = self.timetable();
                    if first.is_none() && self.hard() == 0 {
                        first = Some(it);
                    }
                }
            } else {
                self.rollback(&undo, old_block);
            }
            if cur < hist[v] {
                hist[v] = cur;
            }
        }
        (best_tt, it, first)
    }

    /// Start from an existing timetable (repair): place what fits, add a Stay rule per placed activity.
    pub(crate) fn start_from(&mut self, t: &Timetable, change_cost: i64) {
        for a in 0..self.n {
            let np = self.np[self.m.activities[a].school as usize];
            let s = t.slots.get(a).copied().flatten();
            let room = t.rooms.get(a).copied().flatten();
            if let Some(s) = s {
                let ok = (s.day as usize * np + s.period as usize) < self.in_domain[a].len()
                    && self.in_domain[a][s.day as usize * np + s.period as usize];
                if ok {
                    let room = room.filter(|r| self.m.activities[a].rooms.contains(r));
                    let room = if room.is_none() {
                        self.pick_room(a, s)
                    } else {
                        room
                    };
                    self.set(a, Some(s), room);
                }
                let id = self.rules.len() as u32;
                self.rules.push(CRule::Stay(a, s, room, change_cost));
                self.rule_cost.push((0, 0));
                self.rules_of[a].push(id);
            }
        }
        for (b, c) in t.blocks.iter().enumerate() {
            if let (Some(c), Some(x)) = (c, self.block.get_mut(b)) {
                *x = *c;
            }
        }
        self.stamp = vec![0; self.rules.len()];
        self.recompute_all();
    }
}

/// Solve from scratch with no deadline.
pub fn solve(m: &Model, opts: &Options) -> Result<Solution, crate::Error> {
    solve_with_stop(m, opts, &mut || false)
}

/// Solve; `should_stop` is polled every 256 iterations (the caller owns the clock).
pub fn solve_with_stop(
    m: &Model,
    opts: &Options,
    should_stop: &mut dyn FnMut() -> bool,
) -> Result<Solution, crate::Error> {
    m.validate()?;
    let mut s = Search::new(m, opts.seed);
    let (tt, iterations, first) = s.run(opts, should_stop);
    let report = evaluate(m, &tt);
    Ok(Solution {
        timetable: tt,
        report,
        iterations,
        first_feasible_at: first,
    })
}
