//! The context-menu entry "Send selection to FaultMaven".
//!
//! Choosing it grants `activeTab` for the tab, like the toolbar button,
//! and opens the popup, which captures the selection as it always does
//! when there is one. Where the browser will not open the popup from an
//! extension, the worker captures the selection itself, keeps it in
//! `storage.session` for the popup, and badges the toolbar button so the
//! user knows to press it.

use fm_ext::capture::{self, CaptureError};
use fm_types::{CaptureRequest, PendingCapture, keys};
use js_sys::Promise;
use wasm_bindgen_futures::JsFuture;

/// The menu entry's id; `background.js` matches clicks on it.
pub const SEND_SELECTION: &str = "send-selection";

const TITLE: &str = "Send selection to FaultMaven";

/// Creates the entry. Menus outlive the worker in some browsers and not
/// in others, so it is removed and created again at every start.
pub async fn create() -> Result<(), fm_ext::Error> {
    fm_ext::remove_menus().await?;
    fm_ext::create_selection_menu(SEND_SELECTION, TITLE)
}

pub async fn selection_chosen(
    tab_id: i32,
    popup_opened: Promise,
) -> Result<(), fm_ext::Error> {
    let opened = JsFuture::from(popup_opened)
        .await
        .ok()
        .and_then(|v| v.as_bool())
        .unwrap_or(false);
    if opened || tab_id < 0 {
        return Ok(());
    }

    let settings = fm_ext::store::settings().await?;
    let request = CaptureRequest {
        sanitizer: settings.sanitizer,
        limit_bytes: settings.capture_limit_bytes,
        selection_only: true,
        ..CaptureRequest::default()
    };
    let capture = match capture::tab_by_id(tab_id, &request).await {
        Ok(capture) => capture,
        // The popup explains these when the user opens it.
        Err(CaptureError::NoSelection | CaptureError::Restricted) => {
            return Ok(());
        }
        Err(CaptureError::Failed(message)) => {
            return Err(fm_ext::Error(message));
        }
    };
    let pending =
        PendingCapture { tab_id, capture, created_at: fm_ext::now_ms() };
    fm_ext::Area::Session.set(keys::PENDING_CAPTURE, &pending).await?;
    fm_ext::set_badge("1").await
}
