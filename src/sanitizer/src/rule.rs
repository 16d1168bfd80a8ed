//! The rule table. `build.rs` generates it from `rules/*.toml`; this
//! module defines its shape and what each field means.
//!
//! A rule is one of three kinds:
//!
//! * a **pattern**: a regex run near its anchors (literal substrings of
//!   every match, or key words that must come shortly before it);
//! * an **assignment**: key words such as `password` or `token`; the
//!   assignment detector finds `key = value` in its many spellings and
//!   redacts the value;
//! * a **builtin**: a detector written in code, for values a regex cannot
//!   check (Luhn, mod-97, address syntax) or that have structure to keep
//!   (URLs, headers, PEM blocks).

use crate::Category;

/// A rule from the table.
#[derive(Debug)]
pub(crate) struct Rule {
    pub id: &'static str,
    pub name: &'static str,
    pub category: Category,
    /// The placeholder type, as in `[GITHUB_TOKEN_1]`.
    pub placeholder: &'static str,
    pub detector: Detector,
}

#[derive(Debug)]
pub(crate) enum Detector {
    Pattern(Pattern),
    Assignment(Assignment),
    Builtin(Builtin),
}

/// A regex rule. Named groups in `regex` are the values to redact, each
/// with its group name as placeholder type (`(?P<PASSWORD>...)`); without
/// named groups the whole match is the value.
#[derive(Debug)]
pub(crate) struct Pattern {
    /// Case-sensitive literals that every match contains.
    pub anchors: &'static [&'static str],
    /// Case-insensitive words that must come before a match.
    pub keywords: &'static [&'static str],
    /// How far before the anchor a match may start, in bytes.
    pub before: u32,
    /// With anchors: how far after the anchor a match may end. With
    /// keywords: how far after the keyword a match may start. In bytes.
    pub after: u32,
    pub regex: &'static str,
    /// The least Shannon entropy, in bits per byte, of a value.
    pub min_entropy: f32,
    pub validate: Validate,
    /// Whether a match must not touch a letter or digit on either side.
    pub boundary: bool,
    /// Every byte a match may hold, as a 256-bit set, and the length of
    /// the shortest match: a run of such bytes shorter than that around
    /// an anchor cannot hold a match, and costs no regex search.
    pub class: [u64; 4],
    pub min_len: u32,
    /// The length of the longest match, `u32::MAX` if unbounded.
    pub max_len: u32,
    /// Whether the regex names groups (see above); only those need the
    /// slower search that reports where groups matched.
    pub named_groups: bool,
    /// Anchors are looked up where a word (a run of letters and digits)
    /// starts, or at one of `blocks::SPECIALS`. With `tail`, they sit
    /// inside a word instead, starting this many bytes before its end
    /// (the `AZDO` of `...AZDOFTJR`); they may run past it (`8Q~`).
    pub tail: Option<u32>,
}

impl Pattern {
    pub fn in_class(&self, b: u8) -> bool {
        self.class[usize::from(b >> 6)] >> (b & 63) & 1 == 1
    }
}

/// Extra checks a pattern's matches must pass.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Validate {
    None,
    /// The first dot-separated part is base64url of a JSON object.
    Jwt,
    /// Base64 of Grafana's key JSON, `{"k":...,"n":...,"id":...}`.
    Grafana,
}

/// Key words for the assignment detector.
#[derive(Debug)]
pub(crate) struct Assignment {
    /// Lower-case words that, as the last word of a key, make it secret.
    pub words: &'static [&'static str],
    /// Whether a word also counts at the end of a longer word
    /// (`jwtsecret`, `dbpassword`).
    pub suffix: bool,
    /// If not empty, the word counts only after one of these
    /// (`api` `key`, `secret` `key`), or glued to one (`apikey`).
    pub qualifiers: &'static [&'static str],
    pub strength: Strength,
}

/// How much evidence an assignment's value needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Strength {
    /// Any value that is not empty, a mask or a reference is secret.
    Strong,
    /// Only values that look machine-generated are secret.
    Weak,
    /// A user name: any literal value with a letter in it.
    Name,
}

/// The detectors written in code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Builtin {
    Email,
    Ipv4,
    Ipv6,
    Mac,
    PaymentCard,
    Iban,
    Ssn,
    Phone,
    UrlCredentials,
    PrivateKey,
    AuthHeader,
    Cookie,
    CommandCredentials,
    Netrc,
}

/// A public description of one rule, for documentation and the CLI's
/// `--list-rules`.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// A stable identifier, such as `github-token`.
    pub id: &'static str,
    /// What the rule finds, for people.
    pub name: &'static str,
    /// The category that switches it off.
    pub category: Category,
    /// The placeholder type it writes.
    pub placeholder: &'static str,
}

/// Every built-in rule.
pub fn rules() -> impl Iterator<Item = RuleInfo> {
    RULES.iter().map(|r| RuleInfo {
        id: r.id,
        name: r.name,
        category: r.category,
        placeholder: r.placeholder,
    })
}

include!(concat!(env!("OUT_DIR"), "/rules.rs"));
