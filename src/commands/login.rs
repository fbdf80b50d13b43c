//! `tokctl login`: create or update a profile, authenticate, store tokens.
//!
//! Nothing is written unless the login succeeds: a mistyped password or an
//! unreachable server leaves the profile file and the stored tokens as they
//! were.

use crate::cli::{ClientAuth, LoginArgs, ProviderKind, value_name};
use crate::config::{Config, Endpoints, Profile};
use crate::ctx::Ctx;
use crate::error::{Failure, printable, usage};
use crate::http::check_url;
use crate::output::Output;
use crate::providers::kind::ProviderName;
use crate::providers::oauth2::{self, params};
use crate::providers::{self, Credentials, Interaction};
use crate::secret::Secret;
use crate::session::{Forget, Session};
use crate::store::StoredSecrets;
use crate::token::{human_span, now, rfc3339};
use clap::ValueEnum;
use std::io::IsTerminal;

/// Logs a profile in.
pub fn run(ctx: &Ctx, args: &LoginArgs) -> anyhow::Result<u8> {
    if let Some(ProviderName::Defined(kind)) = &args.provider {
        known_kind(ctx, kind)?;
    }
    let mut cfg = ctx.load_config()?;
    let name = login_profile_name(ctx, &cfg)?;
    let stored = if cfg.contains(&name) {
        Some(cfg.profile(&name)?)
    } else {
        None
    };
    let mut profile = match (stored.clone(), args.provider.clone()) {
        (Some(p), _) => p,
        (None, Some(kind)) => Profile::new(kind),
        (None, None) => {
            return Err(
                usage(format!("profile '{name}' is new: --provider is required"))
                    .hint("e.g. `tokctl login --provider realmassive --username you@example.com`")
                    .into(),
            );
        }
    };
    apply_flags(&mut profile, args)?;
    if let Some(kind) = ctx.global.store {
        profile.store = Some(kind);
    }
    let store_kind = ctx.resolve_auto(ctx.store_kind(&profile));
    profile.store = Some(store_kind);

    let how = Interaction {
        unattended: false,
        no_browser: args.no_browser,
        out: ctx.out,
    };
    // Discovery settles the provider's own settings too: no rebuild.
    let mut provider = providers::build(&profile, &ctx.providers_dir)?;
    if let Some(found) = provider.discover(ctx.http(), how)? {
        profile.oauth = found;
    }
    let caps = provider.caps();

    let mut creds = Credentials {
        username: profile.username.clone(),
        ..Credentials::default()
    };
    if caps.needs_username && creds.username.is_none() {
        creds.username = Some(
            prompt_line(ctx.out, "Username: ")
                .map_err(|_| usage(format!("{} needs --username", profile.provider)))?,
        );
        profile.username = creds.username.clone();
    }
    let save = if args.save_credentials {
        true
    } else if args.no_save_credentials {
        false
    } else {
        profile
            .save_credentials
            .unwrap_or(caps.save_credentials_by_default)
    };
    if args.save_credentials || args.no_save_credentials {
        profile.save_credentials = Some(save);
    }
    let session = Session::new(ctx, &name, profile);
    // A store that cannot be read fails the login now, before the password
    // is sent for tokens that could not be kept: a locked keychain, or a
    // damaged file that must not be overwritten.
    let previous = session.stored_secrets()?;

    let mut input = SecretInput;
    if caps.needs_password {
        creds.password = Some(input.password(args.password_stdin, &name)?);
    } else if args.password_stdin {
        // Reading the line anyway would hand it to the client secret below.
        return Err(usage(format!(
            "this {} login takes no password, so --password-stdin has nothing to read",
            session.profile().provider
        ))
        .hint("give a client secret with --client-secret-stdin or TOKCTL_CLIENT_SECRET")
        .into());
    }
    creds.client_secret = match input.client_secret(args.client_secret_stdin)? {
        Some(s) => Some(s),
        // A stored secret is reused only for the same client at the same
        // server: it must never be sent to a server it was not issued by.
        None if stored
            .as_ref()
            .is_some_and(|old| same_client(old, session.profile())) =>
        {
            previous.as_ref().and_then(|p| p.client_secret.clone())
        }
        None => None,
    };
    let reusable = previous.as_ref().filter(|_| {
        stored
            .as_ref()
            .is_some_and(|old| same_client(old, session.profile()))
    });
    creds.client_key = client_key(args, session.profile(), reusable)?;
    if caps.needs_client_secret && creds.client_secret.is_none() {
        creds.client_secret = Some(
            prompt_secret(&format!("Client secret for profile '{name}': ")).ok_or_else(|| {
                usage(format!(
                    "profile '{name}' uses a confidential client: its secret is needed"
                ))
                .hint("give it with --client-secret-stdin or TOKCTL_CLIENT_SECRET")
            })?,
        );
    }

    let ts = provider.login(ctx.http(), &creds, how)?;
    ts.check_characters("login")?;

    // Success: now record the profile and the secrets.
    let base = StoredSecrets {
        password: if save { creds.password.clone() } else { None },
        // A confidential client's secret (or key) is needed by every refresh.
        client_secret: creds.client_secret.clone(),
        client_key: creds.client_key.clone(),
        ..StoredSecrets::default()
    };
    // The profile file and the secrets change under the lock, so no renewal
    // runs between them. Secrets issued by another server or client, or kept
    // in another store, are removed first: a kill after that leaves the
    // profile logged out, never holding a refresh token that its new server
    // did not issue.
    let lock = session.lock()?;
    if let Some(old) = stored
        && (!same_client(&old, session.profile()) || old.store != session.profile().store)
    {
        Session::new(ctx, &name, old).forget(&lock, Forget::default())?;
    }
    let user = ts.user.clone();
    let scope = ts.scope.clone();
    let t = session.record_login(&lock, &mut cfg, ts, base, caps)?;
    report(
        ctx,
        &session,
        &t,
        user.as_ref().and_then(|u| u.label()),
        scope.as_deref(),
        args.json,
    )?;
    Ok(0)
}

/// `--provider NAME` for a kind that is neither built in nor defined is a
/// usage error that lists the kinds there are.
fn known_kind(ctx: &Ctx, kind: &str) -> Result<(), Failure> {
    if providers::defined::path(&ctx.providers_dir, kind).exists() {
        return Ok(());
    }
    let builtin = ProviderKind::value_variants().iter().map(value_name);
    let defined = providers::defined::names(&ctx.providers_dir);
    let defined_list = if defined.is_empty() {
        "none".to_string()
    } else {
        defined.join(", ")
    };
    Err(usage(format!(
        "invalid value '{kind}' for '--provider <KIND>': there is no built-in kind and no definition {} of that name; built-in kinds: {}; defined kinds: {defined_list}",
        providers::defined::path(&ctx.providers_dir, kind).display(),
        builtin.collect::<Vec<_>>().join(", ")
    ))
    .hint("a definition is a file providers/NAME.toml beside the profile file; see docs/provider-definitions.md"))
}

/// `-p`, else the only/default profile when it exists, else `default`.
fn login_profile_name(ctx: &Ctx, cfg: &Config) -> Result<String, Failure> {
    if let Some(p) = &ctx.global.profile {
        Profile::check_name(p)?;
        return Ok(p.clone());
    }
    Ok(ctx
        .profile_name(cfg)
        .unwrap_or_else(|_| "default".to_string()))
}

/// Merges the flags given into the profile, checking URLs.
fn apply_flags(p: &mut Profile, a: &LoginArgs) -> Result<(), Failure> {
    if let Some(kind) = &a.provider {
        p.provider = kind.clone();
    }
    let set_url =
        |slot: &mut Option<String>, v: &Option<String>, flag: &str| -> Result<(), Failure> {
            if let Some(u) = v {
                check_url(u).map_err(|m| usage(format!("--{flag}: {m}")))?;
                *slot = Some(u.clone());
            }
            Ok(())
        };
    // Endpoints learned from one server mean nothing for another: a new
    // issuer or base URL forgets them (discovery, or the flags below, fill
    // them again).
    let moved = |old: &Option<String>, new: &Option<String>| new.is_some() && new != old;
    if moved(&p.oauth.issuer, &a.issuer) || moved(&p.base_url, &a.base_url) {
        p.oauth.endpoints = Endpoints::default();
    }
    set_url(&mut p.base_url, &a.base_url, "base-url")?;
    set_url(&mut p.api_url, &a.api_url, "api-url")?;
    set_url(&mut p.oauth.issuer, &a.issuer, "issuer")?;
    set_url(&mut p.oauth.endpoints.token, &a.token_url, "token-url")?;
    set_url(&mut p.oauth.endpoints.auth, &a.auth_url, "auth-url")?;
    set_url(&mut p.oauth.endpoints.device, &a.device_url, "device-url")?;
    if let Some(u) = &a.redirect_uri {
        check_url(u).map_err(|m| usage(format!("--redirect-uri: {m}")))?;
        p.oauth.redirect_uri = Some(u.clone());
    }
    if let Some(u) = &a.username {
        p.username = Some(u.clone());
    }
    if let Some(c) = &a.client_id {
        p.oauth.client_id = Some(c.clone());
    }
    if a.client_auth.is_some() {
        p.oauth.client_auth = a.client_auth;
    }
    apply_client_files(p, a)?;
    if !a.auth_params.is_empty() {
        params::check(&a.auth_params, params::Request::Authorization)?;
        p.oauth.auth_params = a.auth_params.clone();
    }
    if !a.token_params.is_empty() {
        params::check(&a.token_params, params::Request::Token)?;
        p.oauth.token_params = a.token_params.clone();
    }
    if a.flow.is_some() {
        p.oauth.flow = a.flow;
    }
    if !a.scopes.is_empty() {
        p.oauth.scopes = a.scopes.clone();
    }
    let is_oauth = matches!(
        p.provider.builtin(),
        Some(ProviderKind::Oauth2 | ProviderKind::Organicity)
    );
    // A definition may send the client id (`{client_id}`).
    let takes_client_id = is_oauth || matches!(p.provider, ProviderName::Defined(_));
    let oauth_flag = a.issuer.is_some()
        || a.token_url.is_some()
        || a.auth_url.is_some()
        || a.device_url.is_some()
        || (a.client_id.is_some() && !takes_client_id)
        || a.flow.is_some()
        || a.client_auth.is_some()
        || a.client_key.is_some()
        || a.client_cert.is_some()
        || !a.auth_params.is_empty()
        || !a.token_params.is_empty();
    if oauth_flag && !is_oauth {
        return Err(usage(format!(
            "OAuth flags (--issuer, --token-url, --client-id, --flow, ...) do not apply to provider '{}'",
            p.provider
        )));
    }
    Ok(())
}

/// `--client-cert` and `--client-key`: for `tls` the paths go to the
/// profile (the files are read on every request); a `private-key-jwt` key
/// is read at login instead (see [`client_key`]) and no path is kept.
fn apply_client_files(p: &mut Profile, a: &LoginArgs) -> Result<(), Failure> {
    let absolute = |path: &std::path::Path| {
        std::path::absolute(path)
            .map(|p| p.to_string_lossy().into_owned())
            .map_err(|e| usage(format!("{}: {e}", path.display())))
    };
    match p.oauth.client_auth {
        Some(ClientAuth::Tls) => {
            if let Some(c) = &a.client_cert {
                p.oauth.client_cert = Some(absolute(c)?);
            }
            if let Some(k) = &a.client_key {
                p.oauth.client_key = Some(absolute(k)?);
            }
            if p.oauth.client_cert.is_none() || p.oauth.client_key.is_none() {
                return Err(usage(
                    "--client-auth tls needs --client-cert PATH and --client-key PATH",
                )
                .hint("PEM files: the client certificate (with its chain) and its private key"));
            }
        }
        method => {
            p.oauth.client_cert = None;
            p.oauth.client_key = None;
            if a.client_cert.is_some() {
                return Err(usage("--client-cert is for --client-auth tls"));
            }
            if a.client_key.is_some() && method != Some(ClientAuth::PrivateKeyJwt) {
                return Err(usage(
                    "--client-key is for --client-auth private-key-jwt or tls",
                ));
            }
        }
    }
    Ok(())
}

/// The `private-key-jwt` key: read from `--client-key` (owner and mode
/// checked, the key parsed), else the one stored by an earlier login of
/// the same client.
fn client_key(
    a: &LoginArgs,
    p: &Profile,
    reusable: Option<&StoredSecrets>,
) -> Result<Option<Secret<String>>, Failure> {
    if p.oauth.client_auth != Some(ClientAuth::PrivateKeyJwt) {
        return Ok(None);
    }
    let Some(path) = &a.client_key else {
        return match reusable.and_then(|s| s.client_key.clone()) {
            Some(k) => Ok(Some(k)),
            None => Err(usage("--client-auth private-key-jwt needs --client-key PATH")
                .hint("a PEM private key, RSA (RS256) or EC P-256 (ES256), whose public key the server has registered for the client")),
        };
    };
    let pem = oauth2::keyfile::read_private(path)?;
    oauth2::ClientKey::from_pem(&pem).map_err(|why| {
        crate::error::config(format!(
            "the client key {} is unusable: {why}",
            path.display()
        ))
    })?;
    Ok(Some(pem))
}

/// Whether two versions of a profile talk to the same server (and OAuth
/// client), so that its secrets remain valid and safe to send there.
fn same_client(old: &Profile, new: &Profile) -> bool {
    old.provider == new.provider
        && old.base_url == new.base_url
        && old.oauth.issuer == new.oauth.issuer
        && old.oauth.endpoints.token == new.oauth.endpoints.token
        && old.oauth.client_id == new.oauth.client_id
}

/// Where secrets come from: stdin lines (password first, then client
/// secret), the environment, or a no-echo prompt on a terminal.
///
/// Lines are read one at a time, not to EOF: the OAuth `--no-browser` flow
/// reads the pasted redirect address from the rest of stdin.
struct SecretInput;

impl SecretInput {
    fn next_line(&mut self, what: &str) -> Result<Secret<String>, Failure> {
        match crate::terminal::stdin_line() {
            Ok(Some(line)) if !line.is_empty() => Ok(Secret::new(line)),
            Ok(_) => Err(usage(format!("expected the {what} on stdin, got nothing"))),
            Err(_) => Err(usage(format!(
                "the {what} on stdin is longer than {} KiB: that is not one",
                crate::terminal::MAX_LINE / 1024
            ))),
        }
    }

    fn password(&mut self, from_stdin: bool, profile: &str) -> Result<Secret<String>, Failure> {
        if from_stdin {
            return self.next_line("password");
        }
        if let Some(p) = env_secret("TOKCTL_PASSWORD") {
            return Ok(p);
        }
        prompt_secret(&format!("Password for profile '{profile}': ")).ok_or_else(|| {
            usage(
                "no password source: use --password-stdin or TOKCTL_PASSWORD, or run in a terminal",
            )
        })
    }

    fn client_secret(&mut self, from_stdin: bool) -> Result<Option<Secret<String>>, Failure> {
        if from_stdin {
            return self.next_line("client secret").map(Some);
        }
        Ok(env_secret("TOKCTL_CLIENT_SECRET"))
    }
}

fn env_secret(var: &str) -> Option<Secret<String>> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

fn prompt_secret(prompt: &str) -> Option<Secret<String>> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    crate::terminal::prompt_password(prompt).map(Secret::new)
}

fn prompt_line(out: Output, prompt: &str) -> Result<String, ()> {
    if !std::io::stdin().is_terminal() {
        return Err(());
    }
    out.prompt(prompt);
    let line = crate::terminal::stdin_line().map_err(drop)?.ok_or(())?;
    let line = line.trim().to_string();
    if line.is_empty() { Err(()) } else { Ok(line) }
}

fn report(
    ctx: &Ctx,
    s: &Session,
    t: &crate::token::AccessToken,
    user: Option<&str>,
    scope: Option<&str>,
    json: bool,
) -> anyhow::Result<()> {
    let provider = s.profile().provider.to_string();
    let store = s.store().name();
    if json {
        let v = serde_json::json!({
            "profile": s.name(),
            "provider": provider,
            "user": user,
            "store": store,
            "scope": scope,
            "expires_at": t.expires_at.map(rfc3339),
            "expires_in": t.remaining(now()),
        });
        super::print_stdout(&format!("{v}\n"))?;
    } else {
        let who = user
            .map(|u| format!(" as {}", printable(u)))
            .unwrap_or_default();
        let validity = match t.remaining(now()) {
            None => "of unknown lifetime".to_string(),
            Some(r) if r > 0 => format!("valid for {}", human_span(r)),
            Some(_) => "already expired".to_string(),
        };
        ctx.out.notice(&format!(
            "logged in to profile '{}' ({provider}){who}; token {validity}; secrets in the {store} store",
            s.name()
        ));
    }
    Ok(())
}
