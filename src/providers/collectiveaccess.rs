//! CollectiveAccess provider (`collectiveaccess`). Stub: being written.

use super::{Caps, Credentials, Interaction, Provider, unsupported};
use crate::config::Profile;
use crate::error::Failure;
use crate::http::Http;
use crate::token::TokenSet;

/// The CollectiveAccess API.
pub struct CollectiveAccess;

impl CollectiveAccess {
    /// From the profile's settings.
    pub fn new(_p: &Profile) -> Result<Self, Failure> {
        Ok(CollectiveAccess)
    }
}

impl Provider for CollectiveAccess {
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
