//! Single-flight renewal across processes: many `tokctl` processes that
//! find the token expired at the same moment make one refresh request, and
//! a rotated refresh token is what ends up stored, even across profiles
//! sharing the file store or a process killed mid-refresh.

use crate::common::*;
use httpmock::prelude::*;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// Starts `tokctl ARGS` without waiting for it.
fn spawn(env: &TestEnv, args: &[&str]) -> Child {
    env.tokctl_std()
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn tokctl")
}

/// A refresh mock for `old` answering with `access`/`refresh` after `delay`,
/// long enough for every process to be waiting on the lock.
fn slow_refresh<'a>(
    srv: &'a MockServer,
    old: &str,
    access: &str,
    refresh: &str,
    delay: Duration,
) -> httpmock::Mock<'a> {
    let body = rm_refresh_body(access, Some(refresh), 3600);
    srv.mock(|when, then| {
        when.method(POST)
            .path("/accounts/refresh")
            .json_body(serde_json::json!({ "refresh_token": old }));
        then.status(200).json_body(body).delay(delay);
    })
}

#[test]
fn ten_processes_share_one_refresh() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let a2 = env.rm_access("a2", 3600);
    let r2 = env.rm_refresh("r2");
    let m = slow_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        &a2,
        &r2,
        Duration::from_millis(500),
    );
    let children: Vec<Child> = (0..10)
        .map(|_| spawn(&env, &["print-header", "-p", "rm"]))
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(stdout(&out), format!("Authorization: Bearer {a2}\n"));
        assert_eq!(stderr(&out), "");
    }
    m.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        r2.as_str()
    );
}

#[test]
fn the_rotated_refresh_token_is_stored_and_used_next() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    let a2 = env.rm_access("a2", 3600);
    let r2 = env.rm_refresh("r2");
    let first = mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&a2, Some(&r2), 3600),
    );
    env.run_ok(&["refresh", "-p", "rm"]);
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        r2.as_str()
    );
    let a3 = env.rm_access("a3", 3600);
    let r3 = env.rm_refresh("r3");
    let second = mock_rm_refresh(&srv, &r2, 200, rm_refresh_body(&a3, Some(&r3), 3600));
    env.run_ok(&["refresh", "-p", "rm"]);
    first.assert_calls(1);
    second.assert_calls(1);
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        r3.as_str()
    );
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{a3}\n"));
}

#[test]
fn two_profiles_refreshing_at_once_keep_both_rotations() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let mut mocks = Vec::new();
    let mut want = Vec::new();
    for name in ["a", "b"] {
        env.login_realmassive(&srv, name, 3600);
        env.expire_cache(name);
        let access = env.rm_access(&format!("{name}2"), 3600);
        let refresh = env.rm_refresh(&format!("{name}2"));
        mocks.push(slow_refresh(
            &srv,
            &rm_initial_refresh(name),
            &access,
            &refresh,
            Duration::from_millis(300),
        ));
        want.push((name, access, refresh));
    }
    let children: Vec<(usize, Child)> = (0..8)
        .map(|i| (i % 2, spawn(&env, &["print-header", "-p", want[i % 2].0])))
        .collect();
    for (i, child) in children {
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            format!("Authorization: Bearer {}\n", want[i].1)
        );
    }
    let s = env.secrets_json();
    for (m, (name, _, refresh)) in mocks.iter().zip(&want) {
        m.assert_calls(1);
        assert_eq!(s["profiles"][name]["refresh_token"], refresh.as_str());
    }
}

#[test]
fn a_process_killed_mid_refresh_loses_nothing() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let secrets_before = read(&env.secrets_path());
    let a2 = env.rm_access("a2", 3600);
    let r2 = env.rm_refresh("r2");
    let mut slow = slow_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        &a2,
        &r2,
        Duration::from_secs(10),
    );
    let mut child = spawn(&env, &["print-header", "-p", "rm"]);
    wait_for("the refresh to reach the server", 10, || slow.calls() > 0);
    // Killed while holding the lock, with the request in flight.
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(read(&env.secrets_path()), secrets_before);
    slow.delete();

    let a3 = env.rm_access("a3", 3600);
    let r3 = env.rm_refresh("r3");
    let fast = mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&a3, Some(&r3), 3600),
    );
    let start = Instant::now();
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "the dead process's lock was released"
    );
    fast.assert();
    assert_eq!(stdout(&out), format!("{a3}\n"));
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        r3.as_str()
    );
}
