//! The one HTTP client, and the plumbing every provider shares: the
//! transport here, [`response`] for reading what came back, [`url`] for
//! the URL rules.
//!
//! The client (rustls, system roots plus `--cacert`) is built on first use,
//! so commands that find a fresh token never pay for it. Plain `http://` is
//! refused except to loopback hosts. Transport failures become exit 4 here;
//! what an HTTP status *means* is for the provider to say, with the readers
//! on [`Response`] for the error bodies.
//! `-v` logs method, URL (sensitive query values redacted), status and time;
//! bodies and headers are never logged.

mod response;
mod url;

pub use response::{Response, error_text};
pub use url::{check_url, join, redact_url};

use crate::error::{Failure, Kind, config, remote, sanitize};
use crate::output::Output;
use crate::secret::Secret;
use crate::token::now;
use base64::Engine;
use response::httpdate_to_unix;
use serde_json::Value;
use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::{Duration, Instant};

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

/// The lazily built HTTP client with tokctl's policies.
pub struct Http {
    timeout: Duration,
    cacert: Option<PathBuf>,
    out: Output,
    /// A TLS client certificate and its key (PEM), presented to every
    /// server this client talks to: see [`Http::with_identity`].
    identity: Option<Secret<Vec<u8>>>,
    client: OnceCell<reqwest::blocking::Client>,
    /// The client for loopback URLs: the same, but never through a proxy.
    loopback: OnceCell<reqwest::blocking::Client>,
}

impl Http {
    /// Settings only; nothing is built until the first request.
    pub fn new(timeout: Duration, cacert: Option<PathBuf>, out: Output) -> Self {
        Http {
            timeout,
            cacert,
            out,
            identity: None,
            client: OnceCell::new(),
            loopback: OnceCell::new(),
        }
    }

    /// Another client with the same settings that presents a TLS client
    /// certificate (RFC 8705 mutual TLS): `pem` holds the certificate chain
    /// and the private key. Only the OAuth provider's own requests to its
    /// authorization server use it, never an unrelated one.
    pub fn with_identity(&self, pem: Vec<u8>) -> Http {
        Http {
            identity: Some(Secret::new(pem)),
            ..Http::new(self.timeout, self.cacert.clone(), self.out)
        }
    }

    /// The client for `url`. A loopback address is never reached through
    /// a proxy, whatever `http_proxy` or `NO_PROXY` say: the proxy would
    /// see the password of a plain-http local server in clear.
    fn client(&self, url: &::url::Url) -> Result<&reqwest::blocking::Client, Failure> {
        let local = url::is_loopback(url);
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
        if let Some(pem) = &self.identity {
            let id = reqwest::Identity::from_pem(pem.expose_bytes()).map_err(|_| {
                config("the client certificate and key do not form a usable TLS identity (PEM certificate and its private key)")
            })?;
            b = b.identity(id);
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
            let retry_after = r
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(parse_retry_after);
            let body = read_capped(r)?;
            Ok((status, date, ct, location, body, retry_after))
        });
        let ms = start.elapsed().as_millis();
        match result {
            Ok((status, date, content_type, location, body, retry_after)) => {
                self.out
                    .verbose(&format!("{method} {shown} -> {status} ({ms} ms)"));
                if (300..400).contains(&status) {
                    return Err(redirect_failure(&shown, status, location.as_deref()));
                }
                Ok(Response {
                    status,
                    body,
                    content_type,
                    sent_at,
                    clock_offset: date.map_or(0, |d| d - now()),
                    retry_after,
                    shape: None,
                })
            }
            Err(e) => {
                self.out
                    .verbose(&format!("{method} {shown} -> failed ({ms} ms)"));
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

/// `Retry-After`: delta-seconds or an HTTP date, bounded to an hour so
/// that a hostile value cannot park a retrying caller for ever.
fn parse_retry_after(v: &str) -> Option<Duration> {
    let v = v.trim();
    let secs = match v.parse::<u64>() {
        Ok(s) => s,
        Err(_) => (httpdate_to_unix(v)? - now()).max(0) as u64,
    };
    Some(Duration::from_secs(secs.min(3600)))
}

fn redirect_failure(url: &str, status: u16, location: Option<&str>) -> Failure {
    let to = location
        .and_then(|l| ::url::Url::parse(url).ok()?.join(l).ok())
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
    ::url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(fields)
        .finish()
}

/// `Basic base64(urlencode(id) ":" urlencode(secret))`, RFC 6749 §2.3.1.
pub fn basic_header(id: &str, secret: &Secret<String>) -> String {
    let enc = |s: &str| ::url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let raw = format!("{}:{}", enc(id), enc(secret.expose()));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(raw)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_is_bounded() {
        assert_eq!(parse_retry_after("7"), Some(Duration::from_secs(7)));
        assert_eq!(
            parse_retry_after("99999999"),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(
            parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT"),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon"), None);
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
}
