//! Hostile neighbours, hostile servers, absurd input (docs/security.md).
//!
//! The suite runs as root, so "another user" is played in one of two ways,
//! named in each test: by creating the hostile state directly (a symlink, or
//! a file or directory `chown`ed to an unused uid), or by running a command
//! as an unused uid with `setpriv --reuid/--regid`.
#![cfg(unix)]

use crate::common::*;
use httpmock::prelude::*;
use serde_json::{Value, json};
use std::os::unix::fs::{PermissionsExt, symlink};
use std::path::Path;

/// A uid and gid no account uses: the "other user".
const STRANGER: u32 = 54_321;

fn chown_to_stranger(path: &Path) {
    std::os::unix::fs::lchown(path, Some(STRANGER), Some(STRANGER)).unwrap();
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A logged-in RealMassive profile `rm` whose next renewal is answered with
/// `next` (the cache holds a fresh token until the test expires it).
fn logged_in_with_refresh(env: &mut TestEnv, srv: &MockServer) -> String {
    env.login_realmassive(srv, "rm", 3600);
    let next = env.rm_access("renewed", 3600);
    mock_rm_refresh(
        srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&next, None, 3600),
    );
    next
}

/// The attacker's copy of `rm`'s cache record, holding their token, written
/// 0600 at `path`, for the test to plant.
fn forged_cache_record(env: &TestEnv, path: &Path) {
    let mut rec = env.cache_json("rm");
    rec["access"]["token"] = json!("attacker-token");
    std::fs::write(path, rec.to_string()).unwrap();
    chmod(path, 0o600);
}

/// Another user's substitute cache file, made by writing a copy of the real
/// record with the attacker's token and handing it to them (`chown`): the
/// profile-file stamp in it is right, so only ownership tells it apart.
#[test]
fn a_cache_file_of_another_user_is_not_believed() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let next = logged_in_with_refresh(&mut env, &srv);
    let fake = env.data_dir().join("cache").join("fake");
    forged_cache_record(&env, &fake);
    chown_to_stranger(&fake);
    std::fs::rename(&fake, env.cache_path("rm")).unwrap();
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{next}\n"));
}

/// A symlink planted at the cache file's name, to a file the attacker
/// controls.
#[test]
fn a_symlinked_cache_file_is_not_followed() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let next = logged_in_with_refresh(&mut env, &srv);
    let theirs = env.dir.path().join("theirs.json");
    forged_cache_record(&env, &theirs);
    std::fs::remove_file(env.cache_path("rm")).unwrap();
    symlink(&theirs, env.cache_path("rm")).unwrap();
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{next}\n"));
    assert!(
        std::fs::read_to_string(&theirs)
            .unwrap()
            .contains("attacker-token"),
        "the renewal replaced the link, not the file it pointed to"
    );
}

/// A data directory owned by another user (made with `chown`): nothing is
/// written into it, and the password is not sent.
#[test]
fn a_data_directory_of_another_user_is_refused() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    chmod(&env.data_dir(), 0o700);
    chown_to_stranger(&env.data_dir());
    let login = mock_rm_login(&srv, "a", "r", 3600);
    let out = env.fails(
        env.tokctl()
            .args(NEW_RM_PROFILE)
            .args(["--base-url", &srv.base_url()])
            .args([
                "--username",
                "wayspurrchen@realmassive.com",
                "--password-stdin",
            ])
            .write_stdin(format!("{RM_PASSWORD}\n")),
        5,
    );
    let err = stderr(&out);
    assert!(err.contains("belongs to uid 54321"), "{err}");
    assert!(err.contains("hint:"), "{err}");
    login.assert_calls(0);
    assert!(files_under(&env.data_dir()).is_empty());
}

/// A data directory that was once made world-writable: something may have
/// been planted in it, so tokctl refuses it (exit 5 with the fix) instead of
/// quietly tightening it.
#[test]
fn a_world_writable_data_directory_is_refused_with_a_hint() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in_with_refresh(&mut env, &srv);
    env.expire_cache("rm");
    chmod(&env.data_dir(), 0o777);
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    let err = stderr(&out);
    assert!(err.contains("writable by everyone"), "{err}");
    assert!(
        err.contains(&format!("chmod 700 {}", env.data_dir().display())),
        "{err}"
    );
    assert_eq!(mode(&env.data_dir()), 0o777, "left for the user to judge");
}

/// Temporary files of a process killed between writing and renaming hold
/// the refresh token; the next save removes them, and so does logout.
#[test]
fn temp_files_of_killed_writers_are_removed() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    let data = env.data_dir();
    let plant = |name: &str| {
        let p = data.join(name);
        std::fs::write(&p, b"{\"refresh_token\":\"left-over\"}").unwrap();
        let hour_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .unwrap()
            .set_modified(hour_ago)
            .unwrap();
        p
    };
    // The name today's tokctl would use, and the one older versions used.
    let old_style = plant(".secrets.json.4242.tmp");
    env.login_realmassive(&srv, "rm", 3600);
    assert!(!old_style.exists(), "removed by the next save");
    let cache_tmp = env
        .data_dir()
        .join("cache")
        .join(".rm.json.0123456789abcdef.tmp");
    std::fs::write(&cache_tmp, b"{}").unwrap();
    let secrets_tmp = plant(".secrets.json.0123456789abcdef.tmp");
    env.run_ok(&["logout", "-p", "rm"]);
    assert!(
        !secrets_tmp.exists() && !cache_tmp.exists(),
        "removed by logout"
    );
}

/// A symlink planted at the profile's lock file (made directly): it is
/// refused, and nothing is created where it points.
#[test]
fn a_symlinked_lock_file_is_not_followed() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in_with_refresh(&mut env, &srv);
    let target = env.dir.path().join("created-by-tokctl");
    let lock = env.data_dir().join("locks").join("rm.lock");
    std::fs::remove_file(&lock).unwrap();
    symlink(&target, &lock).unwrap();
    let out = env.run_fails(&["refresh", "-p", "rm"], 5);
    assert!(stderr(&out).contains("symbolic link"), "{}", stderr(&out));
    assert!(!target.exists(), "the link was followed");
}

/// Profile names from the profile file become file names, so they follow
/// the `-p` rule wherever they come from: `default`, the only profile, and
/// `logout --all`. Nothing outside the data directory is created or deleted.
#[test]
fn profile_names_from_the_file_cannot_leave_the_data_directory() {
    let env = TestEnv::new();
    let outside = env.dir.path().join("outside");
    std::fs::create_dir_all(&outside).unwrap();
    let victim = outside.join("pwn.json");
    std::fs::write(&victim, b"someone else's file").unwrap();
    let evil = "../../outside/pwn";
    let profile = format!("[profiles.\"{evil}\"]\nprovider = \"realmassive\"\n");
    for (config, args) in [
        (format!("default = \"{evil}\"\n{profile}"), &["logout"][..]),
        (profile.clone(), &["logout"][..]),
        (profile.clone(), &["logout", "--all"][..]),
        (profile.clone(), &["print-header"][..]),
    ] {
        env.write_config(&config);
        let out = env.run_fails(args, 5);
        assert!(
            stderr(&out).contains("invalid profile name"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert!(victim.exists(), "{args:?} deleted a foreign file");
        assert_eq!(
            std::fs::read_dir(&outside).unwrap().count(),
            1,
            "{args:?} created a file outside the data directory"
        );
    }
}

/// Under `umask 000` every directory tokctl creates is still 0700 and every
/// file 0600 (the config directory was 0777 before).
#[test]
fn directories_are_private_whatever_the_umask() {
    use std::os::unix::process::CommandExt;
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("a", 3600);
    env.plant(RM_PASSWORD);
    mock_rm_login(&srv, &access, "r", 3600);
    let mut cmd = env.tokctl_std();
    cmd.args(NEW_RM_PROFILE)
        .args(["--base-url", &srv.base_url()])
        .args(["--username", "wayspurrchen@realmassive.com"])
        .env("TOKCTL_PASSWORD", RM_PASSWORD);
    // SAFETY: umask is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            libc::umask(0);
            Ok(())
        });
    }
    let out = env.ok(&mut assert_cmd::Command::from_std(cmd));
    drop(out);
    for d in [
        env.config_path().parent().unwrap().to_path_buf(),
        env.data_dir(),
        env.data_dir().join("cache"),
        env.data_dir().join("locks"),
    ] {
        assert_eq!(mode(&d), 0o700, "{}", d.display());
    }
    for f in [env.config_path(), env.secrets_path(), env.cache_path("rm")] {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}

/// A profile file another user owns (made with `chown`) or may write: it
/// decides where the refresh token is sent, so it is refused (exit 5) and
/// nothing is sent.
#[test]
fn a_profile_file_others_control_is_refused() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let other = mock_anything_else(&srv);
    chmod(&env.config_path(), 0o666);
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert_contains(&stderr(&out), "others may write it");
    chmod(&env.config_path(), 0o600);
    chown_to_stranger(&env.config_path());
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert_contains(&stderr(&out), "belongs to uid 54321");
    other.assert_calls(0);
}

// ------------------------------------------------ hostile servers --

/// A RealMassive login answered with `body` (any request body accepted).
fn rm_login_answering(env: &TestEnv, srv: &MockServer, body: Value) -> std::process::Output {
    let mut m = srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(200)
            .header("content-type", "application/json")
            .json_body(body);
    });
    let out = rm_login(env, srv).output().unwrap();
    m.assert();
    m.delete();
    out
}

/// `tokctl login` of profile `rm` at `srv`, the password from the environment.
fn rm_login(env: &TestEnv, srv: &MockServer) -> assert_cmd::Command {
    let mut cmd = env.tokctl();
    cmd.args(NEW_RM_PROFILE)
        .args(["--base-url", &srv.base_url()])
        .args(["--username", "wayspurrchen@realmassive.com"])
        .env("TOKCTL_PASSWORD", RM_PASSWORD);
    cmd
}

/// A token with CR/LF (header injection), and a refresh token with a quote
/// (curl config injection): refused with exit 4 at login and at renewal,
/// and nothing stored changes.
#[test]
fn tokens_with_unsafe_characters_are_refused_and_nothing_is_stored() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let injected = "abc\r\nHost: attacker.example";
    let out = rm_login_answering(&env, &srv, rm_login_body(injected, "r", 3600));
    env.assert_failed(&out, 4);
    assert!(stderr(&out).contains("access token with characters no token has"));
    assert!(!stderr(&out).contains("attacker.example"));
    assert!(env.secrets_bytes().is_none() && !env.cache_path("rm").exists());

    env.login_realmassive(&srv, "rm", 3600);
    env.expire_cache("rm");
    let (secrets, cache) = (env.secrets_bytes(), read(&env.cache_path("rm")));
    let next = env.rm_access("next", 3600);
    mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&next, Some("rot\"ated"), 3600),
    );
    for format in ["header", "curl"] {
        let out = env.run_fails(&["print-header", "-p", "rm", "--format", format], 4);
        assert_contains(&stderr(&out), "refresh token with characters");
        assert_eq!(env.secrets_bytes(), secrets);
        assert_eq!(read(&env.cache_path("rm")), cache);
    }
}

/// A tiny HTTP server on 127.0.0.1 that answers every request with `head`
/// and then `chunk` forever (until the client hangs up).
fn endless_server(head: &'static str, chunk: &'static [u8]) -> String {
    use std::io::{Read, Write};
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", l.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut s in l.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                let _ = s.read(&mut buf);
                let _ = s.write_all(head.as_bytes());
                while s.write_all(chunk).is_ok() {}
            });
        }
    });
    url
}

/// A 2 MiB token, and an endless chunked answer: both end in exit 4
/// "answer too large" after at most 1 MiB, quickly, with nothing stored.
/// An endless `--password-stdin` is a usage error, not an abort.
#[test]
fn answers_and_stdin_are_bounded() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let out = rm_login_answering(&env, &srv, rm_login_body(&"x".repeat(2 << 20), "r", 3600));
    assert!(env.assert_failed(&out, 4).contains("answer too large"));

    let endless = endless_server(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n",
        concat!(
            "40\r\n",
            "................................................................",
            "\r\n"
        )
        .as_bytes(),
    );
    let started = std::time::Instant::now();
    let out = env
        .tokctl()
        .args(NEW_RM_PROFILE)
        .args(["--base-url", &endless])
        .args(["--username", "u", "--timeout", "60s"])
        .env("TOKCTL_PASSWORD", "pw")
        .output()
        .unwrap();
    assert!(env.assert_failed(&out, 4).contains("answer too large"));
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
    assert!(env.secrets_bytes().is_none());

    let mut cmd = env.tokctl_std();
    cmd.args(NEW_RM_PROFILE)
        .args(["--base-url", &srv.base_url()])
        .args(["--username", "u", "--password-stdin"])
        .stdin(std::fs::File::open("/dev/zero").unwrap());
    let out = cmd.output().unwrap();
    env.assert_failed(&out, 2);
    assert_contains(&stderr(&out), "longer than 64 KiB");
}

/// `http_proxy` and friends pointing at a listener that counts
/// connections: a loopback server is reached directly, never through it.
#[test]
fn loopback_servers_are_never_reached_through_a_proxy() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let proxy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let proxy_url = format!("http://{}", proxy.local_addr().unwrap());
    proxy.set_nonblocking(true).unwrap();
    let access = env.rm_access("a", 3600);
    mock_rm_login(&srv, &access, "r", 3600);
    let mut cmd = rm_login(&env, &srv);
    for var in [
        "http_proxy",
        "HTTP_PROXY",
        "https_proxy",
        "HTTPS_PROXY",
        "ALL_PROXY",
    ] {
        cmd.env(var, &proxy_url);
    }
    cmd.env_remove("NO_PROXY").env_remove("no_proxy");
    env.ok(&mut cmd);
    assert!(proxy.accept().is_err(), "the proxy was asked");
}

/// Numbers no server or user means: lifetimes of 3e11 s and a JWT `exp`
/// of 1e30 are taken as ten years, not as a panic in every later command;
/// a negative lifetime is already expired; durations of 2^64 s are clamped
/// and `--min-valid` that large means "always renew"; `--timeout 0` is a
/// usage error.
#[test]
fn absurd_numbers_are_clamped() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let ten_years = 10 * 365 * 86_400;
    for (label, body) in [
        (
            "big",
            json!({"access_token": "big-lifetime", "expires_in": 3e11, "token_type": "Bearer"}),
        ),
        (
            "jwt",
            json!({"access_token": fake_jwt(json!({"exp": 1e30})), "token_type": "Bearer"}),
        ),
    ] {
        let out = rm_login_answering(&env, &srv, body);
        env.assert_ok(&out);
        for args in [
            &["info", "-p", "rm"][..],
            &["info", "-p", "rm", "--json"],
            &["profiles"],
            &["print-header", "-p", "rm", "--format", "json"],
            &["exec", "-p", "rm", "--", "true"],
        ] {
            env.run_revealing(args);
        }
        let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "json"]);
        let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
        let at = parse_rfc3339(v["expires_at"].as_str().unwrap());
        assert!(at <= now() + ten_years + 5, "{label}: {v}");
    }
    let out = rm_login_answering(
        &env,
        &srv,
        json!({"access_token": "negative", "expires_in": -100, "token_type": "Bearer"}),
    );
    let err = env.assert_ok(&out);
    drop(err);
    assert!(stderr(&out).contains("already expired"), "{}", stderr(&out));

    // A fresh ten-year token, yet --min-valid of 2^64 s renews it.
    let access = env.login_realmassive(&srv, "rm", 3600);
    let next = env.rm_access("next", 3600);
    let m = mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&next, None, 3600),
    );
    let huge = "18446744073709551615s";
    let out = env.run_revealing(&[
        "--timeout",
        huge,
        "print-header",
        "-p",
        "rm",
        "--format",
        "token",
        "--min-valid",
        huge,
    ]);
    m.assert();
    assert_ne!(stdout(&out), format!("{access}\n"));
    let out = env.run_fails(&["--timeout", "0", "print-header", "-p", "rm"], 2);
    assert!(stderr(&out).contains("longer than 0"), "{}", stderr(&out));
}

/// A device-flow server asking for a poll interval of 1e30 s: the wait
/// still ends at its limit (exit 3), instead of overflowing the clock.
#[test]
fn an_absurd_device_poll_interval_is_clamped() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    srv.mock(|when, then| {
        when.method(POST).path("/device");
        then.status(200).json_body(json!({
            "device_code": "dc", "user_code": "UC", "verification_uri": "https://x.example/d",
            "interval": 1e30, "expires_in": 600,
        }));
    });
    let login = |wait: &str| {
        env.tokctl()
            .args(["login", "--provider", "oauth2", "--client-id", "cli"])
            .args(["--flow", "device", "--device-url", &srv.url("/device")])
            .args(["--token-url", &srv.url("/token")])
            .env("TOKCTL_AUTH_WAIT", wait)
            .timeout(std::time::Duration::from_secs(5))
            .output()
            .unwrap()
    };
    let out = login("1s");
    assert!(
        env.assert_failed(&out, 3)
            .contains("not approved within 1s")
    );
    let out = login("18446744073709551615s");
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
}

/// A user name from the server carrying terminal escapes (OSC 52 clipboard
/// write, a title change, CR/LF): no ESC, BEL, CR or LF of it reaches the
/// terminal in the login notice, `profiles` or `info`.
#[test]
fn server_text_cannot_drive_the_terminal() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let mut body = rm_login_body("plain-token", "r", 3600);
    body["user"]["attributes"]["email"] =
        json!("me\u{1b}]52;c;ZXZpbA==\u{7}\u{1b}]0;pwned\u{7}\r\nfake line\u{9b}2J");
    let out = rm_login_answering(&env, &srv, body);
    env.assert_ok(&out);
    let outputs = [
        stderr(&out),
        stdout(&env.run_ok(&["profiles"])),
        stdout(&env.run_ok(&["info", "-p", "rm"])),
    ];
    for text in outputs {
        assert!(text.contains("me?]52;c;ZXZpbA=="), "{text}");
        for bad in ['\u{1b}', '\u{7}', '\r', '\u{9b}'] {
            assert!(!text.contains(bad), "{bad:?} in {text:?}");
        }
        assert!(!text.contains("\nfake line"), "{text}");
    }
}

/// Small ones: `--env` naming a variable that steers the child is refused
/// before anything runs; a misspelt profile key is named in a warning; a
/// server echoing the password URL-encoded or in base64 gets it redacted.
#[test]
fn small_refusals_and_redactions() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    for var in [
        "LD_PRELOAD",
        "PATH",
        "ld_library_path",
        "BASH_ENV",
        "A=B",
        "1X",
    ] {
        let out = env.run_fails(&["exec", "-p", "rm", "--env", var, "--", "true"], 2);
        assert!(stderr(&out).contains("--env"), "{var}: {}", stderr(&out));
    }
    env.write_config(&format!("{}pasword = \"oops\"\n", env.config_text()));
    let out = env.run_ok(&["profiles"]);
    assert_contains(&stderr(&out), "unknown key `pasword` in profile 'rm'");
    // A mistake in the file is not progress: `-q` still reports it.
    let out = env.run_ok(&["-q", "profiles"]);
    assert_eq!(
        stderr(&out),
        format!(
            "tokctl: warning: unknown key `pasword` in profile 'rm' of {} (ignored)\n",
            env.config_path().display()
        )
    );

    let password = "p@ss w/rd!";
    env.plant("p%40ss+w%2Frd%21");
    env.plant("cEBzcyB3L3JkIQ");
    srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(401).json_body(json!({"errors": [{"detail":
            "wrong password p%40ss+w%2Frd%21 (cEBzcyB3L3JkIQ==)"}]}));
    });
    let out = env.fails(rm_login(&env, &srv).env("TOKCTL_PASSWORD", password), 3);
    assert!(stderr(&out).contains("[REDACTED]"), "{}", stderr(&out));
}

// ------------------------------------------------- what children get --

/// The "Max core file size" line of /proc/PID/limits.
fn core_limit_line(limits: &str) -> String {
    limits
        .lines()
        .find(|l| l.starts_with("Max core file size"))
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `cmd` with a soft core-dump limit of 1 MiB, as a caller might.
fn with_core_limit(cmd: &mut std::process::Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: setrlimit is async-signal-safe and touches only the child.
    unsafe {
        cmd.pre_exec(|| {
            let mut l = libc::rlimit {
                rlim_cur: 0,
                rlim_max: 0,
            };
            libc::getrlimit(libc::RLIMIT_CORE, &mut l);
            l.rlim_cur = 1 << 20;
            if l.rlim_max != libc::RLIM_INFINITY && l.rlim_max < l.rlim_cur {
                l.rlim_cur = l.rlim_max;
            }
            libc::setrlimit(libc::RLIMIT_CORE, &l);
            Ok(())
        });
    }
}

/// `exec`'s command gets the caller's core limit back (tokctl itself runs
/// with none) and neither TOKCTL_PASSWORD nor TOKCTL_CLIENT_SECRET.
#[test]
fn exec_children_get_the_callers_core_limit_and_no_secret_inputs() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let probe = "grep 'Max core' /proc/self/limits; env | grep -c '^TOKCTL_PASSWORD=\\|^TOKCTL_CLIENT_SECRET=' || true";
    let mut caller = std::process::Command::new("sh");
    caller.args(["-c", "grep 'Max core' /proc/self/limits"]);
    with_core_limit(&mut caller);
    let expected = core_limit_line(&String::from_utf8(caller.output().unwrap().stdout).unwrap());
    assert!(expected.contains("1048576"), "{expected}");
    let mut cmd = env.tokctl_std();
    cmd.args(exec_rm_sh(probe))
        .env("TOKCTL_PASSWORD", "hunter2-pw")
        .env("TOKCTL_CLIENT_SECRET", "hunter2-cs");
    with_core_limit(&mut cmd);
    let out = env.ok_revealing(&mut assert_cmd::Command::from_std(cmd));
    let text = stdout(&out);
    assert_eq!(core_limit_line(&text), expected);
    assert_eq!(
        text.lines().last(),
        Some("0"),
        "secret inputs inherited: {text}"
    );
}

/// The browser tokctl opens for a sign-in: it sees tokctl (its parent)
/// running without core dumps, gets the caller's core limit and none of
/// the secret inputs, and is reaped when it exits (no zombie while tokctl
/// waits for the redirect).
#[test]
fn the_browser_gets_the_callers_limits_no_secrets_and_is_reaped() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let report = env.dir.path().join("browser-report");
    let script = format!(
        "#!/bin/sh\n{{ grep 'Max core' /proc/$PPID/limits; grep 'Max core' /proc/self/limits; \
             env | grep -c '^TOKCTL_PASSWORD=\\|^TOKCTL_CLIENT_SECRET='; }} > {0}.part\nmv {0}.part {0}\n",
        report.display()
    );
    let mut cmd = browser_login_cmd(&env, &srv, &script);
    cmd.env("TOKCTL_CLIENT_SECRET", "hunter2-cs")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    with_core_limit(&mut cmd);
    let mut child = cmd.spawn().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !report.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&report).expect("the browser ran");
    let lines: Vec<&str> = text.lines().collect();
    assert!(
        core_limit_line(lines[0]).contains("Max core file size 0 "),
        "tokctl: {text}"
    );
    assert!(
        core_limit_line(lines[1]).contains("1048576"),
        "browser: {text}"
    );
    assert_eq!(lines[2], "0", "secret inputs inherited: {text}");
    // The script has exited; once tokctl reaps it, no zombie child is left.
    let pid = child.id();
    let zombie = || {
        std::fs::read_dir("/proc").unwrap().flatten().any(|e| {
            let stat = std::fs::read_to_string(e.path().join("stat")).unwrap_or_default();
            let after = stat
                .rsplit_once(')')
                .map(|(_, r)| r.trim().to_string())
                .unwrap_or_default();
            let f: Vec<&str> = after.split_whitespace().collect();
            f.len() > 2 && f[0] == "Z" && f[1] == pid.to_string()
        })
    };
    let reaped_by = std::time::Instant::now() + std::time::Duration::from_secs(5);
    while zombie() && std::time::Instant::now() < reaped_by {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let left_a_zombie = zombie();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!left_a_zombie, "the browser was left a zombie");
}

/// Ctrl-C at the no-echo password prompt (a real pty, driven by python3's
/// pty module): the terminal gets its echo back.
#[test]
fn ctrl_c_at_the_password_prompt_restores_echo() {
    let env = TestEnv::new();
    let script = r#"
import os, sys, termios, time, subprocess, fcntl
master, slave = os.openpty()
def ctty():
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=slave, stderr=slave, preexec_fn=ctty)
out = b""
deadline = time.time() + 20
while b"Password for profile" not in out and time.time() < deadline:
    out += os.read(master, 1024)
# The prompt is written just before echo goes off: wait for that.
while termios.tcgetattr(slave)[3] & termios.ECHO and time.time() < deadline:
    time.sleep(0.01)
echo_during = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
os.write(master, b"\x03")
p.wait(timeout=20)
echo_after = bool(termios.tcgetattr(slave)[3] & termios.ECHO)
print(f"prompted={b'Password for profile' in out} during={echo_during} after={echo_after} rc={p.returncode}")
"#;
    let tokctl = env.tokctl_std();
    let mut cmd = std::process::Command::new("python3");
    cmd.arg("-c").arg(script).arg(tokctl.get_program());
    cmd.args(NEW_RM_PROFILE)
        .args(["--base-url", "http://127.0.0.1:9", "--username", "u"]);
    for (k, v) in tokctl.get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd.output().unwrap();
    assert_eq!(
        stdout(&out).trim(),
        "prompted=True during=False after=True rc=-2",
        "{}",
        stderr(&out)
    );
}

// ------------------------------------------- secrets bound to a server --

/// The profile file edited (by hand, or by someone else) to point at
/// another server: renewal stops with exit 3 and sends nothing there;
/// secrets stored before origins were recorded keep working and get theirs
/// at the next save.
#[test]
fn secrets_are_not_sent_to_a_server_that_did_not_issue_them() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    logged_in_with_refresh(&mut env, &srv);
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["origin"],
        srv.base_url().as_str()
    );
    let attacker = MockServer::start();
    let stolen = mock_anything_else(&attacker);
    env.set_base_url(&srv.base_url(), &attacker.base_url());
    env.expire_cache("rm");
    let secrets = env.secrets_bytes();
    for args in [&["print-header", "-p", "rm"][..], &["refresh", "-p", "rm"]] {
        let out = env.run_fails(args, 3);
        assert_contains(
            &stderr(&out),
            "the profile now points at another server; log in again",
        );
        assert_eq!(env.secrets_bytes(), secrets);
    }
    env.run_ok(&["logout", "-p", "rm"]);
    stolen.assert_calls(0);

    // An older record without an origin: renewal works and records it.
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let next2 = logged_in_with_refresh(&mut env, &srv);
    env.forget_origin("rm");
    env.expire_cache("rm");
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{next2}\n"));
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["origin"],
        srv.base_url().as_str()
    );
}

/// The endpoints that get tokens without renewing them are bound the same
/// way: an edited introspection URL makes `info --remote` exit 3, and an
/// edited revocation URL makes `logout` skip revoking, with nothing sent.
#[test]
fn edited_introspection_or_revocation_urls_get_nothing() {
    use crate::common::oidc::*;
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    let mut login = env.tokctl();
    login
        .args([
            "login",
            "-p",
            "o",
            "--provider",
            "oidc",
            "--issuer",
            &srv.issuer,
        ])
        .args(["--client-id", BASIC_CLIENT.0, "--flow", "password"])
        .args([
            "--username",
            USER,
            "--password-stdin",
            "--client-secret-stdin",
        ])
        .write_stdin(format!("{PASSWORD}\n{}\n", BASIC_CLIENT.1));
    env.ok(&mut login);
    let attacker = MockServer::start();
    let stolen = mock_anything_else(&attacker);
    let original = env.config_text();
    env.set_base_url(
        &srv.introspect_url(),
        &format!("{}/introspect", attacker.base_url()),
    );
    let out = env.run_fails(&["info", "-p", "o", "--remote"], 3);
    assert_contains(&stderr(&out), "the profile now points at another server");
    env.write_config(&original);
    env.set_base_url(
        &srv.revoke_url(),
        &format!("{}/revoke", attacker.base_url()),
    );
    let out = env.run_ok(&["logout", "-p", "o"]);
    assert_contains(&stderr(&out), "could not revoke the tokens");
    stolen.assert_calls(0);
    assert_eq!(srv.stats()["revocation"], 0);
}

// ---------------------------------------------- the browser sign-in --

/// A scripted browser (python3) for the auth-code flow. It records its
/// argv, opens the launcher tokctl gave it, scans every process's cmdline
/// for the login's state, nonce and challenge, delivers the callback once
/// as another client would (right state, no cookie) and, unless `TWICE` is
/// set, once as itself; with `TWICE` it opens the launcher a second time.
const SCRIPTED_BROWSER: &str = r#"#!/usr/bin/env python3
import http.client, os, sys, urllib.parse
report = open(os.environ["REPORT"] + ".part", "w")
start = urllib.parse.urlsplit(sys.argv[1])
def get(url, cookie=None):
    u = urllib.parse.urlsplit(url)
    c = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    c.request("GET", u.path + ("?" + u.query if u.query else ""), headers={"Cookie": cookie} if cookie else {})
    r = c.getresponse(); r.read()
    return r
r = get(sys.argv[1])
auth = urllib.parse.urlsplit(r.getheader("Location"))
q = dict(urllib.parse.parse_qsl(auth.query))
cookie = r.getheader("Set-Cookie").split(";")[0]
leaks = 0
for pid in os.listdir("/proc"):
    try:
        cmdline = open(f"/proc/{pid}/cmdline", "rb").read().decode(errors="replace")
    except OSError:
        continue
    leaks += sum(q[k] in cmdline for k in ("state", "nonce", "code_challenge"))
print("argv-has-state", q["state"] in " ".join(sys.argv), file=report)
print("cmdline-leaks", leaks, file=report)
print("set-cookie", r.getheader("Set-Cookie").split(";", 1)[1].strip(), file=report)
cb = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": "forged-code", "state": q["state"]})
print("forged", get(cb).status, file=report)
if os.environ.get("TWICE"):
    print("second", get(sys.argv[1]).status, file=report)
else:
    cb = q["redirect_uri"] + "?" + urllib.parse.urlencode({"code": "real-code", "state": q["state"]})
    print("real", get(cb, cookie).status, file=report)
report.close()
os.rename(os.environ["REPORT"] + ".part", os.environ["REPORT"])
"#;

/// `tokctl login` of an oauth2 profile through the browser flow, with
/// `$BROWSER` the executable `script` (written into the test's directory).
fn browser_login_cmd(env: &TestEnv, srv: &MockServer, script: &str) -> std::process::Command {
    let browser = env.dir.path().join("browser-script");
    std::fs::write(&browser, script).unwrap();
    chmod(&browser, 0o755);
    let mut cmd = env.tokctl_std();
    cmd.args([
        "login",
        "-p",
        "o",
        "--provider",
        "oauth2",
        "--client-id",
        "cli",
    ])
    .args([
        "--auth-url",
        &srv.url("/authorize"),
        "--token-url",
        &srv.url("/token"),
    ])
    .env("BROWSER", &browser)
    .env("TOKCTL_AUTH_WAIT", "20s");
    cmd
}

/// `tokctl login` through the browser flow with [`SCRIPTED_BROWSER`];
/// returns tokctl's output and the browser's report.
fn browser_login(env: &TestEnv, srv: &MockServer, twice: bool) -> (std::process::Output, String) {
    let report = env.dir.path().join("report");
    let mut cmd = browser_login_cmd(env, srv, SCRIPTED_BROWSER);
    cmd.args(["--scope", "openid"]).env("REPORT", &report);
    if twice {
        cmd.env("TWICE", "1");
    }
    let out = cmd.output().unwrap();
    // tokctl may exit (an aborted login) before the browser has written its
    // report; the script renames it into place whole, so wait for the name.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    while !report.exists() && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (out, std::fs::read_to_string(&report).unwrap_or_default())
}

/// The browser gets only tokctl's one-time launcher in its argv: no
/// process's cmdline holds the state, nonce or PKCE challenge. The callback
/// is bound to that browser by an HttpOnly, SameSite=Lax cookie: another
/// client's callback with the right state is refused, the real one still
/// completes the login with its code.
#[test]
fn the_browser_sign_in_keeps_its_secrets_off_argv_and_binds_the_callback() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let real = srv.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .body_includes("code=real-code");
        then.status(200).json_body(
            json!({"access_token": "browser-token", "token_type": "Bearer", "expires_in": 600}),
        );
    });
    let forged = srv.mock(|when, then| {
        when.method(POST)
            .path("/token")
            .body_includes("code=forged-code");
        then.status(200)
            .json_body(json!({"access_token": "attacker-session", "token_type": "Bearer"}));
    });
    let (out, report) = browser_login(&env, &srv, false);
    env.assert_ok(&out);
    assert_eq!(
        report,
        "argv-has-state False\ncmdline-leaks 0\nset-cookie Path=/; HttpOnly; SameSite=Lax\n\
         forged 400\nreal 200\n",
        "{}",
        stderr(&out)
    );
    real.assert();
    forged.assert_calls(0);
}

/// A second request to the one-time launcher means someone else follows
/// this login: it is aborted (exit 3), no code is exchanged.
#[test]
fn a_launcher_opened_twice_aborts_the_login() {
    let env = TestEnv::new();
    let srv = MockServer::start();
    let token = mock_anything_else(&srv);
    let (out, report) = browser_login(&env, &srv, true);
    assert!(
        env.assert_failed(&out, 3)
            .contains("requested a second time")
    );
    assert!(report.ends_with("forged 400\nsecond 400\n"), "{report}");
    token.assert_calls(0);
}
