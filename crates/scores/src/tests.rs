use super::*;
use proptest::prelude::*;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::BTreeMap;

fn test_def(full: f64) -> UnifiedTest {
    UnifiedTest {
        subject: "数学".into(),
        grade: "五年级".into(),
        date: chrono::NaiveDate::from_ymd_opt(2025, 1, 10).unwrap(),
        full_marks: full,
        pass_line: full * 0.6,
        excellent_line: full * 0.85,
        low_score_line: None,
    }
}

fn row(num: &str, school: i64, class: &str, score: Option<f64>) -> ScoreRow {
    ScoreRow {
        student_number: num.into(),
        name: format!("学生{num}"),
        school_id: school,
        class_label: class.into(),
        score,
    }
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol
}

#[test]
fn hand_checked_stats() {
    let t = test_def(100.0);
    assert_eq!(t.low_line(), 40.0);
    let rows = vec![
        row("1", 1, "五(2)班", Some(50.0)),
        row("2", 1, "五(2)班", Some(60.0)),
        row("3", 1, "五(10)班", Some(70.0)),
        row("4", 1, "五(10)班", Some(80.0)),
        row("5", 1, "五(10)班", Some(95.0)),
        row("6", 1, "五(10)班", None),
        row("7", 2, "1班", Some(30.0)),
        row("8", 2, "1班", Some(100.0)),
        row("9", 2, "1班", Some(39.5)),
    ];
    let r = analyse(&t, &rows, &Bands::default()).unwrap();
    let s1 = &r.schools[0].stats;
    assert_eq!((s1.enrolled, s1.count, s1.absent), (6, 5, 1));
    assert_eq!(s1.mean, Some(71.0));
    // Deviations −21, −11, −1, 9, 24: Σ² = 1220, / (5 − 1) = 305.
    assert!(close(s1.sd.unwrap(), 305f64.sqrt(), 1e-12));
    assert_eq!(s1.pass_rate, Some(0.8));
    assert_eq!(s1.excellent_rate, Some(0.2));
    assert_eq!(s1.low_score_rate, Some(0.0));
    assert_eq!((s1.max, s1.min), (Some(95.0), Some(50.0)));
    let counts: Vec<usize> = s1.bands.iter().map(|b| b.count).collect();
    assert_eq!(counts, [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!((s1.bands[5].lower, s1.bands[5].upper), (50.0, 60.0));
    // Natural class order: 五(2)班 before 五(10)班.
    let labels: Vec<&str> = r.schools[0]
        .classes
        .iter()
        .map(|c| c.class_label.as_str())
        .collect();
    assert_eq!(labels, ["五(2)班", "五(10)班"]);
    assert_eq!(r.schools[0].classes[1].stats.absent, 1);

    let s2 = &r.schools[1].stats;
    // 30 and 39.5 are below 40; 100 falls in the last band.
    assert!(close(s2.low_score_rate.unwrap(), 2.0 / 3.0, 1e-12));
    assert_eq!(s2.bands[3].count, 2);
    assert_eq!(s2.bands[9].count, 1);
    assert_eq!(r.overall.count, 8);
    assert_eq!(r.overall.absent, 1);

    // Member school 2 against core school 1.
    let gaps = core_member_gaps(&r, 1).unwrap();
    assert_eq!(gaps.len(), 1);
    let g = &gaps[0];
    assert_eq!(g.school_id, 2);
    assert!(close(g.mean_diff.unwrap(), 169.5 / 3.0 - 71.0, 1e-12));
    assert!(close(g.pass_rate_diff.unwrap(), 1.0 / 3.0 - 0.8, 1e-12));
    assert!(close(g.low_score_rate_diff.unwrap(), 2.0 / 3.0, 1e-12));
    assert!(close(g.mean_ratio.unwrap(), 169.5 / 3.0 / 71.0, 1e-12));
    assert!(core_member_gaps(&r, 99).is_none());
}

#[test]
fn single_score_and_empty_groups() {
    let t = test_def(100.0);
    let rows = vec![row("1", 1, "a", Some(60.0)), row("2", 2, "a", None)];
    let r = analyse(&t, &rows, &Bands::default()).unwrap();
    assert_eq!(r.schools[0].stats.mean, Some(60.0));
    assert_eq!(r.schools[0].stats.sd, None);
    let empty = &r.schools[1].stats;
    assert_eq!((empty.count, empty.mean, empty.pass_rate), (0, None, None));
    assert_eq!(empty.bands.iter().map(|b| b.count).sum::<usize>(), 0);
}

#[test]
fn custom_bands_and_lines() {
    let mut t = test_def(120.0);
    t.low_score_line = Some(36.0);
    let rows = vec![
        row("1", 1, "a", Some(0.0)),
        row("2", 1, "a", Some(35.9)),
        row("3", 1, "a", Some(72.0)),
        row("4", 1, "a", Some(120.0)),
    ];
    let bands = Bands::Edges {
        edges: vec![0.0, 72.0, 102.0, 120.0],
    };
    let r = analyse(&t, &rows, &bands).unwrap();
    let c: Vec<usize> = r.overall.bands.iter().map(|b| b.count).collect();
    assert_eq!(c, [2, 1, 1]);
    assert_eq!(r.overall.low_score_rate, Some(0.5));
    assert!(matches!(
        analyse(
            &t,
            &rows,
            &Bands::Edges {
                edges: vec![0.0, 0.0]
            }
        ),
        Err(AnalyseError::Bands)
    ));
    assert!(matches!(
        analyse(&t, &rows, &Bands::Equal { count: 0 }),
        Err(AnalyseError::Bands)
    ));
    // Equal bands of 30 points: 29 is in band 0, 30 in band 1 (no float drift).
    let b = Bands::Equal { count: 100 }.edges(100.0).unwrap();
    let r = group_stats(&test_def(100.0), &[&row("x", 1, "a", Some(29.0))], &b);
    assert_eq!(r.bands[29].count, 1);
}

#[test]
fn row_errors_have_row_numbers() {
    let t = test_def(100.0);
    let rows = vec![
        row("1", 1, "a", Some(50.0)),
        row("2", 1, "a", Some(105.0)),
        row("3", 1, "a", Some(-1.0)),
        row(" 1 ", 1, "a", Some(10.0)),
        row("", 1, "a", Some(10.0)),
        row("6", 1, "a", Some(f64::NAN)),
    ];
    let errs = validate_rows(&t, &rows).unwrap_err();
    let kinds: Vec<(usize, &RowErrorKind)> = errs.iter().map(|e| (e.row, &e.kind)).collect();
    assert_eq!(kinds.len(), 5);
    assert_eq!(errs[0].to_string(), "第2行：成绩 105 超过满分 100");
    assert_eq!(errs[1].to_string(), "第3行：成绩 -1 为负数");
    assert_eq!(errs[2].to_string(), "第4行：学籍号 1 与第1行重复");
    assert_eq!(errs[3].to_string(), "第5行：缺少学籍号");
    assert_eq!(errs[4].row, 6);
    assert!(matches!(errs[4].kind, RowErrorKind::NotFinite));
    assert!(matches!(
        analyse(&t, &rows, &Bands::default()),
        Err(AnalyseError::Input(InputError::Rows(_)))
    ));
    // Serialises for the import layer.
    let json = serde_json::to_value(&errs[0]).unwrap();
    assert_eq!(json["row"], 2);
    assert_eq!(json["kind"]["error"], "above_full_marks");
}

#[test]
fn test_definition_errors() {
    let mut t = test_def(100.0);
    t.full_marks = 0.0;
    assert!(matches!(t.validate(), Err(TestError::FullMarks { .. })));
    let mut t = test_def(100.0);
    t.pass_line = 101.0;
    t.excellent_line = 102.0;
    assert_eq!(
        t.validate().unwrap_err().to_string(),
        "及格线 101 超出 0–100 的范围"
    );
    let mut t = test_def(100.0);
    t.excellent_line = 50.0;
    assert!(matches!(
        t.validate(),
        Err(TestError::ExcellentBelowPass { .. })
    ));
}

#[test]
fn t_quantiles_match_tables() {
    let table = [
        (1.0, 12.706_204_736),
        (2.0, 4.302_652_730),
        (5.0, 2.570_581_836),
        (9.0, 2.262_157_163),
        (10.0, 2.228_138_852),
        (30.0, 2.042_272_456),
        (100.0, 1.983_971_519),
        (1000.0, 1.962_339_081),
    ];
    for (df, want) in table {
        let got = t_quantile(0.975, df);
        assert!(close(got, want, 1e-6), "df {df}: {got} vs {want}");
        assert!(close(t_cdf(got, df), 0.975, 1e-12));
    }
    assert!(close(t_quantile(0.995, 3.0), 5.840_909_309, 1e-6));
    assert!(close(t_quantile(0.025, 10.0), -2.228_138_852, 1e-6));
    assert!(close(t_quantile(0.975, 1e7), 1.959_963_985, 1e-5));
    assert_eq!(t_quantile(0.5, 4.0), 0.0);
    assert!(t_quantile(1.0, 4.0).is_nan());
    assert!(t_quantile(0.9, 0.0).is_nan());
    // Cauchy (df 1) CDF is 1/2 + atan(t)/π.
    for t in [-3.0, -0.5, 0.3, 2.0, 10.0] {
        let want = 0.5 + f64::atan(t) / std::f64::consts::PI;
        assert!(close(t_cdf(t, 1.0), want, 1e-12));
    }
    assert!(close(ln_gamma(5.0), 24f64.ln(), 1e-12));
    assert!(close(
        ln_gamma(0.5),
        std::f64::consts::PI.sqrt().ln(),
        1e-12
    ));
}

#[test]
fn mean_interval_hand_checked() {
    // Values 1, 2, 3, 4: mean 2.5, sd √(5/3), t(0.975, 3) = 3.182446305.
    let g = mean_interval(7, &[1.0, 2.0, 3.0, 4.0]).unwrap();
    let half = 3.182_446_305 * (5.0f64 / 3.0).sqrt() / 2.0;
    assert!(close(g.value_added, 2.5, 1e-12));
    assert!(close(g.lower.unwrap(), 2.5 - half, 1e-8));
    assert!(close(g.upper.unwrap(), 2.5 + half, 1e-8));
    let one = mean_interval(1, &[0.3]).unwrap();
    assert_eq!((one.sd, one.lower, one.significance()), (None, None, None));
    assert!(mean_interval(1, &[]).is_none());
}

#[test]
fn value_added_exact_line_and_matching() {
    let t = test_def(100.0);
    // Later = 10 + 0.8 × earlier exactly: slope 1 on z, every residual 0.
    let earlier: Vec<ScoreRow> = (0..6)
        .map(|i| {
            row(
                &format!("s{i}"),
                1 + i % 2,
                "a",
                Some(40.0 + 10.0 * i as f64),
            )
        })
        .chain([row("gone", 1, "a", Some(50.0)), row("abs", 1, "a", None)])
        .collect();
    let later: Vec<ScoreRow> = (0..6)
        .map(|i| {
            row(
                &format!("s{i}"),
                1 + i % 2,
                "a",
                Some(10.0 + 0.8 * (40.0 + 10.0 * i as f64)),
            )
        })
        .chain([
            row("new", 1, "a", Some(70.0)),
            row("new2", 2, "a", Some(70.0)),
            row("abs", 1, "a", Some(60.0)),
            row("gone-later", 1, "a", None),
        ])
        .collect();
    let va = value_added((&t, &earlier), (&t, &later), &BTreeMap::new()).unwrap();
    assert_eq!(va.matched, 6);
    assert_eq!(va.unmatched_earlier, 1); // "gone"
    assert_eq!(va.unmatched_later, 3); // "new", "new2", "abs"
    assert_eq!((va.absent_earlier, va.absent_later), (1, 1));
    assert!(close(va.slope, 1.0, 1e-12));
    assert!(close(va.intercept, 0.0, 1e-12));
    assert!(close(va.r_squared, 1.0, 1e-12));
    assert!(va.students.iter().all(|s| s.residual.abs() < 1e-12));
    assert_eq!(va.schools.len(), 2);
    assert!(va.communities.is_empty());
    assert_eq!(va.students[0].student_number, "s0");
}

#[test]
fn value_added_errors() {
    let t = test_def(100.0);
    let few = vec![row("1", 1, "a", Some(1.0)), row("2", 1, "a", Some(2.0))];
    assert!(matches!(
        value_added((&t, &few), (&t, &few), &BTreeMap::new()),
        Err(ValueAddedError::TooFewMatched { matched: 2 })
    ));
    let flat: Vec<ScoreRow> = (0..5)
        .map(|i| row(&i.to_string(), 1, "a", Some(50.0)))
        .collect();
    let ok: Vec<ScoreRow> = (0..5)
        .map(|i| row(&i.to_string(), 1, "a", Some(50.0 + i as f64)))
        .collect();
    assert!(matches!(
        value_added((&t, &flat), (&t, &ok), &BTreeMap::new()),
        Err(ValueAddedError::NoVariance {
            which: Which::Earlier
        })
    ));
    let mut bad = ok.clone();
    bad[3].score = Some(101.0);
    let e = value_added((&t, &ok), (&t, &bad), &BTreeMap::new()).unwrap_err();
    assert!(e.to_string().starts_with("后测："), "{e}");
    assert!(e.to_string().contains("第4行"), "{e}");
    let json = serde_json::to_value(&e).unwrap();
    assert_eq!(json["which"], "later");
    assert_eq!(json["input"]["error"], "rows");
    assert_eq!(json["input"]["detail"][0]["row"], 4);
    let back: ValueAddedError = serde_json::from_value(json).unwrap();
    assert_eq!(back, e);
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box–Muller.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos()
}

type Cohort = (UnifiedTest, Vec<ScoreRow>, Vec<ScoreRow>);

/// Three schools of 200 students with planted effects (in units of the noise-free later SD):
/// later = 0.8 · earlier + effect + 0.6 · noise.
fn cohort(seed: u64, effects: &[(i64, f64)]) -> Cohort {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let t = test_def(120.0);
    let mut earlier = Vec::new();
    let mut later = Vec::new();
    for &(school, effect) in effects {
        for i in 0..200 {
            let num = format!("{school}-{i:03}");
            let ability = normal(&mut rng);
            let next = 0.8 * ability + effect + 0.6 * normal(&mut rng);
            let class = format!("{}班", i % 4 + 1);
            earlier.push(row(&num, school, &class, Some(60.0 + 12.0 * ability)));
            later.push(row(&num, school, &class, Some(60.0 + 12.0 * next)));
        }
    }
    (t, earlier, later)
}

const EFFECTS: [(i64, f64); 3] = [(1, 0.3), (2, 0.0), (3, -0.2)];

/// What the method should find for each planted effect: relative to the cohort and in later-SD units,
/// (effect − mean effect) / √(0.8² + 0.6² + var(effects)).
fn expected(effect: f64) -> f64 {
    let mean_effect = EFFECTS.iter().map(|e| e.1).sum::<f64>() / 3.0;
    let var_effects = EFFECTS
        .iter()
        .map(|e| (e.1 - mean_effect).powi(2))
        .sum::<f64>()
        / 3.0;
    (effect - mean_effect) / (0.8f64.powi(2) + 0.6f64.powi(2) + var_effects).sqrt()
}

/// The planted effects +0.3, 0, −0.2 are recovered, each within its school's 95% interval.
#[test]
fn synthetic_cohort_recovers_planted_effects() {
    let effects = EFFECTS;
    let (t, mut earlier, mut later) = cohort(20250110, &effects);
    // A few absent and unmatched students do not disturb the method.
    earlier[5].score = None;
    later.push(row("transfer-in", 2, "1班", Some(70.0)));
    let communities = BTreeMap::from([(1, 100), (2, 100), (3, 200)]);
    let va = value_added((&t, &earlier), (&t, &later), &communities).unwrap();
    assert_eq!(va.matched, 599);
    assert_eq!(va.unmatched_later, 2);
    assert_eq!(va.absent_earlier, 1);

    let later_sd = later_sd();
    for (g, &(school, effect)) in va.schools.iter().zip(&effects) {
        assert_eq!(g.id, school);
        let expected = expected(effect);
        let (lo, hi) = (g.lower.unwrap(), g.upper.unwrap());
        assert!(
            lo <= expected && expected <= hi,
            "school {school}: {expected} not in [{lo}, {hi}]"
        );
        assert!(close(g.value_added, expected, 0.1));
        // Half-width ≈ 1.97 × 0.6 / 1.02 / √200 ≈ 0.08.
        assert!(hi - lo < 0.2);
    }
    assert_eq!(
        va.schools[0].significance(),
        Some(std::cmp::Ordering::Greater)
    );
    assert_eq!(va.schools[2].significance(), Some(std::cmp::Ordering::Less));
    // Slope ≈ corr(earlier, later) = 0.8 / later_sd.
    assert!(close(va.slope, 0.8 / later_sd, 0.06), "slope {}", va.slope);
    // Communities: 100 = schools 1 and 2, 200 = school 3.
    assert_eq!(va.communities.len(), 2);
    assert_eq!(va.communities[0].n, 399);
    let c100 = (va.schools[0].value_added * va.schools[0].n as f64
        + va.schools[1].value_added * va.schools[1].n as f64)
        / 399.0;
    assert!(close(va.communities[0].value_added, c100, 1e-12));
    assert!(close(
        va.communities[1].value_added,
        va.schools[2].value_added,
        1e-12
    ));
    // Residuals sum to zero over the cohort.
    assert!(va.students.iter().map(|s| s.residual).sum::<f64>().abs() < 1e-9);
}

fn later_sd() -> f64 {
    // expected(e) = (e − mean) / sd, so sd = 1 / (expected(1) − expected(0)).
    1.0 / (expected(1.0) - expected(0.0))
}

/// Over 20 seeds (60 school intervals) the 95% intervals cover the planted effect at least about 95% of the time.
/// (Slightly more in fact: with three equal schools, centring on the cohort removes a third of each school mean's
/// variance, so a nominal 95% interval covers about 98%; 60 of 60 is typical.)
#[test]
fn synthetic_interval_coverage() {
    let mut covered = 0;
    let mut total = 0;
    for seed in 0..20 {
        let (t, earlier, later) = cohort(seed, &EFFECTS);
        let va = value_added((&t, &earlier), (&t, &later), &BTreeMap::new()).unwrap();
        for (g, &(_, effect)) in va.schools.iter().zip(&EFFECTS) {
            total += 1;
            let e = expected(effect);
            if g.lower.unwrap() <= e && e <= g.upper.unwrap() {
                covered += 1;
            }
        }
    }
    assert_eq!(total, 60);
    // Binomial(60, 0.95) has mean 57 and sd 1.7; at least 52 is a loose floor.
    assert!(covered >= 52, "covered {covered} of 60");
}

fn arb_rows() -> impl Strategy<Value = (f64, Vec<ScoreRow>)> {
    (1.0..200.0f64).prop_flat_map(|full| {
        let r = (
            0..4_i64,
            0..3_u8,
            proptest::option::weighted(0.9, 0.0..=1.0f64),
        );
        (Just(full), proptest::collection::vec(r, 0..60)).prop_map(|(full, v)| {
            let rows = v
                .into_iter()
                .enumerate()
                .map(|(i, (school, class, frac))| {
                    row(
                        &i.to_string(),
                        school,
                        &format!("{class}班"),
                        frac.map(|f| f * full),
                    )
                })
                .collect();
            (full, rows)
        })
    })
}

fn check(g: &GroupStats) -> Result<(), TestCaseError> {
    for r in [g.pass_rate, g.excellent_rate, g.low_score_rate]
        .into_iter()
        .flatten()
    {
        prop_assert!((0.0..=1.0).contains(&r));
    }
    prop_assert_eq!(g.bands.iter().map(|b| b.count).sum::<usize>(), g.count);
    prop_assert_eq!(g.count + g.absent, g.enrolled);
    if let (Some(m), Some(lo), Some(hi)) = (g.mean, g.min, g.max) {
        prop_assert!(lo - 1e-9 <= m && m <= hi + 1e-9);
    }
    Ok(())
}

proptest! {
    #[test]
    fn rates_in_unit_interval_and_bands_sum((full, rows) in arb_rows(), nb in 1usize..15) {
        let t = test_def(full);
        let r = analyse(&t, &rows, &Bands::Equal { count: nb }).unwrap();
        check(&r.overall)?;
        let mut total = 0;
        for s in &r.schools {
            check(&s.stats)?;
            total += s.stats.enrolled;
            prop_assert_eq!(s.classes.iter().map(|c| c.stats.enrolled).sum::<usize>(), s.stats.enrolled);
            for c in &s.classes {
                check(&c.stats)?;
            }
        }
        prop_assert_eq!(total, rows.len());
    }

    #[test]
    fn t_quantile_inverts_cdf(p in 0.001..0.999f64, df in 0.5..500.0f64) {
        let q = t_quantile(p, df);
        prop_assert!((t_cdf(q, df) - p).abs() < 1e-10);
    }
}
