// A tiny scripted "browser" for the test OpenID Connect server: a cookie jar,
// manual redirects, and just enough HTML form parsing to log in, consent and
// confirm device codes. Shared by browser.mjs and approve-device.mjs.

export const USER = process.env.OIDC_BROWSER_USER || 'alice';
export const PASSWORD = process.env.OIDC_BROWSER_PASSWORD ?? 'wonderland';
export const DENY = !!process.env.OIDC_BROWSER_DENY && process.env.OIDC_BROWSER_DENY !== '0';

/** A failure the scripted user would have seen on screen. */
export class PageError extends Error {}

/** Cookies by (name, path) for a single origin; good enough for one OP. */
export class CookieJar {
  #cookies = new Map();

  store(res) {
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k, v = ''] = a.split('=');
        const key = k.trim().toLowerCase();
        if (key === 'path') path = v.trim() || '/';
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name}\u0000${path}`;
      if (expired) this.#cookies.delete(id);
      else this.#cookies.set(id, { name, value, path });
    }
  }

  header(url) {
    const { pathname } = new URL(url);
    const matching = [...this.#cookies.values()]
      .filter((c) => pathname === c.path || pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`));
    return matching.map((c) => `${c.name}=${c.value}`).join('; ');
  }
}

/** One HTTP exchange with the OP, never following redirects. */
export async function request(jar, url, { method = 'GET', form } = {}) {
  const headers = { accept: 'text/html' };
  const cookie = jar.header(url);
  if (cookie) headers.cookie = cookie;
  let body;
  if (form) {
    headers['content-type'] = 'application/x-www-form-urlencoded';
    body = new URLSearchParams(form).toString();
  }
  let res;
  try {
    res = await fetch(url, {
      method, headers, body, redirect: 'manual', signal: AbortSignal.timeout(10_000),
    });
  } catch (err) {
    const { origin, pathname } = new URL(url);
    throw new PageError(`cannot reach ${origin}${pathname}: ${err.cause?.code || err.cause?.message || err.message}`);
  }
  jar.store(res);
  const text = await res.text();
  const location = res.headers.get('location');
  return {
    url,
    status: res.status,
    location: location ? new URL(location, url).href : undefined,
    text,
  };
}

const decode = (s) => s
  .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(parseInt(h, 16)))
  .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
  .replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  .replace(/&apos;/g, "'")
  .replace(/&amp;/g, '&');

function attrs(tag) {
  const out = {};
  for (const m of tag.matchAll(/([a-zA-Z_:][-a-zA-Z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?/g)) {
    out[m[1].toLowerCase()] = decode(m[2] ?? m[3] ?? m[4] ?? '');
  }
  return out;
}

/**
 * The page's forms: id, absolute action, method, hidden/text inputs, and
 * submit buttons (including those outside the form that name it in form=).
 */
export function forms(page) {
  const html = page.text;
  const list = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const a = attrs(m[1]);
    const inner = m[2];
    list.push({
      id: a.id,
      method: (a.method || 'get').toUpperCase(),
      action: new URL(a.action || page.url, page.url).href,
      fields: [...inner.matchAll(/<input\b([^>]*)>/gi)].map((i) => attrs(i[1])).filter((i) => i.name),
      buttons: [...inner.matchAll(/<button\b([^>]*)>/gi)].map((b) => attrs(b[1])),
    });
  }
  for (const b of html.matchAll(/<button\b([^>]*)>/gi)) {
    const a = attrs(b[1]);
    const f = a.form && list.find((x) => x.id === a.form);
    if (f) f.buttons.push(a);
  }
  return list;
}

/** The fields a browser would submit, plus an optional clicked button. */
export function formData(form, overrides = {}, button = undefined) {
  const data = {};
  for (const f of form.fields) {
    if (['submit', 'button', 'reset'].includes((f.type || '').toLowerCase())) continue;
    data[f.name] = f.value ?? '';
  }
  if (button?.name) data[button.name] = button.value ?? '';
  return { ...data, ...overrides };
}

/** A short human description of a page, for error messages. */
export function describe(page) {
  const title = /<title>([\s\S]*?)<\/title>/i.exec(page.text)?.[1]?.trim();
  const pre = [...page.text.matchAll(/<pre\b[^>]*>([\s\S]*?)<\/pre>/gi)]
    .map((m) => decode(m[1].replace(/<[^>]+>/g, '')).trim());
  const p = [...page.text.matchAll(/<p\b[^>]*>([\s\S]*?)<\/p>/gi)]
    .map((m) => decode(m[1].replace(/<[^>]+>/g, ' ')).replace(/\s+/g, ' ').trim()).filter(Boolean);
  const path = new URL(page.url).pathname;
  return `HTTP ${page.status} at ${path}${title ? ` "${title}"` : ''}${pre.length ? `: ${pre.join('; ')}` : (p.length ? `: ${p.join(' / ')}` : '')}`;
}

/**
 * If the page is one of the server's own interaction pages (login or
 * consent), performs the scripted user's step and returns the response.
 * Returns undefined for any other page.
 */
export async function interact(jar, page, state) {
  const all = forms(page);
  const login = all.find((f) => f.id === 'kc-form-login');
  if (login) {
    if (state.loggedIn) {
      throw new PageError(`login rejected for user ${JSON.stringify(USER)}: ${describe(page)}`);
    }
    state.loggedIn = true;
    return request(jar, login.action, {
      method: 'POST',
      form: formData(login, { username: USER, password: PASSWORD }, login.buttons[0]),
    });
  }
  const consent = all.find((f) => f.id === 'kc-oauth');
  if (consent) {
    const wanted = state.denyConsent ? 'cancel' : 'accept';
    const button = consent.buttons.find((b) => b.name === wanted);
    return request(jar, consent.action, { method: 'POST', form: formData(consent, {}, button) });
  }
  return undefined;
}
