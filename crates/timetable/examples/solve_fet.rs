//! Solve one file: `solve_fet IN.fet|IN.json OUT [SEED] [BUDGET] [TIME_LIMIT_S]`.
//! Prints one tab-separated summary line: placed/total, hard, soft, seconds to first feasible, seconds total.

use std::time::Instant;

use gongjin_timetable::{Model, Options, fet, solve_with_stop};

fn main() {
    let a: Vec<String> = std::env::args().collect();
    if a.len() < 3 {
        eprintln!("usage: solve_fet IN OUT [SEED] [BUDGET] [TIME_LIMIT_S]");
        std::process::exit(2);
    }
    let seed = a.get(3).and_then(|s| s.parse().ok()).unwrap_or(1);
    let budget = a.get(4).and_then(|s| s.parse().ok()).unwrap_or(u64::MAX);
    let limit: f64 = a.get(5).and_then(|s| s.parse().ok()).unwrap_or(120.0);
    let src = std::fs::read_to_string(&a[1]).expect("read input");
    let json = a[1].ends_with(".json");
    let m: Model = if json {
        serde_json::from_str(&src).expect("json model")
    } else {
        match fet::read(&src) {
            Ok(m) => m,
            Err(e) => {
                println!("refused\t{e}");
                std::process::exit(3);
            }
        }
    };
    let t0 = Instant::now();
    // Time to first feasible: a first run that stops there, then the full run (same seed: same trajectory).
    let mut stop = || t0.elapsed().as_secs_f64() > limit;
    let first = solve_with_stop(
        &m,
        &Options {
            seed,
            budget,
            stop_at_first_feasible: true,
            ..Default::default()
        },
        &mut stop,
    )
    .expect("solve");
    let t_first = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let mut stop2 = || t1.elapsed().as_secs_f64() > limit;
    let sol = if first.is_feasible() && std::env::var("FIRST_ONLY").is_err() {
        solve_with_stop(
            &m,
            &Options {
                seed,
                budget,
                ..Default::default()
            },
            &mut stop2,
        )
        .expect("solve")
    } else {
        first.clone()
    };
    let total = t1.elapsed().as_secs_f64();
    let out = if json {
        serde_json::to_string_pretty(&sol.timetable).expect("json")
    } else {
        fet::write(&src, &m, &sol.timetable).expect("write")
    };
    std::fs::write(&a[2], out).expect("write output");
    let r = &sol.report;
    println!(
        "{}/{}\thard {}\tsoft {:.2}\tfirst {}\ttotal {:.1}s\titers {}",
        r.placed,
        r.total,
        r.hard,
        r.soft,
        if first.is_feasible() {
            format!("{t_first:.2}s")
        } else {
            "-".into()
        },
        total,
        sol.iterations
    );
    for k in &r.by_kind {
        eprintln!("  {:<26} hard {:>5} soft {:>10.2}", k.kind, k.hard, k.soft);
    }
}
