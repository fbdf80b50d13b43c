//! The [`Provider`] trait and the registry of kinds; [`wire`] holds the
//! response parsing the providers share.
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
pub mod wire;

use crate::cli::ProviderKind;
use crate::config::{OAuthSettings, Profile};
use crate::error::{Failure, Kind};
use crate::http::Http;
use crate::output::Output;
use crate::secret::Secret;
use crate::selection::Selection;
use crate::token::{TokenSet, UserInfo};
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
    /// The client proves itself with files the profile names (mutual
    /// TLS), so a re-login needs no saved credential.
    pub credential_in_files: bool,
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
        credential_in_files: false,
    };
}

/// The secrets and names a login (or a re-login) uses.
#[derive(Debug, Clone, Default)]
pub struct Credentials {
    pub username: Option<String>,
    pub password: Option<Secret<String>>,
    pub client_secret: Option<Secret<String>>,
    /// The `private-key-jwt` client's PEM private key.
    pub client_key: Option<Secret<String>>,
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
    /// Where notices, instructions and prompts go (`-q` decided there).
    pub out: Output,
}

/// One authentication API.
pub trait Provider {
    /// What this provider can do with the profile's settings.
    fn caps(&self) -> Caps;

    /// The endpoints, for `info` (name, URL).
    fn endpoints(&self) -> Vec<(&'static str, String)>;

    /// Called at login before [`Provider::login`]: fetches settings (OIDC
    /// discovery), asking the person through `how` where a choice is
    /// theirs. The provider uses them from then on; the ones returned are
    /// for the profile to remember. Default: nothing.
    fn discover(
        &mut self,
        _http: &Http,
        _how: Interaction,
    ) -> Result<Option<OAuthSettings>, Failure> {
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

    /// A token for exactly `sel` (scopes, RFC 8707 resources, audience),
    /// obtained with the refresh token `rt`, or without one by the grant
    /// that needs none (client credentials). Default: unsupported.
    fn narrowed(
        &self,
        _http: &Http,
        _rt: Option<&Secret<String>>,
        _creds: &Credentials,
        _sel: &Selection,
    ) -> Result<TokenSet, Failure> {
        Err(unsupported(
            "a token narrowed with --scope, --resource or --audience",
        ))
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
    pub client_key: Option<Secret<String>>,
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

/// The origins (`scheme://host:port`) of every endpoint a provider sends
/// something to (credentials, refresh tokens, access tokens: login,
/// renewal, revocation, introspection, userinfo, an API's info call), sorted
/// and space-separated: stored with the secrets, so that a profile file
/// edited (or swapped) to point any one of them elsewhere cannot make
/// tokctl send them to another server. The issuer is only where metadata
/// was read, and is not among them.
pub fn credential_origin(p: &dyn Provider) -> String {
    let mut origins: Vec<String> = p
        .endpoints()
        .into_iter()
        .filter(|(name, _)| *name != "issuer")
        .filter_map(|(_, u)| url::Url::parse(&u).ok())
        .map(|u| u.origin().ascii_serialization())
        .collect();
    origins.sort();
    origins.dedup();
    origins.join(" ")
}

/// The error for an operation a provider does not have.
pub fn unsupported(what: &str) -> Failure {
    Failure::new(
        Kind::Usage,
        format!("{what} is not supported by this provider"),
    )
}
