//! The content script. The popup injects it into the active tab when the
//! user asks for a capture; it reads the page through the DOM bridge,
//! sanitizes the text right here, and answers a [`Capture`]. Raw page text
//! never leaves this module: the answer is built only from sanitizer
//! output.

mod abi;
mod dom;
mod url;

use fm_sanitizer::{Sanitized, Sanitizer};
use fm_types::{
    Capture, CaptureRequest, CaptureResult, CaptureStats, Count, Highlight,
    SanitizerOptions, Source, Truncation,
};

pub use abi::{fm_alloc, fm_free};

/// Captures the page as the request (JSON, a [`CaptureRequest`]) asks;
/// answers a [`CaptureResult`] as JSON.
///
/// # Safety
///
/// `request` must be a buffer from [`fm_alloc`] of `len` bytes, and `out`
/// must point at 8 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fm_capture(
    request: *const u8,
    len: usize,
    out: *mut u32,
) {
    // SAFETY: passed on from the caller's guarantees.
    let request = unsafe { abi::input(request, len) };
    let result = match serde_json::from_str::<CaptureRequest>(request) {
        Ok(request) => capture(&request),
        Err(e) => CaptureResult::Failed {
            message: format!("bad capture request: {e}"),
        },
    };
    let json =
        serde_json::to_string(&result).unwrap_or_else(|_| "null".into());
    // SAFETY: as above.
    unsafe { abi::answer(json, out) };
}

/// Sanitizes `text` with `options` (JSON); answers the sanitized text, its
/// report and how long sanitizing took, as JSON. For the popup's check of
/// custom patterns, the differential test and the WebAssembly benchmark.
///
/// # Safety
///
/// Both inputs must be buffers from [`fm_alloc`] of the given lengths, and
/// `out` must point at 8 writable bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn fm_sanitize(
    options: *const u8,
    options_len: usize,
    text: *const u8,
    text_len: usize,
    out: *mut u32,
) {
    // SAFETY: passed on from the caller's guarantees.
    let (options, text) = unsafe {
        (abi::input(options, options_len), abi::input(text, text_len))
    };
    // Written straight from borrowed fields: `json!` would first copy the
    // text and every redaction into a tree of values, which cost a
    // quarter of the call on a large text.
    #[derive(serde::Serialize)]
    #[serde(untagged)]
    enum Answer<'a> {
        Sanitized {
            text: &'a str,
            report: &'a fm_sanitizer::Report,
            /// The time `sanitize` itself took, without the JSON around it.
            #[serde(rename = "sanitizeMs")]
            sanitize_ms: f64,
        },
        Error {
            error: String,
        },
    }
    let answer = match serde_json::from_str::<SanitizerOptions>(options)
        .map_err(|e| e.to_string())
        .and_then(|o| Sanitizer::new(o).map_err(|e| e.to_string()))
    {
        Ok(sanitizer) => {
            let started = dom::now();
            let sanitized = sanitizer.sanitize(text);
            serde_json::to_string(&Answer::Sanitized {
                text: &sanitized.text,
                report: &sanitized.report,
                sanitize_ms: dom::now() - started,
            })
        }
        Err(error) => serde_json::to_string(&Answer::Error { error }),
    }
    .unwrap_or_else(|_| "null".into());
    // SAFETY: as above.
    unsafe { abi::answer(answer, out) };
}

fn capture(request: &CaptureRequest) -> CaptureResult {
    let sanitizer = match Sanitizer::new(request.sanitizer.clone()) {
        Ok(s) => s,
        Err(e) => return CaptureResult::Failed { message: e.to_string() },
    };
    // A few bytes past the limit tell a cut text from one that fits.
    let limit = if request.limit_bytes == 0 {
        fm_types::MAX_CAPTURE_LIMIT
    } else {
        request.limit_bytes
    };
    let read_limit = limit + 4;

    let started = dom::now();
    let selected = dom::read(dom::Text::Selection, read_limit);
    let (mut raw, source) = if !selected.trim().is_empty() {
        (selected, Source::Selection)
    } else if request.selection_only {
        return CaptureResult::NoSelection;
    } else {
        (dom::read(dom::Text::Page, read_limit), Source::Page)
    };
    let notes = dom::read(dom::Text::Notes, 64 * 1024);
    let elements = dom::elements();
    let bytes = raw.len() as u64;
    let truncated = truncate(&mut raw, limit)
        .or(dom::was_cut().then_some(Truncation { limit_bytes: limit }));
    let read_ms = dom::now() - started;

    // One session for everything, so a value has one placeholder across
    // the text, the notes, the title and the URL. The text goes first:
    // the highlights count from its start.
    let sanitizing = dom::now();
    let mut session = sanitizer.session();
    let text = session.sanitize(&raw);
    drop(raw);
    let notes = notes
        .lines()
        .filter(|n| !n.trim().is_empty())
        .map(|n| session.sanitize(n).text)
        .collect();
    let title = session.sanitize(&dom::read(dom::Text::Title, 4096)).text;
    let href = dom::read(dom::Text::Location, 16 * 1024);
    let url = session.sanitize(&url::clean(&href)).text;
    let sanitize_ms = dom::now() - sanitizing;

    let mut capture = Capture {
        title,
        url,
        source,
        observed_at: fm_types::iso8601(started),
        truncated,
        notes,
        stats: CaptureStats {
            elements,
            bytes,
            read_ms,
            sanitize_ms,
            fallback: request.fallback,
        },
        ..captured(text)
    };
    if let Some(cut) = truncated {
        mark_truncation(&mut capture, cut);
    }
    CaptureResult::Ok { capture: Box::new(capture) }
}

/// Says in the text itself, and in the summary, that the capture was cut:
/// a reader of the evidence must never take a part for the whole.
fn mark_truncation(capture: &mut Capture, cut: Truncation) {
    let limit = fm_types::human_bytes(cut.limit_bytes as u64);
    if !capture.text.is_empty() && !capture.text.ends_with('\n') {
        capture.text.push('\n');
    }
    capture.text.push_str(&format!(
        "\n[Capture cut at the limit of {limit}: the rest of the page is \
         not included.]"
    ));
    capture.summary.push_str(&format!("; cut at {limit}"));
}

/// The parts of a capture that come from the sanitized text.
fn captured(sanitized: Sanitized) -> Capture {
    let report = sanitized.report;
    Capture {
        highlights: report
            .redactions
            .iter()
            .map(|r| Highlight {
                start: r.start_utf16 as u32,
                end: r.end_utf16() as u32,
            })
            .collect(),
        counts: report
            .counts
            .iter()
            .map(|c| Count { category: c.category, values: c.values as u32 })
            .collect(),
        summary: report.summary(),
        text: sanitized.text,
        ..Capture::default()
    }
}

/// Cuts `text` to at most `limit` bytes, at a line break if one is near,
/// else at a character boundary.
fn truncate(text: &mut String, limit: usize) -> Option<Truncation> {
    if text.len() <= limit {
        return None;
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(newline) = text[..cut].rfind('\n').filter(|&n| n + 4096 >= cut)
    {
        cut = newline + 1;
    }
    text.truncate(cut);
    Some(Truncation { limit_bytes: limit })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_a_line_break_and_marks_it() {
        let mut text = "line one\nline two\nline three".to_string();
        assert_eq!(
            truncate(&mut text, 20),
            Some(Truncation { limit_bytes: 20 })
        );
        assert_eq!(text, "line one\nline two\n");
        let mut short = "short".to_string();
        assert_eq!(truncate(&mut short, 20), None);
    }

    #[test]
    fn a_cut_capture_says_so_in_text_and_summary() {
        let mut capture = Capture {
            text: "first lines".into(),
            summary: "Nothing to redact".into(),
            ..Capture::default()
        };
        mark_truncation(&mut capture, Truncation { limit_bytes: 1 << 20 });
        assert_eq!(
            capture.text,
            "first lines\n\n[Capture cut at the limit of 1 MiB: the rest of \
             the page is not included.]"
        );
        assert_eq!(capture.summary, "Nothing to redact; cut at 1 MiB");
    }

    #[test]
    fn truncates_at_a_character_boundary() {
        let mut text = "ééééé".to_string();
        truncate(&mut text, 5);
        assert_eq!(text, "éé");
    }
}
