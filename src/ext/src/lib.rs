//! The WebExtension APIs the extension uses, for Rust.
//!
//! Firefox names the API `browser`, Chrome `chrome`; both return promises
//! in Manifest V3. The namespace is resolved once ([`namespace`]), and
//! every call goes through a small typed wrapper that turns the promise
//! into a future and a rejected promise into an [`Error`] with the
//! browser's message.
//!
//! Only what the extension needs is bound: storage, tabs, scripting,
//! permissions, runtime messaging, alarms, the context menu and the
//! action button.

pub mod capture;
pub mod store;

use std::fmt;

use js_sys::{Array, Function, Object, Promise, Reflect};
use serde::Serialize;
use serde::de::DeserializeOwned;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;

/// A failed extension call: the browser's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl From<JsValue> for Error {
    fn from(value: JsValue) -> Self {
        let message = Reflect::get(&value, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .or_else(|| value.as_string())
            .unwrap_or_else(|| "the browser refused the request".into());
        Error(message)
    }
}

impl From<serde_wasm_bindgen::Error> for Error {
    fn from(e: serde_wasm_bindgen::Error) -> Self {
        Error(e.to_string())
    }
}

pub type Result<T> = std::result::Result<T, Error>;

/// The extension API object: `browser` where it exists (Firefox), else
/// `chrome`.
pub fn namespace() -> JsValue {
    thread_local! {
        static NAMESPACE: JsValue = {
            let global = js_sys::global();
            let browser = Reflect::get(&global, &"browser".into()).unwrap_or(JsValue::UNDEFINED);
            if browser.is_object() {
                browser
            } else {
                Reflect::get(&global, &"chrome".into()).unwrap_or(JsValue::UNDEFINED)
            }
        };
    }
    NAMESPACE.with(Clone::clone)
}

/// `namespace().a.b...`, or an error naming the missing API.
fn api(path: &[&str]) -> Result<JsValue> {
    let mut value = namespace();
    for name in path {
        value = Reflect::get(&value, &(*name).into())?;
        if value.is_undefined() {
            return Err(Error(format!(
                "this browser has no {} API",
                path.join(".")
            )));
        }
    }
    Ok(value)
}

/// Calls `namespace().path(args...)` and awaits the promise it returns.
async fn call(path: &[&str], args: &[JsValue]) -> Result<JsValue> {
    let (object, method) = path.split_at(path.len() - 1);
    let this = api(object)?;
    let function: Function =
        Reflect::get(&this, &method[0].into())?.dyn_into()?;
    let args: Array = args.iter().collect();
    let promise: Promise = function.apply(&this, &args)?.dyn_into()?;
    Ok(JsFuture::from(promise).await?)
}

fn from_js<T: DeserializeOwned>(value: JsValue) -> Result<T> {
    Ok(serde_wasm_bindgen::from_value(value)?)
}

fn to_js<T: Serialize + ?Sized>(value: &T) -> Result<JsValue> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    Ok(value.serialize(&serializer)?)
}

/// A storage area: `local`, `session` or `managed`.
#[derive(Clone, Copy, Debug)]
pub enum Area {
    /// Survives restarts. Holds settings, the account and the outbox.
    Local,
    /// Memory only, cleared when the browser closes.
    Session,
    /// Set by enterprise policy; read-only.
    Managed,
}

impl Area {
    fn name(self) -> &'static str {
        match self {
            Area::Local => "local",
            Area::Session => "session",
            Area::Managed => "managed",
        }
    }

    /// Reads `key`; `None` when it is not set.
    pub async fn get<T: DeserializeOwned>(
        self,
        key: &str,
    ) -> Result<Option<T>> {
        let items =
            call(&["storage", self.name(), "get"], &[key.into()]).await?;
        let value = Reflect::get(&items, &key.into())?;
        if value.is_undefined() || value.is_null() {
            return Ok(None);
        }
        Ok(Some(serde_wasm_bindgen::from_value(value)?))
    }

    /// Writes `key`.
    pub async fn set<T: Serialize + ?Sized>(
        self,
        key: &str,
        value: &T,
    ) -> Result<()> {
        let items = Object::new();
        Reflect::set(&items, &key.into(), &to_js(value)?)?;
        call(&["storage", self.name(), "set"], &[items.into()]).await?;
        Ok(())
    }

    /// Removes `key`.
    pub async fn remove(self, key: &str) -> Result<()> {
        call(&["storage", self.name(), "remove"], &[key.into()]).await?;
        Ok(())
    }
}

/// Calls `callback(changed_keys, area_name)` on every storage change.
/// The closure lives as long as the page.
pub fn on_storage_changed(
    callback: impl Fn(Vec<String>, String) + 'static,
) -> Result<()> {
    let closure = Closure::<dyn Fn(JsValue, JsValue)>::new(
        move |changes: JsValue, area: JsValue| {
            let keys = Object::keys(changes.unchecked_ref::<Object>())
                .iter()
                .filter_map(|k| k.as_string())
                .collect();
            callback(keys, area.as_string().unwrap_or_default());
        },
    );
    add_listener(&["storage", "onChanged"], closure.as_ref())?;
    closure.forget();
    Ok(())
}

fn add_listener(event: &[&str], listener: &JsValue) -> Result<()> {
    let event = api(event)?;
    let add: Function =
        Reflect::get(&event, &"addListener".into())?.dyn_into()?;
    add.call1(&event, listener)?;
    Ok(())
}

/// The active tab of the current window: its id and URL (the URL only
/// when the extension may see it).
#[derive(Clone, Debug)]
pub struct Tab {
    pub id: i32,
    pub url: Option<String>,
    pub title: Option<String>,
}

pub async fn active_tab() -> Result<Tab> {
    let query = Object::new();
    Reflect::set(&query, &"active".into(), &true.into())?;
    Reflect::set(&query, &"currentWindow".into(), &true.into())?;
    let tabs: Array =
        call(&["tabs", "query"], &[query.into()]).await?.dyn_into()?;
    let tab = tabs.get(0);
    if tab.is_undefined() {
        return Err(Error("there is no active tab".into()));
    }
    let id = Reflect::get(&tab, &"id".into())?
        .as_f64()
        .ok_or_else(|| Error("the tab has no id".into()))?;
    let string = |name: &str| {
        Reflect::get(&tab, &name.into()).ok().and_then(|v| v.as_string())
    };
    Ok(Tab { id: id as i32, url: string("url"), title: string("title") })
}

/// Opens `url` in a new tab, as a plain navigation: no credentials of the
/// extension go with it.
pub async fn open_tab(url: &str) -> Result<()> {
    let props = Object::new();
    Reflect::set(&props, &"url".into(), &url.into())?;
    call(&["tabs", "create"], &[props.into()]).await?;
    Ok(())
}

fn target(tab_id: i32) -> Result<Object> {
    let target = Object::new();
    Reflect::set(&target, &"tabId".into(), &tab_id.into())?;
    Ok(target)
}

/// Runs extension files as content scripts in the tab's main frame.
pub async fn inject_files(tab_id: i32, files: &[&str]) -> Result<()> {
    let details = Object::new();
    Reflect::set(&details, &"target".into(), target(tab_id)?.as_ref())?;
    let files: Array = files.iter().map(|f| JsValue::from(*f)).collect();
    Reflect::set(&details, &"files".into(), &files)?;
    call(&["scripting", "executeScript"], &[details.into()]).await?;
    Ok(())
}

/// Runs `func` (a function defined in an extension script; the browser
/// serializes it) in the tab with `args`, and returns what it returned
/// (or resolved to).
pub async fn run_in_tab(
    tab_id: i32,
    func: &Function,
    args: &[JsValue],
) -> Result<JsValue> {
    let details = Object::new();
    Reflect::set(&details, &"target".into(), target(tab_id)?.as_ref())?;
    Reflect::set(&details, &"func".into(), func)?;
    let args: Array = args.iter().collect();
    Reflect::set(&details, &"args".into(), &args)?;
    let results: Array =
        call(&["scripting", "executeScript"], &[details.into()])
            .await?
            .dyn_into()?;
    let first = results.get(0);
    if first.is_undefined() {
        return Err(Error("the page returned nothing".into()));
    }
    Ok(Reflect::get(&first, &"result".into())?)
}

fn origins(origin_patterns: &[String]) -> Result<Object> {
    let permissions = Object::new();
    let list: Array =
        origin_patterns.iter().map(|o| JsValue::from(o.as_str())).collect();
    Reflect::set(&permissions, &"origins".into(), &list)?;
    Ok(permissions)
}

/// Asks for host access to `patterns`. Must be called from a click
/// handler with nothing awaited before it (Firefox refuses otherwise), so
/// this returns the browser's promise without awaiting anything first.
pub fn request_origins(
    patterns: &[String],
) -> Result<impl std::future::Future<Output = Result<bool>> + use<>> {
    let permissions = api(&["permissions"])?;
    let request: Function =
        Reflect::get(&permissions, &"request".into())?.dyn_into()?;
    let promise: Promise = request
        .call1(&permissions, origins(patterns)?.as_ref())?
        .dyn_into()?;
    Ok(
        async move { Ok(JsFuture::from(promise).await?.as_bool() == Some(true)) },
    )
}

/// Whether host access to `patterns` is granted.
pub async fn has_origins(patterns: &[String]) -> Result<bool> {
    let granted =
        call(&["permissions", "contains"], &[origins(patterns)?.into()])
            .await?;
    Ok(granted.as_bool() == Some(true))
}

/// Gives up host access to `patterns`.
pub async fn remove_origins(patterns: &[String]) -> Result<()> {
    call(&["permissions", "remove"], &[origins(patterns)?.into()]).await?;
    Ok(())
}

/// Sends `message` to the extension's other pages (the service worker)
/// and returns the answer.
pub async fn send_message<T: Serialize>(message: &T) -> Result<JsValue> {
    call(&["runtime", "sendMessage"], &[to_js(message)?]).await
}

/// The URL of an extension file.
pub fn extension_url(path: &str) -> Result<String> {
    let runtime = api(&["runtime"])?;
    let get_url: Function =
        Reflect::get(&runtime, &"getURL".into())?.dyn_into()?;
    get_url
        .call1(&runtime, &path.into())?
        .as_string()
        .ok_or_else(|| Error("no extension URL".into()))
}

/// Schedules alarm `name` to fire at `when_ms` (milliseconds since the
/// epoch); replaces an alarm of the same name.
pub async fn schedule_alarm(name: &str, when_ms: f64) -> Result<()> {
    let info = Object::new();
    Reflect::set(&info, &"when".into(), &when_ms.into())?;
    let alarms = api(&["alarms"])?;
    let create: Function =
        Reflect::get(&alarms, &"create".into())?.dyn_into()?;
    let result = create.call2(&alarms, &name.into(), &info)?;
    // Chrome returns a promise, Firefox undefined.
    if let Ok(promise) = result.dyn_into::<Promise>() {
        JsFuture::from(promise).await?;
    }
    Ok(())
}

/// Cancels alarm `name`, if it is set.
pub async fn clear_alarm(name: &str) -> Result<()> {
    let alarms = api(&["alarms"])?;
    let clear: Function =
        Reflect::get(&alarms, &"clear".into())?.dyn_into()?;
    let result = clear.call1(&alarms, &name.into())?;
    if let Ok(promise) = result.dyn_into::<Promise>() {
        JsFuture::from(promise).await?;
    }
    Ok(())
}

/// Sets the number shown on the toolbar button; empty clears it.
pub async fn set_badge(text: &str) -> Result<()> {
    let details = Object::new();
    Reflect::set(&details, &"text".into(), &text.into())?;
    call(&["action", "setBadgeText"], &[details.into()]).await?;
    Ok(())
}

/// Opens the popup, where the browser allows it (a user gesture such as a
/// context-menu click); `false` where it does not.
pub async fn open_popup() -> bool {
    call(&["action", "openPopup"], &[]).await.is_ok()
}

/// Creates a context-menu entry shown on selected text.
pub fn create_selection_menu(id: &str, title: &str) -> Result<()> {
    let props = Object::new();
    Reflect::set(&props, &"id".into(), &id.into())?;
    Reflect::set(&props, &"title".into(), &title.into())?;
    let contexts: Array =
        std::iter::once(JsValue::from("selection")).collect();
    Reflect::set(&props, &"contexts".into(), &contexts)?;
    let menus = api(&["contextMenus"])?;
    let create: Function =
        Reflect::get(&menus, &"create".into())?.dyn_into()?;
    create.call1(&menus, &props)?;
    Ok(())
}

/// Removes every context-menu entry of the extension.
pub async fn remove_menus() -> Result<()> {
    let menus = api(&["contextMenus"])?;
    let remove: Function =
        Reflect::get(&menus, &"removeAll".into())?.dyn_into()?;
    let result = remove.call0(&menus)?;
    // Chrome answers a promise; older Firefox versions nothing.
    if let Ok(promise) = result.dyn_into::<Promise>() {
        JsFuture::from(promise).await?;
    }
    Ok(())
}

/// A random 16 bytes from the platform's CSPRNG.
pub fn random_bytes() -> Result<[u8; 16]> {
    let crypto = Reflect::get(&js_sys::global(), &"crypto".into())?;
    let array = js_sys::Uint8Array::new_with_length(16);
    let get: Function =
        Reflect::get(&crypto, &"getRandomValues".into())?.dyn_into()?;
    get.call1(&crypto, &array)?;
    let mut out = [0u8; 16];
    array.copy_to(&mut out);
    Ok(out)
}

/// Milliseconds since the epoch.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
