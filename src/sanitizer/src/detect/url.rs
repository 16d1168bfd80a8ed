//! Credentials in URLs and connection strings:
//! `postgres://app:secret@db.internal:5432/orders` becomes
//! `postgres://[USERNAME_1]:[PASSWORD_1]@[HOST_1]:5432/orders`.
//!
//! When there is a password, the user name and the host go with it:
//! together they say where the password works. Both are account details, which a user who
//! needs them can keep by switching the `account` category off or by
//! allowing the host name.

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
    let user_end = start + user.len();
    match password {
        Some(p) if p < userinfo.len() => {
            push_part(
                hay,
                start,
                user_end,
                "USERNAME",
                Category::Account,
                sink,
            );
            let p = start + p;
            push_part(
                hay,
                p,
                start + at,
                "PASSWORD",
                Category::Credential,
                sink,
            );
            push_hosts(hay, start + at + 1, end, sink);
        }
        _ if looks_random(user) => {
            // https://ghp_xxx@github.com: the user name is the token.
            push_part(
                hay,
                start,
                user_end,
                "TOKEN",
                Category::Credential,
                sink,
            );
        }
        _ => push_part(
            hay,
            start,
            user_end,
            "USERNAME",
            Category::Account,
            sink,
        ),
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
    category: Category,
    sink: &mut Sink<'_>,
) {
    if start < end && !is_template(&hay[start..end]) {
        sink.push(hay, start, end, kind, category, priority::URL_CREDENTIALS);
    }
}

/// The hosts of `host1:27017,host2:27017`, without ports. IP literals are
/// left to the address detectors, so they are typed and can be kept as
/// private addresses.
fn push_hosts(hay: &[u8], start: usize, end: usize, sink: &mut Sink<'_>) {
    let mut s = start;
    while s < end {
        let stop =
            hay[s..end].iter().position(|&b| b == b',').map_or(end, |i| s + i);
        let host_end = if hay.get(s) == Some(&b'[') {
            stop
        } else {
            hay[s..stop]
                .iter()
                .position(|&b| b == b':')
                .map_or(stop, |i| s + i)
        };
        let host = &hay[s..host_end];
        let is_ip = host.first() == Some(&b'[')
            || host.iter().all(|&b| b.is_ascii_digit() || b == b'.');
        if !host.is_empty() && !is_ip && !is_template(host) {
            sink.push(
                hay,
                s,
                host_end,
                "HOST",
                Category::Account,
                priority::URL_CREDENTIALS,
            );
        }
        s = stop + 1;
    }
}
