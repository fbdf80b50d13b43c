//! The one HTTP client, and the plumbing every provider shares.
//!
//! The client (rustls, system roots plus `--cacert`) is built on first use,
//! so commands that find a fresh token never pay for it. Plain `http://` is
//! refused except to loopback hosts. Transport failures become exit 4 here;
//! what an HTTP status *means* is for the provider to say, with the helpers
//! on [`Response`] to read the five error-body shapes the APIs use.
//! `-v` logs method, URL (sensitive query values redacted), status and time;
//! bodies and headers are never logged.

use crate::error::{Failure, Kind, config, remote, sanitize};
use crate::secret::Secret;
use crate::token::now;
use base64::Engine;
use serde_json::Value;
use std::cell::OnceCell;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::{Duration, Instant};
use url::Url;

/// How a request authenticates.
#[derive(Debug, Clone, Copy)]
pub enum Auth<'a> {
    /// Nothing.
    None,
    /// `Authorization: Bearer <token>`.
    Bearer(&'a Secret<String>),
    /// HTTP Basic with RFC 6749 §2.3.1 form-urlencoding of both parts.
    Basic(&'a str, &'a Secret<String>),
}

/// A request body.
#[derive(Debug, Clone, Copy)]
pub enum Body<'a> {
    /// No body.
    Empty,
    /// `application/json`.
    Json(&'a Value),
    /// `application/x-www-form-urlencoded`.
    Form(&'a [(&'a str, &'a str)]),
}

/// A response, read whole (auth responses are small). Its body holds
/// tokens, so `Debug` shows only the status and the body's size.
pub struct Response {
    /// HTTP status code.
    pub status: u16,
    body: Vec<u8>,
    content_type: String,
    /// When the request was sent (local clock): `expires_in` counts from here.
    pub sent_at: i64,
    /// Server clock minus local clock, from the `Date` header (0 when absent).
    pub clock_offset: i64,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("body_len", &self.body.len())
            .finish_non_exhaustive()
    }
}

/// The lazily built HTTP client with tokctl's policies.
pub struct Http {
    timeout: Duration,
    cacert: Option<PathBuf>,
    verbose: bool,
    client: OnceCell<reqwest::blocking::Client>,
    /// The client for loopback URLs: the same, but never through a proxy.
    loopback: OnceCell<reqwest::blocking::Client>,
}

impl Http {
    /// Settings only; nothing is built until the first request.
    pub fn new(timeout: Duration, cacert: Option<PathBuf>, verbose: bool) -> Self {
        Http {
            timeout,
            cacert,
            verbose,
            client: OnceCell::new(),
            loopback: OnceCell::new(),
        }
    }

    /// The client for `url`. A loopback address is never reached through
    /// a proxy, whatever `http_proxy` or `NO_PROXY` say: the proxy would
    /// see the password of a plain-http local server in clear.
    fn client(&self, url: &Url) -> Result<&reqwest::blocking::Client, Failure> {
        let local = is_loopback(url);
        let cell = if local { &self.loopback } else { &self.client };
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        let mut b = reqwest::blocking::Client::builder()
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!("tokctl/", env!("CARGO_PKG_VERSION")))
            // Enforced per request by check_url, which allows loopback http.
            .https_only(false)
            // A redirect would resend a password or refresh token to a URL
            // check_url never saw (possibly plain http elsewhere): refuse.
            .redirect(reqwest::redirect::Policy::none());
        if local {
            b = b.no_proxy();
        }
        if let Some(path) = &self.cacert {
            let pem = std::fs::read(path).map_err(|e| {
                config(format!(
                    "cannot read CA certificate {}: {e}",
                    path.display()
                ))
            })?;
            let certs = reqwest::Certificate::from_pem_bundle(&pem).map_err(|_| {
                config(format!("{} holds no valid PEM certificate", path.display()))
            })?;
            for c in certs {
                b = b.add_root_certificate(c);
            }
        }
        let c = b
            .build()
            .map_err(|e| Failure::new(Kind::Unexpected, format!("cannot set up HTTPS: {e}")))?;
        Ok(cell.get_or_init(|| c))
    }

    /// GET `url`.
    pub fn get(&self, url: &str, auth: Auth<'_>) -> Result<Response, Failure> {
        self.send(reqwest::Method::GET, url, &[], auth, Body::Empty)
    }

    /// POST `body` to `url`.
    pub fn post(&self, url: &str, auth: Auth<'_>, body: Body<'_>) -> Result<Response, Failure> {
        self.send(reqwest::Method::POST, url, &[], auth, body)
    }

    /// Any `method` with extra `headers` (which may replace `Content-Type`),
    /// for provider definitions. The header values may hold secrets: like
    /// bodies, they are never logged.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, Secret<String>)],
        auth: Auth<'_>,
        body: Body<'_>,
    ) -> Result<Response, Failure> {
        let method = reqwest::Method::from_bytes(method.as_bytes())
            .map_err(|_| config(format!("invalid HTTP method '{}'", sanitize(method))))?;
        self.send(method, url, headers, auth, body)
    }

    fn send(
        &self,
        method: reqwest::Method,
        url: &str,
        headers: &[(String, Secret<String>)],
        auth: Auth<'_>,
        body: Body<'_>,
    ) -> Result<Response, Failure> {
        let parsed = check_url(url).map_err(config)?;
        let shown = redact_url(&parsed);
        let mut req = self
            .client(&parsed)?
            .request(method.clone(), parsed)
            .header("Accept", "application/json");
        req = match auth {
            Auth::None => req,
            Auth::Bearer(t) => req.header("Authorization", format!("Bearer {}", t.expose())),
            Auth::Basic(id, secret) => req.header("Authorization", basic_header(id, secret)),
        };
        let own_type = headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        for (k, v) in headers {
            req = req.header(k.as_str(), v.expose().as_str());
        }
        let content_type = |req: reqwest::blocking::RequestBuilder, ct: &str| {
            if own_type {
                req
            } else {
                req.header("Content-Type", ct)
            }
        };
        req = match body {
            Body::Empty => req,
            Body::Json(v) => content_type(req, "application/json")
                .body(serde_json::to_vec(v).expect("json serializes")),
            Body::Form(fields) => {
                content_type(req, "application/x-www-form-urlencoded").body(form_encode(fields))
            }
        };
        let sent_at = now();
        let start = Instant::now();
        let result = req.send().map_err(Fetch::Transport).and_then(|r| {
            let status = r.status().as_u16();
            let date = r
                .headers()
                .get(reqwest::header::DATE)
                .and_then(|d| d.to_str().ok())
                .and_then(httpdate_to_unix);
            let ct = r
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            let location = r
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let body = read_capped(r)?;
            Ok((status, date, ct, location, body))
        });
        let ms = start.elapsed().as_millis();
        match result {
            Ok((status, date, content_type, location, body)) => {
                if self.verbose {
                    eprintln!("tokctl: {method} {shown} -> {status} ({ms} ms)");
                }
                if (300..400).contains(&status) {
                    return Err(redirect_failure(&shown, status, location.as_deref()));
                }
                Ok(Response {
                    status,
                    body,
                    content_type,
                    sent_at,
                    clock_offset: date.map_or(0, |d| d - now()),
                })
            }
            Err(e) => {
                if self.verbose {
                    eprintln!("tokctl: {method} {shown} -> failed ({ms} ms)");
                }
                Err(match e {
                    Fetch::Transport(e) => {
                        transport_failure(&e.without_url(), &shown, self.timeout)
                    }
                    Fetch::TooLarge => remote(format!(
                        "{shown}: answer too large (over {} KiB; an authentication answer is a few KiB), not read further",
                        MAX_BODY / 1024
                    )),
                    Fetch::Read(e) if e.kind() == std::io::ErrorKind::TimedOut => remote(format!(
                        "{shown} did not finish its answer within {}",
                        humantime::format_duration(self.timeout)
                    )),
                    Fetch::Read(e) => remote(format!(
                        "reading the answer of {shown} failed: {}",
                        sanitize(&e.to_string())
                    )),
                })
            }
        }
    }
}

/// The most tokctl reads of any answer: a token endpoint's is a few KiB,
/// and a server must not be able to make tokctl store (and then map on
/// every `print-header`) hundreds of megabytes, or stream forever.
pub const MAX_BODY: u64 = 1024 * 1024;

/// Why a request got no complete answer.
enum Fetch {
    Transport(reqwest::Error),
    TooLarge,
    Read(std::io::Error),
}

/// The body, at most [`MAX_BODY`] bytes of it.
fn read_capped(r: reqwest::blocking::Response) -> Result<Vec<u8>, Fetch> {
    use std::io::Read;
    if r.content_length().is_some_and(|n| n > MAX_BODY) {
        return Err(Fetch::TooLarge);
    }
    let mut body = Vec::new();
    r.take(MAX_BODY + 1)
        .read_to_end(&mut body)
        .map_err(Fetch::Read)?;
    if body.len() as u64 > MAX_BODY {
        return Err(Fetch::TooLarge);
    }
    Ok(body)
}

fn redirect_failure(url: &str, status: u16, location: Option<&str>) -> Failure {
    let to = location
        .and_then(|l| Url::parse(url).ok()?.join(l).ok())
        .map_or_else(|| "elsewhere".to_string(), |u| redact_url(&u));
    remote(format!("{url} answered HTTP {status}, a redirect to {to}"))
        .hint("tokctl does not follow redirects with credentials; configure the final URL instead")
}

fn transport_failure(e: &reqwest::Error, url: &str, timeout: Duration) -> Failure {
    let msg = if e.is_timeout() {
        format!(
            "{url} did not answer within {}",
            humantime::format_duration(timeout)
        )
    } else if e.is_connect() {
        format!("cannot connect to {url}: {}", root_cause(e))
    } else {
        format!("request to {url} failed: {}", root_cause(e))
    };
    remote(msg).hint("check the network and the URL, or raise --timeout; run with -v for details")
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    sanitize(&cur.to_string())
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

    /// The server's own error text, from whichever of the known shapes the
    /// body has: OAuth `error_description`/`error`, JSON:API `errors[].detail`
    /// or `title`, GraphQL `errors[].message`, MakeShift `errors[].title`.
    pub fn error_text(&self) -> Option<String> {
        let v: Value = serde_json::from_slice(&self.body).ok()?;
        error_text(&v)
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

/// The known error-text fields of a JSON error body, sanitized and joined.
pub fn error_text(v: &Value) -> Option<String> {
    let s = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_string);
    if let Some(d) = s(v, "error_description").filter(|d| !d.is_empty()) {
        return Some(sanitize(&d));
    }
    if let Some(errors) = v.get("errors").and_then(Value::as_array) {
        let texts: Vec<String> = errors
            .iter()
            .filter_map(|e| {
                s(e, "detail")
                    .or_else(|| s(e, "message"))
                    .or_else(|| s(e, "title"))
            })
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

/// Parses a URL and applies the transport rule: https anywhere, plain http
/// only to loopback hosts.
pub fn check_url(url: &str) -> Result<Url, String> {
    let u = Url::parse(url).map_err(|e| format!("invalid URL '{}': {e}", sanitize(url)))?;
    match u.scheme() {
        "https" => Ok(u),
        "http" if is_loopback(&u) => Ok(u),
        "http" => Err(format!(
            "refusing plain http to {}: tokens and passwords would cross the network unencrypted; use https (http is allowed only for localhost, 127.0.0.0/8 and ::1)",
            u.host_str().unwrap_or("?")
        )),
        other => Err(format!(
            "unsupported URL scheme '{other}' in {}",
            sanitize(url)
        )),
    }
}

fn is_loopback(u: &Url) -> bool {
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

const SENSITIVE_PARAMS: &[&str] = &[
    "access_token",
    "refresh_token",
    "id_token",
    "token",
    "code",
    "password",
    "client_secret",
    "jwt",
    "bearer_token",
    "device_code",
    "code_verifier",
    "state",
];

/// The URL with the values of sensitive query parameters replaced.
pub fn redact_url(u: &Url) -> String {
    let mut r = u.clone();
    // `user:password@` in a URL is a credential too.
    if !r.username().is_empty() || r.password().is_some() {
        let _ = r.set_username("REDACTED");
        let _ = r.set_password(None);
    }
    if u.query().is_none() {
        return r.to_string();
    }
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| {
            let v = if SENSITIVE_PARAMS.contains(&k.as_ref()) {
                "REDACTED".into()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    r.query_pairs_mut().clear().extend_pairs(pairs);
    r.to_string()
}

/// An RFC 9110 field name (a `token`): anything else would make a line
/// that is not a header, e.g. `: Bearer …` for an empty name.
pub fn is_header_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// `application/x-www-form-urlencoded` serialization.
pub fn form_encode(fields: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`, RFC 6749 §2.3.1.
pub fn basic_header(id: &str, secret: &Secret<String>) -> String {
    let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

/// Parses an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) to Unix seconds.
fn httpdate_to_unix(s: &str) -> Option<i64> {
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
    fn loopback_rule() {
        for ok in [
            "https://example.com/x",
            "http://localhost:8080/x",
            "http://127.0.0.1/x",
            "http://127.5.6.7:1/x",
            "http://[::1]:99/",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "http://example.com/",
            "http://10.0.0.1/",
            "ftp://localhost/",
            "not a url",
            "http://localhost.evil.com/",
        ] {
            assert!(check_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn basic_header_form_encodes() {
        // RFC 6749 §2.3.1: form-urlencode id and secret before base64.
        let h = basic_header("my client", &Secret::new("b@sic:secret/+=".into()));
        let raw = base64::engine::general_purpose::STANDARD
            .decode(h.strip_prefix("Basic ").unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            "my+client:b%40sic%3Asecret%2F%2B%3D"
        );
    }

    #[test]
    fn redacts_query() {
        let u = Url::parse("https://h/p?code=abc&x=1&access_token=zzz").unwrap();
        let s = redact_url(&u);
        assert!(!s.contains("abc") && !s.contains("zzz"), "{s}");
        assert!(s.contains("x=1"));
        let u = Url::parse("https://bob:hunter2@h/p").unwrap();
        assert_eq!(redact_url(&u), "https://REDACTED@h/p");
    }

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
            (
                r#"{"ok":false,"errors":[{"message":"Syntax Error"}]}"#,
                "Syntax Error",
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
