//! `tokctl exec -- CMD`: run a command with a fresh token in its environment.
//! On Unix tokctl replaces itself with CMD, so signals, stdio and the exit
//! status are CMD's own.

use crate::cli::ExecArgs;
use crate::ctx::Ctx;
use crate::error::{Failure, Kind};
use crate::token::rfc3339;
use std::process::Command;

/// Runs the command with a fresh token in its environment; returns its status where it cannot exec.
pub fn run(ctx: &Ctx, args: &ExecArgs) -> anyhow::Result<u8> {
    let (profile, t) = super::fresh_token(ctx, &args.token)?;
    let token = t.token.expose();
    let (program, rest) = args.command.split_first().expect("clap requires CMD");
    let mut cmd = Command::new(program);
    cmd.args(rest)
        .env("TOKCTL_ACCESS_TOKEN", token)
        .env("TOKCTL_AUTHORIZATION", format!("Bearer {token}"))
        .env("TOKCTL_PROFILE", &profile);
    match t.expires_at {
        Some(e) => cmd.env("TOKCTL_EXPIRES_AT", rfc3339(e)),
        None => cmd.env_remove("TOKCTL_EXPIRES_AT"),
    };
    for name in &args.env {
        if name.is_empty() || name.contains('=') || name.contains('\0') {
            return Err(Failure::new(
                Kind::Usage,
                format!("--env '{name}' is not a variable name"),
            )
            .into());
        }
        cmd.env(name, token);
    }
    imp::run(cmd, &program.to_string_lossy())
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
        eprintln!("tokctl: error: {msg}");
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
                eprintln!("tokctl: error: {msg}");
                Ok(code)
            }
        }
    }
}
