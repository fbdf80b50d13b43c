//! `tokctl info`: a profile's configuration and token state. Works on an
//! expired token (reports it, exit 0). Token values only with `--show-tokens`.

use crate::cli::{InfoArgs, value_name};
use crate::ctx::Ctx;
use crate::error::printable;
use crate::providers;
use crate::providers::kind::ProviderName;
use crate::session::Session;
use crate::token::{RefreshExpiry, decode_jwt, human_span, now, rfc3339};
use serde_json::{Map, Value, json};

/// Shows the profile and its token state.
pub fn run(ctx: &Ctx, args: &InfoArgs) -> anyhow::Result<u8> {
    let session = Session::open(ctx)?;
    let p = session.profile();
    let provider = session.provider()?;
    let state = session.state()?;
    let (s, rec, access) = (&state.secrets, &state.record, &state.access);
    let at = now();

    let mut v = Map::new();
    v.insert("profile".into(), json!(session.name()));
    v.insert("provider".into(), json!(p.provider.to_string()));
    if let ProviderName::Defined(kind) = &p.provider {
        let file = providers::defined::path(&ctx.providers_dir, kind);
        v.insert("definition".into(), json!(file.display().to_string()));
    }
    let endpoints: Map<String, Value> = provider
        .endpoints()
        .into_iter()
        .map(|(k, u)| (k.to_string(), json!(u)))
        .collect();
    v.insert("endpoints".into(), Value::Object(endpoints));
    v.insert(
        "user".into(),
        json!(
            rec.user
                .as_ref()
                .and_then(|u| u.label())
                .or(p.username.as_deref())
        ),
    );
    if let Some(u) = &rec.user {
        v.insert("user_details".into(), serde_json::to_value(u)?);
    }
    v.insert("store".into(), json!(session.store().name()));
    if let Some(c) = &p.oauth.client_id {
        v.insert("client_id".into(), json!(c));
    }
    if let Some(f) = &p.oauth.flow {
        v.insert("flow".into(), json!(value_name(f)));
    }
    v.insert("logged_in".into(), json!(access.is_some()));
    if let Some(t) = &access {
        v.insert("token_type".into(), json!(t.token_type));
        v.insert("obtained_at".into(), json!(rfc3339(t.obtained_at)));
        v.insert("expires_at".into(), json!(t.expires_at.map(rfc3339)));
        v.insert("expires_in".into(), json!(t.remaining(at)));
        v.insert(
            "expired".into(),
            json!(t.expires_at.is_some_and(|e| e <= at)),
        );
    }
    v.insert("refresh_token".into(), json!(s.refresh_token.is_some()));
    if s.refresh_token.is_some() {
        v.insert(
            "refresh_expires_at".into(),
            match s.refresh_expiry {
                RefreshExpiry::Never => json!("never"),
                RefreshExpiry::At(t) => json!(rfc3339(t)),
                RefreshExpiry::Unknown => Value::Null,
            },
        );
    }
    v.insert(
        "saved_credentials".into(),
        json!(s.password.is_some() || s.client_secret.is_some()),
    );
    let scope = rec
        .scope
        .clone()
        .or_else(|| (!p.oauth.scopes.is_empty()).then(|| p.oauth.scopes.join(" ")));
    v.insert("scope".into(), json!(scope));
    let audiences = super::audiences(ctx, session.name());
    if !audiences.is_empty() {
        v.insert("audiences".into(), Value::Array(audiences));
    }
    if let Some(jwt) = access.as_ref().and_then(|t| decode_jwt(t.token.expose())) {
        v.insert(
            "access_token_jwt".into(),
            json!({"header": jwt.header, "claims": jwt.claims}),
        );
    }
    if let Some(rt) = &s.refresh_token
        && let Some(jwt) = decode_jwt(rt.expose())
    {
        // Keycloak's refresh JWT says `typ: Offline` for offline tokens.
        v.insert("refresh_token_typ".into(), json!(jwt.claims.get("typ")));
    }
    if let Some(jwt) = s.id_token.as_ref().and_then(|t| decode_jwt(t.expose())) {
        v.insert(
            "id_token_jwt".into(),
            json!({"header": jwt.header, "claims": jwt.claims}),
        );
    }
    if args.show_tokens {
        v.insert(
            "access_token".into(),
            json!(access.as_ref().map(|t| t.token.expose())),
        );
        v.insert(
            "refresh_token_value".into(),
            json!(s.refresh_token.as_ref().map(|t| t.expose())),
        );
        v.insert(
            "id_token".into(),
            json!(s.id_token.as_ref().map(|t| t.expose())),
        );
    }
    if args.remote {
        let remote = session.remote_info(provider.as_ref(), &state)?;
        v.insert("remote".into(), remote);
    }
    let out = if args.json {
        format!("{}\n", serde_json::to_string_pretty(&Value::Object(v))?)
    } else {
        render_text(&v)
    };
    super::print_stdout(&out)?;
    Ok(0)
}

/// The order of the human form: who and where first, then the token, then
/// the bulky decoded JWTs. (The JSON map itself is sorted by key, which put
/// `access_token_jwt` above `profile`.) Keys not listed follow, sorted.
const TEXT_ORDER: &[&str] = &[
    "profile",
    "provider",
    "definition",
    "user",
    "user_details",
    "store",
    "endpoints",
    "client_id",
    "flow",
    "logged_in",
    "token_type",
    "obtained_at",
    "expires_at",
    "expires_in",
    "expired",
    "refresh_token",
    "refresh_expires_at",
    "refresh_token_typ",
    "saved_credentials",
    "scope",
    "audiences",
    "access_token_jwt",
    "id_token_jwt",
    "access_token",
    "refresh_token_value",
    "id_token",
    "remote",
];

/// The human form: aligned `key: value` lines, JSON for nested values.
fn render_text(v: &Map<String, Value>) -> String {
    let mut out = String::new();
    // Wide enough for the longest key, "refresh expires at:".
    let mut line = |k: &str, val: String| out.push_str(&format!("{:<20} {val}\n", format!("{k}:")));
    let listed = TEXT_ORDER.iter().filter_map(|k| v.get_key_value(*k));
    let rest = v.iter().filter(|(k, _)| !TEXT_ORDER.contains(&k.as_str()));
    for (k, val) in listed.chain(rest) {
        let text = match (k.as_str(), val) {
            ("expires_in", Value::Number(n)) => {
                let s = n.as_i64().unwrap_or(0);
                if s > 0 {
                    human_span(s)
                } else {
                    format!("expired {} ago", human_span(s))
                }
            }
            ("endpoints", Value::Object(m)) => m
                .iter()
                .map(|(n, u)| format!("{n} {}", printable(u.as_str().unwrap_or(""))))
                .collect::<Vec<_>>()
                .join(", "),
            (_, Value::String(s)) => printable(s),
            (_, Value::Null) => "-".into(),
            // JSON escapes C0 controls but not DEL or C1 (CSI is U+009B).
            (_, Value::Object(_)) => serde_json::to_string_pretty(val)
                .unwrap_or_default()
                .lines()
                .map(printable)
                .collect::<Vec<_>>()
                .join("\n                     "),
            (_, other) => other.to_string(),
        };
        line(&k.replace('_', " "), text.trim_end().to_string());
    }
    out
}
