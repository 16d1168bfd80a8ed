//! Values made of digits: IPv4 addresses, US social security numbers,
//! payment card numbers, phone numbers and IBANs.
//!
//! Each check is a small hand-written parser that gives up at the first
//! byte that does not fit, so the many digits of timestamps and ids cost
//! little. Boundaries matter more than shapes here: `1.2.3.4.5` and
//! `Chrome/120.0.0.0` are not addresses, `2024-01-15` is not a phone
//! number.

use super::scan::Wanted;
use super::{Sink, priority};
use crate::Category;
use crate::text::{at as byte_at, before, extend_left, is_number_edge};
use crate::validate::{iban_checksum, luhn};

/// The shapes of digit runs a detector may start at, by what comes before
/// the run, what follows it and how long it is. A run is looked at only
/// if its three lookups share a shape, which one AND and one branch
/// decide for the many digits of timestamps and ids.
mod shape {
    /// `10.` of an IPv4 address.
    pub const IPV4: u8 = 1;
    /// `078-` of an SSN.
    pub const SSN: u8 = 2;
    /// A card number written as one run.
    pub const CARD: u8 = 4;
    /// `4111 ` or `4111-` of a card number in groups.
    pub const CARD_GROUP: u8 = 8;
    /// After `+` or `(`.
    pub const PHONE_PREFIX: u8 = 16;
    /// `415-`, `415.`, `415 ` of a phone number.
    pub const PHONE: u8 = 32;
    /// `1-` of a phone number.
    pub const PHONE_ONE: u8 = 64;
    /// The check digits after an IBAN's country code.
    pub const IBAN: u8 = 128;

    const EDGE_ONLY: u8 = SSN | CARD | CARD_GROUP | PHONE | PHONE_ONE;

    /// The shapes allowed after byte `b`.
    pub static BEFORE: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let byte = b as u8;
            let mut set = 0;
            // As `ipv4` wants it: `v1.2.3.4` and `1.2.3.4.5` are no
            // addresses.
            if !(byte.is_ascii_alphanumeric() || byte == b'.' || byte == b'_')
            {
                set |= IPV4;
            }
            if !crate::text::joins_number(byte) {
                set |= EDGE_ONLY;
            }
            if byte == b'+' || byte == b'(' {
                set |= PHONE_PREFIX;
            }
            if byte.is_ascii_uppercase() {
                set |= IBAN;
            }
            table[b] = set;
            b += 1;
        }
        table
    };

    /// The shapes allowed before byte `b`.
    pub static AFTER: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut b = 0;
        while b < 256 {
            let byte = b as u8;
            let mut set = CARD | PHONE_PREFIX | IBAN;
            match byte {
                b'.' => set |= IPV4 | PHONE,
                b'-' => set |= SSN | CARD_GROUP | PHONE | PHONE_ONE,
                b' ' => set |= CARD_GROUP | PHONE,
                _ => {}
            }
            table[b] = set;
            b += 1;
        }
        table
    };

    /// The shapes allowed two bytes before the run: an IBAN's country
    /// code is two capitals.
    pub static BEFORE_TWO: [u8; 256] = all_within(!IBAN, b'A', b'Z');

    /// The shapes allowed two bytes after the run: after `10.`, `415-` or
    /// `4111 ` comes another digit.
    pub static AFTER_TWO: [u8; 256] =
        all_within(CARD | PHONE_PREFIX | IBAN, b'0', b'9');

    /// A table of `others` for every byte, but every shape for the bytes
    /// `lo..=hi`.
    const fn all_within(others: u8, lo: u8, hi: u8) -> [u8; 256] {
        let mut table = [others; 256];
        let mut b = lo as usize;
        while b <= hi as usize {
            table[b] = !0;
            b += 1;
        }
        table
    }

    /// The shapes allowed three and four bytes after the run: `4111 1111`
    /// has four digits in its next group, `2024-01-15` does not (each
    /// grouping the card detector takes has four digits or more in its
    /// second group).
    pub static NEXT_GROUP: [u8; 256] = all_within(!CARD_GROUP, b'0', b'9');

    /// The shapes allowed for a run of `n` digits, `n` capped at 13.
    pub static LENGTH: [u8; 14] = {
        let mut table = [0u8; 14];
        let mut n = 1;
        while n < 14 {
            let mut set = PHONE_PREFIX | IBAN;
            if n <= 3 {
                set |= IPV4;
            }
            if n == 3 {
                set |= SSN | PHONE;
            }
            if n == 4 {
                set |= CARD_GROUP;
            }
            if n == 1 {
                set |= PHONE_ONE;
            }
            if n == 13 {
                set |= CARD;
            }
            table[n] = set;
            n += 1;
        }
        table
    };
}

impl Wanted {
    /// The shapes of the wanted detectors.
    pub(crate) fn shapes(&self) -> u8 {
        let mut set = 0;
        if self.ipv4 {
            set |= shape::IPV4;
        }
        if self.ssn {
            set |= shape::SSN;
        }
        if self.card {
            set |= shape::CARD | shape::CARD_GROUP;
        }
        if self.phone {
            set |= shape::PHONE_PREFIX | shape::PHONE | shape::PHONE_ONE;
        }
        if self.iban {
            set |= shape::IBAN;
        }
        set
    }
}

/// Tries every wanted detector at the run of digits `i..run_end` and
/// returns where the scan goes on: past a match, or past this run.
/// Inlined into the scan: most runs end here, on the first test.
#[inline]
pub(crate) fn at(
    hay: &[u8],
    i: usize,
    run_end: usize,
    wanted: u8,
    keep_private: bool,
    sink: &mut Sink<'_>,
) -> usize {
    let run = (run_end - i).min(13);
    // The bytes right next to the run first: they rule out most runs
    // (times, counters, versions) before the rest is read.
    let shapes = wanted
        & shape::LENGTH[run]
        & shape::BEFORE[usize::from(before(hay, i))]
        & shape::AFTER[usize::from(byte_at(hay, run_end))];
    if shapes == 0 {
        return run_end;
    }
    near(hay, i, run_end, shapes, keep_private, sink)
}

/// The rest of [`at`], for runs the bytes around them leave in play.
#[inline(never)]
fn near(
    hay: &[u8],
    i: usize,
    run_end: usize,
    shapes: u8,
    keep_private: bool,
    sink: &mut Sink<'_>,
) -> usize {
    let two_before = if i >= 2 { hay[i - 2] } else { b' ' };
    let shapes = shapes
        & shape::BEFORE_TWO[usize::from(two_before)]
        & shape::AFTER_TWO[usize::from(byte_at(hay, run_end + 1))]
        & shape::NEXT_GROUP[usize::from(byte_at(hay, run_end + 3))]
        & shape::NEXT_GROUP[usize::from(byte_at(hay, run_end + 4))];
    if shapes == 0 {
        return run_end;
    }
    found_at(hay, i, shapes, keep_private, sink).unwrap_or(run_end)
}

/// Runs the detectors of `shapes` at the digits at `i`.
#[inline(never)]
fn found_at(
    hay: &[u8],
    i: usize,
    shapes: u8,
    keep_private: bool,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let has = |s: u8| shapes & s != 0;
    if has(shape::IBAN)
        && let Some(end) = iban(hay, i, sink)
    {
        return Some(end);
    }
    if has(shape::IPV4)
        && let Some(end) = ipv4(hay, i, keep_private, sink)
    {
        return Some(end);
    }
    if has(shape::SSN)
        && let Some(end) = ssn(hay, i, sink)
    {
        return Some(end);
    }
    if has(shape::CARD | shape::CARD_GROUP)
        && let Some(end) = card(hay, i, sink)
    {
        return Some(end);
    }
    if has(shape::PHONE_PREFIX | shape::PHONE | shape::PHONE_ONE) {
        return phone(hay, i, sink);
    }
    None
}

/// Whether a card, phone or social security number may end at `end`: at
/// an edge, or at punctuation that ends a sentence or a label
/// (`4242 4242 4242 4242: declined`, `call +1 415 555 0132.`) rather
/// than joining more digits (`10.5`, `12:30`).
fn ends_number(hay: &[u8], end: usize) -> bool {
    let next = byte_at(hay, end);
    is_number_edge(next)
        || matches!(next, b'.' | b':' | b'-')
            && !byte_at(hay, end + 1).is_ascii_alphanumeric()
}

/// Parses up to `max` digits at `i`; returns the value and the end.
fn digits(hay: &[u8], i: usize, max: usize) -> Option<(u64, usize)> {
    let mut value = 0u64;
    let mut j = i;
    while j < hay.len() && j - i < max && hay[j].is_ascii_digit() {
        value =
            value.saturating_mul(10).saturating_add(u64::from(hay[j] - b'0'));
        j += 1;
    }
    (j > i).then_some((value, j))
}

fn ipv4(
    hay: &[u8],
    i: usize,
    keep_private: bool,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let prev = before(hay, i);
    if prev.is_ascii_alphanumeric() || matches!(prev, b'.' | b'_') {
        return None;
    }
    let mut octets = [0u64; 4];
    let mut j = i;
    for (n, octet) in octets.iter_mut().enumerate() {
        if n > 0 {
            if byte_at(hay, j) != b'.' {
                return None;
            }
            j += 1;
        }
        let (value, end) = digits(hay, j, 3)?;
        if value > 255 || byte_at(hay, end).is_ascii_digit() {
            return None;
        }
        *octet = value;
        j = end;
    }
    let next = byte_at(hay, j);
    if next.is_ascii_alphanumeric()
        || next == b'_'
        || (next == b'.' && byte_at(hay, j + 1).is_ascii_digit())
    {
        return None;
    }
    // `Chrome/120.0.0.0` is a version; `http://10.0.0.1` and
    // `node.internal/10.4.18.22` (kubectl's `Node:` line) are addresses:
    // a product name has no dot, a host name does. Checked last, as most
    // versions (`Mozilla/5.0`) are no four octets.
    if prev == b'/' && i >= 2 && hay[i - 2].is_ascii_alphanumeric() {
        let word = extend_left(hay, i - 1, 253, |b| {
            b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_')
        });
        if !hay[word..i - 1].contains(&b'.') {
            return None;
        }
    }
    if !(keep_private && is_private_v4(octets)) {
        sink.push(
            hay,
            i,
            j,
            "IP_ADDRESS",
            Category::IpAddress,
            priority::ADDRESS,
        );
    }
    Some(j)
}

fn is_private_v4([a, b, _, _]: [u64; 4]) -> bool {
    a == 10
        || a == 127
        || (a == 172 && (16..=31).contains(&b))
        || (a == 192 && b == 168)
        || (a == 169 && b == 254)
        || (a == 100 && (64..=127).contains(&b))
        || a == 0
}

fn ssn(hay: &[u8], i: usize, sink: &mut Sink<'_>) -> Option<usize> {
    if !is_number_edge(before(hay, i)) {
        return None;
    }
    let (area, e1) = digits(hay, i, 3)?;
    if e1 - i != 3 || byte_at(hay, e1) != b'-' {
        return None;
    }
    let (group, e2) = digits(hay, e1 + 1, 2)?;
    if e2 - e1 != 3 || byte_at(hay, e2) != b'-' {
        return None;
    }
    let (serial, e3) = digits(hay, e2 + 1, 4)?;
    if e3 - e2 != 5 || !ends_number(hay, e3) {
        return None;
    }
    let valid =
        area != 0 && area != 666 && area < 900 && group != 0 && serial != 0;
    if !valid {
        return None;
    }
    sink.push(hay, i, e3, "SSN", Category::NationalId, priority::PAYMENT);
    Some(e3)
}

fn card(hay: &[u8], i: usize, sink: &mut Sink<'_>) -> Option<usize> {
    if !is_number_edge(before(hay, i)) {
        return None;
    }
    // Groups of digits separated by one space or dash, the same each time.
    let mut groups = [0usize; 5];
    let mut count = 0;
    let mut number = [0u8; 19];
    let mut len = 0;
    let mut sep = None;
    let mut j = i;
    loop {
        let s = j;
        while j < hay.len() && hay[j].is_ascii_digit() {
            if len == 19 {
                return None;
            }
            number[len] = hay[j];
            len += 1;
            j += 1;
        }
        if count == 5 {
            return None;
        }
        groups[count] = j - s;
        count += 1;
        let next = byte_at(hay, j);
        let continues = matches!(next, b' ' | b'-')
            && sep.is_none_or(|s| s == next)
            && byte_at(hay, j + 1).is_ascii_digit();
        if !continues {
            break;
        }
        sep = Some(next);
        j += 1;
    }
    if !(13..=19).contains(&len) || !ends_number(hay, j) {
        return None;
    }
    let grouping = &groups[..count];
    let shaped = count == 1
        || grouping[..count - 1].iter().all(|&g| g == 4)
        || grouping == [4, 6, 5]
        || grouping == [4, 6, 4];
    let number = &number[..len];
    if !shaped || !has_card_prefix(number) || !luhn(number) {
        return None;
    }
    sink.push(
        hay,
        i,
        j,
        "CARD_NUMBER",
        Category::PaymentCard,
        priority::PAYMENT,
    );
    Some(j)
}

/// Issuer prefixes of the card networks: Visa, Mastercard, Amex,
/// Discover, JCB, Diners, UnionPay, Maestro.
fn has_card_prefix(number: &[u8]) -> bool {
    let prefix = |n: usize| -> u32 {
        number[..n].iter().fold(0, |acc, &d| acc * 10 + u32::from(d - b'0'))
    };
    let (p1, p2, p3, p4) = (prefix(1), prefix(2), prefix(3), prefix(4));
    let len = number.len();
    match p1 {
        4 => matches!(len, 13 | 16 | 19),
        2 => (2221..=2720).contains(&p4) && len == 16,
        5 => {
            ((51..=55).contains(&p2) && len == 16)
                || matches!(p2, 50 | 56..=58)
        }
        3 => {
            (matches!(p2, 34 | 37) && len == 15)
                || (p2 == 35 && len >= 16)
                || (matches!(p2, 36 | 38 | 39) || (300..=305).contains(&p3))
                    && len >= 14
        }
        6 => {
            p4 == 6011
                || p2 == 65
                || (644..=649).contains(&p3)
                || p2 == 62
                || p2 == 67
        }
        _ => false,
    }
}

fn phone(hay: &[u8], i: usize, sink: &mut Sink<'_>) -> Option<usize> {
    // A '+' or '(' just before the digits belongs to the number.
    let start = match before(hay, i) {
        b'+' | b'(' => i - 1,
        _ => i,
    };
    if !is_number_edge(before(hay, start)) && before(hay, start) != b'(' {
        return None;
    }
    if hay[start] == b'+' {
        international(hay, start, sink)
    } else {
        north_american(hay, start, sink)
    }
}

/// `(415) 555-0132`, `415-555-0132`, `415.555.0132`, `1-415-555-0132`.
fn north_american(
    hay: &[u8],
    start: usize,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let mut j = start;
    if hay.get(j..j + 2) == Some(b"1-") && byte_at(hay, j + 2).is_ascii_digit()
    {
        j += 2;
    }
    let area = if byte_at(hay, j) == b'(' {
        let (area, e) = digits(hay, j + 1, 3)?;
        if e - j != 4 || byte_at(hay, e) != b')' {
            return None;
        }
        j = e + 1;
        if byte_at(hay, j) == b' ' {
            j += 1;
        }
        area
    } else {
        let (area, e) = digits(hay, j, 3)?;
        if e - j != 3 || !matches!(byte_at(hay, e), b'-' | b'.' | b' ') {
            return None;
        }
        j = e + 1;
        area
    };
    let sep = before(hay, j);
    let (exchange, e) = digits(hay, j, 3)?;
    if e - j != 3 {
        return None;
    }
    let sep2 = byte_at(hay, e);
    let consistent =
        sep2 == sep || (sep == b' ' || sep == b')') && sep2 == b'-';
    if !consistent || !matches!(sep2, b'-' | b'.' | b' ') {
        return None;
    }
    let (_, end) = digits(hay, e + 1, 4)?;
    if end - e != 5 || !ends_number(hay, end) {
        return None;
    }
    if area < 200 || exchange < 200 {
        return None;
    }
    sink.push(hay, start, end, "PHONE", Category::Phone, priority::PHONE);
    Some(end)
}

/// `+44 20 7946 0958`, `+1-202-555-0143`, `+4915112345678`: a '+', then
/// 8 to 15 digits in groups.
fn international(
    hay: &[u8],
    start: usize,
    sink: &mut Sink<'_>,
) -> Option<usize> {
    let mut j = start + 1;
    let mut total = 0;
    let mut end;
    loop {
        if byte_at(hay, j) == b'(' {
            j += 1;
        }
        let (_, e) = digits(hay, j, 15)?;
        total += e - j;
        j = e;
        if byte_at(hay, j) == b')' {
            j += 1;
        }
        end = j.min(hay.len());
        let next = byte_at(hay, j);
        if matches!(next, b' ' | b'-' | b'.')
            && (byte_at(hay, j + 1).is_ascii_digit()
                || byte_at(hay, j + 1) == b'(')
        {
            j += 1;
        } else {
            break;
        }
    }
    if !(8..=15).contains(&total) || !ends_number(hay, end) {
        return None;
    }
    sink.push(hay, start, end, "PHONE", Category::Phone, priority::PHONE);
    Some(end)
}

/// IBAN lengths by country (ISO 13616 registry).
const IBAN_LENGTHS: [(&[u8; 2], usize); 78] = [
    (b"AD", 24),
    (b"AE", 23),
    (b"AL", 28),
    (b"AT", 20),
    (b"AZ", 28),
    (b"BA", 20),
    (b"BE", 16),
    (b"BG", 22),
    (b"BH", 22),
    (b"BR", 29),
    (b"BY", 28),
    (b"CH", 21),
    (b"CR", 22),
    (b"CY", 28),
    (b"CZ", 24),
    (b"DE", 22),
    (b"DK", 18),
    (b"DO", 28),
    (b"EE", 20),
    (b"EG", 29),
    (b"ES", 24),
    (b"FI", 18),
    (b"FO", 18),
    (b"FR", 27),
    (b"GB", 22),
    (b"GE", 22),
    (b"GI", 23),
    (b"GL", 18),
    (b"GR", 27),
    (b"GT", 28),
    (b"HR", 21),
    (b"HU", 28),
    (b"IE", 22),
    (b"IL", 23),
    (b"IQ", 23),
    (b"IS", 26),
    (b"IT", 27),
    (b"JO", 30),
    (b"KW", 30),
    (b"KZ", 20),
    (b"LB", 28),
    (b"LC", 32),
    (b"LI", 21),
    (b"LT", 20),
    (b"LU", 20),
    (b"LV", 21),
    (b"LY", 25),
    (b"MC", 27),
    (b"MD", 24),
    (b"ME", 22),
    (b"MK", 19),
    (b"MR", 27),
    (b"MT", 31),
    (b"MU", 30),
    (b"NL", 18),
    (b"NO", 15),
    (b"PK", 24),
    (b"PL", 28),
    (b"PS", 29),
    (b"PT", 25),
    (b"QA", 29),
    (b"RO", 24),
    (b"RS", 22),
    (b"SA", 24),
    (b"SC", 31),
    (b"SE", 24),
    (b"SI", 19),
    (b"SK", 24),
    (b"SM", 27),
    (b"ST", 25),
    (b"SV", 28),
    (b"TL", 23),
    (b"TN", 24),
    (b"TR", 26),
    (b"UA", 29),
    (b"VA", 22),
    (b"VG", 24),
    (b"XK", 20),
];

/// An IBAN whose check digits start at `i`: the country code is the two
/// letters before. Groups of four separated by single spaces are allowed.
fn iban(hay: &[u8], i: usize, sink: &mut Sink<'_>) -> Option<usize> {
    if i < 2 {
        return None;
    }
    let start = i - 2;
    let country = [hay[start], hay[start + 1]];
    if !country.iter().all(u8::is_ascii_uppercase)
        || before(hay, start).is_ascii_alphanumeric()
    {
        return None;
    }
    let &(_, length) = IBAN_LENGTHS.iter().find(|(c, _)| **c == country)?;
    let mut compact = [0u8; 34];
    compact[..2].copy_from_slice(&country);
    let mut len = 2;
    let mut j = i;
    while len < length {
        let b = byte_at(hay, j);
        if b.is_ascii_digit() || b.is_ascii_uppercase() {
            compact[len] = b;
            len += 1;
            j += 1;
        } else if b == b' '
            && (len % 4 == 0)
            && byte_at(hay, j + 1).is_ascii_alphanumeric()
        {
            j += 1;
        } else {
            return None;
        }
    }
    if byte_at(hay, j).is_ascii_alphanumeric()
        || !iban_checksum(&compact[..len])
    {
        return None;
    }
    sink.push(hay, start, j, "IBAN", Category::Iban, priority::PAYMENT);
    Some(j)
}
