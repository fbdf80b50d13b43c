//! `tokctl use [NAME]`: set the default profile keeping the file as the
//! user wrote it, and show the profile commands use without `-p`.

use crate::common::*;

const FILE: &str = "# my tokctl profiles\ndefault = \"a\" # the usual one\n\n[profiles.a] # first\nprovider = \"realmassive\"\n\n# the second one\n[profiles.b]\nprovider = \"vivacity\"\n";

#[test]
fn use_name_sets_the_default_and_keeps_comments() {
    let env = TestEnv::new();
    env.write_config(FILE);
    let out = env.run_ok(&["use", "b"]);
    assert_eq!(stdout(&out), "");
    assert_eq!(
        env.config_text(),
        FILE.replace("default = \"a\"", "default = \"b\"")
    );
    assert_eq!(stdout(&env.run_ok(&["use"])), "b\n");
}

#[test]
fn use_adds_a_default_to_a_file_without_one() {
    let env = TestEnv::new();
    let file = FILE.replace("default = \"a\" # the usual one\n", "");
    env.write_config(&file);
    env.run_ok(&["use", "a"]);
    let text = env.config_text();
    assert!(text.contains("default = \"a\"\n"), "{text}");
    assert!(text.contains("# the second one\n[profiles.b]"), "{text}");
    assert!(
        text.find("default").unwrap() < text.find("[profiles.a]").unwrap(),
        "{text}"
    );
}

#[test]
fn use_of_an_unknown_profile_is_exit_5_and_changes_nothing() {
    let env = TestEnv::new();
    env.write_config(FILE);
    let out = env.run_fails(&["use", "ghost"], 5);
    assert_contains(&stderr(&out), "unknown profile 'ghost'");
    assert_eq!(env.config_text(), FILE);
}

#[test]
fn use_alone_shows_the_profile_in_use() {
    let env = TestEnv::new();
    // The only profile, with no default.
    env.write_config("[profiles.solo]\nprovider = \"vivacity\"\n");
    assert_eq!(stdout(&env.run_ok(&["use"])), "solo\n");
    // TOKCTL_PROFILE is what commands use without -p.
    env.write_config(FILE);
    let out = env.ok(env.tokctl().arg("use").env("TOKCTL_PROFILE", "b"));
    assert_eq!(stdout(&out), "b\n");
}

#[test]
fn use_alone_is_exit_5_when_none_can_be_chosen() {
    let env = TestEnv::new();
    // No file at all.
    env.run_fails(&["use"], 5);
    // Several profiles and no default.
    env.write_config(&FILE.replace("default = \"a\" # the usual one\n", ""));
    env.run_fails(&["use"], 5);
    // A default that names no profile.
    env.write_config(&FILE.replace("default = \"a\"", "default = \"gone\""));
    env.run_fails(&["use"], 5);
}
