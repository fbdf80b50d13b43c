//! Private directories and atomic 0600 files, safe against the neighbours.
//!
//! Every file tokctl writes may hold a secret or be read concurrently, so it
//! is written to a new file in the same directory, fsynced, and renamed over
//! the old one: a reader (or a crash) sees either the old or the new content,
//! never half of it.
//!
//! Another local user must not be able to read or substitute those files
//! (see `docs/security.md`):
//!
//! * a directory tokctl keeps files in must be owned by the current user and
//!   not writable by group or others — otherwise exit 5 with a hint, as ssh
//!   does for `~/.ssh`; directories tokctl creates are 0700 whatever the
//!   umask;
//! * the temporary file has an unpredictable name and is opened with
//!   `O_CREAT|O_EXCL|O_NOFOLLOW`, so a planted file or symlink is never
//!   written through;
//! * private files are read with `O_NOFOLLOW`, and the opened file must be
//!   the user's, a regular file with one link, and not readable by anyone
//!   else: a substitute is refused rather than believed;
//! * temporary files left by a killed process hold secrets too, and are
//!   removed by the next writer.

use crate::error::{Failure, config};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The largest private file tokctl reads (cache, secret store, profile
/// file): far above any real one, and a bound on what a damaged or hostile
/// file can make tokctl allocate.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;

/// A temporary file this much older than now belongs to a process that
/// died mid-write (a write takes milliseconds).
const STALE_TEMP: Duration = Duration::from_secs(60);

/// Creates `dir` (and missing parents) with mode 0700, whatever the umask,
/// and checks that it is private: owned by the current user and not
/// writable by group or others (exit 5 with a hint otherwise). A directory
/// that is merely readable by others is tightened to 0700.
pub fn private_dir(dir: &Path) -> Result<(), Failure> {
    create_dirs(dir)?;
    let meta = dir_metadata(dir)?;
    imp::check_dir_owner_and_mode(dir, &meta)?;
    imp::tighten(dir, &meta).map_err(|e| io_failure("cannot make private", dir, &e))
}

/// Checks an existing directory as [`private_dir`] does, without creating
/// or tightening it: for directories the user chose (the profile file's,
/// `--token-file`'s).
pub fn checked_dir(dir: &Path) -> Result<(), Failure> {
    let meta = dir_metadata(dir)?;
    imp::check_dir_owner_and_mode(dir, &meta)
}

/// Creates the missing directories of `dir` with mode 0700. Existing ones
/// are left as they are.
pub fn create_dirs(dir: &Path) -> Result<(), Failure> {
    let mut b = fs::DirBuilder::new();
    b.recursive(true);
    imp::private_mode(&mut b);
    b.create(dir)
        .map_err(|e| io_failure("cannot create", dir, &e))?;
    Ok(())
}

fn dir_metadata(dir: &Path) -> Result<fs::Metadata, Failure> {
    let meta = fs::metadata(dir).map_err(|e| io_failure("cannot read", dir, &e))?;
    if !meta.is_dir() {
        return Err(config(format!("{} is not a directory", dir.display())));
    }
    Ok(meta)
}

/// Writes `data` to `path` atomically with mode 0600, in a directory that
/// must pass [`checked_dir`]. The file is new (`O_EXCL`, random name, no
/// symlink followed), fsynced, then renamed over `path`.
pub fn write_atomic(path: &Path, data: &[u8]) -> Result<(), Failure> {
    let dir = parent(path);
    checked_dir(dir)?;
    remove_temps(path, Some(STALE_TEMP));
    let (tmp, mut f) = create_temp(path)?;
    let result = (|| {
        f.write_all(data)?;
        f.sync_all()?;
        drop(f);
        fs::rename(&tmp, path)?;
        // The rename is durable only once the directory entry is on disk.
        #[cfg(unix)]
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    result.map_err(|e: io::Error| {
        let _ = fs::remove_file(&tmp);
        io_failure("cannot write", path, &e)
    })
}

/// A new 0600 file beside `path` with an unpredictable name.
fn create_temp(path: &Path) -> Result<(PathBuf, File), Failure> {
    // A clash with an existing name (planted or not) is simply retried.
    let mut last = None;
    for _ in 0..8 {
        let tmp = temp_name(path)?;
        let mut opts = OpenOptions::new();
        opts.write(true).create_new(true);
        imp::private_file(&mut opts);
        match opts.open(&tmp) {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(io_failure("cannot create", &tmp, &e)),
        }
    }
    let e = last.unwrap_or_else(|| io::Error::other("name clash"));
    Err(io_failure("cannot create a temporary file for", path, &e))
}

/// `.<name>.<16 random hex digits>.tmp` beside `path`.
fn temp_name(path: &Path) -> Result<PathBuf, Failure> {
    let mut r = [0u8; 8];
    getrandom::fill(&mut r).map_err(|e| {
        Failure::new(
            crate::error::Kind::Unexpected,
            format!("no randomness: {e}"),
        )
    })?;
    let hex: String = r.iter().map(|b| format!("{b:02x}")).collect();
    Ok(parent(path).join(format!("{}{hex}.tmp", temp_prefix(path))))
}

fn temp_prefix(path: &Path) -> String {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    format!(".{name}.")
}

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes the temporary files of `path` that earlier writers left behind
/// (killed before their rename): those older than `older_than`, or all of
/// them when the caller holds the lock that guards `path`'s writers. Only
/// the user's own regular files are touched. Best effort.
pub fn remove_temps(path: &Path, older_than: Option<Duration>) {
    let prefix = temp_prefix(path);
    let Ok(entries) = fs::read_dir(parent(path)) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let Some(name) = name.to_str() else { continue };
        if !(name.starts_with(&prefix) && name.ends_with(".tmp")) {
            continue;
        }
        // symlink_metadata: a symlink named like a temp file is not ours.
        let Ok(meta) = e.path().symlink_metadata() else {
            continue;
        };
        let old_enough = older_than.is_none_or(|age| {
            meta.modified()
                .ok()
                .and_then(|m| m.elapsed().ok())
                .is_some_and(|e| e >= age)
        });
        if meta.is_file() && imp::is_mine(&meta) && old_enough {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// Reads a private file (cache, secret store): `None` when it does not
/// exist. It is opened without following a symlink, and must be a regular
/// file of the current user with one link, not readable or writable by
/// group or others, and at most [`MAX_FILE`] bytes; anything else is
/// refused (exit 5): it is not a file tokctl wrote.
pub fn read_private(path: &Path) -> Result<Option<Vec<u8>>, Failure> {
    let mut opts = OpenOptions::new();
    opts.read(true);
    imp::no_follow(&mut opts);
    let f = match opts.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(refusal_or_io(path, &e)),
    };
    let meta = f
        .metadata()
        .map_err(|e| io_failure("cannot read", path, &e))?;
    imp::check_private_file(path, &meta)?;
    read_bounded(f, meta.len(), path).map(Some)
}

/// Reads at most [`MAX_FILE`] bytes of an opened file of size `len`.
pub fn read_bounded(f: File, len: u64, path: &Path) -> Result<Vec<u8>, Failure> {
    if len > MAX_FILE {
        return Err(too_large(path));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(MAX_FILE + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| io_failure("cannot read", path, &e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(too_large(path));
    }
    Ok(bytes)
}

fn too_large(path: &Path) -> Failure {
    config(format!(
        "{} is larger than {} MiB: it is not a file tokctl wrote",
        path.display(),
        MAX_FILE >> 20
    ))
}

/// Opens (creating, mode 0600) a lock file, never through a symlink, and
/// checks that it is the user's own.
pub fn open_lock(path: &Path) -> Result<File, Failure> {
    private_dir(parent(path))?;
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(false);
    imp::private_file(&mut opts);
    let f = opts.open(path).map_err(|e| refusal_or_io(path, &e))?;
    let meta = f
        .metadata()
        .map_err(|e| io_failure("cannot read", path, &e))?;
    imp::check_owner(path, &meta, "lock file")?;
    Ok(f)
}

/// Removes a file; a missing one is fine. Its leftover temporary files go
/// too (the caller holds the lock that guards its writers).
pub fn remove_file(path: &Path) -> Result<(), Failure> {
    remove_temps(path, None);
    match fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(io_failure("cannot remove", path, &e)),
        _ => Ok(()),
    }
}

/// `O_NOFOLLOW` on a symlink fails with ELOOP: say what it means.
fn refusal_or_io(path: &Path, e: &io::Error) -> Failure {
    if imp::is_symlink_refusal(e) {
        config(format!(
            "refusing {}: it is a symbolic link, and tokctl never reads or writes its private files through one",
            path.display()
        ))
        .hint(format!(
            "remove the link (`rm {}`); tokctl creates the file itself",
            path.display()
        ))
    } else {
        io_failure("cannot open", path, e)
    }
}

/// Whether `meta` is of a file that belongs to this process's effective
/// user (always true where files have no owners).
pub fn is_mine(meta: &fs::Metadata) -> bool {
    imp::is_mine(meta)
}

fn io_failure(what: &str, path: &Path, e: &io::Error) -> Failure {
    config(format!("{what} {}: {e}", path.display()))
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt, PermissionsExt};

    fn euid() -> u32 {
        // SAFETY: geteuid has no preconditions and cannot fail.
        unsafe { libc::geteuid() }
    }

    pub fn is_mine(meta: &fs::Metadata) -> bool {
        meta.uid() == euid()
    }

    pub fn private_mode(b: &mut fs::DirBuilder) {
        b.mode(0o700);
    }

    pub fn private_file(opts: &mut OpenOptions) {
        opts.mode(0o600)
            .custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }

    pub fn no_follow(opts: &mut OpenOptions) {
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
    }

    pub fn is_symlink_refusal(e: &io::Error) -> bool {
        e.raw_os_error() == Some(libc::ELOOP)
    }

    pub fn check_owner(path: &Path, meta: &fs::Metadata, what: &str) -> Result<(), Failure> {
        if is_mine(meta) {
            return Ok(());
        }
        Err(config(format!(
            "refusing the {what} {}: it belongs to uid {}, not to you (uid {})",
            path.display(),
            meta.uid(),
            euid()
        ))
        .hint(
            "another user could read or replace what tokctl keeps there; remove it, or point tokctl at a directory of yours (TOKCTL_DATA_DIR, --config)"
        ))
    }

    pub fn check_dir_owner_and_mode(dir: &Path, meta: &fs::Metadata) -> Result<(), Failure> {
        check_owner(dir, meta, "directory")?;
        let mode = meta.mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(config(format!(
                "refusing the directory {}: it is writable by {} (mode {mode:o})",
                dir.display(),
                if mode & 0o002 != 0 { "everyone" } else { "its group" },
            ))
            .hint(format!(
                "someone else may have planted files there; check its contents, then `chmod 700 {}`",
                dir.display()
            )));
        }
        Ok(())
    }

    pub fn tighten(dir: &Path, meta: &fs::Metadata) -> io::Result<()> {
        if meta.mode() & 0o777 != 0o700 {
            fs::set_permissions(dir, fs::Permissions::from_mode(0o700))?;
        }
        Ok(())
    }

    pub fn check_private_file(path: &Path, meta: &fs::Metadata) -> Result<(), Failure> {
        if !meta.is_file() {
            return Err(config(format!(
                "refusing {}: not a regular file",
                path.display()
            )));
        }
        check_owner(path, meta, "file")?;
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 || meta.nlink() != 1 {
            return Err(config(format!(
                "refusing {}: tokctl writes it with mode 600 and one link, but it has mode {mode:o} and {} links",
                path.display(),
                meta.nlink()
            ))
            .hint(format!(
                "someone may have replaced it; remove it (`rm {}`) and log in again",
                path.display()
            )));
        }
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    pub fn is_mine(_: &fs::Metadata) -> bool {
        true
    }
    pub fn private_mode(_: &mut fs::DirBuilder) {}
    pub fn private_file(_: &mut OpenOptions) {}
    pub fn no_follow(_: &mut OpenOptions) {}
    pub fn is_symlink_refusal(_: &io::Error) -> bool {
        false
    }
    pub fn check_owner(_: &Path, _: &fs::Metadata, _: &str) -> Result<(), Failure> {
        Ok(())
    }
    pub fn check_dir_owner_and_mode(_: &Path, _: &fs::Metadata) -> Result<(), Failure> {
        Ok(())
    }
    pub fn tighten(_: &Path, _: &fs::Metadata) -> io::Result<()> {
        Ok(())
    }
    pub fn check_private_file(_: &Path, _: &fs::Metadata) -> Result<(), Failure> {
        Ok(())
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
    fn atomic_write_is_private_and_replaces() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("d");
        private_dir(&sub).unwrap();
        let p = sub.join("f.json");
        write_atomic(&p, b"one").unwrap();
        write_atomic(&p, b"two").unwrap();
        assert_eq!(read_private(&p).unwrap().unwrap(), b"two");
        assert_eq!(mode(&p), 0o600);
        assert_eq!(mode(&sub), 0o700);
        assert_eq!(fs::read_dir(&sub).unwrap().count(), 1, "no temp file left");
    }

    #[test]
    fn writable_directories_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path().join("open");
        fs::create_dir(&d).unwrap();
        fs::set_permissions(&d, fs::Permissions::from_mode(0o777)).unwrap();
        let e = private_dir(&d).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::ConfigOrStore);
        assert!(e.message().contains("writable by everyone"), "{e}");
        assert!(write_atomic(&d.join("f"), b"x").is_err());
        assert!(!d.join("f").exists());
        fs::set_permissions(&d, fs::Permissions::from_mode(0o755)).unwrap();
        private_dir(&d).unwrap();
        assert_eq!(mode(&d), 0o700, "a readable one is tightened");
    }

    #[test]
    fn symlinks_and_foreign_modes_are_refused_on_read() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        fs::write(&real, b"x").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let e = read_private(&link).unwrap_err();
        assert!(e.message().contains("symbolic link"), "{e}");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o644)).unwrap();
        assert!(read_private(&real).is_err(), "readable by others");
        fs::set_permissions(&real, fs::Permissions::from_mode(0o600)).unwrap();
        fs::hard_link(&real, dir.path().join("hard")).unwrap();
        assert!(read_private(&real).is_err(), "two links");
        assert_eq!(read_private(&dir.path().join("none")).unwrap(), None);
    }

    #[test]
    fn stale_temps_are_removed_fresh_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("s.json");
        let stale = dir.path().join(".s.json.1234.tmp");
        let fresh = dir.path().join(".s.json.0123456789abcdef.tmp");
        let other = dir.path().join(".t.json.1234.tmp");
        for f in [&stale, &fresh, &other] {
            fs::write(f, b"secret").unwrap();
        }
        let hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
        for f in [&stale, &other] {
            File::options()
                .write(true)
                .open(f)
                .unwrap()
                .set_modified(hour_ago)
                .unwrap();
        }
        write_atomic(&p, b"new").unwrap();
        assert!(!stale.exists(), "a killed writer's file is removed");
        assert!(fresh.exists(), "a writer in progress is left alone");
        assert!(other.exists(), "another file's temps are not ours to judge");
        remove_file(&p).unwrap();
        assert!(!fresh.exists() && !p.exists());
    }

    #[test]
    fn lock_files_are_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        fs::write(&target, b"keep").unwrap();
        let d = dir.path().join("locks");
        private_dir(&d).unwrap();
        std::os::unix::fs::symlink(&target, d.join("p.lock")).unwrap();
        let e = open_lock(&d.join("p.lock")).unwrap_err();
        assert!(e.message().contains("symbolic link"), "{e}");
        assert_eq!(fs::read(&target).unwrap(), b"keep");
    }
}
