//! The evaluator: hard violations and soft cost by constraint, computed from scratch.
//!
//! Written apart from the solver on purpose (lists and maps here, incremental grids and bitmasks there), so the
//! property tests can check one against the other.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::model::{Idx, Model, RuleKind, Slot, Target, Timetable, kind_name};

/// Cost of one constraint kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KindCost {
    pub kind: String,
    pub hard: u64,
    pub soft: f64,
}

/// One broken constraint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Violation {
    pub kind: String,
    /// Rule index, for model rules.
    pub rule: Option<usize>,
    pub hard: bool,
    pub units: u64,
    pub activities: Vec<Idx>,
}

/// What the evaluator found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Hard violation units (0 for a solution).
    pub hard: u64,
    /// Weighted soft cost: sum over soft rules of weight/100 × units.
    pub soft: f64,
    /// Activities placed and not involved in an attributable hard violation.
    pub placed: usize,
    pub total: usize,
    pub by_kind: Vec<KindCost>,
    pub violations: Vec<Violation>,
}

/// Soft weight in thousandths of a unit (weight 95 → 950).
pub fn milli(weight: f64) -> i64 {
    (weight * 10.0).round() as i64
}

struct Acc {
    by: BTreeMap<String, (u64, i64)>,
    v: Vec<Violation>,
    hard: u64,
    soft: i64,
}

impl Acc {
    fn add(&mut self, kind: &str, rule: Option<usize>, weight: f64, units: u64, acts: Vec<Idx>) {
        if units == 0 {
            return;
        }
        let hard = weight >= 100.0;
        let e = self.by.entry(kind.to_string()).or_insert((0, 0));
        if hard {
            e.0 += units;
            self.hard += units;
        } else {
            e.1 += milli(weight) * units as i64;
            self.soft += milli(weight) * units as i64;
        }
        self.v.push(Violation {
            kind: kind.to_string(),
            rule,
            hard,
            units,
            activities: acts,
        });
    }
}

/// Evaluate a timetable against every hard and soft constraint of the model.
pub fn evaluate(m: &Model, t: &Timetable) -> Report {
    let n = m.activities.len();
    let mut acc = Acc {
        by: BTreeMap::new(),
        v: Vec::new(),
        hard: 0,
        soft: 0,
    };
    // Occupied periods of each placed activity: (school, day, period).
    let mut occ: Vec<Vec<(Idx, u16, u16)>> = vec![Vec::new(); n];
    let get = |a: usize| t.slots.get(a).copied().flatten();
    for a in 0..n {
        let act = &m.activities[a];
        let s = &m.schools[act.school as usize];
        match get(a) {
            None => acc.add("Unplaced", None, 100.0, 1, vec![a as Idx]),
            Some(sl) => {
                if sl.day as usize >= s.days.len()
                    || sl.period as usize + act.duration as usize > s.periods.len()
                {
                    acc.add("OutOfWeek", None, 100.0, 1, vec![a as Idx]);
                    continue;
                }
                for k in 0..act.duration {
                    occ[a].push((act.school, sl.day, sl.period + k));
                }
                if let Some(f) = act.fixed
                    && f != sl
                {
                    acc.add("Locked", None, 100.0, 1, vec![a as Idx]);
                }
            }
        }
        let room = t.rooms.get(a).copied().flatten();
        if let Some(fr) = act.fixed_room
            && room != Some(fr)
        {
            acc.add("LockedRoom", None, 100.0, 1, vec![a as Idx]);
        }
        if !act.rooms.is_empty() && !room.is_some_and(|r| act.rooms.contains(&r)) {
            acc.add("Room", None, 100.0, 1, vec![a as Idx]);
        }
    }
    // Clashes: a map from (entity kind, entity, school, day, period) to the activities there.
    let mut cells: BTreeMap<(u8, Idx, Idx, u16, u16), Vec<Idx>> = BTreeMap::new();
    for a in 0..n {
        let act = &m.activities[a];
        for &(s, d, p) in &occ[a] {
            for &te in &act.teachers {
                cells.entry((0, te, s, d, p)).or_default().push(a as Idx);
            }
            for &c in &act.classes {
                cells.entry((1, c, s, d, p)).or_default().push(a as Idx);
            }
            if let Some(r) = t.rooms.get(a).copied().flatten()
                && !act.rooms.is_empty()
            {
                cells.entry((2, r, s, d, p)).or_default().push(a as Idx);
            }
        }
    }
    for ((k, _, _, _, _), acts) in &cells {
        if acts.len() > 1 {
            let name = ["TeacherClash", "ClassClash", "RoomClash"][*k as usize];
            acc.add(name, None, 100.0, acts.len() as u64 - 1, acts.clone());
        }
    }
    // Sync partners: pairs exempt from the teacher clock check.
    let mut partners: BTreeSet<(Idx, Idx)> = BTreeSet::new();
    for r in &m.rules {
        if let RuleKind::Sync { activities, .. } = &r.kind {
            for &x in activities {
                for &y in activities {
                    partners.insert((x, y));
                }
            }
        }
    }
    // Teachers across schools: clock overlap and travel time.
    let mut by_teacher: BTreeMap<Idx, Vec<(u16, u32, u32, Idx, Idx)>> = BTreeMap::new();
    for a in 0..n {
        if let Some(sl) = get(a)
            && !occ[a].is_empty()
        {
            let (st, en) = m.clock(a, sl);
            for &te in &m.activities[a].teachers {
                by_teacher.entry(te).or_default().push((
                    sl.day,
                    st,
                    en,
                    m.activities[a].school,
                    a as Idx,
                ));
            }
        }
    }
    for list in by_teacher.values() {
        for i in 0..list.len() {
            for j in i + 1..list.len() {
                let (d1, s1, e1, sc1, a1) = list[i];
                let (d2, s2, e2, sc2, a2) = list[j];
                if d1 != d2 || sc1 == sc2 || partners.contains(&(a1, a2)) {
                    continue;
                }
                if s1 < e2 && s2 < e1 {
                    acc.add("TeacherClockClash", None, 100.0, 1, vec![a1, a2]);
                } else {
                    let gap = if e1 <= s2 { s2 - e1 } else { s1 - e2 };
                    if gap < m.travel_minutes(sc1, sc2) {
                        acc.add("Travel", None, 100.0, 1, vec![a1, a2]);
                    }
                }
            }
        }
    }
    // Entity views.
    let acts_of = |tg: Target| -> Vec<usize> {
        (0..n)
            .filter(|&a| match tg {
                Target::Teacher(x) => m.activities[a].teachers.contains(&x),
                Target::Class(x) => m.activities[a].classes.contains(&x),
            })
            .collect()
    };
    let mut excluded: BTreeMap<(u8, Idx), BTreeSet<Slot>> = BTreeMap::new();
    for r in &m.rules {
        if let RuleKind::NotAvailable { target, slots } = &r.kind
            && r.is_hard()
        {
            let key = match target {
                Target::Teacher(x) => (0, *x),
                Target::Class(x) => (1, *x),
            };
            excluded
                .entry(key)
                .or_default()
                .extend(slots.iter().copied());
        }
    }
    let breaks: BTreeSet<(Idx, Slot)> = m
        .rules
        .iter()
        .filter(|r| r.is_hard())
        .flat_map(|r| match &r.kind {
            RuleKind::Break { school, slots } => slots.iter().map(|s| (*school, *s)).collect(),
            _ => Vec::new(),
        })
        .collect();
    // (school, day) -> busy periods, for the target's activities (optionally only those with a tag).
    let busy = |tg: Target, tag: Option<Idx>| -> BTreeMap<(Idx, u16), BTreeSet<u16>> {
        let mut b: BTreeMap<(Idx, u16), BTreeSet<u16>> = BTreeMap::new();
        for a in acts_of(tg) {
            if tag.is_some_and(|x| !m.activities[a].tags.contains(&x)) {
                continue;
            }
            for &(s, d, p) in &occ[a] {
                b.entry((s, d)).or_default().insert(p);
            }
        }
        b
    };
    let gaps = |tg: Target, s: Idx, d: u16, ps: &BTreeSet<u16>| -> u64 {
        let (Some(&lo), Some(&hi)) = (ps.first(), ps.last()) else {
            return 0;
        };
        let key = match tg {
            Target::Teacher(x) => (0, x),
            Target::Class(x) => (1, x),
        };
        (lo..=hi)
            .filter(|p| {
                let sl = Slot { day: d, period: *p };
                !ps.contains(p)
                    && !breaks.contains(&(s, sl))
                    && !excluded.get(&key).is_some_and(|e| e.contains(&sl))
            })
            .count() as u64
    };
    let ndays = m.schools.iter().map(|s| s.days.len()).max().unwrap_or(0) as u16;
    let hours_per_day = |b: &BTreeMap<(Idx, u16), BTreeSet<u16>>| -> Vec<u64> {
        let mut h = vec![0u64; ndays as usize];
        for ((_, d), ps) in b {
            h[*d as usize] += ps.len() as u64;
        }
        h
    };
    let term_of = |a: usize, d: u16| -> u16 {
        let s = &m.schools[m.activities[a].school as usize];
        let per = (s.days.len() as u16 / s.terms.max(1)).max(1);
        d / per
    };
    for (ri, r) in m.rules.iter().enumerate() {
        let name = kind_name(&r.kind);
        let w = r.weight;
        let mut add = |units: u64, acts: Vec<Idx>| acc.add(name, Some(ri), w, units, acts);
        match &r.kind {
            RuleKind::NotAvailable { target, slots } => {
                let set: BTreeSet<Slot> = slots.iter().copied().collect();
                for a in acts_of(*target) {
                    let u = occ[a]
                        .iter()
                        .filter(|(_, d, p)| {
                            set.contains(&Slot {
                                day: *d,
                                period: *p,
                            })
                        })
                        .count();
                    add(u as u64, vec![a as Idx]);
                }
            }
            RuleKind::RoomNotAvailable { room, slots } => {
                let set: BTreeSet<Slot> = slots.iter().copied().collect();
                for a in 0..n {
                    if t.rooms.get(a).copied().flatten() == Some(*room)
                        && !m.activities[a].rooms.is_empty()
                    {
                        let u = occ[a]
                            .iter()
                            .filter(|(_, d, p)| {
                                set.contains(&Slot {
                                    day: *d,
                                    period: *p,
                                })
                            })
                            .count();
                        add(u as u64, vec![a as Idx]);
                    }
                }
            }
            RuleKind::Break { school, slots } => {
                let set: BTreeSet<Slot> = slots.iter().copied().collect();
                for a in 0..n {
                    let u = occ[a]
                        .iter()
                        .filter(|(s, d, p)| {
                            s == school
                                && set.contains(&Slot {
                                    day: *d,
                                    period: *p,
                                })
                        })
                        .count();
                    add(u as u64, vec![a as Idx]);
                }
            }
            RuleKind::PreferredStarts { activities, slots } => {
                for &a in activities {
                    if let Some(sl) = get(a as usize)
                        && !slots.contains(&sl)
                    {
                        add(1, vec![a]);
                    }
                }
            }
            RuleKind::PreferredSlots { activities, slots } => {
                for &a in activities {
                    let bad = occ[a as usize].iter().any(|(_, d, p)| {
                        !slots.contains(&Slot {
                            day: *d,
                            period: *p,
                        })
                    });
                    add(bad as u64, vec![a]);
                }
            }
            RuleKind::MinDaysBetween {
                activities,
                min_days,
                consecutive_if_same_day,
            } => {
                for (i, &x) in activities.iter().enumerate() {
                    for &y in &activities[i + 1..] {
                        let (Some(sx), Some(sy)) = (get(x as usize), get(y as usize)) else {
                            continue;
                        };
                        let dist = sx.day.abs_diff(sy.day);
                        if dist < *min_days {
                            let mut u = (*min_days - dist) as u64;
                            if dist == 0 && *consecutive_if_same_day {
                                let ex = sx.period + m.activities[x as usize].duration;
                                let ey = sy.period + m.activities[y as usize].duration;
                                if ex != sy.period && ey != sx.period {
                                    u += 1;
                                }
                            }
                            add(u, vec![x, y]);
                        }
                    }
                }
            }
            RuleKind::SameStart { activities } | RuleKind::SameDay { activities } => {
                let by_day = matches!(r.kind, RuleKind::SameDay { .. });
                let mut count: BTreeMap<Slot, u64> = BTreeMap::new();
                for &a in activities {
                    if let Some(sl) = get(a as usize) {
                        let k = if by_day {
                            Slot {
                                day: sl.day,
                                period: 0,
                            }
                        } else {
                            sl
                        };
                        *count.entry(k).or_default() += 1;
                    }
                }
                let placed: u64 = count.values().sum();
                let best = count.values().copied().max().unwrap_or(0);
                add(placed - best, activities.clone());
            }
            RuleKind::NotOverlapping { activities } => {
                for (i, &x) in activities.iter().enumerate() {
                    for &y in &activities[i + 1..] {
                        let (Some(sx), Some(sy)) = (get(x as usize), get(y as usize)) else {
                            continue;
                        };
                        let (a0, a1) = m.clock(x as usize, sx);
                        let (b0, b1) = m.clock(y as usize, sy);
                        if sx.day == sy.day && a0 < b1 && b0 < a1 {
                            add(1, vec![x, y]);
                        }
                    }
                }
            }
            RuleKind::Consecutive { first, second } | RuleKind::Grouped { first, second } => {
                let either = matches!(r.kind, RuleKind::Grouped { .. });
                let (Some(sa), Some(sb)) = (get(*first as usize), get(*second as usize)) else {
                    continue;
                };
                let ea = sa.period + m.activities[*first as usize].duration;
                let eb = sb.period + m.activities[*second as usize].duration;
                let ok = sa.day == sb.day && (ea == sb.period || (either && eb == sa.period));
                add(!ok as u64, vec![*first, *second]);
            }
            RuleKind::EndsDay { activities } => {
                for &a in activities {
                    let Some(sl) = get(a as usize) else { continue };
                    let end = sl.period + m.activities[a as usize].duration;
                    let mut u = 0;
                    for &c in &m.activities[a as usize].classes {
                        let b = busy(Target::Class(c), None);
                        let later = b
                            .get(&(m.activities[a as usize].school, sl.day))
                            .is_some_and(|ps| ps.iter().any(|&p| p >= end));
                        u += later as u64;
                    }
                    add(u, vec![a]);
                }
            }
            RuleKind::OccupyMaxSlots {
                activities,
                slots,
                max,
            } => {
                let sel: BTreeSet<Slot> = slots.iter().copied().collect();
                let mut used: BTreeSet<Slot> = BTreeSet::new();
                for &a in activities {
                    for &(_, d, p) in &occ[a as usize] {
                        let s = Slot { day: d, period: p };
                        if sel.contains(&s) {
                            used.insert(s);
                        }
                    }
                }
                add(
                    (used.len() as u64).saturating_sub(*max as u64),
                    activities.clone(),
                );
            }
            RuleKind::MaxTerms { activities, max } => {
                let terms: BTreeSet<u16> = activities
                    .iter()
                    .filter_map(|&a| get(a as usize).map(|s| term_of(a as usize, s.day)))
                    .collect();
                add(
                    (terms.len() as u64).saturating_sub(*max as u64),
                    activities.clone(),
                );
            }
            RuleKind::MaxInTerm { activities, max } => {
                let mut per: BTreeMap<u16, u64> = BTreeMap::new();
                for &a in activities {
                    if let Some(s) = get(a as usize) {
                        *per.entry(term_of(a as usize, s.day)).or_default() += 1;
                    }
                }
                let u: u64 = per.values().map(|c| c.saturating_sub(*max as u64)).sum();
                add(u, activities.clone());
            }
            RuleKind::PreferredRooms { activities, rooms } => {
                for &a in activities {
                    let ok = t
                        .rooms
                        .get(a as usize)
                        .copied()
                        .flatten()
                        .is_some_and(|x| rooms.contains(&x));
                    add(!ok as u64, vec![a]);
                }
            }
            RuleKind::MaxGapsWeek { target, max } => {
                let b = busy(*target, None);
                let g: u64 = b.iter().map(|((s, d), ps)| gaps(*target, *s, *d, ps)).sum();
                add(g.saturating_sub(*max as u64), vec![]);
            }
            RuleKind::MaxGapsDay { target, max } => {
                let b = busy(*target, None);
                let mut per = vec![0u64; ndays as usize];
                for ((s, d), ps) in &b {
                    per[*d as usize] += gaps(*target, *s, *d, ps);
                }
                add(
                    per.iter().map(|g| g.saturating_sub(*max as u64)).sum(),
                    vec![],
                );
            }
            RuleKind::MaxHoursDaily { target, max } => {
                let h = hours_per_day(&busy(*target, None));
                add(
                    h.iter().map(|x| x.saturating_sub(*max as u64)).sum(),
                    vec![],
                );
            }
            RuleKind::MinHoursDaily {
                target,
                min,
                allow_empty,
            } => {
                let h = hours_per_day(&busy(*target, None));
                let u = h
                    .iter()
                    .filter(|&&x| x > 0 || !allow_empty)
                    .map(|&x| (*min as u64).saturating_sub(x))
                    .sum();
                add(u, vec![]);
            }
            RuleKind::MaxDaysWeek { target, max } => {
                let days = hours_per_day(&busy(*target, None))
                    .iter()
                    .filter(|&&x| x > 0)
                    .count() as u64;
                add(days.saturating_sub(*max as u64), vec![]);
            }
            RuleKind::MinDaysWeek { target, min } => {
                let days = hours_per_day(&busy(*target, None))
                    .iter()
                    .filter(|&&x| x > 0)
                    .count() as u64;
                add((*min as u64).saturating_sub(days), vec![]);
            }
            RuleKind::MaxHoursContinuously { target, max, tag } => {
                let b = busy(*target, *tag);
                let mut u = 0;
                for ps in b.values() {
                    let mut run = 0u64;
                    let mut prev: Option<u16> = None;
                    for &p in ps {
                        run = if prev == Some(p.wrapping_sub(1)) {
                            run + 1
                        } else {
                            1
                        };
                        if run > *max as u64 {
                            u += 1;
                        }
                        prev = Some(p);
                    }
                }
                add(u, vec![]);
            }
            RuleKind::IntervalMaxDays {
                target,
                start,
                end,
                max,
            } => {
                let b = busy(*target, None);
                let days: BTreeSet<u16> = b
                    .iter()
                    .filter(|(_, ps)| ps.iter().any(|p| p >= start && p < end))
                    .map(|((_, d), _)| *d)
                    .collect();
                add((days.len() as u64).saturating_sub(*max as u64), vec![]);
            }
            RuleKind::EarlyMaxBeginningsSecond { target, max } => {
                let b = busy(*target, None);
                let key = match target {
                    Target::Teacher(x) => (0, *x),
                    Target::Class(x) => (1, *x),
                };
                let (mut late1, mut u) = (0u64, 0u64);
                for ((s, d), ps) in &b {
                    let Some(&first) = ps.first() else { continue };
                    let free_before = (0..first)
                        .filter(|p| {
                            let sl = Slot {
                                day: *d,
                                period: *p,
                            };
                            !breaks.contains(&(*s, sl))
                                && !excluded.get(&key).is_some_and(|e| e.contains(&sl))
                        })
                        .count() as u64;
                    if free_before == 1 {
                        late1 += 1;
                    } else if free_before > 1 {
                        u += free_before - 1;
                        late1 += 1;
                    }
                }
                add(u + late1.saturating_sub(*max as u64), vec![]);
            }
            RuleKind::MaxAfternoons { target, max } => {
                let h = hours_per_day(&busy(*target, None));
                let aft = h
                    .iter()
                    .enumerate()
                    .filter(|(d, x)| d % 2 == 1 && **x > 0)
                    .count() as u64;
                add(aft.saturating_sub(*max as u64), vec![]);
            }
            RuleKind::Sync {
                activities,
                tolerance,
            } => {
                for (i, &x) in activities.iter().enumerate() {
                    for &y in &activities[i + 1..] {
                        let (Some(sx), Some(sy)) = (get(x as usize), get(y as usize)) else {
                            add(1, vec![x, y]);
                            continue;
                        };
                        let (a0, a1) = m.clock(x as usize, sx);
                        let (b0, b1) = m.clock(y as usize, sy);
                        let need = (a1 - a0).min(b1 - b0).saturating_sub(*tolerance);
                        let ov = a1.min(b1).saturating_sub(a0.max(b0));
                        if sx.day != sy.day || ov < need.max(1) {
                            add(1, vec![x, y]);
                        }
                    }
                }
            }
            RuleKind::JointBlock {
                teachers,
                candidates,
                ..
            } => {
                let bi = m.rules[..ri]
                    .iter()
                    .filter(|r| matches!(r.kind, RuleKind::JointBlock { .. }))
                    .count();
                let Some(w) = t
                    .blocks
                    .get(bi)
                    .copied()
                    .flatten()
                    .and_then(|c| candidates.get(c as usize))
                else {
                    add(1, vec![]);
                    continue;
                };
                for &te in teachers {
                    for (d, s, e, _, a) in by_teacher.get(&te).map(|v| v.as_slice()).unwrap_or(&[])
                    {
                        if *d == w.day && *s < w.end && w.start < *e {
                            add(1, vec![*a]);
                        }
                    }
                }
            }
        }
    }
    let mut bad: BTreeSet<Idx> = BTreeSet::new();
    for v in &acc.v {
        if v.hard {
            bad.extend(v.activities.iter().copied());
        }
    }
    let placed = (0..n)
        .filter(|&a| get(a).is_some() && !bad.contains(&(a as Idx)))
        .count();
    Report {
        hard: acc.hard,
        soft: acc.soft as f64 / 1000.0,
        placed,
        total: n,
        by_kind: acc
            .by
            .into_iter()
            .map(|(k, (h, s))| KindCost {
                kind: k,
                hard: h,
                soft: s as f64 / 1000.0,
            })
            .collect(),
        violations: acc.v,
    }
}
