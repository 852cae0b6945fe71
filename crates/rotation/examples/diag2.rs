use gongjin_rotation::{PlanOptions, plan, synthetic};
fn main() {
    let a: Vec<String> = std::env::args().collect();
    let nt: usize = a[1].parse().unwrap();
    let ns: usize = a[2].parse().unwrap();
    let seed: u64 = a[3].parse().unwrap();
    let rounds: u32 = a[4].parse().unwrap();
    let bi: u32 = a[5].parse().unwrap();
    let input = synthetic::district(seed, ns, nt);
    let t = std::time::Instant::now();
    let p = plan(
        &input,
        &PlanOptions {
            seed,
            rounds,
            bound_iterations: bi,
            polish_cycles: a[6].parse().unwrap(),
            polish_rounds: a[7].parse().unwrap(),
            target_gap: 0.005,
        },
    )
    .unwrap();
    println!(
        "{:.2}s it {} obj {:?} lb {} gap {} moves {}",
        t.elapsed().as_secs_f64(),
        p.bound_iterations,
        p.objective,
        p.lower_bound,
        p.gap,
        p.moves.len()
    );
}
