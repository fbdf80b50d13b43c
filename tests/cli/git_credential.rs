//! `tokctl git-credential`: the protocol piped by hand, then the real git
//! (2.47 with Bearer through `authtype`, Debian's 2.39 with Basic) cloning
//! from a smart-HTTP server that takes only a live token from the issuer.

use crate::common::git_server::{GitServer, Seen, make_repo};
use crate::common::mock_api::MockApi;
use crate::common::*;
use std::path::Path;
use std::process::Output;

/// git ≥ 2.46: announces `capability[]=authtype`, so Bearer.
const NEW_GIT: &str = "/usr/local/bin/git";
/// Debian's git 2.39: Basic with the token as the password.
const OLD_GIT: &str = "/usr/bin/git";

fn get(env: &TestEnv, args: &[&str], input: &str) -> Output {
    env.tokctl()
        .args(["git-credential"])
        .args(args)
        .arg("get")
        .write_stdin(input)
        .output()
        .unwrap()
}

#[test]
fn get_answers_bearer_when_git_takes_authtype() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let exp = env.cache_json("rm")["expires_at"].as_i64().unwrap();
    let input = "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\npath=a/b.git\n\n";
    let out = get(&env, &["-p", "rm"], input);
    assert_eq!(
        env.assert_ok(&out),
        format!(
            "capability[]=authtype\nauthtype=Bearer\ncredential={access}\npassword_expiry_utc={exp}\n"
        )
    );
}

#[test]
fn get_answers_basic_with_the_best_user_name() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let exp = env.cache_json("rm")["expires_at"].as_i64().unwrap();
    let basic =
        |user: &str| format!("username={user}\npassword={access}\npassword_expiry_utc={exp}\n");
    // No name from git and none in the profile: oauth2.
    let out = get(
        &env,
        &["-p", "rm"],
        "protocol=https\nhost=git.example.com\n",
    );
    assert_eq!(env.assert_ok(&out), basic("oauth2"));
    // The profile's git_username, set by hand.
    let text = env.config_text();
    env.write_config(&text.replace(
        "[profiles.rm]\n",
        "[profiles.rm]\ngit_username = \"x-token-auth\"\n",
    ));
    let out = get(
        &env,
        &["-p", "rm"],
        "protocol=https\nhost=git.example.com\n",
    );
    assert_eq!(env.assert_ok(&out), basic("x-token-auth"));
    // The name git sent wins.
    let out = get(
        &env,
        &["-p", "rm"],
        "protocol=https\nhost=git.example.com\nusername=alice\n",
    );
    assert_eq!(env.assert_ok(&out), basic("alice"));
}

#[test]
fn get_stays_silent_for_other_protocols_and_remote_plain_http() {
    let (env, _srv, _) = TestEnv::logged_in_rm();
    for input in [
        "protocol=http\nhost=git.example.com\n",
        "protocol=ssh\nhost=git.example.com\n",
        "protocol=http\nhost=127.0.0.1.nip.example\n",
        "host=git.example.com\n",
    ] {
        let out = get(&env, &["-p", "rm"], input);
        assert_eq!(env.assert_ok(&out), "", "{input}");
    }
    let out = get(&env, &["-p", "rm"], "protocol=http\nhost=127.0.0.1:8080\n");
    assert!(env.assert_ok(&out).contains("password="));
}

#[test]
fn store_does_nothing_and_erase_drops_only_the_access_token() {
    let (mut env, srv, access) = TestEnv::logged_in_rm();
    let secrets = env.secrets_bytes();
    let input = format!("protocol=https\nhost=h.example\nusername=u\npassword={access}\n");
    for op in ["store", "erase"] {
        let out = env
            .tokctl()
            .args(["git-credential", "-p", "rm", op])
            .write_stdin(input.clone())
            .output()
            .unwrap();
        assert_eq!(env.assert_ok(&out), "", "{op}");
    }
    assert!(
        env.cache_json("rm").get("access").is_none(),
        "the access token is gone"
    );
    assert_eq!(
        env.secrets_bytes(),
        secrets,
        "refresh token and credentials untouched"
    );
    // The next get renews with the refresh token.
    let renewed = env.rm_access("renewed", 3600);
    let refresh = mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        200,
        rm_refresh_body(&renewed, None, 3600),
    );
    let out = get(&env, &["-p", "rm"], "protocol=https\nhost=h.example\n");
    assert!(
        env.assert_ok(&out)
            .contains(&format!("password={renewed}\n"))
    );
    refresh.assert();
}

#[test]
fn erase_of_a_token_that_was_already_replaced_keeps_the_new_one() {
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let input = "protocol=https\nhost=h.example\nauthtype=Bearer\ncredential=some-older-token\n";
    let out = env
        .tokctl()
        .args(["git-credential", "-p", "rm", "erase"])
        .write_stdin(input)
        .output()
        .unwrap();
    env.assert_ok(&out);
    assert_eq!(env.cache_json("rm")["access"]["token"], access);
}

#[test]
fn a_dead_login_fails_at_once_without_prompting() {
    let (env, srv, _) = TestEnv::logged_in_rm();
    env.expire_cache("rm");
    let refresh = mock_rm_refresh(
        &srv,
        &rm_initial_refresh("rm"),
        401,
        jsonapi_error(401, "Invalid refresh token", "Invalid refresh token."),
    );
    let out = get(&env, &["-p", "rm"], "protocol=https\nhost=h.example\n");
    let err = env.assert_failed(&out, 3);
    assert!(err.contains("hint: run `tokctl login -p rm`"), "{err}");
    refresh.assert();
}

// --- the real git -----------------------------------------------------------------

/// A throwaway git setup: HOME and the global config in the temp dir, no
/// system config, never a terminal prompt.
fn git(env: &TestEnv, program: &str) -> std::process::Command {
    let mut cmd = env.client(program);
    cmd.env("GIT_CONFIG_GLOBAL", env.dir.path().join("gitconfig"))
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_TERMINAL_PROMPT", "0")
        .env_remove("GIT_ASKPASS")
        .env_remove("SSH_ASKPASS")
        .stdin(std::process::Stdio::null());
    cmd
}

/// `git -c credential.helper=… ARGS` with tokctl as the only helper.
fn git_via_tokctl(env: &TestEnv, program: &str, extra: &str, args: &[&str]) -> Output {
    let helper = format!(
        "!{} git-credential -p rm {extra}",
        env.tokctl_path().display()
    );
    git(env, program)
        .args(["-c", "credential.helper=", "-c"])
        .arg(format!("credential.helper={helper}"))
        .args(args)
        .output()
        .unwrap()
}

fn assert_git_ok(out: &Output, what: &str) {
    assert!(
        out.status.success(),
        "{what}: {:?}\n{}",
        out.status,
        stderr(out)
    );
}

fn require_git(program: &str) -> bool {
    if Path::new(program).exists() {
        return true;
    }
    // scripts/test installs both; a bare `cargo test` elsewhere says why it skips.
    eprintln!("SKIP: {program} is not installed (scripts/test installs it)");
    false
}

struct GitFixture {
    env: TestEnv,
    mock: std::sync::Arc<MockApi>,
    server: GitServer,
    repo_url: String,
}

fn fixture(access_ttl: u64) -> GitFixture {
    let env = TestEnv::new();
    let mock = std::sync::Arc::new(MockApi::start_with(&[
        "--access-ttl",
        &access_ttl.to_string(),
    ]));
    env.login_mock(&mock, "rm");
    let root = env.dir.path().join("repos");
    std::fs::create_dir_all(&root).unwrap();
    make_repo(&root, "project", "hello from the server\n");
    let issuer = mock.clone();
    let server = GitServer::start(&root, move |t| issuer.accepts(t));
    let repo_url = format!("{}/project.git", server.url);
    GitFixture {
        env,
        mock,
        server,
        repo_url,
    }
}

fn clone_and_check(f: &GitFixture, program: &str, extra: &str, dest: &str) {
    let dest = f.env.dir.path().join(dest);
    let out = git_via_tokctl(
        &f.env,
        program,
        extra,
        &["clone", "-q", &f.repo_url, dest.to_str().unwrap()],
    );
    assert_git_ok(&out, "git clone");
    assert_eq!(
        std::fs::read_to_string(dest.join("README")).unwrap(),
        "hello from the server\n"
    );
}

/// Clones and lists with `program`; returns what the server saw of the
/// credentials it let in (at least one).
fn accepted_credentials(program: &str) -> Vec<Seen> {
    let f = fixture(3600);
    clone_and_check(&f, program, "", "c1");
    let out = git_via_tokctl(&f.env, program, "", &["ls-remote", &f.repo_url]);
    assert_git_ok(&out, "git ls-remote");
    assert!(stdout(&out).contains("refs/heads/main"), "{}", stdout(&out));
    let accepted: Vec<_> = f.server.seen().into_iter().filter(|s| s.accepted).collect();
    assert!(!accepted.is_empty());
    accepted
}

#[test]
fn new_git_clones_with_bearer() {
    if require_git(NEW_GIT) {
        let seen = accepted_credentials(NEW_GIT);
        assert!(seen.iter().all(|s| s.scheme == "Bearer"), "{seen:?}");
    }
}

#[test]
fn old_git_clones_with_basic_and_the_token_as_password() {
    if require_git(OLD_GIT) {
        let seen = accepted_credentials(OLD_GIT);
        let basic = |s: &Seen| s.scheme == "Basic" && s.username.as_deref() == Some("oauth2");
        assert!(seen.iter().all(basic), "{seen:?}");
    }
}

#[test]
fn a_clone_after_expiry_gets_a_renewed_token() {
    if !require_git(NEW_GIT) {
        return;
    }
    // Tokens live 6 s and are handed out with at least 4 s left, so a clone
    // on a slow machine finishes with the token it started with.
    let f = fixture(6);
    clone_and_check(&f, NEW_GIT, "--min-valid 4s", "c1");
    let first = f.server.accepted_tokens();
    let before = f.mock.refreshes();
    // Wait for the mock to stop taking the first token.
    let t0 = std::time::Instant::now();
    while f.mock.accepts(&first[0]) {
        assert!(t0.elapsed().as_secs() < 15, "the token never expired");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    clone_and_check(&f, NEW_GIT, "--min-valid 4s", "c2");
    let tokens = f.server.accepted_tokens();
    assert_eq!(tokens.len(), 2, "a new token for the second clone");
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(f.mock.refreshes(), before + 1);
}

#[test]
fn a_refused_token_is_erased_and_the_next_get_renews() {
    for program in [NEW_GIT, OLD_GIT] {
        if !require_git(program) {
            continue;
        }
        let f = fixture(3600);
        f.server.reject_next_good_token();
        let out = git_via_tokctl(&f.env, program, "", &["ls-remote", &f.repo_url]);
        assert!(
            !out.status.success(),
            "{program}: the refused token fails this run"
        );
        let refused = f
            .server
            .seen()
            .into_iter()
            .find_map(|s| s.token)
            .expect("a token was sent");
        assert!(
            f.env.cache_json("rm").get("access").is_none(),
            "{program}: erase dropped it"
        );
        let before = f.mock.refreshes();
        let out = git_via_tokctl(&f.env, program, "", &["ls-remote", &f.repo_url]);
        assert_git_ok(&out, "second ls-remote");
        assert_eq!(f.mock.refreshes(), before + 1, "{program}: renewed once");
        let accepted = f.server.accepted_tokens();
        assert_eq!(accepted.len(), 1);
        assert_ne!(accepted[0], refused);
    }
}

#[test]
fn setup_resets_other_helpers_for_the_url() {
    if !require_git(NEW_GIT) {
        return;
    }
    let f = fixture(3600);
    let home = f.env.dir.path().join("home");
    std::fs::create_dir_all(&home).unwrap();
    // A storage helper configured before tokctl would keep a copy of the token.
    std::fs::write(
        f.env.dir.path().join("gitconfig"),
        "[credential]\n\thelper = store\n",
    )
    .unwrap();
    let want = [
        String::new(),
        format!("!{} git-credential -p rm", f.env.tokctl_path().display()),
    ];
    // Setting up twice still leaves one reset and one tokctl.
    for _ in 0..2 {
        let out = git(&f.env, f.env.tokctl_path().to_str().unwrap())
            .args(["git-credential", "--setup", &f.server.url, "-p", "rm"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(stdout(&out).is_empty());
        let key = format!("credential.{}.helper", f.server.url);
        let out = git(&f.env, NEW_GIT)
            .args(["config", "--global", "--get-all", &key])
            .output()
            .unwrap();
        let helpers: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        assert_eq!(helpers, want);
    }
    // A clone works through the configured helper, and `store` kept nothing.
    let dest = f.env.dir.path().join("c1");
    let out = git(&f.env, NEW_GIT)
        .args(["clone", "-q", &f.repo_url, dest.to_str().unwrap()])
        .output()
        .unwrap();
    assert_git_ok(&out, "clone after --setup");
    assert!(
        !home.join(".git-credentials").exists(),
        "the store helper was asked to keep the token"
    );
}

#[test]
fn setup_refuses_plain_http_to_another_host() {
    let env = TestEnv::new();
    let out = env
        .tokctl()
        .args([
            "git-credential",
            "--setup",
            "http://git.example.com",
            "-p",
            "rm",
        ])
        .output()
        .unwrap();
    env.assert_failed(&out, 2);
}
