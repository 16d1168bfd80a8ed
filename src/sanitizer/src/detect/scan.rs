//! The structural scan: one pass over the bytes for values that have no
//! literal to anchor on. It stops only at digits, `@`, `:` and `-`, and
//! hands each to the detector that starts there; every detector returns
//! where the scan goes on, so no byte is looked at twice by the same
//! detector.

use super::{Sink, email, hexcolon, numeric};
use crate::blocks::{self, Class};
use crate::rule::Builtin;

/// Which structural detectors are on.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Wanted {
    pub email: bool,
    pub ipv4: bool,
    pub ipv6: bool,
    pub mac: bool,
    pub card: bool,
    pub iban: bool,
    pub ssn: bool,
    pub phone: bool,
}

impl Wanted {
    pub fn from_builtins(builtins: &[Builtin]) -> Wanted {
        let has = |b| builtins.contains(&b);
        Wanted {
            email: has(Builtin::Email),
            ipv4: has(Builtin::Ipv4),
            ipv6: has(Builtin::Ipv6),
            mac: has(Builtin::Mac),
            card: has(Builtin::PaymentCard),
            iban: has(Builtin::Iban),
            ssn: has(Builtin::Ssn),
            phone: has(Builtin::Phone),
        }
    }

    fn digits(&self) -> bool {
        self.ipv4 || self.card || self.iban || self.ssn || self.phone
    }
}

pub(crate) fn run(
    hay: &[u8],
    wanted: Wanted,
    keep_private: bool,
    sink: &mut Sink<'_>,
) {
    let digits = wanted.digits();
    let colons = wanted.ipv6 || wanted.mac;
    if !(digits || wanted.email || colons) {
        return;
    }
    // Starts of digit runs, '@', ':' and '-': the only bytes any of these
    // detectors can start from.
    let mut carry = 0u64;
    let classify = |block: &[u8; 64]| -> u64 {
        let d = if digits { blocks::mask(block, Class::Digit) } else { 0 };
        let at = if wanted.email {
            blocks::mask(block, Class::Byte(b'@'))
        } else {
            0
        };
        let colon =
            if colons { blocks::mask(block, Class::Byte(b':')) } else { 0 };
        let dash = if wanted.mac {
            blocks::mask(block, Class::Byte(b'-'))
        } else {
            0
        };
        // A digit right after a digit continues a run: leave it out.
        let starts = d & !(d << 1 | carry);
        carry = d >> 63;
        starts | at | colon | dash
    };
    blocks::scan(hay, classify, |i| match hay[i] {
        b'@' => email::at(hay, i, sink),
        b':' => hexcolon::at_colon(hay, i, wanted, keep_private, sink),
        b'-' => hexcolon::at_dash(hay, i, sink),
        _ => numeric::at(hay, i, wanted, keep_private, sink),
    });
}
