//! E-mail addresses, found from their `@`.

use super::{Sink, priority};
use crate::Category;
use crate::text::extend_left;

/// Top-level "domains" that are really file extensions: `logo@2x.png`,
/// `module@1.2.3.js`.
const NOT_TLDS: [&[u8]; 34] = [
    b"png", b"jpg", b"jpeg", b"gif", b"svg", b"webp", b"ico", b"css", b"js",
    b"mjs", b"map", b"json", b"html", b"htm", b"txt", b"md", b"yml", b"yaml",
    b"xml", b"lock", b"log", b"ts", b"tsx", b"jsx", b"py", b"rb", b"go",
    b"rs", b"java", b"sh", b"zip", b"gz", b"tgz", b"pdf",
];

fn is_local(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'%' | b'+' | b'-')
}

/// Checks for an address around the `@` at `at`; returns where the scan
/// goes on.
pub(crate) fn at(hay: &[u8], at: usize, sink: &mut Sink<'_>) -> usize {
    let mut start = extend_left(hay, at, 65, is_local);
    if at - start > 64 {
        return at + 1;
    }
    while start < at && hay[start] == b'.' {
        start += 1;
    }
    // `ssh://git@github.com`: a URL's user name and host, not an address.
    if start == at || hay[..start].ends_with(b"://") {
        return at + 1;
    }

    let Some(end) = domain_end(hay, at + 1) else { return at + 1 };
    sink.push(hay, start, end, "EMAIL", Category::Email, priority::EMAIL);
    end
}

/// The end of a domain name starting at `from`: two or more labels, the
/// last all letters and not a file extension.
fn domain_end(hay: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    let mut labels = 0;
    let mut last_label = (from, from);
    loop {
        let s = i;
        while i < hay.len()
            && i - from < 253
            && (hay[i].is_ascii_alphanumeric() || hay[i] == b'-')
        {
            i += 1;
        }
        if i == s || hay[s] == b'-' || hay[i - 1] == b'-' {
            if labels == 0 {
                return None;
            }
            // A label ending in '-': the domain ends before it.
            break;
        }
        labels += 1;
        last_label = (s, i);
        if i + 1 < hay.len()
            && hay[i] == b'.'
            && hay[i + 1].is_ascii_alphanumeric()
        {
            i += 1;
        } else {
            break;
        }
    }
    let tld = &hay[last_label.0..last_label.1];
    let ok = labels >= 2
        && (2..=24).contains(&tld.len())
        && tld.iter().all(u8::is_ascii_alphabetic)
        && !NOT_TLDS.iter().any(|x| tld.eq_ignore_ascii_case(x));
    ok.then_some(last_label.1)
}
