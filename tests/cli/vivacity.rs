//! Vivacity end to end: an httpmock `/get-token` that passes a Keycloak token
//! pair through as Vivacity's documentation shows it, and a `/refresh-token`
//! as docs/providers/vivacity.md ("Refresh") describes it (JSON
//! `{refresh_token}`, a rotated pair, Keycloak's `invalid_grant` when the
//! refresh token is dead).

use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

const USER: &str = "demo-user";
const PASSWORD: &str = "vivacity-pass-42";
const ISS: &str = "http://keycloak.chihuahua:8080/auth/realms/sensor-data";

/// An access JWT with the documented example's claims (`nbf: 0`, `auth_time: 0`).
fn access_jwt(label: &str, lifetime: i64) -> String {
    fake_jwt(json!({
        "jti": label, "exp": now() + lifetime, "nbf": 0, "iat": now(), "iss": ISS,
        "sub": "fe10240d-5123-4cc5-bc1f-b6329b6ad8d3", "typ": "Bearer",
        "azp": "sensor-data-client", "auth_time": 0, "scope": "profile",
        "preferred_username": USER
    }))
}

/// A refresh JWT (`typ: Refresh`, `aud` = issuer, 1800 s).
fn refresh_jwt(label: &str) -> String {
    fake_jwt(json!({
        "jti": label, "exp": now() + 1800, "nbf": 0, "iat": now(), "iss": ISS, "aud": ISS,
        "sub": "fe10240d-5123-4cc5-bc1f-b6329b6ad8d3", "typ": "Refresh",
        "azp": "sensor-data-client", "auth_time": 0, "scope": "profile"
    }))
}

/// The documented answer shape (docs/providers/vivacity.md, "Login").
fn token_answer(access: &str, refresh: &str, expires_in: i64) -> Value {
    json!({
        "access_token": access,
        "expires_in": expires_in,
        "refresh_expires_in": 1800,
        "refresh_token": refresh,
        "token_type": "bearer",
        "not-before-policy": 0,
        "session_state": "037f2bdc-fc7f-4738-bc60-836d049d820b",
        "scope": "profile"
    })
}

fn mock_get_token<'a>(srv: &'a MockServer, answer: Value) -> httpmock::Mock<'a> {
    mock_json_exchange(
        srv,
        "/get-token",
        json!({"username": USER, "password": PASSWORD}),
        200,
        answer,
    )
}

fn mock_refresh<'a>(
    srv: &'a MockServer,
    rt: &str,
    status: u16,
    answer: Value,
) -> httpmock::Mock<'a> {
    let rt = rt.to_string();
    mock_json_exchange(
        srv,
        "/refresh-token",
        json!({"refresh_token": rt}),
        status,
        answer,
    )
}

fn run_login(env: &TestEnv, srv: &MockServer, name: &str, extra: &[&str]) -> std::process::Output {
    env.tokctl()
        .args(["login", "-p", name, "--provider", "vivacity"])
        .args([
            "--base-url",
            &srv.base_url(),
            "--username",
            USER,
            "--password-stdin",
        ])
        .args(extra)
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap()
}

/// A logged-in profile; returns (access, refresh).
fn logged_in(env: &mut TestEnv, srv: &MockServer, name: &str, extra: &[&str]) -> (String, String) {
    env.plant(PASSWORD);
    let access = env.plant(&access_jwt(&format!("{name}-a"), 600));
    let refresh = env.plant(&refresh_jwt(&format!("{name}-r")));
    let mut m = mock_get_token(srv, token_answer(&access, &refresh, 600));
    env.assert_ok(&run_login(env, srv, name, extra));
    m.assert_calls(1);
    m.delete();
    (access, refresh)
}

fn print_header(env: &TestEnv, name: &str) -> std::process::Output {
    env.tokctl()
        .args(["print-header", "-p", name])
        .output()
        .unwrap()
}

fn dead_refresh_answer() -> Value {
    json!({"error": "invalid_grant", "error_description": "Token is not active"})
}

#[test]
fn login_stores_the_token_pair_with_both_lifetimes() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, refresh) = logged_in(&mut env, &srv, "viv", &[]);
    let cache = env.cache_json("viv");
    assert_eq!(cache["access"]["token"], json!(access));
    assert_eq!(cache["access"]["token_type"], "bearer");
    assert_eq!(cache["renewal"], "refresh");
    let expires = cache["access"]["expires_at"].as_i64().unwrap();
    assert!((expires - (now() + 600)).abs() <= 5, "{expires}");
    let p = &env.secrets_json()["profiles"]["viv"];
    assert_eq!(p["refresh_token"], json!(refresh));
    let rexp = p["refresh_expiry"]["at"].as_i64().unwrap();
    assert!((rexp - (now() + 1800)).abs() <= 5, "{p}");
    assert!(p.get("password").is_none(), "not saved unless asked: {p}");
}

#[test]
fn print_header_formats() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, _) = logged_in(&mut env, &srv, "viv", &[]);
    let v = env.assert_header_formats("viv", &access);
    assert!(v.get("id_token").is_none(), "{v}");
}

#[test]
fn exec_gets_the_token() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, _) = logged_in(&mut env, &srv, "viv", &[]);
    let out = env
        .tokctl()
        .args(["exec", "-p", "viv", "--env", "VIV_TOKEN", "--", "sh", "-c"])
        .arg(r#"printf '%s %s' "$TOKCTL_ACCESS_TOKEN" "$VIV_TOKEN""#)
        .output()
        .unwrap();
    assert_eq!(env.assert_ok(&out), format!("{access} {access}"));
}

#[test]
fn expired_token_is_refreshed_and_the_rotated_refresh_token_stored() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &[]);
    env.expire_cache("viv");
    let access2 = env.plant(&access_jwt("second-a", 600));
    let refresh2 = env.plant(&refresh_jwt("second-r"));
    let m = mock_refresh(&srv, &refresh, 200, token_answer(&access2, &refresh2, 600));
    let out = print_header(&env, "viv");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access2}\n")
    );
    m.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["viv"]["refresh_token"],
        json!(refresh2)
    );

    // The next renewal uses the rotated token.
    env.expire_cache("viv");
    let access3 = env.plant(&access_jwt("third-a", 600));
    let refresh3 = env.plant(&refresh_jwt("third-r"));
    let m2 = mock_refresh(&srv, &refresh2, 200, token_answer(&access3, &refresh3, 600));
    let out = print_header(&env, "viv");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access3}\n")
    );
    m2.assert_calls(1);
    m.assert_calls(1);
}

#[test]
fn short_lifetime_is_refreshed_before_use() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    let access = env.plant(&access_jwt("short-a", 30));
    let refresh = env.plant(&refresh_jwt("short-r"));
    mock_get_token(&srv, token_answer(&access, &refresh, 30));
    env.assert_ok(&run_login(&env, &srv, "viv", &[]));
    let access2 = env.plant(&access_jwt("long-a", 600));
    let refresh2 = env.plant(&refresh_jwt("long-r"));
    let m = mock_refresh(&srv, &refresh, 200, token_answer(&access2, &refresh2, 600));
    // 30 s left is less than the default --min-valid of 60 s.
    let out = env
        .tokctl()
        .args([
            "exec",
            "-p",
            "viv",
            "--",
            "sh",
            "-c",
            r#"printf %s "$TOKCTL_ACCESS_TOKEN""#,
        ])
        .output()
        .unwrap();
    assert_eq!(env.assert_ok(&out), access2);
    m.assert_calls(1);
}

#[test]
fn forced_refresh_asks_the_server() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &[]);
    let access2 = env.plant(&access_jwt("forced-a", 600));
    let refresh2 = env.plant(&refresh_jwt("forced-r"));
    let m = mock_refresh(&srv, &refresh, 200, token_answer(&access2, &refresh2, 600));
    let out = env
        .tokctl()
        .args(["refresh", "-p", "viv", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&env.assert_ok(&out)).unwrap();
    assert_eq!(v["profile"], "viv");
    m.assert_calls(1);
    assert_eq!(env.cache_json("viv")["access"]["token"], json!(access2));
    assert_eq!(
        env.secrets_json()["profiles"]["viv"]["refresh_token"],
        json!(refresh2)
    );
}

#[test]
fn logout_deletes_the_tokens() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "viv", &[]);
    let out = env.tokctl().args(["logout", "-p", "viv"]).output().unwrap();
    env.assert_ok(&out);
    assert!(env.secrets_json()["profiles"].get("viv").is_none());
    assert!(!env.data_dir().join("cache/viv.json").exists());
    env.assert_failed(&print_header(&env, "viv"), 3);
}

#[test]
fn rejected_credentials_are_exit_3_and_nothing_is_stored() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    let m = srv.mock(|when, then| {
        when.method(POST).path("/get-token");
        then.status(401)
            .header("content-type", "application/json")
            .json_body(
                json!({"error": "invalid_grant", "error_description": "Invalid user credentials"}),
            );
    });
    let out = run_login(&env, &srv, "viv", &[]);
    let stderr = env.assert_failed(&out, 3);
    assert!(
        stderr.contains("the server rejected the login: Invalid user credentials"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
    assert!(env.config_text().is_empty());
}

#[test]
fn rejected_credentials_in_plain_text_are_quoted() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    mock_post_answer(
        &srv,
        "/get-token",
        401,
        "text/html; charset=utf-8",
        "Invalid Auth details",
    );
    let stderr = env.assert_failed(&run_login(&env, &srv, "viv", &[]), 3);
    assert!(
        stderr.contains("the server rejected the login: Invalid Auth details"),
        "{stderr}"
    );
}

#[test]
fn dead_refresh_token_is_exit_3_with_a_hint_and_leaves_the_store_alone() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &[]);
    env.expire_cache("viv");
    let before = env.secrets_bytes();
    let m = mock_refresh(&srv, &refresh, 400, dead_refresh_answer());
    let out = print_header(&env, "viv");
    let stderr = env.assert_failed(&out, 3);
    assert!(
        stderr.contains("the server rejected the refresh: Token is not active"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: run `tokctl login -p viv`"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn dead_refresh_token_logs_in_again_with_saved_credentials() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &["--save-credentials"]);
    assert_eq!(
        env.secrets_json()["profiles"]["viv"]["password"],
        json!(PASSWORD)
    );
    env.expire_cache("viv");
    let r = mock_refresh(&srv, &refresh, 400, dead_refresh_answer());
    let access2 = env.plant(&access_jwt("relogin-a", 600));
    let refresh2 = env.plant(&refresh_jwt("relogin-r"));
    let l = mock_get_token(&srv, token_answer(&access2, &refresh2, 600));
    let out = print_header(&env, "viv");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access2}\n")
    );
    r.assert_calls(1);
    l.assert_calls(1);
    let p = &env.secrets_json()["profiles"]["viv"];
    assert_eq!(p["refresh_token"], json!(refresh2));
    assert_eq!(p["password"], json!(PASSWORD));
}

#[test]
fn missing_refresh_endpoint_falls_back_to_login_with_saved_credentials() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "viv", &["--save-credentials"]);
    env.expire_cache("viv");
    let r = mock_post_answer(
        &srv,
        "/refresh-token",
        404,
        "text/html",
        "<html><body>Cannot POST /refresh-token</body></html>",
    );
    let access2 = env.plant(&access_jwt("fallback-a", 600));
    let refresh2 = env.plant(&refresh_jwt("fallback-r"));
    let l = mock_get_token(&srv, token_answer(&access2, &refresh2, 600));
    let out = print_header(&env, "viv");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access2}\n")
    );
    r.assert_calls(1);
    l.assert_calls(1);
}

#[test]
fn refresh_sent_as_a_form_when_json_is_refused() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &[]);
    env.expire_cache("viv");
    let json_refused = srv.mock(|when, then| {
        when.method(POST)
            .path("/refresh-token")
            .header("content-type", "application/json");
        then.status(415);
    });
    let access2 = env.plant(&access_jwt("form-a", 600));
    let refresh2 = env.plant(&refresh_jwt("form-r"));
    let form = srv.mock(|when, then| {
        when.method(POST)
            .path("/refresh-token")
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("refresh_token", refresh.as_str());
        then.status(200)
            .header("content-type", "application/json")
            .json_body(token_answer(&access2, &refresh2, 600));
    });
    let out = print_header(&env, "viv");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access2}\n")
    );
    json_refused.assert_calls(1);
    form.assert_calls(1);
}

#[test]
fn too_many_attempts_at_login_is_exit_4_quoting_the_server_once() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    let m = mock_post_answer(
        &srv,
        "/get-token",
        429,
        "text/html; charset=utf-8",
        "Too many failed attempts",
    );
    let out = run_login(&env, &srv, "viv", &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(
        stderr.contains("HTTP 429: Too many failed attempts"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: the server is limiting attempts"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn too_many_attempts_at_refresh_is_exit_4_without_a_relogin() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "viv", &["--save-credentials"]);
    env.expire_cache("viv");
    let before = env.secrets_bytes();
    let r = mock_refresh(
        &srv,
        &refresh,
        429,
        json!({"message": "Too many failed attempts"}),
    );
    let l = srv.mock(|when, then| {
        when.method(POST).path("/get-token");
        then.status(500);
    });
    let out = print_header(&env, "viv");
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("Too many failed attempts"), "{stderr}");
    r.assert_calls(1);
    l.assert_calls(0);
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn html_error_page_is_exit_4_without_the_html() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    mock_post_answer(
        &srv,
        "/get-token",
        500,
        "text/html",
        "<html><head><title>Error</title></head><body><pre>Internal Server Error</pre></body></html>",
    );
    let stderr = env.assert_failed(&run_login(&env, &srv, "viv", &[]), 4);
    assert!(stderr.contains("HTTP 500 with an HTML page"), "{stderr}");
    assert!(!stderr.contains('<'), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn malformed_json_at_refresh_is_exit_4_and_keeps_the_tokens() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "viv", &[]);
    env.expire_cache("viv");
    let before = env.secrets_bytes();
    mock_post_answer(
        &srv,
        "/refresh-token",
        200,
        "application/json",
        r#"{"access_token":"eyJhbGciOiJSUzI1NiIs"#,
    );
    let stderr = env.assert_failed(&print_header(&env, "viv"), 4);
    assert!(stderr.contains("instead of JSON"), "{stderr}");
    assert!(!stderr.contains("eyJ"), "{stderr}");
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn malformed_json_at_login_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    mock_post_answer(&srv, "/get-token", 200, "application/json", "{not json");
    let stderr = env.assert_failed(&run_login(&env, &srv, "viv", &[]), 4);
    assert!(stderr.contains("instead of JSON"), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn timeout_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "viv", &[]);
    env.expire_cache("viv");
    let before = env.secrets_bytes();
    srv.mock(|when, then| {
        when.method(POST).path("/refresh-token");
        then.status(200).delay(Duration::from_secs(3)).body("{}");
    });
    let out = env
        .tokctl()
        .args(["print-header", "-p", "viv", "--timeout", "1s"])
        .output()
        .unwrap();
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn info_has_no_remote_endpoint() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, "viv", &[]);
    let out = env
        .tokctl()
        .args(["info", "-p", "viv", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&env.assert_ok(&out)).unwrap();
    assert_eq!(v["access_token_jwt"]["claims"]["azp"], "sensor-data-client");
    assert_eq!(v["refresh_token_typ"], "Refresh");
    assert_eq!(
        v["endpoints"]["refresh"],
        json!(format!("{}/refresh-token", srv.base_url()))
    );
    let out = env
        .tokctl()
        .args(["info", "-p", "viv", "--remote"])
        .output()
        .unwrap();
    let stderr = env.assert_failed(&out, 2);
    assert!(
        stderr.contains("not supported by this provider"),
        "{stderr}"
    );
}
