// Staff sign-in (issue 8): the sign-in page (Russian, labelled fields with autocomplete, focus on
// the login, Enter submits), the Russian errors for a wrong password and for too many attempts,
// the way back to the screen the user was on after any 401, sign-out, and a session ended
// elsewhere or by an admin disabling the user (the host closes the event stream; the page goes
// back to the sign-in page instead of reconnecting forever). Screenshots of the sign-in page and
// its errors.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../lib/harness.mjs';
import {
  BOOKING, STAFF, STAFF_PASSWORD, PERMISSIONS, startHost, signIn, watchPage, recordResponses, assertNoSecretInBrowser, assertNoSecretInResponses,
} from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

// What the page itself gets from the host for `path` (same-origin fetch with its cookie).
const pageFetch = (page, path, init = {}) => page.evaluate(async ([p, i]) => {
  const res = await fetch(p, i);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}, [path, init]);

const sessionCookie = async (context) => (await context.cookies()).find((c) => c.name === 'pms_session' && c.value !== '');

// One host for the scenarios that do not lock anyone out; the lock-out one starts its own.
let shared = null;
const sharedHost = async () => {
  if (!shared) {
    const h = new Harness('auth');
    shared = { h, host: await startHost(h) };
  }
  return shared;
};
after(() => shared?.h.close());

test('the sign-in page is Russian and labelled; a wrong password is refused in Russian', async (t) => {
  const { h, host } = await sharedHost();
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const responses = recordResponses(context);
  const page = await context.newPage();
  const problems = watchPage(page);

  const response = await page.goto(`${host.url}/`);
  // The host's security headers on the page itself (the UI is written to work under them).
  const headers = response.headers();
  const csp = headers['content-security-policy'] ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "frame-ancestors 'none'"])
    assert.ok(csp.includes(directive), `the page's Content-Security-Policy lacks ${directive}: «${csp}»`);
  assert.equal(headers['x-frame-options'], 'DENY');
  assert.equal(headers['referrer-policy'], 'no-referrer');

  const form = page.locator('form#signin');
  await form.waitFor();
  assert.equal(await page.title(), 'PMS — Вход');
  assert.equal(await page.locator('#signin-title').textContent(), 'Вход в PMS');
  const login = page.getByLabel('Логин', { exact: true });
  const password = page.getByLabel('Пароль', { exact: true });
  assert.equal(await login.getAttribute('autocomplete'), 'username');
  assert.equal(await password.getAttribute('autocomplete'), 'current-password');
  assert.equal(await password.getAttribute('type'), 'password');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'signin-login', 'the login field has no focus');
  // Signed out, the top bar offers nothing but the brand.
  for (const selector of ['nav', '#quick-search', '#sign-out', '#bell', '#staff'])
    assert.equal(await page.locator(`.topbar ${selector}`).isVisible(), false, `${selector} is shown before signing in`);
  await h.screenshot(page, 'signin');
  await checkA11y(page, 'вход');

  // Nothing typed: said next to the form, nothing sent.
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  const alert = page.locator('#signin-error[role="alert"]');
  await alert.filter({ hasText: 'Введите логин' }).waitFor();

  // A wrong password, submitted with Enter. (Failures are few here: the host slows down an
  // address after a handful, and this host serves the scenarios below too.)
  await login.fill(STAFF.front_desk.login);
  await password.fill('not-the-password');
  const refused = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'POST');
  await password.press('Enter');
  const wrongPassword = { status: (await refused).status(), json: await (await refused).json() };
  await alert.filter({ hasText: 'Неверный логин или пароль' }).waitFor();
  assert.equal(await password.inputValue(), '', 'the wrong password stays in the field');
  assert.equal(await form.isVisible(), true);
  await h.screenshot(page, 'signin-wrong-password');
  await checkA11y(page, 'вход: неверный пароль');

  // An unknown login gets the very same answer: the host never says which part was wrong.
  const unknownLogin = await pageFetch(page, '/api/session', {
    method: 'POST', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ login: 'no-such-user', password: 'not-the-password' }),
  });
  assert.equal(wrongPassword.status, 401, JSON.stringify(wrongPassword.json));
  assert.equal(unknownLogin.status, 401, unknownLogin.text);
  assert.equal(wrongPassword.json?.error?.code, 'invalid_credentials');
  assert.deepEqual(unknownLogin.json, wrongPassword.json, 'a wrong password and an unknown login are answered differently');

  // Still nobody signed in: the API answers 401, /api/health stays open.
  const session = await pageFetch(page, '/api/session');
  assert.equal(session.status, 401);
  assert.equal(session.json?.error?.code, 'not_signed_in');
  assert.equal((await pageFetch(page, '/api/properties')).status, 401);
  assert.equal((await pageFetch(page, '/api/health')).status, 200);

  // The right password.
  await signIn(page, 'front_desk');
  assert.deepEqual(problems, [], 'errors in the page');
  await assertNoSecretInBrowser(context);
  await assertNoSecretInResponses(responses);
});

test('after a 401 the sign-in page returns to the screen the user was on; «Выйти» signs out', async (t) => {
  const { h, host } = await sharedHost();
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);

  // A deep link opened without a session: sign in, and the booking is shown.
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'accountant');
  await page.locator('#booking-number', { hasText: BOOKING }).waitFor();
  assert.match(page.url(), new RegExp(`#/folio/${BOOKING}$`));

  // The top bar names the staff member and the role, as the host knows them.
  const session = await pageFetch(page, '/api/session');
  assert.equal(session.status, 200, session.text);
  assert.equal(session.json.login, STAFF.accountant.login);
  assert.equal(session.json.role, 'accountant');
  assert.deepEqual([...session.json.permissions].sort(), [...PERMISSIONS.accountant].sort());
  assert.equal((await page.locator('#staff-name').textContent()).trim(), session.json.name);
  assert.equal((await page.locator('#staff-role').textContent()).trim(), 'Бухгалтер');

  // The session cookie: HttpOnly (the page cannot read it), SameSite=Strict, Path=/.
  const cookie = await sessionCookie(context);
  assert.ok(cookie, 'no pms_session cookie');
  assert.equal(cookie.httpOnly, true, 'pms_session is not HttpOnly');
  assert.equal(cookie.sameSite, 'Strict', 'pms_session is not SameSite=Strict');
  assert.equal(cookie.path, '/');
  assert.ok(!(await page.evaluate(() => document.cookie)).includes('pms_session'), 'the page can read the session cookie');

  // The session disappears (cookies cleared): the next API call answers 401 and the page shows
  // the sign-in page; signing in again lands on the account that was clicked.
  const second = page.locator('#accounts tbody tr[data-folio]').nth(1);
  const secondId = await second.getAttribute('data-folio');
  await context.clearCookies();
  await second.click();
  await page.locator('form#signin').waitFor();
  await page.locator('#signin .notice', { hasText: 'Сеанс завершён' }).waitFor();
  assert.match(page.url(), new RegExp(`#/folio/${BOOKING}/${secondId}$`));
  await h.screenshot(page, 'signin-session-ended');
  await signIn(page, 'accountant');
  await page.locator(`#accounts tbody tr.selected[data-folio="${secondId}"]`).waitFor();

  // «Выйти»: the sign-in page, and the API answers 401 with the cookie the browser now holds.
  await page.getByRole('button', { name: 'Выйти', exact: true }).click();
  await page.locator('form#signin').waitFor();
  assert.equal((await page.locator('#staff-name').textContent()).trim(), '');
  assert.equal(await page.locator('#admin-menu').isVisible(), false);
  const after = await pageFetch(page, '/api/session');
  assert.equal(after.status, 401, after.text);
  assert.equal(after.json?.error?.code, 'not_signed_in');
  const folio = await pageFetch(page, `/api/properties/1/bookings/${BOOKING}`);
  assert.equal(folio.status, 401, folio.text);
  assert.equal(await sessionCookie(context), undefined, 'the session cookie was not cleared');
  await h.screenshot(page, 'signed-out');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('a session ended elsewhere closes the event stream and the page asks to sign in again', async (t) => {
  const { h, host } = await sharedHost();
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'front_desk');
  await page.locator('#booking-number').waitFor();
  await page.locator('#live[data-status="online"]').waitFor({ timeout: 20000 });

  // The same session, signed out from another place (another tab, another desk).
  const cookie = await sessionCookie(context);
  const res = await fetch(`${host.url}/api/session`, {
    method: 'DELETE',
    headers: { Cookie: `pms_session=${cookie.value}`, 'Content-Type': 'application/json', Origin: host.url },
    body: '{}',
  });
  assert.equal(res.status, 200, await res.text());

  // No click: the stream closes, the page finds the session gone and shows the sign-in page.
  await page.locator('form#signin').waitFor({ timeout: 20000 });
  await page.locator('#signin .notice', { hasText: 'Сеанс завершён' }).waitFor();
  // …and stays there: no endless reconnecting to the stream.
  const requests = [];
  page.on('request', (r) => { if (r.url().includes('/events')) requests.push(r.url()); });
  await new Promise((r) => setTimeout(r, 4000));
  assert.deepEqual(requests, [], 'the page keeps reconnecting to the event stream after the session ended');

  await signIn(page, 'front_desk');
  await page.locator('#booking-number', { hasText: BOOKING }).waitFor();
  await page.locator('#live[data-status="online"]').waitFor({ timeout: 20000 });
  assert.deepEqual(problems, [], 'errors in the page');
});

test('a user disabled by an admin is sent back to the sign-in page and cannot sign in', async (t) => {
  const { h, host } = await sharedHost();
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'front_desk');
  await page.locator('#booking-number').waitFor();
  await page.locator('#live[data-status="online"]').waitFor({ timeout: 20000 });

  await host.api('POST', `/api/users/${STAFF.front_desk.login}/disable`, {});
  t.after(() => host.api('POST', `/api/users/${STAFF.front_desk.login}/enable`, {}));
  await page.locator('form#signin').waitFor({ timeout: 20000 });
  await page.locator('#signin .notice', { hasText: 'Сеанс завершён' }).waitFor();

  // A disabled user is refused like a wrong password (nothing tells the accounts apart).
  await page.getByLabel('Логин', { exact: true }).fill(STAFF.front_desk.login);
  await page.getByLabel('Пароль', { exact: true }).fill(STAFF_PASSWORD);
  await page.getByRole('button', { name: 'Войти', exact: true }).click();
  await page.locator('#signin-error[role="alert"]', { hasText: 'Неверный логин или пароль' }).waitFor();
  assert.deepEqual(problems, [], 'errors in the page');
});

test('too many failed sign-ins: «Слишком много попыток, попробуйте через N с»', async (t) => {
  const h = new Harness('auth-lockout');
  t.after(() => h.close());
  const host = await startHost(h);

  // Fail from node until the host says 429 (how many it allows is the host's business).
  let last = null;
  const deadline = Date.now() + 40000;
  for (let i = 0; i < 100 && Date.now() < deadline; ++i) {
    const res = await fetch(`${host.url}/api/session`, {
      method: 'POST', headers: { 'Content-Type': 'application/json', Origin: host.url },
      body: JSON.stringify({ login: STAFF.front_desk.login, password: `wrong-${i}` }),
    });
    last = { status: res.status, retryAfter: res.headers.get('retry-after'), json: await res.json().catch(() => null) };
    if (last.status === 429) break;
    assert.equal(last.status, 401, `attempt ${i + 1}: ${JSON.stringify(last.json)}`);
  }
  assert.equal(last?.status, 429, 'the host never answered 429 to repeated wrong passwords');
  assert.equal(last.json?.error?.code, 'too_many_attempts');
  assert.ok(Number.isFinite(last.json?.error?.retry_after_s), `no retry_after_s: ${JSON.stringify(last.json)}`);
  assert.ok(last.retryAfter, 'no Retry-After header');

  const context = await h.launchBrowser();
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/`);
  // The host's wait may have run out while the browser started (its waits start short and
  // double with each failure): try until the page gets a 429 itself.
  const alert = page.locator('#signin-error[role="alert"]');
  let status = 0;
  for (let i = 0; i < 5 && status !== 429; ++i) {
    await page.getByLabel('Логин', { exact: true }).fill(STAFF.front_desk.login);
    await page.getByLabel('Пароль', { exact: true }).fill(`wrong-again-${i}`);
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/session') && r.request().method() === 'POST');
    await page.getByRole('button', { name: 'Войти', exact: true }).click();
    status = (await answer).status();
    if (status !== 429) await alert.filter({ hasText: 'Неверный логин или пароль' }).waitFor();
  }
  assert.equal(status, 429, 'the page never got a 429');
  await alert.filter({ hasText: 'Слишком много попыток' }).waitFor();
  assert.match(await alert.textContent(), /^Слишком много попыток, попробуйте через \d+\sс$/);
  await h.screenshot(page, 'signin-too-many-attempts');
  assert.deepEqual(problems, [], 'errors in the page');
  assert.equal(await sessionCookie(context), undefined, 'a refused sign-in left a session cookie');
});
