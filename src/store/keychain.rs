//! The OS keychain through the `keyring` crate: Secret Service (D-Bus) on
//! Linux, Keychain on macOS, Credential Manager on Windows. Service
//! `tokctl`, one entry per profile holding [`StoredSecrets`] as JSON.
//!
//! Every error other than "no entry" is *unavailable* (exit 5): a locked or
//! absent keychain must never look like a logged-out profile.

use super::{SecretStore, StoredSecrets};
use crate::error::{Failure, config};
use std::sync::mpsc;
use std::time::Duration;

const SERVICE: &str = "tokctl";

/// Secrets in the OS keychain.
pub struct KeychainStore;

impl KeychainStore {
    /// Whether a keychain answers within `wait`. Used by `auto` at login;
    /// the probe runs on a thread because a D-Bus activation that never
    /// completes would otherwise hang the login.
    pub fn probe(wait: Duration) -> Result<(), String> {
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let r = keyring::Entry::new(SERVICE, "__tokctl_probe__")
                .and_then(|e| e.get_password().map(drop))
                .or_else(|e| match e {
                    keyring::Error::NoEntry => Ok(()),
                    e => Err(e),
                });
            let _ = tx.send(r.map_err(|e| describe(&e)));
        });
        rx.recv_timeout(wait).unwrap_or_else(|_| {
            Err(format!(
                "no answer within {}",
                humantime::format_duration(wait)
            ))
        })
    }

    fn entry(profile: &str) -> Result<keyring::Entry, Failure> {
        keyring::Entry::new(SERVICE, profile).map_err(unavailable)
    }
}

fn describe(e: &keyring::Error) -> String {
    match e {
        // keyring's own text ("No default store has been set…") hides why:
        // the store's start-up error says which service could not be reached.
        keyring::Error::NoDefaultStore => match keyring::Entry::store_status() {
            Err(why) => format!("cannot connect to the keychain service ({why})"),
            Ok(()) => e.to_string(),
        },
        keyring::Error::NoStorageAccess(_) => {
            format!("the keychain is locked or access was denied ({e})")
        }
        _ => e.to_string(),
    }
}

fn unavailable(e: keyring::Error) -> Failure {
    config(format!("the keychain is unavailable: {}", describe(&e)))
        .hint("unlock the keychain (or start a Secret Service such as gnome-keyring), or use `--store file`")
}

impl SecretStore for KeychainStore {
    fn name(&self) -> &'static str {
        "keychain"
    }

    fn load(&self, profile: &str) -> Result<Option<StoredSecrets>, Failure> {
        match Self::entry(profile)?.get_password() {
            Ok(json) => serde_json::from_str(&json).map(Some).map_err(|_| {
                config(format!(
                    "the keychain entry for profile '{profile}' (service {SERVICE}) is damaged; it was left as it is"
                ))
                .hint("delete it with your keychain tool and log in again")
            }),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn save(&self, profile: &str, secrets: &StoredSecrets) -> Result<(), Failure> {
        let json = serde_json::to_string(secrets).expect("secrets serialize");
        Self::entry(profile)?
            .set_password(&json)
            .map_err(unavailable)
    }

    fn delete(&self, profile: &str) -> Result<(), Failure> {
        match Self::entry(profile)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }
}
