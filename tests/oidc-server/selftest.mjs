// Checks the fixture itself (server, scripted browser, device approver)
// against what README.md promises. Run with `npm test` in this folder.

import assert from 'node:assert/strict';
import { execFile, execFileSync, spawn } from 'node:child_process';
import {
  createHash, createHmac, createPublicKey, generateKeyPairSync, randomBytes, sign,
} from 'node:crypto';
import {
  mkdtempSync, readFileSync, rmSync, writeFileSync,
} from 'node:fs';
import * as http from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
let server;
let base;
let issuer;
const ep = (p) => `${issuer}/protocol/openid-connect/${p}`;

// Every server started, so that a test that times out cannot leave one
// running (and keep the test runner from exiting).
const children = new Set();

async function startServer(env = {}) {
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: dir, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  children.add(child);
  child.on('exit', () => children.delete(child));
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, ...JSON.parse(line) };
}

before(async () => {
  server = await startServer({ OIDC_ACCESS_TTL: '120', OIDC_REFRESH_TTL: '3600' });
  ({ base, issuer } = server);
});
after(() => {
  for (const c of children) c.kill();
});

const enc = encodeURIComponent;
function basic(id, secret) {
  const form = (s) => new URLSearchParams({ s }).toString().slice(2);
  return `Basic ${Buffer.from(`${form(id)}:${form(secret)}`).toString('base64')}`;
}
async function post(url, form, headers = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(form).toString(),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}
const stats = async () => (await fetch(`${base}/__stats`)).json();

function run(script, args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [`${dir}/${script}`, ...args], {
      env: { ...process.env, ...env },
    }, (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stderr }));
  });
}

/** A loopback listener standing in for tokctl's; resolves with the request. */
async function listener() {
  const srv = http.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const got = new Promise((resolve) => {
    srv.on('request', (req, res) => {
      res.end('ok');
      srv.close();
      resolve(new URL(req.url, 'http://127.0.0.1'));
    });
  });
  return { port: srv.address().port, got, close: () => srv.close() };
}

async function authCode(clientId, env = {}, extra = '') {
  const l = await listener();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const redirect = `http://127.0.0.1:${l.port}/callback`;
  const url = `${ep('auth')}?response_type=code&client_id=${clientId}&redirect_uri=${enc(redirect)}`
    + `&scope=openid%20profile&state=st&code_challenge=${challenge}&code_challenge_method=S256${extra}`;
  const b = await run('browser.mjs', [url], { OIDC_BROWSER_FOREGROUND: '1', ...env });
  if (b.code !== 0) { l.close(); return { browser: b }; }
  const cb = await l.got;
  return { browser: b, cb, verifier, redirect };
}

test('discovery is Keycloak-shaped', async () => {
  const d = await (await fetch(`${issuer}/.well-known/openid-configuration`)).json();
  assert.equal(d.issuer, `${base}/realms/test`);
  assert.equal(d.token_endpoint, ep('token'));
  assert.equal(d.authorization_endpoint, ep('auth'));
  assert.equal(d.device_authorization_endpoint, ep('auth/device'));
  assert.equal(d.revocation_endpoint, ep('revoke'));
  assert.equal(d.introspection_endpoint, ep('token/introspect'));
  assert.equal(d.userinfo_endpoint, ep('userinfo'));
  assert.equal(d.jwks_uri, ep('certs'));
  assert.equal(d.end_session_endpoint, ep('logout'));
  assert.ok(d.grant_types_supported.includes('password'));
});

test('auth code + PKCE, refresh rotation, reuse revokes the grant', async () => {
  const { cb, verifier, redirect, browser } = await authCode('tokctl-public');
  assert.match(browser.stderr, /answered HTTP 200/);
  assert.doesNotMatch(browser.stderr, /code=/);
  assert.equal(cb.searchParams.get('state'), 'st');
  const t = await post(ep('token'), {
    grant_type: 'authorization_code', client_id: 'tokctl-public', code: cb.searchParams.get('code'),
    code_verifier: verifier, redirect_uri: redirect,
  });
  assert.equal(t.status, 200);
  assert.equal(t.body.expires_in, 120);
  assert.ok(t.body.refresh_token && t.body.id_token);
  const r1 = await post(ep('token'), { grant_type: 'refresh_token', client_id: 'tokctl-public', refresh_token: t.body.refresh_token });
  assert.equal(r1.status, 200);
  assert.notEqual(r1.body.refresh_token, t.body.refresh_token);
  const u = await fetch(ep('userinfo'), { headers: { authorization: `Bearer ${r1.body.access_token}` } });
  assert.equal((await u.json()).sub, 'alice');
  const reuse = await post(ep('token'), { grant_type: 'refresh_token', client_id: 'tokctl-public', refresh_token: t.body.refresh_token });
  assert.equal(reuse.status, 400);
  assert.equal(reuse.body.error, 'invalid_grant');
  const after = await post(ep('token'), { grant_type: 'refresh_token', client_id: 'tokctl-public', refresh_token: r1.body.refresh_token });
  assert.equal(after.body.error, 'invalid_grant');
});

test('consent denied reaches the listener as access_denied', async () => {
  const { cb } = await authCode('tokctl-public', { OIDC_BROWSER_DENY: '1' });
  assert.equal(cb.searchParams.get('error'), 'access_denied');
});

test('wrong password: the browser fails loudly', async () => {
  const { browser } = await authCode('tokctl-public', { OIDC_BROWSER_PASSWORD: 'nope' });
  assert.equal(browser.code, 1);
  assert.match(browser.stderr, /login rejected/);
});

test('browser detaches by default', async () => {
  const l = await listener();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const url = `${ep('auth')}?response_type=code&client_id=tokctl-public&redirect_uri=${enc(`http://127.0.0.1:${l.port}/callback`)}`
    + `&scope=openid&code_challenge=${challenge}&code_challenge_method=S256`;
  const start = Date.now();
  const b = await run('browser.mjs', [url]);
  assert.equal(b.code, 0);
  assert.ok((await l.got).searchParams.get('code'));
  assert.ok(Date.now() - start < 10_000);
});

test('device flow: approve, then deny', async () => {
  const d = await post(ep('auth/device'), { client_id: 'tokctl-public', scope: 'openid' });
  assert.equal(d.body.interval, 1);
  assert.equal(d.body.verification_uri, `${issuer}/device`);
  const grant = { grant_type: 'urn:ietf:params:oauth:grant-type:device_code', client_id: 'tokctl-public', device_code: d.body.device_code };
  assert.equal((await post(ep('token'), grant)).body.error, 'authorization_pending');
  const a = await run('approve-device.mjs', [d.body.verification_uri_complete]);
  assert.equal(a.code, 0, a.stderr);
  const t = await post(ep('token'), grant);
  assert.equal(t.status, 200);
  assert.ok(t.body.refresh_token);

  const d2 = await post(ep('auth/device'), { client_id: 'tokctl-public' });
  const a2 = await run('approve-device.mjs', [d2.body.verification_uri, d2.body.user_code], { OIDC_BROWSER_DENY: '1' });
  assert.equal(a2.code, 0, a2.stderr);
  const t2 = await post(ep('token'), { ...grant, device_code: d2.body.device_code });
  assert.equal(t2.body.error, 'access_denied');
});

test('client authentication: encoding and registered method are enforced', async () => {
  const cc = { grant_type: 'client_credentials' };
  assert.equal((await post(ep('token'), cc, { authorization: basic('tokctl-basic', 'basic-secret') })).status, 200);
  assert.equal((await post(ep('token'), cc, { authorization: basic('tokctl-basic2', 'b@sic:secret/+=') })).status, 200);
  const raw = `Basic ${Buffer.from('tokctl-basic2:b@sic:secret/+=').toString('base64')}`;
  assert.equal((await post(ep('token'), cc, { authorization: raw })).status, 401);
  assert.equal((await post(ep('token'), { ...cc, client_id: 'tokctl-post', client_secret: 'post s3cret+/&=' })).status, 200);
  assert.equal((await post(ep('token'), cc, { authorization: basic('tokctl-post', 'post s3cret+/&=') })).status, 401);
  assert.equal((await post(ep('token'), { ...cc, client_id: 'tokctl-basic', client_secret: 'basic-secret' })).status, 401);
  assert.equal((await post(ep('token'), cc, { authorization: basic('tokctl-service', 'service-secret') })).status, 200);
});

test('password grant, introspection, revocation', async () => {
  const bad = await post(ep('token'), { grant_type: 'password', client_id: 'tokctl-public', username: 'alice', password: 'x' });
  assert.deepEqual([bad.status, bad.body], [400, { error: 'invalid_grant', error_description: 'Invalid user credentials' }]);
  const t = await post(ep('token'), { grant_type: 'password', username: 'bob', password: 'wonderland', scope: 'openid' },
    { authorization: basic('tokctl-basic', 'basic-secret') });
  assert.equal(t.status, 200);
  assert.ok(t.body.id_token && t.body.refresh_token);
  const auth = { authorization: basic('tokctl-basic', 'basic-secret') };
  const i = await post(ep('token/introspect'), { token: t.body.access_token }, auth);
  assert.equal(i.body.active, true);
  assert.equal(i.body.sub, 'bob');
  assert.equal((await post(ep('revoke'), { token: t.body.refresh_token }, auth)).status, 200);
  assert.equal((await post(ep('token/introspect'), { token: t.body.access_token }, auth)).body.active, false);
});

test('stats count and reset', async () => {
  const s = await stats();
  assert.ok(s.token.refresh_token >= 3);
  assert.ok(s.token_errors.refresh_token >= 2);
  assert.ok(s.revocation >= 1 && s.introspection >= 2 && s.userinfo >= 1);
  await fetch(`${base}/__reset`, { method: 'POST' });
  assert.deepEqual((await stats()).token, {});
});

test('the server exits when its stdin closes', async () => {
  const s = await startServer();
  s.child.stdin.end();
  const [code] = await once(s.child, 'exit');
  assert.equal(code, 0);
});

// ------------------------------------------------ metadata, client auth --

test('RFC 8414 metadata beside discovery; `dot` keeps revocation out of OpenID', async () => {
  const oauth = await (await fetch(`${base}/.well-known/oauth-authorization-server/realms/test`)).json();
  assert.equal(oauth.issuer, issuer);
  assert.equal(oauth.revocation_endpoint, ep('revoke'));
  assert.equal(oauth.userinfo_endpoint, undefined, 'OpenID-only fields are left out');
  assert.ok(oauth.token_endpoint_auth_methods_supported.includes('client_secret_jwt'));
  const dot = await startServer({ OIDC_METADATA: 'dot' });
  try {
    const d = await (await fetch(`${dot.issuer}/.well-known/openid-configuration`)).json();
    assert.equal(d.revocation_endpoint, undefined);
    const m = await (await fetch(`${dot.base}/.well-known/oauth-authorization-server/realms/test`)).json();
    assert.equal(m.revocation_endpoint, `${dot.issuer}/protocol/openid-connect/revoke`);
    assert.equal((await (await fetch(`${dot.base}/__stats`)).json()).oauth_metadata, 1);
  } finally {
    dot.child.kill();
  }
});

/** An RFC 7523 client assertion signed with `key` (a KeyObject or secret). */
function assertion(alg, key, claims, header = {}) {
  const b64 = (v) => Buffer.from(JSON.stringify(v)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const input = `${b64({ alg, typ: 'JWT', ...header })}.${b64({ jti: randomBytes(8).toString('hex'), iat: now, exp: now + 60, ...claims })}`;
  const sig = alg === 'HS256'
    ? createHmac('sha256', key).update(input).digest()
    : sign('sha256', Buffer.from(input), alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}
const jwtAuth = (a) => ({ client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: a });

function thumbprintOf(key) {
  const jwk = createPublicKey(key).export({ format: 'jwk' });
  const members = jwk.kty === 'RSA' ? ['e', 'kty', 'n'] : ['crv', 'kty', 'x', 'y'];
  return createHash('sha256').update(JSON.stringify(Object.fromEntries(members.map((m) => [m, jwk[m]])))).digest('base64url');
}

test('client_secret_jwt and private_key_jwt: signatures, kid, lifetime, audience', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-keys-'));
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
  writeFileSync(join(dir, 'rsa.pem'), rsa.export({ type: 'pkcs8', format: 'pem' }));
  writeFileSync(join(dir, 'ec.pem'), ec.export({ type: 'sec1', format: 'pem' }));
  const s = await startServer({ OIDC_CLIENT_KEYS: `${join(dir, 'rsa.pem')},${join(dir, 'ec.pem')}` });
  try {
    const token = `${s.issuer}/protocol/openid-connect/token`;
    const cc = { grant_type: 'client_credentials' };
    const hs = (claims) => assertion('HS256', 'hs256-secret-0123456789-abcdefghijklmnop', { iss: 'tokctl-hs256', sub: 'tokctl-hs256', aud: token, ...claims });
    assert.equal((await post(token, { ...cc, ...jwtAuth(hs({})) })).status, 200);
    const long = await post(token, { ...cc, ...jwtAuth(hs({ exp: Math.floor(Date.now() / 1000) + 120 })) });
    assert.equal(long.status, 401, 'an assertion living longer than 60 s is refused');
    const pk = (alg, key, client, claims = {}) => assertion(alg, key, { iss: client, sub: client, aud: token, ...claims }, { kid: thumbprintOf(key) });
    assert.equal((await post(token, { ...cc, ...jwtAuth(pk('RS256', rsa, 'tokctl-jwt')) })).status, 200);
    assert.equal((await post(token, { ...cc, ...jwtAuth(pk('ES256', ec, 'tokctl-jwt')) })).status, 200);
    const wrong = await post(token, { ...cc, ...jwtAuth(pk('ES256', other, 'tokctl-jwt')) });
    assert.deepEqual([wrong.status, wrong.body.error, wrong.body.error_description], [401, 'invalid_client', 'client authentication failed']);
    assert.equal((await post(token, { ...cc, ...jwtAuth(pk('ES256', ec, 'tokctl-jwt-iss')) })).status, 401, 'tokctl-jwt-iss wants the issuer');
    assert.equal((await post(token, { ...cc, ...jwtAuth(pk('ES256', ec, 'tokctl-jwt-iss', { aud: s.issuer })) })).status, 200);
    const st = await (await fetch(`${s.base}/__stats`)).json();
    assert.equal(st.client_auth.private_key_jwt, 5);
    assert.equal(st.client_auth.client_secret_jwt, 2);
    assert.equal(st.last_assertion.payload.aud, s.issuer);
    assert.equal(new Set(st.assertion_jtis).size, 7);
  } finally {
    s.child.kill();
    rmSync(dir, { recursive: true });
  }
});

test('resource indicators narrow a refresh; a resource never granted is invalid_target', async () => {
  const api = 'https://api.example.test/';
  const t = await post(ep('token'), { grant_type: 'password', username: 'carol', password: 'wonderland', scope: 'openid api:read api:write', resource: api },
    { authorization: basic('tokctl-basic', 'basic-secret') });
  assert.equal(t.status, 200);
  const auth = { authorization: basic('tokctl-basic', 'basic-secret') };
  const narrow = await post(ep('token'), { grant_type: 'refresh_token', refresh_token: t.body.refresh_token, resource: api, scope: 'api:read' }, auth);
  assert.equal(narrow.status, 200);
  assert.equal(narrow.body.scope, 'api:read');
  const claims = JSON.parse(Buffer.from(narrow.body.access_token.split('.')[1], 'base64url'));
  assert.equal(claims.aud, api);
  const other = await post(ep('token'), { grant_type: 'refresh_token', refresh_token: narrow.body.refresh_token, resource: 'https://other.example.test/' }, auth);
  assert.equal(other.body.error, 'invalid_target');
});

/** A throwaway CA, a server certificate for 127.0.0.1 and client certificates, by openssl. */
function pki(dir) {
  const ssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '1', '-subj', '/CN=test CA');
  const issue = (name, subj, ext) => {
    ssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subj);
    writeFileSync(join(dir, `${name}.ext`), ext);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '1', '-extfile', `${name}.ext`);
  };
  issue('server', '/CN=127.0.0.1', 'subjectAltName=IP:127.0.0.1\n');
  issue('client', '/CN=tokctl-mtls', 'extendedKeyUsage=clientAuth\n');
  ssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'self.key', '-out', 'self.pem', '-days', '1', '-subj', '/CN=tokctl-mtls-self');
}

test('mutual TLS: tls_client_auth and self_signed_tls_client_auth, bound tokens', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'oidc-pki-'));
  pki(dir);
  const f = (n) => join(dir, n);
  const s = await startServer({
    OIDC_TLS_CERT: f('server.pem'), OIDC_TLS_KEY: f('server.key'), OIDC_TLS_CA: f('ca.pem'), OIDC_SELF_SIGNED_CERT: f('self.pem'),
  });
  const tlsPost = (path, form, cert, key) => new Promise((resolve, reject) => {
    const body = new URLSearchParams(form).toString();
    const req = httpsRequest(`${s.issuer}/protocol/openid-connect/${path}`, {
      method: 'POST', ca: readFileSync(f('ca.pem')), cert: cert && readFileSync(f(cert)), key: key && readFileSync(f(key)),
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) },
    }, (res) => {
      let text = '';
      res.on('data', (c) => { text += c; });
      res.on('end', () => resolve({ status: res.statusCode, body: JSON.parse(text) }));
    });
    req.on('error', reject);
    req.end(body);
  });
  try {
    assert.match(s.issuer, /^https:/);
    const cc = { grant_type: 'client_credentials' };
    const ok = await tlsPost('token', { ...cc, client_id: 'tokctl-mtls' }, 'client.pem', 'client.key');
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    const none = await tlsPost('token', { ...cc, client_id: 'tokctl-mtls' });
    assert.equal(none.body.error_description, 'client authentication failed');
    const self = await tlsPost('token', { ...cc, client_id: 'tokctl-mtls-self' }, 'self.pem', 'self.key');
    assert.equal(self.status, 200);
    const pw = await tlsPost('token', { grant_type: 'password', username: 'dave', password: 'wonderland', scope: 'openid', client_id: 'tokctl-mtls' }, 'client.pem', 'client.key');
    assert.equal(pw.status, 200);
    const i = await tlsPost('token/introspect', { token: pw.body.access_token, client_id: 'tokctl-mtls' }, 'client.pem', 'client.key');
    assert.ok(i.body.active && i.body.cnf['x5t#S256'], 'the access token is bound to the certificate');
    const st = await (await fetch(`${s.stats}/__stats`)).json();
    assert.equal(st.client_auth.tls, 4);
  } finally {
    s.child.kill();
    rmSync(dir, { recursive: true });
  }
});
