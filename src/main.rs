//! tokctl: log in once, keep tokens in the OS keychain, print a fresh bearer
//! token whenever a script needs one.

// On glibc Linux the entry point is `main` below, not std's runtime start
// (see there). Elsewhere std's start-up fills `std::env::args` and is kept.
#![cfg_attr(all(not(test), target_os = "linux", target_env = "gnu"), no_main)]

mod cli;
mod commands;
mod config;
mod ctx;
mod docs;
mod error;
mod fast_args;
mod fsutil;
mod helpers;
mod http;
mod input;
mod keepfresh;
mod lock;
mod output;
mod process;
mod providers;
mod secret;
mod selection;
mod session;
mod store;
mod terminal;
mod token;

/// The process entry point, called by the C runtime.
///
/// std's own start-up spends more on `print-header` than tokctl's work does:
/// to label stack overflows it asks glibc for the main thread's stack, which
/// reads and `sscanf`s `/proc/self/maps` line by line. tokctl needs only the
/// two things that start-up does for correctness: stdin, stdout and stderr
/// are open (else the first file opened would become stdout, and the token
/// would be written into it), and SIGPIPE is ignored (a closed reader is an
/// `EPIPE` error, handled in [`report`], not death by signal). Both are done
/// in [`std_start`]. A stack overflow still hits the kernel's guard gap; it
/// ends in SIGSEGV without std's one-line message.
///
/// Only on glibc Linux, where std fills `std::env::args` from its own
/// `.init_array` hook whatever the entry point; other targets keep std's
/// start-up (the plain `main` below).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[cfg_attr(not(test), unsafe(no_mangle))]
extern "C" fn main(_argc: libc::c_int, _argv: *const *const libc::c_char) -> libc::c_int {
    process::no_core_dumps();
    std_start();
    let code = run();
    // std's runtime would flush stdout on return; nothing else does here.
    let _ = std::io::Write::flush(&mut std::io::stdout());
    code.into()
}

/// Where std's start-up runs: it reopens closed standard descriptors and
/// ignores SIGPIPE itself.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn main() -> std::process::ExitCode {
    process::no_core_dumps();
    run().into()
}

/// What std's start-up does on Unix that tokctl relies on: a closed standard
/// descriptor is reopened on `/dev/null`, and SIGPIPE is ignored. (Child
/// processes still start with SIGPIPE at its default: std's spawn resets it.)
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn std_start() {
    // SAFETY: plain system calls on fds 0-2 and a NUL-terminated path,
    // before any other thread or file exists.
    unsafe {
        for fd in 0..3 {
            if libc::fcntl(fd, libc::F_GETFD) == -1
                && std::io::Error::last_os_error().raw_os_error() == Some(libc::EBADF)
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
            {
                libc::abort();
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
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
    output::error(
        &error::sanitize(&format!("{err:#}")),
        failure.and_then(|f| f.hint.as_deref()),
    );
    failure.map_or(error::Kind::Unexpected, |f| f.kind).code()
}

/// A reader that went away (`tokctl print-header | head -c0`) is not an error.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
