//! Seeded synthetic districts for tests and benchmarks (no IO).

use std::collections::BTreeMap;

use gongjin_balance::{BalanceRules, BalanceStage};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::{
    BackboneLevel, CommunityRule, Exemptions, Locality, PlanInput, Policy, School, StagePart,
    Teacher, Weights,
};

const SUBJECTS: [&str; 9] = [
    "语文",
    "数学",
    "英语",
    "科学",
    "体育",
    "音乐",
    "美术",
    "道德与法治",
    "信息技术",
];

/// A district of `n_schools` schools and about `n_teachers` teachers: a few strong urban schools rich in
/// backbone and degree teachers, town and rural schools poorer; ~1/6 nine-year schools; communities of
/// 1 core + 2 members.
pub fn district(seed: u64, n_schools: usize, n_teachers: usize) -> PlanInput {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut schools = Vec::new();
    let mut weights_t = Vec::new();
    for i in 0..n_schools {
        let r: f64 = rng.random();
        let locality = if i % 5 == 0 {
            Locality::Urban
        } else if r < 0.4 {
            Locality::Town
        } else {
            Locality::Rural
        };
        let strong = locality == Locality::Urban && rng.random_bool(0.7);
        let kind = i % 6; // 0..=3 primary, 4 junior, 5 nine-year
        let base: u32 = match locality {
            Locality::Urban => rng.random_range(900..2000),
            Locality::Town => rng.random_range(300..900),
            Locality::Rural => rng.random_range(60..400),
        };
        let parts = match kind {
            4 => vec![StagePart {
                stage: BalanceStage::Junior,
                enrolment: base,
            }],
            5 => vec![
                StagePart {
                    stage: BalanceStage::Primary,
                    enrolment: base * 2 / 3,
                },
                StagePart {
                    stage: BalanceStage::Junior,
                    enrolment: base / 3,
                },
            ],
            _ => vec![StagePart {
                stage: BalanceStage::Primary,
                enrolment: base,
            }],
        };
        let mut shortages = BTreeMap::new();
        let mut surpluses = BTreeMap::new();
        if locality != Locality::Urban && rng.random_bool(0.6) {
            shortages.insert(
                SUBJECTS[rng.random_range(0..SUBJECTS.len())].to_string(),
                rng.random_range(1..3),
            );
        } else if rng.random_bool(0.5) {
            surpluses.insert(
                SUBJECTS[rng.random_range(0..SUBJECTS.len())].to_string(),
                rng.random_range(1..3),
            );
        }
        schools.push(School {
            id: format!("S{i:03}"),
            name: None,
            parts,
            locality,
            strong,
            lat: 30.0 + rng.random_range(0.0..0.4),
            lon: 120.0 + rng.random_range(0.0..0.4),
            shortages,
            surpluses,
            community: Some(format!("C{}", i / 3)),
        });
        for p in &schools[i].parts {
            weights_t.push((i, p.stage, f64::from(p.enrolment), locality, strong));
        }
    }
    let total_enrol: f64 = weights_t.iter().map(|w| w.2).sum();
    let mut teachers = Vec::new();
    for &(i, stage, enrol, locality, strong) in &weights_t {
        let n = ((enrol / total_enrol) * n_teachers as f64).round().max(3.0) as usize;
        let (p_bb, p_deg) = match (locality, strong) {
            (Locality::Urban, true) => (0.28, 0.85),
            (Locality::Urban, false) => (0.15, 0.75),
            (Locality::Town, _) => (0.08, 0.6),
            (Locality::Rural, _) => (0.03, 0.45),
        };
        for k in 0..n {
            let main = SUBJECTS[k % SUBJECTS.len()];
            let mut subjects = vec![main.to_string()];
            if rng.random_bool(0.2) {
                subjects.push(SUBJECTS[rng.random_range(0..SUBJECTS.len())].to_string());
            }
            let backbone = if rng.random_bool(p_bb) {
                [
                    BackboneLevel::County,
                    BackboneLevel::City,
                    BackboneLevel::Province,
                ][rng.random_range(0..3)]
            } else {
                BackboneLevel::None
            };
            teachers.push(Teacher {
                id: format!("T{:05}", teachers.len()),
                name: None,
                school: format!("S{i:03}"),
                stage,
                subjects,
                backbone,
                has_higher_degree: rng.random_bool(p_deg),
                years_at_school: rng.random_range(0..20),
                birth_year: rng.random_range(1965..2000),
                exemptions: Exemptions {
                    near_retirement: rng.random_bool(0.05),
                    leave: rng.random_bool(0.02),
                    illness: rng.random_bool(0.01),
                },
            });
        }
    }
    PlanInput {
        teachers,
        schools,
        policy: Policy {
            community: CommunityRule::Preferred,
            max_distance_km: Some(40.0),
            ..Policy::default()
        },
        weights: Weights::default(),
        locks: Vec::new(),
        forbids: Vec::new(),
        balance_rules: BalanceRules::default(),
    }
}
