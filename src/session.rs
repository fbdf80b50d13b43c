//! One profile's tokens over time: the hot path that reads a fresh token,
//! the single-flight renewal, and persisting what a login or renewal got.
//!
//! Renewal order matters for safety (docs/architecture.md, "The renewal
//! path"): take the
//! profile lock; re-read, because the process we waited for may have renewed
//! already; renew; store the (possibly rotated) refresh token in the secret
//! store; only then write the access token to the cache and hand it out. A
//! process killed at any point leaves either the old or the new tokens.

use crate::config::{Profile, Stamp};
use crate::ctx::Ctx;
use crate::error::{Failure, Kind, login_required};
use crate::lock::ProfileLock;
use crate::providers::{self, Caps, Credentials, Interaction, Provider};
use crate::store::cache::{CacheRecord, Renewal};
use crate::store::{SecretStore, StoredSecrets};
use crate::token::{AccessToken, RefreshExpiry, TokenSet, now, rfc3339};
use std::cell::OnceCell;
use std::time::Duration;

/// How a token set was obtained, which decides what happens to the old
/// refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    /// A refresh grant: a missing refresh token in the answer means "keep the old one".
    Refresh,
    /// A full login: the old refresh token is replaced (or dropped).
    Login,
}

/// A profile opened for token work.
pub struct Session<'a> {
    pub ctx: &'a Ctx,
    pub name: String,
    pub profile: Profile,
    /// The stamp of the profile file this profile was read from: the cache
    /// record vouches for that version only, never for one nobody parsed.
    pub config_stamp: Option<Stamp>,
    store: OnceCell<Box<dyn SecretStore>>,
}

impl<'a> Session<'a> {
    /// Opens `name` from the profile file.
    pub fn open(ctx: &'a Ctx, name: String, profile: Profile) -> Self {
        Session {
            ctx,
            name,
            profile,
            config_stamp: None,
            store: OnceCell::new(),
        }
    }

    /// The secret store, opened on first use (the hot path never opens it).
    pub fn store(&self) -> &dyn SecretStore {
        self.store
            .get_or_init(|| self.ctx.open_store(self.ctx.store_kind(&self.profile)))
            .as_ref()
    }

    /// The cache record, if any.
    pub fn cached(&self) -> Option<CacheRecord> {
        self.ctx.cache().read(&self.name)
    }

    /// The current access token, fresh or not: from the cache, or from the
    /// secret store for `cache = false` profiles.
    pub fn current_access(&self) -> Result<Option<AccessToken>, Failure> {
        if self.profile.cache {
            Ok(self.cached().and_then(|r| r.access))
        } else {
            Ok(self.store().load(&self.name)?.and_then(|s| s.access))
        }
    }

    /// A token valid for at least `min_valid`, renewing first if needed.
    pub fn ensure_fresh(&self, min_valid: Duration) -> Result<AccessToken, Failure> {
        if let Some(t) = self.current_access()?
            && t.valid_for(min_valid, now())
        {
            self.restamp(&t);
            return Ok(t);
        }
        self.renew(Some(min_valid))
    }

    /// Re-stamps the cache record against the profile file as just read, so
    /// that the next call takes the fast path again after an unrelated edit
    /// (another profile's login rewrites the file). Only when the lock is
    /// free and the record still holds `t`: a renewal in progress must never
    /// be overwritten with an older token. Best effort: it is only a cache.
    fn restamp(&self, t: &AccessToken) {
        let stamp = self.config_stamp;
        if !self.profile.cache
            || stamp.is_none()
            || self.cached().is_none_or(|r| r.config_stamp == stamp)
        {
            return;
        }
        let Ok(_lock) = ProfileLock::acquire(&self.ctx.data_dir, &self.name, Duration::ZERO) else {
            return;
        };
        if let Some(mut rec) = self.cached()
            && rec.access.as_ref() == Some(t)
        {
            rec.config_stamp = stamp;
            let _ = self.ctx.cache().write(&self.name, &rec);
        }
    }

    /// Renews under the profile lock. With `if_stale`, a token another
    /// process obtained while we waited is used instead (single flight);
    /// without it (`tokctl refresh`), the server is always asked.
    pub fn renew(&self, if_stale: Option<Duration>) -> Result<AccessToken, Failure> {
        let _lock = ProfileLock::acquire(&self.ctx.data_dir, &self.name, self.ctx.lock_wait())?;
        if let Some(min_valid) = if_stale
            && let Some(t) = self.current_access()?
            && t.valid_for(min_valid, now())
        {
            self.ctx.verbose(&format!(
                "profile '{}': another process renewed the token; using it",
                self.name
            ));
            return Ok(t);
        }
        let provider = providers::build(&self.profile, &self.ctx.providers_dir)?;
        let mut secrets = self.load_secrets()?;
        // A rejected refresh token may have been replaced by another process
        // (a concurrent login, or a renewal that outlived our lock wait):
        // then retry once with the replacement instead of failing.
        for attempt in 0..2 {
            match self.obtain(provider.as_ref(), &secrets) {
                Ok((ts, via)) => return self.persist(ts, via, secrets, provider.caps()),
                Err(e) if e.kind == Kind::LoginRequired && attempt == 0 => {
                    let latest = self.load_secrets()?;
                    if latest.refresh_token.is_none()
                        || latest.refresh_token == secrets.refresh_token
                    {
                        return Err(e);
                    }
                    if let Some(t) = self.current_access()?
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

    fn load_secrets(&self) -> Result<StoredSecrets, Failure> {
        self.store().load(&self.name)?.ok_or_else(|| {
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
                self.ctx.verbose(&format!(
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
        if caps.relogin && self.has_saved_credentials(secrets) {
            let how = Interaction {
                unattended: true,
                quiet: self.ctx.global.quiet,
                ..Interaction::default()
            };
            self.ctx.verbose(&format!(
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

    fn credentials(&self, s: &StoredSecrets) -> Credentials {
        Credentials {
            username: self.profile.username.clone(),
            password: s.password.clone(),
            client_secret: s.client_secret.clone(),
        }
    }

    fn has_saved_credentials(&self, s: &StoredSecrets) -> bool {
        s.password.is_some() || s.client_secret.is_some()
    }

    fn with_login_hint(&self, mut e: Failure) -> Failure {
        if e.kind == Kind::LoginRequired && e.hint.is_none() {
            e.hint = Some(format!("run `tokctl login -p {}`", self.name));
        }
        e
    }

    /// Stores what a login or renewal obtained: secrets first, then the
    /// cache. `base` holds the secrets to keep (saved credentials, and the
    /// old refresh token for a refresh that did not rotate it).
    pub fn persist(
        &self,
        ts: TokenSet,
        via: Via,
        base: StoredSecrets,
        caps: Caps,
    ) -> Result<AccessToken, Failure> {
        let mut s = base.clone();
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
        let previous = self.cached().unwrap_or_default();
        let rec = CacheRecord {
            config_stamp: self.config_stamp,
            access: self.profile.cache.then(|| access.clone()),
            expires_at: access.expires_at,
            user: ts.user.or(previous.user),
            scope: ts.scope.or(previous.scope),
            renewal: if caps.refresh && s.refresh_token.is_some() {
                Renewal::Refresh
            } else if caps.relogin && self.has_saved_credentials(&s) {
                Renewal::Relogin
            } else {
                Renewal::None
            },
            refresh_expiry: if s.refresh_token.is_some() {
                s.refresh_expiry
            } else {
                RefreshExpiry::Unknown
            },
        };
        if let Err(e) = self.ctx.cache().write(&self.name, &rec) {
            // The secrets are safe; only the fast path suffers.
            self.ctx
                .notice(&format!("warning: cannot write the token cache: {e}"));
        }
        Ok(access)
    }

    /// Drops the access token, so that the next call renews it; the refresh
    /// token and saved credentials stay. With `refused`, only when the
    /// stored token is that one: a token another process just obtained is
    /// not the one the server refused.
    pub fn forget_access(&self, refused: Option<&str>) -> Result<(), Failure> {
        let _lock = ProfileLock::acquire(&self.ctx.data_dir, &self.name, self.ctx.lock_wait())?;
        let is_refused = |t: &AccessToken| refused.is_none_or(|r| t.token.expose() == r);
        if self.profile.cache {
            if let Some(mut rec) = self.cached()
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
        } else if let Some(mut s) = self.store().load(&self.name)?
            && s.access.as_ref().is_some_and(is_refused)
        {
            s.access = None;
            self.store().save(&self.name, &s)?;
        }
        Ok(())
    }
}
