//! The sanitized preview: the text as it will be sent, each placeholder
//! highlighted, under a summary of what was redacted.
//!
//! A capture can be megabytes; the preview renders its first
//! [`SHOWN_AT_FIRST`] bytes and the rest only on request, so the popup
//! opens at once whatever the page. What is sent is always all of it.

use fm_api::human_bytes;
use fm_types::{Capture, Highlight, Source};
use leptos::prelude::*;

/// How much of the text the preview renders before "Show all".
pub const SHOWN_AT_FIRST: usize = 256 * 1024;

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
    let stats = stats_line(&capture);
    let show_all = RwSignal::new(false);
    let long = capture.text.len() > SHOWN_AT_FIRST;
    let text = StoredValue::new(capture.text);
    let highlights = StoredValue::new(capture.highlights);
    let runs = move || {
        let all = show_all.get() || !long;
        text.with_value(|text| {
            let shown =
                if all { text.as_str() } else { cut(text, SHOWN_AT_FIRST) };
            highlights.with_value(|h| segments(shown, h))
        })
    };
    let more = move || {
        (long && !show_all.get()).then(|| {
            let total = text.with_value(|t| human_bytes(t.len() as u64));
            view! {
                <p id="preview-more" class="note">
                    {format!("Showing the first {} of {total}; all of it will be sent. ", human_bytes(SHOWN_AT_FIRST as u64))}
                    <button class="quiet" on:click=move |_| show_all.set(true)>"Show all"</button>
                </p>
            }
        })
    };

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
        {fallback.map(|f| view! { <p id="sanitizer-fallback" class="note">{f}</p> })}
        <ul id="notes" class="notes">
            {notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}
        </ul>
        <pre id="preview" class="preview">
            {move || {
                runs()
                    .into_iter()
                    .map(|run| {
                        if run.placeholder {
                            view! { <mark>{run.text}</mark> }.into_any()
                        } else {
                            run.text.into_any()
                        }
                    })
                    .collect_view()
            }}
        </pre>
        {more}
        <p
            id="capture-stats"
            class="stats"
            data-read-ms=capture.stats.read_ms
            data-sanitize-ms=capture.stats.sanitize_ms
            data-bytes=capture.stats.bytes
            data-elements=capture.stats.elements
        >
            {stats}
        </p>
    }
}

/// "1.0 MiB read from 33 000 elements in 41 ms, sanitized in 7 ms."
fn stats_line(capture: &Capture) -> String {
    let s = capture.stats;
    let from = if s.elements > 0 {
        format!(" from {} elements", s.elements)
    } else {
        String::new()
    };
    format!(
        "{} read{from} in {:.0} ms, sanitized in {:.0} ms.",
        human_bytes(s.bytes),
        s.read_ms,
        s.sanitize_ms
    )
}

/// The first `limit` bytes of `text`, cut at a character boundary.
fn cut(text: &str, limit: usize) -> &str {
    let mut end = limit.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
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
