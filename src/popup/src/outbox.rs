//! The outbox as the popup shows it: where each capture stands, and what
//! the user can do about it (retry now, trim to the server's limit, sign
//! in again, discard).
//!
//! The service worker owns delivery and writes each item's state to
//! storage; the popup only follows those writes and sends the worker
//! messages.

use fm_types::{DeliveryState, Message, OutboxItem, Problem};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::send::{enqueue, new_item};
use crate::{Screen, tell_worker};

/// Keeps `shown` in step with outbox item `id` as the worker updates it.
pub fn follow(
    id: &str,
    shown: RwSignal<Option<OutboxItem>>,
) -> Result<(), fm_ext::Error> {
    let key = format!("{}{id}", fm_types::keys::OUTBOX_PREFIX);
    let id = id.to_string();
    fm_ext::on_storage_changed(move |keys, area| {
        if area != "local" || !keys.contains(&key) {
            return;
        }
        let id = id.clone();
        spawn_local(async move {
            if let Ok(item) = fm_ext::store::outbox_item(&id).await {
                shown.set(item);
            }
        });
    })
}

/// Every item but the one the send form follows, kept current.
#[component]
pub fn Outbox(
    current: RwSignal<Option<String>>,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let items = RwSignal::new(Vec::<OutboxItem>::new());
    let reload = move || {
        spawn_local(async move {
            if let Ok(all) = fm_ext::store::outbox().await {
                items.set(all);
            }
        })
    };
    reload();
    let _ = fm_ext::on_storage_changed(move |keys, area| {
        if area == "local"
            && keys.iter().any(|k| fm_ext::store::is_outbox_key(k))
        {
            reload();
        }
    });

    let others = move || {
        let current = current.get();
        items.with(|all| {
            all.iter()
                .filter(|i| Some(&i.id) != current.as_ref())
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    move || {
        let others = others();
        (!others.is_empty()).then(|| {
            view! {
                <section id="outbox" class="outbox">
                    <h2>"Outbox"</h2>
                    <ul>
                        {others
                            .into_iter()
                            .map(|item| {
                                let page = item.capture.title.clone();
                                let id = item.id.clone();
                                view! {
                                    <li class="outbox-item" data-id=id>
                                        <p class="title">{page}</p>
                                        <ItemStatus item screen />
                                    </li>
                                }
                            })
                            .collect_view()}
                    </ul>
                </section>
            }
        })
    }
}

/// Where one outbox item stands, in words, with what can be done.
#[component]
pub fn ItemStatus(
    item: OutboxItem,
    screen: RwSignal<Screen>,
) -> impl IntoView {
    let id = item.id.clone();
    let discard = {
        let id = id.clone();
        move |_| tell_worker(Message::Discard { id: id.clone() })
    };
    let retry = {
        let id = id.clone();
        move |_| tell_worker(Message::Retry { id: id.clone() })
    };
    let case = match &item.case {
        fm_types::CaseChoice::Existing { title, .. }
        | fm_types::CaseChoice::New { title } => title.clone(),
    };
    match item.state.clone() {
        DeliveryState::Pending | DeliveryState::Sending => view! {
            <div class="delivery" data-state="sending">
                <p class="status">
                    {format!("Sending to “{case}”… You can close this popup; the capture is kept until it is delivered.")}
                </p>
            </div>
        }
        .into_any(),
        DeliveryState::Retrying { error } => view! {
            <div class="delivery" data-state="retrying">
                <p class="warning">{error}</p>
                <p class="note">{format!("Attempt {} failed; it is retried automatically.", item.attempts)}</p>
                <button class="quiet retry" on:click=retry>"Retry now"</button>
                <button class="quiet discard" on:click=discard>"Discard"</button>
            </div>
        }
        .into_any(),
        DeliveryState::NeedsAttention { error, problem } => {
            let action = match problem {
                Problem::SignIn => {
                    let sign_in = move |_| screen.set(Screen::Setup);
                    view! { <button class="primary sign-in-again" on:click=sign_in>"Sign in again"</button> }.into_any()
                }
                Problem::TooLarge => {
                    let trim = move |_| trim_and_send(item.clone());
                    view! { <button class="primary trim" on:click=trim>"Trim and send"</button> }.into_any()
                }
                Problem::Refused => {
                    view! { <button class="quiet retry" on:click=retry>"Try again"</button> }.into_any()
                }
            };
            view! {
                <div class="delivery" data-state="attention">
                    <p class="error">{error}</p>
                    {action}
                    <button class="quiet discard" on:click=discard>"Discard"</button>
                </div>
            }
            .into_any()
        }
        DeliveryState::Sent { outcome } => {
            let turn = outcome.turn_number.map(|n| format!(" as turn {n}")).unwrap_or_default();
            let link = outcome.case_url.clone().map(|url| {
                let open = move |_| {
                    let url = url.clone();
                    spawn_local(async move {
                        let _ = fm_ext::open_tab(&url).await;
                    });
                };
                view! { <button class="quiet open-case" on:click=open>"Open the case"</button> }
            });
            view! {
                <div class="delivery sent" data-state="sent">
                    <p>{format!("Sent to “{}”{turn}.", outcome.case_title)}</p>
                    {(!outcome.answer_preview.is_empty()).then(|| view! {
                        <blockquote class="answer">{outcome.answer_preview.clone()}</blockquote>
                    })}
                    {link}
                    <button class="quiet discard" on:click=discard>"Dismiss"</button>
                </div>
            }
            .into_any()
        }
    }
}

/// Answers a 413: the same capture, cut to the server's limit, sent as a
/// new item (a new idempotency key, since the body differs) to the same
/// case, and the refused one discarded.
fn trim_and_send(item: OutboxItem) {
    spawn_local(async move {
        let settings = fm_ext::store::settings().await.unwrap_or_default();
        let limit = settings
            .server
            .and_then(|s| s.max_upload_bytes)
            .unwrap_or(fm_types::MAX_CAPTURE_LIMIT as u64);
        let capture = fm_types::trimmed(&item.capture, limit);
        let Ok(mut trimmed) =
            new_item(capture, item.case.clone(), item.note.clone())
        else {
            return;
        };
        trimmed.case_id = item.case_id.clone();
        let shown = RwSignal::new(None);
        if enqueue(&trimmed, shown).await.is_ok() {
            tell_worker(Message::Discard { id: item.id });
        }
    });
}
