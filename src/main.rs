//! tokctl: log in once, keep tokens in the OS keychain, print a fresh bearer
//! token whenever a script needs one.

mod cli;
mod commands;
mod config;
mod ctx;
mod docs;
mod error;
mod fsutil;
mod helpers;
mod http;
mod lock;
mod providers;
mod secret;
mod session;
mod store;
mod token;

use std::process::ExitCode;

fn main() -> ExitCode {
    ExitCode::from(run())
}

fn run() -> u8 {
    let cli = cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => report(&err),
    }
}

/// Prints the error as one `tokctl: error:` line plus an optional hint, and
/// picks the exit code from the classified failure in the chain.
fn report(err: &anyhow::Error) -> u8 {
    if is_broken_pipe(err) {
        return 0;
    }
    let failure = error::find_failure(err);
    eprintln!("tokctl: error: {}", error::sanitize(&format!("{err:#}")));
    if let Some(h) = failure.and_then(|f| f.hint.as_deref()) {
        eprintln!("hint: {h}");
    }
    failure.map_or(error::Kind::Unexpected, |f| f.kind).code()
}

/// A reader that went away (`tokctl print-header | head -c0`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
