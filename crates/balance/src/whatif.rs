//! What-if for balance monitoring: apply proposed teacher moves to the county's school parts and compare every
//! indicator's CV per stage, and each affected part's values, before and after.
//!
//! A move changes only the teacher counts it carries a flag for — 高于规定学历 (`higher_degree`), 县级以上骨干
//! (`backbone`), 体育艺术专任 (`pe_art`) — so only [`Indicator::DegreeTeachersPer100`],
//! [`Indicator::BackboneTeachersPer100`] and [`Indicator::PeArtTeachersPer100`] can change; enrolments, spaces and
//! equipment stay as they are. A teacher with several flags changes several counts.
//!
//! **Stage parts.** Nine- and twelve-year schools are entered as one [`SchoolPart`] per stage, so a move names the
//! stage part it leaves (`from_stage`) and the one it joins (`to_stage`). Either may be left out when that school
//! has a single part; it is an error ([`WhatIfError::AmbiguousStage`]) when the school has two. A move between the
//! two parts of the same school is allowed (e.g. a junior PE teacher reassigned to the primary part).
//!
//! Moves are applied together: a count may not end below zero ([`WhatIfError::NegativeCount`]); the order of the
//! moves does not matter.

use serde::{Deserialize, Serialize};

use crate::{BalanceRules, BalanceStage, Indicator, SchoolPart, evaluate_part, indicator_cv};

/// A proposed teacher move from one school part to another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TeacherMove {
    /// The teacher (id or name), for the caller's reference only.
    #[serde(default)]
    pub teacher: Option<String>,
    /// School id the teacher leaves.
    pub from: String,
    /// The stage part left; `None` when the school has a single part.
    #[serde(default)]
    pub from_stage: Option<BalanceStage>,
    /// School id the teacher joins.
    pub to: String,
    /// The stage part joined; `None` when the school has a single part.
    #[serde(default)]
    pub to_stage: Option<BalanceStage>,
    /// 县级以上骨干教师 (county level or above).
    #[serde(default)]
    pub backbone: bool,
    /// 高于规定学历 (degree above the standard for the stage).
    #[serde(default)]
    pub higher_degree: bool,
    /// 体育、艺术（美术、音乐）专任教师.
    #[serde(default)]
    pub pe_art: bool,
}

/// Why the moves cannot be applied. `index` is the move's position in the list, from 0.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "error", rename_all = "snake_case")]
pub enum WhatIfError {
    /// The same school and stage appear twice in the parts.
    DuplicatePart {
        school_id: String,
        stage: BalanceStage,
    },
    /// No part of that school (and stage).
    UnknownPart {
        index: usize,
        school_id: String,
        stage: Option<BalanceStage>,
    },
    /// The school has two stage parts and the move does not say which.
    AmbiguousStage { index: usize, school_id: String },
    /// The move leaves and joins the same part.
    SamePart { index: usize },
    /// After the moves a part would have fewer than zero teachers of a kind.
    NegativeCount {
        school_id: String,
        stage: BalanceStage,
        indicator: Indicator,
        after: f64,
    },
}

impl std::fmt::Display for WhatIfError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WhatIfError::DuplicatePart { school_id, stage } => {
                write!(f, "学校 {school_id} 的{}数据重复", stage.label_zh())
            }
            WhatIfError::UnknownPart {
                index,
                school_id,
                stage,
            } => write!(
                f,
                "第{}条调动：找不到学校 {school_id}{}",
                index + 1,
                stage
                    .map(|s| format!(" 的{}部", s.label_zh()))
                    .unwrap_or_default()
            ),
            WhatIfError::AmbiguousStage { index, school_id } => write!(
                f,
                "第{}条调动：学校 {school_id} 分小学、初中两部，请指明学段",
                index + 1
            ),
            WhatIfError::SamePart { index } => {
                write!(f, "第{}条调动：调出与调入为同一学校同一学段", index + 1)
            }
            WhatIfError::NegativeCount {
                school_id,
                stage,
                indicator,
                after,
            } => write!(
                f,
                "学校 {school_id}（{}）调动后“{}”相关教师数为 {after}，不能为负",
                stage.label_zh(),
                indicator.label_zh()
            ),
        }
    }
}

impl std::error::Error for WhatIfError {}

/// The CV of one indicator of one stage, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CvChange {
    pub indicator: Indicator,
    pub cv_threshold: f64,
    pub mean_before: f64,
    pub mean_after: f64,
    pub cv_before: f64,
    pub cv_after: f64,
    pub pass_before: bool,
    pub pass_after: bool,
}

/// Every indicator of a stage (with at least one included part), before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageWhatIf {
    pub stage: BalanceStage,
    /// In [`Indicator::ALL`] order.
    pub indicators: Vec<CvChange>,
    pub all_cv_pass_before: bool,
    pub all_cv_pass_after: bool,
}

/// One teacher-count indicator of an affected part, before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ValueChange {
    pub indicator: Indicator,
    /// Teacher count before / after.
    pub count_before: f64,
    pub count_after: f64,
    /// Value per 100 students before / after.
    pub before: f64,
    pub after: f64,
    pub threshold: f64,
    pub met_before: bool,
    pub met_after: bool,
}

/// A part some move leaves or joins.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartChange {
    pub school_id: String,
    pub stage: BalanceStage,
    pub enrolment: u32,
    /// Counted in the CV (enrolment ≥ the minimum).
    pub included: bool,
    /// Teachers leaving / joining the part.
    pub sent: u32,
    pub received: u32,
    /// The three teacher-count indicators.
    pub values: Vec<ValueChange>,
    pub meets_standard_before: bool,
    pub meets_standard_after: bool,
}

/// The outcome of a set of moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WhatIf {
    pub stages: Vec<StageWhatIf>,
    /// Affected parts, in the order of the input parts.
    pub parts: Vec<PartChange>,
    /// Every part after the moves (same order as the input).
    pub parts_after: Vec<SchoolPart>,
}

/// The indicators a teacher move can change.
pub const TEACHER_INDICATORS: [Indicator; 3] = [
    Indicator::DegreeTeachersPer100,
    Indicator::BackboneTeachersPer100,
    Indicator::PeArtTeachersPer100,
];

fn find_part(
    parts: &[SchoolPart],
    index: usize,
    school: &str,
    stage: Option<BalanceStage>,
) -> Result<usize, WhatIfError> {
    let of_school: Vec<usize> = parts
        .iter()
        .enumerate()
        .filter(|(_, p)| p.school_id == school)
        .map(|(i, _)| i)
        .collect();
    let unknown = || WhatIfError::UnknownPart {
        index,
        school_id: school.to_string(),
        stage,
    };
    match stage {
        Some(s) => of_school
            .into_iter()
            .find(|&i| parts[i].stage == s)
            .ok_or_else(unknown),
        None => match of_school.as_slice() {
            [] => Err(unknown()),
            [i] => Ok(*i),
            _ => Err(WhatIfError::AmbiguousStage {
                index,
                school_id: school.to_string(),
            }),
        },
    }
}

fn count_mut(part: &mut SchoolPart, ind: Indicator) -> &mut f64 {
    match ind {
        Indicator::DegreeTeachersPer100 => &mut part.degree_teachers,
        Indicator::BackboneTeachersPer100 => &mut part.backbone_teachers,
        _ => &mut part.pe_art_teachers,
    }
}

fn flags(m: &TeacherMove) -> [(Indicator, bool); 3] {
    [
        (Indicator::DegreeTeachersPer100, m.higher_degree),
        (Indicator::BackboneTeachersPer100, m.backbone),
        (Indicator::PeArtTeachersPer100, m.pe_art),
    ]
}

/// The parts after a set of moves.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppliedMoves {
    /// Every part after the moves, in the input order.
    pub parts: Vec<SchoolPart>,
    /// Teachers each part sends, in the input order.
    pub sent: Vec<u32>,
    /// Teachers each part receives, in the input order.
    pub received: Vec<u32>,
}

/// The parts after the moves, with the number of teachers each part sends and receives.
pub fn apply_moves(
    parts: &[SchoolPart],
    moves: &[TeacherMove],
) -> Result<AppliedMoves, WhatIfError> {
    for (i, p) in parts.iter().enumerate() {
        if parts[..i]
            .iter()
            .any(|q| q.school_id == p.school_id && q.stage == p.stage)
        {
            return Err(WhatIfError::DuplicatePart {
                school_id: p.school_id.clone(),
                stage: p.stage,
            });
        }
    }
    let mut after = parts.to_vec();
    let mut sent = vec![0u32; parts.len()];
    let mut received = vec![0u32; parts.len()];
    for (index, m) in moves.iter().enumerate() {
        let from = find_part(parts, index, &m.from, m.from_stage)?;
        let to = find_part(parts, index, &m.to, m.to_stage)?;
        if from == to {
            return Err(WhatIfError::SamePart { index });
        }
        sent[from] += 1;
        received[to] += 1;
        for (ind, on) in flags(m) {
            if on {
                *count_mut(&mut after[from], ind) -= 1.0;
                *count_mut(&mut after[to], ind) += 1.0;
            }
        }
    }
    for p in &mut after {
        for ind in TEACHER_INDICATORS {
            let c = *count_mut(p, ind);
            if c < -1e-9 {
                return Err(WhatIfError::NegativeCount {
                    school_id: p.school_id.clone(),
                    stage: p.stage,
                    indicator: ind,
                    after: c,
                });
            }
            // Clear rounding dust from fractional (split) counts.
            if c.abs() < 1e-9 {
                *count_mut(p, ind) = 0.0;
            }
        }
    }
    Ok(AppliedMoves {
        parts: after,
        sent,
        received,
    })
}

/// Apply the moves and compare every stage's CVs and each affected part's teacher indicators before and after.
/// Stages with no included part are left out, as in [`crate::evaluate`].
pub fn what_if(
    parts: &[SchoolPart],
    moves: &[TeacherMove],
    rules: &BalanceRules,
) -> Result<WhatIf, WhatIfError> {
    let AppliedMoves {
        parts: after,
        sent,
        received,
    } = apply_moves(parts, moves)?;
    let traffic: Vec<(u32, u32)> = sent.into_iter().zip(received).collect();
    let mut stages = Vec::new();
    for stage in BalanceStage::ALL {
        let indicators: Vec<CvChange> = Indicator::ALL
            .into_iter()
            .filter_map(|ind| {
                let b = indicator_cv(parts, stage, ind, rules)?;
                let a = indicator_cv(&after, stage, ind, rules)?;
                Some(CvChange {
                    indicator: ind,
                    cv_threshold: b.cv_threshold,
                    mean_before: b.mean,
                    mean_after: a.mean,
                    cv_before: b.cv,
                    cv_after: a.cv,
                    pass_before: b.pass,
                    pass_after: a.pass,
                })
            })
            .collect();
        if indicators.is_empty() {
            continue;
        }
        stages.push(StageWhatIf {
            stage,
            all_cv_pass_before: indicators.iter().all(|c| c.pass_before),
            all_cv_pass_after: indicators.iter().all(|c| c.pass_after),
            indicators,
        });
    }
    let changed = parts
        .iter()
        .zip(&after)
        .zip(&traffic)
        .filter(|(_, (s, r))| s + r > 0)
        .map(|((b, a), &(sent, received))| {
            let eb = evaluate_part(b, rules);
            let ea = evaluate_part(a, rules);
            let values = TEACHER_INDICATORS
                .into_iter()
                .map(|ind| {
                    let vb = eb.indicators.iter().find(|v| v.indicator == ind);
                    let va = ea.indicators.iter().find(|v| v.indicator == ind);
                    ValueChange {
                        indicator: ind,
                        count_before: ind.raw(b),
                        count_after: ind.raw(a),
                        before: ind.value(b),
                        after: ind.value(a),
                        threshold: ind.threshold(b.stage),
                        met_before: vb.is_some_and(|v| v.met),
                        met_after: va.is_some_and(|v| v.met),
                    }
                })
                .collect();
            PartChange {
                school_id: b.school_id.clone(),
                stage: b.stage,
                enrolment: b.enrolment,
                included: eb.included,
                sent,
                received,
                values,
                meets_standard_before: eb.meets_standard,
                meets_standard_after: ea.meets_standard,
            }
        })
        .collect();
    Ok(WhatIf {
        stages,
        parts: changed,
        parts_after: after,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn part(
        id: &str,
        stage: BalanceStage,
        p: u32,
        degree: f64,
        backbone: f64,
        pe_art: f64,
    ) -> SchoolPart {
        let mut s = SchoolPart::empty(id, stage, p);
        s.degree_teachers = degree;
        s.backbone_teachers = backbone;
        s.pe_art_teachers = pe_art;
        s
    }

    fn mv(from: &str, fs: Option<BalanceStage>, to: &str, ts: Option<BalanceStage>) -> TeacherMove {
        TeacherMove {
            teacher: None,
            from: from.into(),
            from_stage: fs,
            to: to.into(),
            to_stage: ts,
            backbone: false,
            higher_degree: false,
            pe_art: false,
        }
    }

    fn county() -> Vec<SchoolPart> {
        use BalanceStage::*;
        vec![
            part("A", Primary, 500, 30.0, 10.0, 6.0),
            part("B", Primary, 250, 8.0, 1.0, 1.0),
            part("C", Primary, 250, 9.0, 2.0, 2.0),
            // A nine-year school: a small primary part (excluded, < 50 students) and a junior part.
            part("N", Primary, 40, 2.0, 0.0, 0.0),
            part("N", Junior, 200, 12.0, 2.0, 3.0),
            part("J", Junior, 400, 22.0, 4.0, 4.0),
        ]
    }

    fn cv(w: &WhatIf, stage: BalanceStage, ind: Indicator) -> &CvChange {
        w.stages
            .iter()
            .find(|s| s.stage == stage)
            .unwrap()
            .indicators
            .iter()
            .find(|c| c.indicator == ind)
            .unwrap()
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn hand_computed_moves() {
        use BalanceStage::*;
        // Two backbone teachers A → B, one of them also above the degree standard (stage inferred: single parts);
        // one PE teacher from N's junior part to its primary part.
        let mut m1 = mv("A", None, "B", None);
        m1.backbone = true;
        m1.higher_degree = true;
        let mut m2 = mv("A", None, "B", Some(Primary));
        m2.backbone = true;
        let mut m3 = mv("N", Some(Junior), "N", Some(Primary));
        m3.pe_art = true;
        let plain = mv("C", None, "A", None); // no flag: counts nothing
        let w = what_if(&county(), &[m1, m2, m3, plain], &BalanceRules::default()).unwrap();

        // Backbone per 100, primary: A 2.0, B 0.4, C 0.8 (weights 500, 250, 250): mean 1.3, variance 0.51.
        // After: A 1.6, B 1.2, C 0.8: mean 1.3, variance 0.11.
        let b = cv(&w, Primary, Indicator::BackboneTeachersPer100);
        assert!(close(b.mean_before, 1.3) && close(b.mean_after, 1.3));
        assert!(close(b.cv_before, 0.51f64.sqrt() / 1.3));
        assert!(close(b.cv_after, 0.11f64.sqrt() / 1.3));
        assert!(!b.pass_before && b.pass_after); // 0.549 > 0.50 ≥ 0.255
        // Degree per 100: A 6.0, B 3.2, C 3.6: mean 4.7, variance 1.71; after A 5.8, B 3.6: variance 1.21.
        let d = cv(&w, Primary, Indicator::DegreeTeachersPer100);
        assert!(close(d.cv_before, 1.71f64.sqrt() / 4.7));
        assert!(close(d.cv_after, 1.1 / 4.7));
        // PE/art, primary: the N primary part is excluded (40 students), so nothing changes.
        let p = cv(&w, Primary, Indicator::PeArtTeachersPer100);
        assert!(close(p.cv_before, p.cv_after));
        // PE/art, junior: J 1.0 (400), N 1.5 (200): mean 7/6, variance 1/18; after N 1.0: CV 0.
        let pj = cv(&w, Junior, Indicator::PeArtTeachersPer100);
        assert!(close(pj.mean_before, 7.0 / 6.0));
        assert!(close(pj.cv_before, (1.0f64 / 18.0).sqrt() / (7.0 / 6.0)));
        assert!(close(pj.cv_after, 0.0));
        // Space indicators are untouched (all zero here: CV 0 both sides).
        let s = cv(&w, Junior, Indicator::TeachingSpacePerStudent);
        assert_eq!((s.cv_before, s.cv_after), (0.0, 0.0));
        assert_eq!(w.stages.len(), 2);
        assert_eq!(w.stages[0].indicators.len(), 7);

        // Affected parts in input order: A, B, C, N primary, N junior.
        let ids: Vec<(&str, BalanceStage)> = w
            .parts
            .iter()
            .map(|p| (p.school_id.as_str(), p.stage))
            .collect();
        assert_eq!(
            ids,
            [
                ("A", Primary),
                ("B", Primary),
                ("C", Primary),
                ("N", Primary),
                ("N", Junior)
            ]
        );
        let a = &w.parts[0];
        assert_eq!((a.sent, a.received), (2, 1));
        let ab = &a.values[1];
        assert_eq!(ab.indicator, Indicator::BackboneTeachersPer100);
        assert_eq!((ab.count_before, ab.count_after), (10.0, 8.0));
        assert!(close(ab.before, 2.0) && close(ab.after, 1.6));
        let bb = &w.parts[1].values[1];
        assert!(close(bb.before, 0.4) && close(bb.after, 1.2));
        assert!(!bb.met_before && bb.met_after); // threshold 1 per 100
        let np = &w.parts[3];
        assert!(!np.included);
        assert!(close(np.values[2].after, 2.5)); // 1 PE teacher / 40 students × 100
        let c = &w.parts[2];
        assert_eq!((c.sent, c.received), (1, 0));
        assert_eq!(c.values[0].count_before, c.values[0].count_after);
        assert_eq!(w.parts_after[4].pe_art_teachers, 2.0);
        assert_eq!(w.parts_after[3].pe_art_teachers, 1.0);
    }

    #[test]
    fn no_moves_match_evaluate() {
        let parts = county();
        let rules = BalanceRules::default();
        let w = what_if(&parts, &[], &rules).unwrap();
        assert!(w.parts.is_empty());
        let report = crate::evaluate(&parts, &rules);
        for (sw, sr) in w.stages.iter().zip(&report.stages) {
            assert_eq!(sw.stage, sr.stage);
            for (c, r) in sw.indicators.iter().zip(&sr.indicators) {
                assert_eq!((c.cv_before, c.cv_after), (r.cv, r.cv));
            }
        }
    }

    #[test]
    fn errors() {
        use BalanceStage::*;
        let parts = county();
        let rules = BalanceRules::default();
        let e = what_if(&parts, &[mv("N", None, "A", None)], &rules).unwrap_err();
        assert_eq!(
            e,
            WhatIfError::AmbiguousStage {
                index: 0,
                school_id: "N".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "第1条调动：学校 N 分小学、初中两部，请指明学段"
        );
        assert!(matches!(
            what_if(&parts, &[mv("A", None, "J", Some(Primary))], &rules),
            Err(WhatIfError::UnknownPart { .. })
        ));
        assert!(matches!(
            what_if(&parts, &[mv("Z", None, "A", None)], &rules),
            Err(WhatIfError::UnknownPart { .. })
        ));
        assert!(matches!(
            what_if(&parts, &[mv("A", None, "A", Some(Primary))], &rules),
            Err(WhatIfError::SamePart { index: 0 })
        ));
        // N's primary part has no backbone teacher to send.
        let mut m = mv("N", Some(Primary), "A", None);
        m.backbone = true;
        let e = what_if(&parts, &[m.clone()], &rules).unwrap_err();
        assert!(matches!(
            e,
            WhatIfError::NegativeCount {
                indicator: Indicator::BackboneTeachersPer100,
                ..
            }
        ));
        // ... unless one arrives in the same plan (order does not matter).
        let mut back = mv("A", None, "N", Some(Primary));
        back.backbone = true;
        assert!(what_if(&parts, &[m, back], &rules).is_ok());
        let mut dup = parts.clone();
        dup.push(parts[0].clone());
        assert!(matches!(
            what_if(&dup, &[], &rules),
            Err(WhatIfError::DuplicatePart { .. })
        ));
    }

    #[test]
    fn serde_round_trip() {
        let json = r#"{"from":"A","to":"B","to_stage":"primary","backbone":true}"#;
        let m: TeacherMove = serde_json::from_str(json).unwrap();
        assert_eq!(m.to_stage, Some(BalanceStage::Primary));
        assert!(m.backbone && !m.pe_art && !m.higher_degree);
        let w = what_if(&county(), &[m], &BalanceRules::default()).unwrap();
        let back: WhatIf = serde_json::from_str(&serde_json::to_string(&w).unwrap()).unwrap();
        // serde_json may round the last bit of a float; compare what is exact.
        assert_eq!(back.parts, w.parts);
        assert_eq!(back.parts_after, w.parts_after);
        assert_eq!(back.stages.len(), w.stages.len());
        assert!(serde_json::from_str::<WhatIfError>(r#"{"error":"same_part","index":2}"#).is_ok());
    }

    proptest! {
        /// Moves conserve every teacher count across the county and the "after" CVs are those of `parts_after`.
        #[test]
        fn moves_conserve_counts(moves in proptest::collection::vec((0usize..6, 0usize..6, any::<[bool; 3]>()), 0..12)) {
            let parts = county();
            let rules = BalanceRules::default();
            let ms: Vec<TeacherMove> = moves.iter().filter(|(f, t, _)| f != t).map(|&(f, t, [b, d, p])| TeacherMove {
                teacher: None,
                from: parts[f].school_id.clone(),
                from_stage: Some(parts[f].stage),
                to: parts[t].school_id.clone(),
                to_stage: Some(parts[t].stage),
                backbone: b,
                higher_degree: d,
                pe_art: p,
            }).collect();
            match what_if(&parts, &ms, &rules) {
                Ok(w) => {
                    for ind in TEACHER_INDICATORS {
                        let before: f64 = parts.iter().map(|p| ind.raw(p)).sum();
                        let after: f64 = w.parts_after.iter().map(|p| ind.raw(p)).sum();
                        prop_assert!((before - after).abs() < 1e-9);
                        prop_assert!(w.parts_after.iter().all(|p| ind.raw(p) >= 0.0));
                    }
                    for s in &w.stages {
                        for c in &s.indicators {
                            let direct = indicator_cv(&w.parts_after, s.stage, c.indicator, &rules).unwrap();
                            prop_assert_eq!(direct.cv, c.cv_after);
                        }
                    }
                }
                Err(e) => prop_assert!(matches!(e, WhatIfError::NegativeCount { .. }), "{:?}", e),
            }
        }
    }
}
