//! The command as tokctl's child, and the signals around it (Unix).
//!
//! The signals tokctl cares about are blocked in every thread before
//! anything else starts, and one thread takes them with `sigwait`: it
//! sleeps in the kernel until a signal comes, so supervising costs nothing
//! while nothing happens. The child unblocks them again before its `exec`
//! (a blocked mask is inherited).
//!
//! * SIGTERM, SIGHUP, SIGUSR1, SIGUSR2 and SIGWINCH are passed to the child.
//! * SIGINT and SIGQUIT are swallowed: the terminal sends them to the whole
//!   foreground process group, so the child has them already, and tokctl
//!   must not die first and leave it without fresh tokens.
//! * SIGCHLD means the child may have ended: the files are removed and
//!   tokctl exits with its status (128+N for a signal).
//! * Other signals whose default is to terminate are taken as the end of
//!   tokctl: the files are removed first, then tokctl dies of the signal.
//! * SIGTSTP, SIGTTIN, SIGTTOU and SIGCONT keep their default actions, so
//!   Ctrl-Z stops tokctl and its child together and `fg` resumes both.

use super::files::TokenFiles;
use std::process::{Child, ExitStatus};
use std::sync::{Arc, Mutex};

const FORWARDED: [libc::c_int; 5] = [
    libc::SIGTERM,
    libc::SIGHUP,
    libc::SIGUSR1,
    libc::SIGUSR2,
    libc::SIGWINCH,
];
const SWALLOWED: [libc::c_int; 2] = [libc::SIGINT, libc::SIGQUIT];
const FATAL: [libc::c_int; 7] = [
    libc::SIGALRM,
    libc::SIGVTALRM,
    libc::SIGPROF,
    libc::SIGXCPU,
    libc::SIGXFSZ,
    libc::SIGIO,
    libc::SIGSYS,
];

fn watched() -> libc::sigset_t {
    // SAFETY: sigemptyset initialises the set; sigaddset gets valid numbers.
    unsafe {
        let mut set: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut set);
        for s in FORWARDED.iter().chain(&SWALLOWED).chain(&FATAL) {
            libc::sigaddset(&mut set, *s);
        }
        libc::sigaddset(&mut set, libc::SIGCHLD);
        set
    }
}

/// Blocks the watched signals in this thread, and so in every thread it
/// starts afterwards. Call before spawning the child or any thread.
pub fn block_signals() {
    let set = watched();
    // SAFETY: a valid set; the old mask is not needed.
    unsafe {
        libc::pthread_sigmask(libc::SIG_BLOCK, &set, std::ptr::null_mut());
    }
}

/// Makes `cmd` start with the watched signals unblocked.
pub fn unblock_in_child(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    let set = watched();
    // SAFETY: between fork and exec only pthread_sigmask runs, which is
    // async-signal-safe, on a set built before the fork.
    unsafe {
        cmd.pre_exec(move || {
            libc::pthread_sigmask(libc::SIG_UNBLOCK, &set, std::ptr::null_mut());
            Ok(())
        });
    }
}

/// The exit code that reports `status` like a shell does.
pub fn exit_code(status: ExitStatus) -> u8 {
    use std::os::unix::process::ExitStatusExt;
    match (status.code(), status.signal()) {
        (Some(c), _) => (c & 0xff) as u8,
        (None, Some(sig)) => (128 + sig).clamp(0, 255) as u8,
        _ => 1,
    }
}

/// Starts the thread that supervises `child`: it forwards signals, and
/// when the child ends it removes the files and ends tokctl with the
/// child's status. It never returns control: the process exits from it.
pub fn supervise(mut child: Child, files: Arc<Mutex<TokenFiles>>) {
    std::thread::spawn(move || {
        let set = watched();
        let pid = child.id() as libc::pid_t;
        let finish = |code: i32| -> ! {
            // Holding the lock while exiting: no rewrite can follow removal.
            let guard = files.lock().unwrap_or_else(|e| e.into_inner());
            guard.remove();
            std::process::exit(code)
        };
        loop {
            // A SIGCHLD may have come before this thread started waiting.
            if let Ok(Some(status)) = child.try_wait() {
                finish(exit_code(status).into());
            }
            let mut sig: libc::c_int = 0;
            // SAFETY: a valid set and out-pointer; the signals are blocked.
            if unsafe { libc::sigwait(&set, &mut sig) } != 0 {
                continue;
            }
            if FORWARDED.contains(&sig) {
                // The child is reaped only by this thread, so `pid` is
                // still ours (alive or a zombie) when it is signalled.
                // SAFETY: kill has no memory preconditions.
                unsafe { libc::kill(pid, sig) };
            } else if FATAL.contains(&sig) {
                let guard = files.lock().unwrap_or_else(|e| e.into_inner());
                guard.remove();
                die_of(sig);
            }
        }
    });
}

/// Ends tokctl as if `sig` had not been caught.
fn die_of(sig: libc::c_int) -> ! {
    // SAFETY: restoring the default action and unblocking are always valid.
    unsafe {
        libc::signal(sig, libc::SIG_DFL);
        let mut one: libc::sigset_t = std::mem::zeroed();
        libc::sigemptyset(&mut one);
        libc::sigaddset(&mut one, sig);
        libc::raise(sig);
        libc::pthread_sigmask(libc::SIG_UNBLOCK, &one, std::ptr::null_mut());
    }
    std::process::exit(128 + sig)
}
