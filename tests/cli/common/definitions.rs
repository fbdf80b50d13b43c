//! Provider definitions: the shipped examples under `examples/providers/`
//! and passwords that break text-built bodies (`TestEnv::write_definition`
//! puts one where tokctl looks).

use std::path::PathBuf;

/// Passwords that break anything that builds a request body as text: JSON
/// and GraphQL quoting, placeholder braces, shell expansion, non-ASCII.
pub const HOSTILE_PASSWORDS: &[&str] = &[
    r#"a"b\c$d{e}f"#,
    "пароль🔑",
    r#"") { evil }"#,
    r#"x", password: "y"#,
    "$password",
    "}}}{{{",
    "tab\there 'single' `back`",
    "$(touch /tmp/tokctl-pwned) {username} {{password}}",
];

/// The text of a shipped example definition.
pub fn example_definition(file: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples/providers")
        .join(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
