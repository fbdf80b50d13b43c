//! The file store: `<data dir>/secrets.json`, 0600 in a 0700 directory,
//! replaced atomically.
//!
//! Several profiles share the file, so every change is a read-modify-write
//! under `secrets.lock`: two processes refreshing different profiles at once
//! must not lose each other's rotated refresh tokens. A damaged file is
//! reported (exit 5) and never overwritten.

use super::{SecretStore, StoredSecrets};
use crate::error::{Failure, config};
use crate::fsutil;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// Secrets in a JSON file.
pub struct FileStore {
    dir: PathBuf,
}

#[derive(Default, Serialize, Deserialize)]
struct SecretsFile {
    version: u32,
    #[serde(default)]
    profiles: BTreeMap<String, StoredSecrets>,
}

impl FileStore {
    /// A store in `data_dir`.
    pub fn new(data_dir: PathBuf) -> Self {
        FileStore { dir: data_dir }
    }

    /// The secrets file.
    pub fn path(&self) -> PathBuf {
        self.dir.join("secrets.json")
    }

    fn read(&self) -> Result<SecretsFile, Failure> {
        let path = self.path();
        if self.dir.exists() {
            fsutil::checked_dir(&self.dir)?;
        }
        let bytes = fsutil::read_private(&path)?;
        match bytes {
            None => Ok(SecretsFile {
                version: 1,
                ..Default::default()
            }),
            Some(b) => serde_json::from_slice(&b).map_err(|e| {
                config(format!(
                    "the secret store {} is damaged ({}); it was left as it is",
                    path.display(),
                    e.classify_name()
                ))
                .hint("restore it from a backup, or move it away and log in again")
            }),
        }
    }

    /// Applies `change` to the file under the store lock.
    fn modify(&self, change: impl FnOnce(&mut SecretsFile)) -> Result<(), Failure> {
        let io_err = |e: std::io::Error| {
            config(format!(
                "cannot write the secret store in {}: {e}",
                self.dir.display()
            ))
        };
        fsutil::private_dir(&self.dir)?;
        let lock = fsutil::open_lock(&self.dir.join("secrets.lock"))?;
        lock.lock().map_err(io_err)?;
        // Under the lock no other writer is in progress: any temporary file
        // is a killed one's, holding secrets.
        fsutil::remove_temps(&self.path(), None);
        let mut file = self.read()?;
        change(&mut file);
        file.version = 1;
        let json = serde_json::to_vec_pretty(&file).expect("secrets serialize");
        fsutil::write_atomic(&self.path(), &json)
        // The lock is released when `lock` is dropped.
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    // The serde message can quote file content, which may be a secret.
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "not valid JSON",
            serde_json::error::Category::Data => "unexpected content",
            serde_json::error::Category::Eof => "truncated",
        }
    }
}

impl SecretStore for FileStore {
    fn name(&self) -> &'static str {
        "file"
    }

    fn load(&self, profile: &str) -> Result<Option<StoredSecrets>, Failure> {
        Ok(self.read()?.profiles.remove(profile))
    }

    fn save(&self, profile: &str, secrets: &StoredSecrets) -> Result<(), Failure> {
        self.modify(|f| {
            f.profiles.insert(profile.to_string(), secrets.clone());
        })
    }

    fn delete(&self, profile: &str) -> Result<(), Failure> {
        if !self.path().exists() {
            return Ok(());
        }
        self.modify(|f| {
            f.profiles.remove(profile);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    #[test]
    fn save_load_delete() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::new(dir.path().join("data"));
        assert_eq!(s.load("a").unwrap(), None);
        let sec = StoredSecrets {
            refresh_token: Some(Secret::new("r1".into())),
            ..Default::default()
        };
        s.save("a", &sec).unwrap();
        s.save("b", &StoredSecrets::default()).unwrap();
        assert_eq!(s.load("a").unwrap(), Some(sec));
        s.delete("a").unwrap();
        assert_eq!(s.load("a").unwrap(), None);
        assert!(s.load("b").unwrap().is_some());
    }

    #[test]
    fn damaged_file_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        let s = FileStore::new(dir.path().to_path_buf());
        std::fs::write(
            s.path(),
            b"{\"version\":1,\"profiles\":{\"a\":{\"refresh_token\":\"SECRET\"",
        )
        .unwrap();
        let e = s.save("b", &StoredSecrets::default()).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::ConfigOrStore);
        assert!(!e.message().contains("SECRET"));
        assert!(
            std::fs::read_to_string(s.path())
                .unwrap()
                .ends_with("\"SECRET\"")
        );
    }
}
