//! Balance monitoring (优质均衡): the computation of the national supervision standard for quality-balanced
//! compulsory education.
//!
//! * Seven indicators per school *stage part* ([`Indicator`]); nine- and twelve-year schools are entered as one
//!   [`SchoolPart`] per stage (primary, junior), each with its own enrolment and figures.
//! * A school part meets the standard when at least [`SchoolRule::min_met`] of the seven indicators reach the
//!   national threshold and every other one reaches [`SchoolRule::floor_share`] of it.
//! * Per county and stage, each indicator's enrolment-weighted coefficient of variation (差异系数):
//!   X̄ = ΣPᵢXᵢ / ΣPᵢ, S = √(ΣPᵢ(Xᵢ − X̄)² / ΣPᵢ), CV = S / X̄ ([`weighted_cv`]), with the thresholds
//!   primary ≤ 0.50, junior ≤ 0.45.
//! * Parts with fewer than [`BalanceRules::min_enrolment`] students are excluded from both.
//!
//! Pure: no IO, no clock.

use serde::{Deserialize, Serialize};

/// The two stages the standard measures. Nine- and twelve-year schools are split into their stage parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BalanceStage {
    Primary,
    Junior,
}

impl BalanceStage {
    pub const ALL: [BalanceStage; 2] = [BalanceStage::Primary, BalanceStage::Junior];

    pub fn key(self) -> &'static str {
        match self {
            BalanceStage::Primary => "primary",
            BalanceStage::Junior => "junior",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            BalanceStage::Primary => "小学",
            BalanceStage::Junior => "初中",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "primary" | "小学" => Some(BalanceStage::Primary),
            "junior" | "初中" => Some(BalanceStage::Junior),
            _ => None,
        }
    }

    /// National CV threshold of the stage: primary ≤ 0.50, junior ≤ 0.45.
    pub fn cv_threshold(self) -> f64 {
        match self {
            BalanceStage::Primary => 0.50,
            BalanceStage::Junior => 0.45,
        }
    }
}

/// The seven resource indicators of the national standard.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    /// 每百名学生拥有高于规定学历教师数
    #[serde(rename = "degree_teachers_per_100")]
    DegreeTeachersPer100,
    /// 每百名学生拥有县级以上骨干教师数
    #[serde(rename = "backbone_teachers_per_100")]
    BackboneTeachersPer100,
    /// 每百名学生拥有体育、艺术（美术、音乐）专任教师数
    #[serde(rename = "pe_art_teachers_per_100")]
    PeArtTeachersPer100,
    /// 生均教学及辅助用房面积 (m²)
    TeachingSpacePerStudent,
    /// 生均体育运动场馆面积 (m²)
    SportsSpacePerStudent,
    /// 生均教学仪器设备值 (yuan)
    EquipmentValuePerStudent,
    /// 每百名学生拥有网络多媒体教室数
    #[serde(rename = "multimedia_classrooms_per_100")]
    MultimediaClassroomsPer100,
}

impl Indicator {
    pub const ALL: [Indicator; 7] = [
        Indicator::DegreeTeachersPer100,
        Indicator::BackboneTeachersPer100,
        Indicator::PeArtTeachersPer100,
        Indicator::TeachingSpacePerStudent,
        Indicator::SportsSpacePerStudent,
        Indicator::EquipmentValuePerStudent,
        Indicator::MultimediaClassroomsPer100,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Indicator::DegreeTeachersPer100 => "degree_teachers_per_100",
            Indicator::BackboneTeachersPer100 => "backbone_teachers_per_100",
            Indicator::PeArtTeachersPer100 => "pe_art_teachers_per_100",
            Indicator::TeachingSpacePerStudent => "teaching_space_per_student",
            Indicator::SportsSpacePerStudent => "sports_space_per_student",
            Indicator::EquipmentValuePerStudent => "equipment_value_per_student",
            Indicator::MultimediaClassroomsPer100 => "multimedia_classrooms_per_100",
        }
    }

    pub fn parse(key: &str) -> Option<Self> {
        Indicator::ALL.into_iter().find(|i| i.key() == key)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Indicator::DegreeTeachersPer100 => "每百名学生拥有高于规定学历教师数",
            Indicator::BackboneTeachersPer100 => "每百名学生拥有县级以上骨干教师数",
            Indicator::PeArtTeachersPer100 => "每百名学生拥有体育艺术专任教师数",
            Indicator::TeachingSpacePerStudent => "生均教学及辅助用房面积",
            Indicator::SportsSpacePerStudent => "生均体育运动场馆面积",
            Indicator::EquipmentValuePerStudent => "生均教学仪器设备值",
            Indicator::MultimediaClassroomsPer100 => "每百名学生拥有网络多媒体教室数",
        }
    }

    /// National threshold for the stage (primary / junior): 4.2/5.3, 1/1, 0.9/0.9, 4.5/5.8 m², 7.5/10.2 m²,
    /// 2000/2500 yuan, 2.3/2.4.
    pub fn threshold(self, stage: BalanceStage) -> f64 {
        let (p, j) = match self {
            Indicator::DegreeTeachersPer100 => (4.2, 5.3),
            Indicator::BackboneTeachersPer100 => (1.0, 1.0),
            Indicator::PeArtTeachersPer100 => (0.9, 0.9),
            Indicator::TeachingSpacePerStudent => (4.5, 5.8),
            Indicator::SportsSpacePerStudent => (7.5, 10.2),
            Indicator::EquipmentValuePerStudent => (2000.0, 2500.0),
            Indicator::MultimediaClassroomsPer100 => (2.3, 2.4),
        };
        match stage {
            BalanceStage::Primary => p,
            BalanceStage::Junior => j,
        }
    }

    /// Whether the value is "per 100 students" (counts) rather than "per student" (areas, values).
    pub fn per_100(self) -> bool {
        matches!(
            self,
            Indicator::DegreeTeachersPer100
                | Indicator::BackboneTeachersPer100
                | Indicator::PeArtTeachersPer100
                | Indicator::MultimediaClassroomsPer100
        )
    }

    /// The raw figure of the part this indicator divides by enrolment.
    pub fn raw(self, part: &SchoolPart) -> f64 {
        match self {
            Indicator::DegreeTeachersPer100 => part.degree_teachers,
            Indicator::BackboneTeachersPer100 => part.backbone_teachers,
            Indicator::PeArtTeachersPer100 => part.pe_art_teachers,
            Indicator::TeachingSpacePerStudent => part.teaching_space_m2,
            Indicator::SportsSpacePerStudent => part.sports_space_m2,
            Indicator::EquipmentValuePerStudent => part.equipment_value_yuan,
            Indicator::MultimediaClassroomsPer100 => part.multimedia_classrooms,
        }
    }

    /// The indicator value of a raw figure for an enrolment: `raw × 100 / P` or `raw / P`. Zero enrolment gives 0.
    pub fn value_of(self, raw: f64, enrolment: u32) -> f64 {
        if enrolment == 0 {
            return 0.0;
        }
        let scale = if self.per_100() { 100.0 } else { 1.0 };
        raw * scale / f64::from(enrolment)
    }

    /// The indicator value of a school part.
    pub fn value(self, part: &SchoolPart) -> f64 {
        self.value_of(self.raw(part), part.enrolment)
    }
}

/// One school's figures in one stage (a row of the import template: 学校标识码, 学年, 学段, 在校生数, …).
/// Counts are `f64` so that a split of a whole-school figure may be fractional; imported counts are integers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolPart {
    pub school_id: String,
    pub stage: BalanceStage,
    /// 在校生数 Pᵢ of this stage part.
    pub enrolment: u32,
    /// 高于规定学历教师数
    pub degree_teachers: f64,
    /// 县级以上骨干教师数
    pub backbone_teachers: f64,
    /// 体育艺术专任教师数
    pub pe_art_teachers: f64,
    /// 教学及辅助用房面积 (m²)
    pub teaching_space_m2: f64,
    /// 体育运动场馆面积 (m²)
    pub sports_space_m2: f64,
    /// 教学仪器设备值 (yuan)
    pub equipment_value_yuan: f64,
    /// 网络多媒体教室数
    pub multimedia_classrooms: f64,
}

impl SchoolPart {
    /// A part with the given enrolment and every figure zero.
    pub fn empty(school_id: impl Into<String>, stage: BalanceStage, enrolment: u32) -> Self {
        SchoolPart {
            school_id: school_id.into(),
            stage,
            enrolment,
            degree_teachers: 0.0,
            backbone_teachers: 0.0,
            pe_art_teachers: 0.0,
            teaching_space_m2: 0.0,
            sports_space_m2: 0.0,
            equipment_value_yuan: 0.0,
            multimedia_classrooms: 0.0,
        }
    }

    /// Split a nine- or twelve-year school whose figures are only known for the whole school into its primary
    /// and junior parts, each figure in proportion to the enrolment of the part. `whole.stage` is ignored.
    /// When the figures are known per stage, enter one part per stage instead.
    pub fn split_by_enrolment(whole: &SchoolPart, primary: u32, junior: u32) -> [SchoolPart; 2] {
        let total = f64::from(primary) + f64::from(junior);
        let part = |stage, p: u32| {
            let share = if total > 0.0 {
                f64::from(p) / total
            } else {
                0.0
            };
            SchoolPart {
                school_id: whole.school_id.clone(),
                stage,
                enrolment: p,
                degree_teachers: whole.degree_teachers * share,
                backbone_teachers: whole.backbone_teachers * share,
                pe_art_teachers: whole.pe_art_teachers * share,
                teaching_space_m2: whole.teaching_space_m2 * share,
                sports_space_m2: whole.sports_space_m2 * share,
                equipment_value_yuan: whole.equipment_value_yuan * share,
                multimedia_classrooms: whole.multimedia_classrooms * share,
            }
        };
        [
            part(BalanceStage::Primary, primary),
            part(BalanceStage::Junior, junior),
        ]
    }
}

/// The per-school rule: at least `min_met` of the seven indicators reach the threshold and each of the others
/// reaches `floor_share` × threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SchoolRule {
    pub min_met: usize,
    pub floor_share: f64,
}

impl Default for SchoolRule {
    fn default() -> Self {
        SchoolRule {
            min_met: 6,
            floor_share: 0.85,
        }
    }
}

/// All configurable parts of the computation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BalanceRules {
    pub school_rule: SchoolRule,
    /// Parts with fewer students than this are excluded (default 50).
    pub min_enrolment: u32,
    pub cv_threshold_primary: f64,
    pub cv_threshold_junior: f64,
}

impl Default for BalanceRules {
    fn default() -> Self {
        BalanceRules {
            school_rule: SchoolRule::default(),
            min_enrolment: 50,
            cv_threshold_primary: BalanceStage::Primary.cv_threshold(),
            cv_threshold_junior: BalanceStage::Junior.cv_threshold(),
        }
    }
}

impl BalanceRules {
    pub fn cv_threshold(&self, stage: BalanceStage) -> f64 {
        match stage {
            BalanceStage::Primary => self.cv_threshold_primary,
            BalanceStage::Junior => self.cv_threshold_junior,
        }
    }

    /// Whether a part counts (enrolment ≥ `min_enrolment`).
    pub fn included(&self, part: &SchoolPart) -> bool {
        self.included_enrolment(part.enrolment)
    }

    pub fn included_enrolment(&self, enrolment: u32) -> bool {
        enrolment >= self.min_enrolment && enrolment > 0
    }
}

/// Weighted mean, standard deviation and coefficient of variation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct CvStats {
    pub mean: f64,
    pub sd: f64,
    pub cv: f64,
}

/// The enrolment-weighted CV of `(Pᵢ, Xᵢ)` pairs: X̄ = ΣPᵢXᵢ/ΣPᵢ, S = √(ΣPᵢ(Xᵢ − X̄)²/ΣPᵢ), CV = S/X̄.
/// `None` when ΣPᵢ = 0. When X̄ = 0 (all values zero for non-negative values) the CV is 0.
pub fn weighted_cv(points: &[(f64, f64)]) -> Option<CvStats> {
    let w: f64 = points.iter().map(|(p, _)| p).sum();
    if w <= 0.0 {
        return None;
    }
    let mean = points.iter().map(|(p, x)| p * x).sum::<f64>() / w;
    let var = points
        .iter()
        .map(|(p, x)| p * (x - mean) * (x - mean))
        .sum::<f64>()
        / w;
    let sd = var.max(0.0).sqrt();
    let cv = if mean.abs() < 1e-300 { 0.0 } else { sd / mean };
    Some(CvStats { mean, sd, cv })
}

/// The plain (unweighted, population) CV, for comparison only: the standard uses [`weighted_cv`].
pub fn unweighted_cv(values: &[f64]) -> Option<CvStats> {
    let pts: Vec<(f64, f64)> = values.iter().map(|&x| (1.0, x)).collect();
    weighted_cv(&pts)
}

/// One indicator of one part: value, threshold, met.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorValue {
    pub indicator: Indicator,
    pub value: f64,
    pub threshold: f64,
    pub met: bool,
    /// value / threshold
    pub share: f64,
}

/// The standard for one school part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartResult {
    pub school_id: String,
    pub stage: BalanceStage,
    pub enrolment: u32,
    /// False when the part has fewer students than the rules' minimum; it then counts nowhere.
    pub included: bool,
    pub indicators: Vec<IndicatorValue>,
    pub met_count: usize,
    /// Meets the per-school rule (always false when excluded).
    pub meets_standard: bool,
}

/// Evaluate one part against the per-school rule.
pub fn evaluate_part(part: &SchoolPart, rules: &BalanceRules) -> PartResult {
    let indicators: Vec<IndicatorValue> = Indicator::ALL
        .into_iter()
        .map(|ind| {
            let value = ind.value(part);
            let threshold = ind.threshold(part.stage);
            IndicatorValue {
                indicator: ind,
                value,
                threshold,
                met: value >= threshold - 1e-9,
                share: value / threshold,
            }
        })
        .collect();
    let met_count = indicators.iter().filter(|v| v.met).count();
    let floor_ok = indicators
        .iter()
        .all(|v| v.met || v.value >= v.threshold * rules.school_rule.floor_share - 1e-9);
    let included = rules.included(part);
    PartResult {
        school_id: part.school_id.clone(),
        stage: part.stage,
        enrolment: part.enrolment,
        included,
        met_count,
        meets_standard: included && met_count >= rules.school_rule.min_met && floor_ok,
        indicators,
    }
}

/// One school's value in a stage-indicator summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchoolValue {
    pub school_id: String,
    pub enrolment: u32,
    pub value: f64,
}

/// The CV of one indicator across a county's included parts of one stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IndicatorCv {
    pub stage: BalanceStage,
    pub indicator: Indicator,
    /// National value threshold of the indicator for the stage.
    pub threshold: f64,
    pub cv_threshold: f64,
    pub mean: f64,
    pub sd: f64,
    pub cv: f64,
    pub pass: bool,
    pub schools: Vec<SchoolValue>,
}

/// The CV of one indicator of one stage over the included parts. `None` when the stage has no included part.
pub fn indicator_cv(
    parts: &[SchoolPart],
    stage: BalanceStage,
    indicator: Indicator,
    rules: &BalanceRules,
) -> Option<IndicatorCv> {
    let inc: Vec<&SchoolPart> = parts
        .iter()
        .filter(|p| p.stage == stage && rules.included(p))
        .collect();
    let pts: Vec<(f64, f64)> = inc
        .iter()
        .map(|p| (f64::from(p.enrolment), indicator.value(p)))
        .collect();
    let stats = weighted_cv(&pts)?;
    let cv_threshold = rules.cv_threshold(stage);
    Some(IndicatorCv {
        stage,
        indicator,
        threshold: indicator.threshold(stage),
        cv_threshold,
        mean: stats.mean,
        sd: stats.sd,
        cv: stats.cv,
        pass: stats.cv <= cv_threshold + 1e-12,
        schools: inc
            .iter()
            .zip(&pts)
            .map(|(p, (_, v))| SchoolValue {
                school_id: p.school_id.clone(),
                enrolment: p.enrolment,
                value: *v,
            })
            .collect(),
    })
}

/// Everything for one stage of a county.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageResult {
    pub stage: BalanceStage,
    pub included_parts: usize,
    /// Ids of the parts left out for having fewer students than the minimum.
    pub excluded: Vec<String>,
    pub parts_meeting_standard: usize,
    pub indicators: Vec<IndicatorCv>,
    /// Every indicator's CV within its threshold.
    pub all_cv_pass: bool,
}

/// The county report: every part, every stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceReport {
    pub parts: Vec<PartResult>,
    pub stages: Vec<StageResult>,
}

/// Evaluate a county's parts (already split by stage). Stages with no included part are omitted from `stages`.
pub fn evaluate(parts: &[SchoolPart], rules: &BalanceRules) -> BalanceReport {
    let results: Vec<PartResult> = parts.iter().map(|p| evaluate_part(p, rules)).collect();
    let mut stages = Vec::new();
    for stage in BalanceStage::ALL {
        let indicators: Vec<IndicatorCv> = Indicator::ALL
            .into_iter()
            .filter_map(|ind| indicator_cv(parts, stage, ind, rules))
            .collect();
        if indicators.is_empty() {
            continue;
        }
        let of_stage = results.iter().filter(|r| r.stage == stage);
        stages.push(StageResult {
            stage,
            included_parts: of_stage.clone().filter(|r| r.included).count(),
            excluded: of_stage
                .clone()
                .filter(|r| !r.included)
                .map(|r| r.school_id.clone())
                .collect(),
            parts_meeting_standard: of_stage.filter(|r| r.meets_standard).count(),
            all_cv_pass: indicators.iter().all(|c| c.pass),
            indicators,
        });
    }
    BalanceReport {
        parts: results,
        stages,
    }
}

mod whatif;
pub use whatif::{
    AppliedMoves, CvChange, PartChange, StageWhatIf, TEACHER_INDICATORS, TeacherMove, ValueChange,
    WhatIf, WhatIfError, apply_moves, what_if,
};

#[cfg(test)]
mod tests;
