//! The authorization code flow with PKCE (RFC 6749 §4.1, RFC 7636, RFC
//! 8252 for native apps): build the authorization URL, send the user's
//! browser there, receive the redirect, check it belongs to this login,
//! and exchange the code.
//!
//! Checks on the redirect, in this order: `state` must be ours (the
//! listener already refuses another login's answer — a stale tab or a
//! forged request — and keeps waiting; it is checked again here before the
//! code is used, exit 3); an `error` is the user's or the server's answer
//! (`access_denied`: exit 3 quoting `error_description`;
//! `server_error`/`temporarily_unavailable`: exit 4); an RFC 9207 `iss`,
//! when sent, must be the issuer (mix-up defence).
//! The token set goes back with the nonce sent, for the caller's one check
//! of the ID token's `nonce`, `aud` and `iss`.
//! With both `openid` and `offline_access`, `prompt=consent` is sent, as
//! OpenID Connect Core §11 requires for offline access (plain OAuth, like
//! Organicity's documented request, gets no `prompt`).

use super::SignIn;
use super::browser;
use super::loopback::{Callback, Launch, Listener, Source};
use super::pkce::{Pkce, random_token};
use crate::error::{Failure, Kind, remote, sanitize, usage};
use crate::token::TokenSet;
use url::Url;

/// Runs the whole flow; `wait` bounds the time the user has to sign in.
/// Returns the tokens and the nonce the ID token must carry.
pub fn login(f: SignIn<'_>) -> Result<(TokenSet, Option<String>), Failure> {
    let auth_url = f.s.endpoints.auth.as_deref().ok_or_else(|| {
        usage("the auth-code flow needs an authorization endpoint: give --issuer or --auth-url")
    })?;
    let listener = Listener::bind(f.s.redirect_uri.as_deref())?;
    let redirect_uri = listener.redirect_uri.clone();
    let pkce = Pkce::new()?;
    let state = random_token()?;
    let nonce = if f.s.wants_openid() {
        Some(random_token()?)
    } else {
        None
    };
    let url = authorization_url(
        auth_url,
        &Ask {
            client_id: f.client.id,
            redirect_uri: &redirect_uri,
            scopes: &f.s.request_scopes(),
            extra: &f.s.auth_params,
        },
        &state,
        &pkce.challenge,
        nonce.as_deref(),
    )?;

    let mut paste = f.how.no_browser || !browser::available();
    // The browser is opened on the listener's one-time launcher, which
    // redirects it on: `state`, `nonce` and the challenge stay out of every
    // argv (other users read /proc/PID/cmdline), and the callback is bound
    // to that browser by a cookie.
    let launcher = listener.launcher_url();
    if !paste {
        match browser::open(&launcher) {
            Ok(()) => f.how.out.notice(&format!(
                "opened a browser to sign in; waiting up to {} for its redirect to {redirect_uri}\n\
                 if no browser opened, visit (once, on this machine):\n\n    {launcher}\n",
                humantime::format_duration(f.wait)
            )),
            Err(why) => {
                f.how.out.instruct(&why.to_string());
                paste = true;
            }
        }
    }
    if paste {
        // Printed even with --quiet: the login cannot go on without it.
        f.how.out.instruct(&format!(
            "open this address in a browser to sign in:\n\n    {url}\n\n\
             waiting up to {} for the redirect to {redirect_uri}.\n\
             if that browser runs on another machine, paste here the address it ends up on (starting with {redirect_uri}) and press Enter:",
            humantime::format_duration(f.wait)
        ));
    }
    // A pasted answer cannot carry the cookie, and with --no-browser the
    // user's own browser (maybe on another machine) takes the URL itself.
    let launch = (!paste).then_some(Launch { auth_url: &url });
    let cb = listener.wait(&state, launch, paste.then_some(f.how.out), f.wait)?;
    let code = check_callback(&cb, &state, f.s.issuer.as_deref())?;
    if cb.source == Source::Paste {
        f.how
            .out
            .notice("got the pasted address; finishing the login");
    }
    let ts = f.client.token(
        f.http,
        f.token_url,
        &[
            ("grant_type", "authorization_code"),
            ("code", code.expose()),
            ("redirect_uri", &redirect_uri),
            ("code_verifier", pkce.verifier.expose()),
        ],
        "login",
    )?;
    Ok((ts, nonce))
}

/// What an authorization request asks for, besides the login's own
/// `state`, PKCE challenge and nonce.
struct Ask<'a> {
    client_id: &'a str,
    redirect_uri: &'a str,
    scopes: &'a [String],
    /// `--auth-param`s.
    extra: &'a [(String, String)],
}

/// `auth_url` with the authorization request parameters added (keeping any
/// query it already has, e.g. `kc_idp_hint`).
fn authorization_url(
    auth_url: &str,
    ask: &Ask<'_>,
    state: &str,
    challenge: &str,
    nonce: Option<&str>,
) -> Result<String, Failure> {
    let Ask {
        client_id,
        redirect_uri,
        scopes,
        extra,
    } = *ask;
    let mut u = Url::parse(auth_url).map_err(|e| {
        usage(format!(
            "invalid authorization endpoint '{}': {e}",
            sanitize(auth_url)
        ))
    })?;
    {
        let mut q = u.query_pairs_mut();
        q.append_pair("response_type", "code")
            .append_pair("client_id", client_id)
            .append_pair("redirect_uri", redirect_uri);
        if !scopes.is_empty() {
            q.append_pair("scope", &scopes.join(" "));
        }
        q.append_pair("state", state)
            .append_pair("code_challenge", challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(n) = nonce {
            q.append_pair("nonce", n);
        }
        // OpenID Connect Core §11: offline access is granted only with
        // consent; strict servers drop `offline_access` without this.
        let has = |s: &str| scopes.iter().any(|x| x == s);
        if has("openid") && has("offline_access") && !extra.iter().any(|(k, _)| k == "prompt") {
            q.append_pair("prompt", "consent");
        }
        // `--auth-param`s, which never name a parameter set above.
        for (k, v) in extra {
            q.append_pair(k, v);
        }
    }
    Ok(u.to_string())
}

/// The code, when the redirect is this login's successful answer.
fn check_callback<'a>(
    cb: &'a Callback,
    state: &str,
    issuer: Option<&str>,
) -> Result<&'a crate::secret::Secret<String>, Failure> {
    // The listener already waits past other logins' answers; this guards
    // the exchange itself.
    if !cb.matches(state) {
        return Err(Failure::new(
            Kind::LoginRequired,
            "refusing the authorization response: its state does not match this login (a stale browser tab, or a forged request)",
        )
        .hint("run `tokctl login` again and finish the sign-in in the tab it opens"));
    }
    if let (Some(err), Some(why)) = (&cb.error, cb.error_text()) {
        let kind = match err.as_str() {
            "server_error" | "temporarily_unavailable" => Kind::Remote,
            _ => Kind::LoginRequired,
        };
        let what = if err == "access_denied" {
            "the sign-in was denied"
        } else {
            "the authorization server refused the sign-in"
        };
        return Err(Failure::new(kind, format!("{what}: {why}")));
    }
    if let (Some(iss), Some(issuer)) = (&cb.iss, issuer)
        && iss.trim_end_matches('/') != issuer.trim_end_matches('/')
    {
        return Err(remote(format!(
            "refusing the authorization response: it comes from issuer '{}', not '{}'",
            sanitize(iss),
            sanitize(issuer)
        )));
    }
    cb.code
        .as_ref()
        .filter(|c| !c.expose().is_empty())
        .ok_or_else(|| remote("the authorization response carries no code"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    fn cb(pairs: &[(&str, &str)]) -> Callback {
        Callback {
            code: pairs
                .iter()
                .find(|p| p.0 == "code")
                .map(|p| Secret::new(p.1.to_string())),
            state: pairs
                .iter()
                .find(|p| p.0 == "state")
                .map(|p| p.1.to_string()),
            error: pairs
                .iter()
                .find(|p| p.0 == "error")
                .map(|p| p.1.to_string()),
            error_description: pairs
                .iter()
                .find(|p| p.0 == "error_description")
                .map(|p| p.1.to_string()),
            iss: pairs.iter().find(|p| p.0 == "iss").map(|p| p.1.to_string()),
            source: Source::Listener,
        }
    }

    #[test]
    fn url_has_pkce_state_and_keeps_query() {
        let u = authorization_url(
            "https://idp/auth?kc_idp_hint=x",
            &Ask {
                client_id: "cli",
                redirect_uri: "http://127.0.0.1:5/callback",
                scopes: &["openid".into(), "offline_access".into()],
                extra: &[("access_type".into(), "offline".into())],
            },
            "st",
            "ch",
            Some("nn"),
        )
        .unwrap();
        let u = Url::parse(&u).unwrap();
        let q: std::collections::HashMap<_, _> = u.query_pairs().collect();
        assert_eq!(q["access_type"], "offline");
        assert_eq!(q["kc_idp_hint"], "x");
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["scope"], "openid offline_access");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["redirect_uri"], "http://127.0.0.1:5/callback");
        assert_eq!(q["nonce"], "nn");
        assert_eq!(
            q["prompt"], "consent",
            "OIDC offline access asks for consent"
        );
    }

    #[test]
    fn callback_checks() {
        let ok = cb(&[("code", "c"), ("state", "s"), ("iss", "https://i/")]);
        assert_eq!(
            check_callback(&ok, "s", Some("https://i"))
                .unwrap()
                .expose(),
            "c"
        );
        let e = check_callback(&cb(&[("code", "c"), ("state", "x")]), "s", None).unwrap_err();
        assert_eq!(e.kind, Kind::LoginRequired);
        assert!(e.message().contains("state does not match"));
        let denied = cb(&[
            ("error", "access_denied"),
            ("error_description", "End-User aborted"),
            ("state", "s"),
        ]);
        let e = check_callback(&denied, "s", None).unwrap_err();
        assert_eq!(e.kind, Kind::LoginRequired);
        assert_eq!(
            e.message(),
            "the sign-in was denied: End-User aborted (access_denied)"
        );
        let e = check_callback(&cb(&[("error", "server_error"), ("state", "s")]), "s", None)
            .unwrap_err();
        assert_eq!(e.kind, Kind::Remote);
        let mixup = cb(&[("code", "c"), ("state", "s"), ("iss", "https://evil")]);
        assert_eq!(
            check_callback(&mixup, "s", Some("https://i"))
                .unwrap_err()
                .kind,
            Kind::Remote
        );
    }
}
