//! What tokctl checks in an ID token, and who the tokens say the user is.
//!
//! The ID token arrives straight from the token endpoint over TLS, so its
//! signature need not be checked (OpenID Connect Core §3.1.3.7 item 6);
//! the claims that bind it to *this* login still are: `nonce` (when the
//! token has one: some servers leave it out), `aud` (must name our client)
//! and `iss` (must be the discovered issuer, when there is one). A
//! mismatch means a replayed or injected token: exit 4, nothing stored.

use crate::error::{Failure, remote, sanitize};
use crate::providers::wire::str_field;
use crate::token::{TokenSet, UserInfo, decode_jwt};
use serde_json::Value;

/// What the ID token must match.
pub struct Expect<'a> {
    pub nonce: Option<&'a str>,
    pub client_id: &'a str,
    pub issuer: Option<&'a str>,
}

/// Checks the ID token of `ts`, if it has one.
pub fn check(ts: &TokenSet, want: &Expect<'_>) -> Result<(), Failure> {
    let Some(token) = &ts.id_token else {
        return Ok(());
    };
    let claims = decode_jwt(token.expose())
        .ok_or_else(|| remote("the server's id_token is not a readable JWT"))?
        .claims;
    if let (Some(nonce), Some(got)) = (want.nonce, claims.get("nonce"))
        && got.as_str() != Some(nonce)
    {
        return Err(remote(
            "the id_token's nonce does not match this login (a replayed or injected token); nothing was stored",
        ));
    }
    let aud_ok = match claims.get("aud") {
        Some(Value::String(a)) => a == want.client_id,
        Some(Value::Array(a)) => a.iter().any(|v| v.as_str() == Some(want.client_id)),
        _ => true,
    };
    if !aud_ok {
        return Err(remote(format!(
            "the id_token was issued for another client, not '{}'; nothing was stored",
            sanitize(want.client_id)
        )));
    }
    if let (Some(issuer), Some(iss)) = (want.issuer, str_field(&claims, "iss"))
        && iss.trim_end_matches('/') != issuer.trim_end_matches('/')
    {
        return Err(remote(format!(
            "the id_token comes from issuer '{}', not '{}'; nothing was stored",
            sanitize(iss),
            sanitize(issuer)
        )));
    }
    Ok(())
}

/// The user named by the ID token, else by the access token when it is a
/// JWT (Keycloak's carries `preferred_username` and `email`).
pub fn user(ts: &TokenSet) -> Option<UserInfo> {
    let claims = ts
        .id_token
        .as_ref()
        .and_then(|t| decode_jwt(t.expose()))
        .or_else(|| decode_jwt(ts.access_token.expose()))?
        .claims;
    let s = |k: &str| str_field(&claims, k).map(str::to_string);
    let u = UserInfo {
        id: s("sub"),
        name: s("preferred_username").or_else(|| s("name")),
        email: s("email"),
    };
    (u != UserInfo::default()).then_some(u)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use base64::Engine;
    use serde_json::json;

    fn jwt(claims: Value) -> String {
        let e = |v: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.sig", e(json!({"alg":"RS256"})), e(claims))
    }

    fn with_id(claims: Value) -> TokenSet {
        let mut ts = TokenSet::bearer("opaque".into());
        ts.id_token = Some(Secret::new(jwt(claims)));
        ts
    }

    const WANT: Expect<'static> = Expect {
        nonce: Some("n1"),
        client_id: "cli",
        issuer: Some("https://idp/realms/r"),
    };

    #[test]
    fn accepts_matching_claims() {
        let ts = with_id(
            json!({"iss":"https://idp/realms/r","aud":["x","cli"],"nonce":"n1","sub":"u1","email":"a@b"}),
        );
        check(&ts, &WANT).unwrap();
        let u = user(&ts).unwrap();
        assert_eq!(
            (u.id.as_deref(), u.email.as_deref()),
            (Some("u1"), Some("a@b"))
        );
        check(&with_id(json!({"aud":"cli"})), &WANT).expect("nonce is checked only when present");
        check(&TokenSet::bearer("x".into()), &WANT).expect("no id_token, nothing to check");
    }

    #[test]
    fn refuses_mismatches() {
        for claims in [
            json!({"aud":"cli","nonce":"other"}),
            json!({"aud":"someone-else"}),
            json!({"aud":"cli","iss":"https://evil/realms/r"}),
        ] {
            let e = check(&with_id(claims.clone()), &WANT).unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Remote, "{claims}");
        }
        let mut ts = TokenSet::bearer("x".into());
        ts.id_token = Some(Secret::new("not-a-jwt".into()));
        assert!(check(&ts, &WANT).is_err());
    }
}
