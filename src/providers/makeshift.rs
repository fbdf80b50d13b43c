//! MakeShift (`makeshift`): an API key and secret exchanged for a bearer
//! token by Doorkeeper 4.x's password grant at `id.makeshift.ca`; tokens
//! last 4 hours and are renewed by logging in again.
//!
//! Choices where the document is vague (docs/providers/makeshift.md):
//! - The login answer has no `expires_in` and no refresh token (token type
//!   `bearer`, lower case); both are used if a server sends them. Without
//!   `expires_in`, the lifetime comes from `GET /oauth/token/info`, asked
//!   right after the login: `expires_in_seconds`, counted from when that
//!   request was sent, and `null` meaning "never expires". Should token/info
//!   fail, the token is kept with the documented 4 hours from `created_at`
//!   (corrected by the server's `Date` offset) and a warning.
//! - There is no refresh grant: renewal is a new login with the key and
//!   secret, so they are saved in the secret store by default
//!   (`--no-save-credentials` opts out, and an expired token then needs
//!   `tokctl login`).
//! - Error bodies come as OAuth `{error, error_description}` (Doorkeeper 4.x
//!   answers 401 to every token-endpoint error) or as MakeShift's own
//!   `{errors: [{title, status_code}]}`; whichever arrives is quoted.
//! - No revocation: the document publishes no endpoint for it, and a token
//!   dies by itself within 4 hours.

use super::wire::{expect_json, id_field, parse_token_response, post_json, str_field};
use super::{Caps, Credentials, Interaction, Provider};
use crate::config::Profile;
use crate::error::{Failure, remote};
use crate::http::{Auth, Http, Response, join};
use crate::secret::Secret;
use crate::token::{TokenSet, UserInfo, claim_i64, rfc3339};
use serde_json::{Value, json};

const DEFAULT_BASE: &str = "https://id.makeshift.ca";
const OAUTH_TOKEN: &str = "/oauth/token";
/// "tokens currently remaining active for 4 hours" (the document).
const DOCUMENTED_LIFETIME: i64 = 4 * 3600;

/// MakeShift's central auth system.
pub struct MakeShift {
    base: String,
}

impl MakeShift {
    /// From the profile's base URL or the default.
    pub fn new(p: &Profile) -> Result<Self, Failure> {
        Ok(MakeShift {
            base: p.base_url.clone().unwrap_or_else(|| DEFAULT_BASE.into()),
        })
    }

    fn token_info_url(&self) -> String {
        join(&self.base, "/oauth/token/info")
    }

    fn token_info(
        &self,
        http: &Http,
        access: &Secret<String>,
    ) -> Result<(Response, Value), Failure> {
        let resp = http.get(&self.token_info_url(), Auth::Bearer(access))?;
        expect_json(resp, "token info request")
    }

    /// When the token expires according to token/info (`None`: never).
    fn expiry_from_token_info(
        &self,
        http: &Http,
        access: &Secret<String>,
    ) -> Result<Option<i64>, Failure> {
        let (resp, info) = self.token_info(http, access)?;
        match info.get("expires_in_seconds") {
            Some(Value::Null) => Ok(None),
            _ => claim_i64(&info, "expires_in_seconds")
                .map(|left| Some(crate::token::expiry_after(resp.sent_at, left)))
                .ok_or_else(|| remote("token info: the answer has no expires_in_seconds")),
        }
    }
}

fn user_info(u: &Value) -> UserInfo {
    UserInfo {
        id: id_field(u, "id"),
        name: str_field(u, "name").map(str::to_string),
        email: str_field(u, "email").map(str::to_string),
    }
}

impl Provider for MakeShift {
    fn caps(&self) -> Caps {
        // No refresh grant: renewal is a new login with the saved key and
        // secret, so they are saved unless the user says otherwise.
        Caps {
            refresh: false,
            save_credentials_by_default: true,
            ..Caps::PASSWORD_WITH_REFRESH
        }
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        vec![
            ("token", join(&self.base, OAUTH_TOKEN)),
            ("token_info", self.token_info_url()),
        ]
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let (key, secret) = creds.username_password(
            "makeshift",
            "--username (the API key) and the API secret as the password",
        )?;
        let body = json!({"grant_type": "password", "username": key, "password": secret.expose()});
        let resp = post_json(http, &self.base, OAUTH_TOKEN, &body)?;
        let (resp, v) = expect_json(resp, "login")?;
        let mut ts = parse_token_response(&resp, &v, "login")?;
        ts.user = v.get("user").filter(|u| u.is_object()).map(user_info);
        if ts.expires_at.is_none() {
            ts.expires_at = match self.expiry_from_token_info(http, &ts.access_token) {
                Ok(at) => at,
                Err(e) => {
                    let created = claim_i64(&v, "created_at").map_or(resp.sent_at, |c| {
                        crate::token::expiry_at(c, resp.clock_offset)
                    });
                    let fallback = created.saturating_add(DOCUMENTED_LIFETIME);
                    how.out.notice(&format!(
                        "warning: cannot read the token's lifetime ({e}); assuming the documented 4 hours, until {}",
                        rfc3339(fallback)
                    ));
                    Some(fallback)
                }
            };
        }
        Ok(ts)
    }

    fn remote_info(
        &self,
        http: &Http,
        access: &Secret<String>,
        _user: Option<&UserInfo>,
    ) -> Result<Value, Failure> {
        self.token_info(http, access).map(|(_, info)| info)
    }
}
