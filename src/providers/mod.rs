//! The [`Provider`] trait, the registry of kinds, and the response parsing
//! the providers share.
//!
//! Providers speak HTTP and return values, nothing else: they never touch
//! the store, the config file, stdout or the lock. The session layer decides
//! what to persist. Optional operations default to "unsupported".

pub mod collectiveaccess;
pub mod defined;
pub mod kind;
pub mod makeshift;
pub mod oauth2;
pub mod realmassive;
pub mod vivacity;

use crate::cli::ProviderKind;
use crate::config::{OAuthSettings, Profile};
use crate::error::{Failure, Kind, remote};
use crate::http::{Http, Response};
use crate::secret::Secret;
use crate::token::{RefreshExpiry, TokenSet, UserInfo, claim_i64, expiry_after};
use kind::ProviderName;
use serde_json::Value;
use std::path::Path;

/// What a provider can do, for the session layer's renewal policy.
#[derive(Debug, Clone, Copy, Default)]
pub struct Caps {
    /// Has a refresh-token grant.
    pub refresh: bool,
    /// Can log in again unattended from saved credentials.
    pub relogin: bool,
    /// Saves credentials unless told not to (API keys, client credentials).
    pub save_credentials_by_default: bool,
    /// Login needs a username.
    pub needs_username: bool,
    /// Login needs a password (or API secret).
    pub needs_password: bool,
    /// Login needs a client secret (a confidential OAuth client).
    pub needs_client_secret: bool,
}

impl Caps {
    /// A username/password API with a refresh grant, where saved
    /// credentials allow a new login once the refresh token dies.
    pub const PASSWORD_WITH_REFRESH: Caps = Caps {
        refresh: true,
        relogin: true,
        save_credentials_by_default: false,
        needs_username: true,
        needs_password: true,
        needs_client_secret: false,
    };
}

/// The secrets and names a login (or a re-login) uses.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    pub client_secret: Option<Secret<String>>,
}

impl Credentials {
    /// The username and password a password login needs; `needs` completes
    /// the usage error, e.g. "--username (your e-mail) and a password".
    pub fn username_password(
        &self,
        provider: &str,
        needs: &str,
    ) -> Result<(&str, &Secret<String>), Failure> {
        match (&self.username, &self.password) {
            (Some(u), Some(p)) => Ok((u, p)),
            _ => Err(Failure::new(
                Kind::Usage,
                format!("{provider} needs {needs}"),
            )),
        }
    }
}

/// How an interactive login may talk to the user.
#[derive(Debug, Clone, Copy, Default)]
pub struct Interaction {
    /// Nothing may be asked: this is an unattended re-login.
    pub unattended: bool,
    /// Print the authorization URL instead of opening a browser.
    pub no_browser: bool,
    /// No progress on stderr.
    pub quiet: bool,
}

/// One authentication API.
pub trait Provider {
    /// What this provider can do with the profile's settings.
    fn caps(&self) -> Caps;

    /// The endpoints, for `info` (name, URL).
    fn endpoints(&self) -> Vec<(&'static str, String)>;

    /// Called at login before [`Provider::login`]: fetches settings the
    /// profile should remember (OIDC discovery). Default: nothing.
    fn discover(&mut self, _http: &Http) -> Result<Option<OAuthSettings>, Failure> {
        Ok(None)
    }

    /// Obtains a token set from credentials.
    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        how: Interaction,
    ) -> Result<TokenSet, Failure>;

    /// Exchanges a refresh token for a new token set.
    fn refresh(
        &self,
        _http: &Http,
        _rt: &Secret<String>,
        _creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        Err(unsupported("refreshing a token"))
    }

    /// Asks the provider's info endpoint about the token.
    fn remote_info(
        &self,
        _http: &Http,
        _access: &Secret<String>,
        _user: Option<&UserInfo>,
    ) -> Result<Value, Failure> {
        Err(unsupported("`info --remote`"))
    }

    /// [`Provider::remote_info`] with the stored credentials, for info
    /// endpoints that need client authentication (OAuth introspection).
    /// Default: the credentials are not needed.
    fn remote_info_with(
        &self,
        http: &Http,
        access: &Secret<String>,
        user: Option<&UserInfo>,
        _creds: &Credentials,
    ) -> Result<Value, Failure> {
        self.remote_info(http, access, user)
    }

    /// Revokes tokens at the server, best effort. Default: nothing to do.
    fn revoke(&self, _http: &Http, _tokens: &Revocable) -> Result<(), Failure> {
        Ok(())
    }
}

/// The tokens `logout` can revoke.
#[derive(Debug, Default)]
pub struct Revocable {
    pub access_token: Option<Secret<String>>,
    pub refresh_token: Option<Secret<String>>,
    pub client_secret: Option<Secret<String>>,
}

/// Builds the provider for a profile; a defined kind's file is read (from
/// `providers_dir`) now, and only now. The match is exhaustive, so a new
/// built-in kind does not compile until it is wired in here.
pub fn build(profile: &Profile, providers_dir: &Path) -> Result<Box<dyn Provider>, Failure> {
    let kind = match &profile.provider {
        ProviderName::Defined(name) => {
            return Ok(Box::new(defined::Defined::new(
                profile,
                name,
                providers_dir,
            )?));
        }
        ProviderName::Builtin(kind) => *kind,
    };
    defined::check_not_shadowed(providers_dir, kind)?;
    Ok(match kind {
        ProviderKind::Realmassive => Box::new(realmassive::RealMassive::new(profile)),
        ProviderKind::Collectiveaccess => {
            Box::new(collectiveaccess::CollectiveAccess::new(profile)?)
        }
        ProviderKind::Makeshift => Box::new(makeshift::MakeShift::new(profile)?),
        ProviderKind::Vivacity => Box::new(vivacity::Vivacity::new(profile)?),
        ProviderKind::Oauth2 | ProviderKind::Organicity => Box::new(oauth2::OAuth2::new(profile)?),
    })
}

/// The error for an operation a provider does not have.
pub fn unsupported(what: &str) -> Failure {
    Failure::new(
        Kind::Usage,
        format!("{what} is not supported by this provider"),
    )
}

/// `base` without a trailing slash, joined with `path`.
pub fn join(base: &str, path: &str) -> String {
    format!("{}{path}", base.trim_end_matches('/'))
}

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
        remote(format!("{what} failed: {}", resp.status_summary()))
            .hint("the server is limiting attempts: wait a while before trying again")
    } else {
        remote(format!("{what} failed: {}", resp.status_summary()))
    }
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
    fn join_handles_slashes() {
        assert_eq!(join("https://a/", "/x"), "https://a/x");
        assert_eq!(join("https://a", "/x"), "https://a/x");
    }

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
