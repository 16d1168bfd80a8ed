//! The service worker (Chrome) or background script (Firefox).
//!
//! `extension/background.js` registers every listener synchronously when
//! the worker starts, as Manifest V3 requires, and hands each event here
//! once this module has loaded. The worker owns delivery: it sends outbox
//! items to FaultMaven (see [`outbox`]), so a capture survives the popup
//! closing in the middle of a send.

mod menu;
mod outbox;

use fm_types::Message;
use js_sys::Promise;
use wasm_bindgen::prelude::*;

/// Handles a message from the popup; answers `null` or an error string.
#[wasm_bindgen(js_name = onMessage)]
pub async fn on_message(message: JsValue) -> Result<JsValue, JsValue> {
    let message: Message = serde_wasm_bindgen::from_value(message)
        .map_err(|e| JsValue::from(format!("unknown message: {e}")))?;
    match message {
        Message::Deliver { id } => outbox::deliver(&id).await,
        Message::Flush => outbox::flush().await,
        Message::Retry { id } => outbox::retry(&id).await,
        Message::Discard { id } => outbox::discard(&id).await,
        Message::SignedIn => outbox::signed_in().await,
    }
    .map_err(|e| JsValue::from(e.to_string()))?;
    Ok(JsValue::NULL)
}

/// Runs when the browser starts or the extension is installed or
/// updated: sets up the context menu and delivers whatever is still
/// waiting.
#[wasm_bindgen(js_name = onStartup)]
pub async fn on_startup() -> Result<(), JsValue> {
    menu::create().await.map_err(|e| JsValue::from(e.to_string()))?;
    outbox::flush().await.map_err(|e| JsValue::from(e.to_string()))
}

/// An alarm fired: the outbox's next retry is due.
#[wasm_bindgen(js_name = onAlarm)]
pub async fn on_alarm(name: String) -> Result<(), JsValue> {
    if name != outbox::ALARM {
        return Ok(());
    }
    outbox::flush().await.map_err(|e| JsValue::from(e.to_string()))
}

/// "Send selection to FaultMaven" was chosen on tab `tab_id`.
/// `popup_opened` is the browser's answer to opening the popup, which
/// `background.js` asked for at once (Firefox allows it only straight
/// from the click).
#[wasm_bindgen(js_name = onSelectionMenu)]
pub async fn on_selection_menu(
    tab_id: i32,
    popup_opened: Promise,
) -> Result<(), JsValue> {
    menu::selection_chosen(tab_id, popup_opened)
        .await
        .map_err(|e| JsValue::from(e.to_string()))
}
