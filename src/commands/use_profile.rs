//! `tokctl use [NAME]`: set or show the default profile.

use crate::cli::UseArgs;
use crate::ctx::Ctx;
use crate::error::{Failure, Kind, config, sanitize};

/// Makes NAME the default (`default = "NAME"`, the rest of the file kept as
/// it is), or prints the profile that commands use without `-p`.
pub fn run(ctx: &Ctx, args: &UseArgs) -> anyhow::Result<u8> {
    let mut cfg = ctx.load_config()?;
    match &args.name {
        Some(name) => {
            if !cfg.contains(name) {
                return Err(unknown(name, &ctx.config_path).into());
            }
            cfg.set_default(name);
            cfg.save()?;
            ctx.out
                .notice(&format!("profile '{name}' is now the default"));
        }
        None => {
            // Every way of not finding one is a configuration problem here:
            // the question is about the file, not about a login.
            let name = ctx.profile_name(&cfg).map_err(|mut e| {
                e.kind = Kind::ConfigOrStore;
                e
            })?;
            if !cfg.contains(&name) {
                return Err(unknown(&name, &ctx.config_path).into());
            }
            super::print_stdout(&format!("{name}\n"))?;
        }
    }
    Ok(0)
}

fn unknown(name: &str, path: &std::path::Path) -> Failure {
    config(format!(
        "unknown profile '{}' in {}",
        sanitize(name),
        path.display()
    ))
    .hint("run `tokctl profiles` to list the profiles")
}
