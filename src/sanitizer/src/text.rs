//! Byte-level helpers shared by the detectors. Every rule is ASCII, so the
//! detectors look at bytes; multi-byte characters are just bytes that
//! belong to no ASCII class.

const ALNUM: u8 = 1;
const IDENT: u8 = 2;
const TOKEN: u8 = 4;
const JOINS_NUMBER: u8 = 8;

/// Byte classes, looked up once instead of tested with a chain of
/// compares in the detectors' inner loops.
static CLASSES: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        let alnum = b.is_ascii_alphanumeric();
        let mut c = 0;
        if alnum {
            c |= ALNUM | IDENT | TOKEN;
        }
        if matches!(b, b'_' | b'-' | b'.') {
            c |= IDENT | TOKEN;
        }
        if matches!(b, b'+' | b'/' | b'=' | b'~') {
            c |= TOKEN;
        }
        if joins_number(b) {
            c |= JOINS_NUMBER;
        }
        table[i] = c;
        i += 1;
    }
    table
};

/// Letters and digits.
#[inline]
pub(crate) fn is_alnum(b: u8) -> bool {
    CLASSES[b as usize] & ALNUM != 0
}

/// Characters that make up identifiers in code, configs and env dumps:
/// `AWS_SECRET_ACCESS_KEY`, `db.password`, `client-secret`.
#[inline]
pub(crate) fn is_ident(b: u8) -> bool {
    CLASSES[b as usize] & IDENT != 0
}

/// Characters of base64, base64url, hex and most token alphabets.
#[inline]
pub(crate) fn is_token(b: u8) -> bool {
    CLASSES[b as usize] & TOKEN != 0
}

/// Whether `b` glues a number to what is next to it: a letter, a digit
/// or joining punctuation (`v1.2`, `id-42`, `a/7`, `10:30`, `+5`).
pub(crate) const fn joins_number(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'.' | b'-' | b'_' | b'/' | b':' | b'+')
}

/// Whether a number may start or end next to `b`.
#[inline]
pub(crate) fn is_number_edge(b: u8) -> bool {
    CLASSES[b as usize] & JOINS_NUMBER == 0
}

/// The byte before `at`, or a space at the start of the text (and past
/// its end).
pub(crate) fn before(hay: &[u8], at: usize) -> u8 {
    at.checked_sub(1).and_then(|i| hay.get(i)).copied().unwrap_or(b' ')
}

/// The byte at `at`, or a space past the end of the text.
pub(crate) fn at(hay: &[u8], at: usize) -> u8 {
    hay.get(at).copied().unwrap_or(b' ')
}

/// Extends `start` backwards while `class` holds, at most `limit` bytes.
pub(crate) fn extend_left(
    hay: &[u8],
    start: usize,
    limit: usize,
    class: impl Fn(u8) -> bool,
) -> usize {
    let floor = start.saturating_sub(limit);
    let mut i = start;
    while i > floor && class(hay[i - 1]) {
        i -= 1;
    }
    i
}

/// Extends `end` forwards while `class` holds, at most `limit` bytes.
pub(crate) fn extend_right(
    hay: &[u8],
    end: usize,
    limit: usize,
    class: impl Fn(u8) -> bool,
) -> usize {
    let ceiling = end.saturating_add(limit).min(hay.len());
    let mut i = end;
    while i < ceiling && class(hay[i]) {
        i += 1;
    }
    i
}

/// Skips spaces and tabs (not line breaks) from `i`.
pub(crate) fn skip_blanks(hay: &[u8], mut i: usize) -> usize {
    while i < hay.len() && matches!(hay[i], b' ' | b'\t') {
        i += 1;
    }
    i
}

/// The end of the line containing `at` (the index of its `\n`, or the end
/// of the text).
pub(crate) fn line_end(hay: &[u8], at: usize) -> usize {
    memchr::memchr(b'\n', &hay[at..]).map_or(hay.len(), |i| at + i)
}

/// Whether `text` is exactly a placeholder this crate writes, such as
/// `[EMAIL_3]`; values that already are placeholders are never redacted
/// again, which keeps sanitizing idempotent.
pub(crate) fn is_placeholder(text: &[u8]) -> bool {
    let Some(inner) =
        text.strip_prefix(b"[").and_then(|t| t.strip_suffix(b"]"))
    else {
        return false;
    };
    let Some(underscore) = inner.iter().rposition(|&b| b == b'_') else {
        return false;
    };
    let (kind, number) = (&inner[..underscore], &inner[underscore + 1..]);
    !kind.is_empty()
        && kind[0].is_ascii_uppercase()
        && kind.iter().all(|&b| {
            b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
        })
        && !number.is_empty()
        && number.iter().all(u8::is_ascii_digit)
}

/// Shannon entropy in bits per byte, of the first 4096 bytes.
///
/// H = log2(n) - sum(c log2 c) / n over the count c of each distinct
/// byte; the c log2 c terms come from a table, so a value costs one pass
/// and no logarithm per byte.
pub(crate) fn entropy(value: &[u8]) -> f32 {
    use std::sync::OnceLock;
    const MAX: usize = 4096;
    static C_LOG_C: OnceLock<Box<[f32]>> = OnceLock::new();
    let table = C_LOG_C.get_or_init(|| {
        (0..=MAX)
            .map(|c| if c < 2 { 0.0 } else { c as f32 * (c as f32).log2() })
            .collect()
    });

    let value = &value[..value.len().min(MAX)];
    if value.is_empty() {
        return 0.0;
    }
    let mut counts = [0u16; 256];
    let mut distinct = [0u8; 256];
    let mut n_distinct = 0;
    for &b in value {
        let c = &mut counts[b as usize];
        if *c == 0 {
            distinct[n_distinct] = b;
            n_distinct += 1;
        }
        *c += 1;
    }
    let sum: f32 = distinct[..n_distinct]
        .iter()
        .map(|&b| table[counts[b as usize] as usize])
        .sum();
    let n = value.len();
    table[n] / n as f32 - sum / n as f32
}

/// Whether a value looks machine-generated: long enough, several
/// character classes, not a word. Such values are worth finding again
/// wherever they appear, and are what weak key words need.
pub(crate) fn looks_random(value: &[u8]) -> bool {
    if value.len() < 8 {
        return false;
    }
    let (mut lower, mut upper, mut digit, mut other) = (0, 0, 0, 0);
    for &b in value {
        match b {
            b'a'..=b'z' => lower = 1,
            b'A'..=b'Z' => upper = 1,
            b'0'..=b'9' => digit = 1,
            _ => other = 1,
        }
    }
    if lower + upper + digit + other < 2 || entropy(value) < 2.5 {
        return false;
    }
    if digit == 1 {
        return true;
    }
    // Letters only: random text changes case often, `FromEmailPassword`
    // only at word starts.
    let rises = value
        .windows(2)
        .filter(|w| w[0].is_ascii_lowercase() && w[1].is_ascii_uppercase())
        .count();
    value.len() >= 16 && rises * 6 >= value.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders() {
        assert!(is_placeholder(b"[EMAIL_1]"));
        assert!(is_placeholder(b"[AWS_ACCESS_KEY_12]"));
        assert!(!is_placeholder(b"[EMAIL]"));
        assert!(!is_placeholder(b"[email_1]"));
        assert!(!is_placeholder(b"EMAIL_1"));
    }

    #[test]
    fn entropy_of_known_strings() {
        assert_eq!(entropy(b""), 0.0);
        assert_eq!(entropy(b"aaaa"), 0.0);
        assert!((entropy(b"ab") - 1.0).abs() < 1e-5);
        assert!((entropy(b"abcd") - 2.0).abs() < 1e-5);
        assert!((entropy(b"aabbccdd") - 2.0).abs() < 1e-5);
    }

    #[test]
    fn randomness() {
        assert!(looks_random(b"D1fficultP%40ssw0rd"));
        assert!(looks_random(b"77yg7tx91p4lag"));
        assert!(!looks_random(b"postgres"));
        assert!(!looks_random(b"thisismypassword"));
        assert!(!looks_random(b"00000000-0000-0000-0000-000000000000"));
        assert!(!looks_random(b"FromEmailPassword"));
        assert!(looks_random(b"kFRBuzWQikawBQdATqKIQLBu"));
    }
}
