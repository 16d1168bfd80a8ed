//! Turns findings into output: resolves overlaps, finds repeats of
//! redacted values, numbers the placeholders and writes the text.

use std::collections::BTreeMap;

use crate::blocks;
use crate::detect::{Finding, priority};
use crate::report::{CategoryCount, Redaction, Report};
use crate::text::{is_alnum, is_placeholder, looks_random};
use crate::{Category, Sanitized};

/// Numbering and offsets carried from one chunk of a text to the next,
/// so a value keeps its placeholder across chunks.
///
/// Values come from the page, which may be hostile, so they are kept in
/// ordered maps: a hash map's worst case, many values crafted to collide,
/// would make sanitizing quadratic.
#[derive(Default)]
pub(crate) struct State<'e> {
    numbers: BTreeMap<&'e str, BTreeMap<Box<[u8]>, usize>>,
    next: BTreeMap<Box<str>, usize>,
    /// Credentials worth finding again, here and in later chunks.
    repeatable: BTreeMap<Box<[u8]>, (&'e str, Category)>,
    /// The same values by their first 8 bytes.
    prefixes: BTreeMap<u64, Vec<Box<[u8]>>>,
    /// One bit per value prefix, so most words cost a shift and a load.
    filter: PrefixFilter,
    out_bytes: usize,
    out_utf16: usize,
}

pub(crate) fn apply<'e>(
    state: &mut State<'e>,
    text: &str,
    mut findings: Vec<Finding<'e>>,
) -> Sanitized {
    for f in &mut findings {
        snap_to_chars(text, f);
    }
    let mut chosen = resolve(findings);
    add_repeats(state, text.as_bytes(), &mut chosen);
    write(state, text, chosen.into_values())
}

/// Widens a finding to whole characters: byte-level rules may stop inside
/// a multi-byte character.
fn snap_to_chars(text: &str, f: &mut Finding<'_>) {
    while !text.is_char_boundary(f.start) {
        f.start -= 1;
    }
    while !text.is_char_boundary(f.end) {
        f.end += 1;
    }
}

/// Keeps a set of non-overlapping findings, the most specific first: by
/// priority, then the longer, then the earlier. Returns them by start.
fn resolve(mut findings: Vec<Finding<'_>>) -> BTreeMap<usize, Finding<'_>> {
    findings.sort_unstable_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    let mut chosen = BTreeMap::new();
    for f in findings {
        if is_free(&chosen, f.start, f.end) {
            chosen.insert(f.start, f);
        }
    }
    chosen
}

fn is_free(
    chosen: &BTreeMap<usize, Finding<'_>>,
    start: usize,
    end: usize,
) -> bool {
    let before_ok =
        chosen.range(..=start).next_back().is_none_or(|(_, p)| p.end <= start);
    let after_ok = chosen.range(start..).next().is_none_or(|(&s, _)| s >= end);
    before_ok && after_ok
}

/// Finds every other occurrence of a redacted credential that looks
/// machine-generated, so that a token quoted once with its key and once
/// bare in a log line is hidden in both. Words and short values are left
/// alone: hiding every "postgres" because it was a user name would wreck
/// the text.
///
/// Such values start with a letter or digit and with 8 token characters
/// (letters, digits, `_-.+/=`), and a repeat must start a word, so only
/// word starts followed by 8 token characters are looked up, by those 8
/// bytes: one hash probe per long word, whatever the number of values.
fn add_repeats<'e>(
    state: &mut State<'e>,
    hay: &[u8],
    chosen: &mut BTreeMap<usize, Finding<'e>>,
) {
    for f in chosen.values() {
        let value = &hay[f.start..f.end];
        let wanted =
            matches!(f.category, Category::Credential | Category::Custom)
                && is_alnum(value[0])
                && value.len() >= 8
                && value[..8].iter().all(|&b| blocks::Class::Token.test(b))
                && looks_random(value);
        if wanted && !state.repeatable.contains_key(value) {
            let prefix = prefix_key(value);
            state.repeatable.insert(value.into(), (f.kind, f.category));
            state.prefixes.entry(prefix).or_default().push(value.into());
            state.filter.insert(prefix);
        }
    }
    if state.repeatable.is_empty() || hay.len() < 8 {
        return;
    }

    let mut repeats = Vec::new();
    // Bit 63 of the previous block's letters and digits.
    let mut carry = 0u64;
    let word_starts = |block: &[u8; 64]| {
        let a = blocks::mask(block, blocks::Class::Alnum);
        let starts = a & !(a << 1 | carry);
        carry = a >> 63;
        // A value is at least 8 bytes of token characters: keep only
        // starts followed by 7 more (the last 7 positions of the block
        // cannot be told from here and are kept).
        let t = blocks::mask(block, blocks::Class::Token);
        let mut run = t;
        for k in 1..8 {
            run &= t >> k;
        }
        starts & (run | !0u64 << 57)
    };
    blocks::scan(hay, word_starts, |i| {
        if i + 8 > hay.len() {
            return i + 1;
        }
        let key = prefix_key(&hay[i..]);
        if !state.filter.may_contain(key) {
            return i + 1;
        }
        let Some(candidates) = state.prefixes.get(&key) else {
            return i + 1;
        };
        // The longest value that fits and ends at a word boundary.
        let found = candidates
            .iter()
            .filter(|v| {
                let end = i + v.len();
                hay.get(i..end) == Some(&v[..])
                    && (end == hay.len() || !is_alnum(hay[end]))
            })
            .max_by_key(|v| v.len());
        if let Some(value) = found {
            repeats.push((i, i + value.len(), state.repeatable[&value[..]]));
        }
        i + 1
    });
    for (start, end, (kind, category)) in repeats {
        if is_free(chosen, start, end) {
            let priority = priority::ECHO;
            chosen.insert(
                start,
                Finding { start, end, kind, category, priority },
            );
        }
    }
}

fn prefix_key(value: &[u8]) -> u64 {
    u64::from_le_bytes(value[..8].try_into().expect("8 bytes"))
}

/// Mixes a prefix into a well-spread 64-bit hash.
fn mix(key: u64) -> u64 {
    (key ^ (key >> 29)).wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

/// A 64 Ki-bit filter over value prefixes.
pub(crate) struct PrefixFilter(Box<[u64; 1024]>);

impl Default for PrefixFilter {
    fn default() -> Self {
        PrefixFilter(Box::new([0; 1024]))
    }
}

impl PrefixFilter {
    fn insert(&mut self, key: u64) {
        let bit = mix(key) >> 48;
        self.0[(bit >> 6) as usize] |= 1 << (bit & 63);
    }

    fn may_contain(&self, key: u64) -> bool {
        let bit = mix(key) >> 48;
        self.0[(bit >> 6) as usize] & (1 << (bit & 63)) != 0
    }
}

/// Writes the output and the report. Placeholders are numbered per type
/// in order of first appearance, continuing after any placeholder already
/// in the text, so sanitizing sanitized text changes nothing.
fn write<'e>(
    state: &mut State<'e>,
    text: &str,
    findings: impl Iterator<Item = Finding<'e>>,
) -> Sanitized {
    let hay = text.as_bytes();
    for (kind, n) in existing_numbers(hay) {
        let slot = state.next.entry(kind.into()).or_insert(0);
        *slot = (*slot).max(n);
    }
    let mut counts: BTreeMap<Category, CategoryCount> = BTreeMap::new();

    let mut out = String::with_capacity(text.len() + text.len() / 16);
    let mut redactions = Vec::new();
    let mut copied = 0;
    let mut utf16 = state.out_utf16;
    for f in findings {
        let segment = &text[copied..f.start];
        out.push_str(segment);
        utf16 += utf16_len(segment.as_bytes());

        let value = &hay[f.start..f.end];
        let count = counts.entry(f.category).or_insert(CategoryCount {
            category: f.category,
            values: 0,
            occurrences: 0,
        });
        count.occurrences += 1;
        let numbers = state.numbers.entry(f.kind).or_default();
        let n = match numbers.get(value) {
            Some(&n) => n,
            None => {
                count.values += 1;
                let next = state.next.entry(f.kind.into()).or_insert(0);
                *next += 1;
                numbers.insert(value.into(), *next);
                *next
            }
        };

        let placeholder = format!("[{}_{n}]", f.kind);
        let start = out.len();
        out.push_str(&placeholder);
        let len = out.len() - start;
        redactions.push(Redaction {
            placeholder,
            category: f.category,
            start: state.out_bytes + start,
            end: state.out_bytes + start + len,
            start_utf16: utf16,
            end_utf16: utf16 + len,
        });
        utf16 += len;

        // Keep the line structure: a redacted PEM body still spans its
        // lines.
        for &b in value {
            if b == b'\n' || b == b'\r' {
                out.push(b as char);
                utf16 += 1;
            }
        }
        copied = f.end;
    }
    let rest = &text[copied..];
    out.push_str(rest);
    state.out_utf16 = utf16 + utf16_len(rest.as_bytes());
    state.out_bytes += out.len();

    let counts = counts.into_values().collect();
    Sanitized { text: out, report: Report { redactions, counts } }
}

/// UTF-16 code units in a UTF-8 byte string: one per character, two for
/// characters outside the Basic Multilingual Plane.
fn utf16_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    // Counted in u32 per chunk, which the compiler vectorizes.
    let mut fewer = 0;
    for chunk in bytes.chunks(1 << 16) {
        // Wrapping: a lead byte may come before its continuation bytes.
        let mut n = 0u32;
        for &b in chunk {
            n = n.wrapping_add(u32::from((b as i8) < -64));
            n = n.wrapping_sub(u32::from(b >= 0xF0));
        }
        fewer += n as usize;
    }
    bytes.len() - fewer
}

/// The highest number already used for each placeholder type in `hay`.
fn existing_numbers(hay: &[u8]) -> BTreeMap<&str, usize> {
    let mut highest = BTreeMap::new();
    for open in memchr::memchr_iter(b'[', hay) {
        if !hay.get(open + 1).is_some_and(u8::is_ascii_uppercase) {
            continue;
        }
        let window = &hay[open..hay.len().min(open + 64)];
        let Some(close) = memchr::memchr(b']', window) else { continue };
        let candidate = &window[..=close];
        if !is_placeholder(candidate) {
            continue;
        }
        let inner = &candidate[1..candidate.len() - 1];
        let underscore =
            inner.iter().rposition(|&b| b == b'_').expect("checked");
        let kind = std::str::from_utf8(&inner[..underscore]).expect("ASCII");
        let n: usize = std::str::from_utf8(&inner[underscore + 1..])
            .expect("ASCII")
            .parse()
            .unwrap_or(usize::MAX / 2);
        let slot = highest.entry(kind).or_insert(0);
        *slot = (*slot).max(n);
    }
    highest
}
