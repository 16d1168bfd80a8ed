//! The first run: connect to a FaultMaven server, then sign in.
//!
//! Connecting validates the address (https, or http on this machine),
//! asks the browser for host access to exactly that origin, from the
//! click handler itself with nothing awaited first (Firefox refuses a
//! permission request that does not come straight from a user action),
//! then checks that FaultMaven answers there and learns how it signs
//! users in. Signing in is by user name on local-mode servers, or by
//! pasting an access token on any server.

use fm_api::{ApiError, ApiOrigin, Client};
use fm_types::{Account, Message, Server, User};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::{Config, Screen, tell_worker};

/// FaultMaven's bounds on a user name.
const USERNAME_CHARS: std::ops::RangeInclusive<usize> = 3..=50;

#[derive(Clone, Debug, PartialEq)]
enum Step {
    Connect,
    SignIn { origin: ApiOrigin, server: Server },
}

#[component]
pub fn Setup(
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let known = config.get_untracked().unwrap_or_default();
    let step =
        RwSignal::new(match (known.api_origin(), known.settings.server) {
            (Some(origin), Some(server)) => Step::SignIn { origin, server },
            _ => Step::Connect,
        });
    move || match step.get() {
        Step::Connect => view! { <Connect config step /> }.into_any(),
        Step::SignIn { origin, server } => {
            view! { <SignIn config screen step origin server /> }.into_any()
        }
    }
}

#[component]
fn Connect(
    config: RwSignal<Option<Config>>,
    step: RwSignal<Step>,
) -> impl IntoView {
    let current = config.get_untracked().unwrap_or_default();
    let locked = current.managed_origin.is_some();
    let typed = current
        .api_origin()
        .map(|o| o.to_string())
        .unwrap_or_else(|| "http://localhost:8090".into());
    let origin = RwSignal::new(typed);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);

    let connect = move |_| {
        problem.set(None);
        let parsed = match ApiOrigin::parse(&origin.get_untracked()) {
            Ok(parsed) => parsed,
            Err(e) => return problem.set(Some(e.to_string())),
        };
        origin.set(parsed.to_string());
        // Straight from the click: nothing awaited before this call.
        let granted = fm_ext::request_origins(&[parsed.permission_pattern()]);
        busy.set(true);
        spawn_local(async move {
            let result = match granted {
                Ok(granted) => connect_to(config, parsed, granted.await).await,
                Err(e) => Err(format!("The browser refused the request: {e}")),
            };
            busy.set(false);
            match result {
                Ok(next) => step.set(next),
                Err(message) => problem.set(Some(message)),
            }
        });
    };

    view! {
        <section class="setup">
            <h2>"Connect to FaultMaven"</h2>
            <label for="api-origin">"FaultMaven address"</label>
            <input
                id="api-origin"
                type="url"
                placeholder="http://localhost:8090"
                disabled=locked
                prop:value=move || origin.get()
                on:input=move |ev| origin.set(event_target_value(&ev))
            />
            {locked.then(|| view! { <p class="note">"Set by your administrator."</p> })}
            <p class="note">
                "A standalone server answers at http://localhost:8090. Other addresses must use https://."
            </p>
            <button id="connect" class="primary" on:click=connect disabled=move || busy.get()>
                {move || if busy.get() { "Connecting…" } else { "Connect" }}
            </button>
            {move || problem.get().map(|p| view! { <p id="setup-error" class="error">{p}</p> })}
        </section>
    }
}

/// After the browser answered the permission request: checks the server
/// and keeps the origin and what the server said.
async fn connect_to(
    config: RwSignal<Option<Config>>,
    origin: ApiOrigin,
    granted: Result<bool, fm_ext::Error>,
) -> Result<Step, String> {
    match granted {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "The browser did not grant access to {origin}. The extension \
                 needs it to talk to FaultMaven there; connect again and \
                 allow it."
            ));
        }
        Err(e) => return Err(format!("The browser refused the request: {e}")),
    }
    let server = match Client::new(origin.clone(), None).server().await {
        Ok(server) => server,
        Err(ApiError::NotFound | ApiError::NotFaultMaven) => {
            return Err(format!(
                "Something answers at {origin}, but it is not a FaultMaven \
                 server. Check the address and port."
            ));
        }
        Err(e) => return Err(e.to_string()),
    };

    let mut next = config.get_untracked().unwrap_or_default();
    next.settings.api_origin = Some(origin.to_string());
    next.settings.server = Some(server.clone());
    fm_ext::store::save_settings(&next.settings)
        .await
        .map_err(|e| format!("Saving the address failed: {e}"))?;
    config.set(Some(next));
    Ok(Step::SignIn { origin, server })
}

#[component]
fn SignIn(
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
    step: RwSignal<Step>,
    origin: ApiOrigin,
    server: Server,
) -> impl IntoView {
    let username = RwSignal::new(String::new());
    let token = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let origin = StoredValue::new(origin);

    let finish = move |result: Result<Account, ApiError>| async move {
        match result {
            Ok(account) => match fm_ext::store::save_account(&account).await {
                Ok(()) => {
                    config.update(|c| {
                        if let Some(c) = c {
                            c.account = Some(account);
                        }
                    });
                    tell_worker(Message::SignedIn);
                    screen.set(Screen::Capture);
                }
                Err(e) => problem
                    .set(Some(format!("Saving the sign-in failed: {e}"))),
            },
            Err(ApiError::SignInAgain) => problem.set(Some(
                "FaultMaven did not accept that. Check it and try again."
                    .into(),
            )),
            Err(e) => problem.set(Some(e.to_string())),
        }
        busy.set(false);
    };

    let by_name = move |_| {
        problem.set(None);
        let name = username.get_untracked().trim().to_string();
        if !USERNAME_CHARS.contains(&name.chars().count()) {
            return problem
                .set(Some("A user name has 3 to 50 characters.".into()));
        }
        busy.set(true);
        spawn_local(async move {
            let origin = origin.get_value();
            let client = Client::new(origin.clone(), None);
            let result = client.login(&name).await.map(|tokens| {
                fm_ext::store::account_from(&origin, tokens, None)
            });
            finish(result).await;
        });
    };

    let by_token = move |_| {
        problem.set(None);
        let pasted = token.get_untracked().trim().to_string();
        if pasted.is_empty() {
            return problem.set(Some("Paste an access token first.".into()));
        }
        busy.set(true);
        spawn_local(async move {
            let origin = origin.get_value();
            let client = Client::new(origin.clone(), Some(pasted.clone()));
            let result = client.me().await.map(|user| Account {
                api_origin: origin.to_string(),
                access_token: pasted,
                refresh_token: None,
                expires_at: None,
                user: Some(User {
                    user_id: user.user_id,
                    username: user.username,
                    email: user.email,
                }),
            });
            finish(result).await;
        });
    };

    let change = move |_| step.set(Step::Connect);
    let where_to = format!("Sign in to FaultMaven at {}", origin.get_value());

    view! {
        <section class="setup">
            <h2>{where_to}</h2>
            {server.username_login.then(|| view! {
                <label for="username">"User name"</label>
                <input
                    id="username"
                    type="text"
                    autocomplete="username"
                    prop:value=move || username.get()
                    on:input=move |ev| username.set(event_target_value(&ev))
                />
                <button id="sign-in" class="primary" on:click=by_name disabled=move || busy.get()>
                    "Sign in"
                </button>
                <p class="note">"Or use an access token:"</p>
            })}
            <label for="access-token">"Access token"</label>
            <input
                id="access-token"
                type="password"
                autocomplete="off"
                prop:value=move || token.get()
                on:input=move |ev| token.set(event_target_value(&ev))
            />
            <button id="use-token" class="quiet" on:click=by_token disabled=move || busy.get()>
                "Use this token"
            </button>
            <p class="note">
                "Kept in this browser's local extension storage, sent only to this server, removed when you sign out."
            </p>
            {move || problem.get().map(|p| view! { <p id="setup-error" class="error">{p}</p> })}
            <button id="change-server" class="link" on:click=change>"Use another server"</button>
        </section>
    }
}
