//! How `login` merges its flags into a profile: a flag group a provider
//! does not take is refused before anything is read or written, and
//! `--save-credentials` counts from the login that gives it.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::json;

#[test]
fn oauth_flags_for_a_provider_without_oauth_are_exit_2_and_write_nothing() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let anything = mock_anything_else(&srv);
    for flags in [
        &["--scope", "read"][..],
        &["--no-browser"],
        &["--redirect-uri", "http://127.0.0.1:9/cb"],
        &["--client-secret-stdin"],
    ] {
        let out = env.fails(
            env.tokctl()
                .args(["login", "-p", "rm", "--provider", "realmassive"])
                .args(["--base-url", &srv.base_url(), "--username", "u"])
                .args(flags)
                .args(["--password-stdin"])
                .write_stdin("pw\n"),
            2,
        );
        assert_eq!(
            stderr(&out),
            "tokctl: error: OAuth flags (--issuer, --token-url, --client-id, --flow, ...) do not apply to provider 'realmassive'\n",
            "{flags:?}"
        );
    }
    anything.assert_calls(0);
    assert!(!env.config_path().exists());
}

#[test]
fn save_credentials_counts_from_the_first_login() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let password = env.plant("pw-first-login");
    let access = env.plant("at-no-refresh");
    let token = srv.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .form_urlencoded_tuple("grant_type", "password");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"access_token": access, "token_type": "Bearer", "expires_in": 300}));
    });
    let out = env
        .tokctl()
        .args(["login", "-p", "pw", "--provider", "oauth2"])
        .args(["--token-url", &srv.url("/token"), "--client-id", "cli"])
        .args(["--flow", "password", "--username", "alice"])
        .args(["--password-stdin", "--save-credentials"])
        .write_stdin(format!("{password}\n"))
        .output()
        .unwrap();
    env.assert_ok(&out);
    token.assert();
    assert!(env.config_text().contains("save_credentials = true"));
    // No refresh token came: the saved password is how it renews, and the
    // cache says so already (`profiles` shows it as renewable).
    assert_eq!(env.cache_json("pw")["renewal"], "relogin");
}
