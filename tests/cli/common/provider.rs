//! The provider fixture: what a contract scenario needs to know about one
//! provider to play its server with httpmock. Each bespoke provider has one
//! (`common/fixtures/`), and `common/contract.rs` runs the same scenarios
//! against every one of them, so a behaviour the contract promises for all
//! providers is written once.
//!
//! To add a provider (or a provider definition that speaks an existing API):
//! implement [`ProviderFixture`] (usually a unit struct: its [`Facts`] table,
//! its tokens and mocks; for the same wire, take the other fixture's facts
//! with `..Other::FACTS` and delegate the mocks to it) and call
//! `provider_contract!(YourFixture)` — or `provider_contract!(YourFixture,
//! refresh_token)` when it renews with a refresh token — in its test file.

use super::TestEnv;
use assert_cmd::Command;
use httpmock::MockServer;
use httpmock::prelude::*;
use std::time::Duration;

/// How a provider renews an expired access token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Renewal {
    /// With its refresh token, at this POST path.
    Refresh(&'static str),
    /// By logging in again with the saved credentials (no refresh token).
    Relogin,
}

/// The tokens a mocked login or refresh answers with.
#[derive(Debug, Clone)]
pub struct Tokens {
    pub access: String,
    /// `None` for a provider that issues none.
    pub refresh: Option<String>,
    /// Seconds the access token lives.
    pub lifetime: i64,
}

/// The mocks behind one exchange (MakeShift's login is two requests).
pub struct Mocks<'a>(pub Vec<httpmock::Mock<'a>>);

impl Mocks<'_> {
    /// Each mock was called exactly `n` times.
    pub fn assert_calls(&self, n: usize) {
        for m in &self.0 {
            m.assert_calls(n);
        }
    }

    /// Removes the mocks, so that later requests no longer match them.
    pub fn delete(self) {
        for mut m in self.0 {
            m.delete();
        }
    }
}

/// What the contract scenarios need to know about a provider besides its
/// server's answers: plain data, one table per fixture.
#[derive(Debug, Clone, Copy)]
pub struct Facts {
    /// The `--provider` value, which tokctl also prints (`(realmassive)`).
    pub kind: &'static str,
    /// The profile name the scenarios log in as.
    pub profile: &'static str,
    /// The `--username` (an API key for MakeShift).
    pub username: &'static str,
    /// The password or API secret, typed on stdin.
    pub secret: &'static str,
    /// Who `login` says it logged in as (`None`: the answer names nobody).
    pub display_user: Option<&'static str>,
    /// The POST path of the login exchange.
    pub login_path: &'static str,
    /// How an expired token is renewed.
    pub renewal: Renewal,
    /// Whether a refresh answer carries a new refresh token that replaces
    /// the stored one (CollectiveAccess's does not).
    pub refresh_rotates: bool,
}

/// One provider as the contract scenarios see it.
pub trait ProviderFixture: Default {
    /// The provider's [`Facts`]; the accessors below read them.
    const FACTS: Facts;

    fn kind(&self) -> &'static str {
        Self::FACTS.kind
    }
    fn profile(&self) -> &'static str {
        Self::FACTS.profile
    }
    fn username(&self) -> &'static str {
        Self::FACTS.username
    }
    fn secret(&self) -> &'static str {
        Self::FACTS.secret
    }
    fn display_user(&self) -> Option<&'static str> {
        Self::FACTS.display_user
    }
    fn login_path(&self) -> &'static str {
        Self::FACTS.login_path
    }
    fn renewal(&self) -> Renewal {
        Self::FACTS.renewal
    }
    fn refresh_rotates(&self) -> bool {
        Self::FACTS.refresh_rotates
    }

    /// A new access token unique to `label`, valid `lifetime` seconds.
    fn access_token(&self, label: &str, lifetime: i64) -> String;
    /// A new refresh token unique to `label`, `None` if the provider has none.
    fn refresh_token(&self, label: &str) -> Option<String>;

    /// A successful login answering `tokens`.
    fn mock_login<'a>(&self, srv: &'a MockServer, tokens: &Tokens) -> Mocks<'a>;
    /// A successful refresh of `old_refresh` answering `tokens` (only called
    /// for [`Renewal::Refresh`]).
    fn mock_refresh<'a>(
        &self,
        srv: &'a MockServer,
        old_refresh: &str,
        tokens: &Tokens,
    ) -> Mocks<'a>;
    /// The server refusing the credentials; returns the mocks and what tokctl
    /// says after `tokctl: error: `.
    fn mock_login_rejected<'a>(&self, srv: &'a MockServer) -> (Mocks<'a>, String);
    /// The server refusing `old_refresh` as dead (only for
    /// [`Renewal::Refresh`]); returns the mocks and what tokctl says after
    /// `tokctl: error: `.
    fn mock_refresh_rejected<'a>(
        &self,
        srv: &'a MockServer,
        old_refresh: &str,
    ) -> (Mocks<'a>, String);

    /// The `login` arguments, after `-p NAME`, that create a new profile on
    /// `srv` (the secret comes on stdin). A provider definition writes its
    /// definition file into `env` here.
    fn login_args(&self, _env: &TestEnv, srv: &MockServer) -> Vec<String> {
        [
            "--provider",
            self.kind(),
            "--base-url",
            &srv.base_url(),
            "--username",
            self.username(),
            "--password-stdin",
        ]
        .map(String::from)
        .to_vec()
    }

    /// The path an expired token's renewal goes to.
    fn renewal_path(&self) -> &'static str {
        match self.renewal() {
            Renewal::Refresh(path) => path,
            Renewal::Relogin => self.login_path(),
        }
    }

    /// What tokctl calls the renewal exchange in its errors (`refresh failed: …`).
    fn renewal_phase(&self) -> &'static str {
        match self.renewal() {
            Renewal::Refresh(_) => "refresh",
            Renewal::Relogin => "login",
        }
    }

    /// `tokctl login -p NAME …` creating a new profile, the secret on stdin.
    fn login_cmd(&self, env: &TestEnv, srv: &MockServer, name: &str) -> Command {
        let mut cmd = env.tokctl();
        cmd.args(["login", "-p", name])
            .args(self.login_args(env, srv))
            .write_stdin(format!("{}\n", self.secret()));
        cmd
    }

    /// New tokens labelled `label`, planted as secrets in `env`.
    fn new_tokens(&self, env: &mut TestEnv, label: &str, lifetime: i64) -> Tokens {
        let access = env.plant(&self.access_token(&format!("{label}-a"), lifetime));
        let refresh = self
            .refresh_token(&format!("{label}-r"))
            .map(|r| env.plant(&r));
        Tokens {
            access,
            refresh,
            lifetime,
        }
    }

    /// Logs profile `name` in (with `extra` login arguments); the login mocks
    /// are asserted and removed afterwards. Returns the tokens it got.
    fn logged_in(
        &self,
        env: &mut TestEnv,
        srv: &MockServer,
        name: &str,
        lifetime: i64,
        extra: &[&str],
    ) -> Tokens {
        env.plant(self.secret());
        let tokens = self.new_tokens(env, name, lifetime);
        let mocks = self.mock_login(srv, &tokens);
        let out = self.login_cmd(env, srv, name).args(extra).output().unwrap();
        env.assert_ok(&out);
        env.assert_no_secret(&out);
        mocks.assert_calls(1);
        mocks.delete();
        tokens
    }
}

/// A login or renewal exchange that answers only after `delay`.
pub fn mock_slow_post<'a>(srv: &'a MockServer, path: &str, delay: Duration) -> Mocks<'a> {
    Mocks(vec![srv.mock(|when, then| {
        when.method(POST).path(path);
        then.status(200)
            .header("content-type", "application/json")
            .delay(delay)
            .body("{}");
    })])
}
