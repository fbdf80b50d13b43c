//! `tokctl login`: create or update a profile, authenticate, store tokens.
//!
//! Nothing is written unless the login succeeds: a mistyped password or an
//! unreachable server leaves the profile file and the stored tokens as they
//! were.

use crate::cli::{ClientAuth, LoginArgs, ProviderKind, value_name};
use crate::config::{Config, Profile};
use crate::ctx::Ctx;
use crate::error::{Failure, printable, usage};
use crate::input::{SecretInput, prompt_line};
use crate::providers::kind::ProviderName;
use crate::providers::{self, Credentials, Interaction};
use crate::session::{Forget, Session};
use crate::store::StoredSecrets;
use crate::token::{human_span, now, rfc3339};
use clap::ValueEnum;

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
    profile.merge_login_flags(args)?;
    if let Some(kind) = ctx.global.store {
        profile.store = Some(kind);
    }
    let store_kind = ctx.resolve_auto(ctx.store_kind(&profile));
    profile.store = Some(store_kind);

    let how = Interaction {
        unattended: false,
        no_browser: args.oauth.no_browser,
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
                .ok_or_else(|| usage(format!("{} needs --username", profile.provider)))?,
        );
        profile.username = creds.username.clone();
    }
    let save = profile
        .save_credentials
        .unwrap_or(caps.save_credentials_by_default);
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
    // A stored secret or key is reused only for the same client at the
    // same server: it must never be sent to a server it was not issued by.
    let reusable = previous.as_ref().filter(|_| {
        stored
            .as_ref()
            .is_some_and(|old| old.same_client(session.profile()))
    });
    creds.client_secret = match input.client_secret(args.client.client_secret_stdin)? {
        Some(s) => Some(s),
        None => reusable.and_then(|p| p.client_secret.clone()),
    };
    if session.profile().oauth.client_auth == Some(ClientAuth::PrivateKeyJwt) {
        let kept = reusable.and_then(|p| p.client_key.clone());
        creds.client_key = Some(input.client_key(
            args.oauth.client_key.as_deref(),
            args.oauth.client_cert.as_deref(),
            kept,
        )?);
    }
    if caps.needs_client_secret && creds.client_secret.is_none() {
        creds.client_secret = Some(input.required_client_secret(&name)?);
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
        && (!old.same_client(session.profile()) || old.store != session.profile().store)
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
