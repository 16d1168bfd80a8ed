//! Properties that hold for any input: sanitizing is idempotent, planted
//! secrets never survive, line breaks are kept, and the report points at
//! exactly the placeholders it describes.

use fm_sanitizer::{Sanitized, Sanitizer};
use proptest::prelude::*;

/// A line an SRE might capture, with a secret planted in it. Returns the
/// line and the planted value.
fn planted_line() -> impl Strategy<Value = (String, String)> {
    let token = "[A-Za-z0-9]{6,10}[0-9][A-Za-z0-9]{12,30}";
    let key = prop::sample::select(vec![
        "password",
        "DB_PASSWORD",
        "api_key",
        "client_secret",
        "token",
        "\"access_token\"",
        "secret",
        "--password",
    ]);
    let sep = prop::sample::select(vec!["=", ": ", " = ", "=\"", ":\""]);
    prop_oneof![
        (key, sep, token).prop_map(|(k, s, t)| {
            let close = if s.ends_with('"') { "\"" } else { "" };
            (format!("{k}{s}{t}{close}"), t)
        }),
        token.prop_map(|t| (format!("Authorization: Bearer {t}"), t)),
        ("[a-z]{3,10}", token).prop_map(|(u, t)| (
            format!("postgres://{u}:{t}@db.internal:5432/app"),
            t
        )),
        "[A-Za-z0-9]{36}".prop_map(|t| {
            let v = format!("ghp_{t}");
            (format!("pushed with {v} ok"), v)
        }),
        "[a-z]{3,8}\\.[a-z]{2,8}".prop_map(|l| {
            let v = format!("{l}@example.com");
            (format!("mail from <{v}> bounced"), v)
        }),
        (1u8..=223, 0u8..=255, 0u8..=255, 1u8..=254).prop_map(
            |(a, b, c, d)| {
                let v = format!("{a}.{b}.{c}.{d}");
                (format!("connect to {v}:443 timed out"), v)
            }
        ),
    ]
}

/// Noise around the planted lines: words, numbers, punctuation, non-ASCII
/// text and both kinds of line break.
fn noise() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,60}",
        "\\PC{0,30}",
        Just("2024-01-15T10:23:45.123Z INFO request done in 12ms".to_string()),
        Just("Mozilla/5.0 Chrome/120.0.0.0 version 1.2.3.4.5".to_string()),
        Just("    at com.example.Foo.bar(Foo.java:42)\r".to_string()),
        Just("résumé naïve 日本語 😀 ✓".to_string()),
    ]
}

fn document() -> impl Strategy<Value = (String, Vec<String>)> {
    prop::collection::vec((noise(), planted_line(), noise()), 1..12).prop_map(
        |parts| {
            let mut text = String::new();
            let mut planted = Vec::new();
            for (before, (line, value), after) in parts {
                text.push_str(&before);
                text.push('\n');
                text.push_str(&line);
                text.push('\n');
                text.push_str(&after);
                text.push('\n');
                planted.push(value);
            }
            (text, planted)
        },
    )
}

fn count(text: &str, c: char) -> usize {
    text.chars().filter(|&x| x == c).count()
}

fn check_report(s: &Sanitized) {
    for r in &s.report.redactions {
        assert_eq!(&s.text[r.start..r.end], r.placeholder);
        let utf16_start = s.text[..r.start].encode_utf16().count();
        assert_eq!(utf16_start, r.start_utf16);
        assert_eq!(r.end_utf16 - r.start_utf16, r.placeholder.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn planted_secrets_never_survive((text, planted) in document()) {
        let sanitizer = Sanitizer::default();
        let out = sanitizer.sanitize(&text);
        for value in &planted {
            prop_assert!(!out.text.contains(value.as_str()), "{value:?} survived in {:?}", out.text);
        }
    }

    #[test]
    fn sanitizing_twice_changes_nothing((text, _) in document()) {
        let sanitizer = Sanitizer::default();
        let once = sanitizer.sanitize(&text).text;
        let twice = sanitizer.sanitize(&once).text;
        prop_assert_eq!(once, twice);
    }

    #[test]
    fn line_breaks_are_kept((text, _) in document()) {
        let out = Sanitizer::default().sanitize(&text).text;
        prop_assert_eq!(count(&text, '\n'), count(&out, '\n'));
        prop_assert_eq!(count(&text, '\r'), count(&out, '\r'));
    }

    #[test]
    fn report_points_at_its_placeholders((text, _) in document()) {
        check_report(&Sanitizer::default().sanitize(&text));
    }

    #[test]
    fn arbitrary_text_is_safe(text in "\\PC{0,400}") {
        let sanitizer = Sanitizer::default();
        let once = sanitizer.sanitize(&text);
        check_report(&once);
        prop_assert_eq!(count(&text, '\n'), count(&once.text, '\n'));
        prop_assert_eq!(sanitizer.sanitize(&once.text).text, once.text);
    }
}

/// Regression: a value repeated without its key is still hidden.
#[test]
fn repeats_of_a_token_are_hidden() {
    let text =
        "api_key=9f8e7d6c5b4a39281706\nretrying with 9f8e7d6c5b4a39281706\n";
    let out = Sanitizer::default().sanitize(text).text;
    assert_eq!(out, "api_key=[API_KEY_1]\nretrying with [API_KEY_1]\n");
}

/// Regression: numbering continues after placeholders already present.
#[test]
fn numbering_continues_after_existing_placeholders() {
    let out =
        Sanitizer::default().sanitize("[EMAIL_1] wrote to b@example.org").text;
    assert_eq!(out, "[EMAIL_1] wrote to [EMAIL_2]");
}

/// A text sanitized in chunks keeps one numbering.
#[test]
fn sessions_number_across_chunks() {
    let sanitizer = Sanitizer::default();
    let mut session = sanitizer.session();
    let a = session.sanitize("from a@example.org\n").text;
    let b = session.sanitize("to b@example.org and a@example.org\n").text;
    assert_eq!(a, "from [EMAIL_1]\n");
    assert_eq!(b, "to [EMAIL_2] and [EMAIL_1]\n");
}
