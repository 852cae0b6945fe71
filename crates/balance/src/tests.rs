use super::*;
use proptest::prelude::*;

fn part(id: &str, stage: BalanceStage, p: u32, backbone: f64) -> SchoolPart {
    let mut s = SchoolPart::empty(id, stage, p);
    s.backbone_teachers = backbone;
    s
}

/// A part meeting every primary threshold with a small margin.
fn good_primary(id: &str, p: u32) -> SchoolPart {
    let f = f64::from(p);
    SchoolPart {
        school_id: id.into(),
        stage: BalanceStage::Primary,
        enrolment: p,
        degree_teachers: 4.3 * f / 100.0,
        backbone_teachers: 1.1 * f / 100.0,
        pe_art_teachers: 1.0 * f / 100.0,
        teaching_space_m2: 4.6 * f,
        sports_space_m2: 7.6 * f,
        equipment_value_yuan: 2100.0 * f,
        multimedia_classrooms: 2.4 * f / 100.0,
    }
}

#[test]
fn keys_and_thresholds() {
    let keys: Vec<&str> = Indicator::ALL.iter().map(|i| i.key()).collect();
    assert_eq!(
        keys,
        [
            "degree_teachers_per_100",
            "backbone_teachers_per_100",
            "pe_art_teachers_per_100",
            "teaching_space_per_student",
            "sports_space_per_student",
            "equipment_value_per_student",
            "multimedia_classrooms_per_100"
        ]
    );
    let p: Vec<f64> = Indicator::ALL
        .iter()
        .map(|i| i.threshold(BalanceStage::Primary))
        .collect();
    let j: Vec<f64> = Indicator::ALL
        .iter()
        .map(|i| i.threshold(BalanceStage::Junior))
        .collect();
    assert_eq!(p, [4.2, 1.0, 0.9, 4.5, 7.5, 2000.0, 2.3]);
    assert_eq!(j, [5.3, 1.0, 0.9, 5.8, 10.2, 2500.0, 2.4]);
    for i in Indicator::ALL {
        assert_eq!(Indicator::parse(i.key()), Some(i));
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, format!("\"{}\"", i.key()));
    }
}

#[test]
fn hand_computed_weighted_cv_differs_from_unweighted() {
    // Values 2, 1, 0 with enrolments 100, 300, 100.
    // X̄ = (200 + 300 + 0) / 500 = 1; S² = (100·1 + 300·0 + 100·1) / 500 = 0.4; CV = √0.4 = 0.632456.
    // Unweighted: mean 1, variance (1 + 0 + 1) / 3; CV = 0.816497.
    let parts = vec![
        part("A", BalanceStage::Primary, 100, 2.0),
        part("B", BalanceStage::Primary, 300, 3.0),
        part("C", BalanceStage::Primary, 100, 0.0),
    ];
    let r = BalanceRules::default();
    let cv = indicator_cv(
        &parts,
        BalanceStage::Primary,
        Indicator::BackboneTeachersPer100,
        &r,
    )
    .unwrap();
    assert!((cv.mean - 1.0).abs() < 1e-12);
    assert!((cv.cv - 0.4f64.sqrt()).abs() < 1e-12, "{}", cv.cv);
    assert!(!cv.pass, "0.632 > 0.50");
    let un = unweighted_cv(&[2.0, 1.0, 0.0]).unwrap();
    assert!((un.cv - (2.0f64 / 3.0).sqrt()).abs() < 1e-12);
    assert!((un.cv - cv.cv).abs() > 0.1);
    // Junior threshold 0.45.
    let junior: Vec<SchoolPart> = vec![
        part("A", BalanceStage::Junior, 100, 1.0),
        part("B", BalanceStage::Junior, 100, 1.5),
    ];
    // values 1, 1.5: mean 1.25, sd 0.25, cv 0.2
    let c = indicator_cv(
        &junior,
        BalanceStage::Junior,
        Indicator::BackboneTeachersPer100,
        &r,
    )
    .unwrap();
    assert!((c.cv - 0.2).abs() < 1e-12);
    assert!(c.pass);
    assert_eq!(c.cv_threshold, 0.45);
}

#[test]
fn small_parts_are_excluded() {
    let mut parts = vec![
        part("A", BalanceStage::Primary, 100, 2.0),
        part("B", BalanceStage::Primary, 300, 3.0),
        part("C", BalanceStage::Primary, 100, 0.0),
    ];
    parts.push(part("tiny", BalanceStage::Primary, 49, 10.0));
    let r = BalanceRules::default();
    let rep = evaluate(&parts, &r);
    let st = &rep.stages[0];
    assert_eq!(st.included_parts, 3);
    assert_eq!(st.excluded, vec!["tiny".to_string()]);
    let bb = st
        .indicators
        .iter()
        .find(|c| c.indicator == Indicator::BackboneTeachersPer100)
        .unwrap();
    assert!((bb.cv - 0.4f64.sqrt()).abs() < 1e-12);
    assert_eq!(bb.schools.len(), 3);
    assert!(!rep.parts[3].included && !rep.parts[3].meets_standard);
    // Configurable: with a minimum of 40 it counts.
    let r40 = BalanceRules {
        min_enrolment: 40,
        ..r
    };
    let bb40 = indicator_cv(
        &parts,
        BalanceStage::Primary,
        Indicator::BackboneTeachersPer100,
        &r40,
    )
    .unwrap();
    assert_eq!(bb40.schools.len(), 4);
    assert!((bb40.cv - bb.cv).abs() > 0.1);
}

#[test]
fn nine_year_school_counts_in_both_stages() {
    let parts = vec![
        part("P1", BalanceStage::Primary, 200, 1.0),
        part("N", BalanceStage::Primary, 200, 2.0),
        part("N", BalanceStage::Junior, 100, 3.0),
        part("J1", BalanceStage::Junior, 100, 1.0),
    ];
    let rep = evaluate(&parts, &BalanceRules::default());
    assert_eq!(rep.stages.len(), 2);
    let p = rep.stages[0]
        .indicators
        .iter()
        .find(|c| c.indicator == Indicator::BackboneTeachersPer100)
        .unwrap();
    let j = rep.stages[1]
        .indicators
        .iter()
        .find(|c| c.indicator == Indicator::BackboneTeachersPer100)
        .unwrap();
    // primary: values 0.5, 1.0 equal weights: mean .75 sd .25 cv 1/3
    assert!((p.cv - 1.0 / 3.0).abs() < 1e-12);
    // junior: values 3, 1: mean 2 sd 1 cv .5
    assert!((j.cv - 0.5).abs() < 1e-12);
    // Whole-school figures split by enrolment share.
    let whole = SchoolPart {
        backbone_teachers: 6.0,
        ..SchoolPart::empty("N", BalanceStage::Primary, 300)
    };
    let [a, b] = SchoolPart::split_by_enrolment(&whole, 200, 100);
    assert_eq!(
        (a.stage, b.stage),
        (BalanceStage::Primary, BalanceStage::Junior)
    );
    assert!((a.backbone_teachers - 4.0).abs() < 1e-12 && (b.backbone_teachers - 2.0).abs() < 1e-12);
    assert_eq!(Indicator::BackboneTeachersPer100.value(&a), 2.0);
}

#[test]
fn six_of_seven_rule() {
    let r = BalanceRules::default();
    let g = good_primary("G", 400);
    let res = evaluate_part(&g, &r);
    assert_eq!(res.met_count, 7);
    assert!(res.meets_standard);
    // One indicator at 90% of its threshold: still meets.
    let mut one = g.clone();
    one.sports_space_m2 = 7.5 * 0.9 * 400.0;
    let res = evaluate_part(&one, &r);
    assert_eq!(res.met_count, 6);
    assert!(res.meets_standard);
    // At 80%: fails the floor.
    one.sports_space_m2 = 7.5 * 0.8 * 400.0;
    assert!(!evaluate_part(&one, &r).meets_standard);
    // Two missed (both at 90%): fails min_met.
    let mut two = g.clone();
    two.sports_space_m2 = 7.5 * 0.9 * 400.0;
    two.equipment_value_yuan = 2000.0 * 0.9 * 400.0;
    assert!(!evaluate_part(&two, &r).meets_standard);
    // Configurable: min_met 5 accepts it.
    let r5 = BalanceRules {
        school_rule: SchoolRule {
            min_met: 5,
            floor_share: 0.85,
        },
        ..r
    };
    assert!(evaluate_part(&two, &r5).meets_standard);
    // Excluded parts never meet.
    assert!(!evaluate_part(&good_primary("t", 30), &r).meets_standard);
}

#[test]
fn degenerate_cases() {
    assert!(weighted_cv(&[]).is_none());
    assert!(weighted_cv(&[(0.0, 3.0)]).is_none());
    let z = weighted_cv(&[(10.0, 0.0), (20.0, 0.0)]).unwrap();
    assert_eq!(z.cv, 0.0);
    assert_eq!(Indicator::BackboneTeachersPer100.value_of(3.0, 0), 0.0);
}

proptest! {
    #[test]
    fn cv_is_non_negative(pts in prop::collection::vec((1u32..2000, 0.0f64..50.0), 1..30)) {
        let p: Vec<(f64, f64)> = pts.iter().map(|&(a, b)| (f64::from(a), b)).collect();
        let s = weighted_cv(&p).unwrap();
        prop_assert!(s.cv >= 0.0 && s.sd >= 0.0);
    }

    #[test]
    fn cv_zero_when_all_values_equal(ps in prop::collection::vec(50u32..3000, 1..30), x in 0.01f64..100.0) {
        let p: Vec<(f64, f64)> = ps.iter().map(|&a| (f64::from(a), x)).collect();
        prop_assert!(weighted_cv(&p).unwrap().cv.abs() < 1e-9);
    }

    /// Multiplying every count by k (and so every value per 100) leaves the CV unchanged, as does
    /// multiplying every enrolment and every count by the same k (values per 100 unchanged).
    #[test]
    fn scale_invariance(rows in prop::collection::vec((50u32..2000, 0u32..60), 2..25), k in 1u32..6) {
        let parts: Vec<SchoolPart> = rows.iter().enumerate()
            .map(|(i, &(p, c))| part(&format!("s{i}"), BalanceStage::Primary, p, f64::from(c))).collect();
        let r = BalanceRules::default();
        let base = indicator_cv(&parts, BalanceStage::Primary, Indicator::BackboneTeachersPer100, &r).unwrap();
        let scaled: Vec<SchoolPart> = parts.iter().map(|p| SchoolPart { backbone_teachers: p.backbone_teachers * f64::from(k), ..p.clone() }).collect();
        let s = indicator_cv(&scaled, BalanceStage::Primary, Indicator::BackboneTeachersPer100, &r).unwrap();
        prop_assert!((s.cv - base.cv).abs() < 1e-9);
        let both: Vec<SchoolPart> = parts.iter().map(|p| SchoolPart { enrolment: p.enrolment * k, backbone_teachers: p.backbone_teachers * f64::from(k), ..p.clone() }).collect();
        let b = indicator_cv(&both, BalanceStage::Primary, Indicator::BackboneTeachersPer100, &r).unwrap();
        prop_assert!((b.cv - base.cv).abs() < 1e-9);
    }

    /// The weighted CV equals an independent formula: CV² = ΣPᵢ·ΣPᵢXᵢ² / (ΣPᵢXᵢ)² − 1.
    #[test]
    fn matches_closed_form(pts in prop::collection::vec((1u32..2000, 0.1f64..50.0), 1..30)) {
        let p: Vec<(f64, f64)> = pts.iter().map(|&(a, b)| (f64::from(a), b)).collect();
        let w: f64 = p.iter().map(|x| x.0).sum();
        let s1: f64 = p.iter().map(|x| x.0 * x.1).sum();
        let s2: f64 = p.iter().map(|x| x.0 * x.1 * x.1).sum();
        let cv2 = (w * s2 / (s1 * s1) - 1.0).max(0.0);
        prop_assert!((weighted_cv(&p).unwrap().cv - cv2.sqrt()).abs() < 1e-6);
    }
}
