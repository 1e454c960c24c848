// Issue 10, host side, at 1366×768 with the server tests' C fixture plugin (no InvoiceBox needed):
//  - the module card is never «Работает» before the plugin's connection check ("x-check",
//    plugin ABI 1.3) passed: «Не настроен» without the required settings, «Ошибка подключения: …»
//    after a failing check, «Работает» only after a passing one;
//  - the notification URL field ("x-prefill": "notification_url") is filled with this property's
//    URL, marked required and checked as the admin types;
//  - the settings page has one Save, sticky at the bottom and visible without scrolling, and
//    every page opens at its top;
//  - «Почта»: the sender of plugin mail defaults to the hotel's name and no-reply@ the public
//    host (never localhost), is validated as typed, and is saved.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Harness, requireEnv } from '../lib/harness.mjs';
import { PROPERTY, STAFF_PASSWORD, apiSession, signIn, watchPage, eventually } from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

const FIXTURE = 'test.pms.server-fixture';
const VIEWPORT = { width: 1366, height: 768 };
const PUBLIC_HOST = 'pms.grand-hotel.example';

const h = new Harness('screens');
let host;
before(async () => {
  const plugins = requireEnv('PMS_SERVER_FIXTURE_PLUGINS');
  if (!existsSync(path.join(plugins, 'server_fixture', 'plugin.json')))
    throw new Error(`the server fixture plugin is not built in ${plugins}: build pms_server_fixture_plugin`);
  // Not enabled at start: the admin enables it on the page, as a new hotel IT admin would.
  host = await h.startHost(['--seed-demo', '--plugins', plugins, '--public-url', `https://${PUBLIC_HOST}/`],
                           { env: { PMS_DEMO_PASSWORD: STAFF_PASSWORD } });
});
after(() => h.close());

async function adminPage(t, hash) {
  const context = await h.launchBrowser({ viewport: VIEWPORT });
  t.after(() => context.close().catch(() => {}));
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/${hash}`);
  await signIn(page, 'admin');
  return { page, problems };
}

test('the module card is not «Работает» before a successful check; the URL is prefilled', async (t) => {
  const { page, problems } = await adminPage(t, '#/admin/integrations');
  const card = page.locator(`section.plugin[data-plugin="${FIXTURE}"]`);
  await card.waitFor();
  const badge = card.locator('[data-module-state]');
  // Every state the badge passes through after enabling is recorded: none may be «Работает».
  await page.evaluate(() => {
    window.__moduleStates = [];
    new MutationObserver(() => {
      const b = document.querySelector('section.plugin [data-module-state]');
      if (b) window.__moduleStates.push(`${b.dataset.moduleState}|${b.textContent}`);
    }).observe(document.getElementById('main'), { subtree: true, childList: true, characterData: true });
  });
  await card.locator(`input[data-enable="${FIXTURE}"]`).check();
  await page.locator('.toast', { hasText: 'Модуль включён' }).waitFor();
  await card.locator('[data-module-state="not_configured"]').waitFor();
  assert.equal((await badge.textContent()).trim(), 'Не настроен');
  const seen = await page.evaluate(() => window.__moduleStates);
  assert.ok(seen.every((s) => !s.includes('Работает')), `«Работает» shown right after enabling: ${seen.join(', ')}`);
  await h.screenshot(page, 'module-not-configured');
  await checkA11y(page, 'Стыковки: модуль не настроен');

  // The notification URL: filled with the host's exact URL, required, checked while typing.
  const form = card.locator('.settings-form');
  const hook = form.locator('input[data-pointer="/hook_url"]');
  const admin = await apiSession(host.url, 'admin');
  const settings = await admin.call('GET', `/api/properties/${PROPERTY}/plugins/${FIXTURE}/settings`);
  assert.match(settings.notification_url, new RegExp(`^https://${PUBLIC_HOST.replace(/\./g, '\\.')}/hooks/`));
  assert.equal(await hook.inputValue(), settings.notification_url);
  assert.equal(await hook.getAttribute('aria-required'), 'true');
  assert.equal(await form.locator('.field[data-pointer="/hook_url"] .required').count(), 1, 'not marked required');
  await hook.fill('not a url');
  await form.locator('[data-error-for="/hook_url"]').filter({ hasText: /\S/ }).waitFor();
  await hook.fill(settings.notification_url);
  assert.equal(await form.locator('[data-error-for="/hook_url"]').textContent(), '', 'the error stayed after the fix');

  // A save without the token: the host checks by itself and the card says the check failed.
  const save = page.locator('[data-action="save-settings"]');
  await form.locator('input[data-pointer="/shop_id"]').fill('shop-1');
  await save.click();
  await page.locator('.toast', { hasText: 'Настройки сохранены' }).waitFor();
  await card.locator('[data-module-state="failed"]').waitFor({ timeout: 15000 });
  assert.match(await badge.textContent(), /^Ошибка подключения: /);
  assert.match(await card.locator('.module-state').textContent(), /проверено \d{2}\.\d{2}\.\d{4}/);
  assert.equal(await card.locator('[data-module-state="ok"]').count(), 0);

  // With the token the check passes: only now «Работает».
  await card.locator('input[data-pointer="/api_token"]').fill('fixture-token-123');
  await save.click();
  await card.locator('[data-module-state="ok"]').waitFor({ timeout: 15000 });
  assert.equal((await badge.textContent()).trim(), 'Работает');
  await h.screenshot(page, 'module-works');
  await checkA11y(page, 'Стыковки: модуль работает');
  assert.deepEqual(problems, []);
});

test('one sticky Save visible at 1366×768 without scrolling; every page opens at its top', async (t) => {
  const admin = await apiSession(host.url, 'admin');
  await admin.call('POST', `/api/properties/${PROPERTY}/plugins/${FIXTURE}/enable`, {});
  const { page, problems } = await adminPage(t, '#/admin/integrations');
  await page.locator(`section.plugin[data-plugin="${FIXTURE}"] .settings-form`).waitFor();
  // Make the page longer than the window whatever the plugin's form is, so "sticky" is tested.
  await page.evaluate(() => document.querySelector('section.plugin').style.minHeight = '2000px');

  const saves = page.locator('button', { hasText: /^Сохранить/ });
  assert.equal(await saves.count(), 1, 'more than one Save on the settings page');
  const visibleInWindow = async () => {
    const box = await saves.first().boundingBox();
    return box !== null && box.y >= 0 && box.y + box.height <= VIEWPORT.height;
  };
  assert.equal(await page.evaluate(() => window.scrollY), 0, 'the page did not open at its top');
  assert.ok(await visibleInWindow(), 'Save is not visible without scrolling');
  await page.evaluate(() => window.scrollTo(0, 700));
  assert.ok(await page.evaluate(() => window.scrollY) > 0);
  assert.ok(await visibleInWindow(), 'Save scrolled out of view');
  await h.screenshot(page, 'settings-sticky-save');

  // Another page opens at its top, and so does the way back.
  await page.evaluate(() => { location.hash = '#/admin/mail'; });
  await page.locator('form.mail-settings').waitFor();
  await eventually(async () => (await page.evaluate(() => window.scrollY)) === 0, 'the mail page opened scrolled');
  await page.evaluate(() => { document.body.style.minHeight = '3000px'; window.scrollTo(0, 900); });
  await page.evaluate(() => { location.hash = '#/admin/integrations'; });
  await page.locator(`section.plugin[data-plugin="${FIXTURE}"] .settings-form`).waitFor();
  await eventually(async () => (await page.evaluate(() => window.scrollY)) === 0, 'the settings page opened scrolled');
  assert.deepEqual(problems, []);
});

test('«Почта»: the sender defaults to the hotel, never localhost, and is validated and saved', async (t) => {
  const { page, problems } = await adminPage(t, '#/admin/mail');
  const form = page.locator('form.mail-settings');
  await form.waitFor();
  const property = await (await apiSession(host.url, 'admin')).call('GET', `/api/properties/${PROPERTY}`);
  const name = form.locator('input[name="sender_name"]');
  const address = form.locator('input[name="sender_address"]');
  assert.equal(await name.inputValue(), property.name);
  assert.equal(await address.inputValue(), `no-reply@${PUBLIC_HOST}`);
  assert.doesNotMatch(await address.inputValue(), /localhost/);
  assert.deepEqual((await page.locator('#main nav.breadcrumbs li').allTextContents()).map((x) => x.trim()),
                   ['Администрирование', 'Разное', 'Почта']);
  await checkA11y(page, 'Почта');

  await address.fill('booking@');
  await form.locator('#mail-address-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await address.getAttribute('aria-invalid'), 'true');
  await h.screenshot(page, 'mail-settings-error');
  await checkA11y(page, 'Почта: ошибка в поле');
  await address.fill('booking@grand-hotel.example');
  assert.equal(await form.locator('#mail-address-error').textContent(), '');
  await name.fill('Гранд Отель — бронирование');
  await form.locator('[data-action="save-mail"]').click();
  await page.locator('.toast', { hasText: 'Настройки почты сохранены' }).waitFor();
  const saved = await (await apiSession(host.url, 'admin')).call('GET', `/api/properties/${PROPERTY}/mail-settings`);
  assert.equal(saved.sender_address, 'booking@grand-hotel.example');
  assert.equal(saved.sender_name, 'Гранд Отель — бронирование');
  assert.equal(saved.effective.source, 'settings');
  assert.deepEqual(problems, []);
});
