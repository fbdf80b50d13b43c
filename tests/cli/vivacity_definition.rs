//! Vivacity written as a provider definition (`examples/providers/vivacitylabs.toml`)
//! keeps the same contract as the built-in `vivacity` kind: the fixture
//! speaks the same wire as [`Vivacity`] and only logs in through the
//! definition.

use crate::common::contract::provider_contract;
use crate::common::definitions::example_definition;
use crate::common::fixtures::vivacity::Vivacity;
use crate::common::provider::{Mocks, ProviderFixture, Renewal, Tokens};
use crate::common::*;
use httpmock::MockServer;

/// The `vivacitylabs` definition against Vivacity's mocks.
#[derive(Default)]
pub struct VivacityLabs(Vivacity);

impl ProviderFixture for VivacityLabs {
    fn kind(&self) -> &'static str {
        "vivacitylabs"
    }
    fn profile(&self) -> &'static str {
        self.0.profile()
    }
    fn username(&self) -> &'static str {
        self.0.username()
    }
    fn secret(&self) -> &'static str {
        self.0.secret()
    }
    fn display_user(&self) -> Option<&'static str> {
        self.0.display_user()
    }
    fn login_path(&self) -> &'static str {
        self.0.login_path()
    }
    fn renewal(&self) -> Renewal {
        self.0.renewal()
    }
    fn refresh_rotates(&self) -> bool {
        self.0.refresh_rotates()
    }
    fn access_token(&self, label: &str, lifetime: i64) -> String {
        self.0.access_token(label, lifetime)
    }
    fn refresh_token(&self, label: &str) -> Option<String> {
        self.0.refresh_token(label)
    }
    fn mock_login<'a>(&self, srv: &'a MockServer, tokens: &Tokens) -> Mocks<'a> {
        self.0.mock_login(srv, tokens)
    }
    fn mock_refresh<'a>(&self, srv: &'a MockServer, old: &str, tokens: &Tokens) -> Mocks<'a> {
        self.0.mock_refresh(srv, old, tokens)
    }
    fn mock_login_rejected<'a>(&self, srv: &'a MockServer) -> (Mocks<'a>, String) {
        self.0.mock_login_rejected(srv)
    }
    fn mock_refresh_rejected<'a>(&self, srv: &'a MockServer, old: &str) -> (Mocks<'a>, String) {
        self.0.mock_refresh_rejected(srv, old)
    }
    fn login_args(&self, env: &TestEnv, srv: &MockServer) -> Vec<String> {
        env.write_definition(self.kind(), &example_definition("vivacitylabs.toml"));
        let mut args = self.0.login_args(env, srv);
        // `--provider vivacity` becomes `--provider vivacitylabs`, the definition.
        args[1] = self.kind().to_string();
        args
    }
}

provider_contract!(VivacityLabs, refresh_token);
