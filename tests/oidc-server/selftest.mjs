// Checks the fixture itself (server, scripted browser, device approver)
// against what README.md promises. Run with `npm test` in this folder.

import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
let server;
let base;
let issuer;
const ep = (p) => `${issuer}/protocol/openid-connect/${p}`;

async function startServer(env = {}) {
  const child = spawn(process.execPath, ['server.mjs'], {
    cwd: dir, stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, ...env },
  });
  const [line] = await once(createInterface({ input: child.stdout }), 'line');
  return { child, ...JSON.parse(line) };
}

before(async () => {
  server = await startServer({ OIDC_ACCESS_TTL: '120', OIDC_REFRESH_TTL: '3600' });
  ({ base, issuer } = server);
});
after(() => server.child.kill());

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
