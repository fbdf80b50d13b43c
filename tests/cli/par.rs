//! Pushed authorization requests (RFC 9126) against the real OpenID server,
//! which lists its PAR endpoint in its metadata: a browser sign-in pushes
//! the request, so the browser's address carries only the client id and the
//! `request_uri`; a server that refuses the push gets the plain request; a
//! pasted sign-in (whose address may be opened minutes later, after a
//! pushed request has expired) sends the request in the address as before.

use crate::common::interactive::Running;
use crate::common::oidc::*;
use crate::common::*;
use serde_json::Value;

/// The sign-in flags of every test here: the public client, offline
/// access, and an extra authorization parameter.
const SIGN_IN: &[&str] = &[
    "--client-id",
    PUBLIC_CLIENT,
    "--scope",
    "openid",
    "--scope",
    "offline_access",
    "--auth-param",
    "ui_locales=de",
];

/// The parameter names the browser's authorization request carried.
fn sent(stats: &Value) -> Vec<&str> {
    stats["last_authorization_sent"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect()
}

#[test]
fn a_browser_sign_in_pushes_its_request_and_the_address_names_only_it() {
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    env.ok(&mut srv.browser_login(&env, "oidc", "w", SIGN_IN));
    let stats = srv.stats();
    assert_eq!(stats["pushed_authorization"], 1, "{stats}");
    assert_eq!(sent(&stats), ["client_id", "request_uri"], "{stats}");
    let pushed = &stats["last_pushed"];
    for key in ["state", "code_challenge", "nonce", "redirect_uri"] {
        assert!(pushed[key].is_string(), "{key} pushed: {pushed}");
    }
    assert_eq!(pushed["ui_locales"], "de", "--auth-param is pushed too");
    assert_eq!(pushed["prompt"], "consent");
    assert_eq!(pushed["scope"], "openid offline_access");
    assert_eq!(stats["token"]["authorization_code"], 1);
    // The login works as before: its refresh token renews.
    env.expire_cache("w");
    env.ok(env.tokctl().args(["print-header", "-p", "w"]));
    assert_eq!(srv.token_requests("refresh_token"), 1);
}

#[test]
fn a_refused_push_falls_back_to_the_plain_request_and_says_so() {
    let env = TestEnv::new();
    let srv = OidcServer::start_with_env(300, 3600, &[("OIDC_PAR", "refuse")]);
    let out = env.ok(&mut srv.browser_login(&env, "oidc", "w", SIGN_IN));
    let err = stderr(&out);
    assert!(
        err.contains("refused the pushed authorization request")
            && err.contains("pushed requests are turned off here"),
        "{err}"
    );
    let stats = srv.stats();
    assert_eq!(stats["pushed_authorization"], 1);
    let keys = sent(&stats);
    for key in ["state", "code_challenge", "nonce", "ui_locales"] {
        assert!(keys.contains(&key), "{key} in the address: {keys:?}");
    }
    assert_eq!(stats["token"]["authorization_code"], 1);
}

#[test]
fn a_pasted_sign_in_keeps_the_request_in_the_address() {
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    let mut cmd = srv.browser_login(&env, "oidc", "w", SIGN_IN);
    cmd.arg("--no-browser").env_remove("BROWSER");
    let run = Running::spawn(&cmd);
    let url = run.auth_url();
    // The user's browser, elsewhere: it delivers the redirect to the
    // listener itself (a pasted address would do the same).
    let browser = std::process::Command::new(OidcServer::browser_path())
        .arg(url.as_str())
        .env("OIDC_BROWSER_FOREGROUND", "1")
        .output()
        .unwrap();
    assert!(browser.status.success(), "{}", stderr(&browser));
    env.assert_ok(&run.finish());
    let stats = srv.stats();
    assert_eq!(stats["pushed_authorization"], 0, "{stats}");
    assert!(sent(&stats).contains(&"code_challenge"), "{stats}");
}
