//! Snapshots of what users read: every command's `--help`, the notices of
//! login, refresh and logout, and the errors with their hints. A change of
//! wording shows up as a diff of `tests/cli/snapshots/*.snap` to review.
//!
//! To accept a change: `INSTA_UPDATE=always cargo test --test cli snapshots`,
//! then read `git diff tests/cli/snapshots` and commit what is meant. No
//! `cargo-insta` needed. `scripts/test` (and CI) never write snapshots: a
//! mismatch or a missing snapshot fails the run.
//!
//! The text is made the same on every run: the temp dir, ports, times and
//! durations are replaced by `[TMP]`, `[PORT]`, `[TIME]` and `[DURATION]`.

use crate::common::fixtures::{
    collectiveaccess::CollectiveAccess, makeshift::MakeShift, vivacity::Vivacity,
};
use crate::common::mock_api::{MOCK_ACCOUNTS, MockApi};
use crate::common::*;
use assert_cmd::Command;
use httpmock::prelude::*;
use std::time::Duration;

/// Snapshots named without the module path, the temp dir redacted.
fn help_settings(env: &TestEnv) -> insta::Settings {
    let mut s = insta::Settings::clone_current();
    s.set_prepend_module_to_snapshot(false);
    s.add_filter(
        &regex_escape(&env.dir.path().display().to_string()),
        "[TMP]",
    );
    s
}

/// [`help_settings`] plus what changes from run to run in messages: ports,
/// times, and the durations that depend on when the test ran.
fn settings(env: &TestEnv) -> insta::Settings {
    let mut s = help_settings(env);
    s.add_filter(r"127\.0\.0\.1:\d+", "127.0.0.1:[PORT]");
    s.add_filter(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", "[TIME]");
    s.add_filter(r"\(\d+ ms\)", "([N] ms)");
    s.add_filter(r"token valid for [^;\n]+", "token valid for [DURATION]");
    s.add_filter(r"(?m)^(expires in: +).+$", "${1}[DURATION]");
    // The EXPIRES IN column of `profiles`, after the STATE column.
    s.add_filter(
        r"(?m)(  (?:valid|expiring|refreshable|expired))( {2,})\S.*$",
        "${1}${2}[DURATION]",
    );
    s.add_filter(r#""(exp|iat|nbf|auth_time)": \d+"#, r#""$1": [N]"#);
    s
}

/// Commands and what they printed, in the order they ran.
struct Transcript<'a> {
    env: &'a TestEnv,
    text: String,
}

impl<'a> Transcript<'a> {
    fn new(env: &'a TestEnv) -> Self {
        Transcript {
            env,
            text: String::new(),
        }
    }

    /// Runs `cmd` and records its exit status and what it printed; stdout
    /// only when `with_stdout` (it is empty for every error anyway).
    fn record(&mut self, title: &str, cmd: &mut Command, with_stdout: bool) {
        let out = cmd.output().unwrap();
        self.env.assert_no_secret(&out);
        let code = out.status.code().map_or("signal".into(), |c| c.to_string());
        self.text += &format!("## {title}\nexit {code}\n");
        if with_stdout && !out.stdout.is_empty() {
            self.text += &format!("--- stdout\n{}", stdout(&out));
        }
        self.text += &format!("--- stderr\n{}\n", stderr(&out));
    }

    /// [`Transcript::record`] of `tokctl ARGS`, stderr only.
    fn tokctl(&mut self, title: &str, args: &[&str]) {
        self.record(title, self.env.tokctl().args(args), false);
    }
}

/// The subcommands `tokctl --help` lists, `help` aside.
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

#[test]
fn help_of_every_command() {
    let env = TestEnv::new();
    // No TOKCTL_* variables: clap would print their values next to the flags.
    let help = |args: &[&str]| {
        let mut cmd = env.tokctl();
        for var in [
            "TOKCTL_CONFIG",
            "TOKCTL_DATA_DIR",
            "TOKCTL_STORE",
            "TOKCTL_TIMEOUT",
        ] {
            cmd.env_remove(var);
        }
        stdout(&env.ok(cmd.args(args).arg("--help")))
    };
    let top = help(&[]);
    let commands = subcommands(&top);
    assert!(commands.len() >= 8, "too few commands found in:\n{top}");
    help_settings(&env).bind(|| {
        insta::assert_snapshot!("help", top);
        for command in &commands {
            insta::assert_snapshot!(format!("help_{command}"), help(&[command]));
        }
    });
}

#[test]
fn login_refresh_and_logout_notices() {
    let mut env = TestEnv::new();
    let api = MockApi::start();
    for (_, _, secret) in MOCK_ACCOUNTS {
        env.plant(secret);
    }
    let mut t = Transcript::new(&env);
    for (kind, user, secret) in MOCK_ACCOUNTS {
        let mut login = api.login_cmd(&env, kind, user, secret);
        t.record(&format!("login to {kind}"), &mut login, true);
        t.tokctl(&format!("refresh {kind}"), &["refresh", "-p", kind]);
    }
    t.record("profiles", env.tokctl().arg("profiles"), true);
    t.record(
        "info",
        env.tokctl().args(["info", "-p", "realmassive"]),
        true,
    );
    t.tokctl("logout", &["logout", "-p", "realmassive"]);
    t.tokctl("logout --all", &["logout", "--all"]);
    let text = t.text;
    settings(&env).bind(|| insta::assert_snapshot!("notices", text));
}

#[test]
fn usage_errors() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let mut t = Transcript::new(&env);
    t.tokctl("no profiles yet", &["print-header"]);
    t.tokctl("invalid profile name", &["print-header", "-p", "../etc"]);
    t.tokctl("unknown provider", &["login", "--provider", "acme"]);
    t.tokctl("unknown format", &["print-header", "--format", "yaml"]);
    t.tokctl("exec without a command", &["exec"]);
    let base = srv.base_url();
    let rm = [&NEW_RM_PROFILE[..], &["--base-url", &base]].concat();
    t.record(
        "new profile without --provider",
        env.tokctl()
            .args(["login", "-p", "fresh", "--username", "u@example.com"])
            .args(["--password-stdin"])
            .write_stdin("pw\n"),
        false,
    );
    t.record(
        "no password source",
        env.tokctl()
            .args(&rm)
            .args(["--username", "u@example.com"])
            .write_stdin(""),
        false,
    );
    t.record(
        "empty password on stdin",
        env.tokctl()
            .args(&rm)
            .args(["--username", "u@example.com", "--password-stdin"])
            .write_stdin(""),
        false,
    );
    t.record(
        "realmassive without --username",
        env.tokctl()
            .args(&rm)
            .arg("--password-stdin")
            .write_stdin("pw\n"),
        false,
    );
    t.record(
        "OAuth flags for realmassive",
        env.tokctl()
            .args(&rm)
            .args(["--client-id", "x", "--password-stdin"])
            .write_stdin("pw\n"),
        false,
    );
    t.record(
        "plain http to a remote host",
        env.tokctl()
            .args(NEW_RM_PROFILE)
            .args([
                "--base-url",
                "http://example.com",
                "--username",
                "u@example.com",
            ])
            .args(["--password-stdin"])
            .write_stdin("pw\n"),
        false,
    );
    let text = t.text;

    env.login_realmassive(&srv, "a", 3600);
    env.login_realmassive(&srv, "b", 3600);
    let mut t = Transcript::new(&env);
    t.tokctl("unknown profile", &["print-header", "-p", "nope"]);
    t.tokctl(
        "invalid header name",
        &["print-header", "--header", "X Custom"],
    );
    t.tokctl("bad --min-valid", &["print-header", "--min-valid", "soon"]);
    t.tokctl(
        "command not found",
        &["exec", "-p", "a", "--", "tokctl-no-such-command"],
    );
    env.run_ok(&["logout", "-p", "a"]);
    t.tokctl("not logged in", &["print-header", "-p", "a"]);
    let cfg = env.config_text().replace("default = \"a\"\n", "");
    env.write_config(&cfg);
    t.tokctl("several profiles and no default", &["print-header"]);
    env.write_config("default = \"rm\"\n[profiles.rm\nprovider = \"realmassive\"\n");
    t.tokctl("a broken profile file", &["profiles"]);
    let text = text + &t.text;
    settings(&env).bind(|| insta::assert_snapshot!("usage_errors", text));
}

#[test]
fn server_errors() {
    let mut env = TestEnv::new();
    let api = MockApi::start();
    let mut t = Transcript::new(&env);
    for (kind, user, _) in MOCK_ACCOUNTS {
        let mut login = api.login_cmd(&env, kind, user, "wrong-password");
        t.record(&format!("wrong password at {kind}"), &mut login, false);
    }
    let login_at = |base: &str, timeout: &str| {
        let mut cmd = env.tokctl();
        cmd.args(["--timeout", timeout])
            .args(NEW_RM_PROFILE)
            .args([
                "--base-url",
                base,
                "--username",
                "u@example.com",
                "--password-stdin",
            ])
            .write_stdin("pw\n");
        cmd
    };
    api.outage(503, None);
    t.record("server unavailable", &mut login_at(&api.url, "5s"), false);
    t.record(
        "nothing listening",
        &mut login_at(&closed_port_url(), "5s"),
        false,
    );

    let srv = MockServer::start();
    let page = "<html><body><h1>Bad Gateway</h1></body></html>";
    let mut html = mock_post_answer(&srv, "/accounts/login", 502, "text/html", page);
    t.record(
        "an HTML error page",
        &mut login_at(&srv.base_url(), "5s"),
        false,
    );
    html.delete();
    let mut bad = mock_post_answer(&srv, "/accounts/login", 200, "application/json", "{\"a");
    t.record("not JSON", &mut login_at(&srv.base_url(), "5s"), false);
    bad.delete();
    let mut redirect = srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(307)
            .header("location", "http://192.0.2.2:9/steal?password=x");
    });
    t.record("a redirect", &mut login_at(&srv.base_url(), "5s"), false);
    redirect.delete();
    let mut slow = srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(200).delay(Duration::from_secs(3)).body("{}");
    });
    t.record(
        "no answer in time",
        &mut login_at(&srv.base_url(), "1s"),
        false,
    );
    slow.delete();
    let mut limited = mock_post_answer(
        &srv,
        "/get-token",
        429,
        "text/plain",
        "Too many failed attempts",
    );
    t.record(
        "too many attempts",
        Vivacity
            .login_cmd(&env, &srv, "viv")
            .env("TOKCTL_TIMEOUT", "5s"),
        false,
    );
    limited.delete();
    let text = t.text;

    // Renewals refused, for each way a provider renews.
    let ca = CollectiveAccess.logged_in(&mut env, &srv, "ca", 3600, &[]);
    env.expire_cache("ca");
    let _dead = CollectiveAccess.mock_refresh_rejected(&srv, ca.refresh.as_deref().unwrap());
    let viv = Vivacity.logged_in(&mut env, &srv, "viv", 3600, &[]);
    env.expire_cache("viv");
    let _gone = Vivacity.mock_refresh_rejected(&srv, viv.refresh.as_deref().unwrap());
    MakeShift.logged_in(&mut env, &srv, "ms", 3600, &["--no-save-credentials"]);
    env.expire_cache("ms");
    let mut t = Transcript::new(&env);
    t.tokctl("expired refresh token", &["print-header", "-p", "ca"]);
    t.tokctl("refresh token rejected", &["print-header", "-p", "viv"]);
    t.tokctl("nothing to renew with", &["print-header", "-p", "ms"]);
    let text = text + &t.text;
    settings(&env).bind(|| insta::assert_snapshot!("server_errors", text));
}
