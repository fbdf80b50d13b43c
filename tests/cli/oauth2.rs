//! The `oauth2` provider (aliases `oidc`, `keycloak`) and the `organicity`
//! preset: wire details against httpmock (Organicity's documented shapes,
//! client authentication on the wire, redirect handling, discovery
//! failures), and whole flows against a real OpenID Connect server
//! (`common::oidc`, the `oidc-provider` fixture).

use crate::common::interactive::Running;
use crate::common::*;
use base64::Engine;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Output;
use std::time::Duration;

// ------------------------------------------------------------- helpers --

const KC: &str = "/protocol/openid-connect";

fn query(u: &url::Url) -> HashMap<String, String> {
    u.query_pairs().map(|(k, v)| (k.into(), v.into())).collect()
}

/// What a browser does at the end of a sign-in: GET the redirect URI with
/// the given query. Returns the raw HTTP response.
fn redirect_browser(redirect_uri: &str, query: &str) -> String {
    let u = url::Url::parse(redirect_uri).unwrap();
    let mut s = TcpStream::connect(("127.0.0.1", u.port().unwrap())).unwrap();
    write!(
        s,
        "GET {}?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
        u.path()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// RFC 6749 §2.3.1: form-urlencode both, then base64.
fn basic(id: &str, secret: &str) -> String {
    let raw = format!("{}:{}", enc(id), enc(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// A Keycloak-shaped discovery document for `realm` on the mock server.
fn mock_discovery<'a>(srv: &'a MockServer, realm: &str) -> httpmock::Mock<'a> {
    let iss = srv.url(realm);
    let ep = |s: &str| format!("{iss}{KC}{s}");
    let doc = json!({
        "issuer": iss,
        "authorization_endpoint": ep("/auth"),
        "token_endpoint": ep("/token"),
        "device_authorization_endpoint": ep("/auth/device"),
        "revocation_endpoint": ep("/revoke"),
        "introspection_endpoint": ep("/token/introspect"),
        "userinfo_endpoint": ep("/userinfo"),
        "code_challenge_methods_supported": ["plain", "S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"]
    });
    let path = format!("{realm}/.well-known/openid-configuration");
    srv.mock(move |when, then| {
        when.method(GET).path(path);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(doc);
    })
}

// ----------------------------------------------- Organicity (httpmock) --

const ORG_REALM: &str = "/realms/organicity";
const ORG_CLIENT: &str = "experiment 42";
const ORG_SECRET: &str = "s3cr:t/+= &x";

/// The token response of Organicity's tutorial: lower-case `bearer`, 300 s,
/// `refresh_expires_in: 0`, an offline refresh JWT.
fn organicity_body(access: &str, refresh: &str) -> Value {
    json!({
        "access_token": access,
        "token_type": "bearer",
        "expires_in": 300,
        "refresh_token": refresh,
        "refresh_expires_in": 0,
        "not-before-policy": 0,
        "session_state": "5f6b6f4e-0000-4000-8000-000000000000"
    })
}

fn organicity_access(env: &mut TestEnv, n: u32) -> String {
    env.plant(&fake_jwt(json!({
        "typ": "Bearer", "exp": now() + 300, "n": n,
        "preferred_username": "alice", "email": "alice@organicity.test",
        "iss": "https://accounts.organicity.eu/realms/organicity"
    })))
}

/// Logs an Organicity profile in through the auth-code flow, the browser
/// played by the test; returns (access, refresh).
fn organicity_login(env: &mut TestEnv, srv: &MockServer, post: bool) -> (String, String) {
    env.plant(ORG_SECRET);
    let access = organicity_access(env, 1);
    let refresh = env.plant(&fake_jwt(json!({"typ": "Offline", "azp": ORG_CLIENT})));
    let code = env.plant("organicity-code-1");
    let _disc = mock_discovery(srv, ORG_REALM);
    let body = organicity_body(&access, &refresh);
    let token = srv.mock(|when, then| {
        let when = when
            .method(POST)
            .path(format!("{ORG_REALM}{KC}/token"))
            .form_urlencoded_tuple("grant_type", "authorization_code")
            .form_urlencoded_tuple("code", &code)
            .form_urlencoded_tuple_exists("code_verifier")
            .form_urlencoded_tuple_exists("redirect_uri");
        if post {
            when.header_missing("authorization")
                .form_urlencoded_tuple("client_id", ORG_CLIENT)
                .form_urlencoded_tuple("client_secret", ORG_SECRET);
        } else {
            when.header("authorization", basic(ORG_CLIENT, ORG_SECRET))
                .form_urlencoded_tuple_missing("client_secret");
        }
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let mut cmd = env.tokctl();
    cmd.args([
        "login",
        "-p",
        "org",
        "--provider",
        "organicity",
        "--base-url",
        &srv.base_url(),
        "--client-id",
        ORG_CLIENT,
        "--redirect-uri",
        "http://127.0.0.1/callback",
        "--no-browser",
    ]);
    if post {
        // The secret on stdin, then (below) the pasted redirect: both from
        // the same stdin.
        cmd.args(["--client-auth", "post", "--client-secret-stdin"]);
    } else {
        cmd.env("TOKCTL_CLIENT_SECRET", ORG_SECRET);
    }
    let mut run = Running::spawn(&cmd);
    if post {
        run.paste(ORG_SECRET);
    }
    let url = run.auth_url();
    let q = query(&url);
    assert_eq!(url.path(), format!("{ORG_REALM}{KC}/auth"));
    assert_eq!(q["response_type"], "code");
    assert_eq!(q["client_id"], ORG_CLIENT);
    assert_eq!(
        q["scope"], "offline_access",
        "the tutorial's scope, no more"
    );
    assert_eq!(q["code_challenge_method"], "S256");
    assert_eq!(q["code_challenge"].len(), 43);
    assert!(q["state"].len() >= 43);
    assert!(!q.contains_key("nonce"), "no openid scope, no nonce");
    let answer = format!("code={}&state={}", enc(&code), enc(&q["state"]));
    if post {
        run.paste(&format!("{}?{answer}", q["redirect_uri"]));
    } else {
        let page = redirect_browser(&q["redirect_uri"], &answer);
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("close this tab"), "{page}");
    }
    let out = run.finish();
    env.assert_ok_with(
        &out,
        &["logged in to profile 'org' (organicity) as alice@organicity.test"],
    );
    token.assert();
    (access, refresh)
}

/// Expires the logged-in Organicity profile's token and mocks the refresh
/// of `refresh` at the token endpoint, the request further described by
/// `request` (where the client credentials go); returns the new access
/// token and the mock.
fn organicity_refresh<'a>(
    env: &mut TestEnv,
    srv: &'a MockServer,
    refresh: &str,
    request: impl FnOnce(httpmock::When) -> httpmock::When,
) -> (String, httpmock::Mock<'a>) {
    env.expire_cache("org");
    let access = organicity_access(env, 2);
    let body = organicity_body(&access, refresh);
    let m = srv.mock(|when, then| {
        request(when.method(POST).path(format!("{ORG_REALM}{KC}/token")));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    (access, m)
}

#[test]
fn organicity_option_a_basic_header_for_code_and_refresh() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = organicity_login(&mut env, &srv, false);
    let config = env.config_text();
    assert!(config.contains("provider = \"organicity\""), "{config}");
    assert!(
        !config.contains(ORG_SECRET) && !config.contains(&refresh),
        "no secret in the profile file:\n{config}"
    );
    assert_eq!(
        env.secrets_json()["profiles"]["org"]["client_secret"],
        ORG_SECRET,
        "a confidential client's secret is stored: every refresh needs it"
    );

    // Option A exactly as the tutorial shows it: credentials in the header,
    // nothing but the grant in the body.
    let (access2, m) = organicity_refresh(&mut env, &srv, &refresh, |when| {
        when.header("authorization", basic(ORG_CLIENT, ORG_SECRET))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(format!(
                "grant_type=refresh_token&refresh_token={}",
                enc(&refresh)
            ))
    });
    let out = env.print_header("org");
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("Authorization: Bearer {access2}\n"),
        "lower-case `bearer` from the server, `Bearer` in the header"
    );
    m.assert();
}

#[test]
fn organicity_option_b_credentials_in_body() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let (_, refresh) = organicity_login(&mut env, &srv, true);
    assert!(env.config_text().contains("client_auth = \"post\""));
    let (_, m) = organicity_refresh(&mut env, &srv, &refresh, |when| {
        when.header_missing("authorization").body(format!(
            "grant_type=refresh_token&refresh_token={}&client_id={}&client_secret={}",
            enc(&refresh),
            enc(ORG_CLIENT),
            enc(ORG_SECRET)
        ))
    });
    let out = env.run_ok(&["refresh", "-p", "org", "--json"]);
    m.assert();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["profile"], "org");
}

#[test]
fn organicity_info_shows_a_never_expiring_offline_token() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    organicity_login(&mut env, &srv, false);
    let out = env.run_ok(&["info", "-p", "org", "--json"]);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["refresh_expires_at"], "never");
    assert_eq!(v["refresh_token_typ"], "Offline");
    assert_eq!(v["token_type"], "bearer");
    assert_eq!(v["scope"], "offline_access");
    let expires_in = v["expires_in"].as_i64().unwrap();
    assert!((290..=300).contains(&expires_in), "{expires_in}");
    let iss = srv.url(ORG_REALM);
    assert_eq!(v["endpoints"]["issuer"], iss);
    assert_eq!(v["endpoints"]["token"], format!("{iss}{KC}/token"));
    assert_eq!(v["endpoints"]["revocation"], format!("{iss}{KC}/revoke"));
    // The human form says it too.
    let out = env.tokctl().args(["info", "-p", "org"]).output().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text
        .lines()
        .find_map(|l| l.strip_prefix("refresh expires at:"))
        .unwrap_or_else(|| panic!("no refresh expiry line:\n{text}"));
    assert_eq!(line.trim(), "never", "{text}");
}

#[test]
fn endpoints_are_remembered_not_rediscovered() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    organicity_login(&mut env, &srv, false);
    let config = env.config_text();
    let iss = srv.url(ORG_REALM);
    assert_contains(&config, &format!("token_url = \"{iss}{KC}/token\""));
    assert!(config.contains(&format!(
        "introspection_url = \"{iss}{KC}/token/introspect\""
    )));
    let disc = srv.mock(|when, then| {
        when.path_includes("/.well-known/");
        then.status(500);
    });
    env.expire_cache("org");
    let access2 = organicity_access(&mut env, 2);
    let body = organicity_body(&access2, "rotated");
    env.plant("rotated");
    srv.mock(|when, then| {
        when.method(POST).path(format!("{ORG_REALM}{KC}/token"));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let out = env.print_header("org");
    assert!(out.status.success(), "{}", stderr(&out));
    disc.assert_calls(0);
    assert_eq!(
        env.secrets_json()["profiles"]["org"]["refresh_token"],
        "rotated",
        "a rotated refresh token replaces the old one"
    );
}

// ------------------------------------------- redirect handling (mock) --

/// `login` of a generic profile with explicit endpoints on the mock (no
/// discovery, public client) through the auth-code flow, without a browser.
fn generic_auth_code_cmd(env: &TestEnv, srv: &MockServer) -> assert_cmd::Command {
    let mut cmd = env.tokctl();
    cmd.args(["login", "-p", "gen", "--provider", "oidc"])
        .args(["--auth-url", &srv.url("/authorize")])
        .args(["--token-url", &srv.url("/token")])
        .args(["--client-id", "cli", "--no-browser"]);
    cmd
}

/// [`generic_auth_code_cmd`], running and waiting for its redirect.
fn start_generic_auth_code(env: &TestEnv, srv: &MockServer) -> Running {
    Running::spawn(&generic_auth_code_cmd(env, srv))
}

fn mock_code_exchange<'a>(srv: &'a MockServer, code: &str, access: &str) -> httpmock::Mock<'a> {
    let body = json!({"access_token": access, "token_type": "Bearer", "expires_in": 600,
                      "refresh_token": "gen-refresh"});
    let code = code.to_string();
    srv.mock(move |when, then| {
        when.method(POST)
            .path("/token")
            .header_missing("authorization")
            .form_urlencoded_tuple("grant_type", "authorization_code")
            .form_urlencoded_tuple("client_id", "cli")
            .form_urlencoded_tuple("code", code);
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    })
}

#[test]
fn no_browser_accepts_the_redirect_pasted_on_stdin() {
    let mut env = TestEnv::new();
    env.plant("gen-refresh");
    let access = env.plant("pasted-access-token");
    let srv = MockServer::start();
    let token = mock_code_exchange(&srv, "pasted code", &access);
    let mut run = start_generic_auth_code(&env, &srv);
    let url = run.auth_url();
    let q = query(&url);
    assert!(
        !q.contains_key("scope"),
        "plain OAuth without --scope sends none"
    );
    run.find("the paste prompt", |l| {
        l.contains("paste here").then_some(())
    });
    run.paste("this is not it");
    // An address from another sign-in is refused; the next paste still
    // counts.
    run.paste(&format!("{}?code=stale&state=old", q["redirect_uri"]));
    run.paste(&format!(
        "{}?code=pasted+code&state={}",
        q["redirect_uri"],
        enc(&q["state"])
    ));
    let out = run.finish();
    env.assert_ok_with(&out, &[]);
    assert!(stderr(&out).contains("that is not the redirected address"));
    assert_contains(&stderr(&out), "that address belongs to another sign-in");
    token.assert();
    let out = env
        .tokctl()
        .args(["print-header", "-p", "gen", "--format", "token"])
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{access}\n")
    );
}

#[test]
fn access_denied_on_the_redirect_is_exit_3() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let token = mock_code_exchange(&srv, "x", "never");
    let run = start_generic_auth_code(&env, &srv);
    let q = query(&run.auth_url());
    let page = redirect_browser(
        &q["redirect_uri"],
        &format!(
            "error=access_denied&error_description=The+user+said+%3Cno%3E&state={}",
            enc(&q["state"])
        ),
    );
    assert!(page.contains("The user said &lt;no&gt;"), "{page}");
    let out = run.finish();
    env.assert_failed_with(
        &out,
        3,
        &["tokctl: error: the sign-in was denied: The user said <no> (access_denied)"],
    );
    token.assert_calls(0);
    assert_eq!(env.config_text(), "", "nothing written");
}

/// Another login's answer (a stale tab, or any page firing a request at the
/// loopback address) is refused with a page, and the login goes on waiting
/// for its own.
#[test]
fn a_wrong_state_is_refused_and_the_login_keeps_waiting() {
    let mut env = TestEnv::new();
    env.plant("gen-refresh");
    let access = env.plant("right-state-access");
    let srv = MockServer::start();
    let forged = mock_code_exchange(&srv, "forged", "never");
    let token = mock_code_exchange(&srv, "right", &access);
    let run = start_generic_auth_code(&env, &srv);
    let q = query(&run.auth_url());
    for wrong in [
        "code=forged&state=not-ours",
        // Even a denial must not end a login it does not belong to.
        "error=access_denied&state=not-ours",
        "code=forged",
    ] {
        let page = redirect_browser(&q["redirect_uri"], wrong);
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert_contains(
            &page,
            "does not belong to the sign-in tokctl is waiting for",
        );
        assert!(page.contains("keeps waiting"), "{page}");
    }
    let page = redirect_browser(
        &q["redirect_uri"],
        &format!("code=right&state={}", enc(&q["state"])),
    );
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    let out = run.finish();
    env.assert_ok_with(&out, &["logged in to profile 'gen'"]);
    forged.assert_calls(0);
    token.assert();
}

/// Refused answers do not stretch the wait: the deadline still ends it, and
/// the message says what was refused.
#[test]
fn a_wrong_state_does_not_extend_the_deadline() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let token = mock_code_exchange(&srv, "forged", "never");
    let mut cmd = generic_auth_code_cmd(&env, &srv);
    cmd.env("TOKCTL_AUTH_WAIT", "2s");
    let run = Running::spawn(&cmd);
    let q = query(&run.auth_url());
    let page = redirect_browser(&q["redirect_uri"], "code=forged&state=not-ours");
    assert!(page.starts_with("HTTP/1.1 400"), "{page}");
    let out = run.finish();
    assert_contains(
        &env.assert_failed_status(&out, 3),
        "tokctl: error: no authorization response arrived within 2s; one whose state did not match \
         this login (a stale browser tab, or a forged request) was refused\n",
    );
    token.assert_calls(0);
    assert_eq!(env.config_text(), "", "nothing written");
}

#[test]
fn the_wait_for_the_redirect_is_bounded() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let mut cmd = generic_auth_code_cmd(&env, &srv);
    cmd.env("TOKCTL_AUTH_WAIT", "300ms");
    let out = cmd.output().unwrap();
    env.assert_failed_with(
        &out,
        3,
        &["no authorization response arrived within 300ms", "hint: "],
    );
}

// ---------------------------------------------------- device (mock) --

#[test]
fn an_expired_device_code_is_exit_3() {
    let mut env = TestEnv::new();
    let device_code = env.plant("device-code-secret");
    let srv = MockServer::start();
    let body = json!({"device_code": device_code, "user_code": "WDJB-MJHT",
                      "verification_uri": srv.url("/device"), "expires_in": 600, "interval": 1});
    let device = srv.mock(|when, then| {
        when.method(POST)
            .path("/device")
            .form_urlencoded_tuple("client_id", "cli")
            .form_urlencoded_tuple_missing("scope");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let poll = srv.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .form_urlencoded_tuple("grant_type", "urn:ietf:params:oauth:grant-type:device_code")
            .form_urlencoded_tuple("device_code", &device_code);
        then.status(400)
            .header("content-type", "application/json")
            .json_body(
                json!({"error": "expired_token", "error_description": "Device code is expired"}),
            );
    });
    let out = env
        .tokctl()
        .args([
            "login",
            "--provider",
            "oauth2",
            "--client-id",
            "cli",
            "--flow",
            "device",
            "--device-url",
            &srv.url("/device"),
            "--token-url",
            &srv.url("/token"),
        ])
        .output()
        .unwrap();
    env.assert_failed_with(
        &out,
        3,
        &[
            "the device code expired before the sign-in was approved",
            "enter the code WDJB-MJHT",
        ],
    );
    device.assert();
    poll.assert();
    assert_eq!(env.config_text(), "");
}

// ------------------------------------------------- discovery (mock) --

fn login_with_issuer(env: &TestEnv, issuer: &str) -> Output {
    env.tokctl()
        .args([
            "login",
            "--provider",
            "keycloak",
            "--issuer",
            issuer,
            "--client-id",
            "cli",
        ])
        .output()
        .unwrap()
}

#[test]
fn discovery_failures_are_exit_4() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    srv.mock(|when, then| {
        when.path("/realms/html/.well-known/openid-configuration");
        then.status(200)
            .header("content-type", "text/html")
            .body("<!DOCTYPE html><html><body>Sign in to continue</body></html>");
    });
    srv.mock(|when, then| {
        when.path("/realms/text/.well-known/openid-configuration");
        then.status(200).body("it works");
    });
    let wrong =
        json!({"issuer": "https://elsewhere.example/realms/x", "token_endpoint": srv.url("/t")});
    srv.mock(|when, then| {
        when.path("/realms/other/.well-known/openid-configuration");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(wrong);
    });
    let cases = [
        ("/realms/missing", "OpenID Connect discovery at "),
        ("/realms/html", "with an HTML page instead of JSON"),
        ("/realms/text", "with a body that is not JSON"),
        (
            "/realms/other",
            "is for issuer 'https://elsewhere.example/realms/x'",
        ),
    ];
    for (realm, needle) in cases {
        let out = login_with_issuer(&env, &srv.url(realm));
        env.assert_failed_with(&out, 4, &[needle, "hint: --issuer is the URL"]);
        assert!(
            !stderr(&out).contains("Sign in to continue"),
            "no HTML quoted"
        );
    }
    let out = login_with_issuer(&env, &srv.url("/realms/missing"));
    assert_contains(&stderr(&out), "failed: HTTP 404");
    assert_eq!(env.config_text(), "", "nothing written");
}

// ------------------------------------------------ usage errors (mock) --

#[test]
fn login_usage_errors_are_exit_2() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let token = srv.url("/token");
    let oauth2 = ["--provider", "oauth2"];
    let (client, endpoint) = (["--client-id", "c"], ["--token-url", &token]);
    // `login` with `oauth2`, then the client id, the token endpoint, and more.
    let cases: [(bool, bool, &[&str], &str); 8] = [
        (false, true, &[], "oauth2 needs a client id"),
        (true, false, &[], "oauth2 needs --issuer or --token-url"),
        (
            true,
            true,
            &[],
            "choose one with --flow password|client-credentials",
        ),
        (
            true,
            true,
            &["--flow", "client-credentials"],
            "uses a confidential client: its secret is needed",
        ),
        (
            true,
            true,
            &["--flow", "device"],
            "the device flow needs a device authorization endpoint",
        ),
        (true, true, &["--flow", "password"], "needs --username"),
        (
            true,
            true,
            &[
                "--auth-url",
                &token,
                "--redirect-uri",
                "http://localhost.example/cb",
            ],
            "refusing plain http",
        ),
        (
            true,
            true,
            &[
                "--auth-url",
                &token,
                "--redirect-uri",
                "https://127.0.0.1/cb",
            ],
            "is not a loopback http address",
        ),
    ];
    for (with_client, with_endpoint, more, needle) in cases {
        let mut cmd = env.tokctl();
        cmd.arg("login").args(oauth2);
        if with_client {
            cmd.args(client);
        }
        if with_endpoint {
            cmd.args(endpoint);
        }
        let out = cmd.args(more).output().unwrap();
        env.assert_failed_with(&out, 2, &[needle]);
    }
    assert_eq!(env.config_text(), "");
}

// ------------------------------------ renewal failures (mock, password) --

const KC_REALM: &str = "/realms/kc";

/// A password-flow login against the mock; returns the refresh token.
fn password_login(env: &mut TestEnv, srv: &MockServer) -> String {
    env.plant("wonderland");
    let access = env.plant(&fake_jwt(
        json!({"exp": now() + 300, "sub": "u1", "preferred_username": "alice"}),
    ));
    let refresh = env.plant("kc-refresh-1");
    let body = json!({"access_token": access, "token_type": "Bearer", "expires_in": 300,
                      "refresh_expires_in": 1800, "refresh_token": refresh, "scope": "openid"});
    let token = format!("{KC_REALM}{KC}/token");
    let m = srv.mock(|when, then| {
        when.method(POST)
            .path(token)
            .form_urlencoded_tuple("grant_type", "password")
            .form_urlencoded_tuple("username", "alice")
            .form_urlencoded_tuple("password", "wonderland")
            .form_urlencoded_tuple("client_id", "cli")
            .form_urlencoded_tuple("scope", "openid");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let _disc = mock_discovery(srv, KC_REALM);
    let out = env
        .tokctl()
        .args([
            "login",
            "-p",
            "kc",
            "--provider",
            "keycloak",
            "--issuer",
            &srv.url(KC_REALM),
            "--client-id",
            "cli",
            "--flow",
            "password",
            "--username",
            "alice",
            "--password-stdin",
        ])
        .write_stdin("wonderland\n")
        .output()
        .unwrap();
    env.assert_ok_with(&out, &[]);
    m.assert();
    refresh
}

fn mock_refresh<'a>(
    srv: &'a MockServer,
    rt: &str,
    status: u16,
    body: Value,
    delay: Duration,
) -> httpmock::Mock<'a> {
    let (path, rt) = (format!("{KC_REALM}{KC}/token"), rt.to_string());
    srv.mock(move |when, then| {
        when.method(POST)
            .path(path)
            .form_urlencoded_tuple("grant_type", "refresh_token")
            .form_urlencoded_tuple("refresh_token", rt);
        then.status(status)
            .header("content-type", "application/json")
            .json_body(body)
            .delay(delay);
    })
}

#[test]
fn invalid_grant_is_exit_3_and_leaves_the_store_alone() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let rt = password_login(&mut env, &srv);
    env.expire_cache("kc");
    let secrets_before = std::fs::read(env.data_dir().join("secrets.json")).unwrap();
    let cache_before = env.cache_json("kc");
    let m = mock_refresh(
        &srv,
        &rt,
        400,
        json!({"error": "invalid_grant", "error_description": "Token is not active"}),
        Duration::ZERO,
    );
    let out = env.print_header("kc");
    env.assert_failed_with(
        &out,
        3,
        &[
            "tokctl: error: the server rejected the refresh: Token is not active",
            "hint: run `tokctl login -p kc`",
        ],
    );
    m.assert();
    assert_eq!(
        std::fs::read(env.data_dir().join("secrets.json")).unwrap(),
        secrets_before,
        "stored tokens untouched"
    );
    assert_eq!(env.cache_json("kc"), cache_before);
}

#[test]
fn a_rejected_refresh_uses_the_token_another_process_stored_meanwhile() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let rt1 = password_login(&mut env, &srv);
    env.expire_cache("kc");
    let rt2 = env.plant("kc-refresh-from-elsewhere");
    // Printed on purpose below, so not planted.
    let access2 = fake_jwt(json!({"exp": now() + 300, "n": 2}));
    // Our refresh is slow and then rejected: meanwhile another process
    // (here: the test) has rotated the refresh token. The delay only has to
    // outlast the test's store update, which starts as soon as the mock has
    // seen the request.
    let stale = mock_refresh(
        &srv,
        &rt1,
        400,
        json!({"error": "invalid_grant", "error_description": "Stale token"}),
        Duration::from_millis(1500),
    );
    let fresh = mock_refresh(
        &srv,
        &rt2,
        200,
        json!({"access_token": access2, "token_type": "Bearer", "expires_in": 300,
               "refresh_token": "kc-refresh-3"}),
        Duration::ZERO,
    );
    env.plant("kc-refresh-3");
    let run = Running::spawn(
        env.tokctl()
            .args(["print-header", "-p", "kc", "--format", "token"]),
    );
    // tokctl has read the old token once its refresh reaches the server.
    wait_for("tokctl's refresh with the old token", 20, || {
        stale.calls() >= 1
    });
    env.store_refresh_token_elsewhere("kc", &rt2);
    let out = run.finish();
    env.assert_ok_with(&out, &[]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("{access2}\n")
    );
    stale.assert();
    fresh.assert();
    assert_eq!(
        env.secrets_json()["profiles"]["kc"]["refresh_token"],
        "kc-refresh-3"
    );
}

// ------------------------------------------- a real OpenID server --

mod real {
    //! Whole flows against `oidc-provider` (Keycloak-shaped paths): PKCE is
    //! enforced, refresh tokens rotate, and a reused one kills the grant.

    use super::*;
    use crate::common::oidc::*;

    /// `tokctl login` against the server with the given extra arguments;
    /// the scripted browser plays the user.
    fn login(
        env: &TestEnv,
        srv: &OidcServer,
        profile: &str,
        extra: &[&str],
    ) -> assert_cmd::Command {
        srv.browser_login(env, "keycloak", profile, extra)
    }

    fn info(env: &TestEnv, profile: &str, extra: &[&str]) -> Value {
        let out = env.ok(env
            .tokctl()
            .args(["info", "-p", profile, "--json"])
            .args(extra));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    fn stored_refresh(env: &TestEnv, profile: &str) -> String {
        env.secrets_json()["profiles"][profile]["refresh_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no refresh token stored for {profile}"))
            .to_string()
    }

    /// `login` through the password grant as [`USER`] with `client_id`, the
    /// password on stdin (the caller writes it).
    fn password_login_cmd(
        env: &TestEnv,
        srv: &OidcServer,
        profile: &str,
        client_id: &str,
    ) -> assert_cmd::Command {
        let flow = ["--client-id", client_id, "--flow", "password"];
        let mut cmd = login(env, srv, profile, &flow);
        cmd.args(["--username", USER, "--password-stdin"]);
        cmd
    }

    /// A password-grant login: the quickest way to a logged-in profile.
    fn password_login(
        env: &mut TestEnv,
        srv: &OidcServer,
        profile: &str,
        client: (&str, Option<&str>),
    ) {
        env.plant(PASSWORD);
        let mut cmd = password_login_cmd(env, srv, profile, client.0);
        if client.0 == POST_CLIENT.0 {
            cmd.args(["--client-auth", "post"]);
        }
        match client.1 {
            Some(secret) => {
                env.plant(secret);
                cmd.write_stdin(format!("{PASSWORD}\n{secret}\n"))
                    .arg("--client-secret-stdin")
            }
            None => cmd.write_stdin(format!("{PASSWORD}\n")),
        };
        env.ok(&mut cmd);
    }

    #[test]
    fn auth_code_public_client_with_pkce() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let out = env.ok(&mut login(
            &env,
            &srv,
            "pub",
            &[
                "--client-id",
                PUBLIC_CLIENT,
                "--scope",
                "openid",
                "--scope",
                "email",
            ],
        ));
        assert_contains(
            &stderr(&out),
            "logged in to profile 'pub' (oauth2) as alice;",
        );
        let stats = srv.stats();
        assert_eq!(stats["discovery"], 1);
        assert_eq!(stats["token"]["authorization_code"], 1);
        // The request was pushed first (RFC 9126), naming the client the same way.
        assert_eq!(stats["pushed_authorization"], 1);
        assert_eq!(stats["client_auth"]["none"], 2);
        let v = info(&env, "pub", &[]);
        assert_eq!(v["id_token_jwt"]["claims"]["sub"], USER);
        assert_eq!(v["id_token_jwt"]["claims"]["aud"], PUBLIC_CLIENT);
        assert_eq!(v["flow"], "auth-code");
        assert_eq!(v["endpoints"]["token"], srv.token_url());
        assert_eq!(v["endpoints"]["userinfo"], srv.userinfo_url());
        // The ID token is in print-header's JSON; the secrets never leak elsewhere.
        let rt = stored_refresh(&env, "pub");
        env.plant(&rt);
        let out = env
            .tokctl()
            .args(["print-header", "-p", "pub", "--format", "json"])
            .output()
            .unwrap();
        let j: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(j["id_token"].as_str().unwrap().split('.').count() == 3);
        // A public client asks userinfo (introspection needs client auth).
        let v = info(&env, "pub", &["--remote"]);
        assert_eq!(v["remote"]["userinfo"]["email"], "alice@example.test");
        assert_eq!(srv.stats()["userinfo"], 1);
        assert_eq!(srv.stats()["introspection"], 0);
    }

    #[test]
    fn auth_code_confidential_clients_basic_and_post() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let clients = [
            ("basic", BASIC_CLIENT, "basic", "client_secret_basic"),
            ("basic2", BASIC2_CLIENT, "basic", "client_secret_basic"),
            ("post", POST_CLIENT, "post", "client_secret_post"),
        ];
        for (profile, (id, secret), how, _) in clients {
            env.plant(secret);
            let mut cmd = login(
                &env,
                &srv,
                profile,
                &["--client-id", id, "--client-auth", how],
            );
            env.ok(cmd.env("TOKCTL_CLIENT_SECRET", secret));
            assert_eq!(
                env.secrets_json()["profiles"][profile]["client_secret"],
                secret
            );
        }
        let stats = srv.stats();
        assert_eq!(stats["token"]["authorization_code"], 3);
        // Each login pushed its request (RFC 9126), authenticated the same way.
        assert_eq!(stats["pushed_authorization"], 3);
        assert_eq!(stats["client_auth"]["client_secret_basic"], 4);
        assert_eq!(stats["client_auth"]["client_secret_post"], 2);
        assert!(
            stats["token_errors"].as_object().unwrap().is_empty(),
            "{stats}"
        );
        // Refreshing authenticates the same way, with the stored secret.
        srv.reset();
        for (profile, ..) in clients {
            let rt = stored_refresh(&env, profile);
            env.plant(&rt);
            env.ok(env.tokctl().args(["refresh", "-p", profile]));
        }
        let stats = srv.stats();
        assert_eq!(stats["token"]["refresh_token"], 3, "{stats}");
        assert_eq!(stats["client_auth"]["client_secret_basic"], 2);
        assert_eq!(stats["client_auth"]["client_secret_post"], 1);
        // Confidential: info --remote introspects, with client auth.
        let v = info(&env, "basic2", &["--remote"]);
        assert_eq!(v["remote"]["introspection"]["active"], true);
        assert_eq!(v["remote"]["introspection"]["client_id"], BASIC2_CLIENT.0);
    }

    #[test]
    fn auth_code_denied_in_the_browser_is_exit_3() {
        let env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let out = login(&env, &srv, "deny", &["--client-id", PUBLIC_CLIENT])
            .env("OIDC_BROWSER_DENY", "1")
            .output()
            .unwrap();
        env.assert_failed_with(
            &out,
            3,
            &["the sign-in was denied: End-User aborted interaction"],
        );
        assert_eq!(srv.stats()["token"]["authorization_code"], Value::Null);
        assert_eq!(env.config_text(), "");
    }

    /// A device-flow login of profile `dev` waiting for its approval, and
    /// the `verification_uri_complete` it printed.
    fn start_device_login(env: &TestEnv, srv: &OidcServer) -> (Running, String) {
        let flow = ["--client-id", PUBLIC_CLIENT, "--flow", "device"];
        let run = Running::spawn(&login(env, srv, "dev", &flow));
        let uri = run.find("verification_uri_complete", |l| {
            l.split_whitespace()
                .find(|w| w.starts_with("http") && w.contains("user_code="))
                .map(str::to_string)
        });
        (run, uri)
    }

    #[test]
    fn device_flow_completes_once_approved_elsewhere() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let (run, uri) = start_device_login(&env, &srv);
        assert!(uri.starts_with(&srv.issuer), "{uri}");
        let approved = srv.approve_device(&uri);
        assert!(
            approved.status.success(),
            "{}",
            String::from_utf8_lossy(&approved.stderr)
        );
        let out = run.finish();
        env.assert_ok_with(&out, &["and enter the code"]);
        let stats = srv.stats();
        assert_eq!(stats["device_authorization"], 1);
        assert!(
            stats["token_errors"]["urn:ietf:params:oauth:grant-type:device_code"]
                .as_u64()
                .unwrap_or(0)
                + 1
                == stats["token"]["urn:ietf:params:oauth:grant-type:device_code"]
                    .as_u64()
                    .unwrap(),
            "pending polls, then one success: {stats}"
        );
        let rt = stored_refresh(&env, "dev");
        env.plant(&rt);
        assert_eq!(info(&env, "dev", &[])["user"], USER);
    }

    #[test]
    fn device_flow_denied_elsewhere_is_exit_3() {
        let env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let (run, uri) = start_device_login(&env, &srv);
        let denied = srv.approve_device_with(&uri, &[("OIDC_BROWSER_DENY", "1")]);
        assert!(
            denied.status.success(),
            "{}",
            String::from_utf8_lossy(&denied.stderr)
        );
        let out = run.finish();
        env.assert_failed_with(&out, 3, &["tokctl: error: the sign-in was denied"]);
        assert_eq!(env.config_text(), "");
    }

    #[test]
    fn client_credentials_renews_by_a_new_grant() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let (id, secret) = SERVICE_CLIENT;
        env.plant(secret);
        let out = env.ok(login(
            &env,
            &srv,
            "svc",
            &[
                "--client-id",
                id,
                "--flow",
                "client-credentials",
                "--client-secret-stdin",
                "--json",
            ],
        )
        .write_stdin(format!("{secret}\n")));
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(v["profile"], "svc");
        let s = &env.secrets_json()["profiles"]["svc"];
        assert_eq!(s["client_secret"], secret);
        assert!(s.get("refresh_token").is_none());
        assert_eq!(info(&env, "svc", &[])["saved_credentials"], true);
        // "Refresh" is a new client-credentials grant with the saved secret.
        env.ok(env
            .tokctl()
            .args(["print-header", "-p", "svc", "--min-valid", "1h"]));
        let stats = srv.stats();
        assert_eq!(stats["token"]["client_credentials"], 2, "{stats}");
        assert_eq!(stats["client_auth"]["client_secret_basic"], 2);
        assert_eq!(stats["authorization"], 0);
    }

    #[test]
    fn password_grant_and_a_wrong_password() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        password_login(&mut env, &srv, "pw", (PUBLIC_CLIENT, None));
        assert_eq!(srv.token_requests("password"), 1);
        assert!(
            env.secrets_json()["profiles"]["pw"]
                .get("password")
                .is_none(),
            "not saved unless asked"
        );
        let out = password_login_cmd(&env, &srv, "pw2", PUBLIC_CLIENT)
            .write_stdin("not the password\n")
            .output()
            .unwrap();
        env.assert_failed_with(
            &out,
            3,
            &["the server rejected the login: Invalid user credentials"],
        );
    }

    #[test]
    fn a_saved_password_logs_in_again_when_the_refresh_token_dies() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        env.plant(PASSWORD);
        env.ok(password_login_cmd(&env, &srv, "pw", PUBLIC_CLIENT)
            .arg("--save-credentials")
            .write_stdin(format!("{PASSWORD}\n")));
        let path = env.data_dir().join("secrets.json");
        let mut secrets = env.secrets_json();
        secrets["profiles"]["pw"]["refresh_token"] = json!("revoked-or-garbage");
        std::fs::write(&path, secrets.to_string()).unwrap();
        env.expire_cache("pw");
        env.ok(env.tokctl().args(["print-header", "-p", "pw"]));
        let stats = srv.stats();
        assert_eq!(stats["token_errors"]["refresh_token"], 1, "{stats}");
        assert_eq!(
            stats["token"]["password"], 2,
            "re-login with the saved password: {stats}"
        );
        let rt = stored_refresh(&env, "pw");
        env.plant(&rt);
        assert_ne!(rt, "revoked-or-garbage");
    }

    #[test]
    fn organicity_preset_against_a_keycloak_shaped_server() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        let (id, secret) = BASIC2_CLIENT;
        env.plant(secret);
        let out = env
            .tokctl()
            .args([
                "login",
                "-p",
                "org",
                "--provider",
                "organicity",
                "--issuer",
                &srv.issuer,
                "--client-id",
                id,
                "--scope",
                "openid",
                "--scope",
                "offline_access",
                "--redirect-uri",
                "http://127.0.0.1/callback",
            ])
            .env("BROWSER", OidcServer::browser_path())
            .env("TOKCTL_CLIENT_SECRET", secret)
            .output()
            .unwrap();
        env.assert_ok_with(&out, &[]);
        let rt = stored_refresh(&env, "org");
        env.plant(&rt);
        env.expire_cache("org");
        env.ok(env.tokctl().args(["print-header", "-p", "org"]));
        let stats = srv.stats();
        assert_eq!(stats["token"]["authorization_code"], 1);
        assert_eq!(stats["token"]["refresh_token"], 1);
        // The pushed authorization request, the code exchange and the refresh.
        assert_eq!(
            stats["client_auth"]["client_secret_basic"], 3,
            "option A by default: {stats}"
        );
        let scope = info(&env, "org", &[])["scope"]
            .as_str()
            .unwrap()
            .to_string();
        assert!(scope.contains("offline_access"), "{scope}");
    }

    #[test]
    fn refresh_rotates_and_a_reused_refresh_token_is_rejected() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        password_login(
            &mut env,
            &srv,
            "rot",
            (BASIC_CLIENT.0, Some(BASIC_CLIENT.1)),
        );
        let rt1 = stored_refresh(&env, "rot");
        env.plant(&rt1);
        let secrets_v1 = std::fs::read(env.data_dir().join("secrets.json")).unwrap();
        env.expire_cache("rot");
        env.ok(env.tokctl().args(["print-header", "-p", "rot"]));
        let rt2 = stored_refresh(&env, "rot");
        env.plant(&rt2);
        assert_ne!(
            rt1, rt2,
            "the rotated refresh token is stored, the old one dropped"
        );
        env.ok(env.tokctl().args(["refresh", "-p", "rot"]));
        let rt3 = stored_refresh(&env, "rot");
        env.plant(&rt3);
        assert_ne!(rt2, rt3);
        assert_eq!(srv.token_requests("refresh_token"), 2);
        assert!(srv.stats()["token_errors"].get("refresh_token").is_none());

        // Put the first refresh token back, as a stale backup would: the
        // server refuses it (and kills the grant); tokctl says log in again
        // and leaves the store as it found it.
        std::fs::write(env.data_dir().join("secrets.json"), &secrets_v1).unwrap();
        env.expire_cache("rot");
        let out = env.print_header("rot");
        env.assert_failed_with(&out, 3, &["the server rejected the refresh"]);
        assert!(stderr(&out).contains("hint: run `tokctl login -p rot`"));
        assert_eq!(
            std::fs::read(env.data_dir().join("secrets.json")).unwrap(),
            secrets_v1
        );
        assert_eq!(srv.stats()["token_errors"]["refresh_token"], 1);
    }

    #[test]
    fn ten_parallel_print_headers_make_one_refresh() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        password_login(&mut env, &srv, "par", (PUBLIC_CLIENT, None));
        let rt = stored_refresh(&env, "par");
        env.plant(&rt);
        env.expire_cache("par");
        srv.reset();
        let runs: Vec<Running> = (0..10)
            .map(|_| {
                Running::spawn(env.tokctl().args([
                    "print-header",
                    "-p",
                    "par",
                    "--format",
                    "token",
                ]))
            })
            .collect();
        let outs: Vec<Output> = runs.into_iter().map(Running::finish).collect();
        let first = outs[0].stdout.clone();
        for out in &outs {
            assert!(out.status.success(), "{}", stderr(out));
            assert_eq!(out.stdout, first, "everyone got the same new token");
        }
        let stats = srv.stats();
        assert_eq!(stats["token"]["refresh_token"], 1, "{stats}");
        assert!(
            stats["token_errors"].as_object().unwrap().is_empty(),
            "{stats}"
        );
        let rt2 = stored_refresh(&env, "par");
        env.plant(&rt2);
        assert_ne!(rt, rt2);
    }

    #[test]
    fn logout_revokes_refresh_and_access_tokens() {
        let mut env = TestEnv::new();
        let srv = OidcServer::start(300, 3600);
        password_login(&mut env, &srv, "out", (POST_CLIENT.0, Some(POST_CLIENT.1)));
        let rt = stored_refresh(&env, "out");
        env.plant(&rt);
        srv.reset();
        let out = env.ok(env.tokctl().args(["logout", "-p", "out"]));
        assert!(!stderr(&out).contains("warning"), "{}", stderr(&out));
        let stats = srv.stats();
        assert_eq!(stats["revocation"], 2, "{stats}");
        assert_eq!(stats["client_auth"]["client_secret_post"], 2, "{stats}");
        assert!(env.secrets_json()["profiles"].get("out").is_none());
        // The revoked refresh token is dead at the server, not only here.
        let secrets = json!({"version": 1, "profiles": {"out": {
            "refresh_token": rt, "client_secret": POST_CLIENT.1}}});
        std::fs::write(env.data_dir().join("secrets.json"), secrets.to_string()).unwrap();
        let out = env
            .tokctl()
            .args(["refresh", "-p", "out"])
            .output()
            .unwrap();
        env.assert_failed_with(&out, 3, &["the server rejected the refresh"]);
    }
}
