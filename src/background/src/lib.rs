//! The service worker (Chrome) or background script (Firefox).
//!
//! `extension/background.js` registers every listener synchronously when
//! the worker starts, as Manifest V3 requires, and hands each event here
//! once this module has loaded. The worker owns delivery: it sends outbox
//! items to FaultMaven (see [`outbox`]), so a capture survives the popup
//! closing in the middle of a send.

mod outbox;

use fm_types::Message;
use wasm_bindgen::prelude::*;

/// Handles a message from the popup; answers `null` or an error string.
#[wasm_bindgen(js_name = onMessage)]
pub async fn on_message(message: JsValue) -> Result<JsValue, JsValue> {
    let message: Message = serde_wasm_bindgen::from_value(message)
        .map_err(|e| JsValue::from(format!("unknown message: {e}")))?;
    match message {
        Message::Deliver { id } => outbox::deliver(&id).await,
        Message::Flush => outbox::flush().await,
        Message::Discard { id } => outbox::discard(&id).await,
    }
    .map_err(|e| JsValue::from(e.to_string()))?;
    Ok(JsValue::NULL)
}

/// Runs when the browser starts or the extension is installed: delivers
/// whatever is still waiting.
#[wasm_bindgen(js_name = onStartup)]
pub async fn on_startup() -> Result<(), JsValue> {
    outbox::flush().await.map_err(|e| JsValue::from(e.to_string()))
}
