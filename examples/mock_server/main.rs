//! Local mock of the four bespoke token APIs that tokctl speaks (RealMassive,
//! CollectiveAccess, MakeShift, Vivacity), for the demo, the test suite and benchmarks.
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
//! The answers follow what the real servers send (see `docs/providers/`): status codes,
//! error bodies and key order, CollectiveAccess's "200 with `jwt:null`" for a wrong
//! password and its refresh that keeps the refresh token's `exp`, Vivacity's rotated
//! refresh tokens, MakeShift's missing `expires_in`. Access tokens are JWT-shaped with a
//! random signature: validity is membership in an in-memory map plus `exp`, with zero
//! leeway like php-jwt and Keycloak. Every response is JSON with a `Date` header
//! (tiny_http adds it to every response).
//!
//! One module per API (`realmassive`, `collectiveaccess`, `makeshift`, `vivacity`), each
//! with a `route` function that answers its own paths; `http` is the framing they share,
//! `graphql` the little GraphQL reader CollectiveAccess needs, `state` the issued tokens,
//! `controls` the `/__` endpoints. To add an API, write its module with a `route` and add
//! it to [`APIS`]; to add a control, see `controls.rs`.
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
//! | `POST /__ttl?access=S&refresh=S` | 200, 400: lifetimes of tokens issued from now on |
//! | `POST /__outage?status=503&count=N&retry_after=S` | 200, 400: API requests fail with `status` |
//! | `DELETE /__outage` | 200: the outage ends |
//! | anything else | 404, or 405 for a known path with another method |

mod cli;
mod collectiveaccess;
mod controls;
mod graphql;
mod http;
mod makeshift;
mod realmassive;
mod state;
mod things;
mod vivacity;

use std::io::{self, Write};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::thread;

use serde_json::json;

use crate::cli::{USAGE, parse_args};
use crate::http::{Reply, Req, read_request};
use crate::state::State;

/// An API's router: the reply when the path is one of its own, `None` otherwise.
type Route = fn(&State, &Req) -> Option<Reply>;

/// Every API the mock speaks, asked in turn.
const APIS: &[Route] = &[
    realmassive::route,
    collectiveaccess::route,
    makeshift::route,
    vivacity::route,
    things::route,
];

/// Sends each request to the controls or to the API whose path it is.
fn route(state: &State, req: &Req) -> Reply {
    if let Some(reply) = controls::route(state, req) {
        return reply;
    }
    if let Some(reply) = controls::outage_reply(state) {
        return reply;
    }
    APIS.iter()
        .find_map(|api| api(state, req))
        .unwrap_or_else(|| Reply::not_found(&req.path))
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
    let state = Arc::new(State::new(cfg.clone(), format!("127.0.0.1:{port}")));
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
