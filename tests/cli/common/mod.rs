//! The shared test environment: an isolated temp dir for config, data and
//! HOME, the real binary, and helpers for the providers' mock servers.

#![allow(dead_code)] // each test module uses a different subset

pub mod child;
pub mod clients;
pub mod git_server;
pub mod kube_server;
pub mod mock_api;
pub mod oidc;

use assert_cmd::Command;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use tempfile::TempDir;

/// One isolated tokctl installation.
pub struct TestEnv {
    pub dir: TempDir,
    /// Secrets planted by the test: none may appear in output.
    pub secrets: Vec<String>,
}

impl TestEnv {
    pub fn new() -> Self {
        TestEnv {
            dir: tempfile::tempdir().expect("temp dir"),
            secrets: Vec::new(),
        }
    }

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config").join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// `tokctl` with the environment pointed into the temp dir, every
    /// inherited `TOKCTL_*` removed, the file store, and no proxies.
    pub fn tokctl(&self) -> Command {
        Command::from_std(self.tokctl_std())
    }

    /// [`TestEnv::tokctl`] as a plain `std::process::Command`, for tests
    /// that spawn several processes and wait for them later.
    pub fn tokctl_std(&self) -> std::process::Command {
        let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin!("tokctl"));
        for (k, _) in std::env::vars_os() {
            if k.to_string_lossy().starts_with("TOKCTL_") {
                cmd.env_remove(k);
            }
        }
        let home = self.dir.path().join("home");
        cmd.env("TOKCTL_CONFIG", self.config_path())
            .env("TOKCTL_DATA_DIR", self.data_dir())
            .env("TOKCTL_STORE", "file")
            .env("TOKCTL_TIMEOUT", "5s")
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", home.join(".config"))
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .env("NO_PROXY", "127.0.0.1,localhost")
            .env_remove("HTTPS_PROXY")
            .env_remove("https_proxy")
            .env_remove("HTTP_PROXY")
            .env_remove("http_proxy")
            .env_remove("ALL_PROXY")
            .env_remove("BROWSER");
        cmd
    }

    /// Remembers a secret that must never show up in any output.
    pub fn plant(&mut self, secret: &str) -> String {
        self.secrets.push(secret.to_string());
        secret.to_string()
    }

    /// Panics if stdout or stderr contains any planted secret.
    pub fn assert_no_secret(&self, out: &std::process::Output) {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for s in &self.secrets {
            assert!(
                !all.contains(s.as_str()),
                "secret {s:?} leaked in output:\n{all}"
            );
        }
    }

    pub fn secrets_json(&self) -> Value {
        let text =
            std::fs::read_to_string(self.data_dir().join("secrets.json")).expect("secrets.json");
        serde_json::from_str(&text).expect("secrets.json is JSON")
    }

    pub fn cache_json(&self, profile: &str) -> Value {
        let text = std::fs::read_to_string(
            self.data_dir()
                .join("cache")
                .join(format!("{profile}.json")),
        )
        .expect("cache file");
        serde_json::from_str(&text).expect("cache is JSON")
    }

    /// Rewrites a profile's cache so that its access token looks expired.
    pub fn expire_cache(&self, profile: &str) {
        let path = self
            .data_dir()
            .join("cache")
            .join(format!("{profile}.json"));
        let mut v = self.cache_json(profile);
        v["access"]["expires_at"] = json!(1);
        v["expires_at"] = json!(1);
        std::fs::write(path, v.to_string()).unwrap();
    }

    pub fn config_text(&self) -> String {
        std::fs::read_to_string(self.config_path()).unwrap_or_default()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_path().parent().unwrap()).unwrap();
        std::fs::write(self.config_path(), text).unwrap();
    }
}

/// Reads a file's bytes, if it exists.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// A JWT-shaped token (unsigned) with the given claims.
pub fn fake_jwt(claims: Value) -> String {
    use base64::Engine;
    let e = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
    format!(
        "{}.{}.c2ln",
        e(&json!({"alg":"HS256","typ":"JWT"})),
        e(&claims)
    )
}

pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// An HTTP `Date` value (IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`) for
/// a Unix time: mocks send it to play a server whose clock is off.
pub fn http_date(t: i64) -> String {
    let rfc = humantime::format_rfc3339_seconds(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(t as u64),
    )
    .to_string(); // 1994-11-06T08:49:37Z
    let (y, m, d, time) = (&rfc[0..4], &rfc[5..7], &rfc[8..10], &rfc[11..19]);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let day = DAYS[(t / 86_400 % 7) as usize];
    let month = MONTHS[m.parse::<usize>().unwrap() - 1];
    format!("{day}, {d} {month} {y} {time} GMT")
}

pub const RM_PASSWORD: &str = "correct horse battery staple";
pub const RM_USER_ID: &str = "1295335289799050885";

/// The body RealMassive's login answers with (docs/providers/realmassive.md, "Login").
pub fn rm_login_body(access: &str, refresh: &str, expires_in: i64) -> Value {
    json!({
        "access_token": access,
        "avatar": null,
        "expires_in": expires_in,
        "plan": null,
        "refresh_token": refresh,
        "token_type": "Bearer",
        "user": {
            "attributes": {
                "created": "2016-05-16T19:39:07.185430",
                "deleted": false,
                "email": "wayspurrchen@realmassive.com",
                "tos_status": "ACCEPTED",
                "updated": "2016-05-16T19:39:15.885950"
            },
            "id": RM_USER_ID,
            "relationships": {"memberships": {"links": {"related": "/users/1295335289799050885/memberships"}}},
            "type": "users"
        }
    })
}

/// Mocks a successful RealMassive login returning `access`/`refresh`.
pub fn mock_rm_login<'a>(
    srv: &'a MockServer,
    access: &str,
    refresh: &str,
    expires_in: i64,
) -> httpmock::Mock<'a> {
    let body = rm_login_body(access, refresh, expires_in);
    srv.mock(|when, then| {
        when.method(POST)
            .path("/accounts/login")
            .header("content-type", "application/json")
            .json_body(json!({"email": "wayspurrchen@realmassive.com", "password": RM_PASSWORD}));
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    })
}

impl TestEnv {
    /// Logs profile `name` in to a RealMassive mock; returns the access token.
    pub fn login_realmassive(&mut self, srv: &MockServer, name: &str, expires_in: i64) -> String {
        self.login_realmassive_with(srv, name, expires_in, &[])
    }

    /// [`TestEnv::login_realmassive`] with extra `login` arguments
    /// (`--save-credentials`, `--api-url URL`, ...). The refresh token is
    /// [`rm_initial_refresh`]`(name)`.
    pub fn login_realmassive_with(
        &mut self,
        srv: &MockServer,
        name: &str,
        expires_in: i64,
        extra: &[&str],
    ) -> String {
        let access = self.plant(&fake_jwt(json!({"iss":"realmassive","sub":"wayspurrchen@realmassive.com","exp": now() + expires_in})));
        let refresh = self.plant(&rm_initial_refresh(name));
        self.plant(RM_PASSWORD);
        let mut m = mock_rm_login(srv, &access, &refresh, expires_in);
        let out = self.rm_login(
            name,
            &srv.base_url(),
            ("wayspurrchen@realmassive.com", RM_PASSWORD),
            extra,
        );
        self.assert_no_secret(&out);
        m.assert();
        m.delete();
        access
    }
}

impl TestEnv {
    /// `tokctl login` of a RealMassive profile at `base` with the password
    /// on stdin; asserts success.
    pub fn rm_login(
        &self,
        name: &str,
        base: &str,
        (user, password): (&str, &str),
        extra: &[&str],
    ) -> std::process::Output {
        let out = self
            .tokctl()
            .args(["login", "-p", name, "--provider", "realmassive"])
            .args(["--base-url", base, "--username", user, "--password-stdin"])
            .args(extra)
            .write_stdin(format!("{password}\n"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "login failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }
}

/// The refresh token [`TestEnv::login_realmassive`] stores for `profile`.
pub fn rm_initial_refresh(profile: &str) -> String {
    format!("rm-refresh-{profile}-initial")
}

/// A RealMassive refresh answer ("similar to the login payload"); `refresh`
/// `None` leaves `refresh_token` out, as the server may.
pub fn rm_refresh_body(access: &str, refresh: Option<&str>, expires_in: i64) -> Value {
    let mut v = rm_login_body(access, refresh.unwrap_or(""), expires_in);
    if refresh.is_none() {
        v.as_object_mut().unwrap().remove("refresh_token");
    }
    v
}

/// A JSON:API error body, the shape RealMassive uses.
pub fn jsonapi_error(status: u16, title: &str, detail: &str) -> Value {
    json!({"errors": [{"status": status.to_string(), "title": title, "detail": detail}]})
}

/// Mocks `POST /accounts/refresh` for the refresh token `old`, answering
/// `status` with the JSON `body`.
pub fn mock_rm_refresh<'a>(
    srv: &'a MockServer,
    old: &str,
    status: u16,
    body: Value,
) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST)
            .path("/accounts/refresh")
            .header("content-type", "application/json")
            .json_body(json!({ "refresh_token": old }));
        then.status(status)
            .header("content-type", "application/json")
            .json_body(body);
    })
}

/// A catch-all mock: any request the other mocks did not take lands here,
/// so `assert_calls(0)` proves nothing else was asked.
pub fn mock_anything_else(srv: &MockServer) -> httpmock::Mock<'_> {
    srv.mock(|when, then| {
        when.any_request();
        then.status(599).body("unexpected request");
    })
}

/// A loopback URL on which nothing listens.
pub fn closed_port_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

impl TestEnv {
    /// A new RealMassive-style access token (an unsigned JWT expiring in
    /// `expires_in` seconds), planted. `label` keeps tokens apart.
    pub fn rm_access(&mut self, label: &str, expires_in: i64) -> String {
        self.plant(&fake_jwt(json!({
            "iss": "realmassive",
            "sub": "wayspurrchen@realmassive.com",
            "jti": label,
            "exp": now() + expires_in,
        })))
    }

    /// A planted refresh token.
    pub fn rm_refresh(&mut self, label: &str) -> String {
        self.plant(&format!("rm-refresh-{label}"))
    }

    /// Runs `cmd`; asserts success and that no planted secret was printed.
    pub fn ok(&self, cmd: &mut Command) -> std::process::Output {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "expected success, got {:?}\nstdout: {}\nstderr: {}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
        self.assert_no_secret(&out);
        out
    }

    /// Runs a command whose job is to print a token (`print-header`,
    /// `exec`, `info --show-tokens`): asserts success and that stderr holds
    /// no planted secret; stdout is the caller's to check.
    pub fn ok_revealing(&self, cmd: &mut Command) -> std::process::Output {
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "expected success, got {:?}\nstdout: {}\nstderr: {}",
            out.status,
            stdout(&out),
            stderr(&out)
        );
        let err = stderr(&out);
        for s in &self.secrets {
            assert!(!err.contains(s.as_str()), "secret {s:?} in stderr:\n{err}");
        }
        out
    }

    /// `tokctl ARGS` that prints a token, see [`TestEnv::ok_revealing`].
    pub fn run_revealing(&self, args: &[&str]) -> std::process::Output {
        self.ok_revealing(self.tokctl().args(args))
    }

    /// Runs `cmd`; asserts exit `code`, an empty stdout, and that no planted
    /// secret was printed.
    pub fn fails(&self, cmd: &mut Command, code: i32) -> std::process::Output {
        let out = cmd.output().unwrap();
        assert_eq!(
            out.status.code(),
            Some(code),
            "wrong exit status\nstdout: {}\nstderr: {}",
            stdout(&out),
            stderr(&out)
        );
        assert_eq!(stdout(&out), "", "stdout must stay empty on errors");
        self.assert_no_secret(&out);
        out
    }

    /// `tokctl ARGS`, expected to succeed.
    pub fn run_ok(&self, args: &[&str]) -> std::process::Output {
        self.ok(self.tokctl().args(args))
    }

    /// `tokctl ARGS`, expected to fail with `code`.
    pub fn run_fails(&self, args: &[&str], code: i32) -> std::process::Output {
        self.fails(self.tokctl().args(args), code)
    }

    pub fn secrets_path(&self) -> PathBuf {
        self.data_dir().join("secrets.json")
    }

    pub fn cache_path(&self, profile: &str) -> PathBuf {
        self.data_dir()
            .join("cache")
            .join(format!("{profile}.json"))
    }

    /// Repoints a profile's `base_url` in the profile file.
    pub fn set_base_url(&self, from: &str, to: &str) {
        let text = self.config_text();
        assert!(text.contains(from), "{from} not in config:\n{text}");
        self.write_config(&text.replace(from, to));
    }
}

pub fn stdout(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Unix permission bits of a path.
#[cfg(unix)]
pub fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

/// Every regular file under `dir`, recursively.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                todo.push(e.path());
            } else if ft.is_file() {
                out.push(e.path());
            }
        }
    }
    out
}

/// Parses the `YYYY-MM-DDTHH:MM:SSZ` form tokctl prints into Unix seconds;
/// panics on anything else, so it doubles as a format check.
pub fn parse_rfc3339(s: &str) -> i64 {
    let b = s.as_bytes();
    let ok = b.len() == 20
        && b[4] == b'-'
        && b[7] == b'-'
        && b[10] == b'T'
        && b[13] == b':'
        && b[16] == b':'
        && b[19] == b'Z';
    assert!(ok, "not RFC 3339 UTC seconds: {s:?}");
    let n = |r: std::ops::Range<usize>| -> i64 {
        s[r].parse()
            .unwrap_or_else(|_| panic!("not RFC 3339: {s:?}"))
    };
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    // Howard Hinnant's days_from_civil.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19)
}
impl TestEnv {
    /// Asserts a failed run as README.md ("Exit codes") promises it: exit
    /// `code`, nothing on stdout, a `tokctl: error:` line, and no planted
    /// secret anywhere.
    /// Returns stderr for the test's own checks.
    pub fn assert_failed(&self, out: &std::process::Output, code: i32) -> String {
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "stderr:\n{stderr}");
        assert!(
            out.stdout.is_empty(),
            "stdout must stay empty on failure: {}",
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(stderr.contains("tokctl: error: "), "{stderr}");
        self.assert_no_secret(out);
        stderr
    }

    /// Asserts a successful run with no planted secret on stderr (stdout may
    /// carry the token the command was asked for); returns stdout.
    pub fn assert_ok(&self, out: &std::process::Output) -> String {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "exit {:?}, stderr:\n{stderr}",
            out.status.code()
        );
        for s in &self.secrets {
            assert!(
                !stderr.contains(s.as_str()),
                "secret {s:?} leaked on stderr:\n{stderr}"
            );
        }
        String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
    }

    /// The raw bytes of secrets.json, to prove a failure left it alone.
    pub fn secrets_bytes(&self) -> Option<Vec<u8>> {
        read(&self.data_dir().join("secrets.json"))
    }
}

impl TestEnv {
    /// Checks every `print-header` format of `profile` against `access` (the
    /// scheme always spelt `Bearer`); returns the JSON form for further checks.
    pub fn assert_header_formats(&self, profile: &str, access: &str) -> Value {
        let run = |format: &str| {
            let out = self
                .tokctl()
                .args(["print-header", "-p", profile, "--format", format])
                .output()
                .unwrap();
            self.assert_ok(&out)
        };
        assert_eq!(run("header"), format!("Authorization: Bearer {access}\n"));
        assert_eq!(run("token"), format!("{access}\n"));
        assert_eq!(
            run("curl"),
            format!("header = \"Authorization: Bearer {access}\"\n")
        );
        let v: Value = serde_json::from_str(&run("json")).unwrap();
        assert_eq!(v["access_token"], access);
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["header"], format!("Authorization: Bearer {access}"));
        v
    }
}

/// A POST to `path` whose JSON body is exactly `request`, answered with
/// `status` and the JSON `answer`: the shape of every bespoke API exchange.
pub fn mock_json_exchange<'a>(
    srv: &'a MockServer,
    path: &str,
    request: Value,
    status: u16,
    answer: Value,
) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST)
            .path(path)
            .header("content-type", "application/json")
            .json_body(request);
        then.status(status)
            .header("content-type", "application/json")
            .json_body(answer);
    })
}

/// Any POST to `path`, answered with `status`, `content_type` and `body`
/// as they are: for error pages and bodies that are not what the API says.
pub fn mock_post_answer<'a>(
    srv: &'a MockServer,
    path: &str,
    status: u16,
    content_type: &str,
    body: &str,
) -> httpmock::Mock<'a> {
    srv.mock(|when, then| {
        when.method(POST).path(path);
        then.status(status)
            .header("content-type", content_type)
            .body(body);
    })
}
