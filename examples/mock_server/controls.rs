//! The test controls under `/__`: counters for tests and benchmarks, token lifetimes
//! changed at run time, and outages. They are never counted as API requests and are
//! never affected by an outage.
//!
//! To add a control: add its path to [`route`] and, when it changes how the APIs answer,
//! keep the setting in [`State`] (a field with interior mutability).

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde::Serialize;
use serde_json::json;
use tiny_http::Method;

use crate::http::{Reply, Req, parse_form};
use crate::state::State;

/// An outage set by `POST /__outage`.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Outage {
    /// The status every API request is answered with.
    pub status: u16,
    /// How many more requests fail; `None` until `DELETE /__outage`.
    pub remaining: Option<u64>,
    /// Seconds for a `Retry-After` header, if any.
    pub retry_after: Option<u64>,
}

/// Answers the `/__` paths, `None` for any other.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    let stats = &state.stats;
    Some(match (&req.method, req.path.as_str()) {
        (Method::Get, "/__stats") => Reply::json(200, &stats.snapshot(false)),
        (Method::Post, "/__reset") => Reply::json(200, &stats.snapshot(true)),
        (Method::Post, "/__ttl") => set_ttl(state, req),
        (Method::Post, "/__outage") => start_outage(state, req),
        (Method::Delete, "/__outage") => {
            let ended = state.outage().take();
            Reply::json(200, &json!({ "ended": ended }))
        }
        (_, "/__stats" | "/__ttl") => Reply::method_not_allowed("GET"),
        (_, "/__reset") => Reply::method_not_allowed("POST"),
        (_, "/__outage") => Reply::method_not_allowed("POST, DELETE"),
        _ => return None,
    })
}

/// The answer an outage gives instead of the API's, counting it down.
pub fn outage_reply(state: &State) -> Option<Reply> {
    let mut guard = state.outage();
    let outage = (*guard)?;
    match outage.remaining {
        Some(0) => {
            *guard = None;
            return None;
        }
        Some(n) => guard.as_mut()?.remaining = Some(n - 1),
        None => {}
    }
    drop(guard);
    let reply = Reply::json(outage.status, &json!({"error": "outage"}));
    Some(match outage.retry_after {
        Some(secs) => reply.header("Retry-After", secs.to_string()),
        None => reply,
    })
}

/// `POST /__ttl?access=SECS&refresh=SECS`: lifetimes of tokens issued from now on; either
/// may be left out. Answers the lifetimes now in force.
fn set_ttl(state: &State, req: &Req) -> Reply {
    let query = parse_form(&req.query);
    let (access, refresh) = match (number(&query, "access"), number(&query, "refresh")) {
        (Ok(access), Ok(refresh)) => (access, refresh),
        (Err(key), _) | (_, Err(key)) => return bad_param(key),
    };
    for (value, slot) in [(access, &state.access_ttl), (refresh, &state.refresh_ttl)] {
        if let Some(secs) = value {
            slot.store(secs, Ordering::Relaxed);
        }
    }
    let ttl = json!({"access": state.access_ttl(), "refresh": state.refresh_ttl()});
    Reply::json(200, &ttl)
}

/// `POST /__outage?status=503&count=N&retry_after=S`: the next `count` API requests (all,
/// until `DELETE /__outage`, when `count` is left out) are answered with `status` (default
/// 503) and a `{"error":"outage"}` body, with `Retry-After: S` when given.
fn start_outage(state: &State, req: &Req) -> Reply {
    let query = parse_form(&req.query);
    let parsed = || -> Result<Outage, &'static str> {
        let status = match number(&query, "status")? {
            None => 503,
            Some(status @ 100..=599) => status as u16,
            Some(_) => return Err("status"),
        };
        Ok(Outage {
            status,
            remaining: number(&query, "count")?,
            retry_after: number(&query, "retry_after")?,
        })
    };
    match parsed() {
        Ok(outage) => {
            *state.outage() = Some(outage);
            Reply::json(200, &json!({ "outage": outage }))
        }
        Err(key) => bad_param(key),
    }
}

/// An optional whole-number query parameter; `Err(key)` when it is not a number.
fn number(query: &HashMap<String, String>, key: &'static str) -> Result<Option<u64>, &'static str> {
    query
        .get(key)
        .map(|value| value.parse::<u64>().map_err(|_| key))
        .transpose()
}

fn bad_param(key: &str) -> Reply {
    Reply::json(400, &json!({"error": "bad_request", "param": key}))
}
