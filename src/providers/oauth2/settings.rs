//! A profile's OAuth settings made effective: the `organicity` preset, the
//! defaults, and the rules that turn "what the user wrote" into "what is
//! sent". Pure data; no I/O.
//!
//! Presets are applied here at run time, not written into the profile, so
//! that `--base-url` or `--issuer` on a later login still moves an
//! Organicity profile to another server.

use super::params::{self, Request};
use crate::cli::{AssertionAudience, ClientAuth, Flow, ProviderKind};
use crate::config::{Endpoints, OAuthSettings, Profile};
use crate::http::join;

/// Organicity's Keycloak realm (docs/providers/oauth2.md, "Settings").
pub const ORGANICITY_ISSUER: &str = "https://accounts.organicity.eu/realms/organicity";
/// The realm path appended to `--base-url` for an Organicity profile.
pub const ORGANICITY_REALM: &str = "/realms/organicity";
/// The callback the Organicity tutorial tells experimenters to register.
pub const ORGANICITY_REDIRECT: &str = "http://localhost:3000/auth/oauth2/callback";

/// Effective settings of one OAuth profile.
#[derive(Debug, Clone)]
pub struct Settings {
    /// `oauth2` or `organicity`.
    pub kind: ProviderKind,
    /// The profile's own settings, returned (updated) by discovery.
    pub raw: OAuthSettings,
    /// The issuer: `--issuer`, else `--base-url` (+ the realm path for
    /// Organicity), else the preset.
    pub issuer: Option<String>,
    pub endpoints: Endpoints,
    pub client_id: Option<String>,
    /// How a client with a secret authenticates.
    pub client_auth: ClientAuth,
    /// The client declared itself confidential (`--client-auth`, or the
    /// Organicity preset, whose experimenter clients all have a secret).
    pub confidential: bool,
    /// The login flow, when known.
    pub flow: Option<Flow>,
    /// Scopes as configured (preset included); see [`Settings::request_scopes`].
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    /// The user's explicit choice about saving the password.
    pub save_credentials: Option<bool>,
    /// `--auth-param` pairs for the authorization request.
    pub auth_params: Vec<(String, String)>,
    /// `--token-param` pairs for every token request.
    pub token_params: Vec<(String, String)>,
    /// The `tls` client's certificate and key files.
    pub client_cert: Option<String>,
    pub client_key: Option<String>,
    pub assertion_audience: AssertionAudience,
}

impl Settings {
    /// Effective settings for `p`.
    pub fn from_profile(p: &Profile) -> Self {
        let o = &p.oauth;
        let organicity = p.provider == ProviderKind::Organicity;
        let issuer = o
            .issuer
            .clone()
            .or_else(|| match (&p.base_url, organicity) {
                (Some(b), true) => Some(join(b, ORGANICITY_REALM)),
                (Some(b), false) => Some(b.trim_end_matches('/').to_string()),
                (None, true) => Some(ORGANICITY_ISSUER.to_string()),
                (None, false) => None,
            });
        let endpoints = o.endpoints.clone();
        let flow = o
            .flow
            .or(organicity.then_some(Flow::AuthCode))
            .or(endpoints.auth.as_ref().map(|_| Flow::AuthCode));
        let scopes = if o.scopes.is_empty() && organicity {
            vec!["offline_access".to_string()]
        } else {
            o.scopes.clone()
        };
        Settings {
            kind: p.provider.builtin().unwrap_or(ProviderKind::Oauth2),
            raw: o.clone(),
            issuer,
            endpoints,
            client_id: o.client_id.clone(),
            client_auth: o.client_auth.unwrap_or(ClientAuth::Basic),
            confidential: o.client_auth.is_some() || organicity,
            flow,
            scopes,
            redirect_uri: o
                .redirect_uri
                .clone()
                .or_else(|| organicity.then(|| ORGANICITY_REDIRECT.to_string())),
            save_credentials: p.save_credentials,
            auth_params: params::pairs(&o.auth_params, Request::Authorization),
            token_params: params::pairs(&o.token_params, Request::Token),
            client_cert: o.client_cert.clone(),
            client_key: o.client_key.clone(),
            assertion_audience: o
                .assertion_audience
                .unwrap_or(AssertionAudience::TokenEndpoint),
        }
    }

    /// The scopes a login asks for. An OpenID Connect server (one with an
    /// issuer) gets `openid` when the user named no scope and a user signs
    /// in: without it there is no ID token and no userinfo.
    pub fn request_scopes(&self) -> Vec<String> {
        let user_flow = !matches!(self.flow, Some(Flow::ClientCredentials));
        if self.scopes.is_empty() && self.issuer.is_some() && user_flow {
            vec!["openid".to_string()]
        } else {
            self.scopes.clone()
        }
    }

    /// Whether `openid` is among the requested scopes (then a nonce is sent).
    pub fn wants_openid(&self) -> bool {
        self.request_scopes().iter().any(|s| s == "openid")
    }

    /// The settings to remember in the profile after discovery.
    pub fn to_profile(&self) -> OAuthSettings {
        let mut o = self.raw.clone();
        o.endpoints = self.endpoints.clone();
        o.flow = self.flow;
        o
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(kind: ProviderKind) -> Profile {
        let mut p = Profile::new(kind);
        p.oauth.client_id = Some("c".into());
        p
    }

    #[test]
    fn organicity_preset() {
        let s = Settings::from_profile(&profile(ProviderKind::Organicity));
        assert_eq!(s.issuer.as_deref(), Some(ORGANICITY_ISSUER));
        assert_eq!(s.scopes, ["offline_access"]);
        assert_eq!(s.flow, Some(Flow::AuthCode));
        assert_eq!(s.client_auth, ClientAuth::Basic);
        assert!(s.confidential);
        assert_eq!(s.redirect_uri.as_deref(), Some(ORGANICITY_REDIRECT));
        assert_eq!(s.request_scopes(), ["offline_access"], "no openid added");
    }

    #[test]
    fn organicity_overrides() {
        let mut p = profile(ProviderKind::Organicity);
        p.base_url = Some("http://127.0.0.1:9/".into());
        p.oauth.scopes = vec!["openid".into()];
        p.oauth.client_auth = Some(ClientAuth::Post);
        p.oauth.flow = Some(Flow::Password);
        let s = Settings::from_profile(&p);
        assert_eq!(
            s.issuer.as_deref(),
            Some("http://127.0.0.1:9/realms/organicity")
        );
        assert_eq!(s.scopes, ["openid"]);
        assert_eq!(s.client_auth, ClientAuth::Post);
        assert_eq!(s.flow, Some(Flow::Password));
        p.oauth.issuer = Some("https://kc/realms/x".into());
        assert_eq!(
            Settings::from_profile(&p).issuer.as_deref(),
            Some("https://kc/realms/x")
        );
    }

    #[test]
    fn generic_defaults() {
        let mut p = profile(ProviderKind::Oauth2);
        let s = Settings::from_profile(&p);
        assert_eq!(s.issuer, None);
        assert_eq!(s.flow, None, "no auth endpoint: the flow must be chosen");
        assert!(!s.confidential);
        assert!(s.request_scopes().is_empty(), "plain OAuth: no openid");
        p.oauth.endpoints.auth = Some("https://a/auth".into());
        p.base_url = Some("https://kc/realms/r/".into());
        let s = Settings::from_profile(&p);
        assert_eq!(s.flow, Some(Flow::AuthCode));
        assert_eq!(s.issuer.as_deref(), Some("https://kc/realms/r"));
        assert_eq!(s.request_scopes(), ["openid"]);
        p.oauth.flow = Some(Flow::ClientCredentials);
        assert!(Settings::from_profile(&p).request_scopes().is_empty());
    }
}
