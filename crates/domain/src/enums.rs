//! Closed vocabularies of the glossary. Each variant has one English key (code, API, database)
//! and a Chinese label (what bureau sheets write), so import accepts either.

use serde::{Deserialize, Serialize};

macro_rules! vocabulary {
    ($(#[$meta:meta])* $name:ident { $($variant:ident => $key:literal, $zh:literal;)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant,)+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The glossary identifier, used in code, API, database and catalogue keys.
            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key,)+ }
            }

            /// The Chinese label as bureau spreadsheets write it.
            pub fn zh(self) -> &'static str {
                match self { $($name::$variant => $zh,)+ }
            }

            /// Accepts the English key or the Chinese label (surrounding whitespace ignored).
            pub fn parse(s: &str) -> Option<Self> {
                let s = s.trim();
                match s {
                    $($key | $zh => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// Catalogue key of the label, e.g. `stage.primary`.
            pub fn label_key(self) -> String {
                format!("{}.{}", Self::CATALOGUE_PREFIX, self.key())
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.key())
            }
        }

        impl std::str::FromStr for $name {
            type Err = ();
            fn from_str(s: &str) -> Result<Self, ()> { Self::parse(s).ok_or(()) }
        }
    };
}
pub(crate) use vocabulary;

vocabulary! {
    /// 学段
    Stage {
        Primary => "primary", "小学";
        Junior => "junior", "初中";
        NineYear => "nine_year", "九年一贯制";
        TwelveYear => "twelve_year", "十二年一贯制";
    }
}
impl Stage {
    const CATALOGUE_PREFIX: &'static str = "stage";
    /// Whether the school teaches primary grades (nine- and twelve-year schools have both parts).
    pub fn has_primary(self) -> bool {
        !matches!(self, Stage::Junior)
    }
    pub fn has_junior(self) -> bool {
        !matches!(self, Stage::Primary)
    }
}

vocabulary! {
    /// 城乡类型
    Locality {
        Urban => "urban", "城区";
        Town => "town", "镇区";
        Rural => "rural", "乡村";
    }
}
impl Locality {
    const CATALOGUE_PREFIX: &'static str = "locality";
}

vocabulary! {
    /// 办学性质
    Ownership {
        Public => "public", "公办";
        Private => "private", "民办";
    }
}
impl Ownership {
    const CATALOGUE_PREFIX: &'static str = "ownership";
}

vocabulary! {
    /// 性别
    Gender {
        Male => "male", "男";
        Female => "female", "女";
    }
}
impl Gender {
    const CATALOGUE_PREFIX: &'static str = "gender";
}

vocabulary! {
    /// 骨干级别
    BackboneLevel {
        None => "none", "无";
        County => "county", "县级";
        City => "city", "市级";
        Province => "province", "省级";
    }
}
impl BackboneLevel {
    const CATALOGUE_PREFIX: &'static str = "backbone";
    pub fn is_backbone(self) -> bool {
        self != BackboneLevel::None
    }
}

vocabulary! {
    /// 在岗状态
    TeacherStatus {
        Active => "active", "在岗";
        OnLeave => "on_leave", "休假";
        Retired => "retired", "退休";
        Left => "left", "调离";
    }
}
impl TeacherStatus {
    const CATALOGUE_PREFIX: &'static str = "teacher_status";
}

vocabulary! {
    /// 试点级别
    PilotLevel {
        None => "none", "无";
        Municipal => "municipal", "市级";
        Provincial => "provincial", "省级";
    }
}
impl PilotLevel {
    const CATALOGUE_PREFIX: &'static str = "pilot";
}

vocabulary! {
    /// 区域层级: province > city > county/district
    RegionLevel {
        Province => "province", "省";
        City => "city", "市";
        County => "county", "区县";
    }
}
impl RegionLevel {
    const CATALOGUE_PREFIX: &'static str = "region_level";
    /// The level a child of this level has, if any.
    pub fn child(self) -> Option<RegionLevel> {
        match self {
            RegionLevel::Province => Some(RegionLevel::City),
            RegionLevel::City => Some(RegionLevel::County),
            RegionLevel::County => None,
        }
    }
}

vocabulary! {
    /// 用户角色
    Role {
        BureauAdmin => "bureau_admin", "教育局管理员";
        CommunityLead => "community_lead", "共同体负责人";
        SchoolCoordinator => "school_coordinator", "学校联络员";
        Teacher => "teacher", "教师";
        Inspector => "inspector", "督导";
    }
}
impl Role {
    const CATALOGUE_PREFIX: &'static str = "role";
}

vocabulary! {
    /// 理事会职务
    CouncilRole {
        Chair => "chair", "理事长";
        ViceChair => "vice_chair", "副理事长";
        Member => "member", "理事";
        SecretaryGeneral => "secretary_general", "秘书长";
    }
}
impl CouncilRole {
    const CATALOGUE_PREFIX: &'static str = "council_role";
}

vocabulary! {
    /// 共同体文件
    DocumentKind {
        Agreement => "agreement", "共同体协议";
        Charter => "charter", "章程";
        Plan => "plan", "三年发展规划";
    }
}
impl DocumentKind {
    const CATALOGUE_PREFIX: &'static str = "document_kind";
}

vocabulary! {
    /// A school's place in a community.
    MembershipRole {
        Core => "core", "核心校";
        Member => "member", "成员校";
    }
}
impl MembershipRole {
    const CATALOGUE_PREFIX: &'static str = "membership_role";
}

/// The preset community kinds (configurable per region: these are the defaults a new region gets).
pub const PRESET_COMMUNITY_KINDS: &[(&str, &str)] = &[
    ("merged", "融合型"),
    ("co_built", "共建型"),
    ("collaborative", "协作型"),
    ("tight", "紧密型"),
    ("assisted", "帮扶型"),
];

/// "第一批", "第二批", … for a batch number (1-based).
pub fn batch_label(batch: i64) -> String {
    const DIGITS: [&str; 11] = [
        "零", "一", "二", "三", "四", "五", "六", "七", "八", "九", "十",
    ];
    match batch {
        1..=10 => format!("第{}批", DIGITS[batch as usize]),
        _ => format!("第{batch}批"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_accepts_key_and_chinese() {
        assert_eq!(Stage::parse("九年一贯制"), Some(Stage::NineYear));
        assert_eq!(Stage::parse(" nine_year "), Some(Stage::NineYear));
        assert_eq!(Stage::parse("高中"), None);
        assert_eq!(BackboneLevel::parse("省级"), Some(BackboneLevel::Province));
        assert_eq!(Role::parse("inspector"), Some(Role::Inspector));
    }

    #[test]
    fn every_variant_round_trips() {
        for s in Stage::ALL {
            assert_eq!(Stage::parse(s.key()), Some(*s));
            assert_eq!(Stage::parse(s.zh()), Some(*s));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.key()), Some(*r));
            let json = serde_json::to_string(r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.key()));
        }
    }

    #[test]
    fn batch_labels() {
        assert_eq!(batch_label(1), "第一批");
        assert_eq!(batch_label(2), "第二批");
        assert_eq!(batch_label(12), "第12批");
    }
}

vocabulary! {
    /// 交流轮岗的形式
    ExchangeKind {
        LongTerm => "long_term", "长期交流";
        ShortTerm => "short_term", "短期交流";
        PartTimeVicePrincipal => "part_time_vice_principal", "兼职副校长";
        SupportTeaching => "support_teaching", "支教";
        Travelling => "travelling", "走教";
        SendingLessons => "sending_lessons", "送教";
        Shadowing => "shadowing", "跟岗";
        TemporaryPost => "temporary_post", "挂职";
    }
}
impl ExchangeKind {
    const CATALOGUE_PREFIX: &'static str = "exchange_kind";
}

vocabulary! {
    /// 交流状态
    ExchangeStatus {
        Planned => "planned", "计划中";
        Active => "active", "进行中";
        Finished => "finished", "已结束";
        Cancelled => "cancelled", "已取消";
    }
}
impl ExchangeStatus {
    const CATALOGUE_PREFIX: &'static str = "exchange_status";
}

vocabulary! {
    /// Who fills an exchange feedback form (支教/挂职教师信息反馈表).
    FeedbackRole {
        Host => "host", "接收学校";
        Teacher => "teacher", "交流教师";
    }
}
impl FeedbackRole {
    const CATALOGUE_PREFIX: &'static str = "feedback_role";
}

vocabulary! {
    /// 考核等次
    Rating {
        Excellent => "excellent", "优秀";
        Good => "good", "良好";
        Pass => "pass", "合格";
        Fail => "fail", "不合格";
    }
}
impl Rating {
    const CATALOGUE_PREFIX: &'static str = "rating";
}

/// The direction of an exchange from the two schools' localities, e.g. `urban_to_rural`.
pub fn exchange_direction(from: Locality, to: Locality) -> String {
    format!("{}_to_{}", from.key(), to.key())
}

/// The school year (starting 1 September) a date falls in, named by its first calendar year:
/// 2024-09-01 … 2025-08-31 is 2024 (2024–2025学年).
pub fn school_year_of(d: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    if d.month() >= 9 {
        d.year()
    } else {
        d.year() - 1
    }
}

/// First and last day of a school year.
pub fn school_year_bounds(year: i32) -> (chrono::NaiveDate, chrono::NaiveDate) {
    (
        chrono::NaiveDate::from_ymd_opt(year, 9, 1).unwrap_or_default(),
        chrono::NaiveDate::from_ymd_opt(year + 1, 8, 31).unwrap_or_default(),
    )
}

vocabulary! {
    /// Follow-up status of a joint meeting's decision.
    DecisionStatus {
        Open => "open", "待落实";
        InProgress => "in_progress", "落实中";
        Done => "done", "已完成";
        Dropped => "dropped", "已撤销";
    }
}
impl DecisionStatus {
    const CATALOGUE_PREFIX: &'static str = "decision_status";
}

vocabulary! {
    /// State of a mentoring pair (师徒结对).
    MentorshipStatus {
        Active => "active", "结对中";
        Completed => "completed", "已出师";
        Ended => "ended", "已解除";
    }
}
impl MentorshipStatus {
    const CATALOGUE_PREFIX: &'static str = "mentorship_status";
}

vocabulary! {
    /// Who gives a staged evaluation (阶段考评).
    EvaluatorRole {
        Mentor => "mentor", "师傅";
        School => "school", "学校";
    }
}
impl EvaluatorRole {
    const CATALOGUE_PREFIX: &'static str = "evaluator_role";
}

// --- Shared courses and resources, students (课程资源共享, 学生共育) ---

vocabulary! {
    /// Kind of a shared teaching resource (资源库).
    ResourceKind {
        GuideSheet => "guide_sheet", "导学单";
        LessonDesign => "lesson_design", "教学设计";
        Slides => "slides", "课件";
        Exercises => "exercises", "练习";
        TestPaper => "test_paper", "试卷";
    }
}
impl ResourceKind {
    const CATALOGUE_PREFIX: &'static str = "resource_kind";
}

vocabulary! {
    /// A grade of compulsory education (年级).
    Grade {
        G1 => "g1", "一年级";
        G2 => "g2", "二年级";
        G3 => "g3", "三年级";
        G4 => "g4", "四年级";
        G5 => "g5", "五年级";
        G6 => "g6", "六年级";
        G7 => "g7", "七年级";
        G8 => "g8", "八年级";
        G9 => "g9", "九年级";
    }
}
impl Grade {
    const CATALOGUE_PREFIX: &'static str = "grade";
}

vocabulary! {
    /// Kind of a student pairing (手拉手).
    PairingKind {
        Student => "student", "学生结对";
        Class => "class", "班级结对";
        Grade => "grade", "年级结对";
        Family => "family", "家庭结对";
    }
}
impl PairingKind {
    const CATALOGUE_PREFIX: &'static str = "pairing_kind";
}

vocabulary! {
    /// A movement of a hardship fund (帮困基金).
    FundMovementKind {
        Donation => "donation", "捐赠";
        Disbursement => "disbursement", "资助";
        Reversal => "reversal", "冲正";
    }
}
impl FundMovementKind {
    const CATALOGUE_PREFIX: &'static str = "fund_kind";
}

vocabulary! {
    /// State of a "两帮一" group.
    HelpGroupStatus {
        Active => "active", "帮扶中";
        Closed => "closed", "已结束";
    }
}
impl HelpGroupStatus {
    const CATALOGUE_PREFIX: &'static str = "help_status";
}
