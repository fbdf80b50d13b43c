//! MakeShift end to end: an httpmock Doorkeeper 4.x that answers exactly as
//! docs/providers/makeshift.md describes (no `expires_in`, no
//! refresh token, `/oauth/token/info` for the lifetime, 401 for every error).

use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

const KEY: &str = "ms-api-key-7443";
const SECRET: &str = "ms-api-secret-0f3c9a";
const FOUR_HOURS: i64 = 4 * 3600;

/// A 64-hex opaque token, unique per label.
fn hex_token(label: &str) -> String {
    let hex: String = label.bytes().map(|b| format!("{b:02x}")).collect();
    format!("{hex:0>64}")
}

/// The documented login answer (no `expires_in`, no refresh token).
fn token_answer(access: &str, created_at: i64) -> Value {
    json!({
        "access_token": access,
        "token_type": "bearer",
        "created_at": created_at,
        "user": {
            "id": 7443, "name": "api", "role": "company_admin",
            "email": "1d96d6787ce94e2af870d68d795d0201",
            "employee_id": "1d96d6787ce94e2af870d68d795d0201", "company_id": 269
        }
    })
}

fn mock_token<'a>(srv: &'a MockServer, answer: Value) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST)
            .path("/oauth/token")
            .header("content-type", "application/json")
            .json_body(json!({"grant_type": "password", "username": KEY, "password": SECRET}));
        then.status(200)
            .header("content-type", "application/json")
            .header("cache-control", "no-store")
            .json_body(answer);
    })
}

fn token_info_answer(expires_in_seconds: i64) -> Value {
    json!({"resource_owner_id": 7443, "scopes": [], "expires_in_seconds": expires_in_seconds,
           "application": {"uid": null}, "created_at": now()})
}

fn mock_token_info<'a>(
    srv: &'a MockServer,
    access: &str,
    expires_in_seconds: i64,
) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(GET)
            .path("/oauth/token/info")
            .header("authorization", format!("Bearer {access}"));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(token_info_answer(expires_in_seconds));
    })
}

fn run_login(env: &TestEnv, srv: &MockServer, name: &str, extra: &[&str]) -> std::process::Output {
    env.tokctl()
        .args(["login", "-p", name, "--provider", "makeshift"])
        .args([
            "--base-url",
            &srv.base_url(),
            "--username",
            KEY,
            "--password-stdin",
        ])
        .args(extra)
        .write_stdin(format!("{SECRET}\n"))
        .output()
        .unwrap()
}

/// A logged-in profile; the mocks are removed afterwards. Returns the token.
fn logged_in(
    env: &mut TestEnv,
    srv: &MockServer,
    name: &str,
    lifetime: i64,
    extra: &[&str],
) -> String {
    env.plant(SECRET);
    let access = env.plant(&hex_token(&format!("{name}-first")));
    let mut t = mock_token(srv, token_answer(&access, now()));
    let mut i = mock_token_info(srv, &access, lifetime);
    let out = run_login(env, srv, name, extra);
    env.assert_ok(&out);
    t.assert_calls(1);
    i.assert_calls(1);
    t.delete();
    i.delete();
    access
}

fn print_header(env: &TestEnv, name: &str) -> std::process::Output {
    env.tokctl()
        .args(["print-header", "-p", name])
        .output()
        .unwrap()
}

#[test]
fn login_reads_the_lifetime_from_token_info_and_saves_the_key_and_secret() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, "ms", 14_400, &[]);
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
        json!(SECRET),
        "API secrets are saved by default"
    );
    assert!(p.get("refresh_token").is_none(), "{p}");
}

#[test]
fn expires_in_when_sent_needs_no_token_info() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    let access = env.plant(&hex_token("stock"));
    let mut answer = token_answer(&access, now());
    answer["expires_in"] = json!(7200);
    let t = mock_token(&srv, answer);
    let info = mock_token_info(&srv, &access, 14_400);
    env.assert_ok(&run_login(&env, &srv, "ms", &[]));
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
    env.plant(SECRET);
    let access = env.plant(&hex_token("fallback"));
    // The server's clock runs an hour ahead: its created_at is corrected.
    let skew = 3600;
    let created = now() - 600;
    let t = srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(200)
            .header("content-type", "application/json")
            .header("date", http_date(now() + skew))
            .json_body(token_answer(&access, created + skew));
    });
    let info = srv.mock(|when, then| {
        when.method(GET).path("/oauth/token/info");
        then.status(401)
            .header("content-type", "application/json")
            .json_body(json!({"errors": [{"title": "Token is invalid.", "status_code": 401}]}));
    });
    let out = run_login(&env, &srv, "ms", &[]);
    env.assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("tokctl: warning: cannot read the token's lifetime"),
        "{stderr}"
    );
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
    env.plant(SECRET);
    let access = env.plant(&hex_token("quiet"));
    mock_token(&srv, token_answer(&access, now()));
    srv.mock(|when, then| {
        when.method(GET).path("/oauth/token/info");
        then.status(500)
            .header("content-type", "text/html")
            .body("<html>oops</html>");
    });
    let out = run_login(&env, &srv, "ms", &["--quiet"]);
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
fn print_header_formats() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, "ms", 14_400, &[]);
    // Doorkeeper's lower-case `bearer` is always sent as `Bearer`.
    env.assert_header_formats("ms", &access);
}

#[test]
fn exec_gets_the_token() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, "ms", 14_400, &[]);
    let out = env
        .tokctl()
        .args([
            "exec",
            "-p",
            "ms",
            "--",
            "sh",
            "-c",
            r#"printf %s "$TOKCTL_ACCESS_TOKEN""#,
        ])
        .output()
        .unwrap();
    assert_eq!(env.assert_ok(&out), access);
}

#[test]
fn expired_token_is_renewed_by_logging_in_again() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "ms", 14_400, &[]);
    env.expire_cache("ms");
    let second = env.plant(&hex_token("second"));
    let t = mock_token(&srv, token_answer(&second, now()));
    let i = mock_token_info(&srv, &second, 14_399);
    let out = print_header(&env, "ms");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {second}\n")
    );
    t.assert_calls(1);
    i.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["ms"]["password"],
        json!(SECRET)
    );
}

#[test]
fn short_lifetime_and_min_valid_renew_early() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    // token/info says only 58 s are left (the documentation's example).
    logged_in(&mut env, &srv, "ms", 58, &[]);
    let second = env.plant(&hex_token("early"));
    let t = mock_token(&srv, token_answer(&second, now()));
    mock_token_info(&srv, &second, 14_400);
    let out = print_header(&env, "ms"); // default --min-valid 60s
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {second}\n")
    );
    t.assert_calls(1);
}

#[test]
fn forced_refresh_logs_in_again() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "ms", 14_400, &[]);
    let second = env.plant(&hex_token("forced"));
    let t = mock_token(&srv, token_answer(&second, now()));
    mock_token_info(&srv, &second, 14_400);
    let out = env.tokctl().args(["refresh", "-p", "ms"]).output().unwrap();
    env.assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("refreshed profile 'ms'"), "{stderr}");
    t.assert_calls(1);
    assert_eq!(env.cache_json("ms")["access"]["token"], json!(second));
}

#[test]
fn logout_deletes_the_token_and_the_saved_secret() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "ms", 14_400, &[]);
    let out = env.tokctl().args(["logout", "-p", "ms"]).output().unwrap();
    env.assert_ok(&out);
    assert!(env.secrets_json()["profiles"].get("ms").is_none());
    let out = print_header(&env, "ms");
    env.assert_failed(&out, 3);
}

#[test]
fn no_save_credentials_means_an_expired_token_needs_login() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "ms", 14_400, &["--no-save-credentials"]);
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
    let before = env.secrets_bytes();
    let t = srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(500);
    });
    let out = print_header(&env, "ms");
    let stderr = env.assert_failed(&out, 3);
    assert!(
        stderr.contains("makeshift issues no refresh token and no credentials are saved"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: run `tokctl login -p ms`"),
        "{stderr}"
    );
    assert!(stderr.contains("--save-credentials"), "{stderr}");
    t.assert_calls(0);
    assert_eq!(env.secrets_bytes(), before);
}

fn mock_token_error<'a>(srv: &'a MockServer, status: u16, body: Value) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(status)
            .header("content-type", "application/json")
            .json_body(body);
    })
}

#[test]
fn rejected_key_and_secret_is_exit_3_quoting_oauth_error_and_nothing_is_stored() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    let m = mock_token_error(
        &srv,
        401,
        json!({
            "error": "invalid_grant",
            "error_description": "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
        }),
    );
    let out = run_login(&env, &srv, "ms", &[]);
    let stderr = env.assert_failed(&out, 3);
    assert!(
        stderr
            .contains("the server rejected the login: The provided authorization grant is invalid"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
    assert!(env.config_text().is_empty());
}

#[test]
fn rejected_key_in_makeshift_error_shape_is_exit_3_quoting_the_title() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    mock_token_error(
        &srv,
        401,
        json!({"errors": [{"title": "Your API key is wrong", "status_code": 401}]}),
    );
    let out = run_login(&env, &srv, "ms", &[]);
    let stderr = env.assert_failed(&out, 3);
    assert!(stderr.contains("Your API key is wrong"), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn revoked_secret_on_relogin_is_exit_3_and_leaves_the_store_alone() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "ms", 14_400, &[]);
    env.expire_cache("ms");
    let before = env.secrets_bytes();
    let m = mock_token_error(
        &srv,
        401,
        json!({"error": "invalid_grant", "error_description": "The provided authorization grant is invalid."}),
    );
    let out = print_header(&env, "ms");
    let stderr = env.assert_failed(&out, 3);
    assert!(
        stderr.contains("The provided authorization grant is invalid."),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: run `tokctl login -p ms`"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn info_remote_shows_token_info() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = logged_in(&mut env, &srv, "ms", 14_400, &[]);
    let m = mock_token_info(&srv, &access, 14_000);
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

#[test]
fn html_error_page_is_exit_4_without_the_html() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    mock_post_answer(
        &srv,
        "/oauth/token",
        503,
        "text/html; charset=utf-8",
        "<!DOCTYPE html><html><body><h1>Service Unavailable</h1></body></html>",
    );
    let out = run_login(&env, &srv, "ms", &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("HTTP 503 with an HTML page"), "{stderr}");
    assert!(!stderr.contains('<'), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn malformed_json_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    mock_post_answer(
        &srv,
        "/oauth/token",
        200,
        "application/json",
        r#"{"access_token": "c1230734cc726edc6ae0f8fd00b279dc67f3"#,
    );
    let out = run_login(&env, &srv, "ms", &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("instead of JSON"), "{stderr}");
    assert!(!stderr.contains("c1230734"), "{stderr}");
}

#[test]
fn timeout_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(SECRET);
    let access = env.plant(&hex_token("slow"));
    srv.mock(|when, then| {
        when.method(POST).path("/oauth/token");
        then.status(200)
            .delay(Duration::from_secs(3))
            .json_body(token_answer(&access, now()));
    });
    let out = run_login(&env, &srv, "ms", &["--timeout", "1s"]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}
