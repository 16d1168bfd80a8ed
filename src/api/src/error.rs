//! What can go wrong talking to FaultMaven, as sentences a user can act
//! on, and whether trying again later can help.

use std::fmt;

use fm_types::human_bytes;

/// A failed API call.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ApiError {
    /// No API origin is set yet.
    NotConfigured,
    /// The extension's own storage failed.
    Storage { message: String },
    /// Nothing answered: the server is down, the address is wrong, the
    /// network is out, or (for https) its certificate is not trusted.
    Unreachable { origin: String },
    /// The server did not answer in time.
    Timeout { seconds: u32 },
    /// The server tried to send the request elsewhere; redirects are
    /// never followed.
    Redirected,
    /// The answer was not what a FaultMaven server sends.
    NotFaultMaven,
    /// 401: the token expired or is wrong.
    SignInAgain,
    /// 403.
    Forbidden { message: String },
    /// 404.
    NotFound,
    /// 409: a conflict the server explains.
    Conflict { code: String, message: String },
    /// 413: the upload is over the server's limit.
    TooLarge { limit_bytes: Option<u64> },
    /// 422 or 400: the server refused the content.
    Invalid { message: String },
    /// 429: rate limited.
    RateLimited { retry_after_seconds: Option<u32> },
    /// 5xx: a server-side failure.
    Server { status: u16, message: String },
}

impl ApiError {
    /// Whether the same request may succeed later without the user doing
    /// anything: the outbox keeps and retries these.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            ApiError::Unreachable { .. }
                | ApiError::Timeout { .. }
                | ApiError::RateLimited { .. }
                | ApiError::Server { .. }
        ) || matches!(self, ApiError::Conflict { code, .. } if code == "TURN_IN_PROGRESS")
    }

    /// The wait the server asked for, in seconds.
    pub fn retry_after(&self) -> Option<u32> {
        match self {
            ApiError::RateLimited { retry_after_seconds } => {
                *retry_after_seconds
            }
            _ => None,
        }
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ApiError::NotConfigured => f.write_str(
                "No FaultMaven address is set. Open Settings and enter it.",
            ),
            ApiError::Storage { message } => write!(
                f,
                "The extension could not read its settings ({message}). \
                 Reload the extension and try again."
            ),
            ApiError::Unreachable { origin } => {
                write!(f, "Nothing answers at {origin}. Check that the FaultMaven server is running and the address is right")?;
                if origin.starts_with("https://") {
                    f.write_str(", and that its certificate is trusted by this browser")?;
                }
                f.write_str(".")
            }
            ApiError::Timeout { seconds } => write!(
                f,
                "The server did not answer within {seconds} seconds. It may be busy; the capture will be sent again."
            ),
            ApiError::Redirected => f.write_str(
                "The server tried to redirect the request to another address. The extension only talks to the address in its settings, so nothing was sent there.",
            ),
            ApiError::NotFaultMaven => f.write_str(
                "Something answers at that address, but it is not a FaultMaven server. Check the address and port.",
            ),
            ApiError::SignInAgain => f.write_str("Your sign-in has expired or was refused. Sign in again; your capture is kept."),
            ApiError::Forbidden { message } => write!(f, "The server refused access: {message}"),
            ApiError::NotFound => f.write_str("The server does not know that case or address. Pick another case."),
            ApiError::Conflict { message, .. } => write!(f, "The server refused the request: {message}"),
            ApiError::TooLarge { limit_bytes: Some(limit) } => write!(
                f,
                "The capture is larger than the server accepts ({}). Trim it and send again.",
                human_bytes(*limit)
            ),
            ApiError::TooLarge { limit_bytes: None } => {
                f.write_str("The capture is larger than the server accepts. Trim it and send again.")
            }
            ApiError::Invalid { message } => write!(f, "The server refused the capture: {message}"),
            ApiError::RateLimited { retry_after_seconds: Some(s) } => {
                write!(f, "The server is rate limiting requests; the capture will be sent again in {s} seconds.")
            }
            ApiError::RateLimited { retry_after_seconds: None } => {
                f.write_str("The server is rate limiting requests; the capture will be sent again shortly.")
            }
            ApiError::Server { status, message } if message.is_empty() => {
                write!(f, "The server failed (HTTP {status}); the capture will be sent again.")
            }
            ApiError::Server { status, message } => {
                write!(f, "The server failed (HTTP {status}: {message}); the capture will be sent again.")
            }
        }
    }
}

impl std::error::Error for ApiError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_policy() {
        assert!(
            ApiError::Server { status: 503, message: String::new() }
                .is_retryable()
        );
        assert!(
            ApiError::RateLimited { retry_after_seconds: Some(3) }
                .is_retryable()
        );
        assert!(!ApiError::SignInAgain.is_retryable());
        assert!(!ApiError::TooLarge { limit_bytes: None }.is_retryable());
        assert!(!ApiError::Redirected.is_retryable());
    }
}
