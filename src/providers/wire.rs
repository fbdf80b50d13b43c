//! What the providers share on the wire: how a failed credential-bearing
//! request is classified, the OAuth-shaped token answer most APIs send, and
//! readers for fields that arrive loosely typed.

use crate::error::{Failure, Kind, remote};
use crate::http::{Auth, Body, Http, Response, join};
use crate::secret::Secret;
use crate::token::{RefreshExpiry, TokenSet, claim_i64, expiry_after};
use serde_json::Value;

/// Reads a failed response to a credential-bearing request (`what` is e.g.
/// "login" or "refresh"). 401, or 400/403 with a JSON error, means the
/// server rejected the credentials or token: exit 3. Anything else — 5xx,
/// 429, HTML from a proxy — is the server's failure: exit 4. A 429 is never
/// retried: against a lock-out ("too many failed attempts") another try
/// only prolongs it.
pub fn auth_failure(resp: &Response, what: &str) -> Failure {
    let rejected =
        resp.status == 401 || (matches!(resp.status, 400 | 403) && resp.error_text().is_some());
    if rejected {
        let why = resp
            .server_text()
            .unwrap_or_else(|| format!("HTTP {}", resp.status));
        Failure::new(
            Kind::LoginRequired,
            format!("the server rejected the {what}: {why}"),
        )
    } else if resp.status == 429 {
        let mut f = remote(format!("{what} failed: {}", resp.status_summary()))
            .hint("the server is limiting attempts: wait a while before trying again");
        f.retry_after = resp.retry_after;
        f
    } else {
        let mut f = remote(format!("{what} failed: {}", resp.status_summary()));
        f.retry_after = resp.retry_after;
        f
    }
}

/// POSTs `body` as JSON to `path` under `base`, unauthenticated: how the
/// bespoke APIs take credentials and refresh tokens.
pub fn post_json(http: &Http, base: &str, path: &str, body: &Value) -> Result<Response, Failure> {
    http.post(&join(base, path), Auth::None, Body::Json(body))
}

/// An id that may arrive as a number or as a string (CollectiveAccess and
/// MakeShift send ints; docs/providers/README.md, "Loose types"), as a string.
pub fn id_field(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        _ => None,
    }
}

/// An OAuth-shaped token answer (see [`parse_token_response`]) with its
/// JSON, for providers that also read other fields of it.
pub fn token_answer(resp: Response, what: &str) -> Result<(TokenSet, Value), Failure> {
    let (resp, v) = expect_json(resp, what)?;
    Ok((parse_token_response(&resp, &v, what)?, v))
}

/// A JSON object's string field.
pub fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// Parses an OAuth-shaped token response (`access_token`, `token_type`,
/// `expires_in`, `refresh_token`, `refresh_expires_in`, `id_token`, `scope`),
/// the shape RealMassive, Keycloak, Vivacity and Doorkeeper share.
///
/// Expiry: `expires_in` counted from when the request was sent; else the
/// access JWT's `exp` corrected by the server's clock offset. A
/// `refresh_expires_in` of 0 with a refresh token present means "never"
/// (Keycloak offline tokens); without a refresh token it means nothing.
pub fn parse_token_response(resp: &Response, v: &Value, what: &str) -> Result<TokenSet, Failure> {
    let access = str_field(v, "access_token")
        .ok_or_else(|| remote(format!("{what}: the server's answer has no access_token")))?;
    let token_type = str_field(v, "token_type").unwrap_or("Bearer");
    if !token_type.eq_ignore_ascii_case("bearer") {
        return Err(remote(format!(
            "{what}: the server issued a '{}' token; only bearer tokens are supported",
            crate::error::sanitize(token_type)
        )));
    }
    let mut ts = TokenSet::bearer(access.to_string());
    ts.token_type = token_type.to_string();
    ts.obtained_at = resp.sent_at;
    ts.expires_at = claim_i64(v, "expires_in").map(|s| expiry_after(resp.sent_at, s));
    ts.expiry_from_jwt(resp.clock_offset);
    ts.refresh_token = str_field(v, "refresh_token").map(|s| Secret::new(s.to_string()));
    if let Some(rt) = &ts.refresh_token {
        ts.refresh_expiry = match claim_i64(v, "refresh_expires_in") {
            Some(0) => RefreshExpiry::Never,
            Some(s) => RefreshExpiry::At(expiry_after(resp.sent_at, s)),
            None => RefreshExpiry::from_jwt(rt.expose(), resp.clock_offset),
        };
    }
    ts.id_token = str_field(v, "id_token").map(|s| Secret::new(s.to_string()));
    ts.scope = str_field(v, "scope").map(str::to_string);
    Ok(ts)
}

/// The JSON body of a 2xx response, else the [`auth_failure`] for `what`.
pub fn expect_json(resp: Response, what: &str) -> Result<(Response, Value), Failure> {
    if !resp.ok() {
        return Err(auth_failure(&resp, what));
    }
    let v = resp.json(what)?;
    Ok((resp, v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_as_strings() {
        let v = serde_json::json!({"int": 7443, "str": "2", "empty": "", "null": null});
        assert_eq!(id_field(&v, "int").as_deref(), Some("7443"));
        assert_eq!(id_field(&v, "str").as_deref(), Some("2"));
        assert_eq!(id_field(&v, "empty"), None);
        assert_eq!(id_field(&v, "null"), None);
        assert_eq!(id_field(&v, "missing"), None);
    }
}
