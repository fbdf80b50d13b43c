//! Provider definitions: a kind described by a file, `providers/NAME.toml`,
//! instead of a Rust module (reference: `docs/provider-definitions.md`).
//!
//! Only reading the definition and building its requests is particular to
//! this module. The answer goes through the same token-answer reading as
//! the built-in kinds (bearer check, expiry from `expires_in` or the JWT,
//! refresh-token lifetime, the checks on what a server may send), and
//! everything after — store, cache, lock, renewal policy — is the session's.

mod file;
mod template;

use super::wire::{auth_failure, parse_token_response};
use super::{Caps, Credentials, Interaction, Provider, Revocable};
use crate::config::Profile;
use crate::error::{Failure, Kind, config, remote, sanitize, usage};
use crate::http::{Auth, Body, Http, Response, join};
use crate::providers::kind::builtin_names;
use crate::secret::Secret;
use crate::token::{TokenSet, UserInfo, expiry_after, expiry_at};
use file::{Definition, Encoding, Request};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use template::{Placeholder, form_fields};

/// Definition files larger than this are refused unread: a definition is
/// a few dozen lines.
const MAX_FILE: u64 = 64 * 1024;

/// The file that defines kind `name`.
pub fn path(dir: &Path, name: &str) -> PathBuf {
    dir.join(format!("{name}.toml"))
}

/// The defined kinds in `dir`, sorted: every `NAME.toml` whose name is a
/// valid kind name and not a built-in one (those are refused when used).
pub fn names(dir: &Path) -> Vec<String> {
    let builtin: Vec<String> = builtin_names().collect();
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let name = e.file_name().to_str()?.strip_suffix(".toml")?.to_string();
            (super::kind::is_definition_name(&name) && !builtin.contains(&name)).then_some(name)
        })
        .collect();
    out.sort();
    out
}

/// Refuses a definition file named like the built-in kind `kind` (under
/// any of its names): which of the two a profile meant cannot be told.
pub fn check_not_shadowed(dir: &Path, kind: crate::cli::ProviderKind) -> Result<(), Failure> {
    use clap::ValueEnum;
    let Some(pv) = kind.to_possible_value() else {
        return Ok(());
    };
    for n in pv.get_name_and_aliases() {
        let p = path(dir, n);
        if p.exists() {
            return Err(config(format!(
                "provider definition {} is named like the built-in kind '{n}'",
                p.display()
            ))
            .hint("rename the file (the kind is its name), and use that name with --provider"));
        }
    }
    Ok(())
}

/// Reads and checks the definition of kind `name`.
pub fn load(dir: &Path, name: &str) -> Result<Definition, Failure> {
    let p = path(dir, name);
    let invalid = |why: String| {
        config(format!(
            "invalid provider definition {}: {why}",
            p.display()
        ))
        .hint("see docs/provider-definitions.md for every key")
    };
    let cannot_read = |e: std::io::Error| config(format!("cannot read {}: {e}", p.display()));
    let f = match std::fs::File::open(&p) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Err(config(format!(
                "provider definition {} does not exist",
                p.display()
            ))
            .hint(format!(
                "create it, or set TOKCTL_PROVIDERS_DIR to the folder that holds {name}.toml"
            )));
        }
        Err(e) => return Err(cannot_read(e)),
    };
    let meta = f.metadata().map_err(cannot_read)?;
    // A definition decides where the password goes: the same rule as for
    // the profile file (the user's own, not writable by others).
    crate::config::check_owner_and_mode(&p, &meta).map_err(cannot_read)?;
    if meta.len() > MAX_FILE {
        return Err(invalid(format!("larger than {MAX_FILE} bytes")));
    }
    let bytes = crate::fsutil::read_bounded(f, meta.len(), &p)?;
    let text = String::from_utf8(bytes).map_err(|_| invalid("it is not UTF-8 text".into()))?;
    file::parse(&text).map_err(|problem| invalid(problem.to_string()))
}

/// A provider that does what its definition says.
pub struct Defined {
    name: String,
    def: Definition,
    base: String,
    client_id: Option<String>,
}

impl Defined {
    /// Loads the definition of `name` from `dir` for `profile`.
    pub fn new(profile: &Profile, name: &str, dir: &Path) -> Result<Self, Failure> {
        let def = load(dir, name)?;
        let base = profile
            .base_url
            .clone()
            .or_else(|| def.base_url.clone())
            .ok_or_else(|| {
                usage(format!(
                    "provider definition {} has no base_url: give --base-url",
                    path(dir, name).display()
                ))
            })?;
        Ok(Defined {
            name: name.to_string(),
            def,
            base,
            client_id: profile.oauth.client_id.clone(),
        })
    }

    fn login_uses(&self, p: Placeholder) -> bool {
        self.def.login.placeholders().contains(&p)
    }

    /// Builds and sends one request, its placeholders filled from `values`
    /// (one without a value fails the request before anything is sent).
    fn send(
        &self,
        http: &Http,
        req: &Request,
        values: &Values<'_>,
        auth: Auth<'_>,
    ) -> Result<Response, Failure> {
        let value = |p: Placeholder| values.get(p);
        let missing = |p: Placeholder| values.missing(p, &self.name);
        let mut headers = Vec::with_capacity(req.headers.len());
        for (name, t) in &req.headers {
            let v = t.render(&value).map_err(missing)?;
            if v.chars().any(|c| c.is_control() && c != '\t') {
                return Err(usage(format!(
                    "the {name} header of this {} request would hold a line break or control character, which HTTP headers cannot carry",
                    self.name
                )));
            }
            headers.push((name.clone(), Secret::new(v)));
        }
        let body = req
            .body
            .as_ref()
            .map(|b| b.render(&value))
            .transpose()
            .map_err(missing)?;
        let form = match (req.encoding, &body) {
            (Encoding::Form, Some(v)) => form_fields(v),
            _ => Vec::new(),
        };
        let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let body = match (&body, req.encoding) {
            (None, _) => Body::Empty,
            (Some(v), Encoding::Json) => Body::Json(v),
            (Some(_), Encoding::Form) => Body::Form(&pairs),
        };
        http.request(
            &req.method,
            &join(&self.base, &req.path),
            &headers,
            auth,
            body,
        )
    }

    /// A login or refresh answer as a token set.
    fn tokens(&self, resp: Response, what: &str) -> Result<TokenSet, Failure> {
        if !resp.ok() {
            return Err(self.failure(&resp, what));
        }
        let v = resp.json(what)?;
        let a = &self.def.response;
        let at = |p: &Option<String>| p.as_deref().and_then(|p| v.pointer(p));
        let access = v
            .pointer(&a.access_token)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .ok_or_else(|| {
                remote(format!(
                    "{what}: the server's answer has no access token at {}",
                    pointer_label(&a.access_token)
                ))
                .hint(format!(
                    "check `response.access_token` in the {} definition; -v shows the requests",
                    self.name
                ))
            })?;
        // The answer in the shape the built-in kinds read, so that one
        // place turns every server's answer into a token set.
        let mut shaped = json!({ "access_token": access });
        if let Some(rt) = at(&a.refresh_token).and_then(Value::as_str) {
            shaped["refresh_token"] = json!(rt);
        }
        if let Some(n) = at(&a.refresh_expires_in).filter(|n| is_number(n)) {
            shaped["refresh_expires_in"] = n.clone();
        }
        if let Some(n) = at(&a.expires_in).filter(|n| is_number(n)) {
            shaped["expires_in"] = n.clone();
        } else if let Some(t) = at(&a.expires_at).and_then(epoch_seconds) {
            // A server time: counted from when the request was sent, in
            // our clock.
            shaped["expires_in"] =
                json!(expiry_at(t, resp.clock_offset).saturating_sub(resp.sent_at));
        }
        let mut ts = parse_token_response(&resp, &shaped, what)?;
        if ts.expires_at.is_none() {
            let secs = i64::try_from(self.def.lifetime.as_secs()).unwrap_or(i64::MAX);
            ts.expires_at = Some(expiry_after(ts.obtained_at, secs));
        }
        ts.user = at(&a.username).and_then(scalar_text).map(|name| UserInfo {
            name: Some(name),
            ..UserInfo::default()
        });
        Ok(ts)
    }

    /// A failed answer: 400/401/403 mean the credentials or the refresh
    /// token were refused (exit 3); anything else is the server's failure.
    fn failure(&self, resp: &Response, what: &str) -> Failure {
        let quoted = resp
            .json(what)
            .ok()
            .and_then(|v| {
                self.def
                    .response
                    .error
                    .iter()
                    .find_map(|p| v.pointer(p).and_then(scalar_text))
            })
            .map(|t| sanitize(&t));
        match (resp.status, quoted) {
            (400 | 401 | 403, q) => {
                let why = q
                    .or_else(|| resp.server_text())
                    .unwrap_or_else(|| format!("HTTP {}", resp.status));
                Failure::new(
                    Kind::LoginRequired,
                    format!("the server rejected the {what}: {why}"),
                )
            }
            (429, _) | (_, None) => auth_failure(resp, what),
            (status, Some(q)) => remote(format!("{what} failed: HTTP {status}: {q}")),
        }
    }
}

impl Provider for Defined {
    fn caps(&self) -> Caps {
        Caps {
            refresh: self.def.refresh.is_some(),
            relogin: true,
            // A new login is then the only renewal, as for makeshift.
            save_credentials_by_default: self.def.refresh.is_none(),
            needs_username: self.login_uses(Placeholder::Username),
            needs_password: self.login_uses(Placeholder::Password),
            needs_client_secret: self.login_uses(Placeholder::ClientSecret),
            credential_in_files: false,
        }
    }

    fn endpoints(&self) -> Vec<(&'static str, String)> {
        [
            ("login", Some(&self.def.login)),
            ("refresh", self.def.refresh.as_ref()),
            ("info", self.def.info.as_ref()),
            ("revoke", self.def.revoke.as_ref()),
        ]
        .into_iter()
        .filter_map(|(n, r)| Some((n, join(&self.base, &r?.path))))
        .collect()
    }

    fn login(
        &self,
        http: &Http,
        creds: &Credentials,
        _how: Interaction,
    ) -> Result<TokenSet, Failure> {
        let values = Values {
            creds,
            client_id: self.client_id.as_deref(),
            refresh_token: None,
            access_token: None,
            renewal: false,
        };
        let resp = self.send(http, &self.def.login, &values, Auth::None)?;
        self.tokens(resp, "login")
    }

    fn refresh(
        &self,
        http: &Http,
        rt: &Secret<String>,
        creds: &Credentials,
    ) -> Result<TokenSet, Failure> {
        let Some(req) = &self.def.refresh else {
            return Err(super::unsupported("refreshing a token"));
        };
        let values = Values {
            creds,
            client_id: self.client_id.as_deref(),
            refresh_token: Some(rt),
            access_token: None,
            renewal: true,
        };
        let resp = self.send(http, req, &values, Auth::None)?;
        self.tokens(resp, "refresh")
    }

    fn remote_info(
        &self,
        http: &Http,
        access: &Secret<String>,
        _user: Option<&UserInfo>,
    ) -> Result<Value, Failure> {
        let Some(req) = &self.def.info else {
            return Err(super::unsupported("`info --remote`"));
        };
        let creds = Credentials::default();
        let values = Values {
            creds: &creds,
            client_id: self.client_id.as_deref(),
            refresh_token: None,
            access_token: Some(access),
            renewal: true,
        };
        // The info request is made *with* the token, unless the
        // definition says how.
        let auth = if req.sets_header("authorization") {
            Auth::None
        } else {
            Auth::Bearer(access)
        };
        let resp = self.send(http, req, &values, auth)?;
        if !resp.ok() {
            return Err(self.failure(&resp, "info request"));
        }
        resp.json("info request")
    }

    fn revoke(&self, http: &Http, tokens: &Revocable) -> Result<(), Failure> {
        let Some(req) = &self.def.revoke else {
            return Ok(());
        };
        let creds = Credentials {
            client_secret: tokens.client_secret.clone(),
            ..Credentials::default()
        };
        let values = Values {
            creds: &creds,
            client_id: self.client_id.as_deref(),
            refresh_token: tokens.refresh_token.as_ref(),
            access_token: tokens.access_token.as_ref(),
            renewal: true,
        };
        let resp = self.send(http, req, &values, Auth::None)?;
        if resp.ok() {
            Ok(())
        } else {
            Err(remote(format!(
                "revocation failed: {}",
                resp.status_summary()
            )))
        }
    }
}

/// The values a request's placeholders can take.
struct Values<'a> {
    creds: &'a Credentials,
    client_id: Option<&'a str>,
    refresh_token: Option<&'a Secret<String>>,
    access_token: Option<&'a Secret<String>>,
    /// An unattended renewal: a missing secret means "log in again".
    renewal: bool,
}

impl Values<'_> {
    fn get(&self, p: Placeholder) -> Option<String> {
        let secret = |s: Option<&Secret<String>>| s.map(|s| s.expose().clone());
        match p {
            Placeholder::Username => self.creds.username.clone(),
            Placeholder::Password => secret(self.creds.password.as_ref()),
            Placeholder::ClientSecret => secret(self.creds.client_secret.as_ref()),
            Placeholder::ClientId => self.client_id.map(str::to_string),
            Placeholder::RefreshToken => secret(self.refresh_token),
            Placeholder::AccessToken => secret(self.access_token),
        }
    }

    fn missing(&self, p: Placeholder, kind: &str) -> Failure {
        let how = match p {
            Placeholder::Username => "give --username",
            Placeholder::Password => "give a password (--password-stdin or TOKCTL_PASSWORD)",
            Placeholder::ClientId => "give --client-id",
            Placeholder::ClientSecret => {
                "give a client secret (--client-secret-stdin or TOKCTL_CLIENT_SECRET)"
            }
            Placeholder::RefreshToken | Placeholder::AccessToken => "log in again",
        };
        let msg = format!(
            "the {kind} definition uses {{{}}}, which has no value",
            p.name()
        );
        if self.renewal {
            Failure::new(Kind::LoginRequired, msg)
        } else {
            usage(msg).hint(format!("at `tokctl login`, {how}"))
        }
    }
}

/// How a pointer is named in messages (the empty pointer is the whole answer).
fn pointer_label(p: &str) -> String {
    if p.is_empty() {
        "\"\" (the whole answer)".into()
    } else {
        sanitize(p)
    }
}

fn is_number(v: &Value) -> bool {
    v.is_number() || v.as_str().is_some_and(|s| s.trim().parse::<i64>().is_ok())
}

/// A string, number or boolean as text; containers and empty strings are absent.
fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// An absolute time as epoch seconds: a number (or numeric string) of
/// seconds, or an RFC 3339 date-time with any offset.
fn epoch_seconds(v: &Value) -> Option<i64> {
    match v {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => {
            let s = s.trim();
            s.parse::<i64>().ok().or_else(|| rfc3339_seconds(s))
        }
        _ => None,
    }
}

/// RFC 3339 with `Z` or a `±HH:MM` offset (humantime reads only `Z`).
fn rfc3339_seconds(s: &str) -> Option<i64> {
    // RFC 3339 allows lower-case `t` and `z`.
    let s = s.to_ascii_uppercase();
    let (local, offset) = match s.strip_suffix('Z') {
        Some(local) => (local, 0),
        None => {
            let (local, o) = s.split_at_checked(s.len().checked_sub(6)?)?;
            let sign = match o.as_bytes() {
                [b'+', _, _, b':', _, _] => 1,
                [b'-', _, _, b':', _, _] => -1,
                _ => return None,
            };
            let h: i64 = o.get(1..3)?.parse().ok()?;
            let m: i64 = o.get(4..6)?.parse().ok()?;
            (local, sign * (h * 3600 + m * 60))
        }
    };
    let t = humantime::parse_rfc3339(&format!("{local}Z")).ok()?;
    let secs = t.duration_since(std::time::UNIX_EPOCH).ok()?.as_secs();
    i64::try_from(secs).ok()?.checked_sub(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absolute_times() {
        assert_eq!(epoch_seconds(&json!(1_700_000_000)), Some(1_700_000_000));
        assert_eq!(epoch_seconds(&json!("1700000000")), Some(1_700_000_000));
        assert_eq!(
            epoch_seconds(&json!("2023-11-14T22:13:20Z")),
            Some(1_700_000_000)
        );
        assert_eq!(
            epoch_seconds(&json!("2023-11-14T23:13:20+01:00")),
            Some(1_700_000_000)
        );
        assert_eq!(
            epoch_seconds(&json!("2023-11-14T17:43:20.250-04:30")),
            Some(1_700_000_000)
        );
        for bad in [
            json!("tomorrow"),
            json!(null),
            json!({"at": 1}),
            json!("2023-13-01T00:00:00Z"),
        ] {
            assert_eq!(epoch_seconds(&bad), None, "{bad}");
        }
    }

    #[test]
    fn pointers_resolve_as_rfc_6901_says() {
        // serde_json's pointer implements the escapes and indices.
        let v = json!({"a/b": {"m~n": ["x", "y"]}, "": 1});
        assert_eq!(v.pointer("/a~1b/m~0n/1"), Some(&json!("y")));
        assert_eq!(v.pointer("/"), Some(&json!(1)));
        assert_eq!(v.pointer(""), Some(&v));
        assert_eq!(v.pointer("/a~1b/m~0n/2"), None, "out of range is absent");
        assert_eq!(
            v.pointer("/a~1b/m~0n/01"),
            None,
            "leading zeros are not indices"
        );
        assert_eq!(v.pointer("/nope/deeper"), None);
    }
}
