//! `tokctl refresh`: always asks the server for a new access token.

use crate::cli::RefreshArgs;
use crate::ctx::Ctx;
use crate::session::Session;
use crate::token::{human_span, now, rfc3339};

/// Renews the access token now.
pub fn run(ctx: &Ctx, args: &RefreshArgs) -> anyhow::Result<u8> {
    let session = Session::open(ctx)?;
    let t = session.renew(None)?;
    if args.json {
        let v = serde_json::json!({
            "profile": session.name(),
            "expires_at": t.expires_at.map(rfc3339),
            "expires_in": t.remaining(now()),
        });
        super::print_stdout(&format!("{v}\n"))?;
    } else {
        let validity = t
            .remaining(now())
            .map_or("of unknown lifetime".to_string(), |s| {
                format!("valid for {}", human_span(s))
            });
        ctx.out.notice(&format!(
            "refreshed profile '{}': token {validity}",
            session.name()
        ));
    }
    Ok(0)
}
