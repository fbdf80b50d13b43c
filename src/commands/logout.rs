//! `tokctl logout`: revoke where the provider can (best effort), then delete
//! the stored tokens and, unless kept, the saved credentials. The profile
//! stays in the file.

use crate::cli::LogoutArgs;
use crate::ctx::Ctx;
use crate::lock::ProfileLock;
use crate::providers::{self, Revocable};
use crate::session::Session;
use crate::store::StoredSecrets;

/// Logs one profile, or all, out.
pub fn run(ctx: &Ctx, args: &LogoutArgs) -> anyhow::Result<u8> {
    let cfg = ctx.load_config()?;
    let names = if args.all {
        cfg.names()
    } else {
        vec![ctx.profile_name(&cfg)?]
    };
    for name in names {
        let session = Session::open(ctx, name.clone(), cfg.profile(&name)?);
        logout_one(ctx, &session, args.keep_credentials)?;
    }
    Ok(0)
}

fn logout_one(ctx: &Ctx, s: &Session, keep_credentials: bool) -> anyhow::Result<()> {
    let _lock = ProfileLock::acquire(&ctx.data_dir, &s.name, ctx.lock_wait())?;
    // Read first: an unavailable store fails here, before anything is deleted.
    let secrets = s.store().load(&s.name)?.unwrap_or_default();
    let access = s.current_access()?;
    let tokens = Revocable {
        access_token: access.map(|a| a.token),
        refresh_token: secrets.refresh_token.clone(),
        client_secret: secrets.client_secret.clone(),
    };
    // The cache goes first: it is only a cache, and a kill later on must not
    // leave the fast path handing out a token that is being revoked.
    ctx.cache()
        .remove(&s.name)
        .map_err(|e| crate::error::config(format!("cannot remove the token cache: {e}")))?;
    if tokens.access_token.is_some() || tokens.refresh_token.is_some() {
        let revoked = providers::build(&s.profile, &ctx.providers_dir)
            .and_then(|p| p.revoke(ctx.http(), &tokens));
        if let Err(e) = revoked {
            ctx.notice(&format!(
                "warning: could not revoke the tokens at the server: {e}"
            ));
        }
    }
    let kept = StoredSecrets {
        password: secrets.password.clone(),
        client_secret: secrets.client_secret.clone(),
        ..StoredSecrets::default()
    };
    if keep_credentials && !kept.is_empty() {
        s.store().save(&s.name, &kept)?;
    } else {
        s.store().delete(&s.name)?;
    }
    ctx.notice(&format!("logged out of profile '{}'", s.name));
    Ok(())
}
