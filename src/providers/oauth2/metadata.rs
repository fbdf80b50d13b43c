//! Authorization server metadata, read once at login and remembered in the
//! profile, so later commands never fetch it again. Two documents say where
//! a server's endpoints are, and servers publish one, the other or both:
//!
//! - OpenID Connect discovery, `<issuer>/.well-known/openid-configuration`;
//! - OAuth 2.0 authorization server metadata (RFC 8414 §3), at
//!   `https://HOST/.well-known/oauth-authorization-server/<issuer path>`,
//!   else (as many servers actually serve it) at
//!   `<issuer>/.well-known/oauth-authorization-server`.
//!
//! Django OAuth Toolkit, for one, lists its revocation endpoint only in the
//! second, so both are read and merged, OpenID's value first where both
//! name an endpoint.
//!
//! Each document is checked as OpenID Connect Discovery §4.3 and RFC 8414
//! §3.3 ask: its `issuer` must be the one we asked (a mismatch means a
//! misconfigured proxy or an impersonation attempt), and every endpoint
//! must obey the transport rule (https, or http on loopback). A document
//! that is absent (404, or any other 4xx: the server has none for us) is
//! fine as long as one of them exists; one that is there but broken (5xx,
//! an HTML page, JSON that is not an object, a wrong issuer) is exit 4,
//! with a hint about the usual mistake in `--issuer`.

use crate::config::Endpoints;
use crate::error::{Failure, remote, sanitize};
use crate::http::{Auth, Http, check_url, join};
use crate::providers::wire::str_field;
use serde_json::Value;
use url::Url;

/// What the metadata says about a server.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metadata {
    pub endpoints: Endpoints,
    /// `token_endpoint_auth_methods_supported`, when a document lists it.
    pub auth_methods: Option<Vec<String>>,
}

/// The OpenID Connect discovery document's URL for `issuer`.
pub fn openid_url(issuer: &str) -> String {
    join(issuer, "/.well-known/openid-configuration")
}

/// The RFC 8414 metadata URLs for `issuer`, in the order they are tried:
/// the well-known segment inserted before the issuer's path, then appended
/// to it (the same URL once for an issuer without a path).
pub fn oauth_urls(issuer: &str) -> Vec<String> {
    let appended = join(issuer, "/.well-known/oauth-authorization-server");
    let Ok(mut u) = Url::parse(issuer) else {
        return vec![appended];
    };
    let path = u.path().trim_end_matches('/').to_string();
    u.set_path(&format!("/.well-known/oauth-authorization-server{path}"));
    u.set_query(None);
    let inserted = u.to_string();
    if inserted == appended {
        vec![inserted]
    } else {
        vec![inserted, appended]
    }
}

/// Reads, checks and merges the metadata documents of `issuer`.
pub fn fetch(http: &Http, issuer: &str) -> Result<Metadata, Failure> {
    let hint = issuer_hint(issuer);
    let openid_url = openid_url(issuer);
    let with_hint = |e: Failure| e.hint(hint.clone());
    let (openid, status) = document(http, &openid_url, issuer, OPENID).map_err(with_hint)?;
    let mut oauth = None;
    for url in oauth_urls(issuer) {
        oauth = document(http, &url, issuer, OAUTH).map_err(with_hint)?.0;
        if oauth.is_some() {
            break;
        }
    }
    let found = match (openid, oauth) {
        (None, None) => {
            return Err(remote(format!(
                "OpenID Connect discovery at {openid_url} failed: HTTP {status}, and the server publishes no OAuth authorization server metadata (RFC 8414) either"
            ))
            .hint(hint));
        }
        (Some(mut first), Some(second)) => {
            first.endpoints.fill(second.endpoints);
            first.auth_methods = first.auth_methods.or(second.auth_methods);
            first
        }
        (Some(one), None) | (None, Some(one)) => one,
    };
    if found.endpoints.token.is_none() {
        return Err(remote(format!(
            "the metadata of issuer '{}' lists no token_endpoint",
            sanitize(issuer)
        ))
        .hint(hint));
    }
    Ok(found)
}

const OPENID: &str = "OpenID Connect discovery";
const OAUTH: &str = "OAuth authorization server metadata";

/// One document and the HTTP status: `None` when the server has none at `url`.
fn document(
    http: &Http,
    url: &str,
    issuer: &str,
    what: &str,
) -> Result<(Option<Metadata>, u16), Failure> {
    let resp = http.get(url, Auth::None)?;
    if (400..500).contains(&resp.status) {
        return Ok((None, resp.status));
    }
    if !resp.ok() {
        return Err(remote(format!(
            "{what} at {url} failed: {}",
            resp.status_summary()
        )));
    }
    let doc = resp.json(what)?;
    Ok((Some(parse(&doc, issuer, what)?), resp.status))
}

/// Reads the endpoints out of a metadata document for `issuer`.
fn parse(doc: &Value, issuer: &str, what: &str) -> Result<Metadata, Failure> {
    if !doc.is_object() {
        return Err(remote(format!("{what}: the document is not a JSON object")));
    }
    let found = str_field(doc, "issuer")
        .ok_or_else(|| remote(format!("{what}: the document names no issuer")))?;
    if found.trim_end_matches('/') != issuer.trim_end_matches('/') {
        return Err(remote(format!(
            "{what}: the document is for issuer '{}', not '{}'; refusing to use it",
            sanitize(found),
            sanitize(issuer)
        )));
    }
    let url = |key: &str| -> Result<Option<String>, Failure> {
        match str_field(doc, key) {
            None => Ok(None),
            Some(u) => check_url(u)
                .map(|_| Some(u.to_string()))
                .map_err(|why| remote(format!("{what}: unusable {key}: {why}"))),
        }
    };
    let mut endpoints = Endpoints::default();
    for (names, slot) in endpoints.iter_mut() {
        *slot = url(names.metadata)?;
    }
    let auth_methods = doc
        .get("token_endpoint_auth_methods_supported")
        .and_then(Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(Value::as_str)
                .take(32)
                .map(sanitize)
                .collect()
        });
    Ok(Metadata {
        endpoints,
        auth_methods,
    })
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
            "pushed_authorization_request_endpoint": "https://kc.example/realms/r/protocol/openid-connect/ext/par/request",
            "code_challenge_methods_supported": ["plain", "S256"],
            "token_endpoint_auth_methods_supported": ["private_key_jwt", "client_secret_basic"]
        })
    }

    fn parse_doc(d: &Value, iss: &str) -> Result<Metadata, Failure> {
        parse(d, iss, OPENID)
    }

    #[test]
    fn reads_keycloak_shape() {
        let m = parse_doc(&doc(), ISS).unwrap();
        let e = m.endpoints;
        assert!(e.token.unwrap().ends_with("/protocol/openid-connect/token"));
        assert!(e.device.unwrap().ends_with("/auth/device"));
        assert!(e.introspection.unwrap().ends_with("/token/introspect"));
        assert!(e.par.unwrap().ends_with("/ext/par/request"));
        assert_eq!(
            m.auth_methods.unwrap(),
            ["private_key_jwt", "client_secret_basic"]
        );
        assert!(
            parse_doc(&doc(), &format!("{ISS}/")).is_ok(),
            "a trailing slash is no mismatch"
        );
    }

    #[test]
    fn refuses_bad_documents() {
        let mut other = doc();
        other["issuer"] = json!("https://evil.example/realms/r");
        let e = parse_doc(&other, ISS).unwrap_err();
        assert!(e.message().contains("not 'https://kc.example/realms/r'"));
        let mut insecure = doc();
        insecure["revocation_endpoint"] = json!("http://kc.example/revoke");
        assert!(
            parse_doc(&insecure, ISS)
                .unwrap_err()
                .message()
                .contains("revocation_endpoint")
        );
        assert!(parse_doc(&json!([1]), ISS).is_err());
        assert!(parse_doc(&json!({"token_endpoint": "https://x/t"}), ISS).is_err());
    }

    #[test]
    fn rfc8414_urls() {
        assert_eq!(
            oauth_urls("https://kc.example/realms/r/"),
            [
                "https://kc.example/.well-known/oauth-authorization-server/realms/r",
                "https://kc.example/realms/r/.well-known/oauth-authorization-server",
            ]
        );
        assert_eq!(
            oauth_urls("https://as.example"),
            ["https://as.example/.well-known/oauth-authorization-server"]
        );
    }

    #[test]
    fn explicit_endpoints_win() {
        let mut mine = Endpoints {
            token: Some("https://mine/token".into()),
            ..Endpoints::default()
        };
        mine.fill(parse_doc(&doc(), ISS).unwrap().endpoints);
        assert_eq!(mine.token.as_deref(), Some("https://mine/token"));
        assert!(mine.auth.is_some());
    }
}
