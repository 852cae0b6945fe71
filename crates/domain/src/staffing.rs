//! Subject staffing from class counts (学科教师需求): how many teachers of a subject a school part
//! needs for its classes, and from that its shortages (缺编学科) and surpluses (超编学科).
//!
//! The need of a subject is `classes × weekly periods of the subject per class ÷ a teacher's standard
//! weekly load`. Weekly periods are the grade averages of the national compulsory-education curriculum
//! plan (《义务教育课程方案（2022年版）》): for example 语文 is 8/8/7/7/6/6 periods a week in grades
//! 1–6, about 7 on average; 物理 is taught in grades 8–9 only, about 1.7 a week averaged over the three
//! junior grades. The standard load is 14 periods a week in primary school and 12 in junior school.
//! Subjects not in the plan (a school's own courses) have no derived need.
//!
//! Pure: values in, values out.

use std::collections::BTreeMap;

/// Which part of a school: the six primary grades or the three junior grades.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StaffingStage {
    Primary,
    Junior,
}

/// Average weekly periods per class of each subject, primary grades 1–6.
const PRIMARY_PERIODS: &[(&str, f64)] = &[
    ("语文", 7.0),
    ("数学", 4.3),
    ("英语", 1.3),
    ("科学", 1.7),
    ("道德与法治", 2.0),
    ("体育", 3.7),
    ("音乐", 2.0),
    ("美术", 2.0),
    ("信息技术", 0.7),
    ("心理健康", 0.5),
];

/// Average weekly periods per class of each subject, junior grades 7–9.
const JUNIOR_PERIODS: &[(&str, f64)] = &[
    ("语文", 5.3),
    ("数学", 4.7),
    ("英语", 4.0),
    ("物理", 1.7),
    ("化学", 1.0),
    ("生物", 1.3),
    ("历史", 2.0),
    ("地理", 1.3),
    ("道德与法治", 2.0),
    ("体育", 3.0),
    ("音乐", 1.0),
    ("美术", 1.0),
    ("信息技术", 1.0),
    ("心理健康", 0.5),
];

/// A teacher's standard weekly teaching load in periods.
pub fn standard_load(stage: StaffingStage) -> f64 {
    match stage {
        StaffingStage::Primary => 14.0,
        StaffingStage::Junior => 12.0,
    }
}

/// Average weekly periods per class of `subject` in `stage`, when the curriculum plan has it.
pub fn weekly_periods(stage: StaffingStage, subject: &str) -> Option<f64> {
    let table = match stage {
        StaffingStage::Primary => PRIMARY_PERIODS,
        StaffingStage::Junior => JUNIOR_PERIODS,
    };
    table.iter().find(|(s, _)| *s == subject).map(|(_, p)| *p)
}

/// Teachers of `subject` needed for `classes` classes (fractional: a part-time need is real).
pub fn subject_need(stage: StaffingStage, classes: f64, subject: &str) -> f64 {
    weekly_periods(stage, subject).map_or(0.0, |p| classes.max(0.0) * p / standard_load(stage))
}

/// Shortages and surpluses of a school part, by main subject.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Staffing {
    /// Whole teachers missing: ⌊need − have⌋ when at least 1, or 1 when the part has classes, needs
    /// at least half a teacher of the subject and has none.
    pub shortages: BTreeMap<String, u32>,
    /// Whole teachers beyond the need: ⌊have − need⌋ when at least 1.
    pub surpluses: BTreeMap<String, u32>,
}

/// Derives shortages and surpluses of a school part from its class count and its teachers counted by
/// main subject. Subjects outside the curriculum plan are neither short nor surplus.
pub fn derive(stage: StaffingStage, classes: f64, have: &BTreeMap<String, u32>) -> Staffing {
    let table = match stage {
        StaffingStage::Primary => PRIMARY_PERIODS,
        StaffingStage::Junior => JUNIOR_PERIODS,
    };
    let mut out = Staffing::default();
    if classes <= 0.0 {
        return out;
    }
    for (subject, _) in table {
        let need = subject_need(stage, classes, subject);
        let n = f64::from(have.get(*subject).copied().unwrap_or(0));
        if need - n >= 1.0 {
            out.shortages
                .insert((*subject).to_owned(), (need - n).floor() as u32);
        } else if n == 0.0 && need >= 0.5 {
            out.shortages.insert((*subject).to_owned(), 1);
        } else if n - need >= 1.0 {
            out.surpluses
                .insert((*subject).to_owned(), (n - need).floor() as u32);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn have(pairs: &[(&str, u32)]) -> BTreeMap<String, u32> {
        pairs.iter().map(|(s, n)| ((*s).to_owned(), *n)).collect()
    }

    #[test]
    fn need_scales_with_classes() {
        // 12 primary classes × 7 periods ÷ 14 = 6 teachers of 语文.
        assert!((subject_need(StaffingStage::Primary, 12.0, "语文") - 6.0).abs() < 1e-9);
        assert_eq!(subject_need(StaffingStage::Primary, 12.0, "物理"), 0.0);
        assert_eq!(subject_need(StaffingStage::Junior, 12.0, "校本课程"), 0.0);
    }

    #[test]
    fn shortages_and_surpluses() {
        // 12 primary classes: 语文 needs 6, 数学 ≈ 3.69, 体育 ≈ 3.17, 音乐 ≈ 1.71, 科学 ≈ 1.46.
        let s = derive(
            StaffingStage::Primary,
            12.0,
            &have(&[("语文", 4), ("数学", 6), ("体育", 3), ("音乐", 2)]),
        );
        assert_eq!(s.shortages.get("语文"), Some(&2));
        assert_eq!(s.surpluses.get("数学"), Some(&2));
        assert_eq!(s.shortages.get("体育"), None);
        assert_eq!(s.surpluses.get("体育"), None);
        assert_eq!(s.surpluses.get("音乐"), None);
        // none of 科学 and a need of 1.46: one short
        assert_eq!(s.shortages.get("科学"), Some(&1));
        // 信息技术 needs 0.6 and there is none: one short
        assert_eq!(s.shortages.get("信息技术"), Some(&1));
    }

    #[test]
    fn no_classes_no_derivation() {
        let s = derive(StaffingStage::Junior, 0.0, &have(&[("语文", 3)]));
        assert_eq!(s, Staffing::default());
    }
}
