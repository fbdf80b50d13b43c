//! OAuth 2 / OpenID Connect (`oauth2`, aliases `oidc` and `keycloak`), and
//! the `organicity` preset of it (docs/providers/oauth2.md).
//!
//! This module wires the pieces into the [`Provider`] trait; each piece
//! has one job: [`settings`] (presets and defaults), [`discovery`],
//! [`client`] (client authentication), [`authcode`] with [`pkce`],
//! [`loopback`] and [`browser`], [`device`], [`idtoken`], [`inspect`]
//! (`info --remote`) and [`revoke`] (`logout`).
//!
//! Choices where the documents leave room:
//! - Endpoints come from discovery at login and are remembered in the
//!   profile; explicit `--token-url`/`--auth-url`/`--device-url` win. The
//!   profile file may also hold `revocation_url`, `introspection_url` and
//!   `userinfo_url` for servers without discovery.
//! - `--base-url` is the issuer for `oauth2`; for `organicity` it is the
//!   Keycloak base, the realm path `/realms/organicity` is appended.
//! - Organicity preset: issuer `https://accounts.organicity.eu/realms/organicity`,
//!   scope `offline_access` (exactly what the tutorial adds; no `openid`),
//!   flow auth-code, client auth basic (option A), and the redirect URI the
//!   tutorial registers, `http://localhost:3000/auth/oauth2/callback`.
//!   Its clients are confidential, so a client secret is required.
//! - A generic OIDC profile (one with an issuer) asks for `openid` when the
//!   user named no scope, so that an ID token and userinfo exist.
//! - Flow default: auth-code when an authorization endpoint is known;
//!   otherwise the user is asked on a terminal, and it is a usage error
//!   elsewhere. The flow used is remembered in the profile.
//! - Renewal: the refresh-token grant for every flow. Unattended re-login
//!   only where no person is needed: client-credentials (its secret is
//!   always stored), and password with a password saved on request.
//! - The `typ: Offline` in Organicity's sample response is the refresh
//!   JWT's claim, not a response field: it is not required, and `info`
//!   shows it from the refresh token.
//! - The time a person has to finish a browser or device sign-in is 5
//!   minutes, or the humantime value of `TOKCTL_AUTH_WAIT`.

mod authcode;
mod browser;
mod client;
mod device;
mod idtoken;
mod inspect;
mod jose;
pub mod keyfile;
mod loopback;
mod metadata;
pub mod params;
mod pkce;
mod revoke;
mod settings;

use super::{Caps, Credentials, Interaction, Provider, Revocable};
use crate::cli::{AssertionAudience, ClientAuth, Flow, ProviderKind, value_name};
use crate::config::{OAuthSettings, Profile};
use crate::error::{Failure, Kind, config, usage};
use crate::http::Http;
use crate::output::Output;
use crate::secret::Secret;
use crate::selection::Selection;
use crate::token::{TokenSet, UserInfo};
use client::Client;
use serde_json::Value;
use settings::Settings;
use std::io::IsTerminal;
use std::ops::Deref;
use std::path::Path;
use std::time::Duration;

pub use jose::ClientKey;

/// How long a person may take to sign in, unless TOKCTL_AUTH_WAIT says.
const DEFAULT_AUTH_WAIT: Duration = Duration::from_secs(300);

/// An OAuth 2 / OpenID Connect server.
pub struct OAuth2 {
    s: Settings,
}

impl OAuth2 {
    /// From the profile's settings (never fails: what is missing is
    /// reported when it is needed, so `info` works on any profile).
    pub fn new(p: &Profile) -> Result<Self, Failure> {
        Ok(OAuth2 {
            s: Settings::from_profile(p),
        })
    }

    fn name(&self) -> String {
        value_name(&self.s.kind)
    }

    fn client<'a>(
        &'a self,
        secret: Option<&'a Secret<String>>,
        key: Option<&Secret<String>>,
    ) -> Result<Client<'a>, Failure> {
        let id = self
            .s
            .client_id
            .as_deref()
            .ok_or_else(|| self.no_client_id())?;
        let key = match (self.s.client_auth, key) {
            (ClientAuth::PrivateKeyJwt, Some(pem)) => {
                Some(ClientKey::from_pem(pem).map_err(|why| {
                    config(format!(
                        "the client key kept for this profile is unusable: {why}"
                    ))
                    .hint("log in again with --client-key PATH")
                })?)
            }
            _ => None,
        };
        let assertion_audience = match self.s.assertion_audience {
            AssertionAudience::Issuer => self.s.issuer.as_deref(),
            AssertionAudience::TokenEndpoint => None,
        }
        .or(self.s.endpoints.token.as_deref())
        .unwrap_or_default();
        Ok(Client {
            id,
            secret,
            key,
            method: self.s.client_auth,
            assertion_audience,
            token_params: &self.s.token_params,
        })
    }

    /// The HTTP client for requests to the authorization server: for `tls`
    /// client authentication one that presents the client certificate,
    /// whose files are read now (certificates rotate) and checked.
    fn transport<'h>(&self, http: &'h Http) -> Result<Transport<'h>, Failure> {
        if self.s.client_auth != ClientAuth::Tls {
            return Ok(Transport::Shared(http));
        }
        let (Some(cert), Some(key)) = (&self.s.client_cert, &self.s.client_key) else {
            return Err(usage(
                "--client-auth tls needs --client-cert PATH and --client-key PATH",
            ));
        };
        let mut pem = keyfile::read_public(Path::new(cert))?.into_bytes();
        pem.push(b'\n');
        pem.extend_from_slice(keyfile::read_private(Path::new(key))?.expose().as_bytes());
        Ok(Transport::Own(http.with_identity(pem)))
    }

    /// At login: refuses a client authentication method the server says
    /// it does not take (its metadata lists the ones it does).
    fn check_auth_method(&self, listed: Option<&[String]>) -> Result<(), Failure> {
        let Some(listed) = listed else { return Ok(()) };
        if !self.s.confidential {
            return Ok(());
        }
        let method = self.s.client_auth;
        if server_names(method)
            .iter()
            .any(|n| listed.iter().any(|l| l == n))
        {
            return Ok(());
        }
        let ours: Vec<String> = [
            ClientAuth::Basic,
            ClientAuth::Post,
            ClientAuth::ClientSecretJwt,
            ClientAuth::PrivateKeyJwt,
            ClientAuth::Tls,
        ]
        .iter()
        .filter(|m| {
            server_names(**m)
                .iter()
                .any(|n| listed.iter().any(|l| l == n))
        })
        .map(value_name)
        .collect();
        let f = usage(format!(
            "the server does not accept --client-auth {} ({}); its metadata lists: {}",
            value_name(&method),
            server_names(method).join(" or "),
            if listed.is_empty() {
                "nothing".to_string()
            } else {
                listed.join(", ")
            }
        ));
        Err(if ours.is_empty() {
            f
        } else {
            f.hint(format!("choose --client-auth {}", ours.join("|")))
        })
    }

    fn no_client_id(&self) -> Failure {
        let hint = if self.s.kind == ProviderKind::Organicity {
            "give --client-id with the client id the Organicity Experimenter Portal shows for your experiment"
        } else {
            "give --client-id with the id the authorization server registered for tokctl"
        };
        usage(format!("{} needs a client id", self.name())).hint(hint)
    }

    fn token_url(&self) -> Result<&str, Failure> {
        self.s
            .endpoints
            .token
            .as_deref()
            .ok_or_else(|| usage(format!("{} needs --issuer or --token-url", self.name())))
    }

    /// The flow when none is configured and no authorization endpoint
    /// makes auth-code the obvious one: ask a person, else fail.
    fn choose_flow(&self, out: Output) -> Result<Flow, Failure> {
        let mut options = Vec::new();
        if self.s.endpoints.device.is_some() {
            options.push(Flow::Device);
        }
        options.extend([Flow::Password, Flow::ClientCredentials]);
        let names: Vec<String> = options.iter().map(value_name).collect();
        let refuse = || {
            usage(
                "no authorization endpoint is known, so the login flow cannot default to auth-code",
            )
            .hint(format!("choose one with --flow {}", names.join("|")))
        };
        if !std::io::stdin().is_terminal() {
            return Err(refuse());
        }
        out.instruct("no authorization endpoint is known; how should tokctl log in?");
        for (i, n) in names.iter().enumerate() {
            out.instruct(&format!("  {}) {n}", i + 1));
        }
        // The shared prompt: a bounded read of one line.
        let line = crate::input::prompt_line(out, &format!("Flow [1-{}]: ", names.len()))
            .ok_or_else(refuse)?;
        let line = line.as_str();
        line.parse::<usize>()
            .ok()
            .and_then(|i| i.checked_sub(1))
            .and_then(|i| options.get(i).copied())
            .or_else(|| options.iter().copied().find(|f| value_name(f) == line))
            .ok_or_else(refuse)
    }

    fn check_user(&self, ts: &mut TokenSet, nonce: Option<&str>, id: &str) -> Result<(), Failure> {
        idtoken::check(
            ts,
            &idtoken::Expect {
                nonce,
                client_id: id,
                issuer: self.s.issuer.as_deref(),
            },
        )?;
        ts.user = idtoken::user(ts);
        Ok(())
    }
}

/// What the two flows that wait for a person to sign in (auth-code and
/// device) work with.
#[derive(Clone, Copy)]
struct SignIn<'a> {
    s: &'a Settings,
    client: &'a Client<'a>,
    http: &'a Http,
    token_url: &'a str,
    how: Interaction,
    /// How long the person has.
    wait: Duration,
}

/// The names RFC 8414 and RFC 8705 give a client authentication method.
fn server_names(method: ClientAuth) -> &'static [&'static str] {
    match method {
        ClientAuth::Basic => &["client_secret_basic"],
        ClientAuth::Post => &["client_secret_post"],
        ClientAuth::ClientSecretJwt => &["client_secret_jwt"],
        ClientAuth::PrivateKeyJwt => &["private_key_jwt"],
        ClientAuth::Tls => &["tls_client_auth", "self_signed_tls_client_auth"],
    }
}

/// The HTTP client the provider talks to its server with.
enum Transport<'h> {
    Shared(&'h Http),
    Own(Http),
}

impl Deref for Transport<'_> {
    type Target = Http;
    fn deref(&self) -> &Http {
        match self {
            Transport::Shared(h) => h,
            Transport::Own(h) => h,
        }
    }
}

/// A credential the flow needs is missing: a usage error when a person is
/// there to give it, else the profile must be logged in again (exit 3).
fn missing_credential(how: Interaction, msg: &str, hint: Option<&str>) -> Failure {
    if how.unattended {
        Failure::new(Kind::LoginRequired, format!("{msg}, and none is saved"))
    } else {
        let f = usage(msg);
        match hint {
            Some(h) => f.hint(h),
            None => f,
        }
    }
}

/// TOKCTL_AUTH_WAIT (humantime), else 5 minutes.
fn auth_wait() -> Result<Duration, Failure> {
    match std::env::var("TOKCTL_AUTH_WAIT") {
        Ok(v) if !v.trim().is_empty() => {
            crate::cli::parse_duration(&v).map_err(|e| usage(format!("TOKCTL_AUTH_WAIT: {e}")))
        }
        _ => Ok(DEFAULT_AUTH_WAIT),
    }
}

impl Provider for OAuth2 {
    fn caps(&self) -> Caps {
        let flow = self.s.flow;
        let cc = flow == Some(Flow::ClientCredentials);
        let password = flow == Some(Flow::Password);
        Caps {
            refresh: true,
            relogin: cc || (password && self.s.save_credentials == Some(true)),
            save_credentials_by_default: cc,
            needs_username: password,
            needs_password: password,
            needs_client_secret: (cc || self.s.confidential) && self.s.client_auth.uses_secret(),
            credential_in_files: self.s.client_auth == ClientAuth::Tls,
        }
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        let endpoints = self.s.endpoints.iter().map(|(n, v)| (n.label, v));
        std::iter::once(("issuer", &self.s.issuer))
            .chain(endpoints)
            .filter_map(|(k, v)| v.clone().map(|v| (k, v)))
            .collect()
    }

    fn discover(
        &mut self,
        http: &Http,
        how: Interaction,
    ) -> Result<Option<OAuthSettings>, Failure> {
        if self.s.client_id.is_none() {
            return Err(self.no_client_id());
        }
        params::check(&self.s.raw.auth_params, params::Request::Authorization)?;
        params::check(&self.s.raw.token_params, params::Request::Token)?;
        if self.s.client_auth == ClientAuth::Tls {
            // The files must be there and safe now, not at the first refresh.
            self.transport(http)?;
        }
        if let Some(issuer) = &self.s.issuer {
            let found = metadata::fetch(http, issuer)?;
            self.s.endpoints.fill(found.endpoints);
            self.check_auth_method(found.auth_methods.as_deref())?;
        }
        self.token_url()?;
        let flow = match self.s.flow {
            Some(f) => f,
            None if self.s.endpoints.auth.is_some() => Flow::AuthCode,
            None => self.choose_flow(how.out)?,
        };
        self.s.flow = Some(flow);
        match flow {
            Flow::AuthCode if self.s.endpoints.auth.is_none() => {
                return Err(usage("the auth-code flow needs an authorization endpoint")
                    .hint("give --issuer (discovery) or --auth-url, or choose another --flow"));
            }
            Flow::Device if self.s.endpoints.device.is_none() => {
                return Err(
                    usage("the device flow needs a device authorization endpoint").hint(
                        "give --issuer (discovery) or --device-url, or choose another --flow",
                    ),
                );
            }
            _ => {}
        }
        Ok(Some(self.s.to_profile()))
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let flow = self
            .s
            .flow
            .ok_or_else(|| usage("no login flow is configured").hint("choose one with --flow"))?;
        let client = self.client(creds.client_secret.as_ref(), creds.client_key.as_ref())?;
        let http = &*self.transport(http)?;
        let token_url = self.token_url()?;
        if how.unattended && matches!(flow, Flow::AuthCode | Flow::Device) {
            return Err(Failure::new(
                Kind::LoginRequired,
                format!("the {} flow needs a person to sign in", value_name(&flow)),
            ));
        }
        let scope = self.s.request_scopes().join(" ");
        // The two grants that post credentials straight to the token
        // endpoint, with the requested scope.
        let grant = |fields: &[(&str, &str)]| {
            let mut fields = fields.to_vec();
            if !scope.is_empty() {
                fields.push(("scope", &scope));
            }
            client.token(http, token_url, &fields, "login")
        };
        let sign_in = || -> Result<SignIn<'_>, Failure> {
            Ok(SignIn {
                s: &self.s,
                client: &client,
                http,
                token_url,
                how,
                wait: auth_wait()?,
            })
        };
        // Only the code flow sends a nonce for the ID token to carry.
        let mut nonce = None;
        let mut ts = match flow {
            Flow::AuthCode => {
                let (ts, sent) = authcode::login(sign_in()?)?;
                nonce = sent;
                ts
            }
            Flow::Device => device::login(sign_in()?)?,
            Flow::Password => {
                let (Some(user), Some(password)) = (&creds.username, &creds.password) else {
                    return Err(missing_credential(
                        how,
                        "the password flow needs a username and a password",
                        None,
                    ));
                };
                grant(&[
                    ("grant_type", "password"),
                    ("username", user),
                    ("password", password.expose()),
                ])?
            }
            Flow::ClientCredentials => {
                if !client.authenticates() {
                    return Err(missing_credential(
                        how,
                        "the client-credentials flow needs the client's credential",
                        Some(match self.s.client_auth {
                            ClientAuth::PrivateKeyJwt => "give its key with --client-key PATH",
                            _ => {
                                "give its secret with --client-secret-stdin or TOKCTL_CLIENT_SECRET"
                            }
                        }),
                    ));
                }
                grant(&[("grant_type", "client_credentials")])?
            }
        };
        // One check of the ID token, whatever the flow.
        self.check_user(&mut ts, nonce.as_deref(), client.id)?;
        // RFC 6749 §5.1: no `scope` in the answer means the one requested.
        if ts.scope.is_none() && !scope.is_empty() {
            ts.scope = Some(scope);
        }
        Ok(ts)
    }

    fn refresh(
        &self,
        http: &Http,
        rt: &Secret<String>,
        creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        let client = self.client(creds.client_secret.as_ref(), creds.client_key.as_ref())?;
        let http = &*self.transport(http)?;
        let mut ts = client.token(
            http,
            self.token_url()?,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", rt.expose()),
            ],
            "refresh",
        )?;
        self.check_user(&mut ts, None, client.id)?;
        Ok(ts)
    }

    // Only the form with the stored credentials: introspection needs the
    // client to authenticate, and the session always passes them.
    fn remote_info_with(
        &self,
        http: &Http,
        access: &Secret<String>,
        _user: Option<&UserInfo>,
        creds: &Credentials,
    ) -> Result<Value, Failure> {
        let client = self
            .client(creds.client_secret.as_ref(), creds.client_key.as_ref())
            .ok();
        let http = &*self.transport(http)?;
        inspect::remote_info(&self.s, client, http, access)
    }

    fn narrowed(
        &self,
        http: &Http,
        rt: Option<&Secret<String>>,
        creds: &Credentials,
        sel: &Selection,
    ) -> Result<TokenSet, Failure> {
        let client = self.client(creds.client_secret.as_ref(), creds.client_key.as_ref())?;
        let http = &*self.transport(http)?;
        let asked = sel.fields();
        let mut fields: Vec<(&str, &str)> = asked.iter().map(|(k, v)| (*k, v.as_str())).collect();
        match (rt, self.s.flow) {
            (Some(rt), _) => {
                fields.push(("grant_type", "refresh_token"));
                fields.push(("refresh_token", rt.expose()));
            }
            (None, Some(Flow::ClientCredentials)) if client.authenticates() => {
                fields.push(("grant_type", "client_credentials"));
            }
            _ => {
                return Err(Failure::new(
                    Kind::LoginRequired,
                    "a narrowed token needs the profile's refresh token, and none is stored",
                ));
            }
        }
        // What tokctl asks for here wins over a --token-param of the same name.
        let resp = client.post_token(http, self.token_url()?, &fields)?;
        if !resp.ok() {
            let f = client.token_failure(&resp, "request for a narrowed token");
            return Err(match resp.oauth_error().as_deref() {
                Some("invalid_scope" | "invalid_target") => f.hint(format!(
                    "the login was not granted {}: log in again asking for it (--scope, or --token-param/--auth-param resource=URI)",
                    sel.label()
                )),
                _ => f,
            });
        }
        let (mut ts, _) = crate::providers::wire::token_answer(resp, "narrowed token")?;
        if ts.scope.is_none() && !sel.scopes.is_empty() {
            ts.scope = Some(sel.scopes.join(" "));
        }
        Ok(ts)
    }

    fn revoke(&self, http: &Http, tokens: &Revocable) -> Result<(), Failure> {
        let Some(url) = &self.s.endpoints.revocation else {
            return Ok(());
        };
        let client = self.client(tokens.client_secret.as_ref(), tokens.client_key.as_ref())?;
        let http = &*self.transport(http)?;
        revoke::revoke(&client, http, url, tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_credential_is_usage_with_a_person_and_exit_3_without() {
        let person = Interaction::default();
        let f = missing_credential(person, "the X flow needs Y", Some("give Y"));
        assert_eq!(f.kind, Kind::Usage);
        assert_eq!(f.message(), "the X flow needs Y");
        assert_eq!(f.hint.as_deref(), Some("give Y"));
        let unattended = Interaction {
            unattended: true,
            ..person
        };
        let f = missing_credential(unattended, "the X flow needs Y", Some("give Y"));
        assert_eq!(f.kind, Kind::LoginRequired);
        assert_eq!(f.message(), "the X flow needs Y, and none is saved");
        assert_eq!(f.hint, None, "nobody is there to give it");
    }
}
