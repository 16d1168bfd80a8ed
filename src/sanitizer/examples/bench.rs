//! Throughput benchmark on the generated corpus of `common/corpus.rs`:
//! text that looks like what SREs capture, with a few secrets and
//! personal values in every 10 KiB.
//!
//!     cargo run --release -p fm-sanitizer --example bench
//!     cargo run --release -p fm-sanitizer --example bench -- --write corpus.txt
//!
//! `--mib N` sets the corpus size (16 MiB by default) and `--runs N` the
//! number of timed runs (5).
//!
//! `--write` saves the corpus for the WebAssembly benchmark
//! (`bench/wasm.mjs`), which must read exactly the same text.

use std::time::Instant;

use fm_sanitizer::Sanitizer;

#[path = "common/corpus.rs"]
mod corpus;

/// The value after flag `name`, parsed, or `default`.
fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> T {
    match args.iter().position(|a| a == name) {
        None => default,
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} needs a number")),
    }
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let corpus::Corpus { text, planted } =
        corpus::generate(arg(&args, "--mib", 16) << 20);
    let mib = text.len() as f64 / (1 << 20) as f64;
    if let Some(i) = args.iter().position(|a| a == "--write") {
        let path = args.get(i + 1).expect("--write needs a path");
        std::fs::write(path, &text).expect("corpus written");
        println!("wrote {mib:.1} MiB to {path}");
        return;
    }
    let runs = arg(&args, "--runs", 5);
    let lines = text.lines().count();

    let started = Instant::now();
    let sanitizer = Sanitizer::default();
    let build = started.elapsed();

    let mut best = f64::MAX;
    let mut first = None;
    let mut result = None;
    for _ in 0..runs {
        let started = Instant::now();
        let out = sanitizer.sanitize(&text);
        let took = started.elapsed().as_secs_f64();
        first.get_or_insert(took);
        best = best.min(took);
        result = Some(out);
    }
    let Some(result) = result else { return };
    println!("corpus: {mib:.1} MiB, {lines} lines");
    println!("build:  {:.2} ms", build.as_secs_f64() * 1e3);
    if let Some(first) = first {
        println!(
            "first:  {:.0} MiB/s (compiles the rules it needs)",
            mib / first
        );
    }
    println!(
        "native: {:.0} MiB/s (best of {runs}, single thread)",
        mib / best
    );
    println!("found:  {}", result.report.summary());
    let lines: Vec<&str> = result.text.lines().collect();
    let survived = planted
        .iter()
        .filter(|(line, value)| lines[*line].contains(value.as_str()))
        .count();
    println!(
        "check:  {survived} of {} planted values survived",
        planted.len()
    );
    assert_eq!(survived, 0, "the sanitizer let planted values through");
}
