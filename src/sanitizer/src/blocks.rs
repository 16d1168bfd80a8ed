//! Bit masks over 64-byte blocks of text, for scans that stop only at a
//! few kinds of byte.
//!
//! A byte-at-a-time loop spends a compare and a branch on every byte;
//! these masks classify 16 bytes per instruction with SSE2 (always there
//! on x86-64; 32 with AVX2 where the CPU has it) or WebAssembly's
//! simd128, and the scans then visit only the set bits. Builds without
//! either (the content script's JavaScript fallback) use a table lookup
//! per byte with the same result.

include!("specials.rs");

/// The classes of the 64 bytes of a block: bit `j` is byte `j`. Every
/// target computes the same masks; the tests below check them against
/// the plain byte tests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Masks {
    pub digit: u64,
    pub upper: u64,
    pub lower: u64,
    /// Bytes in [`SPECIALS`].
    pub special: u64,
    /// `-./+=_~`: with letters and digits, the bytes of base64, hex and
    /// most token alphabets.
    pub punct: u64,
}

impl Masks {
    /// Letters and digits.
    pub fn alnum(&self) -> u64 {
        self.digit | self.upper | self.lower
    }

    /// Token bytes: letters, digits and `-./+=_~`.
    pub fn token(&self) -> u64 {
        self.alnum() | self.punct
    }
}

/// Classifies the 64 bytes of `block`.
#[inline]
pub(crate) fn classify(block: &[u8; 64]) -> Masks {
    let mut m = Masks::default();
    for (k, lane) in block.chunks_exact(16).enumerate() {
        let lane: &[u8; 16] = lane.try_into().expect("16-byte chunks");
        let [digit, upper, lower, special, punct] = simd::classify16(lane);
        let shift = 16 * k;
        m.digit |= u64::from(digit) << shift;
        m.upper |= u64::from(upper) << shift;
        m.lower |= u64::from(lower) << shift;
        m.special |= u64::from(special) << shift;
        m.punct |= u64::from(punct) << shift;
    }
    m
}

/// Classifies the 64 bytes of `block` in two 32-byte lanes, for CPUs
/// with AVX2 (most x86-64 machines since 2013; the scan checks at run
/// time, as the x86-64 baseline has only SSE2). Same masks as
/// [`classify`].
///
/// # Safety
///
/// The CPU must support AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
#[inline]
pub(crate) unsafe fn classify_avx2(block: &[u8; 64]) -> Masks {
    use core::arch::x86_64::*;

    /// Bytes in `lo..lo + len`, as in the SSE2 version; AVX2 has only a
    /// greater-than compare, so the operands swap.
    #[target_feature(enable = "avx2")]
    #[inline]
    fn in_range(v: __m256i, lo: u8, len: u8) -> __m256i {
        let shifted =
            _mm256_sub_epi8(v, _mm256_set1_epi8(lo.wrapping_add(128) as i8));
        _mm256_cmpgt_epi8(
            _mm256_set1_epi8((len as i8).wrapping_sub(-128i8)),
            shifted,
        )
    }

    #[target_feature(enable = "avx2")]
    #[inline]
    fn lane(v: __m256i) -> [u32; 5] {
        let mut special = _mm256_setzero_si256();
        for s in SPECIALS {
            special = _mm256_or_si256(
                special,
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(s as i8)),
            );
        }
        let mut punct = in_range(v, b'-', 3);
        for b in [b'+', b'=', b'_', b'~'] {
            punct = _mm256_or_si256(
                punct,
                _mm256_cmpeq_epi8(v, _mm256_set1_epi8(b as i8)),
            );
        }
        [
            _mm256_movemask_epi8(in_range(v, b'0', 10)) as u32,
            _mm256_movemask_epi8(in_range(v, b'A', 26)) as u32,
            _mm256_movemask_epi8(in_range(v, b'a', 26)) as u32,
            _mm256_movemask_epi8(special) as u32,
            _mm256_movemask_epi8(punct) as u32,
        ]
    }

    // SAFETY: unaligned loads of the two halves of a 64-byte array.
    let (low, high) = unsafe {
        (
            _mm256_loadu_si256(block.as_ptr().cast()),
            _mm256_loadu_si256(block.as_ptr().add(32).cast()),
        )
    };
    let [l, h] = [lane(low), lane(high)];
    let join = |k: usize| u64::from(l[k]) | u64::from(h[k]) << 32;
    Masks {
        digit: join(0),
        upper: join(1),
        lower: join(2),
        special: join(3),
        punct: join(4),
    }
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::SPECIALS;
    use core::arch::x86_64::*;

    #[inline]
    pub fn classify16(lane: &[u8; 16]) -> [u16; 5] {
        // SAFETY: SSE2 is part of the x86-64 baseline, and the load is
        // unaligned from a 16-byte array.
        unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast());
            let mut special = _mm_setzero_si128();
            for s in SPECIALS {
                special = _mm_or_si128(
                    special,
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(s as i8)),
                );
            }
            // `-` `.` `/` are 0x2D-0x2F.
            let mut punct = in_range(v, b'-', 3);
            for b in [b'+', b'=', b'_', b'~'] {
                punct = _mm_or_si128(
                    punct,
                    _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)),
                );
            }
            [
                _mm_movemask_epi8(in_range(v, b'0', 10)) as u16,
                _mm_movemask_epi8(in_range(v, b'A', 26)) as u16,
                _mm_movemask_epi8(in_range(v, b'a', 26)) as u16,
                _mm_movemask_epi8(special) as u16,
                _mm_movemask_epi8(punct) as u16,
            ]
        }
    }

    /// Bytes in `lo..lo + len`, with one signed compare: shift the range
    /// down to the bottom of the signed bytes.
    #[inline]
    unsafe fn in_range(v: __m128i, lo: u8, len: u8) -> __m128i {
        // SAFETY: plain SSE2 arithmetic on registers.
        unsafe {
            let shifted =
                _mm_sub_epi8(v, _mm_set1_epi8(lo.wrapping_add(128) as i8));
            _mm_cmplt_epi8(
                shifted,
                _mm_set1_epi8((len as i8).wrapping_sub(-128i8)),
            )
        }
    }
}

#[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
mod simd {
    use super::SPECIALS;
    use core::arch::wasm32::*;

    #[inline]
    pub fn classify16(lane: &[u8; 16]) -> [u16; 5] {
        // SAFETY: an unaligned load from a 16-byte array.
        let v = unsafe { v128_load(lane.as_ptr().cast()) };
        let mut special = u8x16_splat(0);
        for s in SPECIALS {
            special = v128_or(special, u8x16_eq(v, u8x16_splat(s)));
        }
        // `-` `.` `/` are 0x2D-0x2F.
        let mut punct = in_range(v, b'-', 3);
        for b in [b'+', b'=', b'_', b'~'] {
            punct = v128_or(punct, u8x16_eq(v, u8x16_splat(b)));
        }
        [
            i8x16_bitmask(in_range(v, b'0', 10)),
            i8x16_bitmask(in_range(v, b'A', 26)),
            i8x16_bitmask(in_range(v, b'a', 26)),
            i8x16_bitmask(special),
            i8x16_bitmask(punct),
        ]
    }

    #[inline]
    fn in_range(v: v128, lo: u8, len: u8) -> v128 {
        u8x16_lt(u8x16_sub(v, u8x16_splat(lo)), u8x16_splat(len))
    }
}

#[cfg(not(any(
    target_arch = "x86_64",
    all(target_arch = "wasm32", target_feature = "simd128")
)))]
mod simd {
    use super::SPECIALS;

    const DIGIT: u8 = 1;
    const UPPER: u8 = 2;
    const LOWER: u8 = 4;
    const SPECIAL: u8 = 8;
    const PUNCT: u8 = 16;

    /// The class bits of every byte.
    static TABLE: [u8; 256] = {
        let mut table = [0u8; 256];
        let mut i = 0;
        while i < 256 {
            let b = i as u8;
            table[i] = if b.is_ascii_digit() {
                DIGIT
            } else if b.is_ascii_uppercase() {
                UPPER
            } else if b.is_ascii_lowercase() {
                LOWER
            } else {
                let mut c = 0;
                let mut s = 0;
                while s < SPECIALS.len() {
                    if SPECIALS[s] == b {
                        c = SPECIAL;
                    }
                    s += 1;
                }
                if matches!(b, b'-' | b'.' | b'/' | b'+' | b'=' | b'_' | b'~')
                {
                    c |= PUNCT;
                }
                c
            };
            i += 1;
        }
        table
    };

    #[inline]
    pub fn classify16(lane: &[u8; 16]) -> [u16; 5] {
        let mut m = [0u16; 5];
        for (j, &b) in lane.iter().enumerate() {
            let c = TABLE[b as usize];
            m[0] |= u16::from(c & DIGIT != 0) << j;
            m[1] |= u16::from(c & UPPER != 0) << j;
            m[2] |= u16::from(c & LOWER != 0) << j;
            m[3] |= u16::from(c & SPECIAL != 0) << j;
            m[4] |= u16::from(c & PUNCT != 0) << j;
        }
        m
    }
}

/// The text as 64-byte blocks, the last one padded with spaces (a byte
/// no scan stops at). There is always a last, padded block, even when
/// the text fills its blocks exactly, so a scan sees what follows the
/// text's last byte.
pub(crate) struct Blocks<'h> {
    full: std::slice::ChunksExact<'h, u8>,
    tail: [u8; 64],
    done: bool,
}

impl<'h> Blocks<'h> {
    pub fn new(hay: &'h [u8]) -> Blocks<'h> {
        let full = hay.chunks_exact(64);
        let mut tail = [b' '; 64];
        let rest = full.remainder();
        tail[..rest.len()].copy_from_slice(rest);
        Blocks { full, tail, done: false }
    }

    /// The next block, or `None` after the padded one.
    #[inline]
    pub fn next_block(&mut self) -> Option<&[u8; 64]> {
        match self.full.next() {
            Some(b) => Some(b.try_into().expect("64-byte chunks")),
            None if !self.done => {
                self.done = true;
                Some(&self.tail)
            }
            None => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expected(block: &[u8; 64], class: impl Fn(u8) -> bool) -> u64 {
        block
            .iter()
            .enumerate()
            .fold(0u64, |m, (j, &b)| m | u64::from(class(b)) << j)
    }

    #[test]
    fn masks_match_the_byte_tests() {
        for start in (0..256).step_by(64) {
            let block: [u8; 64] = std::array::from_fn(|i| (start + i) as u8);
            let m = classify(&block);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                // SAFETY: the CPU has AVX2, just checked.
                assert_eq!(unsafe { classify_avx2(&block) }, m);
            }
            assert_eq!(m.digit, expected(&block, |b| b.is_ascii_digit()));
            assert_eq!(m.upper, expected(&block, |b| b.is_ascii_uppercase()));
            assert_eq!(m.lower, expected(&block, |b| b.is_ascii_lowercase()));
            assert_eq!(m.special, expected(&block, |b| SPECIALS.contains(&b)));
            let is_token =
                |b: u8| b.is_ascii_alphanumeric() || b"-./+=_~".contains(&b);
            assert_eq!(m.token(), expected(&block, is_token));
        }
    }

    #[test]
    fn specials_and_neighbours() {
        let block: [u8; 64] =
            std::array::from_fn(|i| b"@:-$?;,.9AZaz/`{["[i % 17]);
        let m = classify(&block);
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: as above.
            assert_eq!(unsafe { classify_avx2(&block) }, m);
        }
        for (j, &b) in block.iter().enumerate() {
            assert_eq!(m.special >> j & 1 == 1, SPECIALS.contains(&b));
            assert_eq!(m.alnum() >> j & 1 == 1, b.is_ascii_alphanumeric());
        }
    }

    #[test]
    fn blocks_end_with_a_padded_one() {
        let text = [b'x'; 128];
        let mut blocks = Blocks::new(&text);
        assert_eq!(blocks.next_block(), Some(&[b'x'; 64]));
        assert_eq!(blocks.next_block(), Some(&[b'x'; 64]));
        assert_eq!(blocks.next_block(), Some(&[b' '; 64]));
        assert_eq!(blocks.next_block(), None);
    }
}
