//! The file store and the access-token cache on disk: private modes, a
//! damaged cache that heals, a damaged secret store that is never touched,
//! `cache = false`, and a profile file whose comments survive a login.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::Value;

#[cfg(unix)]
#[test]
fn files_are_0600_in_0700_directories() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let (_a2, _refresh) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    // A renewal rewrites both files: check the modes after it, too.
    env.run_revealing(&["print-header", "-p", "rm"]);
    assert_eq!(mode(&env.data_dir()), 0o700);
    assert_eq!(mode(&env.data_dir().join("cache")), 0o700);
    assert_eq!(mode(&env.secrets_path()), 0o600);
    assert_eq!(mode(&env.cache_path("rm")), 0o600);
    assert_eq!(mode(&env.config_path()), 0o600);
    let leftovers: Vec<_> = files_under(&env.data_dir())
        .into_iter()
        .filter(|p| p.to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

#[cfg(unix)]
#[test]
fn a_too_open_data_dir_is_made_private() {
    use std::os::unix::fs::PermissionsExt;
    let mut env = TestEnv::new();
    std::fs::create_dir_all(env.data_dir()).unwrap();
    std::fs::set_permissions(env.data_dir(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "rm", 3600);
    assert_eq!(mode(&env.data_dir()), 0o700);
}

#[test]
fn a_damaged_cache_is_discarded_and_the_token_renewed() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    std::fs::write(env.cache_path("rm"), b"{\"access\": {\"tok").unwrap();
    let (a2, m) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    m.assert();
    assert_eq!(stdout(&out), format!("{a2}\n"));
    assert_eq!(env.cache_json("rm")["access"]["token"], a2.as_str());
    // profiles reads the cache too, and copes with damage the same way.
    std::fs::write(env.cache_path("rm"), b"\x00\xffnot json").unwrap();
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["name"], "rm");
}

#[test]
fn a_damaged_secret_store_is_exit_5_and_left_byte_identical() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    // Truncated mid-way, with a refresh token inside that must not be quoted.
    let text = std::fs::read_to_string(env.secrets_path()).unwrap();
    let damaged = &text[..text.find(&rm_initial_refresh("rm")).unwrap() + 12];
    std::fs::write(env.secrets_path(), damaged).unwrap();
    env.plant(&damaged[damaged.len() - 12..]);
    let cache_before = read(&env.cache_path("rm"));
    let config_before = env.config_text();
    let other = mock_anything_else(&srv);

    let message = format!(
        "tokctl: error: the secret store {} is damaged (truncated); it was left as it is\n\
         hint: restore it from a backup, or move it away and log in again\n",
        env.secrets_path().display()
    );
    for args in [
        &["print-header", "-p", "rm"][..],
        &["refresh", "-p", "rm"],
        &["info", "-p", "rm"],
        &["logout", "-p", "rm"],
        &["exec", "-p", "rm", "--", "true"],
    ] {
        let out = env.run_fails(args, 5);
        assert_eq!(stderr(&out), message, "{args:?}");
        assert_eq!(
            std::fs::read_to_string(env.secrets_path()).unwrap(),
            damaged
        );
        assert_eq!(read(&env.cache_path("rm")), cache_before, "{args:?}");
    }
    // A new login must not overwrite it either, and must not send the
    // password for tokens it cannot store.
    let out = env.fails(
        env.tokctl()
            .args(["login", "-p", "rm", "--password-stdin"])
            .write_stdin(format!("{RM_PASSWORD}\n")),
        5,
    );
    assert_eq!(stderr(&out), message);
    assert_eq!(
        std::fs::read_to_string(env.secrets_path()).unwrap(),
        damaged
    );
    assert_eq!(env.config_text(), config_before);
    other.assert_calls(0);
}

#[test]
fn cache_false_keeps_the_access_token_in_the_secret_store() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.write_config(&format!(
        "[profiles.rm]\nprovider = \"realmassive\"\nbase_url = \"{}\"\n\
         username = \"wayspurrchen@realmassive.com\"\ncache = false\n",
        srv.base_url()
    ));
    let access = env.login_realmassive(&srv, "rm", 3600);
    assert!(env.config_text().contains("cache = false"), "setting kept");
    let cache_text = std::fs::read_to_string(env.cache_path("rm")).unwrap_or_default();
    assert!(
        !cache_text.contains(&access),
        "access token in the cache: {cache_text}"
    );
    let s = env.secrets_json()["profiles"]["rm"].clone();
    assert_eq!(s["access"]["token"], access.as_str());

    let other = mock_anything_else(&srv);
    let out = env.run_revealing(&["print-header", "-p", "rm"]);
    assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));
    other.assert_calls(0);
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["state"], "valid");
}

#[test]
fn cache_false_renews_through_the_secret_store() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.write_config(&format!(
        "[profiles.rm]\nprovider = \"realmassive\"\nbase_url = \"{}\"\ncache = false\n",
        srv.base_url()
    ));
    env.login_realmassive(&srv, "rm", 3600);
    // Expire the token where it lives for this profile.
    let mut secrets = env.secrets_json();
    secrets["profiles"]["rm"]["access"]["expires_at"] = 1.into();
    std::fs::write(env.secrets_path(), secrets.to_string()).unwrap();
    let (a2, m) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "token"]);
    m.assert();
    assert_eq!(stdout(&out), format!("{a2}\n"));
    let s = env.secrets_json()["profiles"]["rm"].clone();
    assert_eq!(s["access"]["token"], a2.as_str());
    assert_eq!(s["refresh_token"], rm_initial_refresh("rm"));
    let cache_text = std::fs::read_to_string(env.cache_path("rm")).unwrap_or_default();
    assert!(!cache_text.contains(&a2), "{cache_text}");
}

#[test]
fn login_keeps_the_comments_in_the_profile_file() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let text = format!(
        "# my tokens\ndefault = \"rm\" # the usual one\n\n\
         [profiles.rm]\n# production\nprovider = \"realmassive\"\n\
         base_url = \"{}\" # local mock\n",
        srv.base_url()
    );
    env.write_config(&text);
    env.login_realmassive(&srv, "rm", 3600);
    let after = env.config_text();
    for kept in [
        "# my tokens\n",
        "default = \"rm\" # the usual one\n",
        "# production\n",
        "# local mock\n",
    ] {
        assert!(after.contains(kept), "{kept:?} lost:\n{after}");
    }
    assert!(after.contains("username = \"wayspurrchen@realmassive.com\""));
}

#[test]
fn profiles_share_the_secret_store_without_losing_each_other() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "a", 3600);
    env.login_realmassive(&srv, "b", 3600);
    env.run_ok(&["logout", "-p", "a"]);
    let s = env.secrets_json();
    assert_eq!(s["profiles"].get("a"), None);
    assert_eq!(s["profiles"]["b"]["refresh_token"], rm_initial_refresh("b"));
    assert_eq!(s["version"], 1);
}

/// `TOKCTL_STORE=auto` in the environment does not re-probe a profile whose
/// store was recorded at login: no warning, no 2 s probe, same store.
#[test]
fn an_explicit_auto_keeps_the_recorded_store() {
    let (mut env, srv, access) = TestEnv::logged_in_rm();
    assert!(env.config_text().contains("store = \"file\""));
    env.expire_cache("rm");
    let (a2, _refresh) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    let out = env.ok_revealing(
        env.tokctl()
            .env("TOKCTL_STORE", "auto")
            .env("DBUS_SESSION_BUS_ADDRESS", "unix:path=/nonexistent/bus")
            .args(["print-header", "-p", "rm", "--format", "token"]),
    );
    assert_eq!(
        stdout(&out),
        format!("{a2}\n"),
        "renewed from the file store"
    );
    assert_eq!(stderr(&out), "", "no keychain probe, no warning");
    assert_ne!(access, a2);
}
