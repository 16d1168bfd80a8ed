//! Sending a capture: the case it goes to (a recent open case, or a new
//! one with a title), the user's note, and the delivery's progress as the
//! service worker reports it through storage.

use fm_api::CaseSummary;
use fm_types::{Capture, CaseChoice, DeliveryState, OutboxItem, new_item_id};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::outbox::{ItemStatus, follow};
use crate::{Config, Screen, TextArea};

/// FaultMaven's limit on a case title.
const TITLE_LIMIT: usize = 200;

/// How many recent cases the picker offers.
const RECENT_CASES: u32 = 20;

/// The picker's value for "a new case".
const NEW_CASE: &str = "";

/// The recent open cases, as far as they are known.
#[derive(Clone, Debug, PartialEq)]
enum Cases {
    Loading,
    Loaded(Vec<CaseSummary>),
    Failed(String),
}

#[component]
pub fn SendForm(
    capture: Capture,
    config: RwSignal<Option<Config>>,
    screen: RwSignal<Screen>,
    /// The item this popup sent, which the outbox view leaves to this form.
    current: RwSignal<Option<String>>,
) -> impl IntoView {
    let ready =
        config.with_untracked(|c| c.as_ref().is_some_and(Config::is_ready));
    if !ready {
        let setup = move |_| screen.set(Screen::Setup);
        return view! {
            <section class="send">
                <p class="note">"Connect to FaultMaven and sign in to send this capture."</p>
                <button id="go-setup" class="primary" on:click=setup>"Connect"</button>
            </section>
        }
        .into_any();
    }

    let last = config.with_untracked(|c| {
        c.as_ref().and_then(|c| c.settings.last_case.clone())
    });
    let cases = RwSignal::new(Cases::Loading);
    let choice = RwSignal::new(match &last {
        Some(CaseChoice::Existing { case_id, .. }) => case_id.clone(),
        _ => NEW_CASE.to_string(),
    });
    let title = RwSignal::new(default_title(&capture));
    let note = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<String>);
    let delivery = RwSignal::new(None::<OutboxItem>);
    let capture = StoredValue::new(capture);
    let last = StoredValue::new(last);

    spawn_local(async move {
        let listed = match fm_ext::store::client().await {
            Ok(client) => client.recent_cases(RECENT_CASES).await,
            Err(e) => Err(e),
        };
        // A remembered case that is closed now is no longer offered.
        if let Ok(list) = &listed {
            let chosen = choice.get_untracked();
            if chosen != NEW_CASE && !list.iter().any(|c| c.case_id == chosen)
            {
                choice.set(NEW_CASE.to_string());
            }
        }
        cases.set(match listed {
            Ok(list) => Cases::Loaded(list),
            Err(e) => Cases::Failed(e.to_string()),
        });
    });

    // Between the click and the capture being stored.
    let queuing = RwSignal::new(false);
    let busy = move || {
        queuing.get()
            || delivery.with(|d| {
                d.as_ref().is_some_and(|item| !is_settled(&item.state))
            })
    };
    let send = move |_| {
        problem.set(None);
        let case = match chosen_case(
            &choice.get_untracked(),
            &title.get_untracked(),
            &cases.get_untracked(),
            &last.get_value(),
        ) {
            Ok(case) => case,
            Err(message) => return problem.set(Some(message)),
        };
        let item =
            match new_item(capture.get_value(), case, note.get_untracked()) {
                Ok(item) => item,
                Err(e) => return problem.set(Some(e.to_string())),
            };
        current.set(Some(item.id.clone()));
        queuing.set(true);
        spawn_local(async move {
            if let Err(e) = enqueue(&item, delivery).await {
                problem.set(Some(format!(
                    "The capture could not be queued: {e}. Nothing was sent."
                )));
            }
            queuing.set(false);
        });
    };

    view! {
        <section class="send">
            <label for="case">"Case"</label>
            <select id="case" on:change=move |ev| choice.set(event_target_value(&ev))>
                <option value=NEW_CASE selected=move || choice.get() == NEW_CASE>"New case"</option>
                {move || case_options(&cases.get(), &last.get_value(), &choice.get())}
            </select>
            {move || matches!(cases.get(), Cases::Loading).then(|| view! {
                <p class="note">"Loading recent cases…"</p>
            })}
            {move || match cases.get() {
                Cases::Failed(e) => Some(view! {
                    <p id="cases-error" class="warning">{format!("Recent cases could not be listed: {e}")}</p>
                }),
                _ => None,
            }}
            {move || (choice.get() == NEW_CASE).then(|| view! {
                <label for="case-title">"Title of the new case"</label>
                <input
                    id="case-title"
                    type="text"
                    maxlength=TITLE_LIMIT
                    prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))
                />
            })}
            <TextArea
                id="note"
                label="Note for FaultMaven (optional)"
                placeholder="What should FaultMaven look at?"
                value=note
            />
            <button id="send" class="primary" on:click=send disabled=busy>
                "Send to FaultMaven"
            </button>
            {move || problem.get().map(|p| view! { <p id="send-error" class="error">{p}</p> })}
            {move || delivery.get().map(|item| view! { <ItemStatus item screen /> })}
        </section>
    }
    .into_any()
}

/// The open cases to pick from, newest activity first, and the last
/// choice even when it is no longer among the recent ones.
fn case_options(
    cases: &Cases,
    last: &Option<CaseChoice>,
    chosen: &str,
) -> Vec<AnyView> {
    let mut listed: Vec<(String, String)> = match cases {
        Cases::Loaded(list) => {
            list.iter().map(|c| (c.case_id.clone(), c.title.clone())).collect()
        }
        _ => Vec::new(),
    };
    if let Some(CaseChoice::Existing { case_id, title }) = last
        && !listed.iter().any(|(id, _)| id == case_id)
        && !matches!(cases, Cases::Loaded(_))
    {
        listed.insert(0, (case_id.clone(), title.clone()));
    }
    listed
        .into_iter()
        .map(|(id, title)| {
            let selected = id == chosen;
            view! { <option value=id selected=selected>{title}</option> }
                .into_any()
        })
        .collect()
}

/// What the picker and the title field amount to.
fn chosen_case(
    choice: &str,
    title: &str,
    cases: &Cases,
    last: &Option<CaseChoice>,
) -> Result<CaseChoice, String> {
    if choice == NEW_CASE {
        let title: String = title.trim().chars().take(TITLE_LIMIT).collect();
        return Ok(CaseChoice::New { title });
    }
    let listed = match cases {
        Cases::Loaded(list) => {
            list.iter().find(|c| c.case_id == choice).map(|c| c.title.clone())
        }
        _ => None,
    };
    let remembered = match last {
        Some(CaseChoice::Existing { case_id, title }) if case_id == choice => {
            Some(title.clone())
        }
        _ => None,
    };
    match listed.or(remembered) {
        Some(title) => {
            Ok(CaseChoice::Existing { case_id: choice.to_string(), title })
        }
        None => Err(
            "That case is no longer open. Pick another or start a new one."
                .into(),
        ),
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

pub fn new_item(
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

/// Stores the item and follows its state. The stored item is all the
/// service worker needs: a new outbox entry wakes it and it delivers the
/// item (`extension/background.js`), so a popup closed the moment after
/// Send loses nothing, not even the time until the next retry.
///
/// The item is shown only once it is stored, for what the popup then says
/// ("you can close this popup") to be true.
pub async fn enqueue(
    item: &OutboxItem,
    delivery: RwSignal<Option<OutboxItem>>,
) -> Result<(), fm_ext::Error> {
    fm_ext::store::put_outbox_item(item).await?;
    follow(&item.id, delivery)?;
    // Read back rather than shown as it was: the worker may have moved it
    // on already, and a change after this read reaches `follow`.
    delivery.set(fm_ext::store::outbox_item(&item.id).await?);
    Ok(())
}
