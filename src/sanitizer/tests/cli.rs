//! `fm-sanitize`, run as a user runs it: text on standard input, the
//! sanitized text on standard output, the report on standard error.
//!
//! The 100 MiB run is left out of the default test run (it writes 200 MiB
//! of temporary files, and takes seconds in a release build and minutes
//! in a debug one); run it with
//!
//!     cargo test --release -p fm-sanitizer --test cli -- --ignored
//!
//! It needs GNU time (`/usr/bin/time`) to read the peak memory of the
//! process, and fails, saying so, without it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Instant;

#[path = "../examples/common/corpus.rs"]
mod corpus;

const BIN: &str = env!("CARGO_BIN_EXE_fm-sanitize");

/// Runs `fm-sanitize args` with `input` on standard input.
fn run(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fm-sanitize starts");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_string();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().expect("fm-sanitize runs");
    match writer.join().expect("the writer finishes") {
        // fm-sanitize refused its arguments before reading its input.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("input written"),
    }
    output
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("fm-sanitize writes UTF-8")
}

#[test]
fn filters_stdin_to_stdout() {
    let out = run(&[], "password=hunter2\nmail bob@example.com\n");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "password=[PASSWORD_1]\nmail [EMAIL_1]\n");
    assert!(out.stderr.is_empty(), "nothing on stderr without --report");
}

#[test]
fn report_json_goes_to_stderr() {
    let out = run(&["--report", "json"], "token: 9f8e7d6c5b4a39281706\n");
    assert!(out.status.success());
    assert_eq!(text(&out.stdout), "token: [TOKEN_1]\n");
    let report: serde_json::Value =
        serde_json::from_slice(&out.stderr).expect("the report is JSON");
    assert_eq!(report["redactions"][0]["placeholder"], "[TOKEN_1]");
    assert_eq!(report["redactions"][0]["start"], 7);
    assert_eq!(report["redactions"][0]["endUtf16"], 16);
    assert_eq!(report["counts"][0]["category"], "credential");
    // The report holds placeholders and counts, never a value.
    assert!(!text(&out.stderr).contains("9f8e7d6c5b4a39281706"));
}

#[test]
fn allow_disable_and_custom_patterns() {
    let input = "host db.internal pw=s3cret from 10.1.2.3 ticket OPS-1234\n";
    let out = run(
        &[
            "--disable",
            "ip-address",
            "--allow",
            "s3cret",
            "--pattern",
            "ticket=OPS-[0-9]+",
        ],
        input,
    );
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout),
        "host db.internal pw=s3cret from 10.1.2.3 ticket [TICKET_1]\n"
    );
}

#[test]
fn a_bad_pattern_is_refused_with_a_reason() {
    let out = run(&["--pattern", "broken=(unclosed"], "x\n");
    assert_eq!(out.status.code(), Some(2));
    let message = text(&out.stderr);
    assert!(message.contains("\"broken\" does not compile"), "{message}");
    assert!(out.stdout.is_empty());

    let out = run(&["--disable", "everything"], "x\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("unknown category"));
}

#[test]
fn values_keep_their_placeholder_across_chunks() {
    // Far more than one chunk (1 MiB), with the same token at both ends.
    let filler = "ordinary log line with nothing to hide\n".repeat(60_000);
    let input = format!(
        "api_key=9f8e7d6c5b4a39281706\n{filler}retry with 9f8e7d6c5b4a39281706\n"
    );
    let out = run(&[], &input);
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("api_key=[API_KEY_1]\n"));
    assert!(stdout.ends_with("retry with [API_KEY_1]\n"));
    assert_eq!(stdout.len(), input.len() - 2 * 20 + 2 * "[API_KEY_1]".len());
}

/// Regression: a private key block cut by a chunk boundary was sanitized
/// as two halves.
#[test]
fn a_private_key_block_is_not_cut_between_chunks() {
    let filler = "x".repeat(79) + "\n";
    let body = "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQC7\n";
    let input = format!(
        "{}-----BEGIN PRIVATE KEY-----\n{}-----END PRIVATE KEY-----\n",
        filler.repeat((1 << 20) / 80 - 1),
        body.repeat(40),
    );
    let out = run(&[], &input);
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("MIIEvQ"), "key material survived");
    assert_eq!(stdout.matches('\n').count(), input.matches('\n').count());
}

/// 100 MiB of generated captures with planted values: the output holds
/// none of them, and the process stays small because it reads in chunks.
#[test]
#[ignore = "writes 200 MiB of temporary files; see the module docs"]
fn a_hundred_mebibytes_in_flat_memory() {
    let time = Path::new("/usr/bin/time");
    assert!(
        time.exists(),
        "this test reads peak memory with GNU time: install it \
         (apt-get install time)"
    );
    let dir = std::env::temp_dir().join("fm-sanitize-100mib");
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let (input_path, output_path) = (dir.join("in.txt"), dir.join("out.txt"));
    let corpus = corpus::generate(100 << 20);
    std::fs::write(&input_path, &corpus.text).expect("input written");

    let started = Instant::now();
    let status = Command::new(time)
        .args(["-f", "%M", BIN])
        .stdin(std::fs::File::open(&input_path).expect("input"))
        .stdout(std::fs::File::create(&output_path).expect("output"))
        .stderr(Stdio::piped())
        .output()
        .expect("fm-sanitize runs");
    let seconds = started.elapsed().as_secs_f64();
    assert!(status.status.success(), "fm-sanitize failed");
    let peak_kib: u64 = text(&status.stderr)
        .trim()
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("GNU time prints the peak resident set in KiB");

    let output = std::fs::read_to_string(&output_path).expect("UTF-8 output");
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), corpus.text.lines().count(), "lines are kept");
    let survived: Vec<&String> = corpus
        .planted
        .iter()
        .filter(|(line, value)| lines[*line].contains(value.as_str()))
        .map(|(_, value)| value)
        .collect();
    let mib = corpus.text.len() as f64 / (1 << 20) as f64;
    println!(
        "{mib:.0} MiB in {seconds:.2} s ({:.0} MiB/s), peak RSS {} MiB, \
         {} planted values, {} survived",
        mib / seconds,
        peak_kib / 1024,
        corpus.planted.len(),
        survived.len()
    );
    std::fs::remove_dir_all(&dir).ok();
    assert!(survived.is_empty(), "planted values survived");
    assert!(peak_kib < 64 * 1024, "peak RSS {peak_kib} KiB");
}
