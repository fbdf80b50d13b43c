//! `--auth-param KEY=VALUE` and `--token-param KEY=VALUE`: what a server
//! needs beyond the standard requests (Google's `access_type=offline`,
//! Auth0's `audience`, `acr_values`, `prompt`, …), stored in the profile.
//!
//! A parameter that tokctl sets itself cannot be given this way: the PKCE
//! challenge, `state`, the redirect URI or the grant are what make the
//! login safe and correct, and a second `client_id` or `scope` would make
//! the request ambiguous (servers take the first, or the last, or refuse).

use crate::error::{Failure, sanitize, usage};

/// Which request a parameter goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// The authorization request (`--auth-param`), and the device
    /// authorization request, its counterpart without a browser.
    Authorization,
    /// Every token request (`--token-param`): login and refresh.
    Token,
}

impl Request {
    fn flag(self) -> &'static str {
        match self {
            Request::Authorization => "--auth-param",
            Request::Token => "--token-param",
        }
    }

    /// The parameters tokctl sets in this request.
    fn reserved(self) -> &'static [&'static str] {
        match self {
            Request::Authorization => &[
                "response_type",
                "client_id",
                "redirect_uri",
                "scope",
                "state",
                "code_challenge",
                "code_challenge_method",
                "nonce",
                "request_uri",
                "request",
                "response_mode",
            ],
            Request::Token => &[
                "grant_type",
                "client_id",
                "client_secret",
                "client_assertion",
                "client_assertion_type",
                "code",
                "code_verifier",
                "redirect_uri",
                "refresh_token",
                "device_code",
                "username",
                "password",
                "scope",
            ],
        }
    }

    /// Whether tokctl sets `key` itself.
    pub fn is_reserved(self, key: &str) -> bool {
        self.reserved().contains(&key)
    }
}

/// Checks `KEY=VALUE` arguments: a key of URL-safe characters, not one
/// tokctl sets.
pub fn check(raw: &[String], request: Request) -> Result<(), Failure> {
    for item in raw {
        let (key, _) = split(item).ok_or_else(|| {
            usage(format!(
                "{} '{}' is not KEY=VALUE",
                request.flag(),
                sanitize(item)
            ))
            .hint(format!("e.g. {} access_type=offline", request.flag()))
        })?;
        if request.is_reserved(key) {
            return Err(usage(format!(
                "{} {key}=… would override a parameter that tokctl sets itself",
                request.flag()
            ))
            .hint(match key {
                "scope" => "give scopes with --scope".to_string(),
                "redirect_uri" => "give the redirect URI with --redirect-uri".to_string(),
                "client_id" => "give the client id with --client-id".to_string(),
                _ => format!(
                    "tokctl sets {} itself: {}",
                    request.reserved().join(", "),
                    "leave them out"
                ),
            }));
        }
    }
    Ok(())
}

/// The usable pairs of `raw` (stored values; reserved or malformed ones,
/// which only a hand-edited profile can hold, are left out).
pub fn pairs(raw: &[String], request: Request) -> Vec<(String, String)> {
    raw.iter()
        .filter_map(|item| split(item))
        .filter(|(k, _)| !request.is_reserved(k))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn split(item: &str) -> Option<(&str, &str)> {
    let (k, v) = item.split_once('=')?;
    let ok = !k.is_empty()
        && k.len() <= 64
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"_-.:~".contains(&b));
    ok.then_some((k, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owned(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn accepts_extra_parameters() {
        let raw = owned(&["access_type=offline", "prompt=consent", "acr_values=a b=c"]);
        check(&raw, Request::Authorization).unwrap();
        assert_eq!(
            pairs(&raw, Request::Authorization)[2],
            ("acr_values".to_string(), "a b=c".to_string())
        );
        check(
            &owned(&["audience=https://api", "resource=urn:x"]),
            Request::Token,
        )
        .unwrap();
    }

    #[test]
    fn refuses_what_tokctl_sets_and_malformed_ones() {
        for (raw, req, needle) in [
            ("state=x", Request::Authorization, "--auth-param state=…"),
            ("code_challenge=x", Request::Authorization, "override"),
            ("scope=all", Request::Authorization, "override"),
            (
                "grant_type=password",
                Request::Token,
                "--token-param grant_type",
            ),
            ("client_assertion=x", Request::Token, "override"),
            ("novalue", Request::Token, "is not KEY=VALUE"),
            ("=x", Request::Token, "is not KEY=VALUE"),
            ("a b=c", Request::Authorization, "is not KEY=VALUE"),
        ] {
            let e = check(&owned(&[raw]), req).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Usage, "{raw}");
            assert!(e.message().contains(needle), "{raw}: {}", e.message());
        }
        assert!(pairs(&owned(&["state=x", "ok=1"]), Request::Authorization).len() == 1);
    }
}
