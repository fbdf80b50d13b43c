//! `--id-token`: the OpenID Connect ID token from the real OIDC server,
//! renewed by its own `exp`, read from the cache on the hot path, and
//! handed to kubectl as its exec credential.

use crate::common::kube_server::KubeServer;
use crate::common::oidc::{OidcServer, PASSWORD, PUBLIC_CLIENT, USER};
use crate::common::*;
use serde_json::Value;

/// The claims of a JWT, unverified.
fn claims(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt.split('.').nth(1).expect("a JWT");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

/// A password-grant login with the `openid` scope.
fn login(env: &TestEnv, srv: &OidcServer) {
    let out = env
        .tokctl()
        .args([
            "login",
            "-p",
            "k",
            "--provider",
            "keycloak",
            "--issuer",
            &srv.issuer,
        ])
        .args([
            "--client-id",
            PUBLIC_CLIENT,
            "--flow",
            "password",
            "--username",
            USER,
        ])
        .args([
            "--scope",
            "openid",
            "--scope",
            "offline_access",
            "--password-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n"))
        .output()
        .unwrap();
    assert!(out.status.success(), "login: {}", stderr(&out));
}

fn print(env: &TestEnv, args: &[&str]) -> String {
    let out = env
        .tokctl()
        .args(["print-header", "-p", "k", "--id-token"])
        .args(args)
        .output()
        .unwrap();
    env.assert_ok(&out)
}

#[test]
fn id_token_is_handed_out_from_the_cache_and_renewed_by_its_own_exp() {
    let env = TestEnv::new();
    let srv = OidcServer::start(3, 3600);
    login(&env, &srv);
    let id = print(&env, &["--format", "token", "--min-valid", "1s"])
        .trim()
        .to_string();
    let c = claims(&id);
    assert_eq!(c["iss"], srv.issuer.as_str());
    assert_eq!(c["aud"], PUBLIC_CLIENT);
    assert_eq!(
        env.cache_json("k")["id_token"]["token"],
        id.as_str(),
        "kept in the 0600 cache"
    );
    assert_eq!(env.cache_json("k")["id_token"]["expires_at"], c["exp"]);
    let access = env.cache_json("k")["access"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert_ne!(id, access);
    // Every format carries it, with its own exp.
    assert_eq!(
        print(&env, &["--min-valid", "1s"]),
        format!("Authorization: Bearer {id}\n")
    );
    let ec: Value = serde_json::from_str(&print(
        &env,
        &["--format", "exec-credential", "--min-valid", "1s"],
    ))
    .unwrap();
    assert_eq!(ec["status"]["token"], id.as_str());
    assert_eq!(
        parse_rfc3339(ec["status"]["expirationTimestamp"].as_str().unwrap()),
        c["exp"].as_i64().unwrap()
    );
    // Past its exp, the next call renews it (one refresh).
    srv.reset();
    let exp = c["exp"].as_i64().unwrap();
    while now() < exp {
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    let renewed = print(&env, &["--format", "token", "--min-valid", "1s"])
        .trim()
        .to_string();
    assert_ne!(renewed, id);
    assert!(claims(&renewed)["exp"].as_i64().unwrap() > exp);
    assert_eq!(srv.token_requests("refresh_token"), 1);
}

#[test]
fn a_profile_without_an_id_token_is_exit_3_with_a_hint() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env
        .tokctl()
        .args(["print-header", "-p", "rm", "--id-token"])
        .output()
        .unwrap();
    let err = env.assert_failed(&out, 3);
    assert!(
        err.contains("no OpenID Connect ID token") && err.contains("openid"),
        "{err}"
    );
}

#[test]
fn kubectl_gets_the_id_token_for_a_cluster_that_validates_id_tokens() {
    if std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_err()
    {
        eprintln!("SKIP: kubectl is not installed (scripts/test installs kubernetes-client)");
        return;
    }
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    login(&env, &srv);
    // The API server takes an unexpired ID token of this issuer for this client.
    let issuer = srv.issuer.clone();
    let api = KubeServer::start(env.dir.path(), move |t| {
        t.split('.').count() == 3 && {
            let c = claims(t);
            c["iss"] == issuer.as_str()
                && c["aud"] == PUBLIC_CLIENT
                && c["exp"].as_i64() > Some(now())
        }
    });
    let kc = api.kubeconfig(
        &env.tokctl_path(),
        &[
            "print-header",
            "-p",
            "k",
            "--id-token",
            "--format",
            "exec-credential",
        ],
        "client.authentication.k8s.io/v1beta1",
    );
    let path = env.dir.path().join("kubeconfig");
    std::fs::write(&path, kc).unwrap();
    let out = env
        .client("kubectl")
        .arg("--kubeconfig")
        .arg(&path)
        .args(["get", "--raw", "/api/v1/namespaces"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("tokctl-test"));
    let cached = env.cache_json("k")["id_token"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        api.seen().iter().all(|(t, ok)| *ok && *t == cached),
        "{:?}",
        api.seen()
    );
}

/// An unrelated edit of the profile file costs one slow read of the ID
/// token, which re-stamps the record, as for the access token.
#[test]
fn the_id_token_record_is_restamped_after_an_unrelated_edit() {
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    login(&env, &srv);
    let id = print(&env, &["--format", "token"]);
    let before = env.cache_json("k")["config_stamp"].clone();
    assert!(before.is_object());
    env.write_config(&format!("{}\n# edited\n", env.config_text()));
    assert_eq!(print(&env, &["--format", "token"]), id, "no renewal");
    let after = env.cache_json("k");
    assert_ne!(after["config_stamp"], before, "re-stamped");
    assert_eq!(after["id_token"]["token"], id.trim());
    assert_eq!(srv.token_requests("refresh_token"), 0);
}
