//! The toolbar popup, in leptos (client-side rendering).
//!
//! Opening the popup captures the active tab at once (see
//! `fm_ext::capture`) and shows the sanitized preview. Before the first
//! capture can be sent, the popup connects to a FaultMaven server and
//! signs in ([`setup`]). Send puts the capture in the outbox and asks the
//! service worker to deliver it, so closing the popup mid-send loses
//! nothing; the outbox view shows what still waits ([`outbox`]).
//!
//! Page content and server answers are only ever rendered as text nodes:
//! nothing from a page or a server is parsed as HTML, so a hostile page
//! cannot script the popup.

mod outbox;
mod preview;
mod send;
mod settings;
mod setup;

use fm_api::ApiOrigin;
use fm_ext::capture::{self, CaptureError};
use fm_types::{
    Account, Capture, CaptureRequest, PendingCapture, Settings, keys,
};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(App);
}

/// What the popup reads from storage when it opens, kept in step with
/// what it writes.
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
    pub fn api_origin(&self) -> Option<ApiOrigin> {
        self.managed_origin
            .as_deref()
            .or(self.settings.api_origin.as_deref())
            .and_then(|o| ApiOrigin::parse(o).ok())
    }

    /// The account, if it belongs to the API origin in force.
    pub fn account(&self) -> Option<&Account> {
        let origin = self.api_origin()?.to_string();
        self.account.as_ref().filter(|a| a.api_origin == origin)
    }

    /// Whether the popup can send: connected and signed in.
    pub fn is_ready(&self) -> bool {
        self.account().is_some()
    }

    async fn load() -> Result<Config, fm_ext::Error> {
        Ok(Config {
            settings: fm_ext::store::settings().await?,
            account: fm_ext::store::account().await?,
            managed_origin: fm_ext::store::managed_api_origin().await,
        })
    }
}

/// Where the capture of the active tab stands.
#[derive(Clone, Debug, PartialEq)]
pub enum Phase {
    Capturing,
    Failed(CaptureError),
    Ready(Box<Capture>),
}

/// What the popup shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    /// Connect to a server and sign in.
    Setup,
    Capture,
    Settings,
}

/// How long a selection captured from the context menu waits for the
/// popup.
const PENDING_FOR_MS: f64 = 10.0 * 60.0 * 1000.0;

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
        if !loaded.is_ready() {
            screen.set(Screen::Setup);
        }
        // Whatever waits in the outbox and is due goes now.
        tell_worker(fm_types::Message::Flush);
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

    // Only whether the configuration has loaded decides what renders; a
    // saved change must not rebuild the screen that saved it.
    let loaded = Memo::new(move |_| config.with(Option::is_some));

    view! {
        <Header config screen />
        <main>
            {move || match (screen.get(), loaded.get()) {
                (_, false) => view! { <Status phase /> }.into_any(),
                (Screen::Setup, true) => {
                    view! { <setup::Setup config screen /> }.into_any()
                }
                (Screen::Settings, true) => {
                    view! { <settings::SettingsView config screen /> }
                        .into_any()
                }
                (Screen::Capture, true) => {
                    view! { <CaptureView phase config screen /> }.into_any()
                }
            }}
        </main>
    }
}

/// The bar at the top: who is signed in, and the way to the settings.
#[component]
fn Header(
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let who = move || {
        config.with(|c| {
            let account = c.as_ref()?.account()?;
            let user = account.user.as_ref();
            let name =
                user.map(|u| u.username.clone()).filter(|n| !n.is_empty());
            Some(name.unwrap_or_else(|| "token".into()))
        })
    };
    let toggle = move |_| {
        screen.update(|s| {
            *s = match s {
                Screen::Settings => Screen::Capture,
                Screen::Capture | Screen::Setup => Screen::Settings,
            }
        })
    };
    let label = move || match screen.get() {
        Screen::Settings => "Back",
        Screen::Capture | Screen::Setup => "Settings",
    };
    view! {
        <header class="bar">
            <h1>"FaultMaven"</h1>
            <span id="signed-in" class="who">
                {move || who().map(|name| format!("Signed in as {name}"))}
            </span>
            <button id="toggle-settings" class="quiet" on:click=toggle>
                {label}
            </button>
        </header>
    }
}

/// The capture screen: the preview and the send form once ready, and
/// what else waits in the outbox.
#[component]
fn CaptureView(
    phase: RwSignal<Phase>,
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let current = RwSignal::new(None::<String>);
    let body = move || match phase.get() {
        Phase::Ready(capture) => view! {
            <preview::Preview capture=(*capture).clone() />
            <send::SendForm capture=*capture config screen current />
        }
        .into_any(),
        _ => view! { <Status phase /> }.into_any(),
    };
    view! {
        {body}
        <outbox::Outbox current screen />
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

/// The selection the context menu captured for the active tab, when the
/// browser would not open the popup for it; taken once.
async fn pending_capture() -> Option<Capture> {
    let area = fm_ext::Area::Session;
    let pending: PendingCapture =
        area.get(keys::PENDING_CAPTURE).await.ok().flatten()?;
    let _ = area.remove(keys::PENDING_CAPTURE).await;
    let tab = fm_ext::active_tab().await.ok()?;
    let fresh = fm_ext::now_ms() - pending.created_at < PENDING_FOR_MS;
    (tab.id == pending.tab_id && fresh).then_some(pending.capture)
}

/// A labelled text area of two lines, bound to `value`.
#[component]
fn TextArea(
    id: &'static str,
    label: &'static str,
    placeholder: &'static str,
    value: RwSignal<String>,
) -> impl IntoView {
    view! {
        <label for=id>{label}</label>
        <textarea
            id=id
            rows="2"
            placeholder=placeholder
            prop:value=move || value.get()
            on:input=move |ev| value.set(event_target_value(&ev))
        ></textarea>
    }
}

/// Asks the service worker to act on the outbox. A worker that cannot be
/// reached now acts when it next starts, so a failed message loses
/// nothing.
pub fn tell_worker(message: fm_types::Message) {
    spawn_local(async move {
        let _ = fm_ext::send_message(&message).await;
    });
}
