//! Where secrets live: the [`SecretStore`] trait, its two implementations,
//! and the access-token cache.
//!
//! "Not found" and "unavailable" are different answers: the first means the
//! profile is logged out (exit 3), the second that the store cannot be asked
//! right now (exit 5). Nothing is ever deleted because a store failed.

pub mod cache;
pub mod file;
pub mod keychain;

use crate::error::Failure;
use crate::secret::Secret;
use crate::token::{AccessToken, RefreshExpiry};
use serde::{Deserialize, Serialize};

/// The long-lived secrets of one profile, kept small so that one entry fits
/// every OS keychain.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct StoredSecrets {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<Secret<String>>,
    #[serde(default, skip_serializing_if = "is_unknown")]
    pub refresh_expiry: RefreshExpiry,
    /// Saved password (or MakeShift API secret) for unattended re-login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<Secret<String>>,
    /// OAuth client secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<Secret<String>>,
    /// The `private-key-jwt` client's PEM private key, read at login.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<Secret<String>>,
    /// OpenID Connect ID token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<Secret<String>>,
    /// Where these secrets may be sent: the origins of the endpoints that
    /// issued them (see [`crate::providers::credential_origin`]). Absent in
    /// records from before tokctl recorded it; filled at their next save.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<String>,
    /// The access token itself, only for profiles with `cache = false`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessToken>,
}

fn is_unknown(e: &RefreshExpiry) -> bool {
    *e == RefreshExpiry::Unknown
}

/// A place that keeps [`StoredSecrets`] per profile.
pub trait SecretStore {
    /// Short name for messages and `info` (`keychain`, `file`).
    fn name(&self) -> &'static str;
    /// The profile's secrets; `Ok(None)` when nothing is stored.
    fn load(&self, profile: &str) -> Result<Option<StoredSecrets>, Failure>;
    /// Replaces the profile's secrets.
    fn save(&self, profile: &str, secrets: &StoredSecrets) -> Result<(), Failure>;
    /// Deletes the profile's secrets; deleting nothing is fine.
    fn delete(&self, profile: &str) -> Result<(), Failure>;
}
