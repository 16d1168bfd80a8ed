//! Bit masks over 64-byte blocks of text, for scans that stop only at a
//! few kinds of byte.
//!
//! A byte-at-a-time loop spends a compare and a branch on every byte;
//! these masks classify 16 bytes per instruction with SSE2 (always there
//! on x86-64) or WebAssembly's simd128, and the scan then visits only the
//! set bits. Builds without either use a plain loop with the same result.

/// A test on bytes that the SIMD code can evaluate 16 at a time.
#[derive(Clone, Copy)]
pub(crate) enum Class {
    /// `0`-`9`.
    Digit,
    /// `0`-`9`, `a`-`z`, `A`-`Z`.
    Alnum,
    /// Letters, digits and `_-.+/=~`: the bytes of base64, hex and most
    /// token alphabets.
    Token,
    /// Exactly this byte.
    Byte(u8),
}

impl Class {
    /// Whether `b` is in the class, one byte at a time.
    pub(crate) fn test(self, b: u8) -> bool {
        match self {
            Class::Digit => b.wrapping_sub(b'0') < 10,
            Class::Alnum => {
                (b | 0x20).wrapping_sub(b'a') < 26 || b.wrapping_sub(b'0') < 10
            }
            Class::Token => {
                Class::Alnum.test(b)
                    || matches!(
                        b,
                        b'_' | b'-' | b'.' | b'+' | b'/' | b'=' | b'~'
                    )
            }
            Class::Byte(x) => b == x,
        }
    }
}

/// The mask of bytes of `block` in `class`: bit `j` is byte `j`.
#[inline]
pub(crate) fn mask(block: &[u8; 64], class: Class) -> u64 {
    let mut m = 0u64;
    for (k, lane) in block.chunks_exact(16).enumerate() {
        let lane: &[u8; 16] = lane.try_into().expect("16-byte chunks");
        m |= u64::from(simd::mask16(lane, class)) << (16 * k);
    }
    m
}

#[cfg(target_arch = "x86_64")]
mod simd {
    use super::Class;
    use core::arch::x86_64::*;

    #[inline]
    pub fn mask16(lane: &[u8; 16], class: Class) -> u16 {
        // SAFETY: SSE2 is part of the x86-64 baseline, and the load is
        // unaligned from a 16-byte array.
        unsafe {
            let v = _mm_loadu_si128(lane.as_ptr().cast());
            let hits = match class {
                Class::Digit => in_range(v, b'0', 10),
                Class::Alnum => _mm_or_si128(
                    in_range(_mm_or_si128(v, _mm_set1_epi8(0x20)), b'a', 26),
                    in_range(v, b'0', 10),
                ),
                Class::Token => {
                    let mut hits = _mm_or_si128(
                        in_range(
                            _mm_or_si128(v, _mm_set1_epi8(0x20)),
                            b'a',
                            26,
                        ),
                        in_range(v, b'0', 10),
                    );
                    // `+` `-` `.` `/` are 0x2B, 0x2D-0x2F; then `=` and `_`.
                    hits = _mm_or_si128(
                        hits,
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(b'+' as i8)),
                    );
                    hits = _mm_or_si128(hits, in_range(v, b'-', 3));
                    hits = _mm_or_si128(
                        hits,
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(b'=' as i8)),
                    );
                    hits = _mm_or_si128(
                        hits,
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(b'~' as i8)),
                    );
                    _mm_or_si128(
                        hits,
                        _mm_cmpeq_epi8(v, _mm_set1_epi8(b'_' as i8)),
                    )
                }
                Class::Byte(x) => _mm_cmpeq_epi8(v, _mm_set1_epi8(x as i8)),
            };
            _mm_movemask_epi8(hits) as u16
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
    use super::Class;
    use core::arch::wasm32::*;

    #[inline]
    pub fn mask16(lane: &[u8; 16], class: Class) -> u16 {
        // SAFETY: an unaligned load from a 16-byte array.
        let v = unsafe { v128_load(lane.as_ptr().cast()) };
        let hits = match class {
            Class::Digit => in_range(v, b'0', 10),
            Class::Alnum => v128_or(
                in_range(v128_or(v, u8x16_splat(0x20)), b'a', 26),
                in_range(v, b'0', 10),
            ),
            Class::Token => {
                let mut hits = v128_or(
                    in_range(v128_or(v, u8x16_splat(0x20)), b'a', 26),
                    in_range(v, b'0', 10),
                );
                // `+` `-` `.` `/` are 0x2B, 0x2D-0x2F; then `=` and `_`.
                hits = v128_or(hits, u8x16_eq(v, u8x16_splat(b'+')));
                hits = v128_or(hits, in_range(v, b'-', 3));
                hits = v128_or(hits, u8x16_eq(v, u8x16_splat(b'=')));
                hits = v128_or(hits, u8x16_eq(v, u8x16_splat(b'~')));
                v128_or(hits, u8x16_eq(v, u8x16_splat(b'_')))
            }
            Class::Byte(x) => u8x16_eq(v, u8x16_splat(x)),
        };
        i8x16_bitmask(hits)
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
    use super::Class;

    #[inline]
    pub fn mask16(lane: &[u8; 16], class: Class) -> u16 {
        let mut m = 0u16;
        for (j, &b) in lane.iter().enumerate() {
            m |= u16::from(class.test(b)) << j;
        }
        m
    }
}

/// Calls `visit(i)` for every `i` whose bit `classify` sets, in order.
/// `visit` returns the next position it wants to see; bits before it are
/// skipped, so a detector that consumed a run is not woken inside it.
pub(crate) fn scan(
    hay: &[u8],
    mut classify: impl FnMut(&[u8; 64]) -> u64,
    mut visit: impl FnMut(usize) -> usize,
) {
    let mut next = 0;
    let mut block = [0u8; 64];
    for (n, chunk) in hay.chunks(64).enumerate() {
        let base = n * 64;
        let mut mask = if let Ok(full) = <&[u8; 64]>::try_from(chunk) {
            classify(full)
        } else {
            // The last, short block: pad with a byte no scan stops at.
            block.fill(b' ');
            block[..chunk.len()].copy_from_slice(chunk);
            classify(&block) & ((1u64 << chunk.len()) - 1)
        };
        if next > base {
            let skip = next - base;
            mask &= if skip >= 64 { 0 } else { !0u64 << skip };
        }
        while mask != 0 {
            let i = base + mask.trailing_zeros() as usize;
            mask &= mask - 1;
            if i < next {
                continue;
            }
            next = visit(i).max(i + 1);
            if next >= base + 64 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_match_the_plain_tests() {
        let block: [u8; 64] = std::array::from_fn(|i| (i * 4 + 7) as u8);
        for class in [
            Class::Digit,
            Class::Alnum,
            Class::Token,
            Class::Byte(b'@'),
            Class::Byte(0x83),
        ] {
            let expected = block
                .iter()
                .enumerate()
                .fold(0u64, |m, (j, &b)| m | u64::from(class.test(b)) << j);
            assert_eq!(mask(&block, class), expected);
        }
        let all: [u8; 64] =
            std::array::from_fn(|i| b"09azAZ@:-/+=_.~\x80"[i % 16]);
        for class in
            [Class::Digit, Class::Alnum, Class::Token, Class::Byte(b':')]
        {
            let expected = all
                .iter()
                .enumerate()
                .fold(0u64, |m, (j, &b)| m | u64::from(class.test(b)) << j);
            assert_eq!(mask(&all, class), expected);
        }
    }

    #[test]
    fn visits_each_set_bit_once_and_skips() {
        let mut text = vec![b'x'; 200];
        for i in [3, 63, 64, 65, 130, 199] {
            text[i] = b'1';
        }
        let mut seen = Vec::new();
        scan(
            &text,
            |b| mask(b, Class::Digit),
            |i| {
                seen.push(i);
                if i == 63 { 66 } else { i + 1 }
            },
        );
        assert_eq!(seen, vec![3, 63, 130, 199]);
    }
}
