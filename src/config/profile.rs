//! A profile's settings and their rules: `Profile` and `OAuthSettings`, the
//! profile-name rule, which `login` flags apply to which provider and how
//! they merge in, and when two versions of a profile are the same client.
//! Nothing here reads or writes the profile file: `mod.rs` does, and only
//! that.

use super::Endpoints;
use crate::cli::{
    AssertionAudience, ClientAuth, Flow, LoginArgs, OAuthArgs, ProviderKind, StoreKind, given,
};
use crate::error::{Failure, usage};
use crate::http::check_url;
use crate::providers::kind::ProviderName;
use crate::providers::oauth2::params;
use std::path::Path;

/// One profile's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Which API this profile speaks.
    pub provider: ProviderName,
    /// Auth server base URL (provider default when absent).
    pub base_url: Option<String>,
    /// API base URL (realmassive's user entity).
    pub api_url: Option<String>,
    /// Username, e-mail or API key.
    pub username: Option<String>,
    /// Where the secrets of this profile live (written at login).
    pub store: Option<StoreKind>,
    /// Keep the access token in the cache file (default) or in the secret store.
    pub cache: bool,
    /// Explicit choice about saving the password / client secret.
    pub save_credentials: Option<bool>,
    /// OAuth / OIDC settings.
    pub oauth: OAuthSettings,
    /// The user name `git-credential` sends with the token when git names
    /// none (set by hand; tokctl never writes it).
    pub git_username: Option<String>,
}

/// The OAuth 2 / OIDC part of a profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OAuthSettings {
    pub issuer: Option<String>,
    pub endpoints: Endpoints,
    pub client_id: Option<String>,
    pub client_auth: Option<ClientAuth>,
    /// `--client-cert`: the PEM certificate for `tls` client authentication.
    pub client_cert: Option<String>,
    /// `--client-key`: the PEM key for `tls` (read per request; for
    /// `private-key-jwt` the key itself lives in the secret store).
    pub client_key: Option<String>,
    /// `assertion_audience = "issuer"`: client assertions name the issuer
    /// instead of the token endpoint.
    pub assertion_audience: Option<AssertionAudience>,
    pub flow: Option<Flow>,
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    /// `--auth-param KEY=VALUE`, as given.
    pub auth_params: Vec<String>,
    /// `--token-param KEY=VALUE`, as given.
    pub token_params: Vec<String>,
}

impl Profile {
    /// A new profile of `provider` with nothing else set.
    pub fn new(provider: impl Into<ProviderName>) -> Self {
        Profile {
            provider: provider.into(),
            base_url: None,
            api_url: None,
            username: None,
            store: None,
            cache: true,
            save_credentials: None,
            oauth: OAuthSettings::default(),
            git_username: None,
        }
    }

    /// Merges the flags of `tokctl login` into the profile, checking URLs
    /// and that every flag given applies to the profile's provider.
    pub fn merge_login_flags(&mut self, a: &LoginArgs) -> Result<(), Failure> {
        if let Some(kind) = &a.provider {
            self.provider = kind.clone();
        }
        let is_oauth = matches!(
            self.provider.builtin(),
            Some(ProviderKind::Oauth2 | ProviderKind::Organicity)
        );
        // A definition may send the client's id and secret too
        // (`{client_id}`, `{client_secret}`).
        let has_client = is_oauth || matches!(self.provider, ProviderName::Defined(_));
        if (given(&a.oauth) && !is_oauth) || (given(&a.client) && !has_client) {
            return Err(usage(format!(
                "OAuth flags (--issuer, --token-url, --client-id, --flow, ...) do not apply to provider '{}'",
                self.provider
            )));
        }
        // Endpoints learned from one server mean nothing for another: a new
        // issuer or base URL forgets them (discovery, or the flags below,
        // fill them again).
        let o = &a.oauth;
        let moved = |old: &Option<String>, new: &Option<String>| new.is_some() && new != old;
        if moved(&self.oauth.issuer, &o.issuer) || moved(&self.base_url, &a.base_url) {
            self.oauth.endpoints = Endpoints::default();
        }
        set_url(&mut self.base_url, &a.base_url, "base-url")?;
        set_url(&mut self.api_url, &a.api_url, "api-url")?;
        set(&mut self.username, &a.username);
        // The two flags override each other: at most one is on.
        if a.save_credentials || a.no_save_credentials {
            self.save_credentials = Some(a.save_credentials);
        }
        set(&mut self.oauth.client_id, &a.client.client_id);
        let p = &mut self.oauth;
        set_url(&mut p.issuer, &o.issuer, "issuer")?;
        set_url(&mut p.endpoints.token, &o.token_url, "token-url")?;
        set_url(&mut p.endpoints.auth, &o.auth_url, "auth-url")?;
        set_url(&mut p.endpoints.device, &o.device_url, "device-url")?;
        set_url(&mut p.redirect_uri, &o.redirect_uri, "redirect-uri")?;
        set(&mut p.client_auth, &o.client_auth);
        p.merge_client_files(o)?;
        if !o.auth_params.is_empty() {
            params::check(&o.auth_params, params::Request::Authorization)?;
            p.auth_params = o.auth_params.clone();
        }
        if !o.token_params.is_empty() {
            params::check(&o.token_params, params::Request::Token)?;
            p.token_params = o.token_params.clone();
        }
        set(&mut p.flow, &o.flow);
        if !o.scopes.is_empty() {
            p.scopes = o.scopes.clone();
        }
        Ok(())
    }

    /// Whether two versions of a profile talk to the same server (and
    /// OAuth client), so that its secrets remain valid and safe to send
    /// there.
    pub fn same_client(&self, new: &Profile) -> bool {
        let old = self;
        old.provider == new.provider
            && old.base_url == new.base_url
            && old.oauth.issuer == new.oauth.issuer
            && old.oauth.endpoints.token == new.oauth.endpoints.token
            && old.oauth.client_id == new.oauth.client_id
    }

    /// Profile names become file names (cache, lock): letters, digits,
    /// `-`, `_`, `.`, `@`, not starting with a dot, at most 64. The rule
    /// holds for `-p` and for names in the profile file alike.
    pub fn check_name(name: &str) -> Result<(), Failure> {
        if valid_name(name) {
            Ok(())
        } else {
            Err(usage(invalid_name(name)))
        }
    }
}

impl OAuthSettings {
    /// `--client-cert` and `--client-key`: for `tls` the paths go to the
    /// profile (the files are read on every request); a `private-key-jwt`
    /// key is read at login instead (`input::SecretInput::client_key`) and
    /// no path is kept. Which method applies is known only now, with the
    /// profile's stored one: these checks cannot be clap's.
    fn merge_client_files(&mut self, a: &OAuthArgs) -> Result<(), Failure> {
        let absolute = |path: &Path| {
            std::path::absolute(path)
                .map(|p| p.to_string_lossy().into_owned())
                .map_err(|e| usage(format!("{}: {e}", path.display())))
        };
        match self.client_auth {
            Some(ClientAuth::Tls) => {
                if let Some(c) = &a.client_cert {
                    self.client_cert = Some(absolute(c)?);
                }
                if let Some(k) = &a.client_key {
                    self.client_key = Some(absolute(k)?);
                }
                if self.client_cert.is_none() || self.client_key.is_none() {
                    return Err(usage(
                        "--client-auth tls needs --client-cert PATH and --client-key PATH",
                    )
                    .hint(
                        "PEM files: the client certificate (with its chain) and its private key",
                    ));
                }
            }
            method => {
                self.client_cert = None;
                self.client_key = None;
                // With private-key-jwt the certificate goes into the
                // secret store beside its key (`input::SecretInput::client_key`).
                if a.client_cert.is_some() && method != Some(ClientAuth::PrivateKeyJwt) {
                    return Err(usage(
                        "--client-cert is for --client-auth tls or private-key-jwt",
                    ));
                }
                if a.client_key.is_some() && method != Some(ClientAuth::PrivateKeyJwt) {
                    return Err(usage(
                        "--client-key is for --client-auth private-key-jwt or tls",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A flag's value, when given, replaces the profile's.
fn set<T: Clone>(slot: &mut Option<T>, flag: &Option<T>) {
    if flag.is_some() {
        slot.clone_from(flag);
    }
}

/// [`set`] for a URL, which must obey the transport rule.
fn set_url(slot: &mut Option<String>, flag: &Option<String>, name: &str) -> Result<(), Failure> {
    if let Some(u) = flag {
        check_url(u).map_err(|m| usage(format!("--{name}: {m}")))?;
        *slot = Some(u.clone());
    }
    Ok(())
}

/// See [`Profile::check_name`].
pub(super) fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
}

/// The message for a name that breaks [`Profile::check_name`].
pub(super) fn invalid_name(name: &str) -> String {
    format!(
        "invalid profile name '{}': use letters, digits, '-', '_', '.', '@' (at most 64)",
        crate::error::sanitize(name)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profile_names() {
        for ok in ["default", "work-1", "a.b", "me@host"] {
            assert!(Profile::check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "sp ace", &"x".repeat(65)] {
            assert!(Profile::check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_new_server_forgets_every_endpoint_of_the_old_one() {
        let mut p = Profile::new(ProviderKind::Oauth2);
        p.oauth.issuer = Some("https://old.example".into());
        for (names, slot) in p.oauth.endpoints.iter_mut() {
            *slot = Some(format!("https://old.example/{}", names.key));
        }
        let mut same = p.clone();
        let mut flags = LoginArgs::default();
        flags.oauth.issuer = p.oauth.issuer.clone();
        same.merge_login_flags(&flags).unwrap();
        assert_eq!(same, p, "the same issuer keeps them");
        flags.oauth.issuer = Some("https://new.example".into());
        flags.oauth.token_url = Some("https://new.example/token".into());
        p.merge_login_flags(&flags).unwrap();
        assert_eq!(
            p.oauth.endpoints,
            Endpoints {
                token: Some("https://new.example/token".into()),
                ..Endpoints::default()
            }
        );
        assert!(p.same_client(&p.clone()));
        assert!(!same.same_client(&p), "another issuer is another client");
    }

    #[test]
    fn flags_apply_only_where_the_provider_takes_them() {
        let refused = |kind: ProviderName, flags: &LoginArgs| {
            let mut p = Profile::new(kind);
            match p.merge_login_flags(flags) {
                Ok(()) => false,
                Err(e) => {
                    assert_eq!(e.kind, crate::error::Kind::Usage);
                    assert!(e.message().starts_with("OAuth flags"), "{}", e.message());
                    true
                }
            }
        };
        let rm = || ProviderName::from(ProviderKind::Realmassive);
        let defined = || ProviderName::parse("acme").unwrap();
        let mut client = LoginArgs::default();
        client.client.client_id = Some("c".into());
        let mut scope = LoginArgs::default();
        scope.oauth.scopes = vec!["s".into()];
        assert!(refused(rm(), &client));
        assert!(refused(rm(), &scope));
        assert!(!refused(defined(), &client), "a definition may send it");
        assert!(refused(defined(), &scope));
        assert!(!refused(ProviderKind::Organicity.into(), &scope));
        assert!(!refused(rm(), &LoginArgs::default()));
    }
}
