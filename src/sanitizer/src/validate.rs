//! Checks that tell a real value from a look-alike: checksums and
//! decodable structure.

/// Luhn checksum over ASCII digits (separators already removed).
pub(crate) fn luhn(digits: &[u8]) -> bool {
    let mut sum = 0u32;
    for (i, &d) in digits.iter().rev().enumerate() {
        let mut v = u32::from(d - b'0');
        if i % 2 == 1 {
            v *= 2;
            if v > 9 {
                v -= 9;
            }
        }
        sum += v;
    }
    sum.is_multiple_of(10)
}

/// ISO 13616 mod-97 check of an IBAN given as upper-case letters and
/// digits, separators removed.
pub(crate) fn iban_checksum(iban: &[u8]) -> bool {
    if iban.len() < 5 {
        return false;
    }
    let (head, tail) = iban.split_at(4);
    let mut rem = 0u32;
    for &b in tail.iter().chain(head) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return false,
        };
        rem = if v >= 10 { (rem * 100 + v) % 97 } else { (rem * 10 + v) % 97 };
    }
    rem == 1
}

/// Whether a dotted token's first part is base64url of a JSON object that
/// names a JWT header field (`alg` or `typ`).
pub(crate) fn jwt(token: &[u8]) -> bool {
    let header = token.split(|&b| b == b'.').next().unwrap_or_default();
    let Some(json) = base64url_decode(header, 256) else { return false };
    let json = json.trim_ascii_start();
    json.starts_with(b"{")
        && (contains(json, b"\"alg\"") || contains(json, b"\"typ\""))
}

/// Whether a token is base64 of Grafana's API key JSON, which names the
/// key (`"n":`); other base64 JSON starting `{"k":` is not a Grafana key.
pub(crate) fn grafana(token: &[u8]) -> bool {
    base64url_decode(token, 512).is_some_and(|json| contains(&json, b"\"n\":"))
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    memchr::memmem::find(hay, needle).is_some()
}

/// Decodes base64 or base64url without padding, up to `limit` input
/// bytes; `None` on any other byte.
fn base64url_decode(input: &[u8], limit: usize) -> Option<Vec<u8>> {
    let input = &input[..input.len().min(limit)];
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &b in input {
        let v = match b {
            b'A'..=b'Z' => b - b'A',
            b'a'..=b'z' => b - b'a' + 26,
            b'0'..=b'9' => b - b'0' + 52,
            b'-' | b'+' => 62,
            b'_' | b'/' => 63,
            b'=' => break,
            _ => return None,
        };
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_test_cards() {
        assert!(luhn(b"4111111111111111"));
        assert!(luhn(b"378282246310005"));
        assert!(!luhn(b"4111111111111112"));
    }

    #[test]
    fn iban_checksums() {
        assert!(iban_checksum(b"DE89370400440532013000"));
        assert!(iban_checksum(b"GB82WEST12345698765432"));
        assert!(!iban_checksum(b"GB82WEST12345698765433"));
    }

    #[test]
    fn jwt_headers() {
        assert!(jwt(
            b"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxIn0.x"
        ));
        assert!(!jwt(
            b"eyJrIjoiWHZiSWd5NzdCYUZnNUtibE8obUpESmE2bzJYNDRIc1UiLCJu"
        ));
    }
}
