//! What came back: the status, the body read whole, and when it was sent;
//! the readers for the error bodies servers send, and the `Date` header
//! that corrects for the server's clock.

use crate::error::{Failure, remote, sanitize};
use serde_json::Value;

/// A response, read whole (auth responses are small). Its body holds
/// tokens, so `Debug` shows only the status and the body's size.
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    pub(super) body: Vec<u8>,
    pub(super) content_type: String,
    /// When the request was sent (local clock): `expires_in` counts from here.
    pub sent_at: i64,
    /// Server clock minus local clock, from the `Date` header (0 when absent).
    pub clock_offset: i64,
    /// The `Retry-After` the server sent (at most an hour).
    pub retry_after: Option<std::time::Duration>,
    /// A provider's own error-body shape, read after the standard ones.
    pub(super) shape: Option<ErrorShape>,
}

/// Reads the error text of a provider's own error-body shape (sanitized).
pub type ErrorShape = fn(&Value) -> Option<String>;

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

impl Response {
    /// Whether the status is 2xx.
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The body as JSON, or exit 4 describing what came instead.
    pub fn json(&self, what: &str) -> Result<Value, Failure> {
        serde_json::from_slice(&self.body).map_err(|_| {
            remote(format!(
                "{what}: the server answered HTTP {} with {} instead of JSON",
                self.status,
                self.describe_body()
            ))
        })
    }

    /// A short description of a body that is not what was expected.
    pub fn describe_body(&self) -> &'static str {
        let head =
            String::from_utf8_lossy(&self.body[..self.body.len().min(512)]).to_ascii_lowercase();
        if self.body.iter().all(u8::is_ascii_whitespace) {
            "an empty body"
        } else if self.content_type.contains("html")
            || head.contains("<html")
            || head.contains("<!doctype")
        {
            "an HTML page"
        } else if serde_json::from_slice::<Value>(&self.body).is_ok() {
            "unexpected JSON"
        } else {
            "a body that is not JSON"
        }
    }

    /// Reads this response's error body with a provider's own shape too
    /// (after the standard ones), e.g. GraphQL's `errors[].message`.
    pub fn with_error_shape(mut self, shape: ErrorShape) -> Self {
        self.shape = Some(shape);
        self
    }

    /// The server's own error text, from whichever of the standard shapes
    /// the body has (see [`error_text`]), else the provider's own.
    pub fn error_text(&self) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        error_text(&v).or_else(|| self.shape.and_then(|read| read(&v)))
    }

    /// A short plain-text body (e.g. `Too many failed attempts`), sanitized.
    /// Bodies that look like markup or broken JSON are never quoted: an HTML
    /// page must not reach the terminal, and a truncated token response could
    /// carry a token.
    pub fn plain_text(&self) -> Option<String> {
        const MAX: usize = 200;
        let text = std::str::from_utf8(&self.body).ok()?.trim();
        let quotable = !text.is_empty()
            && text.len() <= MAX
            && !text.contains('<')
            && !text.starts_with(['{', '['])
            && serde_json::from_str::<Value>(text).is_err();
        quotable.then(|| sanitize(text))
    }

    /// The server's own words: [`Response::error_text`], else [`Response::plain_text`].
    pub fn server_text(&self) -> Option<String> {
        self.error_text().or_else(|| self.plain_text())
    }

    /// The OAuth `error` code, if the body has one.
    pub fn oauth_error(&self) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        v.get("error")?.as_str().map(str::to_string)
    }

    /// "HTTP 500: <server text>" or "HTTP 502 with an HTML page".
    pub fn status_summary(&self) -> String {
        match self.server_text() {
            Some(t) => format!("HTTP {}: {t}", self.status),
            None if self.body.is_empty() => format!("HTTP {}", self.status),
            None => format!("HTTP {} with {}", self.status, self.describe_body()),
        }
    }
}

/// The error text of the standard JSON error bodies, sanitized and joined:
/// OAuth's `error_description`/`error` (RFC 6749 §5.2), JSON:API's
/// `errors[].detail` or `title` (MakeShift's `{errors: [{title}]}` is this
/// shape too), a bare `message`.
pub fn error_text(v: &Value) -> Option<String> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(d) = s(v, "error_description").filter(|d| !d.is_empty()) {
        return Some(sanitize(&d));
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let texts: Vec<String> = errors
            .iter()
            .filter_map(|e| s(e, "detail").or_else(|| s(e, "title")))
            .map(|t| sanitize(&t))
            .collect();
        if !texts.is_empty() {
            return Some(texts.join("; "));
        }
    }
    s(v, "error")
        .or_else(|| s(v, "message"))
        .map(|t| sanitize(&t))
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
pub(super) fn httpdate_to_unix(s: &str) -> Option<i64> {
    let t = humantime::parse_rfc3339(&imf_to_rfc3339(s)?).ok()?;
    t.duration_since(std::time::UNIX_EPOCH)
        .ok()
        .map(|d| d.as_secs() as i64)
}

fn imf_to_rfc3339(s: &str) -> Option<String> {
    let parts: Vec<&str> = s.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts.as_slice() else {
        return None;
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|x| x == mon)? + 1;
    Some(format!("{year}-{m:02}-{:0>2}T{time}Z", day))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_shapes() {
        let cases = [
            (
                r#"{"error":"invalid_grant","error_description":"Token is not active"}"#,
                "Token is not active",
            ),
            (
                r#"{"errors":[{"status":"401","detail":"Missing or invalid jwt","title":"Invalid JWT"}]}"#,
                "Missing or invalid jwt",
            ),
            (
                r#"{"errors":[{"title":"Token is invalid.","status_code":401}]}"#,
                "Token is invalid.",
            ),
            (r#"{"error":"invalid_request"}"#, "invalid_request"),
        ];
        for (body, want) in cases {
            let v: Value = serde_json::from_str(body).unwrap();
            assert_eq!(error_text(&v).as_deref(), Some(want), "{body}");
        }
        assert_eq!(error_text(&serde_json::json!({"a":1})), None);
    }

    #[test]
    fn http_date() {
        assert_eq!(
            httpdate_to_unix("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(784111777)
        );
        assert_eq!(httpdate_to_unix("garbage"), None);
    }

    #[test]
    fn describes_html() {
        let r = Response {
            status: 502,
            body: b"<html><body>Bad gateway</body></html>".to_vec(),
            content_type: "text/html".into(),
            sent_at: 0,
            clock_offset: 0,
            retry_after: None,
            shape: None,
        };
        assert_eq!(r.status_summary(), "HTTP 502 with an HTML page");
        assert!(r.json("login").unwrap_err().message().contains("HTML page"));
    }

    #[test]
    fn quotes_short_plain_text_only() {
        let r = |body: &str, ct: &str| Response {
            status: 429,
            body: body.as_bytes().to_vec(),
            content_type: ct.into(),
            sent_at: 0,
            clock_offset: 0,
            retry_after: None,
            shape: None,
        };
        // Express sends plain strings as text/html.
        assert_eq!(
            r("Too many failed attempts", "text/html; charset=utf-8").status_summary(),
            "HTTP 429: Too many failed attempts"
        );
        for unquotable in [
            "<p>Too many</p>",
            r#"{"access_token":"abc"#,
            "\"a json string\"",
            &"x".repeat(201),
        ] {
            assert_eq!(
                r(unquotable, "text/plain").plain_text(),
                None,
                "{unquotable}"
            );
        }
    }
}
