//! `tokctl print-header`: the hot path. With a fresh cached token this reads
//! the profile file and one cache file, and prints: no keychain, no HTTP
//! client, no TLS roots.

use crate::cli::{HeaderFormat, PrintHeaderArgs};
use crate::ctx::Ctx;
use crate::error::{sanitize, usage};
use crate::token::rfc3339;

pub fn run(ctx: &Ctx, args: &PrintHeaderArgs) -> anyhow::Result<u8> {
    if !is_header_name(&args.header) {
        return Err(usage(format!(
            "--header '{}' is not a valid HTTP header name",
            sanitize(&args.header)
        ))
        .hint("use letters, digits and '-', e.g. --header X-Auth-Token")
        .into());
    }
    let (_, session) = super::open_session(ctx)?;
    let t = session.ensure_fresh(args.min_valid)?;
    let token = t.token.expose();
    let header = format!("{}: Bearer {token}", args.header);
    let out = match args.format {
        HeaderFormat::Header => format!("{header}\n"),
        HeaderFormat::Token => format!("{token}\n"),
        HeaderFormat::Curl => format!("header = {}\n", serde_json::to_string(&header)?),
        HeaderFormat::Json => {
            let mut v = serde_json::json!({
                "header": header,
                "access_token": token,
                "token_type": "Bearer",
                "expires_at": t.expires_at.map(rfc3339),
            });
            // The ID token lives in the secret store; reading it costs a
            // keychain round trip, so only the JSON format does.
            if session.profile.provider.has_id_token()
                && let Some(id) = session
                    .store()
                    .load(&session.name)?
                    .and_then(|s| s.id_token)
            {
                v["id_token"] = serde_json::Value::String(id.expose().clone());
            }
            format!("{v}\n")
        }
    };
    super::print_stdout(&out)?;
    Ok(0)
}

/// An RFC 9110 field name (a `token`): anything else would print a line
/// that is not a header, e.g. `: Bearer …` for an empty name.
fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

#[cfg(test)]
mod tests {
    use super::is_header_name;

    #[test]
    fn header_names() {
        for ok in ["Authorization", "X-Custom", "x_token.v2"] {
            assert!(is_header_name(ok), "{ok}");
        }
        for bad in ["", "X Custom", "X:Y", "X\nY", "Ä"] {
            assert!(!is_header_name(bad), "{bad:?}");
        }
    }
}
