//! The sanitized preview: the text as it will be sent, each placeholder
//! highlighted, under a summary of what was redacted.

use fm_api::human_bytes;
use fm_types::{Capture, Highlight, Source};
use leptos::prelude::*;

/// A run of the preview text: plain, or one placeholder.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    pub text: String,
    pub placeholder: bool,
}

#[component]
pub fn Preview(capture: Capture) -> impl IntoView {
    let source = match capture.source {
        Source::Selection => "Selection",
        Source::Page => "Whole page",
    };
    let truncated = capture.truncated.map(|t| {
        format!(
            "Cut at the capture limit of {}: the rest of the page is not \
             included.",
            human_bytes(t.limit_bytes as u64)
        )
    });
    let fallback = capture.stats.fallback.then_some(
        "This page forbids WebAssembly, so the sanitizer ran as \
         JavaScript: slower, with the same rules.",
    );
    let notes = capture.notes.clone();
    let runs = segments(&capture.text, &capture.highlights);

    view! {
        <section class="source">
            <p id="page-title" class="title">{capture.title.clone()}</p>
            <p id="page-url" class="url">{capture.url.clone()}</p>
        </section>
        <p id="summary" class="summary">
            <span class="tag">{source}</span>
            {capture.summary.clone()}
        </p>
        {truncated.map(|t| view! { <p id="truncated" class="warning">{t}</p> })}
        {fallback.map(|f| view! { <p class="note">{f}</p> })}
        <ul class="notes">
            {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
        <pre id="preview" class="preview">
            {runs
                .into_iter()
                .map(|run| {
                    if run.placeholder {
                        view! { <mark>{run.text}</mark> }.into_any()
                    } else {
                        run.text.into_any()
                    }
                })
                .collect_view()}
        </pre>
    }
}

/// Splits `text` at the highlights, which count UTF-16 units (as
/// JavaScript does) and come in order without overlapping.
pub fn segments(text: &str, highlights: &[Highlight]) -> Vec<Segment> {
    let mut runs = Vec::with_capacity(highlights.len() * 2 + 1);
    let mut units = 0u32;
    let mut start = 0usize;
    let mut next = highlights.iter().peekable();
    let mut open: Option<u32> = None;
    let push = |runs: &mut Vec<Segment>, from, to, placeholder| {
        if to > from {
            runs.push(Segment {
                text: text[from..to].to_string(),
                placeholder,
            });
        }
    };

    for (byte, ch) in text.char_indices() {
        if let Some(end) = open
            && units >= end
        {
            push(&mut runs, start, byte, true);
            start = byte;
            open = None;
        }
        if open.is_none()
            && let Some(h) = next.peek()
            && units >= h.start
        {
            push(&mut runs, start, byte, false);
            start = byte;
            open = Some(h.end);
            next.next();
        }
        units += ch.len_utf16() as u32;
    }
    push(&mut runs, start, text.len(), open.is_some());
    runs
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(text: &str, spans: &[(u32, u32)]) -> Vec<(String, bool)> {
        let highlights: Vec<Highlight> = spans
            .iter()
            .map(|&(start, end)| Highlight { start, end })
            .collect();
        segments(text, &highlights)
            .into_iter()
            .map(|s| (s.text, s.placeholder))
            .collect()
    }

    #[test]
    fn splits_around_placeholders() {
        assert_eq!(
            runs("mail [EMAIL_1] now", &[(5, 14)]),
            [
                ("mail ".into(), false),
                ("[EMAIL_1]".into(), true),
                (" now".into(), false)
            ]
        );
    }

    #[test]
    fn counts_utf16_units() {
        // "é" is one unit, "😀" two.
        let text = "é😀 [IP_1]";
        assert_eq!(
            runs(text, &[(4, 10)]),
            [("é😀 ".into(), false), ("[IP_1]".into(), true)]
        );
    }

    #[test]
    fn adjacent_placeholders_and_no_highlights() {
        assert_eq!(
            runs("[A_1][B_1]", &[(0, 5), (5, 10)]),
            [("[A_1]".into(), true), ("[B_1]".into(), true)]
        );
        assert_eq!(runs("plain", &[]), [("plain".into(), false)]);
    }
}
