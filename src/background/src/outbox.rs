//! Delivering outbox items to FaultMaven.
//!
//! An item is delivered in up to two steps, each a write with its own
//! idempotency key derived from the item id: create the case (when the
//! user asked for a new one), then submit the turn. The case id is stored
//! as soon as it is known, so a retry never creates a second case, and
//! the turn's key makes the server answer a retried turn from the first
//! result, so a retry never creates a second turn either.

use std::cell::RefCell;
use std::collections::HashSet;

use fm_api::{ApiError, ApiOrigin, Client, Turn};
use fm_types::{
    CaseChoice, DeliveryState, OutboxItem, Outcome, Problem, Settings,
};

use fm_ext::store;

/// How much of the agent's answer the popup shows.
const ANSWER_PREVIEW_CHARS: usize = 600;

thread_local! {
    /// Items with a request in flight from this worker, so a second
    /// "deliver" for the same item waits for the first instead of racing
    /// it.
    static IN_FLIGHT: RefCell<HashSet<String>> = RefCell::default();
}

/// Delivers item `id` now, if it is waiting.
pub async fn deliver(id: &str) -> Result<(), fm_ext::Error> {
    let claimed = IN_FLIGHT.with(|f| f.borrow_mut().insert(id.to_string()));
    if !claimed {
        return Ok(());
    }
    let result = deliver_claimed(id).await;
    IN_FLIGHT.with(|f| f.borrow_mut().remove(id));
    result
}

/// Delivers every item that is waiting.
pub async fn flush() -> Result<(), fm_ext::Error> {
    for item in store::outbox().await? {
        if is_waiting(&item.state) {
            deliver(&item.id).await?;
        }
    }
    Ok(())
}

/// Forgets item `id`, delivered or not.
pub async fn discard(id: &str) -> Result<(), fm_ext::Error> {
    store::remove_outbox_item(id).await
}

/// Pending, retrying, or left "sending" by a worker that stopped.
fn is_waiting(state: &DeliveryState) -> bool {
    matches!(
        state,
        DeliveryState::Pending
            | DeliveryState::Sending
            | DeliveryState::Retrying { .. }
    )
}

async fn deliver_claimed(id: &str) -> Result<(), fm_ext::Error> {
    let Some(mut item) = store::outbox_item(id).await? else {
        return Ok(());
    };
    if !is_waiting(&item.state) {
        return Ok(());
    }
    item.state = DeliveryState::Sending;
    item.attempts += 1;
    store::put_outbox_item(&item).await?;

    let settings = store::settings().await?;
    let account = store::account().await?;
    let result = match client(&settings, account) {
        Ok(client) => send(&client, &mut item).await,
        Err(e) => Err(e),
    };
    item.state = match result {
        Ok(outcome) => DeliveryState::Sent { outcome },
        Err(e) => failed(&e),
    };
    // The item may have been discarded while the request was in flight.
    if store::outbox_item(id).await?.is_some() {
        store::put_outbox_item(&item).await?;
    }
    Ok(())
}

fn client(
    settings: &Settings,
    account: Option<fm_types::Account>,
) -> Result<Client, ApiError> {
    let origin = settings
        .api_origin
        .as_deref()
        .and_then(|o| ApiOrigin::parse(o).ok())
        .ok_or(ApiError::NotConfigured)?;
    // A token is sent only to the origin it was issued for.
    let token = account
        .filter(|a| a.api_origin == origin.to_string())
        .map(|a| a.access_token)
        .ok_or(ApiError::SignInAgain)?;
    Ok(Client::new(origin, Some(token)))
}

async fn send(
    client: &Client,
    item: &mut OutboxItem,
) -> Result<Outcome, ApiError> {
    let (case_id, case_title) = match (&item.case_id, &item.case) {
        (Some(id), CaseChoice::Existing { title, .. }) => {
            (id.clone(), title.clone())
        }
        (None, CaseChoice::Existing { case_id, title }) => {
            (case_id.clone(), title.clone())
        }
        (Some(id), CaseChoice::New { title }) => (id.clone(), title.clone()),
        (None, CaseChoice::New { title }) => {
            let key = format!("{}-case", item.id);
            let case = client.create_case(title, &key).await?;
            item.case_id = Some(case.case_id.clone());
            // Stored now, so a retry after a failed turn reuses the case.
            let _ = store::put_outbox_item(item).await;
            (case.case_id, case.title)
        }
    };

    let capture = &item.capture;
    let turn = Turn {
        query: item.note.clone(),
        pasted_content: fm_types::evidence(capture),
        source_url: capture.url.clone(),
        observed_at: capture.observed_at.clone(),
    };
    let answer = client.submit_turn(&case_id, &turn, &item.id).await?;
    let dashboard =
        client.capabilities().await.ok().and_then(|c| c.dashboard_url);
    Ok(Outcome {
        case_url: dashboard.map(|d| case_url(&d, &case_id)),
        case_id,
        case_title,
        turn_number: answer.turn_number,
        answer_preview: answer
            .agent_response
            .unwrap_or_default()
            .chars()
            .take(ANSWER_PREVIEW_CHARS)
            .collect(),
    })
}

/// The case's page on the dashboard. The dashboard is a different origin
/// from the API; the link opens as an ordinary tab, with no credentials
/// of the extension's.
fn case_url(dashboard: &str, case_id: &str) -> String {
    format!("{}/cases/{case_id}", dashboard.trim_end_matches('/'))
}

fn failed(error: &ApiError) -> DeliveryState {
    let message = error.to_string();
    if error.is_retryable() {
        return DeliveryState::Retrying { error: message };
    }
    let problem = match error {
        ApiError::SignInAgain | ApiError::NotConfigured => Problem::SignIn,
        ApiError::TooLarge { .. } => Problem::TooLarge,
        _ => Problem::Refused,
    };
    DeliveryState::NeedsAttention { error: message, problem }
}
