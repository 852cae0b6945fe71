//! Prints what a scale generates and how long it takes:
//! `cargo run --release -p gongjin-demo --example demo_stats -- province [seed] [--dump]`.

use gongjin_demo::{DEFAULT_SEED, Scale, generate, summarize};
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let scale: Scale = args
        .first()
        .map(|s| s.parse().expect("scale"))
        .unwrap_or(Scale::District);
    let seed = args
        .get(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(DEFAULT_SEED);
    let t = Instant::now();
    let summary = summarize(scale, seed);
    println!("summary {summary:?} in {:?}", t.elapsed());
    let t = Instant::now();
    let mut calls = 0u32;
    let data = generate(scale, seed, &mut |_, _| calls += 1);
    println!(
        "generated {} regions, {} schools, {} teachers, {} communities, {} users in {:?} ({calls} progress calls)",
        data.regions.len(),
        data.schools.len(),
        data.teachers.len(),
        data.communities.len(),
        data.users.len(),
        t.elapsed()
    );
    if args.iter().any(|a| a == "--dump") {
        println!("{}", serde_json::to_string_pretty(&data).expect("json"));
    }
}
