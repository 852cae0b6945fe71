//! Property tests: every proposal obeys every hard rule, is deterministic, and — on instances small
//! enough to enumerate — is optimal for the model (checked against an independent brute force).

use gongjin_domain::{Locality, Stage};
use gongjin_grouping::*;
use proptest::prelude::*;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{HashMap, HashSet};

#[derive(Debug, Clone)]
struct Instance {
    schools: Vec<SchoolInput>,
    existing: Vec<ExistingCommunity>,
    rules: Rules,
}

fn instance(seed: u64, max_n: usize) -> Instance {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let n = rng.random_range(1..=max_n);
    let mut ids: Vec<i64> = (1..=(3 * max_n as i64)).collect();
    ids.shuffle(&mut rng);
    let schools: Vec<SchoolInput> = ids[..n]
        .iter()
        .map(|&id| SchoolInput {
            id,
            name: format!("S{id}"),
            stage: Stage::ALL[rng.random_range(0..4)],
            locality: Locality::Rural,
            public: rng.random_bool(0.85),
            lon: 120.0 + rng.random_range(0.0..0.4),
            lat: 30.0 + rng.random_range(0.0..0.4),
            enrolment: 100,
            strength: (rng.random_range(0.0..100.0f64) * 10.0).round() / 10.0,
            may_lead: rng.random_bool(0.4),
            region_id: if rng.random_bool(0.1) {
                3
            } else {
                rng.random_range(1..=2)
            },
        })
        .collect();
    let mut existing = Vec::new();
    if n >= 2 && rng.random_bool(0.3) {
        let mut pick: Vec<i64> = schools.iter().map(|s| s.id).collect();
        pick.shuffle(&mut rng);
        let k = rng.random_range(0..=2.min(n - 1));
        existing.push(ExistingCommunity {
            core: pick[0],
            members: pick[1..=k].to_vec(),
        });
    }
    let shares = [0.0, 0.25, 0.5, 1.0];
    let leaders = match rng.random_range(0..3) {
        0 => LeaderRule::Strongest {
            top_share: shares[rng.random_range(0..4)],
        },
        1 => LeaderRule::Marked,
        _ => LeaderRule::Either {
            top_share: shares[rng.random_range(0..4)],
        },
    };
    let weights = [0.0, 0.5, 1.0, 2.0];
    let road_km = rng.random_bool(0.3).then(|| {
        let mut t = HashMap::new();
        for a in &schools {
            for b in &schools {
                if a.id < b.id && rng.random_bool(0.5) {
                    let d = gongjin_grouping::geo::haversine_km(a.lon, a.lat, b.lon, b.lat);
                    let key = if rng.random_bool(0.5) {
                        (a.id, b.id)
                    } else {
                        (b.id, a.id)
                    };
                    t.insert(key, d * rng.random_range(1.0..1.8));
                }
            }
        }
        t
    });
    let rules = Rules {
        max_members: rng.random_range(1..=3),
        max_km: [15.0, 25.0, 40.0][rng.random_range(0..3)],
        road_km,
        leaders,
        weight_km: weights[rng.random_range(0..4)],
        weight_lift: weights[rng.random_range(0..4)],
        fill_existing: rng.random_bool(0.5),
        cross_region: rng.random_bool(0.3).then_some((1, 2)),
    };
    Instance {
        schools,
        existing,
        rules,
    }
}

// ---------- an independent statement of the model ----------

fn parts(s: Stage) -> (bool, bool) {
    match s {
        Stage::Primary => (true, false),
        Stage::Junior => (false, true),
        Stage::NineYear | Stage::TwelveYear => (true, true),
    }
}

fn stage_ok(a: Stage, b: Stage) -> bool {
    let (pa, ja) = parts(a);
    let (pb, jb) = parts(b);
    (pa && pb) || (ja && jb)
}

fn in_scope(s: &SchoolInput, r: &Rules) -> bool {
    r.cross_region
        .is_none_or(|(a, b)| s.region_id == a || s.region_id == b)
}

/// Leader-eligible free schools (ids), recomputed from the rule's definition.
fn leader_ids(inst: &Instance) -> HashSet<i64> {
    let kept: HashSet<i64> = inst
        .existing
        .iter()
        .flat_map(|c| std::iter::once(c.core).chain(c.members.iter().copied()))
        .collect();
    let r = &inst.rules;
    let pool: Vec<&SchoolInput> = inst
        .schools
        .iter()
        .filter(|s| s.public && in_scope(s, r) && !kept.contains(&s.id))
        .filter(|s| r.cross_region.is_none_or(|(a, _)| s.region_id == a))
        .collect();
    let mut out = HashSet::new();
    let share = match r.leaders {
        LeaderRule::Strongest { top_share } | LeaderRule::Either { top_share } => top_share,
        LeaderRule::Marked => 0.0,
    };
    let k = (share * pool.len() as f64 - 1e-9).ceil().max(0.0) as usize;
    let mut by = pool.clone();
    by.sort_by(|a, b| b.strength.total_cmp(&a.strength).then(a.id.cmp(&b.id)));
    out.extend(by.iter().take(k).map(|s| s.id));
    if !matches!(r.leaders, LeaderRule::Strongest { .. }) {
        out.extend(pool.iter().filter(|s| s.may_lead).map(|s| s.id));
    }
    out
}

/// Capacity of every school that may receive new members.
fn receivers(inst: &Instance) -> HashMap<i64, usize> {
    let r = &inst.rules;
    let by_id: HashMap<i64, &SchoolInput> = inst.schools.iter().map(|s| (s.id, s)).collect();
    let mut cap: HashMap<i64, usize> = leader_ids(inst)
        .into_iter()
        .map(|id| (id, r.max_members))
        .collect();
    if r.fill_existing {
        for c in &inst.existing {
            let s = by_id[&c.core];
            let region_ok = r.cross_region.is_none_or(|(a, _)| s.region_id == a);
            let spare = r.max_members.saturating_sub(c.members.len());
            if s.public && region_ok && spare > 0 {
                cap.insert(c.core, spare);
            }
        }
    }
    cap
}

fn members_pool(inst: &Instance) -> Vec<i64> {
    let r = &inst.rules;
    let kept: HashSet<i64> = inst
        .existing
        .iter()
        .flat_map(|c| std::iter::once(c.core).chain(c.members.iter().copied()))
        .collect();
    let leaders = leader_ids(inst);
    let mut v: Vec<i64> = inst
        .schools
        .iter()
        .filter(|s| s.public && in_scope(s, r) && !kept.contains(&s.id) && !leaders.contains(&s.id))
        .filter(|s| r.cross_region.is_none_or(|(_, b)| s.region_id == b))
        .map(|s| s.id)
        .collect();
    v.sort();
    v
}

fn pair_allowed(inst: &Instance, core: &SchoolInput, member: &SchoolInput) -> Option<f64> {
    let r = &inst.rules;
    if !stage_ok(core.stage, member.stage) {
        return None;
    }
    if let Some((a, b)) = r.cross_region
        && (core.region_id != a || member.region_id != b)
    {
        return None;
    }
    let (km, _) = distance_km(core, member, r);
    (km <= r.max_km).then_some(km)
}

/// (covered eligible schools, objective) of an assignment member → core.
fn evaluate(inst: &Instance, assign: &HashMap<i64, i64>) -> (usize, f64) {
    let r = &inst.rules;
    let by_id: HashMap<i64, &SchoolInput> = inst.schools.iter().map(|s| (s.id, s)).collect();
    let mut covered: HashSet<i64> = HashSet::new();
    let mut objective = 0.0;
    for (&m, &c) in assign {
        covered.insert(m);
        covered.insert(c);
        let (cs, ms) = (by_id[&c], by_id[&m]);
        let (km, _) = distance_km(cs, ms, r);
        objective += r.weight_km * km - r.weight_lift * (cs.strength - ms.strength).max(0.0);
    }
    for c in &inst.existing {
        if !c.members.is_empty() {
            covered.insert(c.core);
            covered.extend(c.members.iter().copied());
        }
    }
    let n = covered
        .iter()
        .filter(|id| by_id[id].public && in_scope(by_id[id], r))
        .count();
    (n, objective)
}

/// Best (covered, objective) over every feasible assignment.
fn brute_force(inst: &Instance) -> (usize, f64) {
    let by_id: HashMap<i64, &SchoolInput> = inst.schools.iter().map(|s| (s.id, s)).collect();
    let cap = receivers(inst);
    let mut cores: Vec<i64> = cap.keys().copied().collect();
    cores.sort();
    let members = members_pool(inst);
    let options: Vec<Vec<i64>> = members
        .iter()
        .map(|m| {
            cores
                .iter()
                .copied()
                .filter(|c| pair_allowed(inst, by_id[c], by_id[m]).is_some())
                .collect()
        })
        .collect();
    let mut best = (0usize, f64::INFINITY);
    let mut used: HashMap<i64, usize> = HashMap::new();
    let mut assign = HashMap::new();
    #[allow(clippy::too_many_arguments)]
    fn rec(
        i: usize,
        inst: &Instance,
        members: &[i64],
        options: &[Vec<i64>],
        cap: &HashMap<i64, usize>,
        used: &mut HashMap<i64, usize>,
        assign: &mut HashMap<i64, i64>,
        best: &mut (usize, f64),
    ) {
        if i == members.len() {
            let (c, o) = evaluate(inst, assign);
            if c > best.0 || (c == best.0 && o < best.1) {
                *best = (c, o);
            }
            return;
        }
        rec(i + 1, inst, members, options, cap, used, assign, best);
        for &c in &options[i] {
            let u = used.entry(c).or_default();
            if *u < cap[&c] {
                *u += 1;
                assign.insert(members[i], c);
                rec(i + 1, inst, members, options, cap, used, assign, best);
                assign.remove(&members[i]);
                *used.get_mut(&c).unwrap() -= 1;
            }
        }
    }
    rec(
        0,
        inst,
        &members,
        &options,
        &cap,
        &mut used,
        &mut assign,
        &mut best,
    );
    best
}

/// Every hard rule, checked on a proposal. Returns the new assignments (member → core).
fn check_rules(inst: &Instance, p: &Proposal) -> HashMap<i64, i64> {
    let r = &inst.rules;
    let by_id: HashMap<i64, &SchoolInput> = inst.schools.iter().map(|s| (s.id, s)).collect();
    let kept: HashMap<i64, &ExistingCommunity> =
        inst.existing.iter().map(|c| (c.core, c)).collect();
    let leaders = leader_ids(inst);
    let members_pool: HashSet<i64> = members_pool(inst).into_iter().collect();
    let mut seen = HashSet::new();
    let mut new_pairs = HashMap::new();
    let mut covered = HashSet::new();
    assert!(
        p.communities.windows(2).all(|w| w[0].core < w[1].core),
        "sorted by core"
    );
    for c in &p.communities {
        assert!(seen.insert(c.core), "school {} twice", c.core);
        let core = by_id[&c.core];
        assert!(c.members.windows(2).all(|w| w[0].school < w[1].school));
        let kept_members: Vec<i64> = c
            .members
            .iter()
            .filter(|a| a.kept)
            .map(|a| a.school)
            .collect();
        let fresh: Vec<&Assignment> = c.members.iter().filter(|a| !a.kept).collect();
        match kept.get(&c.core) {
            Some(k) => {
                assert!(c.existing);
                let mut want = k.members.clone();
                want.sort();
                assert_eq!(kept_members, want, "kept community {} changed", c.core);
                if !fresh.is_empty() {
                    assert!(r.fill_existing && core.public);
                    assert!(
                        c.members.len() <= r.max_members,
                        "overfilled kept community"
                    );
                }
            }
            None => {
                assert!(!c.existing && kept_members.is_empty());
                assert!(
                    (1..=r.max_members).contains(&c.members.len()),
                    "1..=X members"
                );
                assert!(leaders.contains(&c.core), "core {} may not lead", c.core);
            }
        }
        for a in &c.members {
            assert!(seen.insert(a.school), "school {} twice", a.school);
        }
        if !c.members.is_empty() {
            covered.insert(c.core);
            covered.extend(c.members.iter().map(|a| a.school));
        }
        for a in fresh {
            let m = by_id[&a.school];
            assert!(core.public && m.public, "private school grouped");
            assert!(
                members_pool.contains(&a.school),
                "{} may not be a member",
                a.school
            );
            assert!(stage_ok(core.stage, m.stage), "stage");
            let km = pair_allowed(inst, core, m).expect("pair breaks max_km / stage / region");
            assert!((a.km - km).abs() < 1e-9);
            assert!((a.lift - (core.strength - m.strength).max(0.0)).abs() < 1e-9);
            if let Some((ra, rb)) = r.cross_region {
                assert_eq!((core.region_id, m.region_id), (ra, rb));
            }
            assert!(a.reason.contains("公里") && a.reason.contains("学段相容"));
            new_pairs.insert(a.school, c.core);
        }
    }
    for k in &inst.existing {
        assert!(
            p.communities.iter().any(|c| c.core == k.core && c.existing),
            "kept community dropped"
        );
    }
    // Every school is either in a community or reported uncovered, never both.
    // The one exception: the core of a kept community without members is listed (kept) and
    // reported uncovered (it covers nobody).
    for u in &p.uncovered {
        let empty_kept = p
            .communities
            .iter()
            .any(|c| c.core == u.school && c.members.is_empty());
        assert_eq!(
            empty_kept,
            u.reason == UncoveredReason::ExistingCommunityWithoutMembers
        );
        assert!(
            empty_kept || seen.insert(u.school),
            "school {} both grouped and uncovered",
            u.school
        );
        assert!(!u.explanation.is_empty());
        if !by_id[&u.school].public && !empty_kept {
            assert_eq!(u.reason, UncoveredReason::Private);
        }
    }
    assert_eq!(seen.len(), inst.schools.len(), "every school accounted for");
    let eligible = inst
        .schools
        .iter()
        .filter(|s| s.public && in_scope(s, r))
        .count();
    assert_eq!(p.eligible, eligible);
    let cov = covered
        .iter()
        .filter(|id| by_id[id].public && in_scope(by_id[id], r))
        .count();
    assert_eq!(p.covered, cov);
    new_pairs
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    #[test]
    fn optimal_against_brute_force(seed in any::<u64>()) {
        let inst = instance(seed, 8);
        let p = recommend(&inst.schools, &inst.existing, &inst.rules).unwrap();
        let assign = check_rules(&inst, &p);
        let (cov, obj) = evaluate(&inst, &assign);
        prop_assert_eq!(cov, p.covered);
        prop_assert!((obj - p.objective).abs() < 1e-6);
        let (best_cov, best_obj) = brute_force(&inst);
        prop_assert_eq!(p.covered, best_cov, "coverage not maximal");
        // Costs are rounded to 1e-6 per pair inside the solver.
        prop_assert!(p.objective <= best_obj + 1e-5, "objective {} > optimum {}", p.objective, best_obj);
        prop_assert!(p.objective >= best_obj - 1e-5, "objective {} below the optimum {}?", p.objective, best_obj);
    }

    #[test]
    fn hard_rules_and_determinism_on_larger_instances(seed in any::<u64>()) {
        let inst = instance(seed, 40);
        let p = recommend(&inst.schools, &inst.existing, &inst.rules).unwrap();
        check_rules(&inst, &p);
        let again = recommend(&inst.schools, &inst.existing, &inst.rules).unwrap();
        prop_assert_eq!(&p, &again);
        let mut shuffled = inst.clone();
        shuffled.schools.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5eed));
        shuffled.existing.reverse();
        let other = recommend(&shuffled.schools, &shuffled.existing, &shuffled.rules).unwrap();
        prop_assert_eq!(&p, &other);
    }
}
