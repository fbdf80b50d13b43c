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

use crate::cli::{Cli, Command, TokenArgs};
use crate::config::{Config, Stamp};
use crate::ctx::Ctx;
use crate::session::Session;
use crate::token::{AccessToken, now};

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

/// Opens the profile a command is about.
fn open_session(ctx: &Ctx) -> anyhow::Result<(Config, Session<'_>)> {
    let cfg = ctx.load_config()?;
    let name = ctx.profile_name(&cfg)?;
    let profile = cfg.profile(&name)?;
    let mut session = Session::open(ctx, name, profile);
    session.config_stamp = cfg.stamp();
    Ok((cfg, session))
}

/// The hot path of `print-header` and `exec`: a token valid for
/// `min_valid`, straight from the cache, when the profile is named (`-p` or
/// `TOKCTL_PROFILE`) and the profile file is byte-for-byte the one the
/// cache was written against — then the profile exists, keeps its token in
/// the cache, and nothing in the file needs reading. `None` sends the caller
/// down the ordinary path, which checks everything.
fn cached_token(ctx: &Ctx, min_valid: std::time::Duration) -> Option<(String, AccessToken)> {
    let name = ctx.global.profile.as_ref()?;
    crate::ctx::check_profile_name(name).ok()?;
    let rec = ctx.cache().read(name)?;
    if rec.config_stamp? != Stamp::of(&ctx.config_path)? {
        return None;
    }
    let t = rec.access?;
    t.valid_for(min_valid, now()).then(|| (name.clone(), t))
}

/// The token `args` ask for, with the profile it belongs to: from the
/// cache when it is fresh, else through the session (renewing first).
fn fresh_token(ctx: &Ctx, args: &TokenArgs) -> anyhow::Result<(String, AccessToken)> {
    if let Some(found) = cached_token(ctx, args.min_valid) {
        return Ok(found);
    }
    let (_, session) = open_session(ctx)?;
    let t = session.ensure_fresh(args.min_valid)?;
    Ok((session.name, t))
}

/// Writes to stdout; a closed pipe surfaces as an io error that `main` treats quietly.
fn print_stdout(text: &str) -> anyhow::Result<()> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()?;
    Ok(())
}
