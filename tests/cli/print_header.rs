//! `tokctl print-header`: the output formats, the header name, and the hot
//! path that must not touch the network while the cached token is fresh.

use crate::common::*;
use httpmock::prelude::*;
use serde_json::Value;

#[test]
fn header_format_is_the_default() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    for args in [
        &["print-header", "-p", "rm"][..],
        &["print-header", "-p", "rm", "--format", "header"],
        // The only profile (and the default) needs no -p.
        &["print-header"],
    ] {
        let out = env.run_revealing(args);
        assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));
        assert_eq!(stderr(&out), "");
    }
}

#[test]
fn curl_format_feeds_curl_k() {
    let (env, srv, access) = TestEnv::logged_in_rm();
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "curl"]);
    let line = stdout(&out);
    assert_eq!(
        line,
        format!("header = \"Authorization: Bearer {access}\"\n")
    );

    // And curl itself takes it, as the README tells users to do.
    let api = srv.mock(|when, then| {
        when.method(GET)
            .path("/api/thing")
            .header("authorization", format!("Bearer {access}"));
        then.status(200).body("ok");
    });
    let curl = std::process::Command::new("curl")
        .args(["-sS", "-K-", &srv.url("/api/thing")])
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("http_proxy")
        .env_remove("HTTP_PROXY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn();
    let Ok(mut curl) = curl else {
        eprintln!("curl is not installed: skipped the curl -K- half");
        return;
    };
    use std::io::Write;
    curl.stdin
        .take()
        .unwrap()
        .write_all(line.as_bytes())
        .unwrap();
    let done = curl.wait_with_output().unwrap();
    assert!(done.status.success());
    assert_eq!(String::from_utf8_lossy(&done.stdout), "ok");
    api.assert();
}

#[test]
fn custom_header_name_keeps_the_bearer_value() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let out = env.run_revealing(&["print-header", "-p", "rm", "--header", "X-Custom"]);
    assert_eq!(stdout(&out), format!("X-Custom: Bearer {access}\n"));
    let out = env.run_revealing(&[
        "print-header",
        "-p",
        "rm",
        "--header",
        "X-Custom",
        "--format",
        "curl",
    ]);
    assert_eq!(
        stdout(&out),
        format!("header = \"X-Custom: Bearer {access}\"\n")
    );
}

#[test]
fn scheme_is_always_spelt_bearer() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.rm_access("lower", 3600);
    let refresh = env.rm_refresh("lower");
    env.plant(RM_PASSWORD);
    let mut body = rm_login_body(&access, &refresh, 3600);
    body["token_type"] = "bearer".into();
    srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(200).json_body(body);
    });
    env.ok(env
        .tokctl()
        .args(NEW_RM_PROFILE)
        .args(["--base-url", &srv.base_url(), "--username", "u@example.com"])
        .arg("--password-stdin")
        .write_stdin(format!("{RM_PASSWORD}\n")));
    let out = env.run_revealing(&["print-header", "-p", "rm"]);
    assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));
    let out = env.run_revealing(&["print-header", "-p", "rm", "--format", "json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["token_type"], "Bearer");
}

#[test]
fn fresh_token_never_touches_the_network() {
    let (env, srv, access) = TestEnv::logged_in_rm();
    let other = mock_anything_else(&srv);
    // Point the profile at a port where nothing listens: any request fails.
    env.set_base_url(&srv.base_url(), &closed_port_url());
    for format in ["header", "token", "json", "curl"] {
        // -v would log every request on stderr.
        let out = env.run_revealing(&["-v", "print-header", "-p", "rm", "--format", format]);
        assert!(stdout(&out).contains(&access));
        assert_eq!(stderr(&out), "", "no request may be made");
    }
    other.assert_calls(0);
    // The same setup does fail once the token needs renewing, so the check
    // above would have caught a request (the secrets' recorded server is
    // dropped, or they would refuse the edited URL before any request).
    env.expire_cache("rm");
    env.forget_origin("rm");
    let out = env.run_fails(&["-v", "print-header", "-p", "rm"], 4);
    assert!(stderr(&out).contains("/accounts/refresh -> failed"));
}

#[test]
fn min_valid_must_be_a_duration() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let out = env.run_fails(&["print-header", "-p", "rm", "--min-valid", "soon"], 2);
    assert!(stderr(&out).contains("invalid value 'soon' for '--min-valid <DURATION>'"));
}

#[test]
fn unknown_format_is_a_usage_error() {
    let env = TestEnv::new();
    let out = env.run_fails(&["print-header", "--format", "yaml"], 2);
    assert!(stderr(&out).contains("invalid value 'yaml' for '--format <FORMAT>'"));
}

#[test]
fn no_profiles_yet_is_exit_3_with_a_hint() {
    let env = TestEnv::new();
    let out = env.run_fails(&["print-header"], 3);
    assert_eq!(
        stderr(&out),
        "tokctl: error: no profiles yet\n\
         hint: create one with `tokctl login --provider KIND -p NAME`\n"
    );
}

#[test]
fn several_profiles_without_a_default_need_p() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "a", 3600);
    env.login_realmassive(&srv, "b", 3600);
    let cfg = env.config_text().replace("default = \"a\"\n", "");
    env.write_config(&cfg);
    let out = env.run_fails(&["print-header"], 2);
    assert_eq!(
        stderr(&out),
        "tokctl: error: several profiles and no default: choose one with -p (a, b)\n\
         hint: or set `default = \"NAME\"` at the top of the profile file\n"
    );
    // TOKCTL_PROFILE chooses as -p does.
    let out = env.ok_revealing(env.tokctl().env("TOKCTL_PROFILE", "b").arg("print-header"));
    assert!(stdout(&out).starts_with("Authorization: Bearer "));
}

#[test]
fn an_invalid_header_name_is_a_usage_error() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    for name in ["", "X Custom", "X-A: b"] {
        let out = env.run_fails(&["print-header", "--header", name], 2);
        assert_eq!(
            stderr(&out),
            format!(
                "tokctl: error: --header '{name}' is not a valid HTTP header name\n\
                 hint: use letters, digits and '-', e.g. --header X-Auth-Token\n"
            )
        );
    }
}

/// The hot path trusts the cache only while the profile file is the one the
/// cache was written against: an edit sends it back to reading the file.
#[test]
fn an_edited_profile_file_is_read_again() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let want = format!("Authorization: Bearer {access}\n");
    assert_eq!(
        stdout(&env.run_revealing(&["print-header", "-p", "rm"])),
        want
    );

    // A harmless edit (a comment) is noticed and the file is read: still fine.
    let text = env.config_text();
    env.write_config(&format!("# edited by hand\n{text}"));
    assert_eq!(
        stdout(&env.run_revealing(&["print-header", "-p", "rm"])),
        want
    );
    assert_eq!(
        stdout(&env.run_revealing(&exec_rm_sh("echo \"Authorization: $TOKCTL_AUTHORIZATION\""))),
        want
    );

    // The profile removed by hand: the cached token is no longer handed out.
    env.write_config("# no profiles any more\n");
    let out = env.run_fails(&["print-header", "-p", "rm"], 5);
    assert_contains(&stderr(&out), "unknown profile 'rm'");
    env.run_fails(&["exec", "-p", "rm", "--", "true"], 5);

    // A broken file is reported, not bypassed.
    env.write_config(&format!("{text}\n[profiles.broken\n"));
    env.run_fails(&["print-header", "-p", "rm"], 5);
}

/// Another profile's login rewrites the profile file; the first call after
/// it re-stamps the cache, so the fast path comes back without a renewal.
#[test]
fn the_cache_is_restamped_after_an_unrelated_edit() {
    let (mut env, srv, access) = TestEnv::logged_in_rm();
    let before = env.cache_json("rm")["config_stamp"].clone();
    assert!(
        before.is_object(),
        "the cache records the profile file's stamp"
    );
    env.login_realmassive(&srv, "other", 3600);

    let out = env.run_revealing(&["print-header", "-p", "rm"]);
    assert_eq!(stdout(&out), format!("Authorization: Bearer {access}\n"));
    let after = env.cache_json("rm");
    assert_ne!(
        after["config_stamp"], before,
        "re-stamped against the new file"
    );
    assert_eq!(
        after["access"]["token"],
        access.as_str(),
        "same token, no renewal"
    );
}

/// A reader that went away (`tokctl print-header | head -c0`) is not an
/// error: exit 0, nothing on stderr, not death by SIGPIPE.
#[test]
fn a_closed_stdout_is_not_an_error() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let mut cmd = std::process::Command::new(env.tokctl().get_program());
    for (k, v) in env.tokctl().get_envs() {
        match v {
            Some(v) => cmd.env(k, v),
            None => cmd.env_remove(k),
        };
    }
    let out = cmd
        .args(["print-header", "-p", "rm"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
}
