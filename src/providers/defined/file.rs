//! Reading and checking one definition file, `providers/NAME.toml`.
//!
//! Everything that can be wrong with a definition is found here, when it
//! is loaded, so that a typo is reported with the file, the key and the
//! line (exit 5) instead of surfacing as a strange answer from the server
//! halfway through a renewal. The keys are documented in
//! `docs/provider-definitions.md`.

use super::template::{Placeholder, Shape, Template};
use crate::error::sanitize;
use crate::http::is_header_name;
use serde_json::Value;
use std::ops::Range;
use std::time::Duration;
use toml_edit::{Item, TableLike};

/// A checked definition.
#[derive(Debug, Clone, PartialEq)]
pub struct Definition {
    pub description: Option<String>,
    pub base_url: Option<String>,
    /// The access token's lifetime when neither the answer nor the token says.
    pub lifetime: Duration,
    pub login: Request,
    pub refresh: Option<Request>,
    pub response: Answer,
    pub info: Option<Request>,
    pub revoke: Option<Request>,
}

/// One request: `[login]`, `[refresh]`, `[info]` or `[revoke]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    /// Upper case.
    pub method: String,
    /// Starts with `/`; joined to the base URL.
    pub path: String,
    pub encoding: Encoding,
    pub body: Option<Shape>,
    pub headers: Vec<(String, Template)>,
}

impl Request {
    /// Every placeholder the request uses.
    pub fn placeholders(&self) -> Vec<Placeholder> {
        let mut all = self
            .body
            .as_ref()
            .map(Shape::placeholders)
            .unwrap_or_default();
        all.extend(self.headers.iter().flat_map(|(_, t)| t.placeholders()));
        all
    }

    /// Whether the request sets this header itself.
    pub fn sets_header(&self, name: &str) -> bool {
        self.headers
            .iter()
            .any(|(h, _)| h.eq_ignore_ascii_case(name))
    }
}

/// How a body is serialised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Json,
    Form,
}

/// `[response]`: where the answer keeps what tokctl needs (RFC 6901 JSON
/// Pointers, checked for syntax).
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub access_token: String,
    pub refresh_token: Option<String>,
    pub expires_in: Option<String>,
    pub expires_at: Option<String>,
    /// Seconds; 0 means the refresh token never expires (Keycloak).
    pub refresh_expires_in: Option<String>,
    pub username: Option<String>,
    pub error: Vec<String>,
}

/// What is wrong with a definition, and where.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The dotted key, e.g. `login.body.user`.
    pub key: Option<String>,
    /// 1-based line in the file.
    pub line: Option<usize>,
    pub why: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(l) = self.line {
            write!(f, "line {l}: ")?;
        }
        if let Some(k) = &self.key {
            write!(f, "`{k}`: ")?;
        }
        f.write_str(&self.why)
    }
}

const TOP_KEYS: &[&str] = &[
    "description",
    "base_url",
    "lifetime",
    "login",
    "refresh",
    "response",
    "info",
    "revoke",
];
const REQUEST_KEYS: &[&str] = &["method", "path", "encoding", "body", "headers"];
const RESPONSE_KEYS: &[&str] = &[
    "access_token",
    "refresh_token",
    "expires_in",
    "expires_at",
    "refresh_expires_in",
    "username",
    "error",
];
const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// The placeholders a section may use: the refresh token exists only once
/// logged in, the access token only for requests made with one.
fn allowed(section: &str) -> &'static [Placeholder] {
    use Placeholder::*;
    match section {
        "login" => &[Username, Password, ClientId, ClientSecret],
        "refresh" => &[Username, Password, ClientId, ClientSecret, RefreshToken],
        _ => &[
            Username,
            Password,
            ClientId,
            ClientSecret,
            RefreshToken,
            AccessToken,
        ],
    }
}

/// Parses and checks the text of a definition file.
pub fn parse(text: &str) -> Result<Definition, Problem> {
    let doc = toml_edit::Document::parse(text).map_err(|e| Problem {
        key: None,
        line: e.span().map(|s| line_of(text, s.start)),
        why: format!("not valid TOML: {}", e.message().trim()),
    })?;
    let r = Reader { text };
    let top = doc.as_table();
    r.known_keys(top, "", TOP_KEYS)?;
    let base_url = r.string(top, "", "base_url")?;
    if let Some(u) = &base_url {
        r.no_placeholder(top, "base_url", u)?;
        crate::http::check_url(u).map_err(|why| r.at(top, "", "base_url", why))?;
    }
    let lifetime = match r.string(top, "", "lifetime")? {
        None => DEFAULT_LIFETIME,
        Some(s) => humantime::parse_duration(&s)
            .ok()
            .filter(|d| d.as_secs() >= 1)
            .ok_or_else(|| {
                r.at(
                    top,
                    "",
                    "lifetime",
                    "must be a duration of at least 1s, e.g. \"1h\" or \"15m\"".into(),
                )
            })?,
    };
    let login = r
        .request(top, "login", "POST")?
        .ok_or_else(|| r.missing("login", "a definition needs a [login] table"))?;
    let refresh = r.request(top, "refresh", "POST")?;
    let response = r.answer(top)?;
    if refresh.is_some() && response.refresh_token.is_none() {
        return Err(r.at(
            top,
            "",
            "refresh",
            "needs `response.refresh_token`: without it there is no refresh token to send".into(),
        ));
    }
    Ok(Definition {
        description: r.string(top, "", "description")?,
        base_url,
        lifetime,
        login,
        refresh,
        response,
        info: r.request(top, "info", "GET")?,
        revoke: r.request(top, "revoke", "POST")?,
    })
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|b| **b == b'\n')
        .count()
        + 1
}

fn dotted(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

/// Typed access with errors that carry the key and its line.
struct Reader<'a> {
    text: &'a str,
}

impl Reader<'_> {
    fn line(&self, span: Option<Range<usize>>) -> Option<usize> {
        span.map(|s| line_of(self.text, s.start))
    }

    /// A problem with `key` of table `t` (whose dotted name is `prefix`).
    fn at(&self, t: &dyn TableLike, prefix: &str, key: &str, why: String) -> Problem {
        let span = t
            .get_key_value(key)
            .and_then(|(k, item)| k.span().or_else(|| item.span()));
        Problem {
            key: Some(dotted(prefix, key)),
            line: self.line(span),
            why,
        }
    }

    fn missing(&self, key: &str, why: &str) -> Problem {
        Problem {
            key: Some(key.to_string()),
            line: None,
            why: why.to_string(),
        }
    }

    fn known_keys(&self, t: &dyn TableLike, prefix: &str, known: &[&str]) -> Result<(), Problem> {
        match t.iter().find(|(k, _)| !known.contains(k)) {
            None => Ok(()),
            Some((k, _)) => Err(self.at(
                t,
                prefix,
                k,
                format!("unknown key (known here: {})", known.join(", ")),
            )),
        }
    }

    fn string(
        &self,
        t: &dyn TableLike,
        prefix: &str,
        key: &str,
    ) -> Result<Option<String>, Problem> {
        match t.get(key) {
            None => Ok(None),
            Some(i) => i
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.at(t, prefix, key, "must be a string".into())),
        }
    }

    fn table<'t>(
        &self,
        t: &'t dyn TableLike,
        prefix: &str,
        key: &str,
    ) -> Result<Option<&'t dyn TableLike>, Problem> {
        match t.get(key) {
            None => Ok(None),
            Some(i) => i
                .as_table_like()
                .map(Some)
                .ok_or_else(|| self.at(t, prefix, key, "must be a table".into())),
        }
    }

    fn no_placeholder(&self, t: &dyn TableLike, key: &str, v: &str) -> Result<(), Problem> {
        if v.contains(['{', '}']) {
            let (prefix, last) = key.rsplit_once('.').unwrap_or(("", key));
            return Err(self.at(
                t,
                prefix,
                last,
                "placeholders are not allowed here: secrets never go into URLs".into(),
            ));
        }
        Ok(())
    }

    fn pointer(&self, t: &dyn TableLike, key: &str) -> Result<Option<String>, Problem> {
        let Some(p) = self.string(t, "response", key)? else {
            return Ok(None);
        };
        check_pointer(&p).map_err(|why| self.at(t, "response", key, why))?;
        Ok(Some(p))
    }

    fn request(
        &self,
        top: &dyn TableLike,
        section: &str,
        default_method: &str,
    ) -> Result<Option<Request>, Problem> {
        let Some(t) = self.table(top, "", section)? else {
            return Ok(None);
        };
        self.known_keys(t, section, REQUEST_KEYS)?;
        let method = match self.string(t, section, "method")? {
            None => default_method.to_string(),
            Some(m) => {
                let up = m.to_ascii_uppercase();
                if !METHODS.contains(&up.as_str()) {
                    return Err(self.at(
                        t,
                        section,
                        "method",
                        format!("must be one of {}", METHODS.join(", ")),
                    ));
                }
                up
            }
        };
        let path = self.string(t, section, "path")?.ok_or_else(|| {
            self.at(
                top,
                "",
                section,
                format!("needs `{section}.path`, e.g. \"/login\""),
            )
        })?;
        self.no_placeholder(t, &dotted(section, "path"), &path)?;
        if !path.starts_with('/') {
            return Err(self.at(t, section, "path", "must start with `/`".into()));
        }
        let encoding = match self.string(t, section, "encoding")?.as_deref() {
            None | Some("json") => Encoding::Json,
            Some("form") => Encoding::Form,
            Some(_) => {
                return Err(self.at(
                    t,
                    section,
                    "encoding",
                    "must be \"json\" or \"form\"".into(),
                ));
            }
        };
        let body_prefix = dotted(section, "body");
        let body = match t.get("body") {
            None => None,
            Some(item) => Some(self.shape(t, section, "body", item, &body_prefix)?),
        };
        if let Some(b) = &body {
            if method == "GET" {
                return Err(self.at(t, section, "body", "a GET request has no body".into()));
            }
            if encoding == Encoding::Form {
                self.flat(t, section, b)?;
            }
        }
        let headers = self.headers(t, section)?;
        let req = Request {
            method,
            path,
            encoding,
            body,
            headers,
        };
        if let Some(p) = req
            .placeholders()
            .into_iter()
            .find(|p| !allowed(section).contains(p))
        {
            let key = if req
                .body
                .as_ref()
                .is_some_and(|b| b.placeholders().contains(&p))
            {
                "body"
            } else {
                "headers"
            };
            return Err(self.at(
                t,
                section,
                key,
                format!("`{{{}}}` has no value in [{section}]", p.name()),
            ));
        }
        Ok(Some(req))
    }

    fn headers(
        &self,
        t: &dyn TableLike,
        section: &str,
    ) -> Result<Vec<(String, Template)>, Problem> {
        let prefix = dotted(section, "headers");
        let Some(h) = self.table(t, section, "headers")? else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for (name, item) in h.iter() {
            if !is_header_name(name) {
                return Err(self.at(h, &prefix, name, "is not a valid HTTP header name".into()));
            }
            let v = item
                .as_str()
                .ok_or_else(|| self.at(h, &prefix, name, "must be a string".into()))?;
            let tpl = Template::parse(v).map_err(|why| self.at(h, &prefix, name, why))?;
            out.push((name.to_string(), tpl));
        }
        Ok(out)
    }

    /// A form body is one level of names with scalar values (or lists of
    /// them, sent as repeated names).
    fn flat(&self, t: &dyn TableLike, section: &str, body: &Shape) -> Result<(), Problem> {
        let scalar = |s: &Shape| matches!(s, Shape::Str(_) | Shape::Plain(_));
        let ok = match body {
            Shape::Object(fields) => fields.iter().all(|(_, v)| match v {
                Shape::List(items) => items.iter().all(scalar),
                other => scalar(other),
            }),
            _ => false,
        };
        if ok {
            Ok(())
        } else {
            Err(self.at(
                t,
                section,
                "body",
                "a form body is a table of strings, numbers or booleans (or lists of them)".into(),
            ))
        }
    }

    /// A TOML item as a body shape, with its strings parsed as templates.
    fn shape(
        &self,
        parent: &dyn TableLike,
        prefix: &str,
        key: &str,
        item: &Item,
        dotted_key: &str,
    ) -> Result<Shape, Problem> {
        let bad = |why: String| self.at(parent, prefix, key, why);
        if let Some(t) = item.as_table_like() {
            let mut fields = Vec::new();
            for (k, v) in t.iter() {
                let sub = dotted(dotted_key, k);
                fields.push((k.to_string(), self.shape(t, dotted_key, k, v, &sub)?));
            }
            return Ok(Shape::Object(fields));
        }
        if let Some(aot) = item.as_array_of_tables() {
            let mut items = Vec::new();
            for (i, t) in aot.iter().enumerate() {
                let sub = format!("{dotted_key}[{i}]");
                items.push(self.shape(parent, prefix, key, &Item::Table(t.clone()), &sub)?);
            }
            return Ok(Shape::List(items));
        }
        let v = item
            .as_value()
            .ok_or_else(|| bad("must be a value".into()))?;
        self.value_shape(v).map_err(bad)
    }

    fn value_shape(&self, v: &toml_edit::Value) -> Result<Shape, String> {
        use toml_edit::Value as V;
        Ok(match v {
            V::String(s) => Shape::Str(Template::parse(s.value())?),
            V::Integer(i) => Shape::Plain(Value::from(*i.value())),
            V::Float(f) => Shape::Plain(
                serde_json::Number::from_f64(*f.value())
                    .map(Value::Number)
                    .ok_or("nan and inf have no JSON form")?,
            ),
            V::Boolean(b) => Shape::Plain(Value::Bool(*b.value())),
            V::Datetime(d) => Shape::Plain(Value::String(d.value().to_string())),
            V::Array(a) => Shape::List(
                a.iter()
                    .map(|v| self.value_shape(v))
                    .collect::<Result<_, _>>()?,
            ),
            V::InlineTable(t) => {
                let mut fields = Vec::new();
                for (k, v) in t.iter() {
                    fields.push((k.to_string(), self.value_shape(v)?));
                }
                Shape::Object(fields)
            }
        })
    }

    fn answer(&self, top: &dyn TableLike) -> Result<Answer, Problem> {
        let t = self.table(top, "", "response")?.ok_or_else(|| {
            self.missing(
                "response",
                "a definition needs a [response] table with `access_token`",
            )
        })?;
        self.known_keys(t, "response", RESPONSE_KEYS)?;
        let access_token = self.pointer(t, "access_token")?.ok_or_else(|| {
            self.at(
                top,
                "",
                "response",
                "needs `response.access_token`, the JSON Pointer to the token, e.g. \"/access_token\"".into(),
            )
        })?;
        let error = match t.get("error") {
            None => Vec::new(),
            Some(i) if i.is_str() => vec![self.pointer(t, "error")?.unwrap_or_default()],
            Some(i) => {
                let list = i.as_array().ok_or_else(|| {
                    self.at(
                        t,
                        "response",
                        "error",
                        "must be a pointer or a list of pointers".into(),
                    )
                })?;
                let mut out = Vec::new();
                for v in list.iter() {
                    let p = v.as_str().ok_or_else(|| {
                        self.at(t, "response", "error", "must be a list of strings".into())
                    })?;
                    check_pointer(p).map_err(|why| self.at(t, "response", "error", why))?;
                    out.push(p.to_string());
                }
                out
            }
        };
        Ok(Answer {
            access_token,
            refresh_token: self.pointer(t, "refresh_token")?,
            expires_in: self.pointer(t, "expires_in")?,
            expires_at: self.pointer(t, "expires_at")?,
            refresh_expires_in: self.pointer(t, "refresh_expires_in")?,
            username: self.pointer(t, "username")?,
            error,
        })
    }
}

/// RFC 6901 syntax: empty (the whole document) or `/`-separated reference
/// tokens in which `~` only appears as `~0` or `~1`.
pub fn check_pointer(p: &str) -> Result<(), String> {
    let bad = |why: &str| {
        Err(format!(
            "\"{}\" is not a JSON Pointer (RFC 6901): {why}, e.g. \"/data/token\"",
            sanitize(p)
        ))
    };
    if !p.is_empty() && !p.starts_with('/') {
        return bad("it must start with `/`");
    }
    let mut chars = p.chars();
    while let Some(c) = chars.next() {
        if c == '~' && !matches!(chars.next(), Some('0' | '1')) {
            return bad("`~` must be followed by 0 or 1 (`~0` is `~`, `~1` is `/`)");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const ACME: &str = r#"
description = "ACME inventory API"
base_url = "https://auth.acme.example"

[login]
method = "POST"
path = "/v2/session"
encoding = "json"
body = { user = "{username}", secret = "{password}", scope = "inventory", n = 3 }
headers = { "X-Client" = "tokctl" }

[refresh]
path = "/v2/session/refresh"
body = { token = "{refresh_token}" }

[response]
access_token = "/data/accessToken"
refresh_token = "/data/refreshToken"
expires_in = "/data/ttl"
username = "/data/user/email"
error = ["/error/message", "/errors/0/detail"]

[info]
path = "/v2/me"
"#;

    fn problem(text: &str) -> Problem {
        parse(text).expect_err(text)
    }

    #[test]
    fn the_documented_example_loads() {
        let d = parse(ACME).unwrap();
        assert_eq!(d.base_url.as_deref(), Some("https://auth.acme.example"));
        assert_eq!(d.lifetime, Duration::from_secs(3600));
        assert_eq!(d.login.method, "POST");
        assert_eq!(
            d.login.placeholders(),
            [Placeholder::Username, Placeholder::Password]
        );
        let body = d.login.body.as_ref().unwrap();
        let vals = |p: Placeholder| Some(format!("<{}>", p.name()));
        assert_eq!(
            body.render(&vals).unwrap(),
            json!({"user": "<username>", "secret": "<password>", "scope": "inventory", "n": 3})
        );
        assert_eq!(d.refresh.as_ref().unwrap().method, "POST");
        assert_eq!(d.info.as_ref().unwrap().method, "GET");
        assert_eq!(d.response.error, ["/error/message", "/errors/0/detail"]);
        assert!(d.login.sets_header("x-client"));
    }

    #[test]
    fn problems_name_the_key_and_line() {
        let cases: &[(&str, &str, Option<usize>, &str)] = &[
            (
                "[login]\npath = \"/l\"\nbdy = 1\n[response]\naccess_token = \"/t\"\n",
                "login.bdy",
                Some(3),
                "unknown key",
            ),
            (
                "colour = 1\n[login]\npath = \"/l\"\n[response]\naccess_token = \"/t\"\n",
                "colour",
                Some(1),
                "unknown key",
            ),
            (
                "[login]\npath = \"/l\"\n[response]\naccess_token = \"data/t\"\n",
                "response.access_token",
                Some(4),
                "not a JSON Pointer",
            ),
            (
                "[login]\npath = \"/l\"\n[response]\naccess_token = \"/a~2b\"\n",
                "response.access_token",
                Some(4),
                "`~` must be followed by 0 or 1",
            ),
            (
                "[login]\npath = \"/l\"\nbody = { u = \"{user}\" }\n[response]\naccess_token = \"/t\"\n",
                "login.body.u",
                Some(3),
                "unknown placeholder `{user}`",
            ),
            (
                "[login]\npath = \"/l\"\n[login.headers]\nX-A = \"{pass}\"\n[response]\naccess_token = \"/t\"\n",
                "login.headers.X-A",
                Some(4),
                "unknown placeholder",
            ),
            (
                "[login]\npath = \"/u/{username}\"\n[response]\naccess_token = \"/t\"\n",
                "login.path",
                Some(2),
                "secrets never go into URLs",
            ),
            (
                "base_url = \"https://{username}.example\"\n[login]\npath = \"/l\"\n[response]\naccess_token = \"/t\"\n",
                "base_url",
                Some(1),
                "secrets never go into URLs",
            ),
            (
                "[login]\npath = \"/l\"\nbody = { t = \"{refresh_token}\" }\n[response]\naccess_token = \"/t\"\n",
                "login.body",
                Some(3),
                "`{refresh_token}` has no value in [login]",
            ),
            (
                "[login]\npath = \"/l\"\nencoding = \"xml\"\n[response]\naccess_token = \"/t\"\n",
                "login.encoding",
                Some(3),
                "\"json\" or \"form\"",
            ),
            (
                "[login]\npath = \"/l\"\nencoding = \"form\"\nbody = { a = { b = 1 } }\n[response]\naccess_token = \"/t\"\n",
                "login.body",
                Some(4),
                "a form body",
            ),
            (
                "[login]\nmethod = \"GET\"\npath = \"/l\"\nbody = { a = 1 }\n[response]\naccess_token = \"/t\"\n",
                "login.body",
                Some(4),
                "a GET request has no body",
            ),
            (
                "[login]\nmethod = \"FETCH\"\npath = \"/l\"\n[response]\naccess_token = \"/t\"\n",
                "login.method",
                Some(2),
                "must be one of",
            ),
            (
                "[login]\npath = \"l\"\n[response]\naccess_token = \"/t\"\n",
                "login.path",
                Some(2),
                "must start with `/`",
            ),
            (
                "[response]\naccess_token = \"/t\"\n",
                "login",
                None,
                "needs a [login] table",
            ),
            (
                "[login]\npath = \"/l\"\n[response]\nrefresh_token = \"/r\"\n",
                "response",
                Some(3),
                "needs `response.access_token`",
            ),
            (
                "[login]\npath = \"/l\"\n[refresh]\npath = \"/r\"\n[response]\naccess_token = \"/t\"\n",
                "refresh",
                Some(3),
                "needs `response.refresh_token`",
            ),
            (
                "lifetime = \"soon\"\n[login]\npath = \"/l\"\n[response]\naccess_token = \"/t\"\n",
                "lifetime",
                Some(1),
                "a duration",
            ),
            (
                "base_url = \"http://auth.example\"\n[login]\npath = \"/l\"\n[response]\naccess_token = \"/t\"\n",
                "base_url",
                Some(1),
                "refusing plain http",
            ),
            (
                "[login]\npath = \"/l\"\n[login.headers]\n\"Bad Name\" = \"x\"\n[response]\naccess_token = \"/t\"\n",
                "login.headers.Bad Name",
                Some(4),
                "not a valid HTTP header name",
            ),
            (
                "[login]\npath = \"/l\"\n[response]\naccess_token = \"/t\"\nerror = [\"/ok\", \"bad\"]\n",
                "response.error",
                Some(5),
                "not a JSON Pointer",
            ),
        ];
        for (text, key, line, why) in cases {
            let p = problem(text);
            assert_eq!(p.key.as_deref(), Some(*key), "{text}\n{p}");
            assert_eq!(p.line, *line, "{text}\n{p}");
            assert!(p.why.contains(why), "{text}\n{p}");
        }
    }

    #[test]
    fn toml_errors_give_the_line() {
        let p = problem("[login]\npath = \"/l\"\nbody = { a = 1 } x\n[response]\n");
        assert_eq!(p.key, None);
        assert_eq!(p.line, Some(3), "{p}");
        assert!(p.why.starts_with("not valid TOML"), "{p}");
    }

    #[test]
    fn pointers_follow_rfc_6901_syntax() {
        for ok in ["", "/", "/a/b", "/a~0b", "/a~1b", "/0", "/ spaced /x"] {
            assert!(check_pointer(ok).is_ok(), "{ok}");
        }
        for bad in ["a", "/a~", "/a~2", "#/a"] {
            assert!(check_pointer(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_shipped_example_loads() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/providers");
        let mut n = 0;
        for e in std::fs::read_dir(&dir).unwrap() {
            let path = e.unwrap().path();
            let text = std::fs::read_to_string(&path).unwrap();
            if let Err(p) = parse(&text) {
                panic!("{}: {p}", path.display());
            }
            n += 1;
        }
        assert!(n >= 5, "{n} examples");
    }

    #[test]
    fn forms_and_defaults() {
        let d = parse(
            "lifetime = \"15m\"\n[login]\npath = \"/token\"\nencoding = \"form\"\n\
             body = { grant_type = \"password\", username = \"{username}\", scope = [\"a\", \"b\"] }\n\
             [response]\naccess_token = \"\"\nerror = \"/message\"\n",
        )
        .unwrap();
        assert_eq!(d.lifetime, Duration::from_secs(900));
        assert_eq!(d.login.encoding, Encoding::Form);
        assert_eq!(d.response.error, ["/message"]);
        assert_eq!(d.response.access_token, "");
        assert!(d.refresh.is_none() && d.info.is_none() && d.revoke.is_none());
    }
}
