//! The OAuth client as the server sees it: its id, its secret when it is
//! confidential, and how it proves them (RFC 6749 §2.3.1) on every
//! request to the token, device, revocation and introspection endpoints.
//!
//! - `basic`: `Authorization: Basic` with id and secret form-urlencoded
//!   before base64 (Organicity's option A); the body carries no client id.
//! - `post`: `client_id` and `client_secret` in the form (option B).
//! - no secret: a public client, `client_id` in the form.
//!
//! Token endpoint failures are read with the shared [`auth_failure`] rules
//! and get a hint naming the setting that is most likely wrong.

use crate::cli::ClientAuth;
use crate::error::{Failure, Kind};
use crate::http::{Auth, Body, Http, Response};
use crate::providers::wire::{auth_failure, expect_json, parse_token_response};
use crate::secret::Secret;
use crate::token::TokenSet;

/// A client ready to authenticate.
pub struct Client<'a> {
    pub id: &'a str,
    pub secret: Option<&'a Secret<String>>,
    pub method: ClientAuth,
}

impl Client<'_> {
    /// POSTs `fields` as a form to `url`, authenticated as this client.
    pub fn post(
        &self,
        http: &Http,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Response, Failure> {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let auth = match (self.secret, self.method) {
            (Some(secret), ClientAuth::Basic) => Auth::Basic(self.id, secret),
            (Some(secret), ClientAuth::Post) => {
                form.push(("client_id", self.id));
                form.push(("client_secret", secret.expose()));
                Auth::None
            }
            (None, _) => {
                form.push(("client_id", self.id));
                Auth::None
            }
        };
        http.post(url, auth, Body::Form(&form))
    }

    /// A token request (`what`: "login", "refresh", …): the parsed token
    /// set, or the classified failure with a hint.
    pub fn token(
        &self,
        http: &Http,
        url: &str,
        fields: &[(&str, &str)],
        what: &str,
    ) -> Result<TokenSet, Failure> {
        let resp = self.post(http, url, fields)?;
        if !resp.ok() {
            return Err(self.token_failure(&resp, what));
        }
        let (resp, v) = expect_json(resp, what)?;
        parse_token_response(&resp, &v, what)
    }

    /// Classifies a failed token-endpoint answer and adds a hint.
    pub fn token_failure(&self, resp: &Response, what: &str) -> Failure {
        let f = auth_failure(resp, what);
        if f.kind != Kind::LoginRequired {
            return f;
        }
        match resp.oauth_error().as_deref() {
            Some("invalid_client" | "unauthorized_client") if self.secret.is_some() => f.hint(
                format!(
                    "check the client id ({}), its secret (TOKCTL_CLIENT_SECRET or --client-secret-stdin) and --client-auth basic|post",
                    self.id
                ),
            ),
            Some("invalid_client" | "unauthorized_client") => f.hint(format!(
                "client '{}' may be confidential: give its secret with --client-secret-stdin or TOKCTL_CLIENT_SECRET",
                self.id
            )),
            Some("unsupported_grant_type") => {
                f.hint("the server does not allow this flow for the client: choose another with --flow")
            }
            Some("invalid_scope") => f.hint("check the --scope values the client may request"),
            _ => f,
        }
    }
}
