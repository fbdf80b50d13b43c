//! A real OpenID Connect provider for the integration tests.
//!
//! Mocks answer what the test author believes a provider says; this runs
//! `tests/oidc-server/server.mjs` (the `oidc-provider` npm package, shaped
//! like a Keycloak realm) so that tokctl's OAuth flows meet a server that
//! enforces PKCE, rotates refresh tokens and rejects reuse. Its clients,
//! users and environment knobs are described in `tests/oidc-server/README.md`.
//!
//! The tests talk to the server's private endpoints over plain HTTP/1.0
//! (`common::child`), so no HTTP client is needed in the test binary.

use super::TestEnv;
use super::child::{ChildServer, http_request, http_send};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

/// The public client: PKCE required, loopback redirects on any port.
pub const PUBLIC_CLIENT: &str = "tokctl-public";
/// A `client_secret_basic` client with user grants and client_credentials.
pub const BASIC_CLIENT: (&str, &str) = ("tokctl-basic", "basic-secret");
/// Like [`BASIC_CLIENT`], with a secret that only works when form-urlencoded
/// inside the Basic header (RFC 6749 §2.3.1).
pub const BASIC2_CLIENT: (&str, &str) = ("tokctl-basic2", "b@sic:secret/+=");
/// A `client_secret_post` client; the secret needs form-urlencoding too.
pub const POST_CLIENT: (&str, &str) = ("tokctl-post", "post s3cret+/&=");
/// A `client_secret_basic` client allowed only client_credentials.
pub const SERVICE_CLIENT: (&str, &str) = ("tokctl-service", "service-secret");
/// Any username logs in; this is the scripted browser's default.
pub const USER: &str = "alice";
/// The only password the server accepts, for every user.
pub const PASSWORD: &str = "wonderland";

const READY_TIMEOUT: Duration = Duration::from_secs(20);

/// One running server; dropped, it is killed.
pub struct OidcServer {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    /// `http://127.0.0.1:PORT/realms/test`
    pub issuer: String,
    /// Where `/__stats` is: `base`, or a plain-HTTP listener of its own
    /// when the server speaks HTTPS.
    pub stats_base: String,
    _server: ChildServer,
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc-server")
}

fn setup_hint() -> &'static str {
    "run scripts/test, or `npm ci` in tests/oidc-server (needs Node 20.19+ on PATH)"
}

impl OidcServer {
    /// Starts a server whose access and refresh tokens live the given
    /// numbers of seconds.
    pub fn start(access_ttl: u64, refresh_ttl: u64) -> Self {
        Self::start_with_env::<&str, &str>(access_ttl, refresh_ttl, &[])
    }

    /// Like [`OidcServer::start`], with extra environment for the server
    /// (e.g. `OIDC_ACCESS_TOKEN_FORMAT=jwt`).
    pub fn start_with_env<K: AsRef<std::ffi::OsStr>, V: AsRef<std::ffi::OsStr>>(
        access_ttl: u64,
        refresh_ttl: u64,
        env: &[(K, V)],
    ) -> Self {
        let dir = fixture_dir();
        assert!(
            dir.join("node_modules/oidc-provider").is_dir(),
            "the OIDC test server's dependencies are not installed in {}: {}",
            dir.display(),
            setup_hint()
        );
        let mut cmd = Command::new("node");
        cmd.arg("server.mjs")
            .current_dir(&dir)
            .env("OIDC_ACCESS_TTL", access_ttl.to_string())
            .env("OIDC_REFRESH_TTL", refresh_ttl.to_string())
            .env_remove("OIDC_IGNORE_STDIN")
            .envs(env.iter().map(|(k, v)| (k, v)));
        let server = ChildServer::start(cmd, "the OIDC test server", setup_hint(), READY_TIMEOUT);
        OidcServer {
            base: server.ready_field("base"),
            issuer: server.ready_field("issuer"),
            stats_base: server.ready_field("stats"),
            _server: server,
        }
    }

    /// Requests seen per endpoint, and per `grant_type` at the token
    /// endpoint: how tests prove that tokctl did (or skipped) a network call.
    pub fn stats(&self) -> Value {
        let body = self.raw_request("GET", "/__stats");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad /__stats body {body:?}: {e}"))
    }

    /// How many token requests with this `grant_type` the server has seen.
    pub fn token_requests(&self, grant_type: &str) -> u64 {
        self.stats()["token"][grant_type].as_u64().unwrap_or(0)
    }

    /// Zeroes the counters.
    pub fn reset(&self) {
        self.raw_request("POST", "/__reset");
    }

    /// The scripted browser to put in `$BROWSER`: it logs in as
    /// `$OIDC_BROWSER_USER` (default alice), consents (or denies with
    /// `OIDC_BROWSER_DENY=1`) and delivers the redirect to tokctl's
    /// loopback listener, detaching itself so tokctl need not wait for it.
    pub fn browser_path() -> PathBuf {
        fixture_dir().join("browser")
    }

    /// `tokctl login -p PROFILE --provider KIND --issuer … EXTRA` with the
    /// scripted browser as `$BROWSER`: a browser sign-in as alice.
    pub fn browser_login(
        &self,
        env: &TestEnv,
        kind: &str,
        profile: &str,
        extra: &[&str],
    ) -> assert_cmd::Command {
        let mut cmd = env.tokctl();
        cmd.args(["login", "-p", profile, "--provider", kind])
            .args(["--issuer", &self.issuer])
            .args(extra)
            .env("BROWSER", Self::browser_path());
        cmd
    }

    /// Approves a device authorization as alice, as a user at another
    /// device would; the output's status tells whether it went through.
    pub fn approve_device(&self, verification_uri_complete: &str) -> Output {
        self.approve_device_with(verification_uri_complete, &[])
    }

    /// Like [`OidcServer::approve_device`], with `OIDC_BROWSER_*` settings
    /// (`OIDC_BROWSER_DENY=1` aborts instead of approving).
    pub fn approve_device_with(
        &self,
        verification_uri_complete: &str,
        env: &[(&str, &str)],
    ) -> Output {
        Command::new("node")
            .arg(fixture_dir().join("approve-device.mjs"))
            .arg(verification_uri_complete)
            .envs(env.iter().copied())
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("cannot run approve-device.mjs ({e}): {}", setup_hint()))
    }

    pub fn discovery_url(&self) -> String {
        format!("{}/.well-known/openid-configuration", self.issuer)
    }

    fn endpoint(&self, path: &str) -> String {
        format!("{}/protocol/openid-connect/{path}", self.issuer)
    }

    pub fn auth_url(&self) -> String {
        self.endpoint("auth")
    }

    pub fn token_url(&self) -> String {
        self.endpoint("token")
    }

    pub fn device_url(&self) -> String {
        self.endpoint("auth/device")
    }

    pub fn revoke_url(&self) -> String {
        self.endpoint("revoke")
    }

    pub fn userinfo_url(&self) -> String {
        self.endpoint("userinfo")
    }

    pub fn introspect_url(&self) -> String {
        self.endpoint("token/introspect")
    }

    pub fn certs_url(&self) -> String {
        self.endpoint("certs")
    }

    pub fn logout_url(&self) -> String {
        self.endpoint("logout")
    }

    /// RFC 7662 introspection of `token`, as the confidential client
    /// `(id, secret)` (Basic auth), on a plain-HTTP server.
    pub fn introspect(&self, token: &str, client: (&str, &str)) -> Value {
        use base64::Engine;
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let basic = base64::engine::general_purpose::STANDARD.encode(format!(
            "{}:{}",
            enc(client.0),
            enc(client.1)
        ));
        let url = self.introspect_url();
        let path = url.strip_prefix(&self.base).expect("a plain-HTTP server");
        let (status, body) = http_send(
            &self.base,
            "POST",
            path,
            &[
                ("Authorization", &format!("Basic {basic}")),
                ("Content-Type", "application/x-www-form-urlencoded"),
            ],
            &format!("token={}", enc(token)),
        );
        assert_eq!(status, 200, "introspection answered {status}: {body}");
        serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad introspection {body:?}: {e}"))
    }

    /// The body of a 200 answer to `method path`; panics on anything else.
    fn raw_request(&self, method: &str, path: &str) -> String {
        let (status, body) = http_request(&self.stats_base, method, path);
        assert_eq!(status, 200, "{method} {path} answered {status}: {body}");
        body
    }
}
