//! Checks every example in `rules/*.toml`: each `redact` example must come
//! out with exactly its «marked» values replaced and nothing else changed;
//! each `keep` example must come out unchanged. Adding a case is adding a
//! line of data.

use std::fs;
use std::path::Path;

use fm_sanitizer::Sanitizer;
use serde::Deserialize;

#[derive(Deserialize)]
struct RuleFile {
    rule: Vec<Rule>,
}

#[derive(Deserialize)]
struct Rule {
    id: String,
    category: String,
    placeholder: String,
    #[serde(default)]
    detector: Option<String>,
    #[serde(default)]
    regex: String,
    #[serde(default)]
    redact: Vec<String>,
    #[serde(default)]
    keep: Vec<String>,
}

fn load_rules() -> Vec<(String, Rule)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("rules");
    let mut files: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    let mut rules = Vec::new();
    for path in files {
        let text = fs::read_to_string(&path).unwrap();
        let file: RuleFile = toml::from_str(&text).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        rules.extend(file.rule.into_iter().map(|r| (name.clone(), r)));
    }
    rules
}

/// A `redact` example: the input text, and the literal parts the output
/// must consist of, a placeholder standing between each two.
struct Example {
    input: String,
    /// The text before the first marked value, then for each marked
    /// value its line breaks (a redacted key block keeps them) and the
    /// text up to the next one.
    parts: Vec<String>,
}

fn parse_example(example: &str) -> Example {
    let mut input = String::new();
    let mut parts = vec![String::new()];
    let mut rest = example;
    while let Some(open) = rest.find('«') {
        let close = rest[open..].find('»').expect("every « has a »") + open;
        let (before, value) =
            (&rest[..open], &rest[open + '«'.len_utf8()..close]);
        input.push_str(before);
        input.push_str(value);
        parts.last_mut().expect("one part at least").push_str(before);
        parts
            .push(value.chars().filter(|&c| c == '\n' || c == '\r').collect());
        rest = &rest[close + '»'.len_utf8()..];
    }
    input.push_str(rest);
    parts.last_mut().expect("one part at least").push_str(rest);
    Example { input, parts }
}

/// The placeholder type at the start of `text`, as in `[EMAIL_2]`, and
/// the length of the placeholder.
fn placeholder_at(text: &str) -> Option<(&str, usize)> {
    let inner = text.strip_prefix('[')?;
    let close = inner.find(']')?;
    let (kind, number) = inner[..close].rsplit_once('_')?;
    let kind_ok = !kind.is_empty()
        && kind.bytes().all(|b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
        });
    let number_ok =
        !number.is_empty() && number.bytes().all(|b| b.is_ascii_digit());
    (kind_ok && number_ok).then_some((kind, close + 2))
}

impl Example {
    /// The placeholder types, in order, if `out` is the parts with a
    /// placeholder between each two.
    fn matches<'o>(&self, out: &'o str) -> Option<Vec<&'o str>> {
        let mut rest = out.strip_prefix(self.parts[0].as_str())?;
        let mut kinds = Vec::new();
        for part in &self.parts[1..] {
            let (kind, len) = placeholder_at(rest)?;
            kinds.push(kind);
            rest = rest[len..].strip_prefix(part.as_str())?;
        }
        rest.is_empty().then_some(kinds)
    }
}

/// The placeholder types a rule may write for its own values: its
/// placeholder and the names of its regex's groups.
fn own_types(rule: &Rule) -> Vec<String> {
    let mut types = vec![rule.placeholder.clone()];
    let mut rest = rule.regex.as_str();
    while let Some(at) = rest.find("(?P<") {
        rest = &rest[at + 4..];
        let end = rest.find('>').expect("a group name ends");
        types.push(rest[..end].to_string());
    }
    types
}

#[test]
fn every_rule_example() {
    let sanitizer = Sanitizer::default();
    let rules = load_rules();
    assert!(rules.len() > 100, "rules went missing: {}", rules.len());
    let mut failures = Vec::new();

    for (file, rule) in &rules {
        assert!(
            !rule.redact.is_empty(),
            "{file}: rule {} has no redact example",
            rule.id
        );
        for example in &rule.redact {
            let ex = parse_example(example);
            let out = sanitizer.sanitize(&ex.input).text;
            let Some(written) = ex.matches(&out) else {
                failures.push(format!(
                    "{file} {}: redact\n  input:    {:?}\n  output:   {:?}",
                    rule.id, ex.input, out
                ));
                continue;
            };
            let builtin = rule.detector.as_deref() == Some("builtin");
            let own = own_types(rule);
            if !builtin && !written.iter().any(|t| own.iter().any(|o| o == t))
            {
                failures.push(format!(
                    "{file} {}: another rule won\n  input:    {:?}\n  output:   {:?}",
                    rule.id, ex.input, out
                ));
            }
        }
        for example in &rule.keep {
            let out = sanitizer.sanitize(example).text;
            if &out != example {
                failures.push(format!(
                    "{file} {}: keep\n  input:    {example:?}\n  output:   {out:?}",
                    rule.id
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn rule_ids_are_unique_and_listed() {
    let listed: Vec<_> = fm_sanitizer::rules().map(|r| r.id).collect();
    let in_files: Vec<_> =
        load_rules().into_iter().map(|(_, r)| r.id).collect();
    assert_eq!(listed.len(), in_files.len());
    for id in in_files {
        assert!(listed.contains(&id.as_str()), "{id} not in the table");
    }
}

#[test]
fn enough_credential_formats() {
    // The product promises broad coverage of the formats an SRE meets:
    // each pattern rule is one provider's documented token format (the
    // assignment and built-in rules, which are not formats, are left out).
    let formats: Vec<String> = load_rules()
        .into_iter()
        .filter(|(_, r)| r.category == "credential" && r.detector.is_none())
        .map(|(_, r)| r.id)
        .collect();
    println!("{} credential formats", formats.len());
    assert!(formats.len() >= 60, "only {} credential formats", formats.len());
}
