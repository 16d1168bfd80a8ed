//! The generated corpus of the benchmark and of the memory and
//! command-line tests: text that looks like what SREs capture (log lines,
//! JSON API responses, YAML, stack traces and text from HTML pages) with
//! a few secrets and personal values in every 10 KiB, the same on every
//! run (a fixed seed), so figures compare across machines and builds.
//!
//! Shared by `examples/bench.rs` and the tests through `#[path]`; it is
//! not an example of its own.

// Each includer uses the parts it needs.
#![allow(dead_code)]

use std::fmt::Write as _;

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

/// A secret or personal value, in the kind of line it appears in; returns
/// the values a sanitizer must remove from the line.
fn sensitive(rng: &mut Rng, out: &mut String) -> Vec<String> {
    match rng.below(10) {
        0 => {
            let email =
                format!("{}.{}@example.com", rng.pick(WORDS), rng.pick(WORDS));
            let _ = writeln!(out, "notify {email} about the outage");
            vec![email]
        }
        1 => {
            let password = rng.token(ALNUM, 16);
            let _ = writeln!(out, "DB_PASSWORD={password}");
            vec![password]
        }
        2 => {
            let token = rng.token(ALNUM, 40);
            let _ = writeln!(
                out,
                "curl -H \"Authorization: Bearer {token}\" https://api.example.com",
            );
            vec![token]
        }
        3 => {
            let key = format!("AKIA{}", rng.token(UPPER, 16));
            let _ = writeln!(out, "aws_access_key_id = {key}");
            vec![key]
        }
        4 => {
            let address = format!(
                "{}.{}.{}.{}",
                rng.below(223) + 1,
                rng.below(256),
                rng.below(256),
                rng.below(254) + 1,
            );
            let port = rng.below(65535);
            let _ = writeln!(out, "client connected from {address}:{port}");
            vec![address]
        }
        5 => {
            let password = rng.token(ALNUM, 20);
            let _ = writeln!(
                out,
                "DATABASE_URL=postgres://app:{password}@db.internal:5432/orders",
            );
            vec![password]
        }
        6 => {
            let jwt = format!(
                "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ{}.{}",
                rng.token(ALNUM, 30),
                rng.token(ALNUM, 43)
            );
            let _ = writeln!(out, "token: {jwt}");
            vec![jwt]
        }
        7 => {
            let phone = format!("+1-202-555-0{:03}", rng.below(1000));
            let card = "4111 1111 1111 1111";
            let _ = writeln!(out, "customer phone {phone} card {card}");
            vec![phone, card.to_string()]
        }
        8 => {
            let token = format!("ghp_{}", rng.token(ALNUM, 36));
            let _ = writeln!(out, "GITHUB_TOKEN={token}");
            vec![token]
        }
        _ => {
            let key = rng.token(HEX, 32);
            let _ = writeln!(out, "\"api_key\": \"{key}\"");
            vec![key]
        }
    }
}

/// A generated corpus, and what it plants.
pub struct Corpus {
    pub text: String,
    /// Each planted value with the index of the line it is on.
    pub planted: Vec<(usize, String)>,
}

/// About `size` bytes of capture-like text.
pub fn generate(size: usize) -> Corpus {
    let mut rng = Rng(0x5EED_F00D_CAFE_BEEF);
    let mut text = String::with_capacity(size + 4096);
    let mut planted = Vec::new();
    let mut lines = 0;
    let mut since_secret = 0;
    while text.len() < size {
        let before = text.len();
        match rng.below(10) {
            0..=4 => log_line(&mut rng, &mut text),
            5 => json_block(&mut rng, &mut text),
            6 => yaml_block(&mut rng, &mut text),
            7 => stack_trace(&mut rng, &mut text),
            _ => page_text(&mut rng, &mut text),
        }
        since_secret += text.len() - before;
        lines += text[before..].bytes().filter(|&b| b == b'\n').count();
        // About four sensitive values per 10 KiB.
        if since_secret > 2560 {
            for value in sensitive(&mut rng, &mut text) {
                planted.push((lines, value));
            }
            lines += 1;
            since_secret = 0;
        }
    }
    Corpus { text, planted }
}
