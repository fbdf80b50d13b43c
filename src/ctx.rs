//! The resolved context every command runs in: paths, the chosen store,
//! and the HTTP client, which is built only when a command first needs it.

use crate::cli::{GlobalArgs, StoreKind};
use crate::config::{Config, Profile};
use crate::error::{Failure, Kind, config, usage};
use crate::http::Http;
use crate::output::Output;
use crate::store::SecretStore;
use crate::store::cache::Cache;
use crate::store::file::FileStore;
use crate::store::keychain::KeychainStore;
use std::cell::OnceCell;
use std::path::PathBuf;
use std::time::Duration;

/// How long `auto` waits for a keychain to answer before using the file store.
const KEYCHAIN_PROBE_WAIT: Duration = Duration::from_secs(2);

/// Everything a command needs besides its own arguments.
pub struct Ctx {
    pub global: GlobalArgs,
    pub config_path: PathBuf,
    pub data_dir: PathBuf,
    /// Where provider definitions live: `TOKCTL_PROVIDERS_DIR`, else
    /// `providers/` beside the profile file.
    pub providers_dir: PathBuf,
    /// Where every notice and `-v` line goes.
    pub out: Output,
    http: OnceCell<Http>,
    auto_store: OnceCell<StoreKind>,
}

impl Ctx {
    /// Resolves paths from flags, the environment and the OS conventions.
    pub fn new(global: GlobalArgs) -> Result<Ctx, Failure> {
        let dirs = || {
            directories::BaseDirs::new().ok_or_else(|| {
                config("cannot find the home directory; set TOKCTL_CONFIG and TOKCTL_DATA_DIR")
            })
        };
        let config_path = match &global.config {
            Some(p) => p.clone(),
            None => dirs()?.config_dir().join("tokctl").join("config.toml"),
        };
        let data_dir = match std::env::var_os("TOKCTL_DATA_DIR").filter(|v| !v.is_empty()) {
            Some(p) => PathBuf::from(p),
            None => dirs()?.data_dir().join("tokctl"),
        };
        let providers_dir = match std::env::var_os("TOKCTL_PROVIDERS_DIR").filter(|v| !v.is_empty())
        {
            Some(p) => PathBuf::from(p),
            None => config_path
                .parent()
                .unwrap_or(std::path::Path::new("."))
                .join("providers"),
        };
        Ok(Ctx {
            out: Output::new(global.quiet, global.verbose),
            global,
            config_path,
            data_dir,
            providers_dir,
            http: OnceCell::new(),
            auto_store: OnceCell::new(),
        })
    }

    /// Reads the profile file.
    pub fn load_config(&self) -> Result<Config, Failure> {
        Config::load(&self.config_path, self.out)
    }

    /// The HTTP client (settings only until the first request).
    pub fn http(&self) -> &Http {
        self.http
            .get_or_init(|| Http::new(self.global.timeout, self.global.cacert.clone(), self.out))
    }

    /// The access-token cache.
    pub fn cache(&self) -> Cache {
        Cache::new(&self.data_dir)
    }

    /// The profile this command is about: `-p`/`TOKCTL_PROFILE`, else the
    /// file's `default`, else its only profile.
    pub fn profile_name(&self, cfg: &Config) -> Result<String, Failure> {
        if let Some(p) = &self.global.profile {
            Profile::check_name(p)?;
            return Ok(p.clone());
        }
        if let Some(d) = cfg.default_name() {
            return Ok(d.to_string());
        }
        let names = cfg.names();
        match names.as_slice() {
            [only] => Ok(only.clone()),
            [] => Err(Failure::new(Kind::LoginRequired, "no profiles yet")
                .hint("create one with `tokctl login --provider KIND -p NAME`")),
            _ => Err(usage(format!(
                "several profiles and no default: choose one with -p ({})",
                names.join(", ")
            ))
            .hint("or set `default = \"NAME\"` at the top of the profile file")),
        }
    }

    /// The store kind in force for a profile: an explicit `keychain` or
    /// `file` (flag or environment), else the profile's recorded choice,
    /// else `auto`. An explicit `auto` does not override a recorded choice:
    /// probing again could land on another store and report a logged-in
    /// profile as logged out.
    pub fn store_kind(&self, profile: &Profile) -> StoreKind {
        match (self.global.store, profile.store) {
            (Some(StoreKind::Auto), Some(recorded)) => recorded,
            (Some(explicit), _) => explicit,
            (None, recorded) => recorded.unwrap_or(StoreKind::Auto),
        }
    }

    /// Turns `auto` into a concrete store: the keychain when it answers,
    /// else the file store with one warning. Probed once per process.
    pub fn resolve_auto(&self, kind: StoreKind) -> StoreKind {
        if kind != StoreKind::Auto {
            return kind;
        }
        *self
            .auto_store
            .get_or_init(|| match KeychainStore::probe(KEYCHAIN_PROBE_WAIT) {
                Ok(()) => StoreKind::Keychain,
                Err(why) => {
                    self.out.notice(&format!(
                        "warning: no usable keychain ({why}); keeping secrets in {} (mode 0600)",
                        FileStore::new(self.data_dir.clone()).path().display()
                    ));
                    StoreKind::File
                }
            })
    }

    /// The store object for a concrete kind.
    pub fn open_store(&self, kind: StoreKind) -> Box<dyn SecretStore> {
        match self.resolve_auto(kind) {
            StoreKind::Keychain => Box::new(KeychainStore),
            _ => Box::new(FileStore::new(self.data_dir.clone())),
        }
    }

    /// How long to wait for another process's renewal: its requests may each
    /// take the full timeout (a refresh, then possibly a re-login).
    pub fn lock_wait(&self) -> Duration {
        self.global.timeout * 2 + Duration::from_secs(5)
    }
}
