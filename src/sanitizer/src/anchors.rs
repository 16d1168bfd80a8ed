//! Looks up anchors: hundreds of short literals, matched without regard
//! to ASCII case, at the positions the detection scan stops at.
//!
//! A literal's key is its first three bytes if it has three, else its
//! first four (`use` starts a hundred words, `user` a few). A lookup
//! hashes the three and the four bytes there (case-folded) into a 128
//! Ki-bit filter that fits in L1. Both keys' bits are in the filter word
//! that the first three bytes choose, so most positions cost two
//! multiplies, one load and one branch; the few percent that pass are
//! compared with the literals of their keys.
//!
//! The same structure, built from reversed literals, finds the literals
//! that end at a position ([`Anchors::ending_at`]): key words glued to
//! the end of a key (`DBPASSWORD`, `apikey`).

/// Lower-cases ASCII letters; every other byte is itself.
static FOLD: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut i = 0;
    while i < 256 {
        let b = i as u8;
        table[i] = if b.is_ascii_uppercase() { b | 0x20 } else { b };
        i += 1;
    }
    table
};

/// The shortest literal the matcher takes.
pub(crate) const MIN_LEN: usize = 3;

pub(crate) struct Anchors {
    /// One bit per literal key (see [`Anchors::filter_bit`]).
    filter: Box<[u64; FILTER_WORDS]>,
    /// For each hash's top bits, where its entries start in `entries`;
    /// the next one's start is where they end.
    buckets: Box<[u16; BUCKETS + 1]>,
    /// (key, key length, literal id), grouped by bucket.
    entries: Vec<(u32, u8, u16)>,
    /// The literals, lower-cased, reversed if the matcher looks for
    /// literals that end at a position.
    literals: Vec<Box<[u8]>>,
}

/// Words of the filter: 16 KiB, which stays in L1 with the text the scan
/// reads.
const FILTER_WORDS: usize = 2048;

/// Buckets of entries: far fewer than filter bits, so the table stays
/// small; a bucket holds the few literals whose hashes share top bits.
const BUCKETS: usize = 1024;

/// A multiply carries every byte of the key into the top bits.
fn hash(key: u32) -> u32 {
    key.wrapping_mul(0x9E37_79B1)
}

fn bucket_of(key: u32) -> usize {
    (hash(key) >> 22) as usize
}

/// The first four bytes of `bytes` (zero-padded) with bit 5 set in each:
/// that lower-cases letters, and maps a few other bytes onto each other,
/// which only adds false positives for the literal check to reject.
fn key4(bytes: &[u8]) -> u32 {
    let mut word = [0u8; 4];
    let n = bytes.len().min(4);
    word[..n].copy_from_slice(&bytes[..n]);
    u32::from_le_bytes(word) | 0x2020_2020
}

/// The key of a literal, and how many of its bytes the key covers.
fn literal_key(lit: &[u8]) -> (u32, u8) {
    if lit.len() == 3 { (key4(lit) & 0x00FF_FFFF, 3) } else { (key4(lit), 4) }
}

impl Anchors {
    /// Builds the matcher for literals that start at a position.
    /// Literals must be distinct, lower-case and at least [`MIN_LEN`]
    /// bytes; a literal's index is its id in matches.
    pub fn new(literals: Vec<Box<[u8]>>) -> Anchors {
        let mut filter = Box::new([0u64; FILTER_WORDS]);
        let mut entries = Vec::with_capacity(literals.len());
        for (id, lit) in literals.iter().enumerate() {
            assert!(lit.len() >= MIN_LEN, "anchors are at least 3 bytes");
            let (key, len) = literal_key(lit);
            let (word, bit) = Anchors::filter_bit(key, len);
            filter[word] |= 1 << bit;
            entries.push((bucket_of(key), key, len, id as u16));
        }
        entries.sort_unstable();
        let mut buckets = Box::new([0u16; BUCKETS + 1]);
        for &(bucket, ..) in &entries {
            buckets[bucket + 1] += 1;
        }
        for b in 0..BUCKETS {
            buckets[b + 1] += buckets[b];
        }
        let entries =
            entries.into_iter().map(|(_, k, len, id)| (k, len, id)).collect();
        Anchors { filter, buckets, entries, literals }
    }

    /// Builds the matcher for literals that end at a position; the same
    /// rules as [`Anchors::new`].
    pub fn new_reversed(literals: Vec<Box<[u8]>>) -> Anchors {
        Anchors::new(
            literals
                .into_iter()
                .map(|mut lit| {
                    lit.reverse();
                    lit
                })
                .collect(),
        )
    }

    /// The key at `i` if a literal may start there: the cheap test, to
    /// be inlined into a scan loop; [`Anchors::starting_at`] does the
    /// rest.
    #[inline(always)]
    pub fn may_start_at(&self, hay: &[u8], i: usize) -> Option<u32> {
        let rest = &hay[i..];
        let word = match rest.first_chunk::<4>() {
            Some(&w) => u32::from_le_bytes(w),
            None => key4(rest),
        } | 0x2020_2020;
        self.may_match(word).then_some(word)
    }

    /// Calls `found(start, end, id)` for every literal at `i`, whose key
    /// [`Anchors::may_start_at`] returned.
    #[inline(never)]
    pub fn starting_at(
        &self,
        hay: &[u8],
        i: usize,
        word: u32,
        mut found: impl FnMut(usize, usize, usize),
    ) {
        self.candidates(word, |id, lit| {
            let end = i + lit.len();
            let same = hay.get(i..end).is_some_and(|text| {
                text.iter()
                    .zip(lit.iter())
                    .all(|(&a, &b)| FOLD[a as usize] == b)
            });
            if same {
                found(i, end, id);
            }
        });
    }

    /// The key of the word ending at `end` if a literal of a reversed
    /// matcher may end there; the cheap test, as above.
    #[inline(always)]
    pub fn may_end_at(&self, hay: &[u8], end: usize) -> Option<u32> {
        let before = &hay[..end];
        let word = match before.last_chunk::<4>() {
            Some(&w) => u32::from_be_bytes(w),
            None => {
                let mut tail = [0u8; 4];
                for (t, &b) in tail.iter_mut().zip(before.iter().rev()) {
                    *t = b;
                }
                u32::from_le_bytes(tail)
            }
        } | 0x2020_2020;
        self.may_match(word).then_some(word)
    }

    /// Calls `found(start, end, id)` for every literal of a reversed
    /// matcher that ends at `end`, given the key [`Anchors::may_end_at`]
    /// returned.
    #[inline(never)]
    pub fn ending_at(
        &self,
        hay: &[u8],
        end: usize,
        word: u32,
        mut found: impl FnMut(usize, usize, usize),
    ) {
        self.candidates(word, |id, lit| {
            let Some(start) = end.checked_sub(lit.len()) else { return };
            let text = &hay[start..end];
            let matches = text
                .iter()
                .rev()
                .zip(lit.iter())
                .all(|(&a, &b)| FOLD[a as usize] == b);
            if matches {
                found(start, end, id);
            }
        });
    }

    /// Where the filter bit of a key of `len` (3 or 4) bytes is: the
    /// filter word comes from the hash of the first three bytes, for
    /// either length, so a lookup reads one word for both; the bit in it
    /// from the hash of the whole key.
    #[inline(always)]
    fn filter_bit(key: u32, len: u8) -> (usize, u32) {
        let word = (hash(key & 0x00FF_FFFF) >> 21) as usize;
        let bit =
            if len == 3 { hash(key) >> 15 & 63 } else { hash(key) >> 26 };
        (word, bit)
    }

    /// The filter test: whether a literal's key may be the first three or
    /// the first four bytes of `word`. Most positions fail both.
    #[inline]
    fn may_match(&self, word: u32) -> bool {
        let three = hash(word & 0x00FF_FFFF);
        let bits = self.filter[(three >> 21) as usize];
        // Shifting the word, not a mask, compiles to bit tests.
        (bits >> (three >> 15 & 63) | bits >> (hash(word) >> 26)) & 1 != 0
    }

    /// The literals whose key is the first three or four bytes of `word`.
    #[inline]
    fn candidates(&self, word: u32, mut check: impl FnMut(usize, &[u8])) {
        for (key, len) in [(word & 0x00FF_FFFF, 3), (word, 4)] {
            let b = bucket_of(key);
            let bucket =
                self.buckets[b] as usize..self.buckets[b + 1] as usize;
            for &(k, l, id) in &self.entries[bucket] {
                if k == key && l == len {
                    check(id as usize, &self.literals[id as usize]);
                }
            }
        }
    }

    /// The literals, as given to [`Anchors::new`].
    #[cfg(test)]
    pub fn literals(&self) -> &[Box<[u8]>] {
        &self.literals
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn literals(list: &[&str]) -> Vec<Box<[u8]>> {
        list.iter().map(|l| l.as_bytes().into()).collect()
    }

    fn starting(list: &[&str], hay: &str) -> Vec<(usize, String)> {
        let anchors = Anchors::new(literals(list));
        let mut out = Vec::new();
        let hay = hay.as_bytes();
        for i in 0..hay.len() {
            let Some(word) = anchors.may_start_at(hay, i) else { continue };
            anchors.starting_at(hay, i, word, |s, _, id| {
                out.push((s, list[id].to_string()))
            });
        }
        out
    }

    fn ending(list: &[&str], hay: &str) -> Vec<(usize, usize)> {
        let anchors = Anchors::new_reversed(literals(list));
        let (hay, end) = (hay.as_bytes(), hay.len());
        let mut out = Vec::new();
        if let Some(word) = anchors.may_end_at(hay, end) {
            anchors.ending_at(hay, end, word, |s, e, _| out.push((s, e)));
        }
        out
    }

    #[test]
    fn overlapping_and_case_insensitive() {
        let found =
            starting(&["secret", "aws_secret", "key"], "AWS_SECRET_KEY=x");
        let expected = [(0, "aws_secret"), (4, "secret"), (11, "key")];
        assert_eq!(found, expected.map(|(s, l)| (s, l.to_string())));
    }

    #[test]
    fn literal_at_the_very_end() {
        assert_eq!(starting(&["key"], "a key"), vec![(2, "key".to_string())]);
        assert_eq!(starting(&["key"], "ke"), vec![]);
    }

    #[test]
    fn bit_five_collisions_are_rejected() {
        // '_' | 0x20 is DEL, '@' | 0x20 is '`': same key, not the same text.
        assert_eq!(starting(&["a_b"], "a\x7fb a`b"), vec![]);
    }

    #[test]
    fn literals_ending_at_a_position() {
        let words = ["password", "pwd", "key"];
        assert_eq!(ending(&words, "DBPASSWORD"), vec![(2, 10)]);
        assert_eq!(ending(&words, "x.pwd"), vec![(2, 5)]);
        assert_eq!(ending(&words, "apiKey"), vec![(3, 6)]);
        assert_eq!(ending(&words, "ey"), vec![]);
        assert_eq!(ending(&words, "key"), vec![(0, 3)]);
    }
}
