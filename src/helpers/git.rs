//! git's credential helper protocol (git-credential(1)): what `get` reads
//! and what it answers.
//!
//! git sends `key=value` lines up to a blank line or EOF. Helpers answer
//! with the same format. Since git 2.46 a caller that announces
//! `capability[]=authtype` accepts `authtype` + `credential` (any HTTP
//! scheme, here `Bearer`); older gits only know `username` + `password`,
//! which servers take as HTTP Basic with the token as the password.

use std::io::Read;

/// More than any real request (git sends a handful of short lines); a
/// bigger input is cut, never buffered whole.
const MAX_INPUT: u64 = 64 * 1024;

/// The user name sent when neither git nor the profile names one: GitLab,
/// Gitea and Azure DevOps accept any name with a token, and `oauth2` is
/// what GitLab documents.
pub const DEFAULT_USERNAME: &str = "oauth2";

/// What git told the helper about the credential it wants.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Request {
    pub protocol: Option<String>,
    pub host: Option<String>,
    pub username: Option<String>,
    /// The secret git is reporting back (`erase` sends the one it used).
    pub password: Option<String>,
    pub credential: Option<String>,
    /// Capabilities git announced (`capability[]=…`).
    pub capabilities: Vec<String>,
}

impl Request {
    /// Parses git's lines. Unknown keys are ignored, as the protocol asks;
    /// a `url=` fills protocol and host when they are not given.
    pub fn parse(text: &str) -> Request {
        let mut r = Request::default();
        let mut url = None;
        for line in text.split('\n') {
            let line = line.strip_suffix('\r').unwrap_or(line);
            if line.is_empty() {
                break;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let value = value.to_string();
            match key {
                "protocol" => r.protocol = Some(value),
                "host" => r.host = Some(value),
                "username" => r.username = Some(value),
                "password" => r.password = Some(value),
                "credential" => r.credential = Some(value),
                "capability[]" => r.capabilities.push(value),
                "url" => url = Some(value),
                _ => {}
            }
        }
        if let Some(u) = url.and_then(|u| url::Url::parse(&u).ok()) {
            r.protocol.get_or_insert_with(|| u.scheme().to_string());
            if let Some(h) = u.host_str() {
                let host = match u.port() {
                    Some(p) => format!("{h}:{p}"),
                    None => h.to_string(),
                };
                r.host.get_or_insert(host);
            }
        }
        r
    }

    /// Reads and parses a request from `input`, at most [`MAX_INPUT`] bytes.
    pub fn read(input: impl Read) -> std::io::Result<Request> {
        let mut bytes = Vec::new();
        input.take(MAX_INPUT).read_to_end(&mut bytes)?;
        Ok(Request::parse(&String::from_utf8_lossy(&bytes)))
    }

    /// Whether tokctl may hand a token to this URL: `https`, or plain
    /// `http` to a loopback host (a local test server or an SSH tunnel).
    pub fn allowed(&self) -> bool {
        match self.protocol.as_deref() {
            Some("https") => true,
            Some("http") => self.host.as_deref().is_some_and(is_loopback_host),
            _ => false,
        }
    }

    /// Whether git understands `authtype`/`credential` answers.
    pub fn takes_authtype(&self) -> bool {
        self.capabilities.iter().any(|c| c == "authtype")
    }

    /// The secret git reports as refused, if it sent one.
    pub fn reported_secret(&self) -> Option<&str> {
        self.credential.as_deref().or(self.password.as_deref())
    }
}

/// `localhost`, `127.0.0.0/8` or `::1`, with or without a port.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map_or(host, |(h, _)| h),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// The answer to `get`: Bearer through `authtype` when git takes it, else
/// Basic with `username`; `password_expiry_utc` when the expiry is known.
/// `token` is checked visible ASCII upstream, so it cannot break a line.
pub fn answer(req: &Request, token: &str, expires_at: Option<i64>, username: &str) -> String {
    let mut out = if req.takes_authtype() {
        format!("capability[]=authtype\nauthtype=Bearer\ncredential={token}\n")
    } else {
        format!("username={username}\npassword={token}\n")
    };
    if let Some(e) = expires_at {
        out.push_str(&format!("password_expiry_utc={e}\n"));
    }
    out
}

/// A user name fit for git's line format (a name from the profile file
/// could hold anything).
pub fn valid_username(name: &str) -> bool {
    !name.is_empty() && name.len() <= 256 && !name.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    const GIT_247: &str = "capability[]=authtype\ncapability[]=state\nprotocol=https\nhost=git.example.com\npath=team/repo.git\nwwwauth[]=Bearer realm=\"x\"\n\n";
    const GIT_239: &str = "protocol=https\nhost=git.example.com\n";

    #[test]
    fn parses_what_git_sends() {
        let r = Request::parse(GIT_247);
        assert_eq!(r.protocol.as_deref(), Some("https"));
        assert_eq!(r.host.as_deref(), Some("git.example.com"));
        assert!(r.takes_authtype());
        assert!(r.allowed());
        let old = Request::parse(GIT_239);
        assert!(!old.takes_authtype());
        assert!(old.allowed());
    }

    #[test]
    fn stops_at_the_blank_line() {
        let r = Request::parse("protocol=https\n\nhost=late.example\n");
        assert_eq!(r.host, None);
    }

    #[test]
    fn url_fills_protocol_and_host() {
        let r = Request::parse("url=http://127.0.0.1:8080/repo.git\n");
        assert_eq!(r.protocol.as_deref(), Some("http"));
        assert_eq!(r.host.as_deref(), Some("127.0.0.1:8080"));
        assert!(r.allowed());
    }

    #[test]
    fn only_https_or_loopback_http() {
        for (proto, host, ok) in [
            ("https", "git.example.com", true),
            ("http", "localhost:3000", true),
            ("http", "127.0.0.1", true),
            ("http", "127.1.2.3:80", true),
            ("http", "[::1]:8080", true),
            ("http", "git.example.com", false),
            ("http", "127.0.0.1.evil.example", false),
            ("http", "localhost.evil.example", false),
            ("ssh", "git.example.com", false),
            ("file", "", false),
        ] {
            let r = Request::parse(&format!("protocol={proto}\nhost={host}\n"));
            assert_eq!(r.allowed(), ok, "{proto}://{host}");
        }
        assert!(!Request::parse("host=git.example.com\n").allowed());
    }

    #[test]
    fn bearer_when_git_announces_authtype() {
        let r = Request::parse(GIT_247);
        assert_eq!(
            answer(&r, "tok", Some(1_700_000_000), "oauth2"),
            "capability[]=authtype\nauthtype=Bearer\ncredential=tok\npassword_expiry_utc=1700000000\n"
        );
    }

    #[test]
    fn basic_otherwise() {
        let r = Request::parse(GIT_239);
        assert_eq!(
            answer(&r, "tok", Some(5), "me"),
            "username=me\npassword=tok\npassword_expiry_utc=5\n"
        );
        assert_eq!(answer(&r, "tok", None, "me"), "username=me\npassword=tok\n");
    }

    #[test]
    fn erase_reports_the_refused_secret() {
        let r = Request::parse("protocol=https\nhost=h\nusername=u\npassword=old\n");
        assert_eq!(r.reported_secret(), Some("old"));
        let r = Request::parse("protocol=https\nhost=h\nauthtype=Bearer\ncredential=c\n");
        assert_eq!(r.reported_secret(), Some("c"));
    }

    #[test]
    fn input_is_bounded() {
        let huge = "x".repeat(10 * MAX_INPUT as usize);
        let r = Request::read(format!("protocol=https\nhost=h\n{huge}").as_bytes()).unwrap();
        assert_eq!(r.host.as_deref(), Some("h"));
    }

    #[test]
    fn usernames() {
        assert!(valid_username("git"));
        assert!(!valid_username(""));
        assert!(!valid_username("a\nb"));
    }
}
