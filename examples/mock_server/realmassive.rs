//! RealMassive: `POST /accounts/login` and `/accounts/refresh` with JSON:API errors, and
//! `GET /users/<id>` as a protected endpoint. The refresh token is base64 of
//! `email|uuid` like the real one and does not rotate.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tiny_http::Method;

use crate::http::{Errors, Reply, Req};
use crate::state::{Grant, HS256_HEADER, Kind, Lookup, Provider, State, now_s, uuid4};

/// Demo user.
const EMAIL: &str = "demo@example.com";
const PASSWORD: &str = "demo-password";
const USER_ID: &str = "1295335289799050885";

/// Answers RealMassive's paths, `None` for any other.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    let stats = &state.stats;
    Some(match (&req.method, req.path.as_str()) {
        (Method::Post, "/accounts/login") => state.timed(&stats.login, || login(state, req)),
        (Method::Post, "/accounts/refresh") => state.timed(&stats.refresh, || refresh(state, req)),
        (Method::Get, path) if path.starts_with("/users/") => {
            user(state, req, &path["/users/".len()..])
        }
        (_, "/accounts/login" | "/accounts/refresh") => Reply::method_not_allowed("POST"),
        (_, path) if path.starts_with("/users/") => Reply::method_not_allowed("GET"),
        _ => return None,
    })
}

/// JSON:API error object; `status` is a string, as in the documented 401.
#[derive(Serialize)]
struct JsonApiError<'a> {
    status: String,
    title: &'a str,
    detail: &'a str,
}

fn jsonapi_error(status: u16, title: &str, detail: &str) -> Reply {
    Reply::json(
        status,
        &Errors {
            errors: vec![JsonApiError {
                status: status.to_string(),
                title,
                detail,
            }],
        },
    )
}

/// The user object of the login payload; `GET /users/<id>` returns exactly this
/// (RealMassive's API docs: "the exact payload for the user key"). Its keys are sorted
/// there too.
fn user_object() -> Value {
    json!({
        "attributes": {
            "created": "2016-05-16T19:39:07.185430",
            "deleted": false,
            "email": EMAIL,
            "tos_status": "ACCEPTED",
            "updated": "2016-05-16T19:39:15.885950",
        },
        "id": USER_ID,
        "relationships": {"memberships": {"links": {"related": format!("/users/{USER_ID}/memberships")}}},
        "type": "users",
    })
}

/// The login/refresh payload with a fresh access token and the given refresh token.
fn token_reply(state: &State, refresh_token: &str) -> Reply {
    let iat = now_s();
    let exp = iat + state.access_ttl();
    let claims = json!({"iss": "realmassive", "sub": EMAIL, "iat": iat, "exp": exp});
    let grant = Grant {
        provider: Provider::RealMassive,
        kind: Kind::Access,
        subject: EMAIL,
        exp_ms: exp * 1000,
        created_s: iat,
        claims: Value::Null,
    };
    let access_token = state.mint_jwt(HS256_HEADER, claims, grant);
    let body = json!({
        "access_token": access_token,
        "avatar": null,
        "expires_in": state.access_ttl(),
        "plan": null,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "user": user_object(),
    });
    Reply::json(200, &body)
}

/// The doc insists on `Content-Type: application/json` and a JSON object body.
fn json_body(req: &Req) -> Result<Map<String, Value>, Reply> {
    if !req.is_json() {
        return Err(jsonapi_error(
            415,
            "Unsupported Media Type",
            "Content-Type must be application/json.",
        ));
    }
    req.json_object().ok_or_else(|| {
        jsonapi_error(
            400,
            "Bad Request",
            "The request body must be a JSON object.",
        )
    })
}

/// `POST /accounts/login {email,password}`: the tokens and the user; the refresh token is
/// base64 of `email|uuid` like the real one.
fn login(state: &State, req: &Req) -> Reply {
    let body = match json_body(req) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    if field("email") != Some(EMAIL) || field("password") != Some(PASSWORD) {
        return jsonapi_error(
            401,
            "Invalid credentials",
            "Email or password is incorrect.",
        );
    }
    let refresh_token = STANDARD.encode(format!("{EMAIL}|{}", uuid4()));
    let now = now_s();
    state.remember(
        &refresh_token,
        Grant {
            provider: Provider::RealMassive,
            kind: Kind::Refresh,
            subject: EMAIL,
            exp_ms: (now + state.refresh_ttl()) * 1000,
            created_s: now,
            claims: Value::Null,
        },
    );
    token_reply(state, &refresh_token)
}

/// `POST /accounts/refresh {refresh_token}`: the login payload with a new access token. The
/// refresh token is kept (whether the real one rotates is unverified).
fn refresh(state: &State, req: &Req) -> Reply {
    let body = match json_body(req) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let token = body
        .get("refresh_token")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match state.lookup(token, |g| {
        g.provider == Provider::RealMassive && g.kind == Kind::Refresh
    }) {
        Lookup::Valid(_) => token_reply(state, token),
        Lookup::Expired | Lookup::Unknown => {
            jsonapi_error(401, "Invalid refresh token", "Invalid refresh token.")
        }
    }
}

/// `GET /users/<id>` with a RealMassive access token: the user object, bare (not wrapped in
/// `data`), as the API docs promise.
fn user(state: &State, req: &Req, id: &str) -> Reply {
    let token = req.bearer(false).unwrap_or_default();
    let accept = |g: &Grant| g.provider == Provider::RealMassive && g.kind == Kind::Access;
    if !matches!(state.lookup(token, accept), Lookup::Valid(_)) {
        return jsonapi_error(
            401,
            "Invalid JWT",
            "Missing or invalid jwt token in Authorization Bearer header.",
        );
    }
    if id != USER_ID {
        return jsonapi_error(404, "Not Found", "User not found.");
    }
    Reply::json(200, &user_object())
}
