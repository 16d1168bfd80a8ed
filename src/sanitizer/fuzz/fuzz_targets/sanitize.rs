//! Sanitizes arbitrary bytes (as lossy UTF-8) with options taken from the
//! first byte, and checks what must hold for any input: no panic, every
//! line break kept, the report pointing at exactly its placeholders in
//! both byte and UTF-16 offsets, and sanitizing the output again keeping
//! every placeholder there is, in order. (That the second pass changes
//! nothing at all holds for realistic text, which `tests/properties.rs`
//! checks; crafted input can bring a value into a detector's reach by
//! shortening what stood before it, and the second pass then hides it
//! too. The README lists the cases fuzzing found and fixed.) The text is
//! also sanitized in two chunks cut at its first line end, as the
//! command-line tool cuts them: the first chunk comes out as it would
//! alone, and both keep their line breaks.

#![no_main]

use std::sync::OnceLock;

use fm_sanitizer::{Category, Options, Sanitizer};
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/common/report.rs"]
mod report;
use report::check_report;

/// One sanitizer per combination of the options the first byte picks,
/// built once: building is far slower than sanitizing a small input.
fn sanitizer(choice: u8) -> &'static Sanitizer {
    static ALL: [OnceLock<Sanitizer>; 16] = [const { OnceLock::new() }; 16];
    let choice = choice & 15;
    ALL[usize::from(choice)].get_or_init(|| {
        let disabled =
            [Category::Credential, Category::Account, Category::IpAddress]
                .into_iter()
                .enumerate()
                .filter(|(bit, _)| choice >> bit & 1 == 1)
                .map(|(_, c)| c)
                .collect();
        let options = Options {
            disabled,
            keep_private_ips: choice & 8 != 0,
            ..Options::default()
        };
        Sanitizer::new(options).expect("no custom patterns to reject")
    })
}

fn count(text: &str, byte: u8) -> usize {
    text.bytes().filter(|&b| b == byte).count()
}

fuzz_target!(|data: &[u8]| {
    let Some((&choice, bytes)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(bytes);
    let sanitizer = sanitizer(choice);

    let once = sanitizer.sanitize(&text);
    check_report(&once);
    assert_eq!(count(&text, b'\n'), count(&once.text, b'\n'));
    assert_eq!(count(&text, b'\r'), count(&once.text, b'\r'));
    let twice = sanitizer.sanitize(&once.text);
    check_report(&twice);
    let mut rest = twice.text.as_str();
    for r in &once.report.redactions {
        let placeholder = once.placeholder(r);
        let Some(at) = rest.find(placeholder) else {
            panic!("{placeholder} is gone after a second pass");
        };
        rest = &rest[at + placeholder.len()..];
    }

    // Chunks cut at a line end, as the command-line tool cuts them.
    if let Some(cut) = text.find('\n') {
        let mut session = sanitizer.session();
        let first = session.sanitize(&text[..=cut]);
        let second = session.sanitize(&text[cut + 1..]);
        let whole = sanitizer.sanitize(&text[..=cut]);
        assert_eq!(first.text, whole.text);
        check_report(&first);
        assert_eq!(count(&second.text, b'\n'), count(&text[cut + 1..], b'\n'));
    }
});
