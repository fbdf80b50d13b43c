//! `tokctl logout`: revoke where the provider can (best effort), then delete
//! the stored tokens and, unless kept, the saved credentials. The profile
//! stays in the file.

use crate::cli::LogoutArgs;
use crate::ctx::Ctx;
use crate::session::{Forget, Session};

/// Logs one profile, or all, out.
pub fn run(ctx: &Ctx, args: &LogoutArgs) -> anyhow::Result<u8> {
    let cfg = ctx.load_config()?;
    let names = if args.all {
        cfg.names()
    } else {
        vec![ctx.profile_name(&cfg)?]
    };
    let how = Forget {
        revoke: true,
        keep_credentials: args.keep_credentials,
    };
    for name in names {
        let session = Session::named(ctx, &cfg, &name)?;
        let lock = session.lock()?;
        session.forget(&lock, how)?;
        ctx.out.notice(&format!("logged out of profile '{name}'"));
    }
    Ok(0)
}
