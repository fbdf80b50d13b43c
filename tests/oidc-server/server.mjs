// A real OpenID Connect provider (oidc-provider) shaped like a Keycloak
// realm, for tokctl's integration tests. See README.md for what it promises.
//
// stdout carries exactly one line, the ready line; everything else goes to
// stderr. The process exits on SIGTERM/SIGINT and when its stdin reaches EOF,
// so a test runner that dies (closing the pipe) never leaves it behind.

import * as crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';

// ---------------------------------------------------------------- console --
// oidc-provider prints its "you SHOULD change this default" notices with
// console.info, i.e. on stdout, which must carry only the ready line.
const DEBUG = !!process.env.OIDC_DEBUG;
const toStderr = (...args) => console.error(...args);
console.log = DEBUG ? toStderr : () => {};
console.info = DEBUG ? toStderr : () => {};
const origWarn = console.warn.bind(console);
console.warn = (...args) => {
  if (!DEBUG && typeof args[0] === 'string' && args[0].startsWith('oidc-provider WARNING')) return;
  origWarn(...args);
};
// Imported only now so that its import-time warnings (e.g. "Unsupported
// runtime" on Node 20) go through the filter above.
const { default: Provider, errors } = await import('oidc-provider');

// ----------------------------------------------------------------- config --
const PREFIX = '/realms/test';
const OIDC = '/protocol/openid-connect';
const PASSWORD = 'wonderland';
const DEFAULT_SCOPE = 'profile email';

function seconds(name, fallback) {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) {
    console.error(`server.mjs: ${name} must be a positive integer number of seconds, got ${JSON.stringify(raw)}`);
    process.exit(2);
  }
  return n;
}
const ACCESS_TTL = seconds('OIDC_ACCESS_TTL', 300);
const REFRESH_TTL = seconds('OIDC_REFRESH_TTL', 86400);
const LONG_TTL = Math.max(REFRESH_TTL, 14 * 24 * 3600); // grants and sessions outlive refresh tokens
const DEVICE_INTERVAL = seconds('OIDC_DEVICE_INTERVAL', 1);
const DEVICE_TTL = seconds('OIDC_DEVICE_TTL', 600);
const JWT_BY_DEFAULT = (process.env.OIDC_ACCESS_TOKEN_FORMAT || 'opaque') === 'jwt';
// Tokens for an RFC 8707 resource: JWTs (default) or opaque, which the
// introspection endpoint then describes (aud, scope).
const RESOURCE_FORMAT = process.env.OIDC_RESOURCE_TOKEN_FORMAT || 'jwt';
// `dot`: revocation_endpoint only in the RFC 8414 document, as Django OAuth
// Toolkit publishes it; `both` (default): in both documents.
const METADATA = process.env.OIDC_METADATA || 'both';
// `refuse`: the pushed authorization request endpoint (RFC 9126), which
// the metadata always lists, answers every request with invalid_request.
const PAR = process.env.OIDC_PAR || 'accept';
// HTTPS with client certificates (RFC 8705): PEM paths of the server's
// certificate and key, and of the CA whose client certificates it trusts.
const TLS = process.env.OIDC_TLS_CERT
  ? {
    cert: readFileSync(process.env.OIDC_TLS_CERT),
    key: readFileSync(process.env.OIDC_TLS_KEY),
    ca: readFileSync(process.env.OIDC_TLS_CA),
  }
  : undefined;

const USER_GRANTS = ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code', 'password'];
const REDIRECTS = ['http://127.0.0.1/callback', 'http://localhost:3000/auth/oauth2/callback'];

// client_secret_jwt needs a secret of at least 32 bytes for HS256.
const HS_SECRET = 'hs256-secret-0123456789-abcdefghijklmnop';

/** RFC 7638 JWK thumbprint (SHA-256, base64url) of a public JWK. */
function thumbprint(jwk) {
  const members = jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x', 'y'];
  const canonical = JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])));
  return crypto.createHash('sha256').update(canonical).digest('base64url');
}

/** The public JWK of a PEM key file (private or public), kid = thumbprint. */
function publicJwk(path) {
  const jwk = crypto.createPublicKey(readFileSync(path)).export({ format: 'jwk' });
  return { ...jwk, kid: thumbprint(jwk) };
}

/**
 * private_key_jwt clients for the PEM keys named in OIDC_CLIENT_KEYS
 * (comma-separated paths): `tokctl-jwt` accepts an assertion for the token
 * endpoint or the issuer, `tokctl-jwt-iss` only one for the issuer.
 */
function keyClients() {
  const paths = (process.env.OIDC_CLIENT_KEYS || '').split(',').filter(Boolean);
  if (!paths.length) return [];
  const jwks = { keys: paths.map(publicJwk) };
  return ['tokctl-jwt', 'tokctl-jwt-iss'].map((client_id) => ({
    client_id,
    token_endpoint_auth_method: 'private_key_jwt',
    grant_types: [...USER_GRANTS, 'client_credentials'],
    jwks,
  }));
}

/**
 * RFC 8705 clients on the HTTPS server: `tokctl-mtls` (tls_client_auth, a
 * certificate from OIDC_TLS_CA with subject CN=tokctl-mtls) and, when
 * OIDC_SELF_SIGNED_CERT names a certificate, `tokctl-mtls-self`
 * (self_signed_tls_client_auth with exactly that certificate). Their
 * access tokens are bound to the certificate (`cnf.x5t#S256`).
 */
function tlsClients() {
  const clients = [{
    client_id: 'tokctl-mtls',
    token_endpoint_auth_method: 'tls_client_auth',
    tls_client_auth_subject_dn: 'CN=tokctl-mtls',
    tls_client_certificate_bound_access_tokens: true,
    grant_types: [...USER_GRANTS, 'client_credentials'],
  }];
  if (process.env.OIDC_SELF_SIGNED_CERT) {
    const pem = readFileSync(process.env.OIDC_SELF_SIGNED_CERT, 'utf8');
    const x509 = new crypto.X509Certificate(pem);
    const jwk = x509.publicKey.export({ format: 'jwk' });
    clients.push({
      client_id: 'tokctl-mtls-self',
      token_endpoint_auth_method: 'self_signed_tls_client_auth',
      tls_client_certificate_bound_access_tokens: true,
      grant_types: [...USER_GRANTS, 'client_credentials'],
      jwks: { keys: [{ ...jwk, kid: thumbprint(jwk), x5c: [x509.raw.toString('base64')] }] },
    });
  }
  return clients;
}

// application_type "native" is what makes oidc-provider accept any port on a
// loopback redirect URI (RFC 8252 §7.3); "web" clients need an exact match.
const CLIENTS = [
  {
    client_id: 'tokctl-public',
    token_endpoint_auth_method: 'none',
    grant_types: USER_GRANTS,
  },
  {
    client_id: 'tokctl-basic',
    client_secret: 'basic-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [...USER_GRANTS, 'client_credentials'],
  },
  {
    client_id: 'tokctl-basic2',
    client_secret: 'b@sic:secret/+=',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: [...USER_GRANTS, 'client_credentials'],
  },
  {
    client_id: 'tokctl-post',
    client_secret: 'post s3cret+/&=',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: [...USER_GRANTS, 'client_credentials'],
  },
  {
    client_id: 'tokctl-service',
    client_secret: 'service-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
  },
  {
    client_id: 'tokctl-hs256',
    client_secret: HS_SECRET,
    token_endpoint_auth_method: 'client_secret_jwt',
    grant_types: [...USER_GRANTS, 'client_credentials'],
  },
  ...keyClients(),
  ...(TLS ? tlsClients() : []),
].map((c) => ({
  application_type: 'native',
  redirect_uris: REDIRECTS,
  response_types: ['code'],
  post_logout_redirect_uris: REDIRECTS,
  ...c,
}));
const AUTH_METHOD = new Map(CLIENTS.map((c) => [c.client_id, c.token_endpoint_auth_method]));

// ------------------------------------------------------------------ stats --
function emptyStats() {
  return {
    token: {},
    token_errors: {},
    client_auth: {},
    authorization: 0,
    pushed_authorization: 0,
    device_authorization: 0,
    revocation: 0,
    introspection: 0,
    userinfo: 0,
    logout: 0,
    discovery: 0,
    oauth_metadata: 0,
    certs: 0,
    // The parameters of the last authorization request (with those pushed
    // before it through PAR, RFC 9126), and the header and claims of the
    // last client assertion (RFC 7523), for tests to inspect.
    last_authorization: null,
    last_authorization_sent: null,
    last_pushed: null,
    last_assertion: null,
    assertion_jtis: [],
  };
}
let stats = emptyStats();
const bump = (obj, key) => { obj[key] = (obj[key] || 0) + 1; };

// ---------------------------------------------------------------- helpers --
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1024 * 1024) { reject(new Error('body too large')); req.destroy(); return; }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function sendJson(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(text);
}

function sendHtml(res, status, html) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(html),
    'cache-control': 'no-store',
  });
  res.end(html);
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function page(title, body) {
  return `<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>${esc(title)}</title></head>
<body><h1>${esc(title)}</h1>
${body}
</body></html>
`;
}

/** Who the client says it is and how it authenticates, without verifying. */
function clientAuthOf(req, form) {
  const auth = req.headers.authorization;
  if (auth && /^basic /i.test(auth)) {
    const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    let id = i === -1 ? decoded : decoded.slice(0, i);
    try { id = decodeURIComponent(id.replace(/\+/g, '%20')); } catch { /* provider reports it */ }
    return { method: 'client_secret_basic', clientId: id };
  }
  if (form.has('client_secret')) return { method: 'client_secret_post', clientId: form.get('client_id') };
  if (form.has('client_assertion')) {
    const [header, payload] = form.get('client_assertion').split('.').slice(0, 2)
      .map((part) => { try { return JSON.parse(Buffer.from(part, 'base64url')); } catch { return {}; } });
    const method = String(header.alg || '').startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt';
    return { method, clientId: payload.iss, assertion: { header, payload } };
  }
  if (req.socket.getPeerX509Certificate?.()) return { method: 'tls', clientId: form.get('client_id') };
  return { method: 'none', clientId: form.get('client_id') };
}

// ---------------------------------------------------------------- accounts --
function account(accountId) {
  return {
    accountId,
    async claims() {
      return {
        sub: accountId,
        preferred_username: accountId,
        name: accountId.charAt(0).toUpperCase() + accountId.slice(1),
        email: `${accountId}@example.test`,
        email_verified: true,
      };
    },
  };
}

// --------------------------------------------------------------- provider --
function buildProvider(base) {
  const issuer = `${base}${PREFIX}`;
  const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-rs256', alg: 'RS256', use: 'sig' };

  const resourceServer = (resource) => ({
    scope: 'api:read api:write',
    audience: resource,
    accessTokenTTL: ACCESS_TTL,
    accessTokenFormat: RESOURCE_FORMAT,
  });
  const defaultApi = `${base}/api`;

  const provider = new Provider(issuer, {
    clients: CLIENTS,
    clientAuthMethods: ['none', 'client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt',
      ...(TLS ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])],
    jwks: { keys: [jwk] },
    cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
    findAccount: (_ctx, sub) => account(sub),
    scopes: ['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
    },
    routes: {
      authorization: `${OIDC}/auth`,
      token: `${OIDC}/token`,
      device_authorization: `${OIDC}/auth/device`,
      code_verification: '/device',
      revocation: `${OIDC}/revoke`,
      userinfo: `${OIDC}/userinfo`,
      jwks: `${OIDC}/certs`,
      introspection: `${OIDC}/token/introspect`,
      end_session: `${OIDC}/logout`,
      pushed_authorization_request: `${OIDC}/ext/par/request`,
    },
    interactions: {
      url: (_ctx, interaction) => `${PREFIX}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      deviceFlow: {
        enabled: true,
        // Plain pages with stable ids for approve-device.mjs; the forms
        // themselves (ids op.deviceInputForm / op.deviceConfirmForm) are
        // oidc-provider's.
        userCodeInputSource: async (ctx, form, _out, err) => {
          let msg = '<p id="device-prompt">Enter the code displayed on your device</p>';
          if (err && (err.userCode || err.name === 'NoCodeError')) msg = '<p id="device-error" class="error">The code you entered is incorrect. Try again</p>';
          else if (err && err.name === 'AbortedError') msg = '<p id="device-aborted" class="error">The Sign-in request was interrupted</p>';
          else if (err) msg = `<p id="device-error" class="error">There was an error processing your request: ${esc(err.error_description || err.message)}</p>`;
          ctx.type = 'html';
          ctx.body = page('Device Login', `${msg}\n${form}\n<button type="submit" form="op.deviceInputForm">Continue</button>`);
        },
        userCodeConfirmSource: async (ctx, form, client, _deviceInfo, userCode) => {
          ctx.type = 'html';
          ctx.body = page('Confirm Device', `<p>Is <strong id="client">${esc(client.clientId)}</strong> showing the code <code id="user-code">${esc(userCode)}</code>?</p>
${form}
<button type="submit" form="op.deviceConfirmForm" id="confirm">Continue</button>
<button type="submit" form="op.deviceConfirmForm" id="abort" name="abort" value="yes">Abort</button>`);
        },
        successSource: async (ctx) => {
          ctx.type = 'html';
          ctx.body = page('Device Login Successful', '<p id="device-success">Device login successful. You can close this window and return to your device.</p>');
        },
      },
      revocation: { enabled: true },
      introspection: { enabled: true },
      mTLS: {
        enabled: !!TLS,
        tlsClientAuth: true,
        selfSignedTlsClientAuth: true,
        certificateBoundAccessTokens: true,
        getCertificate: (ctx) => ctx.req.socket.getPeerX509Certificate?.(),
        certificateAuthorized: (ctx) => ctx.req.socket.authorized === true,
        certificateSubjectMatches: (ctx, property, expected) => property === 'tls_client_auth_subject_dn'
          && ctx.req.socket.getPeerX509Certificate?.()?.subject === expected.replace(/,\s*/g, '\n'),
      },
      userinfo: { enabled: true },
      clientCredentials: { enabled: true },
      rpInitiatedLogout: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Any absolute URI is a resource server whose access tokens are JWTs.
        getResourceServerInfo: async (_ctx, resource) => resourceServer(resource),
        defaultResource: async (_ctx, _client, oneOf) => oneOf || (JWT_BY_DEFAULT ? defaultApi : undefined),
        useGrantedResource: async () => JWT_BY_DEFAULT,
      },
    },
    pkce: {
      // S256 only (oidc-provider v9 supports no other method); public clients must use it.
      required: (_ctx, client) => client.clientAuthMethod === 'none',
    },
    // Every refresh answers a new refresh token; the old one is consumed, and
    // presenting a consumed one revokes the whole grant (reuse detection).
    rotateRefreshToken: true,
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: (_ctx, token) => token.resourceServer?.accessTokenTTL || ACCESS_TTL,
      ClientCredentials: () => ACCESS_TTL,
      IdToken: () => ACCESS_TTL,
      RefreshToken: () => REFRESH_TTL,
      AuthorizationCode: () => 60,
      DeviceCode: () => DEVICE_TTL,
      Interaction: () => 3600,
      Session: () => LONG_TTL,
      Grant: () => LONG_TTL,
    },
    clientBasedCORS: () => false,
    // RFC 7523 §3 as tokctl promises it, stricter than oidc-provider: iat
    // present, sub = iss, a lifetime of at most 60 s, and for tokctl-jwt-iss
    // the issuer as the only audience.
    assertJwtClientAuthClaimsAndHeader: async (ctx, claims, header, client) => {
      const fail = (why) => { throw new errors.InvalidClientAuth(why); };
      if (typeof claims.iat !== 'number') fail('iat must be provided in the client_assertion JWT');
      if (claims.sub !== client.clientId) fail('sub must be the client_id');
      if (claims.exp - claims.iat > 60) fail('the client_assertion JWT lives longer than 60 seconds');
      if (client.clientId === 'tokctl-jwt-iss' && claims.aud !== ctx.oidc.issuer) fail('aud must be the issuer');
      if (client.clientAuthMethod === 'private_key_jwt' && !header.kid) fail('kid must be provided');
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Error', Object.entries(out)
        .map(([k, v]) => `<pre id="${esc(k)}">${esc(k)}: ${esc(v)}</pre>`).join('\n'));
    },
  });

  // oidc-provider omits "interval" (so RFC 8628 clients would poll every 5 s
  // by default); say it, so device-flow tests need not wait that long.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.oidc?.route === 'device_authorization' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = { ...ctx.body, interval: DEVICE_INTERVAL };
    }
    if (ctx.oidc?.route === 'discovery' && ctx.status === 200 && ctx.body && typeof ctx.body === 'object') {
      ctx.body = ctx.req.fixtureMetadata ? oauthMetadata(ctx.body) : openidMetadata(ctx.body);
    }
  });

  provider.on('server_error', (_ctx, err) => console.error('server.mjs: server_error', err));

  registerPasswordGrant(provider, resourceServer, defaultApi);
  return { provider, issuer };
}

// The RFC 8414 document: the OpenID one without what only OpenID Connect
// defines. Both documents are built from oidc-provider's own answer, so
// they never disagree about an endpoint that both list.
const OPENID_ONLY = ['userinfo_endpoint', 'claims_supported', 'claim_types_supported',
  'claims_parameter_supported', 'id_token_signing_alg_values_supported', 'subject_types_supported',
  'end_session_endpoint', 'acr_values_supported'];
function oauthMetadata(doc) {
  const out = { ...doc };
  for (const k of OPENID_ONLY) delete out[k];
  return out;
}
function openidMetadata(doc) {
  if (METADATA !== 'dot') return doc;
  const { revocation_endpoint: _, ...rest } = doc;
  return rest;
}

/**
 * Resource owner password credentials (RFC 6749 §4.3), as Keycloak's
 * "direct access grants": any username, password "wonderland".
 */
function registerPasswordGrant(provider, resourceServer, defaultApi) {
  const handler = async (ctx) => {
    const { client, params } = ctx.oidc;
    if (!params.username || !params.password) {
      throw new errors.InvalidRequest("missing required parameter 'username' or 'password'");
    }
    if (params.password !== PASSWORD) {
      throw new errors.CustomOIDCProviderError('invalid_grant', 'Invalid user credentials');
    }
    const accountId = params.username;
    const requested = (params.scope || '').split(' ').filter(Boolean);
    const known = new Set(['openid', 'offline_access', 'profile', 'email', 'api:read', 'api:write']);
    const unknown = requested.filter((s) => !known.has(s));
    if (unknown.length) throw new errors.InvalidScope('requested scope is not allowed', unknown.join(' '));
    const oidcScopes = requested.filter((s) => !s.startsWith('api:'));
    const apiScopes = requested.filter((s) => s.startsWith('api:'));
    // Several resources may be granted; the access token is for the first.
    const resources = [].concat(params.resource || (JWT_BY_DEFAULT ? defaultApi : []));
    const resource = resources[0];

    const grant = new provider.Grant({ accountId, clientId: client.clientId });
    if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
    for (const r of resources) grant.addResourceScope(r, apiScopes.join(' '));
    const grantId = await grant.save();
    const acct = account(accountId);
    ctx.oidc.entity('Account', acct);
    ctx.oidc.entity('Grant', grant);

    const authTime = Math.floor(Date.now() / 1000);
    const at = new provider.AccessToken({
      accountId, client, grantId, gty: 'password', expiresWithSession: false,
    });
    if (resource) {
      at.resourceServer = new provider.ResourceServer(resource, resourceServer(resource));
      at.scope = apiScopes.join(' ') || undefined;
    } else {
      at.scope = oidcScopes.join(' ') || undefined;
    }
    if (client.tlsClientCertificateBoundAccessTokens) {
      const cert = ctx.req.socket.getPeerX509Certificate?.();
      if (!cert) throw new errors.InvalidGrant('mutual TLS client certificate not provided');
      at.setThumbprint('x5t', cert);
    }
    ctx.oidc.entity('AccessToken', at);
    const accessToken = await at.save();

    let refreshToken;
    if (client.grantTypeAllowed('refresh_token')) {
      const rt = new provider.RefreshToken({
        accountId,
        authTime,
        client,
        expiresWithSession: false,
        grantId,
        gty: 'password',
        resource: resources.length > 1 ? resources : resource,
        rotations: 0,
        scope: requested.join(' ') || undefined,
      });
      ctx.oidc.entity('RefreshToken', rt);
      refreshToken = await rt.save();
    }

    let idToken;
    if (oidcScopes.includes('openid')) {
      const token = new provider.IdToken({ ...(await acct.claims()), auth_time: authTime }, { ctx });
      token.scope = 'openid';
      token.mask = {};
      token.rejected = [];
      idToken = await token.issue({ use: 'idtoken' });
    }

    ctx.body = {
      access_token: accessToken,
      expires_in: at.expiration,
      token_type: at.tokenType,
      ...(refreshToken ? { refresh_token: refreshToken } : {}),
      ...(idToken ? { id_token: idToken } : {}),
      ...(at.scope ? { scope: at.scope } : {}),
    };
  };
  provider.registerGrantType('password', handler, new Set(['username', 'password', 'scope', 'resource']), new Set(['resource']));
}

// ------------------------------------------------------------ interactions --
// Our own minimal login and consent pages (devInteractions accepts any
// password; tests need a wrong one rejected). Field names and form ids follow
// Keycloak's login theme.

function loginPage(uid, error) {
  return page('Sign in to test', `${error ? `<p id="input-error" class="error">${esc(error)}</p>\n` : ''}<form id="kc-form-login" method="post" action="${PREFIX}/interaction/${uid}/login">
  <input type="text" id="username" name="username" autofocus>
  <input type="password" id="password" name="password">
  <button type="submit" id="kc-login" name="login" value="yes">Sign In</button>
</form>
<form id="kc-form-cancel" method="post" action="${PREFIX}/interaction/${uid}/abort">
  <button type="submit" name="cancel" value="yes">Cancel</button>
</form>`);
}

function consentPage(uid, clientId, scopes) {
  return page('Grant access', `<p>Do you grant these access privileges to <strong id="client">${esc(clientId)}</strong>?</p>
<ul id="scopes">${scopes.map((s) => `<li>${esc(s)}</li>`).join('')}</ul>
<form id="kc-oauth" method="post" action="${PREFIX}/interaction/${uid}/consent">
  <button type="submit" id="kc-login" name="accept" value="yes">Yes</button>
  <button type="submit" id="kc-cancel" name="cancel" value="yes">No</button>
</form>`);
}

async function handleInteraction(provider, req, res, uid, action) {
  const details = await provider.interactionDetails(req, res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction uid mismatch');
  const { prompt, params, session } = details;

  if (req.method === 'GET' && !action) {
    if (prompt.name === 'login') return sendHtml(res, 200, loginPage(uid));
    if (prompt.name === 'consent') {
      const scopes = [...(prompt.details.missingOIDCScope || []),
        ...Object.values(prompt.details.missingResourceScopes || {}).flat()];
      return sendHtml(res, 200, consentPage(uid, params.client_id, scopes));
    }
    return sendHtml(res, 501, page('Error', `<pre id="error">unsupported prompt ${esc(prompt.name)}</pre>`));
  }
  if (req.method !== 'POST') return sendHtml(res, 405, page('Error', '<pre id="error">method not allowed</pre>'));
  const form = new URLSearchParams((await readBody(req)).toString('utf8'));

  if (action === 'abort' || form.has('cancel')) {
    return provider.interactionFinished(req, res, {
      error: 'access_denied', error_description: 'End-User aborted interaction',
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'login' && prompt.name === 'login') {
    const username = (form.get('username') || '').trim();
    if (!username || form.get('password') !== PASSWORD) {
      return sendHtml(res, 200, loginPage(uid, 'Invalid username or password.'));
    }
    return provider.interactionFinished(req, res, {
      login: { accountId: username },
    }, { mergeWithLastSubmission: false });
  }
  if (action === 'consent' && prompt.name === 'consent') {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
    const d = prompt.details;
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [indicator, scope] of Object.entries(d.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scope.join(' '));
    }
    const grantId = await grant.save();
    return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  }
  return sendHtml(res, 400, page('Error', `<pre id="error">unexpected ${esc(action)} for prompt ${esc(prompt.name)}</pre>`));
}

// ----------------------------------------------------------------- server --
let provider;
let callback;

const CLIENT_AUTH_ROUTES = new Set([
  `${OIDC}/token`, `${OIDC}/revoke`, `${OIDC}/token/introspect`, `${OIDC}/auth/device`, `${OIDC}/ext/par/request`,
]);

async function route(req, res) {
  const url = new URL(req.url, 'http://127.0.0.1');
  const path = url.pathname;

  if (path === '/__stats' && req.method === 'GET') return sendJson(res, 200, stats);
  if (path === '/__reset' && req.method === 'POST') { stats = emptyStats(); return sendJson(res, 200, stats); }
  if (!provider) return sendJson(res, 503, { error: 'starting' });
  // RFC 8414 §3: the metadata of issuer https://HOST/realms/test lives at
  // https://HOST/.well-known/oauth-authorization-server/realms/test.
  if (path === `/.well-known/oauth-authorization-server${PREFIX}` && req.method === 'GET') {
    stats.oauth_metadata += 1;
    req.fixtureMetadata = true;
    req.url = '/.well-known/openid-configuration';
    req.originalUrl = PREFIX + req.url;
    return callback(req, res);
  }
  if (path !== PREFIX && !path.startsWith(`${PREFIX}/`)) {
    return sendJson(res, 404, { error: 'not_found', error_description: `only ${PREFIX} lives here` });
  }
  const sub = path.slice(PREFIX.length) || '/';

  const m = /^\/interaction\/([^/]+)(?:\/(login|consent|abort))?$/.exec(sub);
  if (m) return handleInteraction(provider, req, res, m[1], m[2]);

  // oidc-provider denies a request that ends up granting no scope at all;
  // Keycloak applies the client's default scopes instead. Do that.
  if (req.method === 'GET' && sub === `${OIDC}/auth` && !url.searchParams.get('scope')
      && !url.searchParams.has('request_uri')) {
    url.searchParams.set('scope', DEFAULT_SCOPE);
  }

  if (req.method !== 'OPTIONS') {
    if (sub === '/.well-known/openid-configuration') stats.discovery += 1;
    else if (sub === `${OIDC}/certs`) stats.certs += 1;
    else if (sub === `${OIDC}/auth` && req.method === 'GET') {
      stats.authorization += 1;
      const asked = Object.fromEntries(url.searchParams);
      stats.last_authorization_sent = Object.keys(asked).sort();
      stats.last_authorization = asked.request_uri && stats.last_pushed
        ? { ...stats.last_pushed, ...asked } : asked;
    }
    else if (sub === `${OIDC}/userinfo`) stats.userinfo += 1;
    else if (sub === `${OIDC}/logout`) stats.logout += 1;
  }

  if (req.method === 'POST' && CLIENT_AUTH_ROUTES.has(sub)) {
    // Read the form ourselves (to count it and to check the client's auth
    // method), then hand it to oidc-provider as a pre-parsed body.
    const body = await readBody(req);
    const form = new URLSearchParams(body.toString('utf8'));
    const auth = clientAuthOf(req, form);
    bump(stats.client_auth, auth.method);
    if (auth.assertion) {
      stats.last_assertion = auth.assertion;
      stats.assertion_jtis.push(auth.assertion.payload.jti);
    }
    let grantType;
    if (sub === `${OIDC}/token`) {
      grantType = form.get('grant_type') || '(none)';
      bump(stats.token, grantType);
      res.on('finish', () => { if (res.statusCode >= 400) bump(stats.token_errors, grantType); });
    } else if (sub === `${OIDC}/revoke`) stats.revocation += 1;
    else if (sub === `${OIDC}/token/introspect`) stats.introspection += 1;
    else if (sub === `${OIDC}/auth/device`) {
      stats.device_authorization += 1;
      if (!form.get('scope')) form.set('scope', DEFAULT_SCOPE); // as for /auth above
    } else if (sub === `${OIDC}/ext/par/request`) {
      stats.pushed_authorization += 1;
      // OIDC_PAR=refuse: a server whose PAR endpoint turns requests down.
      if (PAR === 'refuse') {
        return sendJson(res, 400, { error: 'invalid_request', error_description: 'pushed requests are turned off here' });
      }
      const pushed = Object.fromEntries(form);
      for (const k of ['client_secret', 'client_assertion']) delete pushed[k];
      stats.last_pushed = pushed;
      if (!form.get('scope')) form.set('scope', DEFAULT_SCOPE); // as for /auth above
    }

    // oidc-provider accepts client_secret_basic and client_secret_post
    // interchangeably; a test server must tell them apart.
    const registered = AUTH_METHOD.get(auth.clientId);
    if (registered && (auth.method === 'client_secret_basic' || auth.method === 'client_secret_post')
        && registered !== auth.method) {
      const headers = auth.method === 'client_secret_basic'
        ? { 'www-authenticate': `Basic realm="${provider.issuer}", error="invalid_client"` } : {};
      return sendJson(res, 401, {
        error: 'invalid_client',
        error_description: `client authentication failed (client is registered for ${registered}, request used ${auth.method})`,
      }, headers);
    }
    req.body = Buffer.from(form.toString());
  }

  // oidc-provider derives its mount path from originalUrl minus url.
  req.url = sub + url.search;
  req.originalUrl = PREFIX + req.url;
  return callback(req, res);
}

function handle(req, res) {
  route(req, res).catch((err) => {
    const status = err.statusCode || err.status || 500;
    if (status >= 500) console.error('server.mjs:', err);
    if (!res.headersSent) {
      sendHtml(res, status, page('Error', `<pre id="error">${esc(err.error || err.message)}: ${esc(err.error_description || '')}</pre>`));
    } else {
      res.destroy();
    }
  });
}

// With TLS, client certificates are asked for but not required (the
// provider decides per client), and the test-only endpoints stay on a
// plain-HTTP listener of their own, so tests need no TLS client for them.
const server = TLS
  ? https.createServer({ ...TLS, requestCert: true, rejectUnauthorized: false }, handle)
  : http.createServer(handle);
const statsServer = TLS
  ? http.createServer((req, res) => {
    const { pathname } = new URL(req.url, 'http://127.0.0.1');
    if (pathname === '/__stats' || pathname === '/__reset') return handle(req, res);
    return sendJson(res, 404, { error: 'not_found' });
  })
  : undefined;

function shutdown(code = 0) {
  server.close();
  statsServer?.close();
  process.exit(code);
}
process.on('SIGTERM', () => shutdown(0));
process.on('SIGINT', () => shutdown(0));
if (!process.env.OIDC_IGNORE_STDIN) {
  process.stdin.on('end', () => shutdown(0));
  process.stdin.on('error', () => shutdown(0));
  process.stdin.resume();
}

const listen = (srv) => new Promise((resolve) => { srv.listen(0, '127.0.0.1', () => resolve(srv.address().port)); });
const port = await listen(server);
const base = `${TLS ? 'https' : 'http'}://127.0.0.1:${port}`;
const statsBase = statsServer ? `http://127.0.0.1:${await listen(statsServer)}` : base;
const built = buildProvider(base);
provider = built.provider;
callback = provider.callback();
process.stdout.write(`${JSON.stringify({ base, issuer: built.issuer, stats: statsBase })}\n`);
