// Refunds and reconciliation as the accountant (issue 13), through the real host, plugin and
// simulator in Debian's chromium:
//  - two links on the main account are paid; the notification of the first arrives, the second's
//    is dropped on its way (the simulator holds every notification; the scenario delivers only the
//    first, signed as InvoiceBox signs it), and the poller is slowed so that it cannot help;
//  - the accountant refunds part of the first payment from the links dialog («Возврат»,
//    partial, a reason, the UI's own confirmation);
//  - «Финансы → Нераспределённые платежи → Сверка с InvoiceBox» posts what the PMS missed (the
//    dropped payment and the completed refund), reports it line by line, and its CSV downloads;
//  - the folio then shows each payment and the negative refund exactly once, and the balance.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createHmac } from 'node:crypto';
import { Harness } from '../lib/harness.mjs';
import {
  BOOKING, PLUGIN, PROPERTY, SHOP, simJson as sim, startSimulator, startHost, finishSetupByApi, signIn, watchPage, eventually,
} from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

const listOf = (doc) => (Array.isArray(doc) ? doc : doc.orders ?? doc.refunds ?? doc.notifications ?? doc.data ?? []);
const spaces = (s) => s.replace(/\s/g, ' ');

test('the accountant refunds part of a payment, and the reconciliation posts what the PMS missed', async (t) => {
  const h = new Harness('refunds');
  t.after(() => h.close());

  const simulator = await startSimulator(h);
  const host = await startHost(h, { sim: simulator, configured: true });
  const { category, type } = await finishSetupByApi(host);
  const p = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}`;
  // Refunds are posted with a kind of their own: the admin maps it as well.
  await host.api('PUT', `${p}/payment-mapping`, {
    mappings: [{ kind: 'payment', category_id: category.id, type_id: type.id },
      { kind: 'refund', category_id: category.id, type_id: type.id }],
  });
  // The poller would read InvoiceBox and post the dropped payment by itself: an hour apart.
  const settings = await host.api('GET', `${p}/settings`);
  await host.api('PUT', `${p}/settings`, { values: { ...settings.values, poll_interval_seconds: 3600 } });
  // Every notification is held at the simulator; the scenario delivers the ones that "arrive".
  await sim(simulator.url, 'POST', '/__sim/faults', { outOfOrder: { window: 1000 } });
  const mainAccount = (b) => b.accounts.find((a) => a.is_main);
  const booking = await host.api('GET', `/api/properties/${PROPERTY}/bookings/${BOOKING}`);
  const balanceBefore = mainAccount(booking).totals.balance_due_minor;

  const context = await h.launchBrowser({ acceptDownloads: true });
  const page = await context.newPage();
  const problems = watchPage(page);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'accountant');

  // ---- two links, both paid ---------------------------------------------------------------------
  const dialog = page.locator('.modal').first();
  await page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' }).click();
  for (const amount of ['1000', '500']) {
    await dialog.locator('.modal-foot [data-action="create"]').click();
    const field = dialog.locator('[data-field="amount"]');
    await field.waitFor();
    await field.fill(amount);
    const sendMail = dialog.locator('[data-field="send_mail"]');
    if (await sendMail.count()) await sendMail.uncheck();
    await dialog.locator('.modal-foot [data-action="submit_create"]').click();
    await dialog.locator('.notice', { hasText: 'Ссылка создана' }).waitFor({ timeout: 30000 });
  }
  const orders = listOf(await sim(simulator.url, 'GET', '/__sim/orders'));
  assert.equal(orders.length, 2, `two orders at the simulator: ${JSON.stringify(orders)}`);
  const first = orders.find((o) => Math.round(Number(o.amount) * 100) === 100000);
  const second = orders.find((o) => Math.round(Number(o.amount) * 100) === 50000);
  assert.ok(first && second, JSON.stringify(orders));
  for (const o of [first, second]) await sim(simulator.url, 'POST', `/__sim/orders/${o.id}/pay`, {});

  // The first payment's notification arrives; the second's never does.
  const held = await eventually(async () => {
    const n = listOf(await sim(simulator.url, 'GET', `/__sim/notifications?orderId=${first.id}`));
    return n.find((a) => a.orderStatus === 'completed' && a.body);
  }, 'the held notification of the first payment');
  const delivered = await fetch(held.url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Signature': createHmac('sha1', SHOP.apiKey).update(held.body).digest('hex') },
    body: held.body,
  });
  assert.equal(delivered.status, 200, await delivered.text());
  const firstRow = dialog.locator(`table[data-table="links"] tbody tr[data-row="${first.merchantOrderId}"]`);
  await firstRow.locator('[data-col="status"]', { hasText: 'Оплачен' }).waitFor({ timeout: 30000 });

  // ---- a partial refund from the dialog ----------------------------------------------------------
  await firstRow.locator('[data-action="refund"]').click();
  const mode = dialog.locator('[data-field="refund_mode"]');
  await mode.waitFor();
  await mode.selectOption('partial');
  const items = dialog.locator('[data-field^="item_"]');
  assert.ok(await items.count() >= 1, 'the refundable items are listed');
  for (let i = 0; i < await items.count(); i += 1) await items.nth(i).fill(i === 0 ? '250' : '0');
  await dialog.locator('[data-field="reason"]').fill('Гость отказался от ужина');
  await h.screenshot(page, 'refund-form');
  await checkA11y(page, 'форма возврата');
  await dialog.locator('[data-action="submit_refund"]').click();
  const ask = page.getByRole('alertdialog');
  await ask.waitFor();
  await ask.getByRole('button').filter({ hasNotText: /^Нет$|Отмена/ }).first().click();
  await dialog.locator('.notice', { hasText: /Возврат/ }).first().waitFor({ timeout: 30000 });
  // InvoiceBox completes the refund a few seconds later.
  await eventually(async () => listOf(await sim(simulator.url, 'GET', '/__sim/refunds'))
    .some((r) => r.parentId === first.id && r.status === 'completed'), 'the refund completed at the simulator', 30000);
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });

  // ---- «Сверка с InvoiceBox» on the accountant's page ---------------------------------------------
  await page.locator('#menu-finance').click();
  await page.locator('#menu-finance-list a', { hasText: 'Нераспределённые платежи' }).click();
  const view = page.locator('main .view-page');
  await view.locator('[data-action="open_reconciliation"]').click();
  await view.locator('[data-field="period"]').waitFor();
  await view.locator('[data-action="run_reconciliation"]').click();
  await view.locator('.notice', { hasText: 'Сверка выполнена' }).waitFor({ timeout: 60000 });
  const report = spaces(await view.textContent());
  assert.match(report, /Оплата проведена сверкой/, report);
  assert.ok(report.includes(second.id), `the dropped payment is a line of the report: ${report}`);
  assert.match(report, /Возврат проведён сверкой/, report);
  assert.match(report, /Расхождения\s*нет/, report);
  await h.screenshot(page, 'reconciliation');
  await checkA11y(page, 'сверка с InvoiceBox');

  // Its CSV, from the view's own text.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    view.locator('[data-download="reconciliation_csv"]').click(),
  ]);
  assert.match(download.suggestedFilename(), /^reconciliation-\d{4}-\d{2}-\d{2}\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  assert.ok(csv.startsWith('\uFEFF'), 'the CSV starts with a BOM');
  assert.ok(csv.includes(second.id), 'the CSV lists the dropped payment');
  assert.match(csv, /Оплата проведена сверкой;posted_now;/);

  // ---- the folio: each payment once, the refund negative, the balance ------------------------------
  const after = await eventually(async () => {
    const b = await host.api('GET', `/api/properties/${PROPERTY}/bookings/${BOOKING}`);
    const amounts = mainAccount(b).payments.map((x) => x.amount_minor).sort((x, y) => x - y);
    return amounts.length >= 3 ? { b, amounts } : null;
  }, 'three postings on the main account', 30000);
  assert.deepEqual(after.amounts, [-25000, 50000, 100000], `the account's payments: ${JSON.stringify(after.amounts)}`);
  assert.equal(mainAccount(after.b).totals.balance_due_minor, balanceBefore - 125000,
    'the balance due after 1 000 + 500 − 250 ₽');
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  const payments = page.locator('#payments tbody tr[data-payment]');
  await payments.nth(2).waitFor({ timeout: 15000 });
  assert.equal(await payments.count(), 3, 'the folio page lists three postings');
  assert.match(spaces(await page.locator('#payments').textContent()), /−\s?250,00|-250,00/);
  await h.screenshot(page, 'folio-after-refund');

  assert.deepEqual(problems, []);
});
