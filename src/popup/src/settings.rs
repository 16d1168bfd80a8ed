//! The settings screen: the server and the account, what is redacted,
//! and how much a capture may hold.
//!
//! Custom patterns are checked before they are saved, by the very module
//! the content script runs, so a pattern that does not compile is refused
//! here with the reason rather than failing a capture later.

use fm_api::human_bytes;
use fm_types::{Category, CustomPattern, SanitizerOptions, Settings};
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::prelude::*;

use crate::{Config, Screen, TextArea};

/// The capture limits offered, up to FaultMaven's default upload limit.
const LIMITS: [usize; 6] =
    [256 << 10, 512 << 10, 1 << 20, 2 << 20, 5 << 20, 10 << 20];

#[wasm_bindgen(inline_js = "
let sanitizer = null;

async function load() {
  await new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = 'capture/sanitizer.js';
    script.onload = resolve;
    script.onerror = () => reject(new Error('the sanitizer did not load'));
    document.head.append(script);
  });
  const binary = atob(globalThis.fmSanitizerWasm);
  const bytes = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  const dom = { text: () => 0, elements: () => 0, cut: () => 0, now: () => Date.now() };
  return (await WebAssembly.instantiate(bytes, { dom })).instance.exports;
}

export async function sanitizerOptionsProblem(options) {
  sanitizer ??= await load();
  const e = sanitizer;
  const put = (text) => {
    const bytes = new TextEncoder().encode(text);
    const ptr = e.fm_alloc(bytes.length);
    new Uint8Array(e.memory.buffer, ptr, bytes.length).set(bytes);
    return [ptr, bytes.length];
  };
  const [optionsPtr, optionsLen] = put(options);
  const [textPtr, textLen] = put('');
  const out = e.fm_alloc(8);
  e.fm_sanitize(optionsPtr, optionsLen, textPtr, textLen, out);
  const [ptr, len] = new Uint32Array(e.memory.buffer, out, 2);
  const answer = JSON.parse(new TextDecoder().decode(new Uint8Array(e.memory.buffer, ptr, len)));
  for (const [p, l] of [[ptr, len], [out, 8], [optionsPtr, optionsLen], [textPtr, textLen]]) {
    e.fm_free(p, l);
  }
  return answer.error ?? null;
}
")]
extern "C" {
    /// Why the sanitizer refuses `options` (JSON), or `null`.
    #[wasm_bindgen(js_name = sanitizerOptionsProblem)]
    async fn sanitizer_options_problem(options: String) -> JsValue;
}

#[component]
pub fn SettingsView(
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let current = config.get_untracked().unwrap_or_default();
    let options = current.settings.sanitizer.clone();
    let disabled = RwSignal::new(options.disabled.clone());
    let keep_private = RwSignal::new(options.keep_private_ips);
    let allow = RwSignal::new(options.allow.join("\n"));
    let patterns = RwSignal::new(
        options
            .custom
            .iter()
            .map(|p| format!("{}={}", p.name, p.pattern))
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let limit = RwSignal::new(current.settings.capture_limit_bytes);
    let outcome = RwSignal::new(None::<Result<String, String>>);

    let save = move |_| {
        outcome.set(None);
        let custom = match parse_patterns(&patterns.get_untracked()) {
            Ok(custom) => custom,
            Err(message) => return outcome.set(Some(Err(message))),
        };
        let sanitizer = SanitizerOptions {
            disabled: disabled.get_untracked(),
            allow: lines(&allow.get_untracked()),
            keep_private_ips: keep_private.get_untracked(),
            custom,
        };
        let limit = limit.get_untracked();
        spawn_local(async move {
            outcome.set(Some(save_settings(config, sanitizer, limit).await));
        });
    };

    let server_limit = current
        .settings
        .server
        .as_ref()
        .and_then(|s| s.max_upload_bytes)
        .unwrap_or(fm_types::MAX_CAPTURE_LIMIT as u64)
        as usize;

    view! {
        <section class="settings">
            <Connection config screen />
            <h2>"Redaction"</h2>
            <p class="note">"Values of these kinds are replaced by placeholders before anything leaves the page."</p>
            <ul class="categories">
                {Category::ALL
                    .into_iter()
                    .map(|category| {
                        let name = category.as_str();
                        let id = format!("redact-{name}");
                        let label = category_label(category);
                        let checked = move || disabled.with(|d| !d.contains(&category));
                        let toggle = move |ev: leptos::ev::Event| {
                            let on = event_target_checked(&ev);
                            disabled.update(|d| {
                                d.retain(|c| *c != category);
                                if !on {
                                    d.push(category);
                                }
                            });
                        };
                        view! {
                            <li>
                                <input type="checkbox" id=id.clone() prop:checked=checked on:change=toggle />
                                <label for=id>{label}</label>
                            </li>
                        }
                    })
                    .collect_view()}
            </ul>
            <p>
                <input
                    type="checkbox"
                    id="keep-private-ips"
                    prop:checked=move || keep_private.get()
                    on:change=move |ev| keep_private.set(event_target_checked(&ev))
                />
                <label for="keep-private-ips">"Keep private and loopback IP addresses (10.x, 192.168.x, ...)"</label>
            </p>
            <TextArea
                id="allow"
                label="Always keep these values (one a line)"
                placeholder="db.internal.example"
                value=allow
            />
            <TextArea
                id="patterns"
                label="Also redact (one NAME=regex a line)"
                placeholder="TICKET=INC-[0-9]+"
                value=patterns
            />
            <h2>"Capture"</h2>
            <label for="capture-limit">"Largest capture"</label>
            <select id="capture-limit" on:change=move |ev| {
                if let Ok(bytes) = event_target_value(&ev).parse() {
                    limit.set(bytes);
                }
            }>
                {LIMITS
                    .into_iter()
                    .filter(|&l| l <= server_limit)
                    .map(|l| {
                        let selected = move || limit.get() == l;
                        view! { <option value=l.to_string() selected=selected>{human_bytes(l as u64)}</option> }
                    })
                    .collect_view()}
            </select>
            <button id="save-settings" class="primary" on:click=save>"Save"</button>
            {move || outcome.get().map(|o| match o {
                Ok(m) => view! { <p id="settings-result" class="ok">{m}</p> }.into_any(),
                Err(m) => view! { <p id="settings-result" class="error">{m}</p> }.into_any(),
            })}
        </section>
    }
}

/// The server and the account, with the ways to change them.
#[component]
fn Connection(
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let current = config.get_untracked().unwrap_or_default();
    let locked = current.managed_origin.is_some();
    let origin = current.api_origin().map(|o| o.to_string());
    let user = current.account().map(|a| {
        a.user
            .as_ref()
            .map_or("an access token".into(), |u| u.username.clone())
    });

    let change = move |_| screen.set(Screen::Setup);
    let sign_out = move |_| {
        spawn_local(async move {
            if let Ok(client) = fm_ext::store::client().await {
                // The token is dropped here whatever the server says.
                let _ = client.logout().await;
            }
            let _ = fm_ext::store::clear_account().await;
            config.update(|c| {
                if let Some(c) = c {
                    c.account = None;
                }
            });
            screen.set(Screen::Setup);
        });
    };

    view! {
        <h2>"FaultMaven"</h2>
        <p id="server">
            {match &origin {
                Some(o) => format!("Connected to {o}"),
                None => "Not connected".into(),
            }}
            {locked.then_some(" (set by your administrator)")}
        </p>
        {user.map(|name| view! {
            <p id="account">{format!("Signed in as {name}")}</p>
            <button id="sign-out" class="quiet" on:click=sign_out>"Sign out"</button>
        })}
        {(!locked).then(|| view! {
            <button id="change-server" class="quiet" on:click=change>"Change server"</button>
        })}
    }
}

async fn save_settings(
    config: RwSignal<Option<Config>>,
    sanitizer: SanitizerOptions,
    limit: usize,
) -> Result<String, String> {
    let json = serde_json::to_string(&sanitizer)
        .expect("sanitizer options always serialize");
    if let Some(problem) = sanitizer_options_problem(json).await.as_string() {
        return Err(format!("Not saved: {problem}."));
    }
    let mut settings: Settings =
        config.get_untracked().unwrap_or_default().settings;
    settings.sanitizer = sanitizer;
    settings.capture_limit_bytes = limit;
    fm_ext::store::save_settings(&settings)
        .await
        .map_err(|e| format!("Saving failed: {e}"))?;
    config.update(|c| {
        if let Some(c) = c {
            c.settings = settings;
        }
    });
    Ok("Saved. The next capture uses these settings.".into())
}

/// "Credentials", "E-mail addresses", ...
fn category_label(category: Category) -> String {
    let plural = category.describe(2);
    let words = plural.trim_start_matches("2 ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

/// `NAME=regex` lines; the sanitizer checks the names and the regexes.
fn parse_patterns(text: &str) -> Result<Vec<CustomPattern>, String> {
    lines(text)
        .into_iter()
        .map(|line| match line.split_once('=') {
            Some((name, pattern)) if !pattern.is_empty() => Ok(CustomPattern {
                name: name.trim().to_string(),
                pattern: pattern.to_string(),
            }),
            _ => Err(format!(
                "Not saved: “{line}” is not NAME=regex, such as TICKET=INC-[0-9]+."
            )),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_name_equals_regex() {
        let parsed =
            parse_patterns("TICKET=INC-[0-9]+\n\n  HOST=a=b  ").unwrap();
        assert_eq!(parsed[0].name, "TICKET");
        assert_eq!(parsed[0].pattern, "INC-[0-9]+");
        assert_eq!(parsed[1].pattern, "a=b");
        assert!(parse_patterns("just text").is_err());
    }

    #[test]
    fn labels_read_as_headings() {
        assert_eq!(category_label(Category::Email), "E-mail addresses");
        assert_eq!(category_label(Category::IpAddress), "IP addresses");
    }
}
