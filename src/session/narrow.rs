//! Narrowed tokens (see [`crate::selection`]): the same renewal as the
//! default token — under the profile lock, re-reading first so that one
//! process asks and the others use its answer, storing a rotated refresh
//! token before anything is handed out — but the token goes to a cache
//! file of its own, and the default token is never touched.

use super::Session;
use crate::error::Failure;
use crate::selection::Selection;
use crate::store::cache::CacheRecord;
use crate::token::{AccessToken, now};
use std::time::Duration;

impl<'a> Session<'a> {
    /// A token for `sel` valid for at least `min_valid` (see
    /// [`Session::ensure_fresh_as`]).
    pub(super) fn ensure_fresh_for(
        &self,
        sel: &Selection,
        min_valid: Duration,
    ) -> Result<AccessToken, Failure> {
        let fresh = |rec: Option<CacheRecord>| {
            rec.and_then(|r| r.access)
                .filter(|t| t.valid_for(min_valid, now()))
        };
        let rec = self.narrowed_record(sel);
        let recorded = rec.as_ref().and_then(|r| r.config_stamp);
        if let Some(t) = fresh(rec) {
            self.restamp(&t, recorded, &super::Which::Narrowed(sel.clone()));
            return Ok(t);
        }
        let _lock = self.lock()?;
        if let Some(t) = fresh(self.narrowed_record(sel)) {
            self.ctx.out.verbose(&format!(
                "profile '{}': another process obtained the token for {}; using it",
                self.name,
                sel.label()
            ));
            return Ok(t);
        }
        let provider = self.provider()?;
        let secrets = self.load_secrets()?;
        // The refresh token goes only to the server that issued it.
        self.check_origin(provider.as_ref(), &secrets)?;
        self.ctx.out.verbose(&format!(
            "profile '{}': asking for a token for {}",
            self.name,
            sel.label()
        ));
        let ts = provider
            .narrowed(
                self.ctx.http(),
                secrets.refresh_token.as_ref(),
                &self.credentials(&secrets),
                sel,
            )
            .map_err(|e| self.with_login_hint(e))?;
        ts.check_characters("narrowed token request")?;
        // The server may have rotated the refresh token: the old one is
        // spent, so the new one is kept before anything else happens.
        if let Some(rt) = &ts.refresh_token
            && secrets.refresh_token.as_ref() != Some(rt)
        {
            let mut kept = secrets.clone();
            kept.refresh_token = Some(rt.clone());
            kept.refresh_expiry = ts.refresh_expiry;
            self.store().save(&self.name, &kept)?;
        }
        let access = AccessToken {
            token: ts.access_token.clone(),
            token_type: ts.token_type.clone(),
            obtained_at: ts.obtained_at,
            expires_at: ts.expires_at,
        };
        // A `cache = false` profile keeps no access token outside the
        // secret store: its narrowed tokens are not kept at all.
        if self.profile.cache {
            let rec = CacheRecord {
                config_stamp: self.config_stamp,
                access: Some(access.clone()),
                expires_at: access.expires_at,
                scope: ts.scope,
                selection: Some(sel.clone()),
                client_cert: self.mtls_files().map(|f| f.0),
                client_key: self.mtls_files().map(|f| f.1),
                ..CacheRecord::default()
            };
            if let Err(e) = self.ctx.cache().write_narrowed(&self.name, &rec) {
                self.ctx
                    .out
                    .notice(&format!("warning: cannot write the token cache: {e}"));
            }
        }
        Ok(access)
    }

    /// The cache record of the token narrowed to `sel`, fresh or not.
    fn narrowed_record(&self, sel: &Selection) -> Option<CacheRecord> {
        if !self.profile.cache {
            return None;
        }
        self.ctx.cache().read_narrowed(&self.name, sel)
    }
}
