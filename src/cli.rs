//! The command line, as clap derive data: one source for parsing, help,
//! completions and man pages. No I/O happens here.

use clap::builder::StyledStr;
use clap::builder::styling::Styles;
use clap::{Args, FromArgMatches, Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

/// Parses the command line.
///
/// `print-header` and `exec` run before every API call a script makes, and
/// building clap's whole command tree costs more than the rest of
/// `print-header` put together. Their plain shapes are read without clap
/// (`crate::fast_args`). Otherwise, when one of them is named, the arguments
/// are first parsed against a tree holding only the global options and that
/// subcommand. Success there means the full tree parses them the same way
/// (its other subcommands could only claim a token the narrow tree rejects);
/// anything else, `--help` included, goes through the full tree, which gives
/// the usual help and errors.
pub fn parse() -> Cli {
    let args: Vec<OsString> = std::env::args_os().collect();
    crate::fast_args::parse(&args, |name| std::env::var_os(name))
        .or_else(|| parse_narrow(&args))
        .unwrap_or_else(|| Cli::parse_from(args))
}

fn parse_narrow(args: &[OsString]) -> Option<Cli> {
    const HOT: [&str; 3] = ["print-header", "exec", "git-credential"];
    let name = args
        .iter()
        .skip(1)
        .find_map(|a| HOT.into_iter().find(|h| a == h))?;
    let sub = match name {
        "print-header" => PrintHeaderArgs::augment_args(clap::Command::new(name)),
        "git-credential" => GitCredentialArgs::augment_args(clap::Command::new(name)),
        _ => ExecArgs::augment_args(clap::Command::new(name)),
    };
    let root = GlobalArgs::augment_args(clap::Command::new("tokctl"))
        .subcommand(sub)
        .subcommand_required(true)
        .disable_help_subcommand(true);
    let matches = root.try_get_matches_from(args).ok()?;
    Cli::from_arg_matches(&matches).ok()
}

/// Log in once to an HTTP API, keep its tokens in the OS keychain, and print
/// a fresh bearer token whenever a script needs one.
#[derive(Debug, Parser)]
#[command(
    name = "tokctl",
    version,
    propagate_version = true,
    max_term_width = 100,
    after_long_help = examples(TOKCTL_EXAMPLES)
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options every command accepts.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Profile to use [default: `default` in the config, else the only profile]
    #[arg(
        short,
        long,
        global = true,
        env = "TOKCTL_PROFILE",
        value_name = "NAME"
    )]
    pub profile: Option<String>,

    /// The profile file [default: <config dir>/tokctl/config.toml]
    #[arg(long, global = true, env = "TOKCTL_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// Where secrets live [default: the profile's store, else auto]
    #[arg(long, global = true, env = "TOKCTL_STORE", value_name = "STORE")]
    pub store: Option<StoreKind>,

    /// Time limit for each HTTP request (30s, 2m, ...)
    #[arg(long, global = true, env = "TOKCTL_TIMEOUT", value_name = "DURATION",
          default_value = DEFAULT_TIMEOUT, value_parser = parse_timeout)]
    pub timeout: Duration,

    /// Extra trusted CA certificates (PEM), besides the system roots
    #[arg(long, global = true, env = "TOKCTL_CA_CERT", value_name = "PATH")]
    pub cacert: Option<PathBuf>,

    /// Show HTTP method, URL, status and timing on stderr (secrets redacted)
    #[arg(short, long, global = true)]
    pub verbose: bool,

    /// No progress or notices on stderr
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
}

/// The subcommands.
// One is parsed per process: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Authenticate a profile and store its tokens
    #[command(after_long_help = examples(LOGIN_EXAMPLES))]
    // Boxed: by far the largest variant (clippy::large_enum_variant).
    Login(Box<LoginArgs>),
    /// Get a new access token now (refresh token, or re-login with saved credentials)
    #[command(after_long_help = examples(REFRESH_EXAMPLES))]
    Refresh(RefreshArgs),
    /// Show a profile's configuration and token state
    #[command(after_long_help = examples(INFO_EXAMPLES))]
    Info(InfoArgs),
    /// Print "Authorization: Bearer <token>", refreshing first when needed
    #[command(after_long_help = examples(PRINT_HEADER_EXAMPLES))]
    PrintHeader(PrintHeaderArgs),
    /// Run a command with a fresh token in its environment
    #[command(after_long_help = examples(EXEC_EXAMPLES))]
    Exec(ExecArgs),
    /// Delete a profile's stored tokens and saved credentials (revoke where the provider can)
    #[command(after_long_help = examples(LOGOUT_EXAMPLES))]
    Logout(LogoutArgs),
    /// List profiles and their token state
    #[command(after_long_help = examples(PROFILES_EXAMPLES))]
    Profiles(ProfilesArgs),
    /// Make a profile the default, or show which one commands use
    #[command(after_long_help = examples(USE_EXAMPLES))]
    Use(UseArgs),
    /// Be git's credential helper for a profile
    #[command(after_long_help = examples(GIT_CREDENTIAL_EXAMPLES))]
    GitCredential(GitCredentialArgs),
    /// Print a shell completion script
    #[command(after_long_help = examples(COMPLETIONS_EXAMPLES))]
    Completions(CompletionsArgs),
}

/// `tokctl login`.
#[derive(Debug, Args, Clone, Default)]
pub struct LoginArgs {
    /// Provider kind (required when the profile is new): a built-in kind, or
    /// NAME for a definition providers/NAME.toml beside the profile file
    #[arg(long, value_name = "KIND", value_parser = crate::providers::kind::ProviderNameParser)]
    pub provider: Option<crate::providers::kind::ProviderName>,

    /// Override the provider's base URL (auth server)
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// Override the API base URL (realmassive: where `info --remote` reads the user)
    #[arg(long, value_name = "URL")]
    pub api_url: Option<String>,

    /// Username, e-mail or API key
    #[arg(long, value_name = "USER")]
    pub username: Option<String>,

    /// Read the password (then the client secret, if asked for) from stdin, one per line
    #[arg(long)]
    pub password_stdin: bool,

    /// Keep the password / client secret in the secret store for unattended re-login
    #[arg(long, overrides_with = "no_save_credentials")]
    pub save_credentials: bool,

    /// Do not keep the password / client secret
    #[arg(long, overrides_with = "save_credentials")]
    pub no_save_credentials: bool,

    /// Print the result as JSON on stdout (no token values)
    #[arg(long)]
    pub json: bool,

    // Last: a flattened group's help heading holds for what follows it.
    #[command(flatten)]
    pub client: ClientArgs,

    #[command(flatten)]
    pub oauth: OAuthArgs,
}

/// The client tokctl logs in as: an OAuth client, or the one a provider
/// definition names (`{client_id}`, `{client_secret}`).
#[derive(Debug, Args, Clone, Default, PartialEq)]
#[command(next_help_heading = "OAuth options")]
pub struct ClientArgs {
    /// OAuth client id (also `{client_id}` in a provider definition)
    #[arg(long, value_name = "ID")]
    pub client_id: Option<String>,

    /// Read the OAuth client secret from stdin (after the password when both are read)
    #[arg(long)]
    pub client_secret_stdin: bool,
}

/// The flags of `login` that only OAuth 2 / OpenID Connect profiles take.
#[derive(Debug, Args, Clone, Default, PartialEq)]
#[command(next_help_heading = "OAuth options")]
pub struct OAuthArgs {
    /// OpenID Connect issuer (endpoints come from its discovery document)
    #[arg(long, value_name = "URL")]
    pub issuer: Option<String>,

    /// OAuth token endpoint
    #[arg(long, value_name = "URL")]
    pub token_url: Option<String>,

    /// OAuth authorization endpoint
    #[arg(long, value_name = "URL")]
    pub auth_url: Option<String>,

    /// OAuth device authorization endpoint
    #[arg(long, value_name = "URL")]
    pub device_url: Option<String>,

    /// How the client authenticates at the token endpoint
    #[arg(long, value_name = "METHOD")]
    pub client_auth: Option<ClientAuth>,

    /// PEM private key: signs private-key-jwt assertions (kept in the secret store), or the tls key
    #[arg(long, value_name = "PATH")]
    pub client_key: Option<PathBuf>,

    /// PEM client certificate: for --client-auth tls (mutual TLS), or with private-key-jwt the key's certificate, named in assertions (x5t) as Entra ID wants
    #[arg(long, value_name = "PATH")]
    pub client_cert: Option<PathBuf>,

    /// Add KEY=VALUE to the authorization request (repeatable; e.g. access_type=offline)
    #[arg(long = "auth-param", value_name = "KEY=VALUE")]
    pub auth_params: Vec<String>,

    /// Add KEY=VALUE to every token request (repeatable; e.g. audience=https://api.example.com)
    #[arg(long = "token-param", value_name = "KEY=VALUE")]
    pub token_params: Vec<String>,

    /// OAuth grant used to log in
    #[arg(long, value_name = "FLOW")]
    pub flow: Option<Flow>,

    /// OAuth scope to request (repeatable)
    #[arg(long = "scope", value_name = "SCOPE")]
    pub scopes: Vec<String>,

    /// Redirect URI for the auth-code flow (its port and path are listened on)
    #[arg(long, value_name = "URI")]
    pub redirect_uri: Option<String>,

    /// Print the authorization URL instead of opening a browser
    #[arg(long)]
    pub no_browser: bool,
}

/// Whether any flag of a group (such as [`OAuthArgs`]) was given: all are
/// off by default, so the group differs from its default.
pub fn given<T: Default + PartialEq>(group: &T) -> bool {
    *group != T::default()
}

/// `tokctl refresh`.
#[derive(Debug, Args, Clone)]
pub struct RefreshArgs {
    /// Print the result as JSON on stdout (no token values)
    #[arg(long)]
    pub json: bool,
}

/// `tokctl info`.
#[derive(Debug, Args, Clone)]
pub struct InfoArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
    /// Also ask the provider's info endpoint (userinfo, introspection, token info, user entity)
    #[arg(long)]
    pub remote: bool,
    /// Include token values in the output
    #[arg(long)]
    pub show_tokens: bool,
}

/// Where `--help` lists `--scope`, `--resource` and `--audience`.
const NARROW_HEADING: &str = "A token narrowed for one API (oauth2 profiles)";

/// Which token a command hands out and how fresh it must be: shared by
/// `print-header`, `exec` and the helpers, so that a flag added here works
/// the same in all of them.
#[derive(Debug, Args, Clone)]
pub struct TokenArgs {
    /// Refresh first when the token expires sooner than this
    #[arg(long, value_name = "DURATION", default_value = DEFAULT_MIN_VALID, value_parser = parse_duration)]
    pub min_valid: Duration,
    /// Hand out the OpenID Connect ID token instead of the access token
    #[arg(long)]
    pub id_token: bool,
    /// A token for exactly these scopes, obtained with the refresh token (repeatable)
    #[arg(long = "scope", value_name = "SCOPE", help_heading = NARROW_HEADING)]
    pub scopes: Vec<String>,
    /// A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)
    #[arg(long = "resource", value_name = "URI", help_heading = NARROW_HEADING)]
    pub resources: Vec<String>,
    /// A token for this audience, sent as `audience=` as Auth0 wants
    #[arg(long, value_name = "AUD", help_heading = NARROW_HEADING)]
    pub audience: Option<String>,
}

impl TokenArgs {
    /// Which token the flags ask for: the access token, the ID token
    /// (`--id-token`), or one narrowed with `--scope`, `--resource` and
    /// `--audience` (checked here, so a bad value is a usage error).
    pub fn which(&self) -> Result<crate::session::Which, crate::error::Failure> {
        use crate::session::Which;
        let sel = crate::selection::Selection::new(
            &self.scopes,
            &self.resources,
            self.audience.as_deref(),
        )?;
        match (self.id_token, sel.is_default()) {
            (false, true) => Ok(Which::Access),
            (true, true) => Ok(Which::Id),
            (false, false) => Ok(Which::Narrowed(sel)),
            (true, false) => Err(crate::error::usage(
                "--id-token hands out the login's ID token; --scope, --resource and --audience narrow access tokens only",
            )),
        }
    }
}

/// `tokctl print-header`.
#[derive(Debug, Args, Clone)]
pub struct PrintHeaderArgs {
    /// Output format
    #[arg(long, value_name = "FORMAT", default_value = "header")]
    pub format: HeaderFormat,
    /// Header name
    #[arg(long, value_name = "NAME", default_value = DEFAULT_HEADER)]
    pub header: String,
    #[command(flatten)]
    pub token: TokenArgs,
}

/// `tokctl exec`.
#[derive(Debug, Args, Clone)]
pub struct ExecArgs {
    /// Also set this environment variable to the token (repeatable)
    #[arg(long = "env", value_name = "NAME")]
    pub env: Vec<String>,
    #[command(flatten)]
    pub token: TokenArgs,
    /// Stay the command's parent and keep the token fresh in files for its whole life
    #[arg(long)]
    pub keep_fresh: bool,
    /// Keep the token in this file instead of the private directory (implies --keep-fresh)
    #[arg(long, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
    /// The command and its arguments
    #[arg(last = true, required = true, value_name = "CMD")]
    pub command: Vec<std::ffi::OsString>,
}

/// `tokctl use`.
#[derive(Debug, Args, Clone)]
pub struct UseArgs {
    /// The profile to make the default; without it, print the profile in use
    pub name: Option<String>,
}

/// `tokctl git-credential`.
#[derive(Debug, Args, Clone)]
#[command(arg_required_else_help = true)]
pub struct GitCredentialArgs {
    /// What git asks: get, store or erase
    #[arg(value_name = "OPERATION", required_unless_present = "setup")]
    pub operation: Option<GitOperation>,
    /// Configure git (--global) to ask tokctl for this URL's credentials, and no other helper
    #[arg(long, value_name = "URL", conflicts_with = "operation")]
    pub setup: Option<String>,
    #[command(flatten)]
    pub token: TokenArgs,
}

/// The operations of git's credential helper protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum GitOperation {
    /// Answer with a credential for the URL git describes
    Get,
    /// Nothing to do: tokctl keeps its own tokens
    Store,
    /// The server refused the token: drop the cached access token
    Erase,
}

/// `tokctl logout`.
#[derive(Debug, Args, Clone)]
pub struct LogoutArgs {
    /// Log out of every profile (a -p or TOKCTL_PROFILE is then ignored)
    // No clap conflict with --profile: it would also fire on TOKCTL_PROFILE
    // set in the environment, breaking `logout --all` in such a shell.
    #[arg(long)]
    pub all: bool,
    /// Keep the saved password / client secret
    #[arg(long)]
    pub keep_credentials: bool,
}

/// `tokctl profiles`.
#[derive(Debug, Args, Clone)]
pub struct ProfilesArgs {
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

/// `tokctl completions`.
#[derive(Debug, Args, Clone)]
pub struct CompletionsArgs {
    /// The shell
    pub shell: clap_complete::Shell,
}

/// The provider kinds tokctl speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ProviderKind {
    /// RealMassive: JSON e-mail/password login, refresh token
    Realmassive,
    /// CollectiveAccess GraphQL `service/Auth`
    Collectiveaccess,
    /// Any OAuth 2 / OpenID Connect server
    #[value(alias = "oidc", alias = "keycloak")]
    Oauth2,
    /// Organicity accounts (Keycloak, offline tokens)
    Organicity,
    /// MakeShift API key and secret
    Makeshift,
    /// Vivacity Labs API
    Vivacity,
}

impl ProviderKind {
    /// Whether logins of this kind can return an OpenID Connect ID token.
    pub fn has_id_token(self) -> bool {
        matches!(self, ProviderKind::Oauth2 | ProviderKind::Organicity)
    }
}

/// Where secrets live.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StoreKind {
    /// The keychain when one answers, else the file store
    Auto,
    /// The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)
    Keychain,
    /// `<data dir>/secrets.json`, mode 0600
    File,
}

/// `print-header --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HeaderFormat {
    /// `Authorization: Bearer <token>`
    Header,
    /// The token alone
    Token,
    /// A JSON object with the header, token, type and expiry
    Json,
    /// A curl config line, for `curl -K-`
    Curl,
    /// A Kubernetes ExecCredential, for kubectl's exec credential plugins
    ExecCredential,
}

/// OAuth client authentication at the token endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ClientAuth {
    /// The client secret in an HTTP Basic header (client_secret_basic)
    Basic,
    /// The client secret in the form body (client_secret_post)
    Post,
    /// An RFC 7523 assertion signed HS256 with the client secret (client_secret_jwt)
    ClientSecretJwt,
    /// An RFC 7523 assertion signed with --client-key, RS256 or ES256 (private_key_jwt)
    PrivateKeyJwt,
    /// Mutual TLS with --client-cert and --client-key (RFC 8705 tls_client_auth)
    Tls,
}

impl ClientAuth {
    /// Whether the method proves the client with its secret.
    pub fn uses_secret(self) -> bool {
        matches!(
            self,
            ClientAuth::Basic | ClientAuth::Post | ClientAuth::ClientSecretJwt
        )
    }
}

/// The `aud` of a client assertion (profile key `assertion_audience`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AssertionAudience {
    /// The token endpoint URL (Okta, Entra, Keycloak)
    TokenEndpoint,
    /// The issuer (Maskinporten, FAPI 2.0)
    Issuer,
}

/// OAuth login flows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Flow {
    /// Authorization code with PKCE, via the browser and a loopback redirect
    AuthCode,
    /// Device authorization grant (RFC 8628)
    Device,
    /// Resource owner password grant
    Password,
    /// Client credentials (no user)
    ClientCredentials,
}

/// The EXAMPLES section that ends a command's long help (`--help`, not
/// `-h`) and its man page (`docs.rs` lifts it out of the help into a man
/// section of its own). Each example is a `# why` line and the `$ …`
/// invocation it explains; every one must run as written against the
/// current flags.
fn examples(text: &str) -> StyledStr {
    let styles = Styles::default();
    let heading = styles.get_header();
    format!("{heading}{EXAMPLES_HEADING}{heading:#}\n{text}").into()
}

/// The first line of every EXAMPLES section.
pub const EXAMPLES_HEADING: &str = "Examples:";

const TOKCTL_EXAMPLES: &str = r#"  # Log in once; the password is prompted for, never taken from the command line
  $ tokctl login -p rm --provider realmassive --username you@example.com

  # Hand a fresh token to curl through a pipe, so it never appears in an argv
  $ tokctl print-header -p rm | curl -H @- https://api.example.com/things

  # Run a script with a fresh token in its environment
  $ tokctl exec -p rm -- ./nightly-job.sh
"#;

const LOGIN_EXAMPLES: &str = r#"  # A password API (realmassive, collectiveaccess, makeshift, vivacity, or a kind of your
  # own described by providers/NAME.toml beside the profile file): prompts for the password
  $ tokctl login -p rm --provider realmassive --username you@example.com

  # OpenID Connect in the browser: authorization code with PKCE, the default flow
  $ tokctl login -p work --provider oidc --issuer https://sso.example.com/realms/main \
      --client-id tokctl

  # No browser here: the device flow shows a code to approve on another device
  $ tokctl login -p work --provider oidc --issuer https://sso.example.com/realms/main \
      --client-id tokctl --flow device

  # The password grant, the password on stdin (printf is a shell builtin: no argv)
  $ printf '%s\n' "$PASSWORD" | tokctl login -p pw --provider oidc \
      --issuer https://sso.example.com/realms/main --client-id tokctl \
      --flow password --username alice --password-stdin

  # A service account: client credentials, the secret read from a file and kept
  $ tokctl login -p svc --provider oidc --issuer https://sso.example.com/realms/main \
      --client-id my-service --flow client-credentials --client-secret-stdin < ~/.svc-secret
"#;

const REFRESH_EXAMPLES: &str = r#"  # Renew now, even while the current token is still valid
  $ tokctl refresh -p work

  # The new expiry as JSON (no token values), for a log or a monitor
  $ tokctl refresh -p work --json
"#;

const INFO_EXAMPLES: &str = r#"  # Endpoints, user, store, expiry and the access token's JWT claims
  $ tokctl info -p work

  # Also ask the server (userinfo or introspection, token info, user entity)
  $ tokctl info -p work --remote

  # When the token expires, for a script
  $ tokctl info -p work --json | jq -r .expires_at
"#;

const PRINT_HEADER_EXAMPLES: &str = r#"  # The header through a pipe, so the token never appears in curl's argv
  $ tokctl print-header | curl -H @- https://api.example.com/things

  # The same as a curl config line, read from stdin
  $ tokctl print-header -p work --format curl | curl -K- https://api.example.com/things

  # A token valid for at least 10 more minutes, renewed first if it is not
  $ tokctl print-header -p work --min-valid 10m | curl -H @- https://api.example.com/export

  # A token for one API only (RFC 8707 resource), cached apart from the login's
  $ tokctl print-header -p work --resource https://api.example.com | curl -H @- https://api.example.com/things

  # kubectl's exec credential plugin (see the README's kubeconfig)
  $ tokctl print-header -p work --format exec-credential
"#;

const EXEC_EXAMPLES: &str = r#"  # The script finds the token in $TOKCTL_ACCESS_TOKEN, $TOKCTL_AUTHORIZATION and $API_TOKEN
  $ tokctl exec -p work --env API_TOKEN -- ./nightly-job.sh

  # A job that runs half an hour: renew first unless 30 minutes are left
  $ tokctl exec -p work --min-valid 30m -- ./long-job.sh

  # A job that outlives any token: tokctl stays and keeps the header file fresh
  $ tokctl exec -p work --keep-fresh -- sh -c \
      'while sleep 60; do curl -H @"$TOKCTL_HEADER_FILE" https://api.example.com/things; done'

  # A sidecar: the token kept fresh in a file shared with a container
  $ tokctl exec -p work --token-file /shared/token -- sleep infinity

  # Inside, pipe the header too: printf is a shell builtin, so no argv holds it
  $ tokctl exec -p work -- sh -c \
      'printf "Authorization: %s\n" "$TOKCTL_AUTHORIZATION" | curl -H @- https://api.example.com/things'
"#;

const LOGOUT_EXAMPLES: &str = r#"  # Revoke the tokens where the server can, then delete them here
  $ tokctl logout -p work

  # Every profile in the profile file
  $ tokctl logout --all

  # Drop the tokens but keep the saved password: the next use logs in again by itself
  $ tokctl logout -p ms --keep-credentials
"#;

const PROFILES_EXAMPLES: &str = r#"  # Name, provider, user, store, state and time left; * marks the default
  $ tokctl profiles

  # The profiles that need a `tokctl login`
  $ tokctl profiles --json | jq -r '.[] | select(.state == "expired" or .state == "logged out") | .name'
"#;

const USE_EXAMPLES: &str = r#"  # Commands without -p now use the profile "work"
  $ tokctl use work

  # Which profile do commands use without -p?
  $ tokctl use
"#;

const GIT_CREDENTIAL_EXAMPLES: &str = r#"  # Let git ask tokctl (profile "work") for git.example.com, and no other helper
  $ tokctl git-credential --setup https://git.example.com -p work

  # What git runs; the request comes on stdin
  $ printf 'protocol=https\nhost=git.example.com\n' | tokctl git-credential -p work get
"#;

const COMPLETIONS_EXAMPLES: &str = r#"  $ tokctl completions bash > ~/.local/share/bash-completion/completions/tokctl
  $ tokctl completions zsh > ~/.zfunc/_tokctl   # with ~/.zfunc in $fpath
  $ tokctl completions fish > ~/.config/fish/completions/tokctl.fish
"#;

/// The lower-case name clap uses for a value, for messages and the config file.
pub fn value_name<T: ValueEnum>(v: &T) -> String {
    v.to_possible_value()
        .map(|p| p.get_name().to_string())
        .unwrap_or_default()
}

/// `--timeout` when not given.
pub const DEFAULT_TIMEOUT: &str = "30s";
/// `--min-valid` when not given.
pub const DEFAULT_MIN_VALID: &str = "60s";
/// `print-header --header` when not given.
pub const DEFAULT_HEADER: &str = "Authorization";

/// The longest duration taken from a user (ten years): longer ones mean
/// the same in practice, and would overflow the clock arithmetic.
pub const MAX_DURATION: Duration = Duration::from_secs(10 * 365 * 86_400);

/// A duration as `--timeout` and `--min-valid` take it, clamped to
/// [`MAX_DURATION`].
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    humantime::parse_duration(s.trim())
        .map(|d| d.min(MAX_DURATION))
        .map_err(|e| format!("{e} (try 30s, 5m, 1h)"))
}

/// A duration that must not be zero: a zero timeout fails every request.
pub(crate) fn parse_timeout(s: &str) -> Result<Duration, String> {
    match parse_duration(s)? {
        d if d.is_zero() => Err("a timeout must be longer than 0 (try 30s, 2m)".into()),
        d => Ok(d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }

    /// The narrow parse must agree with the full one wherever it answers.
    #[test]
    fn narrow_parse_agrees_with_full_parse() {
        let cases: &[&[&str]] = &[
            &["tokctl", "print-header"],
            &[
                "tokctl",
                "-p",
                "work",
                "print-header",
                "--format",
                "json",
                "--min-valid",
                "5m",
            ],
            &[
                "tokctl",
                "print-header",
                "-p",
                "x",
                "--header",
                "X-Auth",
                "-v",
            ],
            &[
                "tokctl", "--store", "file", "exec", "--env", "A", "--", "sh", "-c", "exit 3",
            ],
            &["tokctl", "exec", "-p", "x", "--", "print-header"],
            &["tokctl", "--timeout", "5s", "-q", "exec", "--", "true"],
            &[
                "tokctl",
                "exec",
                "--keep-fresh",
                "--token-file",
                "/tmp/t",
                "--",
                "true",
            ],
            &["tokctl", "git-credential", "-p", "work", "get"],
            &["tokctl", "git-credential", "--setup", "https://h.example"],
            &["tokctl", "print-header", "--format", "exec-credential"],
        ];
        for argv in cases {
            let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
            let narrow = parse_narrow(&argv).expect("narrow parse answers");
            let full = Cli::try_parse_from(&argv).expect("full parse");
            assert_eq!(format!("{narrow:?}"), format!("{full:?}"), "{argv:?}");
        }
        // Anything unusual is left to the full tree.
        for argv in [
            &["tokctl", "print-header", "--help"][..],
            &["tokctl", "-p", "exec", "print-header"],
            &["tokctl", "print-header", "--bogus"],
            &["tokctl", "exec"],
            &["tokctl", "profiles"],
            &["tokctl", "git-credential"],
            &["tokctl", "git-credential", "--setup", "u", "get"],
        ] {
            let argv: Vec<OsString> = argv.iter().map(OsString::from).collect();
            assert!(parse_narrow(&argv).is_none(), "{argv:?}");
        }
    }

    /// Every command's long help ends with examples, and every example is
    /// an invocation the current flags accept.
    #[test]
    fn every_command_has_examples_that_parse() {
        let mut root = Cli::command();
        root.build();
        let mut cmds = vec![root.clone()];
        cmds.extend(
            root.get_subcommands()
                .filter(|c| c.get_name() != "help")
                .cloned(),
        );
        for cmd in cmds {
            let name = cmd.get_name().to_string();
            let help = cmd
                .get_after_long_help()
                .map(|h| h.to_string())
                .unwrap_or_default();
            assert!(
                help.starts_with(EXAMPLES_HEADING),
                "`tokctl {name} --help` has no examples: add #[command(after_long_help = examples(...))] in src/cli.rs"
            );
            let invocations = example_invocations(&help);
            assert!(
                (2..=5).contains(&invocations.len()) || name == "completions",
                "{name}: {} examples",
                invocations.len()
            );
            for argv in invocations {
                let parsed = root.clone().try_get_matches_from(&argv);
                match parsed {
                    Ok(m) if name == "tokctl" || m.subcommand_name() == Some(name.as_str()) => {}
                    Ok(m) => panic!(
                        "example {argv:?} under {name} runs {:?}",
                        m.subcommand_name()
                    ),
                    Err(e) => panic!("example {argv:?} does not parse:\n{e}"),
                }
            }
        }
    }

    /// The tokctl command of each `$ ` line (continuations joined), split
    /// as a POSIX shell would, up to the first unquoted `|`, `<`, `>` or `#`.
    fn example_invocations(help: &str) -> Vec<Vec<String>> {
        let joined = help.replace("\\\n", " ");
        joined
            .lines()
            .filter_map(|l| l.trim_start().strip_prefix("$ "))
            .filter_map(|cmd| {
                let start = cmd.find("tokctl ")?;
                Some(shell_words(&cmd[start..]))
            })
            .collect()
    }

    fn shell_words(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word: Option<String> = None;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    let w = word.get_or_insert_with(String::new);
                    w.extend(chars.by_ref().take_while(|&c| c != '\''));
                }
                '"' => {
                    let w = word.get_or_insert_with(String::new);
                    while let Some(c) = chars.next() {
                        match c {
                            '"' => break,
                            '\\' => w.extend(chars.next()),
                            c => w.push(c),
                        }
                    }
                }
                '\\' => word.get_or_insert_with(String::new).extend(chars.next()),
                '|' | '<' | '>' | '#' if word.is_none() || c != '#' => break,
                c if c.is_whitespace() => words.extend(word.take()),
                c => word.get_or_insert_with(String::new).push(c),
            }
        }
        words.extend(word);
        words
    }

    #[test]
    fn provider_aliases() {
        assert_eq!(
            ProviderKind::from_str("oidc", true),
            Ok(ProviderKind::Oauth2)
        );
        assert_eq!(
            ProviderKind::from_str("keycloak", true),
            Ok(ProviderKind::Oauth2)
        );
    }
}
