//! The profile file: TOML edited in place with `toml_edit`, so that a user's
//! comments and layout survive `tokctl login` updating a profile.
//!
//! Only non-secret settings live here. A file that does not parse is an
//! error (exit 5) and is never rewritten: the next `login` must not destroy
//! a file the user is halfway through editing.
//!
//! What a profile holds and the rules it obeys are [`profile`]'s; the table
//! of OAuth endpoints is [`endpoints`]'s. Both are re-exported here, so
//! `crate::config::Profile` and `crate::config::Endpoints` name them.

mod endpoints;
mod profile;

pub use endpoints::Endpoints;
pub use profile::{OAuthSettings, Profile};

use profile::{invalid_name, valid_name};

use crate::cli::{ProviderKind, value_name};
use crate::error::{Failure, config};
use crate::fsutil;
use crate::output::Output;
use crate::providers::kind::ProviderName;
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
    use crate::cli::{Flow, StoreKind};

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
    fn unknown_profile() {
        let c = load(SAMPLE).unwrap();
        let e = c.profile("nope").unwrap_err();
        assert!(e.message().contains("unknown profile 'nope'"));
    }
}
