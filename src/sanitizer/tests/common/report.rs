//! The check every sanitized text must pass, shared by the property
//! tests and the fuzz target: the report points at exactly its
//! placeholders, in bytes and in UTF-16 code units.

use fm_sanitizer::Sanitized;

/// Panics unless every redaction in the report is where it says.
pub fn check_report(s: &Sanitized) {
    for r in &s.report.redactions {
        assert_eq!(&s.text[r.start..r.end], r.placeholder);
        let utf16 = s.text[..r.start].encode_utf16().count();
        assert_eq!(utf16, r.start_utf16);
        assert_eq!(r.end_utf16 - r.start_utf16, r.placeholder.len());
    }
}
