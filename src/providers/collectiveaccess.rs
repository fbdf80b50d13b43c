//! CollectiveAccess (`collectiveaccess`): GraphQL `login`, `refresh` and
//! `validate` queries POSTed as JSON `{query, variables}` to
//! `<base>/service/Auth`, answered inside an `{"ok": …, "data": …}` envelope.
//!
//! Choices where the document is vague (docs/providers/collectiveaccess.md):
//! - The document writes the username and password into the query text.
//!   tokctl never does: the queries are constants (the ones providence's own
//!   tests send) and credentials and tokens travel only as GraphQL
//!   variables, so no password — quotes, backslashes, `$`, braces, any
//!   Unicode — can break the query or change what it asks. The server reads
//!   a raw JSON body; GET `?query=` and form posts do not work.
//! - Every installation is its own host, so there is no default base URL:
//!   `--base-url` is required.
//! - A wrong username or password is HTTP 200 `ok: true` with
//!   `login.jwt: null`: exit 3.
//! - Any GraphQL error is HTTP 500 `ok: false` with a masked
//!   `errors[].message` (usually "Internal server error"): exit 4 quoting it.
//!   That includes a refresh token with a bad signature: the server cannot
//!   be told apart from a broken one. The one exception, HTTP 401 with
//!   `expiredToken: true`, means the token sent has expired; for a refresh,
//!   the session then logs in again with saved credentials or asks for
//!   `tokctl login`.
//! - Lifetimes live only in the JWTs' `exp` claims, read separately for the
//!   access and the refresh token and corrected by the server's `Date`
//!   offset (the server checks with zero leeway). In the documentation's
//!   example the refresh token expires *before* its access token, so
//!   neither is assumed to outlive the other.
//! - `refresh` answers only a new `jwt` (whose `exp` is the refresh token's
//!   own since providence d1d2a9b); the refresh token is kept, and once its
//!   `exp` passes only a new login helps.
//! - `info --remote` runs `validate`, which takes the token from the
//!   `Authorization: Bearer` header, so it too stays out of the query.
//! - No revocation: the API has none.

use super::wire::{expect_json, id_field, str_field};
use super::{Caps, Credentials, Interaction, Provider};
use crate::config::Profile;
use crate::error::sanitize;
use crate::error::{Failure, Kind, remote, usage};
use crate::http::{Auth, Body, Http, Response, error_text, join};
use crate::secret::Secret;
use crate::token::{RefreshExpiry, TokenSet, UserInfo};
use serde_json::{Value, json};

/// The login document providence's tests use; credentials are variables.
const LOGIN: &str = "query jwtAuth($username: String, $password: String){ login(username:$username,password:$password){ jwt, refresh, user{id,fname,lname,email} } }";
/// The refresh document providence's tests use; the token is a variable.
const REFRESH: &str = "query($token: String){ refresh(token:$token){ jwt } }";
/// `validate` defaults its `jwt` argument to the Bearer token.
const VALIDATE: &str = "query{ validate{ id, username, email, fname, lname, userclass } }";

/// A CollectiveAccess installation's GraphQL auth service.
pub struct CollectiveAccess {
    base: String,
}

impl CollectiveAccess {
    /// From the profile's base URL, which is required.
    pub fn new(p: &Profile) -> Result<Self, Failure> {
        let base = p.base_url.clone().ok_or_else(|| {
            usage("collectiveaccess needs --base-url: the address of your CollectiveAccess installation (there is no default)")
                .hint("e.g. `tokctl login --provider collectiveaccess --base-url https://collections.example.org --username api_user`")
        })?;
        Ok(CollectiveAccess { base })
    }

    fn service(&self) -> String {
        join(&self.base, "/service/Auth")
    }

    /// Runs one GraphQL query and returns the response and `data.<field>`
    /// from the envelope.
    fn query(
        &self,
        http: &Http,
        auth: Auth<'_>,
        query: &str,
        variables: Value,
        field: &str,
        what: &str,
    ) -> Result<(Response, Value), Failure> {
        let body = json!({"query": query, "variables": variables});
        let resp = http
            .post(&self.service(), auth, Body::Json(&body))?
            .with_error_shape(graphql_errors);
        if resp.status == 401 && resp.json(what).is_ok_and(|v| expired_token(&v)) {
            return Err(Failure::new(
                Kind::LoginRequired,
                format!("the server rejected the {what}: the token has expired"),
            ));
        }
        let (resp, v) = expect_json(resp, what)?;
        if v.get("ok").and_then(Value::as_bool) != Some(true) {
            let why = error_text(&v)
                .or_else(|| graphql_errors(&v))
                .unwrap_or_else(|| "the answer is not the documented {ok, data} envelope".into());
            return Err(remote(format!("{what} failed: {why}")));
        }
        let data = v
            .get("data")
            .and_then(|d| d.get(field))
            .filter(|d| d.is_object())
            .cloned()
            .ok_or_else(|| remote(format!("{what}: the server's answer has no data.{field}")))?;
        Ok((resp, data))
    }
}

/// GraphQL's error shape, `{errors: [{message}]}`, its messages joined.
fn graphql_errors(v: &Value) -> Option<String> {
    let texts: Vec<String> = v
        .get("errors")?
        .as_array()?
        .iter()
        .filter_map(|e| e.get("message")?.as_str().map(sanitize))
        .collect();
    (!texts.is_empty()).then(|| texts.join("; "))
}

/// Whether a GraphQL error body carries the `expiredToken` flag that
/// providence adds for php-jwt's "Expired token".
fn expired_token(v: &Value) -> bool {
    v.get("errors")
        .and_then(Value::as_array)
        .is_some_and(|es| es.iter().any(|e| e["expiredToken"] == json!(true)))
}

/// A token set for `jwt`, expiring at its own `exp` in local time.
fn access_token(resp: &Response, jwt: &str) -> TokenSet {
    let mut ts = TokenSet::bearer(jwt.to_string());
    ts.obtained_at = resp.sent_at;
    ts.expiry_from_jwt(resp.clock_offset);
    ts
}

fn user_info(u: &Value) -> UserInfo {
    let name = [str_field(u, "fname"), str_field(u, "lname")]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    UserInfo {
        id: id_field(u, "id"),
        name: (!name.is_empty()).then_some(name),
        email: str_field(u, "email").map(str::to_string),
    }
}

impl Provider for CollectiveAccess {
    fn caps(&self) -> Caps {
        Caps::PASSWORD_WITH_REFRESH
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        vec![("auth", self.service())]
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        _how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let (username, password) =
            creds.username_password("collectiveaccess", "--username and a password")?;
        let variables = json!({"username": username, "password": password.expose()});
        let (resp, login) = self.query(http, Auth::None, LOGIN, variables, "login", "login")?;
        let Some(jwt) = str_field(&login, "jwt") else {
            // The resolver's answer to a wrong username or password.
            return Err(Failure::new(
                Kind::LoginRequired,
                "the server rejected the login: unknown username or wrong password",
            ));
        };
        let mut ts = access_token(&resp, jwt);
        if let Some(rt) = str_field(&login, "refresh") {
            ts.refresh_expiry = RefreshExpiry::from_jwt(rt, resp.clock_offset);
            ts.refresh_token = Some(Secret::new(rt.to_string()));
        }
        ts.user = login.get("user").filter(|u| u.is_object()).map(user_info);
        Ok(ts)
    }

    fn refresh(
        &self,
        http: &Http,
        rt: &Secret<String>,
        _creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        let variables = json!({"token": rt.expose()});
        let (resp, refresh) =
            self.query(http, Auth::None, REFRESH, variables, "refresh", "refresh")?;
        let jwt = str_field(&refresh, "jwt").ok_or_else(|| {
            Failure::new(
                Kind::LoginRequired,
                "the server rejected the refresh: it issued no new token",
            )
        })?;
        // No refresh token in the answer: the session keeps the old one.
        Ok(access_token(&resp, jwt))
    }

    fn remote_info(
        &self,
        http: &Http,
        access: &Secret<String>,
        _user: Option<&UserInfo>,
    ) -> Result<Value, Failure> {
        let (_, user) = self.query(
            http,
            Auth::Bearer(access),
            VALIDATE,
            json!({}),
            "validate",
            "token validation",
        )?;
        Ok(user)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_from_the_login_answer() {
        let u = json!({"id": 2, "fname": "Api", "lname": "User", "email": "api@test.com"});
        assert_eq!(
            user_info(&u),
            UserInfo {
                id: Some("2".into()),
                name: Some("Api User".into()),
                email: Some("api@test.com".into()),
            }
        );
        let only_last = json!({"id": 3, "fname": "", "lname": "Curator"});
        assert_eq!(user_info(&only_last).name.as_deref(), Some("Curator"));
        assert_eq!(user_info(&json!({"id": 4})).name, None);
    }

    #[test]
    fn graphql_error_text() {
        let v = json!({"ok": false, "errors": [{"message": "Syntax Error"}, {"message": "x"}]});
        assert_eq!(graphql_errors(&v).as_deref(), Some("Syntax Error; x"));
        assert_eq!(graphql_errors(&json!({"errors": []})), None);
    }

    #[test]
    fn expired_token_flag() {
        let expired = json!({"ok": false, "errors": [{"message": "Internal server error",
            "path": ["refresh"], "expiredToken": true}], "data": {"refresh": null}});
        let bad = json!({"ok": false, "errors": [{"message": "Internal server error",
            "path": ["refresh"]}], "data": {"refresh": null}});
        assert!(expired_token(&expired));
        assert!(!expired_token(&bad));
        assert!(!expired_token(&json!({"ok": true})));
    }

    #[test]
    fn queries_take_everything_as_variables() {
        // No literal value may ever be spliced into these documents.
        for q in [LOGIN, REFRESH, VALIDATE] {
            assert!(!q.contains('"'), "{q}");
        }
        assert!(LOGIN.contains("login(username:$username,password:$password)"));
        assert!(REFRESH.contains("refresh(token:$token)"));
    }
}
