# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_tokctl_global_optspecs
    string join \n p/profile= config= store= timeout= cacert= v/verbose q/quiet h/help V/version
end

function __fish_tokctl_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_tokctl_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_tokctl_using_subcommand
    set -l cmd (__fish_tokctl_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c tokctl -n "__fish_tokctl_needs_command" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_needs_command" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_needs_command" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_needs_command" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_needs_command" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_needs_command" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_needs_command" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "login" -d 'Authenticate a profile and store its tokens'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "refresh" -d 'Get a new access token now (refresh token, or re-login with saved credentials)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "info" -d 'Show a profile\'s configuration and token state'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "print-header" -d 'Print "Authorization: Bearer <token>", refreshing first when needed'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "exec" -d 'Run a command with a fresh token in its environment'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "logout" -d 'Delete a profile\'s stored tokens and saved credentials (revoke where the provider can)'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "profiles" -d 'List profiles and their token state'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "use" -d 'Make a profile the default, or show which one commands use'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "git-credential" -d 'Be git\'s credential helper for a profile'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "completions" -d 'Print a shell completion script'
complete -c tokctl -n "__fish_tokctl_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l provider -d 'Provider kind (required when the profile is new): a built-in kind, or NAME for a definition providers/NAME.toml beside the profile file' -r -f -a "realmassive\t'RealMassive: JSON e-mail/password login, refresh token'
collectiveaccess\t'CollectiveAccess GraphQL `service/Auth`'
oauth2\t'Any OAuth 2 / OpenID Connect server'
organicity\t'Organicity accounts (Keycloak, offline tokens)'
makeshift\t'MakeShift API key and secret'
vivacity\t'Vivacity Labs API'"
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l base-url -d 'Override the provider\'s base URL (auth server)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l api-url -d 'Override the API base URL (realmassive: where `info --remote` reads the user)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l username -d 'Username, e-mail or API key' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l client-id -d 'OAuth client id (also `{client_id}` in a provider definition)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l issuer -d 'OpenID Connect issuer (endpoints come from its discovery document)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l token-url -d 'OAuth token endpoint' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l auth-url -d 'OAuth authorization endpoint' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l device-url -d 'OAuth device authorization endpoint' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l client-auth -d 'How the client authenticates at the token endpoint' -r -f -a "basic\t'The client secret in an HTTP Basic header (client_secret_basic)'
post\t'The client secret in the form body (client_secret_post)'
client-secret-jwt\t'An RFC 7523 assertion signed HS256 with the client secret (client_secret_jwt)'
private-key-jwt\t'An RFC 7523 assertion signed with --client-key, RS256 or ES256 (private_key_jwt)'
tls\t'Mutual TLS with --client-cert and --client-key (RFC 8705 tls_client_auth)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l client-key -d 'PEM private key: signs private-key-jwt assertions (kept in the secret store), or the tls key' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l client-cert -d 'PEM client certificate: for --client-auth tls (mutual TLS), or with private-key-jwt the key\'s certificate, named in assertions (x5t) as Entra ID wants' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l auth-param -d 'Add KEY=VALUE to the authorization request (repeatable; e.g. access_type=offline)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l token-param -d 'Add KEY=VALUE to every token request (repeatable; e.g. audience=https://api.example.com)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l flow -d 'OAuth grant used to log in' -r -f -a "auth-code\t'Authorization code with PKCE, via the browser and a loopback redirect'
device\t'Device authorization grant (RFC 8628)'
password\t'Resource owner password grant'
client-credentials\t'Client credentials (no user)'"
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l scope -d 'OAuth scope to request (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l redirect-uri -d 'Redirect URI for the auth-code flow (its port and path are listened on)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l password-stdin -d 'Read the password (then the client secret, if asked for) from stdin, one per line'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l save-credentials -d 'Keep the password / client secret in the secret store for unattended re-login'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l no-save-credentials -d 'Do not keep the password / client secret'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l json -d 'Print the result as JSON on stdout (no token values)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l client-secret-stdin -d 'Read the OAuth client secret from stdin (after the password when both are read)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -l no-browser -d 'Print the authorization URL instead of opening a browser'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand login" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -l json -d 'Print the result as JSON on stdout (no token values)'
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand refresh" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l json -d 'Print JSON'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l remote -d 'Also ask the provider\'s info endpoint (userinfo, introspection, token info, user entity)'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -l show-tokens -d 'Include token values in the output'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand info" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l format -d 'Output format' -r -f -a "header\t'`Authorization: Bearer <token>`'
token\t'The token alone'
json\t'A JSON object with the header, token, type and expiry'
curl\t'A curl config line, for `curl -K-`'
exec-credential\t'A Kubernetes ExecCredential, for kubectl\'s exec credential plugins'"
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l header -d 'Header name' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l min-valid -d 'Refresh first when the token expires sooner than this' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l scope -d 'A token for exactly these scopes, obtained with the refresh token (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l resource -d 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l audience -d 'A token for this audience, sent as `audience=` as Auth0 wants' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -l id-token -d 'Hand out the OpenID Connect ID token instead of the access token'
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand print-header" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l env -d 'Also set this environment variable to the token (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l min-valid -d 'Refresh first when the token expires sooner than this' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l scope -d 'A token for exactly these scopes, obtained with the refresh token (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l resource -d 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l audience -d 'A token for this audience, sent as `audience=` as Auth0 wants' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l token-file -d 'Keep the token in this file instead of the private directory (implies --keep-fresh)' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l id-token -d 'Hand out the OpenID Connect ID token instead of the access token'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -l keep-fresh -d 'Stay the command\'s parent and keep the token fresh in files for its whole life'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand exec" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l all -d 'Log out of every profile (a -p or TOKCTL_PROFILE is then ignored)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -l keep-credentials -d 'Keep the saved password / client secret'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand logout" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -l json -d 'Print JSON'
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand profiles" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand use" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l setup -d 'Configure git (--global) to ask tokctl for this URL\'s credentials, and no other helper' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l min-valid -d 'Refresh first when the token expires sooner than this' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l scope -d 'A token for exactly these scopes, obtained with the refresh token (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l resource -d 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l audience -d 'A token for this audience, sent as `audience=` as Auth0 wants' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -l id-token -d 'Hand out the OpenID Connect ID token instead of the access token'
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand git-credential" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s p -l profile -d 'Profile to use [default: `default` in the config, else the only profile]' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l config -d 'The profile file [default: <config dir>/tokctl/config.toml]' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l store -d 'Where secrets live [default: the profile\'s store, else auto]' -r -f -a "auto\t'The keychain when one answers, else the file store'
keychain\t'The OS keychain (Secret Service, macOS Keychain, Windows Credential Manager)'
file\t'`<data dir>/secrets.json`, mode 0600'"
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l timeout -d 'Time limit for each HTTP request (30s, 2m, ...)' -r
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -l cacert -d 'Extra trusted CA certificates (PEM), besides the system roots' -r -F
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s v -l verbose -d 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s q -l quiet -d 'No progress or notices on stderr'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c tokctl -n "__fish_tokctl_using_subcommand completions" -s V -l version -d 'Print version'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "login" -d 'Authenticate a profile and store its tokens'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "refresh" -d 'Get a new access token now (refresh token, or re-login with saved credentials)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "info" -d 'Show a profile\'s configuration and token state'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "print-header" -d 'Print "Authorization: Bearer <token>", refreshing first when needed'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "exec" -d 'Run a command with a fresh token in its environment'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "logout" -d 'Delete a profile\'s stored tokens and saved credentials (revoke where the provider can)'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "profiles" -d 'List profiles and their token state'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "use" -d 'Make a profile the default, or show which one commands use'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "git-credential" -d 'Be git\'s credential helper for a profile'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "completions" -d 'Print a shell completion script'
complete -c tokctl -n "__fish_tokctl_using_subcommand help; and not __fish_seen_subcommand_from login refresh info print-header exec logout profiles use git-credential completions help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
