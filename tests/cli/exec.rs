//! `tokctl exec -- CMD`: the token in the child's environment, the child's
//! own exit status, and 127 for a command that does not exist.

use crate::common::*;
use httpmock::prelude::*;

/// A shell snippet that prints the variables tokctl sets, one per line.
const SHOW_ENV: &str = r#"printf '%s\n' "$TOKCTL_ACCESS_TOKEN" "$TOKCTL_AUTHORIZATION" "$TOKCTL_PROFILE" "$TOKCTL_EXPIRES_AT""#;

#[test]
fn exec_puts_the_token_in_the_environment() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let before = now();
    let access = env.login_realmassive(&srv, "rm", 3600);
    let out = env.run_revealing(&exec_rm_sh(SHOW_ENV));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], access);
    assert_eq!(lines[1], format!("Bearer {access}"));
    assert_eq!(lines[2], "rm");
    let exp = parse_rfc3339(lines[3]);
    assert!(
        (before + 3600..=now() + 3600).contains(&exp),
        "{}",
        lines[3]
    );
    assert_eq!(stderr(&out), "");
}

#[test]
fn exec_env_names_more_variables() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let out = env.ok_revealing(
        env.tokctl()
            .args([
                "exec",
                "-p",
                "rm",
                "--env",
                "API_TOKEN",
                "--env",
                "GH_TOKEN",
            ])
            .args([
                "--",
                "sh",
                "-c",
                r#"printf '%s\n' "$API_TOKEN" "$GH_TOKEN" "$KEEP_ME""#,
            ])
            .env("KEEP_ME", "passed through"),
    );
    assert_eq!(
        stdout(&out),
        format!("{access}\n{access}\npassed through\n")
    );
}

#[test]
fn exec_exits_with_the_commands_status() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env
        .tokctl()
        .args(exec_rm_sh("echo child >&2; exit 7"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(7));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "child\n",
        "the child's own stderr, nothing else"
    );
    env.assert_no_secret(&out);
}

#[test]
fn exec_passes_stdin_to_the_command() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.ok(env
        .tokctl()
        .args(["exec", "-p", "rm", "--", "tr", "a-z", "A-Z"])
        .write_stdin("shout\n"));
    assert_eq!(stdout(&out), "SHOUT\n");
}

#[test]
fn exec_missing_command_is_127() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.run_fails(
        &["exec", "-p", "rm", "--", "tokctl-no-such-command", "arg"],
        127,
    );
    assert_eq!(
        stderr(&out),
        "tokctl: error: command not found: tokctl-no-such-command\n"
    );
}

#[test]
fn exec_without_a_command_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.run_fails(&["exec"], 2);
    assert!(stderr(&out).contains("<CMD>..."), "{}", stderr(&out));
}

#[test]
fn exec_refreshes_an_expired_token_first() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let (a2, m) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    let out = env.run_revealing(&exec_rm_sh(SHOW_ENV));
    m.assert();
    assert_eq!(stdout(&out).lines().next(), Some(a2.as_str()));
}

#[test]
fn exec_min_valid_refreshes_a_short_token() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    let (a2, m) = env.rm_refresh_answers(&srv, "rm", "a2", 3 * 3600);
    let out = env.run_revealing(&[
        "exec",
        "-p",
        "rm",
        "--min-valid",
        "2h",
        "--",
        "sh",
        "-c",
        SHOW_ENV,
    ]);
    m.assert();
    assert_eq!(stdout(&out).lines().next(), Some(a2.as_str()));
}

#[test]
fn exec_does_not_run_the_command_without_a_token() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    env.run_ok(&["logout", "-p", "rm"]);
    let marker = env.dir.path().join("ran");
    let script = format!("touch '{}'", marker.display());
    let out = env.run_fails(&exec_rm_sh(&script), 3);
    assert_eq!(
        stderr(&out),
        "tokctl: error: profile 'rm' is not logged in\nhint: run `tokctl login -p rm`\n"
    );
    assert!(!marker.exists(), "the command must not run");
}

#[test]
fn exec_rejects_a_bad_env_name() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.run_fails(&["exec", "-p", "rm", "--env", "A=B", "--", "true"], 2);
    assert_eq!(
        stderr(&out),
        "tokctl: error: --env 'A=B' is not a variable name\n"
    );
}
