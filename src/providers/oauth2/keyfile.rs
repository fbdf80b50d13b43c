//! The client's key and certificate files (`--client-key`,
//! `--client-cert`).
//!
//! A private key file is refused, as ssh refuses its keys, unless it belongs
//! to the user and nobody else may read it: a key that others can read is
//! no proof of the client any more, and one that another user owns can be
//! swapped under us. Exit 5, with the command that fixes it.

use crate::error::{Failure, config};
use crate::secret::Secret;
use std::io::Read;
use std::path::Path;

/// PEM files are small; anything larger is not one.
const MAX_LEN: u64 = 64 * 1024;

/// Reads a private key file after checking its owner and mode.
pub fn read_private(path: &Path) -> Result<Secret<String>, Failure> {
    let (text, meta) = read(path, "private key")?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let shown = path.display();
        if !crate::fsutil::is_mine(&meta) {
            return Err(config(format!(
                "the private key {shown} belongs to another user (uid {}); refusing to use it",
                meta.uid()
            ))
            .hint(format!("use a key file of your own, e.g. a copy made with `install -m 600 {shown} ~/.config/tokctl/`")));
        }
        let mode = meta.mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(config(format!(
                "the private key {shown} can be read by others (mode {mode:03o}); refusing to use it"
            ))
            .hint(format!("run `chmod 600 {shown}`")));
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    Ok(Secret::new(text))
}

/// Reads a certificate file (public: no ownership rule).
pub fn read_public(path: &Path) -> Result<String, Failure> {
    read(path, "certificate").map(|(text, _)| text)
}

fn read(path: &Path, what: &str) -> Result<(String, std::fs::Metadata), Failure> {
    let cannot = |e: &dyn std::fmt::Display| {
        config(format!("cannot read the {what} {}: {e}", path.display()))
    };
    let f = std::fs::File::open(path).map_err(|e| cannot(&e))?;
    // The checks apply to the file actually opened, not to a name that
    // could be replaced between a check and the open.
    let meta = f.metadata().map_err(|e| cannot(&e))?;
    if !meta.is_file() || meta.len() > MAX_LEN {
        return Err(cannot(&"it is not a PEM file"));
    }
    let mut text = String::new();
    f.take(MAX_LEN)
        .read_to_string(&mut text)
        .map_err(|_| cannot(&"it is not a PEM text file"))?;
    Ok((text, meta))
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    #[test]
    fn a_key_others_can_read_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("key.pem");
        std::fs::write(&p, "-----BEGIN PRIVATE KEY-----\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        let e = read_private(&p).unwrap_err();
        assert_eq!(e.kind, crate::error::Kind::ConfigOrStore);
        assert!(e.message().contains("mode 640"), "{}", e.message());
        assert!(
            !e.message().contains("BEGIN"),
            "the content is never quoted"
        );
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert!(read_private(&p).is_ok());
        assert!(read_private(&dir.path().join("missing.pem")).is_err());
    }
}
