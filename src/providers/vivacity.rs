//! Vivacity Labs (`vivacity`): `POST /get-token` with a username and
//! password answers with a Keycloak token pair (600 s access, 1800 s
//! refresh, `token_type: bearer`); `POST /refresh-token` renews it.
//!
//! Choices where the document is vague (docs/providers/vivacity.md):
//! - `/refresh-token` is undocumented (the document says "TODO", and no public
//!   code or page shows it). tokctl POSTs JSON `{"refresh_token": …}`:
//!   `/get-token` is a thin wrapper that takes JSON named after the fields
//!   of the Keycloak grant it wraps (`username`, `password`) and passes
//!   Keycloak's answer through unchanged, so its sibling most plausibly
//!   takes the refresh grant's own field, `refresh_token`, the same way and
//!   answers with the same token response. If the server refuses JSON
//!   (415), the same field is sent once more form-encoded, the encoding
//!   public clients use for `/get-token`.
//! - Keycloak rotates the refresh token on every refresh; the new one is
//!   stored before the access token is handed out (the session does this).
//! - A rejected refresh (400/401, Keycloak's "Token is not active" once the
//!   30-minute SSO idle time has passed), or a server without the endpoint
//!   (404/405), means the refresh token is of no use: the session logs in
//!   again when the password is saved, else exit 3.
//! - 429 "Too many failed attempts" is exit 4 with the server's text and no
//!   retry: another attempt would only prolong the lock-out.
//! - No `info --remote` and no revocation: the document names no endpoint
//!   for either (`info` still decodes the access JWT locally).

use super::wire::{post_json, token_answer};
use super::{Caps, Credentials, Interaction, Provider};
use crate::config::Profile;
use crate::error::{Failure, Kind};
use crate::http::{Auth, Body, Http, Response, join};
use crate::secret::Secret;
use crate::token::TokenSet;
use serde_json::json;

const DEFAULT_BASE: &str = "https://api.vivacitylabs.com";
const GET_TOKEN: &str = "/get-token";
const REFRESH_TOKEN: &str = "/refresh-token";

/// The Vivacity Labs API's token endpoints.
pub struct Vivacity {
    base: String,
}

impl Vivacity {
    /// From the profile's base URL or the default.
    pub fn new(p: &Profile) -> Result<Self, Failure> {
        Ok(Vivacity {
            base: p.base_url.clone().unwrap_or_else(|| DEFAULT_BASE.into()),
        })
    }

    fn tokens(resp: Response, what: &str) -> Result<TokenSet, Failure> {
        token_answer(resp, what).map(|(ts, _)| ts)
    }
}

impl Provider for Vivacity {
    fn caps(&self) -> Caps {
        Caps::PASSWORD_WITH_REFRESH
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        vec![
            ("login", join(&self.base, GET_TOKEN)),
            ("refresh", join(&self.base, REFRESH_TOKEN)),
        ]
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        _how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let (username, password) =
            creds.username_password("vivacity", "--username and a password")?;
        let body = json!({"username": username, "password": password.expose()});
        Self::tokens(post_json(http, &self.base, GET_TOKEN, &body)?, "login")
    }

    fn refresh(
        &self,
        http: &Http,
        rt: &Secret<String>,
        _creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        let body = json!({"refresh_token": rt.expose()});
        let mut resp = post_json(http, &self.base, REFRESH_TOKEN, &body)?;
        if resp.status == 415 {
            let form = [("refresh_token", rt.expose().as_str())];
            resp = http.post(
                &join(&self.base, REFRESH_TOKEN),
                Auth::None,
                Body::Form(&form),
            )?;
        }
        if matches!(resp.status, 404 | 405) {
            return Err(Failure::new(
                Kind::LoginRequired,
                format!(
                    "the server has no refresh endpoint (HTTP {} from {REFRESH_TOKEN})",
                    resp.status
                ),
            ));
        }
        Self::tokens(resp, "refresh")
    }
}
