//! tokctl: log in once, keep tokens in the OS keychain, print a fresh bearer
//! token whenever a script needs one.

// On Linux with glibc, the C `main` below replaces Rust's runtime start-up,
// which spent a tenth of `print-header`'s instructions finding the main
// thread's stack guard (glibc parses /proc/self/maps for it). tokctl never
// recurses deeply and flushes stdout itself, so nothing it did is missed;
// std still gets the arguments from glibc's init hook. `fast_start` is set
// by build.rs for that target (and never for the test harness).
#![cfg_attr(all(fast_start, not(test)), no_main)]

mod cli;
mod commands;
mod config;
mod ctx;
mod docs;
mod error;
mod fsutil;
mod http;
mod lock;
mod providers;
mod secret;
mod session;
mod store;
mod token;

#[cfg(any(not(fast_start), test))]
use std::process::ExitCode;

#[cfg(all(fast_start, not(test)))]
#[unsafe(no_mangle)]
extern "C" fn main(
    _argc: std::ffi::c_int,
    _argv: *const *const std::ffi::c_char,
) -> std::ffi::c_int {
    run().into()
}

#[cfg(any(not(fast_start), test))]
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
