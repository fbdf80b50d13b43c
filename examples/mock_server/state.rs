//! What the mock remembers: the tokens it issued, its counters and its controls, plus
//! the token-minting helpers every API module uses.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::thread;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use crate::cli::Config;
use crate::controls::Outage;
use crate::http::Reply;

/// The usual JWT header. Written out because serde_json sorts object keys and some
/// servers (CollectiveAccess) put `typ` first.
pub const HS256_HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

/// Which API issued a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    RealMassive,
    CollectiveAccess,
    MakeShift,
    Vivacity,
}

/// Access or refresh token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Access,
    Refresh,
}

/// What the server remembers about one token it issued.
#[derive(Debug, Clone)]
pub struct Grant {
    pub provider: Provider,
    pub kind: Kind,
    /// Who the token belongs to, as `/api/things` reports it.
    pub subject: &'static str,
    /// Expiry in Unix milliseconds; the token is valid while `now < exp_ms` (no leeway).
    pub exp_ms: u64,
    pub created_s: u64,
    /// JWT claims, kept for CollectiveAccess whose refresh re-signs the presented claims.
    pub claims: Value,
}

/// Outcome of looking a presented token up.
pub enum Lookup {
    Valid(Grant),
    Expired,
    Unknown,
}

/// Issued tokens. Expired ones are kept for an hour so that they can still be told apart
/// from garbage (CollectiveAccess answers 401 for expired, 500 for garbage), then pruned so
/// that long benchmarks don't grow memory without bound.
#[derive(Default)]
pub struct Store {
    grants: HashMap<String, Grant>,
    inserts: u64,
}

impl Store {
    pub fn insert(&mut self, token: String, grant: Grant) {
        self.inserts += 1;
        if self.inserts.is_multiple_of(4096) {
            let cutoff = now_ms().saturating_sub(3_600_000);
            self.grants.retain(|_, g| g.exp_ms > cutoff);
        }
        self.grants.insert(token, grant);
    }

    /// Finds `token` among the grants that `accept` admits.
    pub fn lookup(&self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        match self.grants.get(token) {
            Some(g) if accept(g) && now_ms() < g.exp_ms => Lookup::Valid(g.clone()),
            Some(g) if accept(g) => Lookup::Expired,
            _ => Lookup::Unknown,
        }
    }

    /// Like `lookup`, but a valid token is removed in the same critical section, so that of
    /// concurrent refreshes with one rotating refresh token exactly one wins.
    pub fn take(&mut self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        let found = self.lookup(token, accept);
        if matches!(found, Lookup::Valid(_)) {
            self.grants.remove(token);
        }
        found
    }
}

/// Counters for tests and benchmarks (`GET /__stats`).
#[derive(Default)]
pub struct Stats {
    pub login: AtomicU64,
    pub refresh: AtomicU64,
    pub requests: AtomicU64,
    pub server_time_us: AtomicU64,
}

impl Stats {
    pub fn snapshot(&self, reset: bool) -> Value {
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
pub struct State {
    pub cfg: Config,
    /// `127.0.0.1:PORT`, used as the JWT issuer and audience.
    pub host: String,
    pub store: Mutex<Store>,
    pub stats: Stats,
    /// Lifetimes of newly issued tokens in seconds: `--access-ttl` / `--refresh-ttl`
    /// until `POST /__ttl` changes them.
    pub access_ttl: AtomicU64,
    pub refresh_ttl: AtomicU64,
    /// Set by `POST /__outage`: API requests get this answer instead.
    pub outage: Mutex<Option<Outage>>,
}

impl State {
    /// A fresh state for the server listening on `host`.
    pub fn new(cfg: Config, host: String) -> State {
        State {
            access_ttl: AtomicU64::new(cfg.access_ttl),
            refresh_ttl: AtomicU64::new(cfg.refresh_ttl),
            cfg,
            host,
            store: Mutex::default(),
            stats: Stats::default(),
            outage: Mutex::default(),
        }
    }

    /// Lifetime of an access token issued now, in seconds (MakeShift's too).
    pub fn access_ttl(&self) -> u64 {
        self.access_ttl.load(Ordering::Relaxed)
    }

    /// Lifetime of a refresh token issued now, in seconds.
    pub fn refresh_ttl(&self) -> u64 {
        self.refresh_ttl.load(Ordering::Relaxed)
    }

    /// The outage setting; like the store, it survives a panicking handler.
    pub fn outage(&self) -> MutexGuard<'_, Option<Outage>> {
        self.outage.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The token map; a panic elsewhere must not take the whole mock down.
    pub fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Keeps a newly issued token.
    pub fn remember(&self, token: &str, grant: Grant) {
        self.store().insert(token.to_owned(), grant);
    }

    /// What is known about `token`, among the grants `accept` admits.
    pub fn lookup(&self, token: &str, accept: impl Fn(&Grant) -> bool) -> Lookup {
        self.store().lookup(token, accept)
    }

    /// Mints a JWT with the given header and claims (plus `iat`/`exp` supplied by the
    /// caller) and remembers it.
    pub fn mint_jwt(&self, header: &str, claims: Value, grant: Grant) -> String {
        let token = jwt(header, &claims);
        self.remember(&token, Grant { claims, ..grant });
        token
    }

    /// Runs a login or refresh handler: counts it, adds the artificial latency and adds
    /// the elapsed time to `server_time_us`.
    pub fn timed(&self, counter: &AtomicU64, handler: impl FnOnce() -> Reply) -> Reply {
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

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

pub fn now_s() -> u64 {
    now_ms() / 1000
}

pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).expect("the OS random number generator failed");
    bytes
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// A random version-4 UUID, for refresh tokens, `jti` and Keycloak's `session_state`.
pub fn uuid4() -> String {
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
pub fn jwt(header: &str, claims: &Value) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(header),
        URL_SAFE_NO_PAD.encode(claims.to_string()),
        URL_SAFE_NO_PAD.encode(random_bytes::<32>()),
    )
}
