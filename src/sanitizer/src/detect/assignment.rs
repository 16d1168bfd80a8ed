//! The assignment detector: `key = value` in the spellings of logs,
//! configs, env dumps, JSON, YAML, INI, XML, code and command lines.
//!
//! An anchor is a key word (`password`, `token`, `key`, ...) anywhere in
//! the text. The detector grows it into the whole key (`AWS_SECRET_KEY`,
//! `db.password`, `--api-key`), decides from the key's last word which
//! rule applies, finds the separator and the value, and reports the value
//! unless it is clearly not a secret: empty, a mask (`****`), a literal
//! such as `null`, or a reference to somewhere else (`$VAR`, `${VAR}`,
//! `env.X`, `getX()`, `<your-key>`).

use super::{Sink, priority};
use crate::rule::{Assignment, Detector, RULES, Rule, Strength};
use crate::text::{
    at, before, extend_left, extend_right, is_ident, looks_random, skip_blanks,
};

/// The assignment rules, in table order: the first whose words fit the
/// key decides.
pub(crate) struct Table {
    rules: Vec<(&'static Rule, &'static Assignment)>,
}

/// The longest key or value the detector considers, in bytes.
const MAX_KEY: usize = 80;
const MAX_VALUE: usize = 1024;

impl Table {
    pub fn new(indices: &[u16]) -> Table {
        let rules = indices
            .iter()
            .filter_map(|&i| {
                let rule = &RULES[i as usize];
                match &rule.detector {
                    Detector::Assignment(a) => Some((rule, a)),
                    _ => None,
                }
            })
            .collect();
        Table { rules }
    }

    /// Examines the key around the word found at `start..end` and reports
    /// its value. Returns the end of the key, so that other words inside
    /// the same key are skipped.
    pub fn detect<'e>(
        &self,
        hay: &[u8],
        start: usize,
        end: usize,
        sink: &mut Sink<'e>,
    ) -> usize {
        let key = Key::around(hay, start, end);
        let words = key.last_words(hay);
        if start < words.from {
            // Only the last two words decide (`SessionService`,
            // `AUTH0_CLIENT_SECRET`): leave the key to a later anchor.
            return end;
        }
        let Some((rule, assignment)) = self.classify(&words) else {
            return key.end;
        };
        if !sink.wants(rule.category) {
            return key.end;
        }
        let loose = assignment.strength == Strength::Name
            || rule.placeholder == "PASSWORD";
        let Some(value) = find_value(hay, &key, loose) else {
            return key.end;
        };
        if names_a_setting(hay, &key, &value) {
            return key.end;
        }
        if is_secret(
            hay,
            &value,
            assignment.strength,
            rule.placeholder,
            key.flag,
        ) {
            let priority = match assignment.strength {
                Strength::Name => priority::USERNAME,
                _ => priority::ASSIGNMENT,
            };
            sink.push(
                hay,
                value.start,
                value.end,
                rule.placeholder,
                rule.category,
                priority,
            );
        }
        key.end
    }

    /// The first rule whose words fit the key's last words.
    fn classify(
        &self,
        words: &LastWords<'_>,
    ) -> Option<(&'static Rule, &'static Assignment)> {
        self.rules
            .iter()
            .copied()
            .find(|(_, a)| fits(a, words.last, words.prev))
    }
}

/// `<add key="DbPassword" value="..."/>`: the `key` attribute holds the
/// setting's name, not a key.
fn names_a_setting(hay: &[u8], key: &Key, value: &Value) -> bool {
    hay[key.start..key.end].eq_ignore_ascii_case(b"key")
        && value.quoted
        && starts_with_ci(hay, skip_blanks(hay, value.end + 1), b"value=")
}

/// Whether assignment rule `a` applies to a key whose last word is `last`
/// and whose word before that is `prev` (both in any case).
fn fits(a: &Assignment, last: &[u8], prev: &[u8]) -> bool {
    a.words.iter().any(|&w| {
        let w = w.as_bytes();
        let glued = if let Some(underscore) = w.iter().position(|&b| b == b'_')
        {
            // A two-word entry such as `user_name`.
            return prev.eq_ignore_ascii_case(&w[..underscore])
                && last.eq_ignore_ascii_case(&w[underscore + 1..]);
        } else if last.eq_ignore_ascii_case(w) {
            &b""[..]
        } else if last.len() > w.len()
            && last[last.len() - w.len()..].eq_ignore_ascii_case(w)
        {
            if !a.suffix && a.qualifiers.is_empty() {
                return false;
            }
            &last[..last.len() - w.len()]
        } else {
            return false;
        };
        if a.qualifiers.is_empty() {
            return true;
        }
        let qualifier = if glued.is_empty() { prev } else { glued };
        a.qualifiers
            .iter()
            .any(|q| q.as_bytes().eq_ignore_ascii_case(qualifier))
    })
}

/// A key found around an anchor.
struct Key {
    start: usize,
    end: usize,
    /// Written as a command-line flag: `--password`, `-Password`.
    flag: bool,
}

struct LastWords<'h> {
    last: &'h [u8],
    prev: &'h [u8],
    /// Where the earlier of the two words starts in the text.
    from: usize,
}

fn is_word_separator(b: u8) -> bool {
    matches!(b, b'_' | b'-' | b'.' | b' ')
}

/// The bounds of the last word of `key[..end]`: words split at
/// separators and where a lower-case letter is followed by an upper-case
/// one (`dbPassword`).
fn last_word(key: &[u8], mut end: usize) -> Option<(usize, usize)> {
    while end > 0 && is_word_separator(key[end - 1]) {
        end -= 1;
    }
    if end == 0 {
        return None;
    }
    let mut start = end - 1;
    while start > 0 {
        let (prev, cur) = (key[start - 1], key[start]);
        if is_word_separator(prev)
            || (cur.is_ascii_uppercase() && prev.is_ascii_lowercase())
        {
            break;
        }
        start -= 1;
    }
    Some((start, end))
}

impl Key {
    fn around(hay: &[u8], start: usize, end: usize) -> Key {
        let mut s = extend_left(hay, start, MAX_KEY, is_ident);
        let mut e = extend_right(hay, end, MAX_KEY, is_ident);
        // Sentence punctuation and flag dashes are not part of the key.
        while e > end && matches!(hay[e - 1], b'.' | b'-') {
            e -= 1;
        }
        let dashes = hay[s..start].iter().take_while(|&&b| b == b'-').count();
        let flag = dashes > 0
            && matches!(before(hay, s), b' ' | b'\t' | b'"' | b'\'');
        s += hay[s..start]
            .iter()
            .take_while(|&&b| matches!(b, b'-' | b'.' | b'_'))
            .count();
        // "User ID" in connection strings.
        if hay[s..e].eq_ignore_ascii_case(b"user")
            && hay
                .get(e..e + 3)
                .is_some_and(|t| t.eq_ignore_ascii_case(b" id"))
            && !at(hay, e + 3).is_ascii_alphanumeric()
        {
            e += 3;
        }
        Key { start: s, end: e, flag }
    }

    /// The last two words of the key. A one-word key borrows the word
    /// before it across one space ("secret key").
    fn last_words<'h>(&self, hay: &'h [u8]) -> LastWords<'h> {
        let key = &hay[self.start..self.end];
        let Some((ls, le)) = last_word(key, key.len()) else {
            return LastWords { last: b"", prev: b"", from: self.end };
        };
        let (prev, from) = match last_word(key, ls) {
            Some((ps, pe)) => (&key[ps..pe], self.start + ps),
            None if self.start > 0 && hay[self.start - 1] == b' ' => {
                let e = self.start - 1;
                let s = extend_left(hay, e, 24, |b| b.is_ascii_alphabetic());
                (&hay[s..e], s)
            }
            None => (&b""[..], self.start + ls),
        };
        LastWords { last: &key[ls..le], prev, from }
    }
}

/// A value found after a key.
struct Value {
    start: usize,
    end: usize,
    quoted: bool,
}

/// Finds the value assigned to `key`, in any of the supported spellings.
/// `loose` also accepts `key 'value'` and prose such as
/// `the password is 'value'`.
fn find_value(hay: &[u8], key: &Key, loose: bool) -> Option<Value> {
    let opener = before(hay, key.start);
    let mut i = key.end;

    // <password>value</password>
    if opener == b'<' && at(hay, i) == b'>' {
        let s = i + 1;
        let e =
            s + hay[s..].iter().take(MAX_VALUE).position(|&b| b == b'<')?;
        return Some(Value { start: s, end: e, quoted: true });
    }

    // The closing quote of a quoted key, escaped or not.
    let mut quoted_key = false;
    if is_quote(at(hay, i)) {
        quoted_key = at(hay, i) == opener;
        i += 1;
    } else if at(hay, i) == b'\\' && is_quote(at(hay, i + 1)) {
        quoted_key = true;
        i += 2;
    }
    i = skip_blanks(hay, i);

    // <add key="DbPassword" value="..."/>
    if quoted_key && starts_with_ci(hay, i, b"value=") {
        return quoted_or_bare(hay, i + 6);
    }

    let config_key =
        quoted_key && looks_like_config_key(&hay[key.start..key.end]);
    if let Some(len) = separator(hay, i, config_key) {
        let v = skip_blanks(hay, i + len);
        if matches!(at(hay, v), b'\n' | b'\r') {
            return None;
        }
        return quoted_or_bare(hay, v);
    }
    if key.flag && i > key.end && !matches!(at(hay, i), b'-' | b'\n' | b'\r') {
        return quoted_or_bare(hay, i);
    }
    if loose && i > key.end && is_quote(at(hay, i)) {
        return quoted(hay, i);
    }
    if loose {
        return prose(hay, key.end);
    }
    None
}

/// `DB_PASSWORD`, `x-api-key`, `sonar.login`: a quoted key that reads
/// as a setting name, so `('DB_PASSWORD', 'value')` is an assignment while
/// `Buffer.from("accountKey", "base64")` is a call.
fn looks_like_config_key(key: &[u8]) -> bool {
    key.iter().any(|&b| matches!(b, b'_' | b'-' | b'.'))
        || key.iter().all(|b| !b.is_ascii_lowercase())
}

/// The length of an assignment operator at `i`, if there is one.
/// `comma` also accepts `, '...'`, for quoted setting names.
fn separator(hay: &[u8], i: usize, comma: bool) -> Option<usize> {
    const OPERATORS: [&[u8]; 8] =
        [b"===", b"!==", b"==", b"!=", b":=", b"=>", b"=", b":"];
    for op in OPERATORS {
        if hay.get(i..i + op.len()) == Some(op) {
            let next = at(hay, i + op.len());
            // `a =~ /re/`, `Password::Hash`, `x := y` are not values.
            if (op == b"=" && next == b'~') || (op == b":" && next == b':') {
                return None;
            }
            return Some(op.len());
        }
    }
    // ('API_KEY', 'value') and define('DB_PASSWORD', 'value')
    if comma && at(hay, i) == b',' {
        let v = skip_blanks(hay, i + 1);
        if is_quote(at(hay, v)) && !is_json_key(hay, v) {
            return Some(v - i);
        }
    }
    None
}

/// Whether the string starting with the quote at `i` is followed by `:`,
/// which makes it the next JSON key, not a value.
fn is_json_key(hay: &[u8], i: usize) -> bool {
    let quote = hay[i];
    let Some(len) =
        hay[i + 1..].iter().take(MAX_VALUE).position(|&b| b == quote)
    else {
        return false;
    };
    at(hay, skip_blanks(hay, i + len + 2)) == b':'
}

/// `the password is 'x'`, `the default password for user 'y' is "x"`.
fn prose(hay: &[u8], from: usize) -> Option<Value> {
    let window = &hay[from..hay.len().min(from + 48)];
    let stop = window.iter().position(|&b| matches!(b, b'\n' | b'.' | b';'));
    let window = &window[..stop.unwrap_or(window.len())];
    let is = memchr::memmem::find(window, b" is ")?;
    let v = skip_blanks(hay, from + is + 4);
    if is_quote(at(hay, v)) { quoted(hay, v) } else { None }
}

fn quoted_or_bare(hay: &[u8], i: usize) -> Option<Value> {
    // Python and C# string prefixes: r"...", b'...', @"...".
    let i = if matches!(at(hay, i), b'r' | b'b' | b'u' | b'f' | b'@')
        && is_quote(at(hay, i + 1))
    {
        i + 1
    } else {
        i
    };
    if is_quote(at(hay, i))
        || (at(hay, i) == b'\\' && is_quote(at(hay, i + 1)))
    {
        quoted(hay, i)
    } else {
        bare(hay, i)
    }
}

/// A quoted value starting at the quote at `i` (or at `\"`).
fn quoted(hay: &[u8], i: usize) -> Option<Value> {
    let escaped = at(hay, i) == b'\\';
    let quote = if escaped { at(hay, i + 1) } else { at(hay, i) };
    let start = if escaped { i + 2 } else { i + 1 };
    let mut j = start;
    let limit = hay.len().min(start + MAX_VALUE);
    while j < limit {
        let b = hay[j];
        if b == b'\n' {
            return None;
        }
        if escaped {
            if b == b'\\' && at(hay, j + 1) == quote {
                break;
            }
        } else if b == b'\\' {
            j += 2;
            continue;
        } else if b == quote {
            break;
        }
        j += 1;
    }
    if j >= limit {
        return None;
    }
    let (mut s, mut e) = (start, j);
    // '"951bc382"': a quoted string inside another.
    if e - s >= 2 && is_quote(hay[s]) && hay[e - 1] == hay[s] {
        s += 1;
        e -= 1;
    }
    Some(Value { start: s, end: e, quoted: true })
}

/// An unquoted value: up to white space or a delimiter, without trailing
/// closing brackets that it did not open.
fn bare(hay: &[u8], i: usize) -> Option<Value> {
    let e = extend_right(hay, i, MAX_VALUE, |b| {
        !b.is_ascii_whitespace()
            && !matches!(b, b'"' | b'\'' | b'`' | b',' | b';' | b'&' | b'<')
    });
    let mut e = e;
    while e > i && matches!(hay[e - 1], b')' | b']' | b'}') {
        let close = hay[e - 1];
        let open = match close {
            b')' => b'(',
            b']' => b'[',
            _ => b'{',
        };
        let value = &hay[i..e];
        let opens = value.iter().filter(|&&b| b == open).count();
        let closes = value.iter().filter(|&&b| b == close).count();
        if closes <= opens {
            break;
        }
        e -= 1;
    }
    (e > i).then_some(Value { start: i, end: e, quoted: false })
}

fn is_quote(b: u8) -> bool {
    matches!(b, b'"' | b'\'' | b'`')
}

fn starts_with_ci(hay: &[u8], i: usize, word: &[u8]) -> bool {
    hay.get(i..i + word.len()).is_some_and(|t| t.eq_ignore_ascii_case(word))
}

/// Whether the value found for a key is worth redacting.
fn is_secret(
    hay: &[u8],
    value: &Value,
    strength: Strength,
    placeholder: &str,
    flag: bool,
) -> bool {
    let v = &hay[value.start..value.end];
    if v.len() < 3 || is_mask(v) || is_nothing(v) || is_fragment(v) {
        return false;
    }
    // A command line shows the value it ran with; hide even `$VAR` there.
    if !flag && is_reference(hay, value) {
        return false;
    }
    match strength {
        Strength::Weak => looks_random(v),
        Strength::Name => {
            v[0].is_ascii_alphabetic()
                || matches!(v[0], b'_' | b'"' | b'$' | b'%')
        }
        Strength::Strong => {
            // `"token": 42` is a count; a numeric password is a password.
            placeholder == "PASSWORD"
                || !(v.len() < 8 && v.iter().all(u8::is_ascii_digit))
        }
    }
}

/// `****`, `xxxxxxxx`, `######`, `•••`: a value someone already hid.
fn is_mask(v: &[u8]) -> bool {
    let mut rest = v;
    while let Some((&b, tail)) = rest.split_first() {
        if matches!(b, b'*' | b'x' | b'X' | b'#' | b'.' | b'?' | b'_' | b'-') {
            rest = tail;
        } else if let Some(tail) = rest.strip_prefix("•".as_bytes()) {
            rest = tail;
        } else {
            return false;
        }
    }
    true
}

/// Literals that mean "no value".
fn is_nothing(v: &[u8]) -> bool {
    const WORDS: [&[u8]; 26] = [
        b"null",
        b"nil",
        b"none",
        b"undefined",
        b"true",
        b"false",
        b"yes",
        b"no",
        b"on",
        b"off",
        b"required",
        b"optional",
        b"redacted",
        b"hidden",
        b"masked",
        b"removed",
        b"n/a",
        b"string",
        b"str",
        b"empty",
        b"new",
        b"new-object",
        b"this",
        b"self",
        b"function",
        b"await",
    ];
    WORDS.iter().any(|w| v.eq_ignore_ascii_case(w))
}

/// A "value" that is really a piece of surrounding code or text:
/// `" + getPassword() + "`, `,rememberMe:"`, a URL, a path, an ARN.
fn is_fragment(v: &[u8]) -> bool {
    let first = v[0];
    let last = v[v.len() - 1];
    if matches!(
        first,
        b' ' | b'+' | b'.' | b',' | b';' | b':' | b')' | b']' | b'}'
    ) || matches!(last, b' ' | b'+' | b'(' | b'[' | b'{' | b',')
    {
        return true;
    }
    if memchr::memmem::find(v, b"://").is_some() || v.starts_with(b"arn:") {
        return true;
    }
    // /run/secrets/db, cms/sites/passwords#edit
    let slashes = v.iter().filter(|&&b| b == b'/').count();
    let path_chars = v.iter().all(|&b| {
        b.is_ascii_alphanumeric()
            || matches!(b, b'/' | b'_' | b'.' | b'-' | b'#' | b':' | b'@')
    });
    path_chars && (slashes >= 2 || (slashes == 1 && first == b'/'))
}

/// A reference to a value kept elsewhere: a variable, a template, a
/// placeholder for the reader to fill in, or code that computes it.
fn is_reference(hay: &[u8], value: &Value) -> bool {
    let v = &hay[value.start..value.end];
    let first = v[0];
    let last = v[v.len() - 1];
    if first == b'$'
        || v.starts_with(b"\\$")
        || (first == b'%' && last == b'%')
        || matches!(first, b'{' | b'<' | b'[' | b'(')
        || v.starts_with(b"#{")
        || v.starts_with(b"&lt;")
        || (first == b'@' && last == b'@')
    {
        return true;
    }
    if value.quoted {
        return false;
    }
    // getPassword(), datastore['DBPASS'], env.DB_PASSWORD,
    // process.env.TOKEN
    if matches!(at(hay, value.end), b'(' | b'[') {
        return true;
    }
    is_dotted_path(v)
}

/// `env.PERKEEP_PASSWORD`, `settings.db.password`.
fn is_dotted_path(v: &[u8]) -> bool {
    let mut parts = 0;
    for part in v.split(|&b| b == b'.') {
        let ident = !part.is_empty()
            && (part[0].is_ascii_alphabetic() || part[0] == b'_')
            && part.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'_');
        if !ident {
            return false;
        }
        parts += 1;
    }
    parts >= 2
}
