//! MakeShift: the contract every provider keeps (`provider_contract!`, see
//! `common/contract.rs`), and Doorkeeper's quirks: the lifetime from
//! `/oauth/token/info` (or `created_at` + 4 h when it fails), the secret
//! saved by default since there is no refresh token, MakeShift's own error
//! shape.

use crate::common::contract::provider_contract;
use crate::common::fixtures::makeshift::*;
use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

provider_contract!(MakeShift);

const FOUR_HOURS: i64 = 4 * 3600;

/// A logged-in profile `ms` whose token lives `lifetime` s; returns it.
fn logged_in(env: &mut TestEnv, srv: &MockServer, lifetime: i64, extra: &[&str]) -> String {
    MakeShift.logged_in(env, srv, "ms", lifetime, extra).access
}

fn run_login(env: &TestEnv, srv: &MockServer, extra: &[&str]) -> std::process::Output {
    MakeShift
        .login_cmd(env, srv, "ms")
        .args(extra)
        .output()
        .unwrap()
}

#[test]
fn login_reads_the_lifetime_from_token_info_and_saves_the_key_and_secret() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, 14_400, &[]);
    let cache = env.cache_json("ms");
    assert_eq!(cache["access"]["token"], json!(access));
    assert_eq!(cache["renewal"], "relogin");
    let expires = cache["access"]["expires_at"].as_i64().unwrap();
    assert!((expires - (now() + 14_400)).abs() <= 5, "{expires}");
    assert_eq!(
        cache["user"],
        json!({"id": "7443", "name": "api", "email": "1d96d6787ce94e2af870d68d795d0201"})
    );
    let p = &env.secrets_json()["profiles"]["ms"];
    assert_eq!(
        p["password"],
        json!(MS_SECRET),
        "API secrets are saved by default"
    );
    assert!(p.get("refresh_token").is_none(), "{p}");
}

#[test]
fn expires_in_when_sent_needs_no_token_info() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(MS_SECRET);
    let access = env.plant(&ms_hex_token("stock"));
    let mut answer = ms_token_answer(&access, now());
    answer["expires_in"] = json!(7200);
    let t = ms_mock_token(&srv, answer);
    let info = ms_mock_token_info(&srv, &access, 14_400);
    env.assert_ok(&run_login(&env, &srv, &[]));
    t.assert_calls(1);
    info.assert_calls(0);
    let expires = env.cache_json("ms")["access"]["expires_at"]
        .as_i64()
        .unwrap();
    assert!((expires - (now() + 7200)).abs() <= 5, "{expires}");
}

#[test]
fn failing_token_info_falls_back_to_created_at_plus_4h_with_a_warning() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(MS_SECRET);
    let access = env.plant(&ms_hex_token("fallback"));
    // The server's clock runs an hour ahead: its created_at is corrected.
    let skew = 3600;
    let created = now() - 600;
    let t = srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(200)
            .header("content-type", "application/json")
            .header("date", http_date(now() + skew))
            .json_body(ms_token_answer(&access, created + skew));
    });
    let info = srv.mock(|when, then| {
        when.method(GET).path("/oauth/token/info");
        then.status(401)
            .header("content-type", "application/json")
            .json_body(json!({"errors": [{"title": "Token is invalid.", "status_code": 401}]}));
    });
    let out = run_login(&env, &srv, &[]);
    env.assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_contains(&stderr, "tokctl: warning: cannot read the token's lifetime");
    assert!(stderr.contains("Token is invalid."), "{stderr}");
    assert!(stderr.contains("logged in to profile 'ms'"), "{stderr}");
    t.assert_calls(1);
    info.assert_calls(1);
    let expires = env.cache_json("ms")["access"]["expires_at"]
        .as_i64()
        .unwrap();
    assert!(
        (expires - (created + FOUR_HOURS)).abs() <= 2,
        "expires_at {expires}, want about {}",
        created + FOUR_HOURS
    );
}

#[test]
fn quiet_login_does_not_warn_about_token_info() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(MS_SECRET);
    let access = env.plant(&ms_hex_token("quiet"));
    ms_mock_token(&srv, ms_token_answer(&access, now()));
    srv.mock(|when, then| {
        when.method(GET).path("/oauth/token/info");
        then.status(500)
            .header("content-type", "text/html")
            .body("<html>oops</html>");
    });
    let out = run_login(&env, &srv, &["--quiet"]);
    env.assert_ok(&out);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    assert!(
        env.cache_json("ms")["access"]["expires_at"]
            .as_i64()
            .unwrap()
            > now() + FOUR_HOURS - 10
    );
}

#[test]
fn no_save_credentials_means_an_expired_token_needs_login() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, 14_400, &["--no-save-credentials"]);
    assert!(
        env.secrets_json()["profiles"]["ms"]
            .get("password")
            .is_none()
    );
    assert!(
        env.config_text().contains("save_credentials = false"),
        "{}",
        env.config_text()
    );
    env.expire_cache("ms");
    let t = srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(500);
    });
    let stderr = env.run_fails_keeping_secrets(&["print-header", "-p", "ms"], 3);
    assert_contains(
        &stderr,
        "makeshift issues no refresh token and no credentials are saved",
    );
    assert_contains(&stderr, "hint: run `tokctl login -p ms`");
    assert!(stderr.contains("--save-credentials"), "{stderr}");
    t.assert_calls(0);
}

#[test]
fn rejected_key_in_makeshift_error_shape_is_exit_3_quoting_the_title() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(MS_SECRET);
    ms_mock_token_error(
        &srv,
        401,
        json!({"errors": [{"title": "Your API key is wrong", "status_code": 401}]}),
    );
    let out = run_login(&env, &srv, &[]);
    let stderr = env.assert_failed(&out, 3);
    assert!(stderr.contains("Your API key is wrong"), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn info_remote_shows_token_info() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, 14_400, &[]);
    let m = ms_mock_token_info(&srv, &access, 14_000);
    let out = env
        .tokctl()
        .args(["info", "-p", "ms", "--remote", "--json"])
        .output()
        .unwrap();
    let stdout = env.assert_ok(&out);
    assert!(!stdout.contains(&access));
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["remote"]["expires_in_seconds"], 14_000);
    assert_eq!(v["remote"]["resource_owner_id"], 7443);
    assert_eq!(v["saved_credentials"], true);
    m.assert_calls(1);
}
