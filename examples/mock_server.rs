//! Local mock of the four bespoke token APIs that tokctl speaks (RealMassive,
//! CollectiveAccess, MakeShift, Vivacity), for the demo and for benchmarks.
//!
//! ```text
//! cargo run --example mock_server -- [--port N] [--access-ttl SECS] [--refresh-ttl SECS]
//!                                    [--latency-ms N] [--threads N] [--ignore-stdin]
//! ```
//!
//! * Listens on 127.0.0.1 only (`--port 0`, the default, picks a free port). When ready it
//!   prints one line on stdout, `{"url":"http://127.0.0.1:PORT"}`, and flushes.
//! * Exits when stdin reaches EOF, so a parent that dies never leaves it orphaned (pass
//!   `--ignore-stdin` to run it in the background of a script whose stdin is `/dev/null`),
//!   or on SIGTERM (default action).
//! * `--access-ttl` / `--refresh-ttl` (default 3600 / 86400) take seconds or a humantime
//!   duration (`90s`, `2h`). `--access-ttl` also sets MakeShift's token lifetime.
//! * `--latency-ms` sleeps that long in every login and refresh handler (artificial server
//!   time for benchmarks); it is included in `server_time_us` of `GET /__stats`.
//!
//! Demo users: RealMassive `demo@example.com`/`demo-password`; CollectiveAccess
//! `demo`/`demo-password`; MakeShift key `demo-key` secret `demo-secret`; Vivacity
//! `demo`/`demo-password`.
//!
//! The answers copy `shared/seeds/*.md` and `shared/seeds/wire-notes.md` (what the real
//! servers send): status codes, error bodies and key order, CollectiveAccess's "200 with
//! `jwt:null`" for a wrong password and its refresh that keeps the refresh token's `exp`,
//! Vivacity's rotated refresh tokens, MakeShift's missing `expires_in`. Access tokens are
//! JWT-shaped with a random signature: validity is membership in an in-memory map plus
//! `exp`, with zero leeway like php-jwt and Keycloak. Every response is JSON with a `Date`
//! header (tiny_http adds it to every response).
//!
//! | endpoint | statuses |
//! |---|---|
//! | `POST /accounts/login` | 200, 400 not JSON, 401 bad credentials, 415 not `application/json` |
//! | `POST /accounts/refresh` | 200, 400, 401 unknown or expired refresh token, 415 |
//! | `GET /users/<id>` | 200, 401 no valid RealMassive bearer, 404 other id |
//! | `POST /service/Auth` (GraphQL `login`/`refresh`/`validate`) | 200, 401 expired token, 500 bad token or request |
//! | `OPTIONS /service/Auth` | 200 empty |
//! | `POST /oauth/token` | 200, 401 every error (Doorkeeper 4.x) |
//! | `GET /oauth/token/info` | 200, 401 |
//! | `POST /get-token` | 200, 400 malformed body, 401 bad credentials |
//! | `POST /refresh-token` | 200 (rotates the refresh token), 400 |
//! | `GET /api/things` | 200, 401 |
//! | `GET /__stats`, `POST /__reset` | 200 (reset answers the counts it cleared) |
//! | anything else | 404, or 405 for a known path with another method |

use std::collections::{BTreeMap, HashMap};
use std::io::{self, Read, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Map, Value, json};
use tiny_http::Method;

const USAGE: &str = "usage: mock_server [--port N] [--access-ttl SECS] [--refresh-ttl SECS] \
                     [--latency-ms N] [--threads N] [--ignore-stdin]";

/// Request bodies above this are refused: nothing legitimate here is bigger.
const MAX_BODY: usize = 1 << 20;

const RM_EMAIL: &str = "demo@example.com";
const RM_PASSWORD: &str = "demo-password";
const RM_USER_ID: &str = "1295335289799050885";

const CA_USERNAME: &str = "demo";
const CA_PASSWORD: &str = "demo-password";
const CA_USER_ID: u64 = 2;

const MS_KEY: &str = "demo-key";
const MS_SECRET: &str = "demo-secret";
const MS_USER_ID: u64 = 7443;

const VIV_USERNAME: &str = "demo";
const VIV_PASSWORD: &str = "demo-password";
const VIV_SUBJECT: &str = "fe10240d-5123-4cc5-bc1f-b6329b6ad8d3";

/// JWT headers, written out because serde_json sorts object keys and CollectiveAccess
/// (php-jwt) puts `typ` first.
const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;
const CA_JWT_HEADER: &str = r#"{"typ":"JWT","alg":"HS256"}"#;

// ---------------------------------------------------------------------------------------
// Command line
// ---------------------------------------------------------------------------------------

/// What the command line sets.
#[derive(Debug, Clone)]
struct Config {
    port: u16,
    access_ttl: u64,
    refresh_ttl: u64,
    latency: Duration,
    threads: usize,
    watch_stdin: bool,
}

/// Parses `--flag VALUE` and `--flag=VALUE`; `Err` carries the message for stderr.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
    let mut cfg = Config {
        port: 0,
        access_ttl: 3600,
        refresh_ttl: 86400,
        latency: Duration::ZERO,
        threads: 8,
        watch_stdin: true,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if arg == "--ignore-stdin" {
            cfg.watch_stdin = false;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--port" => {
                cfg.port = number(value()?)?
                    .try_into()
                    .map_err(|_| "--port: out of range")?
            }
            "--access-ttl" => cfg.access_ttl = parse_secs(&value()?)?,
            "--refresh-ttl" => cfg.refresh_ttl = parse_secs(&value()?)?,
            "--latency-ms" => cfg.latency = Duration::from_millis(number(value()?)?),
            "--threads" => cfg.threads = number(value()?)?.clamp(1, 256) as usize,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok(cfg)
}

/// Seconds as a plain number, or a humantime duration such as `90s` or `2h`.
fn parse_secs(value: &str) -> Result<u64, String> {
    value.parse::<u64>().or_else(|_| {
        humantime::parse_duration(value)
            .map(|d| d.as_secs())
            .map_err(|e| format!("bad duration {value:?}: {e}"))
    })
}

// ---------------------------------------------------------------------------------------
// Tokens and state
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    RealMassive,
    CollectiveAccess,
    MakeShift,
    Vivacity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Access,
    Refresh,
}

/// What the server remembers about one token it issued.
#[derive(Debug, Clone)]
struct Grant {
    provider: Provider,
    kind: Kind,
    /// Who the token belongs to, as `/api/things` reports it.
    subject: &'static str,
    /// Expiry in Unix milliseconds; the token is valid while `now < exp_ms` (no leeway).
    exp_ms: u64,
    created_s: u64,
    /// JWT claims, kept for CollectiveAccess whose refresh re-signs the presented claims.
    claims: Value,
}

/// Outcome of looking a presented token up.
enum Lookup {
    Valid(Grant),
    Expired,
    Unknown,
}

/// Issued tokens. Expired ones are kept for an hour so that they can still be told apart
/// from garbage (CollectiveAccess answers 401 for expired, 500 for garbage), then pruned so
/// that long benchmarks don't grow memory without bound.
#[derive(Default)]
struct Store {
    grants: HashMap<String, Grant>,
    inserts: u64,
}

impl Store {
    fn insert(&mut self, token: String, grant: Grant) {
        self.inserts += 1;
        if self.inserts.is_multiple_of(4096) {
            let cutoff = now_ms().saturating_sub(3_600_000);
            self.grants.retain(|_, g| g.exp_ms > cutoff);
        }
        self.grants.insert(token, grant);
    }

    /// Finds `token` among the grants that `accept` admits.
    fn lookup(&self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        match self.grants.get(token) {
            Some(g) if accept(g) && now_ms() < g.exp_ms => Lookup::Valid(g.clone()),
            Some(g) if accept(g) => Lookup::Expired,
            _ => Lookup::Unknown,
        }
    }

    /// Like `lookup`, but a valid token is removed in the same critical section, so that of
    /// concurrent refreshes with one rotating refresh token exactly one wins.
    fn take(&mut self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        let found = self.lookup(token, accept);
        if matches!(found, Lookup::Valid(_)) {
            self.grants.remove(token);
        }
        found
    }
}

/// Counters for tests and benchmarks (`GET /__stats`).
#[derive(Default)]
struct Stats {
    login: AtomicU64,
    refresh: AtomicU64,
    requests: AtomicU64,
    server_time_us: AtomicU64,
}

impl Stats {
    fn snapshot(&self, reset: bool) -> Value {
        let read = |c: &AtomicU64| {
            if reset {
                c.swap(0, Ordering::Relaxed)
            } else {
                c.load(Ordering::Relaxed)
            }
        };
        json!({
            "login": read(&self.login),
            "refresh": read(&self.refresh),
            "requests": read(&self.requests),
            "server_time_us": read(&self.server_time_us),
        })
    }
}

/// Everything the request handlers share.
struct State {
    cfg: Config,
    /// `127.0.0.1:PORT`, used as the JWT issuer and audience.
    host: String,
    store: Mutex<Store>,
    stats: Stats,
}

impl State {
    /// The token map; a panic elsewhere must not take the whole mock down.
    fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn remember(&self, token: &str, grant: Grant) {
        self.store().insert(token.to_owned(), grant);
    }

    fn lookup(&self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        self.store().lookup(token, accept)
    }

    /// Mints a JWT with the given header and claims (plus `iat`/`exp` supplied by the
    /// caller) and remembers it.
    fn mint_jwt(&self, header: &str, claims: Value, grant: Grant) -> String {
        let token = jwt(header, &claims);
        self.remember(&token, Grant { claims, ..grant });
        token
    }

    /// Runs a login or refresh handler: counts it, adds the artificial latency and adds
    /// the elapsed time to `server_time_us`.
    fn timed(&self, counter: &AtomicU64, handler: impl FnOnce() -> Reply) -> Reply {
        let start = Instant::now();
        counter.fetch_add(1, Ordering::Relaxed);
        if !self.cfg.latency.is_zero() {
            thread::sleep(self.cfg.latency);
        }
        let reply = handler();
        let spent = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
        self.stats
            .server_time_us
            .fetch_add(spent, Ordering::Relaxed);
        reply
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

fn now_s() -> u64 {
    now_ms() / 1000
}

fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    bytes
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random version-4 UUID, for refresh tokens, `jti` and Keycloak's `session_state`.
fn uuid4() -> String {
    let mut b = random_bytes::<16>();
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h = hex(&b);
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// `base64url(header).base64url(claims).base64url(random)`: the shape of an HS256 JWT, with
/// a signature nobody checks (the server checks membership in its map instead).
fn jwt(header: &str, claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(random_bytes::<32>()),
    )
}

// ---------------------------------------------------------------------------------------
// Requests and replies
// ---------------------------------------------------------------------------------------

/// The parts of a request the handlers look at, read off the socket once.
struct Req {
    method: Method,
    path: String,
    query: String,
    authorization: Option<String>,
    content_type: String,
    body: Vec<u8>,
}

impl Req {
    fn is_json(&self) -> bool {
        self.content_type.to_ascii_lowercase().contains("json")
    }

    /// The body as a JSON object, `None` when it is anything else.
    fn json_object(&self) -> Option<Map<String, Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    /// Body parameters from JSON or from a form, since Rails (MakeShift) and Vivacity accept
    /// both. Non-string JSON scalars are turned into their text. `Err` when the body is
    /// neither a JSON object nor UTF-8 form data.
    fn params(&self) -> Result<HashMap<String, String>, ()> {
        let looks_json = self.body.trim_ascii_start().first() == Some(&b'{');
        let is_form = self
            .content_type
            .to_ascii_lowercase()
            .contains("x-www-form-urlencoded");
        if self.is_json() || (looks_json && !is_form) {
            let map = self.json_object().ok_or(())?;
            return Ok(map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(_) | Value::Bool(_) => Some((k, v.to_string())),
                    _ => None,
                })
                .collect());
        }
        std::str::from_utf8(&self.body)
            .map(parse_form)
            .map_err(|_| ())
    }

    /// The token of an `Authorization: Bearer <token>` header. `strict` wants the capital B,
    /// like CollectiveAccess's `/Bearer\s(\S+)/`; otherwise the scheme is matched without
    /// regard to case, like Doorkeeper and Keycloak.
    fn bearer(&self, strict: bool) -> Option<&str> {
        let value = self.authorization.as_deref()?.trim();
        let (scheme, token) = value.split_once(char::is_whitespace)?;
        let scheme_ok = if strict {
            scheme == "Bearer"
        } else {
            scheme.eq_ignore_ascii_case("bearer")
        };
        let token = token.trim();
        (scheme_ok && !token.is_empty() && !token.contains(char::is_whitespace)).then_some(token)
    }
}

/// `application/x-www-form-urlencoded` (also query strings); the first of duplicate keys wins.
fn parse_form(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(url_decode(k)).or_insert_with(|| url_decode(v));
    }
    out
}

/// Percent-decoding with `+` as space; a broken escape is kept literally.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_at = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex_at(i + 1).is_some() && hex_at(i + 2).is_some() => {
                out.push((hex_at(i + 1).unwrap_or(0) * 16 + hex_at(i + 2).unwrap_or(0)) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response before it is turned into a tiny_http one.
struct Reply {
    status: u16,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON response. Structs keep their field order, which matters because serde_json's
    /// own `Map` sorts keys and the real servers don't.
    fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> Reply {
        let body = serde_json::to_vec(body).expect("our own response types always serialize");
        Reply {
            status,
            body,
            headers: vec![("Content-Type", "application/json".to_owned())],
        }
    }

    fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache`, as token endpoints send (RFC 6749 §5.1).
    fn no_store(self) -> Reply {
        self.header("Cache-Control", "no-store")
            .header("Pragma", "no-cache")
    }

    fn into_response(self) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (name, value) in self.headers {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        response
    }
}

/// Reads method, path, the two headers that matter and the body; a body that is too large
/// or unreadable is answered at once.
fn read_request(request: &mut tiny_http::Request) -> Result<Req, Reply> {
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_owned())
    };
    let authorization = header("Authorization");
    let content_type = header("Content-Type").unwrap_or_default();
    let (path, query) = match request.url().split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (request.url().to_owned(), String::new()),
    };
    let method = request.method().clone();
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return Err(Reply::json(
            400,
            &json!({"error": "bad_request", "error_description": "unreadable body"}),
        ));
    }
    if body.len() > MAX_BODY {
        return Err(Reply::json(413, &json!({"error": "payload_too_large"})));
    }
    Ok(Req {
        method,
        path,
        query,
        authorization,
        content_type,
        body,
    })
}

// ---------------------------------------------------------------------------------------
// Routing
// ---------------------------------------------------------------------------------------

/// Sends each request to its endpoint function.
fn route(state: &State, req: &Req) -> Reply {
    let stats = &state.stats;
    match (&req.method, req.path.as_str()) {
        (Method::Get, "/__stats") => Reply::json(200, &stats.snapshot(false)),
        (Method::Post, "/__reset") => Reply::json(200, &stats.snapshot(true)),

        (Method::Post, "/accounts/login") => state.timed(&stats.login, || rm_login(state, req)),
        (Method::Post, "/accounts/refresh") => {
            state.timed(&stats.refresh, || rm_refresh(state, req))
        }
        (Method::Get, path) if path.starts_with("/users/") => {
            rm_user(state, req, &path["/users/".len()..])
        }

        (Method::Options, "/service/Auth") => ca_options(),
        (Method::Get | Method::Post, "/service/Auth") => ca_auth(state, req),

        (Method::Post, "/oauth/token") => state.timed(&stats.login, || ms_token(state, req)),
        (Method::Get, "/oauth/token/info") => ms_token_info(state, req),

        (Method::Post, "/get-token") => state.timed(&stats.login, || viv_get_token(state, req)),
        (Method::Post, "/refresh-token") => state.timed(&stats.refresh, || viv_refresh(state, req)),

        (Method::Get, "/api/things") => things(state, req),

        (_, path) => match allowed_methods(path) {
            Some(allow) => {
                Reply::json(405, &json!({"error": "method_not_allowed", "allow": allow}))
                    .header("Allow", allow)
            }
            None => Reply::json(404, &json!({"error": "not_found", "path": path})),
        },
    }
}

/// The methods `route` serves on `path`, for the 405 answer's `Allow` header.
fn allowed_methods(path: &str) -> Option<&'static str> {
    Some(match path {
        "/__reset" | "/accounts/login" | "/accounts/refresh" | "/oauth/token" | "/get-token"
        | "/refresh-token" => "POST",
        "/__stats" | "/oauth/token/info" | "/api/things" => "GET",
        "/service/Auth" => "GET, POST, OPTIONS",
        p if p.starts_with("/users/") => "GET",
        _ => return None,
    })
}

/// One worker: answers requests until the server goes away.
fn serve(server: &tiny_http::Server, state: &State) {
    for mut request in server.incoming_requests() {
        let reply = match read_request(&mut request) {
            Ok(req) => {
                if !req.path.starts_with("/__") {
                    state.stats.requests.fetch_add(1, Ordering::Relaxed);
                }
                // A bug must cost one 500, not one of the few worker threads.
                panic::catch_unwind(AssertUnwindSafe(|| route(state, &req)))
                    .unwrap_or_else(|_| Reply::json(500, &json!({"error": "internal_error"})))
            }
            Err(reply) => reply,
        };
        // The client may have hung up; nothing to do about that.
        let _ = request.respond(reply.into_response());
    }
}

// ---------------------------------------------------------------------------------------
// RealMassive (seed realmassive.md, wire-notes §1)
// ---------------------------------------------------------------------------------------

/// JSON:API error object; `status` is a string, as in the documented 401.
#[derive(Serialize)]
struct JsonApiError<'a> {
    status: String,
    title: &'a str,
    detail: &'a str,
}

#[derive(Serialize)]
struct Errors<T> {
    errors: Vec<T>,
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

/// The user object of the login payload; `GET /users/<id>` returns exactly this (the doc:
/// "the exact payload for the user key"). Its keys are sorted in the doc too.
fn rm_user_object() -> Value {
    json!({
        "attributes": {
            "created": "2016-05-16T19:39:07.185430",
            "deleted": false,
            "email": RM_EMAIL,
            "tos_status": "ACCEPTED",
            "updated": "2016-05-16T19:39:15.885950",
        },
        "id": RM_USER_ID,
        "relationships": {"memberships": {"links": {"related": format!("/users/{RM_USER_ID}/memberships")}}},
        "type": "users",
    })
}

/// The login/refresh payload with a fresh access token and the given refresh token.
fn rm_token_reply(state: &State, refresh_token: &str) -> Reply {
    let iat = now_s();
    let exp = iat + state.cfg.access_ttl;
    let claims = json!({"iss": "realmassive", "sub": RM_EMAIL, "iat": iat, "exp": exp});
    let grant = Grant {
        provider: Provider::RealMassive,
        kind: Kind::Access,
        subject: RM_EMAIL,
        exp_ms: exp * 1000,
        created_s: iat,
        claims: Value::Null,
    };
    let access_token = state.mint_jwt(HS256_HEADER, claims, grant);
    let body = json!({
        "access_token": access_token,
        "avatar": null,
        "expires_in": state.cfg.access_ttl,
        "plan": null,
        "refresh_token": refresh_token,
        "token_type": "Bearer",
        "user": rm_user_object(),
    });
    Reply::json(200, &body)
}

/// The doc insists on `Content-Type: application/json` and a JSON object body.
fn rm_json_body(req: &Req) -> Result<Map<String, Value>, Reply> {
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
fn rm_login(state: &State, req: &Req) -> Reply {
    let body = match rm_json_body(req) {
        Ok(body) => body,
        Err(reply) => return reply,
    };
    let field = |name: &str| body.get(name).and_then(Value::as_str);
    if field("email") != Some(RM_EMAIL) || field("password") != Some(RM_PASSWORD) {
        return jsonapi_error(
            401,
            "Invalid credentials",
            "Email or password is incorrect.",
        );
    }
    let refresh_token = STANDARD.encode(format!("{RM_EMAIL}|{}", uuid4()));
    let now = now_s();
    state.remember(
        &refresh_token,
        Grant {
            provider: Provider::RealMassive,
            kind: Kind::Refresh,
            subject: RM_EMAIL,
            exp_ms: (now + state.cfg.refresh_ttl) * 1000,
            created_s: now,
            claims: Value::Null,
        },
    );
    rm_token_reply(state, &refresh_token)
}

/// `POST /accounts/refresh {refresh_token}`: the login payload with a new access token. The
/// refresh token is kept (whether the real one rotates is unverified).
fn rm_refresh(state: &State, req: &Req) -> Reply {
    let body = match rm_json_body(req) {
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
        Lookup::Valid(_) => rm_token_reply(state, token),
        Lookup::Expired | Lookup::Unknown => {
            jsonapi_error(401, "Invalid refresh token", "Invalid refresh token.")
        }
    }
}

/// `GET /users/<id>` with a RealMassive access token: the user object, bare (not wrapped in
/// `data`), as the doc promises.
fn rm_user(state: &State, req: &Req, id: &str) -> Reply {
    let token = req.bearer(false).unwrap_or_default();
    let accept = |g: &Grant| g.provider == Provider::RealMassive && g.kind == Kind::Access;
    if !matches!(state.lookup(token, accept), Lookup::Valid(_)) {
        return jsonapi_error(
            401,
            "Invalid JWT",
            "Missing or invalid jwt token in Authorization Bearer header.",
        );
    }
    if id != RM_USER_ID {
        return jsonapi_error(404, "Not Found", "User not found.");
    }
    Reply::json(200, &rm_user_object())
}

// ---------------------------------------------------------------------------------------
// CollectiveAccess GraphQL service/Auth (seed collectiveaccess.rst, wire-notes §2)
// ---------------------------------------------------------------------------------------

/// The `json.php` view: `ok` first, then `errors`, then `data`.
#[derive(Serialize)]
struct CaEnvelope<D> {
    ok: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<CaError>,
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<D>,
}

/// A graphql-php error; resolver exceptions are masked as "Internal server error".
#[derive(Serialize)]
struct CaError {
    message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<CaLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    path: Vec<&'static str>,
    #[serde(rename = "expiredToken", skip_serializing_if = "Option::is_none")]
    expired_token: Option<bool>,
}

#[derive(Serialize, Clone, Copy)]
struct CaLocation {
    line: usize,
    column: usize,
}

#[derive(Serialize)]
struct CaLogin {
    jwt: Option<String>,
    refresh: Option<String>,
    user: Option<CaUser>,
}

#[derive(Serialize)]
struct CaUser {
    id: u64,
    fname: &'static str,
    lname: &'static str,
    email: &'static str,
}

/// `validate`'s `UserInfo`.
#[derive(Serialize)]
struct CaUserInfo {
    id: u64,
    username: &'static str,
    email: &'static str,
    fname: &'static str,
    lname: &'static str,
    userclass: u64,
}

/// The Auth operations the mock recognises in a query.
#[derive(Clone, Copy)]
enum CaOp {
    Login,
    Refresh,
    Validate,
}

impl CaOp {
    fn field(self) -> &'static str {
        match self {
            CaOp::Login => "login",
            CaOp::Refresh => "refresh",
            CaOp::Validate => "validate",
        }
    }
}

/// A GraphQL argument value as written in the query.
enum ArgValue {
    Str(String),
    Var(String),
    Other,
}

/// `{"ok":true,"data":{field: value}}`.
fn ca_ok<T: Serialize>(field: &'static str, value: T) -> Reply {
    let envelope = CaEnvelope {
        ok: true,
        errors: vec![],
        data: Some(BTreeMap::from([(field, value)])),
    };
    Reply::json(200, &envelope)
}

/// A resolver failure: 401 with `expiredToken:true` when php-jwt said "Expired token",
/// otherwise 500; the message is masked either way and `data` holds `{field: null}`.
fn ca_resolver_error(field: &'static str, location: CaLocation, expired: bool) -> Reply {
    let error = CaError {
        message: "Internal server error".to_owned(),
        locations: vec![location],
        path: vec![field],
        expired_token: expired.then_some(true),
    };
    let envelope = CaEnvelope {
        ok: false,
        errors: vec![error],
        data: Some(BTreeMap::from([(field, ())])),
    };
    Reply::json(if expired { 401 } else { 500 }, &envelope)
}

/// A request-level failure (bad body, syntax or validation error): 500 and no `data`.
fn ca_request_error(message: String, location: Option<CaLocation>) -> Reply {
    let error = CaError {
        message,
        locations: location.into_iter().collect(),
        path: vec![],
        expired_token: None,
    };
    Reply::json(
        500,
        &CaEnvelope::<()> {
            ok: false,
            errors: vec![error],
            data: None,
        },
    )
}

/// CORS headers, which `service.php` sets on every answer.
fn ca_cors(reply: Reply) -> Reply {
    reply.header("Access-Control-Allow-Origin", "*").header(
        "Access-Control-Allow-Headers",
        "Authorization, Content-Type",
    )
}

/// `OPTIONS /service/Auth`: 200 with an empty body (CORS preflight).
fn ca_options() -> Reply {
    ca_cors(Reply {
        status: 200,
        body: Vec::new(),
        headers: vec![],
    })
}

/// `POST /service/Auth {query, variables}`. Like the real server, the body must be JSON
/// with a string `query` (GET and form posts fail with the TypeError message), and the
/// operation is picked by the field the query selects.
fn ca_auth(state: &State, req: &Req) -> Reply {
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
        return ca_cors(ca_request_error(message.to_owned(), None));
    };
    let found = [CaOp::Login, CaOp::Refresh, CaOp::Validate]
        .into_iter()
        .find_map(|op| ca_find_field(&query, op.field()).map(|pos| (op, pos)));
    let Some((op, pos)) = found else {
        return ca_cors(ca_unknown_query(&query));
    };
    let location = ca_location(&query, pos);
    let args = ca_field_args(&query, pos + op.field().len());
    let arg = |name: &str| ca_arg(&args, name, &vars);
    let stats = &state.stats;
    let reply = match op {
        CaOp::Login => state.timed(&stats.login, || {
            ca_login(state, arg("username"), arg("password"))
        }),
        CaOp::Refresh => {
            let token = arg("token").or_else(|| req.bearer(true).map(str::to_owned));
            state.timed(&stats.refresh, || ca_refresh(state, token, location))
        }
        CaOp::Validate => {
            let token = arg("jwt").or_else(|| req.bearer(true).map(str::to_owned));
            ca_validate(state, token, location)
        }
    };
    ca_cors(reply)
}

/// `login(username, password)`: both JWTs and the user, or — as the real resolver does for
/// a wrong password — HTTP 200 `ok:true` with every field null.
fn ca_login(state: &State, username: Option<String>, password: Option<String>) -> Reply {
    if username.as_deref() != Some(CA_USERNAME) || password.as_deref() != Some(CA_PASSWORD) {
        return ca_ok(
            "login",
            CaLogin {
                jwt: None,
                refresh: None,
                user: None,
            },
        );
    }
    let jwt = ca_mint(state, Kind::Access, state.cfg.access_ttl);
    let refresh = ca_mint(state, Kind::Refresh, state.cfg.refresh_ttl);
    let user = CaUser {
        id: CA_USER_ID,
        fname: "Demo",
        lname: "User",
        email: "demo@example.com",
    };
    ca_ok(
        "login",
        CaLogin {
            jwt: Some(jwt),
            refresh: Some(refresh),
            user: Some(user),
        },
    )
}

/// A CollectiveAccess JWT: access and refresh tokens carry identical claim sets.
fn ca_mint(state: &State, kind: Kind, ttl: u64) -> String {
    let now = now_s();
    let exp = now + ttl;
    let claims = json!({
        "iss": state.host, "aud": state.host, "iat": now, "nbf": now, "exp": exp,
        "id": CA_USER_ID.to_string(),
    });
    let grant = Grant {
        provider: Provider::CollectiveAccess,
        kind,
        subject: CA_USERNAME,
        exp_ms: exp * 1000,
        created_s: now,
        claims: Value::Null,
    };
    state.mint_jwt(CA_JWT_HEADER, claims, grant)
}

/// `refresh(token)` (default: the bearer token). Either CA token is accepted, and the new
/// jwt re-signs the presented token's claims, so it expires when that token does
/// (`encodeJWT((array)$decodedRefresh)`, wire-notes §2). No new refresh token.
fn ca_refresh(state: &State, token: Option<String>, location: CaLocation) -> Reply {
    let token = token.unwrap_or_default();
    match state.lookup(&token, |g| g.provider == Provider::CollectiveAccess) {
        Lookup::Valid(grant) => {
            let claims = grant.claims.clone();
            let jwt = state.mint_jwt(
                CA_JWT_HEADER,
                claims,
                Grant {
                    kind: Kind::Access,
                    ..grant
                },
            );
            ca_ok("refresh", json!({"jwt": jwt}))
        }
        Lookup::Expired => ca_resolver_error("refresh", location, true),
        Lookup::Unknown => ca_resolver_error("refresh", location, false),
    }
}

/// `validate(jwt)` (default: the bearer token): the user's `UserInfo`.
fn ca_validate(state: &State, token: Option<String>, location: CaLocation) -> Reply {
    let token = token.unwrap_or_default();
    match state.lookup(&token, |g| g.provider == Provider::CollectiveAccess) {
        Lookup::Valid(_) => ca_ok(
            "validate",
            CaUserInfo {
                id: CA_USER_ID,
                username: CA_USERNAME,
                email: "demo@example.com",
                fname: "Demo",
                lname: "User",
                userclass: 0,
            },
        ),
        Lookup::Expired => ca_resolver_error("validate", location, true),
        Lookup::Unknown => ca_resolver_error("validate", location, false),
    }
}

/// The validation error graphql-php gives for a field the `Auth` type lacks.
fn ca_unknown_query(query: &str) -> Reply {
    let Some(open) = query.find('{') else {
        let end = ca_location(query, query.len());
        return ca_request_error("Syntax Error: Unexpected <EOF>".to_owned(), Some(end));
    };
    let rest = &query[open + 1..];
    let skipped = rest.len() - rest.trim_start().len();
    let start = open + 1 + skipped;
    let name: String = query[start..]
        .chars()
        .take_while(|c| is_ident_char(*c))
        .collect();
    if name.is_empty() {
        let message = "Syntax Error: Expected Name, found <EOF>".to_owned();
        return ca_request_error(message, Some(ca_location(query, query.len())));
    }
    let message = format!("Cannot query field \"{name}\" on type \"Auth\".");
    ca_request_error(message, Some(ca_location(query, start)))
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Byte offset of the field `name` in the selection set. The search starts at the first
/// `{`, so an operation named `refresh` or a `$login` variable is not mistaken for it.
fn ca_find_field(query: &str, name: &str) -> Option<usize> {
    let start = query.find('{')?;
    query[start..]
        .match_indices(name)
        .map(|(i, _)| start + i)
        .find(|&i| {
            let before = query[..i].chars().next_back();
            let after = query[i + name.len()..].chars().next();
            !before.is_some_and(|c| is_ident_char(c) || c == '$')
                && !after.is_some_and(is_ident_char)
        })
}

/// 1-based line and column of a byte offset, as graphql-php reports locations.
fn ca_location(query: &str, pos: usize) -> CaLocation {
    let before = &query[..pos.min(query.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    CaLocation {
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The `(name: value, …)` list right after a field name, if any.
fn ca_field_args(query: &str, after_field: usize) -> Vec<(String, ArgValue)> {
    let rest = query[after_field..].trim_start();
    let Some(args) = rest.strip_prefix('(') else {
        return Vec::new();
    };
    let mut chars = args.chars().peekable();
    let mut out = Vec::new();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        let name: String = std::iter::from_fn(|| chars.next_if(|c| is_ident_char(*c))).collect();
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if name.is_empty() || chars.next() != Some(':') {
            break;
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = match chars.peek() {
            Some('"') => {
                chars.next();
                match read_graphql_string(&mut chars) {
                    Some(s) => ArgValue::Str(s),
                    None => break,
                }
            }
            Some('$') => {
                chars.next();
                ArgValue::Var(std::iter::from_fn(|| chars.next_if(|c| is_ident_char(*c))).collect())
            }
            _ => {
                while chars
                    .next_if(|c| !c.is_whitespace() && !matches!(c, ',' | ')'))
                    .is_some()
                {}
                ArgValue::Other
            }
        };
        out.push((name, value));
    }
    out
}

/// The rest of a `"…"` string literal (after the opening quote), escapes decoded; `None`
/// when it is not terminated.
fn read_graphql_string(chars: &mut impl Iterator<Item = char>) -> Option<String> {
    let mut out = String::new();
    loop {
        match chars.next()? {
            '"' => return Some(out),
            '\\' => match chars.next()? {
                'n' => out.push('\n'),
                't' => out.push('\t'),
                'r' => out.push('\r'),
                'b' => out.push('\u{8}'),
                'f' => out.push('\u{c}'),
                'u' => {
                    let code: String = chars.by_ref().take(4).collect();
                    out.push(
                        u32::from_str_radix(&code, 16)
                            .ok()
                            .and_then(char::from_u32)
                            .unwrap_or('\u{fffd}'),
                    );
                }
                other => out.push(other),
            },
            c => out.push(c),
        }
    }
}

/// An argument's string value: the literal, or the `$variable` from `variables`. When the
/// field does not name the argument at all, `variables[name]` is used (lenient, so that a
/// client sending only variables still works).
fn ca_arg(args: &[(String, ArgValue)], name: &str, vars: &Map<String, Value>) -> Option<String> {
    let var = |key: &str| vars.get(key).and_then(Value::as_str).map(str::to_owned);
    match args.iter().find(|(n, _)| n == name).map(|(_, v)| v) {
        Some(ArgValue::Str(s)) => Some(s.clone()),
        Some(ArgValue::Var(v)) => var(v),
        Some(ArgValue::Other) => None,
        None => var(name),
    }
}

// ---------------------------------------------------------------------------------------
// MakeShift = Doorkeeper 4.x (seed makeshift.md, wire-notes §4)
// ---------------------------------------------------------------------------------------

/// MakeShift's customised token body: no `expires_in`, no `refresh_token`, plus `user`.
#[derive(Serialize)]
struct MsToken {
    access_token: String,
    token_type: &'static str,
    created_at: u64,
    user: MsUser,
}

#[derive(Serialize)]
struct MsUser {
    id: u64,
    name: &'static str,
    role: &'static str,
    email: &'static str,
    employee_id: &'static str,
    company_id: u64,
}

/// Doorkeeper 4.x `token/info`: `scopes` and `expires_in_seconds` (renamed in 5.0).
#[derive(Serialize)]
struct MsTokenInfo {
    resource_owner_id: u64,
    scopes: [&'static str; 0],
    expires_in_seconds: u64,
    application: MsApplication,
    created_at: u64,
}

#[derive(Serialize)]
struct MsApplication {
    uid: Option<String>,
}

#[derive(Serialize)]
struct MsError {
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
fn ms_token(state: &State, req: &Req) -> Reply {
    let Ok(params) = req.params() else {
        return doorkeeper_error("invalid_request");
    };
    match params.get("grant_type").map(String::as_str) {
        None => return doorkeeper_error("invalid_request"),
        Some("password") => {}
        Some(_) => return doorkeeper_error("unsupported_grant_type"),
    }
    let field = |name: &str| params.get(name).map(String::as_str);
    if field("username") != Some(MS_KEY) || field("password") != Some(MS_SECRET) {
        return doorkeeper_error("invalid_grant");
    }
    let access_token = hex(&random_bytes::<32>());
    let created_at = now_s();
    state.remember(
        &access_token,
        Grant {
            provider: Provider::MakeShift,
            kind: Kind::Access,
            subject: MS_KEY,
            exp_ms: (created_at + state.cfg.access_ttl) * 1000,
            created_s: created_at,
            claims: Value::Null,
        },
    );
    let user = MsUser {
        id: MS_USER_ID,
        name: "api",
        role: "company_admin",
        email: "1d96d6787ce94e2af870d68d795d0201",
        employee_id: "1d96d6787ce94e2af870d68d795d0201",
        company_id: 269,
    };
    Reply::json(
        200,
        &MsToken {
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
fn ms_token_info(state: &State, req: &Req) -> Reply {
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
            errors: vec![MsError {
                title: "Token is invalid.",
                status_code: 401,
            }],
        };
        return Reply::json(401, &body);
    };
    let info = MsTokenInfo {
        resource_owner_id: MS_USER_ID,
        scopes: [],
        // Doorkeeper: max(0, round(created_at + expires_in - now)).
        expires_in_seconds: (grant.exp_ms.saturating_sub(now_ms()) + 500) / 1000,
        application: MsApplication { uid: None },
        created_at: grant.created_s,
    };
    Reply::json(200, &info)
}

// ---------------------------------------------------------------------------------------
// Vivacity: Keycloak behind /get-token and /refresh-token (seed vivacity.md, wire-notes §3, §5)
// ---------------------------------------------------------------------------------------

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
fn viv_issue(state: &State, session_state: String) -> Reply {
    let iat = now_s();
    let access_exp = iat + state.cfg.access_ttl;
    let refresh_exp = iat + state.cfg.refresh_ttl;
    let iss = format!("http://{}/auth/realms/sensor-data", state.host);
    let access_claims = json!({
        "jti": uuid4(), "exp": access_exp, "nbf": 0, "iat": iat, "iss": iss, "sub": VIV_SUBJECT,
        "typ": "Bearer", "azp": "sensor-data-client", "auth_time": 0, "session_state": session_state,
        "acr": "1", "scope": "profile", "preferred_username": VIV_USERNAME,
    });
    let refresh_claims = json!({
        "jti": uuid4(), "exp": refresh_exp, "nbf": 0, "iat": iat, "iss": iss, "aud": iss,
        "sub": VIV_SUBJECT, "typ": "Refresh", "azp": "sensor-data-client", "auth_time": 0,
        "session_state": session_state, "scope": "profile",
    });
    let grant = |kind, exp: u64| Grant {
        provider: Provider::Vivacity,
        kind,
        subject: VIV_USERNAME,
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
        expires_in: state.cfg.access_ttl,
        refresh_expires_in: state.cfg.refresh_ttl,
        refresh_token,
        token_type: "bearer",
        not_before_policy: 0,
        session_state,
        scope: "profile",
    };
    Reply::json(200, &body).no_store()
}

/// `POST /get-token` (JSON as documented, or a form as public clients send) `{username,password}`.
fn viv_get_token(state: &State, req: &Req) -> Reply {
    let Ok(params) = req.params() else {
        return oauth_error(400, "invalid_request", "Malformed request body");
    };
    let field = |name: &str| params.get(name).map(String::as_str);
    if field("username") != Some(VIV_USERNAME) || field("password") != Some(VIV_PASSWORD) {
        return oauth_error(401, "invalid_grant", "Invalid Auth details");
    }
    viv_issue(state, uuid4())
}

/// `POST /refresh-token {refresh_token}` (JSON or form): a new pair in the same session. The
/// refresh token rotates and the old one dies at once (Keycloak with *Revoke Refresh Token*
/// on), so of concurrent refreshes with one token exactly one wins.
fn viv_refresh(state: &State, req: &Req) -> Reply {
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
            viv_issue(state, session_state)
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

// ---------------------------------------------------------------------------------------
// Demo resource and entry point
// ---------------------------------------------------------------------------------------

/// `GET /api/things`: a protected resource accepting any provider's valid access token
/// (CollectiveAccess's refresh JWT too, since the real server cannot tell them apart). The
/// scheme must be `Bearer` with a capital B, the strictest real server's rule (wire-notes §0.1).
fn things(state: &State, req: &Req) -> Reply {
    let token = req.bearer(true).unwrap_or_default();
    let accept = |g: &Grant| g.kind == Kind::Access || g.provider == Provider::CollectiveAccess;
    match state.lookup(token, accept) {
        Lookup::Valid(grant) => Reply::json(
            200,
            &json!({"things": ["alpha", "beta"], "user": grant.subject}),
        ),
        Lookup::Expired | Lookup::Unknown => Reply::json(401, &json!({"error": "invalid_token"}))
            .header("WWW-Authenticate", r#"Bearer error="invalid_token""#),
    }
}

fn main() {
    let cfg = match parse_args(std::env::args().skip(1)) {
        Ok(cfg) => cfg,
        Err(message) => {
            eprintln!("mock_server: {message}\n{USAGE}");
            std::process::exit(2);
        }
    };
    let server = match tiny_http::Server::http(("127.0.0.1", cfg.port)) {
        Ok(server) => Arc::new(server),
        Err(e) => {
            eprintln!("mock_server: cannot listen on 127.0.0.1:{}: {e}", cfg.port);
            std::process::exit(1);
        }
    };
    let port = server.server_addr().to_ip().map_or(cfg.port, |a| a.port());
    let state = Arc::new(State {
        cfg: cfg.clone(),
        host: format!("127.0.0.1:{port}"),
        store: Mutex::new(Store::default()),
        stats: Stats::default(),
    });
    let workers: Vec<_> = (0..cfg.threads)
        .map(|_| {
            let (server, state) = (Arc::clone(&server), Arc::clone(&state));
            thread::spawn(move || serve(&server, &state))
        })
        .collect();

    let mut stdout = io::stdout().lock();
    let _ = writeln!(
        stdout,
        "{}",
        json!({"url": format!("http://127.0.0.1:{port}")})
    );
    let _ = stdout.flush();
    drop(stdout);

    if cfg.watch_stdin {
        // EOF (or an error) on stdin means the parent is gone or done with us.
        let _ = io::copy(&mut io::stdin().lock(), &mut io::sink());
        std::process::exit(0);
    }
    for worker in workers {
        let _ = worker.join();
    }
}
