//! The evaluation standard (考核评价标准) as data: dimensions, indicators, metrics and scoring rules.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

use crate::fmt_num;

/// A measured figure an automatic indicator scores. Each has a stable snake_case key (stored in the standard's
/// JSON); [`MetricKey::ActivitiesPerTerm`] may name an activity kind: `activities_per_term:lesson_prep`.
///
/// Ratios are fractions in `[0, 1]` (0.12 means 12%); the explanation texts show them as percentages.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub enum MetricKey {
    /// Teachers exchanged / eligible teachers (national policy: ≥10% a year).
    ExchangeRatio,
    /// Backbone teachers among those exchanged (national policy: ≥20%).
    BackboneShare,
    /// Long-term (≥1 year) two-way exchanges in the community (Zengdu: ≥5).
    LongTermExchanges,
    /// Member-school teachers on short-term shadowing / all their teachers (Zengdu: ≥20%).
    ShadowingShare,
    /// Logged exchange hours / teachers exchanged.
    HoursPerExchangedTeacher,
    /// Joint research activities per term, of every kind or of one activity kind.
    ActivitiesPerTerm { kind: Option<String> },
    /// Weeks of the school year with a joint research session ("周周有约").
    JointResearchWeeks,
    /// Synchronous lessons held in the year.
    SyncLessons,
    /// Distinct subjects taught in synchronous lessons.
    SyncLessonSubjects,
    /// Class hours of shared courses.
    CourseHoursShared,
    /// Students reached by shared courses and joint events.
    StudentsReached,
    /// Mentoring tasks completed on time / tasks due (a ratio).
    MentoringTasksCompleted,
    /// Joint-meeting decisions done / decisions due (a ratio).
    MeetingDecisionsDone,
    /// Mean value added of the member schools (school effect in SD units of the unified test).
    MemberValueAdded,
    /// Mean balance improvement of the member schools (percentage points of the mean attainment of the national
    /// balance indicators, each value / threshold capped at 1, between the base year and this year).
    MemberBalanceImprovement,
    /// Mean reviewer score (0–100) of the community's approved projects (项目评估) whose period ends in the school
    /// year; 0 when it has none. Drafts, submitted, returned and in-review projects count nothing.
    ApprovedProjectScore,
}

impl MetricKey {
    /// Every metric (activities of all kinds only).
    pub fn all() -> Vec<MetricKey> {
        use MetricKey::*;
        vec![
            ExchangeRatio,
            BackboneShare,
            LongTermExchanges,
            ShadowingShare,
            HoursPerExchangedTeacher,
            ActivitiesPerTerm { kind: None },
            JointResearchWeeks,
            SyncLessons,
            SyncLessonSubjects,
            CourseHoursShared,
            StudentsReached,
            MentoringTasksCompleted,
            MeetingDecisionsDone,
            MemberValueAdded,
            MemberBalanceImprovement,
            ApprovedProjectScore,
        ]
    }

    fn base_key(&self) -> &'static str {
        match self {
            MetricKey::ExchangeRatio => "exchange_ratio",
            MetricKey::BackboneShare => "backbone_share",
            MetricKey::LongTermExchanges => "long_term_exchanges",
            MetricKey::ShadowingShare => "shadowing_share",
            MetricKey::HoursPerExchangedTeacher => "hours_per_exchanged_teacher",
            MetricKey::ActivitiesPerTerm { .. } => "activities_per_term",
            MetricKey::JointResearchWeeks => "joint_research_weeks",
            MetricKey::SyncLessons => "sync_lessons",
            MetricKey::SyncLessonSubjects => "sync_lesson_subjects",
            MetricKey::CourseHoursShared => "course_hours_shared",
            MetricKey::StudentsReached => "students_reached",
            MetricKey::MentoringTasksCompleted => "mentoring_tasks_completed",
            MetricKey::MeetingDecisionsDone => "meeting_decisions_done",
            MetricKey::MemberValueAdded => "member_value_added",
            MetricKey::MemberBalanceImprovement => "member_balance_improvement",
            MetricKey::ApprovedProjectScore => "approved_project_score",
        }
    }

    /// The stable key, e.g. `long_term_exchanges`, `activities_per_term:same_topic`.
    pub fn key(&self) -> String {
        match self {
            MetricKey::ActivitiesPerTerm { kind: Some(k) } => format!("activities_per_term:{k}"),
            other => other.base_key().to_string(),
        }
    }

    /// Parse a stable key. An activity kind must be a non-empty snake_case word.
    pub fn parse(key: &str) -> Option<MetricKey> {
        let key = key.trim();
        if let Some(kind) = key.strip_prefix("activities_per_term:") {
            let ok = !kind.is_empty()
                && kind
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            return ok.then(|| MetricKey::ActivitiesPerTerm {
                kind: Some(kind.to_string()),
            });
        }
        MetricKey::all().into_iter().find(|m| m.base_key() == key)
    }

    /// Whether the metric is a ratio in `[0, 1]` (shown as a percentage).
    pub fn is_ratio(&self) -> bool {
        matches!(
            self,
            MetricKey::ExchangeRatio
                | MetricKey::BackboneShare
                | MetricKey::ShadowingShare
                | MetricKey::MentoringTasksCompleted
                | MetricKey::MeetingDecisionsDone
        )
    }

    /// Chinese label used in explanations.
    pub fn label_zh(&self) -> String {
        let s = match self {
            MetricKey::ExchangeRatio => "交流轮岗比例",
            MetricKey::BackboneShare => "骨干教师占交流教师比例",
            MetricKey::LongTermExchanges => "长期交流",
            MetricKey::ShadowingShare => "短期跟岗比例",
            MetricKey::HoursPerExchangedTeacher => "交流教师人均工作时长",
            MetricKey::ActivitiesPerTerm { kind: Some(k) } => {
                return format!("每学期教研活动（{}）", activity_kind_zh(k));
            }
            MetricKey::ActivitiesPerTerm { kind: None } => "每学期教研活动",
            MetricKey::JointResearchWeeks => "集中教研周数",
            MetricKey::SyncLessons => "同步课堂",
            MetricKey::SyncLessonSubjects => "同步课堂学科数",
            MetricKey::CourseHoursShared => "共享课程课时",
            MetricKey::StudentsReached => "受益学生",
            MetricKey::MentoringTasksCompleted => "师徒结对任务完成率",
            MetricKey::MeetingDecisionsDone => "联席会议决议落实率",
            MetricKey::MemberValueAdded => "成员校平均增值",
            MetricKey::MemberBalanceImprovement => "成员校均衡指标平均提升",
            MetricKey::ApprovedProjectScore => "通过评审项目平均得分",
        };
        s.to_string()
    }

    /// Chinese unit appended to a value (empty for ratios, which show `%`).
    pub fn unit_zh(&self) -> &'static str {
        match self {
            MetricKey::LongTermExchanges => "人",
            MetricKey::HoursPerExchangedTeacher => "小时",
            MetricKey::ActivitiesPerTerm { .. } => "次",
            MetricKey::JointResearchWeeks => "周",
            MetricKey::SyncLessons => "节",
            MetricKey::SyncLessonSubjects => "个",
            MetricKey::CourseHoursShared => "课时",
            MetricKey::StudentsReached => "人",
            MetricKey::MemberValueAdded => "个标准差",
            MetricKey::MemberBalanceImprovement => "个百分点",
            MetricKey::ApprovedProjectScore => "分",
            _ => "",
        }
    }

    /// A value as the explanations write it: `12.5%`, `6 人`, `0.15 个标准差`.
    pub fn format_value(&self, v: f64) -> String {
        if self.is_ratio() {
            format!("{}%", fmt_num(v * 100.0))
        } else {
            format!("{} {}", fmt_num(v), self.unit_zh())
        }
    }
}

/// Chinese label of the preset activity kinds (the same keys as the domain's activity-kind presets); unknown
/// (region-defined) kinds are shown by key.
pub fn activity_kind_zh(kind: &str) -> String {
    match kind {
        "lesson_prep" => "集体备课",
        "same_topic" => "同课异构",
        "same_design" => "同课同构",
        "observation" => "听课评课",
        "open_class" => "公开课/示范课",
        "lecture" => "专题讲座",
        "lesson_explaining" => "说课",
        "test_item" => "试题研制",
        "competition" => "教学竞赛",
        "studio" => "名师工作室活动",
        "touring_lecture" => "名师巡讲",
        "online_research" => "网络教研",
        "student_activity" => "学生活动",
        "culture" => "文化/党建活动",
        "visit" => "校际走访",
        other => return other.to_string(),
    }
    .to_string()
}

impl fmt::Display for MetricKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.key())
    }
}

impl From<MetricKey> for String {
    fn from(m: MetricKey) -> String {
        m.key()
    }
}

impl TryFrom<String> for MetricKey {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        MetricKey::parse(&s).ok_or_else(|| format!("unknown metric key `{s}`"))
    }
}

/// One step of a [`ScoringRule::Steps`] rule: a value at or above `at_least` earns `fraction` of the points.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Step {
    pub at_least: f64,
    /// Share of the indicator's maximum, in `[0, 1]`.
    pub fraction: f64,
}

/// How a measured value becomes a share of an indicator's points.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum ScoringRule {
    /// 0 at or below `floor`, full points at or above `target`, linear in between. When `target < floor` the rule
    /// runs the other way (lower is better: full points at or below `target`, 0 at or above `floor`).
    Linear { floor: f64, target: f64 },
    /// The highest step whose `at_least` the value reaches gives its fraction; below every step gives 0.
    Steps { steps: Vec<Step> },
    /// Full points at or above `threshold`, otherwise 0.
    PassFail { threshold: f64 },
}

/// Tolerance for comparisons with thresholds, so that 0.1 + 0.2 reaches 0.3.
pub(crate) const EPS: f64 = 1e-9;

impl ScoringRule {
    /// The share of the points, always in `[0, 1]`. A non-finite value earns 0.
    pub fn fraction(&self, value: f64) -> f64 {
        if !value.is_finite() {
            return 0.0;
        }
        let f = match self {
            ScoringRule::Linear { floor, target } => linear(value, *floor, *target),
            ScoringRule::Steps { steps } => steps
                .iter()
                .filter(|s| value >= s.at_least - EPS)
                .max_by(|a, b| a.at_least.total_cmp(&b.at_least))
                .map_or(0.0, |s| s.fraction),
            ScoringRule::PassFail { threshold } => {
                if value >= threshold - EPS {
                    1.0
                } else {
                    0.0
                }
            }
        };
        if f.is_finite() {
            f.clamp(0.0, 1.0)
        } else {
            0.0
        }
    }

    /// The value that earns full points (target, highest step, threshold).
    pub fn full_at(&self) -> Option<f64> {
        match self {
            ScoringRule::Linear { target, .. } => Some(*target),
            ScoringRule::Steps { steps } => steps
                .iter()
                .filter(|s| s.fraction >= 1.0 - EPS)
                .map(|s| s.at_least)
                .min_by(f64::total_cmp),
            ScoringRule::PassFail { threshold } => Some(*threshold),
        }
    }

    fn check(&self) -> Result<(), String> {
        match self {
            ScoringRule::Linear { floor, target } => {
                if !floor.is_finite() || !target.is_finite() {
                    return Err("floor and target must be finite".into());
                }
                if (floor - target).abs() < EPS {
                    return Err("floor and target must differ".into());
                }
            }
            ScoringRule::Steps { steps } => {
                if steps.is_empty() {
                    return Err("steps must not be empty".into());
                }
                for s in steps {
                    if !s.at_least.is_finite() || !(0.0..=1.0).contains(&s.fraction) {
                        return Err(
                            "each step needs a finite threshold and a fraction in [0, 1]".into(),
                        );
                    }
                }
                let mut sorted = steps.clone();
                sorted.sort_by(|a, b| a.at_least.total_cmp(&b.at_least));
                if sorted.windows(2).any(|w| w[1].fraction < w[0].fraction) {
                    return Err("a higher step must not earn less".into());
                }
            }
            ScoringRule::PassFail { threshold } => {
                if !threshold.is_finite() {
                    return Err("threshold must be finite".into());
                }
            }
        }
        Ok(())
    }
}

/// Share between 0 (at `floor`) and 1 (at `target`), clamped; works both ways round.
pub(crate) fn linear(value: f64, floor: f64, target: f64) -> f64 {
    let span = target - floor;
    if span.abs() < EPS {
        return if value >= target - EPS { 1.0 } else { 0.0 };
    }
    ((value - floor) / span).clamp(0.0, 1.0)
}

/// How an indicator is scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum IndicatorKind {
    /// Computed from a measured metric.
    Automatic {
        metric: MetricKey,
        rule: ScoringRule,
    },
    /// Scored by a reviewer from the evidence; `guidance` is the scoring note (评分细则) shown to them.
    Manual {
        #[serde(default)]
        guidance: String,
    },
}

/// One indicator (考核指标) of a dimension.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Indicator {
    /// Unique within the standard, e.g. `long_term_exchanges`.
    pub key: String,
    /// Chinese name, e.g. 长期双向交流.
    pub name: String,
    /// The requirement as the source text states it (考核内容), shown beside the score.
    #[serde(default)]
    pub description: String,
    /// Points available (分值): the indicator's score is in `[0, max_points]`.
    pub max_points: f64,
    /// Multiplier applied to the score when totalling (default 1). Lets a region re-weight an indicator without
    /// changing its scoring scale; the preset uses 1 everywhere, so its points are its weights.
    #[serde(default = "one")]
    pub weight: f64,
    pub kind: IndicatorKind,
}

fn one() -> f64 {
    1.0
}

impl Indicator {
    /// Points the indicator can contribute to the total: `max_points × weight`.
    pub fn weighted_max(&self) -> f64 {
        self.max_points * self.weight
    }
}

/// The five dimensions of Zengdu's standard, used by the preset; a standard may define others.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PresetDimension {
    /// 管理共进
    Management,
    /// 师资共育
    TeacherDevelopment,
    /// 资源共享
    ResourceSharing,
    /// 协同发展
    CoordinatedDevelopment,
    /// 整体提升
    OverallImprovement,
}

impl PresetDimension {
    pub const ALL: [PresetDimension; 5] = [
        PresetDimension::Management,
        PresetDimension::TeacherDevelopment,
        PresetDimension::ResourceSharing,
        PresetDimension::CoordinatedDevelopment,
        PresetDimension::OverallImprovement,
    ];

    pub fn key(self) -> &'static str {
        match self {
            PresetDimension::Management => "management",
            PresetDimension::TeacherDevelopment => "teacher_development",
            PresetDimension::ResourceSharing => "resource_sharing",
            PresetDimension::CoordinatedDevelopment => "coordinated_development",
            PresetDimension::OverallImprovement => "overall_improvement",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            PresetDimension::Management => "管理共进",
            PresetDimension::TeacherDevelopment => "师资共育",
            PresetDimension::ResourceSharing => "资源共享",
            PresetDimension::CoordinatedDevelopment => "协同发展",
            PresetDimension::OverallImprovement => "整体提升",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        PresetDimension::ALL
            .into_iter()
            .find(|d| d.key() == s || d.label_zh() == s)
    }
}

/// A dimension (考核维度) and its indicators.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Dimension {
    /// e.g. `teacher_development`.
    pub key: String,
    /// e.g. 师资共育.
    pub name: String,
    pub indicators: Vec<Indicator>,
}

impl Dimension {
    /// A dimension of the preset vocabulary with the given indicators.
    pub fn preset(d: PresetDimension, indicators: Vec<Indicator>) -> Self {
        Dimension {
            key: d.key().into(),
            name: d.label_zh().into(),
            indicators,
        }
    }

    pub fn weighted_max(&self) -> f64 {
        self.indicators.iter().map(Indicator::weighted_max).sum()
    }
}

/// How a member school's progress is normalised in the bundled assessment.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ProgressScale {
    /// Weight of this component within a member's progress.
    pub weight: f64,
    /// Value earning 0.
    pub floor: f64,
    /// Value earning full marks.
    pub target: f64,
}

/// The bundled assessment rule (捆绑考核): how much of a community's bundled score comes from its member schools'
/// progress, and how that progress is measured.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BundledRule {
    /// Share of the bundled score (0–1) that comes from member schools' progress; the rest is the standard's
    /// score as a percentage of its maximum.
    pub member_share: f64,
    /// Value added of a member school (SD units of the unified test).
    pub value_added: ProgressScale,
    /// Balance improvement of a member school (percentage points, see [`MetricKey::MemberBalanceImprovement`]).
    pub balance_improvement: ProgressScale,
}

impl Default for BundledRule {
    /// Member schools' progress counts 30%: half value added (−0.1 SD earns 0, +0.2 SD full), half balance
    /// improvement (0 points earns 0, +5 points full).
    fn default() -> Self {
        BundledRule {
            member_share: 0.3,
            value_added: ProgressScale {
                weight: 0.5,
                floor: -0.1,
                target: 0.2,
            },
            balance_improvement: ProgressScale {
                weight: 0.5,
                floor: 0.0,
                target: 5.0,
            },
        }
    }
}

/// An evaluation standard (考核评价标准) of a region for a year. Stored as JSON by the store layer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Standard {
    pub region_id: i64,
    pub year: i32,
    /// Revision of the region's standard for the year, from 1.
    pub version: u32,
    /// e.g. 教联体建设考核评价标准（试行）.
    pub name: String,
    pub dimensions: Vec<Dimension>,
    /// Percentage of the maximum a community needs to pass (合格), default 60.
    #[serde(default = "default_pass")]
    pub pass_percent: f64,
    #[serde(default)]
    pub bundled: BundledRule,
}

fn default_pass() -> f64 {
    60.0
}

/// Why a standard is not usable.
#[derive(Debug, Clone, PartialEq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum StandardError {
    #[error("the standard has no indicator")]
    Empty,
    #[error("duplicate dimension key `{key}`")]
    DuplicateDimension { key: String },
    #[error("duplicate indicator key `{key}`")]
    DuplicateIndicator { key: String },
    #[error(
        "indicator `{key}`: max points and weight must be finite, max points > 0 and weight ≥ 0"
    )]
    BadPoints { key: String },
    #[error("indicator `{key}`: {reason}")]
    BadRule { key: String, reason: String },
    #[error("bundled rule: {reason}")]
    BadBundled { reason: String },
    #[error("pass percent must be within 0–100")]
    BadPass,
}

impl Standard {
    /// Every indicator with its dimension, in order.
    pub fn indicators(&self) -> impl Iterator<Item = (&Dimension, &Indicator)> {
        self.dimensions
            .iter()
            .flat_map(|d| d.indicators.iter().map(move |i| (d, i)))
    }

    pub fn indicator(&self, key: &str) -> Option<&Indicator> {
        self.indicators().map(|(_, i)| i).find(|i| i.key == key)
    }

    /// The total a community can reach: Σ max points × weight.
    pub fn max_total(&self) -> f64 {
        self.dimensions.iter().map(Dimension::weighted_max).sum()
    }

    /// The metrics the automatic indicators need (the store computes these).
    pub fn metrics(&self) -> Vec<MetricKey> {
        let set: BTreeSet<MetricKey> = self
            .indicators()
            .filter_map(|(_, i)| match &i.kind {
                IndicatorKind::Automatic { metric, .. } => Some(metric.clone()),
                IndicatorKind::Manual { .. } => None,
            })
            .collect();
        set.into_iter().collect()
    }

    /// Every problem of the standard (empty when usable).
    pub fn validate(&self) -> Vec<StandardError> {
        let mut errs = Vec::new();
        let mut dims = BTreeSet::new();
        let mut inds = BTreeSet::new();
        for d in &self.dimensions {
            if !dims.insert(d.key.as_str()) {
                errs.push(StandardError::DuplicateDimension { key: d.key.clone() });
            }
            for i in &d.indicators {
                if !inds.insert(i.key.as_str()) {
                    errs.push(StandardError::DuplicateIndicator { key: i.key.clone() });
                }
                if !(i.max_points.is_finite()
                    && i.max_points > 0.0
                    && i.weight.is_finite()
                    && i.weight >= 0.0)
                {
                    errs.push(StandardError::BadPoints { key: i.key.clone() });
                }
                if let IndicatorKind::Automatic { rule, .. } = &i.kind
                    && let Err(reason) = rule.check()
                {
                    errs.push(StandardError::BadRule {
                        key: i.key.clone(),
                        reason,
                    });
                }
            }
        }
        if inds.is_empty() {
            errs.push(StandardError::Empty);
        }
        let b = &self.bundled;
        let scale_ok = |s: &ProgressScale| {
            s.weight.is_finite()
                && s.weight >= 0.0
                && s.floor.is_finite()
                && s.target.is_finite()
                && (s.target - s.floor).abs() > EPS
        };
        if !(0.0..=1.0).contains(&b.member_share) {
            errs.push(StandardError::BadBundled {
                reason: "member share must be within 0–1".into(),
            });
        }
        if !scale_ok(&b.value_added) || !scale_ok(&b.balance_improvement) {
            errs.push(StandardError::BadBundled {
                reason: "progress scales need weight ≥ 0 and distinct finite floor and target"
                    .into(),
            });
        } else if b.value_added.weight + b.balance_improvement.weight <= 0.0 {
            errs.push(StandardError::BadBundled {
                reason: "progress weights must not both be 0".into(),
            });
        }
        if !(0.0..=100.0).contains(&self.pass_percent) {
            errs.push(StandardError::BadPass);
        }
        errs
    }

    /// The preset standard (the five dimensions of Zengdu's 教联体建设考核评价标准, 100 points). Targets quote
    /// the source texts where they give one; the others are product defaults a region should adjust.
    pub fn preset(region_id: i64, year: i32) -> Standard {
        use MetricKey as M;
        use PresetDimension as D;
        let auto =
            |key: &str, name: &str, desc: &str, pts: f64, metric: MetricKey, rule| Indicator {
                key: key.into(),
                name: name.into(),
                description: desc.into(),
                max_points: pts,
                weight: 1.0,
                kind: IndicatorKind::Automatic { metric, rule },
            };
        let manual = |key: &str, name: &str, desc: &str, pts: f64| Indicator {
            key: key.into(),
            name: name.into(),
            description: desc.into(),
            max_points: pts,
            weight: 1.0,
            kind: IndicatorKind::Manual {
                guidance: "对照佐证材料评分：全面落实得满分，部分落实酌情给分，未落实不得分。"
                    .into(),
            },
        };
        let lin = |floor: f64, target: f64| ScoringRule::Linear { floor, target };
        let steps = |s: &[(f64, f64)]| ScoringRule::Steps {
            steps: s
                .iter()
                .map(|&(at_least, fraction)| Step { at_least, fraction })
                .collect(),
        };
        let dimensions = vec![
            Dimension::preset(
                D::Management,
                vec![
                    auto(
                        "meeting_decisions_done",
                        "联席会议决议落实",
                        "定期召开联席会议（如每月第一个星期六），会议决议按期落实；落实率50%起评，90%及以上得满分。",
                        6.0,
                        M::MeetingDecisionsDone,
                        lin(0.5, 0.9),
                    ),
                    manual(
                        "plans_and_charter",
                        "协议章程与发展规划",
                        "签订共同体协议，制定章程和三年发展规划，年度工作计划与总结齐全。",
                        5.0,
                    ),
                    manual(
                        "management_integration",
                        "管理贯通",
                        "局领导包靠、定期报告；牵头校校级干部到成员校“校校行”，兼职副校长每周驻校1天。",
                        4.0,
                    ),
                ],
            ),
            Dimension::preset(
                D::TeacherDevelopment,
                vec![
                    auto(
                        "long_term_exchanges",
                        "长期双向交流",
                        "与乡镇学校长期（1年及以上）双向交流教师不少于5人。",
                        8.0,
                        M::LongTermExchanges,
                        lin(0.0, 5.0),
                    ),
                    auto(
                        "shadowing_share",
                        "短期跟岗交流",
                        "短期（一周及以上）跟岗交流教师不少于20%。",
                        5.0,
                        M::ShadowingShare,
                        lin(0.0, 0.2),
                    ),
                    auto(
                        "exchange_ratio",
                        "交流轮岗比例",
                        "每年交流轮岗教师不低于符合交流条件教师总数的10%。",
                        6.0,
                        M::ExchangeRatio,
                        lin(0.0, 0.1),
                    ),
                    auto(
                        "backbone_share",
                        "骨干教师交流比例",
                        "交流轮岗教师中骨干教师不低于20%。",
                        5.0,
                        M::BackboneShare,
                        lin(0.0, 0.2),
                    ),
                    auto(
                        "mentoring_tasks_completed",
                        "师徒结对任务完成",
                        "师徒结对（青蓝工程）任务按期完成；完成率50%起评，90%及以上得满分。",
                        4.0,
                        M::MentoringTasksCompleted,
                        lin(0.5, 0.9),
                    ),
                    auto(
                        "hours_per_exchanged_teacher",
                        "交流教师工作时长",
                        "交流教师人均记录工作时长：20小时得一半分，40小时及以上得满分。",
                        2.0,
                        M::HoursPerExchangedTeacher,
                        steps(&[(20.0, 0.5), (40.0, 1.0)]),
                    ),
                ],
            ),
            Dimension::preset(
                D::ResourceSharing,
                vec![
                    auto(
                        "sync_lessons",
                        "同步课堂",
                        "每学年开设同步课堂（专递课堂）不少于20节，课前协备、课中共教、课后同评。",
                        6.0,
                        M::SyncLessons,
                        lin(0.0, 20.0),
                    ),
                    auto(
                        "sync_lesson_subjects",
                        "同步课堂学科覆盖",
                        "同步课堂覆盖学科：1科得40%，2科得70%，3科及以上得满分。",
                        3.0,
                        M::SyncLessonSubjects,
                        steps(&[(1.0, 0.4), (2.0, 0.7), (3.0, 1.0)]),
                    ),
                    auto(
                        "course_hours_shared",
                        "特色课程共享",
                        "校本特色课程向成员校共享，每学年不少于40课时。",
                        4.0,
                        M::CourseHoursShared,
                        lin(0.0, 40.0),
                    ),
                    auto(
                        "students_reached",
                        "课程受益学生",
                        "共享课程和联合活动受益学生不少于200人。",
                        3.0,
                        M::StudentsReached,
                        lin(0.0, 200.0),
                    ),
                    manual(
                        "resource_library",
                        "资源库与菜单式帮扶",
                        "共建导学单、教学设计、课件、课堂练习等资源库；牵头校提供帮扶菜单，成员校按需点单。",
                        4.0,
                    ),
                ],
            ),
            Dimension::preset(
                D::CoordinatedDevelopment,
                vec![
                    auto(
                        "joint_research_weeks",
                        "每周集中教研",
                        "每周半天集中教研（“周周有约”），每学年不少于30周。",
                        5.0,
                        M::JointResearchWeeks,
                        lin(0.0, 30.0),
                    ),
                    auto(
                        "activities_per_term",
                        "联合教研活动",
                        "集体备课、听课评课、公开课、专题讲座等联合教研活动每学期不少于10次。",
                        4.0,
                        M::ActivitiesPerTerm { kind: None },
                        lin(0.0, 10.0),
                    ),
                    auto(
                        "same_topic_activities",
                        "同课异构",
                        "每学期开展同课异构活动：1次得一半分，2次及以上得满分。",
                        3.0,
                        M::ActivitiesPerTerm {
                            kind: Some("same_topic".into()),
                        },
                        steps(&[(1.0, 0.5), (2.0, 1.0)]),
                    ),
                    manual(
                        "students_together",
                        "学生共育",
                        "学生手拉手结对、联合活动（一学期至少一次共同的文化体育艺术活动），设立帮困基金。",
                        3.0,
                    ),
                    manual(
                        "unified_tests",
                        "统一质量检测",
                        "统一命题、统一时间、统一阅卷，定期开展质量分析，教学进度保持同步。",
                        2.0,
                    ),
                    auto(
                        "approved_project_score",
                        "项目评估",
                        "核心校申报的教共体项目经教育局评审通过，项目周期在本学年结束的，按评审得分的平均分计分：60分起评，90分及以上得满分；没有通过评审的项目不得分。",
                        3.0,
                        M::ApprovedProjectScore,
                        lin(60.0, 90.0),
                    ),
                ],
            ),
            Dimension::preset(
                D::OverallImprovement,
                vec![
                    auto(
                        "member_value_added",
                        "成员校质量增值",
                        "统一检测成员校平均增值：−0.1个标准差起评，+0.2个标准差及以上得满分。",
                        6.0,
                        M::MemberValueAdded,
                        lin(-0.1, 0.2),
                    ),
                    auto(
                        "member_balance_improvement",
                        "成员校均衡指标提升",
                        "成员校优质均衡指标平均达成度提升：0起评，提升5个百分点及以上得满分。",
                        5.0,
                        M::MemberBalanceImprovement,
                        lin(0.0, 5.0),
                    ),
                    manual(
                        "school_features",
                        "办学特色与满意度",
                        "成员校办学特色形成，师生家长满意度提升，获得表彰或经验推广。",
                        4.0,
                    ),
                ],
            ),
        ];
        Standard {
            region_id,
            year,
            version: 1,
            name: "教共体建设考核评价标准".into(),
            dimensions,
            pass_percent: default_pass(),
            bundled: BundledRule::default(),
        }
    }
}
