
use builtin;
use str;

set edit:completion:arg-completer[tokctl] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'tokctl'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'tokctl'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand login 'Authenticate a profile and store its tokens'
            cand refresh 'Get a new access token now (refresh token, or re-login with saved credentials)'
            cand info 'Show a profile''s configuration and token state'
            cand print-header 'Print "Authorization: Bearer <token>", refreshing first when needed'
            cand exec 'Run a command with a fresh token in its environment'
            cand logout 'Delete a profile''s stored tokens and saved credentials (revoke where the provider can)'
            cand profiles 'List profiles and their token state'
            cand use 'Make a profile the default, or show which one commands use'
            cand git-credential 'Be git''s credential helper for a profile'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;login'= {
            cand --provider 'Provider kind (required when the profile is new): a built-in kind, or NAME for a definition providers/NAME.toml beside the profile file'
            cand --base-url 'Override the provider''s base URL (auth server)'
            cand --api-url 'Override the API base URL (realmassive: where `info --remote` reads the user)'
            cand --username 'Username, e-mail or API key'
            cand --client-id 'OAuth client id (also `{client_id}` in a provider definition)'
            cand --issuer 'OpenID Connect issuer (endpoints come from its discovery document)'
            cand --token-url 'OAuth token endpoint'
            cand --auth-url 'OAuth authorization endpoint'
            cand --device-url 'OAuth device authorization endpoint'
            cand --client-auth 'How the client authenticates at the token endpoint'
            cand --client-key 'PEM private key: signs private-key-jwt assertions (kept in the secret store), or the tls key'
            cand --client-cert 'PEM client certificate: for --client-auth tls (mutual TLS), or with private-key-jwt the key''s certificate, named in assertions (x5t) as Entra ID wants'
            cand --auth-param 'Add KEY=VALUE to the authorization request (repeatable; e.g. access_type=offline)'
            cand --token-param 'Add KEY=VALUE to every token request (repeatable; e.g. audience=https://api.example.com)'
            cand --flow 'OAuth grant used to log in'
            cand --scope 'OAuth scope to request (repeatable)'
            cand --redirect-uri 'Redirect URI for the auth-code flow (its port and path are listened on)'
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --password-stdin 'Read the password (then the client secret, if asked for) from stdin, one per line'
            cand --save-credentials 'Keep the password / client secret in the secret store for unattended re-login'
            cand --no-save-credentials 'Do not keep the password / client secret'
            cand --json 'Print the result as JSON on stdout (no token values)'
            cand --client-secret-stdin 'Read the OAuth client secret from stdin (after the password when both are read)'
            cand --no-browser 'Print the authorization URL instead of opening a browser'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;refresh'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --json 'Print the result as JSON on stdout (no token values)'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;info'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --json 'Print JSON'
            cand --remote 'Also ask the provider''s info endpoint (userinfo, introspection, token info, user entity)'
            cand --show-tokens 'Include token values in the output'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;print-header'= {
            cand --format 'Output format'
            cand --header 'Header name'
            cand --min-valid 'Refresh first when the token expires sooner than this'
            cand --scope 'A token for exactly these scopes, obtained with the refresh token (repeatable)'
            cand --resource 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)'
            cand --audience 'A token for this audience, sent as `audience=` as Auth0 wants'
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --id-token 'Hand out the OpenID Connect ID token instead of the access token'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;exec'= {
            cand --env 'Also set this environment variable to the token (repeatable)'
            cand --min-valid 'Refresh first when the token expires sooner than this'
            cand --scope 'A token for exactly these scopes, obtained with the refresh token (repeatable)'
            cand --resource 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)'
            cand --audience 'A token for this audience, sent as `audience=` as Auth0 wants'
            cand --token-file 'Keep the token in this file instead of the private directory (implies --keep-fresh)'
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --id-token 'Hand out the OpenID Connect ID token instead of the access token'
            cand --keep-fresh 'Stay the command''s parent and keep the token fresh in files for its whole life'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;logout'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --all 'Log out of every profile (a -p or TOKCTL_PROFILE is then ignored)'
            cand --keep-credentials 'Keep the saved password / client secret'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;profiles'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --json 'Print JSON'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;use'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;git-credential'= {
            cand --setup 'Configure git (--global) to ask tokctl for this URL''s credentials, and no other helper'
            cand --min-valid 'Refresh first when the token expires sooner than this'
            cand --scope 'A token for exactly these scopes, obtained with the refresh token (repeatable)'
            cand --resource 'A token for this RFC 8707 resource, e.g. https://api.example.com (repeatable)'
            cand --audience 'A token for this audience, sent as `audience=` as Auth0 wants'
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand --id-token 'Hand out the OpenID Connect ID token instead of the access token'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;completions'= {
            cand -p 'Profile to use [default: `default` in the config, else the only profile]'
            cand --profile 'Profile to use [default: `default` in the config, else the only profile]'
            cand --config 'The profile file [default: <config dir>/tokctl/config.toml]'
            cand --store 'Where secrets live [default: the profile''s store, else auto]'
            cand --timeout 'Time limit for each HTTP request (30s, 2m, ...)'
            cand --cacert 'Extra trusted CA certificates (PEM), besides the system roots'
            cand -v 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand --verbose 'Show HTTP method, URL, status and timing on stderr (secrets redacted)'
            cand -q 'No progress or notices on stderr'
            cand --quiet 'No progress or notices on stderr'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'tokctl;help'= {
            cand login 'Authenticate a profile and store its tokens'
            cand refresh 'Get a new access token now (refresh token, or re-login with saved credentials)'
            cand info 'Show a profile''s configuration and token state'
            cand print-header 'Print "Authorization: Bearer <token>", refreshing first when needed'
            cand exec 'Run a command with a fresh token in its environment'
            cand logout 'Delete a profile''s stored tokens and saved credentials (revoke where the provider can)'
            cand profiles 'List profiles and their token state'
            cand use 'Make a profile the default, or show which one commands use'
            cand git-credential 'Be git''s credential helper for a profile'
            cand completions 'Print a shell completion script'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'tokctl;help;login'= {
        }
        &'tokctl;help;refresh'= {
        }
        &'tokctl;help;info'= {
        }
        &'tokctl;help;print-header'= {
        }
        &'tokctl;help;exec'= {
        }
        &'tokctl;help;logout'= {
        }
        &'tokctl;help;profiles'= {
        }
        &'tokctl;help;use'= {
        }
        &'tokctl;help;git-credential'= {
        }
        &'tokctl;help;completions'= {
        }
        &'tokctl;help;help'= {
        }
    ]
    $completions[$command]
}
