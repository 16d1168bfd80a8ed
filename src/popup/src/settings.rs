//! The settings screen: the FaultMaven API origin and the access token.
//!
//! Saving asks the browser for host access to exactly that origin, from
//! the click handler itself with nothing awaited first (Firefox refuses a
//! permission request that does not come straight from a user action),
//! then checks that a FaultMaven server answers there.

use fm_api::{ApiOrigin, Client};
use fm_types::Account;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Config;

#[component]
pub fn SettingsView(config: RwSignal<Option<Config>>) -> impl IntoView {
    let current = config.get_untracked().unwrap_or_default();
    let locked = current.managed_origin.is_some();
    let origin = RwSignal::new(current.api_origin().unwrap_or_default());
    let token = RwSignal::new(
        current
            .account
            .as_ref()
            .map(|a| a.access_token.clone())
            .unwrap_or_default(),
    );
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let save = move |_| {
        outcome.set(None);
        let parsed = match ApiOrigin::parse(&origin.get_untracked()) {
            Ok(parsed) => parsed,
            Err(e) => return outcome.set(Some(Err(e.to_string()))),
        };
        origin.set(parsed.to_string());
        // Straight from the click: no await before this call.
        let granted = fm_ext::request_origins(&[parsed.permission_pattern()]);
        let token = token.get_untracked().trim().to_string();
        spawn_local(async move {
            let result = match granted {
                Ok(granted) => {
                    save_settings(config, parsed, token, granted.await).await
                }
                Err(e) => Err(e.to_string()),
            };
            outcome.set(Some(result));
        });
    };

    view! {
        <section class="settings">
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
            <label for="access-token">"Access token"</label>
            <input
                id="access-token"
                type="password"
                autocomplete="off"
                prop:value=move || token.get()
                on:input=move |ev| token.set(event_target_value(&ev))
            />
            <p class="note">
                "Kept in this browser's local extension storage and sent only to the address above."
            </p>
            <button id="save-settings" class="primary" on:click=save>"Save"</button>
            {move || outcome.get().map(|o| match o {
                Ok(m) => view! { <p id="settings-result" class="ok">{m}</p> }.into_any(),
                Err(m) => view! { <p id="settings-result" class="error">{m}</p> }.into_any(),
            })}
        </section>
    }
}

async fn save_settings(
    config: RwSignal<Option<Config>>,
    origin: ApiOrigin,
    token: String,
    granted: Result<bool, fm_ext::Error>,
) -> Result<String, String> {
    match granted {
        Ok(true) => {}
        Ok(false) => {
            return Err(format!(
                "The browser did not grant access to {origin}. The extension \
                 needs it to send captures there; save again and allow it."
            ));
        }
        Err(e) => return Err(format!("The browser refused the request: {e}")),
    }

    let mut next = config.get_untracked().unwrap_or_default();
    next.settings.api_origin = Some(origin.to_string());
    next.account = (!token.is_empty()).then(|| Account {
        api_origin: origin.to_string(),
        access_token: token.clone(),
        ..Account::default()
    });
    let stored = async {
        fm_ext::store::save_settings(&next.settings).await?;
        match &next.account {
            Some(account) => fm_ext::store::save_account(account).await,
            None => fm_ext::store::clear_account().await,
        }
    };
    stored.await.map_err(|e| format!("Saving failed: {e}"))?;
    config.set(Some(next));

    let client =
        Client::new(origin.clone(), (!token.is_empty()).then_some(token));
    match client.capabilities().await {
        Ok(_) => Ok(format!("Saved. FaultMaven answers at {origin}.")),
        Err(e) => Err(format!("Saved, but: {e}")),
    }
}
