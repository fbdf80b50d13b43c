//! OAuth in depth against the real OpenID server (`common::oidc`):
//! authorization server metadata (RFC 8414) beside OpenID discovery, the
//! strong client authentication methods (RFC 7523 assertions, RFC 8705
//! mutual TLS), and `--auth-param` / `--token-param`. Wire details that
//! the real server cannot produce (broken documents) use httpmock.

use crate::common::oidc::*;
use crate::common::pki::Pki;
use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};

/// One test's world: a tokctl installation and a server.
struct World {
    env: TestEnv,
    srv: OidcServer,
    /// `--cacert` for an HTTPS server.
    cacert: Option<String>,
}

impl World {
    fn new(srv: OidcServer) -> World {
        let mut env = TestEnv::new();
        env.plant(PASSWORD);
        World {
            env,
            srv,
            cacert: None,
        }
    }

    /// `tokctl ARGS` with the CA of an HTTPS server trusted.
    fn tokctl(&self, args: &[&str]) -> assert_cmd::Command {
        let mut cmd = self.env.tokctl();
        if let Some(ca) = &self.cacert {
            cmd.env("TOKCTL_CA_CERT", ca);
        }
        cmd.args(args);
        cmd
    }

    /// A password-grant login of `profile` as `client` with `extra`
    /// arguments; `secret` is written after the password on stdin.
    fn login(
        &mut self,
        profile: &str,
        client: &str,
        secret: Option<&str>,
        extra: &[&str],
    ) -> std::process::Output {
        let mut cmd = self.tokctl(&[
            "login",
            "-p",
            profile,
            "--provider",
            "oidc",
            "--issuer",
            &self.srv.issuer.clone(),
            "--client-id",
            client,
            "--flow",
            "password",
            "--username",
            USER,
            "--password-stdin",
        ]);
        cmd.args(extra);
        let stdin = match secret {
            Some(s) => {
                self.env.plant(s);
                cmd.arg("--client-secret-stdin");
                format!("{PASSWORD}\n{s}\n")
            }
            None => format!("{PASSWORD}\n"),
        };
        cmd.write_stdin(stdin).output().unwrap()
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.tokctl(args).output().unwrap();
        self.env.assert_ok(&out)
    }

    fn refresh_token(&self, profile: &str) -> Option<String> {
        self.env.secrets_json()["profiles"][profile]["refresh_token"]
            .as_str()
            .map(str::to_string)
    }

    /// Login, refresh, print-header and a revoking logout, each proved at
    /// the server: every request authenticated with `method` (the
    /// fixture's name for it), the logout revoking both tokens.
    fn full_cycle(
        &mut self,
        profile: &str,
        client: &str,
        secret: Option<&str>,
        extra: &[&str],
        method: &str,
    ) {
        let out = self.login(profile, client, secret, extra);
        self.env.assert_ok(&out);
        let rt = self
            .refresh_token(profile)
            .expect("a refresh token is stored");
        self.env.plant(&rt);
        self.ok(&["refresh", "-p", profile]);
        let rotated = self.refresh_token(profile).unwrap();
        assert_ne!(rotated, rt, "the server rotated the refresh token");
        self.env.plant(&rotated);
        let header = self.ok(&["print-header", "-p", profile]);
        assert!(header.starts_with("Authorization: Bearer "), "{header}");
        self.ok(&["logout", "-p", profile]);
        let stats = self.srv.stats();
        assert_eq!(stats["token"]["password"], 1, "{stats}");
        assert_eq!(stats["token"]["refresh_token"], 1, "{stats}");
        assert_eq!(stats["token_errors"], json!({}), "{stats}");
        assert_eq!(
            stats["revocation"], 2,
            "refresh and access token revoked: {stats}"
        );
        assert_eq!(
            stats["client_auth"][method], 4,
            "login, refresh, two revocations: {stats}"
        );
    }
}

/// The login flags of `private-key-jwt` with `key`.
fn pk_flags(key: &str) -> [&str; 4] {
    ["--client-auth", "private-key-jwt", "--client-key", key]
}

/// The login flags of mutual TLS with `cert` and `key`.
fn tls_flags<'a>(cert: &'a str, key: &'a str) -> [&'a str; 6] {
    [
        "--client-auth",
        "tls",
        "--client-cert",
        cert,
        "--client-key",
        key,
    ]
}

fn assert_exit(env: &TestEnv, out: &std::process::Output, code: i32, needle: &str) -> String {
    let err = env.assert_failed(out, code);
    assert!(err.contains(needle), "{needle:?} not in:\n{err}");
    err
}

// ------------------------------------------------------------ metadata --

#[test]
fn revocation_published_only_in_rfc8414_metadata_is_used_by_logout() {
    // Django OAuth Toolkit's shape: the OpenID document has no revocation_endpoint.
    let mut w = World::new(OidcServer::start_with_env(
        300,
        3600,
        &[("OIDC_METADATA", "dot")],
    ));
    let out = w.login("dot", BASIC_CLIENT.0, Some(BASIC_CLIENT.1), &[]);
    w.env.assert_ok(&out);
    let stats = w.srv.stats();
    assert_eq!(
        (
            stats["discovery"].as_u64(),
            stats["oauth_metadata"].as_u64()
        ),
        (Some(1), Some(1))
    );
    assert!(
        w.env
            .config_text()
            .contains(&format!("revocation_url = \"{}\"", w.srv.revoke_url())),
        "{}",
        w.env.config_text()
    );
    let rt = w.refresh_token("dot").unwrap();
    w.env.plant(&rt);
    w.ok(&["logout", "-p", "dot"]);
    assert_eq!(w.srv.stats()["revocation"], 2);
    assert_eq!(
        w.srv.introspect(&rt, BASIC_CLIENT)["active"],
        false,
        "revoked at the server"
    );
    assert_eq!(w.srv.stats()["oauth_metadata"], 1, "read once, at login");
}

/// A mock server for issuer `<mock>/realms/r` without an OpenID document,
/// whose RFC 8414 document answers `oauth` (`None`: 404).
fn metadata_mock(oauth: Option<(u16, &str)>) -> MockServer {
    let srv = MockServer::start();
    if let Some((status, body)) = oauth {
        srv.mock(|when, then| {
            when.method(GET)
                .path("/.well-known/oauth-authorization-server/realms/r");
            then.status(status)
                .header("content-type", "application/json")
                .body(body);
        });
    }
    srv
}

fn mock_login(env: &TestEnv, srv: &MockServer) -> std::process::Output {
    env.tokctl()
        .args([
            "login",
            "-p",
            "m",
            "--provider",
            "oidc",
            "--issuer",
            &srv.url("/realms/r"),
        ])
        .args([
            "--client-id",
            "c",
            "--flow",
            "client-credentials",
            "--client-secret-stdin",
        ])
        .write_stdin("s3cret-value\n")
        .output()
        .unwrap()
}

#[test]
fn broken_metadata_is_exit_4_and_absent_metadata_is_fine() {
    let env = TestEnv::new();
    let cases: [(&str, u16, &str); 3] = [
        ("an HTML page", 200, "<html><body>portal</body></html>"),
        (
            "wrong issuer",
            200,
            r#"{"issuer":"https://evil.example/realms/r"}"#,
        ),
        ("server error", 503, r#"{"error":"down"}"#),
    ];
    for (what, status, body) in cases {
        let srv = metadata_mock(Some((status, body)));
        let out = mock_login(&env, &srv);
        let err = env.assert_failed(&out, 4);
        assert!(
            err.contains("OAuth authorization server metadata"),
            "{what}: {err}"
        );
        assert!(!err.contains("portal"), "no HTML quoted: {err}");
    }
    assert_eq!(env.config_text(), "", "nothing written");

    // Only the RFC 8414 document, at the appended location: it is enough.
    let srv = MockServer::start();
    let iss = srv.url("/realms/r");
    let doc = json!({"issuer": iss, "token_endpoint": srv.url("/realms/r/token"),
                     "revocation_endpoint": srv.url("/realms/r/revoke")});
    let meta = srv.mock(|when, then| {
        when.method(GET)
            .path("/realms/r/.well-known/oauth-authorization-server");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(doc);
    });
    let token = srv.mock(|when, then| {
        when.method(POST).path("/realms/r/token");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(json!({"access_token": "at-from-8414-only", "token_type": "Bearer", "expires_in": 300}));
    });
    let out = mock_login(&env, &srv);
    env.assert_ok(&out);
    meta.assert();
    token.assert();
    assert!(
        env.config_text().contains("revocation_url"),
        "{}",
        env.config_text()
    );
}

#[test]
fn explicit_urls_override_both_documents() {
    let mut w = World::new(OidcServer::start_with_env(
        300,
        3600,
        &[("OIDC_METADATA", "dot")],
    ));
    let elsewhere = closed_port_url();
    let revoke = format!("{elsewhere}/revoke");
    let out = w.login(
        "x",
        BASIC_CLIENT.0,
        Some(BASIC_CLIENT.1),
        &["--token-url", &w.srv.token_url()],
    );
    w.env.assert_ok(&out);
    // The profile file's revocation_url wins over the metadata on the next login.
    let text = w.env.config_text().replace(&w.srv.revoke_url(), &revoke);
    w.env.write_config(&text);
    let out = w.login("x", BASIC_CLIENT.0, Some(BASIC_CLIENT.1), &[]);
    w.env.assert_ok(&out);
    assert!(
        w.env.config_text().contains(&revoke),
        "{}",
        w.env.config_text()
    );
}

// ------------------------------------------------- client authentication --

/// A server with the private_key_jwt and client_secret_jwt clients, and
/// the keys that `tokctl-jwt` has registered.
fn jwt_world() -> (World, Pki) {
    let dir = tempfile::tempdir().unwrap().keep();
    let pki = Pki::new(&dir);
    let (k, v) = pki.client_keys_env();
    let w = World::new(OidcServer::start_with_env(300, 3600, &[(k, v)]));
    (w, pki)
}

#[test]
fn client_secret_jwt_end_to_end() {
    let (mut w, _pki) = jwt_world();
    let secret = "hs256-secret-0123456789-abcdefghijklmnop";
    w.full_cycle(
        "hs",
        "tokctl-hs256",
        Some(secret),
        &["--client-auth", "client-secret-jwt"],
        "client_secret_jwt",
    );
    let a = &w.srv.stats()["last_assertion"];
    assert_eq!(a["header"]["alg"], "HS256");
    assert_assertion_claims(&a["payload"], "tokctl-hs256", &w.srv.token_url());
    assert_unique_jtis(&w.srv.stats());
}

fn assert_assertion_claims(c: &Value, client: &str, aud: &str) {
    assert_eq!(c["iss"], client);
    assert_eq!(c["sub"], client);
    assert_eq!(c["aud"], aud);
    let (iat, exp) = (c["iat"].as_i64().unwrap(), c["exp"].as_i64().unwrap());
    assert!(exp > iat && exp - iat <= 60, "{c}");
    assert!((iat - now()).abs() < 30, "{c}");
}

fn assert_unique_jtis(stats: &Value) {
    let jtis: Vec<&str> = stats["assertion_jtis"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j.as_str().unwrap())
        .collect();
    let mut unique = jtis.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), jtis.len(), "a new jti per request: {jtis:?}");
    assert!(jtis.len() >= 4, "{jtis:?}");
}

#[test]
fn private_key_jwt_with_each_key_type_end_to_end() {
    let (mut w, pki) = jwt_world();
    for (n, (file, alg)) in [
        ("rsa-pkcs8.key", "RS256"),
        ("rsa-pkcs1.key", "RS256"),
        ("ec-sec1.key", "ES256"),
        ("ec-pkcs8.key", "ES256"),
    ]
    .into_iter()
    .enumerate()
    {
        w.srv.reset();
        let key = pki.path(file);
        let profile = format!("pk{n}");
        w.full_cycle(
            &profile,
            "tokctl-jwt",
            None,
            &pk_flags(&key),
            "private_key_jwt",
        );
        let stats = w.srv.stats();
        let a = &stats["last_assertion"];
        assert_eq!(a["header"]["alg"], alg, "{file}");
        assert_eq!(
            a["header"]["kid"].as_str().unwrap().len(),
            43,
            "SHA-256 thumbprint, base64url"
        );
        assert_assertion_claims(&a["payload"], "tokctl-jwt", &w.srv.token_url());
        assert_unique_jtis(&stats);
    }
    // The key lives in the secret store, never in the profile file.
    let key = pki.path("ec-sec1.key");
    let out = w.login("kept", "tokctl-jwt", None, &pk_flags(&key));
    w.env.assert_ok(&out);
    let text = w.env.config_text();
    assert!(
        !text.contains("client_key") && !text.contains("BEGIN"),
        "{text}"
    );
    let stored = &w.env.secrets_json()["profiles"]["kept"]["client_key"];
    assert_eq!(
        stored.as_str(),
        Some(std::fs::read_to_string(&key).unwrap().as_str())
    );
}

#[test]
fn private_key_jwt_key_moves_to_the_store_and_the_issuer_audience_works() {
    let (mut w, pki) = jwt_world();
    let tmp = tempfile::tempdir().unwrap();
    let key = tmp.path().join("k.pem");
    std::fs::copy(pki.path("ec-sec1.key"), &key).unwrap();
    w.env
        .write_config("[profiles.iss]\nprovider = \"oauth2\"\nassertion_audience = \"issuer\"\n");
    let key_arg = key.to_string_lossy().into_owned();
    let out = w.login("iss", "tokctl-jwt-iss", None, &pk_flags(&key_arg));
    w.env.assert_ok(&out);
    assert_eq!(
        w.srv.stats()["last_assertion"]["payload"]["aud"],
        w.srv.issuer
    );
    std::fs::remove_file(&key).unwrap();
    w.ok(&["refresh", "-p", "iss"]);
    assert_eq!(w.srv.stats()["token"]["refresh_token"], 1);
}

#[test]
fn private_key_jwt_with_its_certificate_names_it_in_every_assertion() {
    // Entra ID finds a certificate credential by the x5t header.
    let (mut w, pki) = jwt_world();
    let (key, cert) = (pki.path("rsa-pkcs8.key"), pki.path("rsa-pkcs8.crt"));
    let mut flags = pk_flags(&key).to_vec();
    flags.extend(["--client-cert", &cert]);
    w.full_cycle("entra", "tokctl-jwt", None, &flags, "private_key_jwt");
    let (sha1, sha256) = pki.thumbprints("rsa-pkcs8.crt");
    let h = &w.srv.stats()["last_assertion"]["header"];
    assert_eq!(h["x5t"], sha1, "{h}");
    assert_eq!(h["x5t#S256"], sha256, "{h}");
    assert_eq!(h["kid"].as_str().unwrap().len(), 43, "the kid stays");
    // Kept beside the key, not as a path: the files may go.
    assert!(!w.env.config_text().contains("rsa-pkcs8.crt"));
    // Another key's certificate, or a certificate without its key, is refused
    // before anything is sent.
    w.srv.reset();
    let other = pki.path("client.pem");
    let mut flags = pk_flags(&key).to_vec();
    flags.extend(["--client-cert", &other]);
    let out = w.login("o", "tokctl-jwt", None, &flags);
    assert_exit(&w.env, &out, 5, "for another key than --client-key");
    let out = w.login(
        "o",
        "tokctl-jwt",
        None,
        &["--client-auth", "private-key-jwt", "--client-cert", &cert],
    );
    assert_exit(&w.env, &out, 2, "needs --client-key PATH too");
    assert_eq!(w.srv.stats()["token"], json!({}), "nothing was sent");
}

#[test]
fn a_wrong_key_is_exit_3_quoting_the_server() {
    let (mut w, pki) = jwt_world();
    let key = pki.path("unregistered.key");
    let out = w.login("bad", "tokctl-jwt", None, &pk_flags(&key));
    let err = assert_exit(&w.env, &out, 3, "client authentication failed");
    assert!(err.contains("kid "), "the hint names the key: {err}");
    assert!(!err.contains("PRIVATE KEY"), "{err}");
    assert_eq!(w.env.config_text(), "", "nothing written");
}

#[test]
fn key_files_others_can_read_or_that_are_no_keys_are_exit_5() {
    let (mut w, pki) = jwt_world();
    let tmp = tempfile::tempdir().unwrap();
    let open = tmp.path().join("open.pem");
    std::fs::copy(pki.path("ec-sec1.key"), &open).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&open, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let open = open.to_string_lossy().into_owned();
    let out = w.login("o", "tokctl-jwt", None, &pk_flags(&open));
    assert_exit(&w.env, &out, 5, "can be read by others (mode 644)");
    let cert = pki.path("client.pem");
    let out = w.login("o", "tokctl-jwt", None, &pk_flags(&cert));
    assert_exit(&w.env, &out, 5, "holds no PEM private key");
    let out = w.login(
        "o",
        "tokctl-jwt",
        None,
        &["--client-auth", "private-key-jwt"],
    );
    assert_exit(&w.env, &out, 2, "needs --client-key PATH");
    assert_eq!(w.srv.stats()["token"], json!({}), "nothing was sent");
}

#[test]
fn a_method_the_server_does_not_list_is_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let mut w = World::new(OidcServer::start(300, 3600));
    let (cert, key) = (pki.path("client.pem"), pki.path("client.key"));
    let out = w.login("t", "tokctl-mtls", None, &tls_flags(&cert, &key));
    let err = assert_exit(&w.env, &out, 2, "does not accept --client-auth tls");
    assert!(
        err.contains("client_secret_jwt") && err.contains("private_key_jwt"),
        "{err}"
    );
    assert_contains(
        &err,
        "hint: choose --client-auth basic|post|client-secret-jwt|private-key-jwt",
    );
    assert_eq!(w.srv.stats()["token"], json!({}));
}

#[test]
fn mutual_tls_both_kinds_end_to_end() {
    let dir = tempfile::tempdir().unwrap();
    let pki = Pki::new(dir.path());
    let mut w = World::new(OidcServer::start_with_env(300, 3600, &pki.tls_server_env()));
    w.cacert = Some(pki.path("ca.pem"));
    assert!(w.srv.issuer.starts_with("https://"));
    for (profile, client, cert, key) in [
        ("ca", "tokctl-mtls", "client.pem", "client.key"),
        ("self", "tokctl-mtls-self", "self.pem", "self.key"),
    ] {
        w.srv.reset();
        let (cert, key) = (pki.path(cert), pki.path(key));
        w.full_cycle(profile, client, None, &tls_flags(&cert, &key), "tls");
    }
    let text = w.env.config_text();
    assert!(
        text.contains(&format!("client_cert = \"{}\"", pki.path("self.pem"))),
        "{text}"
    );
    // The server binds the tokens to the certificate, so curl needs it on
    // API calls too: from the cache (the hot path) and after a renewal.
    let (cert, key) = (pki.path("client.pem"), pki.path("client.key"));
    w.srv.reset();
    let out = w.login("bound", "tokctl-mtls", None, &tls_flags(&cert, &key));
    w.env.assert_ok(&out);
    let lines = format!("cert = \"{cert}\"\nkey = \"{key}\"\n");
    let curl = w.ok(&["print-header", "-p", "bound", "--format", "curl"]);
    assert!(
        curl.starts_with("header = \"Authorization: Bearer ") && curl.ends_with(&lines),
        "{curl}"
    );
    w.env.expire_cache("bound");
    let curl = w.ok(&["print-header", "-p", "bound", "--format", "curl"]);
    assert!(curl.ends_with(&lines), "{curl}");
    assert_eq!(w.srv.stats()["token"]["refresh_token"], 1);
}

// ----------------------------------------------------- extra parameters --

#[test]
fn auth_params_reach_the_authorization_request_and_are_remembered() {
    let w = World::new(OidcServer::start(300, 3600));
    let login = |extra: &[&str]| {
        let mut cmd = w.tokctl(&[
            "login",
            "-p",
            "g",
            "--provider",
            "oidc",
            "--issuer",
            &w.srv.issuer,
            "--client-id",
            PUBLIC_CLIENT,
        ]);
        cmd.args(extra)
            .env("BROWSER", OidcServer::browser_path())
            .output()
            .unwrap()
    };
    let out = login(&[
        "--auth-param",
        "access_type=offline",
        "--auth-param",
        "acr_values=urn:acr:1 urn:acr:2",
    ]);
    w.env.assert_ok(&out);
    let seen = &w.srv.stats()["last_authorization"];
    assert_eq!(seen["access_type"], "offline", "{seen}");
    assert_eq!(seen["acr_values"], "urn:acr:1 urn:acr:2");
    assert!(
        w.env
            .config_text()
            .contains("auth_params = [\"access_type=offline\""),
        "{}",
        w.env.config_text()
    );
    // Remembered: the next login sends them without the flags.
    w.srv.reset();
    w.env.assert_ok(&login(&[]));
    assert_eq!(
        w.srv.stats()["last_authorization"]["access_type"],
        "offline"
    );
}

#[test]
fn token_params_reach_every_token_request() {
    let mut w = World::new(OidcServer::start(300, 3600));
    let api = "https://api.example.test/";
    let res = format!("resource={api}");
    let out = w.login(
        "r",
        BASIC_CLIENT.0,
        Some(BASIC_CLIENT.1),
        &["--scope", "api:read", "--token-param", &res],
    );
    w.env.assert_ok(&out);
    // With a resource the server issues a JWT for exactly that audience.
    let claims = |w: &World| {
        let t = w.ok(&["print-header", "-p", "r", "--format", "token"]);
        jwt_claims(t.trim())
    };
    assert_eq!(claims(&w)["aud"], api);
    w.ok(&["refresh", "-p", "r"]);
    assert_eq!(claims(&w)["aud"], api, "the refresh sent it too");
    assert_eq!(w.srv.stats()["token"]["refresh_token"], 1);
}

/// The claims of a JWT (unverified).
fn jwt_claims(jwt: &str) -> Value {
    use base64::Engine;
    let part = jwt
        .split('.')
        .nth(1)
        .unwrap_or_else(|| panic!("not a JWT: {jwt}"));
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

#[test]
fn params_tokctl_sets_itself_cannot_be_overridden() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let other = mock_anything_else(&srv);
    for (flag, value, needle) in [
        (
            "--auth-param",
            "state=mine",
            "--auth-param state=… would override",
        ),
        ("--auth-param", "redirect_uri=http://evil", "--redirect-uri"),
        (
            "--token-param",
            "grant_type=password",
            "--token-param grant_type=… would override",
        ),
        ("--token-param", "client_id=x", "--client-id"),
        ("--token-param", "no-equals-sign", "is not KEY=VALUE"),
    ] {
        let out = env
            .tokctl()
            .args([
                "login",
                "-p",
                "x",
                "--provider",
                "oidc",
                "--token-url",
                &srv.url("/token"),
            ])
            .args([
                "--client-id",
                "c",
                "--flow",
                "client-credentials",
                flag,
                value,
            ])
            .output()
            .unwrap();
        assert_exit(&env, &out, 2, needle);
    }
    other.assert_calls(0);
    assert_eq!(env.config_text(), "");
}
