//! kubectl's exec credential plugins: the `ExecCredential` object that
//! `print-header --format exec-credential` prints.
//!
//! kubectl describes itself in `KUBERNETES_EXEC_INFO`, an `ExecCredential`
//! whose `apiVersion` is the one it wants back. Older kubectl builds (and
//! Debian's `kubernetes-client`) speak only `v1beta1`, newer ones `v1`, so
//! the answer echoes whatever of the two was asked for.

use crate::token::rfc3339;
use serde_json::{Value, json};

/// The API version of a kubectl that does not say.
pub const DEFAULT_API_VERSION: &str = "client.authentication.k8s.io/v1";
const KNOWN: [&str; 2] = [DEFAULT_API_VERSION, "client.authentication.k8s.io/v1beta1"];
/// An exec info bigger than this is not kubectl's: it is not parsed.
const MAX_EXEC_INFO: usize = 64 * 1024;

/// The API version to answer with, from `KUBERNETES_EXEC_INFO`'s value.
pub fn api_version(exec_info: Option<&str>) -> &'static str {
    exec_info
        .filter(|s| s.len() <= MAX_EXEC_INFO)
        .and_then(|s| serde_json::from_str::<Value>(s).ok())
        .and_then(|v| {
            let asked = v.get("apiVersion")?.as_str()?.to_string();
            KNOWN.into_iter().find(|k| *k == asked)
        })
        .unwrap_or(DEFAULT_API_VERSION)
}

/// The `ExecCredential` for `token`, with its expiry when known (kubectl
/// then runs the plugin again only after that instant).
pub fn exec_credential(api_version: &str, token: &str, expires_at: Option<i64>) -> String {
    let mut status = json!({ "token": token });
    if let Some(e) = expires_at {
        status["expirationTimestamp"] = json!(rfc3339(e));
    }
    let v = json!({
        "apiVersion": api_version,
        "kind": "ExecCredential",
        "status": status,
    });
    format!("{v}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn echoes_the_asked_version() {
        let beta = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","spec":{"interactive":false}}"#;
        assert_eq!(
            api_version(Some(beta)),
            "client.authentication.k8s.io/v1beta1"
        );
        let v1 = r#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}"#;
        assert_eq!(api_version(Some(v1)), DEFAULT_API_VERSION);
    }

    #[test]
    fn v1_when_absent_or_unreadable() {
        for info in [
            None,
            Some(""),
            Some("not json"),
            Some(r#"{"apiVersion":"client.authentication.k8s.io/v2"}"#),
            Some(r#"{"apiVersion":7}"#),
        ] {
            assert_eq!(api_version(info), DEFAULT_API_VERSION, "{info:?}");
        }
        let huge = format!(
            r#"{{"apiVersion":"client.authentication.k8s.io/v1beta1","x":"{}"}}"#,
            "x".repeat(MAX_EXEC_INFO)
        );
        assert_eq!(api_version(Some(&huge)), DEFAULT_API_VERSION);
    }

    #[test]
    fn credential_shape() {
        let v: Value =
            serde_json::from_str(&exec_credential(DEFAULT_API_VERSION, "tok", Some(0))).unwrap();
        assert_eq!(
            v,
            json!({
                "apiVersion": DEFAULT_API_VERSION,
                "kind": "ExecCredential",
                "status": {"token": "tok", "expirationTimestamp": "1970-01-01T00:00:00Z"}
            })
        );
        let v: Value =
            serde_json::from_str(&exec_credential(DEFAULT_API_VERSION, "tok", None)).unwrap();
        assert!(v["status"].get("expirationTimestamp").is_none());
    }
}
