//! Everything tokctl says to the person on stderr goes through here:
//! notices (silenced by `-q`), `-v` lines, the instructions a login cannot
//! go on without, prompts, the progress spinner ([`Output`]) and the final
//! error ([`error`]). So `-q` is decided in one place, and no text (a
//! server's included) reaches the terminal with control characters that
//! could move the cursor or rewrite the screen.
//!
//! stdout is not here: it carries the command's result (`print-header`,
//! `--json`), written by the commands.

use std::io::Write;

/// The stderr voice of one tokctl process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Output {
    quiet: bool,
    verbose: bool,
}

impl Output {
    /// `quiet` silences notices; `verbose` turns on the `-v` lines.
    pub fn new(quiet: bool, verbose: bool) -> Self {
        Output { quiet, verbose }
    }

    /// Whether notices are silenced (`-q`).
    pub fn quiet(&self) -> bool {
        self.quiet
    }

    /// A progress line or notice, unless `--quiet`.
    pub fn notice(&self, msg: &str) {
        if !self.quiet {
            line(msg);
        }
    }

    /// A `-v` line: what tokctl decided and why (never a secret).
    pub fn verbose(&self, msg: &str) {
        if self.verbose {
            line(msg);
        }
    }

    /// A warning: something the person wrote that tokctl ignores (a
    /// misspelt key), or a failure it works around (keep-fresh keeping the
    /// last token while renewal fails). Printed even with `--quiet`, which
    /// silences progress, not trouble.
    pub fn warn(&self, msg: &str) {
        line(&format!("warning: {msg}"));
    }

    /// What the person must read for a login to go on (the address to
    /// open, the code to enter): printed even with `--quiet`.
    pub fn instruct(&self, msg: &str) {
        line(msg);
    }

    /// A question on a terminal, without a newline (the answer follows it).
    pub fn prompt(&self, question: &str) {
        write(&clean(question));
    }

    /// Replaces the current terminal line with `status` (a spinner).
    pub fn progress(&self, status: &str) {
        write(&format!("\r{}", clean(status)));
    }

    /// Erases what [`Output::progress`] wrote.
    pub fn clear_progress(&self) {
        write("\r\x1b[2K");
    }
}

/// An error, and a hint on what to do: printed whatever `-q` says, by a
/// process that is about to exit (so no [`Output`] is needed).
pub fn error(msg: &str, hint: Option<&str>) {
    let mut text = format!("tokctl: error: {}\n", clean(msg));
    if let Some(h) = hint {
        text.push_str(&format!("hint: {}\n", clean(h)));
    }
    write(&text);
}

/// `msg` as `tokctl: …` lines; blank lines and indented ones (an address
/// to copy) stay bare.
fn line(msg: &str) {
    let text: String = msg
        .split('\n')
        .map(|l| {
            let l = clean(l);
            if l.is_empty() || l.starts_with(' ') {
                l
            } else {
                format!("tokctl: {l}")
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    write(&format!("{text}\n"));
}

fn write(text: &str) {
    let mut err = std::io::stderr().lock();
    let _ = err.write_all(text.as_bytes());
    let _ = err.flush();
}

/// `text` without control characters (tabs become spaces).
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .filter(|c| !c.is_control())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_reach_the_terminal() {
        assert_eq!(clean("ok\x1b[2J\r\x07 done\tnow"), "ok[2J done now");
    }
}
