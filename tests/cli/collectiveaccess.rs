//! CollectiveAccess end to end: an httpmock `service/Auth` that answers
//! exactly as providence does (docs/providers/collectiveaccess.md).

use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::time::Duration;

const PATH: &str = "/service/Auth";
const USER: &str = "api_user";
const PASSWORD: &str = "ca-secret-pw";
/// The fixed documents of docs/providers/collectiveaccess.md ("Endpoints"):
/// they never change, whatever the password.
const LOGIN_QUERY: &str = "query jwtAuth($username: String, $password: String){ login(username:$username,password:$password){ jwt, refresh, user{id,fname,lname,email} } }";
const REFRESH_QUERY: &str = "query($token: String){ refresh(token:$token){ jwt } }";
const VALIDATE_QUERY: &str = "query{ validate{ id, username, email, fname, lname, userclass } }";

/// A providence JWT: identical claim sets for access and refresh tokens,
/// `id` a string (docs/providers/README.md, "Loose types"); `jti` only makes
/// each token unique.
fn ca_jwt(label: &str, exp: i64) -> String {
    fake_jwt(json!({
        "iss": "maxwell.whirl-i-gig.com", "aud": "maxwell.whirl-i-gig.com",
        "iat": now(), "nbf": now(), "exp": exp, "id": "2", "jti": label,
    }))
}

fn login_answer(jwt: &str, refresh: &str) -> Value {
    json!({"ok": true, "data": {"login": {
        "jwt": jwt, "refresh": refresh,
        "user": {"id": 2, "fname": "Api", "lname": "User", "email": "api@test.com"}
    }}})
}

fn login_request(password: &str) -> Value {
    json!({"query": LOGIN_QUERY, "variables": {"username": USER, "password": password}})
}

fn mock_login<'a>(srv: &'a MockServer, password: &str, answer: Value) -> httpmock::Mock<'a> {
    let req = login_request(password);
    mock_json_exchange(srv, PATH, req, 200, answer)
}

fn mock_refresh<'a>(
    srv: &'a MockServer,
    rt: &str,
    status: u16,
    answer: Value,
) -> httpmock::Mock<'a> {
    let req = json!({"query": REFRESH_QUERY, "variables": {"token": rt}});
    srv.mock(|when, then| {
        when.method(POST).path(PATH).json_body(req);
        then.status(status)
            .header("content-type", "application/json")
            .json_body(answer);
    })
}

/// `tokctl login` for profile `name` with `password` on stdin.
fn run_login(
    env: &TestEnv,
    srv: &MockServer,
    name: &str,
    password: &str,
    extra: &[&str],
) -> std::process::Output {
    env.tokctl()
        .args(["login", "-p", name, "--provider", "collectiveaccess"])
        .args([
            "--base-url",
            &srv.base_url(),
            "--username",
            USER,
            "--password-stdin",
        ])
        .args(extra)
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap()
}

/// A logged-in profile: returns (access, refresh) tokens.
fn logged_in(
    env: &mut TestEnv,
    srv: &MockServer,
    name: &str,
    access_exp: i64,
    refresh_exp: i64,
    extra: &[&str],
) -> (String, String) {
    let access = env.plant(&ca_jwt(&format!("{name}-access"), access_exp));
    let refresh = env.plant(&ca_jwt(&format!("{name}-refresh"), refresh_exp));
    env.plant(PASSWORD);
    let mut m = mock_login(srv, PASSWORD, login_answer(&access, &refresh));
    let out = run_login(env, srv, name, PASSWORD, extra);
    env.assert_ok(&out);
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
fn login_reports_the_user_on_stderr() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.plant(&ca_jwt("a", now() + 600));
    let refresh = env.plant(&ca_jwt("r", now() + 86_400));
    mock_login(&srv, PASSWORD, login_answer(&access, &refresh));
    let out = run_login(&env, &srv, "ca", PASSWORD, &[]);
    env.assert_ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("logged in to profile 'ca' (collectiveaccess) as api@test.com"),
        "{stderr}"
    );
}

#[test]
fn special_character_passwords_travel_only_as_variables() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let passwords = [
        r#"a"b\c$d{e}f"#,
        "пароль🔑",
        r#"") { evil }"#,
        r#"x", password: "y"#,
        "$password",
        "}}}{{{",
        "tab\there 'single' `back`",
    ];
    for (i, password) in passwords.iter().enumerate() {
        let name = format!("ca{i}");
        let access = env.plant(&ca_jwt(&format!("{name}-a"), now() + 600));
        let refresh = env.plant(&ca_jwt(&format!("{name}-r"), now() + 86_400));
        env.plant(password);
        // The mock matches only this exact JSON body: the constant query, and
        // the password untouched inside `variables`.
        let mut m = mock_login(&srv, password, login_answer(&access, &refresh));
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
    env.plant(PASSWORD);
    let out = env
        .tokctl()
        .args(["login", "-p", "ca", "--provider", "collectiveaccess"])
        .args(["--username", USER, "--password-stdin"])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    let stderr = env.assert_failed(&out, 2);
    assert!(stderr.contains("--base-url"), "{stderr}");
    assert!(env.config_text().is_empty(), "nothing written");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn print_header_formats() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let exp = now() + 3600;
    let (access, _) = logged_in(&mut env, &srv, "ca", exp, now() + 86_400, &[]);
    let v = env.assert_header_formats("ca", &access);
    assert!(v["expires_at"].as_str().unwrap().ends_with('Z'), "{v}");
}

#[test]
fn exec_gets_the_token() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (access, _) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    let out = env
        .tokctl()
        .args(["exec", "-p", "ca", "--", "sh", "-c"])
        .arg(r#"printf '%s|%s' "$TOKCTL_ACCESS_TOKEN" "$TOKCTL_AUTHORIZATION""#)
        .output()
        .unwrap();
    assert_eq!(env.assert_ok(&out), format!("{access}|Bearer {access}"));
}

#[test]
fn expired_access_token_is_refreshed_and_the_refresh_token_kept() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    env.expire_cache("ca");
    // Since providence d1d2a9b the new jwt carries the refresh token's exp.
    let new_exp = now() + 7200;
    let fresh = env.plant(&ca_jwt("refreshed", new_exp));
    let m = mock_refresh(
        &srv,
        &refresh,
        200,
        json!({"ok": true, "data": {"refresh": {"jwt": fresh}}}),
    );
    let out = print_header(&env, "ca");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {fresh}\n")
    );
    m.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["ca"]["refresh_token"],
        json!(refresh),
        "refresh answers carry no refresh token: the old one stays"
    );
    assert_eq!(env.cache_json("ca")["access"]["expires_at"], json!(new_exp));

    // The new token is cached: no second refresh.
    let out = print_header(&env, "ca");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {fresh}\n")
    );
    m.assert_calls(1);
}

#[test]
fn min_valid_triggers_a_refresh() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 300, now() + 86_400, &[]);
    let fresh = env.plant(&ca_jwt("refreshed", now() + 3600));
    let m = mock_refresh(
        &srv,
        &refresh,
        200,
        json!({"ok": true, "data": {"refresh": {"jwt": fresh}}}),
    );
    let out = env
        .tokctl()
        .args([
            "print-header",
            "-p",
            "ca",
            "--format",
            "token",
            "--min-valid",
            "10m",
        ])
        .output()
        .unwrap();
    assert_eq!(env.assert_ok(&out), format!("{fresh}\n"));
    m.assert_calls(1);
}

#[test]
fn forced_refresh_asks_the_server() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    let fresh = env.plant(&ca_jwt("forced", now() + 3000));
    let m = mock_refresh(
        &srv,
        &refresh,
        200,
        json!({"ok": true, "data": {"refresh": {"jwt": fresh}}}),
    );
    let out = env
        .tokctl()
        .args(["refresh", "-p", "ca", "--json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_str(&env.assert_ok(&out)).unwrap();
    assert_eq!(v["profile"], "ca");
    m.assert_calls(1);
    assert_eq!(env.cache_json("ca")["access"]["token"], json!(fresh));
}

#[test]
fn logout_deletes_the_tokens() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in(
        &mut env,
        &srv,
        "ca",
        now() + 3600,
        now() + 86_400,
        &["--save-credentials"],
    );
    assert!(env.secrets_json()["profiles"]["ca"]["password"].is_string());
    let out = env.tokctl().args(["logout", "-p", "ca"]).output().unwrap();
    env.assert_ok(&out);
    assert!(env.secrets_json()["profiles"].get("ca").is_none());
    assert!(!env.data_dir().join("cache/ca.json").exists());
    let out = print_header(&env, "ca");
    env.assert_failed(&out, 3);
}

#[test]
fn wrong_password_is_exit_3_and_nothing_is_stored() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant("wrong-password");
    // The resolver's answer to bad credentials: HTTP 200, ok, jwt null.
    let m = mock_login(
        &srv,
        "wrong-password",
        json!({"ok": true, "data": {"login": {"jwt": null, "refresh": null, "user": null}}}),
    );
    let out = run_login(&env, &srv, "ca", "wrong-password", &[]);
    let stderr = env.assert_failed(&out, 3);
    assert!(stderr.contains("rejected the login"), "{stderr}");
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
    assert!(env.config_text().is_empty());
}

#[test]
fn graphql_error_is_exit_4_quoting_the_message() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    let m = srv.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(500)
            .header("content-type", "application/json")
            .json_body(json!({"ok": false, "errors": [{
                "message": "Syntax Error: Expected Name, found <EOF>",
                "locations": [{"line": 1, "column": 15}]
            }]}));
    });
    let out = run_login(&env, &srv, "ca", PASSWORD, &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(
        stderr.contains("Syntax Error: Expected Name, found <EOF>"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn refresh_with_a_bad_token_is_exit_4_and_keeps_the_tokens() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    env.expire_cache("ca");
    let before = env.secrets_bytes();
    // Bad signature: masked as "Internal server error", HTTP 500.
    let m = mock_refresh(
        &srv,
        &refresh,
        500,
        json!({"ok": false, "errors": [{"message": "Internal server error",
            "locations": [{"line": 1, "column": 9}], "path": ["refresh"]}],
            "data": {"refresh": null}}),
    );
    let out = print_header(&env, "ca");
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("Internal server error"), "{stderr}");
    m.assert_calls(1);
    assert_eq!(env.secrets_bytes(), before);
}

/// The answer to a refresh with an expired refresh token.
fn expired_token_answer() -> Value {
    json!({"ok": false, "errors": [{"message": "Internal server error",
        "locations": [{"line": 1, "column": 9}], "path": ["refresh"], "expiredToken": true}],
        "data": {"refresh": null}})
}

#[test]
fn dead_refresh_token_is_exit_3_with_a_hint_and_leaves_the_store_alone() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(&mut env, &srv, "ca", now() + 3600, now() + 86_400, &[]);
    env.expire_cache("ca");
    let before = env.secrets_bytes();
    let m = mock_refresh(&srv, &refresh, 401, expired_token_answer());
    let out = print_header(&env, "ca");
    let stderr = env.assert_failed(&out, 3);
    assert!(stderr.contains("the token has expired"), "{stderr}");
    assert!(
        stderr.contains("hint: run `tokctl login -p ca`"),
        "{stderr}"
    );
    m.assert_calls(1);
    assert_eq!(env.secrets_bytes(), before);
}

#[test]
fn dead_refresh_token_logs_in_again_with_saved_credentials() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = logged_in(
        &mut env,
        &srv,
        "ca",
        now() + 3600,
        now() + 86_400,
        &["--save-credentials"],
    );
    env.expire_cache("ca");
    let r = mock_refresh(&srv, &refresh, 401, expired_token_answer());
    let access2 = env.plant(&ca_jwt("second-a", now() + 600));
    let refresh2 = env.plant(&ca_jwt("second-r", now() + 86_400));
    let l = mock_login(&srv, PASSWORD, login_answer(&access2, &refresh2));
    let out = print_header(&env, "ca");
    assert_eq!(
        env.assert_ok(&out),
        format!("Authorization: Bearer {access2}\n")
    );
    r.assert_calls(1);
    l.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["ca"]["refresh_token"],
        json!(refresh2)
    );
}

#[test]
fn refresh_token_past_its_exp_is_not_sent() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    // The refresh token expired although the access token still had time.
    logged_in(&mut env, &srv, "ca", now() + 3600, now() - 5, &[]);
    env.expire_cache("ca");
    let before = env.secrets_bytes();
    let any = srv.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(500);
    });
    let out = print_header(&env, "ca");
    let stderr = env.assert_failed(&out, 3);
    assert!(stderr.contains("refresh token expired"), "{stderr}");
    assert!(
        stderr.contains("hint: run `tokctl login -p ca`"),
        "{stderr}"
    );
    any.assert_calls(0);
    assert_eq!(env.secrets_bytes(), before);
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
            .path(PATH)
            .json_body(login_request(PASSWORD));
        then.status(200)
            .header("content-type", "application/json")
            .header("date", http_date(server_now))
            .json_body(login_answer(&access, &refresh));
    });
    let out = run_login(&env, &srv, "ca", PASSWORD, &[]);
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
            .path(PATH)
            .header("authorization", format!("Bearer {access}"))
            .json_body(json!({"query": VALIDATE_QUERY, "variables": {}}));
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
        json!(format!("{}{PATH}", srv.base_url()))
    );
    m.assert_calls(1);
}

#[test]
fn html_error_page_is_exit_4_without_the_html() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    mock_post_answer(
        &srv,
        PATH,
        502,
        "text/html",
        "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
    );
    let out = run_login(&env, &srv, "ca", PASSWORD, &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("HTML page"), "{stderr}");
    assert!(!stderr.contains('<'), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}

#[test]
fn malformed_json_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    mock_post_answer(
        &srv,
        PATH,
        200,
        "application/json",
        r#"{"ok": true, "data": {"login": {"jwt": "eyJ"#,
    );
    let out = run_login(&env, &srv, "ca", PASSWORD, &[]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("instead of JSON"), "{stderr}");
    assert!(!stderr.contains("eyJ"), "{stderr}");
}

#[test]
fn timeout_is_exit_4() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.plant(PASSWORD);
    let access = env.plant(&ca_jwt("late", now() + 600));
    srv.mock(|when, then| {
        when.method(POST).path(PATH);
        then.status(200)
            .delay(Duration::from_secs(3))
            .json_body(login_answer(&access, &access));
    });
    let out = run_login(&env, &srv, "ca", PASSWORD, &["--timeout", "1s"]);
    let stderr = env.assert_failed(&out, 4);
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    assert!(env.secrets_bytes().is_none());
}
