//! The command line.

use std::time::Duration;

pub const USAGE: &str = "usage: mock_server [--port N] [--access-ttl SECS] [--refresh-ttl SECS] \
                     [--latency-ms N] [--threads N] [--ignore-stdin]";

/// What the command line sets.
#[derive(Debug, Clone)]
pub struct Config {
    pub port: u16,
    pub access_ttl: u64,
    pub refresh_ttl: u64,
    pub latency: Duration,
    pub threads: usize,
    pub watch_stdin: bool,
}

/// Parses `--flag VALUE` and `--flag=VALUE`; `Err` carries the message for stderr.
pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Config, String> {
    let mut cfg = Config {
        port: 0,
        access_ttl: 3600,
        refresh_ttl: 86400,
        latency: Duration::ZERO,
        threads: 8,
        watch_stdin: true,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) => (f.to_owned(), Some(v.to_owned())),
            None => (arg.clone(), None),
        };
        if arg == "--ignore-stdin" {
            cfg.watch_stdin = false;
            continue;
        }
        if arg == "--help" || arg == "-h" {
            println!("{USAGE}");
            std::process::exit(0);
        }
        let mut value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or(format!("{flag} needs a value"))
        };
        let number = |v: String| {
            v.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number: {v}"))
        };
        match flag.as_str() {
            "--port" => {
                cfg.port = number(value()?)?
                    .try_into()
                    .map_err(|_| "--port: out of range")?
            }
            "--access-ttl" => cfg.access_ttl = parse_secs(&value()?)?,
            "--refresh-ttl" => cfg.refresh_ttl = parse_secs(&value()?)?,
            "--latency-ms" => cfg.latency = Duration::from_millis(number(value()?)?),
            "--threads" => cfg.threads = number(value()?)?.clamp(1, 256) as usize,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    Ok(cfg)
}

/// Seconds as a plain number, or a humantime duration such as `90s` or `2h`.
fn parse_secs(value: &str) -> Result<u64, String> {
    value.parse::<u64>().or_else(|_| {
        humantime::parse_duration(value)
            .map(|d| d.as_secs())
            .map_err(|e| format!("bad duration {value:?}: {e}"))
    })
}
