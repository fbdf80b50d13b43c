//! The hot path's command line, read without clap.
//!
//! `print-header` and `exec` run before every API call a script makes, and
//! building even a one-subcommand clap tree costs about as much as the rest
//! of `print-header` put together. Scripts call them in a few plain shapes
//! (`tokctl print-header -p work`, `tokctl exec -p work -- cmd …`), so those
//! shapes, and git's `tokctl git-credential get`, are read here by hand. Anything else — another flag, a repeated
//! one, `--help`, a value starting with `-` or empty, an environment value
//! that does not parse — returns `None` and clap decides, with its usual
//! help and errors. A unit test holds this reader to clap's answer.

use crate::cli::{
    Cli, Command, DEFAULT_HEADER, DEFAULT_MIN_VALID, DEFAULT_TIMEOUT, ExecArgs, GitCredentialArgs,
    GitOperation, GlobalArgs, HeaderFormat, PrintHeaderArgs, StoreKind, TokenArgs, parse_duration,
    parse_timeout,
};
use clap::ValueEnum;
use std::ffi::OsString;
use std::path::PathBuf;

/// The arguments of a plain `print-header` or `exec`, or `None` when clap
/// should read them. `env` looks up an environment variable.
pub fn parse(args: &[OsString], env: impl Fn(&str) -> Option<OsString>) -> Option<Cli> {
    let mut sub: Option<&str> = None;
    let mut profile = None;
    let mut quiet = false;
    let (mut format, mut header, mut min_valid) = (None, None, None);
    let mut env_names = Vec::new();
    // A narrowed token (`--scope`, `--resource`, `--audience`) is served as
    // fast as the default one.
    let (mut scopes, mut resources, mut audience) = (Vec::new(), Vec::new(), None);
    let mut command = None;
    let mut operation = None;
    let mut it = args.iter().skip(1);
    while let Some(arg) = it.next() {
        let arg = arg.to_str()?;
        if arg == "--" {
            // Only `exec` takes a command, and it takes all the rest.
            sub.filter(|s| *s == "exec")?;
            command = Some(it.cloned().collect::<Vec<_>>());
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (arg, None),
        };
        let slot = match (flag, sub, inline) {
            ("print-header" | "exec" | "git-credential", None, None) => {
                sub = Some(flag);
                continue;
            }
            (op, Some("git-credential"), None) if operation.is_none() && !op.starts_with('-') => {
                operation = Some(GitOperation::from_str(op, false).ok()?);
                continue;
            }
            ("-q" | "--quiet", _, None) if !quiet => {
                quiet = true;
                continue;
            }
            ("-p" | "--profile", _, _) => &mut profile,
            ("--format", Some("print-header"), _) => &mut format,
            ("--header", Some("print-header"), _) => &mut header,
            ("--min-valid", Some(_), _) => &mut min_valid,
            ("--env", Some("exec"), _) => {
                env_names.push(value(inline, &mut it)?.to_string());
                continue;
            }
            ("--scope", Some(_), _) => {
                scopes.push(value(inline, &mut it)?.to_string());
                continue;
            }
            ("--resource", Some(_), _) => {
                resources.push(value(inline, &mut it)?.to_string());
                continue;
            }
            ("--audience", Some(_), _) => &mut audience,
            _ => return None,
        };
        if slot.is_some() {
            return None;
        }
        *slot = Some(value(inline, &mut it)?);
    }

    let global = GlobalArgs {
        profile: match profile {
            Some(p) => Some(p.to_string()),
            None => plain_env(&env, "TOKCTL_PROFILE")?
                .map(|v| v.into_string())
                .transpose()
                .ok()?,
        },
        config: plain_env(&env, "TOKCTL_CONFIG")?.map(PathBuf::from),
        cacert: plain_env(&env, "TOKCTL_CA_CERT")?.map(PathBuf::from),
        store: match plain_env(&env, "TOKCTL_STORE")? {
            Some(v) => Some(StoreKind::from_str(v.to_str()?, false).ok()?),
            None => None,
        },
        timeout: match plain_env(&env, "TOKCTL_TIMEOUT")? {
            Some(v) => parse_timeout(v.to_str()?).ok()?,
            None => parse_timeout(DEFAULT_TIMEOUT).ok()?,
        },
        verbose: false,
        quiet,
    };
    let token = TokenArgs {
        min_valid: parse_duration(min_valid.unwrap_or(DEFAULT_MIN_VALID)).ok()?,
        id_token: false,
        scopes,
        resources,
        audience: audience.map(str::to_string),
    };
    let command = match sub? {
        "print-header" => Command::PrintHeader(PrintHeaderArgs {
            format: match format {
                Some(f) => HeaderFormat::from_str(f, false).ok()?,
                None => HeaderFormat::Header,
            },
            header: header.unwrap_or(DEFAULT_HEADER).to_string(),
            token,
        }),
        "git-credential" => Command::GitCredential(GitCredentialArgs {
            operation: Some(operation?),
            setup: None,
            token,
        }),
        _ => Command::Exec(ExecArgs {
            env: env_names,
            token,
            keep_fresh: false,
            token_file: None,
            command: command.filter(|c| !c.is_empty())?,
        }),
    };
    Some(Cli { global, command })
}

/// An option's value, inline (`--x=v`) or the next argument; one that is
/// empty or looks like a flag is left to clap.
fn value<'a>(
    inline: Option<&'a str>,
    rest: &mut impl Iterator<Item = &'a OsString>,
) -> Option<&'a str> {
    let v = match inline {
        Some(v) => v,
        None => rest.next()?.to_str()?,
    };
    (!v.is_empty() && !v.starts_with('-')).then_some(v)
}

/// An environment variable that clap would take as it is: `Some(None)` when
/// unset, `None` (leave it to clap) when set but empty.
fn plain_env(env: &impl Fn(&str) -> Option<OsString>, name: &str) -> Option<Option<OsString>> {
    match env(name) {
        Some(v) if v.is_empty() => None,
        v => Some(v),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn os(argv: &[&str]) -> Vec<OsString> {
        argv.iter().map(OsString::from).collect()
    }

    /// Wherever this reader answers, clap (reading the same environment)
    /// answers the same.
    #[test]
    fn agrees_with_clap() {
        let cases: &[&[&str]] = &[
            &["tokctl", "print-header"],
            &["tokctl", "print-header", "-p", "rm"],
            &["tokctl", "-p", "rm", "print-header"],
            &["tokctl", "-q", "print-header", "--profile=rm"],
            &["tokctl", "print-header", "--profile", "a.b@c", "-q"],
            &[
                "tokctl",
                "print-header",
                "-p",
                "x",
                "--format",
                "token",
                "--header=X-Auth",
                "--min-valid",
                "5m",
            ],
            &["tokctl", "print-header", "--format=curl"],
            &["tokctl", "exec", "-p", "x", "--", "sh", "-c", "exit 3"],
            &["tokctl", "exec", "--env", "A", "--env=B", "--", "-p", "--"],
            &["tokctl", "-p", "x", "exec", "--min-valid=2h", "--", "true"],
            &["tokctl", "-p", "x", "git-credential", "get"],
            &[
                "tokctl",
                "git-credential",
                "--min-valid",
                "5m",
                "erase",
                "-q",
            ],
            &["tokctl", "git-credential", "store"],
            &[
                "tokctl",
                "print-header",
                "-p",
                "x",
                "--resource",
                "https://api/",
                "--scope=a",
                "--resource=urn:b",
                "--audience",
                "aud",
            ],
            &["tokctl", "exec", "--scope", "s", "--", "true"],
        ];
        let env = |k: &str| std::env::var_os(k);
        for argv in cases {
            let argv = os(argv);
            let full = Cli::try_parse_from(&argv).expect("clap parses");
            if let Some(fast) = parse(&argv, env) {
                assert_eq!(format!("{fast:?}"), format!("{full:?}"), "{argv:?}");
            }
        }
        // With no TOKCTL_* variables the reader answers every case.
        for argv in cases {
            assert!(parse(&os(argv), |_| None).is_some(), "{argv:?}");
        }
    }

    #[test]
    fn leaves_everything_else_to_clap() {
        for argv in [
            &["tokctl"][..],
            &["tokctl", "print-header", "--help"],
            &["tokctl", "--version"],
            &["tokctl", "print-header", "-v"],
            &["tokctl", "print-header", "-prm"],
            &["tokctl", "print-header", "-p"],
            &["tokctl", "print-header", "-p", "-q"],
            &["tokctl", "print-header", "-p", ""],
            &["tokctl", "print-header", "-p", "a", "-p", "b"],
            &["tokctl", "print-header", "-q", "-q"],
            &["tokctl", "print-header", "--format", "yaml"],
            &["tokctl", "print-header", "--min-valid", "soon"],
            &["tokctl", "print-header", "--env", "A"],
            &["tokctl", "print-header", "--", "x"],
            &["tokctl", "--format", "token", "print-header"],
            &["tokctl", "print-header", "exec"],
            &["tokctl", "print-header=x"],
            &["tokctl", "-p", "print-header"],
            &["tokctl", "exec"],
            &["tokctl", "exec", "--"],
            &["tokctl", "exec", "true"],
            &["tokctl", "exec", "--format", "token", "--", "true"],
            &["tokctl", "exec", "--keep-fresh", "--", "true"],
            &["tokctl", "profiles"],
            &["tokctl", "git-credential"],
            &["tokctl", "git-credential", "fetch"],
            &["tokctl", "git-credential", "get", "get"],
            &["tokctl", "git-credential", "--setup", "https://x"],
            &["tokctl", "git-credential", "get", "--format", "token"],
        ] {
            assert!(parse(&os(argv), |_| None).is_none(), "{argv:?}");
        }
    }

    #[test]
    fn environment() {
        let argv = os(&["tokctl", "print-header"]);
        let with = |name: &'static str, value: &'static str| {
            move |k: &str| (k == name).then(|| OsString::from(value))
        };
        let cli = parse(&argv, with("TOKCTL_PROFILE", "work")).unwrap();
        assert_eq!(cli.global.profile.as_deref(), Some("work"));
        let cli = parse(
            &os(&["tokctl", "print-header", "-p", "x"]),
            with("TOKCTL_PROFILE", "work"),
        )
        .unwrap();
        assert_eq!(cli.global.profile.as_deref(), Some("x"), "the flag wins");
        let cli = parse(&argv, with("TOKCTL_CONFIG", "/c.toml")).unwrap();
        assert_eq!(cli.global.config, Some(PathBuf::from("/c.toml")));
        let cli = parse(&argv, with("TOKCTL_CA_CERT", "/ca.pem")).unwrap();
        assert_eq!(cli.global.cacert, Some(PathBuf::from("/ca.pem")));
        let cli = parse(&argv, with("TOKCTL_STORE", "keychain")).unwrap();
        assert_eq!(cli.global.store, Some(StoreKind::Keychain));
        let cli = parse(&argv, with("TOKCTL_TIMEOUT", "5s")).unwrap();
        assert_eq!(cli.global.timeout, std::time::Duration::from_secs(5));
        for (name, value) in [
            ("TOKCTL_PROFILE", ""),
            ("TOKCTL_CONFIG", ""),
            ("TOKCTL_STORE", "File"),
            ("TOKCTL_STORE", "vault"),
            ("TOKCTL_TIMEOUT", "soon"),
            ("TOKCTL_TIMEOUT", "0s"),
        ] {
            assert!(parse(&argv, with(name, value)).is_none(), "{name}={value}");
        }
    }
}
