//! RealMassive end to end against an httpmock server.

use crate::common::*;
use httpmock::prelude::*;

#[test]
fn login_then_print_header_uses_cache() {
    let mut env = TestEnv::new();
    let srv = MockServer::start();
    let access = env.login_realmassive(&srv, "rm", 3600);
    let out = env
        .tokctl()
        .args(["print-header", "-p", "rm"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("Authorization: Bearer {access}\n")
    );
}
