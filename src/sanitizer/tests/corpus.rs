//! The shared corpus of labelled credential examples
//! (`tests/corpus/secret-examples.jsonl`, derived from Nosey Parker's rule
//! examples; see `tests/corpus/NOTICE.noseyparker`).
//!
//! Every `redact` row's `secret` must be gone from the output, and the few
//! that are not must be listed, with the reason, in
//! `tests/corpus/adjudication.toml`: a label that is a key name, a
//! mislabelled row, or a connection string's host, which is kept by
//! design (only the password goes). A `keep` row is Nosey Parker's
//! negative example for *one* rule; some of them hold values this product
//! must redact anyway (a `password=` assignment, an `Authorization`
//! header). Those are listed in the same file with the reason; every other
//! `keep` row must come out unchanged. Both lists are checked in both
//! directions, so they cannot go stale.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use fm_sanitizer::Sanitizer;
use serde::Deserialize;

#[derive(Deserialize)]
struct Row {
    kind: String,
    text: String,
    expect: String,
    secret: Option<String>,
}

#[derive(Deserialize)]
struct Adjudication {
    redact_missed: Vec<Entry>,
    keep_changed: Vec<Entry>,
}

#[derive(Deserialize)]
struct Entry {
    line: usize,
    reason: String,
    #[serde(default)]
    unremovable: bool,
    /// The labelled text is kept on purpose (a connection string's host).
    #[serde(default)]
    by_design: bool,
}

fn dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus")
}

fn load() -> (Vec<(usize, Row)>, Adjudication) {
    let rows =
        fs::read_to_string(dir().join("secret-examples.jsonl")).unwrap();
    let rows = rows
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
        .map(|(i, l)| (i + 1, serde_json::from_str(l).unwrap()))
        .collect();
    let adjudication =
        fs::read_to_string(dir().join("adjudication.toml")).unwrap();
    (rows, toml::from_str(&adjudication).unwrap())
}

#[test]
fn corpus() {
    let (rows, adjudication) = load();
    let sanitizer = Sanitizer::default();
    fn documented(list: &[Entry]) -> BTreeMap<usize, &str> {
        list.iter().map(|e| (e.line, e.reason.as_str())).collect()
    }
    let documented_misses = documented(&adjudication.redact_missed);
    let documented_changes = documented(&adjudication.keep_changed);
    let unremovable: Vec<usize> = adjudication
        .redact_missed
        .iter()
        .filter(|e| e.unremovable || e.by_design)
        .map(|e| e.line)
        .collect();
    for reason in documented_misses.values().chain(documented_changes.values())
    {
        assert!(reason.len() > 40, "a reason says why: {reason:?}");
    }

    let (mut secrets, mut missed) = (0, Vec::new());
    let (mut unlabelled, mut unchanged_unlabelled) = (0, 0);
    let (mut keep, mut changed) = (0, Vec::new());
    for (line, row) in &rows {
        let out = sanitizer.sanitize(&row.text).text;
        match (row.expect.as_str(), &row.secret) {
            ("redact", Some(secret)) => {
                secrets += 1;
                if out.contains(secret.as_str()) {
                    missed.push((*line, row.kind.as_str(), out));
                }
            }
            ("redact", None) => {
                unlabelled += 1;
                if out == row.text {
                    unchanged_unlabelled += 1;
                }
            }
            ("keep", _) => {
                keep += 1;
                if out != row.text {
                    changed.push((*line, row.kind.as_str(), out));
                }
            }
            (other, _) => panic!("line {line}: unknown expectation {other}"),
        }
    }

    let removable = secrets - unremovable.len();
    let strict = (secrets - missed.len()) as f64 / secrets as f64;
    let recall = (removable - (missed.len() - unremovable.len())) as f64
        / removable as f64;
    let clean_keep = keep - documented_changes.len();
    let false_positives = changed
        .iter()
        .filter(|(l, ..)| !documented_changes.contains_key(l))
        .count();
    let kept = (clean_keep - false_positives) as f64 / clean_keep as f64;
    println!(
        "redact rows with a secret: {} of {secrets} lose it ({:.2}%); \
         {} of {removable} that this product removes ({:.2}%)",
        secrets - missed.len(),
        strict * 100.0,
        removable - (missed.len() - unremovable.len()),
        recall * 100.0,
    );
    println!(
        "redact rows without a secret: {} of {unlabelled} changed",
        unlabelled - unchanged_unlabelled
    );
    println!(
        "keep rows: {} of {keep} unchanged ({:.2}%); {} of {clean_keep} \
         that hold nothing this product must redact ({:.2}%)",
        keep - changed.len(),
        (keep - changed.len()) as f64 * 100.0 / keep as f64,
        clean_keep - false_positives,
        kept * 100.0,
    );
    // Some keep rows are, byte for byte, the text of a redact row: no
    // sanitizer can leave one unchanged and pass the other, so a share of
    // unchanged keep rows above this ceiling costs redact rows.
    let redact_texts: std::collections::BTreeSet<&str> = rows
        .iter()
        .filter(|(_, r)| r.expect == "redact" && r.secret.is_some())
        .map(|(_, r)| r.text.as_str())
        .collect();
    let twins = rows
        .iter()
        .filter(|(_, r)| r.expect == "keep")
        .filter(|(_, r)| redact_texts.contains(r.text.as_str()))
        .count();
    println!(
        "keep rows that are the very text of a redact row: {twins}; with \
         every redact row passing, at most {} of {keep} keep rows ({:.2}%) \
         can come out unchanged",
        keep - twins,
        (keep - twins) as f64 * 100.0 / keep as f64,
    );

    let mut problems = Vec::new();
    for (line, kind, out) in &missed {
        if !documented_misses.contains_key(line) {
            problems
                .push(format!("line {line} [{kind}] missed:\n    {out:?}"));
        }
    }
    for (line, kind, out) in &changed {
        if !documented_changes.contains_key(line) {
            problems
                .push(format!("line {line} [{kind}] changed:\n    {out:?}"));
        }
    }
    for line in documented_misses.keys() {
        if !missed.iter().any(|(l, ..)| l == line) {
            problems.push(format!(
                "line {line} is listed as missed but is caught now"
            ));
        }
    }
    for line in documented_changes.keys() {
        if !changed.iter().any(|(l, ..)| l == line) {
            problems.push(format!(
                "line {line} is listed as changed but is kept now"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(
        unchanged_unlabelled, 0,
        "a redact row without a secret came out unchanged"
    );
    assert!(recall >= 0.99, "recall {recall:.4}");
    assert!(kept >= 0.99, "keep rate {kept:.4}");
}
