//! The joint multi-school model (serde JSON) that both FET files and the joint generator compile to.

use serde::{Deserialize, Serialize};

/// Index into one of the model's vectors.
pub type Idx = u32;

/// A period of a school's bell schedule (作息时间), in clock minutes from midnight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub name: String,
    pub start: u32,
    pub end: u32,
}

/// A school with its own week: days (aligned across schools by index) and periods.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct School {
    pub name: String,
    pub days: Vec<String>,
    pub periods: Vec<Period>,
    /// Other bell schedules (e.g. 冬季作息); the solver uses `periods`, the others are kept for export.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alt_schedules: Vec<Vec<Period>>,
    /// FET terms mode: number of terms the days split into (0 = none).
    #[serde(default)]
    pub terms: u16,
    /// FET mornings-afternoons mode: each day is a half-day; odd days are afternoons.
    #[serde(default)]
    pub half_days: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Teacher {
    pub name: String,
}

/// An atomic student group (班级, or a FET subgroup) at one school.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Class {
    pub name: String,
    pub school: Idx,
    #[serde(default)]
    pub students: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Room {
    pub name: String,
    pub school: Idx,
    #[serde(default)]
    pub capacity: u32,
}

/// A start position in a school's grid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Slot {
    pub day: u16,
    pub period: u16,
}

/// One placeable unit (a FET activity; a lesson of `count` per week is `count` activities of one `group`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// External id (FET activity id).
    pub id: u32,
    pub school: Idx,
    pub subject: Idx,
    #[serde(default)]
    pub teachers: Vec<Idx>,
    #[serde(default)]
    pub classes: Vec<Idx>,
    #[serde(default)]
    pub tags: Vec<Idx>,
    /// In consecutive periods of one day.
    pub duration: u16,
    /// Lesson (split group) id.
    #[serde(default)]
    pub group: u32,
    /// Candidate rooms; empty means the activity needs no room.
    #[serde(default)]
    pub rooms: Vec<Idx>,
    /// Locked start (never moved by solve or repair).
    #[serde(default)]
    pub fixed: Option<Slot>,
    #[serde(default)]
    pub fixed_room: Option<Idx>,
}

/// Who an entity rule applies to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Target {
    Teacher(Idx),
    Class(Idx),
}

/// A constraint with a FET-style weight: `weight >= 100` is hard, otherwise soft with cost weight/100 per unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rule {
    pub weight: f64,
    pub kind: RuleKind,
}

impl Rule {
    pub fn is_hard(&self) -> bool {
        self.weight >= 100.0
    }
}

/// A clock window on a day (for joint blocks).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub day: u16,
    pub start: u32,
    pub end: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum RuleKind {
    /// Slots (of the target's school) the target may not use.
    NotAvailable {
        target: Target,
        slots: Vec<Slot>,
    },
    RoomNotAvailable {
        room: Idx,
        slots: Vec<Slot>,
    },
    /// Break slots of a school: no activity may occupy them.
    Break {
        school: Idx,
        slots: Vec<Slot>,
    },
    /// Each activity must start at one of these slots.
    PreferredStarts {
        activities: Vec<Idx>,
        slots: Vec<Slot>,
    },
    /// Each activity must lie entirely within these slots.
    PreferredSlots {
        activities: Vec<Idx>,
        slots: Vec<Slot>,
    },
    /// Each pair at least `min_days` apart; if on the same day and `consecutive_if_same_day`, adjacent.
    MinDaysBetween {
        activities: Vec<Idx>,
        min_days: u16,
        consecutive_if_same_day: bool,
    },
    SameStart {
        activities: Vec<Idx>,
    },
    SameDay {
        activities: Vec<Idx>,
    },
    NotOverlapping {
        activities: Vec<Idx>,
    },
    /// `second` starts right after `first` ends, same day.
    Consecutive {
        first: Idx,
        second: Idx,
    },
    /// Adjacent on the same day, either order.
    Grouped {
        first: Idx,
        second: Idx,
    },
    /// Each activity is the last of the day for all its classes.
    EndsDay {
        activities: Vec<Idx>,
    },
    OccupyMaxSlots {
        activities: Vec<Idx>,
        slots: Vec<Slot>,
        max: u16,
    },
    MaxTerms {
        activities: Vec<Idx>,
        max: u16,
    },
    MaxInTerm {
        activities: Vec<Idx>,
        max: u16,
    },
    /// Each activity's room among these.
    PreferredRooms {
        activities: Vec<Idx>,
        rooms: Vec<Idx>,
    },
    MaxGapsWeek {
        target: Target,
        max: u16,
    },
    MaxGapsDay {
        target: Target,
        max: u16,
    },
    MaxHoursDaily {
        target: Target,
        max: u16,
    },
    MinHoursDaily {
        target: Target,
        min: u16,
        allow_empty: bool,
    },
    MaxDaysWeek {
        target: Target,
        max: u16,
    },
    MinDaysWeek {
        target: Target,
        min: u16,
    },
    /// Runs of consecutive busy periods (of activities with `tag`, if set) at most `max`.
    MaxHoursContinuously {
        target: Target,
        max: u16,
        tag: Option<Idx>,
    },
    /// Days with a busy period in `[start, end)` at most `max`.
    IntervalMaxDays {
        target: Target,
        start: u16,
        end: u16,
        max: u16,
    },
    /// Days starting one free period late at most `max`; never two or more late.
    EarlyMaxBeginningsSecond {
        target: Target,
        max: u16,
    },
    /// Half-day mode: afternoons (odd days) used at most `max`.
    MaxAfternoons {
        target: Target,
        max: u16,
    },
    /// Synchronous link (同步课堂): the activities, at different schools, overlap in clock time for the whole
    /// shorter lesson, up to `tolerance` minutes.
    Sync {
        activities: Vec<Idx>,
        tolerance: u32,
    },
    /// Joint block (周周有约): all `teachers` free during one of the `candidates` windows (one = fixed).
    JointBlock {
        name: String,
        teachers: Vec<Idx>,
        candidates: Vec<Window>,
    },
}

/// Minutes a teacher needs between two schools (symmetric).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Travel {
    pub a: Idx,
    pub b: Idx,
    pub minutes: u32,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Model {
    pub schools: Vec<School>,
    pub subjects: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    pub teachers: Vec<Teacher>,
    pub classes: Vec<Class>,
    #[serde(default)]
    pub rooms: Vec<Room>,
    pub activities: Vec<Activity>,
    #[serde(default)]
    pub rules: Vec<Rule>,
    #[serde(default)]
    pub travel: Vec<Travel>,
}

/// A timetable: per activity a start slot and room; per joint block rule (in rule order) the chosen window.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Timetable {
    pub slots: Vec<Option<Slot>>,
    pub rooms: Vec<Option<Idx>>,
    #[serde(default)]
    pub blocks: Vec<Option<u32>>,
}

impl Timetable {
    pub fn empty(m: &Model) -> Self {
        let nb = m
            .rules
            .iter()
            .filter(|r| matches!(r.kind, RuleKind::JointBlock { .. }))
            .count();
        Timetable {
            slots: vec![None; m.activities.len()],
            rooms: vec![None; m.activities.len()],
            blocks: vec![None; nb],
        }
    }
}

impl Model {
    /// Travel minutes between two schools (0 if same or unknown).
    pub fn travel_minutes(&self, a: Idx, b: Idx) -> u32 {
        if a == b {
            return 0;
        }
        self.travel
            .iter()
            .filter(|t| (t.a == a && t.b == b) || (t.a == b && t.b == a))
            .map(|t| t.minutes)
            .max()
            .unwrap_or(0)
    }

    /// Clock interval `[start, end)` of an activity starting at `s`.
    pub fn clock(&self, a: usize, s: Slot) -> (u32, u32) {
        let act = &self.activities[a];
        let ps = &self.schools[act.school as usize].periods;
        let p0 = s.period as usize;
        let p1 = (p0 + act.duration as usize).min(ps.len()).max(p0 + 1) - 1;
        (ps[p0].start, ps[p1].end)
    }

    /// Check indices and shapes; the solver and evaluator assume a valid model.
    pub fn validate(&self) -> Result<(), crate::Error> {
        let bad = |m: String| Err(crate::Error::Invalid(m));
        for (i, s) in self.schools.iter().enumerate() {
            if s.days.is_empty() || s.periods.is_empty() || s.periods.len() > 64 {
                return bad(format!(
                    "school {i}: needs 1..=64 periods and at least one day"
                ));
            }
            if s.periods.iter().any(|p| p.end <= p.start) {
                return bad(format!("school {i}: a period ends before it starts"));
            }
        }
        let ns = self.schools.len() as u32;
        for c in &self.classes {
            if c.school >= ns {
                return bad(format!("class {}: unknown school", c.name));
            }
        }
        for r in &self.rooms {
            if r.school >= ns {
                return bad(format!("room {}: unknown school", r.name));
            }
        }
        for (i, a) in self.activities.iter().enumerate() {
            if a.school >= ns
                || a.teachers
                    .iter()
                    .any(|&t| t as usize >= self.teachers.len())
                || a.classes.iter().any(|&c| {
                    c as usize >= self.classes.len() || self.classes[c as usize].school != a.school
                })
                || a.rooms.iter().any(|&r| {
                    r as usize >= self.rooms.len() || self.rooms[r as usize].school != a.school
                })
                || a.subject as usize >= self.subjects.len().max(1)
            {
                return bad(format!("activity {i} (id {}): bad reference", a.id));
            }
            let s = &self.schools[a.school as usize];
            if a.duration == 0 || a.duration as usize > s.periods.len() {
                return bad(format!(
                    "activity {i} (id {}): duration {} does not fit a day",
                    a.id, a.duration
                ));
            }
            if let Some(f) = a.fixed
                && (f.day as usize >= s.days.len()
                    || f.period as usize + a.duration as usize > s.periods.len())
            {
                return bad(format!(
                    "activity {i} (id {}): locked slot outside the week",
                    a.id
                ));
            }
        }
        let na = self.activities.len() as u32;
        for (i, r) in self.rules.iter().enumerate() {
            let acts: Vec<Idx> = match &r.kind {
                RuleKind::PreferredStarts { activities, .. }
                | RuleKind::PreferredSlots { activities, .. }
                | RuleKind::MinDaysBetween { activities, .. }
                | RuleKind::SameStart { activities }
                | RuleKind::SameDay { activities }
                | RuleKind::NotOverlapping { activities }
                | RuleKind::EndsDay { activities }
                | RuleKind::OccupyMaxSlots { activities, .. }
                | RuleKind::MaxTerms { activities, .. }
                | RuleKind::MaxInTerm { activities, .. }
                | RuleKind::PreferredRooms { activities, .. }
                | RuleKind::Sync { activities, .. } => activities.clone(),
                RuleKind::Consecutive { first, second } | RuleKind::Grouped { first, second } => {
                    vec![*first, *second]
                }
                _ => vec![],
            };
            if acts.iter().any(|&a| a >= na) {
                return bad(format!("rule {i}: unknown activity"));
            }
            if let Some(t) = rule_target(&r.kind) {
                let ok = match t {
                    Target::Teacher(t) => (t as usize) < self.teachers.len(),
                    Target::Class(c) => (c as usize) < self.classes.len(),
                };
                if !ok {
                    return bad(format!("rule {i}: unknown target"));
                }
            }
            if let RuleKind::JointBlock {
                teachers,
                candidates,
                ..
            } = &r.kind
                && (candidates.is_empty()
                    || teachers.iter().any(|&t| t as usize >= self.teachers.len()))
            {
                return bad(format!(
                    "rule {i}: joint block needs candidates and known teachers"
                ));
            }
        }
        Ok(())
    }
}

/// The entity an entity rule (or not-available rule) applies to.
pub fn rule_target(k: &RuleKind) -> Option<Target> {
    match k {
        RuleKind::NotAvailable { target, .. }
        | RuleKind::MaxGapsWeek { target, .. }
        | RuleKind::MaxGapsDay { target, .. }
        | RuleKind::MaxHoursDaily { target, .. }
        | RuleKind::MinHoursDaily { target, .. }
        | RuleKind::MaxDaysWeek { target, .. }
        | RuleKind::MinDaysWeek { target, .. }
        | RuleKind::MaxHoursContinuously { target, .. }
        | RuleKind::IntervalMaxDays { target, .. }
        | RuleKind::EarlyMaxBeginningsSecond { target, .. }
        | RuleKind::MaxAfternoons { target, .. } => Some(*target),
        _ => None,
    }
}

/// Short stable name of a rule kind (for cost reports).
pub fn kind_name(k: &RuleKind) -> &'static str {
    match k {
        RuleKind::NotAvailable { .. } => "NotAvailable",
        RuleKind::RoomNotAvailable { .. } => "RoomNotAvailable",
        RuleKind::Break { .. } => "Break",
        RuleKind::PreferredStarts { .. } => "PreferredStarts",
        RuleKind::PreferredSlots { .. } => "PreferredSlots",
        RuleKind::MinDaysBetween { .. } => "MinDaysBetween",
        RuleKind::SameStart { .. } => "SameStart",
        RuleKind::SameDay { .. } => "SameDay",
        RuleKind::NotOverlapping { .. } => "NotOverlapping",
        RuleKind::Consecutive { .. } => "Consecutive",
        RuleKind::Grouped { .. } => "Grouped",
        RuleKind::EndsDay { .. } => "EndsDay",
        RuleKind::OccupyMaxSlots { .. } => "OccupyMaxSlots",
        RuleKind::MaxTerms { .. } => "MaxTerms",
        RuleKind::MaxInTerm { .. } => "MaxInTerm",
        RuleKind::PreferredRooms { .. } => "PreferredRooms",
        RuleKind::MaxGapsWeek { .. } => "MaxGapsWeek",
        RuleKind::MaxGapsDay { .. } => "MaxGapsDay",
        RuleKind::MaxHoursDaily { .. } => "MaxHoursDaily",
        RuleKind::MinHoursDaily { .. } => "MinHoursDaily",
        RuleKind::MaxDaysWeek { .. } => "MaxDaysWeek",
        RuleKind::MinDaysWeek { .. } => "MinDaysWeek",
        RuleKind::MaxHoursContinuously { .. } => "MaxHoursContinuously",
        RuleKind::IntervalMaxDays { .. } => "IntervalMaxDays",
        RuleKind::EarlyMaxBeginningsSecond { .. } => "EarlyMaxBeginningsSecond",
        RuleKind::MaxAfternoons { .. } => "MaxAfternoons",
        RuleKind::Sync { .. } => "Sync",
        RuleKind::JointBlock { .. } => "JointBlock",
    }
}
