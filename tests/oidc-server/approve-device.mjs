#!/usr/bin/env node
// The scripted user who approves a device authorization:
//
//   node approve-device.mjs <verification_uri_complete>
//   node approve-device.mjs <verification_uri> <user_code>
//
// Enters the code (when not already in the URL), confirms it, logs in
// (OIDC_BROWSER_USER / OIDC_BROWSER_PASSWORD, default alice / wonderland)
// and consents. With OIDC_BROWSER_DENY=1 it clicks Abort on the confirmation
// page instead, so the device's token poll gets access_denied.
//
// Exit 0 when the server showed the success page (or, when denying, the
// "interrupted" page); 1 with a message on stderr on anything else.

import {
  CookieJar, DENY, PageError, describe, forms, formData, interact, request,
} from './lib.mjs';

const PROG = 'approve-device.mjs';

async function run(uri, userCode) {
  const origin = new URL(uri).origin;
  const jar = new CookieJar();
  const state = { denyConsent: false, codeSubmitted: false, confirmed: false };
  let page = await request(jar, uri);
  for (let step = 0; step < 25; step += 1) {
    if (page.location) {
      if (new URL(page.location).origin !== origin) {
        throw new PageError(`unexpected redirect off the server to ${new URL(page.location).origin}`);
      }
      page = await request(jar, page.location);
      continue;
    }
    if (page.text.includes('id="device-success"')) return 'approved';
    if (page.text.includes('id="device-aborted"')) {
      if (DENY && state.confirmed) return 'denied';
      throw new PageError(`device login was aborted: ${describe(page)}`);
    }
    const all = forms(page);

    const input = all.find((f) => f.id === 'op.deviceInputForm');
    if (input) {
      if (state.codeSubmitted) throw new PageError(`user code not accepted: ${describe(page)}`);
      if (!userCode) throw new PageError(`the page asks for a user code; pass it as the second argument (${describe(page)})`);
      state.codeSubmitted = true;
      page = await request(jar, input.action, { method: 'POST', form: formData(input, { user_code: userCode }) });
      continue;
    }

    const confirm = all.find((f) => f.id === 'op.deviceConfirmForm');
    if (confirm) {
      if (state.confirmed) throw new PageError(`asked to confirm twice: ${describe(page)}`);
      state.confirmed = true;
      const abort = confirm.buttons.find((b) => b.name === 'abort');
      page = await request(jar, confirm.action, {
        method: 'POST', form: formData(confirm, {}, DENY ? abort : undefined),
      });
      continue;
    }

    const next = await interact(jar, page, state);
    if (next) { page = next; continue; }

    // verification_uri_complete answers an auto-submitting form (user_code + xsrf).
    const auto = all.find((f) => f.method === 'POST' && f.fields.some((x) => x.name === 'user_code'));
    if (auto && !state.codeSubmitted) {
      state.codeSubmitted = true;
      page = await request(jar, auto.action, { method: 'POST', form: formData(auto) });
      continue;
    }
    throw new PageError(`unexpected page: ${describe(page)}`);
  }
  throw new PageError('too many steps');
}

const [uri, userCode] = process.argv.slice(2);
if (!uri || process.argv.length > 4) {
  process.stderr.write(`usage: ${PROG} <verification_uri_complete> | <verification_uri> <user_code>\n`);
  process.exit(2);
}
setTimeout(() => { process.stderr.write(`${PROG}: gave up after 30 s\n`); process.exit(1); }, 30_000).unref();
try {
  const outcome = await run(uri, userCode);
  process.stderr.write(`${PROG}: device ${outcome} as ${process.env.OIDC_BROWSER_USER || 'alice'}\n`);
} catch (err) {
  process.stderr.write(`${PROG}: ${err instanceof PageError ? err.message : (err?.stack || String(err))}\n`);
  process.exit(1);
}
