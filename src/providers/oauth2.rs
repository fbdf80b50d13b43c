//! OAuth2 provider (`oauth2`). Stub: being written.

use super::{Caps, Credentials, Interaction, Provider, unsupported};
use crate::config::Profile;
use crate::error::Failure;
use crate::http::Http;
use crate::token::TokenSet;

/// The OAuth2 API.
pub struct OAuth2;

impl OAuth2 {
    /// From the profile's settings.
    pub fn new(_p: &Profile) -> Result<Self, Failure> {
        Ok(OAuth2)
    }
}

impl Provider for OAuth2 {
    fn caps(&self) -> Caps {
        Caps::default()
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    fn login(
        &self,
        _http: &Http,
        _creds: &Credentials,
        _how: Interaction,
    ) -> Result<TokenSet, Failure> {
        Err(unsupported("logging in"))
    }
}
