//! The FaultMaven API client: the only code in the extension that does
//! network I/O.
//!
//! Every request goes to the configured [`ApiOrigin`] and nowhere else:
//! URLs are built from it and checked against it, redirects are never
//! followed (`redirect: "manual"`), a `Location` to poll is followed only
//! on the same origin, and cookies are never sent (`credentials:
//! "omit"`). The access token travels only in the `Authorization` header
//! of these requests.

mod error;
mod multipart;
mod origin;

use std::time::Duration;

use fm_types::Server;
use js_sys::{Function, JsString, Promise, Reflect};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, Request, RequestCredentials, RequestInit,
    RequestMode, RequestRedirect, Response, ResponseType,
};

pub use error::ApiError;
pub use fm_types::human_bytes;
pub use origin::{ApiOrigin, OriginError};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch`, in a page or a service worker alike.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(request: &Request) -> Promise;
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(handler: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(handle: &JsValue);
}

/// How long ordinary calls may take.
const SHORT: Duration = Duration::from_secs(15);
/// How long a turn may take: the server runs its analysis before
/// answering.
const TURN: Duration = Duration::from_secs(180);

/// What `/v1/meta/capabilities` (or, on older servers, `/health`) says.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Capabilities {
    pub deployment_mode: Option<String>,
    pub dashboard_url: Option<String>,
    pub limits: Limits,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Limits {
    pub max_file_bytes: Option<u64>,
}

/// `/api/v1/auth/config`.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct AuthConfig {
    pub auth_mode: String,
    pub supports_registration: bool,
}

impl AuthConfig {
    /// Whether the server signs users in by name alone (local and dev
    /// modes).
    pub fn has_username_login(&self) -> bool {
        matches!(self.auth_mode.as_str(), "local" | "dev" | "development")
    }
}

/// A successful sign-in or refresh.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Tokens {
    pub access_token: String,
    pub expires_in: Option<f64>,
    pub refresh_token: Option<String>,
    pub session_id: Option<String>,
    pub user: Option<UserInfo>,
}

#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct UserInfo {
    pub user_id: String,
    pub username: String,
    pub email: Option<String>,
}

/// A case as listed.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CaseSummary {
    pub case_id: String,
    pub title: String,
    pub state: Option<String>,
    pub updated_at: Option<String>,
    pub last_activity_at: Option<String>,
    pub is_terminal: bool,
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
struct CaseList {
    cases: Vec<CaseSummary>,
}

/// The fields of a turn, as FaultMaven's multipart form takes them.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Turn {
    /// The user's note.
    pub query: String,
    pub pasted_content: String,
    pub source_url: String,
    /// ISO 8601.
    pub observed_at: String,
}

/// The answer to a turn.
#[derive(Clone, Debug, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct TurnResponse {
    pub agent_response: Option<String>,
    pub turn_number: Option<u32>,
    pub case_state: Option<String>,
}

/// A client for one API origin, signed in or not.
#[derive(Clone, Debug)]
pub struct Client {
    origin: ApiOrigin,
    token: Option<String>,
}

enum Body {
    None,
    Json(String),
    Bytes { content_type: String, bytes: Vec<u8> },
}

impl Client {
    pub fn new(origin: ApiOrigin, token: Option<String>) -> Client {
        Client { origin, token }
    }

    pub fn origin(&self) -> &ApiOrigin {
        &self.origin
    }

    /// Asks the server what it is. Falls back to `/health` on servers too
    /// old for `/v1/meta/capabilities`; a server with neither is not
    /// FaultMaven.
    pub async fn capabilities(&self) -> Result<Capabilities, ApiError> {
        match self.get_json::<Capabilities>("/v1/meta/capabilities").await {
            Err(ApiError::NotFound) => {
                let health = "/health";
                match self
                    .request("GET", health, Body::None, None, SHORT)
                    .await
                {
                    Ok(_) => Ok(Capabilities::default()),
                    Err(ApiError::NotFound) => Err(ApiError::NotFaultMaven),
                    Err(e) => Err(e),
                }
            }
            other => other,
        }
    }

    /// Everything the extension keeps about the server: its capabilities
    /// and how it signs users in.
    pub async fn server(&self) -> Result<Server, ApiError> {
        let capabilities = self.capabilities().await?;
        let auth = match self.auth_config().await {
            Ok(auth) => auth,
            // Older servers without the endpoint take pasted tokens.
            Err(ApiError::NotFound) => AuthConfig::default(),
            Err(e) => return Err(e),
        };
        Ok(Server {
            deployment_mode: capabilities.deployment_mode,
            dashboard_url: capabilities.dashboard_url,
            max_upload_bytes: capabilities.limits.max_file_bytes,
            username_login: auth.has_username_login(),
        })
    }

    pub async fn auth_config(&self) -> Result<AuthConfig, ApiError> {
        self.get_json("/api/v1/auth/config").await
    }

    /// Signs in by user name (local-mode servers).
    pub async fn login(&self, username: &str) -> Result<Tokens, ApiError> {
        #[derive(Serialize)]
        struct Login<'a> {
            username: &'a str,
        }
        self.post_json("/api/v1/auth/login", &Login { username }, None).await
    }

    pub async fn refresh(
        &self,
        refresh_token: &str,
    ) -> Result<Tokens, ApiError> {
        #[derive(Serialize)]
        struct Refresh<'a> {
            refresh_token: &'a str,
        }
        self.post_json(
            "/api/v1/auth/refresh",
            &Refresh { refresh_token },
            None,
        )
        .await
    }

    /// Who the token belongs to; also a cheap check that it works.
    pub async fn me(&self) -> Result<UserInfo, ApiError> {
        self.get_json("/api/v1/auth/me").await
    }

    pub async fn logout(&self) -> Result<(), ApiError> {
        self.request("POST", "/api/v1/auth/logout", Body::None, None, SHORT)
            .await
            .map(drop)
    }

    /// Open cases, most recently active first.
    pub async fn recent_cases(
        &self,
        limit: u32,
    ) -> Result<Vec<CaseSummary>, ApiError> {
        let list: CaseList = self
            .get_json(&format!("/api/v1/cases?limit={limit}&offset=0"))
            .await?;
        let mut cases: Vec<_> =
            list.cases.into_iter().filter(|c| !c.is_terminal).collect();
        let activity = |c: &CaseSummary| {
            c.last_activity_at.clone().or_else(|| c.updated_at.clone())
        };
        cases.sort_by_key(|c| std::cmp::Reverse(activity(c)));
        Ok(cases)
    }

    /// Creates a case. The idempotency key makes a retry return the case
    /// the first attempt created.
    pub async fn create_case(
        &self,
        title: &str,
        idempotency_key: &str,
    ) -> Result<CaseSummary, ApiError> {
        #[derive(Serialize)]
        struct NewCase<'a> {
            title: &'a str,
        }
        self.post_json(
            "/api/v1/cases",
            &NewCase { title },
            Some(idempotency_key),
        )
        .await
    }

    /// Submits a capture to a case as a turn.
    pub async fn submit_turn(
        &self,
        case_id: &str,
        turn: &Turn,
        idempotency_key: &str,
    ) -> Result<TurnResponse, ApiError> {
        let mut form = multipart::Form::new(idempotency_key);
        if !turn.query.is_empty() {
            form.text("query", &turn.query);
        }
        form.text("pasted_content", &turn.pasted_content);
        form.text("input_type", "page_capture");
        form.text("source_url", &turn.source_url);
        form.text("observed_at", &turn.observed_at);
        let (content_type, bytes) =
            form.finish().ok_or_else(|| ApiError::Invalid {
                message:
                    "the capture contains the form's boundary; capture again"
                        .into(),
            })?;
        let body = Body::Bytes { content_type, bytes };
        let path =
            format!("/api/v1/cases/{}/turns", encode_path_segment(case_id));
        let response = self
            .request("POST", &path, body, Some(idempotency_key), TURN)
            .await?;
        let response = self.follow_accepted(response).await?;
        parse_json(&response).await
    }

    async fn get_json<T: DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<T, ApiError> {
        let response =
            self.request("GET", path, Body::None, None, SHORT).await?;
        parse_json(&response).await
    }

    async fn post_json<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
        idempotency_key: Option<&str>,
    ) -> Result<T, ApiError> {
        let json = serde_json_string(body)?;
        let response = self
            .request("POST", path, Body::Json(json), idempotency_key, SHORT)
            .await?;
        parse_json(&response).await
    }

    /// A 202 with a `Location` means "poll there": only on this origin.
    async fn follow_accepted(
        &self,
        mut response: Response,
    ) -> Result<Response, ApiError> {
        let deadline = js_sys::Date::now() + TURN.as_millis() as f64;
        while response.status() == 202 {
            let Some(location) =
                response.headers().get("location").ok().flatten()
            else {
                return Ok(response);
            };
            let path = if location.starts_with('/') {
                location
            } else if self.origin.owns(&location) {
                location[self.origin.to_string().len()..].to_string()
            } else {
                return Err(ApiError::Redirected);
            };
            if js_sys::Date::now() > deadline {
                return Err(ApiError::Timeout {
                    seconds: TURN.as_secs() as u32,
                });
            }
            sleep(Duration::from_secs(1)).await;
            response =
                self.request("GET", &path, Body::None, None, SHORT).await?;
        }
        Ok(response)
    }

    /// Sends one request to this origin and returns a successful
    /// response, or the error it amounts to.
    async fn request(
        &self,
        method: &str,
        path: &str,
        body: Body,
        idempotency_key: Option<&str>,
        timeout: Duration,
    ) -> Result<Response, ApiError> {
        let url = self.origin.url(path);
        assert!(
            self.origin.owns(&url),
            "requests are built from the API origin"
        );
        let unreachable =
            || ApiError::Unreachable { origin: self.origin.to_string() };

        let headers = Headers::new().map_err(|_| unreachable())?;
        let set = |name: &str, value: &str| {
            headers.set(name, value).map_err(|_| unreachable())
        };
        set("Accept", "application/json")?;
        if let Some(token) = &self.token {
            set("Authorization", &format!("Bearer {token}"))?;
        }
        if let Some(key) = idempotency_key {
            set("Idempotency-Key", key)?;
        }
        let init = RequestInit::new();
        init.set_method(method);
        init.set_redirect(RequestRedirect::Manual);
        init.set_credentials(RequestCredentials::Omit);
        init.set_mode(RequestMode::Cors);
        match body {
            Body::None => {}
            Body::Json(json) => {
                set("Content-Type", "application/json")?;
                init.set_body(&JsString::from(json));
            }
            Body::Bytes { content_type, bytes } => {
                set("Content-Type", &content_type)?;
                init.set_body(&js_sys::Uint8Array::from(bytes.as_slice()));
            }
        }
        init.set_headers(&headers);

        let controller = AbortController::new().map_err(|_| unreachable())?;
        init.set_signal(Some(&controller.signal()));
        let request = Request::new_with_str_and_init(&url, &init)
            .map_err(|_| unreachable())?;
        let abort = Closure::once_into_js(move || controller.abort());
        let timer =
            set_timeout(abort.unchecked_ref(), timeout.as_millis() as i32);
        let result = JsFuture::from(global_fetch(&request)).await;
        clear_timeout(&timer);

        let response: Response = match result {
            Ok(value) => value.unchecked_into(),
            Err(e) => {
                let aborted = Reflect::get(&e, &"name".into())
                    .ok()
                    .and_then(|n| n.as_string())
                    == Some("AbortError".into());
                return Err(if aborted {
                    ApiError::Timeout { seconds: timeout.as_secs() as u32 }
                } else {
                    unreachable()
                });
            }
        };
        if response.type_() == ResponseType::Opaqueredirect
            || (300..400).contains(&response.status())
            || (!response.url().is_empty()
                && !self.origin.owns(&response.url()))
        {
            return Err(ApiError::Redirected);
        }
        if response.ok() {
            return Ok(response);
        }
        Err(error_from(response).await)
    }
}

/// Turns an error response into an [`ApiError`], with the server's own
/// message where it gives one (`detail`, a string or `{code, message}`).
async fn error_from(response: Response) -> ApiError {
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .ok()
        .flatten()
        .and_then(|v| v.trim().parse::<u32>().ok());
    #[derive(Default, Deserialize)]
    #[serde(default)]
    struct Detail {
        code: String,
        message: String,
    }
    #[derive(Default, Deserialize)]
    #[serde(untagged)]
    enum DetailField {
        Text(String),
        Structured(Detail),
        #[default]
        Missing,
    }
    #[derive(Default, Deserialize)]
    #[serde(default)]
    struct ErrorBody {
        detail: DetailField,
    }
    let body: ErrorBody = parse_json(&response).await.unwrap_or_default();
    let (code, message) = match body.detail {
        DetailField::Text(text) => (String::new(), text),
        DetailField::Structured(d) => (
            d.code.clone(),
            if d.message.is_empty() { d.code } else { d.message },
        ),
        DetailField::Missing => (String::new(), String::new()),
    };
    let message = short(&message);
    match status {
        401 => ApiError::SignInAgain,
        403 => ApiError::Forbidden { message },
        404 => ApiError::NotFound,
        409 => ApiError::Conflict { code, message },
        413 => ApiError::TooLarge { limit_bytes: None },
        400 | 422 => ApiError::Invalid { message },
        429 => ApiError::RateLimited { retry_after_seconds: retry_after },
        _ => ApiError::Server { status, message },
    }
}

/// A server message, cut to a length a popup can show.
fn short(message: &str) -> String {
    let message = message.trim();
    match message.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &message[..i]),
        None => message.to_string(),
    }
}

async fn parse_json<T: DeserializeOwned>(
    response: &Response,
) -> Result<T, ApiError> {
    let promise = response.json().map_err(|_| ApiError::NotFaultMaven)?;
    let value =
        JsFuture::from(promise).await.map_err(|_| ApiError::NotFaultMaven)?;
    serde_wasm_bindgen::from_value(value).map_err(|_| ApiError::NotFaultMaven)
}

fn serde_json_string<T: Serialize>(value: &T) -> Result<String, ApiError> {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let js =
        value.serialize(&serializer).map_err(|_| ApiError::NotFaultMaven)?;
    js_sys::JSON::stringify(&js)
        .map(String::from)
        .map_err(|_| ApiError::NotFaultMaven)
}

/// Percent-encodes a path segment (case ids are opaque to the client).
fn encode_path_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len());
    for b in segment.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Waits, in a page or a service worker.
pub async fn sleep(duration: Duration) {
    let promise = Promise::new(&mut |resolve, _| {
        set_timeout(&resolve, duration.as_millis() as i32);
    });
    let _ = JsFuture::from(promise).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded() {
        assert_eq!(encode_path_segment("case_1-a"), "case_1-a");
        assert_eq!(encode_path_segment("../x?y"), "%2E%2E%2Fx%3Fy");
    }

    #[test]
    fn long_messages_are_cut() {
        let long = "x".repeat(400);
        assert_eq!(short(&long).chars().count(), 301);
        assert_eq!(short(" fine "), "fine");
    }
}
