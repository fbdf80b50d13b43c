//! What the process start-up guarantees (tokctl has its own entry point, so
//! these are tokctl's promises, not std's): standard descriptors that are
//! closed are not handed to the first file opened, and a child started by
//! `exec` gets SIGPIPE at its default.

use crate::common::*;

/// `sh -c 'exec tokctl ARGS <&- >&-'`: tokctl with stdin and stdout closed.
fn with_stdin_and_stdout_closed(env: &TestEnv, args: &[&str]) -> std::process::Output {
    let tokctl = env.tokctl_std();
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(r#"exec "$0" "$@" <&- >&-"#)
        .arg(tokctl.get_program())
        .args(args);
    for (k, v) in tokctl.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    cmd.output().unwrap()
}

/// With stdin and stdout closed, `print-header` still succeeds quietly and
/// leaves the cache as it was, on the hand-read command line, through clap,
/// and on the ordinary path (which opens the profile file and the secrets).
#[test]
fn print_header_with_closed_stdio() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let before = std::fs::read(env.cache_path("rm")).unwrap();
    for args in [
        &["print-header", "-p", "rm"][..],
        &["print-header", "-prm"],
        &["print-header", "-p", "rm", "--format", "json"],
    ] {
        let out = with_stdin_and_stdout_closed(&env, args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_eq!(stderr(&out), "", "{args:?}");
        assert_eq!(
            std::fs::read(env.cache_path("rm")).unwrap(),
            before,
            "{args:?}: cache untouched"
        );
    }
}

/// Closed standard descriptors are reopened on `/dev/null` before anything
/// else: the command `exec` runs finds fds 0 and 1 open (left closed, they
/// would be the next files anyone opens — the header could land in one).
#[test]
fn closed_stdio_is_reopened_on_dev_null() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let check = "for fd in 0 1; do [ -e /proc/self/fd/$fd ] || echo \"fd $fd closed\" >&2; done";
    let out = with_stdin_and_stdout_closed(&env, &exec_rm_sh(check));
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}

/// tokctl ignores SIGPIPE for itself; the command it runs must not inherit
/// that, or `yes | head -1` in it would report write errors instead of
/// ending quietly.
#[test]
fn exec_child_gets_default_sigpipe() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.run_ok(&exec_rm_sh("yes | head -n1"));
    assert_eq!(stdout(&out), "y\n");
    assert_eq!(stderr(&out), "", "yes died of SIGPIPE, silently");
}
