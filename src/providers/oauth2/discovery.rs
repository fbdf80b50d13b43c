//! OpenID Connect discovery: `<issuer>/.well-known/openid-configuration`,
//! fetched once at login; the endpoints it lists are remembered in the
//! profile, so later commands never fetch it again.
//!
//! The document is checked as OpenID Connect Discovery §4.3 asks: its
//! `issuer` must be the one we asked (a mismatch means a misconfigured
//! proxy or an impersonation attempt), and every endpoint must obey the
//! transport rule (https, or http on loopback). Anything else — 404, an
//! HTML login page, JSON without a token endpoint — is exit 4, with a hint
//! about the usual mistake in `--issuer`.

use super::settings::Endpoints;
use crate::error::{Failure, remote, sanitize};
use crate::http::{Auth, Http, check_url, join};
use crate::providers::wire::str_field;
use serde_json::Value;

/// The discovery document's URL for `issuer`.
pub fn document_url(issuer: &str) -> String {
    join(issuer, "/.well-known/openid-configuration")
}

/// Fetches and checks the discovery document; returns its endpoints.
pub fn fetch(http: &Http, issuer: &str) -> Result<Endpoints, Failure> {
    let url = document_url(issuer);
    let hint = issuer_hint(issuer);
    let resp = http.get(&url, Auth::None)?;
    if !resp.ok() {
        return Err(remote(format!(
            "OpenID Connect discovery at {url} failed: {}",
            resp.status_summary()
        ))
        .hint(hint));
    }
    let doc = resp
        .json("OpenID Connect discovery")
        .map_err(|e| e.hint(hint.clone()))?;
    parse(&doc, issuer).map_err(|e| e.hint(hint))
}

/// Reads the endpoints out of a discovery document for `issuer`.
fn parse(doc: &Value, issuer: &str) -> Result<Endpoints, Failure> {
    if !doc.is_object() {
        return Err(remote(
            "OpenID Connect discovery: the document is not a JSON object",
        ));
    }
    let found = str_field(doc, "issuer")
        .ok_or_else(|| remote("OpenID Connect discovery: the document names no issuer"))?;
    if found.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(remote(format!(
            "OpenID Connect discovery: the document is for issuer '{}', not '{}'; refusing to use it",
            sanitize(found),
            sanitize(issuer)
        )));
    }
    let url = |key: &str| -> Result<Option<String>, Failure> {
        match str_field(doc, key) {
            None => Ok(None),
            Some(u) => check_url(u)
                .map(|_| Some(u.to_string()))
                .map_err(|why| remote(format!("OpenID Connect discovery: unusable {key}: {why}"))),
        }
    };
    let endpoints = Endpoints {
        token: url("token_endpoint")?,
        auth: url("authorization_endpoint")?,
        device: url("device_authorization_endpoint")?,
        revocation: url("revocation_endpoint")?,
        introspection: url("introspection_endpoint")?,
        userinfo: url("userinfo_endpoint")?,
    };
    if endpoints.token.is_none() {
        return Err(remote(
            "OpenID Connect discovery: the document lists no token_endpoint",
        ));
    }
    Ok(endpoints)
}

/// Fills the endpoints the user did not give explicitly.
pub fn fill(explicit: &mut Endpoints, found: Endpoints) {
    let set = |slot: &mut Option<String>, v: Option<String>| {
        if slot.is_none() {
            *slot = v;
        }
    };
    set(&mut explicit.token, found.token);
    set(&mut explicit.auth, found.auth);
    set(&mut explicit.device, found.device);
    set(&mut explicit.revocation, found.revocation);
    set(&mut explicit.introspection, found.introspection);
    set(&mut explicit.userinfo, found.userinfo);
}

fn issuer_hint(issuer: &str) -> String {
    let mut h = "--issuer is the URL in front of /.well-known/openid-configuration (Keycloak: https://HOST/realms/REALM); or give --token-url (and --auth-url or --device-url) instead".to_string();
    if issuer.contains("/realms/") && !issuer.contains("/auth/realms/") {
        h.push_str("; Keycloak before version 17 serves realms under /auth/realms/");
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ISS: &str = "https://kc.example/realms/r";

    fn doc() -> Value {
        json!({
            "issuer": ISS,
            "authorization_endpoint": "https://kc.example/realms/r/protocol/openid-connect/auth",
            "token_endpoint": "https://kc.example/realms/r/protocol/openid-connect/token",
            "device_authorization_endpoint": "https://kc.example/realms/r/protocol/openid-connect/auth/device",
            "revocation_endpoint": "https://kc.example/realms/r/protocol/openid-connect/revoke",
            "introspection_endpoint": "https://kc.example/realms/r/protocol/openid-connect/token/introspect",
            "userinfo_endpoint": "https://kc.example/realms/r/protocol/openid-connect/userinfo",
            "code_challenge_methods_supported": ["plain", "S256"]
        })
    }

    #[test]
    fn reads_keycloak_shape() {
        let e = parse(&doc(), ISS).unwrap();
        assert!(e.token.unwrap().ends_with("/protocol/openid-connect/token"));
        assert!(e.device.unwrap().ends_with("/auth/device"));
        assert!(e.introspection.unwrap().ends_with("/token/introspect"));
        assert!(
            parse(&doc(), &format!("{ISS}/")).is_ok(),
            "a trailing slash is no mismatch"
        );
    }

    #[test]
    fn refuses_bad_documents() {
        let mut other = doc();
        other["issuer"] = json!("https://evil.example/realms/r");
        let e = parse(&other, ISS).unwrap_err();
        assert!(e.message().contains("not 'https://kc.example/realms/r'"));
        let mut insecure = doc();
        insecure["token_endpoint"] = json!("http://kc.example/token");
        assert!(
            parse(&insecure, ISS)
                .unwrap_err()
                .message()
                .contains("token_endpoint")
        );
        let mut none = doc();
        none.as_object_mut().unwrap().remove("token_endpoint");
        assert!(parse(&none, ISS).is_err());
        assert!(parse(&json!([1]), ISS).is_err());
    }

    #[test]
    fn explicit_endpoints_win() {
        let mut mine = Endpoints {
            token: Some("https://mine/token".into()),
            ..Endpoints::default()
        };
        fill(&mut mine, parse(&doc(), ISS).unwrap());
        assert_eq!(mine.token.as_deref(), Some("https://mine/token"));
        assert!(mine.auth.is_some());
    }
}
