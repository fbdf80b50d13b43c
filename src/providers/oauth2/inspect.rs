//! `info --remote`: what the server says about the access token.
//!
//! RFC 7662 introspection when the profile knows the endpoint *and* the
//! client is confidential (introspection needs client authentication, and
//! it answers for any token, including opaque ones and revoked ones:
//! `active: false`); else the OpenID Connect userinfo endpoint with the
//! bearer token. The answer is labelled with the endpoint that gave it.

use super::client::Client;
use super::settings::Settings;
use crate::error::{Failure, usage};
use crate::http::{Auth, Http};
use crate::providers::wire::{auth_failure, expect_json};
use crate::secret::Secret;
use serde_json::{Value, json};

/// Asks introspection or userinfo about `access`.
pub fn remote_info(
    s: &Settings,
    client: Option<Client<'_>>,
    http: &Http,
    access: &Secret<String>,
) -> Result<Value, Failure> {
    if let (Some(url), Some(client)) = (&s.endpoints.introspection, &client)
        && client.authenticates()
    {
        let resp = client.post(
            http,
            url,
            &[
                ("token", access.expose()),
                ("token_type_hint", "access_token"),
            ],
        )?;
        if !resp.ok() {
            return Err(client.token_failure(&resp, "introspection request"));
        }
        let (_, v) = expect_json(resp, "introspection")?;
        return Ok(json!({ "introspection": v }));
    }
    if let Some(url) = &s.endpoints.userinfo {
        let resp = http.get(url, Auth::Bearer(access))?;
        if !resp.ok() {
            return Err(auth_failure(&resp, "userinfo request"));
        }
        let v = resp.json("userinfo")?;
        return Ok(json!({ "userinfo": v }));
    }
    Err(
        usage("`info --remote`: this profile knows no userinfo or introspection endpoint").hint(
            "log in with --issuer so that discovery finds them, or set userinfo_url or introspection_url in the profile file",
        ),
    )
}
