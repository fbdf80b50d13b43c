//! A profile's provider kind as the profile file and `--provider` spell it:
//! one of the built-in kinds, or the name of a provider definition
//! (`providers/NAME.toml`, see `docs/provider-definitions.md`).
//!
//! The name alone is kept: the definition file is read only when a provider
//! is built, so a profile of a defined kind costs nothing extra while its
//! cached token is fresh, and always follows the file as it is now.

use crate::cli::{ProviderKind, value_name};
use clap::ValueEnum;
use clap::builder::{PossibleValue, TypedValueParser};
use std::fmt;

/// A built-in kind or a defined one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProviderName {
    /// One of the kinds compiled into tokctl.
    Builtin(ProviderKind),
    /// A provider definition, by file stem.
    Defined(String),
}

impl ProviderName {
    /// A built-in kind (names and aliases, any case), else a definition
    /// name; `None` for a string that cannot name a definition file.
    pub fn parse(s: &str) -> Option<ProviderName> {
        if let Ok(k) = ProviderKind::from_str(s, true) {
            return Some(ProviderName::Builtin(k));
        }
        is_definition_name(s).then(|| ProviderName::Defined(s.to_string()))
    }

    /// The built-in kind, if this is one.
    pub fn builtin(&self) -> Option<ProviderKind> {
        match self {
            ProviderName::Builtin(k) => Some(*k),
            ProviderName::Defined(_) => None,
        }
    }

    /// Whether logins of this kind can return an OpenID Connect ID token.
    pub fn has_id_token(&self) -> bool {
        self.builtin().is_some_and(ProviderKind::has_id_token)
    }
}

impl From<ProviderKind> for ProviderName {
    fn from(k: ProviderKind) -> Self {
        ProviderName::Builtin(k)
    }
}

impl PartialEq<ProviderKind> for ProviderName {
    fn eq(&self, other: &ProviderKind) -> bool {
        self.builtin() == Some(*other)
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProviderName::Builtin(k) => f.write_str(&value_name(k)),
            ProviderName::Defined(n) => f.write_str(n),
        }
    }
}

/// Definition names become file names and appear in messages: a short
/// lower-case alphabet, starting with a letter.
pub fn is_definition_name(s: &str) -> bool {
    s.len() <= 64
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_'))
}

/// Every name a built-in kind answers to (`oauth2`, `oidc`, `keycloak`, …).
pub fn builtin_names() -> impl Iterator<Item = String> {
    ProviderKind::value_variants().iter().flat_map(|k| {
        k.to_possible_value()
            .map(|p| p.get_name_and_aliases().map(str::to_string).collect())
            .unwrap_or_else(Vec::new)
    })
}

/// `--provider`: accepts any definition name, but offers (in help and
/// completions) only the built-in kinds, which exist on every machine.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProviderNameParser;

impl TypedValueParser for ProviderNameParser {
    type Value = ProviderName;

    fn parse_ref(
        &self,
        cmd: &clap::Command,
        arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<ProviderName, clap::Error> {
        value.to_str().and_then(ProviderName::parse).ok_or_else(|| {
            let mut e = clap::Error::new(clap::error::ErrorKind::InvalidValue).with_cmd(cmd);
            use clap::error::{ContextKind, ContextValue};
            if let Some(a) = arg {
                e.insert(ContextKind::InvalidArg, ContextValue::String(a.to_string()));
            }
            e.insert(
                ContextKind::InvalidValue,
                ContextValue::String(value.to_string_lossy().into_owned()),
            );
            e.insert(
                ContextKind::ValidValue,
                ContextValue::Strings(
                    ProviderKind::value_variants()
                        .iter()
                        .map(value_name)
                        .chain(["or a definition name (a-z, 0-9, '-', '_')".into()])
                        .collect(),
                ),
            );
            e
        })
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = PossibleValue> + '_>> {
        Some(Box::new(
            ProviderKind::value_variants()
                .iter()
                .filter_map(ValueEnum::to_possible_value),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtins_win_and_other_names_are_definitions() {
        assert_eq!(
            ProviderName::parse("Vivacity"),
            Some(ProviderName::Builtin(ProviderKind::Vivacity))
        );
        assert_eq!(
            ProviderName::parse("keycloak"),
            Some(ProviderName::Builtin(ProviderKind::Oauth2))
        );
        assert_eq!(
            ProviderName::parse("acme-v2"),
            Some(ProviderName::Defined("acme-v2".into()))
        );
        for bad in [
            "",
            "../x",
            "a/b",
            "Acme",
            "9lives",
            ".x",
            "a b",
            &"a".repeat(65),
        ] {
            assert_eq!(ProviderName::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn names_print_as_spelt_in_the_profile_file() {
        assert_eq!(
            ProviderName::Builtin(ProviderKind::Oauth2).to_string(),
            "oauth2"
        );
        assert_eq!(ProviderName::Defined("acme".into()).to_string(), "acme");
        assert!(ProviderName::Builtin(ProviderKind::Organicity) == ProviderKind::Organicity);
        assert!(ProviderName::Defined("organicity2".into()) != ProviderKind::Organicity);
    }

    #[test]
    fn aliases_are_builtin_names() {
        let names: Vec<String> = builtin_names().collect();
        for n in ["oauth2", "oidc", "keycloak", "vivacity", "realmassive"] {
            assert!(names.iter().any(|x| x == n), "{n}: {names:?}");
        }
    }
}
