//! Credentials in URLs and connection strings:
//! `postgres://app:secret@db.internal:5432/orders` becomes
//! `postgres://app:[PASSWORD_1]@db.internal:5432/orders`.
//!
//! Only the password goes. The user name and the host say which
//! connection failed, which is what a reader troubleshooting it needs;
//! without the password they grant nothing. A user name that is itself a
//! token (`https://ghp_...@github.com`) goes as a token.

use super::{Sink, priority};
use crate::Category;
use crate::text::{extend_left, looks_random};

/// Looks at the URL whose `://` is at `sep`.
pub(crate) fn detect(hay: &[u8], sep: usize, sink: &mut Sink<'_>) {
    let scheme_start = extend_left(hay, sep, 32, |b| {
        b.is_ascii_alphanumeric() || matches!(b, b'+' | b'.' | b'-')
    });
    if scheme_start == sep || !hay[scheme_start].is_ascii_alphabetic() {
        return;
    }

    let start = sep + 3;
    let end = start
        + hay[start..]
            .iter()
            .take(512)
            .position(|&b| is_authority_end(b))
            .unwrap_or(hay.len().min(start + 512) - start);
    let authority = &hay[start..end];
    let Some(at) = memchr::memrchr(b'@', authority) else { return };
    let userinfo = &authority[..at];
    if userinfo.is_empty() || is_template(userinfo) {
        return;
    }

    let (user, password) = match memchr::memchr(b':', userinfo) {
        Some(colon) => (&userinfo[..colon], Some(colon + 1)),
        None => (userinfo, None),
    };
    match password {
        Some(p) if p < userinfo.len() => {
            push_part(hay, start + p, start + at, "PASSWORD", sink);
        }
        _ if looks_random(user) => {
            push_part(hay, start, start + user.len(), "TOKEN", sink);
        }
        _ => {}
    }
}

fn is_authority_end(b: u8) -> bool {
    b.is_ascii_whitespace()
        || matches!(
            b,
            b'/' | b'?'
                | b'#'
                | b'"'
                | b'\''
                | b'`'
                | b'<'
                | b'>'
                | b'\\'
                | b'|'
                | b'^'
        )
}

/// `${DB_USER}:${DB_PASS}@...`, `<user>:<password>@...`: a template.
fn is_template(part: &[u8]) -> bool {
    matches!(part.first(), Some(b'$' | b'{' | b'<' | b'%'))
        && !part.starts_with(b"%2")
}

fn push_part(
    hay: &[u8],
    start: usize,
    end: usize,
    kind: &'static str,
    sink: &mut Sink<'_>,
) {
    if start < end && !is_template(&hay[start..end]) {
        sink.push(
            hay,
            start,
            end,
            kind,
            Category::Credential,
            priority::URL_CREDENTIALS,
        );
    }
}
