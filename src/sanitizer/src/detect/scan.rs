//! The detection scan: one pass over the text that stops only where a
//! detector may have something to do, and says why it stopped.
//!
//! Each 64-byte block is classified once ([`blocks::classify`]); shifts
//! and masks over the classes then give every place of interest in the
//! block at once:
//!
//! * where a word starts: a letter or digit after any other byte, or a
//!   change of case inside a word (`db|Password`, `AWS|Secret`). Anchors
//!   (`ghp_`, `AKIA`, `authorization`) are looked up there;
//! * where a run of letters and digits ends. Assignment key words are the
//!   last word of a key, so they are looked up there, glued or not
//!   (`password`, `DBPASSWORD`, `apikey`);
//! * where a run of digits starts, for the numeric detectors;
//! * each byte of `blocks::SPECIALS`.
//!
//! Prose averages one word in five or six bytes, so the detectors see a
//! few percent of the positions, and the scan itself costs a handful of
//! instructions per 16 bytes.

use super::{Sink, email, hexcolon, numeric};
#[cfg(test)]
use crate::blocks::SPECIALS;
use crate::blocks::{Blocks, Masks, classify};
use crate::rule::Builtin;

/// What the scan reports. Each kind of place is reported in text order,
/// and every place of a 64-byte block before any of the next block; the
/// kinds take turns block by block, so a detector must not rely on the
/// order of places of different kinds.
pub(crate) trait Visitor {
    /// A word starts at `i` with a letter.
    fn word_start(&mut self, i: usize);
    /// A run of letters and digits ends at `end`, and its last three
    /// bytes are letters (what every key word looked up there is).
    fn word_end(&mut self, end: usize);
    /// A run of at least 64 letters and digits occupies `start..end`,
    /// whatever its last byte.
    fn long_word(&mut self, start: usize, end: usize);
    /// A run of digits occupies `start..end`, and no lower-case letter
    /// comes before it: nothing a detector wants starts inside a word
    /// such as the hex `3b86008e` (an anchor that begins with digits
    /// starts a word; a number must not touch letters, but for the
    /// capitals of an IBAN's country code).
    fn digits(&mut self, start: usize, end: usize);
    /// `byte`, one of `blocks::SPECIALS`, is at `i`.
    fn special(&mut self, i: usize, byte: u8);
    /// In the block at `base`, the bits of `starts` are the starts of
    /// runs of letters and digits followed by 8 token bytes (letters,
    /// digits, `-./+=_~`): where a repeat of a redacted value may start.
    fn token_starts(&mut self, base: usize, starts: u64);
}

/// Reports every place of interest in `hay` to `visitor`.
pub(crate) fn run(hay: &[u8], visitor: &mut impl Visitor) {
    #[cfg(target_arch = "x86_64")]
    if has_avx2_and_bmi() {
        // SAFETY: the CPU has the features `run_avx2` is built for.
        return unsafe { run_avx2(hay, visitor) };
    }
    run_with(hay, visitor, classify);
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_and_bmi() -> bool {
    std::is_x86_feature_detected!("avx2")
        && std::is_x86_feature_detected!("bmi1")
        && std::is_x86_feature_detected!("bmi2")
        && std::is_x86_feature_detected!("lzcnt")
}

/// The scan built for AVX2 and the bit instructions that come with it:
/// half the classifying instructions per block, and one instruction for
/// each lowest-bit and trailing-zero step, which the baseline spells in
/// two or three. Every visitor method inlined here is built the same way.
///
/// # Safety
///
/// The CPU must support AVX2, BMI1, BMI2 and LZCNT.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,bmi2,lzcnt")]
unsafe fn run_avx2(hay: &[u8], visitor: &mut impl Visitor) {
    // SAFETY: this function's own features are the ones it needs.
    run_with(hay, visitor, |block| unsafe {
        crate::blocks::classify_avx2(block)
    });
}

#[inline(always)]
fn run_with(
    hay: &[u8],
    visitor: &mut impl Visitor,
    classify: impl Fn(&[u8; 64]) -> Masks,
) {
    let mut blocks = Blocks::new(hay);
    let Some(first) = blocks.next_block() else { return };
    let mut next = classify(first);
    // Bit 0: the class of the byte before the current block.
    let (mut alnum_before, mut digit_before) = (0u64, 0u64);
    // The letters of the block before.
    let mut letters_last = 0u64;
    let (mut upper_before, mut lower_before) = (0u64, 0u64);
    // Where the last run of letters and digits of the blocks before
    // started.
    let mut run_start = 0;
    let mut base = 0;
    loop {
        let cur = next;
        let more = blocks.next_block();
        next = more.map_or(Masks::default(), &classify);

        let alnum = cur.alnum();
        let letters = cur.upper | cur.lower;
        let alnum_prev = alnum << 1 | alnum_before;
        let runs = alnum & !alnum_prev;
        let ends = !alnum & alnum_prev;
        let upper_prev = cur.upper << 1 | upper_before;
        let lower_prev = cur.lower << 1 | lower_before;
        let lower_next = cur.lower >> 1 | next.lower << 63;
        // `dbPassword`, and `AWSSecret` before the last capital of `AWS`.
        let case_changes = cur.upper & (lower_prev | upper_prev & lower_next);
        let digit_runs =
            cur.digit & !(cur.digit << 1 | digit_before) & !lower_prev;
        // Key words have three letters or more.
        let letter_ends = ends
            & (letters << 1 | letters_last >> 63)
            & (letters << 2 | letters_last >> 62)
            & (letters << 3 | letters_last >> 61);

        alnum_before = alnum >> 63;
        letters_last = letters;
        digit_before = cur.digit >> 63;
        upper_before = cur.upper >> 63;
        lower_before = cur.lower >> 63;

        let mut starts = (runs | case_changes) & letters;
        while starts != 0 {
            visitor.word_start(base + starts.trailing_zeros() as usize);
            starts &= starts - 1;
        }
        // A run of 64 or more ends in a later block than it starts, and
        // only the first end of a block can close such a run.
        if ends != 0 {
            let j = ends.trailing_zeros();
            let end = base + j as usize;
            if runs & ((1u64 << j) - 1) == 0 && end - run_start >= 64 {
                visitor.long_word(run_start, end);
            }
        }
        let mut ends = letter_ends;
        while ends != 0 {
            visitor.word_end(base + ends.trailing_zeros() as usize);
            ends &= ends - 1;
        }
        if runs != 0 {
            run_start = base + 63 - runs.leading_zeros() as usize;
        }
        let mut digits = digit_runs;
        while digits != 0 {
            let j = digits.trailing_zeros();
            digits &= digits - 1;
            let len = (!(cur.digit >> j)).trailing_zeros() as usize;
            let start = base + j as usize;
            let end = if j as usize + len < 64 {
                start + len
            } else {
                start
                    + hay[start..]
                        .iter()
                        .take_while(|b| b.is_ascii_digit())
                        .count()
            };
            visitor.digits(start, end);
        }
        // Starts of runs followed by 8 token bytes: the token mask ANDed
        // with itself shifted by 1, 2 and 4, the bits shifted in taken
        // from the same for the next block (only its low bits count). In
        // u64s, not one u128: WebAssembly has no 128-bit shifts.
        let (token, token_next) = (cur.token(), next.token());
        let two_next = token_next & token_next >> 1;
        let four_next = two_next & two_next >> 2;
        let two = token & (token >> 1 | token_next << 63);
        let four = two & (two >> 2 | two_next << 62);
        let eight = four & (four >> 4 | four_next << 60);
        if runs & eight != 0 {
            visitor.token_starts(base, runs & eight);
        }
        let mut specials = cur.special;
        while specials != 0 {
            let i = base + specials.trailing_zeros() as usize;
            specials &= specials - 1;
            visitor.special(i, hay[i]);
        }
        if more.is_none() {
            return;
        }
        base += 64;
    }
}

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

/// The detectors for values with no literal to anchor on: addresses,
/// card numbers, phone numbers. Each returns where it wants to be woken
/// next, so the digits and colons inside a value it took are not looked
/// at again.
pub(crate) struct Structural {
    wanted: Wanted,
    digits: bool,
    /// The shapes of number the wanted numeric detectors look for.
    numeric: u8,
    keep_private: bool,
    /// Where the numeric detectors and the others want to be woken next.
    digits_next: usize,
    specials_next: usize,
}

impl Structural {
    pub fn new(wanted: Wanted, keep_private: bool) -> Structural {
        Structural {
            wanted,
            digits: wanted.digits(),
            numeric: wanted.shapes(),
            keep_private,
            digits_next: 0,
            specials_next: 0,
        }
    }

    /// At the run of digits `start..end`.
    #[inline]
    pub fn digits(
        &mut self,
        hay: &[u8],
        start: usize,
        end: usize,
        sink: &mut Sink<'_>,
    ) {
        if self.digits && start >= self.digits_next {
            let (w, keep) = (self.numeric, self.keep_private);
            self.digits_next = numeric::at(hay, start, end, w, keep, sink);
        }
    }

    /// At `byte`, one of `blocks::SPECIALS`.
    #[inline]
    pub fn special(
        &mut self,
        hay: &[u8],
        i: usize,
        byte: u8,
        sink: &mut Sink<'_>,
    ) {
        if i < self.specials_next {
            return;
        }
        let w = self.wanted;
        let next = match byte {
            b'@' if w.email => email::at(hay, i, sink),
            b':' if w.ipv6 || w.mac => {
                hexcolon::at_colon(hay, i, w, self.keep_private, sink)
            }
            b'-' if w.mac => hexcolon::at_dash(hay, i, sink),
            _ => return,
        };
        self.specials_next = next;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Default)]
    struct Log(Vec<String>);

    impl Visitor for Log {
        fn word_start(&mut self, i: usize) {
            self.0.push(format!("s{i}"));
        }
        fn word_end(&mut self, end: usize) {
            self.0.push(format!("w{end}"));
        }
        fn long_word(&mut self, start: usize, end: usize) {
            self.0.push(format!("l{start}-{end}"));
        }
        fn digits(&mut self, start: usize, end: usize) {
            self.0.push(format!("d{start}.{end}"));
        }
        fn special(&mut self, i: usize, byte: u8) {
            self.0.push(format!("{}{i}", byte as char));
        }
        fn token_starts(&mut self, base: usize, starts: u64) {
            let mut bits = starts;
            while bits != 0 {
                let i = base + bits.trailing_zeros() as usize;
                bits &= bits - 1;
                self.0.push(format!("t{i}"));
            }
        }
    }

    /// The places reported, by position (ends first, as they close
    /// what came before).
    fn events(text: &str) -> String {
        let mut log = Log::default();
        run(text.as_bytes(), &mut log);
        let position = |e: &String| -> (usize, bool) {
            let digits = e.trim_start_matches(|c: char| !c.is_ascii_digit());
            let last = digits.split('.').next().unwrap_or(digits);
            let last = last.rsplit('-').next().unwrap_or(last);
            (last.parse().unwrap_or(0), !e.starts_with(['w', 'l']))
        };
        log.0.sort_by_key(position);
        log.0.join(" ")
    }

    #[test]
    fn words_case_changes_digits_and_specials() {
        assert_eq!(events("dbPassword=x1"), "s0 t0 s2 w10 s11");
        assert_eq!(events("AWSSecret"), "s0 t0 s3 w9");
        assert_eq!(events("a@b:c-$~"), "s0 @1 s2 :3 s4 -5 $6 ~7");
        // Words that start or end with a digit are numbers' business.
        assert_eq!(events("42ab cd42 7"), "d0.2 s5 d10.11");
        assert_eq!(events("ab1cde x1yz"), "s0 w6 s7");
        assert_eq!(events("AB12 x3 Y4"), "s0 d2.4 s5 s8 d9.10");
        assert_eq!(events("ab cde"), "s0 s3 w6");
    }

    #[test]
    fn token_runs_of_eight() {
        assert_eq!(events("ab-cd_ef gh"), "s0 t0 -2 s3 s6 s9");
        let text = format!("{}x abcdefgh", " ".repeat(60));
        assert_eq!(events(&text), "s60 s62 t62 w70");
    }

    #[test]
    fn words_across_blocks_and_at_the_end() {
        let text = format!("{}abc def", " ".repeat(62));
        assert_eq!(events(&text), "s62 w65 s66 w69");
        assert_eq!(events(&"x".repeat(63)), "s0 t0 w63");
        assert_eq!(events(&"x".repeat(64)), "s0 t0 l0-64 w64");
        let long = format!("{}1 y", "x".repeat(99));
        assert_eq!(events(&long), "s0 t0 l0-100 s101");
        assert_eq!(events(""), "");
    }

    #[test]
    fn every_build_of_the_scan_reports_the_same() {
        // Every byte value, in every position of a block, and words that
        // cross blocks.
        let mut text: Vec<u8> = (0..=255u8).cycle().take(4096).collect();
        text.extend(b"dbPassword=x1 AKIAEXAMPLE 10.0.0.1 a@b.c ".repeat(40));
        let mut baseline = Log::default();
        run_with(&text, &mut baseline, classify);
        let mut chosen = Log::default();
        run(&text, &mut chosen);
        assert_eq!(baseline.0, chosen.0);
    }

    #[test]
    fn every_special_is_reported() {
        for &b in &SPECIALS {
            let text = format!("x{}y", b as char);
            assert!(events(&text).contains(&format!("{}1", b as char)));
        }
    }
}
