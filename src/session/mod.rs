//! One profile's tokens over time, the one façade commands use for token
//! state: opening a profile (with the stamp of the file it came from), the
//! hot path that reads a fresh token, the single-flight renewal, persisting
//! what a login or renewal got, and forgetting it all again.
//!
//! Renewal order matters for safety (docs/architecture.md, "The renewal
//! path"): take the profile lock; re-read, because the process we waited
//! for may have renewed already; renew; store the (possibly rotated)
//! refresh token in the secret store; only then write the access token to
//! the cache and hand it out. A process killed at any
//! point leaves either the old or the new tokens.
//!
//! The cache file is read once before the lock (the fast path, whose record
//! the slow path reuses) and once under it (the re-read above, whose record
//! a renewal then updates): never more on one path.

use crate::config::{Config, Profile};
use crate::ctx::Ctx;
use crate::error::{Failure, Kind, config, login_required};
use crate::lock::ProfileLock;
use crate::providers::{self, Caps, Credentials, Interaction, Provider, Revocable};
use crate::secret::Secret;
use crate::selection::Selection;
use crate::store::cache::{CacheRecord, Renewal, Stamp};
use crate::store::{SecretStore, StoredSecrets};
use crate::token::{AccessToken, RefreshExpiry, TokenSet, now, rfc3339};
use serde_json::Value;
use std::cell::OnceCell;
use std::time::Duration;

mod narrow;

/// How a token set was obtained, which decides what happens to the old
/// refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Via {
    /// A refresh grant: a missing refresh token in the answer means "keep the old one".
    Refresh,
    /// A full login: the old refresh token is replaced (or dropped).
    Login,
}

/// Which token a command hands out (`--id-token`, or `--scope`,
/// `--resource` and `--audience`; see [`crate::cli::TokenArgs::which`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Which {
    /// The login's access token.
    Access,
    /// The OpenID Connect ID token, renewed by its own `exp`.
    Id,
    /// An access token narrowed to a selection, cached on its own.
    Narrowed(Selection),
}

/// A token valid for the time asked, and the profile it belongs to.
#[derive(Debug, Clone)]
pub struct Fresh {
    /// The profile's name.
    pub profile: String,
    /// The token; its `expires_at` says when to come back.
    pub token: AccessToken,
    /// The certificate and key files of a mutual-TLS profile (see
    /// [`Session::mtls_files`]).
    pub client_tls: Option<(String, String)>,
}

/// What [`Session::forget`] removes besides the cache.
#[derive(Debug, Clone, Copy, Default)]
pub struct Forget {
    /// Revoke the tokens at the server first (best effort), as `logout` does.
    pub revoke: bool,
    /// Keep the saved password and client secret.
    pub keep_credentials: bool,
}

/// Everything stored about a profile's tokens, read once (for `info`).
#[derive(Debug, Default)]
pub struct TokenState {
    /// The secret store's entry (empty when logged out).
    pub secrets: StoredSecrets,
    /// The cache record (empty when absent).
    pub record: CacheRecord,
    /// The current access token, fresh or not.
    pub access: Option<AccessToken>,
}

/// A profile opened for token work.
pub struct Session<'a> {
    ctx: &'a Ctx,
    name: String,
    profile: Profile,
    /// The stamp of the profile file this profile was read from: the cache
    /// record vouches for that version only, never for one nobody parsed.
    config_stamp: Option<Stamp>,
    store: OnceCell<Box<dyn SecretStore>>,
}

impl<'a> Session<'a> {
    /// The token `which` names (the access token, the ID token from the
    /// same record, or a narrowed token from its own record), valid for
    /// `min_valid`, the cheapest way there is: straight from the cache when
    /// the profile is named (`-p` or `TOKCTL_PROFILE`) and the profile file
    /// is byte-for-byte the one the cache was written against; else the
    /// profile is opened and the token renewed if needed.
    pub fn fresh(ctx: &'a Ctx, min_valid: Duration, which: &Which) -> Result<Fresh, Failure> {
        let named = ctx
            .global
            .profile
            .as_deref()
            .filter(|n| Profile::check_name(n).is_ok());
        let mut early = None;
        if let Some(name) = named {
            let mut rec = match which {
                Which::Narrowed(sel) => ctx.cache().read_narrowed(name, sel),
                _ => ctx.cache().read(name),
            };
            if let Some(r) = rec.as_mut()
                && let Some(token) = take_trusted(ctx, r, min_valid, which)
            {
                return Ok(Fresh {
                    profile: name.to_string(),
                    token,
                    client_tls: r.client_cert.take().zip(r.client_key.take()),
                });
            }
            early = Some((name, rec));
        }
        let session = Session::open(ctx)?;
        let token = match which {
            Which::Access => {
                // The record already read is as good as a new read: nothing
                // has been decided on it yet, and a renewal re-reads under
                // the lock.
                let early = match early {
                    Some((name, rec)) if name == session.name => rec,
                    _ => session.read_cache(),
                };
                session.fresh_or_renew(early, min_valid)?
            }
            other => session.ensure_fresh_as(min_valid, other)?,
        };
        Ok(Fresh {
            client_tls: session.mtls_files(),
            profile: session.name,
            token,
        })
    }

    /// Opens the profile a command is about (`-p`, else the file's default
    /// or only profile).
    pub fn open(ctx: &'a Ctx) -> Result<Self, Failure> {
        let cfg = ctx.load_config()?;
        let name = ctx.profile_name(&cfg)?;
        Session::named(ctx, &cfg, &name)
    }

    /// Opens profile `name` of `cfg`.
    pub fn named(ctx: &'a Ctx, cfg: &Config, name: &str) -> Result<Self, Failure> {
        Ok(Session::build(ctx, name, cfg.profile(name)?, cfg.stamp()))
    }

    /// A profile that is not (or not in this shape) in the profile file:
    /// the one a login is creating or replacing. No cache record vouches
    /// for it until [`Session::record_login`] saves it.
    pub fn new(ctx: &'a Ctx, name: &str, profile: Profile) -> Self {
        Session::build(ctx, name, profile, None)
    }

    fn build(ctx: &'a Ctx, name: &str, profile: Profile, config_stamp: Option<Stamp>) -> Self {
        Session {
            ctx,
            name: name.to_string(),
            profile,
            config_stamp,
            store: OnceCell::new(),
        }
    }

    /// The profile's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The profile's settings.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The provider the profile speaks.
    pub fn provider(&self) -> Result<Box<dyn Provider>, Failure> {
        providers::build(&self.profile, &self.ctx.providers_dir)
    }

    /// The secret store, opened on first use (the hot path never opens it).
    pub fn store(&self) -> &dyn SecretStore {
        self.store
            .get_or_init(|| self.ctx.open_store(self.ctx.store_kind(&self.profile)))
            .as_ref()
    }

    /// What the secret store holds for the profile. A store that cannot be
    /// read is an error, never "nothing stored".
    pub fn stored_secrets(&self) -> Result<Option<StoredSecrets>, Failure> {
        self.store().load(&self.name)
    }

    /// Takes the profile lock: one renewal, login or logout at a time.
    pub fn lock(&self) -> Result<ProfileLock, Failure> {
        ProfileLock::acquire(&self.ctx.data_dir, &self.name, self.ctx.lock_wait())
    }

    /// Everything stored about the tokens, each store read once.
    pub fn state(&self) -> Result<TokenState, Failure> {
        let secrets = self.stored_secrets()?.unwrap_or_default();
        let record = self.read_cache().unwrap_or_default();
        let access = if self.profile.cache {
            record.access.clone()
        } else {
            secrets.access.clone()
        };
        Ok(TokenState {
            secrets,
            record,
            access,
        })
    }

    /// The OpenID Connect ID token, for providers that issue one (a
    /// keychain round trip: only asked for when it is printed).
    pub fn id_token(&self) -> Result<Option<Secret<String>>, Failure> {
        if !self.profile.provider.has_id_token() {
            return Ok(None);
        }
        Ok(self.stored_secrets()?.and_then(|s| s.id_token))
    }

    /// The credentials a login or a provider call uses, from stored secrets.
    pub fn credentials(&self, s: &StoredSecrets) -> Credentials {
        Credentials {
            username: self.profile.username.clone(),
            password: s.password.clone(),
            client_secret: s.client_secret.clone(),
            client_key: s.client_key.clone(),
        }
    }

    /// Asks the provider's info endpoint about a fresh token (`info --remote`).
    pub fn remote_info(
        &self,
        provider: &dyn Provider,
        state: &TokenState,
    ) -> Result<Value, Failure> {
        // The access token and the client's credential go to the info
        // endpoint: only to the server that issued them.
        self.check_origin(provider, &state.secrets)?;
        let t = self.ensure_fresh(Duration::ZERO)?;
        provider.remote_info_with(
            self.ctx.http(),
            &t.token,
            state.record.user.as_ref(),
            &self.credentials(&state.secrets),
        )
    }

    /// A token valid for at least `min_valid`, renewing first if needed.
    /// Usable again and again from a long-lived process.
    pub fn ensure_fresh(&self, min_valid: Duration) -> Result<AccessToken, Failure> {
        self.fresh_or_renew(self.read_cache(), min_valid)
    }

    fn fresh_or_renew(
        &self,
        rec: Option<CacheRecord>,
        min_valid: Duration,
    ) -> Result<AccessToken, Failure> {
        let recorded = rec.as_ref().and_then(|r| r.config_stamp);
        if let Some(t) = self.access_in(rec)?
            && t.valid_for(min_valid, now())
        {
            self.restamp(&t, recorded, &Which::Access);
            return Ok(t);
        }
        self.renew(Some(min_valid))
    }

    fn read_cache(&self) -> Option<CacheRecord> {
        self.ctx.cache().read(&self.name)
    }

    /// The current access token, fresh or not: from the cache record, or
    /// from the secret store for `cache = false` profiles.
    fn access_in(&self, rec: Option<CacheRecord>) -> Result<Option<AccessToken>, Failure> {
        if self.profile.cache {
            Ok(rec.and_then(|r| r.access))
        } else {
            Ok(self.stored_secrets()?.and_then(|s| s.access))
        }
    }

    /// Re-stamps the cache record against the profile file as just read, so
    /// that the next call takes the fast path again after an unrelated edit
    /// (another profile's login rewrites the file). Only when the lock is
    /// free and the record still holds `t`: a renewal in progress must never
    /// be overwritten with an older token. Best effort: it is only a cache.
    /// `which` names the token `t` is: the access or ID token of the
    /// profile's record, or a narrowed token in its own record.
    fn restamp(&self, t: &AccessToken, recorded: Option<Stamp>, which: &Which) {
        let stamp = self.config_stamp;
        if !self.profile.cache || stamp.is_none() || recorded == stamp {
            return;
        }
        let Ok(_lock) = ProfileLock::acquire(&self.ctx.data_dir, &self.name, Duration::ZERO) else {
            return;
        };
        let cache = self.ctx.cache();
        let rec = match which {
            Which::Narrowed(sel) => cache.read_narrowed(&self.name, sel),
            _ => self.read_cache(),
        };
        if let Some(mut rec) = rec {
            let held = match which {
                Which::Id => &rec.id_token,
                _ => &rec.access,
            };
            if held.as_ref() != Some(t) {
                return;
            }
            rec.config_stamp = stamp;
            let _ = match which {
                Which::Narrowed(_) => cache.write_narrowed(&self.name, &rec),
                _ => cache.write(&self.name, &rec),
            };
        }
    }

    /// Renews under the profile lock. With `if_stale`, a token another
    /// process obtained while we waited is used instead (single flight);
    /// without it (`tokctl refresh`), the server is always asked.
    pub fn renew(&self, if_stale: Option<Duration>) -> Result<AccessToken, Failure> {
        let _lock = self.lock()?;
        let mut rec = self.read_cache();
        if let Some(min_valid) = if_stale
            && let Some(t) = self.access_in(rec.clone())?
            && t.valid_for(min_valid, now())
        {
            self.ctx.out.verbose(&format!(
                "profile '{}': another process renewed the token; using it",
                self.name
            ));
            return Ok(t);
        }
        let provider = self.provider()?;
        let mut secrets = self.load_secrets()?;
        let origin = self.check_origin(provider.as_ref(), &secrets)?;
        // A rejected refresh token may have been replaced by another process
        // (a concurrent login, or a renewal that outlived our lock wait):
        // then retry once with the replacement instead of failing.
        for attempt in 0..2 {
            match self.obtain(provider.as_ref(), &secrets) {
                Ok((ts, via)) => {
                    return self.persist(
                        self.config_stamp,
                        ts,
                        via,
                        secrets,
                        provider.caps(),
                        rec,
                        origin,
                    );
                }
                Err(e) if e.kind == Kind::LoginRequired && attempt == 0 => {
                    let latest = self.load_secrets()?;
                    if latest.refresh_token.is_none()
                        || latest.refresh_token == secrets.refresh_token
                    {
                        return Err(e);
                    }
                    rec = self.read_cache();
                    if let Some(t) = self.access_in(rec.clone())?
                        && t.valid_for(if_stale.unwrap_or_default(), now())
                    {
                        return Ok(t);
                    }
                    secrets = latest;
                }
                Err(e) => return Err(e),
            }
        }
        unreachable!("the loop returns on its second attempt")
    }

    /// Refuses secrets issued by another server than the one the profile
    /// now names (exit 3, nothing sent): the profile file was edited, or
    /// swapped by someone who wants the refresh token or the password.
    /// Secrets stored before origins were recorded are accepted (and get
    /// the returned origin at their next save).
    pub fn check_origin(
        &self,
        provider: &dyn Provider,
        secrets: &StoredSecrets,
    ) -> Result<String, Failure> {
        let now_at = providers::credential_origin(provider);
        match &secrets.origin {
            Some(was) if *was != now_at => Err(Failure::new(
                Kind::LoginRequired,
                format!(
                    "the profile now points at another server; log in again (its secrets were issued by {}, the profile now names {})",
                    crate::error::sanitize(was),
                    crate::error::sanitize(&now_at)
                ),
            )
            .hint(format!(
                "if you changed the server on purpose, run `tokctl login -p {}`; if not, check who edited {}",
                self.name,
                self.ctx.config_path.display()
            ))),
            _ => Ok(now_at),
        }
    }

    fn load_secrets(&self) -> Result<StoredSecrets, Failure> {
        self.stored_secrets()?.ok_or_else(|| {
            login_required(
                format!("profile '{}' is not logged in", self.name),
                &self.name,
            )
        })
    }

    /// The renewal policy: the refresh grant when there is a live refresh
    /// token, else a new login with saved credentials, else exit 3.
    fn obtain(
        &self,
        provider: &dyn Provider,
        secrets: &StoredSecrets,
    ) -> Result<(TokenSet, Via), Failure> {
        let http = self.ctx.http();
        let caps = provider.caps();
        let creds = self.credentials(secrets);
        let mut why = None;
        if caps.refresh
            && let Some(rt) = &secrets.refresh_token
        {
            if let RefreshExpiry::At(t) = secrets.refresh_expiry
                && secrets.refresh_expiry.expired_at(now())
            {
                why = Some(Failure::new(
                    Kind::LoginRequired,
                    format!("the refresh token expired at {}", rfc3339(t)),
                ));
            } else {
                self.ctx.out.verbose(&format!(
                    "profile '{}': renewing with the refresh token",
                    self.name
                ));
                match provider.refresh(http, rt, &creds) {
                    Ok(ts) => {
                        ts.check_characters("refresh")?;
                        return Ok((ts, Via::Refresh));
                    }
                    Err(e) if e.kind == Kind::LoginRequired => why = Some(e),
                    Err(e) => return Err(e),
                }
            }
        }
        if caps.relogin && (caps.credential_in_files || has_saved_credentials(secrets)) {
            let how = Interaction {
                unattended: true,
                out: self.ctx.out,
                ..Interaction::default()
            };
            self.ctx.out.verbose(&format!(
                "profile '{}': logging in again with the saved credentials",
                self.name
            ));
            let ts = provider
                .login(http, &creds, how)
                .map_err(|e| self.with_login_hint(e))?;
            ts.check_characters("login")?;
            return Ok((ts, Via::Login));
        }
        let e = why.unwrap_or_else(|| {
            if caps.refresh {
                Failure::new(
                    Kind::LoginRequired,
                    format!(
                        "profile '{}' has no refresh token and no saved credentials to renew its token",
                        self.name
                    ),
                )
            } else {
                // Re-login is this provider's only renewal, and it was
                // turned off (`--no-save-credentials`): say so.
                Failure::new(
                    Kind::LoginRequired,
                    format!(
                        "profile '{}' cannot renew its token: {} issues no refresh token and no credentials are saved to log in again",
                        self.name,
                        self.profile.provider
                    ),
                )
                .hint(format!(
                    "run `tokctl login -p {}` (with --save-credentials, tokctl renews the token by itself)",
                    self.name
                ))
            }
        });
        Err(self.with_login_hint(e))
    }

    /// The certificate and key files of a mutual-TLS profile: a server that
    /// binds tokens to the certificate wants it on API calls too.
    pub fn mtls_files(&self) -> Option<(String, String)> {
        let o = &self.profile.oauth;
        if o.client_auth != Some(crate::cli::ClientAuth::Tls) {
            return None;
        }
        Some((o.client_cert.clone()?, o.client_key.clone()?))
    }

    fn with_login_hint(&self, mut e: Failure) -> Failure {
        if e.kind == Kind::LoginRequired && e.hint.is_none() {
            e.hint = Some(format!("run `tokctl login -p {}`", self.name));
        }
        e
    }

    /// Records a successful login, under the profile lock: the profile
    /// into the profile file (the default too, when it is the only one),
    /// then the secrets (`base`: the credentials to keep), then the cache.
    pub fn record_login(
        &self,
        _held: &ProfileLock,
        cfg: &mut Config,
        ts: TokenSet,
        base: StoredSecrets,
        caps: Caps,
    ) -> Result<AccessToken, Failure> {
        let origin = providers::credential_origin(self.provider()?.as_ref());
        cfg.save_profile(&self.name, &self.profile)?;
        let previous = self.read_cache();
        self.persist(cfg.stamp(), ts, Via::Login, base, caps, previous, origin)
    }

    /// Stores what a login or renewal obtained: secrets first, then the
    /// cache, stamped with `stamp`. `base` holds the secrets to keep (saved
    /// credentials, and the old refresh token for a refresh that did not
    /// rotate it); `previous` is the record read under the lock. The
    /// secrets are bound to `origin`, the server they came from.
    #[allow(clippy::too_many_arguments)]
    fn persist(
        &self,
        stamp: Option<Stamp>,
        ts: TokenSet,
        via: Via,
        base: StoredSecrets,
        caps: Caps,
        previous: Option<CacheRecord>,
        origin: String,
    ) -> Result<AccessToken, Failure> {
        let mut s = base.clone();
        s.origin = Some(origin);
        match (&ts.refresh_token, via) {
            (Some(_), _) => {
                s.refresh_token = ts.refresh_token.clone();
                s.refresh_expiry = ts.refresh_expiry;
            }
            (None, Via::Login) => {
                s.refresh_token = None;
                s.refresh_expiry = RefreshExpiry::Unknown;
            }
            (None, Via::Refresh) => {}
        }
        if ts.id_token.is_some() {
            s.id_token = ts.id_token.clone();
        }
        let access = AccessToken {
            token: ts.access_token.clone(),
            token_type: ts.token_type.clone(),
            obtained_at: ts.obtained_at,
            expires_at: ts.expires_at,
        };
        s.access = (!self.profile.cache).then(|| access.clone());
        if s != base || via == Via::Login {
            self.store().save(&self.name, &s)?;
        }
        let previous = previous.unwrap_or_default();
        // A refresh that brings no new ID token leaves the old one, which
        // still counts until its own `exp`.
        let id_token = match (&ts.id_token, via) {
            (Some(id), _) => Some(id_token_record(id, ts.obtained_at)),
            (None, Via::Refresh) => previous.id_token.clone(),
            (None, Via::Login) => None,
        };
        let rec = CacheRecord {
            config_stamp: stamp,
            access: self.profile.cache.then(|| access.clone()),
            id_token: id_token.filter(|_| self.profile.cache),
            expires_at: access.expires_at,
            user: ts.user.or(previous.user),
            scope: ts.scope.or(previous.scope),
            renewal: if caps.refresh && s.refresh_token.is_some() {
                Renewal::Refresh
            } else if caps.relogin && (caps.credential_in_files || has_saved_credentials(&s)) {
                Renewal::Relogin
            } else {
                Renewal::None
            },
            refresh_expiry: if s.refresh_token.is_some() {
                s.refresh_expiry
            } else {
                RefreshExpiry::Unknown
            },
            selection: None,
            client_cert: self.mtls_files().map(|f| f.0),
            client_key: self.mtls_files().map(|f| f.1),
        };
        if let Err(e) = self.ctx.cache().write(&self.name, &rec) {
            // The secrets are safe; only the fast path suffers.
            self.ctx
                .out
                .notice(&format!("warning: cannot write the token cache: {e}"));
        }
        // Narrowed tokens came from the old login, which may have been
        // another user's or granted other scopes. Dropped after the new
        // record is written, so that a failure here cannot leave the old
        // login's token in front of the new secrets.
        if via == Via::Login {
            self.ctx.cache().remove_narrowed(&self.name)?;
        }
        Ok(access)
    }

    /// Forgets the profile's tokens, under the profile lock: the cache
    /// first (it is only a cache, and a kill later on must not leave the
    /// fast path handing out a token that is being revoked or deleted),
    /// then, with `how.revoke`, a best-effort revocation at the server, then
    /// the secret store's entry (all of it, or all but the credentials).
    pub fn forget(&self, _held: &ProfileLock, how: Forget) -> Result<(), Failure> {
        // Read first: an unavailable store fails here, before anything is deleted.
        let secrets = if how.revoke || how.keep_credentials {
            self.stored_secrets()?.unwrap_or_default()
        } else {
            StoredSecrets::default()
        };
        let access = match how.revoke {
            false => None,
            true if self.profile.cache => self.read_cache().and_then(|r| r.access),
            true => secrets.access.clone(),
        };
        self.ctx
            .cache()
            .remove(&self.name)
            .map_err(|e| config(format!("cannot remove the token cache: {e}")))?;
        self.ctx.cache().remove_narrowed(&self.name)?;
        let tokens = Revocable {
            access_token: access.map(|a| a.token),
            refresh_token: secrets.refresh_token.clone(),
            client_secret: secrets.client_secret.clone(),
            client_key: secrets.client_key.clone(),
        };
        if how.revoke && (tokens.access_token.is_some() || tokens.refresh_token.is_some()) {
            // Revoking sends the tokens: only to the server that issued them.
            let revoked = self.provider().and_then(|p| {
                self.check_origin(p.as_ref(), &secrets)?;
                p.revoke(self.ctx.http(), &tokens)
            });
            if let Err(e) = revoked {
                self.ctx.out.notice(&format!(
                    "warning: could not revoke the tokens at the server: {e}"
                ));
            }
        }
        let kept = StoredSecrets {
            origin: secrets.origin,
            password: secrets.password,
            client_secret: secrets.client_secret,
            client_key: secrets.client_key,
            ..StoredSecrets::default()
        };
        if how.keep_credentials && has_saved_credentials(&kept) {
            self.store().save(&self.name, &kept)
        } else {
            self.store().delete(&self.name)
        }
    }

    /// Drops the access token, so that the next call renews it; the refresh
    /// token and saved credentials stay. With `refused`, only when the
    /// stored token is that one: a token another process just obtained is
    /// not the one the server refused.
    pub fn forget_access(&self, refused: Option<&str>) -> Result<(), Failure> {
        let _lock = self.lock()?;
        let is_refused = |t: &AccessToken| refused.is_none_or(|r| t.token.expose() == r);
        if self.profile.cache {
            if let Some(mut rec) = self.read_cache()
                && rec.access.as_ref().is_some_and(is_refused)
            {
                rec.access = None;
                rec.expires_at = None;
                self.ctx.cache().write(&self.name, &rec).map_err(|e| {
                    Failure::new(
                        Kind::ConfigOrStore,
                        format!("cannot write the token cache: {e}"),
                    )
                })?;
            }
        } else if let Some(mut s) = self.stored_secrets()?
            && s.access.as_ref().is_some_and(is_refused)
        {
            s.access = None;
            self.store().save(&self.name, &s)?;
        }
        // A narrowed token the server refused goes the same way; only one
        // that is named, since no flag says which selection git used.
        if refused.is_some() {
            for rec in self.ctx.cache().narrowed(&self.name) {
                if let (Some(sel), Some(t)) = (&rec.selection, &rec.access)
                    && is_refused(t)
                {
                    self.ctx.cache().remove_narrowed_one(&self.name, sel)?;
                }
            }
        }
        Ok(())
    }

    /// The ID token as it is stored, fresh or not, and the stamp of the
    /// record it came from (none outside the cache).
    fn current_id(&self) -> Result<(Option<AccessToken>, Option<Stamp>), Failure> {
        if self.profile.cache {
            let rec = self.read_cache();
            let stamp = rec.as_ref().and_then(|r| r.config_stamp);
            Ok((rec.and_then(|r| r.id_token), stamp))
        } else {
            let s = self.stored_secrets()?;
            Ok((
                s.and_then(|s| s.id_token)
                    .map(|t| id_token_record(&t, now())),
                None,
            ))
        }
    }

    /// The token `which` names, valid for at least `min_valid`.
    pub fn ensure_fresh_as(
        &self,
        min_valid: Duration,
        which: &Which,
    ) -> Result<AccessToken, Failure> {
        match which {
            Which::Access => self.ensure_fresh(min_valid),
            Which::Id => self.ensure_fresh_id(min_valid),
            Which::Narrowed(sel) => self.ensure_fresh_for(sel, min_valid),
        }
    }

    /// An ID token valid for at least `min_valid` (by its own `exp`),
    /// renewed through the same single flight as the access token. A
    /// profile that never got one (no `openid` scope, or a provider without
    /// ID tokens) is exit 3.
    pub fn ensure_fresh_id(&self, min_valid: Duration) -> Result<AccessToken, Failure> {
        let fresh =
            |t: &Option<AccessToken>| t.as_ref().is_some_and(|t| t.valid_for(min_valid, now()));
        let (t, recorded) = self.current_id()?;
        if t.is_none() {
            return Err(Failure::new(
                Kind::LoginRequired,
                format!("profile '{}' has no OpenID Connect ID token", self.name),
            )
            .hint(format!(
                "log in with the `openid` scope: `tokctl login -p {} --scope openid`",
                self.name
            )));
        }
        if fresh(&t) {
            let t = t.expect("checked");
            // After an unrelated edit of the profile file, the next call
            // takes the hot path again.
            self.restamp(&t, recorded, &Which::Id);
            return Ok(t);
        }
        // The access token usually lives as long: renewing it if stale
        // (once for every process) brings a new ID token too.
        self.renew(Some(min_valid))?;
        let (t, _) = self.current_id()?;
        if fresh(&t) {
            return Ok(t.expect("checked"));
        }
        // The access token was still fresh: ask the server.
        self.renew(None)?;
        match self.current_id()?.0 {
            Some(t) if t.valid_for(Duration::ZERO, now()) => Ok(t),
            _ => Err(Failure::new(
                Kind::Remote,
                format!(
                    "the renewal of profile '{}' brought no fresh ID token",
                    self.name
                ),
            )),
        }
    }
}

/// Takes the token out of `rec` when it is valid for `min_valid` and the
/// record was written against the profile file as it is now: then the
/// profile exists, keeps its token in the cache, and nothing in the file
/// needs reading. Otherwise `rec` stays whole, for the slow path to use.
fn take_trusted(
    ctx: &Ctx,
    rec: &mut CacheRecord,
    min_valid: Duration,
    which: &Which,
) -> Option<AccessToken> {
    if rec.config_stamp? != Stamp::of(&ctx.config_path)? {
        return None;
    }
    let slot = match which {
        Which::Access | Which::Narrowed(_) => &mut rec.access,
        Which::Id => &mut rec.id_token,
    };
    if !slot.as_ref()?.valid_for(min_valid, now()) {
        return None;
    }
    slot.take()
}

fn has_saved_credentials(s: &StoredSecrets) -> bool {
    s.password.is_some() || s.client_secret.is_some() || s.client_key.is_some()
}

/// An ID token as the cache keeps it: expiring at its `exp` claim.
fn id_token_record(id: &Secret<String>, obtained_at: i64) -> AccessToken {
    AccessToken {
        token: id.clone(),
        token_type: "Bearer".into(),
        obtained_at,
        // Clamped as every expiry from a server is.
        expires_at: crate::token::jwt_exp(id.expose()).map(|e| crate::token::expiry_at(e, 0)),
    }
}
