//! `tokctl git-credential get|store|erase`: git's credential helper, and
//! `--setup URL` to install it.
//!
//! A helper runs inside git, often with no terminal: it never prompts and
//! never opens a browser. When no token can be had without the user, it
//! fails at once (exit 3) and git reports the failure.

use crate::cli::{GitCredentialArgs, GitOperation};
use crate::ctx::Ctx;
use crate::error::{Failure, Kind, sanitize, usage};
use crate::helpers::git::{self, Request};
use crate::session::{Fresh, Session};

/// Runs one helper operation, or sets git up.
pub fn run(ctx: &Ctx, args: &GitCredentialArgs) -> anyhow::Result<u8> {
    if let Some(url) = &args.setup {
        return setup(ctx, url);
    }
    let req = Request::read(std::io::stdin().lock())?;
    match args.operation.expect("clap requires an operation") {
        // tokctl keeps its own tokens; nothing git hands back is stored.
        GitOperation::Store => Ok(0),
        // Not ours to answer: an empty answer lets git ask the next helper.
        _ if !req.allowed() => Ok(0),
        GitOperation::Get => get(ctx, args, &req),
        GitOperation::Erase => erase(ctx, &req),
    }
}

fn get(ctx: &Ctx, args: &GitCredentialArgs, req: &Request) -> anyhow::Result<u8> {
    let Fresh {
        profile, token: t, ..
    } = Session::fresh(ctx, args.token.min_valid, &args.token.which()?)?;
    let username = match (&req.username, req.takes_authtype()) {
        (Some(name), _) => name.clone(),
        // Bearer needs no name, so the profile file is not read for one.
        (None, true) => String::new(),
        (None, false) => profile_username(ctx, &profile)?,
    };
    let out = git::answer(req, t.token.expose(), t.expires_at, &username);
    super::print_stdout(&out)?;
    Ok(0)
}

/// The profile's `git_username`, else [`git::DEFAULT_USERNAME`].
fn profile_username(ctx: &Ctx, profile: &str) -> Result<String, Failure> {
    let p = ctx.load_config()?.profile(profile)?;
    match p.git_username {
        None => Ok(git::DEFAULT_USERNAME.to_string()),
        Some(name) if git::valid_username(&name) => Ok(name),
        Some(name) => Err(Failure::new(
            Kind::ConfigOrStore,
            format!(
                "`git_username` of profile '{profile}' is not a usable user name: '{}'",
                sanitize(&name)
            ),
        )),
    }
}

/// git's server refused the token: forget the cached access token (only
/// that one, and only if it is the one git used), so the next `get` renews.
fn erase(ctx: &Ctx, req: &Request) -> anyhow::Result<u8> {
    Session::open(ctx)?.forget_access(req.reported_secret())?;
    Ok(0)
}

/// `git config --global`: an empty `helper =` for URL first (git then
/// forgets every helper configured before it for that URL, so `store`,
/// `cache` or a keychain helper never keeps a copy of the token), then
/// tokctl for this profile.
fn setup(ctx: &Ctx, url: &str) -> anyhow::Result<u8> {
    if let Err(why) = crate::http::check_url(url) {
        return Err(
            usage(format!("cannot set up git for '{}': {why}", sanitize(url)))
                .hint("give the URL git talks to, e.g. https://git.example.com")
                .into(),
        );
    }
    let cfg = ctx.load_config()?;
    let profile = ctx.profile_name(&cfg)?;
    // The name goes into a shell command line: keep to the safe alphabet.
    crate::config::Profile::check_name(&profile)?;
    cfg.profile(&profile)?;
    let exe = std::env::current_exe()?;
    let helper = format!(
        "!{} git-credential -p {profile}",
        shell_quote(&exe.to_string_lossy())
    );
    let key = format!("credential.{url}.helper");
    git_config(&["--replace-all", &key, ""])?;
    git_config(&["--add", &key, &helper])?;
    ctx.out.notice(&format!(
        "git now asks tokctl (profile '{profile}') for {url}, and no other helper"
    ));
    Ok(0)
}

fn git_config(args: &[&str]) -> Result<(), Failure> {
    let out = crate::process::child_command("git")
        .args(["config", "--global"])
        .args(args)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| {
            Failure::new(Kind::ConfigOrStore, format!("cannot run git: {e}"))
                .hint("install git, or put it on PATH")
        })?;
    if out.status.success() {
        return Ok(());
    }
    Err(Failure::new(
        Kind::ConfigOrStore,
        format!(
            "git config failed: {}",
            sanitize(&String::from_utf8_lossy(&out.stderr))
        ),
    ))
}

/// Quotes a path for the `sh -c` that git runs a `!` helper with.
fn shell_quote(s: &str) -> String {
    if s.bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"/._-+".contains(&b))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::shell_quote;

    #[test]
    fn quotes_for_sh() {
        assert_eq!(shell_quote("/usr/bin/tokctl"), "/usr/bin/tokctl");
        assert_eq!(shell_quote("/a b/tokctl"), "'/a b/tokctl'");
        assert_eq!(shell_quote("/it's"), r"'/it'\''s'");
    }
}
