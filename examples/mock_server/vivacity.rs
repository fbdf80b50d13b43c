//! Vivacity: Keycloak behind `POST /get-token` and `/refresh-token`, answering
//! Keycloak's token body. The refresh token rotates and the old one dies at once.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;
use serde_json::{Value, json};
use tiny_http::Method;

use crate::http::{Reply, Req};
use crate::state::{Grant, HS256_HEADER, Kind, Lookup, Provider, State, now_s, uuid4};

/// Demo user and its Keycloak subject.
const USERNAME: &str = "demo";
const PASSWORD: &str = "demo-password";
const SUBJECT: &str = "fe10240d-5123-4cc5-bc1f-b6329b6ad8d3";

/// Answers Vivacity's paths, `None` for any other.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    let stats = &state.stats;
    Some(match (&req.method, req.path.as_str()) {
        (Method::Post, "/get-token") => state.timed(&stats.login, || get_token(state, req)),
        (Method::Post, "/refresh-token") => state.timed(&stats.refresh, || refresh(state, req)),
        (_, "/get-token" | "/refresh-token") => Reply::method_not_allowed("POST"),
        _ => return None,
    })
}

/// Keycloak's `AccessTokenResponse` in its own key order, as the old realm sends it.
#[derive(Serialize)]
struct KeycloakTokens {
    access_token: String,
    expires_in: u64,
    refresh_expires_in: u64,
    refresh_token: String,
    token_type: &'static str,
    #[serde(rename = "not-before-policy")]
    not_before_policy: u64,
    session_state: String,
    scope: &'static str,
}

fn oauth_error(status: u16, error: &str, description: &str) -> Reply {
    Reply::json(
        status,
        &json!({"error": error, "error_description": description}),
    )
    .no_store()
}

/// A fresh access/refresh pair for the Keycloak session `session_state`.
fn issue(state: &State, session_state: String) -> Reply {
    let iat = now_s();
    let access_exp = iat + state.access_ttl();
    let refresh_exp = iat + state.refresh_ttl();
    let iss = format!("http://{}/auth/realms/sensor-data", state.host);
    let access_claims = json!({
        "jti": uuid4(), "exp": access_exp, "nbf": 0, "iat": iat, "iss": iss, "sub": SUBJECT,
        "typ": "Bearer", "azp": "sensor-data-client", "auth_time": 0, "session_state": session_state,
        "acr": "1", "scope": "profile", "preferred_username": USERNAME,
    });
    let refresh_claims = json!({
        "jti": uuid4(), "exp": refresh_exp, "nbf": 0, "iat": iat, "iss": iss, "aud": iss,
        "sub": SUBJECT, "typ": "Refresh", "azp": "sensor-data-client", "auth_time": 0,
        "session_state": session_state, "scope": "profile",
    });
    let grant = |kind, exp: u64| Grant {
        provider: Provider::Vivacity,
        kind,
        subject: USERNAME,
        exp_ms: exp * 1000,
        created_s: iat,
        claims: Value::Null,
    };
    let access_token = state.mint_jwt(HS256_HEADER, access_claims, grant(Kind::Access, access_exp));
    let refresh_token = state.mint_jwt(
        HS256_HEADER,
        refresh_claims,
        grant(Kind::Refresh, refresh_exp),
    );
    let body = KeycloakTokens {
        access_token,
        expires_in: state.access_ttl(),
        refresh_expires_in: state.refresh_ttl(),
        refresh_token,
        token_type: "bearer",
        not_before_policy: 0,
        session_state,
        scope: "profile",
    };
    Reply::json(200, &body).no_store()
}

/// `POST /get-token` (JSON as documented, or a form as public clients send) `{username,password}`.
fn get_token(state: &State, req: &Req) -> Reply {
    let Ok(params) = req.params() else {
        return oauth_error(400, "invalid_request", "Malformed request body");
    };
    let field = |name: &str| params.get(name).map(String::as_str);
    if field("username") != Some(USERNAME) || field("password") != Some(PASSWORD) {
        return oauth_error(401, "invalid_grant", "Invalid Auth details");
    }
    issue(state, uuid4())
}

/// `POST /refresh-token {refresh_token}` (JSON or form): a new pair in the same session. The
/// refresh token rotates and the old one dies at once (Keycloak with *Revoke Refresh Token*
/// on), so of concurrent refreshes with one token exactly one wins.
fn refresh(state: &State, req: &Req) -> Reply {
    let Ok(params) = req.params() else {
        return oauth_error(400, "invalid_request", "Malformed request body");
    };
    let Some(token) = params.get("refresh_token").filter(|t| !t.is_empty()) else {
        return oauth_error(400, "invalid_request", "No refresh token");
    };
    let accept = |g: &Grant| g.provider == Provider::Vivacity && g.kind == Kind::Refresh;
    let taken = state.store().take(token, accept);
    match taken {
        Lookup::Valid(_) => {
            let session_state = jwt_session_state(token).unwrap_or_else(uuid4);
            issue(state, session_state)
        }
        Lookup::Expired | Lookup::Unknown => {
            oauth_error(400, "invalid_grant", "Token is not active")
        }
    }
}

/// The `session_state` claim of a JWT we minted, so a refresh stays in the same session.
fn jwt_session_state(token: &str) -> Option<String> {
    let payload = token.split('.').nth(1)?;
    let claims: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.get("session_state")?.as_str().map(str::to_owned)
}
