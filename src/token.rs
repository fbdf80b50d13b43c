//! Tokens as tokctl keeps them: what a provider returns ([`TokenSet`]), the
//! freshness rules, and unverified JWT decoding for `info` and as an expiry
//! fallback.
//!
//! Times are Unix seconds in the local clock. Providers turn the server's
//! relative `expires_in` (counted from when the request was sent) or its
//! absolute times (corrected by the `Date` header offset) into local times
//! before they get here.

use crate::secret::Secret;
use base64::Engine;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Seconds since the Unix epoch, local clock.
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// The longest lifetime believed from a server: a token said to live
/// longer (or a JWT `exp` further away) counts as living this long, so that
/// no absurd number reaches date arithmetic or formatting.
pub const MAX_LIFETIME: i64 = 10 * 365 * 86_400;

/// The last second RFC 3339 can spell with four year digits.
const LAST_RFC3339: i64 = 253_402_300_799;

/// The expiry `secs` after `from` (a server's relative lifetime): clamped to
/// [`MAX_LIFETIME`]; a negative lifetime is already over.
pub fn expiry_after(from: i64, secs: i64) -> i64 {
    from.saturating_add(secs.min(MAX_LIFETIME))
}

/// A server's absolute time (its clock) in ours, clamped to
/// [`MAX_LIFETIME`] from now.
pub fn expiry_at(server_time: i64, clock_offset: i64) -> i64 {
    server_time
        .saturating_sub(clock_offset)
        .min(now().saturating_add(MAX_LIFETIME))
}

/// RFC 3339 (UTC, seconds) for a Unix time.
pub fn rfc3339(t: i64) -> String {
    let st = UNIX_EPOCH + Duration::from_secs(t.clamp(0, LAST_RFC3339) as u64);
    humantime::format_rfc3339_seconds(st).to_string()
}

/// "59m 58s" style, for humans; negative spans are "expired … ago".
pub fn human_span(secs: i64) -> String {
    let d = Duration::from_secs(secs.unsigned_abs());
    humantime::format_duration(d).to_string()
}

/// Who the token belongs to: non-secret details shown by `info` and `profiles`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UserInfo {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

impl UserInfo {
    /// The best single label for the user.
    pub fn label(&self) -> Option<&str> {
        self.email
            .as_deref()
            .or(self.name.as_deref())
            .or(self.id.as_deref())
    }
}

/// When a refresh token stops working.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase", tag = "kind", content = "at")]
pub enum RefreshExpiry {
    /// The server did not say.
    #[default]
    Unknown,
    /// The server said it never expires (Keycloak offline tokens).
    Never,
    /// Expires at this Unix time.
    At(i64),
}

impl RefreshExpiry {
    /// From a refresh token's own JWT `exp`, corrected by the server's clock
    /// offset; `Unknown` for an opaque token.
    pub fn from_jwt(token: &str, clock_offset: i64) -> Self {
        jwt_exp(token).map_or(RefreshExpiry::Unknown, |e| {
            RefreshExpiry::At(expiry_at(e, clock_offset))
        })
    }

    /// Whether the refresh token is known to be dead at `t`.
    pub fn expired_at(self, t: i64) -> bool {
        matches!(self, RefreshExpiry::At(e) if e <= t)
    }
}

/// What a provider returns from a login or a refresh.
#[derive(Debug, Clone)]
pub struct TokenSet {
    /// The bearer token.
    pub access_token: Secret<String>,
    /// The server's `token_type`, as sent (informational; the header is always `Bearer`).
    pub token_type: String,
    /// When it was obtained (local clock).
    pub obtained_at: i64,
    /// When it expires (local clock), if known.
    pub expires_at: Option<i64>,
    /// A refresh token, if the server sent one.
    pub refresh_token: Option<Secret<String>>,
    /// The refresh token's lifetime, if the server said.
    pub refresh_expiry: RefreshExpiry,
    /// An OpenID Connect ID token.
    pub id_token: Option<Secret<String>>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// The user, when the response says who it is.
    pub user: Option<UserInfo>,
}

impl TokenSet {
    /// A set holding only an access token obtained now.
    pub fn bearer(access_token: String) -> Self {
        TokenSet {
            access_token: Secret::new(access_token),
            token_type: "Bearer".into(),
            obtained_at: now(),
            expires_at: None,
            refresh_token: None,
            refresh_expiry: RefreshExpiry::Unknown,
            id_token: None,
            scope: None,
            user: None,
        }
    }

    /// Refuses a set holding a token that could not be printed safely
    /// (exit 4): every token must be visible ASCII (0x21–0x7E) without `"`
    /// or `\`. A CR/LF would inject headers after `Authorization: Bearer`
    /// (and curl turns a config file's escapes back into them), a NUL
    /// cannot go into an environment variable, and a quote or backslash
    /// would end or escape a curl config string. Called before anything of
    /// the set is stored, so the stored tokens stay as they were.
    pub fn check_characters(&self, what: &str) -> Result<(), crate::error::Failure> {
        let tokens = [
            ("access token", Some(&self.access_token)),
            ("refresh token", self.refresh_token.as_ref()),
            ("ID token", self.id_token.as_ref()),
        ];
        for (name, token) in tokens {
            if let Some(t) = token
                && !is_safe_token(t.expose())
            {
                return Err(crate::error::remote(format!(
                    "{what}: the server issued an {name} with characters no token has (control characters, spaces, non-ASCII, quotes or backslashes); refused, the stored tokens are unchanged"
                ))
                .hint("this is the server's fault (or someone tampering with its answers); report it to its operator"));
            }
        }
        Ok(())
    }

    /// Fills `expires_at` from the access token's own `exp` claim when the
    /// response gave no lifetime, correcting by the server clock offset.
    pub fn expiry_from_jwt(&mut self, clock_offset: i64) {
        if self.expires_at.is_none() {
            self.expires_at =
                jwt_exp(self.access_token.expose()).map(|e| expiry_at(e, clock_offset));
        }
    }
}

/// Whether a token is made of visible ASCII only, without `"` or `\`.
pub fn is_safe_token(t: &str) -> bool {
    !t.is_empty()
        && t.bytes()
            .all(|b| (0x21..=0x7e).contains(&b) && b != b'"' && b != b'\\')
}

/// The access token as cached: everything `print-header` needs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AccessToken {
    pub token: Secret<String>,
    pub token_type: String,
    pub obtained_at: i64,
    #[serde(default)]
    pub expires_at: Option<i64>,
}

impl AccessToken {
    /// Whether the token stays valid for at least `min_valid` from `at`.
    /// A token of unknown lifetime counts as valid: only the server knows,
    /// and it will say so with a 401 that the user's script sees.
    pub fn valid_for(&self, min_valid: Duration, at: i64) -> bool {
        match self.expires_at {
            None => true,
            Some(e) => {
                // `--min-valid` of 2^63 s or more must mean "always renew".
                let min = i64::try_from(min_valid.as_secs()).unwrap_or(i64::MAX);
                e.saturating_sub(at) >= min && e > at
            }
        }
    }

    /// Seconds left (negative when expired), if the expiry is known.
    pub fn remaining(&self, at: i64) -> Option<i64> {
        self.expires_at.map(|e| e.saturating_sub(at))
    }
}

/// A decoded, *unverified* JWT.
#[derive(Debug, Clone, PartialEq)]
pub struct Jwt {
    pub header: Value,
    pub claims: Value,
}

/// Decodes a JWT's header and claims without checking the signature; `None`
/// when the token is not a JWT (opaque tokens are normal).
pub fn decode_jwt(token: &str) -> Option<Jwt> {
    let mut parts = token.split('.');
    let (h, c, _sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let part = |s: &str| -> Option<Value> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(s.trim_end_matches('='))
            .ok()?;
        let v: Value = serde_json::from_slice(&bytes).ok()?;
        v.is_object().then_some(v)
    };
    Some(Jwt {
        header: part(h)?,
        claims: part(c)?,
    })
}

/// The `exp` claim of a JWT (number, or a numeric string as some servers send).
pub fn jwt_exp(token: &str) -> Option<i64> {
    claim_i64(&decode_jwt(token)?.claims, "exp")
}

/// A numeric claim that may arrive as a number or a string
/// (docs/providers/README.md, "Loose types").
pub fn claim_i64(claims: &Value, key: &str) -> Option<i64> {
    match claims.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tok(expires_at: Option<i64>) -> AccessToken {
        AccessToken {
            token: Secret::new("t".into()),
            token_type: "bearer".into(),
            obtained_at: 0,
            expires_at,
        }
    }

    #[test]
    fn freshness_math() {
        let t = tok(Some(1000));
        assert!(t.valid_for(Duration::from_secs(60), 900));
        assert!(
            t.valid_for(Duration::from_secs(100), 900),
            "exactly min_valid left is enough"
        );
        assert!(!t.valid_for(Duration::from_secs(101), 900));
        assert!(
            !t.valid_for(Duration::ZERO, 1000),
            "expired at the second of expiry"
        );
        assert!(!t.valid_for(Duration::ZERO, 2000));
        assert!(tok(None).valid_for(Duration::from_secs(3600), 5));
        assert_eq!(t.remaining(1100), Some(-100));
    }

    #[test]
    fn refresh_expiry() {
        assert!(RefreshExpiry::At(10).expired_at(10));
        assert!(!RefreshExpiry::At(10).expired_at(9));
        assert!(!RefreshExpiry::Never.expired_at(i64::MAX));
        assert!(!RefreshExpiry::Unknown.expired_at(i64::MAX));
    }

    // The access token of RealMassive's documented login answer
    // (docs/providers/realmassive.md, "Login").
    const RM: &str = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJyZWFsbWFzc2l2ZSIsInN1YiI6IndheXNwdXJyY2hlbkByZWFsbWFzc2l2ZS5jb20iLCJleHAiOjE0OTYxNzQ1NDh9.ecl9ZMKLAuNFeyzil0cDEs9NEKifGmMSBXA2OJDYhiM";

    #[test]
    fn decodes_documented_jwt() {
        let j = decode_jwt(RM).unwrap();
        assert_eq!(j.header["alg"], "HS256");
        assert_eq!(j.claims["iss"], "realmassive");
        assert_eq!(jwt_exp(RM), Some(1496174548));
    }

    #[test]
    fn non_jwts_are_none() {
        for t in [
            "",
            "c1230734cc726edc6ae0f8fd00b279dc67f34937d7b8fa8fe5b13a232c11a04b",
            "a.b.c",
            "a.b",
            "e30.e30.x.y",
            "!!!.???.sig",
            "WzFd.WzFd.sig", // arrays, not objects
            "d2F5c3B1cnJjaGVuQHJlYWxtYXNzaXZlLmNvbXxmNmJhZDVjYy00NDNjLTQxOGMtYWNkNy0zZjljYTM0OTRmNGQ=",
        ] {
            assert_eq!(decode_jwt(t), None, "{t}");
        }
        assert!(
            decode_jwt("e30.e30.").is_some(),
            "empty objects and no signature still decode"
        );
    }

    #[test]
    fn string_claims() {
        let v: Value = serde_json::json!({"exp": "1700000000", "id": "2", "f": 1.5e9});
        assert_eq!(claim_i64(&v, "exp"), Some(1_700_000_000));
        assert_eq!(claim_i64(&v, "f"), Some(1_500_000_000));
        assert_eq!(claim_i64(&v, "nope"), None);
    }

    #[test]
    fn expiry_from_jwt_corrects_clock_offset() {
        let mut ts = TokenSet::bearer(RM.into());
        // The server's clock is 100 s ahead of ours.
        ts.expiry_from_jwt(100);
        assert_eq!(ts.expires_at, Some(1496174548 - 100));
    }

    #[test]
    fn unsafe_token_characters_are_refused() {
        for bad in [
            "a\r\nHost: x",
            "a b",
            "a\0",
            "tök",
            "a\"b",
            "a\\b",
            "a\tb",
            "\x7f",
        ] {
            assert!(!is_safe_token(bad), "{bad:?}");
            let mut ts = TokenSet::bearer("ok".into());
            ts.id_token = Some(Secret::new(bad.into()));
            let e = ts.check_characters("login").unwrap_err();
            assert_eq!(e.kind, crate::error::Kind::Remote);
            assert!(e.message().contains("ID token"));
        }
        assert!(is_safe_token(RM));
        assert!(is_safe_token("!#$%&'()*+,-./:;<=>?@[]^_`{|}~"));
        TokenSet::bearer(RM.into()).check_characters("x").unwrap();
    }

    #[test]
    fn absurd_numbers_are_clamped_not_wrapped() {
        let t = now();
        assert_eq!(expiry_after(t, i64::MAX), t + MAX_LIFETIME);
        assert_eq!(expiry_after(t, -100), t - 100, "already expired");
        assert_eq!(expiry_after(i64::MAX, 5), i64::MAX);
        assert!(expiry_at(i64::MAX, -5) <= t + MAX_LIFETIME + 1);
        assert_eq!(rfc3339(i64::MAX), "9999-12-31T23:59:59Z");
        assert_eq!(rfc3339(i64::MIN), "1970-01-01T00:00:00Z");
        let forever = tok(Some(MAX_LIFETIME));
        assert!(!forever.valid_for(Duration::from_secs(u64::MAX), 0));
        assert!(!tok(Some(i64::MIN)).valid_for(Duration::ZERO, i64::MAX));
        assert_eq!(tok(Some(i64::MIN)).remaining(i64::MAX), Some(i64::MIN));
        let _ = human_span(i64::MIN);
    }

    #[test]
    fn rfc3339_format() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(human_span(3661), "1h 1m 1s");
    }
}
