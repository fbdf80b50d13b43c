//! Provider definitions end to end: the shipped examples under
//! `examples/providers/` against httpmock servers that check every request
//! exactly, the checks a bad definition gets, and where definitions live.

use crate::common::definitions::*;
use crate::common::*;
use httpmock::Mock;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::path::Path;
use std::process::Output;
use std::time::Duration;

const USER: &str = "ann@example.com";
const PASSWORD: &str = "hunter2-but-longer";

/// `tokctl login -p NAME --provider KIND` against `srv` with `password` on stdin.
fn login(env: &TestEnv, srv: &MockServer, name: &str, kind: &str, extra: &[&str]) -> Output {
    login_with(env, srv, name, kind, PASSWORD, extra)
}

fn login_with(
    env: &TestEnv,
    srv: &MockServer,
    name: &str,
    kind: &str,
    password: &str,
    extra: &[&str],
) -> Output {
    login_cmd(&mut env.tokctl(), srv, name, kind, password)
        .args(extra)
        .output()
        .unwrap()
}

/// Adds the arguments and stdin of a login to `cmd`.
fn login_cmd<'c>(
    cmd: &'c mut assert_cmd::Command,
    srv: &MockServer,
    name: &str,
    kind: &str,
    password: &str,
) -> &'c mut assert_cmd::Command {
    cmd.args(["login", "-p", name, "--provider", kind])
        .args(["--base-url", &srv.base_url(), "--username", USER])
        .arg("--password-stdin")
        .write_stdin(format!("{password}\n"))
}

fn header(token: &str) -> String {
    format!("Authorization: Bearer {token}\n")
}

fn expires_at(env: &TestEnv, profile: &str) -> i64 {
    env.cache_json(profile)["access"]["expires_at"]
        .as_i64()
        .expect("an expiry")
}

fn assert_about(actual: i64, expected: i64) {
    assert!((actual - expected).abs() <= 5, "{actual} vs {expected}");
}

// ---- acme: the plain JSON login of docs/provider-definitions.md's example ----

fn acme_answer(access: &str, refresh: Option<&str>, ttl: i64) -> Value {
    let mut data = json!({"accessToken": access, "ttl": ttl, "user": {"email": USER}});
    if let Some(r) = refresh {
        data["refreshToken"] = json!(r);
    }
    json!({ "data": data })
}

fn mock_acme_login<'a>(srv: &'a MockServer, password: &str, answer: Value) -> httpmock::Mock<'a> {
    let body = json!({"user": USER, "secret": password, "scope": "inventory"});
    srv.mock(|when, then| {
        when.method(POST)
            .path("/v2/session")
            .header("x-client", "tokctl")
            .header("content-type", "application/json")
            .json_body(body);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(answer);
    })
}

fn mock_acme_refresh<'a>(srv: &'a MockServer, rt: &str, status: u16, answer: Value) -> Mock<'a> {
    let request = json!({"token": rt});
    mock_json_exchange(srv, "/v2/session/refresh", request, status, answer)
}

/// A new installation with the acme profile `work` logged in (with `extra`
/// login arguments) at a new mock server; returns them and the tokens
/// (access, refresh).
fn acme_work(extra: &[&str]) -> (TestEnv, MockServer, String, String) {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    env.plant(PASSWORD);
    let access = env.plant("acme-access-work-1");
    let refresh = env.plant("acme-refresh-work-1");
    let mut m = mock_acme_login(&srv, PASSWORD, acme_answer(&access, Some(&refresh), 900));
    env.assert_ok(&login(&env, &srv, "work", "acme", extra));
    m.assert_calls(1);
    m.delete();
    (env, srv, access, refresh)
}

#[test]
fn acme_login_reads_the_answer_through_its_pointers() {
    let (env, srv, access, refresh) = acme_work(&[]);
    assert_about(expires_at(&env, "work"), now() + 900);
    let p = &env.secrets_json()["profiles"]["work"];
    assert_eq!(p["refresh_token"], json!(refresh));
    assert!(
        p.get("password").is_none(),
        "a definition with [refresh] saves nothing unasked: {p}"
    );
    assert!(
        env.config_text().contains("provider = \"acme\""),
        "{}",
        env.config_text()
    );
    env.assert_header_formats("work", &access);

    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(rows[0]["provider"], "acme");
    assert_eq!(rows[0]["user"], USER);
    assert_eq!(rows[0]["state"], "valid");

    let out = env.run_ok(&["info", "-p", "work", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["provider"], "acme");
    let def = env.providers_dir().join("acme.toml");
    assert_eq!(v["definition"], json!(def.display().to_string()));
    assert_eq!(
        v["endpoints"]["login"],
        json!(format!("{}/v2/session", srv.base_url()))
    );
    assert_eq!(
        v["endpoints"]["info"],
        json!(format!("{}/v2/me", srv.base_url()))
    );
    let text = stdout(&env.run_ok(&["info", "-p", "work"]));
    assert!(
        text.contains(&format!("definition:          {}", def.display())),
        "{text}"
    );
}

#[test]
fn acme_refresh_without_a_new_refresh_token_keeps_the_old_one() {
    let (mut env, srv, _, refresh) = acme_work(&[]);
    env.expire_cache("work");
    let access2 = env.plant("acme-access-work-2");
    let m = mock_acme_refresh(&srv, &refresh, 200, acme_answer(&access2, None, 600));
    assert_eq!(env.assert_ok(&env.print_header("work")), header(&access2));
    m.assert_calls(1);
    assert_about(expires_at(&env, "work"), now() + 600);
    assert_eq!(
        env.secrets_json()["profiles"]["work"]["refresh_token"],
        json!(refresh)
    );
}

#[test]
fn acme_refused_refresh_logs_in_again_with_saved_credentials() {
    let (mut env, srv, _, refresh) = acme_work(&["--save-credentials"]);
    env.expire_cache("work");
    let r = mock_acme_refresh(
        &srv,
        &refresh,
        401,
        json!({"error": {"message": "refresh token revoked"}}),
    );
    let access2 = env.plant("acme-access-work-relogin");
    let refresh2 = env.plant("acme-refresh-work-relogin");
    let l = mock_acme_login(&srv, PASSWORD, acme_answer(&access2, Some(&refresh2), 900));
    assert_eq!(env.assert_ok(&env.print_header("work")), header(&access2));
    r.assert_calls(1);
    l.assert_calls(1);
    let p = &env.secrets_json()["profiles"]["work"];
    assert_eq!(p["refresh_token"], json!(refresh2));
    assert_eq!(p["password"], json!(PASSWORD));
}

#[test]
fn acme_refused_refresh_without_saved_credentials_is_exit_3_quoting_the_error_pointer() {
    let (env, srv, _, refresh) = acme_work(&[]);
    env.expire_cache("work");
    // The first pointer of the list is absent, the second resolves.
    let m = mock_acme_refresh(
        &srv,
        &refresh,
        400,
        json!({"errors": [{"detail": "Refresh token expired"}]}),
    );
    let stderr = env.run_fails_keeping_secrets(&["print-header", "-p", "work"], 3);
    assert_contains(
        &stderr,
        "the server rejected the refresh: Refresh token expired",
    );
    assert_contains(&stderr, "hint: run `tokctl login -p work`");
    m.assert_calls(1);
}

#[test]
fn acme_info_remote_asks_with_the_token() {
    let (env, srv, access, _) = acme_work(&[]);
    let bearer = format!("Bearer {access}");
    let m = srv.mock(|when, then| {
        when.method(GET)
            .path("/v2/me")
            .header("authorization", bearer.as_str());
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"email": USER, "roles": ["inventory"]}));
    });
    let out = env.run_ok(&["info", "-p", "work", "--remote", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["remote"]["roles"], json!(["inventory"]));
    m.assert_calls(1);
}

#[test]
fn verbose_shows_each_request_but_no_secret() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    env.plant(PASSWORD);
    let access = env.plant("acme-access-verbose");
    let refresh = env.plant("acme-refresh-verbose");
    mock_acme_login(&srv, PASSWORD, acme_answer(&access, Some(&refresh), 900));
    let out = login(&env, &srv, "work", "acme", &["-v"]);
    let err = stderr(&out);
    env.assert_ok(&out);
    assert!(
        err.contains(&format!("POST {}/v2/session -> 200", srv.base_url())),
        "{err}"
    );
}

// ---- failures: exit codes, and nothing stored ----

/// A login against an answer that fails; returns stderr after checking
/// the exit code and that nothing was stored.
fn failed_login(status: u16, content_type: &str, body: &str, code: i32) -> String {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    env.plant(PASSWORD);
    let m = mock_post_answer(&srv, "/v2/session", status, content_type, body);
    let stderr = env.assert_failed(&login(&env, &srv, "work", "acme", &[]), code);
    m.assert_calls(1);
    assert!(env.secrets_bytes().is_none());
    assert!(env.config_text().is_empty(), "{}", env.config_text());
    stderr
}

#[test]
fn rejected_credentials_are_exit_3_quoting_the_first_error_that_resolves() {
    let body = json!({"error": {"message": "Invalid password"}, "errors": [{"detail": "second"}]});
    let stderr = failed_login(401, "application/json", &body.to_string(), 3);
    assert_contains(&stderr, "the server rejected the login: Invalid password");
    assert!(!stderr.contains("second"), "{stderr}");
    // 403 without any error pointer resolving still means rejected.
    let stderr = failed_login(403, "application/json", r#"{"nothing":"here"}"#, 3);
    assert!(stderr.contains("the server rejected the login"), "{stderr}");
}

#[test]
fn an_answer_without_the_access_token_is_exit_4_naming_the_pointer() {
    let body = json!({"data": {"token": "somewhere-else"}});
    let stderr = failed_login(200, "application/json", &body.to_string(), 4);
    assert_contains(
        &stderr,
        "login: the server's answer has no access token at /data/accessToken",
    );
    assert!(!stderr.contains("somewhere-else"), "{stderr}");
}

#[test]
fn server_failures_are_exit_4() {
    let stderr = failed_login(500, "text/html", "<html><body>Oops</body></html>", 4);
    assert!(stderr.contains("HTTP 500 with an HTML page"), "{stderr}");
    assert!(!stderr.contains('<'), "{stderr}");
    let stderr = failed_login(
        503,
        "application/json",
        r#"{"error":{"message":"down for maintenance"}}"#,
        4,
    );
    assert_contains(&stderr, "HTTP 503: down for maintenance");
    let stderr = failed_login(
        200,
        "application/json",
        r#"{"data":{"accessToken":"eyJh"#,
        4,
    );
    assert!(stderr.contains("instead of JSON"), "{stderr}");
    assert!(!stderr.contains("eyJh"), "{stderr}");
    let body = json!({"data": {"accessToken": "two words\u{1b}[31m"}});
    let stderr = failed_login(200, "application/json", &body.to_string(), 4);
    assert!(stderr.contains("characters no token has"), "{stderr}");
    let stderr = failed_login(200, "text/html", "<html>login page</html>", 4);
    assert!(stderr.contains("an HTML page"), "{stderr}");
}

#[test]
fn a_timeout_is_exit_4_and_keeps_the_tokens() {
    let (env, srv, _, refresh) = acme_work(&[]);
    env.expire_cache("work");
    let m = srv.mock(|when, then| {
        when.method(POST)
            .path("/v2/session/refresh")
            .json_body(json!({"token": refresh}));
        then.status(200).delay(Duration::from_secs(3)).body("{}");
    });
    let stderr =
        env.run_fails_keeping_secrets(&["print-header", "-p", "work", "--timeout", "1s"], 4);
    assert!(stderr.contains("did not answer within 1s"), "{stderr}");
    m.assert_calls(1);
}

// ---- values, not text ----

#[test]
fn hostile_passwords_arrive_as_typed_in_json() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    for (i, password) in HOSTILE_PASSWORDS.iter().enumerate() {
        let name = format!("p{i}");
        env.plant(password);
        let access = env.plant(&format!("acme-access-hostile-{i}"));
        // The mock matches only this exact JSON body.
        let mut m = mock_acme_login(&srv, password, acme_answer(&access, None, 900));
        env.assert_ok(&login_with(&env, &srv, &name, "acme", password, &[]));
        m.assert_calls(1);
        m.delete();
        assert_eq!(env.cache_json(&name)["access"]["token"], json!(access));
    }
}

#[test]
fn a_password_with_a_line_break_arrives_as_typed() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    let password = "first line\nsecond \"line\"\r\n";
    let access = env.plant("acme-access-newline");
    let m = mock_acme_login(&srv, password, acme_answer(&access, None, 900));
    let out = env
        .tokctl()
        .args(["login", "-p", "nl", "--provider", "acme"])
        .args(["--base-url", &srv.base_url(), "--username", USER])
        .env("TOKCTL_PASSWORD", password)
        .output()
        .unwrap();
    env.assert_ok(&out);
    m.assert_calls(1);
}

// ---- form-login: form encoding, no [refresh], [revoke] ----

fn mock_form_login<'a>(
    srv: &'a MockServer,
    path: &str,
    password: &str,
    answer: Value,
) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST)
            .path(path)
            .header("content-type", "application/x-www-form-urlencoded")
            .form_urlencoded_tuple("login", USER)
            .form_urlencoded_tuple("pass", password)
            .form_urlencoded_tuple("client", "reports")
            .form_urlencoded_tuple("scope", "read")
            .form_urlencoded_tuple("scope", "write");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(answer);
    })
}

fn form_answer(access: &str, validity: Option<i64>) -> Value {
    let mut r = json!({"token": access, "account": {"login": "ann"}});
    if let Some(v) = validity {
        r["validity"] = json!(v);
    }
    json!({ "result": r })
}

fn form_login(env: &TestEnv, srv: &MockServer, password: &str, extra: &[&str]) -> Output {
    let mut args = vec!["--client-id", "reports"];
    args.extend_from_slice(extra);
    login_with(env, srv, "legacy", "legacy", password, &args)
}

/// The `legacy` profile (form-login.toml) logged in; returns the access
/// token (valid for 120 s).
fn form_logged_in(env: &mut TestEnv, srv: &MockServer, extra: &[&str]) -> String {
    env.plant(PASSWORD);
    let access = env.plant(&format!("form-access-{}", extra.join("")));
    let mut m = mock_form_login(
        srv,
        "/api/auth/login",
        PASSWORD,
        form_answer(&access, Some(120)),
    );
    env.assert_ok(&form_login(env, srv, PASSWORD, extra));
    m.assert_calls(1);
    m.delete();
    access
}

#[test]
fn form_login_saves_the_password_and_logs_in_again_as_the_file_now_says() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let def = env.install_example("form-login.toml", "legacy");
    form_logged_in(&mut env, &srv, &[]);
    assert_about(expires_at(&env, "legacy"), now() + 120);
    let p = &env.secrets_json()["profiles"]["legacy"];
    assert_eq!(
        p["password"],
        json!(PASSWORD),
        "saved by default without [refresh]: {p}"
    );
    assert_eq!(env.cache_json("legacy")["user"]["name"], "ann");

    // The profile follows the file as it is now: a moved login path and a
    // missing validity (then `lifetime`, 30m) are picked up at renewal.
    let text = std::fs::read_to_string(&def).unwrap();
    std::fs::write(&def, text.replace("/api/auth/login", "/api/v2/auth/login")).unwrap();
    env.expire_cache("legacy");
    let access2 = env.plant("form-access-2");
    let m = mock_form_login(
        &srv,
        "/api/v2/auth/login",
        PASSWORD,
        form_answer(&access2, None),
    );
    assert_eq!(env.assert_ok(&env.print_header("legacy")), header(&access2));
    m.assert_calls(1);
    assert_about(expires_at(&env, "legacy"), now() + 1800);
}

#[test]
fn form_login_without_saved_credentials_cannot_renew() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("form-login.toml", "legacy");
    form_logged_in(&mut env, &srv, &["--no-save-credentials"]);
    assert!(
        env.secrets_json()["profiles"]["legacy"]
            .get("password")
            .is_none()
    );
    env.expire_cache("legacy");
    let stderr = env.assert_failed(&env.print_header("legacy"), 3);
    assert_contains(
        &stderr,
        "cannot renew its token: legacy issues no refresh token",
    );
    assert_contains(&stderr, "hint: run `tokctl login -p legacy`");
}

#[test]
fn hostile_passwords_arrive_as_typed_in_forms() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("form-login.toml", "legacy");
    for (i, password) in HOSTILE_PASSWORDS.iter().enumerate() {
        env.plant(password);
        let access = env.plant(&format!("form-access-hostile-{i}"));
        let mut m = mock_form_login(
            &srv,
            "/api/auth/login",
            password,
            form_answer(&access, Some(120)),
        );
        env.assert_ok(&form_login(&env, &srv, password, &[]));
        m.assert_calls(1);
        m.delete();
    }
}

#[test]
fn logout_revokes_as_the_definition_says() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("form-login.toml", "legacy");
    let access = form_logged_in(&mut env, &srv, &[]);
    let bearer = format!("Bearer {access}");
    let m = srv.mock(|when, then| {
        when.method(DELETE)
            .path("/api/auth/session")
            .header("authorization", bearer.as_str());
        then.status(204);
    });
    env.run_ok(&["logout", "-p", "legacy"]);
    m.assert_calls(1);
    assert!(env.secrets_json()["profiles"].get("legacy").is_none());
}

// ---- header-refresh: the refresh token in an Authorization header ----

#[test]
fn refresh_token_travels_in_the_authorization_header() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("header-refresh.toml", "flask");
    env.plant(PASSWORD);
    let access = env.plant(&fake_jwt(json!({"sub": "ann", "exp": now() + 300})));
    let refresh = env.plant(&fake_jwt(
        json!({"sub": "ann", "type": "refresh", "exp": now() + 86_400}),
    ));
    let l = mock_json_exchange(
        &srv,
        "/auth/login",
        json!({"username": USER, "password": PASSWORD}),
        200,
        json!({"access_token": access, "refresh_token": refresh}),
    );
    env.assert_ok(&login(&env, &srv, "api", "flask", &[]));
    l.assert_calls(1);
    assert_about(expires_at(&env, "api"), now() + 300);
    let rexp = env.secrets_json()["profiles"]["api"]["refresh_expiry"]["at"]
        .as_i64()
        .unwrap();
    assert_about(rexp, now() + 86_400);

    env.expire_cache("api");
    let access2 = env.plant(&fake_jwt(json!({"sub": "ann", "exp": now() + 300, "n": 2})));
    let bearer = format!("Bearer {refresh}");
    let r = srv.mock(|when, then| {
        when.method(POST)
            .path("/auth/refresh")
            .header("authorization", bearer.as_str());
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"access_token": access2}));
    });
    assert_eq!(env.assert_ok(&env.print_header("api")), header(&access2));
    r.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["api"]["refresh_token"],
        json!(refresh)
    );
}

// ---- expires-at: an absolute expiry, RFC 3339 or epoch seconds ----

/// `t` as RFC 3339 in UTC+02:00, the way a server in Europe may send it.
fn rfc3339_plus_two(t: i64) -> String {
    let utc = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + Duration::from_secs((t + 7200) as u64),
    )
    .to_string();
    format!("{}+02:00", utc.trim_end_matches('Z'))
}

#[test]
fn expiry_from_an_absolute_time() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("expires-at.toml", "tickets");
    env.plant(PASSWORD);
    let access = env.plant("tickets-access-1");
    let refresh = env.plant("tickets-refresh-1");
    let l = mock_json_exchange(
        &srv,
        "/api/v1/tokens",
        json!({"credentials": {"login": USER, "password": PASSWORD}}),
        201,
        json!({"token": {"value": access, "renewal": refresh, "expiresAt": rfc3339_plus_two(now() + 1200)}}),
    );
    env.assert_ok(&login(&env, &srv, "t", "tickets", &[]));
    l.assert_calls(1);
    assert_about(expires_at(&env, "t"), now() + 1200);

    env.expire_cache("t");
    let access2 = env.plant("tickets-access-2");
    let r = srv.mock(|when, then| {
        when.method(PUT)
            .path("/api/v1/tokens")
            .json_body(json!({"renew": refresh}));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"token": {"value": access2, "expiresAt": now() + 2400}}));
    });
    assert_eq!(env.assert_ok(&env.print_header("t")), header(&access2));
    r.assert_calls(1);
    assert_about(expires_at(&env, "t"), now() + 2400);
}

// ---- bad definitions ----

/// `login --provider bad` with `text` as the definition: exit 5 naming the
/// file and `what`.
fn refused_definition(text: &str, what: &[&str]) {
    let env = TestEnv::new();
    let path = env.write_definition("bad", text);
    let srv = MockServer::start();
    let err = env.assert_failed(&login(&env, &srv, "b", "bad", &[]), 5);
    assert!(
        err.contains(&format!("invalid provider definition {}", path.display())),
        "{err}"
    );
    for w in what {
        assert!(err.contains(w), "{w:?} not in {err}");
    }
    assert!(env.config_text().is_empty());
}

const GOOD_TAIL: &str = "[response]\naccess_token = \"/t\"\n";

#[test]
fn bad_definitions_are_exit_5_naming_the_file_key_and_line() {
    refused_definition(
        &format!("[login]\npath = \"/l\"\nbdy = {{ a = 1 }}\n{GOOD_TAIL}"),
        &["line 3: `login.bdy`: unknown key"],
    );
    refused_definition(
        "[login]\npath = \"/l\"\n[response]\naccess_token = \"data/token\"\n",
        &["line 4: `response.access_token`: \"data/token\" is not a JSON Pointer"],
    );
    refused_definition(
        &format!("[login]\npath = \"/l\"\nbody = {{ u = \"{{user}}\" }}\n{GOOD_TAIL}"),
        &["line 3: `login.body.u`: unknown placeholder `{user}`"],
    );
    refused_definition(
        &format!("[login]\npath = \"/users/{{username}}/login\"\n{GOOD_TAIL}"),
        &["line 2: `login.path`: placeholders are not allowed here"],
    );
    refused_definition(
        &format!(
            "base_url = \"https://{{password}}@x.example\"\n[login]\npath = \"/l\"\n{GOOD_TAIL}"
        ),
        &["line 1: `base_url`: placeholders are not allowed here"],
    );
    refused_definition(
        &format!("[login]\npath = \"/l\"\nbody = {{ a = 1 }} x\n{GOOD_TAIL}"),
        &["line 3: not valid TOML"],
    );
}

#[test]
fn a_definition_named_like_a_built_in_kind_is_refused_whenever_used() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let text = example_definition("vivacitylabs.toml");
    let path = env.write_definition("vivacity", &text);
    env.plant(PASSWORD);
    let err = env.assert_failed(&login(&env, &srv, "viv", "vivacity", &[]), 5);
    assert!(
        err.contains(&format!(
            "provider definition {} is named like the built-in kind 'vivacity'",
            path.display()
        )),
        "{err}"
    );
    // An alias counts too.
    let alias = env.write_definition("oidc", &text);
    let err = env.run_fails(
        &[
            "login",
            "-p",
            "o",
            "--provider",
            "oauth2",
            "--issuer",
            "https://id.example",
        ],
        5,
    );
    assert!(err.status.code() == Some(5));
    assert_contains(&stderr(&err), &alias.display().to_string());
}

#[test]
fn a_missing_definition_is_a_usage_error_listing_the_kinds() {
    let env = TestEnv::new();
    env.install_example("acme.toml", "acme");
    env.install_example("form-login.toml", "legacy");
    let err = stderr(&env.run_fails(&["login", "--provider", "nosuch"], 2));
    assert_contains(&err, "invalid value 'nosuch' for '--provider <KIND>'");
    assert_contains(
        &err,
        "built-in kinds: realmassive, collectiveaccess, oauth2",
    );
    assert!(err.contains("defined kinds: acme, legacy"), "{err}");
    // A name that cannot be a file name never reaches the file system.
    let err = stderr(&env.run_fails(&["login", "--provider", "../etc/passwd"], 2));
    assert!(err.contains("invalid value '../etc/passwd'"), "{err}");
}

#[test]
fn the_definition_is_not_read_while_the_cached_token_is_fresh() {
    let (env, _srv, access, _) = acme_work(&[]);
    let def = env.providers_dir().join("acme.toml");
    std::fs::write(&def, "this is [not toml").unwrap();
    // Unnamed profile: the profile file is parsed, the definition is not.
    assert_eq!(
        env.assert_ok(&env.tokctl().arg("print-header").output().unwrap()),
        header(&access)
    );
    assert_eq!(env.assert_ok(&env.print_header("work")), header(&access));
    // Renewal needs it, and says what is wrong with it.
    env.expire_cache("work");
    let err = env.assert_failed(&env.print_header("work"), 5);
    assert!(
        err.contains(&format!(
            "invalid provider definition {}: line 1",
            def.display()
        )),
        "{err}"
    );
}

// ---- where definitions live ----

/// Installs acme in `folder` and logs in with a command that `point`
/// makes look there.
fn acme_login_from(
    env: &mut TestEnv,
    srv: &MockServer,
    folder: &Path,
    point: impl FnOnce(&mut assert_cmd::Command),
) {
    std::fs::create_dir_all(folder).unwrap();
    std::fs::write(folder.join("acme.toml"), example_definition("acme.toml")).unwrap();
    env.plant(PASSWORD);
    let access = env.plant("acme-access-elsewhere");
    let m = mock_acme_login(srv, PASSWORD, acme_answer(&access, None, 900));
    let mut cmd = env.tokctl();
    point(&mut cmd);
    env.ok(login_cmd(&mut cmd, srv, "work", "acme", PASSWORD));
    m.assert_calls(1);
}

#[test]
fn tokctl_providers_dir_moves_the_folder() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let elsewhere = env.dir.path().join("defs");
    acme_login_from(&mut env, &srv, &elsewhere, |cmd| {
        cmd.env("TOKCTL_PROVIDERS_DIR", &elsewhere);
    });
    // Without the variable the default folder (empty) is used.
    env.expire_cache("work");
    let err = env.assert_failed(&env.print_header("work"), 5);
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn with_config_the_folder_is_beside_that_file() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let x = env.dir.path().join("x");
    let config = x.join("tokctl.toml");
    acme_login_from(&mut env, &srv, &x.join("providers"), |cmd| {
        cmd.env_remove("TOKCTL_CONFIG").arg("--config").arg(&config);
    });
    let text = std::fs::read_to_string(&config).unwrap();
    assert!(text.contains("provider = \"acme\""), "{text}");
}

#[cfg(unix)]
#[test]
fn a_definition_others_may_write_is_refused() {
    use std::os::unix::fs::PermissionsExt;
    let env = TestEnv::new();
    let srv = MockServer::start();
    let path = env.install_example("acme.toml", "acme");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666)).unwrap();
    let err = env.assert_failed(&login(&env, &srv, "work", "acme", &[]), 5);
    assert!(
        err.contains(&format!(
            "cannot read {}: refusing it: others may write it",
            path.display()
        )),
        "{err}"
    );
    assert!(env.config_text().is_empty());
}

#[test]
fn absurd_expiry_numbers_are_clamped_like_every_kind() {
    const TEN_YEARS: i64 = 10 * 366 * 86_400;
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.install_example("acme.toml", "acme");
    env.install_example("expires-at.toml", "tickets");
    env.plant(PASSWORD);
    let access = env.plant("acme-access-forever");
    mock_acme_login(&srv, PASSWORD, acme_answer(&access, None, i64::MAX));
    env.assert_ok(&login(&env, &srv, "a", "acme", &[]));
    let access = env.plant("tickets-access-forever");
    mock_json_exchange(
        &srv,
        "/api/v1/tokens",
        json!({"credentials": {"login": USER, "password": PASSWORD}}),
        200,
        json!({"token": {"value": access, "expiresAt": "9999-12-31T23:59:59Z"}}),
    );
    env.assert_ok(&login(&env, &srv, "t", "tickets", &[]));
    for p in ["a", "t"] {
        let left = expires_at(&env, p) - now();
        assert!(left > 0 && left <= TEN_YEARS, "{p}: {left}");
    }
}

#[test]
fn client_id_and_secret_placeholders_come_from_the_login_and_the_store() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.write_definition(
        "keyed",
        "[login]\npath = \"/token\"\nheaders = { X-Api-Key = \"{client_id}:{client_secret}\" }\n\
         body = { user = \"{username}\", pass = \"{password}\" }\n\
         [response]\naccess_token = \"/token\"\n",
    );
    let secret = env.plant("client-secret-9f8e7d");
    env.plant(PASSWORD);
    let key = format!("app-1:{secret}");
    let answer = |t: &str| json!({ "token": t });
    let access = env.plant("keyed-access-1");
    let mock = |answer: Value| {
        srv.mock(|when, then| {
            when.method(POST)
                .path("/token")
                .header("x-api-key", key.as_str())
                .json_body(json!({"user": USER, "pass": PASSWORD}));
            then.status(200)
                .header("content-type", "application/json")
                .json_body(answer);
        })
    };
    let mut m = mock(answer(&access));
    let mut cmd = env.tokctl();
    cmd.env("TOKCTL_CLIENT_SECRET", &secret);
    env.ok(login_cmd(&mut cmd, &srv, "k", "keyed", PASSWORD).args(["--client-id", "app-1"]));
    m.assert_calls(1);
    m.delete();
    let p = &env.secrets_json()["profiles"]["k"];
    assert_eq!(p["client_secret"], json!(secret));
    // No [refresh]: renewal is a new login, with the stored secret.
    env.expire_cache("k");
    let access2 = env.plant("keyed-access-2");
    let m = mock(answer(&access2));
    assert_eq!(env.assert_ok(&env.print_header("k")), header(&access2));
    m.assert_calls(1);
    // Without --client-id the placeholder has no value: a usage error.
    let mut cmd = env.tokctl();
    cmd.env("TOKCTL_CLIENT_SECRET", &secret);
    let err = env.assert_failed(
        &login_cmd(&mut cmd, &srv, "k2", "keyed", PASSWORD)
            .output()
            .unwrap(),
        2,
    );
    assert_contains(&err, "uses {client_id}, which has no value");
    assert_contains(&err, "hint: at `tokctl login`, give --client-id");
}
