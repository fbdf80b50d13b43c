//! MakeShift: Doorkeeper 4.x. `POST /oauth/token` (password grant) answers a token
//! without `expires_in` or `refresh_token`, so a client learns the lifetime only from
//! `GET /oauth/token/info`. Every token-endpoint error is 401.

use serde::Serialize;
use serde_json::{Value, json};
use tiny_http::Method;

use crate::http::{Errors, Reply, Req, parse_form};
use crate::state::{Grant, Kind, Lookup, Provider, State, hex, now_ms, now_s, random_bytes};

/// Demo API key and secret (the password grant's username and password).
const KEY: &str = "demo-key";
const SECRET: &str = "demo-secret";
const USER_ID: u64 = 7443;

/// Answers MakeShift's paths, `None` for any other.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    Some(match (&req.method, req.path.as_str()) {
        (Method::Post, "/oauth/token") => state.timed(&state.stats.login, || token(state, req)),
        (Method::Get, "/oauth/token/info") => token_info(state, req),
        (_, "/oauth/token") => Reply::method_not_allowed("POST"),
        (_, "/oauth/token/info") => Reply::method_not_allowed("GET"),
        _ => return None,
    })
}

/// MakeShift's customised token body: no `expires_in`, no `refresh_token`, plus `user`.
#[derive(Serialize)]
struct Token {
    access_token: String,
    token_type: &'static str,
    created_at: u64,
    user: User,
}

#[derive(Serialize)]
struct User {
    id: u64,
    name: &'static str,
    role: &'static str,
    email: &'static str,
    employee_id: &'static str,
    company_id: u64,
}

/// Doorkeeper 4.x `token/info`: `scopes` and `expires_in_seconds` (renamed in 5.0).
#[derive(Serialize)]
struct TokenInfo {
    resource_owner_id: u64,
    scopes: [&'static str; 0],
    expires_in_seconds: u64,
    application: Application,
    created_at: u64,
}

#[derive(Serialize)]
struct Application {
    uid: Option<String>,
}

#[derive(Serialize)]
struct Error {
    title: &'static str,
    status_code: u16,
}

/// A Doorkeeper token-endpoint error: always 401 in 4.x, with the `WWW-Authenticate` and
/// no-store headers.
fn doorkeeper_error(error: &str) -> Reply {
    let description = match error {
        "invalid_grant" => {
            "The provided authorization grant is invalid, expired, revoked, does not match the \
             redirection URI used in the authorization request, or was issued to another client."
        }
        "unsupported_grant_type" => {
            "The authorization grant type is not supported by the authorization server."
        }
        _ => {
            "The request is missing a required parameter, includes an unsupported parameter value, \
             or is otherwise malformed."
        }
    };
    let www =
        format!(r#"Bearer realm="Doorkeeper", error="{error}", error_description="{description}""#);
    Reply::json(
        401,
        &json!({"error": error, "error_description": description}),
    )
    .no_store()
    .header("WWW-Authenticate", www)
}

/// `POST /oauth/token` (JSON or form) `{grant_type:"password", username:<key>, password:<secret>}`.
/// No client is needed for this grant; each login mints a new token valid for `--access-ttl`.
fn token(state: &State, req: &Req) -> Reply {
    let Ok(params) = req.params() else {
        return doorkeeper_error("invalid_request");
    };
    match params.get("grant_type").map(String::as_str) {
        None => return doorkeeper_error("invalid_request"),
        Some("password") => {}
        Some(_) => return doorkeeper_error("unsupported_grant_type"),
    }
    let field = |name: &str| params.get(name).map(String::as_str);
    if field("username") != Some(KEY) || field("password") != Some(SECRET) {
        return doorkeeper_error("invalid_grant");
    }
    let access_token = hex(&random_bytes::<32>());
    let created_at = now_s();
    state.remember(
        &access_token,
        Grant {
            provider: Provider::MakeShift,
            kind: Kind::Access,
            subject: KEY,
            exp_ms: (created_at + state.access_ttl()) * 1000,
            created_s: created_at,
            claims: Value::Null,
        },
    );
    let user = User {
        id: USER_ID,
        name: "api",
        role: "company_admin",
        email: "1d96d6787ce94e2af870d68d795d0201",
        employee_id: "1d96d6787ce94e2af870d68d795d0201",
        company_id: 269,
    };
    Reply::json(
        200,
        &Token {
            access_token,
            token_type: "bearer",
            created_at,
            user,
        },
    )
    .no_store()
}

/// `GET /oauth/token/info`: the bearer token (or `?access_token=` / `?bearer_token=`, which
/// Doorkeeper also reads) and its remaining lifetime; 401 with MakeShift's documented body.
fn token_info(state: &State, req: &Req) -> Reply {
    let query = parse_form(&req.query);
    let token = req
        .bearer(false)
        .map(str::to_owned)
        .or_else(|| {
            query
                .get("access_token")
                .or_else(|| query.get("bearer_token"))
                .cloned()
        })
        .unwrap_or_default();
    let accept = |g: &Grant| g.provider == Provider::MakeShift;
    let Lookup::Valid(grant) = state.lookup(&token, accept) else {
        let body = Errors {
            errors: vec![Error {
                title: "Token is invalid.",
                status_code: 401,
            }],
        };
        return Reply::json(401, &body);
    };
    let info = TokenInfo {
        resource_owner_id: USER_ID,
        scopes: [],
        // Doorkeeper: max(0, round(created_at + expires_in - now)).
        expires_in_seconds: (grant.exp_ms.saturating_sub(now_ms()) + 500) / 1000,
        application: Application { uid: None },
        created_at: grant.created_s,
    };
    Reply::json(200, &info)
}
