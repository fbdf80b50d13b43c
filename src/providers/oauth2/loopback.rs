//! Receiving the authorization response: a one-shot HTTP listener on the
//! loopback interface (RFC 8252 §7.3), and — for a browser on another
//! machine — the redirected address pasted on stdin. Whichever answers
//! first wins; the wait is bounded.
//!
//! A plain `std::net::TcpListener` is enough: the only request that matters
//! is one `GET <path>?code=…&state=…`. Each connection gets its own thread
//! and a short read timeout, because browsers open speculative connections
//! that never send a request and must not block the real one. Requests for
//! other paths (`/favicon.ico`) get a 404 and the wait goes on. An answer
//! whose `state` is not this login's (a stale tab, or any page firing a
//! request at the loopback address) gets an error page and the wait goes
//! on too, so it cannot abort the login; the same holds for a pasted
//! address. An answer with this login's `state` ends the wait, whatever it
//! says, and the browser is told in a small page that it may be closed.
//! Nothing from the request is echoed into the page unescaped.

use super::pkce::random_token;
use crate::error::{Failure, Kind, config, sanitize, usage};
use crate::output::Output;
use crate::secret::Secret;
use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use url::Url;

/// The time a connection has to send its whole request head (and to take
/// the answer): bytes dripped slowly cannot hold a connection longer.
const IO_TIMEOUT: Duration = Duration::from_secs(5);
/// Connections served at once; more are closed at once. A browser opens a
/// handful; anything beyond is someone trying to starve the listener.
const MAX_CONNECTIONS: usize = 16;
/// The pause after a failed `accept` (out of file descriptors, say): the
/// listener must not spin on an error that persists.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);
/// Tries to find a port free on both 127.0.0.1 and ::1 for `localhost`.
const PORT_TRIES: usize = 16;
/// Largest request head read.
const MAX_HEAD: usize = 16 * 1024;

/// Bound sockets and the redirect URI that reaches them.
pub struct Listener {
    sockets: Vec<TcpListener>,
    /// The `redirect_uri` to send, port filled in.
    pub redirect_uri: String,
    path: String,
    /// The one-time key of the launcher address ([`Listener::launcher_url`]).
    key: String,
    /// The cookie the launcher gives the browser; the callback must carry it.
    cookie: String,
}

/// The name of the cookie that binds the callback to the browser.
const COOKIE: &str = "tokctl_login";

/// Where the listener sends a browser opened on its launcher address.
pub struct Launch<'a> {
    /// The authorization URL, with `state`, `nonce` and the PKCE challenge:
    /// it reaches the browser in a redirect, never in an argv.
    pub auth_url: &'a str,
}

/// What each connection is checked against.
struct Gate {
    path: String,
    state: String,
    /// With a browser opened on the launcher: the launcher's path, the
    /// authorization URL, the cookie, and whether it was used.
    launch: Option<(String, String, String, std::sync::atomic::AtomicBool)>,
}

/// Where the answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The browser was redirected to the listener.
    Listener,
    /// The user pasted the redirected address.
    Paste,
}

/// The authorization response's parameters (RFC 6749 §4.1.2, RFC 9207).
#[derive(Debug)]
pub struct Callback {
    pub code: Option<Secret<String>>,
    pub state: Option<String>,
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// RFC 9207 `iss`, when the server sends it.
    pub iss: Option<String>,
    pub source: Source,
}

impl Callback {
    fn from_pairs(pairs: impl Iterator<Item = (String, String)>, source: Source) -> Self {
        let mut cb = Callback {
            code: None,
            state: None,
            error: None,
            error_description: None,
            iss: None,
            source,
        };
        for (k, v) in pairs {
            match k.as_str() {
                "code" => cb.code = Some(Secret::new(v)),
                "state" => cb.state = Some(v),
                "error" => cb.error = Some(v),
                "error_description" => cb.error_description = Some(v),
                "iss" => cb.iss = Some(v),
                _ => {}
            }
        }
        cb
    }

    fn is_response(&self) -> bool {
        self.code.is_some() || self.error.is_some()
    }

    /// Whether this answers the login that sent `state`.
    pub fn matches(&self, state: &str) -> bool {
        self.state.as_deref() == Some(state)
    }

    /// The sanitized `error_description (error)`, or just `error`; `None`
    /// for a successful answer.
    pub fn error_text(&self) -> Option<String> {
        let err = self.error.as_deref()?;
        Some(self.error_description.as_deref().map_or_else(
            || sanitize(err),
            |d| format!("{} ({})", sanitize(d), sanitize(err)),
        ))
    }
}

/// What a listener or paste thread reports to the waiting login.
enum Event {
    /// This login's answer: the wait is over.
    Answer(Callback),
    /// An answer for another login, or from another client, refused; the
    /// wait goes on.
    Refused,
    /// The launcher was requested twice: someone else follows this login.
    Tampered,
}

impl Listener {
    /// Binds for `redirect_uri`: its host (127.0.0.1 for `localhost`, plus
    /// `::1` when free), its port, or a random port when it names none;
    /// with no URI, `http://127.0.0.1:<random>/callback`.
    pub fn bind(redirect_uri: Option<&str>) -> Result<Self, Failure> {
        let Some(given) = redirect_uri else {
            let s = bind_one(SocketAddr::new(Ipv4Addr::LOCALHOST.into(), 0))?;
            let port = local_port(&s)?;
            return Ok(Listener {
                sockets: vec![s],
                redirect_uri: format!("http://127.0.0.1:{port}/callback"),
                path: "/callback".into(),
                key: random_token()?,
                cookie: random_token()?,
            });
        };
        let mut u = Url::parse(given).map_err(|e| {
            usage(format!(
                "--redirect-uri: invalid URL '{}': {e}",
                sanitize(given)
            ))
        })?;
        let not_local = || {
            usage(format!(
                "--redirect-uri {} is not a loopback http address: tokctl receives the redirect itself",
                sanitize(given)
            ))
            .hint("use http://127.0.0.1:PORT/PATH or http://localhost:PORT/PATH (no PORT: any free port)")
        };
        if u.scheme() != "http" || u.fragment().is_some() {
            return Err(not_local());
        }
        let ips: Vec<IpAddr> = match u.host() {
            Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
                vec![Ipv4Addr::LOCALHOST.into(), Ipv6Addr::LOCALHOST.into()]
            }
            Some(url::Host::Ipv4(ip)) if ip.is_loopback() => vec![ip.into()],
            Some(url::Host::Ipv6(ip)) if ip.is_loopback() => vec![ip.into()],
            _ => return Err(not_local()),
        };
        let fixed = u.port();
        let (sockets, port) = bind_all(&ips, fixed)?;
        let redirect_uri = if fixed.is_some() {
            // Sent exactly as registered: servers compare strings.
            given.to_string()
        } else {
            u.set_port(Some(port)).map_err(|()| not_local())?;
            u.to_string()
        };
        Ok(Listener {
            sockets,
            redirect_uri,
            path: u.path().to_string(),
            key: random_token()?,
            cookie: random_token()?,
        })
    }

    /// The address to open the browser on: the listener itself, on the
    /// redirect URI's host (so that its cookie comes back with the
    /// redirect), at `/start/<one-time key>`. Its first request is sent on
    /// to the authorization URL with an HttpOnly, SameSite=Lax cookie; the
    /// callback is accepted only with that cookie, and a second request to
    /// it aborts the login as tampered with.
    pub fn launcher_url(&self) -> String {
        let mut u = Url::parse(&self.redirect_uri).expect("checked at bind");
        u.set_path(&format!("/start/{}", self.key));
        u.set_query(None);
        u.to_string()
    }

    /// Waits up to `limit` for the authorization response carrying
    /// `state`, from the browser or, with `paste`, from a line on stdin
    /// (answered through that output). With `launch`, the browser was
    /// opened on [`Listener::launcher_url`], and only a callback from that
    /// browser counts.
    pub fn wait(
        self,
        state: &str,
        launch: Option<Launch<'_>>,
        paste: Option<Output>,
        limit: Duration,
    ) -> Result<Callback, Failure> {
        let (tx, rx) = mpsc::channel();
        let gate = std::sync::Arc::new(Gate {
            path: self.path.clone(),
            state: state.to_string(),
            launch: launch.map(|l| {
                (
                    format!("/start/{}", self.key),
                    l.auth_url.to_string(),
                    self.cookie.clone(),
                    std::sync::atomic::AtomicBool::new(false),
                )
            }),
        });
        for socket in self.sockets {
            let (tx, gate) = (tx.clone(), gate.clone());
            std::thread::spawn(move || accept_loop(socket, &gate, &tx));
        }
        if let Some(out) = paste {
            let (tx, state) = (tx.clone(), state.to_string());
            std::thread::spawn(move || read_pasted(&tx, &state, out));
        }
        let deadline = Instant::now() + limit;
        let mut refused = false;
        loop {
            // `tx` stays alive here, so the channel never reports
            // disconnection.
            match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
                Ok(Event::Answer(cb)) => return Ok(cb),
                Ok(Event::Refused) => refused = true,
                Ok(Event::Tampered) => return Err(tampered()),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {
                    return Err(timed_out(limit, refused));
                }
            }
        }
    }
}

fn tampered() -> Failure {
    Failure::new(
        Kind::LoginRequired,
        "the sign-in address tokctl opened in the browser was requested a second time: another program may be trying to take this login over; it was aborted",
    )
    .hint("run `tokctl login` again, and finish the sign-in in the tab it opens")
}

fn timed_out(limit: Duration, refused: bool) -> Failure {
    let mut msg = format!(
        "no authorization response arrived within {}",
        humantime::format_duration(limit)
    );
    if refused {
        msg.push_str(
            "; one whose state did not match this login (a stale browser tab, or a forged request) was refused",
        );
    }
    Failure::new(Kind::LoginRequired, msg).hint(
        "finish the sign-in in the browser sooner (TOKCTL_AUTH_WAIT sets the limit), or use --no-browser and paste the address the browser ends up on",
    )
}

/// Binds every address in `ips` on one port (`fixed`, else a free one):
/// a browser may resolve `localhost` to ::1 as well as 127.0.0.1, and a
/// redirect to an address another process holds would hand it the code.
/// So both are bound, or the login fails. (A machine without IPv6 has no
/// ::1 to squat on: that one address is then skipped.)
fn bind_all(ips: &[IpAddr], fixed: Option<u16>) -> Result<(Vec<TcpListener>, u16), Failure> {
    let mut last = None;
    for _ in 0..if fixed.is_some() { 1 } else { PORT_TRIES } {
        let first = bind_one(SocketAddr::new(ips[0], fixed.unwrap_or(0)))?;
        let port = local_port(&first)?;
        let mut sockets = vec![first];
        let mut taken = None;
        for ip in &ips[1..] {
            match TcpListener::bind(SocketAddr::new(*ip, port)) {
                Ok(s) => sockets.push(s),
                Err(e) if e.kind() == std::io::ErrorKind::AddrNotAvailable => {}
                Err(e) => taken = Some((SocketAddr::new(*ip, port), e)),
            }
        }
        match taken {
            None => return Ok((sockets, port)),
            Some(t) => last = Some(t),
        }
    }
    let (addr, e) = last.expect("at least one try");
    Err(config(format!(
        "cannot listen on {addr} for the browser's redirect: {e}; a browser could be sent there instead of to tokctl"
    ))
    .hint("another program holds that address; stop it, or use --redirect-uri http://127.0.0.1:PORT/PATH"))
}

fn bind_one(addr: SocketAddr) -> Result<TcpListener, Failure> {
    TcpListener::bind(addr).map_err(|e| {
        config(format!(
            "cannot listen on {addr} for the browser's redirect: {e}"
        ))
        .hint("another program (or another `tokctl login`) holds the port; stop it, or register another redirect URI and pass --redirect-uri")
    })
}

fn local_port(s: &TcpListener) -> Result<u16, Failure> {
    s.local_addr()
        .map(|a| a.port())
        .map_err(|e| config(format!("cannot read the listener's port: {e}")))
}

fn accept_loop(socket: TcpListener, gate: &std::sync::Arc<Gate>, tx: &Sender<Event>) {
    let busy = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    loop {
        let stream = match socket.accept() {
            Ok((s, _)) => s,
            Err(_) => {
                std::thread::sleep(ACCEPT_BACKOFF);
                continue;
            }
        };
        use std::sync::atomic::Ordering;
        if busy.fetch_add(1, Ordering::SeqCst) >= MAX_CONNECTIONS {
            busy.fetch_sub(1, Ordering::SeqCst);
            drop(stream);
            continue;
        }
        let (tx, gate, done) = (tx.clone(), gate.clone(), busy.clone());
        let spawned = std::thread::Builder::new().spawn(move || {
            if let Some(event) = serve(stream, &gate) {
                let _ = tx.send(event);
            }
            done.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            // Out of threads: the connection was dropped with the closure.
            busy.fetch_sub(1, Ordering::SeqCst);
            std::thread::sleep(ACCEPT_BACKOFF);
        }
    }
}

/// Answers one connection; reports it when it carried an authorization
/// response.
fn serve(mut stream: TcpStream, gate: &Gate) -> Option<Event> {
    let (path, state) = (gate.path.as_str(), gate.state.as_str());
    let _ = stream.set_read_timeout(Some(IO_TIMEOUT));
    let _ = stream.set_write_timeout(Some(IO_TIMEOUT));
    let head = read_head(&mut stream)?;
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let (method, target) = (parts.next()?, parts.next()?);
    if method != "GET" {
        respond(
            &mut stream,
            405,
            "Method not allowed",
            "tokctl only expects the browser's redirect here.",
        );
        return None;
    }
    let url = Url::parse("http://127.0.0.1")
        .ok()?
        .join(target)
        .ok()
        .filter(|_| target.starts_with('/'))?;
    if let Some((start, auth_url, cookie, used)) = &gate.launch {
        if url.path() == start {
            if used.swap(true, std::sync::atomic::Ordering::SeqCst) {
                respond(
                    &mut stream,
                    400,
                    "Sign-in aborted",
                    "This sign-in address was already used; tokctl aborted the login. Run tokctl login again.",
                );
                return Some(Event::Tampered);
            }
            let headers = format!(
                "Location: {auth_url}\r\nSet-Cookie: {COOKIE}={cookie}; Path=/; HttpOnly; SameSite=Lax\r\n"
            );
            respond_with(
                &mut stream,
                302,
                &headers,
                "Signing in",
                "Continue to the identity provider.",
            );
            return None;
        }
        if url.path() == path && !has_cookie(&head, cookie) {
            respond(
                &mut stream,
                400,
                "Sign-in refused",
                "This response does not come from the browser tokctl opened for this sign-in. You can close this tab; tokctl keeps waiting for the sign-in it opened.",
            );
            return Some(Event::Refused);
        }
    }
    if url.path() != path {
        respond(
            &mut stream,
            404,
            "Not found",
            "This is tokctl's sign-in listener.",
        );
        return None;
    }
    let cb = Callback::from_pairs(
        url.query_pairs().map(|(k, v)| (k.into(), v.into())),
        Source::Listener,
    );
    if !cb.is_response() {
        respond(
            &mut stream,
            400,
            "Not a sign-in response",
            "This address expects the identity provider's redirect with a code.",
        );
        return None;
    }
    // Checked first: an error from another login must not end this one.
    if !cb.matches(state) {
        respond(
            &mut stream,
            400,
            "Sign-in refused",
            "This response does not belong to the sign-in tokctl is waiting for (stale tab or forged request). You can close this tab; tokctl keeps waiting for the sign-in it opened.",
        );
        return Some(Event::Refused);
    }
    if let Some(why) = cb.error_text() {
        respond(
            &mut stream,
            400,
            "Sign-in failed",
            &format!("The identity provider answered: {why}. You can close this tab."),
        );
    } else {
        respond(
            &mut stream,
            200,
            "Signed in",
            "tokctl received the authorization and is finishing the login. You can close this tab and return to the terminal.",
        );
    }
    Some(Event::Answer(cb))
}

/// The request head, read within [`IO_TIMEOUT`] in all.
fn read_head(stream: &mut TcpStream) -> Option<String> {
    let deadline = Instant::now() + IO_TIMEOUT;
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let left = deadline.checked_duration_since(Instant::now())?;
        stream
            .set_read_timeout(Some(left.max(Duration::from_millis(1))))
            .ok()?;
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > MAX_HEAD {
            return None;
        }
    }
    String::from_utf8(buf).ok()
}

/// Whether the request head carries `tokctl_login=<cookie>`.
fn has_cookie(head: &str, cookie: &str) -> bool {
    head.lines()
        .filter_map(|l| l.split_once(':'))
        .filter(|(name, _)| name.trim().eq_ignore_ascii_case("cookie"))
        .flat_map(|(_, v)| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .any(|(k, v)| k == COOKIE && v == cookie)
}

fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    respond_with(stream, status, "", title, text);
}

/// An answer with `headers` (complete `Name: value\r\n` lines) added.
fn respond_with(stream: &mut TcpStream, status: u16, headers: &str, title: &str, text: &str) {
    let reason = match status {
        200 => "OK",
        302 => "Found",
        400 => "Bad Request",
        404 => "Not Found",
        _ => "Method Not Allowed",
    };
    let body = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tokctl: {t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:36em;margin:4em auto;padding:0 1em;color:#222}}</style>\
         </head><body><h1>{t}</h1><p>{x}</p></body></html>\n",
        t = escape(title),
        x = escape(text)
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\n{headers}Content-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\nX-Content-Type-Options: nosniff\r\n\
         Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'\r\nConnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
    let _ = stream.flush();
}

fn escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&#39;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

fn read_pasted(tx: &Sender<Event>, state: &str, out: Output) {
    loop {
        let line = match crate::terminal::stdin_line() {
            Ok(Some(line)) => line,
            Ok(None) => return,
            Err(_) => {
                out.instruct(
                    "stdin holds a line far too long to be the redirected address; no longer reading it",
                );
                return;
            }
        };
        if line.trim().is_empty() {
            continue;
        }
        match parse_pasted(&line) {
            Some(cb) if cb.matches(state) => {
                let _ = tx.send(Event::Answer(cb));
                return;
            }
            Some(_) => {
                out.instruct(
                    "that address belongs to another sign-in (its state does not match this login); paste the address the sign-in above ends up on",
                );
                let _ = tx.send(Event::Refused);
            }
            None => out.instruct(
                "that is not the redirected address; paste the whole address from the browser's address bar (it contains code= and state=)",
            ),
        }
    }
}

/// The redirected address as pasted: a whole URL, or just its query.
fn parse_pasted(line: &str) -> Option<Callback> {
    let t = line
        .trim()
        .trim_matches(|c| matches!(c, '"' | '\'' | '<' | '>'));
    let query = match Url::parse(t) {
        Ok(u) => u.query()?.to_string(),
        Err(_) => t.trim_start_matches('?').to_string(),
    };
    let cb = Callback::from_pairs(
        url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (k.into(), v.into())),
        Source::Paste,
    );
    cb.is_response().then_some(cb)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, target: &str) -> String {
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        write!(s, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").unwrap();
        let mut out = String::new();
        s.read_to_string(&mut out).unwrap();
        out
    }

    #[test]
    fn serves_the_callback_and_ignores_the_rest() {
        let l = Listener::bind(None).unwrap();
        let port: u16 = Url::parse(&l.redirect_uri).unwrap().port().unwrap();
        assert_eq!(l.redirect_uri, format!("http://127.0.0.1:{port}/callback"));
        let t = std::thread::spawn(move || l.wait("st", None, None, Duration::from_secs(10)));
        // A speculative connection that sends nothing must not block.
        let _idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
        assert!(get(port, "/favicon.ico").starts_with("HTTP/1.1 404"));
        let page = get(port, "/callback?code=c%2B1&state=st&iss=x");
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        assert!(page.contains("close this tab"));
        let cb = t.join().unwrap().unwrap();
        assert_eq!(cb.code.unwrap().expose(), "c+1");
        assert_eq!(cb.state.as_deref(), Some("st"));
        assert_eq!(cb.iss.as_deref(), Some("x"));
        assert_eq!(cb.source, Source::Listener);
    }

    #[test]
    fn another_logins_answer_is_refused_and_the_wait_goes_on() {
        let l = Listener::bind(None).unwrap();
        let port: u16 = Url::parse(&l.redirect_uri).unwrap().port().unwrap();
        let t = std::thread::spawn(move || l.wait("st", None, None, Duration::from_secs(10)));
        let page = get(port, "/callback?error=access_denied&state=old");
        assert!(page.starts_with("HTTP/1.1 400"), "{page}");
        assert!(page.contains("keeps waiting"), "{page}");
        assert!(get(port, "/callback?code=c&state=st").starts_with("HTTP/1.1 200"));
        let cb = t.join().unwrap().unwrap();
        assert_eq!(cb.code.unwrap().expose(), "c");
    }

    #[test]
    fn error_text_quotes_description_and_code() {
        let cb = parse_pasted("?error=access_denied&error_description=No%0Athanks").unwrap();
        assert_eq!(
            cb.error_text().unwrap(),
            sanitize("No\nthanks") + " (access_denied)"
        );
        let cb = parse_pasted("?error=server_error").unwrap();
        assert_eq!(cb.error_text().unwrap(), "server_error");
        assert_eq!(parse_pasted("?code=c").unwrap().error_text(), None);
    }

    #[test]
    fn error_pages_escape_server_text() {
        let l = Listener::bind(Some("http://127.0.0.1/cb")).unwrap();
        let port: u16 = Url::parse(&l.redirect_uri).unwrap().port().unwrap();
        let t = std::thread::spawn(move || l.wait("st", None, None, Duration::from_secs(10)));
        let page = get(
            port,
            "/cb?error=access_denied&error_description=%3Cscript%3E&state=st",
        );
        assert!(page.starts_with("HTTP/1.1 400"));
        assert!(page.contains("&lt;script&gt;") && !page.contains("<script>"));
        let cb = t.join().unwrap().unwrap();
        assert_eq!(cb.error.as_deref(), Some("access_denied"));
    }

    #[test]
    fn redirect_uri_rules() {
        for bad in [
            "https://127.0.0.1/cb",
            "http://example.com/cb",
            "http://10.0.0.1:5/x",
            "nope",
        ] {
            assert_eq!(
                Listener::bind(Some(bad)).err().unwrap().kind,
                Kind::Usage,
                "{bad}"
            );
        }
        let l = Listener::bind(Some("http://localhost/auth/oauth2/callback")).unwrap();
        assert!(l.redirect_uri.starts_with("http://localhost:"));
        assert_eq!(l.path, "/auth/oauth2/callback");
    }

    #[test]
    fn localhost_binds_both_loopbacks_or_fails() {
        // Another process squats [::1]:PORT (played by this test holding it).
        let squat = match TcpListener::bind("[::1]:0") {
            Ok(s) => s,
            Err(e) => {
                eprintln!(
                    "skipped: this machine has no IPv6 loopback ({e}), so ::1 cannot be squatted"
                );
                return;
            }
        };
        let port = squat.local_addr().unwrap().port();
        let e = Listener::bind(Some(&format!("http://localhost:{port}/cb")))
            .err()
            .expect("binding only 127.0.0.1 would send a ::1 redirect to the squatter");
        assert_eq!(e.kind, Kind::ConfigOrStore);
        assert!(e.message().contains(&format!("[::1]:{port}")), "{e}");
        // Without a fixed port, a port free on both is found.
        let l = Listener::bind(Some("http://localhost/cb")).unwrap();
        assert_eq!(l.sockets.len(), 2);
        let ports: Vec<u16> = l.sockets.iter().map(|s| local_port(s).unwrap()).collect();
        assert_eq!(ports[0], ports[1]);
    }

    #[test]
    fn slow_and_excess_connections_cannot_starve_the_listener() {
        let l = Listener::bind(None).unwrap();
        let port: u16 = Url::parse(&l.redirect_uri).unwrap().port().unwrap();
        let t = std::thread::spawn(move || l.wait("st", None, None, Duration::from_secs(30)));
        let start = Instant::now();
        // Clients that drip a byte every 200 ms and never finish a request.
        let drippers: Vec<TcpStream> = (0..MAX_CONNECTIONS + 8)
            .map(|_| TcpStream::connect(("127.0.0.1", port)).unwrap())
            .collect();
        let cut_off = std::thread::spawn(move || {
            let mut open = drippers;
            while !open.is_empty() && start.elapsed() < Duration::from_secs(15) {
                open.retain_mut(|s| s.write_all(b"G").is_ok() && s.flush().is_ok());
                std::thread::sleep(Duration::from_millis(200));
            }
            (open.len(), start.elapsed())
        });
        let (left, when) = cut_off.join().unwrap();
        assert_eq!(left, 0, "dripping connections were held open");
        assert!(when < IO_TIMEOUT + Duration::from_secs(3), "{when:?}");
        assert!(get(port, "/callback?code=c&state=st").starts_with("HTTP/1.1 200"));
        assert_eq!(t.join().unwrap().unwrap().code.unwrap().expose(), "c");
    }

    #[test]
    fn times_out() {
        let l = Listener::bind(None).unwrap();
        let e = l
            .wait("st", None, None, Duration::from_millis(50))
            .unwrap_err();
        assert_eq!(e.kind, Kind::LoginRequired);
        assert!(e.message().contains("no authorization response"));
    }

    #[test]
    fn pasted_forms() {
        let cb = parse_pasted("  http://127.0.0.1:3000/cb?state=s&code=abc \n").unwrap();
        assert_eq!(cb.code.unwrap().expose(), "abc");
        assert_eq!(cb.source, Source::Paste);
        assert!(parse_pasted("?code=abc&state=s").is_some());
        assert!(
            parse_pasted("'http://x/?error=access_denied'")
                .unwrap()
                .error
                .is_some()
        );
        assert!(parse_pasted("hello").is_none());
        assert!(parse_pasted("http://127.0.0.1/cb").is_none());
    }
}
