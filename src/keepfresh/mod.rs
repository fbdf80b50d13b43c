//! `exec --keep-fresh`: tokctl stays the command's parent and keeps the
//! token fresh in files for the command's whole life.
//!
//! Two threads, both asleep in the kernel between events. The supervisor
//! thread ([`child`]) waits for signals and the child's end. This one waits
//! on a timer for the next renewal time, renews through the session (the
//! same single flight as `print-header`: one refresh for every process of
//! the profile, and a token another process got is taken as it is), and
//! rewrites the files. A failed renewal never touches the files or the
//! command: it warns once per kind of failure and tries again later.

#[cfg(unix)]
mod child;
mod files;
mod schedule;

use crate::cli::ExecArgs;
use crate::ctx::Ctx;
use crate::error::{Failure, Kind, usage};
use crate::session::{Session, Which};
use crate::token::{AccessToken, now};
use files::TokenFiles;
use schedule::Failures;
use std::path::PathBuf;
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How `exec` reports a command that cannot start: the exit code and the message.
pub type LaunchFailure = fn(&str, &std::io::Error) -> (u8, String);

/// The token to start with: the current one when it is fresh enough for
/// the schedule (so that several runs starting together do not each renew
/// a short-lived token), else a renewed one.
pub fn first_token(
    session: &Session,
    min_valid: Duration,
    which: &Which,
) -> Result<AccessToken, Failure> {
    let t = session.ensure_fresh_as(Duration::ZERO, which)?;
    match schedule::needed_validity(&t, min_valid) {
        Some(need) if t.valid_for(need + Duration::from_secs(1), now()) => Ok(t),
        Some(need) => session.ensure_fresh_as(need + Duration::from_secs(1), which),
        None => Ok(t),
    }
}

/// Runs `cmd` (already holding the usual variables) under supervision,
/// starting from the token `t`. It returns only when the command cannot
/// start (with `launch_failure`'s code); otherwise tokctl exits with the
/// command's status.
pub fn run(
    ctx: &Ctx,
    session: &Session,
    which: &Which,
    args: &ExecArgs,
    mut cmd: Command,
    t: AccessToken,
    launch_failure: LaunchFailure,
) -> anyhow::Result<u8> {
    if let Some(path) = &args.token_file {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(std::path::Path::new("."));
        if !dir.is_dir() {
            return Err(usage(format!(
                "--token-file {}: the directory {} does not exist",
                path.display(),
                dir.display()
            ))
            .into());
        }
    }
    let files = TokenFiles::create(&base_dir(ctx), args.token_file.as_deref(), t.token.expose())?;
    cmd.env("TOKCTL_TOKEN_FILE", files.token_path())
        .env("BEARER_TOKEN_FILE", files.token_path())
        .env("TOKCTL_HEADER_FILE", files.header_path());
    let files = Arc::new(Mutex::new(files));
    if let Err(e) = imp::start(cmd, files.clone()) {
        files.lock().unwrap_or_else(|e| e.into_inner()).remove();
        let (code, msg) = launch_failure(&args.command[0].to_string_lossy(), &e);
        crate::output::error(&msg, None);
        return Ok(code);
    }
    let job = Job {
        ctx,
        session,
        profile: session.name(),
        which,
    };
    job.keep_fresh(args.token.min_valid, t, &files)
}

/// `$XDG_RUNTIME_DIR` when set, else the data directory's `run/`.
fn base_dir(ctx: &Ctx) -> PathBuf {
    match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
        Some(d) => PathBuf::from(d),
        None => ctx.data_dir.join("run"),
    }
}

/// One supervised run's view of its profile.
struct Job<'a> {
    ctx: &'a Ctx,
    session: &'a Session<'a>,
    profile: &'a str,
    /// The token the files hold (`--id-token`, `--scope`, …).
    which: &'a Which,
}

/// The renewal loop; it ends only with the process.
impl Job<'_> {
    fn keep_fresh(
        &self,
        min_valid: Duration,
        mut current: AccessToken,
        files: &Mutex<TokenFiles>,
    ) -> ! {
        let mut failures = Failures::default();
        let mut pause = None;
        loop {
            let wait = pause
                .take()
                .or_else(|| schedule::renew_in(&current, min_valid, since_epoch()));
            match wait {
                // The floor keeps a token that cannot be renewed early from
                // turning the loop into a busy one.
                Some(d) => sleep(d.max(Duration::from_millis(250))),
                // A token of unknown lifetime: nothing to do until the child ends.
                None => loop {
                    std::thread::park();
                },
            }
            let need = schedule::needed_validity(&current, min_valid).unwrap_or(min_valid);
            // One second more than the schedule asked for: at the due instant
            // the old token has exactly `need` left, which would still pass.
            match self.renew(
                need + Duration::from_secs(1),
                &current,
                failures.login_dead(),
            ) {
                Ok(t) => {
                    if failures.clear() {
                        self.notice("the token is renewed again");
                    }
                    if t.token != current.token {
                        let guard = files.lock().unwrap_or_else(|e| e.into_inner());
                        if let Err(e) = guard.write(t.token.expose()) {
                            self.notice(&format!("warning: cannot rewrite the token files: {e:#}"));
                        }
                    }
                    current = t;
                }
                Err(e) => {
                    let (warning, p) = failures.record(&e);
                    if let Some(w) = warning {
                        // A warning, not a notice: even -q shows it once.
                        self.ctx.out.warn(&w);
                    }
                    pause = Some(p);
                }
            }
        }
    }

    /// A token valid for `need`. After a dead login (`waiting`), the
    /// server is asked again only once the cache shows that a login
    /// happened elsewhere (a token other than `current`): until then it
    /// would only refuse the same refresh token again.
    fn renew(
        &self,
        need: Duration,
        current: &AccessToken,
        waiting: bool,
    ) -> Result<AccessToken, Failure> {
        if waiting {
            let cache = self.ctx.cache();
            let rec = match self.which {
                Which::Narrowed(sel) => cache.read_narrowed(self.profile, sel),
                _ => cache.read(self.profile),
            }
            .unwrap_or_default();
            // A `cache = false` profile keeps its token elsewhere: only
            // the session can tell.
            let cache_false = rec.access.is_none() && rec.expires_at.is_some();
            let seen = match self.which {
                Which::Id => rec.id_token,
                _ => rec.access,
            };
            let logged_in_again = seen.is_some_and(|t| t.token != current.token);
            if !(cache_false || logged_in_again) {
                return Err(Failure::new(
                    Kind::LoginRequired,
                    "still waiting for a new login",
                ));
            }
        }
        self.session.ensure_fresh_as(need, self.which)
    }

    fn notice(&self, msg: &str) {
        self.ctx.out.notice(msg);
    }
}

fn since_epoch() -> Duration {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default()
}

/// Sleeps `d` on the clock that keeps counting while the machine is
/// suspended (Linux's CLOCK_BOOTTIME), so that a laptop waking up renews at
/// once instead of `d` after waking.
#[cfg(target_os = "linux")]
fn sleep(d: Duration) {
    // SAFETY: valid timespec pointers; EINTR is retried with the same deadline.
    unsafe {
        let mut t: libc::timespec = std::mem::zeroed();
        libc::clock_gettime(libc::CLOCK_BOOTTIME, &mut t);
        let end = t.tv_nsec as i64 + i64::from(d.subsec_nanos());
        t.tv_sec += d.as_secs().min(i32::MAX as u64) as libc::time_t
            + (end / 1_000_000_000) as libc::time_t;
        t.tv_nsec = (end % 1_000_000_000) as _;
        while libc::clock_nanosleep(
            libc::CLOCK_BOOTTIME,
            libc::TIMER_ABSTIME,
            &t,
            std::ptr::null_mut(),
        ) == libc::EINTR
        {}
    }
}

#[cfg(not(target_os = "linux"))]
fn sleep(d: Duration) {
    std::thread::sleep(d);
}

#[cfg(unix)]
mod imp {
    use super::*;

    /// Spawns the command with the signals already routed to the supervisor.
    pub fn start(mut cmd: Command, files: Arc<Mutex<TokenFiles>>) -> std::io::Result<()> {
        child::block_signals();
        child::unblock_in_child(&mut cmd);
        let c = cmd.spawn()?;
        child::supervise(c, files);
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    pub fn start(_: Command, _: Arc<Mutex<TokenFiles>>) -> std::io::Result<()> {
        Err(std::io::Error::other("--keep-fresh needs a Unix system"))
    }
}
