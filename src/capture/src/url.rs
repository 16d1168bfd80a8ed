//! The page URL as it may leave the page: no fragment, and no value of a
//! query parameter whose name says it is secret. The result is sanitized
//! like the text afterwards, which catches credentials in the path or the
//! user-info part.

/// Words that make a query parameter secret when they appear in its name.
const SECRET_WORDS: [&str; 14] = [
    "token",
    "key",
    "secret",
    "password",
    "passwd",
    "pwd",
    "auth",
    "session",
    "signature",
    "credential",
    "jwt",
    "ticket",
    "otp",
    "code",
];

/// Names that are secret only as a whole: `sig=`, `sid=`, `pw=`.
const SECRET_NAMES: [&str; 4] = ["sig", "sid", "pw", "sas"];

/// What replaces a secret parameter's value.
pub const REDACTED: &str = "[REDACTED]";

/// Drops the fragment and redacts secret-looking query values.
pub fn clean(url: &str) -> String {
    let url = url.split('#').next().unwrap_or_default();
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let params: Vec<String> = query
        .split('&')
        .map(|param| match param.split_once('=') {
            Some((name, value))
                if is_secret_name(name) && !value.is_empty() =>
            {
                format!("{name}={REDACTED}")
            }
            _ => param.to_string(),
        })
        .collect();
    format!("{base}?{}", params.join("&"))
}

fn is_secret_name(name: &str) -> bool {
    let name: String = name
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect::<String>()
        .to_ascii_lowercase();
    SECRET_NAMES.contains(&name.as_str())
        || SECRET_WORDS.iter().any(|w| name.contains(w))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_the_fragment() {
        assert_eq!(
            clean("https://x.example/a#access_token=abc"),
            "https://x.example/a"
        );
    }

    #[test]
    fn redacts_secret_parameters_only() {
        assert_eq!(
            clean(
                "https://x.example/cb?code=123&state=ok&X-Amz-Signature=f00&page=2"
            ),
            "https://x.example/cb?code=[REDACTED]&state=ok&X-Amz-Signature=[REDACTED]&page=2"
        );
        assert_eq!(
            clean("https://x.example/?sig=abc&sign=up"),
            "https://x.example/?sig=[REDACTED]&sign=up"
        );
        assert_eq!(
            clean("https://x.example/?api_key="),
            "https://x.example/?api_key="
        );
    }
}
