//! The toolbar popup, in leptos (client-side rendering).
//!
//! Opening the popup captures the active tab (see [`capture`]) and shows
//! the sanitized preview; Send puts the capture in the outbox and asks the
//! service worker to deliver it, so closing the popup mid-send loses
//! nothing. The settings screen holds the API origin and the access
//! token.
//!
//! Page content is only ever rendered as text nodes: nothing from a page
//! or from the server is parsed as HTML, so a hostile page cannot script
//! the popup.

mod preview;
mod send;
mod settings;

use fm_types::{
    Account, Capture, CaptureRequest, PendingCapture, Settings, keys,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use fm_ext::capture::{self, CaptureError};

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// What the popup reads from storage when it opens.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Config {
    pub settings: Settings,
    pub account: Option<Account>,
    /// The API origin set by enterprise policy; it overrides the user's
    /// and cannot be edited.
    pub managed_origin: Option<String>,
}

impl Config {
    /// The API origin in force: policy first, then the user's setting.
    pub fn api_origin(&self) -> Option<String> {
        self.managed_origin
            .clone()
            .or_else(|| self.settings.api_origin.clone())
    }

    async fn load() -> Result<Config, fm_ext::Error> {
        Ok(Config {
            settings: fm_ext::store::settings().await?,
            account: fm_ext::store::account().await?,
            managed_origin: fm_ext::store::managed_api_origin().await,
        })
    }
}

/// How long a selection captured from the context menu waits for the
/// popup.
const PENDING_FOR_MS: f64 = 10.0 * 60.0 * 1000.0;

/// The selection the context menu captured for the active tab, when the
/// browser would not open the popup for it; taken once.
async fn pending_capture() -> Option<Capture> {
    let area = fm_ext::Area::Session;
    let pending: PendingCapture =
        area.get(keys::PENDING_CAPTURE).await.ok().flatten()?;
    let _ = area.remove(keys::PENDING_CAPTURE).await;
    let _ = fm_ext::set_badge("").await;
    let tab = fm_ext::active_tab().await.ok()?;
    let fresh = fm_ext::now_ms() - pending.created_at < PENDING_FOR_MS;
    (tab.id == pending.tab_id && fresh).then_some(pending.capture)
}

/// Where the capture of the active tab stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Capturing,
    Failed(CaptureError),
    Ready(Box<Capture>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Screen {
    Capture,
    Settings,
}

#[component]
fn App() -> impl IntoView {
    let config = RwSignal::new(None::<Config>);
    let phase = RwSignal::new(Phase::Capturing);
    let screen = RwSignal::new(Screen::Capture);

    spawn_local(async move {
        let loaded = match Config::load().await {
            Ok(loaded) => loaded,
            Err(e) => {
                let message = format!("the extension's storage failed: {e}");
                phase.set(Phase::Failed(CaptureError::Failed(message)));
                return;
            }
        };
        let request = CaptureRequest {
            sanitizer: loaded.settings.sanitizer.clone(),
            limit_bytes: loaded.settings.capture_limit_bytes,
            ..CaptureRequest::default()
        };
        config.set(Some(loaded));
        let captured = match pending_capture().await {
            Some(capture) => Ok(capture),
            None => capture::active_tab(&request).await,
        };
        phase.set(match captured {
            Ok(capture) => Phase::Ready(Box::new(capture)),
            Err(e) => Phase::Failed(e),
        });
    });

    let toggle = move |_| {
        screen.update(|s| {
            *s = match s {
                Screen::Capture => Screen::Settings,
                Screen::Settings => Screen::Capture,
            }
        })
    };
    let toggle_label = move || match screen.get() {
        Screen::Capture => "Settings",
        Screen::Settings => "Back to capture",
    };

    // Only whether the configuration has loaded decides the screen; a
    // saved change must not rebuild the screen that saved it.
    let loaded = Memo::new(move |_| config.with(Option::is_some));

    view! {
        <header class="bar">
            <h1>"FaultMaven"</h1>
            <button id="toggle-settings" class="quiet" on:click=toggle>
                {toggle_label}
            </button>
        </header>
        <main>
            {move || match (screen.get(), loaded.get()) {
                (_, false) => view! { <Status phase /> }.into_any(),
                (Screen::Settings, true) => {
                    view! { <settings::SettingsView config /> }.into_any()
                }
                (Screen::Capture, true) => {
                    view! { <CaptureView phase config /> }.into_any()
                }
            }}
        </main>
    }
}

/// The capture screen: the preview and the send form once ready.
#[component]
fn CaptureView(
    phase: RwSignal<Phase>,
    config: RwSignal<Option<Config>>,
) -> impl IntoView {
    move || match phase.get() {
        Phase::Ready(capture) => view! {
            <preview::Preview capture=(*capture).clone() />
            <send::SendForm capture=*capture config />
        }
        .into_any(),
        _ => view! { <Status phase /> }.into_any(),
    }
}

/// "Capturing…" or why the capture failed.
#[component]
fn Status(phase: RwSignal<Phase>) -> impl IntoView {
    move || match phase.get() {
        Phase::Failed(e) => {
            view! { <p id="capture-error" class="error">{e.to_string()}</p> }
                .into_any()
        }
        _ => view! { <p class="status">"Capturing this page…"</p> }.into_any(),
    }
}
