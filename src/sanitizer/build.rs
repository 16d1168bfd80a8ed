//! Compiles `rules/*.toml` into the static rule table in `src/rule.rs`.
//!
//! Only the fields detection needs reach the binary; the examples stay in
//! the data files, where `tests/rules.rs` reads them. A malformed rule
//! fails the build with its file and id.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::Path;
use std::{env, fs};

use regex_syntax::hir::{Class, Hir, HirKind};
use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    rule: Vec<RuleDef>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleDef {
    id: String,
    name: String,
    category: String,
    placeholder: String,
    #[serde(default = "pattern")]
    detector: String,
    // pattern
    #[serde(default)]
    anchors: Vec<String>,
    #[serde(default)]
    keywords: Vec<String>,
    #[serde(default)]
    before: u32,
    #[serde(default = "default_after")]
    after: u32,
    #[serde(default)]
    regex: String,
    #[serde(default)]
    min_entropy: f32,
    #[serde(default)]
    validate: Option<String>,
    #[serde(default = "yes")]
    boundary: bool,
    #[serde(default)]
    tail: Option<u32>,
    // assignment
    #[serde(default)]
    words: Vec<String>,
    #[serde(default)]
    suffix: bool,
    #[serde(default)]
    qualifiers: Vec<String>,
    #[serde(default)]
    strength: Option<String>,
    // builtin
    #[serde(default)]
    builtin: Option<String>,
    // read by the tests only
    #[serde(default)]
    #[allow(dead_code)]
    redact: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    keep: Vec<String>,
    #[serde(default)]
    #[allow(dead_code)]
    note: Option<String>,
}

fn pattern() -> String {
    "pattern".into()
}
fn default_after() -> u32 {
    256
}
fn yes() -> bool {
    true
}

const CATEGORIES: &[(&str, &str)] = &[
    ("credential", "Credential"),
    ("account", "Account"),
    ("email", "Email"),
    ("phone", "Phone"),
    ("payment-card", "PaymentCard"),
    ("iban", "Iban"),
    ("national-id", "NationalId"),
    ("ip-address", "IpAddress"),
    ("mac-address", "MacAddress"),
    ("cloud-resource", "CloudResource"),
];

const BUILTINS: &[(&str, &str)] = &[
    ("email", "Email"),
    ("ipv4", "Ipv4"),
    ("ipv6", "Ipv6"),
    ("mac", "Mac"),
    ("payment-card", "PaymentCard"),
    ("iban", "Iban"),
    ("ssn", "Ssn"),
    ("phone", "Phone"),
    ("url-credentials", "UrlCredentials"),
    ("private-key", "PrivateKey"),
    ("auth-header", "AuthHeader"),
    ("cookie", "Cookie"),
    ("command-credentials", "CommandCredentials"),
    ("netrc", "Netrc"),
];

fn main() {
    let dir =
        Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("rules");
    println!("cargo:rerun-if-changed={}", dir.display());

    let mut files: Vec<_> = fs::read_dir(&dir)
        .expect("rules/ exists")
        .map(|e| e.expect("rules/ is readable").path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();

    let mut ids = BTreeSet::new();
    let mut out = String::from("pub(crate) static RULES: &[Rule] = &[\n");
    let mut count = 0;
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let text = fs::read_to_string(path).unwrap();
        let file: RuleFile = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for rule in file.rule {
            let whence = format!("{}: rule {}", path.display(), rule.id);
            assert!(ids.insert(rule.id.clone()), "{whence}: duplicate id");
            emit(&mut out, &rule, &whence);
            count += 1;
        }
    }
    out.push_str("];\n");
    writeln!(
        out,
        "/// The number of rules in [`RULES`].\n\
         pub(crate) const RULE_COUNT: usize = {count};"
    )
    .unwrap();

    let dest = Path::new(&env::var("OUT_DIR").unwrap()).join("rules.rs");
    fs::write(dest, out).unwrap();
}

fn emit(out: &mut String, r: &RuleDef, whence: &str) {
    let category = lookup(CATEGORIES, &r.category)
        .unwrap_or_else(|| panic!("{whence}: unknown category"));
    assert!(
        !r.placeholder.is_empty()
            && r.placeholder.bytes().all(|b| b.is_ascii_uppercase()
                || b.is_ascii_digit()
                || b == b'_'),
        "{whence}: placeholder must be UPPER_SNAKE"
    );
    let detector = match r.detector.as_str() {
        "pattern" => {
            assert!(!r.regex.is_empty(), "{whence}: pattern needs a regex");
            assert!(
                !r.anchors.is_empty() || !r.keywords.is_empty(),
                "{whence}: pattern needs anchors or keywords"
            );
            for a in r.anchors.iter().chain(&r.keywords) {
                assert!(
                    a.len() >= 3,
                    "{whence}: anchor {a:?} is shorter than 3 bytes"
                );
            }
            // The scan looks anchors up where a word starts and at a few
            // punctuation bytes; anything else would never be found.
            for a in &r.anchors {
                let first = a.as_bytes()[0];
                let findable = r.tail.is_some()
                    || first.is_ascii_alphanumeric()
                    || SPECIALS.contains(&first);
                assert!(
                    findable,
                    "{whence}: anchor {a:?} must start with a letter, a \
                     digit or one of {SPECIALS:?}, or the rule needs `tail`"
                );
            }
            for k in &r.keywords {
                assert!(
                    k.as_bytes()[0].is_ascii_alphabetic(),
                    "{whence}: keyword {k:?} must start with a letter"
                );
            }
            if let Some(tail) = r.tail {
                // See `Visitor` in src/detect/scan.rs: where a word ends is
                // reported for words that end in a letter, and for every
                // word of 64 bytes or more.
                for a in &r.anchors {
                    let (a, tail) = (a.as_bytes(), tail as usize);
                    let past_the_end =
                        a.len() > tail && SPECIALS.contains(&a[tail]);
                    let ends_in_a_letter =
                        a.len() == tail && a[tail - 1].is_ascii_alphabetic();
                    let long = r.before as usize + tail >= 64;
                    assert!(
                        past_the_end || ends_in_a_letter || long,
                        "{whence}: a tail anchor must run past the end of \
                         its word onto one of {SPECIALS:?}, end it with a \
                         letter, or sit in a word of 64 bytes or more"
                    );
                }
            }
            let validate = match r.validate.as_deref() {
                None => "None",
                Some("jwt") => "Jwt",
                Some("grafana") => "Grafana",
                Some(v) => panic!("{whence}: unknown validation {v}"),
            };
            let hir = regex_syntax::ParserBuilder::new()
                .unicode(false)
                .utf8(false)
                .build()
                .parse(&r.regex)
                .unwrap_or_else(|e| panic!("{whence}: {e}"));
            let mut class = [0u64; 4];
            byte_class(&hir, &mut class);
            let min_len = hir.properties().minimum_len().unwrap_or(0);
            let max_len = hir
                .properties()
                .maximum_len()
                .map_or(u32::MAX, |n| n.min(u32::MAX as usize) as u32);
            let named_groups = r.regex.contains("(?P<");
            let limit = max_repetition(&hir);
            assert!(
                limit <= MAX_REPETITION,
                "{whence}: a repetition allows {limit} copies (at most \
                 {MAX_REPETITION}): each costs compile time and memory; \
                 write `{{m,}}` and bound the length with `after`"
            );
            format!(
                "Detector::Pattern(Pattern {{ anchors: &{:?}, keywords: &{:?}, \
                 before: {}, after: {}, regex: {:?}, min_entropy: {:?}, \
                 validate: Validate::{validate}, boundary: {}, \
                 class: {class:?}, min_len: {min_len}, max_len: {max_len}, \
                 named_groups: {named_groups}, tail: {:?} }})",
                r.anchors,
                lower(&r.keywords),
                r.before,
                r.after,
                r.regex,
                r.min_entropy,
                r.boundary,
                r.tail,
            )
        }
        "assignment" => {
            assert!(!r.words.is_empty(), "{whence}: assignment needs words");
            for w in &r.words {
                assert!(
                    w.len() >= 3,
                    "{whence}: word {w:?} is shorter than 3 bytes"
                );
            }
            let strength = match r.strength.as_deref() {
                Some("strong") => "Strong",
                Some("weak") => "Weak",
                Some("name") => "Name",
                _ => panic!("{whence}: strength is strong, weak or name"),
            };
            format!(
                "Detector::Assignment(Assignment {{ words: &{:?}, suffix: {}, \
                 qualifiers: &{:?}, strength: Strength::{strength} }})",
                lower(&r.words),
                r.suffix,
                lower(&r.qualifiers),
            )
        }
        "builtin" => {
            let name = r.builtin.as_deref().unwrap_or("");
            let variant = lookup(BUILTINS, name).unwrap_or_else(|| {
                panic!("{whence}: unknown builtin {name:?}")
            });
            format!("Detector::Builtin(Builtin::{variant})")
        }
        other => panic!("{whence}: unknown detector {other}"),
    };
    writeln!(
        out,
        "    Rule {{ id: {:?}, name: {:?}, category: Category::{category}, \
         placeholder: {:?}, detector: {detector} }},",
        r.id, r.name, r.placeholder
    )
    .unwrap();
}

include!("src/specials.rs");

/// The most copies a bounded repetition may make of its expression.
const MAX_REPETITION: u32 = 256;

/// The largest finite upper bound of any repetition in `hir`.
fn max_repetition(hir: &Hir) -> u32 {
    match hir.kind() {
        HirKind::Repetition(rep) => {
            rep.max.unwrap_or(rep.min).max(max_repetition(&rep.sub))
        }
        HirKind::Capture(cap) => max_repetition(&cap.sub),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().map(max_repetition).max().unwrap_or(0)
        }
        _ => 0,
    }
}

/// Every byte any position of a match may hold, as a 256-bit set.
fn byte_class(hir: &Hir, set: &mut [u64; 4]) {
    let mut add = |lo: u32, hi: u32| {
        for b in lo..=hi.min(255) {
            set[(b >> 6) as usize] |= 1 << (b & 63);
        }
    };
    match hir.kind() {
        HirKind::Empty | HirKind::Look(_) => {}
        HirKind::Literal(lit) => {
            lit.0.iter().for_each(|&b| add(b.into(), b.into()))
        }
        HirKind::Class(Class::Bytes(c)) => c
            .ranges()
            .iter()
            .for_each(|r| add(r.start().into(), r.end().into())),
        HirKind::Class(Class::Unicode(c)) => {
            for r in c.ranges() {
                add(r.start().into(), r.end().into());
                if u32::from(r.end()) > 0x7F {
                    add(0x80, 0xFF);
                }
            }
        }
        HirKind::Repetition(rep) => byte_class(&rep.sub, set),
        HirKind::Capture(cap) => byte_class(&cap.sub, set),
        HirKind::Concat(subs) | HirKind::Alternation(subs) => {
            subs.iter().for_each(|h| byte_class(h, set))
        }
    }
}

fn lookup(table: &[(&str, &'static str)], key: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| *v)
}

fn lower(words: &[String]) -> Vec<String> {
    words.iter().map(|w| w.to_ascii_lowercase()).collect()
}
