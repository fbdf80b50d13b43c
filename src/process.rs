//! What tokctl's own process allows, and what its children inherit.
//!
//! tokctl holds tokens and passwords in memory, and a release build aborts
//! on a panic: a core dump would write them to disk where others may read
//! them. So core dumps are off from the first instruction of `main`
//! (`RLIMIT_CORE` 0 and, on Linux, not dumpable, which also keeps other
//! processes of the same user from attaching a debugger). A child — the
//! command `exec` runs, the browser — must behave exactly as if the user
//! had started it, so it gets the caller's own core limit back, and it
//! never inherits the secret inputs tokctl read from its environment.

use std::process::Command;
use std::sync::OnceLock;

/// Environment variables that carry secrets into tokctl; no child sees them.
pub const SECRET_INPUTS: &[&str] = &["TOKCTL_PASSWORD", "TOKCTL_CLIENT_SECRET"];

/// The core-dump limit tokctl was started with.
#[cfg(unix)]
static CALLER_CORE_LIMIT: OnceLock<libc::rlimit> = OnceLock::new();
#[cfg(not(unix))]
static CALLER_CORE_LIMIT: OnceLock<()> = OnceLock::new();

/// Turns core dumps off for this process, remembering the caller's limit
/// for the children. Call first thing in `main`.
pub fn no_core_dumps() {
    #[cfg(unix)]
    {
        let mut old = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: plain system calls on valid pointers to local structs.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_CORE, &mut old) == 0 {
                let _ = CALLER_CORE_LIMIT.set(old);
            }
            // Only the soft limit drops: the hard one stays, so a child can
            // be given the caller's soft limit back.
            let off = libc::rlimit {
                rlim_cur: 0,
                rlim_max: old.rlim_max,
            };
            libc::setrlimit(libc::RLIMIT_CORE, &off);
            #[cfg(any(target_os = "linux", target_os = "android"))]
            libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0);
        }
    }
}

/// A command for a child process: without tokctl's secret inputs in its
/// environment, and with the caller's core-dump limit (restored between
/// fork and exec, so it holds for `exec` replacing tokctl too; the
/// dumpable flag is reset by the kernel at exec).
pub fn child_command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for var in SECRET_INPUTS {
        cmd.env_remove(var);
    }
    #[cfg(unix)]
    if let Some(limit) = CALLER_CORE_LIMIT.get().copied() {
        use std::os::unix::process::CommandExt;
        // SAFETY: setrlimit is async-signal-safe and the closure touches
        // nothing but its own copy of the limit.
        unsafe {
            cmd.pre_exec(move || {
                libc::setrlimit(libc::RLIMIT_CORE, &limit);
                Ok(())
            });
        }
    }
    cmd
}
