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
use crate::providers::wire::{expect_json, str_field};
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
    let params = authorization_params(
        &Ask {
            client_id: f.client.id,
            redirect_uri: &redirect_uri,
            scopes: &f.s.request_scopes(),
            extra: &f.s.auth_params,
        },
        &state,
        &pkce.challenge,
        nonce.as_deref(),
    );
    let url = url_with(auth_url, &params)?;

    let mut paste = f.how.no_browser || !browser::available();
    // The browser is opened on the listener's one-time launcher, which
    // redirects it on: `state`, `nonce` and the challenge stay out of every
    // argv (other users read /proc/PID/cmdline), and the callback is bound
    // to that browser by a cookie.
    let launcher = listener.launcher_url();
    let mut launch_url = url.clone();
    if !paste && let Some(par) = f.s.endpoints.par.as_deref() {
        launch_url = pushed(&f, auth_url, par, &params)?.unwrap_or(launch_url);
    }
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
    let launch = (!paste).then_some(Launch {
        auth_url: &launch_url,
    });
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

/// The authorization request's parameters, in the order they are sent.
fn authorization_params(
    ask: &Ask<'_>,
    state: &str,
    challenge: &str,
    nonce: Option<&str>,
) -> Vec<(String, String)> {
    let Ask {
        client_id,
        redirect_uri,
        scopes,
        extra,
    } = *ask;
    let mut q: Vec<(&str, &str)> = vec![
        ("response_type", "code"),
        ("client_id", client_id),
        ("redirect_uri", redirect_uri),
    ];
    let scope = scopes.join(" ");
    if !scopes.is_empty() {
        q.push(("scope", &scope));
    }
    q.extend([
        ("state", state),
        ("code_challenge", challenge),
        ("code_challenge_method", "S256"),
    ]);
    if let Some(n) = nonce {
        q.push(("nonce", n));
    }
    // OpenID Connect Core §11: offline access is granted only with
    // consent; strict servers drop `offline_access` without this.
    let has = |s: &str| scopes.iter().any(|x| x == s);
    if has("openid") && has("offline_access") && !extra.iter().any(|(k, _)| k == "prompt") {
        q.push(("prompt", "consent"));
    }
    // `--auth-param`s, which never name a parameter set above.
    q.extend(extra.iter().map(|(k, v)| (k.as_str(), v.as_str())));
    q.into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

/// `auth_url` with `params` added (keeping any query it already has, e.g.
/// `kc_idp_hint`).
fn url_with<K: AsRef<str>, V: AsRef<str>>(
    auth_url: &str,
    params: &[(K, V)],
) -> Result<String, Failure> {
    let mut u = Url::parse(auth_url).map_err(|e| {
        usage(format!(
            "invalid authorization endpoint '{}': {e}",
            sanitize(auth_url)
        ))
    })?;
    u.query_pairs_mut()
        .extend_pairs(params.iter().map(|(k, v)| (k.as_ref(), v.as_ref())));
    Ok(u.to_string())
}

/// Pushes the authorization request to the server's PAR endpoint (RFC
/// 9126), authenticated like a token request, and returns the address the
/// browser then gets: only the client id and the `request_uri`, so the
/// request's parameters never sit in the browser's history or the
/// server's access logs, and cannot be altered on the way. A server that
/// refuses the push gets the plain request instead (`None`), with a
/// notice: pushing is an extra, unless the server requires it, and then it
/// says so at the authorization endpoint.
fn pushed(
    f: &SignIn<'_>,
    auth_url: &str,
    par_url: &str,
    params: &[(String, String)],
) -> Result<Option<String>, Failure> {
    let fields: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let resp = f.client.post_pushed(f.http, par_url, &fields)?;
    let v = match expect_json(resp, "pushed authorization request") {
        Ok((_, v)) => v,
        Err(e) if e.kind == Kind::Remote => return Err(e),
        Err(e) => {
            f.how.out.notice(&format!(
                "warning: the server refused the pushed authorization request ({e}); sending the request in the browser's address instead"
            ));
            return Ok(None);
        }
    };
    let uri = str_field(&v, "request_uri")
        .filter(|u| u.len() <= MAX_REQUEST_URI && u.bytes().all(|b| b.is_ascii_graphic()))
        .ok_or_else(|| {
            remote("pushed authorization request: the answer has no usable request_uri")
        })?;
    f.how.out.verbose(
        "pushed the authorization request (RFC 9126): the browser gets only its request_uri",
    );
    Ok(Some(url_with(
        auth_url,
        &[("client_id", f.client.id), ("request_uri", uri)],
    )?))
}

/// The longest `request_uri` taken from a server (they are URNs of a few
/// dozen characters).
const MAX_REQUEST_URI: usize = 2048;

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
        let params = authorization_params(
            &Ask {
                client_id: "cli",
                redirect_uri: "http://127.0.0.1:5/callback",
                scopes: &["openid".into(), "offline_access".into()],
                extra: &[("access_type".into(), "offline".into())],
            },
            "st",
            "ch",
            Some("nn"),
        );
        let u = url_with("https://idp/auth?kc_idp_hint=x", &params).unwrap();
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
