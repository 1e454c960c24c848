// Plugin pages (pms.admin-page/1, plugin ABI 1.2) in the staff menu. The host runs the server
// tests' C fixture plugin (tests/host_server/fixture), whose page «Фикстура: нераспределённые»
// sits in the «Финансы» section and needs suspense.manage:
//  - the accountant finds it in the menu, opens it as a full page drawn by the generic view
//    renderer, acts on a row, sees a live push from the plugin, and leaves with «×» (the host
//    forgets the session);
//  - the front desk has no «Финансы» menu, and the page's address shows «Недостаточно прав».

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Harness, requireEnv } from '../lib/harness.mjs';
import { PROPERTY, STAFF_PASSWORD, apiSession, signIn, watchPage, eventually } from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

const FIXTURE = 'test.pms.server-fixture';
const PAGE_TITLE = 'Фикстура: нераспределённые';
const pagePath = `/api/properties/${PROPERTY}/pages/${FIXTURE}/suspense`;

const h = new Harness('pages');
let host;
before(async () => {
  // The fixture's own plugins folder (the last --plugins wins over the harness's).
  const plugins = requireEnv('PMS_SERVER_FIXTURE_PLUGINS');
  if (!existsSync(path.join(plugins, 'server_fixture', 'plugin.json')))
    throw new Error(`the server fixture plugin is not built in ${plugins}: build pms_server_fixture_plugin`);
  host = await h.startHost(['--seed-demo', '--plugins', plugins, '--enable', `${FIXTURE}:${PROPERTY}`],
                           { env: { PMS_DEMO_PASSWORD: STAFF_PASSWORD } });
});
after(() => h.close());

async function signedInPage(t, role) {
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/folio`);
  await signIn(page, role);
  return { page, problems };
}

test('the accountant opens the plugin page from the «Финансы» menu; it acts and updates live', async (t) => {
  const { page, problems } = await signedInPage(t, 'accountant');
  const menu = page.locator('#menu-finance');
  await menu.waitFor();
  assert.equal((await menu.textContent()).trim(), 'Финансы');
  await menu.click();
  const entry = page.locator('#menu-finance-list a', { hasText: PAGE_TITLE });
  await entry.waitFor();
  await entry.click();

  // The page: the plugin's view, full-page, not a modal dialog.
  const view = page.locator('main .view-page');
  await view.locator('h1', { hasText: 'Fixture page' }).waitFor();
  assert.equal(await page.locator('#modal-root .modal').count(), 0, 'a page is not a dialog');
  assert.match(page.url(), new RegExp(`#/pages/${FIXTURE.replace(/\./g, '\\.')}/suspense$`));
  assert.equal(await view.locator('p.text').first().textContent(), 'page suspense by accountant');
  assert.match(await page.locator('#menu-finance').getAttribute('class'), /has-current/,
               'the «Финансы» menu marks the current page');
  await h.screenshot(page, 'accountant');
  await checkA11y(page, 'страница модуля (бухгалтер)');

  // A row action goes to the plugin as a page event (the page, no folio) and the next view shows.
  await view.locator('tr[data-row="order-1"] [data-action="post"]').click();
  await view.locator('p.text', { hasText: 'page event by accountant on suspense, page ok' }).waitFor();

  // The plugin pushes into the open page (its notification sink does when called): live update.
  const hook = await fetch(`${host.url}/hooks/${FIXTURE}/${PROPERTY}/notify`, { method: 'POST', body: '{}' });
  assert.equal(hook.status, 200);
  await view.locator('h1', { hasText: 'Fixture page pushed' }).waitFor({ timeout: 15000 });

  // «×» leaves the page: back to the start page, and the host forgot the session.
  // Asked from the page itself: a view answers only to the staff session that opened it, so a
  // second sign-in would get 404 while the page were still open (an assertion that could not fail).
  const session = await view.getAttribute('data-session');
  const viewPath = `${pagePath}/views/${encodeURIComponent(session)}`;
  const statusOf = (p) => page.evaluate(async (u) => (await fetch(u, { credentials: 'same-origin' })).status, p);
  assert.equal(await statusOf(viewPath), 200, 'the page session is open on the host');
  await view.locator('.modal-close').click();
  await page.waitForFunction(() => location.hash === '#/folio');
  await eventually(async () => (await statusOf(viewPath)) === 404, 'the page session is closed on the host');
  assert.deepEqual(problems, []);
});

// Open views cost the plugin work on every change and count against the staff member's cap
// (host_stub/API.md, *Open views*): a page that goes away (here: a reload) closes its dialog and
// its plugin page on the host at once instead of leaving them to the idle expiry.
test('a page that goes away closes its dialog and its plugin page on the host', async (t) => {
  const { page, problems } = await signedInPage(t, 'accountant');
  // Asked from the page itself: a view answers only to the staff session that opened it.
  const statusOf = (apiPath) => page.evaluate(async (p) => (await fetch(p, { credentials: 'same-origin' })).status, apiPath);

  await page.goto(`${host.url}/#/folio/471887`);
  const button = page.locator('#folio-toolbar button', { hasText: 'Fixture dialog' });
  await button.waitFor();
  const clicked = page.waitForResponse((r) => r.url().includes('/buttons/') && r.url().endsWith('/click'));
  await button.click();
  const dialogSession = (await (await clicked).json()).session_id;
  await page.locator('#modal-root .modal').waitFor();
  const dialogPath = `/api/properties/${PROPERTY}/views/${encodeURIComponent(dialogSession)}`;
  assert.equal(await statusOf(dialogPath), 200, 'the dialog is not open on the host');
  await page.reload();
  await page.locator('#folio-toolbar button', { hasText: 'Fixture dialog' }).waitFor();
  await eventually(async () => (await statusOf(dialogPath)) === 404,
                   'the dialog of the page that went away to close on the host', 5000);

  await page.locator('#menu-finance').click();
  await page.locator('#menu-finance-list a', { hasText: PAGE_TITLE }).click();
  const view = page.locator('main .view-page');
  await view.locator('h1', { hasText: 'Fixture page' }).waitFor();
  const pageSession = await view.getAttribute('data-session');
  const pageViewPath = `${pagePath}/views/${encodeURIComponent(pageSession)}`;
  assert.equal(await statusOf(pageViewPath), 200, 'the plugin page is not open on the host');
  await page.reload();
  await page.locator('main .view-page h1', { hasText: 'Fixture page' }).waitFor(); // opened anew
  await eventually(async () => (await statusOf(pageViewPath)) === 404,
                   'the plugin page of the page that went away to close on the host', 5000);
  assert.deepEqual(problems, []);
});

test('the front desk sees no «Финансы» menu and the page address says «Недостаточно прав»', async (t) => {
  const { page, problems } = await signedInPage(t, 'front_desk');
  await page.locator('#staff-role').waitFor();
  assert.equal(await page.locator('#menu-finance').count(), 0);
  await page.evaluate(([f]) => { location.hash = `#/pages/${f}/suspense`; }, [FIXTURE]);
  await page.locator('.forbidden', { hasText: 'Недостаточно прав' }).waitFor();
  assert.equal(await page.locator('main .view-page').count(), 0);
  const frontdesk = await apiSession(host.url, 'frontdesk');
  const refused = await frontdesk.raw('POST', `${pagePath}/open`);
  assert.equal(refused.status, 403);
  assert.equal(refused.json.error.permission, 'suspense.manage');
  assert.deepEqual(problems, []);
});

test('the admin works «Финансы» and «Администрирование» by keyboard', async (t) => {
  const { page, problems } = await signedInPage(t, 'admin');
  const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const finance = page.locator('#menu-finance');
  await finance.waitFor();
  // ↓ on «Финансы» opens it on its first page.
  await finance.focus();
  await page.keyboard.press('ArrowDown');
  const entry = page.locator('#menu-finance-list a', { hasText: PAGE_TITLE });
  assert.equal(await page.evaluate(() => document.activeElement?.textContent ?? ''), PAGE_TITLE);
  assert.equal(await finance.getAttribute('aria-expanded'), 'true');
  // Moving to the administration menu closes «Финансы».
  await page.locator('#menu-admin').focus();
  assert.equal(await page.locator('#menu-finance-list').isVisible(), false, '«Финансы» stayed open');
  // «Администрирование → Разное → Стыковки» as before: Enter, ↓, →, Escape twice.
  await page.keyboard.press('Enter');
  await page.locator('#menu-admin-list').waitFor();
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeId(), 'menu-misc');
  await page.keyboard.press('ArrowRight');
  assert.equal(await activeId(), 'menu-integrations');
  await page.keyboard.press('Escape');
  assert.equal(await activeId(), 'menu-misc');
  await page.keyboard.press('Escape');
  assert.equal(await activeId(), 'menu-admin');
  assert.equal(await page.locator('#menu-admin-list').isVisible(), false);
  // Enter on the page's entry opens the page; its heading takes the focus.
  await finance.focus();
  await page.keyboard.press('Enter');
  await entry.focus();
  await page.keyboard.press('Enter');
  await page.locator('main .view-page h1', { hasText: 'Fixture page' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  assert.equal(await page.locator('#menu-finance-list').isVisible(), false, 'the menu stayed open after choosing a page');
  assert.equal(await entry.getAttribute('aria-current'), 'page');
  assert.deepEqual(problems, []);
});

test('a folio button still opens its view as a modal dialog', async (t) => {
  const { page, problems } = await signedInPage(t, 'front_desk');
  await page.goto(`${host.url}/#/folio/471887`);
  const button = page.locator('#folio-toolbar button', { hasText: 'Fixture dialog' });
  await button.waitFor();
  await button.click();
  const dialog = page.locator('#modal-root .modal-backdrop .modal[role="dialog"]');
  await dialog.locator('h2', { hasText: 'Fixture step 1' }).waitFor();
  assert.equal(await page.locator('main .view-page').count(), 0);
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
});
