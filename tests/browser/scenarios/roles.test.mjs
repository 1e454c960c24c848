// Roles (issue 8, architecture §8): each demo role signed in through the sign-in page. The front
// desk and the accountant work the folio and its InvoiceBox button but never see «Стыковки»:
// the menu entry is not there, typing the route shows «Недостаточно прав», and the host answers
// 403 to the Integrations routes even from the page. The admin gets the menu and the page.
// Screenshots of each role's main screen.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Harness } from '../lib/harness.mjs';
import {
  BOOKING, PLUGIN, PROPERTY, PERMISSIONS, STAFF, startSimulator, startHost, finishSetupByApi, signIn,
  watchPage, pickOnlineType, otherMapping,
} from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

const pluginPath = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}`;

const pageFetch = (page, path, init = {}) => page.evaluate(async ([p, i]) => {
  const res = await fetch(p, i);
  const text = await res.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* not JSON */ }
  return { status: res.status, json, text };
}, [path, init]);

const h = new Harness('roles');
let host;
before(async () => {
  const sim = await startSimulator(h);
  host = await startHost(h, { sim, configured: true });
  await finishSetupByApi(host);
});
after(() => h.close());

// A fresh browser (so a fresh cookie jar) on the folio, signed in as `role`.
async function openFolioAs(t, role) {
  const context = await h.launchBrowser();
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, role);
  await page.locator('#booking-number', { hasText: BOOKING }).waitFor();
  const session = await pageFetch(page, '/api/session');
  assert.equal(session.status, 200, session.text);
  assert.equal(session.json.role, STAFF[role].role);
  assert.deepEqual([...session.json.permissions].sort(), [...PERMISSIONS[role]].sort(), `permissions of ${role}`);
  assert.equal((await page.locator('#staff-role').textContent()).trim(), STAFF[role].roleName);
  assert.equal((await page.locator('#staff-name').textContent()).trim(), session.json.name);
  return { context, page, problems };
}

// The InvoiceBox button of the folio opens the plugin's dialog.
async function openInvoiceBox(page) {
  const button = page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' });
  await button.waitFor();
  assert.equal(await button.isEnabled(), true, 'the InvoiceBox button is disabled');
  await button.click();
  const dialog = page.locator('.modal');
  await dialog.locator('.modal-foot [data-action="create"]').waitFor({ timeout: 30000 });
  return dialog;
}

// No way into «Стыковки»: no menu entry, «Недостаточно прав» on the typed route, 403 from the host.
async function assertNoIntegrations(t, page, role) {
  assert.equal(await page.locator('#admin-menu').isVisible(), false, `${role} sees the administration menu`);
  assert.equal(await page.getByRole('link', { name: 'Стыковки' }).count(), 0, `${role} has a «Стыковки» link`);

  for (const route of ['#/integrations', '#/admin/integrations']) {
    await page.evaluate((r) => { location.hash = r; }, route);
    const alert = page.locator('#main [role="alert"]', { hasText: 'Недостаточно прав' });
    await alert.waitFor();
    assert.match(await alert.textContent(), new RegExp(STAFF[role].roleName));
    assert.equal(await page.locator('section.plugin').count(), 0, 'plugin cards are shown to a role without the permission');
  }
  await h.screenshot(page, `${role}-integrations-forbidden`);
  await checkA11y(page, `недостаточно прав (${role})`);

  const before = await host.api('GET', `${pluginPath}/payment-mapping`);
  for (const path of ['/api/plugins', `/api/properties/${PROPERTY}/plugins`, `${pluginPath}/settings`, `${pluginPath}/payment-mapping`]) {
    const answer = await pageFetch(page, path);
    assert.equal(answer.status, 403, `GET ${path} as ${role}: ${answer.text}`);
    assert.equal(answer.json?.error?.code, 'forbidden', `GET ${path} as ${role}: ${answer.text}`);
    assert.equal(answer.json?.error?.permission, 'integrations.admin', `GET ${path} as ${role}: ${answer.text}`);
  }
  // A well-formed same-origin change is refused too, and changes nothing.
  const other = otherMapping(before);
  const put = await pageFetch(page, `${pluginPath}/payment-mapping`, {
    method: 'PUT', headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ mappings: [{ kind: 'payment', category_id: other.category_id, type_id: other.type_id }] }),
  });
  assert.equal(put.status, 403, `PUT payment-mapping as ${role}: ${put.text}`);
  const disable = await pageFetch(page, `${pluginPath}/disable`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}',
  });
  assert.equal(disable.status, 403, `POST disable as ${role}: ${disable.text}`);
  assert.deepEqual(await host.api('GET', `${pluginPath}/payment-mapping`), before, 'the mapping changed');
  const plugins = await host.api('GET', `/api/properties/${PROPERTY}/plugins`);
  assert.equal(plugins.plugins.find((p) => p.id === PLUGIN)?.enabled, true, 'the plugin was disabled');
  t.diagnostic(`${role}: no «Стыковки» menu, «Недостаточно прав» on the route, 403 from the host`);
}

test('front desk: the folio and InvoiceBox, but no way into «Стыковки»', async (t) => {
  const { page, problems } = await openFolioAs(t, 'front_desk');
  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).waitFor();
  await h.screenshot(page, 'front_desk-main');
  const dialog = await openInvoiceBox(page);
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });
  await assertNoIntegrations(t, page, 'front_desk');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('accountant: the folio and the InvoiceBox button like the front desk, no «Стыковки»', async (t) => {
  const { page, problems } = await openFolioAs(t, 'accountant');
  assert.match(await page.locator('#accounts').textContent(), /ООО «Суперотель»/);
  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).waitFor();
  await h.screenshot(page, 'accountant-main');
  const dialog = await openInvoiceBox(page);
  await h.screenshot(page, 'accountant-dialog');
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });
  await assertNoIntegrations(t, page, 'accountant');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('admin: the «Стыковки» menu leads to the Integrations page', async (t) => {
  const { page, problems } = await openFolioAs(t, 'admin');
  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).waitFor();
  await h.screenshot(page, 'admin-main');
  const menu = page.locator('#admin-menu');
  assert.equal(await menu.isVisible(), true, 'the admin does not see the administration menu');
  await checkA11y(page, 'лицевой счёт (администратор)');

  // The folio scrolled down: the next page must open at its top (issue 10, item 8).
  await page.setViewportSize({ width: 1366, height: 480 });
  await page.evaluate(() => window.scrollTo(0, document.documentElement.scrollHeight));
  assert.ok(await page.evaluate(() => window.scrollY) > 0, 'the folio does not scroll at 1366×480');

  // The menu by keyboard, level by level (issue 10, item 7): Enter opens «Администрирование»,
  // ↓ goes to «Разное», → opens it on «Стыковки», Escape closes one level at a time and gives the
  // focus back to the level's button, Space opens again, Enter follows the link.
  const activeId = () => page.evaluate(() => document.activeElement?.id ?? '');
  const top = page.locator('#menu-admin');
  await top.focus();
  await page.keyboard.press('Enter');
  await page.locator('#menu-admin-list').waitFor();
  assert.equal(await top.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeId(), 'menu-misc', '↓ did not go to «Разное»');
  await page.keyboard.press('ArrowRight');
  assert.equal(await activeId(), 'menu-integrations', '→ did not open «Разное» on «Стыковки»');
  assert.equal(await page.locator('#menu-misc').getAttribute('aria-expanded'), 'true');
  await h.screenshot(page, 'admin-menu-keyboard', { fullPage: false });
  await checkA11y(page, 'меню «Администрирование → Разное» (клавиатура)');
  await page.keyboard.press('Escape');
  assert.equal(await activeId(), 'menu-misc', 'Escape did not go back to «Разное»');
  assert.equal(await page.locator('#menu-misc-list').isVisible(), false, 'Escape did not close «Разное»');
  await page.keyboard.press('Escape');
  assert.equal(await activeId(), 'menu-admin', 'Escape did not go back to «Администрирование»');
  assert.equal(await page.locator('#menu-admin-list').isVisible(), false, 'Escape did not close the menu');
  await page.keyboard.press('Space');
  await page.locator('#menu-admin-list').waitFor();
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  const card = page.locator(`section.plugin[data-plugin="${PLUGIN}"]`);
  await card.locator('.settings-form').waitFor();
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the Integrations page did not open at its top');
  assert.equal(await page.locator('#menu-admin-list').isVisible(), false, 'the menu stayed open after choosing a page');
  assert.equal(await page.locator('#menu-integrations').getAttribute('aria-current'), 'page');
  assert.equal(await page.locator('[data-nav="folio"]').getAttribute('aria-current'), null);
  await page.setViewportSize({ width: 1366, height: 900 });
  await page.locator('.mapping-section tr[data-kind="payment"] .badge', { hasText: /^сопоставлен$/ }).waitFor();
  const mapping = await host.api('GET', `${pluginPath}/payment-mapping`);
  const { type } = pickOnlineType(mapping.categories);
  assert.equal(await page.locator('.mapping-section tr[data-kind="payment"] select[data-role="type"]').inputValue(), String(type.id));
  assert.equal(await page.locator('#main [role="alert"]', { hasText: 'Недостаточно прав' }).count(), 0);
  await h.screenshot(page, 'admin-integrations');
  await checkA11y(page, 'Стыковки (администратор)');
  assert.deepEqual(problems, [], 'errors in the page');
});

test('admin: «Сотрудники» adds a front desk member, who signs in; disabling them signs them out', async (t) => {
  const { page, problems } = await openFolioAs(t, 'admin');
  await page.locator('#admin-menu').getByRole('button', { name: 'Администрирование' }).click();
  await page.locator('#admin-menu').getByRole('link', { name: 'Сотрудники' }).click();
  await page.locator('table.staff-table tr[data-login="frontdesk"]').waitFor();
  assert.deepEqual((await page.locator('#main nav.breadcrumbs li').allTextContents()).map((x) => x.trim()), ['Администрирование', 'Сотрудники']);
  await checkA11y(page, 'Сотрудники');
  const form = page.locator('form.staff-add');
  await form.getByLabel('Логин', { exact: true }).fill('olga');
  await form.getByLabel('Имя', { exact: true }).fill('Ольга Новикова');
  await form.getByLabel('Роль', { exact: true }).selectOption('front_desk');
  await form.getByLabel('Пароль', { exact: true }).fill('olga-pass-1');
  await form.getByRole('button', { name: 'Добавить сотрудника' }).click();
  const row = page.locator('table.staff-table tr[data-login="olga"]');
  await row.waitFor();
  assert.match(await row.textContent(), /Служба приёма.*активна/s);
  await h.screenshot(page, 'admin-staff');

  // Olga signs in in her own browser.
  const other = await h.launchBrowser();
  t.after(() => other.close().catch(() => {}));
  const olga = await other.newPage();
  await olga.goto(`${host.url}/#/folio/${BOOKING}`);
  await olga.locator('form#signin').waitFor();
  await olga.getByLabel('Логин', { exact: true }).fill('olga');
  await olga.getByLabel('Пароль', { exact: true }).fill('olga-pass-1');
  await olga.getByRole('button', { name: 'Войти', exact: true }).click();
  await olga.locator('#staff-name', { hasText: 'Ольга Новикова' }).waitFor();
  assert.equal(await olga.locator('#admin-menu').isVisible(), false, 'a front desk member sees the administration menu');

  // The admin disables her: her next request is refused and the page asks to sign in.
  await row.getByRole('button', { name: 'Отключить' }).click();
  await page.locator('table.staff-table tr[data-login="olga"]', { hasText: 'отключена' }).waitFor();
  const gone = await olga.evaluate(async () => {
    const started = Date.now();
    for (;;) {
      const res = await fetch('/api/session');
      if (res.status === 401 || Date.now() - started > 5000) return { status: res.status, ms: Date.now() - started };
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  assert.equal(gone.status, 401, 'the disabled member still has a session');
  t.diagnostic(`a disabled member lost the session ${gone.ms} ms after the admin's click answered`);
  // Her own account cannot be disabled by the admin herself.
  assert.equal(await page.locator('table.staff-table tr[data-login="admin"] button').isDisabled(), true);
  assert.deepEqual(problems, [], 'errors in the page');
});
