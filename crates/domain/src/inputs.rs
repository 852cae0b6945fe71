//! What a caller sends to create or change a record (`*Fields`, loose strings as JSON and sheets
//! carry them) and the validated records the store accepts (`New*`). `validate` reports every bad
//! field at once.

use crate::enums::*;
use crate::error::{FieldError, ValidationErrors};
use crate::newtypes::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

fn vocab<T>(
    errs: &mut ValidationErrors,
    field: &str,
    v: Option<&str>,
    parse: fn(&str) -> Option<T>,
    default: Option<T>,
) -> Option<T> {
    match v.map(clean_text).filter(|s| !s.is_empty()) {
        None => match default {
            Some(d) => Some(d),
            None => {
                errs.push(FieldError::new(field, "error.required"));
                None
            }
        },
        Some(s) => match parse(&s) {
            Some(x) => Some(x),
            None => {
                errs.push(FieldError::with(field, "error.choice", s));
                None
            }
        },
    }
}

/// A region as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct RegionFields {
    pub name: String,
    /// `province`, `city` or `county`.
    pub level: String,
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewRegion {
    pub name: String,
    pub level: RegionLevel,
    pub parent_id: Option<i64>,
}

impl RegionFields {
    pub fn validate(&self) -> Result<NewRegion, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.take(parse_name("name", &self.name));
        let level = vocab(&mut e, "level", Some(&self.level), RegionLevel::parse, None);
        e.into_result(|| NewRegion {
            name: name.unwrap(),
            level: level.unwrap(),
            parent_id: self.parent_id,
        })
    }
}

/// A school as sent by a caller (API JSON, web form, one spreadsheet row).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct SchoolFields {
    pub name: String,
    /// 学校标识码, ten digits.
    pub code: String,
    pub region_id: i64,
    /// `primary`, `junior`, `nine_year`, `twelve_year` (or 小学, 初中, 九年一贯制, 十二年一贯制).
    pub stage: String,
    /// `urban`, `town`, `rural` (or 城区, 镇区, 乡村).
    pub locality: String,
    /// `public` (default) or `private`.
    pub ownership: Option<String>,
    pub address: Option<String>,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub primary_enrolment: Option<i64>,
    pub junior_enrolment: Option<i64>,
    pub class_count: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewSchool {
    pub name: String,
    pub code: SchoolCode,
    pub region_id: i64,
    pub stage: Stage,
    pub locality: Locality,
    pub ownership: Ownership,
    pub address: String,
    pub longitude: Option<f64>,
    pub latitude: Option<f64>,
    pub primary_enrolment: i64,
    pub junior_enrolment: i64,
    pub class_count: i64,
}

impl SchoolFields {
    pub fn validate(&self) -> Result<NewSchool, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.take(parse_name("name", &self.name));
        let code = e.take(SchoolCode::parse(&self.code));
        let stage = vocab(&mut e, "stage", Some(&self.stage), Stage::parse, None);
        let locality = vocab(
            &mut e,
            "locality",
            Some(&self.locality),
            Locality::parse,
            None,
        );
        let ownership = vocab(
            &mut e,
            "ownership",
            self.ownership.as_deref(),
            Ownership::parse,
            Some(Ownership::Public),
        );
        let address = e.take(parse_text("address", self.address.as_deref(), 200));
        let longitude = e.take(parse_longitude(self.longitude));
        let latitude = e.take(parse_latitude(self.latitude));
        let primary = e.take(parse_count(
            "primary_enrolment",
            self.primary_enrolment,
            20_000,
        ));
        let junior = e.take(parse_count(
            "junior_enrolment",
            self.junior_enrolment,
            20_000,
        ));
        let classes = e.take(parse_count("class_count", self.class_count, 500));
        if self.region_id <= 0 {
            e.push(FieldError::new("region_id", "error.required"));
        }
        if let (Some(st), Some(p)) = (stage, primary)
            && !st.has_primary()
            && p > 0
        {
            e.push(FieldError::with(
                "primary_enrolment",
                "error.stage_enrolment",
                st.zh(),
            ));
        }
        if let (Some(st), Some(j)) = (stage, junior)
            && !st.has_junior()
            && j > 0
        {
            e.push(FieldError::with(
                "junior_enrolment",
                "error.stage_enrolment",
                st.zh(),
            ));
        }
        if self.longitude.is_some() != self.latitude.is_some() {
            e.push(FieldError::new("latitude", "error.coordinates_pair"));
        }
        e.into_result(|| NewSchool {
            name: name.unwrap(),
            code: code.unwrap(),
            region_id: self.region_id,
            stage: stage.unwrap(),
            locality: locality.unwrap(),
            ownership: ownership.unwrap(),
            address: address.unwrap(),
            longitude: longitude.unwrap(),
            latitude: latitude.unwrap(),
            primary_enrolment: primary.unwrap(),
            junior_enrolment: junior.unwrap(),
            class_count: classes.unwrap(),
        })
    }
}

/// A teacher as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TeacherFields {
    /// 教师编号, unique within the school's region.
    pub staff_number: String,
    pub name: String,
    /// `male`/`female` or 男/女.
    pub gender: String,
    pub birth_year: Option<i64>,
    pub school_id: i64,
    /// Subjects taught, e.g. `["语文","道德与法治"]`.
    #[serde(default)]
    pub subjects: Vec<String>,
    pub title: Option<String>,
    /// `none` (default), `county`, `city`, `province` or 无/县级/市级/省级.
    pub backbone_level: Option<String>,
    pub years_at_school: Option<i64>,
    pub phone: Option<String>,
    /// `active` (default), `on_leave`, `retired`, `left`.
    pub status: Option<String>,
    /// 高于规定学历: holds a degree above the standard for the stage (balance indicator
    /// `degree_teachers_per_100`). Absent means no.
    #[serde(default)]
    pub degree_above_standard: Option<bool>,
}

/// 是/否 (also yes/no, true/false, 1/0, Y/N, √/×); `None` when the text is none of these.
pub fn parse_yes_no(s: &str) -> Option<bool> {
    match clean_text(s).to_lowercase().as_str() {
        "是" | "有" | "yes" | "y" | "true" | "1" | "√" => Some(true),
        "否" | "无" | "no" | "n" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTeacher {
    pub staff_number: StaffNumber,
    pub name: String,
    pub gender: Gender,
    pub birth_year: Option<i64>,
    pub school_id: i64,
    pub subjects: Vec<String>,
    pub title: String,
    pub backbone_level: BackboneLevel,
    pub years_at_school: i64,
    pub phone: Option<Phone>,
    pub status: TeacherStatus,
    /// `None`: not given (a sheet without the column): a new teacher gets no, an existing one keeps
    /// what it had.
    pub degree_above_standard: Option<bool>,
}

/// Splits a subjects cell: `语文、数学`, `语文,数学`, `语文，数学`, `语文;数学`.
pub fn split_subjects(s: &str) -> Vec<String> {
    s.split(['、', ',', '，', ';', '；', '/'])
        .map(clean_text)
        .filter(|s| !s.is_empty())
        .collect()
}

impl TeacherFields {
    pub fn validate(&self) -> Result<NewTeacher, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let staff = e.take(StaffNumber::parse(&self.staff_number));
        let name = e.take(parse_name("name", &self.name));
        let gender = vocab(&mut e, "gender", Some(&self.gender), Gender::parse, None);
        let backbone = vocab(
            &mut e,
            "backbone_level",
            self.backbone_level.as_deref(),
            BackboneLevel::parse,
            Some(BackboneLevel::None),
        );
        let status = vocab(
            &mut e,
            "status",
            self.status.as_deref(),
            TeacherStatus::parse,
            Some(TeacherStatus::Active),
        );
        let title = e.take(parse_text("title", self.title.as_deref(), 32));
        let years = e.take(parse_count("years_at_school", self.years_at_school, 50));
        if let Some(y) = self.birth_year
            && !(1940..=2010).contains(&y)
        {
            e.push(FieldError::with(
                "birth_year",
                "error.range",
                format!("1940–2010 ({y})"),
            ));
        }
        let phone = match self
            .phone
            .as_deref()
            .map(clean_text)
            .filter(|s| !s.is_empty())
        {
            None => Some(None),
            Some(p) => e.take(Phone::parse(&p)).map(Some),
        };
        let subjects: Vec<String> = self
            .subjects
            .iter()
            .flat_map(|s| split_subjects(s))
            .collect();
        if subjects.is_empty() {
            e.push(FieldError::new("subjects", "error.required"));
        }
        if subjects.iter().any(|s| s.chars().count() > 16) {
            e.push(FieldError::with("subjects", "error.too_long", 16));
        }
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        e.into_result(|| NewTeacher {
            staff_number: staff.unwrap(),
            name: name.unwrap(),
            gender: gender.unwrap(),
            birth_year: self.birth_year,
            school_id: self.school_id,
            subjects,
            title: title.unwrap(),
            backbone_level: backbone.unwrap(),
            years_at_school: years.unwrap(),
            phone: phone.unwrap(),
            status: status.unwrap(),
            degree_above_standard: self.degree_above_standard,
        })
    }
}

/// A community as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CommunityFields {
    pub name: String,
    /// A community kind key of the region's list (preset: merged, co_built, collaborative, tight, assisted).
    pub kind: String,
    pub core_school_id: i64,
    /// `none` (default), `municipal`, `provincial`.
    pub pilot_level: Option<String>,
    #[serde(default)]
    pub cross_region: bool,
    /// 第一责任人 (the core school's principal).
    pub first_responsible: Option<String>,
    /// 第二责任人 (a member school's principal).
    pub second_responsible: Option<String>,
    /// 包靠局领导.
    pub bureau_leader: Option<String>,
    /// Founding date, `YYYY-MM-DD`.
    pub founded_on: Option<String>,
    /// Batch of the core school (1 = 第一批); defaults to 1.
    pub batch: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCommunity {
    pub name: String,
    pub kind: String,
    pub core_school_id: i64,
    pub pilot_level: PilotLevel,
    pub cross_region: bool,
    pub first_responsible: String,
    pub second_responsible: String,
    pub bureau_leader: String,
    pub founded_on: chrono::NaiveDate,
    pub batch: i64,
}

impl CommunityFields {
    /// `kinds` is the region's configured list of kind keys; `today` fills a missing founding date.
    pub fn validate(
        &self,
        kinds: &[String],
        today: chrono::NaiveDate,
    ) -> Result<NewCommunity, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.take(parse_name("name", &self.name));
        let kind = clean_text(&self.kind);
        if kind.is_empty() {
            e.push(FieldError::new("kind", "error.required"));
        } else if !kinds.contains(&kind) {
            e.push(FieldError::with("kind", "error.choice", &kind));
        }
        let pilot = vocab(
            &mut e,
            "pilot_level",
            self.pilot_level.as_deref(),
            PilotLevel::parse,
            Some(PilotLevel::None),
        );
        let first = e.take(parse_text(
            "first_responsible",
            self.first_responsible.as_deref(),
            32,
        ));
        let second = e.take(parse_text(
            "second_responsible",
            self.second_responsible.as_deref(),
            32,
        ));
        let leader = e.take(parse_text(
            "bureau_leader",
            self.bureau_leader.as_deref(),
            32,
        ));
        let founded = match self
            .founded_on
            .as_deref()
            .map(clean_text)
            .filter(|s| !s.is_empty())
        {
            None => Some(today),
            Some(s) => e.take(parse_date("founded_on", &s)),
        };
        let batch = self.batch.unwrap_or(1);
        if !(1..=99).contains(&batch) {
            e.push(FieldError::with("batch", "error.range", "1–99"));
        }
        if self.core_school_id <= 0 {
            e.push(FieldError::new("core_school_id", "error.required"));
        }
        e.into_result(|| NewCommunity {
            name: name.unwrap(),
            kind,
            core_school_id: self.core_school_id,
            pilot_level: pilot.unwrap(),
            cross_region: self.cross_region,
            first_responsible: first.unwrap(),
            second_responsible: second.unwrap(),
            bureau_leader: leader.unwrap(),
            founded_on: founded.unwrap(),
            batch,
        })
    }
}

/// Adding a member school to a community.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct MemberFields {
    pub school_id: i64,
    /// 1 = 第一批, 2 = 第二批 …
    pub batch: Option<i64>,
    /// `YYYY-MM-DD`; today when absent.
    pub joined_on: Option<String>,
    /// The school-level leader this school names (学校负责人).
    pub school_leader: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMember {
    pub school_id: i64,
    pub batch: i64,
    pub joined_on: chrono::NaiveDate,
    pub school_leader: String,
}

impl MemberFields {
    pub fn validate(&self, today: chrono::NaiveDate) -> Result<NewMember, ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        let batch = self.batch.unwrap_or(1);
        if !(1..=99).contains(&batch) {
            e.push(FieldError::with("batch", "error.range", "1–99"));
        }
        let joined = match self
            .joined_on
            .as_deref()
            .map(clean_text)
            .filter(|s| !s.is_empty())
        {
            None => Some(today),
            Some(s) => e.take(parse_date("joined_on", &s)),
        };
        let leader = e.take(parse_text(
            "school_leader",
            self.school_leader.as_deref(),
            32,
        ));
        e.into_result(|| NewMember {
            school_id: self.school_id,
            batch,
            joined_on: joined.unwrap(),
            school_leader: leader.unwrap(),
        })
    }
}

/// A council (理事会) seat.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CouncilFields {
    pub name: String,
    /// `chair`, `vice_chair`, `member`, `secretary_general`.
    pub role: String,
    pub school_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCouncilSeat {
    pub name: String,
    pub role: CouncilRole,
    pub school_id: Option<i64>,
}

impl CouncilFields {
    pub fn validate(&self) -> Result<NewCouncilSeat, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let name = e.take(parse_name("name", &self.name));
        let role = vocab(&mut e, "role", Some(&self.role), CouncilRole::parse, None);
        e.into_result(|| NewCouncilSeat {
            name: name.unwrap(),
            role: role.unwrap(),
            school_id: self.school_id,
        })
    }
}

/// A user account as an administrator creates it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct UserFields {
    pub username: String,
    pub password: String,
    /// `bureau_admin`, `community_lead`, `school_coordinator`, `teacher`, `inspector`.
    pub role: String,
    /// The id of the user's region (bureau_admin, inspector), community, school or teacher.
    pub scope_id: i64,
    pub display_name: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewUser {
    pub username: Username,
    pub password: String,
    pub role: Role,
    pub scope_id: i64,
    pub display_name: String,
}

impl UserFields {
    pub fn validate(&self) -> Result<NewUser, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let username = e.take(Username::parse(&self.username));
        e.take(check_password(&self.password));
        let role = vocab(&mut e, "role", Some(&self.role), Role::parse, None);
        if self.scope_id <= 0 {
            e.push(FieldError::new("scope_id", "error.required"));
        }
        let display = e.take(parse_text("display_name", self.display_name.as_deref(), 32));
        e.into_result(|| NewUser {
            username: username.unwrap(),
            password: self.password.clone(),
            role: role.unwrap(),
            scope_id: self.scope_id,
            display_name: display.unwrap(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn school() -> SchoolFields {
        SchoolFields {
            name: "曾都区第一中学".into(),
            code: "4213030001".into(),
            region_id: 3,
            stage: "初中".into(),
            locality: "城区".into(),
            ownership: None,
            address: Some("随州市曾都区".into()),
            longitude: Some(113.37),
            latitude: Some(31.72),
            primary_enrolment: None,
            junior_enrolment: Some(1200),
            class_count: Some(24),
        }
    }

    #[test]
    fn valid_school() {
        let s = school().validate().unwrap();
        assert_eq!(s.stage, Stage::Junior);
        assert_eq!(s.ownership, Ownership::Public);
        assert_eq!(s.junior_enrolment, 1200);
    }

    #[test]
    fn every_bad_field_is_reported() {
        let mut f = school();
        f.code = "123".into();
        f.stage = "高中".into();
        f.primary_enrolment = Some(10);
        f.longitude = Some(10.0);
        let errs = f.validate().unwrap_err();
        let fields: Vec<&str> = errs.0.iter().map(|e| e.field.as_str()).collect();
        assert!(fields.contains(&"code"));
        assert!(fields.contains(&"stage"));
        assert!(fields.contains(&"longitude"));
        // stage unknown, so the enrolment/stage rule cannot apply
        assert!(!fields.contains(&"primary_enrolment"));
    }

    #[test]
    fn junior_school_cannot_enrol_primary_pupils() {
        let mut f = school();
        f.primary_enrolment = Some(10);
        let errs = f.validate().unwrap_err();
        assert_eq!(errs.0[0].field, "primary_enrolment");
        assert_eq!(errs.0[0].key, "error.stage_enrolment");
    }

    #[test]
    fn teacher_subjects_split() {
        let t = TeacherFields {
            staff_number: "ZD0001".into(),
            name: "张伟".into(),
            gender: "男".into(),
            birth_year: Some(1985),
            school_id: 1,
            subjects: vec!["语文、道德与法治".into()],
            backbone_level: Some("市级".into()),
            phone: Some("13812345678".into()),
            ..Default::default()
        }
        .validate()
        .unwrap();
        assert_eq!(t.subjects, vec!["语文", "道德与法治"]);
        assert_eq!(t.backbone_level, BackboneLevel::City);
        assert_eq!(t.status, TeacherStatus::Active);
    }

    #[test]
    fn community_kind_must_be_configured() {
        let today = chrono::NaiveDate::from_ymd_opt(2025, 9, 1).unwrap();
        let kinds = vec!["co_built".to_string()];
        let f = CommunityFields {
            name: "曾都区第一教联体".into(),
            kind: "merged".into(),
            core_school_id: 1,
            ..Default::default()
        };
        assert_eq!(f.validate(&kinds, today).unwrap_err().0[0].field, "kind");
        let f = CommunityFields {
            kind: "co_built".into(),
            ..f
        };
        let c = f.validate(&kinds, today).unwrap();
        assert_eq!(c.founded_on, today);
        assert_eq!(c.batch, 1);
    }
}

/// An exchange (交流轮岗) as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ExchangeFields {
    pub teacher_id: i64,
    /// Defaults to the teacher's school.
    pub from_school_id: Option<i64>,
    pub to_school_id: i64,
    /// `long_term`, `short_term`, `part_time_vice_principal`, `support_teaching`, `travelling`,
    /// `sending_lessons`, `shadowing`, `temporary_post` (or the Chinese names).
    pub kind: String,
    pub subject: Option<String>,
    /// `YYYY-MM-DD`
    pub start_on: String,
    /// `YYYY-MM-DD`
    pub end_on: String,
    /// e.g. 每周二
    pub weekly_pattern: Option<String>,
    /// `planned` (default), `active`, `finished`, `cancelled`.
    pub status: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewExchange {
    pub teacher_id: i64,
    pub from_school_id: i64,
    pub to_school_id: i64,
    pub kind: ExchangeKind,
    pub subject: String,
    pub start_on: chrono::NaiveDate,
    pub end_on: chrono::NaiveDate,
    pub weekly_pattern: String,
    pub status: ExchangeStatus,
    pub note: String,
}

impl ExchangeFields {
    /// `teacher_school` fills a missing from-school.
    pub fn validate(&self, teacher_school: i64) -> Result<NewExchange, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let kind = vocab(&mut e, "kind", Some(&self.kind), ExchangeKind::parse, None);
        let status = vocab(
            &mut e,
            "status",
            self.status.as_deref(),
            ExchangeStatus::parse,
            Some(ExchangeStatus::Planned),
        );
        let start = e.take(parse_date("start_on", &self.start_on));
        let end = e.take(parse_date("end_on", &self.end_on));
        let subject = e.take(parse_text("subject", self.subject.as_deref(), 16));
        let pattern = e.take(parse_text(
            "weekly_pattern",
            self.weekly_pattern.as_deref(),
            32,
        ));
        let note = e.take(parse_text("note", self.note.as_deref(), 500));
        let from = self.from_school_id.unwrap_or(teacher_school);
        if self.teacher_id <= 0 {
            e.push(FieldError::new("teacher_id", "error.required"));
        }
        if self.to_school_id <= 0 {
            e.push(FieldError::new("to_school_id", "error.required"));
        } else if self.to_school_id == from {
            e.push(FieldError::new("to_school_id", "error.same_school"));
        }
        if let (Some(s), Some(t)) = (start, end) {
            if t < s {
                e.push(FieldError::with("end_on", "error.end_before_start", s));
            } else if let Some(k) = kind {
                // The texts' minimum lengths: long-term ≥ 1 year, shadowing ≥ 1 week.
                let days = (t - s).num_days() + 1;
                if k == ExchangeKind::LongTerm && days < 365 {
                    e.push(FieldError::with("end_on", "error.long_term_year", days));
                }
                if k == ExchangeKind::Shadowing && days < 7 {
                    e.push(FieldError::with("end_on", "error.shadowing_week", days));
                }
            }
        }
        e.into_result(|| NewExchange {
            teacher_id: self.teacher_id,
            from_school_id: from,
            to_school_id: self.to_school_id,
            kind: kind.unwrap(),
            subject: subject.unwrap(),
            start_on: start.unwrap(),
            end_on: end.unwrap(),
            weekly_pattern: pattern.unwrap(),
            status: status.unwrap(),
            note: note.unwrap(),
        })
    }
}

/// An entry of the hours ledger.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HoursFields {
    pub exchange_id: i64,
    /// `YYYY-MM-DD`
    pub on_date: String,
    /// Hours worked on that date, or in the period the entry closes (a week's or a month's
    /// total, as schools keep their ledgers): more than 0, at most 300.
    pub hours: f64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewHours {
    pub exchange_id: i64,
    pub on_date: chrono::NaiveDate,
    pub hours: f64,
    pub note: String,
}

impl HoursFields {
    pub fn validate(&self) -> Result<NewHours, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let on = e.take(parse_date("on_date", &self.on_date));
        if !(self.hours > 0.0 && self.hours <= 24.0) {
            e.push(FieldError::with(
                "hours",
                "error.range",
                format!("0–24 ({})", self.hours),
            ));
        }
        let note = e.take(parse_text("note", self.note.as_deref(), 200));
        if self.exchange_id <= 0 {
            e.push(FieldError::new("exchange_id", "error.required"));
        }
        e.into_result(|| NewHours {
            exchange_id: self.exchange_id,
            on_date: on.unwrap(),
            hours: self.hours,
            note: note.unwrap(),
        })
    }
}

/// The exchange feedback form (支教/挂职教师信息反馈表), one per author role.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct FeedbackFields {
    /// `host` (the receiving school) or `teacher`.
    pub author_role: String,
    /// `excellent`, `good`, `pass`, `fail` (or 优秀/良好/合格/不合格).
    pub rating: String,
    pub attendance: Option<String>,
    pub work_summary: Option<String>,
    pub comments: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFeedback {
    pub author_role: FeedbackRole,
    pub rating: Rating,
    pub attendance: String,
    pub work_summary: String,
    pub comments: String,
}

impl FeedbackFields {
    pub fn validate(&self) -> Result<NewFeedback, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let role = vocab(
            &mut e,
            "author_role",
            Some(&self.author_role),
            FeedbackRole::parse,
            None,
        );
        let rating = vocab(&mut e, "rating", Some(&self.rating), Rating::parse, None);
        let attendance = e.take(parse_text("attendance", self.attendance.as_deref(), 200));
        let work = e.take(parse_text(
            "work_summary",
            self.work_summary.as_deref(),
            2000,
        ));
        let comments = e.take(parse_text("comments", self.comments.as_deref(), 2000));
        e.into_result(|| NewFeedback {
            author_role: role.unwrap(),
            rating: rating.unwrap(),
            attendance: attendance.unwrap(),
            work_summary: work.unwrap(),
            comments: comments.unwrap(),
        })
    }
}

/// A joint meeting (联席会议) as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct MeetingFields {
    pub community_id: i64,
    /// `YYYY-MM-DD`
    pub held_on: String,
    /// 会议主题
    pub topic: String,
    pub location: Option<String>,
    /// Names of those present, e.g. `["张校长", "李主任"]` (or one string joined by 、).
    #[serde(default)]
    pub attendees: Vec<String>,
    pub agenda: Option<String>,
    pub minutes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMeeting {
    pub community_id: i64,
    pub held_on: chrono::NaiveDate,
    /// 会议主题
    pub topic: String,
    pub location: String,
    pub attendees: Vec<String>,
    pub agenda: String,
    pub minutes: String,
}

impl MeetingFields {
    pub fn validate(&self) -> Result<NewMeeting, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let held = e.take(parse_date("held_on", &self.held_on));
        let topic = e.take(parse_name("topic", &self.topic));
        let location = e.take(parse_text("location", self.location.as_deref(), 100));
        let agenda = e.take(parse_text("agenda", self.agenda.as_deref(), 4000));
        let minutes = e.take(parse_text("minutes", self.minutes.as_deref(), 20000));
        let attendees: Vec<String> = self
            .attendees
            .iter()
            .flat_map(|a| split_subjects(a))
            .collect();
        if attendees.iter().any(|a| a.chars().count() > 32) {
            e.push(FieldError::with("attendees", "error.too_long", 32));
        }
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        e.into_result(|| NewMeeting {
            community_id: self.community_id,
            held_on: held.unwrap(),
            topic: topic.unwrap(),
            location: location.unwrap(),
            attendees,
            agenda: agenda.unwrap(),
            minutes: minutes.unwrap(),
        })
    }
}

/// A decision of a joint meeting.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DecisionFields {
    pub content: String,
    /// Who carries it out.
    pub owner: Option<String>,
    /// `YYYY-MM-DD`
    pub due_on: Option<String>,
    /// `open` (default), `in_progress`, `done`, `dropped`.
    pub status: Option<String>,
    pub follow_up: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewDecision {
    pub content: String,
    pub owner: String,
    pub due_on: Option<chrono::NaiveDate>,
    pub status: DecisionStatus,
    pub follow_up: String,
}

impl DecisionFields {
    pub fn validate(&self) -> Result<NewDecision, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let content = clean_text(&self.content);
        if content.is_empty() {
            e.push(FieldError::new("content", "error.required"));
        } else if content.chars().count() > 500 {
            e.push(FieldError::with("content", "error.too_long", 500));
        }
        let owner = e.take(parse_text("owner", self.owner.as_deref(), 32));
        let due = match self
            .due_on
            .as_deref()
            .map(clean_text)
            .filter(|s| !s.is_empty())
        {
            None => Some(None),
            Some(s) => e.take(parse_date("due_on", &s)).map(Some),
        };
        let status = vocab(
            &mut e,
            "status",
            self.status.as_deref(),
            DecisionStatus::parse,
            Some(DecisionStatus::Open),
        );
        let follow = e.take(parse_text("follow_up", self.follow_up.as_deref(), 2000));
        e.into_result(|| NewDecision {
            content,
            owner: owner.unwrap(),
            due_on: due.unwrap(),
            status: status.unwrap(),
            follow_up: follow.unwrap(),
        })
    }
}

/// A mentoring pair (师徒结对) as sent by a caller.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct MentorshipFields {
    pub mentor_id: i64,
    pub apprentice_id: i64,
    /// `YYYY-MM-DD`
    pub signed_on: String,
    pub goals: Option<String>,
    /// `active` (default), `completed`, `ended`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewMentorship {
    pub mentor_id: i64,
    pub apprentice_id: i64,
    pub signed_on: chrono::NaiveDate,
    pub goals: String,
    pub status: MentorshipStatus,
}

impl MentorshipFields {
    pub fn validate(&self) -> Result<NewMentorship, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let signed = e.take(parse_date("signed_on", &self.signed_on));
        let goals = e.take(parse_text("goals", self.goals.as_deref(), 2000));
        let status = vocab(
            &mut e,
            "status",
            self.status.as_deref(),
            MentorshipStatus::parse,
            Some(MentorshipStatus::Active),
        );
        if self.mentor_id <= 0 {
            e.push(FieldError::new("mentor_id", "error.required"));
        }
        if self.apprentice_id <= 0 {
            e.push(FieldError::new("apprentice_id", "error.required"));
        } else if self.apprentice_id == self.mentor_id {
            e.push(FieldError::new("apprentice_id", "error.same_person"));
        }
        e.into_result(|| NewMentorship {
            mentor_id: self.mentor_id,
            apprentice_id: self.apprentice_id,
            signed_on: signed.unwrap(),
            goals: goals.unwrap(),
            status: status.unwrap(),
        })
    }
}

/// A task of a mentoring pair.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct TaskFields {
    pub title: String,
    /// `YYYY-MM-DD`
    pub due_on: Option<String>,
    /// `YYYY-MM-DD` when completed.
    pub done_on: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewTask {
    pub title: String,
    pub due_on: Option<chrono::NaiveDate>,
    pub done_on: Option<chrono::NaiveDate>,
    pub note: String,
}

fn opt_date(
    e: &mut ValidationErrors,
    field: &str,
    v: Option<&str>,
) -> Option<Option<chrono::NaiveDate>> {
    match v.map(clean_text).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(s) => e.take(parse_date(field, &s)).map(Some),
    }
}

impl TaskFields {
    pub fn validate(&self) -> Result<NewTask, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = clean_text(&self.title);
        if title.is_empty() {
            e.push(FieldError::new("task", "error.required"));
        } else if title.chars().count() > 200 {
            e.push(FieldError::with("task", "error.too_long", 200));
        }
        let due = opt_date(&mut e, "due_on", self.due_on.as_deref());
        let done = opt_date(&mut e, "done_on", self.done_on.as_deref());
        let note = e.take(parse_text("note", self.note.as_deref(), 500));
        e.into_result(|| NewTask {
            title,
            due_on: due.unwrap(),
            done_on: done.unwrap(),
            note: note.unwrap(),
        })
    }
}

/// A staged evaluation (阶段考评) of a mentoring pair.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct EvaluationFields {
    /// e.g. 2025学年第一学期
    pub stage: String,
    /// `mentor` or `school`.
    pub evaluator_role: String,
    /// 0–100
    pub score: f64,
    pub comment: Option<String>,
    /// `YYYY-MM-DD`
    pub evaluated_on: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewEvaluation {
    pub stage: String,
    pub evaluator_role: EvaluatorRole,
    pub score: f64,
    pub comment: String,
    pub evaluated_on: chrono::NaiveDate,
}

impl EvaluationFields {
    pub fn validate(&self) -> Result<NewEvaluation, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let stage = e.take(parse_name("stage", &self.stage));
        let role = vocab(
            &mut e,
            "evaluator_role",
            Some(&self.evaluator_role),
            EvaluatorRole::parse,
            None,
        );
        if !(0.0..=100.0).contains(&self.score) {
            e.push(FieldError::with(
                "score",
                "error.range",
                format!("0–100 ({})", self.score),
            ));
        }
        let comment = e.take(parse_text("comment", self.comment.as_deref(), 2000));
        let on = e.take(parse_date("evaluated_on", &self.evaluated_on));
        e.into_result(|| NewEvaluation {
            stage: stage.unwrap(),
            evaluator_role: role.unwrap(),
            score: self.score,
            comment: comment.unwrap(),
            evaluated_on: on.unwrap(),
        })
    }
}

// --- Shared courses and resources (课程资源共享), students (学生共育) ---

/// Money in fen (分) from yuan as people write it: `500`, `500.5`, `1,200.00`, `￥80元`. At most
/// two decimals; more than 0 and at most 10,000,000 yuan.
pub fn parse_yuan(field: &str, s: &str) -> Result<i64, FieldError> {
    let c: String = clean_ascii(s)
        .chars()
        .filter(|c| !matches!(c, ',' | '￥' | '¥' | '元' | ' '))
        .collect();
    let bad = || FieldError::with(field, "error.amount", s.trim());
    if c.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    let (int, frac) = c.split_once('.').unwrap_or((&c, ""));
    if int.is_empty()
        || int.len() > 9
        || frac.len() > 2
        || !int.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    let yuan: i64 = int.parse().map_err(|_| bad())?;
    let cents: i64 = format!("{frac:0<2}").parse().map_err(|_| bad())?;
    let fen = yuan * 100 + cents;
    if fen <= 0 || fen > 1_000_000_000 {
        return Err(bad());
    }
    Ok(fen)
}

/// Fen as yuan with two decimals: `123456` → `1234.56`, `-5` → `-0.05`.
pub fn format_yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let a = fen.unsigned_abs();
    format!("{sign}{}.{:02}", a / 100, a % 100)
}

/// A number sent either as a JSON number or as text (amounts: `500`, `"500.00"`).
mod text_or_number {
    use serde::{Deserialize, Deserializer};
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum V {
        S(String),
        I(i64),
        F(f64),
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Ok(match V::deserialize(d)? {
            V::S(s) => s,
            V::I(i) => i.to_string(),
            V::F(f) => f.to_string(),
        })
    }
}

/// Grades from a list of labels or keys (each may be joined by 、 or ,): `["七年级", "g8"]`.
fn parse_grades(e: &mut ValidationErrors, field: &str, v: &[String]) -> Vec<Grade> {
    let mut out: Vec<Grade> = vec![];
    for s in v.iter().flat_map(|s| split_subjects(s)) {
        match Grade::parse(&s) {
            Some(g) if !out.contains(&g) => out.push(g),
            Some(_) => {}
            None => e.push(FieldError::with(field, "error.choice", s)),
        }
    }
    out.sort();
    out
}

fn record_title(e: &mut ValidationErrors, s: &str, max: usize) -> Option<String> {
    let t = clean_text(s);
    if t.is_empty() {
        e.push(FieldError::new("record_title", "error.required"));
        None
    } else if t.chars().count() > max {
        e.push(FieldError::with("record_title", "error.too_long", max));
        None
    } else {
        Some(t)
    }
}

fn count_in(e: &mut ValidationErrors, field: &str, v: i64, lo: i64, hi: i64) {
    if !(lo..=hi).contains(&v) {
        e.push(FieldError::with(
            field,
            "error.range",
            format!("{lo}–{hi} ({v})"),
        ));
    }
}

/// A school-based course offered to other schools (校本特色课程共享).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct CourseFields {
    /// The offering school.
    pub school_id: i64,
    pub title: String,
    pub subject: String,
    /// Grades, e.g. `["七年级", "八年级"]` or `["g7", "g8"]`.
    #[serde(default)]
    pub grades: Vec<String>,
    /// Class hours the course has (课时): 1–1000.
    pub class_hours: i64,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewCourse {
    pub school_id: i64,
    pub title: String,
    pub subject: String,
    pub grades: Vec<Grade>,
    pub class_hours: i64,
    pub description: String,
}

impl CourseFields {
    pub fn validate(&self) -> Result<NewCourse, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = record_title(&mut e, &self.title, 100);
        let subject = e.take(parse_name("subject", &self.subject));
        let grades = parse_grades(&mut e, "grades", &self.grades);
        count_in(&mut e, "class_hours", self.class_hours, 1, 1000);
        let description = e.take(parse_text("description", self.description.as_deref(), 4000));
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        e.into_result(|| NewCourse {
            school_id: self.school_id,
            title: title.unwrap(),
            subject: subject.unwrap(),
            grades,
            class_hours: self.class_hours,
            description: description.unwrap(),
        })
    }
}

/// A delivery of a shared course to another school.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DeliveryFields {
    /// `YYYY-MM-DD`
    pub delivered_on: String,
    /// The receiving school.
    pub to_school_id: i64,
    /// Class hours delivered: 1–200.
    pub hours: i64,
    /// Students reached: 0–5000.
    pub students: i64,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewDelivery {
    pub delivered_on: chrono::NaiveDate,
    pub to_school_id: i64,
    pub hours: i64,
    pub students: i64,
    pub note: String,
}

impl DeliveryFields {
    pub fn validate(&self) -> Result<NewDelivery, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let on = e.take(parse_date("delivered_on", &self.delivered_on));
        count_in(&mut e, "hours", self.hours, 1, 200);
        count_in(&mut e, "students", self.students, 0, 5000);
        let note = e.take(parse_text("note", self.note.as_deref(), 500));
        if self.to_school_id <= 0 {
            e.push(FieldError::new("to_school_id", "error.required"));
        }
        e.into_result(|| NewDelivery {
            delivered_on: on.unwrap(),
            to_school_id: self.to_school_id,
            hours: self.hours,
            students: self.students,
            note: note.unwrap(),
        })
    }
}

/// A teaching resource's description (the file comes with it in the same multipart form).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct ResourceFields {
    /// The school that shares it.
    pub school_id: i64,
    pub title: String,
    /// `guide_sheet`, `lesson_design`, `slides`, `exercises`, `test_paper` (or 导学单…).
    pub kind: String,
    pub subject: String,
    #[serde(default)]
    pub grades: Vec<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewResource {
    pub school_id: i64,
    pub title: String,
    pub kind: ResourceKind,
    pub subject: String,
    pub grades: Vec<Grade>,
    pub description: String,
}

impl ResourceFields {
    pub fn validate(&self) -> Result<NewResource, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = record_title(&mut e, &self.title, 100);
        let kind = vocab(
            &mut e,
            "resource_kind",
            Some(&self.kind),
            ResourceKind::parse,
            None,
        );
        let subject = e.take(parse_name("subject", &self.subject));
        let grades = parse_grades(&mut e, "grades", &self.grades);
        let description = e.take(parse_text("description", self.description.as_deref(), 2000));
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        e.into_result(|| NewResource {
            school_id: self.school_id,
            title: title.unwrap(),
            kind: kind.unwrap(),
            subject: subject.unwrap(),
            grades,
            description: description.unwrap(),
        })
    }
}

/// A pairing of students, classes, grades or families across two schools of a community (手拉手).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct PairingFields {
    pub community_id: i64,
    /// `student`, `class`, `grade`, `family`.
    pub kind: String,
    pub school_a_id: i64,
    /// Who at school A: a student's name, a class (七年级2班), a grade, a family.
    pub party_a: String,
    pub school_b_id: i64,
    pub party_b: String,
    /// `YYYY-MM-DD`
    pub paired_on: String,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewPairing {
    pub community_id: i64,
    pub kind: PairingKind,
    pub school_a_id: i64,
    pub party_a: String,
    pub school_b_id: i64,
    pub party_b: String,
    pub paired_on: chrono::NaiveDate,
    pub note: String,
}

impl PairingFields {
    pub fn validate(&self) -> Result<NewPairing, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let kind = vocab(
            &mut e,
            "pairing_kind",
            Some(&self.kind),
            PairingKind::parse,
            None,
        );
        let a = e.take(parse_name("party_a", &self.party_a));
        let b = e.take(parse_name("party_b", &self.party_b));
        let on = e.take(parse_date("paired_on", &self.paired_on));
        let note = e.take(parse_text("note", self.note.as_deref(), 500));
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        if self.school_a_id <= 0 {
            e.push(FieldError::new("school_a_id", "error.required"));
        }
        if self.school_b_id <= 0 {
            e.push(FieldError::new("school_b_id", "error.required"));
        } else if self.school_b_id == self.school_a_id {
            e.push(FieldError::new("school_b_id", "error.same_school_pair"));
        }
        e.into_result(|| NewPairing {
            community_id: self.community_id,
            kind: kind.unwrap(),
            school_a_id: self.school_a_id,
            party_a: a.unwrap(),
            school_b_id: self.school_b_id,
            party_b: b.unwrap(),
            paired_on: on.unwrap(),
            note: note.unwrap(),
        })
    }
}

/// A joint student event (联合学生活动) of a community's schools.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct StudentEventFields {
    pub community_id: i64,
    pub title: String,
    /// `YYYY-MM-DD`
    pub held_on: String,
    /// The schools taking part (at least one; the first hosts).
    #[serde(default)]
    pub school_ids: Vec<i64>,
    /// Students taking part: 0–20000.
    pub students: i64,
    pub summary: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewStudentEvent {
    pub community_id: i64,
    pub title: String,
    pub held_on: chrono::NaiveDate,
    pub school_ids: Vec<i64>,
    pub students: i64,
    pub summary: String,
}

impl StudentEventFields {
    pub fn validate(&self) -> Result<NewStudentEvent, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let title = record_title(&mut e, &self.title, 100);
        let on = e.take(parse_date("held_on", &self.held_on));
        count_in(&mut e, "students", self.students, 0, 20000);
        let summary = e.take(parse_text("summary", self.summary.as_deref(), 4000));
        let mut ids: Vec<i64> = vec![];
        for id in &self.school_ids {
            if *id > 0 && !ids.contains(id) {
                ids.push(*id);
            }
        }
        if ids.is_empty() {
            e.push(FieldError::new("school_ids", "error.required"));
        }
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        e.into_result(|| NewStudentEvent {
            community_id: self.community_id,
            title: title.unwrap(),
            held_on: on.unwrap(),
            school_ids: ids,
            students: self.students,
            summary: summary.unwrap(),
        })
    }
}

/// A donation into a community's hardship fund (帮困基金).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DonationFields {
    pub community_id: i64,
    pub donor: String,
    /// Yuan, at most two decimals: `500`, `"1200.50"`.
    #[serde(deserialize_with = "text_or_number::deserialize", default)]
    pub amount: String,
    /// `YYYY-MM-DD`
    pub on_date: String,
    pub note: Option<String>,
}

/// A disbursement from a community's hardship fund to a named student.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct DisbursementFields {
    pub community_id: i64,
    pub student_name: String,
    /// The student's school (a current member of the community).
    pub school_id: i64,
    /// Yuan, at most two decimals.
    #[serde(deserialize_with = "text_or_number::deserialize", default)]
    pub amount: String,
    /// `YYYY-MM-DD`
    pub on_date: String,
    pub reason: String,
}

/// A validated movement: a donation (`school_id` None) or a disbursement.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewFundMovement {
    pub community_id: i64,
    pub kind: FundMovementKind,
    /// Always positive; the kind gives the direction.
    pub amount_fen: i64,
    pub on_date: chrono::NaiveDate,
    pub donor: String,
    pub student_name: String,
    pub school_id: Option<i64>,
    /// The disbursement's reason or the donation's note.
    pub note: String,
}

impl DonationFields {
    pub fn validate(&self) -> Result<NewFundMovement, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let donor = e.take(parse_name("donor", &self.donor));
        let amount = e.take(parse_yuan("amount", &self.amount));
        let on = e.take(parse_date("on_date", &self.on_date));
        let note = e.take(parse_text("note", self.note.as_deref(), 500));
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        e.into_result(|| NewFundMovement {
            community_id: self.community_id,
            kind: FundMovementKind::Donation,
            amount_fen: amount.unwrap(),
            on_date: on.unwrap(),
            donor: donor.unwrap(),
            student_name: String::new(),
            school_id: None,
            note: note.unwrap(),
        })
    }
}

impl DisbursementFields {
    pub fn validate(&self) -> Result<NewFundMovement, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let student = e.take(parse_name("student_name", &self.student_name));
        let amount = e.take(parse_yuan("amount", &self.amount));
        let on = e.take(parse_date("on_date", &self.on_date));
        let reason = clean_text(&self.reason);
        if reason.is_empty() {
            e.push(FieldError::new("reason", "error.required"));
        } else if reason.chars().count() > 500 {
            e.push(FieldError::with("reason", "error.too_long", 500));
        }
        if self.community_id <= 0 {
            e.push(FieldError::new("community_id", "error.required"));
        }
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        e.into_result(|| NewFundMovement {
            community_id: self.community_id,
            kind: FundMovementKind::Disbursement,
            amount_fen: amount.unwrap(),
            on_date: on.unwrap(),
            donor: String::new(),
            student_name: student.unwrap(),
            school_id: Some(self.school_id),
            note: reason,
        })
    }
}

/// A "两帮一" group: one teacher and one strong student help one struggling student.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HelpGroupFields {
    /// The struggling student's school.
    pub school_id: i64,
    pub student_name: String,
    /// The helping teacher (a teacher of the community).
    pub teacher_id: i64,
    /// The helping student's name.
    pub helper_student: String,
    /// `g1`…`g9` or 一年级…九年级.
    pub grade: String,
    pub subject: Option<String>,
    /// `YYYY-MM-DD`
    pub started_on: String,
    pub goals: Option<String>,
    /// `active` (default) or `closed`.
    pub status: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewHelpGroup {
    pub school_id: i64,
    pub student_name: String,
    pub teacher_id: i64,
    pub helper_student: String,
    pub grade: Grade,
    pub subject: String,
    pub started_on: chrono::NaiveDate,
    pub goals: String,
    pub status: HelpGroupStatus,
}

impl HelpGroupFields {
    pub fn validate(&self) -> Result<NewHelpGroup, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let student = e.take(parse_name("student_name", &self.student_name));
        let helper = e.take(parse_name("helper_student", &self.helper_student));
        let grade = vocab(&mut e, "grade", Some(&self.grade), Grade::parse, None);
        let subject = e.take(parse_text("subject", self.subject.as_deref(), 32));
        let on = e.take(parse_date("started_on", &self.started_on));
        let goals = e.take(parse_text("goals", self.goals.as_deref(), 2000));
        let status = vocab(
            &mut e,
            "status",
            self.status.as_deref(),
            HelpGroupStatus::parse,
            Some(HelpGroupStatus::Active),
        );
        if self.school_id <= 0 {
            e.push(FieldError::new("school_id", "error.required"));
        }
        if self.teacher_id <= 0 {
            e.push(FieldError::new("teacher_id", "error.required"));
        }
        e.into_result(|| NewHelpGroup {
            school_id: self.school_id,
            student_name: student.unwrap(),
            teacher_id: self.teacher_id,
            helper_student: helper.unwrap(),
            grade: grade.unwrap(),
            subject: subject.unwrap(),
            started_on: on.unwrap(),
            goals: goals.unwrap(),
            status: status.unwrap(),
        })
    }
}

/// A dated progress note of a "两帮一" group.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
pub struct HelpNoteFields {
    /// `YYYY-MM-DD`
    pub noted_on: String,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NewHelpNote {
    pub noted_on: chrono::NaiveDate,
    pub note: String,
}

impl HelpNoteFields {
    pub fn validate(&self) -> Result<NewHelpNote, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let on = e.take(parse_date("noted_on", &self.noted_on));
        let note = clean_text(&self.note);
        if note.is_empty() {
            e.push(FieldError::new("progress", "error.required"));
        } else if note.chars().count() > 2000 {
            e.push(FieldError::with("progress", "error.too_long", 2000));
        }
        e.into_result(|| NewHelpNote {
            noted_on: on.unwrap(),
            note,
        })
    }
}

#[cfg(test)]
mod sharing_tests {
    use super::*;
    use crate::i18n::{Locale, has};

    #[test]
    fn yuan_parse_exactly_to_fen() {
        assert_eq!(parse_yuan("amount", "500"), Ok(50000));
        assert_eq!(parse_yuan("amount", "1,200.5"), Ok(120050));
        assert_eq!(parse_yuan("amount", "￥0.07元"), Ok(7));
        assert_eq!(parse_yuan("amount", "１２.３４"), Ok(1234));
        for bad in ["", "0", "-5", "1.234", "abc", "1e3", ".5", "99999999999"] {
            assert!(parse_yuan("amount", bad).is_err(), "{bad}");
        }
        assert_eq!(format_yuan(123456), "1234.56");
        assert_eq!(format_yuan(-5), "-0.05");
        assert_eq!(format_yuan(0), "0.00");
    }

    #[test]
    fn sharing_inputs_report_every_bad_field() {
        let e = CourseFields::default().validate().unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["record_title", "subject", "class_hours", "school_id"]
        );
        let c = CourseFields {
            school_id: 1,
            title: "茶文化".into(),
            subject: "综合实践".into(),
            grades: vec!["七年级、g8".into(), "七年级".into()],
            class_hours: 16,
            description: None,
        }
        .validate()
        .unwrap();
        assert_eq!(c.grades, [Grade::G7, Grade::G8]);
        let d = DisbursementFields {
            community_id: 1,
            school_id: 2,
            amount: "12.345".into(),
            ..Default::default()
        }
        .validate()
        .unwrap_err();
        assert!(d.0.iter().any(|f| f.field == "amount"));
        let p = PairingFields {
            community_id: 1,
            kind: "班级结对".into(),
            school_a_id: 3,
            party_a: "七(2)班".into(),
            school_b_id: 3,
            party_b: "七(1)班".into(),
            paired_on: "2026-09-10".into(),
            note: None,
        }
        .validate()
        .unwrap_err();
        assert_eq!(p.0[0].key, "error.same_school_pair");
    }

    #[test]
    fn sharing_vocabularies_are_catalogued() {
        let mut keys = vec![];
        keys.extend(ResourceKind::ALL.iter().map(|v| v.label_key()));
        keys.extend(Grade::ALL.iter().map(|v| v.label_key()));
        keys.extend(PairingKind::ALL.iter().map(|v| v.label_key()));
        keys.extend(FundMovementKind::ALL.iter().map(|v| v.label_key()));
        keys.extend(HelpGroupStatus::ALL.iter().map(|v| v.label_key()));
        for k in keys {
            assert!(has(Locale::ZhCn, &k) && has(Locale::En, &k), "missing {k}");
        }
    }
}
