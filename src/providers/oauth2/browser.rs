//! Opening the authorization URL in a browser.
//!
//! `$BROWSER` first (a list separated by `:` — `;` on Windows — as Python's
//! `webbrowser` and `xdg-utils` read it; an entry may hold arguments and a
//! `%s` for the URL), else the system opener: `xdg-open` (needs a display),
//! `open` on macOS, `rundll32 url.dll,FileProtocolHandler` on Windows —
//! not `cmd /c start`, whose parser would treat the `&` of the query string
//! as a command separator. The browser is spawned, never waited for, with
//! stdin, stdout and stderr detached so it can neither read tokctl's input
//! nor write into its output. The URL it gets is tokctl's own one-time
//! launcher address (see `loopback.rs`), never the authorization URL: its
//! `state`, `nonce` and PKCE challenge would be readable by every local
//! user in `/proc/PID/cmdline`.

use std::process::Stdio;

/// Whether a browser can be opened at all: `$BROWSER` is set, or the
/// system has a graphical session.
pub fn available() -> bool {
    browser_var().is_some() || has_display()
}

/// Opens `url`; the error says what was tried.
pub fn open(url: &str) -> Result<(), String> {
    if let Some(var) = browser_var() {
        let mut tried = Vec::new();
        for entry in split_list(&var) {
            let (program, args) = command_line(entry, url);
            match spawn(&program, &args) {
                Ok(()) => return Ok(()),
                Err(e) => tried.push(format!("{program}: {e}")),
            }
        }
        return Err(format!("cannot start $BROWSER ({})", tried.join("; ")));
    }
    let (program, args) = system_opener(url);
    spawn(program, &args).map_err(|e| format!("cannot start {program}: {e}"))
}

fn browser_var() -> Option<String> {
    std::env::var("BROWSER")
        .ok()
        .filter(|v| !v.trim().is_empty())
}

fn has_display() -> bool {
    if cfg!(any(target_os = "macos", windows)) {
        return true;
    }
    ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()))
}

fn split_list(var: &str) -> impl Iterator<Item = &str> {
    let sep = if cfg!(windows) { ';' } else { ':' };
    var.split(sep).map(str::trim).filter(|e| !e.is_empty())
}

/// An entry is a path to a program (which may contain spaces), or a
/// program and arguments separated by spaces, `%s` standing for the URL.
fn command_line(entry: &str, url: &str) -> (String, Vec<String>) {
    if std::path::Path::new(entry).is_file() {
        return (entry.to_string(), vec![url.to_string()]);
    }
    let mut words = entry.split_whitespace().map(str::to_string);
    let program = words.next().unwrap_or_default();
    let mut args: Vec<String> = words.collect();
    if args.iter().any(|a| a.contains("%s")) {
        for a in &mut args {
            *a = a.replace("%s", url);
        }
    } else {
        args.push(url.to_string());
    }
    (program, args)
}

fn system_opener(url: &str) -> (&'static str, Vec<String>) {
    if cfg!(target_os = "macos") {
        ("open", vec![url.to_string()])
    } else if cfg!(windows) {
        (
            "rundll32",
            vec!["url.dll,FileProtocolHandler".into(), url.to_string()],
        )
    } else {
        ("xdg-open", vec![url.to_string()])
    }
}

fn spawn(program: &str, args: &[String]) -> std::io::Result<()> {
    let mut child = crate::process::child_command(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()?;
    // Reaped in the background, never waited for: the login goes on, and
    // a browser that outlives tokctl is adopted by init.
    std::thread::spawn(move || child.wait());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browser_entries() {
        let url = "https://idp/auth?a=1&b=2";
        assert_eq!(
            command_line("firefox --new-window", url),
            ("firefox".into(), vec!["--new-window".into(), url.into()])
        );
        assert_eq!(
            command_line("lynx -dump %s", url),
            ("lynx".into(), vec!["-dump".into(), url.into()])
        );
        let list: Vec<&str> = split_list(" a : b c ::").collect();
        if cfg!(windows) {
            assert_eq!(list, [" a : b c ::".trim()]);
        } else {
            assert_eq!(list, ["a", "b c"]);
        }
    }
}
