use super::*;
use proptest::prelude::*;

fn moves_of(p: &Plan) -> Vec<(String, String)> {
    p.moves
        .iter()
        .map(|m| (m.teacher.clone(), m.to.clone()))
        .collect()
}

/// Violations the plan did not declare infeasible.
fn undeclared(p: &Plan, v: &[String]) -> Vec<String> {
    let share_declared = p.infeasibilities.iter().any(|n| n.contains("骨干"));
    v.iter()
        .filter(|x| !(share_declared && x.starts_with("backbone")))
        .cloned()
        .collect()
}

fn enforced(p: &Plan) -> BTreeMap<String, u32> {
    p.quotas
        .iter()
        .map(|q| (q.school.clone(), q.enforced))
        .collect()
}

/// Small instance: 3 schools, `nt` teachers.
fn small(seed: u64, nt: usize) -> PlanInput {
    let mut inp = synthetic::district(seed, 3, nt);
    for (i, s) in inp.schools.iter_mut().enumerate() {
        s.parts = vec![StagePart {
            stage: BalanceStage::Primary,
            enrolment: 100 + 150 * i as u32,
        }];
    }
    inp.schools[0].strong = true;
    for t in inp.teachers.iter_mut() {
        t.stage = BalanceStage::Primary;
        t.exemptions = Exemptions::default();
        t.years_at_school = t.years_at_school.max(3);
    }
    inp.teachers.truncate(nt);
    for t in inp.teachers.iter_mut().step_by(3) {
        t.backbone = BackboneLevel::County;
        t.years_at_school = 10;
    }
    inp
}

fn brute_force(input: &PlanInput, quotas: &BTreeMap<String, u32>) -> Option<f64> {
    let nt = input.teachers.len();
    let ns = input.schools.len();
    let mut best: Option<f64> = None;
    let total = (ns + 1).pow(nt as u32);
    for code in 0..total {
        let mut c = code;
        let mut mv = Vec::new();
        for t in 0..nt {
            let d = c % (ns + 1);
            c /= ns + 1;
            if d > 0 {
                mv.push((
                    input.teachers[t].id.clone(),
                    input.schools[d - 1].id.clone(),
                ));
            }
        }
        let e = evaluate_moves(input, &mv, Some(quotas)).unwrap();
        if e.violations.is_empty() && best.is_none_or(|b| e.objective < b) {
            best = Some(e.objective);
        }
    }
    best
}

#[test]
fn small_instances_against_brute_force() {
    let mut checked = 0;
    for seed in 0..50u64 {
        let nt = 5 + (seed as usize % 4);
        let inp = small(seed / 2, nt);
        // both couplings of the bound: by part counts (default) and per class and destination
        let p = plan(
            &inp,
            &PlanOptions {
                seed,
                rounds: 20,
                aggregate_bound: seed % 2 == 0,
                ..PlanOptions::default()
            },
        )
        .unwrap();
        let q = enforced(&p);
        let e = evaluate_moves(&inp, &moves_of(&p), Some(&q)).unwrap();
        assert!(
            undeclared(&p, &e.violations).is_empty(),
            "{:?}",
            e.violations
        );
        assert!((e.objective - p.objective.total).abs() < 1e-9);
        if !p.infeasibilities.is_empty() {
            continue;
        }
        if let Some(opt) = brute_force(&inp, &q) {
            checked += 1;
            assert!(
                p.lower_bound <= opt + 1e-9,
                "seed {seed}: bound {} > optimum {opt}",
                p.lower_bound
            );
            assert!(p.objective.total >= opt - 1e-9);
            assert!(
                p.objective.total <= opt + 1e-9,
                "seed {seed}: plan {} misses the optimum {opt}",
                p.objective.total
            );
            assert!(p.objective.total - opt <= p.objective.total - p.lower_bound + 1e-9);
            // the Lagrangian bound alone (no search) is valid too
            let lb = lower_bound(&inp).unwrap();
            assert!(
                lb <= opt + 1e-9,
                "seed {seed}: lower_bound() {lb} > optimum {opt}"
            );
        }
    }
    assert!(checked >= 3, "{checked}");
}

/// The coverage rule binds with several holders per subject: two subjects shared by everybody and a high quota.
/// The bound (with the coverage caps in the subject network) stays below the brute-force optimum.
#[test]
fn coverage_bound_against_brute_force() {
    let mut checked = 0;
    for seed in 0..12u64 {
        let nt = 6 + (seed as usize % 3);
        let mut inp = small(seed, nt);
        inp.policy.quota_share = 0.6;
        for (k, t) in inp.teachers.iter_mut().enumerate() {
            t.years_at_school = 10;
            t.subjects = match k % 3 {
                0 => vec!["语文".into()],
                1 => vec!["数学".into()],
                _ => vec!["数学".into(), "语文".into()],
            };
        }
        let p = plan(
            &inp,
            &PlanOptions {
                seed,
                rounds: 5,
                polish_cycles: 2,
                polish_rounds: 3,
                ..PlanOptions::default()
            },
        )
        .unwrap();
        let q = enforced(&p);
        let e = evaluate_moves(&inp, &moves_of(&p), Some(&q)).unwrap();
        assert!(
            undeclared(&p, &e.violations).is_empty(),
            "{:?}",
            e.violations
        );
        if let Some(opt) = brute_force(&inp, &q) {
            checked += 1;
            assert!(
                p.lower_bound <= opt + 1e-9,
                "seed {seed}: bound {} > optimum {opt}",
                p.lower_bound
            );
            assert!(p.objective.total >= opt - 1e-9);
        }
    }
    assert!(checked >= 6, "{checked}");
}

#[test]
fn cv_matches_balance_engine() {
    let inp = synthetic::district(5, 12, 300);
    let p = plan(
        &inp,
        &PlanOptions {
            seed: 5,
            rounds: 3,
            bound_iterations: 30,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    let e = evaluate_moves(&inp, &moves_of(&p), Some(&enforced(&p))).unwrap();
    assert!(e.violations.is_empty(), "{:?}", e.violations);
    assert!(
        (e.objective - p.objective.total).abs() < 1e-9,
        "{} vs {}",
        e.objective,
        p.objective.total
    );
    for c in &p.cv {
        let x =
            e.cv.iter()
                .find(|x| x.0 == c.stage && x.1 == c.indicator)
                .unwrap();
        assert!((x.2 - c.after).abs() < 1e-12);
    }
    assert!(p.lower_bound <= p.objective.total);
}

#[test]
fn locks_and_forbids_are_kept() {
    let mut inp = synthetic::district(9, 12, 250);
    let m = Model::new(&inp).unwrap();
    let t = (0..m.nt)
        .find(|&t| m.t_free[t] && !m.t_dests[t].is_empty())
        .unwrap();
    let to = inp.schools[m.t_dests[t][0]].id.clone();
    inp.locks.push(Lock {
        teacher: inp.teachers[t].id.clone(),
        to: to.clone(),
        term_years: Some(2),
    });
    let forb: Vec<String> = inp
        .teachers
        .iter()
        .filter(|x| x.backbone.counts())
        .take(5)
        .map(|x| x.id.clone())
        .collect();
    for f in &forb {
        inp.forbids.push(Forbid::Teacher { teacher: f.clone() });
    }
    let p = plan(
        &inp,
        &PlanOptions {
            seed: 1,
            rounds: 3,
            bound_iterations: 30,
            ..PlanOptions::default()
        },
    )
    .unwrap();
    let mv = p
        .moves
        .iter()
        .find(|x| x.teacher == inp.teachers[t].id)
        .unwrap();
    assert_eq!(
        (mv.to.as_str(), mv.term_years, mv.locked),
        (to.as_str(), 2, true)
    );
    assert!(p.moves.iter().all(|x| !forb.contains(&x.teacher)));
    let e = evaluate_moves(&inp, &moves_of(&p), Some(&enforced(&p))).unwrap();
    assert!(e.violations.is_empty(), "{:?}", e.violations);
    // a lock of an ineligible teacher is refused
    let mut bad = inp.clone();
    let u = bad
        .teachers
        .iter()
        .position(|x| x.years_at_school < 6)
        .unwrap();
    bad.locks = vec![Lock {
        teacher: bad.teachers[u].id.clone(),
        to,
        term_years: None,
    }];
    assert!(matches!(
        plan(&bad, &PlanOptions::default()),
        Err(PlanError::InvalidLock { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, max_shrink_iters: 20, rng_seed: proptest::test_runner::RngSeed::Fixed(20_240_901), ..ProptestConfig::default() })]
    #[test]
    fn plans_obey_hard_rules_and_beat_empty(seed in 0u64..10_000, nt in 60usize..260, ns in 4usize..14, required in any::<bool>(), maxkm in prop::option::of(5.0f64..40.0), cap in prop::option::of(1u32..6)) {
        let mut inp = synthetic::district(seed, ns, nt);
        inp.policy.community = if required { CommunityRule::Required } else { CommunityRule::Preferred };
        inp.policy.max_distance_km = maxkm;
        inp.policy.max_incoming_per_school = cap;
        let opts = PlanOptions { seed, rounds: 3, bound_iterations: 8, polish_cycles: 1, polish_rounds: 2, ..PlanOptions::default() };
        let p = plan(&inp, &opts).unwrap();
        let q = enforced(&p);
        let e = evaluate_moves(&inp, &moves_of(&p), Some(&q)).unwrap();
        prop_assert!(undeclared(&p, &e.violations).is_empty(), "{:?}", e.violations);
        prop_assert!((e.objective - p.objective.total).abs() < 1e-9);
        for qq in &p.quotas {
            prop_assert!(qq.sent >= qq.enforced);
            if qq.enforced < qq.required {
                prop_assert!(p.infeasibilities.iter().any(|n| n.contains(&qq.school)));
            }
        }
        prop_assert!(p.lower_bound <= p.objective.total + 1e-9);
        let empty = evaluate_moves(&inp, &[], None).unwrap();
        if empty.violations.is_empty() {
            prop_assert!(p.objective.total <= empty.objective + 1e-9);
        }
        let p2 = plan(&inp, &opts).unwrap();
        prop_assert_eq!(&p, &p2);
        let g = greedy_baseline(&inp).unwrap();
        let ge = evaluate_moves(&inp, &moves_of(&g), Some(&enforced(&g))).unwrap();
        let share_declared = g.infeasibilities.iter().any(|n| n.contains("骨干"));
        prop_assert!(ge.violations.iter().all(|x| share_declared && x.starts_with("backbone")), "greedy {:?}", ge.violations);
    }
}

/// The gap requirement on generated instances of 100 and 200 teachers (500 is in the benchmark).
#[test]
fn gap_is_small_on_generated_instances() {
    // seed 8: a small rural school whose teachers are each the only one of their subject (the coverage rule
    // keeps them home; a bound relaxing that rule was 55% off there)
    for (nt, ns, seed) in [(100usize, 4usize, 7u64), (100, 4, 8), (200, 8, 7)] {
        let inp = synthetic::district(seed, ns, nt);
        let p = plan(
            &inp,
            &PlanOptions {
                seed,
                rounds: 30,
                bound_iterations: 300,
                polish_cycles: 2,
                ..PlanOptions::default()
            },
        )
        .unwrap();
        assert!(p.lower_bound <= p.objective.total);
        assert!(p.gap <= 0.01, "{nt} teachers: gap {}", p.gap);
        let empty = evaluate_moves(&inp, &[], None).unwrap();
        assert!(p.objective.total <= empty.objective);
    }
}
