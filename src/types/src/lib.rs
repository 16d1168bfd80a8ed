//! The data the extension's parts exchange and store: captures, settings,
//! the signed-in account, outbox items and messages.
//!
//! Everything here crosses a boundary (content script to popup, popup to
//! service worker, memory to `storage.local`) as JSON-like data, so every
//! type is plain serde data with camelCase field names, and every stored
//! type tolerates missing fields, so an upgrade never loses what an older
//! version stored.

use serde::{Deserialize, Serialize};

pub use fm_sanitizer::{Category, CustomPattern, Options as SanitizerOptions};

/// The default capture limit: 1 MiB of text.
pub const DEFAULT_CAPTURE_LIMIT: usize = 1 << 20;

/// The largest capture limit a user may set: FaultMaven's default upload
/// limit.
pub const MAX_CAPTURE_LIMIT: usize = 10 << 20;

/// Keys in `storage.local`. The README documents them for administrators.
pub mod keys {
    /// [`Settings`](super::Settings).
    pub const SETTINGS: &str = "settings";
    /// [`Account`](super::Account): tokens and the signed-in user.
    pub const ACCOUNT: &str = "account";
    /// The prefix of each outbox entry: one [`OutboxItem`](super::OutboxItem)
    /// per key, `outbox/<id>`, so the popup adding an item and the service
    /// worker updating another never overwrite each other.
    pub const OUTBOX_PREFIX: &str = "outbox/";
    /// In `storage.session`: a [`PendingCapture`](super::PendingCapture)
    /// taken from the context menu, waiting for the popup.
    pub const PENDING_CAPTURE: &str = "pendingCapture";
    /// In `storage.managed` (enterprise policy): the API origin.
    pub const MANAGED_API_ORIGIN: &str = "apiOrigin";
}

/// What the popup asks the content script for.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CaptureRequest {
    pub sanitizer: SanitizerOptions,
    /// The most bytes of text to capture before truncating.
    pub limit_bytes: usize,
    /// Capture only the selection (the context menu); fail if there is
    /// none.
    pub selection_only: bool,
    /// Set when the WebAssembly-free build runs, so the capture can say
    /// so in its stats.
    pub fallback: bool,
}

/// Where the captured text came from.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize,
)]
#[serde(rename_all = "camelCase")]
pub enum Source {
    /// The user's selection, widened to the block it sits in.
    Selection,
    /// The whole page.
    #[default]
    Page,
}

/// A sanitized capture: the only thing that leaves the content script.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Capture {
    /// The page text, sanitized.
    pub text: String,
    /// The page title, sanitized.
    pub title: String,
    /// The page URL without its fragment, secret-looking query parameters
    /// redacted, then sanitized.
    pub url: String,
    pub source: Source,
    /// When the text was read, ISO 8601 in UTC.
    pub observed_at: String,
    /// Set when the text was cut at the capture limit.
    pub truncated: Option<Truncation>,
    /// Placeholders in `text`, in UTF-16 offsets, for highlighting.
    pub highlights: Vec<Highlight>,
    /// Distinct values redacted, per category, in summary order.
    pub counts: Vec<Count>,
    /// A sentence such as "2 credentials, 1 e-mail address redacted".
    pub summary: String,
    /// Things the reader should know: frames not read, fields skipped.
    pub notes: Vec<String>,
    pub stats: CaptureStats,
}

/// How a capture was cut short.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize,
)]
#[serde(default, rename_all = "camelCase")]
pub struct Truncation {
    /// The limit that applied, in bytes of text.
    pub limit_bytes: usize,
}

/// One placeholder in a capture's text.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize,
)]
#[serde(default, rename_all = "camelCase")]
pub struct Highlight {
    /// UTF-16 offsets, as JavaScript strings count.
    pub start: u32,
    pub end: u32,
}

/// Distinct values redacted in one category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Count {
    pub category: Category,
    pub values: u32,
}

/// Where the time of a capture went.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct CaptureStats {
    /// Elements visited.
    pub elements: u32,
    /// Bytes of text read, before sanitizing.
    pub bytes: u64,
    pub read_ms: f64,
    pub sanitize_ms: f64,
    /// Whether the WebAssembly-free build ran (the page's CSP forbids
    /// WebAssembly in content scripts).
    pub fallback: bool,
}

/// What the content script answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CaptureResult {
    Ok {
        capture: Box<Capture>,
    },
    /// Selection-only capture, but nothing is selected.
    NoSelection,
    /// The page's Content Security Policy forbids compiling WebAssembly
    /// in the content script: load the JavaScript build and ask again.
    /// Sent by the DOM bridge, never by the Rust side.
    WasmBlocked,
    Failed {
        message: String,
    },
}

/// A selection captured from the context menu where the browser would
/// not open the popup; the popup picks it up when the user opens it on
/// the same tab.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PendingCapture {
    pub tab_id: i32,
    pub capture: Capture,
    /// Milliseconds since the epoch.
    pub created_at: f64,
}

/// The user's settings, in `storage.local` under [`keys::SETTINGS`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The FaultMaven API origin, such as `http://localhost:8090`.
    pub api_origin: Option<String>,
    pub sanitizer: SanitizerOptions,
    pub capture_limit_bytes: usize,
    /// The case chosen last, offered first next time.
    pub last_case: Option<CaseChoice>,
    /// What the server said about itself when it was connected.
    pub server: Option<Server>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            api_origin: None,
            sanitizer: SanitizerOptions::default(),
            capture_limit_bytes: DEFAULT_CAPTURE_LIMIT,
            last_case: None,
            server: None,
        }
    }
}

/// What a FaultMaven server says about itself (`/v1/meta/capabilities`
/// and `/api/v1/auth/config`), kept from the moment it was connected.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Server {
    /// `standalone`, `cloud`, ...; `None` for servers too old to say.
    pub deployment_mode: Option<String>,
    /// Where cases are shown to people; a different origin from the API.
    pub dashboard_url: Option<String>,
    /// The largest upload the server takes.
    pub max_upload_bytes: Option<u64>,
    /// Whether the server signs users in by name alone (local mode).
    pub username_login: bool,
}

/// The signed-in account, in `storage.local` under [`keys::ACCOUNT`].
/// Never in `storage.sync`, never logged; removed on sign-out.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Account {
    /// The origin these tokens belong to; they are sent nowhere else.
    pub api_origin: String,
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// When the access token expires, in milliseconds since the epoch;
    /// `None` for a pasted token of unknown lifetime.
    pub expires_at: Option<f64>,
    pub user: Option<User>,
}

/// Who is signed in.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct User {
    pub user_id: String,
    pub username: String,
    pub email: Option<String>,
}

/// The case a capture goes to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum CaseChoice {
    Existing {
        #[serde(rename = "caseId")]
        case_id: String,
        title: String,
    },
    New {
        title: String,
    },
}

/// A capture on its way to FaultMaven, in `storage.local` under
/// [`keys::OUTBOX_PREFIX`] and its id until it is delivered or discarded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OutboxItem {
    /// Also the idempotency key of the turn, so retries never create a
    /// second one.
    pub id: String,
    pub capture: Capture,
    pub case: CaseChoice,
    /// The case id once known: a new case is created once, then reused.
    #[serde(default)]
    pub case_id: Option<String>,
    #[serde(default)]
    pub note: String,
    pub created_at: f64,
    #[serde(default)]
    pub state: DeliveryState,
    #[serde(default)]
    pub attempts: u32,
    /// When to try again, in milliseconds since the epoch.
    #[serde(default)]
    pub next_attempt_at: f64,
}

impl OutboxItem {
    /// Whether the worker should send it when it is due: new, retrying,
    /// or left "sending" by a worker that stopped mid-request.
    pub fn is_waiting(&self) -> bool {
        matches!(
            self.state,
            DeliveryState::Pending
                | DeliveryState::Sending
                | DeliveryState::Retrying { .. }
        )
    }
}

/// Where an outbox item stands.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum DeliveryState {
    /// Waiting to be sent (first attempt, or a retry at
    /// `next_attempt_at`).
    #[default]
    Pending,
    /// A request is in flight.
    Sending,
    /// The last attempt failed and will be retried.
    Retrying { error: String },
    /// The last attempt failed and needs the user: sign in again, trim,
    /// or read the server's message.
    NeedsAttention { error: String, problem: Problem },
    /// Delivered.
    Sent { outcome: Outcome },
}

/// Why an item needs the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Problem {
    /// The token expired or is wrong: sign in again.
    SignIn,
    /// The capture is over the server's upload limit.
    TooLarge,
    /// The server refused the request (409, 422, ...).
    Refused,
}

/// What FaultMaven answered to a delivered capture.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Outcome {
    pub case_id: String,
    pub case_title: String,
    pub turn_number: Option<u32>,
    /// The start of the agent's answer, as plain text.
    pub answer_preview: String,
    /// The case on the dashboard, if the server names one.
    pub case_url: Option<String>,
}

/// Messages from the popup to the service worker.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum Message {
    /// Deliver this outbox item now, if it is due. `background.js` sends
    /// it itself when the popup stores a new item.
    Deliver { id: String },
    /// Try every due item now.
    Flush,
    /// Send this item again now, whatever it waited for.
    Retry { id: String },
    /// Remove this item from the outbox.
    Discard { id: String },
    /// The user signed in again: items that were waiting for it are
    /// tried now.
    SignedIn,
}

/// The evidence as FaultMaven receives it in `pasted_content`: a short
/// header naming the page, then the sanitized text. Everything here comes
/// from the capture, which holds only sanitized text.
pub fn evidence(capture: &Capture) -> String {
    let mut header = String::new();
    if !capture.title.trim().is_empty() {
        header.push_str(&format!("Page: {}\n", capture.title.trim()));
    }
    header.push_str(&format!("URL: {}\n", capture.url));
    let source = match capture.source {
        Source::Selection => "selection",
        Source::Page => "whole page",
    };
    header.push_str(&format!("Captured: {} ({source})", capture.observed_at));
    if let Some(t) = capture.truncated {
        header.push_str(&format!(
            ", cut at the capture limit of {} bytes",
            t.limit_bytes
        ));
    }
    header.push_str(&format!("\nRedacted: {}\n\n", capture.summary));
    header + &capture.text
}

/// The capture cut so its evidence fits in `limit_bytes` of upload: the
/// text ends at a line break with a note saying it was trimmed, and the
/// highlights past the cut are dropped. Used when the server answered 413.
pub fn trimmed(capture: &Capture, limit_bytes: u64) -> Capture {
    // Room for the evidence header, the note and the form around it.
    const OVERHEAD: usize = 4096;
    let room = (limit_bytes as usize)
        .saturating_sub(OVERHEAD + capture.title.len() + capture.url.len());
    let mut cut = room.min(capture.text.len());
    while !capture.text.is_char_boundary(cut) {
        cut -= 1;
    }
    if let Some(newline) = capture.text[..cut].rfind('\n') {
        cut = newline + 1;
    }
    let kept = &capture.text[..cut];
    let units = kept.encode_utf16().count() as u32;
    let mut text = kept.to_string();
    text.push_str(&format!(
        "\n[Trimmed to fit the server's upload limit of {}.]",
        human_bytes(limit_bytes)
    ));
    Capture {
        text,
        highlights: capture
            .highlights
            .iter()
            .copied()
            .filter(|h| h.end <= units)
            .collect(),
        truncated: Some(Truncation { limit_bytes: cut }),
        ..capture.clone()
    }
}

/// A size for people: `10485760` as "10 MiB", `1536` as "1.5 KiB".
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["bytes", "KiB", "MiB", "GiB"];
    let unit = (0..UNITS.len())
        .take_while(|&u| u == 0 || n >> (10 * u) > 0)
        .last()
        .unwrap_or(0);
    // Integer arithmetic only: the content script's JavaScript build
    // (wasm2js) cannot translate float-to-integer conversions to 64 bits.
    let whole = n >> (10 * unit);
    let tenths = ((n - (whole << (10 * unit))) * 10) >> (10 * unit);
    match (unit, tenths) {
        (0, _) | (_, 0) => format!("{whole} {}", UNITS[unit]),
        _ => format!("{whole}.{tenths} {}", UNITS[unit]),
    }
}

/// `ms` milliseconds since the epoch as ISO 8601 in UTC, such as
/// `2026-12-03T19:24:09.123Z`.
pub fn iso8601(ms: f64) -> String {
    // Split in floating point first: binaryen's wasm2js (the content
    // script's fallback build) cannot lower a float-to-i64 conversion.
    let ms = ms.max(0.0).floor();
    let days = (ms / 86_400_000.0).floor();
    let rest = i64::from((ms - days * 86_400_000.0) as i32);
    let days = i64::from(days as i32);
    // Civil date from days since 1970-01-01 (proleptic Gregorian).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    let (h, m, s, milli) =
        (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    format!("{year:04}-{month:02}-{day:02}T{h:02}:{m:02}:{s:02}.{milli:03}Z")
}

/// A new outbox id: time and randomness, in the characters an
/// idempotency key allows (`[A-Za-z0-9_-]`, 8-255 long).
pub fn new_item_id(now_ms: f64, random: [u8; 16]) -> String {
    let mut id = format!("fm-{:x}-", now_ms as u64);
    for b in random {
        id.push_str(&format!("{b:02x}"));
    }
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trimming_cuts_at_a_line_and_says_so() {
        let capture = Capture {
            text: "a\n".repeat(5000),
            highlights: vec![
                Highlight { start: 0, end: 1 },
                Highlight { start: 9000, end: 9001 },
            ],
            ..Capture::default()
        };
        let small = trimmed(&capture, 8192);
        assert!(small.text.len() < 8192 - 4096 + 100);
        assert!(small.text.ends_with(
            "[Trimmed to fit the server's upload limit of 8 KiB.]"
        ));
        assert_eq!(small.highlights, [Highlight { start: 0, end: 1 }]);
    }

    #[test]
    fn sizes_read_well() {
        assert_eq!(human_bytes(10 << 20), "10 MiB");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(12), "12 bytes");
        assert_eq!(human_bytes(1023), "1023 bytes");
        assert_eq!(human_bytes(1024), "1 KiB");
        assert_eq!(human_bytes(5 << 30), "5 GiB");
    }

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0.0), "1970-01-01T00:00:00.000Z");
        assert_eq!(iso8601(1_796_325_849_123.0), "2026-12-03T19:24:09.123Z");
        assert_eq!(iso8601(951_782_400_000.0), "2000-02-29T00:00:00.000Z");
    }

    #[test]
    fn evidence_names_the_page_before_the_text() {
        let capture = Capture {
            text: "boom at [IP_1]".into(),
            title: "Alert".into(),
            url: "https://grafana.example/d/1".into(),
            observed_at: "2026-12-03T19:24:09.123Z".into(),
            summary: "1 IP address redacted".into(),
            ..Capture::default()
        };
        assert_eq!(
            evidence(&capture),
            "Page: Alert\nURL: https://grafana.example/d/1\n\
             Captured: 2026-12-03T19:24:09.123Z (whole page)\n\
             Redacted: 1 IP address redacted\n\nboom at [IP_1]"
        );
    }

    #[test]
    fn item_ids_are_valid_idempotency_keys() {
        let id = new_item_id(1_733_250_000_000.0, [0xab; 16]);
        assert!((8..=255).contains(&id.len()));
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn stored_settings_tolerate_missing_fields() {
        let s: Settings =
            serde_json_like("{\"apiOrigin\":\"http://localhost:8090\"}");
        assert_eq!(s.capture_limit_bytes, DEFAULT_CAPTURE_LIMIT);
        assert_eq!(s.api_origin.as_deref(), Some("http://localhost:8090"));
    }

    fn serde_json_like<T: for<'de> Deserialize<'de>>(json: &str) -> T {
        serde_json::from_str(json).expect("valid JSON")
    }
}
