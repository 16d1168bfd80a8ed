//! HTTP credentials: `Authorization` values, bearer tokens wherever they
//! appear, and cookie values. The scheme and the cookie names stay, so a
//! reader still sees `Authorization: Bearer [TOKEN_1]` and
//! `Cookie: session=[COOKIE_1]; theme=[COOKIE_2]`.

use super::{Sink, priority};
use crate::Category;
use crate::text::{
    at, before, extend_left, extend_right, is_token, skip_blanks,
};

/// Schemes whose credential is the rest of the header, not one token.
const LONG_SCHEMES: [&[u8]; 4] =
    [b"digest", b"aws4-hmac-sha256", b"oauth", b"sharedaccesssignature"];

/// Schemes followed by one token.
const SCHEMES: [&[u8]; 12] = [
    b"bearer",
    b"basic",
    b"token",
    b"ssws",
    b"apikey",
    b"api-key",
    b"negotiate",
    b"ntlm",
    b"key",
    b"jwt",
    b"dsn",
    b"splunk",
];

/// After `authorization` (at `start..end`) or `bearer`.
pub(crate) fn detect_auth(
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    if is_alnum_or_underscore(at(hay, end)) {
        return;
    }
    if hay[start..end].eq_ignore_ascii_case(b"bearer") {
        return bearer(hay, start, end, sink);
    }
    let Some(mut i) = after_header_name(hay, end) else { return };
    let opener = header_opener(hay, start);

    let word_end =
        extend_right(hay, i, 32, |b| b.is_ascii_alphanumeric() || b == b'-');
    let scheme = hay[i..word_end].to_ascii_lowercase();
    let spaced = matches!(at(hay, word_end), b' ' | b'\t');
    if spaced && LONG_SCHEMES.contains(&scheme.as_slice()) {
        let v = skip_blanks(hay, word_end);
        let mut e =
            extend_right(hay, v, 4096, |b| !matches!(b, b'\n' | b'\r'));
        // -H "Authorization: Digest username="x", ..." ends at its quote.
        if let Some(q) = opener
            && let Some(last) = hay[v..e].iter().rposition(|&b| b == q)
        {
            e = v + last;
        }
        push(hay, v, trim_end(hay, v, e), "AUTHORIZATION", sink);
        return;
    }
    let kind = if spaced && SCHEMES.contains(&scheme.as_slice()) {
        i = skip_blanks(hay, word_end);
        if scheme == b"basic" { "BASIC_AUTH" } else { "TOKEN" }
    } else {
        "TOKEN"
    };
    let e = extend_right(hay, i, 4096, is_token);
    push(hay, i, e, kind, sink);
}

/// `Bearer <token>` outside a header, as in `"Bearer " + token` or a log.
fn bearer(hay: &[u8], start: usize, end: usize, sink: &mut Sink<'_>) {
    if is_alnum_or_underscore(before(hay, start)) {
        return;
    }
    let mut i = end;
    if at(hay, i) == b':' {
        i += 1;
    }
    let v = skip_blanks(hay, i);
    if v == i {
        return;
    }
    let e = extend_right(hay, v, 4096, is_token);
    let token = &hay[v..e];
    // "a bearer token", "Bearer realm=...": words, not credentials.
    let credential = token.len() >= 8
        && (token.iter().any(u8::is_ascii_digit) || token.len() >= 24)
        && at(hay, e) != b'=';
    if credential {
        push(hay, v, e, "TOKEN", sink);
    }
}

/// The quote that opens a quoted header line, as in
/// `-H "Authorization: ..."`.
fn header_opener(hay: &[u8], name_start: usize) -> Option<u8> {
    let s = extend_left(hay, name_start, 32, |b| {
        b.is_ascii_alphanumeric() || b == b'-'
    });
    matches!(before(hay, s), b'"' | b'\'' | b'`').then(|| before(hay, s))
}

/// Skips `": "`, `: `, `=` and an opening quote after a header name;
/// returns where the value starts.
fn after_header_name(hay: &[u8], end: usize) -> Option<usize> {
    let mut i = end;
    if matches!(at(hay, i), b'"' | b'\'') {
        i += 1;
    }
    i = skip_blanks(hay, i);
    if !matches!(at(hay, i), b':' | b'=') {
        return None;
    }
    i = skip_blanks(hay, i + 1);
    if matches!(at(hay, i), b'"' | b'\'' | b'`') {
        i += 1;
    }
    (i < hay.len()).then_some(i)
}

fn trim_end(hay: &[u8], start: usize, mut end: usize) -> usize {
    while end > start && hay[end - 1].is_ascii_whitespace() {
        end -= 1;
    }
    end
}

fn push(
    hay: &[u8],
    start: usize,
    end: usize,
    kind: &'static str,
    sink: &mut Sink<'_>,
) {
    let value = &hay[start..end];
    if value.len() < 3 || matches!(value[0], b'$' | b'{' | b'<' | b'[') {
        return;
    }
    sink.push(hay, start, end, kind, Category::Credential, priority::HEADER);
}

fn is_alnum_or_underscore(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

/// After `cookie` at `start..end`: the values of `Cookie:` and
/// `Set-Cookie:` headers, and of `document.cookie = "..."`.
pub(crate) fn detect_cookie(
    hay: &[u8],
    start: usize,
    end: usize,
    sink: &mut Sink<'_>,
) {
    let name_start =
        extend_left(hay, start, 16, |b| b.is_ascii_alphabetic() || b == b'-');
    let name = hay[name_start..end].to_ascii_lowercase();
    let set_cookie = name == b"set-cookie";
    if !(set_cookie || name == b"cookie" || name.ends_with(b"-cookie"))
        || is_alnum_or_underscore(at(hay, end))
    {
        return;
    }
    let Some(mut i) = after_header_name(hay, end) else { return };
    let stop = extend_right(hay, i, 8192, |b| {
        !matches!(b, b'\n' | b'\r' | b'"' | b'\'' | b'`')
    });
    while i < stop {
        i = skip_blanks(hay, i);
        let pair_end = hay[i..stop]
            .iter()
            .position(|&b| b == b';')
            .map_or(stop, |p| i + p);
        if let Some(eq) = hay[i..pair_end].iter().position(|&b| b == b'=') {
            let v = i + eq + 1;
            let e = trim_end(hay, v, pair_end);
            if e > v && !matches!(hay[v], b'$' | b'{' | b'<' | b'[') {
                sink.push(
                    hay,
                    v,
                    e,
                    "COOKIE",
                    Category::Credential,
                    priority::HEADER,
                );
            }
        }
        // Set-Cookie carries one cookie; the rest are attributes.
        if set_cookie {
            break;
        }
        i = pair_end + 1;
    }
}
