//! Finds every anchor in a text: hundreds of short literals, matched
//! without regard to ASCII case, overlapping matches included.
//!
//! A general Aho-Corasick automaton spends a dependent table load on every
//! byte; with this many patterns its tables leave the L1 cache and the
//! scan costs over 2 ns a byte. Anchors are at least three bytes long, so
//! instead each position's first three bytes (case-folded) are hashed into
//! a 64 Ki-bit filter that fits in L1. Positions are independent, so the
//! loop pipelines. The 2-3% of positions that pass are tested again, on
//! their first four bytes for the longer literals (`use` starts a hundred
//! words, `user` a few), and only then compared with literals.
//!
//! Looking only where an anchor can begin (word starts, case changes) was
//! tried: the probes it saves cost as much again in mask building and bit
//! iteration, because keys glue words (`apikey`) and some tokens carry
//! their literal in the middle (`...AZDO...`).

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
    /// One bit per hashed 3-byte key of any literal.
    filter: Box<[u64; 1024]>,
    /// One bit per hashed 3-byte key of a 3-byte literal.
    filter3: Box<[u64; 1024]>,
    /// One bit per hashed 4-byte key of a longer literal.
    filter4: Box<[u64; 1024]>,
    /// For each hash, where its entries start in `entries`; the next
    /// hash's start is where they end. Hashes of 4-byte keys are offset
    /// by 2^16.
    buckets: Box<[u16]>,
    /// (key, literal id), grouped by hash.
    entries: Vec<(u32, u16)>,
    /// The literals, lower-cased.
    literals: Vec<Box<[u8]>>,
}

fn hash(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_79B1) >> 16) as usize
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

fn set(filter: &mut [u64; 1024], h: usize) {
    filter[h >> 6] |= 1 << (h & 63);
}

fn has(filter: &[u64; 1024], h: usize) -> bool {
    filter[h >> 6] & (1 << (h & 63)) != 0
}

impl Anchors {
    /// Builds the matcher. Literals must be distinct, lower-case and at
    /// least [`MIN_LEN`] bytes; a literal's index is its id in matches.
    pub fn new(literals: Vec<Box<[u8]>>) -> Anchors {
        let mut filter = Box::new([0u64; 1024]);
        let mut filter3 = Box::new([0u64; 1024]);
        let mut filter4 = Box::new([0u64; 1024]);
        let mut entries = Vec::with_capacity(literals.len());
        for (id, lit) in literals.iter().enumerate() {
            assert!(lit.len() >= MIN_LEN, "anchors are at least 3 bytes");
            let k3 = key4(lit) & 0x00FF_FFFF;
            set(&mut filter, hash(k3));
            if lit.len() == 3 {
                set(&mut filter3, hash(k3));
                entries.push((hash(k3), k3, id as u16));
            } else {
                let k4 = key4(lit);
                set(&mut filter4, hash(k4));
                entries.push(((1 << 16) + hash(k4), k4, id as u16));
            }
        }
        entries.sort_unstable();
        let mut buckets = vec![0u16; (2 << 16) + 1].into_boxed_slice();
        for &(slot, ..) in &entries {
            buckets[slot + 1] += 1;
        }
        for slot in 0..2 << 16 {
            buckets[slot + 1] += buckets[slot];
        }
        let entries = entries.into_iter().map(|(_, k, id)| (k, id)).collect();
        Anchors { filter, filter3, filter4, buckets, entries, literals }
    }

    /// Calls `found(start, end, id)` for every literal occurrence, in
    /// order of start position.
    pub fn for_each(
        &self,
        hay: &[u8],
        mut found: impl FnMut(usize, usize, usize),
    ) {
        if hay.len() < MIN_LEN {
            return;
        }
        let filter = &*self.filter;
        // Whole 4-byte loads while they fit, then the last positions.
        let body = hay.len().saturating_sub(3);
        for i in 0..body {
            let word = u32::from_le_bytes(
                hay[i..i + 4]
                    .try_into()
                    .expect("the loop stops 3 bytes early"),
            ) | 0x2020_2020;
            if has(filter, hash(word & 0x00FF_FFFF)) {
                self.candidate(hay, i, word, &mut found);
            }
        }
        for i in body..=hay.len() - MIN_LEN {
            self.candidate(hay, i, key4(&hay[i..]), &mut found);
        }
    }

    /// A position whose first three bytes may start a literal.
    #[inline(never)]
    fn candidate(
        &self,
        hay: &[u8],
        i: usize,
        word: u32,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        let k3 = word & 0x00FF_FFFF;
        let (h3, h4) = (hash(k3), hash(word));
        if has(&self.filter3, h3) {
            self.check(hay, i, h3, k3, found);
        }
        if has(&self.filter4, h4) {
            self.check(hay, i, (1 << 16) + h4, word, found);
        }
    }

    /// Compares the literals in bucket `slot` whose key is `key` with the
    /// text at `i`.
    fn check(
        &self,
        hay: &[u8],
        i: usize,
        slot: usize,
        key: u32,
        found: &mut impl FnMut(usize, usize, usize),
    ) {
        let bucket =
            self.buckets[slot] as usize..self.buckets[slot + 1] as usize;
        for &(k, id) in &self.entries[bucket] {
            if k != key {
                continue;
            }
            let lit = &self.literals[id as usize];
            let end = i + lit.len();
            let same = hay.get(i..end).is_some_and(|text| {
                text.iter()
                    .zip(lit.iter())
                    .all(|(&a, &b)| FOLD[a as usize] == b)
            });
            if same {
                found(i, end, id as usize);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matches(literals: &[&str], hay: &str) -> Vec<(usize, String)> {
        let lits: Vec<Box<[u8]>> =
            literals.iter().map(|l| l.as_bytes().into()).collect();
        let mut out = Vec::new();
        Anchors::new(lits).for_each(hay.as_bytes(), |s, _, id| {
            out.push((s, literals[id].to_string()))
        });
        out
    }

    #[test]
    fn overlapping_and_case_insensitive() {
        let found =
            matches(&["secret", "aws_secret", "key"], "AWS_SECRET_KEY=x");
        let expected = [(0, "aws_secret"), (4, "secret"), (11, "key")];
        assert_eq!(found, expected.map(|(s, l)| (s, l.to_string())));
    }

    #[test]
    fn literal_at_the_very_end() {
        assert_eq!(matches(&["key"], "a key"), vec![(2, "key".to_string())]);
        assert_eq!(matches(&["key"], "ke"), vec![]);
    }

    #[test]
    fn bit_five_collisions_are_rejected() {
        // '_' | 0x20 is DEL, '@' | 0x20 is '`': same key, not the same text.
        assert_eq!(matches(&["a_b"], "a\x7fb a`b"), vec![]);
    }
}
