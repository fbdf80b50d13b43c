//! Error kinds that map one to one onto the exit codes (README.md, "Exit codes").
//!
//! A failure is classified where it happens (the HTTP layer knows a timeout
//! is the network's fault, a store knows a locked keychain is not "logged
//! out") and carried up inside an `anyhow::Error`; `main` walks the chain to
//! find the kind. Outer layers may add `.context()` freely.

use std::fmt;

/// What went wrong, as far as the exit code is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Kind {
    /// A bug or an unforeseen condition (exit 1).
    Unexpected = 1,
    /// Bad flags, a missing password source, an unknown provider (exit 2).
    Usage = 2,
    /// No tokens, a dead refresh token, rejected credentials (exit 3).
    LoginRequired = 3,
    /// The server or the network failed (exit 4).
    Remote = 4,
    /// The profile file or the secret store is unusable (exit 5).
    ConfigOrStore = 5,
}

impl Kind {
    /// The process exit code for this kind.
    pub fn code(self) -> u8 {
        self as u8
    }
}

/// A classified failure: a one-line message and an optional hint.
///
/// The message must never contain a secret; server text reaching it goes
/// through [`sanitize`] first.
#[derive(Debug)]
pub struct Failure {
    /// The exit-code class.
    pub kind: Kind,
    msg: String,
    /// What the user can do about it, printed on its own `hint:` line.
    pub hint: Option<String>,
    /// How long the server asked to be left alone (`Retry-After`), for
    /// callers that retry (`exec --keep-fresh`).
    pub retry_after: Option<std::time::Duration>,
}

impl Failure {
    /// A failure of `kind` with a message.
    pub fn new(kind: Kind, msg: impl Into<String>) -> Self {
        Failure {
            kind,
            msg: msg.into(),
            hint: None,
            retry_after: None,
        }
    }

    /// Adds a hint line.
    pub fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The message without the hint (tests compare it; users see `Display`).
    #[cfg(test)]
    pub fn message(&self) -> &str {
        &self.msg
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Failure {}

/// Shorthand constructors, so call sites read as `usage("…")`.
pub fn usage(msg: impl Into<String>) -> Failure {
    Failure::new(Kind::Usage, msg)
}
/// A "log in again" failure with the standard hint for `profile`.
pub fn login_required(msg: impl Into<String>, profile: &str) -> Failure {
    Failure::new(Kind::LoginRequired, msg).hint(format!("run `tokctl login -p {profile}`"))
}
/// A server or network failure.
pub fn remote(msg: impl Into<String>) -> Failure {
    Failure::new(Kind::Remote, msg)
}
/// A profile-file or secret-store failure.
pub fn config(msg: impl Into<String>) -> Failure {
    Failure::new(Kind::ConfigOrStore, msg)
}

/// Finds the classified failure in an error chain, if any.
pub fn find_failure(err: &anyhow::Error) -> Option<&Failure> {
    err.chain().find_map(|e| e.downcast_ref::<Failure>())
}

/// Makes text that came from a server or a file safe for one terminal line:
/// secrets it echoes are redacted (before the cap could cut one in half),
/// control characters and escapes go, whitespace runs fold, and the length is
/// capped so that a proxy's HTML page never floods the terminal.
pub fn sanitize(text: &str) -> String {
    const MAX: usize = 300;
    let text = crate::secret::redact(text);
    let mut out = String::with_capacity(text.len().min(MAX));
    let mut last_space = false;
    for c in text.chars() {
        let c = if c.is_whitespace() { ' ' } else { c };
        if c.is_control() {
            continue;
        }
        if c == ' ' {
            if last_space {
                continue;
            }
            last_space = true;
        } else {
            last_space = false;
        }
        if out.len() >= MAX {
            out.push('…');
            break;
        }
        out.push(c);
    }
    out.trim().to_string()
}

/// Text from a server made safe for a terminal without changing what it
/// says: control characters (C0, DEL, C1 — so ESC, CSI, OSC sequences,
/// CR and LF) become `?`, so a user name cannot set the window title,
/// write the clipboard (OSC 52) or overwrite the line before it. Unlike
/// [`sanitize`], nothing is redacted or cut.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_map_to_documented_exit_codes() {
        assert_eq!(Kind::Unexpected.code(), 1);
        assert_eq!(Kind::Usage.code(), 2);
        assert_eq!(Kind::LoginRequired.code(), 3);
        assert_eq!(Kind::Remote.code(), 4);
        assert_eq!(Kind::ConfigOrStore.code(), 5);
    }

    #[test]
    fn kind_found_through_context() {
        let err = anyhow::Error::new(remote("boom")).context("while refreshing");
        assert_eq!(find_failure(&err).unwrap().kind, Kind::Remote);
    }

    #[test]
    fn printable_defuses_terminal_escapes() {
        assert_eq!(
            printable("me\x1b]52;c;aGk=\x07\r\n\u{9b}2J\u{7f}"),
            "me?]52;c;aGk=????2J?"
        );
        assert_eq!(printable("Zoë <z@example.com>"), "Zoë <z@example.com>");
    }

    #[test]
    fn sanitize_strips_escapes_and_caps_length() {
        assert_eq!(sanitize("a\x1b[31mb\n\n  c"), "a[31mb c");
        let long = "x".repeat(1000);
        assert!(sanitize(&long).chars().count() <= 301);
    }
}
