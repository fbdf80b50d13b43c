//! `tokctl profiles`: one row per profile, from the profile file and the
//! cache files only, so listing never waits on a keychain.

use crate::cli::{ProfilesArgs, value_name};
use crate::ctx::Ctx;
use crate::error::printable;
use crate::store::cache::{CacheRecord, Renewal};
use crate::token::{human_span, now};
use serde_json::{Value, json};

/// A token with less than this left is shown as `expiring`.
const EXPIRING: i64 = 5 * 60;

/// Lists the profiles.
pub fn run(ctx: &Ctx, args: &ProfilesArgs) -> anyhow::Result<u8> {
    let cfg = ctx.load_config()?;
    let cache = ctx.cache();
    let at = now();
    let default = cfg.default_name().map(str::to_string);
    let mut rows = Vec::new();
    for name in cfg.names() {
        let p = cfg.profile(&name)?;
        let rec = cache.read(&name);
        let (state, left) = state(rec.as_ref(), at);
        rows.push(json!({
            "name": name,
            "default": default.as_deref() == Some(name.as_str()),
            "provider": p.provider.to_string(),
            "user": rec.as_ref().and_then(|r| r.user.as_ref()).and_then(|u| u.label()).or(p.username.as_deref()),
            "store": value_name(&ctx.store_kind(&p)),
            "state": state,
            "expires_in": left,
            "audiences": super::audiences(ctx, &name).iter().map(|a| a["for"].clone()).collect::<Vec<_>>(),
        }));
    }
    let out = if args.json {
        format!("{}\n", Value::Array(rows))
    } else {
        table(&rows)
    };
    super::print_stdout(&out)?;
    Ok(0)
}

/// The state word and seconds left.
fn state(rec: Option<&CacheRecord>, at: i64) -> (&'static str, Option<i64>) {
    let Some(rec) = rec else {
        return ("logged out", None);
    };
    let left = rec.expires_at.map(|e| e - at);
    let renewable = rec.renewal != Renewal::None && !rec.refresh_expiry.expired_at(at);
    let state = match left {
        None => "valid",
        Some(l) if l > EXPIRING => "valid",
        Some(l) if l > 0 => "expiring",
        Some(_) if renewable => "refreshable",
        Some(_) => "expired",
    };
    (state, left)
}

fn table(rows: &[Value]) -> String {
    // The narrowed tokens get a column only when some profile has one.
    let audiences = |r: &Value| -> Vec<String> {
        r["audiences"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let with_audiences = rows.iter().any(|r| !audiences(r).is_empty());
    let mut header = vec!["NAME", "PROVIDER", "USER", "STORE", "STATE", "EXPIRES IN"];
    if with_audiences {
        header.push("ALSO CACHED FOR");
    }
    let mut cells: Vec<Vec<String>> = vec![header.iter().map(|h| h.to_string()).collect()];
    for r in rows {
        let s = |k: &str| printable(r[k].as_str().unwrap_or("-"));
        let name = if r["default"] == true {
            format!("{}*", s("name"))
        } else {
            s("name")
        };
        let left = match r["expires_in"].as_i64() {
            Some(l) if l > 0 => human_span(l),
            Some(_) => "expired".to_string(),
            None => "-".to_string(),
        };
        let mut row = vec![name, s("provider"), s("user"), s("store"), s("state"), left];
        if with_audiences {
            row.push(audiences(r).join("; "));
        }
        cells.push(row);
    }
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            cells
                .iter()
                .map(|c| c[i].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for c in &cells {
        let line: Vec<String> = c
            .iter()
            .zip(&widths)
            .map(|(v, w)| format!("{v:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::token::RefreshExpiry;

    fn rec(expires_at: Option<i64>, renewal: Renewal) -> CacheRecord {
        CacheRecord {
            expires_at,
            renewal,
            ..Default::default()
        }
    }

    #[test]
    fn states() {
        assert_eq!(state(None, 0).0, "logged out");
        assert_eq!(state(Some(&rec(Some(1000), Renewal::None)), 0).0, "valid");
        assert_eq!(state(Some(&rec(Some(100), Renewal::None)), 0).0, "expiring");
        assert_eq!(
            state(Some(&rec(Some(0), Renewal::Refresh)), 10).0,
            "refreshable"
        );
        assert_eq!(state(Some(&rec(Some(0), Renewal::None)), 10).0, "expired");
        let mut dead = rec(Some(0), Renewal::Refresh);
        dead.refresh_expiry = RefreshExpiry::At(5);
        assert_eq!(state(Some(&dead), 10).0, "expired");
        assert_eq!(state(Some(&rec(None, Renewal::None)), 10).0, "valid");
    }
}
