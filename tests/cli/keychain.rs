//! The keychain store. The round trip needs a real Secret Service and runs
//! only with `TOKCTL_TEST_KEYCHAIN=1`, which `scripts/test` sets inside
//! `dbus-run-session` with an unlocked gnome-keyring (`scripts/with-keyring`):
//! there the secret is looked up with `secret-tool`, not through tokctl, so
//! a silent fallback to another store cannot pass. The unreachable-keychain
//! tests need no keychain and always run.

use crate::common::*;
use assert_cmd::Command;
use httpmock::prelude::*;
use serde_json::Value;

/// A Secret Service address where nothing listens.
const NO_BUS: &str = "unix:path=/nonexistent/tokctl-test-bus";

/// `tokctl` choosing its store like a user's would: no `TOKCTL_STORE`.
fn tokctl(env: &TestEnv) -> Command {
    let mut cmd = env.tokctl();
    cmd.env_remove("TOKCTL_STORE");
    cmd
}

fn login(env: &TestEnv, srv: &MockServer, name: &str, extra: &[&str]) -> Command {
    let mut cmd = tokctl(env);
    cmd.args(["login", "-p", name, "--provider", "realmassive"])
        .args(["--base-url", &srv.base_url()])
        .args([
            "--username",
            "wayspurrchen@realmassive.com",
            "--password-stdin",
        ])
        .args(extra)
        .write_stdin(format!("{RM_PASSWORD}\n"));
    cmd
}

/// `secret-tool lookup service tokctl username PROFILE`: the stored secret.
fn keychain_lookup(profile: &str) -> Option<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", "tokctl", "username", profile])
        .output()
        .expect("secret-tool (libsecret-tools) is installed");
    (out.status.success() && !out.stdout.is_empty()).then(|| String::from_utf8(out.stdout).unwrap())
}

/// The gate of the tests that use the real keychain: unless
/// `TOKCTL_TEST_KEYCHAIN=1`, `None`, saying that `test` is skipped; else a
/// profile name of this run only (random-ish, starting with `prefix`) and
/// the guard that clears its keychain items at the end.
fn keychain_profile(test: &str, prefix: &str) -> Option<(String, ClearOnDrop)> {
    if std::env::var("TOKCTL_TEST_KEYCHAIN").as_deref() != Ok("1") {
        eprintln!(
            "skipped {test}: set TOKCTL_TEST_KEYCHAIN=1 \
             (scripts/test does, under dbus-run-session with gnome-keyring)"
        );
        return None;
    }
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    let profile = format!("{prefix}-{}-{nanos}", std::process::id());
    Some((profile.clone(), ClearOnDrop(profile)))
}

/// Removes the test's keychain items, chunks included, even when the test
/// fails.
struct ClearOnDrop(String);

impl Drop for ClearOnDrop {
    fn drop(&mut self) {
        for user in parts_of(&self.0).iter().chain([&self.0]) {
            let _ = std::process::Command::new("secret-tool")
                .args(["clear", "service", "tokctl", "username", user])
                .status();
        }
    }
}

#[test]
fn keychain_round_trip_with_secret_tool() {
    let Some((profile, _cleanup)) = keychain_profile("keychain_round_trip_with_secret_tool", "kc")
    else {
        return;
    };
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("kc1", 3600);
    let refresh = env.rm_refresh(&format!("{profile}-1"));
    env.plant(RM_PASSWORD);
    let m = mock_rm_login(&srv, &access, &refresh, 3600);

    let out = env.ok(&mut login(
        &env,
        &srv,
        &profile,
        &["--store", "keychain", "--save-credentials"],
    ));
    m.assert();
    assert!(
        stderr(&out).ends_with("; secrets in the keychain store\n"),
        "{}",
        stderr(&out)
    );
    assert!(env.config_text().contains("store = \"keychain\""));

    // The secret is in the Secret Service, under service tokctl.
    let stored = keychain_lookup(&profile).expect("a keychain item for the profile");
    let v: Value = serde_json::from_str(&stored).expect("the item holds JSON");
    assert_eq!(v["refresh_token"], refresh.as_str());
    assert_eq!(v["password"], RM_PASSWORD);
    // ... and nowhere on disk.
    assert!(!env.secrets_path().exists(), "no secrets.json");
    for file in files_under(env.dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        for s in [refresh.as_str(), RM_PASSWORD] {
            assert!(!text.contains(s), "{s:?} found in {}", file.display());
        }
    }

    // The hot path works from the cache, no TOKCTL_STORE needed.
    let out = env.ok_revealing(tokctl(&env).args(["print-header", "-p", &profile]));
    assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));

    // A renewal reads the refresh token from the keychain and stores the
    // rotated one there.
    env.expire_cache(&profile);
    let a2 = env.rm_access("kc2", 3600);
    let r2 = env.rm_refresh(&format!("{profile}-2"));
    let m = mock_rm_refresh(&srv, &refresh, 200, rm_refresh_body(&a2, Some(&r2), 3600));
    let out =
        env.ok_revealing(tokctl(&env).args(["print-header", "-p", &profile, "--format", "token"]));
    m.assert();
    assert_eq!(stdout(&out), format!("{a2}\n"));
    let v: Value = serde_json::from_str(&keychain_lookup(&profile).unwrap()).unwrap();
    assert_eq!(v["refresh_token"], r2.as_str());
    assert_eq!(v["password"], RM_PASSWORD);

    let out = env.ok(tokctl(&env).args(["info", "-p", &profile, "--json"]));
    let info: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(info["store"], "keychain");
    assert_eq!(info["saved_credentials"], true);

    env.ok(tokctl(&env).args(["logout", "-p", &profile]));
    assert_eq!(keychain_lookup(&profile), None, "logout removes the item");
    assert!(!env.cache_path(&profile).exists());
}

/// The message for an unreachable Secret Service.
fn assert_unavailable(out: &std::process::Output) {
    let err = stderr(out);
    assert!(
        err.starts_with(
            "tokctl: error: the keychain is unavailable: cannot connect to the keychain service ("
        ),
        "{err}"
    );
    assert!(
        err.ends_with(
            "\nhint: unlock the keychain (or start a Secret Service such as gnome-keyring), \
             or use `--store file`\n"
        ),
        "{err}"
    );
}

#[test]
fn login_with_an_unreachable_keychain_is_exit_5() {
    let mut env = TestEnv::new();
    env.plant(RM_PASSWORD);
    let srv = MockServer::start();
    let other = mock_anything_else(&srv);
    let out = env.fails(
        login(&env, &srv, "rm", &["--store", "keychain"]).env("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
        5,
    );
    assert_unavailable(&out);
    other.assert_calls(0);
    assert!(!env.config_path().exists(), "nothing written");
}

#[test]
fn an_unreachable_keychain_is_not_logged_out_and_nothing_is_deleted() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    // Pretend the profile's secrets live in the keychain, which is gone.
    let cfg = env
        .config_text()
        .replace("store = \"file\"", "store = \"keychain\"");
    env.write_config(&cfg);
    let no_bus = |args: &[&str]| {
        let mut cmd = tokctl(&env);
        cmd.args(args).env("DBUS_SESSION_BUS_ADDRESS", NO_BUS);
        cmd
    };

    // A fresh token needs no keychain at all.
    let out = env.ok_revealing(&mut no_bus(&["print-header", "-p", "rm"]));
    assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));

    env.expire_cache("rm");
    let cache = read(&env.cache_path("rm"));
    let secrets = read(&env.secrets_path());
    for args in [
        &["print-header", "-p", "rm"][..],
        &["refresh", "-p", "rm"],
        &["logout", "-p", "rm"],
        &["info", "-p", "rm"],
    ] {
        let out = env.fails(&mut no_bus(args), 5);
        assert_unavailable(&out);
        assert_eq!(
            read(&env.cache_path("rm")),
            cache,
            "{args:?} kept the cache"
        );
        assert_eq!(read(&env.secrets_path()), secrets);
        assert_eq!(env.config_text(), cfg);
    }
}

#[test]
fn auto_falls_back_to_the_file_store_with_a_warning() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("a1", 3600);
    let refresh = env.rm_refresh("r1");
    env.plant(RM_PASSWORD);
    mock_rm_login(&srv, &access, &refresh, 3600);
    let out = env.ok(login(&env, &srv, "rm", &[]).env("DBUS_SESSION_BUS_ADDRESS", NO_BUS));
    let err = stderr(&out);
    let first = err.lines().next().unwrap();
    assert!(
        first.starts_with("tokctl: warning: no usable keychain (")
            && first.ends_with(&format!(
                "); keeping secrets in {} (mode 0600)",
                env.secrets_path().display()
            )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 2, "{err}");
    assert!(
        env.config_text().contains("store = \"file\""),
        "choice recorded"
    );
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        refresh.as_str()
    );
    // Later commands use the recorded store silently.
    let out = env.ok_revealing(
        tokctl(&env)
            .args(["print-header", "-p", "rm"])
            .env("DBUS_SESSION_BUS_ADDRESS", NO_BUS),
    );
    assert_eq!(stderr(&out), "");
}

/// A value too large for one Windows credential is split over several
/// entries; it must come back whole (the refresh request carries it), a
/// save must leave exactly one generation of parts, and parts a killed save
/// left behind must be removed by the next save or by logout.
#[test]
fn large_secrets_are_split_and_reassembled() {
    let Some((profile, _cleanup)) =
        keychain_profile("large_secrets_are_split_and_reassembled", "kcbig")
    else {
        return;
    };
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("big1", 3600);
    // Longer than one entry (1000 characters), like a Keycloak refresh
    // token plus an ID token.
    let r1 = env.plant(&format!("{profile}-{}", "R".repeat(2500)));
    env.plant(RM_PASSWORD);
    mock_rm_login(&srv, &access, &r1, 3600);
    env.ok(&mut login(
        &env,
        &srv,
        &profile,
        &["--store", "keychain", "--save-credentials"],
    ));
    let first = assert_one_generation(&profile);
    assert!(first.1 >= 3, "the value is in several parts");
    assert!(first.0 <= 1, "generation 0 or 1, not {}", first.0);

    // A killed save left parts of the other generation, more of them than
    // the next value needs.
    let other = 1 - first.0;
    for i in 0..6 {
        keychain_store(&format!("{profile}#{other}.{i}"), "stale");
    }

    // The refresh request proves the parts were put back together; the
    // rotated token, again large, goes to the other generation and the old
    // one is deleted.
    let r2 = env.plant(&format!("{profile}-{}", "S".repeat(2600)));
    refresh_once(&mut env, &srv, &profile, &r1, &r2, "big2");
    let second = assert_one_generation(&profile);
    assert_eq!(second.0, other, "the save used the generation not in use");

    // And back again: the new value is read whole from the new generation.
    let r3 = env.plant(&format!("{profile}-{}", "T".repeat(2400)));
    refresh_once(&mut env, &srv, &profile, &r2, &r3, "big3");
    assert_eq!(assert_one_generation(&profile).0, first.0);

    // A kill after the pointer moved left the old generation behind;
    // logout finds it too.
    for i in 0..3 {
        keychain_store(&format!("{profile}#{other}.{i}"), "stale");
    }
    env.ok(tokctl(&env).args(["logout", "-p", &profile]));
    assert_eq!(keychain_lookup(&profile), None);
    assert_eq!(
        parts_of(&profile),
        Vec::<String>::new(),
        "every part is deleted"
    );
}

/// Expires the cache and renews: the refresh request must carry `old`
/// (read back from the keychain) and the server rotates it to `new`.
fn refresh_once(
    env: &mut TestEnv,
    srv: &MockServer,
    profile: &str,
    old: &str,
    new: &str,
    label: &str,
) {
    env.expire_cache(profile);
    let access = env.rm_access(label, 3600);
    let mut m = mock_rm_refresh(srv, old, 200, rm_refresh_body(&access, Some(new), 3600));
    let out =
        env.ok_revealing(tokctl(env).args(["print-header", "-p", profile, "--format", "token"]));
    m.assert();
    m.delete();
    assert_eq!(stdout(&out), format!("{access}\n"));
}

/// Checks that the profile's entry points at chunks and that exactly that
/// generation's parts exist, no more and no fewer; returns (generation,
/// count).
fn assert_one_generation(profile: &str) -> (u32, usize) {
    let head = keychain_lookup(profile).expect("the profile's entry");
    let (generation, count) = head
        .strip_prefix("tokctl-chunks:")
        .and_then(|rest| rest.split_once(':'))
        .and_then(|(g, n)| Some((g.parse::<u32>().ok()?, n.trim().parse::<usize>().ok()?)))
        .unwrap_or_else(|| panic!("a pointer, not the JSON: {head:.40}"));
    let mut parts = parts_of(profile);
    parts.sort();
    let mut expected: Vec<String> = (0..count)
        .map(|i| format!("{profile}#{generation}.{i}"))
        .collect();
    expected.sort();
    assert_eq!(parts, expected, "only the pointer's generation is stored");
    (generation, count)
}

/// `secret-tool store`: an entry as tokctl would have written it.
fn keychain_store(user: &str, value: &str) {
    use std::io::Write;
    let mut child = std::process::Command::new("secret-tool")
        .args([
            "store", "--label", user, "service", "tokctl", "username", user,
        ])
        .stdin(std::process::Stdio::piped())
        .spawn()
        .expect("secret-tool");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(value.as_bytes())
        .unwrap();
    assert!(child.wait().unwrap().success(), "secret-tool store {user}");
}

/// The usernames of the chunk entries (`PROFILE#generation.i`) of a profile.
fn parts_of(profile: &str) -> Vec<String> {
    let out = std::process::Command::new("secret-tool")
        .args(["search", "--all", "service", "tokctl"])
        .output()
        .expect("secret-tool");
    // secret-tool prints attributes on stdout or stderr depending on version.
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    text.lines()
        .filter_map(|l| l.strip_prefix("attribute.username = "))
        .filter(|u| u.starts_with(&format!("{profile}#")))
        .map(str::to_string)
        .collect()
}
