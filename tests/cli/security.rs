//! Hostile neighbours, hostile servers, absurd input (docs/security.md).
//!
//! The suite runs as root, so "another user" is played in one of two ways,
//! named in each test: by creating the hostile state directly (a symlink, or
//! a file or directory `chown`ed to an unused uid), or by running a command
//! as an unused uid with `setpriv --reuid/--regid`.
#![cfg(unix)]

use crate::common::*;
use httpmock::prelude::*;
use serde_json::json;
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
            .args(["login", "-p", "rm", "--provider", "realmassive"])
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
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "rm", 3600);
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
    cmd.args(["login", "-p", "rm", "--provider", "realmassive"])
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
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "rm", 3600);
    env.expire_cache("rm");
    let other = mock_anything_else(&srv);
    chmod(&env.config_path(), 0o666);
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert!(
        stderr(&out).contains("others may write it"),
        "{}",
        stderr(&out)
    );
    chmod(&env.config_path(), 0o600);
    chown_to_stranger(&env.config_path());
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert!(
        stderr(&out).contains("belongs to uid 54321"),
        "{}",
        stderr(&out)
    );
    other.assert_calls(0);
}
