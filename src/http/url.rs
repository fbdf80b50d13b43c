//! URL rules: https everywhere except loopback, redaction for logs, and
//! joining a base URL with a path.

use crate::error::sanitize;
use std::net::IpAddr;
use url::Url;

/// Parses a URL and applies the transport rule: https anywhere, plain http
/// only to loopback hosts.
pub fn check_url(url: &str) -> Result<Url, String> {
    let u = Url::parse(url).map_err(|e| format!("invalid URL '{}': {e}", sanitize(url)))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" if is_loopback(&u) => Ok(u),
        "http" => Err(format!(
            "refusing plain http to {}: tokens and passwords would cross the network unencrypted; use https (http is allowed only for localhost, 127.0.0.0/8 and ::1)",
            u.host_str().unwrap_or("?")
        )),
        other => Err(format!(
            "unsupported URL scheme '{other}' in {}",
            sanitize(url)
        )),
    }
}

/// Whether `u` names this machine (`localhost`, 127.0.0.0/8, ::1).
pub fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

const SENSITIVE_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "password",
    "client_secret",
    "jwt",
    "bearer_token",
    "device_code",
    "code_verifier",
    "state",
];

/// The URL with the values of sensitive query parameters replaced.
pub fn redact_url(u: &Url) -> String {
    let mut r = u.clone();
    // `user:password@` in a URL is a credential too.
    if !r.username().is_empty() || r.password().is_some() {
        let _ = r.set_username("REDACTED");
        let _ = r.set_password(None);
    }
    if u.query().is_none() {
        return r.to_string();
    }
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if SENSITIVE_PARAMS.contains(&k.as_ref()) {
                "REDACTED".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    r.query_pairs_mut().clear().extend_pairs(pairs);
    r.to_string()
}

/// `base` without a trailing slash, joined with `path`.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_rule() {
        for ok in [
            "https://example.com/x",
            "http://localhost:8080/x",
            "http://127.0.0.1/x",
            "http://127.5.6.7:1/x",
            "http://[::1]:99/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/",
            "http://10.0.0.1/",
            "ftp://localhost/",
            "not a url",
            "http://localhost.evil.com/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn redacts_query() {
        let u = Url::parse("https://h/p?code=abc&x=1&access_token=zzz").unwrap();
        let s = redact_url(&u);
        assert!(!s.contains("abc") && !s.contains("zzz"), "{s}");
        assert!(s.contains("x=1"));
        let u = Url::parse("https://bob:hunter2@h/p").unwrap();
        assert_eq!(redact_url(&u), "https://REDACTED@h/p");
    }

    #[test]
    fn join_handles_slashes() {
        assert_eq!(join("https://a/", "/x"), "https://a/x");
        assert_eq!(join("https://a", "/x"), "https://a/x");
    }
}
