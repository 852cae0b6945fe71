//! School conditions (办学条件) for 曾都区's public schools over two school years (2025–2026, 2026–2027), for
//! balance monitoring. One row per school and stage part (nine- and twelve-year schools have two). Shaped
//! like a real county: the teacher-count indicators mostly pass; rural schools have room but little
//! equipment, crowded urban schools have little sports ground, so sports space per student varies far
//! beyond the CV threshold. The backbone and PE/art counts follow the teacher registry, except at a few
//! schools whose report disagrees with it (as reports do).

use std::collections::HashMap;

use crate::rng::sub_rng;
use crate::{DemoSchool, DemoTeacher};
use rand::Rng;
use serde::{Deserialize, Serialize};

/// One school part in one school year.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DemoCondition {
    pub school_code: String,
    /// School year by its first calendar year.
    pub year: i32,
    /// `primary` or `junior`.
    pub stage: String,
    pub enrolment: i64,
    pub degree_teachers: i64,
    pub backbone_teachers: i64,
    pub pe_art_teachers: i64,
    pub teaching_space_m2: f64,
    pub sports_space_m2: f64,
    pub equipment_value_yuan: f64,
    pub multimedia_classrooms: i64,
}

/// The school years generated.
pub const CONDITION_YEARS: [i32; 2] = [2025, 2026];

fn is_pe_art(subjects: &[String]) -> bool {
    subjects
        .iter()
        .any(|s| s.contains("体育") || s.contains("音乐") || s.contains("美术"))
}

/// Conditions of the given schools (the caller passes 曾都区's public schools).
pub fn generate(
    seed: u64,
    schools: &[&DemoSchool],
    teachers: &[DemoTeacher],
) -> Vec<DemoCondition> {
    let mut counts: HashMap<&str, (i64, i64)> = HashMap::new();
    for t in teachers {
        if t.fields.status.as_deref().is_some_and(|s| s != "active") {
            continue;
        }
        let e = counts.entry(t.school_code.as_str()).or_default();
        if matches!(
            t.fields.backbone_level.as_deref(),
            Some("county" | "city" | "province")
        ) {
            e.0 += 1;
        }
        if is_pe_art(&t.fields.subjects) {
            e.1 += 1;
        }
    }
    let mut out = vec![];
    let mut rng = sub_rng(seed, "conditions", 12);
    for (i, s) in schools.iter().enumerate() {
        let f = &s.fields;
        let p = f.primary_enrolment.unwrap_or(0).max(0);
        let j = f.junior_enrolment.unwrap_or(0).max(0);
        let parts: Vec<(&str, i64)> = match f.stage.as_str() {
            "primary" => vec![("primary", p)],
            "junior" => vec![("junior", j)],
            _ => vec![("primary", p), ("junior", j)],
        };
        let total = parts.iter().map(|x| x.1).sum::<i64>().max(1);
        let (backbone, pe_art) = counts.get(f.code.as_str()).copied().unwrap_or((0, 0));
        let locality = f.locality.as_str();
        // Per-school character, kept across both years.
        let space_factor: f64 = match locality {
            "urban" => rng.random_range(0.35..0.75),
            "town" => rng.random_range(0.8..1.3),
            _ => rng.random_range(1.4..2.8),
        };
        let equip_factor: f64 = match locality {
            "urban" => rng.random_range(1.1..1.6),
            "town" => rng.random_range(0.85..1.2),
            _ => rng.random_range(0.6..1.0),
        };
        let degree_factor: f64 = match locality {
            "urban" => rng.random_range(1.2..1.8),
            "town" => rng.random_range(1.0..1.4),
            _ => rng.random_range(0.85..1.3),
        };
        let teaching_factor: f64 = rng.random_range(0.8..1.4);
        let mm_factor: f64 = rng.random_range(0.85..1.6);
        // A few reports disagree with the registry.
        let backbone_bias = if i % 7 == 3 { 1 } else { 0 };
        let pe_bias = if i % 9 == 4 { -1 } else { 0 };
        for (yi, year) in CONDITION_YEARS.into_iter().enumerate() {
            // The second year improves a little (the communities at work).
            let grow = 1.0 + 0.06 * yi as f64;
            let drift: f64 = 1.0 + 0.03 * yi as f64 - rng.random_range(0.0..0.03);
            for &(stage, enrol) in &parts {
                let enrolment = ((enrol as f64) * drift).round() as i64;
                let share = enrol as f64 / total as f64;
                let junior = stage == "junior";
                let per = |per100: f64| -> i64 {
                    ((enrolment as f64) * per100 / 100.0).round().max(0.0) as i64
                };
                let (deg_t, space_t, sports_t, equip_t, mm_t) = if junior {
                    (5.3, 5.8, 10.2, 2500.0, 2.4)
                } else {
                    (4.2, 4.5, 7.5, 2000.0, 2.3)
                };
                out.push(DemoCondition {
                    school_code: f.code.clone(),
                    year,
                    stage: stage.into(),
                    enrolment,
                    degree_teachers: per(deg_t * degree_factor * grow),
                    backbone_teachers: ((backbone as f64 * share).round() as i64 + backbone_bias)
                        .max(0),
                    pe_art_teachers: ((pe_art as f64 * share).round() as i64 + pe_bias).max(0),
                    teaching_space_m2: (enrolment as f64 * space_t * teaching_factor * 10.0)
                        .round()
                        / 10.0,
                    sports_space_m2: (enrolment as f64 * sports_t * space_factor * 10.0).round()
                        / 10.0,
                    equipment_value_yuan: (enrolment as f64 * equip_t * equip_factor * grow)
                        .round(),
                    multimedia_classrooms: per(mm_t * mm_factor),
                });
            }
        }
    }
    out
}
