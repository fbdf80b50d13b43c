//! A token per audience: `--scope`, `--resource` (RFC 8707) and
//! `--audience` on `print-header`, `exec` and the helpers, against the real
//! OpenID server. Its resource servers issue opaque tokens here
//! (`OIDC_RESOURCE_TOKEN_FORMAT=opaque`), so that introspection shows what
//! each token is for.

use crate::common::oidc::*;
use crate::common::*;
use serde_json::Value;

const API: &str = "https://api.example.test/";
const OTHER: &str = "https://other.example.test/";

/// A profile `w` logged in through the browser as the confidential basic
/// client, granted `API` with both API scopes.
struct Granted {
    env: TestEnv,
    srv: OidcServer,
}

impl Granted {
    fn new() -> Granted {
        let mut env = TestEnv::new();
        let srv =
            OidcServer::start_with_env(300, 3600, &[("OIDC_RESOURCE_TOKEN_FORMAT", "opaque")]);
        env.plant(BASIC_CLIENT.1);
        let resource = format!("resource={API}");
        let out = env
            .tokctl()
            .args([
                "login",
                "-p",
                "w",
                "--provider",
                "oidc",
                "--issuer",
                &srv.issuer,
            ])
            .args(["--client-id", BASIC_CLIENT.0, "--client-secret-stdin"])
            .args([
                "--scope",
                "openid",
                "--scope",
                "api:read",
                "--scope",
                "api:write",
            ])
            .args(["--auth-param", &resource])
            .env("BROWSER", OidcServer::browser_path())
            .write_stdin(format!("{}\n", BASIC_CLIENT.1))
            .output()
            .unwrap();
        env.assert_ok(&out);
        srv.reset();
        Granted { env, srv }
    }

    /// `print-header -p w --format token ARGS`: the token alone.
    fn token(&self, args: &[&str]) -> String {
        let out = self
            .env
            .tokctl()
            .args(["print-header", "-p", "w", "--format", "token"])
            .args(args)
            .output()
            .unwrap();
        self.env.assert_ok(&out).trim().to_string()
    }

    fn introspect(&self, token: &str) -> Value {
        self.srv.introspect(token, BASIC_CLIENT)
    }

    fn refreshes(&self) -> u64 {
        self.srv.token_requests("refresh_token")
    }

    /// The cache files of the profile's narrowed tokens.
    fn narrowed_files(&self) -> Vec<std::path::PathBuf> {
        files_under(&self.env.data_dir().join("cache/narrow/w"))
    }
}

#[test]
fn a_narrowed_token_is_issued_for_exactly_what_was_asked() {
    let g = Granted::new();
    let default = g.token(&[]);
    let narrowed = g.token(&["--resource", API, "--scope", "api:read"]);
    assert_ne!(narrowed, default);
    let i = g.introspect(&narrowed);
    assert_eq!(i["active"], true, "{i}");
    assert_eq!(i["aud"], API, "{i}");
    assert_eq!(i["scope"], "api:read", "only the scope asked for: {i}");
    // `--resource` alone sends no scope: the server gives what the login granted for it.
    let all = g.token(&["--resource", API]);
    let i = g.introspect(&all);
    assert_eq!(
        (i["aud"].as_str(), i["scope"].as_str()),
        (Some(API), Some("api:read api:write")),
        "{i}"
    );
    assert_eq!(g.refreshes(), 2, "one request per selection");
    // The default token is still the login's.
    assert_eq!(g.token(&[]), default);
    assert_ne!(g.introspect(&default)["aud"], API);
}

#[test]
fn narrowed_tokens_are_cached_apart_and_renewed_with_the_rotated_refresh_token() {
    let g = Granted::new();
    let default_cache = read(&g.env.cache_path("w"));
    let first = g.token(&["--resource", API]);
    // The same selection, in another order of flags, is the same cached token.
    let two = g.token(&[
        "--scope",
        "api:write",
        "--resource",
        API,
        "--scope",
        "api:read",
    ]);
    let again = g.token(&[
        "--resource",
        API,
        "--scope",
        "api:read",
        "--scope",
        "api:write",
    ]);
    assert_eq!(again, two, "the order of the flags does not matter");
    assert_eq!(g.token(&["--resource", API]), first);
    assert_eq!(
        g.refreshes(),
        2,
        "the resource alone and the two-scope selection"
    );
    assert_eq!(
        read(&g.env.cache_path("w")),
        default_cache,
        "the default record is untouched"
    );
    assert_eq!(g.narrowed_files().len(), 2);
    // info and profiles list what is cached.
    let out = g
        .env
        .tokctl()
        .args(["info", "-p", "w", "--json"])
        .output()
        .unwrap();
    let info: Value = serde_json::from_str(&g.env.assert_ok(&out)).unwrap();
    let fors: Vec<&str> = info["audiences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["for"].as_str().unwrap())
        .collect();
    assert!(
        fors.contains(&format!("resource={API}").as_str()),
        "{fors:?}"
    );
    let out = g.env.tokctl().args(["profiles"]).output().unwrap();
    assert!(g.env.assert_ok(&out).contains("ALSO CACHED FOR"));
    // An edit of the profile file costs one slow read, which re-stamps the
    // narrowed record so that the next use is the hot path again.
    let stamp = |g: &Granted| {
        let f = g.narrowed_files().into_iter().min().unwrap();
        serde_json::from_slice::<Value>(&read(&f).unwrap()).unwrap()["config_stamp"].clone()
    };
    let before = stamp(&g);
    g.env
        .write_config(&format!("{}\n# edited\n", g.env.config_text()));
    assert_eq!(g.token(&["--resource", API]), first);
    assert_eq!(
        g.token(&[
            "--resource",
            API,
            "--scope",
            "api:read",
            "--scope",
            "api:write"
        ]),
        two
    );
    assert_ne!(stamp(&g), before, "re-stamped against the edited file");

    // Expired: renewed under the lock with the refresh token, which the
    // server rotates; the new one is kept, so the default renewal still works.
    let rt_before = g.env.secrets_json()["profiles"]["w"]["refresh_token"].clone();
    for f in g.narrowed_files() {
        let mut v: Value = serde_json::from_str(&std::fs::read_to_string(&f).unwrap()).unwrap();
        v["access"]["expires_at"] = 1.into();
        std::fs::write(&f, v.to_string()).unwrap();
    }
    let renewed = g.token(&["--resource", API]);
    assert_ne!(renewed, first);
    assert_eq!(g.introspect(&renewed)["aud"], API);
    assert_ne!(
        g.env.secrets_json()["profiles"]["w"]["refresh_token"],
        rt_before,
        "rotated token stored"
    );
    g.env.expire_cache("w");
    let default = g.token(&[]);
    assert_eq!(g.introspect(&default)["active"], true);
    assert_eq!(g.srv.stats()["token_errors"], serde_json::json!({}));
    // logout drops them all.
    let out = g.env.tokctl().args(["logout", "-p", "w"]).output().unwrap();
    g.env.assert_ok(&out);
    assert!(g.narrowed_files().is_empty());
}

#[test]
fn concurrent_requests_for_one_selection_make_one_request() {
    let g = Granted::new();
    let procs: Vec<_> = (0..4)
        .map(|_| {
            g.env
                .tokctl_std()
                .args([
                    "print-header",
                    "-p",
                    "w",
                    "--format",
                    "token",
                    "--resource",
                    API,
                ])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let tokens: Vec<String> = procs
        .into_iter()
        .map(|p| {
            let out = p.wait_with_output().unwrap();
            g.env.assert_ok(&out).trim().to_string()
        })
        .collect();
    assert!(tokens.iter().all(|t| t == &tokens[0]), "{tokens:?}");
    assert_eq!(g.refreshes(), 1, "single flight");
}

#[test]
fn a_refused_narrowing_is_exit_3_quoting_the_server_and_touches_nothing() {
    let g = Granted::new();
    let default = g.token(&[]);
    let cache = read(&g.env.cache_path("w"));
    let secrets = g.env.secrets_bytes();
    for (args, needle) in [
        (
            &["--resource", OTHER][..],
            "resource indicator is missing, or unknown",
        ),
        (
            &["--scope", "profile"][..],
            "refresh token missing requested scope",
        ),
    ] {
        let out = g
            .env
            .tokctl()
            .args(["print-header", "-p", "w"])
            .args(args)
            .output()
            .unwrap();
        let err = g.env.assert_failed(&out, 3);
        assert!(err.contains(needle), "{err}");
        assert!(err.contains("hint: the login was not granted"), "{err}");
    }
    assert_eq!(read(&g.env.cache_path("w")), cache);
    assert_eq!(g.env.secrets_bytes(), secrets);
    assert!(g.narrowed_files().is_empty());
    assert_eq!(g.token(&[]), default);
}

#[test]
fn exec_and_the_client_credentials_grant_narrow_too() {
    let env = TestEnv::new();
    let srv = OidcServer::start(300, 3600);
    let out = env
        .tokctl()
        .args([
            "login",
            "-p",
            "svc",
            "--provider",
            "oidc",
            "--issuer",
            &srv.issuer,
        ])
        .args([
            "--client-id",
            SERVICE_CLIENT.0,
            "--flow",
            "client-credentials",
            "--client-secret-stdin",
        ])
        .write_stdin(format!("{}\n", SERVICE_CLIENT.1))
        .output()
        .unwrap();
    env.assert_ok(&out);
    let out = env
        .tokctl()
        .args([
            "exec",
            "-p",
            "svc",
            "--resource",
            API,
            "--",
            "sh",
            "-c",
            "printf %s \"$TOKCTL_ACCESS_TOKEN\"",
        ])
        .output()
        .unwrap();
    let token = env.assert_ok(&out);
    // Without a refresh token, a new client-credentials grant for the resource:
    // the fixture's resource tokens are JWTs for exactly that audience.
    use base64::Engine;
    let claims: Value = serde_json::from_slice(
        &base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(token.split('.').nth(1).expect("a JWT"))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(claims["aud"], API);
    assert_eq!(srv.token_requests("client_credentials"), 2);
}

#[test]
fn narrowing_is_for_oauth_profiles_and_checks_its_values() {
    let env = TestEnv::new();
    let out = env
        .tokctl()
        .args(["print-header", "-p", "x", "--resource", "not a uri"])
        .output()
        .unwrap();
    let err = env.assert_failed(&out, 2);
    assert!(err.contains("is not an absolute URI"), "{err}");
    // A provider without OAuth has no narrower token to give: exit 2, and
    // its own token and cache stay as they were.
    let (env, _srv, access) = TestEnv::logged_in_rm();
    let cache = read(&env.cache_path("rm"));
    let out = env
        .tokctl()
        .args(["print-header", "-p", "rm", "--scope", "read"])
        .output()
        .unwrap();
    let err = env.assert_failed(&out, 2);
    assert!(
        err.contains("narrowed with --scope, --resource or --audience is not supported"),
        "{err}"
    );
    assert!(!err.contains(&access), "{err}");
    assert_eq!(read(&env.cache_path("rm")), cache);
    assert!(files_under(&env.data_dir().join("cache/narrow")).is_empty());
}

#[test]
fn the_helpers_and_keep_fresh_hand_out_the_narrowed_token() {
    let g = Granted::new();
    let narrowed = g.token(&["--resource", API]);
    assert_eq!(g.introspect(&narrowed)["aud"], API);
    // git's credential helper, from the narrowed token's cache entry.
    let out = g
        .env
        .tokctl()
        .args(["git-credential", "-p", "w", "--resource", API, "get"])
        .write_stdin("protocol=https\nhost=git.example.test\n\n")
        .output()
        .unwrap();
    let answer = g.env.assert_ok(&out);
    assert!(
        answer.contains(&format!("password={narrowed}\n")),
        "{answer}"
    );
    // git reports it refused: that narrowed token is dropped, the login's
    // own stays, and the next `get` asks the server for a new one.
    let default_cache = read(&g.env.cache_path("w"));
    let git = |op: &str, stdin: String| {
        g.env
            .tokctl()
            .args(["git-credential", "-p", "w", "--resource", API, op])
            .write_stdin(stdin)
            .output()
            .unwrap()
    };
    let request = "protocol=https\nhost=git.example.test\n";
    g.env
        .assert_ok(&git("erase", format!("{request}password={narrowed}\n\n")));
    assert!(g.narrowed_files().is_empty());
    assert_eq!(read(&g.env.cache_path("w")), default_cache);
    let answer = g.env.assert_ok(&git("get", format!("{request}\n")));
    let narrowed = answer
        .lines()
        .find_map(|l| l.strip_prefix("password="))
        .expect("a password line")
        .to_string();
    assert_eq!(g.refreshes(), 2, "a new narrowed token after the erase");
    assert_eq!(g.introspect(&narrowed)["aud"], API);
    // A job under --keep-fresh sees the same token in its file.
    let out = g
        .env
        .tokctl()
        .args(["exec", "-p", "w", "--keep-fresh", "--resource", API])
        .args(["--", "sh", "-c", "cat \"$TOKCTL_TOKEN_FILE\""])
        .output()
        .unwrap();
    assert_eq!(g.env.assert_ok(&out).trim(), narrowed);
    assert_eq!(
        g.refreshes(),
        2,
        "keep-fresh served from the narrowed cache"
    );
    // The ID token is the login's: it cannot be narrowed.
    let out = g
        .env
        .tokctl()
        .args([
            "print-header",
            "-p",
            "w",
            "--id-token",
            "--scope",
            "api:read",
        ])
        .output()
        .unwrap();
    let err = g.env.assert_failed(&out, 2);
    assert!(err.contains("--id-token"), "{err}");
    // A new login drops the old login's narrowed tokens.
    assert_eq!(g.narrowed_files().len(), 1);
    let out = g
        .env
        .tokctl()
        .args(["login", "-p", "w", "--client-secret-stdin"])
        .args(["--auth-param", &format!("resource={API}")])
        .env("BROWSER", OidcServer::browser_path())
        .write_stdin(format!("{}\n", BASIC_CLIENT.1))
        .output()
        .unwrap();
    g.env.assert_ok(&out);
    assert!(g.narrowed_files().is_empty());
}

#[test]
fn a_profile_without_a_cache_asks_the_server_each_time() {
    let g = Granted::new();
    let text = g.env.config_text();
    assert!(text.contains("[profiles.w]\n"), "{text}");
    g.env
        .write_config(&text.replace("[profiles.w]\n", "[profiles.w]\ncache = false\n"));
    let first = g.token(&["--resource", API]);
    let second = g.token(&["--resource", API]);
    assert_eq!(g.introspect(&second)["aud"], API);
    assert_ne!(first, second);
    assert_eq!(g.refreshes(), 2, "no narrowed token is kept");
    assert!(g.narrowed_files().is_empty());
}
