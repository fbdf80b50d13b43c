//! CollectiveAccess: the contract every provider keeps (`provider_contract!`,
//! see `common/contract.rs`), and providence's quirks: both expiries from
//! the JWTs (corrected by the server's clock), passwords only in GraphQL
//! variables, GraphQL errors, a refresh token past its `exp` never sent.

use crate::common::contract::provider_contract;
use crate::common::definitions::HOSTILE_PASSWORDS;
use crate::common::fixtures::collectiveaccess::*;
use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

provider_contract!(CollectiveAccess, refresh_token);

/// A logged-in profile `name` whose tokens expire at the given times;
/// returns (access, refresh).
fn logged_in(
    env: &mut TestEnv,
    srv: &MockServer,
    name: &str,
    access_exp: i64,
    refresh_exp: i64,
    extra: &[&str],
) -> (String, String) {
    env.plant(CA_PASSWORD);
    let access = env.plant(&ca_jwt(&format!("{name}-access"), access_exp));
    let refresh = env.plant(&ca_jwt(&format!("{name}-refresh"), refresh_exp));
    let mut m = ca_mock_login(srv, CA_PASSWORD, ca_login_answer(&access, &refresh));
    env.assert_ok(&run_login(env, srv, name, CA_PASSWORD, extra));
    m.assert_calls(1);
    m.delete();
    (access, refresh)
}

/// `tokctl login` for profile `name` with `password` on stdin.
fn run_login(
    env: &TestEnv,
    srv: &MockServer,
    name: &str,
    password: &str,
    extra: &[&str],
) -> std::process::Output {
    CollectiveAccess
        .login_cmd(env, srv, name)
        .args(extra)
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap()
}

#[test]
fn login_stores_both_expiries_from_the_jwts_and_the_user() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    // As in the documentation's example, the refresh token dies before the
    // access token.
    let (access_exp, refresh_exp) = (now() + 864_000, now() + 86_400);
    let (_, refresh) = logged_in(&mut env, &srv, "ca", access_exp, refresh_exp, &[]);

    let secrets = env.secrets_json();
    let p = &secrets["profiles"]["ca"];
    assert_eq!(p["refresh_token"], json!(refresh));
    assert_eq!(
        p["refresh_expiry"],
        json!({"kind": "at", "at": refresh_exp})
    );
    assert!(p.get("password").is_none(), "not saved unless asked: {p}");
    let cache = env.cache_json("ca");
    assert_eq!(cache["access"]["expires_at"], json!(access_exp));
    assert_eq!(
        cache["user"],
        json!({"id": "2", "name": "Api User", "email": "api@test.com"})
    );
    assert!(
        env.config_text()
            .contains("provider = \"collectiveaccess\""),
        "{}",
        env.config_text()
    );
}

#[test]
fn special_character_passwords_travel_only_as_variables() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    for (i, password) in HOSTILE_PASSWORDS.iter().enumerate() {
        let name = format!("ca{i}");
        let access = env.plant(&ca_jwt(&format!("{name}-a"), now() + 600));
        let refresh = env.plant(&ca_jwt(&format!("{name}-r"), now() + 86_400));
        env.plant(password);
        // The mock matches only this exact JSON body: the constant query, and
        // the password untouched inside `variables`.
        let mut m = ca_mock_login(&srv, password, ca_login_answer(&access, &refresh));
        let out = run_login(&env, &srv, &name, password, &[]);
        env.assert_ok(&out);
        m.assert_calls(1);
        m.delete();
        assert_eq!(env.cache_json(&name)["access"]["token"], json!(access));
    }
}

#[test]
fn base_url_is_required() {
    let mut env = TestEnv::new();
    env.plant(CA_PASSWORD);
    let out = env
        .tokctl()
        .args(["login", "-p", "ca", "--provider", "collectiveaccess"])
        .args(["--username", CA_USER, "--password-stdin"])
        .write_stdin(format!("{CA_PASSWORD}\n"))
        .output()
        .unwrap();
    let stderr = env.assert_failed(&out, 2);
    assert!(stderr.contains("--base-url"), "{stderr}");
    assert!(env.config_text().is_empty(), "nothing written");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn a_refreshed_token_expires_when_its_jwt_says() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    env.expire_cache("ca");
    // Since providence d1d2a9b the new jwt carries the refresh token's exp.
    let new_exp = now() + 7200;
    let fresh = env.plant(&ca_jwt("refreshed", new_exp));
    let m = ca_mock_refresh(
        &srv,
        &refresh,
        200,
        json!({"ok": true, "data": {"refresh": {"jwt": fresh}}}),
    );
    env.assert_prints_header("ca", &fresh);
    m.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["ca"]["refresh_token"],
        json!(refresh),
        "refresh answers carry no refresh token: the old one stays"
    );
    assert_eq!(env.cache_json("ca")["access"]["expires_at"], json!(new_exp));
}

#[test]
fn graphql_error_is_exit_4_quoting_the_message() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(CA_PASSWORD);
    let m = srv.mock(|when, then| {
        when.method(POST).path(CA_PATH);
        then.status(500)
            .header("content-type", "application/json")
            .json_body(json!({"ok": false, "errors": [{
                "message": "Syntax Error: Expected Name, found <EOF>",
                "locations": [{"line": 1, "column": 15}]
            }]}));
    });
    let out = run_login(&env, &srv, "ca", CA_PASSWORD, &[]);
    let stderr = env.assert_failed(&out, 4);
    assert_contains(&stderr, "Syntax Error: Expected Name, found <EOF>");
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn refresh_with_a_bad_token_is_exit_4_and_keeps_the_tokens() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    env.expire_cache("ca");
    // Bad signature: masked as "Internal server error", HTTP 500.
    let m = ca_mock_refresh(
        &srv,
        &refresh,
        500,
        json!({"ok": false, "errors": [{"message": "Internal server error",
            "locations": [{"line": 1, "column": 9}], "path": ["refresh"]}],
            "data": {"refresh": null}}),
    );
    let stderr = env.run_fails_keeping_secrets(&["print-header", "-p", "ca"], 4);
    assert!(stderr.contains("Internal server error"), "{stderr}");
    m.assert_calls(1);
}

#[test]
fn refresh_token_past_its_exp_is_not_sent() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    // The refresh token expired although the access token still had time.
    logged_in(&mut env, &srv, "ca", now() + 3600, now() - 5, &[]);
    env.expire_cache("ca");
    let any = srv.mock(|when, then| {
        when.method(POST).path(CA_PATH);
        then.status(500);
    });
    let stderr = env.run_fails_keeping_secrets(&["print-header", "-p", "ca"], 3);
    assert!(stderr.contains("refresh token expired"), "{stderr}");
    assert_contains(&stderr, "hint: run `tokctl login -p ca`");
    any.assert_calls(0);
}

#[test]
fn jwt_expiry_is_corrected_by_the_server_clock() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    // The server's clock runs two hours ahead; its tokens last 600 s / 1 day by its clock.
    let skew = 7200;
    let server_now = now() + skew;
    let access = env.plant(&ca_jwt("skewed-a", server_now + 600));
    let refresh = env.plant(&ca_jwt("skewed-r", server_now + 86_400));
    srv.mock(|when, then| {
        when.method(POST)
            .path(CA_PATH)
            .json_body(ca_login_request(CA_PASSWORD));
        then.status(200)
            .header("content-type", "application/json")
            .header("date", http_date(server_now))
            .json_body(ca_login_answer(&access, &refresh));
    });
    let out = run_login(&env, &srv, "ca", CA_PASSWORD, &[]);
    env.assert_ok(&out);
    let expires = env.cache_json("ca")["access"]["expires_at"]
        .as_i64()
        .unwrap();
    assert!(
        (expires - (now() + 600)).abs() <= 5,
        "expires_at {expires} should be about now + 600 ({})",
        now() + 600
    );
    let rexp = env.secrets_json()["profiles"]["ca"]["refresh_expiry"]["at"]
        .as_i64()
        .unwrap();
    assert!((rexp - (now() + 86_400)).abs() <= 5, "{rexp}");
}

#[test]
fn info_remote_runs_validate_with_the_bearer_token() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, _) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    let m = srv.mock(|when, then| {
        when.method(POST)
            .path(CA_PATH)
            .header("authorization", format!("Bearer {access}"))
            .json_body(json!({"query": CA_VALIDATE_QUERY, "variables": {}}));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"ok": true, "data": {"validate": {
                "id": 2, "username": "api_user", "email": "api@test.com",
                "fname": "Api", "lname": "User", "userclass": 1
            }}}));
    });
    let out = env
        .tokctl()
        .args(["info", "-p", "ca", "--remote", "--json"])
        .output()
        .unwrap();
    let stdout = env.assert_ok(&out);
    assert!(!stdout.contains(&access), "no token without --show-tokens");
    let v: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(v["remote"]["username"], "api_user");
    assert_eq!(v["user_details"]["name"], "Api User");
    assert_eq!(
        v["endpoints"]["auth"],
        json!(format!("{}{CA_PATH}", srv.base_url()))
    );
    m.assert_calls(1);
}
