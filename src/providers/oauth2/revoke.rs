//! `logout`: RFC 7009 token revocation, best effort.
//!
//! The refresh token goes first — it is the long-lived one, and Keycloak
//! ends the whole session with it — then the access token. Each is sent
//! with its `token_type_hint` and the client's authentication. Both are
//! tried even if the first fails; the first failure is reported (the
//! caller prints it as a warning and deletes the local tokens anyway).
//! A profile without a revocation endpoint has nothing to do here.

use super::client::Client;
use crate::error::{Failure, remote};
use crate::http::Http;
use crate::providers::Revocable;

/// Revokes what `tokens` holds at `url`.
pub fn revoke(
    client: &Client<'_>,
    http: &Http,
    url: &str,
    tokens: &Revocable,
) -> Result<(), Failure> {
    let mut first_failure = None;
    let each = [
        (&tokens.refresh_token, "refresh_token"),
        (&tokens.access_token, "access_token"),
    ];
    for (token, hint) in each {
        let Some(token) = token else { continue };
        let outcome = client
            .post(
                http,
                url,
                &[("token", token.expose()), ("token_type_hint", hint)],
            )
            .and_then(|resp| {
                // RFC 7009 §2.2: 200 even for a token that is already invalid.
                if resp.ok() {
                    Ok(())
                } else {
                    Err(remote(format!(
                        "revoking the {} failed: {}",
                        hint.replace('_', " "),
                        resp.status_summary()
                    )))
                }
            });
        if let Err(e) = outcome {
            first_failure.get_or_insert(e);
        }
    }
    first_failure.map_or(Ok(()), Err)
}
