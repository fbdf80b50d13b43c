//! Failures: each maps to its exit code, prints `tokctl: error: …` (and a
//! hint where one helps) on stderr, leaves stdout empty, never prints a
//! secret or a server's HTML page, and changes nothing on disk.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::json;
use std::time::{Duration, Instant};

/// `tokctl login` for a new RealMassive profile `rm` at `base`.
fn login_at(env: &TestEnv, base: &str) -> assert_cmd::Command {
    let mut cmd = env.tokctl();
    cmd.args(NEW_RM_PROFILE)
        .args(["--base-url", base, "--username", "u@example.com"])
        .arg("--password-stdin")
        .write_stdin(format!("{RM_PASSWORD}\n"));
    cmd
}

/// `tokctl FLAGS print-header -p rm` for a logged-in profile whose access
/// token has expired, the refresh endpoint answering `status` with the JSON
/// text `body`: asserts exit `code` (and an empty stdout, no secret shown);
/// returns stderr and the server's base URL.
fn print_header_after_refresh_answer(
    status: u16,
    body: &str,
    flags: &[&str],
    code: i32,
) -> (String, String) {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    srv.mock(|when, then| {
        when.method(POST).path("/accounts/refresh");
        then.status(status)
            .header("content-type", "application/json")
            .body(body);
    });
    let out = env.fails(
        env.tokctl().args(flags).args(["print-header", "-p", "rm"]),
        code,
    );
    (stderr(&out), srv.base_url())
}

/// A run of `tokctl ARGS` in an empty installation: asserts exit `code`
/// (and an empty stdout); returns stderr.
fn stderr_of_failed(args: &[&str], code: i32) -> String {
    stderr(&TestEnv::new().run_fails(args, code))
}

#[test]
fn json_without_an_access_token_is_exit_4() {
    let body = r#"{"token_type": "Bearer", "expires_in": 3600}"#;
    let (err, _) = print_header_after_refresh_answer(200, body, &[], 4);
    assert_eq!(
        err,
        "tokctl: error: refresh: the server's answer has no access_token\n"
    );
}

#[test]
fn unreachable_server_is_exit_4() {
    let mut env = TestEnv::new();
    env.plant(RM_PASSWORD);
    let base = closed_port_url();
    let out = env.fails(&mut login_at(&env, &base), 4);
    let err = stderr(&out);
    assert!(
        err.starts_with(&format!(
            "tokctl: error: cannot connect to {base}/accounts/login: "
        )),
        "{err}"
    );
    assert!(err.ends_with(
        "\nhint: check the network and the URL, or raise --timeout; run with -v for details\n"
    ));
    assert!(!env.config_path().exists());
}

#[test]
fn corrupt_config_is_exit_5_and_left_alone() {
    let mut env = TestEnv::new();
    env.plant(RM_PASSWORD);
    let text = "default = \"rm\"\n[profiles.rm\nprovider = \"realmassive\"\n";
    env.write_config(text);
    let srv = MockServer::start();
    let other = mock_anything_else(&srv);
    let path = env.config_path();
    for cmd in [
        &mut login_at(&env, &srv.base_url()),
        env.tokctl().args(["print-header"]),
        env.tokctl().args(["profiles"]),
        env.tokctl().args(["logout", "--all"]),
    ] {
        let out = env.fails(cmd, 5);
        assert_eq!(
            stderr(&out),
            format!(
                "tokctl: error: invalid profile file {}: TOML parse error at line 2, column 13: \
                 unclosed table, expected `]`\n\
                 hint: fix the file by hand; tokctl will not overwrite it while it is invalid\n",
                path.display()
            )
        );
        assert_eq!(env.config_text(), text, "never rewritten");
    }
    other.assert_calls(0);
}

#[test]
fn wrongly_typed_setting_is_exit_5() {
    let env = TestEnv::new();
    env.write_config("[profiles.rm]\nprovider = \"realmassive\"\ncache = \"no\"\n");
    let out = env.run_fails(&["print-header"], 5);
    assert_contains(
        &stderr(&out),
        "`cache` in profile 'rm' must be true or false",
    );
}

#[test]
fn unknown_profile_is_exit_5() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.run_fails(&["print-header", "-p", "nope"], 5);
    assert_eq!(
        stderr(&out),
        format!(
            "tokctl: error: unknown profile 'nope' in {}\n\
             hint: run `tokctl profiles` to list profiles, or `tokctl login --provider KIND -p NAME` to create one\n",
            env.config_path().display()
        )
    );
}

#[test]
fn invalid_profile_name_is_exit_2() {
    let err = stderr_of_failed(&["print-header", "-p", "../etc"], 2);
    assert!(err.starts_with("tokctl: error: invalid profile name '../etc'"));
}

#[test]
fn plain_http_to_a_remote_host_is_refused() {
    let mut env = TestEnv::new();
    env.plant(RM_PASSWORD);
    let start = Instant::now();
    let out = env.fails(&mut login_at(&env, "http://example.com"), 2);
    assert_eq!(
        stderr(&out),
        "tokctl: error: --base-url: refusing plain http to example.com: tokens and passwords \
         would cross the network unencrypted; use https (http is allowed only for localhost, \
         127.0.0.0/8 and ::1)\n"
    );
    assert!(start.elapsed() < Duration::from_secs(2), "no network wait");
    assert!(!env.config_path().exists());
}

#[test]
fn plain_http_in_an_edited_profile_is_refused_before_sending() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    env.set_base_url(&srv.base_url(), "http://10.255.255.1:9");
    // Secrets bound to their server refuse the edit anyway; without that
    // record, the transport rule still stops the request.
    env.forget_origin("rm");
    let start = Instant::now();
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert_contains(&stderr(&out), "refusing plain http to 10.255.255.1");
    assert!(start.elapsed() < Duration::from_secs(2), "no network wait");
}

#[test]
fn verbose_shows_failed_statuses() {
    let body = jsonapi_error(401, "Invalid JWT", "Refresh token expired.").to_string();
    let (err, base) = print_header_after_refresh_answer(401, &body, &["-v"], 3);
    assert!(
        err.starts_with(&format!(
            "tokctl: profile 'rm': renewing with the refresh token\n\
             tokctl: POST {base}/accounts/refresh -> 401 ("
        )),
        "{err}"
    );
    assert!(err.ends_with(
        "tokctl: error: the server rejected the refresh: Refresh token expired.\n\
         hint: run `tokctl login -p rm`\n"
    ));
}

/// `login` of a new RealMassive profile with `extra` and `stdin`: exit 2
/// saying `says`, no request made, no profile written.
fn login_refused(extra: &[&str], stdin: &str, says: &str) {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let other = mock_anything_else(&srv);
    // assert_cmd gives the child a pipe, not a terminal, for stdin.
    let out = env.fails(
        env.tokctl()
            .args(NEW_RM_PROFILE)
            .args(["--base-url", &srv.base_url()])
            .args(extra)
            .write_stdin(stdin),
        2,
    );
    assert_eq!(stderr(&out), format!("tokctl: error: {says}\n"));
    other.assert_calls(0);
    assert!(!env.config_path().exists());
}

#[test]
fn no_password_source_is_a_usage_error() {
    login_refused(
        &["--username", "u@example.com"],
        "",
        "no password source: use --password-stdin or TOKCTL_PASSWORD, or run in a terminal",
    );
}

#[test]
fn empty_password_stdin_is_a_usage_error() {
    login_refused(
        &["--username", "u@example.com", "--password-stdin"],
        "",
        "expected the password on stdin, got nothing",
    );
}

#[test]
fn password_from_the_environment_works() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("a1", 3600);
    let refresh = env.rm_refresh("r1");
    env.plant(RM_PASSWORD);
    let m = mock_rm_login(&srv, &access, &refresh, 3600);
    env.ok(env
        .tokctl()
        .args(NEW_RM_PROFILE)
        .args(["--base-url", &srv.base_url()])
        .args(["--username", "wayspurrchen@realmassive.com"])
        .env("TOKCTL_PASSWORD", RM_PASSWORD)
        .write_stdin(""));
    m.assert();
}

#[test]
fn new_profile_without_provider_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.fails(
        env.tokctl()
            .args(["login", "-p", "fresh", "--username", "u@example.com"])
            .arg("--password-stdin")
            .write_stdin("pw\n"),
        2,
    );
    assert_eq!(
        stderr(&out),
        "tokctl: error: profile 'fresh' is new: --provider is required\n\
         hint: e.g. `tokctl login --provider realmassive --username you@example.com`\n"
    );
    assert!(!env.config_path().exists());
}

#[test]
fn unknown_provider_is_a_usage_error() {
    let err = stderr_of_failed(&["login", "--provider", "acme"], 2);
    assert!(err.contains("invalid value 'acme' for '--provider <KIND>'"));
}

#[test]
fn oauth_flags_do_not_apply_to_realmassive() {
    let env = TestEnv::new();
    let out = env.fails(
        env.tokctl()
            .args(NEW_RM_PROFILE)
            .args(["--client-id", "x", "--password-stdin"])
            .write_stdin("pw\n"),
        2,
    );
    assert!(stderr(&out).starts_with(
        "tokctl: error: OAuth flags (--issuer, --token-url, --client-id, --flow, ...) do not apply to provider 'realmassive'"
    ));
}

#[test]
fn server_error_text_is_quoted_but_sanitized() {
    let body = json!({"errors": [{"status": "503", "detail": "Maintenance\u{1b}[31m\nback soon"}]});
    let (err, _) = print_header_after_refresh_answer(503, &body.to_string(), &[], 4);
    assert_eq!(
        err,
        "tokctl: error: refresh failed: HTTP 503: Maintenance[31m back soon\n"
    );
}

#[test]
fn a_server_echoing_a_secret_does_not_get_it_printed() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let old = rm_initial_refresh("rm");
    mock_rm_refresh(
        &srv,
        &old,
        401,
        jsonapi_error(401, "Invalid JWT", &format!("unknown refresh token {old}")),
    );
    let out = env.run_fails(&["print-header", "-p", "rm"], 3);
    assert_eq!(
        stderr(&out),
        "tokctl: error: the server rejected the refresh: unknown refresh token [REDACTED]\n\
         hint: run `tokctl login -p rm`\n"
    );

    // The same for a password quoted back by a login endpoint.
    srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(401).json_body(jsonapi_error(
            401,
            "Invalid credentials",
            &format!("password '{RM_PASSWORD}' is wrong"),
        ));
    });
    let out = env.fails(
        env.tokctl()
            .args(["login", "-p", "rm", "--password-stdin"])
            .write_stdin(format!("{RM_PASSWORD}\n")),
        3,
    );
    assert_eq!(
        stderr(&out),
        "tokctl: error: the server rejected the login: password '[REDACTED]' is wrong\n"
    );
}

#[test]
fn realmassive_without_a_username_is_a_usage_error() {
    login_refused(
        &["--password-stdin"],
        "pw\n",
        "realmassive needs --username",
    );
}

/// A redirect would resend the password to a URL the https rule never saw
/// (here plain http to a non-loopback address): tokctl does not follow it.
#[test]
fn redirects_are_not_followed_with_credentials() {
    let mut env = TestEnv::new();
    env.plant(RM_PASSWORD);
    let srv = MockServer::start();
    let login = srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(307)
            .header("location", "http://192.0.2.2:9/steal?password=x");
    });
    let elsewhere = srv.mock(|when, then| {
        when.path("/steal");
        then.status(200);
    });
    let out = env.fails(&mut login_at(&env, &srv.base_url()), 4);
    login.assert();
    elsewhere.assert_calls(0);
    let err = stderr(&out);
    assert_contains(
        &err,
        "answered HTTP 307, a redirect to http://192.0.2.2:9/steal?password=REDACTED",
    );
    assert_contains(&err, "hint: tokctl does not follow redirects");
    assert_eq!(env.config_text(), "", "nothing written");
}

/// A line meant as a password must never become a client secret.
#[test]
fn password_stdin_on_a_login_without_password_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.fails(
        env.tokctl()
            .args(["login", "-p", "svc", "--provider", "oauth2"])
            .args([
                "--token-url",
                "https://sso.example.com/token",
                "--client-id",
                "svc",
            ])
            .args([
                "--flow",
                "client-credentials",
                "--password-stdin",
                "--client-secret-stdin",
            ])
            .write_stdin("not-a-password\nsecret\n"),
        2,
    );
    assert_contains(&stderr(&out), "takes no password");
    assert_eq!(env.config_text(), "");
}
