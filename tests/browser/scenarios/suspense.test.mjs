// «Финансы → Нераспределённые платежи» as the accountant (issue 9): a payment whose amount differs
// from its link's is held back, appears on the plugin's page, and the accountant posts it to a
// chosen account with a comment. Afterwards the folio shows the payment once, the staff
// notification list has the alert once, and the link's history shows the staff posting once.
//
// How the wrong amount is produced: the guest pays the link on the simulator, whose notification
// is held back (the simulator's "outOfOrder" fault with a window nobody fills), and the scenario
// delivers that notification itself with a different amount, signed with the shop's key as
// InvoiceBox would (HMAC-SHA1, X-Signature). The poller is slowed to its maximum so that it does
// not post the simulator's (right) amount behind the test's back.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { Harness } from '../lib/harness.mjs';
import {
  BOOKING, PLUGIN, PROPERTY, SHOP, simJson as sim, startSimulator, startHost, finishSetupByApi, signIn, watchPage, eventually,
} from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

const LINK_AMOUNT = '1000';   // what the link asks, ₽
const PAID_MINOR = 123450;    // what the (tampered) notification says the guest paid: 1 234,50 ₽
const PAID_TEXT = /1\s234,50\s₽/;

// Every object in `value` (depth first) for which `pred` holds.
function findAll(value, pred, out = []) {
  if (Array.isArray(value)) value.forEach((v) => findAll(v, pred, out));
  else if (value && typeof value === 'object') {
    if (pred(value)) out.push(value);
    Object.values(value).forEach((v) => findAll(v, pred, out));
  }
  return out;
}

test('the accountant posts a wrong-amount payment from «Нераспределённые платежи» exactly once', async (t) => {
  const h = new Harness('suspense');
  t.after(() => h.close());

  const simulator = await startSimulator(h);
  const host = await startHost(h, { sim: simulator, configured: true });
  await finishSetupByApi(host);
  // The poller would read the simulator's (right) amount and settle the entry by itself.
  const settingsPath = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}/settings`;
  const settings = await host.api('GET', settingsPath);
  await host.api('PUT', settingsPath, { values: { ...settings.values, poll_interval_seconds: 3600 } });
  // Notifications are held by the simulator until 1000 wait: none reaches the host by itself.
  await sim(simulator.url, 'POST', '/__sim/faults', { outOfOrder: { window: 1000 } });

  const context = await h.launchBrowser();
  const page = await context.newPage();
  const problems = watchPage(page);

  // ---- a link on the main account (the accountant may create links too) ------------------------
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'accountant');
  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).click();
  const dialog = page.locator('.modal');
  await dialog.locator('.modal-foot [data-action="create"]').click();
  const amount = dialog.locator('[data-field="amount"]');
  await amount.waitFor();
  await amount.fill(LINK_AMOUNT);
  const sendMail = dialog.locator('[data-field="send_mail"]');
  if (await sendMail.count()) await sendMail.uncheck();
  await dialog.locator('.modal-foot [data-action="submit_create"]').click();
  await dialog.locator('.notice', { hasText: 'Ссылка создана' }).waitFor({ timeout: 30000 });
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });

  const orders = await sim(simulator.url, 'GET', '/__sim/orders');
  const list = Array.isArray(orders) ? orders : orders.orders ?? orders.data ?? [];
  assert.equal(list.length, 1, `one order at the simulator: ${JSON.stringify(orders)}`);
  const orderId = list[0].id;

  // The accountant opens «Финансы → Нераспределённые платежи»: nothing held yet.
  await page.locator('#menu-finance').click();
  await page.locator('#menu-finance-list a', { hasText: 'Нераспределённые платежи' }).click();
  const view = page.locator('main .view-page');
  await view.locator('h1', { hasText: 'Нераспределённые платежи' }).waitFor();
  assert.equal(await view.locator(`tr[data-row="${orderId}"]`).count(), 0);
  await page.evaluate(() => { window.__samePage = true; });

  // ---- the guest pays; the notification arrives with another amount ----------------------------
  await sim(simulator.url, 'POST', `/__sim/orders/${orderId}/pay`, {});
  const held = await eventually(async () => {
    const n = await sim(simulator.url, 'GET', `/__sim/notifications?orderId=${orderId}`);
    const attempts = Array.isArray(n) ? n : n.notifications ?? n.data ?? [];
    return attempts.find((a) => a.orderStatus === 'completed' && a.body);
  }, 'the held «completed» notification at the simulator');
  const doc = JSON.parse(held.body);
  assert.ok(typeof doc.amount === 'number', `a notification amount: ${held.body}`);
  doc.amount = PAID_MINOR / 100;
  const body = JSON.stringify(doc);
  const delivered = await fetch(held.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Signature': createHmac('sha1', SHOP.apiKey).update(body).digest('hex') },
    body,
  });
  const answer = await delivered.text();
  assert.equal(delivered.status, 200, answer);
  assert.match(answer, /order_wrong_amount/, 'the plugin answers a wrong amount with the documented code');

  // ---- «Финансы → Нераспределённые платежи» ------------------------------------------------------
  // The page is already open when the payment arrives: the plugin pushes the new list into it.
  const row = view.locator(`tr[data-row="${orderId}"]`);
  await row.waitFor({ timeout: 15000 });
  assert.equal(await page.evaluate(() => window.__samePage === true), true, 'the page was reloaded');
  assert.match(await row.textContent(), /сумма не совпадает/);
  assert.match((await row.textContent()).replace(/\s/g, ' '), PAID_TEXT);
  await h.screenshot(page, 'suspense-list');
  await checkA11y(page, 'нераспределённые платежи');

  // «Провести на счёт…»: the account is chosen (typed; the folio is read and checked), the amount
  // is what the guest paid, a comment is required.
  await row.locator('[data-action="post"]').click();
  const folioField = view.locator('[data-field="folio_id"]');
  await folioField.waitFor();
  const account = (await folioField.inputValue()).trim();
  assert.ok(account, 'the account is prefilled with the link\'s');
  await folioField.fill('NO-SUCH-ACCOUNT');
  await view.locator('[data-field="comment"]').fill('гость доплатил за завтрак на месте');
  await view.locator('[data-action="submit_post"]').click();
  await view.locator('[data-error-for="folio_id"]', { hasText: 'не найден' }).waitFor();
  await checkA11y(page, 'нераспределённые платежи: ошибка в счёте');
  await folioField.fill(account);
  await view.locator('[data-action="submit_post"]').click();
  await view.locator('.notice', { hasText: `Платёж проведён на счёт ${account}` }).waitFor({ timeout: 30000 });
  assert.equal(await view.locator(`tr[data-row="${orderId}"]`).count(), 0, 'the posted payment left the list');
  await h.screenshot(page, 'suspense-posted');

  // ---- exactly once: the folio, the alert, the history -------------------------------------------
  const booking = await host.api('GET', `/api/properties/${PROPERTY}/bookings/${BOOKING}`);
  const payments = findAll(booking, (o) => o.amount_minor === PAID_MINOR && ('posting_id' in o || 'idempotency_key' in o || 'direction' in o));
  assert.equal(payments.length, 1, `the folio shows the payment once: ${JSON.stringify(payments)}`);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  const paymentRows = page.locator('#payments tbody tr[data-payment]').filter({ hasText: /1\s234,50/ });
  await paymentRows.first().waitFor({ timeout: 15000 });
  assert.equal(await paymentRows.count(), 1, 'the folio page lists the payment once');

  const notes = await host.api('GET', `/api/properties/${PROPERTY}/notifications?limit=100`);
  const alerts = findAll(notes, (o) => typeof o.title === 'string' && o.title === 'Оплата InvoiceBox не разнесена');
  assert.equal(alerts.length, 1, `one staff alert for the unposted payment: ${JSON.stringify(notes)}`);

  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).click();
  const linkRow = dialog.locator('table[data-table="links"] tbody tr[data-row]').first();
  await linkRow.waitFor();
  await linkRow.locator('[data-action="history"]').click();
  await eventually(async () => /проведена сотрудником/.test(await dialog.textContent()), 'the history of the link');
  const history = (await dialog.textContent()).replace(/\s+/g, ' ');
  const once = (what) => assert.equal(history.split(what).length - 1, 1, `«${what}» once in the history: ${history}`);
  once('Оплата не проведена: сумма оплаты 1 234,50 ₽');
  once(`Неразнесённая оплата проведена сотрудником в счёт ${account}`);
  once('гость доплатил за завтрак на месте');
  assert.match(history, /\(accountant\)\s*Неразнесённая оплата проведена сотрудником/, 'the history names the accountant who posted it');
  await h.screenshot(page, 'link-history');

  assert.deepEqual(problems, []);
});
