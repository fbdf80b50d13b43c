//! The access-token cache: `<data dir>/cache/<profile>.json`, 0600, atomic.
//!
//! It keeps `print-header` off the keychain's D-Bus round trip when the
//! token is fresh. It also remembers non-secret facts (who the user is, how
//! the token can be renewed) so that `profiles` needs no keychain either.
//! It is only a cache: a damaged file reads as absent and is rewritten at
//! the next renewal. Each record carries the [`Stamp`] of the profile file it
//! was written against.

use crate::error::Failure;
use crate::fsutil;
use crate::selection::Selection;
use crate::token::{AccessToken, RefreshExpiry, UserInfo};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// How an expired access token can be renewed without the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Renewal {
    /// No unattended renewal: log in again.
    #[default]
    None,
    /// A refresh token is stored.
    Refresh,
    /// Saved credentials allow a new login.
    Relogin,
}

/// One profile's cache file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CacheRecord {
    /// The access token; absent for `cache = false` profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access: Option<AccessToken>,
    /// When the access token expires, also kept for `cache = false` profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<UserInfo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scope: Option<String>,
    #[serde(default)]
    pub renewal: Renewal,
    #[serde(default)]
    pub refresh_expiry: RefreshExpiry,
    /// The OpenID Connect ID token (its `expires_at` is its `exp`), beside
    /// the access token so that `--id-token` costs the same hot path;
    /// absent for `cache = false` profiles.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_token: Option<AccessToken>,
    /// The profile file as it was when this record was written; while it
    /// is unchanged, the hot path may trust the record without parsing the
    /// file (see [`Stamp`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub config_stamp: Option<Stamp>,
    /// What a narrowed token was asked for (absent for the default token).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selection: Option<Selection>,
    /// The client certificate and key files of a mutual-TLS profile, which
    /// a server that binds tokens to the certificate wants on API calls
    /// too (`print-header --format curl` names them).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_cert: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_key: Option<String>,
}

/// Identifies one version of the profile file without reading it: size,
/// modification and change times, inode and device (ctime cannot be set
/// back by `touch -r` or `cp -p`). Parsing the file costs more than
/// everything else `print-header` does once it holds a few dozen profiles,
/// so the cache remembers the stamp of the file it was written against
/// (see `Session::fresh_token`).
// Missing fields (a record from an older tokctl) read as zero: such a stamp
// matches no file, so the slow path runs once and re-stamps the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Stamp {
    len: u64,
    mtime_ns: i128,
    ctime_ns: i128,
    inode: u64,
    dev: u64,
}

impl Stamp {
    /// The stamp of the file at `path`, if it exists.
    pub fn of(path: &Path) -> Option<Stamp> {
        Some(Stamp::from_metadata(&std::fs::metadata(path).ok()?))
    }

    /// The stamp of an open file's metadata.
    pub fn from_metadata(m: &std::fs::Metadata) -> Stamp {
        let nanos = |t: std::io::Result<std::time::SystemTime>| match t
            .map(|t| t.duration_since(std::time::UNIX_EPOCH))
        {
            Ok(Ok(d)) => d.as_nanos() as i128,
            Ok(Err(e)) => -(e.duration().as_nanos() as i128),
            Err(_) => 0,
        };
        #[cfg(unix)]
        let (ctime_ns, inode, dev) = {
            use std::os::unix::fs::MetadataExt;
            (
                m.ctime() as i128 * 1_000_000_000 + m.ctime_nsec() as i128,
                m.ino(),
                m.dev(),
            )
        };
        #[cfg(not(unix))]
        let (ctime_ns, inode, dev) = (nanos(m.created()), 0, 0);
        Stamp {
            len: m.len(),
            mtime_ns: nanos(m.modified()),
            ctime_ns,
            inode,
            dev,
        }
    }
}

/// The cache directory.
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// The cache under `data_dir`.
    pub fn new(data_dir: &Path) -> Self {
        Cache {
            dir: data_dir.join("cache"),
        }
    }

    /// The file for `profile`.
    pub fn path(&self, profile: &str) -> PathBuf {
        self.dir.join(format!("{profile}.json"))
    }

    /// Reads the record; absent, damaged or not tokctl's (a symlink,
    /// another user's file, readable by others) all read as `None`.
    pub fn read(&self, profile: &str) -> Option<CacheRecord> {
        let bytes = fsutil::read_private(&self.path(profile)).ok()??;
        serde_json::from_slice(&bytes).ok()
    }

    /// Replaces the record.
    pub fn write(&self, profile: &str, rec: &CacheRecord) -> Result<(), Failure> {
        fsutil::private_dir(&self.dir)?;
        let json = serde_json::to_vec(rec).expect("cache serializes");
        fsutil::write_atomic(&self.path(profile), &json)
    }

    /// Removes the record (and temporary files a killed writer left); a
    /// missing file is fine. The caller holds the profile lock.
    pub fn remove(&self, profile: &str) -> Result<(), Failure> {
        fsutil::remove_file(&self.path(profile))
    }

    /// Where a profile's narrowed tokens live, one file per selection:
    /// beside the default record, never in it, so the default hot path
    /// reads what it always did.
    fn narrow_dir(&self, profile: &str) -> PathBuf {
        self.dir.join("narrow").join(profile)
    }

    fn narrow_path(&self, profile: &str, sel: &Selection) -> PathBuf {
        self.narrow_dir(profile).join(format!("{}.json", sel.key()))
    }

    /// The record of the token narrowed to `sel`, if any.
    pub fn read_narrowed(&self, profile: &str, sel: &Selection) -> Option<CacheRecord> {
        let bytes = fsutil::read_private(&self.narrow_path(profile, sel)).ok()??;
        let rec: CacheRecord = serde_json::from_slice(&bytes).ok()?;
        (rec.selection.as_ref() == Some(sel)).then_some(rec)
    }

    /// Replaces the record of a narrowed token (`rec.selection` says which).
    pub fn write_narrowed(&self, profile: &str, rec: &CacheRecord) -> Result<(), Failure> {
        let sel = rec
            .selection
            .as_ref()
            .expect("a narrowed record names its selection");
        fsutil::private_dir(&self.narrow_dir(profile))?;
        let json = serde_json::to_vec(rec).expect("cache serializes");
        fsutil::write_atomic(&self.narrow_path(profile, sel), &json)
    }

    /// Every narrowed token of `profile`, ordered by what it is for.
    pub fn narrowed(&self, profile: &str) -> Vec<CacheRecord> {
        let Ok(dir) = std::fs::read_dir(self.narrow_dir(profile)) else {
            return Vec::new();
        };
        let mut recs: Vec<CacheRecord> = dir
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().ends_with(".json"))
            .filter_map(|e| fsutil::read_private(&e.path()).ok()?)
            .filter_map(|bytes| serde_json::from_slice::<CacheRecord>(&bytes).ok())
            .filter(|r| r.selection.is_some())
            .collect();
        recs.sort_by_key(|r| r.selection.as_ref().map(Selection::label));
        recs
    }

    /// Drops the narrowed token of `profile` for `sel`. The caller holds
    /// the profile lock.
    pub fn remove_narrowed_one(&self, profile: &str, sel: &Selection) -> Result<(), Failure> {
        fsutil::remove_file(&self.narrow_path(profile, sel))
    }

    /// Drops every narrowed token of `profile` (logout, a new login). The
    /// caller holds the profile lock.
    pub fn remove_narrowed(&self, profile: &str) -> Result<(), Failure> {
        let dir = self.narrow_dir(profile);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            return Ok(());
        };
        for e in entries.flatten() {
            fsutil::remove_file(&e.path())?;
        }
        let _ = std::fs::remove_dir(&dir);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn damaged_cache_reads_as_absent() {
        let dir = tempfile::tempdir().unwrap();
        let c = Cache::new(dir.path());
        assert_eq!(c.read("p"), None);
        let rec = CacheRecord {
            access: Some(AccessToken {
                token: Secret::new("t".into()),
                token_type: "Bearer".into(),
                obtained_at: 1,
                expires_at: Some(2),
            }),
            renewal: Renewal::Refresh,
            ..Default::default()
        };
        c.write("p", &rec).unwrap();
        assert_eq!(c.read("p"), Some(rec));
        std::fs::write(c.path("p"), b"{garbage").unwrap();
        assert_eq!(c.read("p"), None);
    }
}
