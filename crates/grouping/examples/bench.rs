//! Times `recommend` on 5,000 seeded random schools clustered in ~100 counties.
//!
//! `cargo run --release -p gongjin-grouping --example bench [schools] [spread_degrees]`
//! (spread: side of the square the county centres are drawn from; smaller = counties overlap and
//! the candidate graph has larger components).

use gongjin_domain::{Locality, Stage};
use gongjin_grouping::{Rules, SchoolInput, recommend};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

fn schools(n: usize, counties: usize, spread: f64, seed: u64) -> Vec<SchoolInput> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let centres: Vec<(f64, f64)> = (0..counties)
        .map(|_| {
            (
                110.0 + rng.random_range(0.0..spread),
                25.0 + rng.random_range(0.0..spread),
            )
        })
        .collect();
    (0..n)
        .map(|i| {
            let county = i % counties;
            let (clon, clat) = centres[county];
            // Roughly normal offsets, σ ≈ 15 km; a third of the schools are in the county town.
            let urban = rng.random_bool(0.3);
            let sigma = if urban { 0.03 } else { 0.15 };
            let g =
                |r: &mut ChaCha8Rng| (0..4).map(|_| r.random_range(-1.0..1.0)).sum::<f64>() * sigma;
            let lon = clon + g(&mut rng);
            let lat = clat + g(&mut rng);
            let stage = match rng.random_range(0..10) {
                0..=5 => Stage::Primary,
                6..=7 => Stage::Junior,
                8 => Stage::NineYear,
                _ => Stage::TwelveYear,
            };
            let base: f64 = if urban { 70.0 } else { 40.0 };
            SchoolInput {
                id: i as i64 + 1,
                name: format!("学校{}", i + 1),
                stage,
                locality: if urban {
                    Locality::Urban
                } else {
                    Locality::Rural
                },
                public: rng.random_bool(0.92),
                lon,
                lat,
                enrolment: rng.random_range(50..2000),
                strength: (base + rng.random_range(-25.0..25.0)).clamp(0.0, 100.0),
                may_lead: urban && rng.random_bool(0.5),
                region_id: county as i64 + 1,
            }
        })
        .collect()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let spread: f64 = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(12.0);
    let input = schools(n, 100, spread, 42);
    let rules = Rules::default();
    let mut best = f64::INFINITY;
    let mut last = None;
    for _ in 0..5 {
        let t = Instant::now();
        let p = recommend(&input, &[], &rules).expect("valid input");
        best = best.min(t.elapsed().as_secs_f64());
        last = Some(p);
    }
    let p = last.unwrap();
    println!(
        "{n} schools, spread {spread}°: best of 5 = {:.1} ms; communities {}, covered {}/{} eligible, objective {:.1}",
        best * 1e3,
        p.communities.len(),
        p.covered,
        p.eligible,
        p.objective
    );
    println!("{:?}", p.stats);
}
