//! The OS keychain through the `keyring` crate: Secret Service (D-Bus) on
//! Linux, Keychain on macOS, Credential Manager on Windows. Service
//! `tokctl`, one entry per profile holding [`StoredSecrets`] as JSON.
//!
//! Every error other than "no entry" is *unavailable* (exit 5): a locked or
//! absent keychain must never look like a logged-out profile.
//!
//! Windows caps an entry near 1,280 characters, and a Keycloak refresh token
//! plus an ID token is larger. A value over [`MAX_ENTRY`] is therefore split:
//! the profile's entry holds `tokctl-chunks:<generation>:<count>` and the
//! parts live in entries `<profile>#<generation>.<i>`, generation 0 or 1.
//!
//! A save writes the generation the pointer does *not* name (clearing any
//! stale parts of it first), then moves the pointer, then deletes the other
//! generation, so a reader never mixes two versions. Because there are only
//! two fixed generations, whatever a kill leaves behind (new parts the
//! pointer never reached, or the old generation after the pointer moved) is
//! found and removed by the next save or by logout, which deletes the
//! pointer and both generations. Parts are found by probing `i = 0, 1, …`
//! until one is missing; they are written in ascending and deleted in
//! descending order so that the parts present are always `0..k` and a probe
//! never stops at a gap. A pointer written by an older build, which used a
//! random generation, is still read, and that generation is deleted too.

use super::{SecretStore, StoredSecrets};
use crate::error::{Failure, config};
use std::sync::mpsc;
use std::time::Duration;

const SERVICE: &str = "tokctl";

/// Largest value kept in one entry (characters; JSON here is ASCII).
pub const MAX_ENTRY: usize = 1000;

const CHUNKS: &str = "tokctl-chunks:";

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

    fn entry(user: &str) -> Result<keyring::Entry, Failure> {
        keyring::Entry::new(SERVICE, user).map_err(unavailable)
    }

    /// The raw value of an entry; `None` when it does not exist.
    fn get(user: &str) -> Result<Option<String>, Failure> {
        match Self::entry(user)?.get_password() {
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(unavailable(e)),
        }
    }

    fn remove(user: &str) -> Result<(), Failure> {
        match Self::entry(user)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(e)),
        }
    }

    /// Reassembles a value that may be split into chunks.
    fn read_value(profile: &str) -> Result<Option<String>, Failure> {
        let Some(head) = Self::get(profile)? else {
            return Ok(None);
        };
        let Some((generation, count)) = parse_pointer(&head) else {
            return Ok(Some(head));
        };
        let mut value = String::new();
        for i in 0..count {
            match Self::get(&chunk_name(profile, generation, i))? {
                Some(part) => value.push_str(&part),
                None => return Err(damaged(profile)),
            }
        }
        Ok(Some(value))
    }

    /// Deletes every part of one generation, wherever a kill left them.
    fn delete_generation(profile: &str, generation: u32) -> Result<(), Failure> {
        let mut count = 0;
        while Self::get(&chunk_name(profile, generation, count))?.is_some() {
            count += 1;
        }
        // Highest first: an interrupted delete leaves parts 0..k, which the
        // next probe still finds.
        for i in (0..count).rev() {
            Self::remove(&chunk_name(profile, generation, i))?;
        }
        Ok(())
    }
}

/// The generations to delete once the pointer names `keep` (or no
/// generation): both fixed ones, and whatever generation `head`, the
/// previous pointer, named.
fn stale_generations(head: Option<&str>, keep: Option<u32>) -> Vec<u32> {
    let mut all = vec![0, 1];
    if let Some((old, _)) = head.and_then(parse_pointer)
        && !all.contains(&old)
    {
        all.push(old);
    }
    all.retain(|&g| Some(g) != keep);
    all
}

fn parse_pointer(head: &str) -> Option<(u32, usize)> {
    let rest = head.strip_prefix(CHUNKS)?;
    let (generation, count) = rest.split_once(':')?;
    Some((generation.parse().ok()?, count.parse().ok()?))
}

fn chunk_name(profile: &str, generation: u32, i: usize) -> String {
    format!("{profile}#{generation}.{i}")
}

fn damaged(profile: &str) -> Failure {
    config(format!(
        "the keychain entry for profile '{profile}' (service {SERVICE}) is damaged; it was left as it is"
    ))
    .hint("delete it with your keychain tool and log in again")
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
        match Self::read_value(profile)? {
            None => Ok(None),
            Some(json) => serde_json::from_str(&json)
                .map(Some)
                .map_err(|_| damaged(profile)),
        }
    }

    fn save(&self, profile: &str, secrets: &StoredSecrets) -> Result<(), Failure> {
        let json = serde_json::to_string(secrets).expect("secrets serialize");
        let head = Self::get(profile)?;
        let keep = if json.len() <= MAX_ENTRY {
            Self::entry(profile)?
                .set_password(&json)
                .map_err(unavailable)?;
            None
        } else {
            let generation = match head.as_deref().and_then(parse_pointer) {
                Some((0, _)) => 1,
                _ => 0,
            };
            // Parts of an interrupted save may still be there, possibly more
            // of them than this value needs.
            Self::delete_generation(profile, generation)?;
            let parts = split_ascii(&json, MAX_ENTRY);
            for (i, part) in parts.iter().enumerate() {
                Self::entry(&chunk_name(profile, generation, i))?
                    .set_password(part)
                    .map_err(unavailable)?;
            }
            let pointer = format!("{CHUNKS}{generation}:{}", parts.len());
            Self::entry(profile)?
                .set_password(&pointer)
                .map_err(unavailable)?;
            Some(generation)
        };
        for generation in stale_generations(head.as_deref(), keep) {
            Self::delete_generation(profile, generation)?;
        }
        Ok(())
    }

    fn delete(&self, profile: &str) -> Result<(), Failure> {
        let head = Self::get(profile)?;
        Self::remove(profile)?;
        for generation in stale_generations(head.as_deref(), None) {
            Self::delete_generation(profile, generation)?;
        }
        Ok(())
    }
}

/// Splits at character boundaries into pieces of at most `max` bytes.
fn split_ascii(s: &str, max: usize) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut rest = s;
    while !rest.is_empty() {
        let mut end = rest.len().min(max);
        while !rest.is_char_boundary(end) {
            end -= 1;
        }
        let (head, tail) = rest.split_at(end);
        parts.push(head);
        rest = tail;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_round_trip() {
        assert_eq!(parse_pointer("tokctl-chunks:42:3"), Some((42, 3)));
        assert_eq!(parse_pointer("{\"refresh_token\":\"x\"}"), None);
        assert_eq!(parse_pointer("tokctl-chunks:x:3"), None);
    }

    #[test]
    fn stale_generations_cover_both_and_any_older_pointer() {
        assert_eq!(stale_generations(None, None), vec![0, 1]);
        assert_eq!(stale_generations(Some("{}"), Some(1)), vec![0]);
        assert_eq!(
            stale_generations(Some("tokctl-chunks:0:3"), Some(1)),
            vec![0]
        );
        assert_eq!(
            stale_generations(Some("tokctl-chunks:42:3"), Some(0)),
            vec![1, 42]
        );
        assert_eq!(
            stale_generations(Some("tokctl-chunks:42:3"), None),
            vec![0, 1, 42]
        );
    }

    #[test]
    fn splits_on_char_boundaries() {
        let s = "ab€cd".repeat(300);
        let parts = split_ascii(&s, 1000);
        assert!(parts.iter().all(|p| p.len() <= 1000));
        assert_eq!(parts.concat(), s);
    }
}
