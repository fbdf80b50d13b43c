//! HTTP framing shared by every API: the request as the handlers see it, body
//! parameters (JSON or form), bearer tokens, and the reply builder.

use std::collections::HashMap;
use std::io::{self, Read};

use serde::Serialize;
use serde_json::{Map, Value, json};
use tiny_http::Method;

/// Request bodies above this are refused: nothing legitimate here is bigger.
pub const MAX_BODY: usize = 1 << 20;

/// The parts of a request the handlers look at, read off the socket once.
pub struct Req {
    pub method: Method,
    pub path: String,
    pub query: String,
    pub authorization: Option<String>,
    pub content_type: String,
    pub body: Vec<u8>,
}

impl Req {
    /// Whether the `Content-Type` names JSON.
    pub fn is_json(&self) -> bool {
        self.content_type.to_ascii_lowercase().contains("json")
    }

    /// The body as a JSON object, `None` when it is anything else.
    pub fn json_object(&self) -> Option<Map<String, Value>> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(map)) => Some(map),
            _ => None,
        }
    }

    /// Body parameters from JSON or from a form, since Rails (MakeShift) and Vivacity accept
    /// both. Non-string JSON scalars are turned into their text. `Err` when the body is
    /// neither a JSON object nor UTF-8 form data.
    pub fn params(&self) -> Result<HashMap<String, String>, ()> {
        let looks_json = self.body.trim_ascii_start().first() == Some(&b'{');
        let is_form = self
            .content_type
            .to_ascii_lowercase()
            .contains("x-www-form-urlencoded");
        if self.is_json() || (looks_json && !is_form) {
            let map = self.json_object().ok_or(())?;
            return Ok(map
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    Value::Number(_) | Value::Bool(_) => Some((k, v.to_string())),
                    _ => None,
                })
                .collect());
        }
        std::str::from_utf8(&self.body)
            .map(parse_form)
            .map_err(|_| ())
    }

    /// The token of an `Authorization: Bearer <token>` header. `strict` wants the capital B,
    /// like CollectiveAccess's `/Bearer\s(\S+)/`; otherwise the scheme is matched without
    /// regard to case, like Doorkeeper and Keycloak.
    pub fn bearer(&self, strict: bool) -> Option<&str> {
        let value = self.authorization.as_deref()?.trim();
        let (scheme, token) = value.split_once(char::is_whitespace)?;
        let scheme_ok = if strict {
            scheme == "Bearer"
        } else {
            scheme.eq_ignore_ascii_case("bearer")
        };
        let token = token.trim();
        (scheme_ok && !token.is_empty() && !token.contains(char::is_whitespace)).then_some(token)
    }
}

/// `application/x-www-form-urlencoded` (also query strings); the first of duplicate keys wins.
pub fn parse_form(text: &str) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for pair in text.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        out.entry(url_decode(k)).or_insert_with(|| url_decode(v));
    }
    out
}

/// Percent-decoding with `+` as space; a broken escape is kept literally.
fn url_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex_at = |j: usize| bytes.get(j).and_then(|b| (*b as char).to_digit(16));
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if hex_at(i + 1).is_some() && hex_at(i + 2).is_some() => {
                out.push((hex_at(i + 1).unwrap_or(0) * 16 + hex_at(i + 2).unwrap_or(0)) as u8);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A response before it is turned into a tiny_http one.
pub struct Reply {
    pub status: u16,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON response. Structs keep their field order, which matters because serde_json's
    /// own `Map` sorts keys and the real servers don't.
    pub fn json<T: Serialize + ?Sized>(status: u16, body: &T) -> Reply {
        let body = serde_json::to_vec(body).expect("our own response types always serialize");
        Reply {
            status,
            body,
            headers: vec![("Content-Type", "application/json".to_owned())],
        }
    }

    /// Adds a response header.
    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> Reply {
        self.headers.push((name, value.into()));
        self
    }

    /// `Cache-Control: no-store` and `Pragma: no-cache`, as token endpoints send (RFC 6749 §5.1).
    pub fn no_store(self) -> Reply {
        self.header("Cache-Control", "no-store")
            .header("Pragma", "no-cache")
    }

    /// 405 for a known path asked with another method; `allow` lists the ones it serves.
    pub fn method_not_allowed(allow: &'static str) -> Reply {
        Reply::json(405, &json!({"error": "method_not_allowed", "allow": allow}))
            .header("Allow", allow)
    }

    /// 404 for a path no API serves.
    pub fn not_found(path: &str) -> Reply {
        Reply::json(404, &json!({"error": "not_found", "path": path}))
    }

    /// The tiny_http response to send.
    pub fn into_response(self) -> tiny_http::Response<io::Cursor<Vec<u8>>> {
        let mut response = tiny_http::Response::from_data(self.body).with_status_code(self.status);
        for (name, value) in self.headers {
            if let Ok(h) = tiny_http::Header::from_bytes(name.as_bytes(), value.as_bytes()) {
                response.add_header(h);
            }
        }
        response
    }
}

/// Reads method, path, the two headers that matter and the body; a body that is too large
/// or unreadable is answered at once.
pub fn read_request(request: &mut tiny_http::Request) -> Result<Req, Reply> {
    let header = |name: &'static str| {
        request
            .headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_owned())
    };
    let authorization = header("Authorization");
    let content_type = header("Content-Type").unwrap_or_default();
    let (path, query) = match request.url().split_once('?') {
        Some((p, q)) => (p.to_owned(), q.to_owned()),
        None => (request.url().to_owned(), String::new()),
    };
    let method = request.method().clone();
    let mut body = Vec::new();
    let read = request
        .as_reader()
        .take(MAX_BODY as u64 + 1)
        .read_to_end(&mut body);
    if read.is_err() {
        return Err(Reply::json(
            400,
            &json!({"error": "bad_request", "error_description": "unreadable body"}),
        ));
    }
    if body.len() > MAX_BODY {
        return Err(Reply::json(413, &json!({"error": "payload_too_large"})));
    }
    Ok(Req {
        method,
        path,
        query,
        authorization,
        content_type,
        body,
    })
}

/// `{"errors": [...]}`, the error envelope of JSON:API (RealMassive) and of MakeShift.
#[derive(Serialize)]
pub struct Errors<T> {
    pub errors: Vec<T>,
}
