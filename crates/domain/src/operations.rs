//! Community operations beyond exchanges, mentoring and meetings: joint research activities
//! (教研活动) and their recurring series ("周周有约"), synchronous lessons (同步课堂), the support
//! menu (菜单式帮扶), terms, common free time and calendar feeds. Inputs (`*Fields`) validate into
//! the records the store accepts (`New*`), reporting every bad field at once.

use crate::enums::vocabulary;
use crate::error::{FieldError, ValidationErrors};
use crate::newtypes::*;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

vocabulary! {
    /// Whether an activity or lesson happens online or on site.
    ActivityMode {
        OnSite => "on_site", "线下";
        Online => "online", "线上";
    }
}
impl ActivityMode {
    const CATALOGUE_PREFIX: &'static str = "activity_mode";
}

vocabulary! {
    /// State of an activity or a synchronous lesson.
    ActivityStatus {
        Planned => "planned", "计划中";
        Done => "done", "已开展";
        Cancelled => "cancelled", "已取消";
    }
}
impl ActivityStatus {
    const CATALOGUE_PREFIX: &'static str = "activity_status";
}

vocabulary! {
    /// State of an order from the support menu (菜单式帮扶).
    SupportOrderStatus {
        Requested => "requested", "待受理";
        Scheduled => "scheduled", "已排期";
        Done => "done", "已完成";
        Declined => "declined", "未受理";
        Cancelled => "cancelled", "已取消";
    }
}
impl SupportOrderStatus {
    const CATALOGUE_PREFIX: &'static str = "support_order_status";
    /// The states an order may move to from this one.
    pub fn next(self) -> &'static [SupportOrderStatus] {
        use SupportOrderStatus::*;
        match self {
            Requested => &[Scheduled, Declined, Cancelled],
            Scheduled => &[Done, Cancelled],
            Done | Declined | Cancelled => &[],
        }
    }
}

/// The preset activity kinds (key, Chinese label, English label). Regions add their own.
pub const ACTIVITY_KIND_PRESETS: &[(&str, &str, &str)] = &[
    ("lesson_prep", "集体备课", "Collective lesson preparation"),
    ("same_topic", "同课异构", "Same topic, different designs"),
    ("same_design", "同课同构", "Same topic, same design"),
    ("observation", "听课评课", "Lesson observation and critique"),
    ("open_class", "公开课/示范课", "Open or demonstration class"),
    ("lecture", "专题讲座", "Lecture"),
    ("lesson_explaining", "说课", "Lesson explaining"),
    ("test_item", "试题研制", "Test-item development"),
    ("competition", "教学竞赛", "Teaching competition"),
    ("studio", "名师工作室活动", "Famous-teacher studio activity"),
    ("touring_lecture", "名师巡讲", "Touring lecture"),
    ("online_research", "网络教研", "Online research"),
    ("student_activity", "学生活动", "Student activity"),
    (
        "culture",
        "文化/党建活动",
        "Culture or party-building activity",
    ),
    ("visit", "校际走访", "Visit"),
];

/// A clock time `HH:MM` (also `H:MM`, `HH：MM`).
pub fn parse_time(field: &str, s: &str) -> Result<String, FieldError> {
    let c = clean_ascii(s).replace('：', ":");
    let mut it = c.split(':');
    let ok = (|| {
        let h: u32 = it.next()?.trim().parse().ok()?;
        let m: u32 = it.next()?.trim().parse().ok()?;
        (it.next().is_none() && h < 24 && m < 60).then(|| format!("{h:02}:{m:02}"))
    })();
    ok.ok_or_else(|| FieldError::with(field, "error.time", c))
}

fn opt_time(e: &mut ValidationErrors, field: &str, v: Option<&str>) -> Option<String> {
    match v.map(clean_text).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => e.take(parse_time(field, &s)),
    }
}

fn ids(field: &str, v: &[i64], e: &mut ValidationErrors) -> Vec<i64> {
    let mut out: Vec<i64> = v.to_vec();
    if out.iter().any(|&x| x <= 0) {
        e.push(FieldError::new(field, "error.required"));
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn vocab_or<T: Copy>(
    e: &mut ValidationErrors,
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    default: T,
) -> T {
    match v.map(clean_text).filter(|s| !s.is_empty()) {
        None => default,
        Some(s) => parse(&s).unwrap_or_else(|| {
            e.push(FieldError::with(field, "error.choice", s));
            default
        }),
    }
}

/// An activity key as sent: letters, digits and `_`, 1–32 characters.
pub fn parse_kind_key(field: &str, s: &str) -> Result<String, FieldError> {
    let k = clean_ascii(s);
    if k.is_empty() {
        Err(FieldError::new(field, "error.required"))
    } else if k.len() > 32
        || !k
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        Err(FieldError::with(field, "error.choice", k))
    } else {
        Ok(k)
    }
}

/// A joint research activity (教研活动) as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ActivityFields {
    pub community_id: i64,
    /// An activity kind key, e.g. `lesson_prep` (see `GET /api/v1/activity-kinds`).
    pub kind: String,
    pub title: String,
    /// The organising school (default: the host school).
    pub organiser_school_id: Option<i64>,
    /// A famous-teacher studio (名师工作室) organising it, by name.
    pub organiser_studio: Option<String>,
    pub host_school_id: i64,
    /// Other schools taking part.
    #[serde(default)]
    pub school_ids: Vec<i64>,
    /// `YYYY-MM-DD`
    pub held_on: String,
    /// `HH:MM`
    pub start_time: Option<String>,
    /// Minutes, default 90.
    pub duration_minutes: Option<i64>,
    /// `on_site` (default) or `online`.
    pub mode: Option<String>,
    pub subject: Option<String>,
    /// Students taking part.
    pub student_count: Option<i64>,
    pub summary: Option<String>,
    /// Online research: before / during / after.
    pub stage_before: Option<String>,
    pub stage_during: Option<String>,
    pub stage_after: Option<String>,
    /// `planned` (default), `done`, `cancelled`.
    pub status: Option<String>,
    /// Teachers invited (ids).
    #[serde(default)]
    pub invited_teacher_ids: Vec<i64>,
    /// Teachers present (ids); present teachers count as invited.
    #[serde(default)]
    pub present_teacher_ids: Vec<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewActivity {
    pub community_id: i64,
    pub kind: String,
    pub title: String,
    pub organiser_school_id: i64,
    pub organiser_studio: String,
    pub host_school_id: i64,
    pub school_ids: Vec<i64>,
    pub held_on: NaiveDate,
    pub start_time: Option<String>,
    pub duration_minutes: i64,
    pub mode: ActivityMode,
    pub subject: String,
    pub student_count: i64,
    pub summary: String,
    pub stage_before: String,
    pub stage_during: String,
    pub stage_after: String,
    pub status: ActivityStatus,
    pub invited_teacher_ids: Vec<i64>,
    pub present_teacher_ids: Vec<i64>,
}

impl ActivityFields {
    pub fn validate(&self) -> Result<NewActivity, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let kind = e.take(parse_kind_key("kind", &self.kind));
        let title = e.take(parse_text("activity_title", Some(&self.title), 100));
        if title.as_deref().is_some_and(str::is_empty) {
            e.push(FieldError::new("activity_title", "error.required"));
        }
        let held = e.take(parse_date("held_on", &self.held_on));
        let start_time = opt_time(&mut e, "start_time", self.start_time.as_deref());
        let duration = match self.duration_minutes {
            None => 90,
            Some(d) if (1..=24 * 60).contains(&d) => d,
            Some(d) => {
                e.push(FieldError::with(
                    "duration_minutes",
                    "error.range",
                    format!("1–1440 ({d})"),
                ));
                90
            }
        };
        let mode = vocab_or(
            &mut e,
            "mode",
            self.mode.as_deref(),
            ActivityMode::parse,
            ActivityMode::OnSite,
        );
        let status = vocab_or(
            &mut e,
            "status",
            self.status.as_deref(),
            ActivityStatus::parse,
            ActivityStatus::Planned,
        );
        let subject = e.take(parse_text("subject", self.subject.as_deref(), 32));
        let studio = e.take(parse_text(
            "organiser_studio",
            self.organiser_studio.as_deref(),
            64,
        ));
        let students = e.take(parse_count("student_count", self.student_count, 100_000));
        let summary = e.take(parse_text("summary", self.summary.as_deref(), 20_000));
        let before = e.take(parse_text(
            "stage_before",
            self.stage_before.as_deref(),
            4000,
        ));
        let during = e.take(parse_text(
            "stage_during",
            self.stage_during.as_deref(),
            4000,
        ));
        let after = e.take(parse_text("stage_after", self.stage_after.as_deref(), 4000));
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        if self.host_school_id <= 0 {
            e.push(FieldError::new("host_school_id", "error.required"));
        }
        let mut schools = ids("school_ids", &self.school_ids, &mut e);
        schools.retain(|&s| s != self.host_school_id);
        let present = ids("present_teacher_ids", &self.present_teacher_ids, &mut e);
        let mut invited = ids("invited_teacher_ids", &self.invited_teacher_ids, &mut e);
        invited.extend(present.iter().copied());
        invited.sort_unstable();
        invited.dedup();
        e.into_result(|| NewActivity {
            community_id: self.community_id,
            kind: kind.unwrap(),
            title: title.unwrap(),
            organiser_school_id: self
                .organiser_school_id
                .filter(|&x| x > 0)
                .unwrap_or(self.host_school_id),
            organiser_studio: studio.unwrap(),
            host_school_id: self.host_school_id,
            school_ids: schools,
            held_on: held.unwrap(),
            start_time,
            duration_minutes: duration,
            mode,
            subject: subject.unwrap(),
            student_count: students.unwrap(),
            summary: summary.unwrap(),
            stage_before: before.unwrap(),
            stage_during: during.unwrap(),
            stage_after: after.unwrap(),
            status,
            invited_teacher_ids: invited,
            present_teacher_ids: present,
        })
    }
}

/// A recurring series of activities, e.g. every Wednesday afternoon ("周周有约").
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SeriesFields {
    pub community_id: i64,
    pub kind: String,
    pub title: String,
    pub host_school_id: i64,
    #[serde(default)]
    pub school_ids: Vec<i64>,
    /// 1 = Monday … 7 = Sunday.
    pub weekday: i64,
    /// `HH:MM`
    pub start_time: Option<String>,
    pub duration_minutes: Option<i64>,
    pub mode: Option<String>,
    pub subject: Option<String>,
    /// First and last day of the series (`YYYY-MM-DD`); at most one year apart.
    pub first_date: String,
    pub last_date: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSeries {
    /// The template every occurrence starts from.
    pub activity: NewActivity,
    pub weekday: u32,
    pub first_date: NaiveDate,
    pub last_date: NaiveDate,
    /// The dates of the occurrences.
    pub dates: Vec<NaiveDate>,
}

/// Every date from `first` to `last` (inclusive) falling on `weekday` (1 = Monday).
pub fn series_dates(first: NaiveDate, last: NaiveDate, weekday: u32) -> Vec<NaiveDate> {
    let mut out = vec![];
    let mut d = first;
    while d.weekday().number_from_monday() != weekday {
        match d.succ_opt() {
            Some(n) => d = n,
            None => return out,
        }
    }
    while d <= last {
        out.push(d);
        match d.checked_add_days(chrono::Days::new(7)) {
            Some(n) => d = n,
            None => break,
        }
    }
    out
}

impl SeriesFields {
    pub fn validate(&self) -> Result<NewSeries, ValidationErrors> {
        let template = ActivityFields {
            community_id: self.community_id,
            kind: self.kind.clone(),
            title: self.title.clone(),
            organiser_school_id: None,
            organiser_studio: None,
            host_school_id: self.host_school_id,
            school_ids: self.school_ids.clone(),
            held_on: self.first_date.clone(),
            start_time: self.start_time.clone(),
            duration_minutes: self.duration_minutes,
            mode: self.mode.clone(),
            subject: self.subject.clone(),
            ..Default::default()
        };
        let mut e = ValidationErrors::default();
        let activity = match template.validate() {
            Ok(a) => Some(a),
            Err(v) => {
                for x in v.0 {
                    let field = if x.field == "held_on" {
                        "first_date".to_owned()
                    } else {
                        x.field.clone()
                    };
                    e.push(FieldError { field, ..x });
                }
                None
            }
        };
        let last = e.take(parse_date("last_date", &self.last_date));
        if !(1..=7).contains(&self.weekday) {
            e.push(FieldError::with("weekday", "error.range", "1–7"));
        }
        let first = parse_date("first_date", &self.first_date).ok();
        if let (Some(f), Some(l)) = (first, last) {
            if l < f {
                e.push(FieldError::with("last_date", "error.end_before_start", l));
            } else if (l - f).num_days() > 366 {
                e.push(FieldError::with("last_date", "error.series_too_long", 366));
            }
        }
        let weekday = self.weekday.clamp(1, 7) as u32;
        let dates = match (&activity, last) {
            (Some(a), Some(l)) => series_dates(a.held_on, l, weekday),
            _ => vec![],
        };
        if e.is_empty() && dates.is_empty() {
            e.push(FieldError::new("weekday", "error.series_empty"));
        }
        e.into_result(|| {
            let activity = activity.unwrap();
            NewSeries {
                first_date: activity.held_on,
                last_date: last.unwrap(),
                activity,
                weekday,
                dates,
            }
        })
    }
}

/// A participant's reflection (反思) on an activity.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ReflectionFields {
    /// The teacher writing (a teacher writes as themself; default the caller's teacher record).
    pub teacher_id: Option<i64>,
    pub body: String,
}

impl ReflectionFields {
    pub fn validate(&self) -> Result<String, ValidationErrors> {
        let b = clean_text(&self.body);
        if b.is_empty() {
            return Err(FieldError::new("body", "error.required").into());
        }
        if b.chars().count() > 10_000 {
            return Err(FieldError::with("body", "error.too_long", 10_000).into());
        }
        Ok(b)
    }
}

/// A class receiving a synchronous lesson.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct ReceiverFields {
    pub school_id: i64,
    /// e.g. `三年级(2)班`
    pub class_label: String,
}

/// A synchronous lesson (同步课堂/专递课堂) as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SyncLessonFields {
    pub community_id: i64,
    /// The teaching teacher; the host school is the teacher's school.
    pub host_teacher_id: i64,
    pub host_class: String,
    #[serde(default)]
    pub receivers: Vec<ReceiverFields>,
    pub subject: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    /// Period of the school day (1–10).
    pub period: i64,
    pub live_url: Option<String>,
    /// Lesson design form (同步课堂教学设计表): 课题, 教学目标, 重难点, 教学过程, 分工.
    pub topic: String,
    pub goals: Option<String>,
    pub key_points: Option<String>,
    pub process: Option<String>,
    pub division: Option<String>,
    /// 课前协备 / 课中共教 / 课后同评
    pub before_notes: Option<String>,
    pub during_notes: Option<String>,
    pub after_notes: Option<String>,
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSyncLesson {
    pub community_id: i64,
    pub host_teacher_id: i64,
    pub host_class: String,
    pub receivers: Vec<ReceiverFields>,
    pub subject: String,
    pub held_on: NaiveDate,
    pub period: i64,
    pub live_url: String,
    pub topic: String,
    pub goals: String,
    pub key_points: String,
    pub process: String,
    pub division: String,
    pub before_notes: String,
    pub during_notes: String,
    pub after_notes: String,
    pub status: ActivityStatus,
}

impl SyncLessonFields {
    pub fn validate(&self) -> Result<NewSyncLesson, ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        if self.host_teacher_id <= 0 {
            e.push(FieldError::new("host_teacher_id", "error.required"));
        }
        let host_class = e.take(parse_name("host_class", &self.host_class));
        let subject = e.take(parse_name("subject", &self.subject));
        let topic = e.take(parse_name("topic", &self.topic));
        let held = e.take(parse_date("held_on", &self.held_on));
        if !(1..=10).contains(&self.period) {
            e.push(FieldError::with("period", "error.range", "1–10"));
        }
        let url = clean_ascii(self.live_url.as_deref().unwrap_or(""));
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            e.push(FieldError::with("live_url", "error.url", url.clone()));
        }
        if url.len() > 500 {
            e.push(FieldError::with("live_url", "error.too_long", 500));
        }
        let mut receivers = vec![];
        for r in &self.receivers {
            let label = clean_text(&r.class_label);
            if r.school_id <= 0 {
                e.push(FieldError::new("receivers", "error.required"));
            } else if label.chars().count() > 32 {
                e.push(FieldError::with("receivers", "error.too_long", 32));
            } else if !receivers
                .iter()
                .any(|x: &ReceiverFields| x.school_id == r.school_id && x.class_label == label)
            {
                receivers.push(ReceiverFields {
                    school_id: r.school_id,
                    class_label: label,
                });
            }
        }
        if receivers.is_empty() {
            e.push(FieldError::new("receivers", "error.required"));
        }
        let text = |e: &mut ValidationErrors, f: &str, v: &Option<String>| {
            e.take(parse_text(f, v.as_deref(), 10_000))
                .unwrap_or_default()
        };
        let goals = text(&mut e, "goals", &self.goals);
        let key_points = text(&mut e, "key_points", &self.key_points);
        let process = text(&mut e, "process", &self.process);
        let division = text(&mut e, "division", &self.division);
        let before = text(&mut e, "before_notes", &self.before_notes);
        let during = text(&mut e, "during_notes", &self.during_notes);
        let after = text(&mut e, "after_notes", &self.after_notes);
        let status = vocab_or(
            &mut e,
            "status",
            self.status.as_deref(),
            ActivityStatus::parse,
            ActivityStatus::Planned,
        );
        e.into_result(|| NewSyncLesson {
            community_id: self.community_id,
            host_teacher_id: self.host_teacher_id,
            host_class: host_class.unwrap(),
            receivers,
            subject: subject.unwrap(),
            held_on: held.unwrap(),
            period: self.period,
            live_url: url,
            topic: topic.unwrap(),
            goals,
            key_points,
            process,
            division,
            before_notes: before,
            during_notes: during,
            after_notes: after,
            status,
        })
    }
}

/// The yearly target for synchronous lessons of a community (preset from the texts: at least
/// 2 subjects and 20 lessons a school year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct SyncLessonTarget {
    pub lessons_per_year: i64,
    pub subjects_per_year: i64,
}

impl Default for SyncLessonTarget {
    fn default() -> Self {
        SyncLessonTarget {
            lessons_per_year: 20,
            subjects_per_year: 2,
        }
    }
}

/// An offer on a core school's support menu.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SupportOfferFields {
    pub community_id: i64,
    /// The offering school (usually the core school).
    pub school_id: i64,
    /// What is offered, e.g. 送教下乡：初中数学复习课.
    pub title: String,
    /// An activity kind key the scheduled activity takes (default `lecture`).
    pub kind: Option<String>,
    /// Who delivers it, e.g. 数学名师工作室.
    pub provider: Option<String>,
    pub description: Option<String>,
    /// How many times it can be ordered (default 1).
    pub times: Option<i64>,
    pub subject: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSupportOffer {
    pub community_id: i64,
    pub school_id: i64,
    pub title: String,
    pub kind: String,
    pub provider: String,
    pub description: String,
    pub times: i64,
    pub subject: String,
}

impl SupportOfferFields {
    pub fn validate(&self) -> Result<NewSupportOffer, ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        let title = e.take(parse_text("offer_title", Some(&self.title), 100));
        if title.as_deref().is_some_and(str::is_empty) {
            e.push(FieldError::new("offer_title", "error.required"));
        }
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => Some("lecture".to_owned()),
            Some(k) => e.take(parse_kind_key("kind", k)),
        };
        let provider = e.take(parse_text("provider", self.provider.as_deref(), 64));
        let description = e.take(parse_text("description", self.description.as_deref(), 4000));
        let subject = e.take(parse_text("subject", self.subject.as_deref(), 32));
        let times = match self.times {
            None => 1,
            Some(t) if (1..=100).contains(&t) => t,
            Some(t) => {
                e.push(FieldError::with(
                    "times",
                    "error.range",
                    format!("1–100 ({t})"),
                ));
                1
            }
        };
        e.into_result(|| NewSupportOffer {
            community_id: self.community_id,
            school_id: self.school_id,
            title: title.unwrap(),
            kind: kind.unwrap(),
            provider: provider.unwrap(),
            description: description.unwrap(),
            times,
            subject: subject.unwrap(),
        })
    }
}

/// A member school's order from the menu.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SupportOrderFields {
    pub offer_id: i64,
    /// The ordering school.
    pub school_id: i64,
    /// The date wanted (`YYYY-MM-DD`).
    pub wanted_on: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSupportOrder {
    pub offer_id: i64,
    pub school_id: i64,
    pub wanted_on: NaiveDate,
    pub note: String,
}

impl SupportOrderFields {
    pub fn validate(&self) -> Result<NewSupportOrder, ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.offer_id <= 0 {
            e.push(FieldError::new("offer_id", "error.required"));
        }
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        let wanted = e.take(parse_date("wanted_on", &self.wanted_on));
        let note = e.take(parse_text("note", self.note.as_deref(), 1000));
        e.into_result(|| NewSupportOrder {
            offer_id: self.offer_id,
            school_id: self.school_id,
            wanted_on: wanted.unwrap(),
            note: note.unwrap(),
        })
    }
}

/// A term (学期): the first runs September to January, the second February to August.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Term {
    /// The school year it belongs to (2025 = 2025–2026).
    pub year: i32,
    /// 1 or 2.
    pub half: u8,
}

impl Term {
    pub fn of(d: NaiveDate) -> Term {
        let year = crate::enums::school_year_of(d);
        let half = if d.month() >= 9 || d.month() == 1 {
            1
        } else {
            2
        };
        Term { year, half }
    }
    pub fn bounds(self) -> (NaiveDate, NaiveDate) {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        if self.half == 1 {
            (d(self.year, 9, 1), d(self.year + 1, 1, 31))
        } else {
            (d(self.year + 1, 2, 1), d(self.year + 1, 8, 31))
        }
    }
    /// e.g. `2025–2026学年第一学期`.
    pub fn zh(self) -> String {
        format!(
            "{}–{}学年第{}学期",
            self.year,
            self.year + 1,
            if self.half == 1 { "一" } else { "二" }
        )
    }
}

/// A teaching period a teacher is busy in: weekday 1–7, period 1–10.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
pub struct Slot {
    pub weekday: u8,
    pub period: u8,
}

/// A run of consecutive periods on one weekday when every teacher asked about is free.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FreeWindow {
    pub weekday: u8,
    pub first_period: u8,
    pub last_period: u8,
}

impl FreeWindow {
    pub fn periods(&self) -> u8 {
        self.last_period - self.first_period + 1
    }
}

/// The school days and periods common free time is searched in.
pub const WEEKDAYS: std::ops::RangeInclusive<u8> = 1..=5;
pub const PERIODS: std::ops::RangeInclusive<u8> = 1..=8;

/// The weekly windows (maximal runs of consecutive periods, Monday to Friday, periods 1–8) when
/// none of the teachers is busy. `busy[i]` lists teacher i's teaching periods. Longest windows
/// first, then by weekday and period.
pub fn common_free_windows(busy: &[Vec<Slot>]) -> Vec<FreeWindow> {
    let taken: std::collections::HashSet<Slot> = busy.iter().flatten().copied().collect();
    let mut out = vec![];
    for weekday in WEEKDAYS {
        let mut start: Option<u8> = None;
        for period in PERIODS.chain(std::iter::once(PERIODS.end() + 1)) {
            let free = period <= *PERIODS.end() && !taken.contains(&Slot { weekday, period });
            match (free, start) {
                (true, None) => start = Some(period),
                (false, Some(s)) => {
                    out.push(FreeWindow {
                        weekday,
                        first_period: s,
                        last_period: period - 1,
                    });
                    start = None;
                }
                _ => {}
            }
        }
    }
    out.sort_by_key(|w| (std::cmp::Reverse(w.periods()), w.weekday, w.first_period));
    out
}

/// One event of a calendar feed.
#[derive(Debug, Clone, PartialEq)]
pub struct IcalEvent {
    /// Stable and unique, e.g. `activity-12@gongjin`.
    pub uid: String,
    pub date: NaiveDate,
    /// `HH:MM`; without it the event lasts the whole day.
    pub start_time: Option<String>,
    pub duration_minutes: i64,
    pub summary: String,
    pub description: String,
    pub location: String,
}

fn ical_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\n' => o.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// Folds a content line at 75 octets (RFC 5545 §3.1), never inside a UTF-8 character.
fn ical_fold(line: &str, out: &mut String) {
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > 75 {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
}

/// Renders an iCalendar (RFC 5545) feed. Times are local China time (`Asia/Shanghai`, UTC+8,
/// no daylight saving), written as UTC so every client shows them right. `stamp` is the
/// generation time in UTC, `YYYYMMDDTHHMMSSZ`.
pub fn render_ical(name: &str, stamp: &str, events: &[IcalEvent]) -> String {
    let mut out = String::new();
    for l in [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Gongjin//共进//ZH",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
    ] {
        ical_fold(l, &mut out);
    }
    ical_fold(&format!("X-WR-CALNAME:{}", ical_escape(name)), &mut out);
    ical_fold("X-WR-TIMEZONE:Asia/Shanghai", &mut out);
    for ev in events {
        ical_fold("BEGIN:VEVENT", &mut out);
        ical_fold(&format!("UID:{}", ical_escape(&ev.uid)), &mut out);
        ical_fold(&format!("DTSTAMP:{stamp}"), &mut out);
        let start = ev
            .start_time
            .as_deref()
            .and_then(|t| chrono::NaiveTime::parse_from_str(t, "%H:%M").ok());
        match start {
            Some(t) => {
                let local = ev.date.and_time(t);
                let utc = local - chrono::Duration::hours(8);
                let end = utc + chrono::Duration::minutes(ev.duration_minutes.max(1));
                ical_fold(
                    &format!("DTSTART:{}", utc.format("%Y%m%dT%H%M%SZ")),
                    &mut out,
                );
                ical_fold(&format!("DTEND:{}", end.format("%Y%m%dT%H%M%SZ")), &mut out);
            }
            None => {
                ical_fold(
                    &format!("DTSTART;VALUE=DATE:{}", ev.date.format("%Y%m%d")),
                    &mut out,
                );
                let next = ev.date.succ_opt().unwrap_or(ev.date);
                ical_fold(
                    &format!("DTEND;VALUE=DATE:{}", next.format("%Y%m%d")),
                    &mut out,
                );
            }
        }
        ical_fold(&format!("SUMMARY:{}", ical_escape(&ev.summary)), &mut out);
        if !ev.description.is_empty() {
            ical_fold(
                &format!("DESCRIPTION:{}", ical_escape(&ev.description)),
                &mut out,
            );
        }
        if !ev.location.is_empty() {
            ical_fold(&format!("LOCATION:{}", ical_escape(&ev.location)), &mut out);
        }
        ical_fold("END:VEVENT", &mut out);
    }
    ical_fold("END:VCALENDAR", &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn series_dates_fall_on_the_weekday_within_bounds() {
        // 2025-09-01 is a Monday; Wednesdays of September 2025: 3, 10, 17, 24.
        let v = series_dates(d("2025-09-01"), d("2025-09-30"), 3);
        assert_eq!(
            v,
            vec![
                d("2025-09-03"),
                d("2025-09-10"),
                d("2025-09-17"),
                d("2025-09-24")
            ]
        );
        assert!(series_dates(d("2025-09-04"), d("2025-09-09"), 3).is_empty());
    }

    #[test]
    fn a_series_reports_every_bad_field() {
        let f = SeriesFields {
            community_id: 1,
            kind: "lesson_prep".into(),
            title: "周周有约".into(),
            host_school_id: 2,
            weekday: 9,
            first_date: "2025-09-01".into(),
            last_date: "2027-01-01".into(),
            start_time: Some("25:00".into()),
            ..Default::default()
        };
        let e = f.validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|x| x.field.as_str()).collect();
        assert!(fields.contains(&"weekday"), "{fields:?}");
        assert!(fields.contains(&"last_date"), "{fields:?}");
        assert!(fields.contains(&"start_time"), "{fields:?}");
        let ok = SeriesFields {
            weekday: 3,
            last_date: "2026-01-15".into(),
            start_time: Some("14:30".into()),
            ..f
        }
        .validate()
        .unwrap();
        assert_eq!(ok.dates.first(), Some(&d("2025-09-03")));
        assert!(
            ok.dates
                .iter()
                .all(|x| x.weekday().number_from_monday() == 3)
        );
        assert_eq!(ok.activity.start_time.as_deref(), Some("14:30"));
    }

    #[test]
    fn activity_defaults_and_attendance() {
        let a = ActivityFields {
            community_id: 1,
            kind: "open_class".into(),
            title: "数学公开课".into(),
            host_school_id: 5,
            school_ids: vec![6, 5, 6],
            held_on: "2025/10/9".into(),
            invited_teacher_ids: vec![1],
            present_teacher_ids: vec![2],
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(a.school_ids, vec![6]);
        assert_eq!(a.organiser_school_id, 5);
        assert_eq!(a.invited_teacher_ids, vec![1, 2]);
        assert_eq!(a.mode, ActivityMode::OnSite);
        assert_eq!(a.status, ActivityStatus::Planned);
        assert_eq!(a.duration_minutes, 90);
        let bad = ActivityFields {
            kind: "Bad Kind".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        let fields: Vec<&str> = bad.0.iter().map(|x| x.field.as_str()).collect();
        for f in [
            "kind",
            "activity_title",
            "held_on",
            "community_id",
            "host_school_id",
        ] {
            assert!(fields.contains(&f), "{f} in {fields:?}");
        }
    }

    #[test]
    fn terms() {
        assert_eq!(
            Term::of(d("2025-09-01")),
            Term {
                year: 2025,
                half: 1
            }
        );
        assert_eq!(
            Term::of(d("2026-01-20")),
            Term {
                year: 2025,
                half: 1
            }
        );
        assert_eq!(
            Term::of(d("2026-03-02")),
            Term {
                year: 2025,
                half: 2
            }
        );
        assert_eq!(
            Term {
                year: 2025,
                half: 2
            }
            .bounds(),
            (d("2026-02-01"), d("2026-08-31"))
        );
        assert_eq!(
            Term {
                year: 2025,
                half: 1
            }
            .zh(),
            "2025–2026学年第一学期"
        );
    }

    #[test]
    fn support_order_moves() {
        use SupportOrderStatus::*;
        assert!(Requested.next().contains(&Scheduled));
        assert!(Done.next().is_empty());
        assert!(!Requested.next().contains(&Done));
    }

    #[test]
    fn free_windows_example() {
        let s = |weekday, period| Slot { weekday, period };
        // Teacher A teaches Monday 1–2, teacher B Monday 5 and every Wednesday period.
        let busy = vec![
            vec![s(1, 1), s(1, 2)],
            std::iter::once(s(1, 5))
                .chain((1..=8).map(|p| s(3, p)))
                .collect(),
        ];
        let w = common_free_windows(&busy);
        assert!(w.iter().all(|w| w.weekday != 3));
        assert!(w.contains(&FreeWindow {
            weekday: 1,
            first_period: 3,
            last_period: 4
        }));
        assert!(w.contains(&FreeWindow {
            weekday: 1,
            first_period: 6,
            last_period: 8
        }));
        assert_eq!(w[0].periods(), 8, "whole free days come first");
    }

    proptest! {
        #[test]
        fn free_windows_are_exactly_the_common_free_slots(
            busy in proptest::collection::vec(
                proptest::collection::vec((1u8..=5, 1u8..=8), 0..12), 1..5)
        ) {
            let busy: Vec<Vec<Slot>> = busy.into_iter()
                .map(|v| v.into_iter().map(|(weekday, period)| Slot { weekday, period }).collect())
                .collect();
            let w = common_free_windows(&busy);
            let mut covered = std::collections::HashSet::new();
            for x in &w {
                for p in x.first_period..=x.last_period {
                    let slot = Slot { weekday: x.weekday, period: p };
                    prop_assert!(busy.iter().all(|b| !b.contains(&slot)));
                    prop_assert!(covered.insert(slot), "windows overlap");
                }
            }
            for weekday in WEEKDAYS { for period in PERIODS {
                let slot = Slot { weekday, period };
                let free = busy.iter().all(|b| !b.contains(&slot));
                prop_assert_eq!(free, covered.contains(&slot));
            }}
        }

        #[test]
        fn ical_lines_are_folded_and_escaped(summary in "\\PC{0,200}") {
            let ev = IcalEvent {
                uid: "activity-1@gongjin".into(),
                date: d("2025-10-09"),
                start_time: Some("14:30".into()),
                duration_minutes: 90,
                summary: summary.clone(),
                description: "第一行\n第二行; 逗号,".into(),
                location: String::new(),
            };
            let s = render_ical("测试", "20251001T000000Z", &[ev]);
            for line in s.split("\r\n") {
                prop_assert!(line.len() <= 75, "{line}");
            }
            prop_assert!(s.contains("DTSTART:20251009T063000Z"));
            prop_assert!(s.contains("DTEND:20251009T080000Z"));
            prop_assert!(s.ends_with("END:VCALENDAR\r\n"));
        }
    }

    #[test]
    fn ical_all_day_and_escapes() {
        let s = render_ical(
            "教共体",
            "20251001T000000Z",
            &[IcalEvent {
                uid: "x@gongjin".into(),
                date: d("2025-10-09"),
                start_time: None,
                duration_minutes: 0,
                summary: "A;B,C".into(),
                description: "a\nb".into(),
                location: "某校".into(),
            }],
        );
        assert!(s.contains("DTSTART;VALUE=DATE:20251009\r\n"));
        assert!(s.contains("DTEND;VALUE=DATE:20251010\r\n"));
        assert!(s.contains("SUMMARY:A\\;B\\,C\r\n"));
        assert!(s.contains("DESCRIPTION:a\\nb\r\n"));
    }
}
