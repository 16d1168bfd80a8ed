//! Turns findings into output: resolves overlaps, finds repeats of
//! redacted values, numbers the placeholders and writes the text.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;

use crate::detect::{Finding, KEEP, priority};
use crate::engine::Found;
use crate::report::{CategoryCount, Redaction, Report};
use crate::text::{is_alnum, is_placeholder, is_token, looks_random};
use crate::{Category, Sanitized};

/// Numbering and offsets carried from one chunk of a text to the next,
/// so a value keeps its placeholder across chunks.
///
/// Values come from the page, which may be hostile, so they are kept in
/// ordered maps: a hash map's worst case, many values crafted to collide,
/// would make sanitizing quadratic.
#[derive(Default)]
pub(crate) struct State<'e> {
    numbers: BTreeMap<&'e str, Numbers>,
    next: BTreeMap<Box<str>, usize>,
    /// Credentials worth finding again, here and in later chunks.
    repeatable: Repeatables<'e>,
    /// One bit per value prefix, so most words cost a shift and a load.
    filter: PrefixFilter,
    out_bytes: usize,
    out_utf16: usize,
}

/// The number each value of one kind was given. Short values (addresses,
/// phone numbers, most user names) are kept inline, packed with their
/// length in a `u128`, so that a text of a million addresses needs no
/// million small allocations.
#[derive(Default)]
struct Numbers {
    short: BTreeMap<u128, usize>,
    long: BTreeMap<Box<[u8]>, usize>,
}

impl Numbers {
    /// Up to 15 bytes, then the length: distinct values, distinct keys.
    fn short_key(value: &[u8]) -> Option<u128> {
        if value.len() > 15 {
            return None;
        }
        let mut key = [0u8; 16];
        key[..value.len()].copy_from_slice(value);
        key[15] = value.len() as u8;
        Some(u128::from_le_bytes(key))
    }

    fn get(&self, value: &[u8]) -> Option<usize> {
        match Numbers::short_key(value) {
            Some(key) => self.short.get(&key).copied(),
            None => self.long.get(value).copied(),
        }
    }

    fn insert(&mut self, value: &[u8], n: usize) {
        match Numbers::short_key(value) {
            Some(key) => self.short.insert(key, n),
            None => self.long.insert(value.into(), n),
        };
    }
}

/// What a redacted value to look for again was.
#[derive(Clone, Copy)]
struct Repeatable<'e> {
    kind: &'e str,
    category: Category,
}

/// The values to look for again, and, by their first 8 bytes, the
/// lengths they come in, longest first.
///
/// A lookup tries each length of its prefix once, so its cost does not
/// grow with the number of values that share a prefix: every JWT starts
/// with the same `eyJhbGci`, and a log may hold thousands of them.
#[derive(Default)]
struct Repeatables<'e> {
    lengths: BTreeMap<u64, Vec<usize>>,
    values: BTreeMap<Box<[u8]>, Repeatable<'e>>,
}

impl<'e> Repeatables<'e> {
    /// Adds `value`, unless it is there already (it keeps what it was
    /// first).
    fn insert(&mut self, value: &[u8], what: Repeatable<'e>) {
        // Most values are new: one search, which needs the key boxed.
        let Entry::Vacant(slot) = self.values.entry(value.into()) else {
            return;
        };
        slot.insert(what);
        let lengths = self.lengths.entry(prefix_key(value)).or_default();
        if let Err(at) = lengths.binary_search_by(|l| value.len().cmp(l)) {
            lengths.insert(at, value.len());
        }
    }

    /// The longest value with prefix `key` that is at `i` and ends at a
    /// word boundary, and its length.
    #[inline(never)]
    fn longest_at(
        &self,
        hay: &[u8],
        i: usize,
        key: u64,
    ) -> Option<(usize, Repeatable<'e>)> {
        self.lengths.get(&key)?.iter().find_map(|&len| {
            let end = i + len;
            let bounded = end == hay.len() || !is_alnum(*hay.get(end)?);
            bounded
                .then(|| self.values.get(&hay[i..end]))
                .flatten()
                .map(|&r| (len, r))
        })
    }
}

pub(crate) fn apply<'e>(
    state: &mut State<'e>,
    text: &str,
    found: Found<'e>,
) -> Sanitized {
    let Found { mut findings, token_starts } = found;
    for f in &mut findings {
        snap_to_chars(text, f);
    }
    let hay = text.as_bytes();
    let existing = placeholders(hay);
    // A placeholder already in the text (it was sanitized before) stays,
    // and so does what is around it: the finding that wrote it beat those
    // around it then, and must now. What only touches it is left alone
    // too: `host::5432` is no IPv6 address, but `[HOST_1]::5432` would
    // be. Only this way does sanitizing twice change nothing.
    if !existing.is_empty() {
        findings.retain(|f| {
            let next = existing.partition_point(|p| p.end < f.start);
            existing.get(next).is_none_or(|p| p.start > f.end)
        });
    }
    for p in &existing {
        let (start, end) = (p.start, p.end);
        let (kind, priority) = (KEEP, priority::PLACEHOLDER);
        let category = Category::Custom;
        findings.push(Finding { start, end, kind, category, priority });
    }
    for p in &existing {
        let slot = match state.next.get_mut(p.kind) {
            Some(slot) => slot,
            None => state.next.entry(p.kind.into()).or_insert(0),
        };
        *slot = (*slot).max(p.number);
    }
    let chosen = resolve(findings);
    let chosen = add_repeats(state, hay, chosen, &token_starts);
    write(state, text, &chosen)
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
///
/// Most findings overlap nothing, so the findings are sorted by position
/// and only each cluster of overlapping ones is resolved.
fn resolve(mut findings: Vec<Finding<'_>>) -> Vec<Finding<'_>> {
    findings.sort_unstable_by_key(|f| (f.start, f.end));
    let mut chosen = Vec::with_capacity(findings.len());
    let mut rest = &mut findings[..];
    while !rest.is_empty() {
        let mut end = rest[0].end;
        let mut len = 1;
        while len < rest.len() && rest[len].start < end {
            end = end.max(rest[len].end);
            len += 1;
        }
        let (cluster, tail) = rest.split_at_mut(len);
        if let [only] = cluster {
            chosen.push(*only);
        } else {
            resolve_cluster(cluster, &mut chosen);
        }
        rest = tail;
    }
    chosen
}

/// Resolves findings that overlap each other, directly or through
/// others, and appends the winners to `chosen` by start.
fn resolve_cluster<'e>(
    cluster: &mut [Finding<'e>],
    chosen: &mut Vec<Finding<'e>>,
) {
    cluster.sort_unstable_by(|a, b| {
        b.priority
            .cmp(&a.priority)
            .then((b.end - b.start).cmp(&(a.end - a.start)))
            .then(a.start.cmp(&b.start))
    });
    // Ordered by start, so each candidate is checked against its two
    // neighbours only.
    let mut kept: BTreeMap<usize, Finding<'e>> = BTreeMap::new();
    for f in cluster.iter() {
        let before_ok = kept
            .range(..=f.start)
            .next_back()
            .is_none_or(|(_, p)| p.end <= f.start);
        let after_ok =
            kept.range(f.start..).next().is_none_or(|(&s, _)| s >= f.end);
        if before_ok && after_ok {
            kept.insert(f.start, *f);
        }
    }
    chosen.extend(kept.into_values());
}

/// Finds every other occurrence of a redacted credential that looks
/// machine-generated, so that a token quoted once with its key and once
/// bare in a log line is hidden in both. Words and short values are left
/// alone: hiding every "postgres" because it was a user name would wreck
/// the text.
///
/// Such values start with a letter or digit and with 8 token characters
/// (letters, digits, `_-.+/=~`), and a repeat must start a word, so only
/// such word starts, which the detection scan listed, are looked up, by
/// their next 8 bytes: one filter probe each, whatever the number of
/// values.
fn add_repeats<'e>(
    state: &mut State<'e>,
    hay: &[u8],
    chosen: Vec<Finding<'e>>,
    token_starts: &[u64],
) -> Vec<Finding<'e>> {
    for f in chosen.iter().filter(|f| f.kind != KEEP) {
        let value = &hay[f.start..f.end];
        let wanted =
            matches!(f.category, Category::Credential | Category::Custom)
                && is_alnum(value[0])
                && value.len() >= 8
                && value[..8].iter().all(|&b| is_token(b))
                && looks_random(value);
        if !wanted {
            continue;
        }
        let (kind, category) = (f.kind, f.category);
        state.repeatable.insert(value, Repeatable { kind, category });
        state.filter.insert(prefix_key(value));
    }
    if state.repeatable.values.is_empty() {
        return chosen;
    }

    let mut repeats: Vec<Finding<'e>> = Vec::new();
    for (block, &starts) in token_starts.iter().enumerate() {
        let (base, mut starts) = (block * 64, starts);
        while starts != 0 {
            let i = base + starts.trailing_zeros() as usize;
            starts &= starts - 1;
            // Eight token bytes follow, so these are inside the text.
            let Some(word) = hay[i..].first_chunk::<8>() else { break };
            let key = u64::from_le_bytes(*word);
            if !state.filter.may_contain(key) {
                continue;
            }
            if let Some((len, r)) = state.repeatable.longest_at(hay, i, key) {
                let (kind, category) = (r.kind, r.category);
                let end = i + len;
                let priority = priority::ECHO;
                repeats.push(Finding {
                    start: i,
                    end,
                    kind,
                    category,
                    priority,
                });
            }
        }
    }
    merge_repeats(chosen, repeats)
}

/// Adds to `chosen` the repeats that overlap neither a finding nor an
/// earlier repeat. Both lists are ordered by start.
fn merge_repeats<'e>(
    chosen: Vec<Finding<'e>>,
    repeats: Vec<Finding<'e>>,
) -> Vec<Finding<'e>> {
    if repeats.is_empty() {
        return chosen;
    }
    let mut free = Vec::with_capacity(repeats.len());
    let mut last_end = 0;
    for r in repeats {
        let next = chosen.partition_point(|f| f.start < r.start);
        let before_ok = next == 0 || chosen[next - 1].end <= r.start;
        let after_ok = chosen.get(next).is_none_or(|f| f.start >= r.end);
        if before_ok && after_ok && r.start >= last_end {
            last_end = r.end;
            free.push(r);
        }
    }
    let mut merged = Vec::with_capacity(chosen.len() + free.len());
    let (mut a, mut b) = (chosen.into_iter().peekable(), free.into_iter());
    for r in b.by_ref() {
        while let Some(f) = a.next_if(|f| f.start < r.start) {
            merged.push(f);
        }
        merged.push(r);
    }
    merged.extend(a);
    merged
}

fn prefix_key(value: &[u8]) -> u64 {
    u64::from_le_bytes(value[..8].try_into().expect("8 bytes"))
}

/// The filter bit of a prefix: a multiply carries every byte into the
/// top bits.
fn mix(key: u64) -> u64 {
    key.wrapping_mul(0xBF58_476D_1CE4_E5B9)
}

/// A 64 Ki-bit filter over value prefixes.
pub(crate) struct PrefixFilter(Box<[u64; 1024]>);

impl Default for PrefixFilter {
    fn default() -> Self {
        PrefixFilter(Box::new([0; 1024]))
    }
}

impl PrefixFilter {
    /// Two bits per prefix, from the top and next 16 bits of one
    /// multiply: with thousands of values (a long log) one bit would let
    /// a few percent of words through to the slow lookup.
    fn bits(key: u64) -> [usize; 2] {
        let h = mix(key);
        [(h >> 48) as usize, (h >> 32) as usize & 0xFFFF]
    }

    fn insert(&mut self, key: u64) {
        for bit in PrefixFilter::bits(key) {
            self.0[bit >> 6] |= 1 << (bit & 63);
        }
    }

    fn may_contain(&self, key: u64) -> bool {
        let [a, b] = PrefixFilter::bits(key);
        (self.0[a >> 6] >> (a & 63)) & (self.0[b >> 6] >> (b & 63)) & 1 != 0
    }
}

/// Writes the output and the report. Placeholders are numbered per type
/// in order of first appearance, continuing after any placeholder already
/// in the text, so sanitizing sanitized text changes nothing.
fn write<'e>(
    state: &mut State<'e>,
    text: &str,
    findings: &[Finding<'e>],
) -> Sanitized {
    let hay = text.as_bytes();
    let mut counts: [Option<CategoryCount>; Category::ALL.len()] =
        [None; Category::ALL.len()];

    // Placeholders already in the text are copied with the text around
    // them.
    let replaced = findings.iter().filter(|f| f.kind != KEEP);
    let (capacity, count) = output_size(state, hay, replaced.clone());
    let mut out = String::with_capacity(capacity);
    let mut redactions = Vec::with_capacity(count);
    let mut copied = 0;
    let mut utf16 = state.out_utf16;
    for &f in replaced {
        let segment = &text[copied..f.start];
        out.push_str(segment);
        utf16 += utf16_len(segment.as_bytes());

        let value = &hay[f.start..f.end];
        let count = counts[f.category as usize].get_or_insert(CategoryCount {
            category: f.category,
            values: 0,
            occurrences: 0,
        });
        count.occurrences += 1;
        let numbers = state.numbers.entry(f.kind).or_default();
        let n = match numbers.get(value) {
            Some(n) => n,
            None => {
                count.values += 1;
                let next = match state.next.get_mut(f.kind) {
                    Some(next) => next,
                    None => state.next.entry(f.kind.into()).or_insert(0),
                };
                *next += 1;
                numbers.insert(value, *next);
                *next
            }
        };

        let start = out.len();
        write_placeholder(&mut out, f.kind, n);
        let len = out.len() - start;
        redactions.push(Redaction {
            category: f.category,
            start: state.out_bytes + start,
            end: state.out_bytes + start + len,
            start_utf16: utf16,
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
    let offset = state.out_bytes;
    state.out_bytes += out.len();

    let counts = counts.into_iter().flatten().collect();
    Sanitized { text: out, report: Report { redactions, counts }, offset }
}

/// The longest the output can be, and the number of placeholders: the
/// output is allocated once, so a text dense with short values is not
/// copied as it outgrows its buffer.
fn output_size<'a, 'e: 'a>(
    state: &State<'e>,
    hay: &[u8],
    replaced: impl Iterator<Item = &'a Finding<'e>>,
) -> (usize, usize) {
    let (mut growth, mut count) = (0, 0);
    for f in replaced {
        // `[KIND_` and `]`, and the value's line breaks, which are kept.
        let value = &hay[f.start..f.end];
        let breaks =
            value.iter().filter(|&&b| b == b'\n' || b == b'\r').count();
        growth += (f.kind.len() + 3 + breaks).saturating_sub(value.len());
        count += 1;
    }
    let highest = state.next.values().copied().max().unwrap_or(0) + count;
    let digits = highest.checked_ilog10().map_or(1, |d| d as usize + 1);
    (hay.len() + growth + count * digits, count)
}

/// Writes `[KIND_n]`, without the formatting machinery: there is one per
/// value.
fn write_placeholder(out: &mut String, kind: &str, n: usize) {
    let mut digits = [0u8; 20];
    let mut first = digits.len();
    let mut rest = n;
    loop {
        first -= 1;
        digits[first] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let digits = std::str::from_utf8(&digits[first..]).expect("ASCII digits");
    out.push('[');
    out.push_str(kind);
    out.push('_');
    out.push_str(digits);
    out.push(']');
}

/// UTF-16 code units in a UTF-8 byte string: one per character, two for
/// characters outside the Basic Multilingual Plane.
fn utf16_len(bytes: &[u8]) -> usize {
    if bytes.is_ascii() {
        return bytes.len();
    }
    // Counted in bytes per 64-byte block, which the compiler turns into a
    // few vector instructions per block. A 4-byte character is one unit
    // fewer than its 3 continuation bytes suggest; its lead byte may sit
    // in another block than they do, so the two are summed apart.
    let count = |block: &[u8]| -> (usize, usize) {
        let (mut continuation, mut long) = (0u8, 0u8);
        for &b in block {
            continuation += u8::from((b as i8) < -64);
            long += u8::from(b >= 0xF0);
        }
        (continuation.into(), long.into())
    };
    let mut blocks = bytes.chunks_exact(64);
    let (mut continuation, mut long) = count(blocks.remainder());
    for block in &mut blocks {
        let (c, l) = count(block);
        continuation += c;
        long += l;
    }
    bytes.len() - continuation + long
}

/// A placeholder already in a text.
struct Existing<'h> {
    start: usize,
    end: usize,
    kind: &'h str,
    number: usize,
}

/// Every placeholder already in `hay`.
fn placeholders(hay: &[u8]) -> Vec<Existing<'_>> {
    let mut found = Vec::new();
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
        let number = std::str::from_utf8(&inner[underscore + 1..])
            .expect("ASCII")
            .parse()
            .unwrap_or(usize::MAX / 2);
        let (start, end) = (open, open + candidate.len());
        found.push(Existing { start, end, kind, number });
    }
    found
}
