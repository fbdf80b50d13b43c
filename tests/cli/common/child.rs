//! Test servers that run as child processes (the OpenID Connect fixture, the project's
//! mock server): started, waited for until they print their one-line JSON "ready"
//! object, talked to over plain HTTP/1.0, and killed when dropped.

use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// A running child server. Its stdin is held open because both servers exit when it
/// reaches EOF: if the test binary dies without running `Drop`, they still go.
pub struct ChildServer {
    child: Child,
    stdin: Option<ChildStdin>,
    /// The ready line, parsed.
    pub ready: Value,
}

impl ChildServer {
    /// Spawns `cmd` and waits up to `timeout` for its ready line. `what` names the
    /// server and `hint` says how to fix a failure to start, in the panic message.
    pub fn start(mut cmd: Command, what: &str, hint: &str, timeout: Duration) -> ChildServer {
        cmd.stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {what} ({e}): {hint}"));
        let stdin = child.stdin.take().expect("piped stdin");
        let stdout = child.stdout.take().expect("piped stdout");

        // A thread reads the ready line so that the wait can time out; it then drains
        // stdout so the server never blocks on a full pipe.
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let read = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(read);
            let _ = std::io::copy(&mut reader, &mut std::io::sink());
        });
        let line = match rx.recv_timeout(timeout) {
            Ok(Ok(line)) if !line.trim().is_empty() => line,
            other => {
                let _ = child.kill();
                let status = child.wait();
                panic!(
                    "{what} did not start ({other:?}, exit {status:?}); its stderr is above: {hint}"
                );
            }
        };
        let ready = serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("bad ready line from {what} {line:?}: {e}"));
        ChildServer {
            child,
            stdin: Some(stdin),
            ready,
        }
    }

    /// A string field of the ready line.
    pub fn ready_field(&self, key: &str) -> String {
        self.ready[key]
            .as_str()
            .unwrap_or_else(|| panic!("ready line {} lacks {key}", self.ready))
            .to_string()
    }

    /// Closes the server's stdin, as a parent that is done with it does, and waits
    /// up to `timeout` for it to exit; `None` when it is still running then.
    pub fn close_stdin_and_wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        drop(self.stdin.take());
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().expect("wait for the child") {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for ChildServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.0 exchange with `base` (`http://127.0.0.1:PORT`; the server closes the
/// connection after it): the status and the body.
pub fn http_request(base: &str, method: &str, path: &str) -> (u16, String) {
    http_request_with(base, method, path, &[])
}

/// [`http_request`] with extra request headers.
pub fn http_request_with(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
) -> (u16, String) {
    http_send(base, method, path, headers, "")
}

/// [`http_request_with`] with a request body.
pub fn http_send(
    base: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &str,
) -> (u16, String) {
    let host = base.trim_start_matches("http://");
    let mut stream = TcpStream::connect(host)
        .unwrap_or_else(|e| panic!("cannot connect to the test server at {host}: {e}"));
    stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
    let extra: String = headers
        .iter()
        .map(|(name, value)| format!("{name}: {value}\r\n"))
        .collect();
    write!(
        stream,
        "{method} {path} HTTP/1.0\r\nHost: {host}\r\n{extra}Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .expect("write request");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read response");
    let (head, body) = response
        .split_once("\r\n\r\n")
        .unwrap_or_else(|| panic!("malformed response to {method} {path}: {response:?}"));
    let status_line = head.lines().next().unwrap_or_default();
    let status = status_line
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("bad status line {status_line:?} for {method} {path}"));
    (status, body.to_string())
}

/// [`http_request`] that must answer 200 with JSON; returns the JSON.
pub fn http_json(base: &str, method: &str, path: &str) -> Value {
    let (status, body) = http_request(base, method, path);
    assert_eq!(status, 200, "{method} {path} answered {status}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("bad JSON from {path} {body:?}: {e}"))
}
