#!/usr/bin/env node
// The scripted user behind $BROWSER in tokctl's tests:
//
//   node browser.mjs <authorization-url, or a tool's loopback launcher>
//
// Opens the authorization URL with a cookie jar, logs in (OIDC_BROWSER_USER,
// default alice / OIDC_BROWSER_PASSWORD, default wonderland), answers the
// consent page (Yes, or No with OIDC_BROWSER_DENY=1) and follows redirects
// until one leaves the OpenID server for a loopback address: that is the
// tool's listener, which gets the final GET (or the form_post POST).
//
// A real browser launcher returns at once, and a tool may wait for it before
// accepting on its listener, so by default this forks a detached copy of
// itself and exits 0 immediately. OIDC_BROWSER_FOREGROUND=1 does the work in
// the foreground (exit status 1 on any unexpected page). Messages go to
// stderr and, when OIDC_BROWSER_LOG names a file, are appended there too,
// since a detached copy's exit status is seen by no one. They never contain
// the callback's query (the authorization code).

import { spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import {
  CookieJar, DENY, PageError, describe, forms, formData, interact, request,
} from './lib.mjs';

const PROG = 'browser.mjs';
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

function say(line) {
  process.stderr.write(`${PROG}: ${line}\n`);
  if (process.env.OIDC_BROWSER_LOG) {
    try { appendFileSync(process.env.OIDC_BROWSER_LOG, `${PROG}: ${line}\n`); } catch { /* best effort */ }
  }
}

// The cookie a tool's loopback launcher set (tokctl's `/start/<key>`): the
// tool's listener accepts the callback only with it, as a real browser sends.
let loopbackCookie = null;

async function deliver(target, init = {}) {
  const url = new URL(target);
  const shown = `${url.origin}${url.pathname}`;
  if (url.protocol !== 'http:' || !LOOPBACK.has(url.hostname)) {
    throw new PageError(`refusing to follow a redirect to ${shown}: not a loopback http address`);
  }
  let res;
  try {
    const headers = { ...(init.headers || {}), ...(loopbackCookie ? { cookie: loopbackCookie } : {}) };
    res = await fetch(target, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
  } catch (err) {
    throw new PageError(`callback ${shown} unreachable: ${err.cause?.code || err.message}`);
  }
  const error = url.searchParams.get('error');
  say(`callback ${shown} answered HTTP ${res.status}${error ? ` (delivered error=${error})` : ''}`);
}

// A loopback `/start/…` address given as the "authorization URL" is the
// tool's own launcher: one request to it yields the real authorization URL (in its
// redirect) and the cookie for the callback.
async function launch(startUrl) {
  const shown = `${new URL(startUrl).origin}/start/…`;
  let res;
  try {
    res = await fetch(startUrl, { redirect: 'manual', signal: AbortSignal.timeout(15_000) });
    await res.arrayBuffer();
  } catch (err) {
    throw new PageError(`launcher ${shown} unreachable: ${err.cause?.code || err.message}`);
  }
  const location = res.headers.get('location');
  if (res.status !== 302 || !location) throw new PageError(`launcher ${shown} answered HTTP ${res.status}`);
  loopbackCookie = (res.headers.get('set-cookie') || '').split(';')[0] || null;
  say(`launcher ${shown} redirected${loopbackCookie ? ' with a cookie' : ''}`);
  return location;
}

async function run(givenUrl) {
  const given = new URL(givenUrl);
  const isLauncher = LOOPBACK.has(given.hostname) && given.pathname.startsWith('/start/');
  const authUrl = isLauncher ? await launch(givenUrl) : givenUrl;
  const origin = new URL(authUrl).origin;
  const jar = new CookieJar();
  const state = { denyConsent: DENY };
  let page = await request(jar, authUrl);
  for (let step = 0; step < 25; step += 1) {
    if (page.location) {
      if (new URL(page.location).origin !== origin) return deliver(page.location);
      page = await request(jar, page.location);
      continue;
    }
    if (page.status === 200) {
      const next = await interact(jar, page, state);
      if (next) { page = next; continue; }
      // response_mode=form_post: an auto-submitting form aimed at the client.
      const post = forms(page).find((f) => f.method === 'POST' && new URL(f.action).origin !== origin);
      if (post) {
        return deliver(post.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(formData(post)).toString(),
        });
      }
    }
    throw new PageError(`unexpected page: ${describe(page)}`);
  }
  throw new PageError('too many redirects');
}

const url = process.argv[2];
if (!url || process.argv.length > 3) {
  process.stderr.write(`usage: ${PROG} <authorization-url>\n`);
  process.exit(2);
}

if (!process.env.OIDC_BROWSER_FOREGROUND && !process.env.OIDC_BROWSER_CHILD) {
  const child = spawn(process.execPath, [fileURLToPath(import.meta.url), url], {
    detached: true,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, OIDC_BROWSER_CHILD: '1' },
  });
  child.unref();
  process.exit(0);
}

setTimeout(() => { say('gave up after 30 s'); process.exit(1); }, 30_000).unref();
try {
  await run(url);
} catch (err) {
  say(err instanceof PageError ? err.message : (err?.stack || String(err)));
  process.exit(1);
}
