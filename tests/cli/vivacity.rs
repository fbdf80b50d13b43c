//! Vivacity: the contract every provider keeps (`provider_contract!`, see
//! `common/contract.rs`), and Vivacity's own quirks: both lifetimes from the
//! token answer, plain-text errors, rate limiting, a refresh endpoint that is
//! missing or wants a form.

use crate::common::contract::provider_contract;
use crate::common::fixtures::vivacity::*;
use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

provider_contract!(Vivacity, refresh_token);

/// A logged-in profile `viv` (tokens live 600 s); returns (access, refresh).
fn logged_in(env: &mut TestEnv, srv: &MockServer, extra: &[&str]) -> (String, String) {
    let t = Vivacity.logged_in(env, srv, "viv", 600, extra);
    (t.access, t.refresh.unwrap())
}

fn run_login(env: &TestEnv, srv: &MockServer) -> std::process::Output {
    Vivacity.login_cmd(env, srv, "viv").output().unwrap()
}

#[test]
fn login_stores_the_token_pair_with_both_lifetimes() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, refresh) = logged_in(&mut env, &srv, &[]);
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
fn rejected_credentials_in_plain_text_are_quoted() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(VIV_PASSWORD);
    mock_post_answer(
        &srv,
        "/get-token",
        401,
        "text/html; charset=utf-8",
        "Invalid Auth details",
    );
    let stderr = env.assert_failed(&run_login(&env, &srv), 3);
    assert_contains(
        &stderr,
        "the server rejected the login: Invalid Auth details",
    );
}

#[test]
fn missing_refresh_endpoint_falls_back_to_login_with_saved_credentials() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, &["--save-credentials"]);
    env.expire_cache("viv");
    let r = mock_post_answer(
        &srv,
        "/refresh-token",
        404,
        "text/html",
        "<html><body>Cannot POST /refresh-token</body></html>",
    );
    let access2 = env.plant(&viv_access_jwt("fallback-a", 600));
    let refresh2 = env.plant(&viv_refresh_jwt("fallback-r"));
    let l = viv_mock_get_token(&srv, viv_token_answer(&access2, &refresh2, 600));
    env.assert_prints_header("viv", &access2);
    r.assert_calls(1);
    l.assert_calls(1);
}

#[test]
fn refresh_sent_as_a_form_when_json_is_refused() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, &[]);
    env.expire_cache("viv");
    let json_refused = srv.mock(|when, then| {
        when.method(POST)
            .path("/refresh-token")
            .header("content-type", "application/json");
        then.status(415);
    });
    let access2 = env.plant(&viv_access_jwt("form-a", 600));
    let refresh2 = env.plant(&viv_refresh_jwt("form-r"));
    let form = srv.mock(|when, then| {
        when.method(POST)
            .path("/refresh-token")
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("refresh_token", refresh.as_str());
        then.status(200)
            .header("content-type", "application/json")
            .json_body(viv_token_answer(&access2, &refresh2, 600));
    });
    env.assert_prints_header("viv", &access2);
    json_refused.assert_calls(1);
    form.assert_calls(1);
}

#[test]
fn too_many_attempts_at_login_is_exit_4_quoting_the_server_once() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(VIV_PASSWORD);
    let m = mock_post_answer(
        &srv,
        "/get-token",
        429,
        "text/html; charset=utf-8",
        "Too many failed attempts",
    );
    let out = run_login(&env, &srv);
    let stderr = env.assert_failed(&out, 4);
    assert_contains(&stderr, "HTTP 429: Too many failed attempts");
    assert_contains(&stderr, "hint: the server is limiting attempts");
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn too_many_attempts_at_refresh_is_exit_4_without_a_relogin() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, &["--save-credentials"]);
    env.expire_cache("viv");
    let r = viv_mock_refresh(
        &srv,
        &refresh,
        429,
        json!({"message": "Too many failed attempts"}),
    );
    let l = srv.mock(|when, then| {
        when.method(POST).path("/get-token");
        then.status(500);
    });
    let stderr = env.run_fails_keeping_secrets(&["print-header", "-p", "viv"], 4);
    assert!(stderr.contains("Too many failed attempts"), "{stderr}");
    r.assert_calls(1);
    l.assert_calls(0);
}

#[test]
fn info_has_no_remote_endpoint() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(&mut env, &srv, &[]);
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
    assert_contains(&stderr, "not supported by this provider");
}
