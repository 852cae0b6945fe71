//! `cargo run --release -p gongjin-rotation --example bench [teachers] [schools] [seed] [rounds]`
use std::time::Instant;

use gongjin_rotation::{PlanOptions, greedy_baseline, plan_with_stop, synthetic};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    let nt: usize = a.get(1).and_then(|s| s.parse().ok()).unwrap_or(3000);
    let ns: usize = a.get(2).and_then(|s| s.parse().ok()).unwrap_or(45);
    let seed: u64 = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(7);
    let rounds: u32 = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(30);
    let input = synthetic::district(seed, ns, nt);
    let start = Instant::now();
    let deadline = start + std::time::Duration::from_secs(8);
    let p = plan_with_stop(&input, &PlanOptions { seed, rounds, bound_iterations: a.get(5).and_then(|s| s.parse().ok()).unwrap_or(200) }, &mut || {
        Instant::now() > deadline
    })
    .expect("plan");
    let el = start.elapsed();
    let g = greedy_baseline(&input).expect("greedy");
    println!(
        "teachers {} schools {} seed {seed}",
        input.teachers.len(),
        input.schools.len()
    );
    println!("time {:.2}s rounds {} bound iterations {}", el.as_secs_f64(), p.rounds, p.bound_iterations);
    println!(
        "objective {:.6} lower bound {:.6} gap {:.3}%",
        p.objective.total,
        p.lower_bound,
        p.gap * 100.0
    );
    println!(
        "objective parts: cv {:.6} shortage {:.6} sender_gap {:.6} moves {:.6}",
        p.objective.cv, p.objective.shortage, p.objective.sender_gap, p.objective.moves
    );
    println!("{}", p.compliance.summary);
    println!(
        "greedy: objective {:.6}; {}",
        g.objective.total, g.compliance.summary
    );
    for (c, gc) in p.cv.iter().zip(&g.cv) {
        println!(
            "  {:?} {:<26} before {:.4} planned {:.4} greedy {:.4} (≤{})",
            c.stage,
            c.indicator.key(),
            c.before,
            c.after,
            gc.after,
            c.cv_threshold
        );
    }
    for n in &p.infeasibilities {
        println!("  infeasible: {n}");
    }
}
