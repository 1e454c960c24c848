// Helpers shared by the PMS browser scenarios: the demo shop's credentials and the demo staff,
// starting simulator + host the way the demo does, signing in through the real sign-in page,
// the host's JSON API with a staff session, and the "no secret leaves the host" checks
// (responses, pages, browser storage, the event stream).

import { spawnSync } from 'node:child_process';
import assert from 'node:assert/strict';
import { freePort } from './harness.mjs';

export const PLUGIN = 'ru.invoicebox.pms.payment-link';
export const PROPERTY = '1';
export const BOOKING = '471887';

// The simulated shop. The token and key are long and unusual on purpose: a leak is found by
// plain substring search.
export const SHOP = {
  merchantId: '5f3c2a9e-1b7d-4c8e-9a10-2d4b6e8f0a11',
  token: 'c0ffee5ecrett0ken0f6a1c3e5b7d9f2a', // 32 hex-ish characters, like a v3 token
  apiKey: 'k3y-0f-the-s1gnature-5ecret-9b1d',
};

// The demo staff that `pms-host --seed-demo` creates (architecture §8 roles). Their password is
// PMS_DEMO_PASSWORD when set (else "demo"); the harness sets an unusual one so that a leak is
// found by substring search, as for the shop's secrets.
export const STAFF_PASSWORD = 'St4ff-pa55-for-the-browser-tests-e81c';
export const STAFF = {
  admin: { login: 'admin', role: 'admin', roleName: 'Администратор' },
  front_desk: { login: 'frontdesk', role: 'front_desk', roleName: 'Служба приёма' },
  accountant: { login: 'accountant', role: 'accountant', roleName: 'Бухгалтер' },
};
export const PERMISSIONS = {
  front_desk: ['folio.view', 'link.manage'],
  accountant: ['folio.view', 'link.manage', 'suspense.manage', 'refund.manage'],
  admin: ['folio.view', 'link.manage', 'suspense.manage', 'refund.manage', 'integrations.admin', 'users.admin'],
};

// Whether this pms-host can send mail over SMTP, and with which option (none yet: the mail
// goes to the outbox folder then).
export function hostSmtpOption() {
  const bin = process.env.PMS_HOST_BIN;
  if (!bin) return null;
  const help = spawnSync(bin, ['--help'], { encoding: 'utf8', timeout: 10000 });
  const text = `${help.stdout ?? ''}${help.stderr ?? ''}`;
  const m = /(--smtp(?:-url)?)[ =]/.exec(text);
  return m ? m[1] : null;
}

// Starts invoicebox-sim with the shop.
// A JSON call to the simulator's API or test endpoints (/__sim/…); fails the test on a non-2xx.
export async function simJson(simUrl, method, path, body) {
  const res = await fetch(`${simUrl}${path}`, {
    method,
    headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: HTTP ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

export async function startSimulator(h) {
  return h.startSimulator(['--merchant-id', SHOP.merchantId, '--token', SHOP.token,
                           '--api-key', SHOP.apiKey, '--shop-name', 'Гранд Отель Суперотель',
                           '--time-scale', '0.05']);
}

// Starts pms-host with the demo hotel. `configured`: the plugin enabled and set up against the
// simulator (as scripts/demo.sh does), else neither. `smtpUrl`: mail goes there when the host
// supports SMTP.
export async function startHost(h, { sim, configured = false, smtpUrl = null } = {}) {
  const args = ['--seed-demo'];
  if (configured) {
    // The plugin refuses settings without the notification URL, which holds the host's port:
    // pick the port first (the harness's --listen 127.0.0.1:0 comes before, the last one wins).
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    args.push('--listen', `127.0.0.1:${port}`, '--public-url', url,
              '--setting', `${PLUGIN}:${PROPERTY}:notification_url=${url}/hooks/${PLUGIN}/${PROPERTY}/`);
    args.push('--enable', `${PLUGIN}:${PROPERTY}`,
              '--setting', `${PLUGIN}:${PROPERTY}:merchant_id=${SHOP.merchantId}`,
              '--setting', `${PLUGIN}:${PROPERTY}:api_base_url=${sim.url}`,
              '--setting', `${PLUGIN}:${PROPERTY}:legal_entity_id=1`, // «ООО «Суперотель»», the seed's first legal entity
              // The plugin asks to confirm an API host other than InvoiceBox's own by typing it.
              '--setting', `${PLUGIN}:${PROPERTY}:api_host_confirmed=${new URL(sim.url).hostname}`,
              '--secret', `${PLUGIN}:${PROPERTY}:api_token=${SHOP.token}`,
              '--secret', `${PLUGIN}:${PROPERTY}:api_key=${SHOP.apiKey}`);
  }
  const smtpOption = smtpUrl ? hostSmtpOption() : null;
  if (smtpOption) args.push(smtpOption, smtpUrl);
  const host = await h.startHost(args, { env: { PMS_DEMO_PASSWORD: STAFF_PASSWORD } });
  host.smtp = Boolean(smtpOption);
  host.hookUrl = `${host.url}/hooks/${PLUGIN}/${PROPERTY}/`;
  // The scenarios' own API calls (set-up and checks) run in an admin session of their own.
  let admin = null;
  host.adminSession = () => (admin ??= apiSession(host.url, STAFF.admin.login));
  host.api = async (method, path, body) => (await host.adminSession()).call(method, path, body);
  return host;
}

// Reads a fetch Response: {status, headers, text, json}.
async function readResponse(res) {
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch { /* not JSON */ }
  return { status: res.status, headers: res.headers, text, json };
}

// Every Set-Cookie header of a fetch() answer. Headers.getSetCookie() came with Node 19.7 / 20;
// Debian 12's Node 18 has only get('set-cookie'), which joins them with ", " — split there only
// where a new "name=" follows, as an Expires date holds ", " too.
function setCookieHeaders(headers) {
  if (typeof headers.getSetCookie === 'function') return headers.getSetCookie();
  const joined = headers.get('set-cookie');
  return joined ? joined.split(/, (?=[^;,=\s]+=)/) : [];
}

// Signs in through POST /api/session from node, as the web UI does. Resolves
// {user, cookie, raw(method, path, {body, headers}), call(method, path, body)}: raw() answers
// whatever the host says, call() throws unless 2xx. State-changing calls carry the page's
// Origin and a JSON body, as the host requires of a browser.
export async function apiSession(base, login, password = STAFF_PASSWORD) {
  const res = await fetch(`${base}/api/session`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Origin: base },
    body: JSON.stringify({ login, password }),
  });
  const answer = await readResponse(res);
  if (answer.status !== 200) throw new Error(`sign-in as ${login}: HTTP ${answer.status} ${answer.text}`);
  const setCookies = setCookieHeaders(res.headers);
  const cookie = setCookies.map((c) => c.split(';')[0].trim()).find((c) => c.startsWith('pms_session='));
  if (!cookie) throw new Error(`sign-in as ${login}: no pms_session cookie in ${JSON.stringify(setCookies)}`);
  const raw = async (method, path, { body, headers = {} } = {}) => {
    const changing = !['GET', 'HEAD'].includes(method);
    const res2 = await fetch(`${base}${path}`, {
      method,
      headers: { Cookie: cookie, ...(changing ? { 'Content-Type': 'application/json', Origin: base } : {}), ...headers },
      body: changing ? (typeof body === 'string' ? body : JSON.stringify(body ?? {})) : undefined,
    });
    return readResponse(res2);
  };
  return {
    user: answer.json,
    cookie,
    raw,
    async call(method, path, body) {
      const r = await raw(method, path, { body });
      if (r.status < 200 || r.status > 299) throw new Error(`${method} ${path} as ${login}: HTTP ${r.status} ${r.text}`);
      return r.json;
    },
  };
}

// Signs in as `role` through the real sign-in page: the page must be showing it (any screen of
// the UI does when nobody is signed in). Types the login and password into the labelled
// fields, presses «Войти», and waits for the top bar to name the role.
export async function signIn(page, role, { password = STAFF_PASSWORD } = {}) {
  const who = STAFF[role];
  await page.locator('form#signin').waitFor();
  await page.getByLabel('Логин', { exact: true }).fill(who.login);
  await page.getByLabel('Пароль', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await page.locator('#staff-role', { hasText: who.roleName }).waitFor();
  await page.locator('form#signin').waitFor({ state: 'detached' });
  return who;
}

// Collects what must never happen in a page: uncaught errors and Content-Security-Policy
// violations (inline script or style, eval, …), which the host's CSP turns into broken screens.
export function watchPage(page) {
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to (apply|execute|load|evaluate|connect|frame)/i.test(message.text()))
      problems.push(`CSP: ${message.text()}`);
  });
  return problems;
}

// What the admin does on the settings page, done through the API: the notification URL (only
// known once the host listens) and the payment-type mapping.
export async function finishSetupByApi(host) {
  const p = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}`;
  const page = await host.api('GET', `${p}/settings`);
  await host.api('PUT', `${p}/settings`, { values: { ...page.values, notification_url: host.hookUrl } });
  const mapping = await host.api('GET', `${p}/payment-mapping`);
  const { category, type } = pickOnlineType(mapping.categories);
  await host.api('PUT', `${p}/payment-mapping`, {
    mappings: [{ kind: 'payment', category_id: category.id, type_id: type.id }],
  });
  return { category, type };
}

// «Безналичный расчёт → Онлайн-оплата (ссылка)» in the demo hotel.
export function pickOnlineType(categories) {
  for (const category of categories)
    for (const type of category.types)
      if (/ссылк/i.test(type.name)) return { category, type };
  return { category: categories[0], type: categories[0].types[0] };
}

// A payment type other than the one the payment kind is mapped to, for attempts to change the
// mapping: {category_id, type_id} as strings.
export function otherMapping(mappingPage) {
  const current = mappingPage.kinds.find((k) => k.code === 'payment')?.mapping ?? {};
  for (const category of mappingPage.categories)
    for (const type of category.types)
      if (String(type.id) !== String(current.type_id)) return { category_id: String(category.id), type_id: String(type.id) };
  throw new Error('the demo hotel has a single payment type: nothing to change the mapping to');
}

// Records every response the browser receives (bodies of everything but event streams) so a
// scenario can prove no secret was ever sent to the browser.
export function recordResponses(context) {
  const records = [];
  const pending = new Set();
  const onResponse = (response) => {
    const type = response.headers()['content-type'] ?? '';
    const record = { url: response.url(), status: response.status(), type, headers: JSON.stringify(response.headers()), body: '' };
    records.push(record);
    if (/event-stream/.test(type) || response.status() === 204 || (response.status() >= 300 && response.status() < 400)) return;
    const p = response.body().then((b) => { record.body = b.toString('utf8'); }).catch(() => { record.body = ''; });
    pending.add(p);
    p.finally(() => pending.delete(p));
  };
  context.on('response', onResponse);
  return {
    records,
    async settle() { await Promise.all([...pending]); },
  };
}

// Reads the property's live event stream from node for the scenario's lifetime (the browser's
// own EventSource body cannot be read through playwright). stop() returns the text received.
export function tapEvents(host) {
  const controller = new AbortController();
  let text = '';
  const done = (async () => {
    try {
      const { cookie } = await host.adminSession();
      const res = await fetch(`${host.url}/api/properties/${PROPERTY}/events`, { signal: controller.signal, headers: { Cookie: cookie } });
      const decoder = new TextDecoder();
      // Cancel the reader on stop(): Node 18's fetch does not end a body already streaming when
      // its request is aborted, so a plain for-await over it would wait for the host forever.
      const reader = res.body.getReader();
      controller.signal.addEventListener('abort', () => reader.cancel().catch(() => {}));
      for (;;) {
        const { value, done: ended } = await reader.read();
        if (ended) break;
        text += decoder.decode(value, { stream: true });
      }
    } catch { /* aborted */ }
  })();
  return {
    get text() { return text; },
    async stop() { controller.abort(); await done; return text; },
  };
}

export function assertNoSecretIn(where, text) {
  for (const [name, secret] of [['API token', SHOP.token], ['API key', SHOP.apiKey], ['staff password', STAFF_PASSWORD]]) {
    assert.ok(!String(text).includes(secret), `the ${name} appears in ${where}`);
  }
}

// Everything the browser holds for the page: DOM (with input values), storage, cookies.
export async function assertNoSecretInBrowser(context) {
  for (const page of context.pages()) {
    if (page.isClosed()) continue;
    const url = page.url();
    const dom = await page.evaluate(() => {
      const values = [...document.querySelectorAll('input, textarea, select')].map((x) => x.value).join('\n');
      return `${document.documentElement.outerHTML}\n${values}`;
    });
    assertNoSecretIn(`the page ${url}`, dom);
    const storage = await page.evaluate(async () => {
      const dump = (s) => { const out = []; for (let i = 0; i < s.length; ++i) out.push(`${s.key(i)}=${s.getItem(s.key(i))}`); return out.join('\n'); };
      let idb = '';
      try { idb = JSON.stringify(await indexedDB.databases()); } catch { /* none */ }
      let caches_ = '';
      try { caches_ = JSON.stringify(await caches.keys()); } catch { /* none */ }
      return `${dump(localStorage)}\n${dump(sessionStorage)}\n${document.cookie}\n${idb}\n${caches_}`;
    }).catch(() => '');
    assertNoSecretIn(`the browser storage of ${url}`, storage);
  }
  assertNoSecretIn('the cookies', JSON.stringify(await context.cookies()));
  const state = await context.storageState();
  assertNoSecretIn('the browser storage state', JSON.stringify(state));
}

export async function assertNoSecretInResponses(recorder) {
  await recorder.settle();
  assert.ok(recorder.records.length > 0, 'no response was recorded');
  for (const r of recorder.records) {
    assertNoSecretIn(`the response to ${r.url} (headers)`, r.headers);
    assertNoSecretIn(`the response to ${r.url}`, r.body);
  }
}

// Waits until `fn` returns a truthy value (polling), or fails with `what`.
export async function eventually(fn, what, timeoutMs = 15000, stepMs = 200) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      last = await fn();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what} (last: ${last?.message ?? JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}
