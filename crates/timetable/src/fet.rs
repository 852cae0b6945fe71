//! FET `.fet` files (5.x and 6.x): read into a [`Model`], write a solution back as locked constraints.
//!
//! The reader supports the constraint types listed in [`SUPPORTED`]; a file with any other active constraint is
//! refused with the names of what it lacks ([`Error::Unsupported`]), never silently relaxed.

use std::collections::{BTreeMap, BTreeSet};

use crate::Error;
use crate::model::{
    Activity, Class, Idx, Model, Period, Room, Rule, RuleKind, School, Slot, Target, Teacher,
    Timetable,
};
use crate::xml::{self, Element};

/// Constraint types the reader supports.
pub const SUPPORTED: &[&str] = &[
    "ConstraintBasicCompulsoryTime",
    "ConstraintBasicCompulsorySpace",
    "ConstraintBreakTimes",
    "ConstraintTeacherNotAvailableTimes",
    "ConstraintStudentsSetNotAvailableTimes",
    "ConstraintRoomNotAvailableTimes",
    "ConstraintMinDaysBetweenActivities",
    "ConstraintActivityPreferredStartingTime",
    "ConstraintActivityPreferredStartingTimes",
    "ConstraintActivitiesPreferredStartingTimes",
    "ConstraintSubactivitiesPreferredStartingTimes",
    "ConstraintActivityPreferredTimeSlots",
    "ConstraintActivitiesPreferredTimeSlots",
    "ConstraintSubactivitiesPreferredTimeSlots",
    "ConstraintActivitiesSameStartingTime",
    "ConstraintActivitiesSameStartingDay",
    "ConstraintActivitiesNotOverlapping",
    "ConstraintTwoActivitiesConsecutive",
    "ConstraintTwoActivitiesGrouped",
    "ConstraintActivityEndsStudentsDay",
    "ConstraintActivitiesEndStudentsDay",
    "ConstraintActivitiesOccupyMaxTimeSlotsFromSelection",
    "ConstraintActivitiesOccupyMaxTerms",
    "ConstraintActivitiesMaxInATerm",
    "ConstraintStudentsMaxGapsPerWeek",
    "ConstraintStudentsSetMaxGapsPerWeek",
    "ConstraintStudentsMaxGapsPerDay",
    "ConstraintStudentsSetMaxGapsPerDay",
    "ConstraintTeachersMaxGapsPerWeek",
    "ConstraintTeacherMaxGapsPerWeek",
    "ConstraintTeachersMaxGapsPerDay",
    "ConstraintTeacherMaxGapsPerDay",
    "ConstraintTeachersMaxHoursDaily",
    "ConstraintTeacherMaxHoursDaily",
    "ConstraintStudentsMaxHoursDaily",
    "ConstraintStudentsSetMaxHoursDaily",
    "ConstraintTeachersMinHoursDaily",
    "ConstraintTeacherMinHoursDaily",
    "ConstraintStudentsMinHoursDaily",
    "ConstraintStudentsSetMinHoursDaily",
    "ConstraintTeachersMaxDaysPerWeek",
    "ConstraintTeacherMaxDaysPerWeek",
    "ConstraintTeachersMinDaysPerWeek",
    "ConstraintTeacherMinDaysPerWeek",
    "ConstraintTeachersMaxHoursContinuously",
    "ConstraintTeacherMaxHoursContinuously",
    "ConstraintStudentsMaxHoursContinuously",
    "ConstraintStudentsSetMaxHoursContinuously",
    "ConstraintStudentsActivityTagMaxHoursContinuously",
    "ConstraintStudentsSetActivityTagMaxHoursContinuously",
    "ConstraintTeachersActivityTagMaxHoursContinuously",
    "ConstraintTeacherActivityTagMaxHoursContinuously",
    "ConstraintTeacherIntervalMaxDaysPerWeek",
    "ConstraintTeachersIntervalMaxDaysPerWeek",
    "ConstraintStudentsEarlyMaxBeginningsAtSecondHour",
    "ConstraintStudentsSetEarlyMaxBeginningsAtSecondHour",
    "ConstraintTeachersMaxAfternoonsPerWeek",
    "ConstraintTeacherMaxAfternoonsPerWeek",
    "ConstraintActivityPreferredRoom",
    "ConstraintActivityPreferredRooms",
    "ConstraintSubjectPreferredRoom",
    "ConstraintSubjectPreferredRooms",
    "ConstraintSubjectActivityTagPreferredRoom",
    "ConstraintSubjectActivityTagPreferredRooms",
    "ConstraintActivityTagPreferredRoom",
    "ConstraintActivityTagPreferredRooms",
    "ConstraintTeacherHomeRoom",
    "ConstraintTeacherHomeRooms",
    "ConstraintStudentsSetHomeRoom",
    "ConstraintStudentsSetHomeRooms",
];

fn err<T>(m: impl Into<String>) -> Result<T, Error> {
    Err(Error::Fet(m.into()))
}

struct Ctx {
    m: Model,
    day: BTreeMap<String, u16>,
    hour: BTreeMap<String, u16>,
    teacher: BTreeMap<String, Idx>,
    subject: BTreeMap<String, Idx>,
    tag: BTreeMap<String, Idx>,
    room: BTreeMap<String, Idx>,
    /// Students set name → atomic classes.
    sets: BTreeMap<String, Vec<Idx>>,
    set_students: BTreeMap<String, u32>,
    act: BTreeMap<u32, Idx>,
    /// Per activity: its students set names, component number within its group.
    act_sets: Vec<Vec<String>>,
    component: Vec<u32>,
    /// Room candidate sets per activity: (hard, is_home, set).
    room_sets: Vec<Vec<(bool, bool, Vec<Idx>)>>,
}

fn num<T: std::str::FromStr>(e: &Element, name: &str) -> Result<T, Error> {
    match e.get(name).map(|s| s.parse::<T>()) {
        Some(Ok(v)) => Ok(v),
        _ => err(format!("{}: bad or missing <{name}>", e.name)),
    }
}

fn flag(e: &Element, name: &str) -> bool {
    e.get(name).is_some_and(|s| s.eq_ignore_ascii_case("true"))
}

impl Ctx {
    fn slot(&self, e: &Element, dn: &str, hn: &str) -> Result<Slot, Error> {
        let d = e.get(dn).and_then(|d| self.day.get(d)).copied();
        let h = e.get(hn).and_then(|h| self.hour.get(h)).copied();
        match (d, h) {
            (Some(day), Some(period)) => Ok(Slot { day, period }),
            _ => err(format!("unknown day/hour in {}", e.name)),
        }
    }
    fn slots(&self, e: &Element, item: &str, dn: &str, hn: &str) -> Result<Vec<Slot>, Error> {
        e.all(item).map(|x| self.slot(x, dn, hn)).collect()
    }
    fn acts(&self, e: &Element, name: &str) -> Result<Vec<Idx>, Error> {
        // Constraints may name inactive activities; FET ignores those, so do we.
        let mut v = Vec::new();
        for x in e.all(name) {
            let id: u32 = x
                .text
                .trim()
                .parse()
                .map_err(|_| Error::Fet(format!("{}: bad activity id", e.name)))?;
            if let Some(&a) = self.act.get(&id) {
                v.push(a);
            }
        }
        Ok(v)
    }
    fn act1(&self, e: &Element, name: &str) -> Result<Option<Idx>, Error> {
        let id: u32 = num(e, name)?;
        Ok(self.act.get(&id).copied())
    }
    fn teacher_of(&self, e: &Element, name: &str) -> Result<Idx, Error> {
        match e.get(name).and_then(|t| self.teacher.get(t)) {
            Some(&t) => Ok(t),
            None => err(format!("{}: unknown teacher", e.name)),
        }
    }
    fn set_of(&self, e: &Element, name: &str) -> Result<Vec<Idx>, Error> {
        match e.get(name).and_then(|s| self.sets.get(s)) {
            Some(v) => Ok(v.clone()),
            None => err(format!("{}: unknown students set", e.name)),
        }
    }
    fn room_of(&self, name: &str) -> Result<Idx, Error> {
        match self.room.get(name.trim()) {
            Some(&r) => Ok(r),
            None => err(format!("unknown room {name}")),
        }
    }
    fn rooms_list(&self, e: &Element) -> Result<Vec<Idx>, Error> {
        e.all("Preferred_Room")
            .map(|r| self.room_of(&r.text))
            .collect()
    }
    /// Activities matching FET's teacher / students / subject / tag / duration filter.
    fn filter(&self, e: &Element) -> Vec<Idx> {
        let f = |n: &str| e.get(n).filter(|s| !s.is_empty());
        let (t, st, su, tg) = (
            f("Teacher_Name"),
            f("Students_Name"),
            f("Subject_Name"),
            f("Activity_Tag_Name"),
        );
        let dur: Option<u16> = f("Duration").and_then(|d| d.parse().ok());
        let comp: Option<u32> = f("Component_Number").and_then(|d| d.parse().ok());
        (0..self.m.activities.len() as Idx)
            .filter(|&a| {
                let act = &self.m.activities[a as usize];
                t.is_none_or(|t| {
                    self.teacher
                        .get(t)
                        .is_some_and(|x| act.teachers.contains(x))
                }) && st.is_none_or(|s| self.act_sets[a as usize].iter().any(|x| x == s))
                    && su.is_none_or(|s| self.subject.get(s) == Some(&act.subject))
                    && tg.is_none_or(|s| self.tag.get(s).is_some_and(|x| act.tags.contains(x)))
                    && dur.is_none_or(|d| d == act.duration)
                    && comp.is_none_or(|c| c == self.component[a as usize])
            })
            .collect()
    }
    fn rule(&mut self, weight: f64, kind: RuleKind) {
        self.m.rules.push(Rule { weight, kind });
    }
    fn teachers_or_one(&self, e: &Element, plural: bool) -> Result<Vec<Target>, Error> {
        if plural {
            Ok((0..self.m.teachers.len() as Idx)
                .map(Target::Teacher)
                .collect())
        } else {
            Ok(vec![Target::Teacher(self.teacher_of(e, "Teacher_Name")?)])
        }
    }
    fn students_or_set(&self, e: &Element, plural: bool) -> Result<Vec<Target>, Error> {
        if plural {
            Ok((0..self.m.classes.len() as Idx)
                .map(Target::Class)
                .collect())
        } else {
            Ok(self
                .set_of(e, "Students")?
                .into_iter()
                .map(Target::Class)
                .collect())
        }
    }
}

/// Read a `.fet` file's text into a model (one school; FET periods mapped to 60-minute clock periods).
pub fn read(src: &str) -> Result<Model, Error> {
    let root = xml::parse(src)?;
    if root.name != "fet" {
        return err("root element is not <fet>");
    }
    let mode = root.get("Mode").unwrap_or("Official");
    let mut school = School {
        name: root.get("Institution_Name").unwrap_or("school").to_string(),
        days: Vec::new(),
        periods: Vec::new(),
        alt_schedules: Vec::new(),
        terms: 0,
        half_days: mode == "Mornings_Afternoons",
    };
    if mode == "Terms" {
        school.terms = root
            .get("Number_of_Terms")
            .and_then(|t| t.parse().ok())
            .unwrap_or(1);
    }
    let names = |list: &str, item: &str| -> Vec<String> {
        root.child(list)
            .map(|l| {
                l.all(item)
                    .map(|d| d.get("Name").unwrap_or(d.text.trim()).to_string())
                    .collect()
            })
            .unwrap_or_default()
    };
    school.days = names("Days_List", "Day");
    let hours = names("Hours_List", "Hour");
    if school.days.is_empty() || hours.is_empty() || hours.len() > 64 {
        return err("needs days and 1..=64 hours");
    }
    school.periods = hours
        .iter()
        .enumerate()
        .map(|(i, h)| Period {
            name: h.clone(),
            start: 60 * i as u32,
            end: 60 * i as u32 + 60,
        })
        .collect();
    let mut cx = Ctx {
        day: school
            .days
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i as u16))
            .collect(),
        hour: hours
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), i as u16))
            .collect(),
        m: Model {
            schools: vec![school],
            ..Default::default()
        },
        teacher: BTreeMap::new(),
        subject: BTreeMap::new(),
        tag: BTreeMap::new(),
        room: BTreeMap::new(),
        sets: BTreeMap::new(),
        set_students: BTreeMap::new(),
        act: BTreeMap::new(),
        act_sets: Vec::new(),
        component: Vec::new(),
        room_sets: Vec::new(),
    };
    for s in names("Subjects_List", "Subject") {
        cx.subject.insert(s.clone(), cx.m.subjects.len() as Idx);
        cx.m.subjects.push(s);
    }
    for s in names("Activity_Tags_List", "Activity_Tag") {
        cx.tag.insert(s.clone(), cx.m.tags.len() as Idx);
        cx.m.tags.push(s);
    }
    for s in names("Teachers_List", "Teacher") {
        cx.teacher.insert(s.clone(), cx.m.teachers.len() as Idx);
        cx.m.teachers.push(Teacher { name: s });
    }
    // Students: atomic classes are subgroups, groups without subgroups, years without groups.
    if let Some(sl) = root.child("Students_List") {
        let mut class_of: BTreeMap<String, Idx> = BTreeMap::new();
        let mut atom = |cx: &mut Ctx, name: &str, n: u32| -> Idx {
            *class_of.entry(name.to_string()).or_insert_with(|| {
                cx.m.classes.push(Class {
                    name: name.to_string(),
                    school: 0,
                    students: n,
                });
                cx.m.classes.len() as Idx - 1
            })
        };
        for y in sl.all("Year") {
            let yn = y.get("Name").unwrap_or("").to_string();
            let ystud = y
                .get("Number_of_Students")
                .and_then(|s| s.parse().ok())
                .unwrap_or(0);
            let mut yatoms = Vec::new();
            for g in y.all("Group") {
                let gn = g.get("Name").unwrap_or("").to_string();
                let gstud = g
                    .get("Number_of_Students")
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let mut gatoms = Vec::new();
                for s in g.all("Subgroup") {
                    let sn = s.get("Name").unwrap_or("").to_string();
                    let n = s
                        .get("Number_of_Students")
                        .and_then(|s| s.parse().ok())
                        .unwrap_or(0);
                    let c = atom(&mut cx, &sn, n);
                    cx.sets.entry(sn.clone()).or_default().push(c);
                    cx.set_students.insert(sn, n);
                    gatoms.push(c);
                }
                if gatoms.is_empty() {
                    gatoms.push(atom(&mut cx, &gn, gstud));
                }
                cx.sets
                    .entry(gn.clone())
                    .or_default()
                    .extend(gatoms.iter().copied());
                cx.set_students.insert(gn, gstud);
                yatoms.extend(gatoms);
            }
            if yatoms.is_empty() {
                yatoms.push(atom(&mut cx, &yn, ystud));
            }
            cx.sets.entry(yn.clone()).or_default().extend(yatoms);
            cx.set_students.insert(yn, ystud);
        }
        for v in cx.sets.values_mut() {
            v.sort_unstable();
            v.dedup();
        }
    }
    if let Some(rl) = root.child("Rooms_List") {
        for r in rl.all("Room") {
            if flag(r, "Virtual") {
                return Err(Error::Unsupported(vec!["virtual rooms".into()]));
            }
            let name = r.get("Name").unwrap_or("").to_string();
            let cap = r
                .get("Capacity")
                .and_then(|c| c.parse().ok())
                .unwrap_or(30000);
            cx.room.insert(name.clone(), cx.m.rooms.len() as Idx);
            cx.m.rooms.push(Room {
                name,
                school: 0,
                capacity: cap,
            });
        }
    }
    // Activities.
    let mut groups: BTreeMap<u32, Vec<(u32, Idx)>> = BTreeMap::new();
    let mut students_of: Vec<u32> = Vec::new();
    if let Some(al) = root.child("Activities_List") {
        for a in al.all("Activity") {
            if a.get("Active")
                .is_some_and(|s| s.eq_ignore_ascii_case("false"))
            {
                continue;
            }
            let id: u32 = num(a, "Id")?;
            let dur: u16 = num(a, "Duration")?;
            let group: u32 = a
                .get("Activity_Group_Id")
                .and_then(|g| g.parse().ok())
                .unwrap_or(0);
            let mut teachers = Vec::new();
            for t in a.all("Teacher") {
                match cx.teacher.get(t.text.trim()) {
                    Some(&x) => teachers.push(x),
                    None => {
                        return err(format!("activity {id}: unknown teacher {}", t.text.trim()));
                    }
                }
            }
            let subject = match a.get("Subject").and_then(|s| cx.subject.get(s)) {
                Some(&s) => s,
                None => return err(format!("activity {id}: unknown subject")),
            };
            let mut tags = Vec::new();
            for t in a.all("Activity_Tag") {
                if let Some(&x) = cx.tag.get(t.text.trim()) {
                    tags.push(x);
                }
            }
            let mut classes = Vec::new();
            let mut sets = Vec::new();
            let mut nstud = 0;
            for s in a.all("Students") {
                let sn = s.text.trim().to_string();
                match cx.sets.get(&sn) {
                    Some(v) => classes.extend(v.iter().copied()),
                    None => return err(format!("activity {id}: unknown students set {sn}")),
                }
                nstud += cx.set_students.get(&sn).copied().unwrap_or(0);
                sets.push(sn);
            }
            if let Some(n) = a.get("Number_Of_Students").and_then(|n| n.parse().ok()) {
                nstud = n;
            }
            classes.sort_unstable();
            classes.dedup();
            let idx = cx.m.activities.len() as Idx;
            cx.act.insert(id, idx);
            groups
                .entry(if group == 0 { u32::MAX - id } else { group })
                .or_default()
                .push((id, idx));
            cx.m.activities.push(Activity {
                id,
                school: 0,
                subject,
                teachers,
                classes,
                tags,
                duration: dur,
                group,
                rooms: Vec::new(),
                fixed: None,
                fixed_room: None,
            });
            cx.act_sets.push(sets);
            students_of.push(nstud);
            cx.room_sets.push(Vec::new());
        }
    }
    cx.component = vec![1; cx.m.activities.len()];
    for list in groups.values_mut() {
        list.sort_unstable();
        for (k, &(_, a)) in list.iter().enumerate() {
            cx.component[a as usize] = k as u32 + 1;
        }
    }
    // Constraints.
    let mut unsupported: BTreeSet<String> = BTreeSet::new();
    let mut cons: Vec<&Element> = Vec::new();
    for list in ["Time_Constraints_List", "Space_Constraints_List"] {
        if let Some(l) = root.child(list) {
            for c in &l.children {
                if c.get("Active")
                    .is_some_and(|s| s.eq_ignore_ascii_case("false"))
                {
                    continue;
                }
                if !SUPPORTED.contains(&c.name.as_str()) {
                    unsupported.insert(c.name.clone());
                } else {
                    cons.push(c);
                }
            }
        }
    }
    if !unsupported.is_empty() {
        return Err(Error::Unsupported(unsupported.into_iter().collect()));
    }
    let np = hours.len() as u16;
    for c in cons {
        let w: f64 = c
            .get("Weight_Percentage")
            .and_then(|w| w.parse().ok())
            .unwrap_or(100.0);
        let name = c
            .name
            .strip_prefix("Constraint")
            .unwrap_or(&c.name)
            .to_string();
        let n = name.as_str();
        let teachers_plural = n.starts_with("Teachers");
        let students_plural = n.starts_with("Students") && !n.starts_with("StudentsSet");
        let entity = |cx: &Ctx| -> Result<Vec<Target>, Error> {
            if n.starts_with("Teacher") {
                cx.teachers_or_one(c, teachers_plural)
            } else {
                cx.students_or_set(c, students_plural)
            }
        };
        match n {
            "BasicCompulsoryTime" | "BasicCompulsorySpace" => {}
            "BreakTimes" => {
                let slots = cx.slots(c, "Break_Time", "Day", "Hour")?;
                cx.rule(w, RuleKind::Break { school: 0, slots });
            }
            "TeacherNotAvailableTimes" => {
                let t = cx.teacher_of(c, "Teacher")?;
                let slots = cx.slots(c, "Not_Available_Time", "Day", "Hour")?;
                cx.rule(
                    w,
                    RuleKind::NotAvailable {
                        target: Target::Teacher(t),
                        slots,
                    },
                );
            }
            "StudentsSetNotAvailableTimes" => {
                let slots = cx.slots(c, "Not_Available_Time", "Day", "Hour")?;
                for k in cx.set_of(c, "Students")? {
                    cx.rule(
                        w,
                        RuleKind::NotAvailable {
                            target: Target::Class(k),
                            slots: slots.clone(),
                        },
                    );
                }
            }
            "RoomNotAvailableTimes" => {
                let room = cx.room_of(c.get("Room").unwrap_or(""))?;
                let slots = cx.slots(c, "Not_Available_Time", "Day", "Hour")?;
                cx.rule(w, RuleKind::RoomNotAvailable { room, slots });
            }
            "MinDaysBetweenActivities" => {
                let activities = cx.acts(c, "Activity_Id")?;
                let min_days = num(c, "MinDays")?;
                let cons = flag(c, "Consecutive_If_Same_Day");
                cx.rule(
                    w,
                    RuleKind::MinDaysBetween {
                        activities,
                        min_days,
                        consecutive_if_same_day: cons,
                    },
                );
            }
            "ActivityPreferredStartingTime" => {
                let Some(a) = cx.act1(c, "Activity_Id")? else {
                    continue;
                };
                let s = cx.slot(c, "Preferred_Day", "Preferred_Hour")?;
                if w >= 100.0 {
                    cx.m.activities[a as usize].fixed.get_or_insert(s);
                }
                cx.rule(
                    w,
                    RuleKind::PreferredStarts {
                        activities: vec![a],
                        slots: vec![s],
                    },
                );
            }
            "ActivityPreferredStartingTimes"
            | "ActivitiesPreferredStartingTimes"
            | "SubactivitiesPreferredStartingTimes" => {
                let activities = if n.starts_with("ActivityP") {
                    cx.act1(c, "Activity_Id")?.into_iter().collect()
                } else {
                    cx.filter(c)
                };
                let slots = cx.slots(
                    c,
                    "Preferred_Starting_Time",
                    "Preferred_Starting_Day",
                    "Preferred_Starting_Hour",
                )?;
                cx.rule(w, RuleKind::PreferredStarts { activities, slots });
            }
            "ActivityPreferredTimeSlots"
            | "ActivitiesPreferredTimeSlots"
            | "SubactivitiesPreferredTimeSlots" => {
                let activities = if n.starts_with("ActivityP") {
                    cx.act1(c, "Activity_Id")?.into_iter().collect()
                } else {
                    cx.filter(c)
                };
                let slots =
                    cx.slots(c, "Preferred_Time_Slot", "Preferred_Day", "Preferred_Hour")?;
                cx.rule(w, RuleKind::PreferredSlots { activities, slots });
            }
            "ActivitiesSameStartingTime" => {
                let activities = cx.acts(c, "Activity_Id")?;
                cx.rule(w, RuleKind::SameStart { activities });
            }
            "ActivitiesSameStartingDay" => {
                let activities = cx.acts(c, "Activity_Id")?;
                cx.rule(w, RuleKind::SameDay { activities });
            }
            "ActivitiesNotOverlapping" => {
                let activities = cx.acts(c, "Activity_Id")?;
                cx.rule(w, RuleKind::NotOverlapping { activities });
            }
            "TwoActivitiesConsecutive" | "TwoActivitiesGrouped" => {
                let (Some(first), Some(second)) = (
                    cx.act1(c, "First_Activity_Id")?,
                    cx.act1(c, "Second_Activity_Id")?,
                ) else {
                    continue;
                };
                let k = if n == "TwoActivitiesGrouped" {
                    RuleKind::Grouped { first, second }
                } else {
                    RuleKind::Consecutive { first, second }
                };
                cx.rule(w, k);
            }
            "ActivityEndsStudentsDay" => {
                let activities: Vec<Idx> = cx.act1(c, "Activity_Id")?.into_iter().collect();
                cx.rule(w, RuleKind::EndsDay { activities });
            }
            "ActivitiesEndStudentsDay" => {
                let activities = cx.filter(c);
                cx.rule(w, RuleKind::EndsDay { activities });
            }
            "ActivitiesOccupyMaxTimeSlotsFromSelection" => {
                let activities = cx.acts(c, "Activity_Id")?;
                let slots = cx.slots(c, "Selected_Time_Slot", "Selected_Day", "Selected_Hour")?;
                let max = num(c, "Max_Number_of_Occupied_Time_Slots")?;
                cx.rule(
                    w,
                    RuleKind::OccupyMaxSlots {
                        activities,
                        slots,
                        max,
                    },
                );
            }
            "ActivitiesOccupyMaxTerms" => {
                let activities = cx.acts(c, "Activity_Id")?;
                let max = num(c, "Max_Number_of_Occupied_Terms")?;
                cx.rule(w, RuleKind::MaxTerms { activities, max });
            }
            "ActivitiesMaxInATerm" => {
                let activities = cx.acts(c, "Activity_Id")?;
                let max = num(c, "Max_Number_of_Activities_in_A_Term")?;
                cx.rule(w, RuleKind::MaxInTerm { activities, max });
            }
            _ if n.ends_with("MaxGapsPerWeek") || n.ends_with("MaxGapsPerDay") => {
                let max = num(c, "Max_Gaps")?;
                let week = n.ends_with("Week");
                for target in entity(&cx)? {
                    let k = if week {
                        RuleKind::MaxGapsWeek { target, max }
                    } else {
                        RuleKind::MaxGapsDay { target, max }
                    };
                    cx.rule(w, k);
                }
            }
            _ if n.ends_with("MaxHoursDaily") => {
                let max = num(c, "Maximum_Hours_Daily")?;
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::MaxHoursDaily { target, max });
                }
            }
            _ if n.ends_with("MinHoursDaily") => {
                let min = num(c, "Minimum_Hours_Daily")?;
                let allow_empty = n.starts_with("Teacher") || flag(c, "Allow_Empty_Days");
                for target in entity(&cx)? {
                    cx.rule(
                        w,
                        RuleKind::MinHoursDaily {
                            target,
                            min,
                            allow_empty,
                        },
                    );
                }
            }
            _ if n.ends_with("MaxDaysPerWeek") && !n.contains("Interval") => {
                let max = num(c, "Max_Days_Per_Week")?;
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::MaxDaysWeek { target, max });
                }
            }
            _ if n.ends_with("MinDaysPerWeek") => {
                let min = num(c, "Minimum_Days_Per_Week")?;
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::MinDaysWeek { target, min });
                }
            }
            _ if n.ends_with("MaxHoursContinuously") => {
                let max = num(c, "Maximum_Hours_Continuously")?;
                let tag = if n.contains("ActivityTag") {
                    match c.get("Activity_Tag").and_then(|t| cx.tag.get(t)) {
                        Some(&t) => Some(t),
                        None => return err(format!("{n}: unknown activity tag")),
                    }
                } else {
                    None
                };
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::MaxHoursContinuously { target, max, tag });
                }
            }
            _ if n.ends_with("IntervalMaxDaysPerWeek") => {
                let start = c
                    .get("Interval_Start_Hour")
                    .and_then(|h| cx.hour.get(h))
                    .copied()
                    .unwrap_or(0);
                let end = c
                    .get("Interval_End_Hour")
                    .and_then(|h| cx.hour.get(h))
                    .copied()
                    .unwrap_or(np);
                let max = num(c, "Max_Days_Per_Week")?;
                for target in entity(&cx)? {
                    cx.rule(
                        w,
                        RuleKind::IntervalMaxDays {
                            target,
                            start,
                            end,
                            max,
                        },
                    );
                }
            }
            _ if n.ends_with("EarlyMaxBeginningsAtSecondHour") => {
                let max = num(c, "Max_Beginnings_At_Second_Hour")?;
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::EarlyMaxBeginningsSecond { target, max });
                }
            }
            _ if n.ends_with("MaxAfternoonsPerWeek") => {
                let max = num(c, "Max_Afternoons_Per_Week")?;
                for target in entity(&cx)? {
                    cx.rule(w, RuleKind::MaxAfternoons { target, max });
                }
            }
            _ => {
                // Room constraints: collect candidate sets per activity.
                let (acts, rooms, home): (Vec<Idx>, Vec<Idx>, bool) = match n {
                    "ActivityPreferredRoom" => {
                        if c.child("Number_of_Real_Rooms")
                            .is_some_and(|x| x.text.trim() != "0")
                        {
                            return Err(Error::Unsupported(vec!["virtual rooms".into()]));
                        }
                        let r = cx.room_of(c.get("Room").unwrap_or(""))?;
                        (
                            cx.act1(c, "Activity_Id")?.into_iter().collect(),
                            vec![r],
                            false,
                        )
                    }
                    "ActivityPreferredRooms" => (
                        cx.act1(c, "Activity_Id")?.into_iter().collect(),
                        cx.rooms_list(c)?,
                        false,
                    ),
                    "SubjectPreferredRoom"
                    | "SubjectPreferredRooms"
                    | "SubjectActivityTagPreferredRoom"
                    | "SubjectActivityTagPreferredRooms"
                    | "ActivityTagPreferredRoom"
                    | "ActivityTagPreferredRooms" => {
                        let su = c.get("Subject").map(|s| cx.subject.get(s).copied());
                        let tg = c.get("Activity_Tag").map(|s| cx.tag.get(s).copied());
                        let rooms = if n.ends_with("Room") {
                            vec![cx.room_of(c.get("Room").unwrap_or(""))?]
                        } else {
                            cx.rooms_list(c)?
                        };
                        let acts = (0..cx.m.activities.len() as Idx)
                            .filter(|&a| {
                                let act = &cx.m.activities[a as usize];
                                su.is_none_or(|s| s == Some(act.subject))
                                    && tg.is_none_or(|t| t.is_some_and(|t| act.tags.contains(&t)))
                            })
                            .collect();
                        (acts, rooms, false)
                    }
                    "TeacherHomeRoom" | "TeacherHomeRooms" => {
                        let t = cx.teacher_of(c, "Teacher")?;
                        let rooms = if n.ends_with("Room") {
                            vec![cx.room_of(c.get("Room").unwrap_or(""))?]
                        } else {
                            cx.rooms_list(c)?
                        };
                        let acts = (0..cx.m.activities.len() as Idx)
                            .filter(|&a| cx.m.activities[a as usize].teachers == [t])
                            .collect();
                        (acts, rooms, true)
                    }
                    "StudentsSetHomeRoom" | "StudentsSetHomeRooms" => {
                        let s = c.get("Students").unwrap_or("").to_string();
                        let rooms = if n.ends_with("Room") {
                            vec![cx.room_of(c.get("Room").unwrap_or(""))?]
                        } else {
                            cx.rooms_list(c)?
                        };
                        let acts = (0..cx.m.activities.len() as Idx)
                            .filter(|&a| cx.act_sets[a as usize] == [s.clone()])
                            .collect();
                        (acts, rooms, true)
                    }
                    _ => return Err(Error::Unsupported(vec![c.name.clone()])),
                };
                for &a in &acts {
                    cx.room_sets[a as usize].push((w >= 100.0, home, rooms.clone()));
                }
                cx.rule(
                    w,
                    RuleKind::PreferredRooms {
                        activities: acts,
                        rooms,
                    },
                );
            }
        }
    }
    // Room candidates: intersection of hard non-home sets (home sets only if there is none), else the union
    // of soft sets; then FET's capacity rule.
    for a in 0..cx.m.activities.len() {
        let sets = &cx.room_sets[a];
        if sets.is_empty() {
            continue;
        }
        let has_plain = sets.iter().any(|s| !s.1);
        let mut hard: Option<BTreeSet<Idx>> = None;
        let mut soft: BTreeSet<Idx> = BTreeSet::new();
        for (h, home, rs) in sets {
            if *home && has_plain {
                continue;
            }
            if *h {
                let s: BTreeSet<Idx> = rs.iter().copied().collect();
                hard = Some(match hard {
                    None => s,
                    Some(x) => x.intersection(&s).copied().collect(),
                });
            } else {
                soft.extend(rs.iter().copied());
            }
        }
        let mut cand: Vec<Idx> = hard.unwrap_or(soft).into_iter().collect();
        cand.retain(|&r| cx.m.rooms[r as usize].capacity >= students_of[a]);
        if cand.is_empty() {
            return err(format!(
                "activity {}: no room satisfies its hard room constraints and capacity",
                cx.m.activities[a].id
            ));
        }
        cx.m.activities[a].rooms = cand;
    }
    // Home-room rules that a plain preferred room overrides are dropped from the rule list, as FET does.
    cx.m.validate()?;
    Ok(cx.m)
}

/// The timetable carried by a model read from a file with a locked start per activity (ours, or FET's
/// `_data_and_timetable.fet`): fixed starts, and single-candidate rooms.
pub fn timetable_of(m: &Model) -> Timetable {
    let mut t = Timetable::empty(m);
    for (a, act) in m.activities.iter().enumerate() {
        t.slots[a] = act.fixed;
        t.rooms[a] = act.fixed_room.or(if act.rooms.len() == 1 {
            Some(act.rooms[0])
        } else {
            None
        });
    }
    t
}

/// Write a solution: the input file plus, per activity, a permanently locked 100 % preferred starting time and,
/// when it uses a room, a locked preferred room. FET can load the result and verify it.
pub fn write(src: &str, m: &Model, t: &Timetable) -> Result<String, Error> {
    let school = m
        .schools
        .first()
        .ok_or_else(|| Error::Fet("model has no school".into()))?;
    let mut time = String::new();
    let mut space = String::new();
    for (a, act) in m.activities.iter().enumerate() {
        let Some(s) = t.slots.get(a).copied().flatten() else {
            continue;
        };
        time.push_str(&format!(
            "<ConstraintActivityPreferredStartingTime>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{}</Activity_Id>\n\t<Preferred_Day>{}</Preferred_Day>\n\t<Preferred_Hour>{}</Preferred_Hour>\n\t<Permanently_Locked>true</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments>gongjin</Comments>\n</ConstraintActivityPreferredStartingTime>\n",
            act.id,
            xml::escape(&school.days[s.day as usize]),
            xml::escape(&school.periods[s.period as usize].name)
        ));
        if let Some(r) = t.rooms.get(a).copied().flatten()
            && !act.rooms.is_empty()
        {
            space.push_str(&format!(
                "<ConstraintActivityPreferredRoom>\n\t<Weight_Percentage>100</Weight_Percentage>\n\t<Activity_Id>{}</Activity_Id>\n\t<Room>{}</Room>\n\t<Permanently_Locked>true</Permanently_Locked>\n\t<Active>true</Active>\n\t<Comments>gongjin</Comments>\n</ConstraintActivityPreferredRoom>\n",
                act.id,
                xml::escape(&m.rooms[r as usize].name)
            ));
        }
    }
    let insert = |doc: String, tag: &str, add: &str| -> Result<String, Error> {
        if add.is_empty() {
            return Ok(doc);
        }
        let close = format!("</{tag}>");
        if let Some(i) = doc.rfind(&close) {
            return Ok(format!("{}{}{}", &doc[..i], add, &doc[i..]));
        }
        let empty = format!("<{tag}/>");
        if let Some(i) = doc.rfind(&empty) {
            return Ok(format!(
                "{}<{tag}>\n{add}{close}{}",
                &doc[..i],
                &doc[i + empty.len()..]
            ));
        }
        let end = doc
            .rfind("</fet>")
            .ok_or_else(|| Error::Fet("no </fet>".into()))?;
        Ok(format!(
            "{}<{tag}>\n{add}{close}\n{}",
            &doc[..end],
            &doc[end..]
        ))
    };
    let doc = insert(src.to_string(), "Time_Constraints_List", &time)?;
    insert(doc, "Space_Constraints_List", &space)
}
