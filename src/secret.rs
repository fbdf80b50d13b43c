//! `Secret<T>`: a value that cannot be printed by accident.
//!
//! `Debug` prints `[REDACTED]` and there is no `Display`, so a token inside a
//! struct that is logged with `{:?}` (or `-v`) never reaches the terminal.
//! [`Secret::expose`] is the only way out, which makes every use greppable.
//!
//! Every exposed value is also remembered for the life of the process, so
//! that [`redact`] can take it back out of text a server sent: some servers
//! quote the refresh token or password they reject in their error message.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::sync::Mutex;

/// Values that left a [`Secret`] in this process.
static EXPOSED: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Shorter values are not redacted: replacing every "ab" in a message
/// would garble it, and so short a secret is not worth a token's care.
const MIN_REDACTED_LEN: usize = 4;

fn remember(value: &str) {
    if value.len() < MIN_REDACTED_LEN {
        return;
    }
    let mut known = EXPOSED.lock().unwrap_or_else(|e| e.into_inner());
    if known.iter().any(|k| k == value) {
        return;
    }
    // A server echoing a secret may echo it as it was sent (form or URL
    // encoded) or as it appears in a Basic header (base64).
    for form in encodings(value) {
        if form.len() >= MIN_REDACTED_LEN && !known.contains(&form) {
            known.push(form);
        }
    }
}

/// `value` and the encodings it travels in.
fn encodings(value: &str) -> Vec<String> {
    use base64::Engine;
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE_NO_PAD};
    let form: String = url::form_urlencoded::byte_serialize(value.as_bytes()).collect();
    vec![
        value.to_string(),
        form.replace('+', "%20"),
        form,
        STANDARD.encode(value),
        STANDARD_NO_PAD.encode(value),
        URL_SAFE_NO_PAD.encode(value),
    ]
}

/// `text` with every secret this process has exposed replaced by
/// `[REDACTED]`. Apply it to anything a server wrote before printing it.
pub fn redact(text: &str) -> String {
    let mut known = EXPOSED.lock().unwrap_or_else(|e| e.into_inner()).clone();
    // Longest first, so a password inside a token cannot leave the rest.
    known.sort_by_key(|k| std::cmp::Reverse(k.len()));
    let mut out = text.to_string();
    for k in &known {
        if out.contains(k.as_str()) {
            out = out.replace(k.as_str(), "[REDACTED]");
        }
    }
    out
}

/// A secret value: token, password, client secret.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret<T>(T);

impl<T> Secret<T> {
    /// Wraps a value.
    pub fn new(value: T) -> Self {
        Secret(value)
    }
}

impl<T: AsRef<str>> Secret<T> {
    /// The value itself. Call only where it must leave the process; the
    /// value is remembered for [`redact`].
    pub fn expose(&self) -> &T {
        remember(self.0.as_ref());
        &self.0
    }
}

impl Secret<Vec<u8>> {
    /// The bytes themselves (key material: never printed, so not
    /// remembered for [`redact`]).
    pub fn expose_bytes(&self) -> &[u8] {
        &self.0
    }
}

impl From<String> for Secret<String> {
    fn from(s: String) -> Self {
        Secret(s)
    }
}

impl From<&str> for Secret<String> {
    fn from(s: &str) -> Self {
        Secret(s.to_string())
    }
}

impl<T> fmt::Debug for Secret<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

// Serialization is needed to put secrets into the secret store and cache
// files; it writes the value, so only store code serializes these types.
impl<T: Serialize> Serialize for Secret<T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Secret<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        T::deserialize(d).map(Secret)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let s = Secret::new("hunter2".to_string());
        assert_eq!(format!("{s:?}"), "[REDACTED]");
        assert_eq!(format!("{:#?}", Some(&s)), "Some(\n    [REDACTED],\n)");
        assert_eq!(s.expose(), "hunter2");
    }

    #[test]
    fn exposed_values_are_redacted() {
        let token = Secret::new("tok-123456-long".to_string());
        let inner = Secret::new("123456".to_string());
        let _ = (
            token.expose(),
            inner.expose(),
            Secret::new("ab".to_string()).expose(),
        );
        // Never exposed, so never sent: left alone.
        let _kept = Secret::new("never-exposed-value".to_string());
        assert_eq!(
            redact("bad token tok-123456-long, never-exposed-value, ab"),
            "bad token [REDACTED], never-exposed-value, ab"
        );
        assert_eq!(redact("pin 123456"), "pin [REDACTED]");
    }

    #[test]
    fn encoded_forms_are_redacted_too() {
        let _ = Secret::new("p@ss w/rd+é".to_string()).expose();
        assert_eq!(
            redact("bad password=p%40ss+w%2Frd%2B%C3%A9 or p%40ss%20w%2Frd%2B%C3%A9"),
            "bad password=[REDACTED] or [REDACTED]"
        );
        // base64 of the secret, padded or not, as a Basic header would hold it.
        assert_eq!(redact("got cEBzcyB3L3JkK8Op"), "got [REDACTED]");
        assert_eq!(redact("got cEBzcyB3L3JkK8Opx"), "got [REDACTED]x");
    }
}
