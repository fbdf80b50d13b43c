//! `tokctl print-header`: the hot path. With a fresh cached token this reads
//! one cache file (and the profile file only when the profile is not named
//! or the file changed), and prints: no keychain, no HTTP client, no TLS
//! roots.

use crate::cli::{HeaderFormat, PrintHeaderArgs};
use crate::ctx::Ctx;
use crate::error::{sanitize, usage};
use crate::helpers::kube;
use crate::http::is_header_name;
use crate::secret::Secret;
use crate::session::{Session, Which};
use crate::token::{AccessToken, rfc3339};

/// Prints the header (or token, JSON, curl line) for a fresh token.
pub fn run(ctx: &Ctx, args: &PrintHeaderArgs) -> anyhow::Result<u8> {
    if !is_header_name(&args.header) {
        return Err(usage(format!(
            "--header '{}' is not a valid HTTP header name",
            sanitize(&args.header)
        ))
        .hint("use letters, digits and '-', e.g. --header X-Auth-Token")
        .into());
    }
    let which = args.token.which()?;
    // The JSON form adds the ID token, which lives in the secret store, so
    // it alone takes the full path (a keychain round trip). A narrowed
    // token has no ID token of its own.
    if args.format != HeaderFormat::Json || matches!(which, Which::Narrowed(_)) {
        let fresh = Session::fresh(ctx, args.token.min_valid, &which)?;
        return print(args, &fresh.token, None, fresh.client_tls);
    }
    let session = Session::open(ctx)?;
    let t = session.ensure_fresh_as(args.token.min_valid, &which)?;
    print(args, &t, session.id_token()?, session.mtls_files())
}

/// Prints `t` in the asked format; `mtls` (certificate and key files) adds
/// curl's `cert` and `key` lines, for servers that bind tokens to it.
fn print(
    args: &PrintHeaderArgs,
    t: &AccessToken,
    id_token: Option<Secret<String>>,
    mtls: Option<(String, String)>,
) -> anyhow::Result<u8> {
    let token = t.token.expose();
    let header = format!("{}: Bearer {token}", args.header);
    let out = match args.format {
        HeaderFormat::Header => format!("{header}\n"),
        HeaderFormat::Token => format!("{token}\n"),
        HeaderFormat::Curl => {
            let mut out = format!("header = {}\n", serde_json::to_string(&header)?);
            if let Some((cert, key)) = mtls {
                out.push_str(&format!(
                    "cert = {}\nkey = {}\n",
                    serde_json::to_string(&cert)?,
                    serde_json::to_string(&key)?
                ));
            }
            out
        }
        HeaderFormat::ExecCredential => {
            let asked = std::env::var("KUBERNETES_EXEC_INFO").ok();
            kube::exec_credential(kube::api_version(asked.as_deref()), token, t.expires_at)
        }
        HeaderFormat::Json => {
            let mut v = serde_json::json!({
                "header": header,
                "access_token": token,
                "token_type": "Bearer",
                "expires_at": t.expires_at.map(rfc3339),
            });
            if let Some(id) = id_token {
                v["id_token"] = serde_json::Value::String(id.expose().clone());
            }
            format!("{v}\n")
        }
    };
    super::print_stdout(&out)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use crate::http::is_header_name;

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
