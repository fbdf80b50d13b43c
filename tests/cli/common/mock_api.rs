//! The project's mock server (`examples/mock_server`) as a child process: the four
//! bespoke APIs with real token state (expiry, rotation, revocation), and controls
//! for token lifetimes and outages. httpmock is for scripting one exchange; this is
//! for tests that want a server that behaves, over time, like the real one.

use super::TestEnv;
use super::child::{ChildServer, http_json, http_request, http_request_with};
use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, ExitStatus};
use std::sync::OnceLock;
use std::time::Duration;

/// The demo accounts the mock server knows: `(provider kind, username, secret)`.
pub const MOCK_ACCOUNTS: [(&str, &str, &str); 4] = [
    ("realmassive", "demo@example.com", "demo-password"),
    ("collectiveaccess", "demo", "demo-password"),
    ("makeshift", "demo-key", "demo-secret"),
    ("vivacity", "demo", "demo-password"),
];

/// One running mock server; dropped, it is killed.
pub struct MockApi {
    /// `http://127.0.0.1:PORT`, the `--base-url` of every API.
    pub url: String,
    server: ChildServer,
}

/// The example binary, built once per test run when `cargo test` has not built it
/// (`cargo test --test cli` builds no examples).
fn mock_server_exe() -> &'static PathBuf {
    static EXE: OnceLock<PathBuf> = OnceLock::new();
    EXE.get_or_init(|| {
        let bin = PathBuf::from(env!("CARGO_BIN_EXE_tokctl"));
        let exe = bin.with_file_name("examples").join("mock_server");
        if !exe.exists() {
            let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
            let status = Command::new(cargo)
                .args(["build", "--quiet", "--example", "mock_server"])
                .current_dir(env!("CARGO_MANIFEST_DIR"))
                .status()
                .expect("run cargo to build the mock server");
            assert!(status.success(), "cargo build --example mock_server failed");
        }
        exe
    })
}

impl MockApi {
    /// Starts the mock with its defaults (access tokens live an hour).
    pub fn start() -> MockApi {
        MockApi::start_with(&[])
    }

    /// Starts the mock with command-line flags, e.g. `["--access-ttl", "2"]`.
    pub fn start_with(args: &[&str]) -> MockApi {
        let mut cmd = Command::new(mock_server_exe());
        cmd.args(["--port", "0", "--threads", "4"]).args(args);
        let server = ChildServer::start(
            cmd,
            "the mock server",
            "see examples/mock_server/main.rs",
            Duration::from_secs(10),
        );
        MockApi {
            url: server.ready_field("url"),
            server,
        }
    }

    /// `tokctl login` of a new profile named after the API `kind` (see
    /// [`MOCK_ACCOUNTS`]) as `user`, with `password` on stdin.
    pub fn login_cmd(
        &self,
        env: &TestEnv,
        kind: &str,
        user: &str,
        password: &str,
    ) -> assert_cmd::Command {
        let mut cmd = env.tokctl();
        cmd.args(["login", "-p", kind, "--provider", kind])
            .args([
                "--base-url",
                &self.url,
                "--username",
                user,
                "--password-stdin",
            ])
            .write_stdin(format!("{password}\n"));
        cmd
    }

    /// `method path` (a query string may be part of `path`): the status and the body.
    pub fn request(&self, method: &str, path: &str) -> (u16, String) {
        http_request(&self.url, method, path)
    }

    /// `GET path` with `Authorization: Bearer <token>`: the status and the body.
    pub fn get_with_token(&self, path: &str, token: &str) -> (u16, String) {
        let authorization = format!("Bearer {token}");
        http_request_with(&self.url, "GET", path, &[("Authorization", &authorization)])
    }

    /// Logins, refreshes and API requests served so far (`GET /__stats`).
    pub fn stats(&self) -> Value {
        http_json(&self.url, "GET", "/__stats")
    }

    /// Tokens issued from now on live `access` / `refresh` seconds.
    pub fn set_ttl(&self, access: u64, refresh: u64) {
        http_json(
            &self.url,
            "POST",
            &format!("/__ttl?access={access}&refresh={refresh}"),
        );
    }

    /// The next `count` API requests (every one when `None`, until [`MockApi::end_outage`])
    /// are answered with `status` and `{"error":"outage"}`.
    pub fn outage(&self, status: u16, count: Option<u64>) {
        let count = count.map_or(String::new(), |n| format!("&count={n}"));
        http_json(
            &self.url,
            "POST",
            &format!("/__outage?status={status}{count}"),
        );
    }

    /// Ends an outage.
    pub fn end_outage(&self) {
        http_json(&self.url, "DELETE", "/__outage");
    }

    /// Whether the mock takes `token` right now at its protected endpoint:
    /// the check the git and Kubernetes test servers make.
    pub fn accepts(&self, token: &str) -> bool {
        self.get_with_token("/api/things", token).0 == 200
    }

    /// How many refresh requests the mock has answered.
    pub fn refreshes(&self) -> u64 {
        self.stats()["refresh"].as_u64().unwrap_or(0)
    }

    /// Closes the server's stdin, as the demo's parent does on exit, and waits for it
    /// to stop; `None` when it is still running after `timeout`.
    pub fn stop(mut self, timeout: Duration) -> Option<ExitStatus> {
        self.server.close_stdin_and_wait(timeout)
    }
}
