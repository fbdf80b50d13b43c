//! Vivacity written as a provider definition (`examples/providers/vivacitylabs.toml`)
//! keeps the same contract as the built-in `vivacity` kind: the fixture
//! speaks the same wire as [`Vivacity`] and only logs in through the
//! definition.

use crate::common::contract::provider_contract;
use crate::common::definitions::example_definition;
use crate::common::fixtures::vivacity::Vivacity;
use crate::common::provider::{Facts, Mocks, ProviderFixture, Tokens};
use crate::common::*;
use httpmock::MockServer;

/// The `vivacitylabs` definition against Vivacity's mocks.
#[derive(Default)]
pub struct VivacityLabs(Vivacity);

impl ProviderFixture for VivacityLabs {
    const FACTS: Facts = Facts {
        kind: "vivacitylabs",
        ..Vivacity::FACTS
    };

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

#[test]
fn login_stores_the_token_pair_with_both_lifetimes() {
    use crate::common::fixtures::vivacity::VIV_REFRESH_LIFETIME;
    use serde_json::json;
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let t = VivacityLabs::default().logged_in(&mut env, &srv, "viv", 600, &[]);
    let cache = env.cache_json("viv");
    assert_eq!(cache["access"]["token"], json!(t.access));
    assert_eq!(cache["renewal"], "refresh");
    let expires = cache["access"]["expires_at"].as_i64().unwrap();
    assert!((expires - (now() + 600)).abs() <= 5, "{expires}");
    let p = &env.secrets_json()["profiles"]["viv"];
    assert_eq!(p["refresh_token"], json!(t.refresh.unwrap()));
    let rexp = p["refresh_expiry"]["at"].as_i64().unwrap();
    assert!((rexp - (now() + VIV_REFRESH_LIFETIME)).abs() <= 5, "{p}");
    let out = env.run_ok(&["info", "-p", "viv", "--json"]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["provider"], "vivacitylabs");
    assert_eq!(v["access_token_jwt"]["claims"]["azp"], "sensor-data-client");
}
