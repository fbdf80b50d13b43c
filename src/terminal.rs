//! Reading from the user: bounded stdin lines, and a no-echo prompt that
//! gives the terminal its echo back however it ends.
//!
//! A line is read up to [`MAX_LINE`] bytes and no further: `< /dev/zero`
//! or a runaway pipe must not make tokctl allocate until it aborts. A
//! password prompt turns echo off; Ctrl-C (or a hang-up, or `kill`) during
//! it would end tokctl with echo still off, leaving the shell typing blind,
//! so those signals restore the terminal first and then take their usual
//! course.

use std::io::BufRead;

/// The longest line read from stdin: far above any password, client
/// secret or pasted redirect address.
pub const MAX_LINE: u64 = 64 * 1024;

/// A line too long for [`read_line`].
#[derive(Debug)]
pub struct TooLong;

/// One line from `input` without its line ending: `Ok(None)` at end of
/// input, `Err` when it is longer than [`MAX_LINE`] (what was read of it
/// is discarded).
pub fn read_line(input: impl BufRead) -> Result<Option<String>, TooLong> {
    let mut buf = Vec::new();
    let n = input
        .take(MAX_LINE + 1)
        .read_until(b'\n', &mut buf)
        .unwrap_or(0);
    if n == 0 {
        return Ok(None);
    }
    if buf.len() as u64 > MAX_LINE {
        return Err(TooLong);
    }
    while buf.last().is_some_and(|b| matches!(b, b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(Some(String::from_utf8_lossy(&buf).into_owned()))
}

/// One line from stdin, as [`read_line`].
pub fn stdin_line() -> Result<Option<String>, TooLong> {
    read_line(std::io::stdin().lock())
}

/// Prompts on the terminal without echo; `None` when there is no terminal
/// or the answer is empty.
pub fn prompt_password(prompt: &str) -> Option<String> {
    let _guard = imp::EchoGuard::install();
    rpassword::prompt_password(prompt)
        .ok()
        .filter(|p| !p.is_empty())
}

#[cfg(unix)]
mod imp {
    use std::sync::atomic::{AtomicI32, Ordering};

    /// The terminal's settings before the prompt, for the signal handler.
    /// Written before the handler is installed, read only by it.
    static mut SAVED: std::mem::MaybeUninit<libc::termios> = std::mem::MaybeUninit::uninit();
    /// The terminal's fd while a prompt runs, else -1.
    static TTY: AtomicI32 = AtomicI32::new(-1);

    const SIGNALS: [libc::c_int; 4] = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];

    extern "C" fn restore_and_reraise(sig: libc::c_int) {
        let fd = TTY.load(Ordering::SeqCst);
        // SAFETY: only async-signal-safe calls; SAVED was fully written
        // before TTY was set.
        unsafe {
            if fd >= 0 {
                libc::tcsetattr(fd, libc::TCSANOW, (&raw const SAVED).cast());
            }
            libc::signal(sig, libc::SIG_DFL);
            libc::raise(sig);
        }
    }

    /// While alive, the signals that end tokctl restore the terminal first.
    pub struct EchoGuard {
        fd: libc::c_int,
        old: Vec<(libc::c_int, libc::sigaction)>,
    }

    impl EchoGuard {
        pub fn install() -> Option<EchoGuard> {
            // SAFETY: plain system calls on valid pointers; SAVED is
            // written before any handler can read it.
            unsafe {
                let fd = libc::open(c"/dev/tty".as_ptr(), libc::O_RDWR | libc::O_CLOEXEC);
                if fd < 0 {
                    return None;
                }
                if libc::tcgetattr(fd, (&raw mut SAVED).cast()) != 0 {
                    libc::close(fd);
                    return None;
                }
                TTY.store(fd, Ordering::SeqCst);
                let mut old = Vec::new();
                for sig in SIGNALS {
                    let mut act: libc::sigaction = std::mem::zeroed();
                    act.sa_sigaction = restore_and_reraise as *const () as libc::sighandler_t;
                    libc::sigemptyset(&mut act.sa_mask);
                    let mut prev: libc::sigaction = std::mem::zeroed();
                    if libc::sigaction(sig, &act, &mut prev) == 0 {
                        old.push((sig, prev));
                    }
                }
                Some(EchoGuard { fd, old })
            }
        }
    }

    impl Drop for EchoGuard {
        fn drop(&mut self) {
            // SAFETY: restores the handlers saved above, then closes our fd.
            unsafe {
                for (sig, prev) in &self.old {
                    libc::sigaction(*sig, prev, std::ptr::null_mut());
                }
                TTY.store(-1, Ordering::SeqCst);
                libc::close(self.fd);
            }
        }
    }
}

#[cfg(not(unix))]
mod imp {
    pub struct EchoGuard;
    impl EchoGuard {
        pub fn install() -> Option<EchoGuard> {
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_bounded() {
        let mut input = std::io::Cursor::new(b"pw\r\nsecond\n".to_vec());
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("pw"));
        assert_eq!(read_line(&mut input).unwrap().as_deref(), Some("second"));
        assert_eq!(read_line(&mut input).unwrap(), None);
        let endless = std::io::repeat(b'x');
        assert!(read_line(std::io::BufReader::new(endless)).is_err());
    }
}
