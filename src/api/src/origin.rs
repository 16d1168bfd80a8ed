//! The API origin: the one place the extension talks to.
//!
//! A user types something like `localhost:8090/` or
//! `https://FaultMaven.example.com`; [`ApiOrigin::parse`] turns it into a
//! canonical origin (scheme, lower-case host, port only when not the
//! default) or says what is wrong with it. Plain HTTP is allowed only to
//! a loopback address, where nothing crosses a network.

use std::fmt;

/// A validated API origin, such as `https://faultmaven.example.com` or
/// `http://localhost:8090`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ApiOrigin {
    scheme: Scheme,
    host: String,
    port: Option<u16>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Scheme {
    Http,
    Https,
}

/// Why an origin was refused; each says what to type instead.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum OriginError {
    Empty,
    Scheme(String),
    Host,
    Port,
    /// A path, query or fragment after the origin.
    Path,
    /// Credentials in the URL (`https://user:pw@host`).
    Credentials,
    /// `http://` to a host that is not loopback.
    Insecure(String),
}

impl fmt::Display for OriginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OriginError::Empty => {
                f.write_str("Enter the address of your FaultMaven server, such as http://localhost:8090.")
            }
            OriginError::Scheme(s) => write!(f, "Use an https:// or http:// address, not {s}://."),
            OriginError::Host => f.write_str("That address has no valid host name."),
            OriginError::Port => f.write_str("The port must be a number from 1 to 65535."),
            OriginError::Path => f.write_str(
                "Enter only the server's address (scheme, host and port), without a path.",
            ),
            OriginError::Credentials => f.write_str(
                "Leave user names and passwords out of the address; sign in below instead.",
            ),
            OriginError::Insecure(host) => write!(
                f,
                "{host} is not on this machine, so the address must start with https:// \
                 (plain http is allowed only for localhost)."
            ),
        }
    }
}

impl std::error::Error for OriginError {}

impl ApiOrigin {
    /// Parses what a user typed. A missing scheme means `https://`,
    /// except for loopback hosts, where it means `http://`.
    pub fn parse(input: &str) -> Result<ApiOrigin, OriginError> {
        let input = input.trim();
        if input.is_empty() {
            return Err(OriginError::Empty);
        }
        let (scheme, rest) = match input.split_once("://") {
            Some((s, rest)) => match s.to_ascii_lowercase().as_str() {
                "https" => (Some(Scheme::Https), rest),
                "http" => (Some(Scheme::Http), rest),
                other => return Err(OriginError::Scheme(other.into())),
            },
            None => (None, input),
        };
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        if !matches!(tail, "" | "/") {
            return Err(OriginError::Path);
        }
        if authority.contains('@') {
            return Err(OriginError::Credentials);
        }
        let (host, port) = split_port(authority)?;
        let host = canonical_host(host)?;
        let scheme = scheme.unwrap_or(if is_loopback(&host) {
            Scheme::Http
        } else {
            Scheme::Https
        });
        if scheme == Scheme::Http && !is_loopback(&host) {
            return Err(OriginError::Insecure(host));
        }
        let default_port = match scheme {
            Scheme::Http => 80,
            Scheme::Https => 443,
        };
        let port = port.filter(|&p| p != default_port);
        Ok(ApiOrigin { scheme, host, port })
    }

    /// The URL of `path` (which starts with `/`) on this origin.
    pub fn url(&self, path: &str) -> String {
        debug_assert!(path.starts_with('/'));
        format!("{self}{path}")
    }

    /// Whether `url` is on this origin; every request and every redirect
    /// target is checked with this.
    pub fn owns(&self, url: &str) -> bool {
        let prefix = self.to_string();
        url.len() >= prefix.len()
            && url[..prefix.len()].eq_ignore_ascii_case(&prefix)
            && matches!(
                url.as_bytes().get(prefix.len()),
                None | Some(b'/' | b'?' | b'#')
            )
    }

    /// The host permission pattern for this origin, for
    /// `permissions.request`: only this origin, any path.
    pub fn permission_pattern(&self) -> String {
        // Match patterns take no port: the pattern covers the host, and
        // `owns` keeps requests on the exact origin.
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        format!("{scheme}://{}/*", self.host)
    }

    pub fn is_loopback(&self) -> bool {
        is_loopback(&self.host)
    }
}

impl fmt::Display for ApiOrigin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scheme = match self.scheme {
            Scheme::Http => "http",
            Scheme::Https => "https",
        };
        write!(f, "{scheme}://{}", self.host)?;
        if let Some(port) = self.port {
            write!(f, ":{port}")?;
        }
        Ok(())
    }
}

fn split_port(authority: &str) -> Result<(&str, Option<u16>), OriginError> {
    let port_sep = if authority.starts_with('[') {
        authority
            .find(']')
            .map(|i| i + 1)
            .filter(|&i| authority[i..].starts_with(':'))
    } else {
        authority.rfind(':')
    };
    match port_sep {
        Some(i) => {
            let port: u16 =
                authority[i + 1..].parse().map_err(|_| OriginError::Port)?;
            if port == 0 {
                return Err(OriginError::Port);
            }
            Ok((&authority[..i], Some(port)))
        }
        None => Ok((authority, None)),
    }
}

fn canonical_host(host: &str) -> Result<String, OriginError> {
    if let Some(inner) =
        host.strip_prefix('[').and_then(|h| h.strip_suffix(']'))
    {
        let ok = !inner.is_empty()
            && inner
                .bytes()
                .all(|b| b.is_ascii_hexdigit() || b == b':' || b == b'.');
        return if ok {
            Ok(format!("[{}]", inner.to_ascii_lowercase()))
        } else {
            Err(OriginError::Host)
        };
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    let valid = !host.is_empty()
        && host.len() <= 253
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    if valid { Ok(host) } else { Err(OriginError::Host) }
}

/// The loopback hosts plain HTTP is allowed to, exactly the ones the
/// manifest's `optional_host_permissions` list for `http://`.
fn is_loopback(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "[::1]")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(input: &str) -> String {
        ApiOrigin::parse(input)
            .unwrap_or_else(|e| panic!("{input}: {e}"))
            .to_string()
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(ok("http://localhost:8090"), "http://localhost:8090");
        assert_eq!(ok("localhost:8090/"), "http://localhost:8090");
        assert_eq!(
            ok("HTTPS://FaultMaven.Example.com:443/"),
            "https://faultmaven.example.com"
        );
        assert_eq!(
            ok("faultmaven.example.com"),
            "https://faultmaven.example.com"
        );
        assert_eq!(ok("http://127.0.0.1:41234"), "http://127.0.0.1:41234");
        assert_eq!(ok("http://[::1]:8090"), "http://[::1]:8090");
    }

    #[test]
    fn refusals_say_why() {
        let err = |i: &str| ApiOrigin::parse(i).unwrap_err();
        assert_eq!(err(""), OriginError::Empty);
        assert_eq!(err("ftp://x"), OriginError::Scheme("ftp".into()));
        assert_eq!(
            err("http://faultmaven.example.com"),
            OriginError::Insecure("faultmaven.example.com".into())
        );
        assert_eq!(err("https://x.example.com/api"), OriginError::Path);
        assert_eq!(err("https://u:p@x.example.com"), OriginError::Credentials);
        assert_eq!(err("https://x.example.com:99999"), OriginError::Port);
        assert_eq!(err("https://bad_host"), OriginError::Host);
    }

    #[test]
    fn owns_only_its_origin() {
        let o = ApiOrigin::parse("http://127.0.0.1:8090").unwrap();
        assert!(o.owns("http://127.0.0.1:8090/api/v1/cases"));
        assert!(o.owns("http://127.0.0.1:8090"));
        assert!(!o.owns("http://127.0.0.1:8091/api"));
        assert!(!o.owns("http://127.0.0.1:80900/api"));
        assert!(!o.owns("http://127.0.0.1:8090.evil.example/api"));
        assert!(!o.owns("https://127.0.0.1:8090/api"));
        assert_eq!(o.permission_pattern(), "http://127.0.0.1/*");
    }
}
