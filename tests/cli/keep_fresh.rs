//! `exec --keep-fresh` / `--token-file`: a command that outlives several
//! tokens keeps working through the files tokctl renews, whatever the
//! server does meanwhile; tokctl forwards signals, reports the command's
//! status and leaves nothing behind.

use crate::common::mock_api::MockApi;
use crate::common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

struct Job {
    env: TestEnv,
    mock: MockApi,
}

/// A profile `rm` logged in to a mock whose tokens live `ttl` seconds.
fn job(ttl: u64) -> Job {
    let env = TestEnv::new();
    let mock = MockApi::start_with(&["--access-ttl", &ttl.to_string()]);
    env.login_mock(&mock, "rm");
    std::fs::create_dir_all(env.runtime_dir()).unwrap();
    Job { env, mock }
}

impl TestEnv {
    /// `$XDG_RUNTIME_DIR` of the tokctl runs of this test.
    fn runtime_dir(&self) -> PathBuf {
        self.dir.path().join("run")
    }

    /// `tokctl exec -p rm --keep-fresh ARGS -- sh -c SCRIPT`, not yet started.
    fn keep_fresh(&self, args: &[&str], script: &str) -> Command {
        let mut cmd = self.tokctl_std();
        cmd.env("XDG_RUNTIME_DIR", self.runtime_dir())
            .args(["exec", "-p", "rm", "--keep-fresh"])
            .args(args)
            .args(["--", "sh", "-c", script]);
        cmd
    }

    /// The run directories under `$XDG_RUNTIME_DIR/tokctl`.
    fn run_dirs(&self) -> Vec<PathBuf> {
        std::fs::read_dir(self.runtime_dir().join("tokctl"))
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default()
    }
}

/// Waits for a running child's exit status, at most `secs`.
fn wait_exit(child: &mut Child, secs: u64) -> std::process::ExitStatus {
    let mut status = None;
    wait_for("the exit", secs, || {
        status = child.try_wait().unwrap();
        status.is_some()
    });
    status.unwrap()
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

#[test]
fn a_long_job_calls_the_api_over_several_token_lifetimes() {
    let Job { env, mock } = job(3);
    let before = mock.refreshes();
    // Every 0.7 s for ~10 s, three lifetimes: each call must succeed. The
    // script also reports the files' names, modes and shapes.
    let script = format!(
        r#"stat -c '%a %n' "$(dirname "$TOKCTL_HEADER_FILE")" "$TOKCTL_TOKEN_FILE" "$TOKCTL_HEADER_FILE"
[ "$BEARER_TOKEN_FILE" = "$TOKCTL_TOKEN_FILE" ] || exit 90
[ "$(cat "$TOKCTL_HEADER_FILE")" = "Authorization: Bearer $(cat "$TOKCTL_TOKEN_FILE")" ] || exit 91
[ "$(wc -l < "$TOKCTL_TOKEN_FILE")" = 0 ] || exit 92
for i in $(seq 14); do
  curl -sf -o /dev/null -H @"$TOKCTL_HEADER_FILE" {}/api/things || exit 93
  sleep 0.7
done"#,
        mock.url
    );
    let out = env.keep_fresh(&[], &script).output().unwrap();
    assert!(out.status.success(), "{:?}\n{}", out.status, stderr(&out));
    let listing = stdout(&out);
    let lines: Vec<&str> = listing.lines().collect();
    assert_eq!(lines.len(), 3, "{listing}");
    assert!(lines[0].starts_with("700 "), "{listing}");
    assert!(
        lines[1].starts_with("600 ") && lines[2].starts_with("600 "),
        "{listing}"
    );
    let renewals = mock.refreshes() - before;
    assert!(
        (3..=7).contains(&renewals),
        "{renewals} renewals in ~10 s of 3 s tokens"
    );
    for line in lines {
        let path = line.split_once(' ').unwrap().1;
        assert!(!Path::new(path).exists(), "{path} was left behind");
    }
    assert!(env.run_dirs().is_empty(), "{:?}", env.run_dirs());
    assert_eq!(stderr(&out), "", "no warnings when all is well");
}

#[test]
fn the_commands_status_is_tokctls() {
    let Job { env, .. } = job(3600);
    for (script, code) in [
        ("exit 0", 0),
        ("exit 7", 7),
        ("kill -TERM $$", 143),
        ("kill -KILL $$", 137),
    ] {
        let out = env.keep_fresh(&[], script).output().unwrap();
        assert_eq!(out.status.code(), Some(code), "{script}: {}", stderr(&out));
    }
    let mut cmd = env.tokctl_std();
    let out = cmd
        .env("XDG_RUNTIME_DIR", env.runtime_dir())
        .args([
            "exec",
            "-p",
            "rm",
            "--keep-fresh",
            "--",
            "no-such-command-here",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert_contains(&stderr(&out), "command not found");
    assert!(
        env.run_dirs().is_empty(),
        "nothing left behind: {:?}",
        env.run_dirs()
    );
}

/// A child that reports each signal it gets in `log`, and ends on `stop`.
const TRAPPER: &str = r#"for s in TERM HUP USR1 USR2 WINCH INT QUIT; do trap "echo $s >> \"$LOG\"" $s; done
echo ready >> "$LOG"
while [ ! -e "$STOP" ]; do sleep 0.1; done
exit 5"#;

#[test]
fn signals_are_forwarded_and_the_terminals_are_not_fatal() {
    let Job { env, .. } = job(3600);
    let log = env.dir.path().join("signals.log");
    let stop = env.dir.path().join("stop");
    let mut child = env
        .keep_fresh(&[], TRAPPER)
        .env("LOG", &log)
        .env("STOP", &stop)
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    wait_for("the child", 10, || read(&log).contains("ready"));
    let pid = child.id().to_string();
    for sig in ["TERM", "HUP", "USR1", "USR2", "WINCH"] {
        let out = Command::new("kill")
            .args(["-s", sig, &pid])
            .output()
            .unwrap();
        assert!(out.status.success());
        wait_for(sig, 10, || read(&log).lines().any(|l| l == sig));
    }
    // INT and QUIT to tokctl alone: the terminal sends them to the whole
    // group, so the child has its own; tokctl must not die of them.
    for sig in ["INT", "QUIT"] {
        Command::new("kill")
            .args(["-s", sig, &pid])
            .status()
            .unwrap();
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        child.try_wait().unwrap().is_none(),
        "tokctl survived SIGINT/SIGQUIT"
    );
    assert!(
        !read(&log).contains("INT"),
        "not forwarded: the terminal sends its own"
    );
    std::fs::write(&stop, "").unwrap();
    assert_eq!(wait_exit(&mut child, 10).code(), Some(5));
    assert!(env.run_dirs().is_empty());
}

#[test]
fn a_catchable_signal_that_ends_tokctl_removes_the_files_first() {
    let Job { env, .. } = job(3600);
    let log = env.dir.path().join("files");
    let mut child = env
        .keep_fresh(&[], r#"echo "$TOKCTL_TOKEN_FILE" > "$LOG"; exec sleep 30"#)
        .env("LOG", &log)
        .spawn()
        .unwrap();
    wait_for("the child", 10, || read(&log).ends_with('\n'));
    let token_file = PathBuf::from(read(&log).trim());
    assert!(token_file.exists());
    Command::new("kill")
        .args(["-s", "ALRM", &child.id().to_string()])
        .status()
        .unwrap();
    use std::os::unix::process::ExitStatusExt;
    assert_eq!(wait_exit(&mut child, 10).signal(), Some(libc::SIGALRM));
    assert!(!token_file.exists());
    assert!(env.run_dirs().is_empty());
}

#[test]
fn a_killed_tokctls_directory_is_removed_by_the_next_run() {
    let Job { env, .. } = job(3600);
    let mut child = env.keep_fresh(&[], "exec sleep 30").spawn().unwrap();
    wait_for("the run directory", 10, || env.run_dirs().len() == 1);
    let stale = env.run_dirs()[0].clone();
    child.kill().unwrap(); // SIGKILL: nothing can be cleaned up
    child.wait().unwrap();
    assert!(stale.exists());
    let out = env.keep_fresh(&[], "true").output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stale.exists(), "the dead run's directory is gone");
    assert!(env.run_dirs().is_empty());
}

#[test]
fn the_supervisor_sleeps_while_nothing_happens() {
    let Job { env, .. } = job(3600);
    let mut child = env.keep_fresh(&[], "exec sleep 30").spawn().unwrap();
    wait_for("the run directory", 10, || env.run_dirs().len() == 1);
    // Measure from when the supervisor has started its command and has
    // nothing left to do, not from the moment its directory exists.
    let pid = libc::pid_t::try_from(child.id()).unwrap();
    wait_for("the command under the supervisor", 10, || {
        running_sleep_where(STAT_PPID, pid)
    });
    let cpu = || {
        // utime + stime, in clock ticks, fields 14 and 15 of /proc/PID/stat.
        let stat = read(Path::new(&format!("/proc/{}/stat", child.id())));
        let after_name = stat.rsplit_once(')').unwrap().1;
        let f: Vec<&str> = after_name.split_whitespace().collect();
        f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap()
    };
    let start = cpu();
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(cpu() - start, 0, "no CPU tick in 3 quiet seconds");
    Command::new("kill")
        .args(["-s", "TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(wait_exit(&mut child, 10).code(), Some(143));
}

/// A running `exec --keep-fresh` whose child waits until the test lets it
/// go, with tokctl's stderr collected line by line.
struct Running {
    child: Child,
    lines: std::sync::Arc<std::sync::Mutex<Vec<String>>>,
    token_file: PathBuf,
    stop: PathBuf,
}

impl Running {
    fn start(env: &TestEnv) -> Running {
        let stop = env.dir.path().join("stop");
        let path_file = env.dir.path().join("token-file-name");
        let script =
            r#"echo "$TOKCTL_TOKEN_FILE" > "$NAME"; while [ ! -e "$STOP" ]; do sleep 0.1; done"#;
        let mut child = env
            .keep_fresh(&[], script)
            .env("STOP", &stop)
            .env("NAME", &path_file)
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let (err, sink) = (child.stderr.take().unwrap(), lines.clone());
        std::thread::spawn(move || {
            for l in BufReader::new(err).lines().map_while(Result::ok) {
                sink.lock().unwrap().push(l);
            }
        });
        wait_for("the child", 10, || read(&path_file).ends_with('\n'));
        let token_file = PathBuf::from(read(&path_file).trim());
        Running {
            child,
            lines,
            token_file,
            stop,
        }
    }

    fn token(&self) -> String {
        read(&self.token_file)
    }

    fn wait_for_line(&self, what: &str, needle: &str) {
        wait_for(what, 30, || {
            self.lines
                .lock()
                .unwrap()
                .iter()
                .any(|l| l.contains(needle))
        });
    }

    /// Lets the child end; asserts tokctl's status 0 and returns its stderr.
    fn finish(mut self) -> Vec<String> {
        std::fs::write(&self.stop, "").unwrap();
        assert_eq!(wait_exit(&mut self.child, 10).code(), Some(0));
        self.lines.lock().unwrap().clone()
    }

    fn count(lines: &[String], needle: &str) -> usize {
        lines.iter().filter(|l| l.contains(needle)).count()
    }
}

#[test]
fn an_outage_keeps_the_last_token_warns_once_and_resumes() {
    let Job { env, mock } = job(3);
    let run = Running::start(&env);
    mock.outage(503, None);
    run.wait_for_line("the warning", "warning: cannot renew");
    let kept = run.token();
    assert!(!kept.is_empty(), "the last good token stays in the file");
    // Several failed attempts: still one warning, and the child lives on.
    std::thread::sleep(Duration::from_secs(6));
    assert_eq!(run.token(), kept);
    mock.end_outage();
    wait_for("a renewed token", 30, || {
        let now = run.token();
        !now.is_empty() && now != kept && mock.accepts(&now)
    });
    let lines = run.finish();
    assert_eq!(
        Running::count(&lines, "warning: cannot renew"),
        1,
        "{lines:?}"
    );
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("tokctl: warning: cannot renew the token (")),
        "one `warning:`, after tokctl's name: {lines:?}"
    );
    assert_eq!(Running::count(&lines, "renewed again"), 1, "{lines:?}");
    assert_eq!(Running::count(&lines, &kept), 0, "no token in messages");
}

#[test]
fn a_dead_login_is_reported_once_and_a_new_login_is_picked_up() {
    let Job { env, mock } = job(3);
    let run = Running::start(&env);
    // The refresh token is refused from now on.
    mock.outage(401, None);
    run.wait_for_line("the report", "tokctl login -p rm");
    let dead = run.token();
    mock.end_outage();
    // Another terminal logs in again.
    env.login_mock(&mock, "rm");
    wait_for("the new login's token", 30, || {
        let now = run.token();
        now != dead && mock.accepts(&now)
    });
    let lines = run.finish();
    assert_eq!(Running::count(&lines, "tokctl login -p rm"), 1, "{lines:?}");
}

#[test]
fn five_jobs_on_one_profile_share_one_refresh_per_round() {
    let Job { env, mock } = job(4);
    let before = mock.refreshes();
    let children: Vec<Child> = (0..5)
        .map(|_| {
            env.keep_fresh(&[], "sleep 9")
                .stdout(Stdio::null())
                .spawn()
                .unwrap()
        })
        .collect();
    for mut c in children {
        assert!(wait_exit(&mut c, 30).success());
    }
    // A renewal every 2 s (half of 4 s) for 9 s: about 4 rounds, not 4 × 5.
    let renewals = mock.refreshes() - before;
    assert!(
        (2..=6).contains(&renewals),
        "{renewals} refreshes for five jobs"
    );
    assert!(env.run_dirs().is_empty());
}

#[test]
fn token_file_puts_the_token_where_asked_and_never_through_a_symlink() {
    let Job { env, .. } = job(3600);
    let shared = env.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    std::os::unix::fs::PermissionsExt::set_mode(
        &mut std::fs::metadata(&shared).unwrap().permissions(),
        0o700,
    );
    let victim = env.dir.path().join("victim");
    std::fs::write(&victim, "precious").unwrap();
    let target = shared.join("token");
    std::os::unix::fs::symlink(&victim, &target).unwrap();
    let out = env
        .keep_fresh(
            &["--token-file", target.to_str().unwrap()],
            r#"[ "$TOKCTL_TOKEN_FILE" = "$T" ] && [ ! -L "$T" ] && stat -c %a "$T" && cat "$T""#,
        )
        .env("T", &target)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.starts_with("600\n") && text.len() > 10, "{text}");
    assert_eq!(
        read(&victim),
        "precious",
        "the planted link was not followed"
    );
    assert!(
        !target.exists() && target.symlink_metadata().is_err(),
        "removed at exit"
    );
    // Its directory must exist.
    let out = env
        .keep_fresh(&["--token-file", "/nonexistent-dir/token"], "echo ran")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stdout(&out), "", "the command did not run");
}

#[test]
fn a_planted_symlink_at_the_token_directory_is_refused() {
    let Job { env, .. } = job(3600);
    let elsewhere = env.dir.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    std::os::unix::fs::symlink(&elsewhere, env.runtime_dir().join("tokctl")).unwrap();
    let out = env.keep_fresh(&[], "echo ran").output().unwrap();
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        std::fs::read_dir(&elsewhere).unwrap().count(),
        0,
        "nothing written through the link"
    );
}

/// An interactive bash on a pseudo-terminal, driven like a user would.
struct Terminal {
    master: std::fs::File,
    seen: std::sync::Arc<std::sync::Mutex<String>>,
    shell: Child,
}

impl Terminal {
    fn start(mut cmd: Command) -> Terminal {
        use std::os::fd::FromRawFd;
        use std::os::unix::process::CommandExt;
        let (mut master, mut slave) = (0, 0);
        // SAFETY: out-pointers to two ints; no name, termios or size.
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(rc, 0, "openpty");
        // SAFETY: openpty returned two fresh descriptors that we now own.
        let (master, slave) = unsafe {
            (
                std::fs::File::from_raw_fd(master),
                std::fs::File::from_raw_fd(slave),
            )
        };
        cmd.stdin(slave.try_clone().unwrap())
            .stdout(slave.try_clone().unwrap())
            .stderr(slave)
            .env("TERM", "dumb")
            .env("PS1", "outer$ ");
        // SAFETY: signal, setsid and ioctl are async-signal-safe.
        unsafe {
            cmd.pre_exec(|| {
                // A terminal session starts with the default actions; a test
                // run started in the background (`cmd &` in a script) would
                // hand down SIGINT and SIGQUIT ignored, and Ctrl-C would
                // reach a sleep that cannot die of it.
                libc::signal(libc::SIGINT, libc::SIG_DFL);
                libc::signal(libc::SIGQUIT, libc::SIG_DFL);
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let shell = cmd.spawn().unwrap();
        let seen = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let (mut reader, sink) = (master.try_clone().unwrap(), seen.clone());
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = std::io::Read::read(&mut reader, &mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock()
                    .unwrap()
                    .push_str(&String::from_utf8_lossy(&buf[..n]));
            }
        });
        Terminal {
            master,
            seen,
            shell,
        }
    }

    fn send(&mut self, text: &str) {
        std::io::Write::write_all(&mut self.master, text.as_bytes()).unwrap();
    }

    /// Waits until a `sleep` in the terminal's foreground process group is
    /// running (not stopped): only then does Ctrl-Z or Ctrl-C reach it. The
    /// shell hands the terminal over and continues a job in its own time,
    /// so a fixed pause before the keystroke races with a loaded machine.
    fn wait_for_running_sleep(&self) {
        use std::os::fd::AsRawFd;
        let fd = self.master.as_raw_fd();
        wait_for("a running sleep in the foreground", 20, || {
            // SAFETY: tcgetpgrp only reads the pty's foreground group.
            let fg = unsafe { libc::tcgetpgrp(fd) };
            fg > 0 && group_has_running_sleep(fg)
        });
    }

    /// Waits for `text` to appear after everything matched so far.
    fn expect(&self, text: &str, from: &mut usize) {
        wait_for(&format!("{text:?} on the terminal"), 20, || {
            let seen = self.seen.lock().unwrap();
            match seen[*from..].find(text) {
                Some(at) => {
                    *from += at + text.len();
                    true
                }
                None => false,
            }
        });
    }

    /// Job control on the `sleep 30` being started in the foreground under
    /// the shell prompting `prompt`: Ctrl-Z stops it (the shell says so and
    /// prompts), `fg` resumes it, Ctrl-C ends it and the shell prompts again.
    fn stop_resume_interrupt(&mut self, prompt: &str, at: &mut usize) {
        self.wait_for_running_sleep();
        self.send("\x1a");
        self.expect("Stopped", at);
        self.expect(prompt, at);
        self.send("fg\n");
        self.expect("sleep 30", at);
        self.wait_for_running_sleep();
        self.send("\x03");
        self.expect(prompt, at);
    }
}

/// Whether a process of group `pgrp` is `sleep` and not stopped.
fn group_has_running_sleep(pgrp: libc::pid_t) -> bool {
    running_sleep_where(STAT_PGRP, pgrp)
}

/// Fields of `/proc/PID/stat` after "pid (comm)": state, ppid, pgrp, ….
const STAT_PPID: usize = 1;
const STAT_PGRP: usize = 2;

/// Whether some `sleep` that is not stopped has `id` in stat field `field`
/// ([`STAT_PPID`]: its parent; [`STAT_PGRP`]: its process group).
fn running_sleep_where(field: usize, id: libc::pid_t) -> bool {
    let Ok(procs) = std::fs::read_dir("/proc") else {
        return false;
    };
    procs.flatten().any(|p| {
        let Ok(stat) = std::fs::read_to_string(p.path().join("stat")) else {
            return false;
        };
        let Some((head, tail)) = stat.rsplit_once(')') else {
            return false;
        };
        let fields: Vec<&str> = tail.split_whitespace().collect();
        head.ends_with("(sleep")
            && fields.first().is_some_and(|st| *st != "T" && *st != "t")
            && fields.get(field).and_then(|g| g.parse().ok()) == Some(id)
    })
}

impl Drop for Terminal {
    fn drop(&mut self) {
        let _ = self.shell.kill();
        let _ = self.shell.wait();
    }
}

#[test]
fn job_control_works_through_the_supervisor() {
    let Job { env, .. } = job(3600);
    let mut shell = env.client("bash");
    shell
        .args(["--norc", "--noprofile", "-i"])
        .env("XDG_RUNTIME_DIR", env.runtime_dir())
        .env("T", env.tokctl_path());
    let mut term = Terminal::start(shell);
    let mut at = 0;
    term.expect("outer$ ", &mut at);
    // Ctrl-Z stops tokctl and its child together, fg resumes both, Ctrl-C
    // ends the child, and tokctl reports it (130) and cleans up.
    term.send("\"$T\" exec -p rm --keep-fresh -- sleep 30\n");
    wait_for("the run directory", 10, || env.run_dirs().len() == 1);
    term.stop_resume_interrupt("outer$ ", &mut at);
    term.send("echo \"rc=$?\"\n");
    term.expect("rc=130", &mut at);
    assert!(env.run_dirs().is_empty(), "{:?}", env.run_dirs());
    // An interactive shell under tokctl keeps its own job control.
    term.send("PS1='inner$ ' \"$T\" exec -p rm --keep-fresh -- bash --norc --noprofile -i\n");
    term.expect("inner$ ", &mut at);
    term.send("sleep 30\n");
    term.stop_resume_interrupt("inner$ ", &mut at);
    term.send("test -s \"$TOKCTL_HEADER_FILE\" && echo files-ok; exit 4\n");
    term.expect("files-ok", &mut at);
    term.expect("outer$ ", &mut at);
    term.send("echo \"rc=$?\"\n");
    term.expect("rc=4", &mut at);
    assert!(env.run_dirs().is_empty(), "{:?}", env.run_dirs());
}
