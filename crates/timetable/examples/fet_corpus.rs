//! Which `.fet` input files of a corpus we can read: `cargo run --example fet_corpus [DIR]`.
//! Prints one line per file (ok / refused with the reason) and the share readable.

use std::path::{Path, PathBuf};

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut es: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    es.sort();
    for p in es {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "fet")
            && !p.to_string_lossy().contains("_data_and_timetable")
        {
            out.push(p);
        }
    }
}

fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "/usr/share/doc/fet-data/examples".into());
    let mut files = Vec::new();
    walk(Path::new(&dir), &mut files);
    let mut ok = 0;
    for f in &files {
        let src = std::fs::read_to_string(f).unwrap_or_default();
        match gongjin_timetable::fet::read(&src) {
            Ok(m) => {
                ok += 1;
                println!("ok\t{}\t{} activities", f.display(), m.activities.len());
            }
            Err(e) => println!("refused\t{}\t{e}", f.display()),
        }
    }
    println!(
        "readable {ok} of {} ({:.1} %)",
        files.len(),
        100.0 * ok as f64 / files.len().max(1) as f64
    );
}
