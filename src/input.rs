//! Where `tokctl login` gets what it asks for: secrets from stdin lines, the
//! environment, a no-echo prompt or a key file, and answers typed on a
//! terminal. Never from the command line, where any user could read them
//! (`/proc/PID/cmdline`).
//!
//! It reads; it does not decide what is needed or what is kept.

use crate::error::{Failure, usage};
use crate::output::Output;
use crate::providers::oauth2;
use crate::secret::Secret;
use std::io::IsTerminal;
use std::path::Path;

/// Where secrets come from: stdin lines (password first, then client
/// secret), the environment, or a no-echo prompt on a terminal.
///
/// Lines are read one at a time, not to EOF: the OAuth `--no-browser` flow
/// reads the pasted redirect address from the rest of stdin.
pub struct SecretInput;

impl SecretInput {
    fn next_line(&mut self, what: &str) -> Result<Secret<String>, Failure> {
        match crate::terminal::stdin_line() {
            Ok(Some(line)) if !line.is_empty() => Ok(Secret::new(line)),
            Ok(_) => Err(usage(format!("expected the {what} on stdin, got nothing"))),
            Err(_) => Err(usage(format!(
                "the {what} on stdin is longer than {} KiB: that is not one",
                crate::terminal::MAX_LINE / 1024
            ))),
        }
    }

    /// The password: `--password-stdin`, else TOKCTL_PASSWORD, else a prompt.
    pub fn password(&mut self, from_stdin: bool, profile: &str) -> Result<Secret<String>, Failure> {
        if from_stdin {
            return self.next_line("password");
        }
        if let Some(p) = env_secret("TOKCTL_PASSWORD") {
            return Ok(p);
        }
        prompt_secret(&format!("Password for profile '{profile}': ")).ok_or_else(|| {
            usage(
                "no password source: use --password-stdin or TOKCTL_PASSWORD, or run in a terminal",
            )
        })
    }

    /// The client secret when one is given: `--client-secret-stdin`, else
    /// TOKCTL_CLIENT_SECRET.
    pub fn client_secret(&mut self, from_stdin: bool) -> Result<Option<Secret<String>>, Failure> {
        if from_stdin {
            return self.next_line("client secret").map(Some);
        }
        Ok(env_secret("TOKCTL_CLIENT_SECRET"))
    }

    /// The client secret a confidential client cannot do without: a
    /// prompt, when nothing gave it.
    pub fn required_client_secret(&mut self, profile: &str) -> Result<Secret<String>, Failure> {
        prompt_secret(&format!("Client secret for profile '{profile}': ")).ok_or_else(|| {
            usage(format!(
                "profile '{profile}' uses a confidential client: its secret is needed"
            ))
            .hint("give it with --client-secret-stdin or TOKCTL_CLIENT_SECRET")
        })
    }

    /// The `private-key-jwt` key: read from `path` (owner and mode checked,
    /// the key parsed), else the one `kept` by an earlier login of the same
    /// client. With `cert`, the key's certificate is kept beside it, after
    /// checking that it is the key's, so that assertions name it (`x5t`).
    pub fn client_key(
        &mut self,
        path: Option<&Path>,
        cert: Option<&Path>,
        kept: Option<Secret<String>>,
    ) -> Result<Secret<String>, Failure> {
        if cert.is_some() && path.is_none() {
            return Err(usage(
                "--client-cert with --client-auth private-key-jwt needs --client-key PATH too",
            ));
        }
        let Some(path) = path else {
            return kept.ok_or_else(|| {
                usage("--client-auth private-key-jwt needs --client-key PATH")
                    .hint("a PEM private key, RSA (RS256) or EC P-256 (ES256), whose public key the server has registered for the client")
            });
        };
        let mut pem = oauth2::keyfile::read_private(path)?;
        if let Some(cert) = cert {
            let text = oauth2::keyfile::read_public(cert)?;
            pem = Secret::new(format!("{}\n{text}", pem.expose()));
        }
        oauth2::ClientKey::from_pem(&pem).map_err(|why| {
            crate::error::config(format!(
                "the client key {} is unusable: {why}",
                path.display()
            ))
        })?;
        Ok(pem)
    }
}

fn env_secret(var: &str) -> Option<Secret<String>> {
    std::env::var(var)
        .ok()
        .filter(|v| !v.is_empty())
        .map(Secret::new)
}

/// A no-echo prompt; `None` without a terminal or for an empty answer.
fn prompt_secret(prompt: &str) -> Option<Secret<String>> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    crate::terminal::prompt_password(prompt).map(Secret::new)
}

/// A line typed on the terminal after `prompt`; `None` without a terminal
/// or for an empty answer.
pub fn prompt_line(out: Output, prompt: &str) -> Option<String> {
    if !std::io::stdin().is_terminal() {
        return None;
    }
    out.prompt(prompt);
    let line = crate::terminal::stdin_line().ok()??;
    let line = line.trim().to_string();
    (!line.is_empty()).then_some(line)
}
