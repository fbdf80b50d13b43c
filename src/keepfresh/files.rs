//! The token files of one `exec --keep-fresh`: a new 0700 directory holding
//! `token` (the token alone) and `header` (`Authorization: Bearer …`),
//! rewritten atomically at each renewal and removed when the command ends.
//!
//! The directory lives under `$XDG_RUNTIME_DIR/tokctl/` (a tmpfs only the
//! user can enter, cleared at logout), else `<data dir>/run/`. Each run holds
//! an exclusive lock on a file inside its directory for as long as it lives;
//! a later run that can take that lock knows the owner died (SIGKILL, a
//! crash) and removes the directory.

use crate::error::config;
use crate::fsutil;
use std::fs::{self, File, OpenOptions};
use std::path::{Path, PathBuf};

const PREFIX: &str = "exec-";
/// A directory being set up, not yet locked.
const NEW: &str = "new-";
const LOCK: &str = ".owner";
const TOKEN: &str = "token";
const HEADER: &str = "header";
/// How long a directory may stay in set-up before it counts as abandoned.
const UNLOCKED_GRACE: std::time::Duration = std::time::Duration::from_secs(60);

/// The live files; removed by [`TokenFiles::remove`].
pub struct TokenFiles {
    dir: PathBuf,
    /// `--token-file PATH`, else `<dir>/token`.
    token: PathBuf,
    header: PathBuf,
    _owner: File,
}

impl TokenFiles {
    /// Creates the directory and both files for `token`, before the command
    /// starts. `token_file` is the `--token-file` path, if any.
    pub fn create(base: &Path, token_file: Option<&Path>, token: &str) -> anyhow::Result<Self> {
        let parent = base.join("tokctl");
        fsutil::private_dir(&parent)?;
        // private_dir follows a symlink; the parent must be a real directory.
        if fs::symlink_metadata(&parent)?.file_type().is_symlink() {
            return Err(config(format!(
                "refusing {}: it is a symbolic link",
                parent.display()
            ))
            .into());
        }
        remove_stale(&parent);
        let (dir, owner) = new_dir(&parent)?;
        let files = TokenFiles {
            token: token_file.map_or_else(|| dir.join(TOKEN), Path::to_path_buf),
            header: dir.join(HEADER),
            dir,
            _owner: owner,
        };
        if let Err(e) = files.write(token) {
            files.remove();
            return Err(e);
        }
        Ok(files)
    }

    /// The token file.
    pub fn token_path(&self) -> &Path {
        &self.token
    }

    /// The header file.
    pub fn header_path(&self) -> &Path {
        &self.header
    }

    /// Replaces both files (each atomically: a reader sees the old token or
    /// the new one, never a mix or a partial file).
    pub fn write(&self, token: &str) -> anyhow::Result<()> {
        fsutil::write_atomic(&self.token, token.as_bytes())?;
        fsutil::write_atomic(
            &self.header,
            format!("Authorization: Bearer {token}\n").as_bytes(),
        )?;
        Ok(())
    }

    /// Removes the files and the directory; best effort.
    pub fn remove(&self) {
        let _ = fs::remove_file(&self.token);
        let _ = remove_dir(&self.dir);
    }
}

/// A new directory with an unpredictable name, and its held lock file.
/// `mkdir` fails on anything that exists, so nothing planted is ever
/// reused; the directory gets its run name only once its lock is held, so
/// that another run's clean-up never mistakes it for an abandoned one.
fn new_dir(parent: &Path) -> anyhow::Result<(PathBuf, File)> {
    let mut b = fs::DirBuilder::new();
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).map_err(|e| config(format!("no randomness: {e}")))?;
    let name: String = r.iter().map(|b| format!("{b:02x}")).collect();
    let name = format!("{}-{name}", std::process::id());
    let (new, dir) = (
        parent.join(format!("{NEW}{name}")),
        parent.join(format!("{PREFIX}{name}")),
    );
    b.create(&new)
        .map_err(|e| config(format!("cannot create {}: {e}", new.display())))?;
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    let owner = opts.open(new.join(LOCK))?;
    owner
        .try_lock()
        .map_err(|e| config(format!("cannot lock {}: {e:?}", new.display())))?;
    fs::rename(&new, &dir)?;
    Ok((dir, owner))
}

/// Removes one run's directory: only the regular files tokctl puts there.
fn remove_dir(dir: &Path) -> std::io::Result<()> {
    for e in fs::read_dir(dir)?.flatten() {
        if e.file_type().is_ok_and(|t| t.is_file()) {
            let _ = fs::remove_file(e.path());
        }
    }
    fs::remove_dir(dir)
}

/// Removes the directories of runs whose owner is gone (its lock is free).
fn remove_stale(parent: &Path) {
    let Ok(entries) = fs::read_dir(parent) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        // file_type does not follow symlinks: a planted link is left alone.
        if !e.file_type().is_ok_and(|t| t.is_dir()) {
            continue;
        }
        let dir = e.path();
        let abandoned = if name.starts_with(PREFIX) {
            File::open(dir.join(LOCK)).is_ok_and(|f| f.try_lock().is_ok())
        } else if name.starts_with(NEW) {
            // Being set up (a moment), or its run was killed right then.
            e.metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > UNLOCKED_GRACE))
        } else {
            false
        };
        if abandoned {
            let _ = remove_dir(&dir);
        }
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        fs::metadata(p).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn files_are_private_replaced_and_removed() {
        let base = tempfile::tempdir().unwrap();
        let f = TokenFiles::create(base.path(), None, "one").unwrap();
        assert_eq!(fs::read_to_string(f.token_path()).unwrap(), "one");
        assert_eq!(
            fs::read_to_string(f.header_path()).unwrap(),
            "Authorization: Bearer one\n"
        );
        assert_eq!(mode(f.token_path()), 0o600);
        assert_eq!(mode(f.header_path()), 0o600);
        assert_eq!(mode(f.token_path().parent().unwrap()), 0o700);
        f.write("two").unwrap();
        assert_eq!(fs::read_to_string(f.token_path()).unwrap(), "two");
        let dir = f.token_path().parent().unwrap().to_path_buf();
        f.remove();
        assert!(!dir.exists());
    }

    #[test]
    fn a_dead_runs_directory_is_removed_by_the_next_run() {
        let base = tempfile::tempdir().unwrap();
        let dead = TokenFiles::create(base.path(), None, "old").unwrap();
        let dead_dir = dead.token_path().parent().unwrap().to_path_buf();
        // Dropping without remove() is what a killed process leaves.
        drop(dead);
        let alive = TokenFiles::create(base.path(), None, "a").unwrap();
        let alive_dir = alive.token_path().parent().unwrap().to_path_buf();
        assert!(!dead_dir.exists(), "the stale directory is gone");
        // A live run's directory is never taken.
        let other = TokenFiles::create(base.path(), None, "b").unwrap();
        assert!(alive_dir.exists());
        other.remove();
        alive.remove();
    }
}
