
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'tokctl' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'tokctl'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'tokctl' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Authenticate a profile and store its tokens')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Get a new access token now (refresh token, or re-login with saved credentials)')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a profile''s configuration and token state')
            [CompletionResult]::new('print-header', 'print-header', [CompletionResultType]::ParameterValue, 'Print "Authorization: Bearer <token>", refreshing first when needed')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with a fresh token in its environment')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Delete a profile''s stored tokens and saved credentials (revoke where the provider can)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles and their token state')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the default, or show which one commands use')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'Be git''s credential helper for a profile')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;login' {
            [CompletionResult]::new('--provider', '--provider', [CompletionResultType]::ParameterName, 'Provider kind (required when the profile is new): a built-in kind, or NAME for a definition providers/NAME.toml beside the profile file')
            [CompletionResult]::new('--base-url', '--base-url', [CompletionResultType]::ParameterName, 'Override the provider''s base URL (auth server)')
            [CompletionResult]::new('--api-url', '--api-url', [CompletionResultType]::ParameterName, 'Override the API base URL (realmassive: where `info --remote` reads the user)')
            [CompletionResult]::new('--username', '--username', [CompletionResultType]::ParameterName, 'Username, e-mail or API key')
            [CompletionResult]::new('--client-id', '--client-id', [CompletionResultType]::ParameterName, 'OAuth client id (also `{client_id}` in a provider definition)')
            [CompletionResult]::new('--issuer', '--issuer', [CompletionResultType]::ParameterName, 'OpenID Connect issuer (endpoints come from its discovery document)')
            [CompletionResult]::new('--token-url', '--token-url', [CompletionResultType]::ParameterName, 'OAuth token endpoint')
            [CompletionResult]::new('--auth-url', '--auth-url', [CompletionResultType]::ParameterName, 'OAuth authorization endpoint')
            [CompletionResult]::new('--device-url', '--device-url', [CompletionResultType]::ParameterName, 'OAuth device authorization endpoint')
            [CompletionResult]::new('--client-auth', '--client-auth', [CompletionResultType]::ParameterName, 'How the client authenticates at the token endpoint')
            [CompletionResult]::new('--client-key', '--client-key', [CompletionResultType]::ParameterName, 'PEM private key: signs private-key-jwt assertions (kept in the secret store), or the tls key')
            [CompletionResult]::new('--client-cert', '--client-cert', [CompletionResultType]::ParameterName, 'PEM client certificate: for --client-auth tls (mutual TLS), or with private-key-jwt the key''s certificate, named in assertions (x5t) as Entra ID wants')
            [CompletionResult]::new('--auth-param', '--auth-param', [CompletionResultType]::ParameterName, 'Add KEY=VALUE to the authorization request (repeatable; e.g. access_type=offline)')
            [CompletionResult]::new('--token-param', '--token-param', [CompletionResultType]::ParameterName, 'Add KEY=VALUE to every token request (repeatable; e.g. audience=https://api.example.com)')
            [CompletionResult]::new('--flow', '--flow', [CompletionResultType]::ParameterName, 'OAuth grant used to log in')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'OAuth scope to request (repeatable)')
            [CompletionResult]::new('--redirect-uri', '--redirect-uri', [CompletionResultType]::ParameterName, 'Redirect URI for the auth-code flow (its port and path are listened on)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--password-stdin', '--password-stdin', [CompletionResultType]::ParameterName, 'Read the password (then the client secret, if asked for) from stdin, one per line')
            [CompletionResult]::new('--save-credentials', '--save-credentials', [CompletionResultType]::ParameterName, 'Keep the password / client secret in the secret store for unattended re-login')
            [CompletionResult]::new('--no-save-credentials', '--no-save-credentials', [CompletionResultType]::ParameterName, 'Do not keep the password / client secret')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON on stdout (no token values)')
            [CompletionResult]::new('--client-secret-stdin', '--client-secret-stdin', [CompletionResultType]::ParameterName, 'Read the OAuth client secret from stdin (after the password when both are read)')
            [CompletionResult]::new('--no-browser', '--no-browser', [CompletionResultType]::ParameterName, 'Print the authorization URL instead of opening a browser')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;refresh' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print the result as JSON on stdout (no token values)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;info' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('--remote', '--remote', [CompletionResultType]::ParameterName, 'Also ask the provider''s info endpoint (userinfo, introspection, token info, user entity)')
            [CompletionResult]::new('--show-tokens', '--show-tokens', [CompletionResultType]::ParameterName, 'Include token values in the output')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;print-header' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--header', '--header', [CompletionResultType]::ParameterName, 'Header name')
            [CompletionResult]::new('--min-valid', '--min-valid', [CompletionResultType]::ParameterName, 'Refresh first when the token expires sooner than this')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A token for exactly these scopes, obtained with the refresh token (repeatable)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A token for this audience, sent as `audience=` as Auth0 wants')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--id-token', '--id-token', [CompletionResultType]::ParameterName, 'Hand out the OpenID Connect ID token instead of the access token')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;exec' {
            [CompletionResult]::new('--env', '--env', [CompletionResultType]::ParameterName, 'Also set this environment variable to the token (repeatable)')
            [CompletionResult]::new('--min-valid', '--min-valid', [CompletionResultType]::ParameterName, 'Refresh first when the token expires sooner than this')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A token for exactly these scopes, obtained with the refresh token (repeatable)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A token for this audience, sent as `audience=` as Auth0 wants')
            [CompletionResult]::new('--token-file', '--token-file', [CompletionResultType]::ParameterName, 'Keep the token in this file instead of the private directory (implies --keep-fresh)')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--id-token', '--id-token', [CompletionResultType]::ParameterName, 'Hand out the OpenID Connect ID token instead of the access token')
            [CompletionResult]::new('--keep-fresh', '--keep-fresh', [CompletionResultType]::ParameterName, 'Stay the command''s parent and keep the token fresh in files for its whole life')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;logout' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--all', '--all', [CompletionResultType]::ParameterName, 'Log out of every profile (a -p or TOKCTL_PROFILE is then ignored)')
            [CompletionResult]::new('--keep-credentials', '--keep-credentials', [CompletionResultType]::ParameterName, 'Keep the saved password / client secret')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;profiles' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--json', '--json', [CompletionResultType]::ParameterName, 'Print JSON')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;use' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;git-credential' {
            [CompletionResult]::new('--setup', '--setup', [CompletionResultType]::ParameterName, 'Configure git (--global) to ask tokctl for this URL''s credentials, and no other helper')
            [CompletionResult]::new('--min-valid', '--min-valid', [CompletionResultType]::ParameterName, 'Refresh first when the token expires sooner than this')
            [CompletionResult]::new('--scope', '--scope', [CompletionResultType]::ParameterName, 'A token for exactly these scopes, obtained with the refresh token (repeatable)')
            [CompletionResult]::new('--resource', '--resource', [CompletionResultType]::ParameterName, 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)')
            [CompletionResult]::new('--audience', '--audience', [CompletionResultType]::ParameterName, 'A token for this audience, sent as `audience=` as Auth0 wants')
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('--id-token', '--id-token', [CompletionResultType]::ParameterName, 'Hand out the OpenID Connect ID token instead of the access token')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;completions' {
            [CompletionResult]::new('-p', '-p', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--profile', '--profile', [CompletionResultType]::ParameterName, 'Profile to use [default: `default` in the config, else the only profile]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'The profile file [default: <config dir>/tokctl/config.toml]')
            [CompletionResult]::new('--store', '--store', [CompletionResultType]::ParameterName, 'Where secrets live [default: the profile''s store, else auto]')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Time limit for each HTTP request (30s, 2m, ...)')
            [CompletionResult]::new('--cacert', '--cacert', [CompletionResultType]::ParameterName, 'Extra trusted CA certificates (PEM), besides the system roots')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Show HTTP method, URL, status and timing on stderr (secrets redacted)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'No progress or notices on stderr')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'tokctl;help' {
            [CompletionResult]::new('login', 'login', [CompletionResultType]::ParameterValue, 'Authenticate a profile and store its tokens')
            [CompletionResult]::new('refresh', 'refresh', [CompletionResultType]::ParameterValue, 'Get a new access token now (refresh token, or re-login with saved credentials)')
            [CompletionResult]::new('info', 'info', [CompletionResultType]::ParameterValue, 'Show a profile''s configuration and token state')
            [CompletionResult]::new('print-header', 'print-header', [CompletionResultType]::ParameterValue, 'Print "Authorization: Bearer <token>", refreshing first when needed')
            [CompletionResult]::new('exec', 'exec', [CompletionResultType]::ParameterValue, 'Run a command with a fresh token in its environment')
            [CompletionResult]::new('logout', 'logout', [CompletionResultType]::ParameterValue, 'Delete a profile''s stored tokens and saved credentials (revoke where the provider can)')
            [CompletionResult]::new('profiles', 'profiles', [CompletionResultType]::ParameterValue, 'List profiles and their token state')
            [CompletionResult]::new('use', 'use', [CompletionResultType]::ParameterValue, 'Make a profile the default, or show which one commands use')
            [CompletionResult]::new('git-credential', 'git-credential', [CompletionResultType]::ParameterValue, 'Be git''s credential helper for a profile')
            [CompletionResult]::new('completions', 'completions', [CompletionResultType]::ParameterValue, 'Print a shell completion script')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'tokctl;help;login' {
            break
        }
        'tokctl;help;refresh' {
            break
        }
        'tokctl;help;info' {
            break
        }
        'tokctl;help;print-header' {
            break
        }
        'tokctl;help;exec' {
            break
        }
        'tokctl;help;logout' {
            break
        }
        'tokctl;help;profiles' {
            break
        }
        'tokctl;help;use' {
            break
        }
        'tokctl;help;git-credential' {
            break
        }
        'tokctl;help;completions' {
            break
        }
        'tokctl;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
