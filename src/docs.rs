//! Completion scripts and man pages rendered from the clap definitions.
//!
//! The same bytes feed `tokctl completions` and the committed files under
//! `completions/` and `man/`; a test fails when the committed ones are stale.

use crate::cli::Cli;
use clap::CommandFactory;
use clap_complete::Shell;
#[cfg(test)]
use std::path::PathBuf;

/// The completion script for one shell, for a binary named `tokctl`.
pub fn completion(shell: Shell) -> Vec<u8> {
    let mut buf = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "tokctl", &mut buf);
    buf
}

/// The committed file name of each shell's script.
#[cfg(test)]
fn completion_file(shell: Shell) -> &'static str {
    match shell {
        Shell::Bash => "tokctl.bash",
        Shell::Zsh => "_tokctl",
        Shell::Fish => "tokctl.fish",
        Shell::PowerShell => "_tokctl.ps1",
        Shell::Elvish => "tokctl.elv",
        _ => "tokctl.unknown",
    }
}

/// Every generated file, as (path relative to the repository, bytes).
#[cfg(test)]
pub fn render_all() -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::PowerShell,
        Shell::Elvish,
    ] {
        files.push((
            PathBuf::from("completions").join(completion_file(shell)),
            completion(shell),
        ));
    }
    let mut cmd = Cli::command();
    // Building propagates the global options into each subcommand's page.
    cmd.build();
    files.push((PathBuf::from("man/tokctl.1"), man(&cmd)));
    for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = format!("tokctl-{}", sub.get_name());
        let sub = sub
            .clone()
            .name(name.clone())
            .version(cmd.get_version().unwrap_or_default().to_string());
        files.push((PathBuf::from(format!("man/{name}.1")), man(&sub)));
    }
    files
}

/// One man page. clap_mangen would set the help's examples as a single
/// filled paragraph under "EXTRA"; they get an EXAMPLES section of their
/// own instead, kept line for line, before VERSION.
#[cfg(test)]
fn man(cmd: &clap::Command) -> Vec<u8> {
    let examples = cmd.get_after_long_help().map(|h| h.to_string());
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone().after_long_help(None::<&str>))
        .render(&mut buf)
        .expect("rendering into memory cannot fail");
    let Some(examples) = examples else {
        return buf;
    };
    let page = String::from_utf8(buf).expect("clap_mangen writes UTF-8");
    let section = examples_section(&examples);
    let page = match page.find("\n.SH VERSION") {
        Some(at) => format!("{}\n{section}{}", &page[..at], &page[at + 1..]),
        None => format!("{page}{section}"),
    };
    page.into_bytes()
}

/// The EXAMPLES section in roff: the lines after the help's heading, as a
/// no-fill block, escaped so that they read (and paste) exactly as typed:
/// `-` stays an ASCII hyphen-minus, `\` and `'` stay themselves, and no
/// line can turn into a roff request.
#[cfg(test)]
fn examples_section(help: &str) -> String {
    let body = help
        .strip_prefix(crate::cli::EXAMPLES_HEADING)
        .unwrap_or(help)
        .trim_matches('\n');
    let mut out = String::from(".SH EXAMPLES\n.nf\n");
    for line in body.lines() {
        let escaped = line
            .replace('\\', "\\(rs")
            .replace('-', "\\-")
            .replace('\'', "\\*(Aq")
            .replace('`', "\\(ga");
        if escaped.starts_with('.') {
            out.push_str("\\&");
        }
        out.push_str(&escaped);
        out.push('\n');
    }
    out.push_str(".fi\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails when `completions/` or `man/` differ from what the CLI
    /// definition renders. `TOKCTL_REGEN=1 cargo test generated_files` (or
    /// `scripts/regen`) rewrites them.
    #[test]
    fn generated_files_are_fresh() {
        let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
        let regen = std::env::var_os("TOKCTL_REGEN").is_some();
        let mut stale = Vec::new();
        for (rel, bytes) in render_all() {
            let path = root.join(&rel);
            if regen {
                std::fs::create_dir_all(path.parent().unwrap()).unwrap();
                std::fs::write(&path, &bytes).unwrap();
            } else if std::fs::read(&path).ok().as_deref() != Some(bytes.as_slice()) {
                stale.push(rel.display().to_string());
            }
        }
        assert!(
            stale.is_empty(),
            "stale generated files {stale:?}: run scripts/regen and commit the result"
        );
    }
}
