//! One module per subcommand; this one dispatches.

mod completions;
mod exec;
mod git_credential;
mod info;
mod login;
mod logout;
mod print_header;
mod profiles;
mod refresh;
mod use_profile;

use crate::cli::{Cli, Command};
use crate::ctx::Ctx;

/// Runs the parsed command line.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    // Special modes first: completions never read the config or a store.
    if let Command::Completions(args) = &cli.command {
        return completions::run(args);
    }
    let ctx = Ctx::new(cli.global)?;
    match &cli.command {
        Command::Login(a) => login::run(&ctx, a),
        Command::Refresh(a) => refresh::run(&ctx, a),
        Command::Info(a) => info::run(&ctx, a),
        Command::PrintHeader(a) => print_header::run(&ctx, a),
        Command::Exec(a) => exec::run(&ctx, a),
        Command::Logout(a) => logout::run(&ctx, a),
        Command::Profiles(a) => profiles::run(&ctx, a),
        Command::Use(a) => use_profile::run(&ctx, a),
        Command::GitCredential(a) => git_credential::run(&ctx, a),
        Command::Completions(_) => unreachable!("handled above"),
    }
}

/// Writes to stdout; a closed pipe surfaces as an io error that `main` treats quietly.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}

/// The narrowed tokens `profile` has in its cache, for `info` and
/// `profiles`: what each is for and when it expires (no token values).
fn audiences(ctx: &Ctx, profile: &str) -> Vec<serde_json::Value> {
    ctx.cache()
        .narrowed(profile)
        .into_iter()
        .filter_map(|r| {
            let sel = r.selection?;
            Some(serde_json::json!({
                "for": sel.label(),
                "scope": r.scope,
                "expires_at": r.expires_at.map(crate::token::rfc3339),
            }))
        })
        .collect()
}
