//! The shared test environment: an isolated temp dir for config, data and
//! HOME, the real binary, one family of assertions on its runs, and the
//! servers and fixtures the tests play against:
//!
//! * [`TestEnv`]: one isolated tokctl installation and its assertions.
//! * `provider` / `fixtures` / `contract`: a fixture per bespoke provider and
//!   the scenarios every provider must pass (`provider_contract!`).
//! * `mock_api`: the project's mock server as a child process; `oidc`: a
//!   real OpenID Connect server; `child`: what both share.
//! * `interactive`: a tokctl process driven while it runs (auth-code and
//!   device flows); `git_server` and `kube_server` for the programs that
//!   call tokctl themselves (git, kubectl); `definitions` for provider
//!   definition files.

#![allow(dead_code)] // each test module uses a different subset

pub mod child;
pub mod contract;
pub mod definitions;
pub mod fixtures;
pub mod git_server;
pub mod interactive;
pub mod kube_server;
pub mod mock_api;
pub mod oidc;
pub mod pki;
pub mod provider;

pub use fixtures::realmassive::{
    RM_EMAIL, RM_PASSWORD, RM_USER_ID, RealMassive, jsonapi_error, mock_rm_login, mock_rm_refresh,
    rm_initial_refresh, rm_login_body, rm_refresh_body,
};
pub use provider::ProviderFixture;

use assert_cmd::Command;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::Output;
use tempfile::TempDir;

/// `login -p rm --provider realmassive`: the start of the login that
/// creates the RealMassive profile `rm` most command tests use.
pub const NEW_RM_PROFILE: [&str; 5] = ["login", "-p", "rm", "--provider", "realmassive"];

/// `exec -p rm -- sh -c SCRIPT`: a shell snippet run under tokctl for the
/// profile `rm`.
pub fn exec_rm_sh(script: &str) -> [&str; 7] {
    ["exec", "-p", "rm", "--", "sh", "-c", script]
}

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

    // ----------------------------------------------------------- where --

    pub fn config_path(&self) -> PathBuf {
        self.dir.path().join("config").join("config.toml")
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn secrets_path(&self) -> PathBuf {
        self.data_dir().join("secrets.json")
    }

    pub fn cache_path(&self, profile: &str) -> PathBuf {
        self.data_dir()
            .join("cache")
            .join(format!("{profile}.json"))
    }

    // ------------------------------------------------------- the binary --

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

    // ------------------------------------------------------- assertions --
    //
    // One family: `assert_ok` and `assert_failed_status` judge an `Output`;
    // `assert_failed` adds the `tokctl: error:` line; `assert_no_secret`
    // checks both streams. The `ok`/`fails`/`run_*` helpers run a command and
    // apply them.

    /// Remembers a secret that must never show up in any output.
    pub fn plant(&mut self, secret: &str) -> String {
        self.secrets.push(secret.to_string());
        secret.to_string()
    }

    /// Panics if stdout or stderr contains any planted secret.
    pub fn assert_no_secret(&self, out: &Output) {
        let all = format!("{}{}", stdout(out), stderr(out));
        for s in &self.secrets {
            assert!(
                !all.contains(s.as_str()),
                "secret {s:?} leaked in output:\n{all}"
            );
        }
    }

    /// Asserts a successful run with no planted secret on stderr (stdout may
    /// carry the token the command was asked for); returns stdout.
    pub fn assert_ok(&self, out: &Output) -> String {
        let err = stderr(out);
        assert!(
            out.status.success(),
            "expected success, got {:?}\nstdout: {}\nstderr: {err}",
            out.status,
            stdout(out),
        );
        for s in &self.secrets {
            assert!(
                !err.contains(s.as_str()),
                "secret {s:?} leaked on stderr:\n{err}"
            );
        }
        String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
    }

    /// A successful run with no planted secret anywhere and each of
    /// `needles` on stderr; returns stdout.
    pub fn assert_ok_with(&self, out: &Output, needles: &[&str]) -> String {
        let text = self.assert_ok(out);
        self.assert_no_secret(out);
        for needle in needles {
            assert_contains(&stderr(out), needle);
        }
        text
    }

    /// Asserts a failed run: exit `code`, nothing on stdout, no planted secret
    /// anywhere. Returns stderr. Usage errors from the argument parser pass
    /// this; use [`TestEnv::assert_failed`] for tokctl's own errors.
    pub fn assert_failed_status(&self, out: &Output, code: i32) -> String {
        assert_eq!(
            out.status.code(),
            Some(code),
            "wrong exit status\nstdout: {}\nstderr: {}",
            stdout(out),
            stderr(out)
        );
        assert_eq!(stdout(out), "", "stdout must stay empty on errors");
        self.assert_no_secret(out);
        stderr(out)
    }

    /// [`TestEnv::assert_failed_status`] plus a `tokctl: error:` line, as
    /// README.md ("Exit codes") promises for every error of tokctl's own.
    pub fn assert_failed(&self, out: &Output, code: i32) -> String {
        let err = self.assert_failed_status(out, code);
        assert!(err.contains("tokctl: error: "), "{err}");
        err
    }

    /// [`TestEnv::assert_failed_status`] with each of `needles` in stderr;
    /// returns stderr.
    pub fn assert_failed_with(&self, out: &Output, code: i32, needles: &[&str]) -> String {
        let err = self.assert_failed_status(out, code);
        for needle in needles {
            assert_contains(&err, needle);
        }
        err
    }

    /// Runs `cmd`; asserts success and that no planted secret was printed.
    pub fn ok(&self, cmd: &mut Command) -> Output {
        let out = cmd.output().unwrap();
        self.assert_ok(&out);
        self.assert_no_secret(&out);
        out
    }

    /// Runs a command whose job is to print a token (`print-header`,
    /// `exec`, `info --show-tokens`): asserts success and that stderr holds
    /// no planted secret; stdout is the caller's to check.
    pub fn ok_revealing(&self, cmd: &mut Command) -> Output {
        let out = cmd.output().unwrap();
        self.assert_ok(&out);
        out
    }

    /// Runs `cmd`; asserts exit `code`, an empty stdout, and that no planted
    /// secret was printed.
    pub fn fails(&self, cmd: &mut Command, code: i32) -> Output {
        let out = cmd.output().unwrap();
        self.assert_failed_status(&out, code);
        out
    }

    /// `tokctl ARGS`, expected to succeed.
    pub fn run_ok(&self, args: &[&str]) -> Output {
        self.ok(self.tokctl().args(args))
    }

    /// `tokctl ARGS` that prints a token, see [`TestEnv::ok_revealing`].
    pub fn run_revealing(&self, args: &[&str]) -> Output {
        self.ok_revealing(self.tokctl().args(args))
    }

    /// `tokctl ARGS`, expected to fail with `code` (see
    /// [`TestEnv::assert_failed`]) and to leave the secret store byte for
    /// byte as it was; returns stderr.
    pub fn run_fails_keeping_secrets(&self, args: &[&str], code: i32) -> String {
        let before = self.secrets_bytes();
        let err = self.assert_failed(&self.tokctl().args(args).output().unwrap(), code);
        assert_eq!(self.secrets_bytes(), before, "the stored secrets changed");
        err
    }

    /// `tokctl ARGS`, expected to fail with `code`.
    pub fn run_fails(&self, args: &[&str], code: i32) -> Output {
        self.fails(self.tokctl().args(args), code)
    }

    /// `tokctl print-header -p PROFILE`, run without judging it.
    pub fn print_header(&self, profile: &str) -> Output {
        self.tokctl()
            .args(["print-header", "-p", profile])
            .output()
            .unwrap()
    }

    /// `tokctl print-header -p PROFILE` succeeds and prints the header for
    /// `access`.
    pub fn assert_prints_header(&self, profile: &str, access: &str) {
        let out = self.print_header(profile);
        assert_eq!(
            self.assert_ok(&out),
            format!("Authorization: Bearer {access}\n")
        );
    }

    /// Checks every `print-header` format of `profile` against `access` (the
    /// scheme always spelt `Bearer`); returns the JSON form for further checks.
    pub fn assert_header_formats(&self, profile: &str, access: &str) -> Value {
        let run = |format: &str| {
            stdout(&self.run_revealing(&["print-header", "-p", profile, "--format", format]))
        };
        assert_eq!(run("header"), format!("Authorization: Bearer {access}\n"));
        assert_eq!(run("token"), format!("{access}\n"));
        assert_eq!(
            run("curl"),
            format!("header = \"Authorization: Bearer {access}\"\n")
        );
        let json = run("json");
        assert_eq!(json.lines().count(), 1, "one line: {json}");
        let v: Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v["access_token"], access);
        assert_eq!(v["token_type"], "Bearer");
        assert_eq!(v["header"], format!("Authorization: Bearer {access}"));
        v
    }

    // ------------------------------------------------ what is on disk --

    pub fn secrets_json(&self) -> Value {
        let text = std::fs::read_to_string(self.secrets_path()).expect("secrets.json");
        serde_json::from_str(&text).expect("secrets.json is JSON")
    }

    /// The raw bytes of secrets.json, to prove a failure left it alone.
    pub fn secrets_bytes(&self) -> Option<Vec<u8>> {
        read(&self.secrets_path())
    }

    pub fn cache_json(&self, profile: &str) -> Value {
        let text = std::fs::read_to_string(self.cache_path(profile)).expect("cache file");
        serde_json::from_str(&text).expect("cache is JSON")
    }

    /// Rewrites a profile's cache so that its access token looks expired.
    pub fn expire_cache(&self, profile: &str) {
        let mut v = self.cache_json(profile);
        v["access"]["expires_at"] = json!(1);
        v["expires_at"] = json!(1);
        std::fs::write(self.cache_path(profile), v.to_string()).unwrap();
    }

    pub fn config_text(&self) -> String {
        std::fs::read_to_string(self.config_path()).unwrap_or_default()
    }

    pub fn write_config(&self, text: &str) {
        std::fs::create_dir_all(self.config_path().parent().unwrap()).unwrap();
        std::fs::write(self.config_path(), text).unwrap();
    }

    /// Removes the server origin recorded with a profile's secrets, as in
    /// a store written before tokctl recorded it (such secrets follow the
    /// profile's URL: tests of what happens then use this).
    pub fn forget_origin(&self, profile: &str) {
        let mut v = self.secrets_json();
        v["profiles"][profile]
            .as_object_mut()
            .expect("profile in secrets.json")
            .remove("origin");
        std::fs::write(self.secrets_path(), v.to_string()).unwrap();
    }

    /// Repoints a profile's `base_url` in the profile file.
    pub fn set_base_url(&self, from: &str, to: &str) {
        let text = self.config_text();
        assert!(text.contains(from), "{from} not in config:\n{text}");
        self.write_config(&text.replace(from, to));
    }

    /// Replaces a profile's refresh token in `secrets.json` the way another
    /// tokctl process would: under `secrets.lock`, by an atomic rename, so
    /// that a concurrent tokctl never reads a half-written file or loses a
    /// write.
    pub fn store_refresh_token_elsewhere(&self, profile: &str, rt: &str) {
        let dir = self.data_dir();
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("secrets.lock"))
            .unwrap();
        lock.lock().unwrap();
        let mut secrets = self.secrets_json();
        secrets["profiles"][profile]["refresh_token"] = json!(rt);
        let tmp = dir.join(".secrets.json.test.tmp");
        std::fs::write(&tmp, secrets.to_string()).unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&tmp, std::fs::Permissions::from_mode(0o600)).unwrap();
        }
        std::fs::rename(&tmp, dir.join("secrets.json")).unwrap();
        drop(lock);
    }

    // ------------------------------ programs that call tokctl themselves --

    /// `program` with the same isolated environment as [`TestEnv::tokctl`],
    /// so that the tokctl it runs finds this test's profiles.
    pub fn client(&self, program: impl AsRef<std::ffi::OsStr>) -> std::process::Command {
        let model = self.tokctl_std();
        let mut cmd = std::process::Command::new(program);
        for (k, v) in model.get_envs() {
            match v {
                Some(v) => cmd.env(k, v),
                None => cmd.env_remove(k),
            };
        }
        cmd
    }

    /// The tokctl binary under test.
    pub fn tokctl_path(&self) -> PathBuf {
        PathBuf::from(self.tokctl_std().get_program())
    }

    /// Logs profile `name` in to the mock server's RealMassive API.
    pub fn login_mock(&self, mock: &mock_api::MockApi, name: &str) {
        let (_, user, password) = mock_api::MOCK_ACCOUNTS[0];
        self.rm_login(name, &mock.url, (user, password), &[]);
    }

    // ------------------------------------------------ provider definitions --

    /// `providers/` beside the profile file, where tokctl looks by default.
    pub fn providers_dir(&self) -> PathBuf {
        self.config_path().parent().unwrap().join("providers")
    }

    /// Writes `providers/NAME.toml`; returns its path.
    pub fn write_definition(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.providers_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Installs `examples/providers/FILE` as kind `name`.
    pub fn install_example(&self, file: &str, name: &str) -> PathBuf {
        self.write_definition(name, &definitions::example_definition(file))
    }

    // ------------------------------------ a logged-in profile, quickly --

    /// A new installation with profile `rm` logged in to a new RealMassive
    /// mock for an hour: where a test about a command rather than a provider
    /// starts. Returns the installation, the server (keep it alive while
    /// tokctl may call it) and the access token.
    pub fn logged_in_rm() -> (TestEnv, MockServer, String) {
        let mut env = TestEnv::new();
        let srv = MockServer::start();
        let access = env.login_realmassive(&srv, "rm", 3600);
        (env, srv, access)
    }

    /// Logs profile `name` in to a RealMassive mock; returns the access
    /// token. The plain "a logged-in profile" of tests about commands rather
    /// than providers.
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
        RealMassive
            .logged_in(self, srv, name, expires_in, extra)
            .access
    }

    /// `tokctl login` of a RealMassive profile at `base` with the password
    /// on stdin; asserts success.
    pub fn rm_login(
        &self,
        name: &str,
        base: &str,
        (user, password): (&str, &str),
        extra: &[&str],
    ) -> Output {
        let out = self
            .tokctl()
            .args(["login", "-p", name, "--provider", "realmassive"])
            .args(["--base-url", base, "--username", user, "--password-stdin"])
            .args(extra)
            .write_stdin(format!("{password}\n"))
            .output()
            .unwrap();
        self.assert_ok(&out);
        out
    }

    /// Mocks RealMassive's refresh of `profile`'s first refresh token (as
    /// [`TestEnv::login_realmassive`] stored it), answering a new access token
    /// labelled `label` that lives `expires_in` s and no new refresh token.
    /// Returns the token and the mock.
    pub fn rm_refresh_answers<'a>(
        &mut self,
        srv: &'a MockServer,
        profile: &str,
        label: &str,
        expires_in: i64,
    ) -> (String, httpmock::Mock<'a>) {
        let access = self.rm_access(label, expires_in);
        let body = rm_refresh_body(&access, None, expires_in);
        let m = mock_rm_refresh(srv, &rm_initial_refresh(profile), 200, body);
        (access, m)
    }

    /// A new RealMassive-style access token (an unsigned JWT expiring in
    /// `expires_in` seconds), planted. `label` keeps tokens apart.
    pub fn rm_access(&mut self, label: &str, expires_in: i64) -> String {
        self.plant(&RealMassive.access_token(label, expires_in))
    }

    /// A planted RealMassive refresh token.
    pub fn rm_refresh(&mut self, label: &str) -> String {
        self.plant(&RealMassive.refresh_token(label).unwrap())
    }
}

pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Reads a file's bytes, if it exists.
pub fn read(path: &Path) -> Option<Vec<u8>> {
    std::fs::read(path).ok()
}

/// `s` with every character that is not a letter or digit escaped, for
/// building a regular expression around it.
pub fn regex_escape(s: &str) -> String {
    s.chars()
        .flat_map(|c| {
            if c.is_ascii_alphanumeric() {
                vec![c]
            } else {
                vec!['\\', c]
            }
        })
        .collect()
}

/// The value of `key:` in `info`'s text form.
pub fn text_field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines()
        .find_map(|l| l.strip_prefix(&format!("{key}:")))
        .map(str::trim)
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

/// Polls `cond` every 10 ms until it holds; panics naming `what` after
/// `secs` seconds. For waiting on an event instead of sleeping.
pub fn wait_for(what: &str, secs: u64, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !cond() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
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

/// Asserts that `haystack` (usually stderr) contains `needle`.
pub fn assert_contains(haystack: &str, needle: &str) {
    assert!(haystack.contains(needle), "{needle:?} not in:\n{haystack}");
}
