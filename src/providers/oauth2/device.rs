//! The device authorization grant (RFC 8628): for machines where no
//! browser can reach a loopback listener. tokctl shows a URL and a code,
//! the user approves on any device, and tokctl polls the token endpoint.
//!
//! Polling follows §3.5: wait `interval` (default 5 s) between requests,
//! add 5 s on `slow_down` (Keycloak sends no new interval), keep going on
//! `authorization_pending`; `expired_token` and `access_denied` end the
//! login with exit 3. The wait ends at the device code's `expires_in` or
//! the TOKCTL_AUTH_WAIT limit, whichever comes first. A spinner runs only
//! when stderr is a terminal; the URL and code are printed even with
//! `--quiet`, since the login cannot go on without them.

use super::SignIn;
use crate::error::{Failure, Kind, remote, sanitize, usage};
use crate::output::Output;
use crate::providers::wire::{expect_json, str_field};
use crate::secret::Secret;
use crate::token::{TokenSet, claim_i64};
use std::io::IsTerminal;
use std::time::{Duration, Instant};

const GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// Runs the flow; `wait` caps the time the user has to approve.
pub fn login(f: SignIn<'_>) -> Result<TokenSet, Failure> {
    let device_url = f.s.endpoints.device.as_deref().ok_or_else(|| {
        usage(
            "the device flow needs a device authorization endpoint: give --issuer or --device-url",
        )
    })?;
    let scope = f.s.request_scopes().join(" ");
    let mut fields = Vec::new();
    if !scope.is_empty() {
        fields.push(("scope", scope.as_str()));
    }
    fields.extend(
        f.s.auth_params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str())),
    );
    let resp = f.client.post(f.http, device_url, &fields)?;
    if !resp.ok() {
        return Err(f
            .client
            .token_failure(&resp, "device authorization request"));
    }
    let (_, v) = expect_json(resp, "device authorization")?;
    let field = |k: &str| {
        str_field(&v, k).map(str::to_string).ok_or_else(|| {
            remote(format!(
                "device authorization: the server's answer has no {k}"
            ))
        })
    };
    let device_code = Secret::new(field("device_code")?);
    let user_code = field("user_code")?;
    // Google still spells it verification_url.
    let verify = field("verification_uri").or_else(|_| field("verification_url"))?;
    let complete = str_field(&v, "verification_uri_complete");
    let expires_in = claim_i64(&v, "expires_in")
        .filter(|s| *s > 0)
        .unwrap_or(600);
    let mut interval = claim_i64(&v, "interval")
        .filter(|s| *s > 0)
        .map_or(5, |s| s.min(MAX_INTERVAL as i64) as u64);

    f.how.out.instruct(&format!(
        "to sign in, open {} and enter the code {}",
        sanitize(&verify),
        sanitize(&user_code)
    ));
    if let Some(c) = complete {
        f.how.out.instruct(&format!(
            "or open this address, which carries the code: {}",
            sanitize(c)
        ));
    }
    let limit = f.wait.min(Duration::from_secs(expires_in as u64));
    let deadline = Instant::now() + limit;
    let mut spinner = Spinner::new(
        f.how.out,
        !f.how.out.quiet() && std::io::stderr().is_terminal(),
    );
    let result = loop {
        if !spinner.sleep(Duration::from_secs(interval), deadline) {
            break Err(Failure::new(
                Kind::LoginRequired,
                format!(
                    "the sign-in was not approved within {}",
                    humantime::format_duration(limit)
                ),
            )
            .hint("run `tokctl login` again and approve the code sooner (TOKCTL_AUTH_WAIT sets the limit)"));
        }
        let resp = f.client.post_token(
            f.http,
            f.token_url,
            &[("grant_type", GRANT), ("device_code", device_code.expose())],
        )?;
        if resp.ok() {
            let (resp, v) = expect_json(resp, "login")?;
            break crate::providers::wire::parse_token_response(&resp, &v, "login");
        }
        match on_error(resp.oauth_error().as_deref(), resp.error_text(), interval) {
            Poll::Again(next) => interval = next,
            Poll::Stop(f) => break Err(f),
            Poll::Other => break Err(f.client.token_failure(&resp, "login")),
        }
    };
    spinner.clear();
    result
}

/// What a refused poll means (RFC 8628 §3.5).
enum Poll {
    /// Not yet: poll again after this many seconds.
    Again(u64),
    /// The login is over.
    Stop(Failure),
    /// Not a device-flow answer: read it as any token-endpoint failure.
    Other,
}

/// The longest pause between polls, whatever the server asks: a larger
/// one would only outlast the wait.
const MAX_INTERVAL: u64 = 300;

fn on_error(error: Option<&str>, text: Option<String>, interval: u64) -> Poll {
    match error {
        Some("authorization_pending") => Poll::Again(interval),
        // Keycloak sends no new interval with slow_down: add the 5 s the RFC asks.
        Some("slow_down") => Poll::Again((interval + 5).min(MAX_INTERVAL)),
        Some("expired_token") => Poll::Stop(
            Failure::new(
                Kind::LoginRequired,
                "the device code expired before the sign-in was approved",
            )
            .hint("run `tokctl login` again and approve the code sooner"),
        ),
        Some("access_denied") => Poll::Stop(Failure::new(
            Kind::LoginRequired,
            match text.filter(|t| t != "access_denied") {
                Some(why) => format!("the sign-in was denied: {why}"),
                None => "the sign-in was denied".to_string(),
            },
        )),
        _ => Poll::Other,
    }
}

/// A one-character spinner on stderr while polling, when it is a terminal.
struct Spinner {
    out: Output,
    on: bool,
    frame: usize,
}

impl Spinner {
    const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];

    fn new(out: Output, on: bool) -> Self {
        Spinner { out, on, frame: 0 }
    }

    /// Sleeps `d` (animating); false when the deadline comes first.
    fn sleep(&mut self, d: Duration, deadline: Instant) -> bool {
        let until = (Instant::now() + d).min(deadline);
        while Instant::now() < until {
            if self.on {
                let left = deadline.saturating_duration_since(Instant::now()).as_secs();
                self.out.progress(&format!(
                    "{} waiting for the sign-in to be approved ({} left) ",
                    Self::FRAMES[self.frame % Self::FRAMES.len()],
                    humantime::format_duration(Duration::from_secs(left))
                ));
                self.frame += 1;
            }
            std::thread::sleep(
                until
                    .saturating_duration_since(Instant::now())
                    .min(Duration::from_millis(100)),
            );
        }
        Instant::now() < deadline
    }

    fn clear(&self) {
        if self.on {
            self.out.clear_progress();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn poll_answers() {
        assert!(matches!(
            on_error(Some("authorization_pending"), None, 5),
            Poll::Again(5)
        ));
        assert!(matches!(
            on_error(Some("slow_down"), Some("Slow down".into()), 5),
            Poll::Again(10)
        ));
        let Poll::Stop(f) = on_error(Some("access_denied"), Some("End-User aborted".into()), 5)
        else {
            panic!("access_denied stops")
        };
        assert_eq!(
            (f.kind, f.message()),
            (
                Kind::LoginRequired,
                "the sign-in was denied: End-User aborted"
            )
        );
        let Poll::Stop(f) = on_error(Some("access_denied"), Some("access_denied".into()), 5) else {
            panic!("access_denied stops")
        };
        assert_eq!(f.message(), "the sign-in was denied");
        assert!(matches!(
            on_error(Some("expired_token"), None, 5),
            Poll::Stop(_)
        ));
        assert!(matches!(
            on_error(Some("invalid_client"), None, 5),
            Poll::Other
        ));
        assert!(matches!(on_error(None, None, 5), Poll::Other));
    }
}
