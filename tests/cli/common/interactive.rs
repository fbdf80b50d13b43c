//! A tokctl process driven while it runs: its stderr read line by line (for
//! the authorization URL or the device code), lines typed on its stdin, and
//! a bounded wait for its exit. For the interactive OAuth flows.

use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdin, Output, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A `tokctl` process driven interactively: stderr is read line by line
/// while it runs (for the authorization URL or the device code).
pub struct Running {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    /// Ends once the process's stderr is closed and fully read.
    stderr_reader: JoinHandle<()>,
    stdout: JoinHandle<Vec<u8>>,
}

impl Running {
    pub fn spawn(cmd: &assert_cmd::Command) -> Running {
        let mut std_cmd = std::process::Command::new(cmd.get_program());
        std_cmd.args(cmd.get_args());
        for (k, v) in cmd.get_envs() {
            match v {
                Some(v) => std_cmd.env(k, v),
                None => std_cmd.env_remove(k),
            };
        }
        let mut child = std_cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn tokctl");
        let (tx, lines) = mpsc::channel();
        let stderr = Arc::new(Mutex::new(String::new()));
        let (err_pipe, all) = (child.stderr.take().unwrap(), stderr.clone());
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(err_pipe).lines().map_while(Result::ok) {
                all.lock().unwrap().push_str(&format!("{line}\n"));
                let _ = tx.send(line);
            }
        });
        let mut out_pipe = child.stdout.take().unwrap();
        let stdout = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = out_pipe.read_to_end(&mut v);
            v
        });
        Running {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            stderr_reader,
            stdout,
        }
    }

    /// The first stderr line for which `pick` returns something.
    pub fn find<T>(&self, what: &str, pick: impl Fn(&str) -> Option<T>) -> T {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.lines.recv_timeout(left) {
                Ok(line) => {
                    if let Some(t) = pick(&line) {
                        return t;
                    }
                }
                Err(_) => panic!("no {what} on stderr; got:\n{}", self.stderr.lock().unwrap()),
            }
        }
    }

    /// The authorization URL tokctl printed.
    pub fn auth_url(&self) -> url::Url {
        self.find("authorization URL", |l| {
            let l = l.trim();
            (l.starts_with("http") && l.contains("code_challenge="))
                .then(|| url::Url::parse(l).unwrap())
        })
    }

    /// Types `line` on tokctl's stdin.
    pub fn paste(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(format!("{line}\n").as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (bounded) for the exit and collects the output.
    pub fn finish(mut self) -> Output {
        drop(self.stdin.take());
        let deadline = Instant::now() + Duration::from_secs(30);
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("tokctl did not finish:\n{}", self.stderr.lock().unwrap());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // The pipes close with the process (a browser it started gets none
        // of them), so the readers end; bounded all the same.
        let stdout = join_by(self.stdout, deadline, "stdout");
        join_by(self.stderr_reader, deadline, "stderr");
        let stderr = self.stderr.lock().unwrap().clone().into_bytes();
        Output {
            status,
            stdout,
            stderr,
        }
    }
}

/// Joins a pipe reader, or panics if it has not ended by `deadline`.
fn join_by<T>(reader: JoinHandle<T>, deadline: Instant, what: &str) -> T {
    while !reader.is_finished() {
        assert!(
            Instant::now() < deadline,
            "tokctl's {what} stayed open after it exited"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    reader.join().unwrap()
}
