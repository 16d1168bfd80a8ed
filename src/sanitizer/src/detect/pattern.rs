//! Pattern rules: a regex run in a window around an anchor, and the
//! user's custom patterns, run over the whole text.
//!
//! Built-in regexes compile on first use: a text that never mentions a
//! Slack token never pays for the Slack rule. Custom patterns compile up
//! front, so a bad one is reported when the user saves it.

use std::sync::OnceLock;

use regex_automata::meta::{self, Regex};
use regex_automata::nfa::thompson::WhichCaptures;
use regex_automata::util::syntax;
use regex_automata::{Anchored, Input, Span};

use super::{Sink, category_of, priority};
use crate::rule::{Detector, Pattern, RULE_COUNT, RULES, Validate};
use crate::text::{at, before, entropy, extend_left, extend_right, is_alnum};
use crate::{Category, CustomPattern, Error};

/// The regex dialect of every rule: bytes, ASCII classes, no Unicode
/// tables. Custom patterns get the same.
fn syntax() -> syntax::Config {
    syntax::Config::new().unicode(false).utf8(false)
}

/// A compiled rule: its regex and its named groups.
struct Compiled {
    regex: Regex,
    /// Group index and placeholder type of each named group.
    groups: Vec<(usize, Box<str>)>,
}

/// The longest value a context-word rule looks for.
const MAX_VALUE: usize = 1024;

/// Every pattern rule's regex, compiled when a text first needs it and
/// then shared by every sanitizer in the process: the content script
/// builds a sanitizer per capture, and compiling is the slow part.
static COMPILED: [OnceLock<Compiled>; RULE_COUNT] =
    [const { OnceLock::new() }; RULE_COUNT];

/// Per-rule progress through one text, so that no part of it is searched
/// twice for the same rule.
pub(crate) struct Progress {
    /// The end of the last match.
    found_until: Vec<usize>,
    /// For context-word rules: every match start before this has been
    /// tried.
    searched_until: Vec<usize>,
}

impl Progress {
    pub fn new(rules: usize) -> Self {
        Progress {
            found_until: vec![0; rules],
            searched_until: vec![0; rules],
        }
    }
}

fn spec(rule: usize) -> &'static Pattern {
    match &RULES[rule].detector {
        Detector::Pattern(spec) => spec,
        _ => unreachable!("only pattern rules are routed to a pattern"),
    }
}

fn compiled(rule: usize) -> &'static Compiled {
    COMPILED[rule].get_or_init(|| {
        let spec = spec(rule);
        let captures = if spec.named_groups {
            WhichCaptures::All
        } else {
            WhichCaptures::Implicit
        };
        let regex = Regex::builder()
            .syntax(syntax())
            .configure(Regex::config().which_captures(captures))
            .build(spec.regex)
            .unwrap_or_else(|e| {
                panic!("rule {}: built-in pattern: {e}", RULES[rule].id)
            });
        let groups = named_groups(&regex);
        Compiled { regex, groups }
    })
}

/// Searches rule `rule` around its anchor found at `start..end`; accepts
/// matches that contain the anchor.
pub(crate) fn run_at_anchor<'e>(
    rule: usize,
    hay: &[u8],
    start: usize,
    end: usize,
    progress: &mut Progress,
    sink: &mut Sink<'e>,
) {
    if start < progress.found_until[rule] {
        return;
    }
    let spec = spec(rule);
    if !could_hold_match(spec, hay, start) {
        return;
    }
    let compiled = compiled(rule);
    let to = end.saturating_add(spec.after as usize).min(hay.len());
    if spec.before == 0 {
        // The match starts at the anchor: one anchored search, which
        // stops at the first byte that cannot continue it.
        let input = Input::new(hay)
            .span(Span { start, end: to })
            .anchored(Anchored::Yes);
        if let Some(m) = compiled.regex.search(&input)
            && m.end() >= end
            && accept(compiled, spec, rule, hay, m.range(), sink)
        {
            progress.found_until[rule] = m.end();
        }
        return;
    }
    let from = start.saturating_sub(spec.before as usize);
    let input = Input::new(hay).span(Span { start: from, end: to });
    for m in compiled.regex.find_iter(input) {
        if m.start() > start {
            break;
        }
        if m.end() >= end && accept(compiled, spec, rule, hay, m.range(), sink)
        {
            progress.found_until[rule] = m.end();
            return;
        }
    }
}

/// Searches rule `rule` after a context word ending at `end`: a match
/// must start within `after` bytes of it, and may run on past that.
pub(crate) fn run_after_keyword<'e>(
    rule: usize,
    hay: &[u8],
    end: usize,
    progress: &mut Progress,
    sink: &mut Sink<'e>,
) {
    let spec = spec(rule);
    let from =
        end.max(progress.found_until[rule]).max(progress.searched_until[rule]);
    let mut last_start =
        end.saturating_add(spec.after as usize).min(hay.len());
    // A context word's reach ends at a placeholder: the value it spoke of
    // is gone, and what follows was out of its reach before the value
    // was replaced by something shorter.
    if let Some(p) = first_placeholder(&hay[end..last_start]) {
        last_start = end + p;
    }
    let longest = (spec.max_len as usize).min(MAX_VALUE);
    let to = last_start.saturating_add(longest).min(hay.len());
    if from >= to {
        return;
    }
    let compiled = compiled(rule);
    let input = Input::new(hay).span(Span { start: from, end: to });
    for m in compiled.regex.find_iter(input) {
        if m.start() > last_start {
            break;
        }
        if accept(compiled, spec, rule, hay, m.range(), sink) {
            progress.found_until[rule] = m.end();
        }
    }
    // Every match that starts up to `last_start` ends by `to`, so a later
    // context word need not try those starts again.
    progress.searched_until[rule] = last_start + 1;
}

/// Where the first placeholder in `window` starts.
fn first_placeholder(window: &[u8]) -> Option<usize> {
    memchr::memchr_iter(b'[', window).find(|&open| {
        let rest = &window[open..];
        let close = rest.iter().take(64).position(|&b| b == b']');
        close.is_some_and(|c| crate::text::is_placeholder(&rest[..=c]))
    })
}

/// Whether the run of bytes the rule's matches are made of, around the
/// anchor at `start`, is long enough to hold a match.
fn could_hold_match(spec: &Pattern, hay: &[u8], start: usize) -> bool {
    let min = spec.min_len as usize;
    let left =
        extend_left(hay, start, spec.before as usize, |b| spec.in_class(b));
    let right =
        extend_right(hay, start, min.saturating_sub(start - left), |b| {
            spec.in_class(b)
        });
    right - left >= min
}

/// Checks a match and reports its values; returns whether it was taken.
fn accept<'e>(
    compiled: &'e Compiled,
    spec: &Pattern,
    rule: usize,
    hay: &[u8],
    range: std::ops::Range<usize>,
    sink: &mut Sink<'e>,
) -> bool {
    if spec.boundary
        && (is_alnum(before(hay, range.start)) || is_alnum(at(hay, range.end)))
    {
        return false;
    }
    let valid = match spec.validate {
        Validate::None => true,
        Validate::Jwt => crate::validate::jwt(&hay[range.clone()]),
        Validate::Grafana => crate::validate::grafana(&hay[range.clone()]),
    };
    if !valid {
        return false;
    }
    let rule = &RULES[rule];

    if compiled.groups.is_empty() {
        if entropy(&hay[range.clone()]) < spec.min_entropy {
            return false;
        }
        sink.push(
            hay,
            range.start,
            range.end,
            rule.placeholder,
            rule.category,
            priority::TOKEN,
        );
        return true;
    }

    // Named groups: run again for the captures, only on this match.
    let input = Input::new(hay).span(range).anchored(Anchored::Yes);
    let mut caps = compiled.regex.create_captures();
    compiled.regex.search_captures(&input, &mut caps);
    let mut taken = false;
    for (index, kind) in &compiled.groups {
        let Some(span) = caps.get_group(*index) else { continue };
        if entropy(&hay[span.range()]) < spec.min_entropy {
            continue;
        }
        let category = category_of(kind, rule.category);
        sink.push(hay, span.start, span.end, kind, category, priority::TOKEN);
        taken = true;
    }
    taken
}

fn named_groups(regex: &Regex) -> Vec<(usize, Box<str>)> {
    regex
        .group_info()
        .pattern_names(regex_automata::PatternID::ZERO)
        .enumerate()
        .filter_map(|(i, name)| name.map(|n| (i, n.into())))
        .collect()
}

/// Custom patterns, compiled into one regex so the text is read once
/// however many there are.
pub(crate) struct Custom {
    regex: Regex,
    /// The placeholder type of each pattern, by pattern id.
    kinds: Vec<Box<str>>,
}

/// The most custom patterns a user may define.
pub const MAX_CUSTOM: usize = 64;
/// The compiled size limit of one custom pattern, in bytes.
pub const CUSTOM_SIZE_LIMIT: usize = 1 << 20;

pub(crate) fn compile_custom(
    patterns: &[CustomPattern],
) -> Result<Vec<Custom>, Error> {
    if patterns.is_empty() {
        return Ok(Vec::new());
    }
    if patterns.len() > MAX_CUSTOM {
        return Err(Error::TooManyPatterns { limit: MAX_CUSTOM });
    }
    let mut kinds: Vec<Box<str>> = Vec::with_capacity(patterns.len());
    for p in patterns {
        let kind = placeholder_for(&p.name)?;
        if kinds.contains(&kind) {
            return Err(Error::DuplicateName { name: p.name.clone() });
        }
        // Compile each alone first, so an error names its pattern.
        let single = build_custom(&[p.pattern.as_str()])
            .map_err(|e| custom_error(&p.name, e))?;
        if single.search(&Input::new("")).is_some_and(|m| m.is_empty()) {
            return Err(Error::MatchesEmpty { name: p.name.clone() });
        }
        kinds.push(kind);
    }
    let all: Vec<&str> = patterns.iter().map(|p| p.pattern.as_str()).collect();
    let regex =
        build_custom(&all).map_err(|e| custom_error(&patterns[0].name, e))?;
    Ok(vec![Custom { regex, kinds }])
}

fn build_custom(patterns: &[&str]) -> Result<Regex, Box<meta::BuildError>> {
    let limit = CUSTOM_SIZE_LIMIT * patterns.len();
    Regex::builder()
        .syntax(syntax())
        .configure(
            Regex::config()
                .nfa_size_limit(Some(limit))
                .onepass_size_limit(Some(limit))
                .dfa_size_limit(Some(limit)),
        )
        .build_many(patterns)
        .map_err(Box::new)
}

fn custom_error(name: &str, e: Box<meta::BuildError>) -> Error {
    match e.size_limit() {
        Some(limit) => Error::PatternTooLarge { name: name.into(), limit },
        None => {
            let message = match e.syntax_error() {
                Some(s) => s.to_string(),
                None => e.to_string(),
            };
            Error::InvalidPattern { name: name.into(), message }
        }
    }
}

/// The placeholder type for a custom pattern's name: `db-host` writes
/// `[DB_HOST_1]`.
fn placeholder_for(name: &str) -> Result<Box<str>, Error> {
    let usable = (1..=32).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.as_bytes()[0].is_ascii_alphabetic();
    if !usable {
        return Err(Error::InvalidName { name: name.into() });
    }
    Ok(name.to_ascii_uppercase().replace('-', "_").into())
}

impl Custom {
    pub fn find_all<'e>(&'e self, hay: &[u8], sink: &mut Sink<'e>) {
        for m in self.regex.find_iter(Input::new(hay)) {
            if m.is_empty() {
                continue;
            }
            let kind = &self.kinds[m.pattern().as_usize()];
            sink.push(
                hay,
                m.start(),
                m.end(),
                kind,
                Category::Custom,
                priority::CUSTOM,
            );
        }
    }
}
