//! The extension's state in `storage.local`, typed: settings, the
//! signed-in account and the outbox. The keys and what they hold are
//! listed in `fm_types::keys` and documented in the README for
//! administrators.
//!
//! The popup and the service worker both read and write here. Each
//! outbox item has its own key, so two writers never overwrite each
//! other's items; the settings and the account have one writer at a time
//! (the popup) in practice.

use fm_types::{Account, OutboxItem, Settings, keys};
use js_sys::{Object, Reflect};
use wasm_bindgen::{JsCast as _, JsValue};

use crate::{Area, Result, call, from_js};

/// The settings, or the defaults when none are stored yet.
pub async fn settings() -> Result<Settings> {
    Ok(Area::Local.get(keys::SETTINGS).await?.unwrap_or_default())
}

pub async fn save_settings(settings: &Settings) -> Result<()> {
    Area::Local.set(keys::SETTINGS, settings).await
}

/// The API origin an administrator set by policy, if any; it wins over
/// the user's own setting.
pub async fn managed_api_origin() -> Option<String> {
    // Browsers without a policy answer with an error or nothing; both
    // mean "not managed".
    Area::Managed.get(keys::MANAGED_API_ORIGIN).await.ok().flatten()
}

pub async fn account() -> Result<Option<Account>> {
    Area::Local.get(keys::ACCOUNT).await
}

pub async fn save_account(account: &Account) -> Result<()> {
    Area::Local.set(keys::ACCOUNT, account).await
}

/// Forgets the tokens and the user.
pub async fn clear_account() -> Result<()> {
    Area::Local.remove(keys::ACCOUNT).await
}

fn outbox_key(id: &str) -> String {
    format!("{}{id}", keys::OUTBOX_PREFIX)
}

/// Whether `key` names an outbox item.
pub fn is_outbox_key(key: &str) -> bool {
    key.starts_with(keys::OUTBOX_PREFIX)
}

pub async fn outbox_item(id: &str) -> Result<Option<OutboxItem>> {
    Area::Local.get(&outbox_key(id)).await
}

pub async fn put_outbox_item(item: &OutboxItem) -> Result<()> {
    Area::Local.set(&outbox_key(&item.id), item).await
}

pub async fn remove_outbox_item(id: &str) -> Result<()> {
    Area::Local.remove(&outbox_key(id)).await
}

/// Every item in the outbox, oldest first. An item an older or newer
/// version stored in a shape this one cannot read is skipped, not lost:
/// it stays in storage untouched.
pub async fn outbox() -> Result<Vec<OutboxItem>> {
    // `get(null)` answers every key.
    let everything =
        call(&["storage", "local", "get"], &[JsValue::NULL]).await?;
    let mut items: Vec<OutboxItem> =
        Object::keys(everything.unchecked_ref::<Object>())
            .iter()
            .filter_map(|key| key.as_string())
            .filter(|key| is_outbox_key(key))
            .filter_map(|key| Reflect::get(&everything, &key.into()).ok())
            .filter_map(|value| from_js(value).ok())
            .collect();
    items.sort_by(|a, b| a.created_at.total_cmp(&b.created_at));
    Ok(items)
}
