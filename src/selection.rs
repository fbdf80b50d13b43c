//! Which token a command wants: the profile's own (the login's), or one
//! narrowed to some scopes, RFC 8707 resources and an `audience`
//! (`--scope`, `--resource`, `--audience` on `print-header`, `exec` and the
//! helpers).
//!
//! A narrowed token is obtained with the profile's refresh token (or a new
//! client-credentials grant), cached in a file of its own named after the
//! selection, and renewed under the profile's lock like the default one.
//! The order in which flags were given does not matter: the same set of
//! scopes and resources is the same token.

use crate::error::{Failure, sanitize, usage};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// A narrowed token request; empty means the profile's default token.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Selection {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
}

impl Selection {
    /// From the flags: checked, sorted and without repeats.
    pub fn new(
        scopes: &[String],
        resources: &[String],
        audience: Option<&str>,
    ) -> Result<Selection, Failure> {
        let mut scopes: Vec<String> = scopes
            .iter()
            .flat_map(|s| s.split(' '))
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        for s in &scopes {
            // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
            if !crate::token::is_safe_token(s) {
                return Err(usage(format!(
                    "--scope '{}' is not a valid scope",
                    sanitize(s)
                )));
            }
        }
        for r in resources {
            check_resource(r)?;
        }
        if let Some(a) = audience
            && (a.is_empty() || a.chars().any(char::is_control))
        {
            return Err(usage("--audience needs a value without control characters"));
        }
        let mut resources = resources.to_vec();
        scopes.sort();
        scopes.dedup();
        resources.sort();
        resources.dedup();
        Ok(Selection {
            scopes,
            resources,
            audience: audience.map(str::to_string),
        })
    }

    /// Whether this is the profile's default token (no flags given).
    pub fn is_default(&self) -> bool {
        self.scopes.is_empty() && self.resources.is_empty() && self.audience.is_none()
    }

    /// A file-name-safe key: the same selection always gives the same key.
    pub fn key(&self) -> String {
        let canonical = serde_json::to_string(self).expect("a selection serializes");
        let digest = Sha256::digest(canonical.as_bytes());
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The request fields that ask for exactly this: `scope` only when
    /// scopes were asked for (a `--resource` alone sends none, so the
    /// server gives what the login granted for that resource).
    pub fn fields(&self) -> Vec<(&'static str, String)> {
        let mut f = Vec::new();
        if !self.scopes.is_empty() {
            f.push(("scope", self.scopes.join(" ")));
        }
        for r in &self.resources {
            f.push(("resource", r.clone()));
        }
        if let Some(a) = &self.audience {
            f.push(("audience", a.clone()));
        }
        f
    }

    /// How `info` and `profiles` show it: `scope=a b resource=https://x audience=y`.
    pub fn label(&self) -> String {
        self.fields()
            .into_iter()
            .map(|(k, v)| format!("{k}={}", sanitize(&v)))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// RFC 8707 §2: an absolute URI without a fragment.
fn check_resource(r: &str) -> Result<(), Failure> {
    let bad = |why: &str| {
        usage(format!("--resource '{}' {why}", sanitize(r)))
            .hint("give the API's identifier, e.g. --resource https://api.example.com")
    };
    let u = url::Url::parse(r).map_err(|_| bad("is not an absolute URI"))?;
    if u.fragment().is_some() {
        return Err(bad("must not have a #fragment (RFC 8707)"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sel(scopes: &[&str], resources: &[&str], aud: Option<&str>) -> Result<Selection, Failure> {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Selection::new(&own(scopes), &own(resources), aud)
    }

    #[test]
    fn order_and_repeats_do_not_matter() {
        let a = sel(&["b", "a"], &["https://y/", "https://x/"], None).unwrap();
        let b = sel(
            &["a b", "a"],
            &["https://x/", "https://y/", "https://x/"],
            None,
        )
        .unwrap();
        assert_eq!(a, b);
        assert_eq!(a.key(), b.key());
        assert_ne!(a.key(), sel(&["a"], &[], None).unwrap().key());
        assert_eq!(a.key().len(), 32);
        assert!(Selection::default().is_default());
    }

    #[test]
    fn fields_send_only_what_was_asked() {
        let r = sel(&[], &["https://api.example.com"], None).unwrap();
        assert_eq!(
            r.fields(),
            [("resource", "https://api.example.com".to_string())]
        );
        let all = sel(&["read"], &[], Some("https://aud")).unwrap();
        assert_eq!(
            all.fields(),
            [
                ("scope", "read".to_string()),
                ("audience", "https://aud".to_string())
            ]
        );
        assert_eq!(all.label(), "scope=read audience=https://aud");
    }

    #[test]
    fn refuses_bad_values() {
        assert!(sel(&[], &["api"], None).is_err());
        assert!(sel(&[], &["https://x/#frag"], None).is_err());
        assert!(sel(&["a\"b"], &[], None).is_err());
        assert!(sel(&[], &[], Some("")).is_err());
    }
}
