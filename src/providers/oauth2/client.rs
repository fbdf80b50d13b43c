//! The OAuth client as the server sees it: its id, its credential when it
//! is confidential, and how it proves it on every request to the token,
//! device, revocation and introspection endpoints.
//!
//! - `basic`: `Authorization: Basic` with id and secret form-urlencoded
//!   before base64 (RFC 6749 §2.3.1, Organicity's option A).
//! - `post`: `client_id` and `client_secret` in the form (option B).
//! - `client-secret-jwt` / `private-key-jwt`: an RFC 7523 assertion in
//!   `client_assertion`, made afresh for every request (so a retry gets a
//!   new `jti`), see [`jose`].
//! - `tls`: `client_id` in the form; the certificate is presented by the
//!   TLS connection itself (the caller passes an [`Http`] with the
//!   client's identity, see `OAuth2::transport`).
//! - no credential: a public client, `client_id` in the form.
//!
//! Token endpoint failures are read with the shared [`auth_failure`] rules
//! and get a hint naming the setting that is most likely wrong.

use super::jose::{self, ClientKey, Signer};
use crate::cli::{ClientAuth, value_name};
use crate::error::{Failure, Kind};
use crate::http::{Auth, Body, Http, Response};
use crate::providers::wire::{auth_failure, expect_json, parse_token_response};
use crate::secret::Secret;
use crate::token::{TokenSet, now};

/// A client ready to authenticate.
pub struct Client<'a> {
    pub id: &'a str,
    pub secret: Option<&'a Secret<String>>,
    /// The parsed `private-key-jwt` key.
    pub key: Option<ClientKey>,
    pub method: ClientAuth,
    /// The `aud` of client assertions.
    pub assertion_audience: &'a str,
    /// `--token-param` pairs, added to every token request.
    pub token_params: &'a [(String, String)],
}

impl Client<'_> {
    /// Whether the client proves who it is (it is confidential and has its
    /// credential at hand), as introspection requires.
    pub fn authenticates(&self) -> bool {
        match self.method {
            ClientAuth::PrivateKeyJwt => self.key.is_some(),
            ClientAuth::Tls => true,
            _ => self.secret.is_some(),
        }
    }

    /// POSTs `fields` as a form to `url`, authenticated as this client.
    pub fn post(
        &self,
        http: &Http,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Response, Failure> {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        let assertion;
        let auth = match (self.method, self.secret, &self.key) {
            (ClientAuth::Basic, Some(secret), _) => Auth::Basic(self.id, secret),
            (ClientAuth::Post, Some(secret), _) => {
                form.push(("client_id", self.id));
                form.push(("client_secret", secret.expose()));
                Auth::None
            }
            (ClientAuth::ClientSecretJwt, Some(secret), _) => {
                assertion = self.assertion(&Signer::Secret(secret));
                form.extend(assertion_fields(self.id, &assertion));
                Auth::None
            }
            (ClientAuth::PrivateKeyJwt, _, Some(key)) => {
                assertion = self.assertion(&Signer::Key(key));
                form.extend(assertion_fields(self.id, &assertion));
                Auth::None
            }
            // tls, and public clients.
            _ => {
                form.push(("client_id", self.id));
                Auth::None
            }
        };
        http.post(url, auth, Body::Form(&form))
    }

    /// A pushed authorization request (RFC 9126): the request's
    /// parameters, authenticated as at the token endpoint. Every method
    /// but Basic puts `client_id` in the body itself; Basic needs it there
    /// too, because the pushed request must name its client.
    pub fn post_pushed(
        &self,
        http: &Http,
        url: &str,
        params: &[(&str, &str)],
    ) -> Result<Response, Failure> {
        let mut form: Vec<(&str, &str)> = params
            .iter()
            .filter(|(k, _)| *k != "client_id")
            .copied()
            .collect();
        if let (ClientAuth::Basic, Some(_)) = (self.method, self.secret) {
            form.push(("client_id", self.id));
        }
        self.post(http, url, &form)
    }

    fn assertion(&self, signer: &Signer<'_>) -> String {
        jose::assertion(signer, self.id, self.assertion_audience, now())
    }

    /// A token-endpoint request: `fields`, then the profile's
    /// `--token-param`s (which can never name a field tokctl sets).
    pub fn post_token(
        &self,
        http: &Http,
        url: &str,
        fields: &[(&str, &str)],
    ) -> Result<Response, Failure> {
        let mut all = fields.to_vec();
        all.extend(
            self.token_params
                .iter()
                .filter(|(k, _)| !fields.iter().any(|(f, _)| f == k))
                .map(|(k, v)| (k.as_str(), v.as_str())),
        );
        self.post(http, url, &all)
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
        let resp = self.post_token(http, url, fields)?;
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
        let method = value_name(&self.method);
        match resp.oauth_error().as_deref() {
            Some("invalid_client" | "unauthorized_client") if self.authenticates() => {
                f.hint(match self.method {
                    ClientAuth::PrivateKeyJwt => match self.key.as_ref().and_then(|k| k.cert().map(|c| (k, c))) {
                        Some((k, c)) => format!(
                            "check the client id ({}) and that the server has the certificate of --client-cert registered for it (x5t {}, kid {})",
                            self.id,
                            c.sha1,
                            k.kid()
                        ),
                        None => format!(
                            "check the client id ({}) and that the server has the public key of --client-key registered for it (kid {})",
                            self.id,
                            self.key.as_ref().map_or("?", |k| k.kid())
                        ),
                    },
                    ClientAuth::Tls => format!(
                        "check the client id ({}) and that the server accepts the certificate in --client-cert for it",
                        self.id
                    ),
                    _ => format!(
                        "check the client id ({}), its secret (TOKCTL_CLIENT_SECRET or --client-secret-stdin) and --client-auth (now {method})",
                        self.id
                    ),
                })
            }
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

/// RFC 7523 §2.2 client authentication fields.
fn assertion_fields<'f>(id: &'f str, assertion: &'f str) -> [(&'f str, &'f str); 3] {
    [
        ("client_id", id),
        ("client_assertion_type", jose::ASSERTION_TYPE),
        ("client_assertion", assertion),
    ]
}
