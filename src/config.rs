//! The profile file: TOML edited in place with `toml_edit`, so that a user's
//! comments and layout survive `tokctl login` updating a profile.
//!
//! Only non-secret settings live here. A file that does not parse is an
//! error (exit 5) and is never rewritten: the next `login` must not destroy
//! a file the user is halfway through editing.

use crate::cli::{
    AssertionAudience, ClientAuth, Flow, LoginArgs, OAuthArgs, ProviderKind, StoreKind, given,
    value_name,
};
use crate::error::{Failure, config, usage};
use crate::fsutil;
use crate::http::check_url;
use crate::output::Output;
use crate::providers::kind::ProviderName;
use crate::providers::oauth2::params;
use crate::store::cache::Stamp;
use clap::ValueEnum;
use std::path::{Path, PathBuf};
use toml_edit::{Array, DocumentMut, Item, Table, value};

/// Reads a file and the stamp of exactly the bytes read: `None` for the
/// stamp when the file changed while it was being read.
fn read_stamped(path: &Path) -> std::io::Result<Option<(Vec<u8>, Option<Stamp>)>> {
    use std::io::Read;
    let mut f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    let meta = f.metadata()?;
    check_owner_and_mode(path, &meta)?;
    let before = Stamp::from_metadata(&meta);
    let mut bytes = Vec::new();
    f.read_to_end(&mut bytes)?;
    let after = Stamp::from_metadata(&f.metadata()?);
    Ok(Some((bytes, (before == after).then_some(after))))
}

/// The profile file decides where secrets are sent: one that another user
/// owns or may write is refused, whatever its content. A symlinked file
/// (dotfiles) is judged by its target. Provider definitions follow the
/// same rule.
pub(crate) fn check_owner_and_mode(path: &Path, meta: &std::fs::Metadata) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let me = unsafe { libc::geteuid() };
        let why = if meta.uid() != me {
            Some(format!(
                "it belongs to uid {}, not to you (uid {me})",
                meta.uid()
            ))
        } else if meta.mode() & 0o022 != 0 {
            Some(format!(
                "others may write it (mode {:o}); `chmod go-w {}` after checking its content",
                meta.mode() & 0o777,
                path.display()
            ))
        } else {
            None
        };
        if let Some(why) = why {
            return Err(std::io::Error::new(
                std::io::ErrorKind::PermissionDenied,
                format!("refusing it: {why}"),
            ));
        }
    }
    let _ = (path, meta);
    Ok(())
}

/// One profile's settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Which API this profile speaks.
    pub provider: ProviderName,
    /// Auth server base URL (provider default when absent).
    pub base_url: Option<String>,
    /// API base URL (realmassive's user entity).
    pub api_url: Option<String>,
    /// Username, e-mail or API key.
    pub username: Option<String>,
    /// Where the secrets of this profile live (written at login).
    pub store: Option<StoreKind>,
    /// Keep the access token in the cache file (default) or in the secret store.
    pub cache: bool,
    /// Explicit choice about saving the password / client secret.
    pub save_credentials: Option<bool>,
    /// OAuth / OIDC settings.
    pub oauth: OAuthSettings,
    /// The user name `git-credential` sends with the token when git names
    /// none (set by hand; tokctl never writes it).
    pub git_username: Option<String>,
}

/// One endpoint's names: in the profile file, in the server's metadata
/// (OpenID Connect discovery, RFC 8414), and in `info`.
#[derive(Debug)]
pub struct EndpointNames {
    /// The profile-file key, e.g. `token_url`.
    pub key: &'static str,
    /// The metadata key, e.g. `token_endpoint`.
    pub metadata: &'static str,
    /// The name `info` shows, e.g. `token`.
    pub label: &'static str,
}

/// Declares [`Endpoints`] from one table, so that a new endpoint is one
/// row: its field, profile-file key, metadata key and `info` label.
macro_rules! endpoint_table {
    ($($field:ident => $key:literal, $metadata:literal, $label:literal;)*) => {
        /// The OAuth endpoints a profile knows: given explicitly, or found
        /// in the server's metadata at login and remembered.
        #[derive(Debug, Clone, Default, PartialEq)]
        pub struct Endpoints {
            $(#[doc = concat!("`", $key, "` in the profile file, `", $metadata, "` in metadata.")]
            pub $field: Option<String>,)*
        }

        impl Endpoints {
            /// Every endpoint's names, in table order.
            pub const NAMES: &'static [EndpointNames] = &[$(EndpointNames {
                key: $key,
                metadata: $metadata,
                label: $label,
            }),*];

            /// Each endpoint's names with its value, in table order.
            pub fn iter(&self) -> impl Iterator<Item = (&'static EndpointNames, &Option<String>)> {
                Self::NAMES.iter().zip([$(&self.$field),*])
            }

            /// Each endpoint's names with its slot, in table order.
            pub fn iter_mut(
                &mut self,
            ) -> impl Iterator<Item = (&'static EndpointNames, &mut Option<String>)> {
                Self::NAMES.iter().zip([$(&mut self.$field),*])
            }
        }
    };
}

endpoint_table! {
    token => "token_url", "token_endpoint", "token";
    auth => "auth_url", "authorization_endpoint", "authorization";
    device => "device_url", "device_authorization_endpoint", "device";
    revocation => "revocation_url", "revocation_endpoint", "revocation";
    introspection => "introspection_url", "introspection_endpoint", "introspection";
    userinfo => "userinfo_url", "userinfo_endpoint", "userinfo";
    // RFC 9126 pushed authorization requests.
    par => "par_url", "pushed_authorization_request_endpoint", "pushed authorization";
}

impl Endpoints {
    /// Fills the endpoints not known yet from `found`: explicit ones win.
    pub fn fill(&mut self, mut found: Endpoints) {
        for ((_, mine), (_, theirs)) in self.iter_mut().zip(found.iter_mut()) {
            if mine.is_none() {
                *mine = theirs.take();
            }
        }
    }
}

/// The OAuth 2 / OIDC part of a profile.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OAuthSettings {
    pub issuer: Option<String>,
    pub endpoints: Endpoints,
    pub client_id: Option<String>,
    pub client_auth: Option<ClientAuth>,
    /// `--client-cert`: the PEM certificate for `tls` client authentication.
    pub client_cert: Option<String>,
    /// `--client-key`: the PEM key for `tls` (read per request; for
    /// `private-key-jwt` the key itself lives in the secret store).
    pub client_key: Option<String>,
    /// `assertion_audience = "issuer"`: client assertions name the issuer
    /// instead of the token endpoint.
    pub assertion_audience: Option<AssertionAudience>,
    pub flow: Option<Flow>,
    pub scopes: Vec<String>,
    pub redirect_uri: Option<String>,
    /// `--auth-param KEY=VALUE`, as given.
    pub auth_params: Vec<String>,
    /// `--token-param KEY=VALUE`, as given.
    pub token_params: Vec<String>,
}

impl Profile {
    /// A new profile of `provider` with nothing else set.
    pub fn new(provider: impl Into<ProviderName>) -> Self {
        Profile {
            provider: provider.into(),
            base_url: None,
            api_url: None,
            username: None,
            store: None,
            cache: true,
            save_credentials: None,
            oauth: OAuthSettings::default(),
            git_username: None,
        }
    }

    /// Merges the flags of `tokctl login` into the profile, checking URLs
    /// and that every flag given applies to the profile's provider.
    pub fn merge_login_flags(&mut self, a: &LoginArgs) -> Result<(), Failure> {
        if let Some(kind) = &a.provider {
            self.provider = kind.clone();
        }
        let is_oauth = matches!(
            self.provider.builtin(),
            Some(ProviderKind::Oauth2 | ProviderKind::Organicity)
        );
        // A definition may send the client's id and secret too
        // (`{client_id}`, `{client_secret}`).
        let has_client = is_oauth || matches!(self.provider, ProviderName::Defined(_));
        if (given(&a.oauth) && !is_oauth) || (given(&a.client) && !has_client) {
            return Err(usage(format!(
                "OAuth flags (--issuer, --token-url, --client-id, --flow, ...) do not apply to provider '{}'",
                self.provider
            )));
        }
        // Endpoints learned from one server mean nothing for another: a new
        // issuer or base URL forgets them (discovery, or the flags below,
        // fill them again).
        let o = &a.oauth;
        let moved = |old: &Option<String>, new: &Option<String>| new.is_some() && new != old;
        if moved(&self.oauth.issuer, &o.issuer) || moved(&self.base_url, &a.base_url) {
            self.oauth.endpoints = Endpoints::default();
        }
        set_url(&mut self.base_url, &a.base_url, "base-url")?;
        set_url(&mut self.api_url, &a.api_url, "api-url")?;
        set(&mut self.username, &a.username);
        // The two flags override each other: at most one is on.
        if a.save_credentials || a.no_save_credentials {
            self.save_credentials = Some(a.save_credentials);
        }
        set(&mut self.oauth.client_id, &a.client.client_id);
        let p = &mut self.oauth;
        set_url(&mut p.issuer, &o.issuer, "issuer")?;
        set_url(&mut p.endpoints.token, &o.token_url, "token-url")?;
        set_url(&mut p.endpoints.auth, &o.auth_url, "auth-url")?;
        set_url(&mut p.endpoints.device, &o.device_url, "device-url")?;
        set_url(&mut p.redirect_uri, &o.redirect_uri, "redirect-uri")?;
        set(&mut p.client_auth, &o.client_auth);
        p.merge_client_files(o)?;
        if !o.auth_params.is_empty() {
            params::check(&o.auth_params, params::Request::Authorization)?;
            p.auth_params = o.auth_params.clone();
        }
        if !o.token_params.is_empty() {
            params::check(&o.token_params, params::Request::Token)?;
            p.token_params = o.token_params.clone();
        }
        set(&mut p.flow, &o.flow);
        if !o.scopes.is_empty() {
            p.scopes = o.scopes.clone();
        }
        Ok(())
    }

    /// Whether two versions of a profile talk to the same server (and
    /// OAuth client), so that its secrets remain valid and safe to send
    /// there.
    pub fn same_client(&self, new: &Profile) -> bool {
        let old = self;
        old.provider == new.provider
            && old.base_url == new.base_url
            && old.oauth.issuer == new.oauth.issuer
            && old.oauth.endpoints.token == new.oauth.endpoints.token
            && old.oauth.client_id == new.oauth.client_id
    }

    /// Profile names become file names (cache, lock): letters, digits,
    /// `-`, `_`, `.`, `@`, not starting with a dot, at most 64. The rule
    /// holds for `-p` and for names in the profile file alike.
    pub fn check_name(name: &str) -> Result<(), Failure> {
        if valid_name(name) {
            Ok(())
        } else {
            Err(usage(invalid_name(name)))
        }
    }
}

impl OAuthSettings {
    /// `--client-cert` and `--client-key`: for `tls` the paths go to the
    /// profile (the files are read on every request); a `private-key-jwt`
    /// key is read at login instead (`input::SecretInput::client_key`) and
    /// no path is kept. Which method applies is known only now, with the
    /// profile's stored one: these checks cannot be clap's.
    fn merge_client_files(&mut self, a: &OAuthArgs) -> Result<(), Failure> {
        let absolute = |path: &Path| {
            std::path::absolute(path)
                .map(|p| p.to_string_lossy().into_owned())
                .map_err(|e| usage(format!("{}: {e}", path.display())))
        };
        match self.client_auth {
            Some(ClientAuth::Tls) => {
                if let Some(c) = &a.client_cert {
                    self.client_cert = Some(absolute(c)?);
                }
                if let Some(k) = &a.client_key {
                    self.client_key = Some(absolute(k)?);
                }
                if self.client_cert.is_none() || self.client_key.is_none() {
                    return Err(usage(
                        "--client-auth tls needs --client-cert PATH and --client-key PATH",
                    )
                    .hint(
                        "PEM files: the client certificate (with its chain) and its private key",
                    ));
                }
            }
            method => {
                self.client_cert = None;
                self.client_key = None;
                // With private-key-jwt the certificate goes into the
                // secret store beside its key (`input::SecretInput::client_key`).
                if a.client_cert.is_some() && method != Some(ClientAuth::PrivateKeyJwt) {
                    return Err(usage(
                        "--client-cert is for --client-auth tls or private-key-jwt",
                    ));
                }
                if a.client_key.is_some() && method != Some(ClientAuth::PrivateKeyJwt) {
                    return Err(usage(
                        "--client-key is for --client-auth private-key-jwt or tls",
                    ));
                }
            }
        }
        Ok(())
    }
}

/// A flag's value, when given, replaces the profile's.
fn set<T: Clone>(slot: &mut Option<T>, flag: &Option<T>) {
    if flag.is_some() {
        slot.clone_from(flag);
    }
}

/// [`set`] for a URL, which must obey the transport rule.
fn set_url(slot: &mut Option<String>, flag: &Option<String>, name: &str) -> Result<(), Failure> {
    if let Some(u) = flag {
        check_url(u).map_err(|m| usage(format!("--{name}: {m}")))?;
        *slot = Some(u.clone());
    }
    Ok(())
}

/// The parsed profile file.
#[derive(Debug)]
pub struct Config {
    path: PathBuf,
    doc: DocumentMut,
    stamp: Option<Stamp>,
    /// Where warnings about the file's contents go.
    out: Output,
}

impl Config {
    /// Reads the file; a missing file is an empty configuration. `out` is
    /// where [`Config::profile`] warns about keys it does not know.
    pub fn load(path: &Path, out: Output) -> Result<Config, Failure> {
        let mut stamp = None;
        let doc = match read_stamped(path) {
            Ok(None) => DocumentMut::new(),
            Ok(Some((bytes, read_stamp))) => {
                stamp = read_stamp;
                let text =
                    String::from_utf8(bytes).map_err(|_| bad_file(path, "it is not UTF-8 text"))?;
                text.parse::<DocumentMut>()
                    .map_err(|e| bad_file(path, &parse_reason(&e.to_string())))?
            }
            Err(e) => {
                return Err(config(format!("cannot read {}: {e}", path.display())));
            }
        };
        if let Some(p) = doc.get("profiles")
            && !p.is_table_like()
        {
            return Err(bad_file(path, "`profiles` must be a table"));
        }
        // Profile names become file names (cache, lock): a name from the
        // file follows the `-p` rule, or `../..` would reach outside the
        // data directory.
        let names = doc
            .get("profiles")
            .and_then(Item::as_table_like)
            .into_iter()
            .flat_map(|t| t.iter().map(|(k, _)| k));
        let default = doc.get("default").and_then(Item::as_str);
        if let Some(bad) = names.chain(default).find(|n| !valid_name(n)) {
            return Err(bad_file(path, &invalid_name(bad)));
        }
        Ok(Config {
            path: path.to_path_buf(),
            doc,
            stamp,
            out,
        })
    }

    /// Profile names in file order.
    pub fn names(&self) -> Vec<String> {
        self.profiles_table()
            .map(|t| t.iter().map(|(k, _)| k.to_string()).collect())
            .unwrap_or_default()
    }

    /// The `default = "NAME"` setting.
    pub fn default_name(&self) -> Option<&str> {
        self.doc.get("default").and_then(Item::as_str)
    }

    /// Whether `name` exists.
    pub fn contains(&self, name: &str) -> bool {
        self.profiles_table().is_some_and(|t| t.contains_key(name))
    }

    /// Reads one profile, checking every field's type.
    pub fn profile(&self, name: &str) -> Result<Profile, Failure> {
        let table = self
            .profiles_table()
            .and_then(|t| t.get(name))
            .ok_or_else(|| {
                config(format!(
                    "unknown profile '{name}' in {}",
                    self.path.display()
                ))
                .hint("run `tokctl profiles` to list profiles, or `tokctl login --provider KIND -p NAME` to create one")
            })?;
        let t = table
            .as_table_like()
            .ok_or_else(|| bad_file(&self.path, &format!("profile '{name}' is not a table")))?;
        let r = Reader {
            t,
            path: &self.path,
            name,
            asked: Default::default(),
        };
        let provider = r
            .provider()?
            .ok_or_else(|| bad_file(&self.path, &format!("profile '{name}' has no `provider`")))?;
        let profile = Profile {
            provider,
            base_url: r.string("base_url")?,
            api_url: r.string("api_url")?,
            username: r.string("username")?,
            store: r.enum_val("store")?,
            cache: r.boolean("cache")?.unwrap_or(true),
            save_credentials: r.boolean("save_credentials")?,
            oauth: OAuthSettings {
                issuer: r.string("issuer")?,
                endpoints: r.endpoints()?,
                client_id: r.string("client_id")?,
                client_auth: r.enum_val("client_auth")?,
                client_cert: r.string("client_cert")?,
                client_key: r.string("client_key")?,
                assertion_audience: r.enum_val("assertion_audience")?,
                flow: r.enum_val("flow")?,
                scopes: r.strings("scopes")?,
                redirect_uri: r.string("redirect_uri")?,
                auth_params: r.strings("auth_params")?,
                token_params: r.strings("token_params")?,
            },
            git_username: r.string("git_username")?,
        };
        r.warn_unknown(&self.out);
        Ok(profile)
    }

    /// Writes `profile` into the document, touching only keys whose value
    /// changed so that comments next to untouched keys stay where they are.
    pub fn set_profile(&mut self, name: &str, p: &Profile) {
        if !self.doc.contains_key("profiles") {
            let mut t = Table::new();
            t.set_implicit(true);
            self.doc.insert("profiles", Item::Table(t));
        }
        let profiles = self.doc["profiles"]
            .as_table_like_mut()
            .expect("checked at load");
        if !profiles.contains_key(name) {
            profiles.insert(name, Item::Table(Table::new()));
        }
        let t = profiles
            .get_mut(name)
            .and_then(Item::as_table_like_mut)
            .expect("checked at load");
        let o = &p.oauth;
        let mut strings: Vec<(&str, Option<String>)> = vec![
            ("provider", Some(p.provider.to_string())),
            ("base_url", p.base_url.clone()),
            ("api_url", p.api_url.clone()),
            ("username", p.username.clone()),
            ("store", p.store.as_ref().map(value_name)),
            ("issuer", o.issuer.clone()),
        ];
        strings.extend(o.endpoints.iter().map(|(n, v)| (n.key, v.clone())));
        strings.extend([
            ("client_id", o.client_id.clone()),
            ("client_auth", o.client_auth.as_ref().map(value_name)),
            ("client_cert", o.client_cert.clone()),
            ("client_key", o.client_key.clone()),
            (
                "assertion_audience",
                o.assertion_audience.as_ref().map(value_name),
            ),
            ("flow", o.flow.as_ref().map(value_name)),
            ("redirect_uri", o.redirect_uri.clone()),
        ]);
        for (key, v) in strings {
            match v {
                Some(v) if t.get(key).and_then(Item::as_str) != Some(v.as_str()) => {
                    t.insert(key, value(v));
                }
                Some(_) => {}
                None => {
                    t.remove(key);
                }
            }
        }
        for (key, list) in [
            ("scopes", &o.scopes),
            ("auth_params", &o.auth_params),
            ("token_params", &o.token_params),
        ] {
            if list.is_empty() {
                t.remove(key);
            } else if self_strings(t.get(key)) != *list {
                t.insert(key, value(list.iter().collect::<Array>()));
            }
        }
        set_bool(t, "cache", (!p.cache).then_some(false));
        set_bool(t, "save_credentials", p.save_credentials);
    }

    /// Writes `profile` into the document and saves the file. A file's
    /// first profile, or the only one of a file without a default, becomes
    /// the default.
    pub fn save_profile(&mut self, name: &str, p: &Profile) -> Result<(), Failure> {
        let first = self.names().is_empty();
        self.set_profile(name, p);
        if first || self.default_name().is_none() && self.names().len() == 1 {
            self.set_default(name);
        }
        self.save()
    }

    /// Sets `default = NAME`, keeping a comment beside an existing value.
    pub fn set_default(&mut self, name: &str) {
        match self.doc.get_mut("default").and_then(Item::as_value_mut) {
            Some(v) => {
                let decor = v.decor().clone();
                *v = name.into();
                *v.decor_mut() = decor;
            }
            None => {
                self.doc.insert("default", value(name));
            }
        }
    }

    /// The stamp of the file as it was read or last saved; `None` when it
    /// does not exist or changed while being read.
    pub fn stamp(&self) -> Option<Stamp> {
        self.stamp
    }

    /// Writes the file atomically. A symlinked profile file (dotfiles) stays
    /// a symlink: its target is what gets replaced.
    pub fn save(&mut self) -> Result<(), Failure> {
        if let Some(dir) = self.path.parent()
            && !dir.as_os_str().is_empty()
        {
            // Created private whatever the umask; an existing directory
            // must not let anyone else swap the file.
            fsutil::create_dirs(dir)?;
        }
        let target = std::fs::canonicalize(&self.path).unwrap_or_else(|_| self.path.clone());
        fsutil::write_atomic(&target, self.doc.to_string().as_bytes())?;
        self.stamp = Stamp::of(&self.path);
        Ok(())
    }

    fn profiles_table(&self) -> Option<&dyn toml_edit::TableLike> {
        self.doc.get("profiles").and_then(Item::as_table_like)
    }
}

fn set_bool(t: &mut dyn toml_edit::TableLike, key: &str, v: Option<bool>) {
    match v {
        Some(b) if t.get(key).and_then(Item::as_bool) != Some(b) => {
            t.insert(key, value(b));
        }
        Some(_) => {}
        None => {
            t.remove(key);
        }
    }
}

fn self_strings(item: Option<&Item>) -> Vec<String> {
    item.and_then(Item::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Typed access to one profile table with errors that name the key.
struct Reader<'a> {
    t: &'a dyn toml_edit::TableLike,
    path: &'a Path,
    name: &'a str,
    /// Every key asked for, so that the others can be reported as unknown.
    asked: std::cell::RefCell<Vec<String>>,
}

impl Reader<'_> {
    fn get(&self, key: &str) -> Option<&Item> {
        self.asked.borrow_mut().push(key.to_string());
        self.t.get(key)
    }

    /// Warns about keys nothing asked for: a misspelt `pasword = …` or
    /// `base-url` would otherwise be ignored without a word.
    fn warn_unknown(&self, out: &Output) {
        let asked = self.asked.borrow();
        for (k, _) in self.t.iter() {
            if !asked.iter().any(|a| a == k) {
                out.warn(&format!(
                    "unknown key `{}` in profile '{}' of {} (ignored)",
                    crate::error::sanitize(k),
                    self.name,
                    self.path.display()
                ));
            }
        }
    }

    fn wrong(&self, key: &str, want: &str) -> Failure {
        bad_file(
            self.path,
            &format!("`{key}` in profile '{}' must be {want}", self.name),
        )
    }

    fn string(&self, key: &str) -> Result<Option<String>, Failure> {
        match self.get(key) {
            None => Ok(None),
            Some(i) => i
                .as_str()
                .map(|s| Some(s.to_string()))
                .ok_or_else(|| self.wrong(key, "a string")),
        }
    }

    fn endpoints(&self) -> Result<Endpoints, Failure> {
        let mut e = Endpoints::default();
        for (names, slot) in e.iter_mut() {
            *slot = self.string(names.key)?;
        }
        Ok(e)
    }

    fn boolean(&self, key: &str) -> Result<Option<bool>, Failure> {
        match self.get(key) {
            None => Ok(None),
            Some(i) => i
                .as_bool()
                .map(Some)
                .ok_or_else(|| self.wrong(key, "true or false")),
        }
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, Failure> {
        match self.get(key) {
            None => Ok(Vec::new()),
            Some(i) => {
                let arr = i
                    .as_array()
                    .ok_or_else(|| self.wrong(key, "a list of strings"))?;
                arr.iter()
                    .map(|v| v.as_str().map(str::to_string))
                    .collect::<Option<Vec<_>>>()
                    .ok_or_else(|| self.wrong(key, "a list of strings"))
            }
        }
    }

    /// A built-in kind, or the name of a provider definition (whose file
    /// is read only when the provider is needed).
    fn provider(&self) -> Result<Option<ProviderName>, Failure> {
        let Some(s) = self.string("provider")? else {
            return Ok(None);
        };
        ProviderName::parse(&s).map(Some).ok_or_else(|| {
            let names: Vec<String> = ProviderKind::value_variants()
                .iter()
                .map(value_name)
                .collect();
            self.wrong(
                "provider",
                &format!(
                    "one of {}, or the name of a provider definition (a-z, 0-9, '-', '_')",
                    names.join(", ")
                ),
            )
        })
    }

    fn enum_val<T: ValueEnum>(&self, key: &str) -> Result<Option<T>, Failure> {
        let Some(s) = self.string(key)? else {
            return Ok(None);
        };
        T::from_str(&s, true).map(Some).map_err(|_| {
            let names: Vec<String> = T::value_variants().iter().map(value_name).collect();
            self.wrong(key, &format!("one of {}", names.join(", ")))
        })
    }
}

/// See [`Profile::check_name`].
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@'))
}

/// The message for a name that breaks [`Profile::check_name`].
fn invalid_name(name: &str) -> String {
    format!(
        "invalid profile name '{}': use letters, digits, '-', '_', '.', '@' (at most 64)",
        crate::error::sanitize(name)
    )
}

fn bad_file(path: &Path, why: &str) -> Failure {
    config(format!("invalid profile file {}: {why}", path.display()))
        .hint("fix the file by hand; tokctl will not overwrite it while it is invalid")
}

/// The position and reason from a `toml_edit` parse error, without the
/// source excerpt it frames with `|` (a stray " |" made the message
/// unreadable, and the excerpt quotes the file).
fn parse_reason(s: &str) -> String {
    let excerpt = |l: &str| {
        l.trim_start()
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start()
            .starts_with('|')
    };
    let mut lines = s.lines().filter(|l| !l.trim().is_empty() && !excerpt(l));
    let position = lines.next().unwrap_or("parse error").trim().to_string();
    let reason: Vec<&str> = lines.map(str::trim).collect();
    if reason.is_empty() {
        position
    } else {
        format!("{position}: {}", reason.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"# my tokens
default = "work"   # the one I use most

[profiles.work]
# RealMassive production
provider = "realmassive"
username = "me@example.com" # my login
"#;

    fn load(text: &str) -> Result<Config, Failure> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("config.toml");
        std::fs::write(&p, text).unwrap();
        Config::load(&p, Output::default())
    }

    #[test]
    fn round_trip_keeps_comments() {
        let mut c = load(SAMPLE).unwrap();
        let mut p = c.profile("work").unwrap();
        assert_eq!(p.provider, ProviderKind::Realmassive);
        assert_eq!(c.default_name(), Some("work"));
        p.store = Some(StoreKind::File);
        p.oauth.scopes = vec!["a".into(), "b".into()];
        c.set_profile("work", &p);
        let text = c.doc.to_string();
        assert!(text.contains("# my tokens"));
        assert!(text.contains("# the one I use most"));
        assert!(text.contains("# RealMassive production"));
        assert!(text.contains("username = \"me@example.com\" # my login"));
        assert!(text.contains("store = \"file\""));
        let reread: DocumentMut = text.parse().unwrap();
        let c2 = Config {
            path: c.path.clone(),
            doc: reread,
            stamp: None,
            out: Output::default(),
        };
        assert_eq!(c2.profile("work").unwrap(), p);
    }

    #[test]
    fn save_keeps_a_symlink_and_restamps() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("dotfiles-config.toml");
        std::fs::write(&real, SAMPLE).unwrap();
        let link = dir.path().join("config.toml");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let mut c = Config::load(&link, Output::default()).unwrap();
        let before = c.stamp().expect("stamped at load");
        c.set_default("other");
        c.save().unwrap();
        assert!(
            std::fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        assert!(
            std::fs::read_to_string(&real)
                .unwrap()
                .contains("default = \"other\"")
        );
        assert_ne!(c.stamp(), Some(before));
        assert_eq!(c.stamp(), Stamp::of(&link));
    }

    #[test]
    fn new_profile_and_default() {
        let mut c = load("").unwrap();
        let mut p = Profile::new(ProviderKind::Oauth2);
        p.oauth.flow = Some(Flow::Device);
        p.cache = false;
        c.set_profile("x", &p);
        c.set_default("x");
        assert_eq!(c.profile("x").unwrap(), p);
        assert_eq!(c.names(), vec!["x"]);
    }

    #[test]
    fn invalid_files_are_config_errors() {
        for text in [
            "[profiles.a\nprovider=",
            "profiles = 3",
            "[profiles.a]\nprovider = \"no pe\"",
            "[profiles.a]\nprovider = \"realmassive\"\ncache = \"yes\"",
            "[profiles.a]\nusername = \"x\"",
        ] {
            let r = load(text).and_then(|c| c.profile("a"));
            let e = r.expect_err(text);
            assert_eq!(e.kind, crate::error::Kind::ConfigOrStore, "{text}");
        }
    }

    #[test]
    fn parse_errors_name_the_place_not_the_content() {
        let e = load("a = 1\n[profiles.rm\nprovider = \"x\"\n").unwrap_err();
        let m = e.message();
        assert!(
            m.ends_with(": TOML parse error at line 2, column 13: unclosed table, expected `]`"),
            "{m}"
        );
        assert!(!m.contains('|'), "{m}");
    }

    #[test]
    fn profile_names() {
        for ok in ["default", "work-1", "a.b", "me@host"] {
            assert!(Profile::check_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "../x", "a/b", ".hidden", "sp ace", &"x".repeat(65)] {
            assert!(Profile::check_name(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn every_endpoint_round_trips_under_its_key() {
        let mut c = load("").unwrap();
        let mut p = Profile::new(ProviderKind::Oauth2);
        for (names, slot) in p.oauth.endpoints.iter_mut() {
            *slot = Some(format!("https://as.example/{}", names.key));
        }
        c.set_profile("x", &p);
        let text = c.doc.to_string();
        for names in Endpoints::NAMES {
            let line = format!("{} = \"https://as.example/{}\"", names.key, names.key);
            assert!(text.contains(&line), "{line} in {text}");
        }
        assert_eq!(c.profile("x").unwrap(), p);
        let mut keys: Vec<_> = Endpoints::NAMES.iter().map(|n| n.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), Endpoints::NAMES.len(), "one key per endpoint");
    }

    #[test]
    fn a_new_server_forgets_every_endpoint_of_the_old_one() {
        let mut p = Profile::new(ProviderKind::Oauth2);
        p.oauth.issuer = Some("https://old.example".into());
        for (names, slot) in p.oauth.endpoints.iter_mut() {
            *slot = Some(format!("https://old.example/{}", names.key));
        }
        let mut same = p.clone();
        let mut flags = LoginArgs::default();
        flags.oauth.issuer = p.oauth.issuer.clone();
        same.merge_login_flags(&flags).unwrap();
        assert_eq!(same, p, "the same issuer keeps them");
        flags.oauth.issuer = Some("https://new.example".into());
        flags.oauth.token_url = Some("https://new.example/token".into());
        p.merge_login_flags(&flags).unwrap();
        assert_eq!(
            p.oauth.endpoints,
            Endpoints {
                token: Some("https://new.example/token".into()),
                ..Endpoints::default()
            }
        );
        assert!(p.same_client(&p.clone()));
        assert!(!same.same_client(&p), "another issuer is another client");
    }

    #[test]
    fn flags_apply_only_where_the_provider_takes_them() {
        let refused = |kind: ProviderName, flags: &LoginArgs| {
            let mut p = Profile::new(kind);
            match p.merge_login_flags(flags) {
                Ok(()) => false,
                Err(e) => {
                    assert_eq!(e.kind, crate::error::Kind::Usage);
                    assert!(e.message().starts_with("OAuth flags"), "{}", e.message());
                    true
                }
            }
        };
        let rm = || ProviderName::from(ProviderKind::Realmassive);
        let defined = || ProviderName::parse("acme").unwrap();
        let mut client = LoginArgs::default();
        client.client.client_id = Some("c".into());
        let mut scope = LoginArgs::default();
        scope.oauth.scopes = vec!["s".into()];
        assert!(refused(rm(), &client));
        assert!(refused(rm(), &scope));
        assert!(!refused(defined(), &client), "a definition may send it");
        assert!(refused(defined(), &scope));
        assert!(!refused(ProviderKind::Organicity.into(), &scope));
        assert!(!refused(rm(), &LoginArgs::default()));
    }

    #[test]
    fn fill_keeps_what_is_known() {
        let mut mine = Endpoints {
            token: Some("https://mine/token".into()),
            ..Endpoints::default()
        };
        mine.fill(Endpoints {
            token: Some("https://theirs/token".into()),
            par: Some("https://theirs/par".into()),
            ..Endpoints::default()
        });
        assert_eq!(mine.token.as_deref(), Some("https://mine/token"));
        assert_eq!(mine.par.as_deref(), Some("https://theirs/par"));
        assert_eq!(mine.auth, None);
    }

    #[test]
    fn unknown_profile() {
        let c = load(SAMPLE).unwrap();
        let e = c.profile("nope").unwrap_err();
        assert!(e.message().contains("unknown profile 'nope'"));
    }
}
