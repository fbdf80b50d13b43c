//! `tokctl exec -- CMD`: run a command with a fresh token in its environment.
//! On Unix tokctl replaces itself with CMD, so signals, stdio and the exit
//! status are CMD's own.

use crate::cli::ExecArgs;
use crate::ctx::Ctx;
use crate::error::{Failure, Kind};
use crate::keepfresh;
use crate::session::{Fresh, Session};
use crate::token::rfc3339;
use std::process::Command;

/// Runs the command with a fresh token in its environment; returns its status where it cannot exec.
pub fn run(ctx: &Ctx, args: &ExecArgs) -> anyhow::Result<u8> {
    for name in &args.env {
        check_env_name(name)?;
    }
    let which = args.token.which()?;
    let keep_fresh = args.keep_fresh || args.token_file.is_some();
    let mut session = None;
    let Fresh {
        profile, token: t, ..
    } = if keep_fresh {
        let s = Session::open(ctx)?;
        let t = keepfresh::first_token(&s, args.token.min_valid, &which)?;
        let profile = s.name().to_string();
        session = Some((s, which));
        Fresh {
            profile,
            token: t,
            client_tls: None,
        }
    } else {
        Session::fresh(ctx, args.token.min_valid, &which)?
    };
    let token = t.token.expose();
    let (program, rest) = args.command.split_first().expect("clap requires CMD");
    let mut cmd = crate::process::child_command(program);
    cmd.args(rest)
        .env("TOKCTL_ACCESS_TOKEN", token)
        .env("TOKCTL_AUTHORIZATION", format!("Bearer {token}"))
        .env("TOKCTL_PROFILE", &profile);
    match t.expires_at {
        Some(e) => cmd.env("TOKCTL_EXPIRES_AT", rfc3339(e)),
        None => cmd.env_remove("TOKCTL_EXPIRES_AT"),
    };
    for name in &args.env {
        cmd.env(name, token);
    }
    match session {
        Some((s, which)) => keepfresh::run(ctx, &s, &which, args, cmd, t, launch_failure),
        None => imp::run(cmd, &program.to_string_lossy()),
    }
}

/// Variables that change how a program runs rather than what it reads:
/// the loader's, the shells', the interpreters' start-up hooks. Setting
/// one to the token could only break the command or run something else.
const CONTROL_VARS: &[&str] = &[
    "PATH",
    "IFS",
    "ENV",
    "BASH_ENV",
    "SHELLOPTS",
    "BASHOPTS",
    "PS4",
    "PROMPT_COMMAND",
    "CDPATH",
    "HOME",
    "SHELL",
    "TMPDIR",
    "GCONV_PATH",
    "LOCPATH",
    "NLSPATH",
    "HOSTALIASES",
    "RESOLV_HOST_CONF",
    "PYTHONPATH",
    "PYTHONHOME",
    "PYTHONSTARTUP",
    "PERL5LIB",
    "PERL5OPT",
    "PERLLIB",
    "RUBYLIB",
    "RUBYOPT",
    "NODE_OPTIONS",
    "NODE_PATH",
    "JAVA_TOOL_OPTIONS",
    "_JAVA_OPTIONS",
    "JDK_JAVA_OPTIONS",
    "GIT_SSH_COMMAND",
    "GIT_EXEC_PATH",
    "LESSOPEN",
];
const CONTROL_PREFIXES: &[&str] = &["LD_", "DYLD_", "MALLOC_", "GLIBC_", "TOKCTL_"];

/// `--env NAME`: a portable variable name (letters, digits, `_`, not
/// starting with a digit) that does not steer the child or tokctl.
fn check_env_name(name: &str) -> Result<(), Failure> {
    let portable = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !portable {
        return Err(Failure::new(
            Kind::Usage,
            format!(
                "--env '{}' is not a variable name",
                crate::error::sanitize(name)
            ),
        ));
    }
    let upper = name.to_ascii_uppercase();
    if CONTROL_VARS.contains(&upper.as_str())
        || CONTROL_PREFIXES.iter().any(|p| upper.starts_with(p))
    {
        return Err(Failure::new(
            Kind::Usage,
            format!("--env {name} would change how the command runs, not give it the token"),
        )
        .hint("name a variable the command reads its token from, e.g. --env GITHUB_TOKEN"));
    }
    Ok(())
}

fn launch_failure(program: &str, e: &std::io::Error) -> (u8, String) {
    match e.kind() {
        std::io::ErrorKind::NotFound => (127, format!("command not found: {program}")),
        std::io::ErrorKind::PermissionDenied => {
            (126, format!("cannot run {program}: permission denied"))
        }
        _ => (126, format!("cannot run {program}: {e}")),
    }
}

#[cfg(unix)]
mod imp {
    use super::*;
    use std::os::unix::process::CommandExt;

    pub fn run(mut cmd: Command, program: &str) -> anyhow::Result<u8> {
        // exec only returns on failure.
        let e = cmd.exec();
        let (code, msg) = launch_failure(program, &e);
        crate::output::error(&msg, None);
        Ok(code)
    }
}

#[cfg(not(unix))]
mod imp {
    use super::*;

    pub fn run(mut cmd: Command, program: &str) -> anyhow::Result<u8> {
        match cmd.status() {
            Ok(s) => Ok(s.code().unwrap_or(1).clamp(0, 255) as u8),
            Err(e) => {
                let (code, msg) = launch_failure(program, &e);
                crate::output::error(&msg, None);
                Ok(code)
            }
        }
    }
}
