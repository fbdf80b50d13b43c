//! CollectiveAccess: the GraphQL `service/Auth` endpoint (`login`, `refresh`, `validate`)
//! with graphql-php's envelope and error shapes. A wrong password is HTTP 200 with
//! `jwt: null`; an expired token is 401 with `expiredToken: true`; a bad one is 500. The
//! refresh re-signs the presented token's claims, so the new token expires with it.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::{Map, Value, json};
use tiny_http::Method;

use crate::graphql::{self, Location};
use crate::http::{Reply, Req};
use crate::state::{Grant, Kind, Lookup, Provider, State, now_s};

/// php-jwt puts `typ` before `alg`.
const JWT_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

/// Demo user.
const USERNAME: &str = "demo";
const PASSWORD: &str = "demo-password";
const USER_ID: u64 = 2;

/// Answers `/service/Auth`, `None` for any other path.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    if req.path != "/service/Auth" {
        return None;
    }
    Some(match req.method {
        Method::Options => options(),
        Method::Get | Method::Post => auth(state, req),
        _ => Reply::method_not_allowed("GET, POST, OPTIONS"),
    })
}

/// The `json.php` view: `ok` first, then `errors`, then `data`.
#[derive(Serialize)]
struct Envelope<D> {
    ok: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<Error>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<D>,
}

/// A graphql-php error; resolver exceptions are masked as "Internal server error".
#[derive(Serialize)]
struct Error {
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    path: Vec<&'static str>,
    #[serde(rename = "expiredToken", skip_serializing_if = "Option::is_none")]
    expired_token: Option<bool>,
}

#[derive(Serialize)]
struct Login {
    jwt: Option<String>,
    refresh: Option<String>,
    user: Option<User>,
}

#[derive(Serialize)]
struct User {
    id: u64,
    fname: &'static str,
    lname: &'static str,
    email: &'static str,
}

/// `validate`'s `UserInfo`.
#[derive(Serialize)]
struct UserInfo {
    id: u64,
    username: &'static str,
    email: &'static str,
    fname: &'static str,
    lname: &'static str,
    userclass: u64,
}

/// The Auth operations the mock recognises in a query.
#[derive(Clone, Copy)]
enum Op {
    Login,
    Refresh,
    Validate,
}

impl Op {
    fn field(self) -> &'static str {
        match self {
            Op::Login => "login",
            Op::Refresh => "refresh",
            Op::Validate => "validate",
        }
    }
}

/// `{"ok":true,"data":{field: value}}`.
fn ok<T: Serialize>(field: &'static str, value: T) -> Reply {
    let envelope = Envelope {
        ok: true,
        errors: vec![],
        data: Some(BTreeMap::from([(field, value)])),
    };
    Reply::json(200, &envelope)
}

/// A resolver failure: 401 with `expiredToken:true` when php-jwt said "Expired token",
/// otherwise 500; the message is masked either way and `data` holds `{field: null}`.
fn resolver_error(field: &'static str, location: Location, expired: bool) -> Reply {
    let error = Error {
        message: "Internal server error".to_owned(),
        locations: vec![location],
        path: vec![field],
        expired_token: expired.then_some(true),
    };
    let envelope = Envelope {
        ok: false,
        errors: vec![error],
        data: Some(BTreeMap::from([(field, ())])),
    };
    Reply::json(if expired { 401 } else { 500 }, &envelope)
}

/// A request-level failure (bad body, syntax or validation error): 500 and no `data`.
fn request_error(message: String, location: Option<Location>) -> Reply {
    let error = Error {
        message,
        locations: location.into_iter().collect(),
        path: vec![],
        expired_token: None,
    };
    Reply::json(
        500,
        &Envelope::<()> {
            ok: false,
            errors: vec![error],
            data: None,
        },
    )
}

/// CORS headers, which `service.php` sets on every answer.
fn cors(reply: Reply) -> Reply {
    reply.header("Access-Control-Allow-Origin", "*").header(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type",
    )
}

/// `OPTIONS /service/Auth`: 200 with an empty body (CORS preflight).
fn options() -> Reply {
    cors(Reply {
        status: 200,
        body: Vec::new(),
        headers: vec![],
    })
}

/// `POST /service/Auth {query, variables}`. Like the real server, the body must be JSON
/// with a string `query` (GET and form posts fail with the TypeError message), and the
/// operation is picked by the field the query selects.
fn auth(state: &State, req: &Req) -> Reply {
    let parsed: Option<(String, Map<String, Value>)> = req.json_object().and_then(|body| {
        let query = body.get("query")?.as_str()?.to_owned();
        let vars = body
            .get("variables")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default();
        Some((query, vars))
    });
    let Some((query, vars)) = parsed else {
        let message = "An invalid parameter type error occurred. Are your arguments correct? \
                       [GraphQL\\Language\\Source::__construct(): Argument #1 ($body) must be of \
                       type string, null given]";
        return cors(request_error(message.to_owned(), None));
    };
    let found = [Op::Login, Op::Refresh, Op::Validate]
        .into_iter()
        .find_map(|op| graphql::find_field(&query, op.field()).map(|pos| (op, pos)));
    let Some((op, pos)) = found else {
        return cors(unknown_query(&query));
    };
    let location = graphql::location(&query, pos);
    let args = graphql::field_args(&query, pos + op.field().len());
    let arg = |name: &str| graphql::arg(&args, name, &vars);
    let stats = &state.stats;
    let reply = match op {
        Op::Login => state.timed(&stats.login, || {
            login(state, arg("username"), arg("password"))
        }),
        Op::Refresh => {
            let token = arg("token").or_else(|| req.bearer(true).map(str::to_owned));
            state.timed(&stats.refresh, || refresh(state, token, location))
        }
        Op::Validate => {
            let token = arg("jwt").or_else(|| req.bearer(true).map(str::to_owned));
            validate(state, token, location)
        }
    };
    cors(reply)
}

/// `login(username, password)`: both JWTs and the user, or — as the real resolver does for
/// a wrong password — HTTP 200 `ok:true` with every field null.
fn login(state: &State, username: Option<String>, password: Option<String>) -> Reply {
    if username.as_deref() != Some(USERNAME) || password.as_deref() != Some(PASSWORD) {
        return ok(
            "login",
            Login {
                jwt: None,
                refresh: None,
                user: None,
            },
        );
    }
    let jwt = mint(state, Kind::Access, state.access_ttl());
    let refresh = mint(state, Kind::Refresh, state.refresh_ttl());
    let user = User {
        id: USER_ID,
        fname: "Demo",
        lname: "User",
        email: "demo@example.com",
    };
    ok(
        "login",
        Login {
            jwt: Some(jwt),
            refresh: Some(refresh),
            user: Some(user),
        },
    )
}

/// A CollectiveAccess JWT: access and refresh tokens carry identical claim sets.
fn mint(state: &State, kind: Kind, ttl: u64) -> String {
    let now = now_s();
    let exp = now + ttl;
    let claims = json!({
        "iss": state.host, "aud": state.host, "iat": now, "nbf": now, "exp": exp,
        "id": USER_ID.to_string(),
    });
    let grant = Grant {
        provider: Provider::CollectiveAccess,
        kind,
        subject: USERNAME,
        exp_ms: exp * 1000,
        created_s: now,
        claims: Value::Null,
    };
    state.mint_jwt(JWT_HEADER, claims, grant)
}

/// `refresh(token)` (default: the bearer token). Either CA token is accepted, and the new
/// jwt re-signs the presented token's claims, so it expires when that token does
/// (the server does `encodeJWT((array)$decodedRefresh)`). No new refresh token.
fn refresh(state: &State, token: Option<String>, location: Location) -> Reply {
    let token = token.unwrap_or_default();
    match state.lookup(&token, |g| g.provider == Provider::CollectiveAccess) {
        Lookup::Valid(grant) => {
            let claims = grant.claims.clone();
            let jwt = state.mint_jwt(
                JWT_HEADER,
                claims,
                Grant {
                    kind: Kind::Access,
                    ..grant
                },
            );
            ok("refresh", json!({"jwt": jwt}))
        }
        Lookup::Expired => resolver_error("refresh", location, true),
        Lookup::Unknown => resolver_error("refresh", location, false),
    }
}

/// `validate(jwt)` (default: the bearer token): the user's `UserInfo`.
fn validate(state: &State, token: Option<String>, location: Location) -> Reply {
    let token = token.unwrap_or_default();
    match state.lookup(&token, |g| g.provider == Provider::CollectiveAccess) {
        Lookup::Valid(_) => ok(
            "validate",
            UserInfo {
                id: USER_ID,
                username: USERNAME,
                email: "demo@example.com",
                fname: "Demo",
                lname: "User",
                userclass: 0,
            },
        ),
        Lookup::Expired => resolver_error("validate", location, true),
        Lookup::Unknown => resolver_error("validate", location, false),
    }
}

/// The validation error graphql-php gives for a field the `Auth` type lacks.
fn unknown_query(query: &str) -> Reply {
    match graphql::first_field(query) {
        Ok((name, start)) => {
            let message = format!("Cannot query field \"{name}\" on type \"Auth\".");
            request_error(message, Some(graphql::location(query, start)))
        }
        Err((message, at)) => request_error(message.to_owned(), Some(at)),
    }
}
