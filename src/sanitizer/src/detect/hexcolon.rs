//! Values made of hex groups: IPv6 addresses and MAC addresses.
//!
//! The scan stops at each `:` (and, for MAC addresses, `-`); the detector
//! takes the whole run of hex digits and separators around it and parses
//! it. Code such as `std::vector` or `a::b` is ruled out by requiring the
//! run to stand alone: no letter, digit or `_` right before or after it.

use super::scan::Wanted;
use super::{Sink, priority};
use crate::Category;
use crate::text::{at, before, extend_left, extend_right};

fn is_hex(b: u8) -> bool {
    b.is_ascii_hexdigit()
}

fn stands_alone(prev: u8, next: u8) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    !word(prev) && !word(next) && prev != b':' && next != b':'
}

/// At a `:`: a MAC address (`00:1a:2b:3c:4d:5e`) or an IPv6 address.
pub(crate) fn at_colon(
    hay: &[u8],
    i: usize,
    wanted: Wanted,
    keep_private: bool,
    sink: &mut Sink<'_>,
) -> usize {
    // `key: value`, `10:23:45`: most colons are not inside an address.
    let hexish = |b: u8| is_hex(b) || b == b':';
    if !hexish(before(hay, i)) || !hexish(at(hay, i + 1)) {
        return i + 1;
    }
    // A time of day (`T10:23:45.120Z`), the commonest colon run in a log,
    // has two colons and no `::`, so it is no address; known by its shape
    // before the run around it is measured.
    if let Some(&[m1, m2, b':', s1, s2, next]) = hay.get(i + 1..i + 7)
        && [m1, m2, s1, s2].iter().all(u8::is_ascii_digit)
        && !hexish(next)
    {
        return i + 6;
    }
    let start = extend_left(hay, i, 40, |b| is_hex(b) || b == b':');
    let mut end =
        extend_right(hay, i, 46, |b| is_hex(b) || b == b':' || b == b'.');
    // A sentence may end right after an address.
    while end > i && hay[end - 1] == b'.' {
        end -= 1;
    }
    if !stands_alone(before(hay, start), at(hay, end)) {
        // Zone ids: fe80::1%eth0
        if at(hay, end) != b'%' {
            return end;
        }
    }
    let run = &hay[start..end];
    let colons = run.iter().filter(|&&b| b == b':').count();
    // A MAC address has five colons, a full IPv6 address six or seven.
    if colons < 5 && memchr::memmem::find(run, b"::").is_none() {
        return end;
    }

    if is_mac(run, b':') {
        if wanted.mac {
            push_mac(hay, start, end, sink);
        }
        return end;
    }
    // `a::b` and `dead::beef` are code far more often than addresses.
    let has_digit = run.iter().any(u8::is_ascii_digit);
    if wanted.ipv6
        && has_digit
        && let Some(groups) = parse_ipv6(run)
    {
        let mut e = end;
        if at(hay, e) == b'%' {
            e = extend_right(hay, e + 1, 16, |b| b.is_ascii_alphanumeric());
        }
        if !(keep_private && is_private_v6(groups)) {
            sink.push(
                hay,
                start,
                e,
                "IP_ADDRESS",
                Category::IpAddress,
                priority::ADDRESS,
            );
        }
        return e;
    }
    end
}

/// At a `-`: a MAC address written `00-1A-2B-3C-4D-5E`.
pub(crate) fn at_dash(hay: &[u8], i: usize, sink: &mut Sink<'_>) -> usize {
    if i < 2 || !is_hex(hay[i - 1]) || !is_hex(hay[i - 2]) {
        return i + 1;
    }
    let start = i - 2;
    let end = start + 17;
    if end > hay.len()
        || !stands_alone(before(hay, start), at(hay, end))
        || !is_mac(&hay[start..end], b'-')
    {
        return i + 1;
    }
    push_mac(hay, start, end, sink);
    end
}

fn push_mac(hay: &[u8], start: usize, end: usize, sink: &mut Sink<'_>) {
    sink.push(
        hay,
        start,
        end,
        "MAC_ADDRESS",
        Category::MacAddress,
        priority::ADDRESS,
    );
}

/// Six pairs of hex digits joined by `sep`.
fn is_mac(run: &[u8], sep: u8) -> bool {
    run.len() == 17
        && run.chunks(3).all(|c| {
            is_hex(c[0]) && is_hex(c[1]) && (c.len() == 2 || c[2] == sep)
        })
}

/// Parses an IPv6 address; returns its eight groups. Needs either eight
/// groups or one `::`, and at least three groups or a `::` with digits,
/// so that times such as `10:23:45` never qualify.
fn parse_ipv6(run: &[u8]) -> Option<[u16; 8]> {
    let (head, tail, compressed) = match memchr::memmem::find(run, b"::") {
        Some(p) => (&run[..p], &run[p + 2..], true),
        None => (run, &b""[..], false),
    };
    if compressed && memchr::memmem::find(tail, b"::").is_some() {
        return None;
    }
    let mut front = Vec::with_capacity(8);
    let mut back = Vec::with_capacity(8);
    parse_groups(head, &mut front, !compressed)?;
    parse_groups(tail, &mut back, true)?;
    let total = front.len() + back.len();
    if compressed {
        if total > 7 || total == 0 {
            return None;
        }
    } else if total != 8 {
        return None;
    }
    let mut groups = [0u16; 8];
    groups[..front.len()].copy_from_slice(&front);
    groups[8 - back.len()..].copy_from_slice(&back);
    Some(groups)
}

/// Colon-separated hex groups; the last may be a dotted IPv4 address when
/// `allow_v4` (it counts as two groups).
fn parse_groups(
    part: &[u8],
    out: &mut Vec<u16>,
    allow_v4: bool,
) -> Option<()> {
    if part.is_empty() {
        return Some(());
    }
    let pieces: Vec<&[u8]> = part.split(|&b| b == b':').collect();
    for (n, piece) in pieces.iter().enumerate() {
        let last = n + 1 == pieces.len();
        if last && allow_v4 && piece.contains(&b'.') {
            let octets: Vec<&[u8]> = piece.split(|&b| b == b'.').collect();
            if octets.len() != 4 {
                return None;
            }
            let mut v = [0u16; 4];
            for (o, octet) in octets.iter().enumerate() {
                if octet.is_empty()
                    || octet.len() > 3
                    || !octet.iter().all(u8::is_ascii_digit)
                {
                    return None;
                }
                let value: u16 =
                    std::str::from_utf8(octet).ok()?.parse().ok()?;
                if value > 255 {
                    return None;
                }
                v[o] = value;
            }
            out.push(v[0] << 8 | v[1]);
            out.push(v[2] << 8 | v[3]);
            continue;
        }
        if piece.is_empty()
            || piece.len() > 4
            || !piece.iter().all(|&b| is_hex(b))
        {
            return None;
        }
        let value =
            u16::from_str_radix(std::str::from_utf8(piece).ok()?, 16).ok()?;
        out.push(value);
    }
    Some(())
}

/// Loopback, unspecified, link-local (fe80::/10) and unique local
/// (fc00::/7) addresses.
fn is_private_v6(groups: [u16; 8]) -> bool {
    let loopback_or_unspecified =
        groups[..7].iter().all(|&g| g == 0) && groups[7] <= 1;
    loopback_or_unspecified
        || groups[0] & 0xffc0 == 0xfe80
        || groups[0] & 0xfe00 == 0xfc00
}
