//! Delivering outbox items to FaultMaven, and retrying what failed.
//!
//! The popup stores a capture in the outbox (`storage.local`, one key per
//! item) and asks the worker to deliver it; from then on the worker owns
//! it. An item is delivered in up to two writes, each with an idempotency
//! key derived from the item's id: create the case (when the user asked
//! for a new one), then submit the turn. The case id is stored as soon as
//! it is known, so a retry never creates a second case, and the server
//! answers a repeated turn from its first result, so a retry never
//! creates a second turn either.
//!
//! A failure the server or the network may get over (no answer, a
//! timeout, 429, 5xx) is retried with exponential backoff, honouring
//! `Retry-After`. The worker sets a timer for the next attempt while it
//! is alive and an alarm as well, because the browser may stop the worker
//! at any time and the alarm wakes it again (and the browser's start-up
//! flushes the outbox too). A failure only the user can resolve (sign in
//! again, trim, read the server's refusal) waits for the user.

use std::cell::RefCell;
use std::collections::HashSet;
use std::time::Duration;

use fm_api::{ApiError, Client, Turn};
use fm_ext::store;
use fm_types::{
    CaseChoice, DeliveryState, OutboxItem, Outcome, Problem, Settings,
};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::spawn_local;

/// The alarm that wakes the worker for the next retry.
pub const ALARM: &str = "outbox";

/// How much of the agent's answer the popup shows.
const ANSWER_PREVIEW_CHARS: usize = 600;

/// The first retry comes this soon; each later one waits twice as long,
/// up to [`LONGEST_WAIT`].
const FIRST_WAIT: Duration = Duration::from_secs(1);
const LONGEST_WAIT: Duration = Duration::from_secs(10 * 60);

/// Delivered items are kept this long so the popup can show the outcome.
const KEEP_DELIVERED_MS: f64 = 24.0 * 3600.0 * 1000.0;

thread_local! {
    /// Items with a request in flight from this worker, so a second
    /// "deliver" for the same item does not race the first.
    static IN_FLIGHT: RefCell<HashSet<String>> = RefCell::default();
}

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &js_sys::Function, ms: i32) -> JsValue;
}

/// Delivers item `id` now, if it is waiting and due.
pub async fn deliver(id: &str) -> Result<(), fm_ext::Error> {
    let claimed = IN_FLIGHT.with(|f| f.borrow_mut().insert(id.to_string()));
    if !claimed {
        return Ok(());
    }
    let result = deliver_claimed(id).await;
    IN_FLIGHT.with(|f| f.borrow_mut().remove(id));
    result?;
    schedule().await
}

/// Delivers every item that is due, forgets old delivered ones, and
/// schedules the next retry.
pub async fn flush() -> Result<(), fm_ext::Error> {
    let now = fm_ext::now_ms();
    for item in store::outbox().await? {
        if item.is_waiting() && item.next_attempt_at <= now {
            deliver(&item.id).await?;
        } else if delivered_long_ago(&item, now) {
            store::remove_outbox_item(&item.id).await?;
        }
    }
    schedule().await
}

/// The user signed in again: what waited for it is due now.
pub async fn signed_in() -> Result<(), fm_ext::Error> {
    for mut item in store::outbox().await? {
        if let DeliveryState::NeedsAttention {
            problem: Problem::SignIn, ..
        } = item.state
        {
            item.state = DeliveryState::Pending;
            item.next_attempt_at = fm_ext::now_ms();
            store::put_outbox_item(&item).await?;
        }
    }
    flush().await
}

/// Sends item `id` again now, whatever it waited for.
pub async fn retry(id: &str) -> Result<(), fm_ext::Error> {
    if let Some(mut item) = store::outbox_item(id).await?
        && !matches!(item.state, DeliveryState::Sent { .. })
    {
        item.state = DeliveryState::Pending;
        item.next_attempt_at = fm_ext::now_ms();
        store::put_outbox_item(&item).await?;
    }
    deliver(id).await
}

/// Forgets item `id`, delivered or not.
pub async fn discard(id: &str) -> Result<(), fm_ext::Error> {
    store::remove_outbox_item(id).await?;
    schedule().await
}

fn delivered_long_ago(item: &OutboxItem, now: f64) -> bool {
    matches!(item.state, DeliveryState::Sent { .. })
        && now - item.created_at > KEEP_DELIVERED_MS
}

/// Sets the alarm, and a timer while the worker lives, for the earliest
/// retry; clears the badge or shows how many items wait.
async fn schedule() -> Result<(), fm_ext::Error> {
    let items = store::outbox().await?;
    let waiting: Vec<&OutboxItem> =
        items.iter().filter(|i| i.is_waiting()).collect();
    let attention = items
        .iter()
        .filter(|i| matches!(i.state, DeliveryState::NeedsAttention { .. }))
        .count();
    let badge = match waiting.len() + attention {
        0 => String::new(),
        n => n.to_string(),
    };
    fm_ext::set_badge(&badge).await?;

    let Some(next) =
        waiting.iter().map(|i| i.next_attempt_at).min_by(f64::total_cmp)
    else {
        return fm_ext::clear_alarm(ALARM).await;
    };
    fm_ext::schedule_alarm(ALARM, next).await?;
    let wait = (next - fm_ext::now_ms()).max(0.0);
    let wake = Closure::once_into_js(|| {
        spawn_local(async {
            let _ = flush().await;
        })
    });
    set_timeout(wake.unchecked_ref(), wait.min(i32::MAX as f64) as i32);
    Ok(())
}

async fn deliver_claimed(id: &str) -> Result<(), fm_ext::Error> {
    let Some(mut item) = store::outbox_item(id).await? else {
        return Ok(());
    };
    // Not before its time: a second trigger for an item that has just
    // failed must not skip its backoff.
    if !item.is_waiting() || item.next_attempt_at > fm_ext::now_ms() {
        return Ok(());
    }
    item.state = DeliveryState::Sending;
    item.attempts += 1;
    if !store::update_outbox_item(&item).await? {
        return Ok(());
    }

    let settings = store::settings().await?;
    let result = match store::client().await {
        Ok(client) => send(&client, &settings, &mut item).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(Some(outcome)) => {
            remember_case(&outcome).await?;
            item.state = DeliveryState::Sent { outcome };
        }
        Ok(None) => return Ok(()),
        Err(e) => {
            let e = with_known_limit(e, &settings);
            item.next_attempt_at =
                fm_ext::now_ms() + wait_before_retry(&item, &e);
            item.state = failed(&e);
        }
    }
    // The item may have been discarded while the request was in flight.
    store::update_outbox_item(&item).await?;
    Ok(())
}

/// Creates the case if needed and submits the turn. `None`: the user
/// discarded the capture before its turn was sent.
async fn send(
    client: &Client,
    settings: &Settings,
    item: &mut OutboxItem,
) -> Result<Option<Outcome>, ApiError> {
    let (case_id, case_title) = match (&item.case_id, &item.case) {
        (_, CaseChoice::Existing { case_id, title }) => {
            (case_id.clone(), title.clone())
        }
        (Some(id), CaseChoice::New { title }) => (id.clone(), title.clone()),
        (None, CaseChoice::New { title }) => {
            let key = format!("{}-case", item.id);
            let case = client.create_case(title, &key).await?;
            item.case_id = Some(case.case_id.clone());
            // Stored at once, so a retry after a failed turn reuses it;
            // a capture discarded meanwhile goes no further.
            if let Ok(false) = store::update_outbox_item(item).await {
                return Ok(None);
            }
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
        settings.server.as_ref().and_then(|s| s.dashboard_url.clone());
    Ok(Some(Outcome {
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
    }))
}

/// The case a capture went to is offered first next time.
async fn remember_case(outcome: &Outcome) -> Result<(), fm_ext::Error> {
    let mut settings = store::settings().await?;
    settings.last_case = Some(CaseChoice::Existing {
        case_id: outcome.case_id.clone(),
        title: outcome.case_title.clone(),
    });
    store::save_settings(&settings).await
}

/// The case's page on the dashboard. The dashboard is its own origin;
/// the link opens as an ordinary tab, with no credentials of the
/// extension's.
fn case_url(dashboard: &str, case_id: &str) -> String {
    format!("{}/cases/{case_id}", dashboard.trim_end_matches('/'))
}

/// A 413 names the limit the server announced, when it did.
fn with_known_limit(error: ApiError, settings: &Settings) -> ApiError {
    match error {
        ApiError::TooLarge { limit_bytes: None } => ApiError::TooLarge {
            limit_bytes: settings
                .server
                .as_ref()
                .and_then(|s| s.max_upload_bytes),
        },
        other => other,
    }
}

/// Exponential backoff from [`FIRST_WAIT`], never sooner than the
/// server's `Retry-After`, never later than [`LONGEST_WAIT`].
fn wait_before_retry(item: &OutboxItem, error: &ApiError) -> f64 {
    let doubling = 2f64.powi(item.attempts.saturating_sub(1).min(20) as i32);
    let backoff = (FIRST_WAIT.as_millis() as f64 * doubling)
        .min(LONGEST_WAIT.as_millis() as f64);
    let asked = error.retry_after().map_or(0.0, |s| f64::from(s) * 1000.0);
    backoff.max(asked)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn item(attempts: u32) -> OutboxItem {
        OutboxItem {
            id: "fm-1".into(),
            capture: Default::default(),
            case: CaseChoice::New { title: "x".into() },
            case_id: None,
            note: String::new(),
            created_at: 0.0,
            state: DeliveryState::Pending,
            attempts,
            next_attempt_at: 0.0,
        }
    }

    #[test]
    fn backoff_doubles_and_stops_growing() {
        let down = ApiError::Unreachable { origin: "http://x".into() };
        assert_eq!(wait_before_retry(&item(1), &down), 1000.0);
        assert_eq!(wait_before_retry(&item(2), &down), 2000.0);
        assert_eq!(wait_before_retry(&item(4), &down), 8000.0);
        assert_eq!(wait_before_retry(&item(40), &down), 600_000.0);
    }

    #[test]
    fn retry_after_is_honoured() {
        let limited = ApiError::RateLimited { retry_after_seconds: Some(30) };
        assert_eq!(wait_before_retry(&item(1), &limited), 30_000.0);
    }

    #[test]
    fn failures_are_sorted_by_who_can_fix_them() {
        let server = ApiError::Server { status: 503, message: String::new() };
        assert!(matches!(failed(&server), DeliveryState::Retrying { .. }));
        assert!(matches!(
            failed(&ApiError::SignInAgain),
            DeliveryState::NeedsAttention { problem: Problem::SignIn, .. }
        ));
        assert!(matches!(
            failed(&ApiError::TooLarge { limit_bytes: Some(10) }),
            DeliveryState::NeedsAttention { problem: Problem::TooLarge, .. }
        ));
    }

    #[test]
    fn case_links_join_the_dashboard() {
        assert_eq!(
            case_url("https://dash.example/", "case-1"),
            "https://dash.example/cases/case-1"
        );
    }
}
