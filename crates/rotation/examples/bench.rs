//! Reproducible benchmark of the rotation planner.
//!
//! `cargo run --release -p gongjin-rotation --example bench` prints a Markdown table for generated districts
//! of 100, 200 and 500 teachers (seeds 7, 8, 9) and a 3,000-teacher / 45-school district (seed 7).
//! `... --example bench -- TEACHERS SCHOOLS SEED` runs one instance; `... -- --input FILE [SECONDS]` runs an input
//! written by `gongjin plan rotation --dump-input FILE`.
//! The engine is pure; the wall-clock limit (8 s) is this program's, passed in as a `should_stop` closure.
use std::time::{Duration, Instant};

use gongjin_rotation::{PlanOptions, evaluate_moves, greedy_baseline, plan_with_stop, synthetic};

fn run(nt: usize, ns: usize, seed: u64) {
    let seconds = std::env::var("BENCH_SECONDS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(8);
    run_input(synthetic::district(seed, ns, nt), seed, seconds);
}

fn run_input(input: gongjin_rotation::PlanInput, seed: u64, seconds: u64) {
    let start = Instant::now();
    let deadline = start + Duration::from_secs(seconds);
    let opts = PlanOptions {
        seed,
        rounds: 30,
        bound_iterations: 300,
        polish_cycles: 1000,
        polish_rounds: 100,
        target_gap: 0.005,
        aggregate_bound: std::env::var("BENCH_PER_CLASS").is_err(),
    };
    let p = plan_with_stop(&input, &opts, &mut || Instant::now() > deadline).expect("plan");
    let el = start.elapsed();
    eprintln!("objective parts: {:?}", p.objective);
    let g = greedy_baseline(&input).expect("greedy");
    let none = evaluate_moves(&input, &[], None).expect("empty");
    let cvsum = |v: &[(f64, f64)]| v.iter().map(|x| x.0).sum::<f64>();
    let before: Vec<(f64, f64)> = p.cv.iter().map(|c| (c.before, 0.0)).collect();
    let after: Vec<(f64, f64)> = p.cv.iter().map(|c| (c.after, 0.0)).collect();
    let greedy: Vec<(f64, f64)> = g.cv.iter().map(|c| (c.after, 0.0)).collect();
    let per_stage =
        p.cv.iter()
            .zip(&g.cv)
            .map(|(c, gc)| {
                format!(
                    "{}/{}: {:.3}→{:.3} (greedy {:.3})",
                    c.stage.key(),
                    if c.indicator.key().starts_with("backbone") {
                        "bb"
                    } else {
                        "deg"
                    },
                    c.before,
                    c.after,
                    gc.after
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
    println!(
        "| {} | {} | {} | {:.2} | {} | {:.4} | {:.4} | {:.2}% | {:.4} / {:.4} / {:.4} | {:.4} / {:.4} | {} | {} |",
        input.teachers.len(),
        input.schools.len(),
        seed,
        el.as_secs_f64(),
        p.bound_iterations,
        p.objective.total,
        p.lower_bound,
        p.gap * 100.0,
        cvsum(&before),
        cvsum(&greedy),
        cvsum(&after),
        none.objective,
        g.objective.total,
        p.compliance.moved,
        per_stage
    );
}

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() >= 5 && a[1] == "--dump" {
        // write a generated instance as a PlanInput document: --dump TEACHERS SCHOOLS SEED
        let input = synthetic::district(
            a[4].parse().expect("seed"),
            a[3].parse().expect("schools"),
            a[2].parse().expect("teachers"),
        );
        println!("{}", serde_json::to_string(&input).expect("json"));
        return;
    }
    println!(
        "| teachers | schools | seed | time s | bound iters | objective | lower bound | gap | CV sum none / greedy / plan | objective none / greedy | moves | CV per stage/indicator: before→plan (greedy) |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    if a.len() >= 3 && a[1] == "--input" {
        // An input written by `gongjin plan rotation --dump-input FILE` (the demo district), with an
        // optional time limit in seconds (default 8).
        let text = std::fs::read_to_string(&a[2]).expect("input file");
        let input = serde_json::from_str(&text).expect("a PlanInput document");
        let seconds = a.get(3).map_or(8, |s| s.parse().expect("seconds"));
        run_input(input, 7, seconds);
        return;
    }
    if a.len() >= 4 {
        let nt = a[1].parse().expect("teachers");
        let ns = a[2].parse().expect("schools");
        let seed = a[3].parse().expect("seed");
        run(nt, ns, seed);
        return;
    }
    for (nt, ns) in [(100, 4), (200, 8), (500, 12)] {
        for seed in [7, 8, 9] {
            run(nt, ns, seed);
        }
    }
    run(3000, 45, 7);
}
