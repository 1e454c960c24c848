// Cross-site requests (issue 8: a host no one else can steer). An admin is signed in; in the same
// browser, a page from another origin (another loopback port: same *site*, so the SameSite=Strict
// session cookie does go along) tries to change the payment mapping and to disable the plugin:
// an auto-submitted `enctype=text/plain` form whose field forms a JSON body, a `no-cors` fetch
// with the cookie, and a CORS fetch with `Content-Type: application/json`. The host must refuse
// them all (Origin and Content-Type checks), and afterwards the mapping and the plugin are as
// they were, read through the API as admin.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Harness } from '../lib/harness.mjs';
import {
  PLUGIN, PROPERTY, startSimulator, startHost, finishSetupByApi, signIn, watchPage, otherMapping,
} from '../lib/pms.mjs';

const pluginPath = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}`;

const h = new Harness('csrf');
let host;
before(async () => {
  const sim = await startSimulator(h);
  host = await startHost(h, { sim, configured: true });
  await finishSetupByApi(host);
});
after(() => h.close());

const escapeAttr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

// A text/plain form sends "name=value\r\n": split a JSON text so that name + "=" + value is
// still that JSON (with an extra member "pad": "=").
function jsonFormField(body) {
  const text = JSON.stringify({ ...body, pad: '' }); // …,"pad":""}
  const cut = text.length - 2;
  return { name: text.slice(0, cut), value: text.slice(cut) };
}

function formPage(action, body) {
  const { name, value } = jsonFormField(body);
  return `<!doctype html><html lang="ru"><head><meta charset="utf-8"><title>Розыгрыш призов</title></head>
<body><h1>Вы выиграли!</h1>
<form id="f" method="POST" enctype="text/plain" action="${escapeAttr(action)}">
<input type="hidden" name="${escapeAttr(name)}" value="${escapeAttr(value)}"></form>
<script>document.getElementById('f').submit();</script></body></html>`;
}

// The attacker's server on another loopback port: GET /<name> serves pages[name].
function serveAttacker(pages) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      const page = pages[req.url.slice(1)] ?? '<!doctype html><title>пусто</title>';
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
    });
    server.listen(0, '127.0.0.1', () => {
      h.defer(() => new Promise((r) => server.close(r)));
      resolve(`http://127.0.0.1:${server.address().port}`);
    });
  });
}

const REFUSED = new Set(['bad_origin', 'unsupported_media_type']);

test('a page on another origin cannot change the mapping or disable the plugin with the admin\'s cookie', async (t) => {
  const mappingBefore = await host.api('GET', `${pluginPath}/payment-mapping`);
  const other = otherMapping(mappingBefore);
  const attack = { mappings: [{ kind: 'payment', category_id: other.category_id, type_id: other.type_id }] };
  const mappingUrl = `${host.url}${pluginPath}/payment-mapping`;
  const disableUrl = `${host.url}${pluginPath}/disable`;
  const evil = await serveAttacker({
    'form-mapping': formPage(mappingUrl, attack),
    'form-disable': formPage(disableUrl, {}),
  });
  assert.notEqual(new URL(evil).origin, new URL(host.url).origin);

  // The admin signs in; the session cookie is there and works.
  const context = await h.launchBrowser();
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/admin/integrations`);
  await signIn(page, 'admin');
  await page.locator(`section.plugin[data-plugin="${PLUGIN}"] .settings-form`).waitFor();
  const cookie = (await context.cookies(host.url)).find((c) => c.name === 'pms_session' && c.value);
  assert.ok(cookie, 'no session cookie after signing in');
  assert.equal(await page.evaluate(async () => (await fetch('/api/session')).status), 200);

  const attacker = await context.newPage();
  // The browser shows the answer to a form navigation; a no-cors answer is opaque (status only).
  const refusedBy = async (response, what, { opaque = false } = {}) => {
    const status = response.status();
    let code = null;
    try { code = (await response.json())?.error?.code; } catch { /* not JSON, or opaque */ }
    // Chromium reports the Cookie header of navigations (not of fetches): for the forms, prove
    // the session did go along (another port is the same site), so only the host stopped it.
    const cookieSent = /pms_session=/.test((await response.request().allHeaders()).cookie ?? '');
    t.diagnostic(`${what}: HTTP ${status} ${code ?? ''}${opaque ? '' : `; session cookie sent: ${cookieSent}`}`);
    assert.ok([403, 415].includes(status), `${what} was answered HTTP ${status} ${code}`);
    if (!opaque) {
      assert.ok(REFUSED.has(code), `${what} was refused with ${code}, not for its origin or content type`);
      assert.ok(cookieSent, `${what} went without the session cookie: the test proves nothing about the host`);
    }
  };

  // 1. The auto-submitted text/plain form with a JSON-shaped field: the mapping.
  let answer = attacker.waitForResponse((r) => r.url() === mappingUrl && r.request().method() === 'POST');
  await attacker.goto(`${evil}/form-mapping`);
  await refusedBy(await answer, 'the cross-site form POST to payment-mapping');

  // 2. The same kind of form: disable the plugin.
  answer = attacker.waitForResponse((r) => r.url() === disableUrl && r.request().method() === 'POST');
  await attacker.goto(`${evil}/form-disable`);
  await refusedBy(await answer, 'the cross-site form POST to disable');

  // 3. A no-cors fetch with the cookie (the attacker cannot read the answer, but the request is
  //    sent; its Content-Type can only be a "simple" one).
  await attacker.goto(`${evil}/blank`);
  answer = attacker.waitForResponse((r) => r.url() === mappingUrl && r.request().method() === 'POST');
  const noCors = await attacker.evaluate(async ([url, body]) => {
    const res = await fetch(url, { mode: 'no-cors', method: 'POST', credentials: 'include', headers: { 'Content-Type': 'text/plain' }, body });
    return res.type;
  }, [mappingUrl, JSON.stringify(attack)]);
  assert.equal(noCors, 'opaque');
  await refusedBy(await answer, 'the cross-site no-cors fetch to payment-mapping', { opaque: true });

  // 4. A CORS fetch with application/json needs the host's preflight consent: none is given.
  const cors = await attacker.evaluate(async ([url, body]) => {
    try {
      const res = await fetch(url, { method: 'PUT', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body });
      return `answered ${res.status}`;
    } catch {
      return 'blocked';
    }
  }, [mappingUrl, JSON.stringify(attack)]);
  assert.equal(cors, 'blocked', 'a cross-origin JSON PUT got through the preflight');

  // Nothing changed.
  assert.deepEqual(await host.api('GET', `${pluginPath}/payment-mapping`), mappingBefore, 'the payment mapping changed');
  const plugins = await host.api('GET', `/api/properties/${PROPERTY}/plugins`);
  assert.equal(plugins.plugins.find((p) => p.id === PLUGIN)?.enabled, true, 'the plugin was disabled');
  // And the admin's own page still works with the same session.
  assert.equal(await page.evaluate(async () => (await fetch('/api/session')).status), 200);
  await h.screenshot(attacker, 'attacker-page-after');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('state-changing requests need JSON and the page\'s own Origin, even with a valid session', async () => {
  const admin = await host.adminSession();
  const mappingBefore = await admin.call('GET', `${pluginPath}/payment-mapping`);
  const other = otherMapping(mappingBefore);
  const body = JSON.stringify({ mappings: [{ kind: 'payment', category_id: other.category_id, type_id: other.type_id }] });
  const path = `${pluginPath}/payment-mapping`;

  const cases = [
    ['text/plain body', { 'Content-Type': 'text/plain;charset=UTF-8' }, 415, 'unsupported_media_type'],
    ['form-encoded body', { 'Content-Type': 'application/x-www-form-urlencoded' }, 415, 'unsupported_media_type'],
    ['another origin', { Origin: 'http://127.0.0.1:1' }, 403, 'bad_origin'],
    ['the origin "null"', { Origin: 'null' }, 403, 'bad_origin'],
  ];
  for (const [what, headers, status, code] of cases) {
    const r = await admin.raw('PUT', path, { body, headers });
    assert.equal(r.status, status, `${what}: HTTP ${r.status} ${r.text}`);
    assert.equal(r.json?.error?.code, code, `${what}: ${r.text}`);
  }
  // Without any Origin header (no browser omits it on a POST/PUT fetch).
  const noOrigin = await fetch(`${host.url}${path}`, {
    method: 'PUT', headers: { Cookie: admin.cookie, 'Content-Type': 'application/json' }, body,
  });
  assert.equal(noOrigin.status, 403, `no Origin: HTTP ${noOrigin.status} ${await noOrigin.text()}`);
  assert.deepEqual(await admin.call('GET', `${pluginPath}/payment-mapping`), mappingBefore, 'the payment mapping changed');
});
