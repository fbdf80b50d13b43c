//! Provider definitions in a [`TestEnv`]: where tokctl looks for them, and
//! the shipped examples under `examples/providers/`.

use super::TestEnv;
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

impl TestEnv {
    /// `providers/` beside the profile file, where tokctl looks by default.
    pub fn providers_dir(&self) -> PathBuf {
        self.config_path().parent().unwrap().join("providers")
    }

    /// Writes `providers/NAME.toml`; returns its path.
    pub fn write_definition(&self, name: &str, text: &str) -> PathBuf {
        let dir = self.providers_dir();
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join(format!("{name}.toml"));
        std::fs::write(&path, text).unwrap();
        path
    }

    /// Installs `examples/providers/FILE` as kind `name`.
    pub fn install_example(&self, file: &str, name: &str) -> PathBuf {
        self.write_definition(name, &example_definition(file))
    }
}
