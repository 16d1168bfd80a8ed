//! The check every sanitized text must pass, shared by the property
//! tests and the fuzz target: the report points at exactly its
//! placeholders, in bytes and in UTF-16 code units.

use fm_sanitizer::Sanitized;

/// Panics unless every redaction in the report spans a whole placeholder
/// (`[KIND_n]`) where it says, for a text sanitized whole or the first
/// chunk of a session.
pub fn check_report(s: &Sanitized) {
    for r in &s.report.redactions {
        let placeholder = s.placeholder(r);
        assert!(is_placeholder(placeholder), "{placeholder:?} at {r:?}");
        let utf16 = s.text[..r.start].encode_utf16().count();
        assert_eq!(utf16, r.start_utf16);
        assert_eq!(r.end_utf16() - r.start_utf16, placeholder.len());
    }
}

/// `[`, a kind of capitals, digits and `_`, then `_`, a number and `]`.
fn is_placeholder(text: &str) -> bool {
    let Some(inner) = text.strip_prefix('[').and_then(|t| t.strip_suffix(']'))
    else {
        return false;
    };
    let Some((kind, number)) = inner.rsplit_once('_') else { return false };
    !kind.is_empty()
        && kind
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}
