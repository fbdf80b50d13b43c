//! The contract every provider keeps, written once: each scenario is a
//! generic function over a [`ProviderFixture`], and [`provider_contract!`]
//! turns the list into `#[test]`s in the provider's test file, as ripgrep's
//! `rgtest!` does. So `cargo test timeout_at_login` runs that scenario for
//! every provider, and a new provider gets all of them by one line.

use super::provider::{Mocks, ProviderFixture, Renewal, Tokens, mock_slow_post};
use super::*;
use httpmock::MockServer;
use predicates::prelude::*;
use serde_json::{Value, json};
use std::process::Output;
use std::time::{Duration, Instant};

/// The scenarios as `#[test]`s in a `contract` module. `provider_contract!(F)`
/// runs those for every provider; `provider_contract!(F, refresh_token)` adds
/// the ones for providers that renew with a refresh token.
macro_rules! provider_contract {
    (@tests $module:ident, $fixture:ty; $($scenario:ident),+ $(,)?) => {
        mod $module {
            #[allow(unused_imports)]
            use super::*;
            $(
                #[test]
                fn $scenario() {
                    $crate::common::contract::$scenario::<$fixture>();
                }
            )+
        }
    };
    ($fixture:ty) => {
        $crate::common::contract::provider_contract!(@tests contract, $fixture;
            login_reports_one_line_on_stderr,
            login_json_has_no_token_values,
            quiet_login_prints_nothing,
            rejected_login_is_exit_3_and_writes_nothing,
            print_header_formats,
            fresh_token_never_touches_the_network,
            exec_gets_the_token,
            expired_token_is_renewed_once,
            min_valid_longer_than_the_token_renews,
            short_lifetime_is_renewed_before_use,
            refresh_command_always_asks_the_server,
            rejected_renewal_is_exit_3_and_leaves_the_store_alone,
            logout_deletes_the_tokens,
            html_error_page_at_login_is_exit_4_without_the_html,
            html_error_page_at_renewal_is_exit_4_and_keeps_the_tokens,
            html_with_status_200_at_renewal_is_exit_4,
            malformed_json_at_login_is_exit_4,
            malformed_json_at_renewal_is_exit_4_and_keeps_the_tokens,
            timeout_at_login_is_exit_4,
            timeout_at_renewal_is_exit_4_and_keeps_the_tokens,
            verbose_shows_requests_but_no_secrets,
            info_show_tokens_prints_them,
            info_works_on_an_expired_token_without_the_network,
        );
    };
    ($fixture:ty, refresh_token) => {
        $crate::common::contract::provider_contract!($fixture);
        $crate::common::contract::provider_contract!(@tests refresh_token_contract, $fixture;
            rejected_refresh_falls_back_to_saved_credentials,
            rejected_relogin_is_exit_3_and_keeps_the_saved_password,
        );
    };
}
pub(crate) use provider_contract;

const HTML_PAGE: &str = "<!DOCTYPE html>\n<html><head><title>500 Internal Server Error</title></head>\n\
    <body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>\n";

const NETWORK_HINT: &str =
    "hint: check the network and the URL, or raise --timeout; run with -v for details\n";

/// A fixture, a fresh environment and a mock server.
fn setup<P: ProviderFixture>() -> (P, TestEnv, MockServer) {
    (P::default(), TestEnv::new(), MockServer::start())
}

/// The renewal of `old`'s profile answering `new`: a refresh of `old`'s
/// refresh token, or a new login.
fn mock_renewal<'a, P: ProviderFixture>(
    p: &P,
    srv: &'a MockServer,
    old_refresh: Option<&str>,
    new: &Tokens,
) -> Mocks<'a> {
    match p.renewal() {
        Renewal::Refresh(_) => p.mock_refresh(srv, old_refresh.expect("a refresh token"), new),
        Renewal::Relogin => p.mock_login(srv, new),
    }
}

/// The renewal refused: returns the mocks and the error line.
fn mock_renewal_rejected<'a, P: ProviderFixture>(
    p: &P,
    srv: &'a MockServer,
    old_refresh: Option<&str>,
) -> (Mocks<'a>, String) {
    match p.renewal() {
        Renewal::Refresh(_) => p.mock_refresh_rejected(srv, old_refresh.expect("a refresh token")),
        Renewal::Relogin => p.mock_login_rejected(srv),
    }
}

/// The refresh token stored after a renewal from `old` to `new`.
fn stored_after<P: ProviderFixture>(p: &P, old: &Tokens, new: &Tokens) -> Option<String> {
    if p.refresh_rotates() {
        new.refresh.clone()
    } else {
        old.refresh.clone()
    }
}

fn stored_refresh(env: &TestEnv, profile: &str) -> Option<String> {
    env.secrets_json()["profiles"][profile]["refresh_token"]
        .as_str()
        .map(str::to_owned)
}

fn relogin_hint(profile: &str) -> String {
    format!("hint: run `tokctl login -p {profile}`\n")
}

pub fn login_reports_one_line_on_stderr<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let t = p.new_tokens(&mut env, "first", 3600);
    let m = p.mock_login(&srv, &t);
    let out = env.ok(&mut p.login_cmd(&env, &srv, p.profile()));
    m.assert_calls(1);
    assert_eq!(stdout(&out), "");
    let who = p
        .display_user()
        .map_or(String::new(), |u| format!(" as {}", regex_escape(u)));
    let want = format!(
        "^tokctl: logged in to profile '{}' \\({}\\){who}; token valid for (1h|59m 5[0-9]s); \
         secrets in the file store\n$",
        p.profile(),
        p.kind(),
    );
    assert!(
        predicate::str::is_match(want).unwrap().eval(&stderr(&out)),
        "stderr: {}",
        stderr(&out)
    );
}

pub fn login_json_has_no_token_values<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let before = now();
    let t = p.new_tokens(&mut env, "first", 3600);
    p.mock_login(&srv, &t);
    let out = env.ok(p.login_cmd(&env, &srv, p.profile()).arg("--json"));
    assert_eq!(stderr(&out), "", "--json prints no progress line");
    let v: Value = serde_json::from_str(&stdout(&out)).expect("one JSON object");
    assert_eq!(v["profile"], p.profile());
    assert_eq!(v["provider"], p.kind());
    assert_eq!(v["user"], json!(p.display_user()));
    assert_eq!(v["store"], "file");
    let exp = parse_rfc3339(v["expires_at"].as_str().unwrap());
    assert!((before + 3600..=now() + 3600).contains(&exp), "{v}");
    assert!(
        (3590..=3600).contains(&v["expires_in"].as_i64().unwrap()),
        "{v}"
    );
}

pub fn quiet_login_prints_nothing<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let t = p.new_tokens(&mut env, "first", 3600);
    p.mock_login(&srv, &t);
    let out = env.ok(p.login_cmd(&env, &srv, p.profile()).arg("-q"));
    assert_eq!(stderr(&out), "");
    assert_eq!(stdout(&out), "");
    assert!(env.cache_path(p.profile()).exists());
}

pub fn rejected_login_is_exit_3_and_writes_nothing<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let (m, said) = p.mock_login_rejected(&srv);
    let out = env.fails(&mut p.login_cmd(&env, &srv, p.profile()), 3);
    m.assert_calls(1);
    assert_eq!(stderr(&out), format!("tokctl: error: {said}\n"));
    assert!(!env.config_path().exists(), "no profile for a failed login");
    assert!(!env.secrets_path().exists());
}

pub fn print_header_formats<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let before = now();
    let t = p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    let after = now();
    let out = env.run_revealing(&["print-header", "-p", p.profile()]);
    assert_eq!(
        stdout(&out),
        format!("Authorization: Bearer {}\n", t.access)
    );
    assert_eq!(stderr(&out), "");
    // The scheme is always spelt `Bearer`, whatever the server's token_type.
    let v = env.assert_header_formats(p.profile(), &t.access);
    let exp = parse_rfc3339(v["expires_at"].as_str().unwrap());
    assert!((before + 3600..=after + 3600).contains(&exp), "{v}");
    assert!(v.get("id_token").is_none(), "{v}");
}

pub fn fresh_token_never_touches_the_network<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let t = p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    let other = mock_anything_else(&srv);
    for format in ["header", "token", "json", "curl"] {
        // -v would log every request on stderr.
        let out = env.run_revealing(&["-v", "print-header", "-p", p.profile(), "--format", format]);
        assert!(stdout(&out).contains(&t.access));
        assert_eq!(stderr(&out), "", "no request may be made");
    }
    other.assert_calls(0);
}

pub fn exec_gets_the_token<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let t = p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    let out = env.run_revealing(&[
        "exec",
        "-p",
        p.profile(),
        "--env",
        "API_TOKEN",
        "--",
        "sh",
        "-c",
        r#"printf '%s|%s|%s' "$TOKCTL_ACCESS_TOKEN" "$TOKCTL_AUTHORIZATION" "$API_TOKEN""#,
    ]);
    let a = &t.access;
    assert_eq!(stdout(&out), format!("{a}|Bearer {a}|{a}"));
}

pub fn expired_token_is_renewed_once<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &[]);
    env.expire_cache(name);
    let second = p.new_tokens(&mut env, "second", 3600);
    let m = mock_renewal(&p, &srv, first.refresh.as_deref(), &second);
    let want = format!("Authorization: Bearer {}\n", second.access);
    assert_eq!(
        stdout(&env.run_revealing(&["print-header", "-p", name])),
        want
    );
    m.assert_calls(1);
    assert_eq!(
        env.cache_json(name)["access"]["token"],
        second.access.as_str()
    );
    let stored = stored_after(&p, &first, &second);
    assert_eq!(stored_refresh(&env, name), stored, "the refresh token kept");
    if p.renewal() == Renewal::Relogin {
        assert_eq!(
            env.secrets_json()["profiles"][name]["password"],
            p.secret(),
            "the saved secret stays"
        );
    }
    // Fresh again: no second request.
    assert_eq!(
        stdout(&env.run_revealing(&["print-header", "-p", name])),
        want
    );
    m.assert_calls(1);
    m.delete();

    // The next renewal starts from what was stored.
    env.expire_cache(name);
    let third = p.new_tokens(&mut env, "third", 3600);
    let m = mock_renewal(&p, &srv, stored.as_deref(), &third);
    let out = env.run_revealing(&["print-header", "-p", name]);
    assert_eq!(
        stdout(&out),
        format!("Authorization: Bearer {}\n", third.access)
    );
    m.assert_calls(1);
}

pub fn min_valid_longer_than_the_token_renews<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &[]);
    let second = p.new_tokens(&mut env, "long", 3 * 3600);
    let m = mock_renewal(&p, &srv, first.refresh.as_deref(), &second);
    // 1 h left is enough for the default 60 s ...
    let out = env.run_revealing(&["print-header", "-p", name, "--format", "token"]);
    assert_eq!(stdout(&out), format!("{}\n", first.access));
    m.assert_calls(0);
    // ... but not for 2 h.
    let out = env.run_revealing(&[
        "print-header",
        "-p",
        name,
        "--format",
        "token",
        "--min-valid",
        "2h",
    ]);
    m.assert_calls(1);
    assert_eq!(stdout(&out), format!("{}\n", second.access));
}

pub fn short_lifetime_is_renewed_before_use<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 30, &[]);
    let second = p.new_tokens(&mut env, "long", 600);
    let m = mock_renewal(&p, &srv, first.refresh.as_deref(), &second);
    // 30 s left is less than the default --min-valid of 60 s.
    let out = env.run_revealing(&[
        "exec",
        "-p",
        name,
        "--",
        "sh",
        "-c",
        r#"printf %s "$TOKCTL_ACCESS_TOKEN""#,
    ]);
    assert_eq!(stdout(&out), second.access);
    m.assert_calls(1);
}

pub fn refresh_command_always_asks_the_server<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &[]);
    let second = p.new_tokens(&mut env, "forced", 3600);
    let m = mock_renewal(&p, &srv, first.refresh.as_deref(), &second);
    let out = env.run_ok(&["refresh", "-p", name]);
    m.assert_calls(1);
    assert_eq!(stdout(&out), "");
    let want = format!("^tokctl: refreshed profile '{name}': token valid for (1h|59m 5[0-9]s)\n$");
    assert!(
        predicate::str::is_match(want).unwrap().eval(&stderr(&out)),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        env.cache_json(name)["access"]["token"],
        second.access.as_str()
    );
    let stored = stored_after(&p, &first, &second);
    assert_eq!(stored_refresh(&env, name), stored);
    m.delete();

    let third = p.new_tokens(&mut env, "again", 3600);
    let m = mock_renewal(&p, &srv, stored.as_deref(), &third);
    let out = env.run_ok(&["refresh", "-p", name, "--json"]);
    m.assert_calls(1);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["profile"], name);
    parse_rfc3339(v["expires_at"].as_str().unwrap());
    let out = env.run_revealing(&["print-header", "-p", name, "--format", "token"]);
    assert_eq!(stdout(&out), format!("{}\n", third.access));
}

pub fn rejected_renewal_is_exit_3_and_leaves_the_store_alone<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &[]);
    env.expire_cache(name);
    let secrets_before = env.secrets_bytes();
    let cache_before = read(&env.cache_path(name));
    let (m, said) = mock_renewal_rejected(&p, &srv, first.refresh.as_deref());
    for args in [&["print-header", "-p", name][..], &["refresh", "-p", name]] {
        let out = env.run_fails(args, 3);
        assert_eq!(
            stderr(&out),
            format!("tokctl: error: {said}\n{}", relogin_hint(name))
        );
    }
    m.assert_calls(2);
    assert_eq!(env.secrets_bytes(), secrets_before);
    assert_eq!(read(&env.cache_path(name)), cache_before);
}

pub fn rejected_refresh_falls_back_to_saved_credentials<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &["--save-credentials"]);
    assert_eq!(env.secrets_json()["profiles"][name]["password"], p.secret());
    env.expire_cache(name);
    let (refresh, _) = p.mock_refresh_rejected(&srv, first.refresh.as_deref().unwrap());
    let second = p.new_tokens(&mut env, "relogin", 3600);
    let login = p.mock_login(&srv, &second);
    let out = env.run_revealing(&["print-header", "-p", name, "--format", "token"]);
    refresh.assert_calls(1);
    login.assert_calls(1);
    assert_eq!(stdout(&out), format!("{}\n", second.access));
    let s = &env.secrets_json()["profiles"][name];
    assert_eq!(s["refresh_token"], json!(second.refresh));
    assert_eq!(s["password"], p.secret(), "the saved password stays");
}

pub fn rejected_relogin_is_exit_3_and_keeps_the_saved_password<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    let first = p.logged_in(&mut env, &srv, name, 3600, &["--save-credentials"]);
    env.expire_cache(name);
    let secrets_before = env.secrets_bytes();
    let _refresh = p.mock_refresh_rejected(&srv, first.refresh.as_deref().unwrap());
    let (login, said) = p.mock_login_rejected(&srv);
    let out = env.run_fails(&["print-header", "-p", name], 3);
    login.assert_calls(1);
    assert_eq!(
        stderr(&out),
        format!("tokctl: error: {said}\n{}", relogin_hint(name))
    );
    assert_eq!(env.secrets_bytes(), secrets_before);
}

pub fn logout_deletes_the_tokens<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let name = p.profile();
    p.logged_in(&mut env, &srv, name, 3600, &["--save-credentials"]);
    assert!(env.secrets_json()["profiles"][name]["password"].is_string());
    let config_before = env.config_text();
    let out = env.run_ok(&["logout", "-p", name]);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        format!("tokctl: logged out of profile '{name}'\n")
    );
    assert_eq!(env.secrets_json()["profiles"].get(name), None);
    assert!(!env.cache_path(name).exists());
    assert_eq!(env.config_text(), config_before, "the profile stays");

    let out = env.run_fails(&["print-header", "-p", name], 3);
    assert_eq!(
        stderr(&out),
        format!(
            "tokctl: error: profile '{name}' is not logged in\n{}",
            relogin_hint(name)
        )
    );
    let out = env.run_ok(&["profiles", "--json"]);
    let rows: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(rows[0]["state"], "logged out");
    let out = env.run_ok(&["info", "-p", name, "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["logged_in"], false);
    assert_eq!(v["refresh_token"], false);
}

pub fn html_error_page_at_login_is_exit_4_without_the_html<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    mock_post_answer(&srv, p.login_path(), 502, "text/html", HTML_PAGE);
    let out = env.fails(&mut p.login_cmd(&env, &srv, p.profile()), 4);
    assert_eq!(
        stderr(&out),
        "tokctl: error: login failed: HTTP 502 with an HTML page\n"
    );
    assert!(!env.config_path().exists());
    assert!(env.secrets_bytes().is_none());
}

/// A logged-in profile whose token has expired and whose renewal is
/// answered with `status`, `content_type` and the body `body` makes: exit 4,
/// the error `tokctl: error: <phase><says>`, the stored tokens untouched.
fn renewal_answer_is_exit_4<P: ProviderFixture>(
    status: u16,
    content_type: &str,
    body: impl FnOnce(&mut TestEnv) -> String,
    says: &str,
) {
    let (p, mut env, srv) = setup::<P>();
    let body = body(&mut env);
    p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    env.expire_cache(p.profile());
    mock_post_answer(&srv, p.renewal_path(), status, content_type, &body);
    let before = env.secrets_bytes();
    let out = env.run_fails(&["print-header", "-p", p.profile()], 4);
    assert_eq!(
        stderr(&out),
        format!("tokctl: error: {}{says}\n", p.renewal_phase())
    );
    assert_eq!(env.secrets_bytes(), before, "nothing changed");
}

pub fn html_error_page_at_renewal_is_exit_4_and_keeps_the_tokens<P: ProviderFixture>() {
    let page = |_: &mut TestEnv| HTML_PAGE.to_string();
    renewal_answer_is_exit_4::<P>(
        500,
        "text/html",
        page,
        " failed: HTTP 500 with an HTML page",
    );
}

pub fn html_with_status_200_at_renewal_is_exit_4<P: ProviderFixture>() {
    let page = |_: &mut TestEnv| HTML_PAGE.to_string();
    let says = ": the server answered HTTP 200 with an HTML page instead of JSON";
    renewal_answer_is_exit_4::<P>(200, "text/html", page, says);
}

/// A JSON body cut off inside a token: the token must not be quoted.
fn truncated_json(env: &mut TestEnv) -> String {
    let fragment = env.plant("eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjF9.truncated");
    format!(r#"{{"access_token": "{fragment}"#)
}

const NOT_JSON: &str =
    ": the server answered HTTP 200 with a body that is not JSON instead of JSON";

pub fn malformed_json_at_login_is_exit_4<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let body = truncated_json(&mut env);
    mock_post_answer(&srv, p.login_path(), 200, "application/json", &body);
    let out = env.fails(&mut p.login_cmd(&env, &srv, p.profile()), 4);
    assert_eq!(stderr(&out), format!("tokctl: error: login{NOT_JSON}\n"));
    assert!(env.secrets_bytes().is_none());
}

pub fn malformed_json_at_renewal_is_exit_4_and_keeps_the_tokens<P: ProviderFixture>() {
    renewal_answer_is_exit_4::<P>(200, "application/json", truncated_json, NOT_JSON);
}

/// Runs `run`, which must give up on `url` at its 1 s `--timeout`: exit 4
/// well before the server's 3 s answer, saying so with the network hint.
fn assert_gives_up_on(env: &TestEnv, url: String, run: impl FnOnce() -> Output) {
    let start = Instant::now();
    let out = run();
    assert!(
        start.elapsed() < Duration::from_millis(2900),
        "gave up in time"
    );
    env.assert_failed_status(&out, 4);
    assert_eq!(
        stderr(&out),
        format!("tokctl: error: {url} did not answer within 1s\n{NETWORK_HINT}")
    );
}

pub fn timeout_at_login_is_exit_4<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    mock_slow_post(&srv, p.login_path(), Duration::from_secs(3));
    let mut login = p.login_cmd(&env, &srv, p.profile());
    login.args(["--timeout", "1s"]);
    assert_gives_up_on(&env, srv.url(p.login_path()), || login.output().unwrap());
    assert!(env.secrets_bytes().is_none());
}

pub fn timeout_at_renewal_is_exit_4_and_keeps_the_tokens<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    env.expire_cache(p.profile());
    let before = env.secrets_bytes();
    mock_slow_post(&srv, p.renewal_path(), Duration::from_secs(3));
    let mut print = env.tokctl();
    print.args(["--timeout", "1s", "print-header", "-p", p.profile()]);
    assert_gives_up_on(&env, srv.url(p.renewal_path()), || print.output().unwrap());
    assert_eq!(env.secrets_bytes(), before);
}

pub fn verbose_shows_requests_but_no_secrets<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    env.plant(p.secret());
    let first = p.new_tokens(&mut env, "first", 3600);
    let login = p.mock_login(&srv, &first);
    let out = env.ok(p.login_cmd(&env, &srv, p.profile()).arg("-v"));
    login.assert_calls(1);
    let want = format!(
        "(?m)^tokctl: POST {} -> 200 \\([0-9]+ ms\\)$",
        regex_escape(&srv.url(p.login_path()))
    );
    assert!(
        predicate::str::is_match(want).unwrap().eval(&stderr(&out)),
        "{}",
        stderr(&out)
    );
    login.delete();

    let second = p.new_tokens(&mut env, "second", 3600);
    mock_renewal(&p, &srv, first.refresh.as_deref(), &second);
    let out = env.run_ok(&["-v", "refresh", "-p", p.profile()]);
    let want = format!("tokctl: POST {} -> 200 (", srv.url(p.renewal_path()));
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
}

pub fn info_show_tokens_prints_them<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    let t = p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    let out = env.run_revealing(&["info", "-p", p.profile(), "--json", "--show-tokens"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["access_token"], t.access.as_str());
    assert_eq!(v["refresh_token_value"], json!(t.refresh));
    assert!(!stdout(&out).contains(p.secret()));
}

pub fn info_works_on_an_expired_token_without_the_network<P: ProviderFixture>() {
    let (p, mut env, srv) = setup::<P>();
    p.logged_in(&mut env, &srv, p.profile(), 3600, &[]);
    env.expire_cache(p.profile());
    let other = mock_anything_else(&srv);
    let out = env.run_ok(&["info", "-p", p.profile(), "--json"]);
    let v: Value = serde_json::from_str(&stdout(&out)).unwrap();
    assert_eq!(v["expired"], true);
    assert!(v["expires_in"].as_i64().unwrap() < 0);
    let out = env.run_ok(&["info", "-p", p.profile()]);
    let text = stdout(&out);
    assert_eq!(text_field(&text, "expired"), Some("true"), "{text}");
    assert!(
        text_field(&text, "expires in")
            .is_some_and(|v| v.starts_with("expired ") && v.ends_with(" ago")),
        "{text}"
    );
    other.assert_calls(0);
}
