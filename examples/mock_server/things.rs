//! `GET /api/things`, the demo's protected resource: it accepts any API's valid access
//! token (CollectiveAccess's refresh JWT too, since the real server cannot tell the two
//! apart). The scheme must be `Bearer` with a capital B, the strictest real server's rule.

use serde_json::json;
use tiny_http::Method;

use crate::http::{Reply, Req};
use crate::state::{Grant, Kind, Lookup, Provider, State};

/// Answers `/api/things`, `None` for any other path.
pub fn route(state: &State, req: &Req) -> Option<Reply> {
    if req.path != "/api/things" {
        return None;
    }
    if req.method != Method::Get {
        return Some(Reply::method_not_allowed("GET"));
    }
    let token = req.bearer(true).unwrap_or_default();
    let accept = |g: &Grant| g.kind == Kind::Access || g.provider == Provider::CollectiveAccess;
    Some(match state.lookup(token, accept) {
        Lookup::Valid(grant) => Reply::json(
            200,
            &json!({"things": ["alpha", "beta"], "user": grant.subject}),
        ),
        Lookup::Expired | Lookup::Unknown => Reply::json(401, &json!({"error": "invalid_token"}))
            .header("WWW-Authenticate", r#"Bearer error="invalid_token""#),
    })
}
