//! MakeShift provider (`makeshift`). Stub: being written.

use super::{Caps, Credentials, Interaction, Provider, unsupported};
use crate::config::Profile;
use crate::error::Failure;
use crate::http::Http;
use crate::token::TokenSet;

/// The MakeShift API.
pub struct MakeShift;

impl MakeShift {
    /// From the profile's settings.
    pub fn new(_p: &Profile) -> Result<Self, Failure> {
        Ok(MakeShift)
    }
}

impl Provider for MakeShift {
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
