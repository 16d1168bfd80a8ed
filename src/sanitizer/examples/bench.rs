//! Throughput benchmark on a generated corpus that looks like what SREs
//! capture: log lines, JSON API responses, YAML, stack traces and text
//! from HTML pages, with a few secrets and personal values in every
//! 10 KiB.
//!
//!     cargo run --release -p fm-sanitizer --example bench
//!     cargo run --release -p fm-sanitizer --example bench -- --write corpus.txt
//!
//! `--mib N` sets the corpus size (16 MiB by default) and `--runs N` the
//! number of timed runs (5).
//!
//! The corpus is the same on every run (a fixed seed), so figures compare
//! across machines and builds; `--write` saves it for the WebAssembly
//! benchmark, which must read exactly the same text.

use std::fmt::Write as _;
use std::time::Instant;

use fm_sanitizer::Sanitizer;

/// A small deterministic generator (xorshift64*), so the corpus needs no
/// dependency and never changes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn token(&mut self, alphabet: &[u8], len: usize) -> String {
        (0..len)
            .map(|_| {
                alphabet[self.below(alphabet.len() as u64) as usize] as char
            })
            .collect()
    }
}

const ALNUM: &[u8] =
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const HEX: &[u8] = b"0123456789abcdef";
const UPPER: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

const WORDS: &[&str] = &[
    "request",
    "completed",
    "upstream",
    "timeout",
    "connection",
    "reset",
    "service",
    "deployment",
    "replica",
    "healthy",
    "latency",
    "p99",
    "cache",
    "miss",
    "retry",
    "backoff",
    "queue",
    "consumer",
    "lag",
    "partition",
    "leader",
    "election",
    "checkpoint",
    "snapshot",
    "the",
    "of",
    "and",
    "to",
    "in",
    "is",
    "for",
    "on",
    "with",
    "was",
    "error",
    "warning",
    "disk",
    "pressure",
    "memory",
    "node",
    "pod",
    "container",
];

fn log_line(rng: &mut Rng, out: &mut String) {
    let level = rng.pick(&["INFO", "INFO", "INFO", "DEBUG", "WARN", "ERROR"]);
    let _ = write!(
        out,
        "2024-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z {level} [{}] req={} ",
        1 + rng.below(12),
        1 + rng.below(28),
        rng.below(24),
        rng.below(60),
        rng.below(60),
        rng.below(1000),
        rng.pick(&["api-gateway", "orders", "billing", "auth", "search"]),
        rng.token(HEX, 16),
    );
    for _ in 0..4 + rng.below(8) {
        out.push_str(rng.pick(WORDS));
        out.push(' ');
    }
    let _ = writeln!(
        out,
        "duration_ms={} status={} path=/api/v{}/{}/{} ua=\"Mozilla/5.0 Chrome/{}.0.0.0\"",
        rng.below(5000),
        rng.pick(&["200", "200", "201", "404", "500", "503"]),
        1 + rng.below(3),
        rng.pick(&["orders", "users", "items"]),
        rng.below(100_000),
        100 + rng.below(30),
    );
}

fn json_block(rng: &mut Rng, out: &mut String) {
    let _ = writeln!(
        out,
        "{{\"id\": \"{}-{}-{}\", \"status\": \"{}\", \"replicas\": {}, \"labels\": {{\"app\": \"{}\", \"tier\": \"backend\"}}, \"updatedAt\": \"2024-03-0{}T12:00:00Z\", \"message\": \"{} {} {}\"}}",
        rng.token(HEX, 8),
        rng.token(HEX, 4),
        rng.token(HEX, 12),
        rng.pick(&["Running", "Pending", "CrashLoopBackOff"]),
        rng.below(10),
        rng.pick(&["web", "worker", "cron"]),
        1 + rng.below(9),
        rng.pick(WORDS),
        rng.pick(WORDS),
        rng.pick(WORDS),
    );
}

fn yaml_block(rng: &mut Rng, out: &mut String) {
    let _ = writeln!(
        out,
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {}\n  namespace: prod\nspec:\n  replicas: {}\n  template:\n    spec:\n      containers:\n        - name: app\n          image: registry.example.com/app:1.{}.{}\n          resources:\n            limits:\n              memory: {}Mi",
        rng.pick(&["orders", "billing", "search"]),
        1 + rng.below(9),
        rng.below(20),
        rng.below(10),
        128 * (1 + rng.below(8)),
    );
}

fn stack_trace(rng: &mut Rng, out: &mut String) {
    let _ = writeln!(
        out,
        "java.lang.IllegalStateException: {} {}",
        rng.pick(WORDS),
        rng.pick(WORDS)
    );
    for _ in 0..6 + rng.below(10) {
        let _ = writeln!(
            out,
            "    at com.example.{}.{}Service.handle({}Service.java:{})",
            rng.pick(&["orders", "billing", "core"]),
            rng.pick(&["Order", "Invoice", "Session"]),
            rng.pick(&["Order", "Invoice", "Session"]),
            rng.below(500),
        );
    }
}

fn page_text(rng: &mut Rng, out: &mut String) {
    let _ = writeln!(
        out,
        "Incident INC-{} — {} {}",
        rng.below(100_000),
        rng.pick(WORDS),
        rng.pick(WORDS)
    );
    for _ in 0..3 {
        for _ in 0..12 + rng.below(20) {
            out.push_str(rng.pick(WORDS));
            out.push(' ');
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "Service\tStatus\tUptime\n{}\t{}\t99.{}%",
        rng.pick(WORDS),
        rng.pick(&["OK", "Degraded"]),
        rng.below(100)
    );
}

/// A secret or personal value, in the kind of line it appears in.
fn sensitive(rng: &mut Rng, out: &mut String) {
    match rng.below(10) {
        0 => {
            let _ = writeln!(
                out,
                "notify {}.{}@example.com about the outage",
                rng.pick(WORDS),
                rng.pick(WORDS)
            );
        }
        1 => {
            let _ = writeln!(out, "DB_PASSWORD={}", rng.token(ALNUM, 16));
        }
        2 => {
            let _ = writeln!(
                out,
                "curl -H \"Authorization: Bearer {}\" https://api.example.com",
                rng.token(ALNUM, 40)
            );
        }
        3 => {
            let _ = writeln!(
                out,
                "aws_access_key_id = AKIA{}",
                rng.token(UPPER, 16)
            );
        }
        4 => {
            let _ = writeln!(
                out,
                "client connected from {}.{}.{}.{}:{}",
                rng.below(223) + 1,
                rng.below(256),
                rng.below(256),
                rng.below(254) + 1,
                rng.below(65535)
            );
        }
        5 => {
            let _ = writeln!(
                out,
                "DATABASE_URL=postgres://app:{}@db.internal:5432/orders",
                rng.token(ALNUM, 20)
            );
        }
        6 => {
            let _ = writeln!(
                out,
                "token: eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ{}.{}",
                rng.token(ALNUM, 30),
                rng.token(ALNUM, 43)
            );
        }
        7 => {
            let _ = writeln!(
                out,
                "customer phone +1-202-555-0{:03} card 4111 1111 1111 1111",
                rng.below(1000)
            );
        }
        8 => {
            let _ = writeln!(out, "GITHUB_TOKEN=ghp_{}", rng.token(ALNUM, 36));
        }
        _ => {
            let _ = writeln!(out, "\"api_key\": \"{}\"", rng.token(HEX, 32));
        }
    }
}

/// About `size` bytes of capture-like text.
fn corpus(size: usize) -> String {
    let mut rng = Rng(0x5EED_F00D_CAFE_BEEF);
    let mut out = String::with_capacity(size + 4096);
    let mut since_secret = 0;
    while out.len() < size {
        let before = out.len();
        match rng.below(10) {
            0..=4 => log_line(&mut rng, &mut out),
            5 => json_block(&mut rng, &mut out),
            6 => yaml_block(&mut rng, &mut out),
            7 => stack_trace(&mut rng, &mut out),
            _ => page_text(&mut rng, &mut out),
        }
        since_secret += out.len() - before;
        // About four sensitive values per 10 KiB.
        if since_secret > 2560 {
            sensitive(&mut rng, &mut out);
            since_secret = 0;
        }
    }
    out
}

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
    let text = corpus(arg(&args, "--mib", 16) << 20);
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
}
