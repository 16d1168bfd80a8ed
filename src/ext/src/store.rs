//! The extension's state in `storage.local`, typed: settings, the
//! signed-in account and the outbox. The keys and what they hold are
//! listed in `fm_types::keys` and documented in the README for
//! administrators.
//!
//! The popup and the service worker both read and write here. Each
//! outbox item has its own key, so two writers never overwrite each
//! other's items; the settings and the account have one writer at a time
//! (the popup) in practice.

use fm_api::{ApiError, ApiOrigin, Client, Tokens};
use fm_types::{Account, OutboxItem, Settings, User, keys};
use js_sys::{Object, Reflect};
use serde::de::IgnoredAny;
use wasm_bindgen::{JsCast as _, JsValue};

use crate::{Area, Result, call, from_js};

/// Refresh an access token this long before it expires.
const REFRESH_AHEAD_MS: f64 = 60_000.0;

/// How often, and how many times, a refresh that lost a race with another
/// context's looks for the tokens that one is storing.
const RENEWAL_CHECK_EVERY: std::time::Duration =
    std::time::Duration::from_millis(100);
const RENEWAL_CHECKS: u32 = 20;

/// The API origin in force: an administrator's policy first, then the
/// user's setting.
pub async fn api_origin() -> Result<Option<ApiOrigin>> {
    let origin = match managed_api_origin().await {
        Some(managed) => Some(managed),
        None => settings().await?.api_origin,
    };
    Ok(origin.and_then(|o| ApiOrigin::parse(&o).ok()))
}

/// A client for the API origin, signed in with the stored account, its
/// token refreshed first when it is about to expire.
///
/// Fails with [`ApiError::NotConfigured`] before the first run and
/// [`ApiError::SignInAgain`] when there is no usable account for the
/// origin: a token is only ever sent to the origin it was issued by.
pub async fn client() -> std::result::Result<Client, ApiError> {
    let storage = |e: crate::Error| ApiError::Storage { message: e.0 };
    let origin = api_origin().await.map_err(storage)?;
    let origin = origin.ok_or(ApiError::NotConfigured)?;
    let account = account()
        .await
        .map_err(storage)?
        .filter(|a| a.api_origin == origin.to_string())
        .ok_or(ApiError::SignInAgain)?;

    let expiring = account
        .expires_at
        .is_some_and(|at| crate::now_ms() > at - REFRESH_AHEAD_MS);
    let Some(refresh_token) =
        account.refresh_token.clone().filter(|_| expiring)
    else {
        return Ok(Client::new(origin, Some(account.access_token)));
    };
    let refreshed =
        Client::new(origin.clone(), None).refresh(&refresh_token).await;
    let tokens = match refreshed {
        Ok(tokens) => tokens,
        // The popup and the worker may refresh at the same moment; the
        // server rotates refresh tokens, so the slower one is refused
        // while the faster one is storing the new tokens. Those are
        // awaited a moment before the user is asked to sign in.
        Err(ApiError::SignInAgain) => {
            for _ in 0..RENEWAL_CHECKS {
                if let Some(renewed) =
                    self::account().await.map_err(storage)?
                    && renewed.access_token != account.access_token
                {
                    return Ok(Client::new(
                        origin,
                        Some(renewed.access_token),
                    ));
                }
                fm_api::sleep(RENEWAL_CHECK_EVERY).await;
            }
            return Err(ApiError::SignInAgain);
        }
        Err(e) => return Err(e),
    };
    let renewed = account_from(&origin, tokens, account.user);
    save_account(&renewed).await.map_err(storage)?;
    Ok(Client::new(origin, Some(renewed.access_token)))
}

/// The account a sign-in or refresh answered, for `origin`.
pub fn account_from(
    origin: &ApiOrigin,
    tokens: Tokens,
    known: Option<User>,
) -> Account {
    let user = tokens.user.map(|u| User {
        user_id: u.user_id,
        username: u.username,
        email: u.email,
    });
    Account {
        api_origin: origin.to_string(),
        access_token: tokens.access_token,
        refresh_token: tokens.refresh_token,
        expires_at: tokens.expires_in.map(|s| crate::now_ms() + s * 1000.0),
        user: user.or(known),
    }
}

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

/// Stores `item` over its earlier version, unless the user discarded it
/// meanwhile; answers whether it is still in the outbox. (A delivery
/// that finishes after a discard must not bring the item back.)
pub async fn update_outbox_item(item: &OutboxItem) -> Result<bool> {
    // Only whether it is there: the stored capture is not copied into Rust.
    let key = outbox_key(&item.id);
    if Area::Local.get::<IgnoredAny>(&key).await?.is_none() {
        return Ok(false);
    }
    put_outbox_item(item).await?;
    Ok(true)
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
