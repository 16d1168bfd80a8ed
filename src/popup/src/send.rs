//! Sending a capture: the case it goes to, the user's note, and the
//! delivery's progress as the service worker reports it through storage.

use fm_types::{
    Capture, CaseChoice, DeliveryState, Message, OutboxItem, new_item_id,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::Config;

/// FaultMaven's limit on a case title.
const TITLE_LIMIT: usize = 200;

#[component]
pub fn SendForm(
    capture: Capture,
    config: RwSignal<Option<Config>>,
) -> impl IntoView {
    let title = RwSignal::new(default_title(&capture));
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let delivery = RwSignal::new(None::<OutboxItem>);
    let capture = StoredValue::new(capture);

    let ready = move || {
        config.with(|c| {
            c.as_ref().is_some_and(|c| {
                c.api_origin().is_some() && c.account.is_some()
            })
        })
    };
    let busy = move || {
        delivery
            .with(|d| d.as_ref().is_some_and(|item| !is_settled(&item.state)))
    };

    let send = move |_| {
        problem.set(None);
        if !ready() {
            problem.set(Some(
                "Set the FaultMaven address and your access token in Settings \
                 first."
                    .into(),
            ));
            return;
        }
        let title = title.get_untracked().trim().to_string();
        let case = CaseChoice::New {
            title: title.chars().take(TITLE_LIMIT).collect(),
        };
        let item =
            match new_item(capture.get_value(), case, note.get_untracked()) {
                Ok(item) => item,
                Err(e) => return problem.set(Some(e.to_string())),
            };
        delivery.set(Some(item.clone()));
        spawn_local(async move {
            if let Err(e) = enqueue(&item, delivery).await {
                problem.set(Some(format!(
                    "The capture could not be queued: {e}. Nothing was sent."
                )));
            }
        });
    };

    view! {
        <section class="send">
            <label for="case-title">"New case"</label>
            <input
                id="case-title"
                type="text"
                maxlength=TITLE_LIMIT
                prop:value=move || title.get()
                on:input=move |ev| title.set(event_target_value(&ev))
            />
            <label for="note">"Note for FaultMaven (optional)"</label>
            <textarea
                id="note"
                rows="2"
                placeholder="What should FaultMaven look at?"
                prop:value=move || note.get()
                on:input=move |ev| note.set(event_target_value(&ev))
            ></textarea>
            <button id="send" class="primary" on:click=send disabled=busy>
                "Send to FaultMaven"
            </button>
            {move || problem.get().map(|p| view! { <p id="send-error" class="error">{p}</p> })}
            {move || delivery.get().map(|item| view! { <Delivery item /> })}
        </section>
    }
}

/// Where one outbox item stands, in words.
#[component]
fn Delivery(item: OutboxItem) -> impl IntoView {
    match item.state {
        DeliveryState::Pending | DeliveryState::Sending => view! {
            <p id="delivery" class="status" data-state="sending">
                "Sending… You can close this popup; the capture is kept until it is delivered."
            </p>
        }
        .into_any(),
        DeliveryState::Retrying { error } => view! {
            <p id="delivery" class="warning" data-state="retrying">{error}</p>
        }
        .into_any(),
        DeliveryState::NeedsAttention { error, .. } => view! {
            <p id="delivery" class="error" data-state="attention">{error}</p>
        }
        .into_any(),
        DeliveryState::Sent { outcome } => {
            let turn = outcome
                .turn_number
                .map(|n| format!(" as turn {n}"))
                .unwrap_or_default();
            let link = outcome.case_url.clone().map(|url| {
                let open = move |_| {
                    let url = url.clone();
                    spawn_local(async move {
                        let _ = fm_ext::open_tab(&url).await;
                    });
                };
                view! { <button id="open-case" class="quiet" on:click=open>"Open the case"</button> }
            });
            view! {
                <div id="delivery" class="sent" data-state="sent">
                    <p>{format!("Sent to “{}”{turn}.", outcome.case_title)}</p>
                    {(!outcome.answer_preview.is_empty()).then(|| view! {
                        <blockquote id="answer">{outcome.answer_preview.clone()}</blockquote>
                    })}
                    {link}
                </div>
            }
            .into_any()
        }
    }
}

fn is_settled(state: &DeliveryState) -> bool {
    matches!(
        state,
        DeliveryState::Sent { .. } | DeliveryState::NeedsAttention { .. }
    )
}

/// The page title, as a case title.
fn default_title(capture: &Capture) -> String {
    let title = capture.title.trim();
    let title = if title.is_empty() { capture.url.as_str() } else { title };
    title.chars().take(TITLE_LIMIT).collect()
}

fn new_item(
    capture: Capture,
    case: CaseChoice,
    note: String,
) -> Result<OutboxItem, fm_ext::Error> {
    let now = fm_ext::now_ms();
    Ok(OutboxItem {
        id: new_item_id(now, fm_ext::random_bytes()?),
        capture,
        case,
        case_id: None,
        note: note.trim().to_string(),
        created_at: now,
        state: DeliveryState::Pending,
        attempts: 0,
        next_attempt_at: now,
    })
}

/// Stores the item, follows its state, and asks the service worker to
/// deliver it now. The stored item is what counts: if the worker is
/// asleep or the popup closes, the item is still delivered later.
async fn enqueue(
    item: &OutboxItem,
    delivery: RwSignal<Option<OutboxItem>>,
) -> Result<(), fm_ext::Error> {
    fm_ext::store::put_outbox_item(item).await?;

    let id = item.id.clone();
    fm_ext::on_storage_changed(move |keys, area| {
        if area != "local" || !keys.iter().any(|k| k.ends_with(&id)) {
            return;
        }
        let id = id.clone();
        spawn_local(async move {
            if let Ok(Some(item)) = fm_ext::store::outbox_item(&id).await {
                delivery.set(Some(item));
            }
        });
    })?;

    // A worker that cannot be reached now picks the item up when it next
    // starts, so a failed message is not a failed send.
    let _ =
        fm_ext::send_message(&Message::Deliver { id: item.id.clone() }).await;
    Ok(())
}
