//! RealMassive (`realmassive`): JSON e-mail/password login at the website
//! host, a refresh token, and the user entity on the API host.
//!
//! Choices where the document is vague (docs/providers/realmassive.md):
//! - Refresh goes to `/accounts/refresh` as the prose and curl example say.
//!   The jQuery example posts to `/accounts/login`; if `/accounts/refresh`
//!   answers 404 or 405 we retry there once with the same body.
//! - The refresh answer may or may not carry a new refresh token; the
//!   session keeps the old one when it does not.
//! - Error bodies for rejected logins and refresh tokens are undocumented:
//!   401 means rejected whatever the body, JSON:API `detail` is quoted.
//! - `GET /users/<id>` may wrap the user in `{"data": …}`; both are accepted.

use super::wire::{expect_json, id_field, post_json, str_field, token_answer};
use super::{Caps, Credentials, Interaction, Provider};
use crate::config::Profile;
use crate::error::{Failure, remote};
use crate::http::{Auth, Http, join};
use crate::secret::Secret;
use crate::token::{TokenSet, UserInfo};
use serde_json::{Value, json};

const DEFAULT_BASE: &str = "https://www.realmassive.com";
const DEFAULT_API: &str = "https://api.realmassive.com";
const ACCOUNTS_LOGIN: &str = "/accounts/login";
const ACCOUNTS_REFRESH: &str = "/accounts/refresh";

/// The RealMassive API.
pub struct RealMassive {
    base: String,
    api: String,
}

impl RealMassive {
    /// From the profile's URLs or the defaults.
    pub fn new(p: &Profile) -> Self {
        RealMassive {
            base: p.base_url.clone().unwrap_or_else(|| DEFAULT_BASE.into()),
            api: p
                .api_url
                .clone()
                .or_else(|| p.base_url.clone())
                .unwrap_or_else(|| DEFAULT_API.into()),
        }
    }

    fn tokens(&self, resp: crate::http::Response, what: &str) -> Result<TokenSet, Failure> {
        let (mut ts, v) = token_answer(resp, what)?;
        ts.user = v.get("user").map(user_info);
        Ok(ts)
    }
}

fn user_info(u: &Value) -> UserInfo {
    let attrs = u.get("attributes").unwrap_or(&Value::Null);
    UserInfo {
        // user.id is a string of digits; a number is accepted too.
        id: id_field(u, "id"),
        name: None,
        email: str_field(attrs, "email").map(str::to_string),
    }
}

impl Provider for RealMassive {
    fn caps(&self) -> Caps {
        Caps::PASSWORD_WITH_REFRESH
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        vec![
            ("login", join(&self.base, ACCOUNTS_LOGIN)),
            ("refresh", join(&self.base, ACCOUNTS_REFRESH)),
            ("api", self.api.clone()),
        ]
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        _how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let (email, password) =
            creds.username_password("realmassive", "--username (your e-mail) and a password")?;
        let body = json!({"email": email, "password": password.expose()});
        self.tokens(post_json(http, &self.base, ACCOUNTS_LOGIN, &body)?, "login")
    }

    fn refresh(
        &self,
        http: &Http,
        rt: &Secret<String>,
        _creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        let body = json!({"refresh_token": rt.expose()});
        let mut resp = post_json(http, &self.base, ACCOUNTS_REFRESH, &body)?;
        if matches!(resp.status, 404 | 405) {
            resp = post_json(http, &self.base, ACCOUNTS_LOGIN, &body)?;
        }
        self.tokens(resp, "refresh")
    }

    fn remote_info(
        &self,
        http: &Http,
        access: &Secret<String>,
        user: Option<&UserInfo>,
    ) -> Result<Value, Failure> {
        let id = user.and_then(|u| u.id.as_deref()).ok_or_else(|| {
            remote("the login answer carried no user id, so the user entity cannot be read")
        })?;
        let resp = http.get(
            &join(&self.api, &format!("/users/{id}")),
            Auth::Bearer(access),
        )?;
        // Reads as "the server rejected the user entity request: …".
        let (_, v) = expect_json(resp, "user entity request")?;
        Ok(v.get("data").cloned().unwrap_or(v))
    }
}
