//! Prints how long regenerating every crate takes (load specs, lower, emit, format), in the
//! bench (release) profile: `cargo bench -p codegen --bench regenerate`. Needs the synced specs
//! (`cargo run -p codegen -- sync`). It prints figures rather than asserting a time limit,
//! because absolute times drift on shared machines.

use std::path::Path;
use std::time::{Duration, Instant};

const RUNS: usize = 7;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let config = root.join("specs/codegen.toml");
    // One warm-up run also proves the tree is generated from these specs.
    let (cfg, files) = codegen::generate_workspace(&root, &config).unwrap_or_else(|e| {
        eprintln!("error: {e}");
        std::process::exit(2)
    });
    let stale = codegen::check(&root, &cfg, &files).expect("compare");
    let bytes: usize = files.values().map(String::len).sum();
    let mut times: Vec<Duration> = (0..RUNS)
        .map(|_| {
            let started = Instant::now();
            let (_, again) = codegen::generate_workspace(&root, &config).expect("generate");
            let elapsed = started.elapsed();
            assert_eq!(again.len(), files.len());
            elapsed
        })
        .collect();
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "regenerate: {} files, {:.1} MB, {} runs: min {:.0} ms, median {:.0} ms, max {:.0} ms{}",
        files.len(),
        bytes as f64 / 1e6,
        RUNS,
        ms(times[0]),
        ms(times[RUNS / 2]),
        ms(times[RUNS - 1]),
        if stale.is_clean() {
            ""
        } else {
            " (generated/ is stale)"
        }
    );
}
