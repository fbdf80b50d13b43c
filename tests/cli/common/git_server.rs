//! A git smart-HTTP server for the credential helper tests: bare
//! repositories served by the real `git http-backend` (as CGI) behind a
//! small server that demands credentials (401 with `WWW-Authenticate`) and
//! lets through only a token that the token issuer accepts right now.

use base64::Engine;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

type Validator = dyn Fn(&str) -> bool + Send + Sync;

/// What the server saw of one request's credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Seen {
    /// `Bearer`, `Basic` or `none`.
    pub scheme: String,
    /// The Basic user name, if any.
    pub username: Option<String>,
    pub token: Option<String>,
    pub accepted: bool,
}

/// One running server; dropped, it stops.
pub struct GitServer {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    server: Arc<tiny_http::Server>,
    reject_next: Arc<AtomicU32>,
    seen: Arc<Mutex<Vec<Seen>>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl GitServer {
    /// Serves the bare repositories under `root`; `valid` says whether a
    /// presented token is good.
    pub fn start(root: &Path, valid: impl Fn(&str) -> bool + Send + Sync + 'static) -> Self {
        let server = Arc::new(tiny_http::Server::http("127.0.0.1:0").expect("listen"));
        let port = server.server_addr().to_ip().expect("ip").port();
        let reject_next = Arc::new(AtomicU32::new(0));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let valid: Arc<Validator> = Arc::new(valid);
        let thread = {
            let (server, reject_next, seen, root) = (
                server.clone(),
                reject_next.clone(),
                seen.clone(),
                root.to_path_buf(),
            );
            std::thread::spawn(move || {
                for req in server.incoming_requests() {
                    handle(req, &root, valid.as_ref(), &reject_next, &seen);
                }
            })
        };
        GitServer {
            url: format!("http://127.0.0.1:{port}"),
            server,
            reject_next,
            seen,
            thread: Some(thread),
        }
    }

    /// The next request with a good token is refused once, as a server
    /// does that revoked a token early.
    pub fn reject_next_good_token(&self) {
        self.reject_next.store(1, Ordering::SeqCst);
    }

    /// Every request's credentials so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// Tokens that were let through, in order, without repeats.
    pub fn accepted_tokens(&self) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for s in self.seen().into_iter().filter(|s| s.accepted) {
            let t = s.token.unwrap();
            if out.last() != Some(&t) {
                out.push(t);
            }
        }
        out
    }
}

impl Drop for GitServer {
    fn drop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// A bare repository `NAME.git` under `root` with one commit holding
/// `README` = `content`.
pub fn make_repo(root: &Path, name: &str, content: &str) -> PathBuf {
    let work = root.join(format!("{name}-work"));
    std::fs::create_dir_all(&work).unwrap();
    std::fs::write(work.join("README"), content).unwrap();
    let git = |dir: &Path, args: &[&str]| {
        let out = Command::new("git")
            .current_dir(dir)
            .args([
                "-c",
                "user.name=t",
                "-c",
                "user.email=t@example.com",
                "-c",
                "init.defaultBranch=main",
            ])
            .args(args)
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    git(&work, &["init", "-q"]);
    git(&work, &["add", "README"]);
    git(&work, &["commit", "-q", "-m", "first"]);
    let bare = root.join(format!("{name}.git"));
    git(
        root,
        &[
            "clone",
            "-q",
            "--bare",
            work.to_str().unwrap(),
            bare.to_str().unwrap(),
        ],
    );
    bare
}

fn credentials(req: &tiny_http::Request) -> Seen {
    let auth = req
        .headers()
        .iter()
        .find(|h| h.field.equiv("Authorization"))
        .map(|h| h.value.as_str().to_string());
    let none = Seen {
        scheme: "none".into(),
        username: None,
        token: None,
        accepted: false,
    };
    let Some((scheme, rest)) = auth.as_deref().and_then(|a| a.split_once(' ')) else {
        return none;
    };
    match scheme {
        "Bearer" => Seen {
            scheme: scheme.into(),
            token: Some(rest.trim().into()),
            ..none
        },
        "Basic" => {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(rest.trim())
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .unwrap_or_default();
            let (user, pass) = decoded.split_once(':').unwrap_or((&decoded, ""));
            Seen {
                scheme: scheme.into(),
                username: Some(user.into()),
                token: Some(pass.into()),
                accepted: false,
            }
        }
        other => Seen {
            scheme: other.into(),
            ..none
        },
    }
}

fn handle(
    mut req: tiny_http::Request,
    root: &Path,
    valid: &Validator,
    reject_next: &AtomicU32,
    seen: &Mutex<Vec<Seen>>,
) {
    let mut who = credentials(&req);
    who.accepted = who.token.as_deref().is_some_and(valid)
        && reject_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_err();
    seen.lock().unwrap().push(who.clone());
    if !who.accepted {
        let mut r =
            tiny_http::Response::from_string("authentication required\n").with_status_code(401);
        for challenge in ["Bearer realm=\"git\"", "Basic realm=\"git\""] {
            r.add_header(tiny_http::Header::from_bytes("WWW-Authenticate", challenge).unwrap());
        }
        let _ = req.respond(r);
        return;
    }
    let header = |name: &'static str| {
        req.headers()
            .iter()
            .find(|h| h.field.equiv(name))
            .map(|h| h.value.as_str().to_string())
            .unwrap_or_default()
    };
    let (path, query) = req.url().split_once('?').unwrap_or((req.url(), ""));
    let (path, query) = (path.to_string(), query.to_string());
    let mut cgi = Command::new("git");
    cgi.arg("http-backend")
        .env("GIT_PROJECT_ROOT", root)
        .env("GIT_HTTP_EXPORT_ALL", "1")
        .env("REQUEST_METHOD", req.method().as_str())
        .env("PATH_INFO", &path)
        .env("QUERY_STRING", &query)
        .env("CONTENT_TYPE", header("Content-Type"))
        .env("HTTP_CONTENT_ENCODING", header("Content-Encoding"))
        .env("GIT_PROTOCOL", header("Git-Protocol"))
        .env("REMOTE_USER", "tester")
        .env("REMOTE_ADDR", "127.0.0.1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut body = Vec::new();
    req.as_reader().read_to_end(&mut body).unwrap();
    cgi.env("CONTENT_LENGTH", body.len().to_string());
    let mut child = cgi.spawn().expect("git http-backend");
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child.wait_with_output().unwrap();
    let _ = writer.join();
    let text = out.stdout;
    let split = text
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|p| (p, 4))
        .or_else(|| text.windows(2).position(|w| w == b"\n\n").map(|p| (p, 2)))
        .expect("CGI headers");
    let (head, rest) = (
        String::from_utf8_lossy(&text[..split.0]).into_owned(),
        text[split.0 + split.1..].to_vec(),
    );
    let mut status = 200;
    let mut headers = Vec::new();
    for line in head.lines() {
        let Some((k, v)) = line.split_once(':') else {
            continue;
        };
        let v = v.trim();
        if k.eq_ignore_ascii_case("Status") {
            status = v
                .split_whitespace()
                .next()
                .and_then(|s| s.parse().ok())
                .unwrap_or(500);
        } else {
            headers.push(tiny_http::Header::from_bytes(k.trim(), v).unwrap());
        }
    }
    let mut r = tiny_http::Response::from_data(rest).with_status_code(status);
    for h in headers {
        r.add_header(h);
    }
    let _ = req.respond(r);
}
