//! `print-header --format exec-credential`: the JSON by hand, then the real
//! kubectl running tokctl as its exec plugin against a fake HTTPS API server.

use crate::common::kube_server::KubeServer;
use crate::common::mock_api::MockApi;
use crate::common::*;
use serde_json::Value;
use std::sync::Arc;

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

fn exec_credential(env: &TestEnv, exec_info: Option<&str>) -> Value {
    let mut cmd = env.tokctl();
    cmd.args(["print-header", "-p", "rm", "--format", "exec-credential"]);
    match exec_info {
        Some(info) => cmd.env("KUBERNETES_EXEC_INFO", info),
        None => cmd.env_remove("KUBERNETES_EXEC_INFO"),
    };
    serde_json::from_str(&env.assert_ok(&cmd.output().unwrap())).expect("one JSON object")
}

#[test]
fn exec_credential_echoes_the_api_version_kubectl_asked_for() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let exp = env.cache_json("rm")["expires_at"].as_i64().unwrap();
    for (info, want) in [
        (
            Some(format!(
                r#"{{"kind":"ExecCredential","apiVersion":"{V1BETA1}","spec":{{"interactive":false}}}}"#
            )),
            V1BETA1,
        ),
        (
            Some(format!(
                r#"{{"kind":"ExecCredential","apiVersion":"{V1}","spec":{{"interactive":false}}}}"#
            )),
            V1,
        ),
        (Some("{broken".to_string()), V1),
        (None, V1),
    ] {
        let v = exec_credential(&env, info.as_deref());
        assert_eq!(v["apiVersion"], want, "{info:?}");
        assert_eq!(v["kind"], "ExecCredential");
        assert_eq!(v["status"]["token"], access);
        assert_eq!(
            parse_rfc3339(v["status"]["expirationTimestamp"].as_str().unwrap()),
            exp
        );
    }
}

#[test]
fn exec_credential_of_a_dead_login_is_exit_3_with_nothing_on_stdout() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        401,
        jsonapi_error(401, "Invalid refresh token", "Invalid refresh token."),
    );
    let out = env
        .tokctl()
        .args(["print-header", "-p", "rm", "--format", "exec-credential"])
        .output()
        .unwrap();
    env.assert_failed(&out, 3);
}

fn kubectl_available() -> bool {
    let found = std::process::Command::new("kubectl")
        .arg("version")
        .arg("--client")
        .output()
        .is_ok();
    if !found {
        eprintln!("SKIP: kubectl is not installed (scripts/test installs kubernetes-client)");
    }
    found
}

/// The exec API versions this kubectl speaks: `v1` arrived in 1.22, and
/// Debian's `kubernetes-client` (1.20) has only `v1beta1`.
fn kubectl_api_versions() -> Vec<&'static str> {
    let out = std::process::Command::new("kubectl")
        .args(["version", "--client", "-o", "json"])
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    let minor: u32 = v["clientVersion"]["minor"]
        .as_str()
        .map(|m| m.trim_end_matches('+'))
        .and_then(|m| m.parse().ok())
        .unwrap_or(0);
    if minor >= 22 {
        vec![V1, V1BETA1]
    } else {
        vec![V1BETA1]
    }
}

fn kubectl_get_namespaces(env: &TestEnv, kubeconfig: &str) -> std::process::Output {
    let path = env.dir.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig).unwrap();
    env.client("kubectl")
        .arg("--kubeconfig")
        .arg(&path)
        .args(["get", "--raw", "/api/v1/namespaces"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap()
}

#[test]
fn kubectl_runs_tokctl_as_its_exec_plugin() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let mock = Arc::new(MockApi::start());
    env.login_mock(&mock, "rm");
    let issuer = mock.clone();
    let api = KubeServer::start(env.dir.path(), move |t| issuer.accepts(t));
    let cached = env.cache_json("rm")["access"]["token"]
        .as_str()
        .unwrap()
        .to_string();
    for version in kubectl_api_versions() {
        let kc = api.kubeconfig(
            &env.tokctl_path(),
            &["print-header", "-p", "rm", "--format", "exec-credential"],
            version,
        );
        let out = kubectl_get_namespaces(&env, &kc);
        assert!(
            out.status.success(),
            "kubectl with {version}: {}",
            stderr(&out)
        );
        let list: Value = serde_json::from_str(&stdout(&out)).expect("the API's JSON");
        assert_eq!(list["items"][0]["metadata"]["name"], "tokctl-test");
    }
    let seen = api.seen();
    assert!(
        !seen.is_empty() && seen.iter().all(|(t, ok)| *ok && *t == cached),
        "{seen:?}"
    );
}

#[test]
fn kubectl_fails_cleanly_when_the_login_is_dead() {
    if !kubectl_available() {
        return;
    }
    let env = TestEnv::new();
    let mock = Arc::new(MockApi::start());
    env.login_mock(&mock, "rm");
    env.expire_cache("rm");
    mock.outage(401, None);
    let issuer = mock.clone();
    let api = KubeServer::start(env.dir.path(), move |t| issuer.accepts(t));
    let kc = api.kubeconfig(
        &env.tokctl_path(),
        &["print-header", "-p", "rm", "--format", "exec-credential"],
        V1BETA1,
    );
    let out = kubectl_get_namespaces(&env, &kc);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert!(
        err.contains("tokctl login -p rm"),
        "kubectl shows tokctl's hint: {err}"
    );
    assert!(api.seen().is_empty(), "no token reached the API");
}
