//! Capturing a tab: injecting the content script and asking it for a
//! sanitized [`Capture`].
//!
//! The content script is injected only when the user asks, by opening the
//! popup on the tab or choosing the context-menu entry (each grants
//! `activeTab` for that tab); there are no static content scripts. It answers only sanitized text (see `src/capture`). On a page
//! whose Content Security Policy forbids WebAssembly (Chromium enforces
//! the page's CSP on content scripts), the JavaScript translation of the
//! same Rust module is injected and the capture asked again.

use std::fmt;

use fm_types::{Capture, CaptureRequest, CaptureResult};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = "
export function captureEntry() {
  return function (request) { return globalThis.fmCapture(request); };
}
export function isLoaded() {
  return function () { return typeof globalThis.fmCapture === 'function'; };
}
")]
extern "C" {
    /// The function the tab runs: the browser serializes its source, so it
    /// can only call what the injected files defined.
    #[wasm_bindgen(js_name = captureEntry)]
    fn capture_entry() -> js_sys::Function;
    #[wasm_bindgen(js_name = isLoaded)]
    fn is_loaded() -> js_sys::Function;
}

const BRIDGE: &str = "capture/bridge.js";
const WALKER: &str = "capture/walker.js";
const SANITIZER_WASM: &str = "capture/sanitizer.js";
const SANITIZER_JS: &str = "capture/sanitizer-asm.js";

/// Why there is no capture, as a sentence for the popup.
#[derive(Clone, Debug, PartialEq)]
pub enum CaptureError {
    /// Browser pages, web stores and other extensions' pages refuse
    /// content scripts.
    Restricted,
    /// Nothing is selected (the context-menu capture).
    NoSelection,
    /// Anything else, with the browser's or the sanitizer's message.
    Failed(String),
}

impl fmt::Display for CaptureError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CaptureError::Restricted => f.write_str(
                "This page cannot be captured: the browser does not let \
                 extensions read its own pages, web stores or other \
                 extensions. Open the page you want to send and try again.",
            ),
            CaptureError::NoSelection => f.write_str(
                "Nothing is selected. Select the text to send, or open the \
                 popup from the toolbar to send the whole page.",
            ),
            CaptureError::Failed(message) => {
                write!(f, "The page could not be captured: {message}")
            }
        }
    }
}

/// Captures the active tab as `request` asks.
pub async fn active_tab(
    request: &CaptureRequest,
) -> Result<Capture, CaptureError> {
    let tab = crate::active_tab().await.map_err(failed)?;
    if tab.url.as_deref().is_some_and(is_restricted) {
        return Err(CaptureError::Restricted);
    }
    tab_by_id(tab.id, request).await
}

/// Captures tab `tab_id`, which the user has just granted access to.
pub async fn tab_by_id(
    tab_id: i32,
    request: &CaptureRequest,
) -> Result<Capture, CaptureError> {
    let loaded = crate::run_in_tab(tab_id, &is_loaded(), &[])
        .await
        .map_err(injection_failed)?;
    if loaded.as_bool() != Some(true) {
        crate::inject_files(tab_id, &[BRIDGE, WALKER, SANITIZER_WASM])
            .await
            .map_err(injection_failed)?;
    }

    match ask(tab_id, request).await? {
        CaptureResult::WasmBlocked => {
            crate::inject_files(tab_id, &[SANITIZER_JS])
                .await
                .map_err(injection_failed)?;
            let request = CaptureRequest { fallback: true, ..request.clone() };
            match ask(tab_id, &request).await? {
                CaptureResult::WasmBlocked => Err(CaptureError::Failed(
                    "the sanitizer did not load in this page".into(),
                )),
                other => finish(other),
            }
        }
        other => finish(other),
    }
}

async fn ask(
    tab_id: i32,
    request: &CaptureRequest,
) -> Result<CaptureResult, CaptureError> {
    let json = serde_json::to_string(request)
        .expect("a capture request always serializes");
    let answer = crate::run_in_tab(tab_id, &capture_entry(), &[json.into()])
        .await
        .map_err(injection_failed)?;
    let answer = answer.as_string().ok_or_else(|| {
        CaptureError::Failed("the page answered nothing".into())
    })?;
    serde_json::from_str(&answer)
        .map_err(|e| CaptureError::Failed(format!("unreadable answer: {e}")))
}

fn finish(result: CaptureResult) -> Result<Capture, CaptureError> {
    match result {
        CaptureResult::Ok { capture } => Ok(*capture),
        CaptureResult::NoSelection => Err(CaptureError::NoSelection),
        CaptureResult::Failed { message } => {
            Err(CaptureError::Failed(message))
        }
        CaptureResult::WasmBlocked => unreachable!("handled by the caller"),
    }
}

fn failed(e: crate::Error) -> CaptureError {
    CaptureError::Failed(e.to_string())
}

/// The browser refuses injection into some pages with messages that vary
/// by browser and version; all of them mean the same thing to a user.
fn injection_failed(e: crate::Error) -> CaptureError {
    let message = e.to_string().to_ascii_lowercase();
    let restricted = [
        "cannot access",
        "cannot be scripted",
        "missing host permission",
        "extensions gallery",
        "chrome://",
        "about:",
    ];
    if restricted.iter().any(|m| message.contains(m)) {
        CaptureError::Restricted
    } else {
        failed(e)
    }
}

/// Pages no extension may script, by URL.
fn is_restricted(url: &str) -> bool {
    const SCHEMES: [&str; 9] = [
        "chrome:",
        "chrome-extension:",
        "edge:",
        "about:",
        "moz-extension:",
        "resource:",
        "view-source:",
        "devtools:",
        "chrome-search:",
    ];
    const STORES: [&str; 3] = [
        "https://chromewebstore.google.com/",
        "https://chrome.google.com/webstore",
        "https://addons.mozilla.org/",
    ];
    SCHEMES.iter().any(|s| url.starts_with(s))
        || STORES.iter().any(|s| url.starts_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_pages_are_restricted() {
        assert!(is_restricted("chrome://settings"));
        assert!(is_restricted("about:debugging"));
        assert!(is_restricted("https://addons.mozilla.org/en-US/firefox/"));
        assert!(!is_restricted("https://grafana.example.com/d/x"));
    }
}
