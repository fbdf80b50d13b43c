//! RealMassive: the contract every provider keeps (`provider_contract!`, see
//! `common/contract.rs`), RealMassive's quirks (a refresh answer without a
//! refresh token, the user entity on the API host), and the commands around
//! profiles — `profiles`, `info`, `logout`, logging in again — shown on it.

use crate::common::contract::provider_contract;
use crate::common::*;
use httpmock::prelude::*;
use predicates::prelude::*;
use serde_json::{Value, json};

provider_contract!(RealMassive, refresh_token);

#[test]
fn login_writes_settings_to_config_and_secrets_to_the_store() {
    let (env, srv, access) = TestEnv::logged_in_rm();

    let cfg = env.config_text();
    assert!(cfg.contains("default = \"rm\""), "{cfg}");
    assert!(cfg.contains("[profiles.rm]"), "{cfg}");
    assert!(cfg.contains("provider = \"realmassive\""), "{cfg}");
    assert!(cfg.contains(&format!("base_url = \"{}\"", srv.base_url())));
    assert!(cfg.contains(&format!("username = \"{RM_EMAIL}\"")), "{cfg}");
    assert!(cfg.contains("store = \"file\""), "{cfg}");
    for s in &env.secrets {
        assert!(
            !cfg.contains(s.as_str()),
            "secret {s:?} in the config:\n{cfg}"
        );
    }

    let secrets = env.secrets_json()["profiles"]["rm"].clone();
    assert_eq!(secrets["refresh_token"], rm_initial_refresh("rm"));
    assert!(
        secrets.get("password").is_none(),
        "realmassive does not save the password unless asked: {secrets}"
    );
    assert!(secrets.get("access").is_none(), "the cache holds it");
    let cache = env.cache_json("rm");
    assert_eq!(cache["access"]["token"], access.as_str());
    assert_eq!(cache["user"]["id"], RM_USER_ID);
    assert!(
        !std::fs::read_to_string(env.cache_path("rm"))
            .unwrap()
            .contains(&rm_initial_refresh("rm")),
        "the refresh token stays out of the cache"
    );
}

#[test]
fn second_profile_keeps_the_default() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "first", 3600);
    env.login_realmassive(&srv, "second", 3600);
    let cfg = env.config_text();
    assert!(cfg.contains("default = \"first\""), "{cfg}");
    // Without -p, the default profile is used.
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["name"], "first");
    assert_eq!(rows[0]["default"], true);
    assert_eq!(rows[1]["default"], false);
}

#[test]
fn refresh_answer_without_refresh_token_keeps_the_old_one() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    let (_a2, m) = env.rm_refresh_answers(&srv, "rm", "a2", 3600);
    env.run_ok(&["refresh", "-p", "rm"]);
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        rm_initial_refresh("rm")
    );
    // The kept token is the one the next refresh sends.
    env.run_ok(&["refresh", "-p", "rm"]);
    m.assert_calls(2);
}

#[test]
fn logout_keep_credentials_keeps_only_the_password() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive_with(&srv, "rm", 3600, &["--save-credentials"]);
    env.run_ok(&["logout", "-p", "rm", "--keep-credentials"]);
    let s = env.secrets_json()["profiles"]["rm"].clone();
    // The password stays bound to the server it was given for.
    assert_eq!(
        s,
        json!({"password": RM_PASSWORD, "origin": srv.base_url()})
    );
    assert!(!env.cache_path("rm").exists());

    // Without --keep-credentials the password goes too.
    env.run_ok(&["logout", "-p", "rm"]);
    assert_eq!(env.secrets_json()["profiles"].get("rm"), None);
}

#[test]
fn profiles_lists_every_state() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "fresh", 3600);
    env.login_realmassive(&srv, "stale", 3600);
    env.expire_cache("stale");
    env.login_realmassive(&srv, "gone", 3600);
    env.run_ok(&["logout", "-p", "gone"]);
    // A login answer without a refresh token and no saved password: once
    // expired, nothing can renew it.
    let a = env.rm_access("dead", 3600);
    let mut body = rm_login_body(&a, "", 3600);
    body.as_object_mut().unwrap().remove("refresh_token");
    let m = srv.mock(|when, then| {
        when.method(POST).path("/accounts/login");
        then.status(200).json_body(body);
    });
    env.ok(&mut RealMassive.login_cmd(&env, &srv, "dead"));
    m.assert();
    env.expire_cache("dead");

    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    let states: Vec<(&str, &str)> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r["state"].as_str().unwrap()))
        .collect();
    assert_eq!(
        states,
        [
            ("fresh", "valid"),
            ("stale", "refreshable"),
            ("gone", "logged out"),
            ("dead", "expired"),
        ]
    );
    assert_eq!(rows[0]["provider"], "realmassive");
    assert_eq!(rows[0]["user"], RM_EMAIL);
    assert_eq!(rows[0]["store"], "file");
    assert!((3500..=3600).contains(&rows[0]["expires_in"].as_i64().unwrap()));

    let out = env.run_ok(&["profiles"]);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 5, "{text}");
    assert!(
        predicate::str::is_match("^NAME +PROVIDER +USER +STORE +STATE +EXPIRES IN$")
            .unwrap()
            .eval(lines[0]),
        "{text}"
    );
    for (line, (name, state)) in lines[1..].iter().zip(&states) {
        assert!(line.starts_with(name), "{line}");
        assert!(line.contains(state), "{line}");
    }
    assert!(
        lines[1].starts_with("fresh* "),
        "the default is starred: {text}"
    );
    assert!(lines[1].contains("realmassive"), "{text}");
}

#[test]
fn info_shows_the_token_state_without_token_values() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    let out = env.run_ok(&["info", "-p", "rm", "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["profile"], "rm");
    assert_eq!(v["provider"], "realmassive");
    assert_eq!(
        v["endpoints"]["login"],
        format!("{}/accounts/login", srv.base_url())
    );
    assert_eq!(
        v["endpoints"]["refresh"],
        format!("{}/accounts/refresh", srv.base_url())
    );
    assert_eq!(v["user"], RM_EMAIL);
    assert_eq!(v["store"], "file");
    assert_eq!(v["logged_in"], true);
    assert_eq!(v["expired"], false);
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["refresh_token"], true);
    assert_eq!(v["saved_credentials"], false);
    assert_eq!(v["access_token_jwt"]["header"]["alg"], "HS256");
    assert_eq!(v["access_token_jwt"]["claims"]["iss"], "realmassive");
    let exp = parse_rfc3339(v["expires_at"].as_str().unwrap());
    assert!((now() + 3500..=now() + 3600).contains(&exp));

    let out = env.run_ok(&["info", "-p", "rm"]);
    let text = stdout(&out);
    assert!(text.starts_with("profile: "), "who comes first:\n{text}");
    for (key, want) in [
        ("profile", "rm"),
        ("provider", "realmassive"),
        ("user", RM_EMAIL),
        ("store", "file"),
        ("expired", "false"),
        ("refresh token", "true"),
    ] {
        assert_eq!(text_field(&text, key), Some(want), "{key}:\n{text}");
    }
    // A loaded machine may take a second between login and info.
    let left = text_field(&text, "expires in").unwrap_or_default();
    assert!(
        left == "1h" || left.starts_with("59m "),
        "expires in: {left}\n{text}"
    );
    // Values line up in one column.
    let columns: std::collections::BTreeSet<usize> = text
        .lines()
        .filter(|l| !l.starts_with(' '))
        .map(|l| l.len() - l.split_once(':').unwrap().1.trim_start().len())
        .collect();
    assert_eq!(columns.len(), 1, "ragged columns:\n{text}");
}

#[test]
fn info_remote_reads_the_user_entity_on_the_api_host() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let api = MockServer::start();
    let access = env.login_realmassive_with(&srv, "rm", 3600, &["--api-url", &api.base_url()]);
    let user = rm_login_body("", "", 0)["user"].clone();
    let m = api.mock(|when, then| {
        when.method(GET)
            .path(format!("/users/{RM_USER_ID}"))
            .header("authorization", format!("Bearer {access}"));
        then.status(200)
            .header("content-type", "application/vnd.api+json")
            .json_body(json!({ "data": user }));
    });
    let out = env.run_ok(&["info", "-p", "rm", "--json", "--remote"]);
    m.assert();
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["endpoints"]["api"], api.base_url());
    assert_eq!(v["remote"]["id"], RM_USER_ID);
    assert_eq!(v["remote"]["attributes"]["email"], RM_EMAIL);
}

#[test]
fn info_remote_with_a_rejected_token_is_exit_3() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive_with(&srv, "rm", 3600, &["--api-url", &srv.base_url()]);
    srv.mock(|when, then| {
        when.method(GET).path(format!("/users/{RM_USER_ID}"));
        then.status(401).json_body(jsonapi_error(
            401,
            "Invalid JWT",
            "Missing or invalid jwt token in Authorization Bearer header.",
        ));
    });
    let out = env.run_fails(&["info", "-p", "rm", "--remote"], 3);
    assert_eq!(
        stderr(&out),
        "tokctl: error: the server rejected the user entity request: \
         Missing or invalid jwt token in Authorization Bearer header.\n"
    );
}

#[test]
fn logging_in_again_replaces_the_tokens() {
    let (mut env, srv, _) = TestEnv::logged_in_rm();
    let a2 = env.rm_access("again", 3600);
    let r2 = env.rm_refresh("again");
    let m = mock_rm_login(&srv, &a2, &r2, 3600);
    // The profile exists: no --provider, --base-url or --username needed.
    env.ok(env
        .tokctl()
        .args(["login", "-p", "rm", "--password-stdin"])
        .write_stdin(format!("{RM_PASSWORD}\n")));
    m.assert();
    assert_eq!(
        env.secrets_json()["profiles"]["rm"]["refresh_token"],
        r2.as_str()
    );
    let out = env.run_revealing(&["print-header", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{a2}\n"));
}

#[test]
fn logout_all_logs_out_every_profile() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "a", 3600);
    env.login_realmassive(&srv, "b", 3600);
    let out = env.run_ok(&["logout", "--all"]);
    assert_eq!(
        stderr(&out),
        "tokctl: logged out of profile 'a'\ntokctl: logged out of profile 'b'\n"
    );
    assert_eq!(env.secrets_json()["profiles"], json!({}));
    assert!(!env.cache_path("a").exists() && !env.cache_path("b").exists());
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["state"], "logged out");
    assert_eq!(rows[1]["state"], "logged out");
}

#[test]
fn a_token_near_its_end_is_expiring_but_still_served() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.login_realmassive(&srv, "rm", 120);
    let other = mock_anything_else(&srv);
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["state"], "expiring");
    // Two minutes left beats the default --min-valid of 60 s.
    let out = env.run_revealing(&["print-header", "--format", "token"]);
    assert_eq!(stdout(&out), format!("{access}\n"));
    other.assert_calls(0);
}

/// `TOKCTL_PROFILE` exported in the shell must not break `logout --all`.
#[test]
fn logout_all_ignores_a_profile_from_the_environment() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    env.login_realmassive(&srv, "a", 3600);
    env.login_realmassive(&srv, "b", 3600);
    env.ok(env
        .tokctl()
        .env("TOKCTL_PROFILE", "a")
        .args(["logout", "--all"]));
    assert!(!env.cache_path("a").exists() && !env.cache_path("b").exists());
}
