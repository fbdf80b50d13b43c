//! One refresh at a time per profile, across processes.
//!
//! A lock file per profile under `<data dir>/locks`, taken with
//! `File::try_lock` in a bounded polling loop. The OS drops the lock when
//! the holder exits, even when it is killed, so a stale lock cannot block
//! anyone.

use crate::error::{Failure, Kind};
use crate::fsutil;
use std::fs::{File, TryLockError};
use std::path::Path;
use std::time::{Duration, Instant};

/// A held profile lock; released on drop.
#[derive(Debug)]
pub struct ProfileLock {
    _file: File,
}

impl ProfileLock {
    /// Waits up to `wait` for the lock of `profile`.
    pub fn acquire(data_dir: &Path, profile: &str, wait: Duration) -> Result<ProfileLock, Failure> {
        let dir = data_dir.join("locks");
        let io_err = |e: std::io::Error| {
            Failure::new(
                Kind::ConfigOrStore,
                format!("cannot lock {}: {e}", dir.display()),
            )
        };
        // Every renewal, login and logout passes here before it sends
        // anything: the data directory is checked once for all of them.
        fsutil::private_dir(data_dir)?;
        let file = fsutil::open_lock(&dir.join(format!("{profile}.lock")))?;
        let start = Instant::now();
        let mut pause = Duration::from_millis(2);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(ProfileLock { _file: file }),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(io_err(e)),
            }
            if start.elapsed() >= wait {
                return Err(Failure::new(
                    Kind::Remote,
                    format!(
                        "another tokctl process has been renewing profile '{profile}' for over {}",
                        humantime::format_duration(wait)
                    ),
                )
                .hint("the server may be slow; try again, or raise --timeout"));
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(50));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn second_holder_times_out_then_gets_it() {
        let dir = tempfile::tempdir().unwrap();
        let a = ProfileLock::acquire(dir.path(), "p", Duration::ZERO).unwrap();
        let e = ProfileLock::acquire(dir.path(), "p", Duration::from_millis(30)).unwrap_err();
        assert_eq!(e.kind, Kind::Remote);
        assert!(e.message().contains("profile 'p'"));
        // A different profile is independent.
        ProfileLock::acquire(dir.path(), "q", Duration::ZERO).unwrap();
        drop(a);
        ProfileLock::acquire(dir.path(), "p", Duration::ZERO).unwrap();
    }
}
