//! The project's mock server (`examples/mock_server`, which the demo and the
//! benchmarks run): it starts, each of its APIs answers a real tokctl login
//! and accepts the token it issued, its test controls work, and it stops when
//! its parent closes stdin.

use crate::common::mock_api::{MOCK_ACCOUNTS, MockApi};
use crate::common::*;
use std::time::Duration;

#[test]
fn mock_server_answers_a_login_for_each_api_and_stops() {
    let mut env = TestEnv::new();
    let api = MockApi::start();
    for (kind, user, secret) in MOCK_ACCOUNTS {
        env.plant(secret);
        env.ok(&mut api.login_cmd(&env, kind, user, secret));
        let out = env.run_revealing(&["print-header", "-p", kind, "--format", "token"]);
        let token = stdout(&out).trim().to_string();
        let (status, body) = api.get_with_token("/api/things", &token);
        assert_eq!(status, 200, "{kind}: {body}");
        let things: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(things["user"], user, "{kind}: {body}");
    }
    let stats = api.stats();
    assert_eq!(stats["login"], 4, "{stats}");
    assert_eq!(stats["refresh"], 0, "{stats}");

    let status = api.stop(Duration::from_secs(10));
    assert!(
        status.is_some_and(|s| s.success()),
        "the mock server did not exit cleanly on EOF: {status:?}"
    );
}

#[test]
fn mock_server_routes_unknown_paths_and_methods() {
    let api = MockApi::start();
    let (status, body) = api.request("GET", "/nowhere");
    assert_eq!(
        (status, body.as_str()),
        (404, r#"{"error":"not_found","path":"/nowhere"}"#)
    );
    for (method, path, allow) in [
        ("GET", "/accounts/login", "POST"),
        ("DELETE", "/service/Auth", "GET, POST, OPTIONS"),
        ("GET", "/oauth/token", "POST"),
        ("POST", "/oauth/token/info", "GET"),
        ("GET", "/refresh-token", "POST"),
        ("POST", "/api/things", "GET"),
        ("POST", "/users/1", "GET"),
    ] {
        let (status, body) = api.request(method, path);
        assert_eq!(status, 405, "{method} {path}: {body}");
        assert!(
            body.contains(&format!(r#""allow":"{allow}""#)),
            "{method} {path}: {body}"
        );
    }
    let (status, _) = api.get_with_token("/api/things", "not-a-token");
    assert_eq!(status, 401);
}

#[test]
fn mock_server_outage_and_ttl_controls() {
    let env = TestEnv::new();
    let api = MockApi::start();
    api.outage(503, Some(2));
    for _ in 0..2 {
        let (status, body) = api.request("GET", "/api/things");
        assert_eq!((status, body.as_str()), (503, r#"{"error":"outage"}"#));
    }
    let (status, _) = api.request("GET", "/api/things");
    assert_eq!(status, 401, "the outage ends after its count");

    let login = || {
        env.tokctl()
            .args(["login", "-p", "viv", "--provider", "vivacity"])
            .args([
                "--base-url",
                &api.url,
                "--username",
                "demo",
                "--password-stdin",
            ])
            .write_stdin("demo-password\n")
            .output()
            .unwrap()
    };
    api.outage(502, None);
    env.assert_failed(&login(), 4);
    api.end_outage();

    api.set_ttl(1, 5);
    env.assert_ok(&login());
    let cache = env.cache_json("viv");
    let lifetime = cache["access"]["expires_at"].as_i64().unwrap() - now();
    assert!(
        (-1..=1).contains(&lifetime),
        "access token lives {lifetime} s: {cache}"
    );
}
