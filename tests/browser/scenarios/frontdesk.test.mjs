// Front desk, signed in through the sign-in page as «Служба приёма»: the folio of booking №471887, the plugin's «InvoiceBox» button, a link created
// with «Отправить пользователю» (the mail reaches the SMTP server with the link and the rendered
// template), a second one without it whose link is copied (clipboard, then the fallback), the
// guest pays on the simulator's page («Оплатить счёт»), and without a reload the folio shows the
// payment and the toast appears; «Обновить статус ссылок» shows «Оплачен». Neither the API token
// nor the key ever reaches the browser. Screenshots of the folio and the dialog.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { Harness } from '../lib/harness.mjs';
import {
  BOOKING, startSimulator, startHost, finishSetupByApi, recordResponses, tapEvents, eventually,
  assertNoSecretIn, assertNoSecretInBrowser, assertNoSecretInResponses, signIn, watchPage,
} from '../lib/pms.mjs';

// The text of a MIME message with quoted-printable / base64 parts decoded, for searching.
function decodeMime(raw) {
  let out = raw;
  const qp = raw.replace(/=\r?\n/g, '').replace(/(=[0-9A-F]{2})+/gi, (m) => {
    try { return Buffer.from(m.split('=').slice(1).map((x) => parseInt(x, 16))).toString('utf8'); } catch { return m; }
  });
  out += `\n${qp}`;
  for (const block of raw.split(/\r?\n\r?\n/)) {
    const compact = block.replace(/\s+/g, '');
    if (compact.length > 40 && /^[A-Za-z0-9+/=]+$/.test(compact)) out += `\n${Buffer.from(compact, 'base64').toString('utf8')}`;
  }
  return out;
}

test('front desk creates links, the guest pays, the folio shows it live', async (t) => {
  const h = new Harness('frontdesk');
  t.after(() => h.close());

  const maildev = await h.startMailDev();
  const sim = await startSimulator(h);
  const host = await startHost(h, { sim, configured: true, smtpUrl: maildev.smtpUrl() });
  await finishSetupByApi(host);
  if (!host.smtp) {
    t.diagnostic('pms-host has no SMTP option yet (pms-host --help names none): the mail is checked in the outbox folder instead of maildev');
  }
  const events = tapEvents(host);

  const context = await h.launchBrowser();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.url });
  const responses = recordResponses(context);
  const page = await context.newPage();
  const pageErrors = watchPage(page);

  // ---- the folio ------------------------------------------------------------------------------
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'front_desk');
  assert.equal(await page.locator('#admin-menu').isVisible(), false, 'the front desk sees the administration menu');
  const accounts = page.locator('#accounts');
  await accounts.waitFor();
  assert.deepEqual((await accounts.locator('thead th').allTextContents()).map((s) => s.trim()),
                   ['№ счета', 'Юр.Лицо', 'Назн.', 'Услуги', 'Платежи', 'Сальдо']);
  const mainRow = accounts.locator('tbody tr', { has: page.locator('.star') });
  assert.equal(await mainRow.count(), 1, 'exactly one account carries ★');
  assert.match(await mainRow.textContent(), /ООО «Суперотель»/);
  assert.equal((await mainRow.locator('[data-col=services]').textContent()).replace(/\s/g, ' '), '67 680,00 ₽');
  assert.match(await accounts.textContent(), /ООО «ЙЕС-АРЕНДА»/);
  assert.match(await page.locator('#booking-number').textContent(), /471887/);
  await page.evaluate(() => { window.__sameDocument = true; });
  await h.screenshot(page, 'folio');

  // ---- the plugin's dialog ----------------------------------------------------------------------
  const button = page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' });
  await button.click();
  const dialog = page.locator('.modal');
  await dialog.waitFor();
  await dialog.locator('.modal-foot [data-action="create"]').waitFor();
  await h.screenshot(page, 'dialog');

  // A link with «Отправить пользователю».
  await dialog.locator('.modal-foot [data-action="create"]').click();
  const amount = dialog.locator('[data-field="amount"]');
  await amount.waitFor();
  await amount.fill('15 500,00');
  const sendMail = dialog.locator('[data-field="send_mail"]');
  await sendMail.check();
  await h.screenshot(page, 'dialog-create');
  await dialog.locator('.modal-foot [data-action="submit_create"]').click();
  const payValue = dialog.locator('.view-value.kind-pay_url');
  await payValue.waitFor({ timeout: 30000 });
  const firstLink = await payValue.locator('a.value-link').getAttribute('href');
  assert.match(firstLink, /^http:\/\/127\.0\.0\.1:\d+\//, `pay URL ${firstLink}`);
  const qr = payValue.locator('img.qr');
  assert.equal(await qr.count(), 1, 'no QR code for the pay URL');
  assert.ok((await qr.getAttribute('src')).startsWith('/api/qr.svg?text='), 'the QR code is not the host\'s');
  const qrLoaded = await qr.evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false);
  if (!qrLoaded) t.diagnostic('the QR image did not load (GET /api/qr.svg missing in this pms-host?)');
  await dialog.locator('.notice', { hasText: 'Ссылка создана' }).waitFor();
  await h.screenshot(page, 'dialog-link-created');

  // The mail: at maildev over SMTP, or in the outbox when the host has no SMTP option.
  await t.test('the mail with the link and the rendered template reaches the guest', async (st) => {
    let text;
    if (host.smtp) {
      const [mail] = await maildev.waitForEmails(1, 20000);
      assert.equal(mail.to?.[0]?.address, 'ivan.petrov@example.com');
      text = `${mail.subject}\n${mail.text ?? ''}\n${mail.html ?? ''}`;
    } else {
      const outbox = path.join(host.dataDir, 'outbox');
      const file = await eventually(() => existsSync(outbox) && readdirSync(outbox).find((f) => f.endsWith('.eml')), 'a mail in the outbox');
      const raw = readFileSync(path.join(outbox, file), 'utf8');
      assert.match(raw, /ivan\.petrov@example\.com/);
      text = decodeMime(raw);
      st.diagnostic(`outbox mail ${file} (SMTP not available in pms-host)`);
    }
    assert.ok(text.includes(firstLink), `the mail lacks the link ${firstLink}`);
    assert.match(text, /Иван Петров/, 'the template was not rendered with the guest name');
    assert.match(text, /15\s500,00/, 'the template was not rendered with the amount');
    assert.doesNotMatch(text, /\{(guest_name|amount|link|expiry|folio|booking|hotel)\}/, 'a placeholder was left in the mail');
    assertNoSecretIn('the mail', text);
  });

  // A second link without the mail; copy it.
  await dialog.locator('.modal-foot [data-action="create"]').click();
  await amount.waitFor();
  await amount.fill('1000');
  await sendMail.uncheck();
  await dialog.locator('.modal-foot [data-action="submit_create"]').click();
  await dialog.locator('.notice', { hasText: 'Ссылка создана' }).waitFor({ timeout: 30000 });
  const secondLink = await dialog.locator('.view-value.kind-pay_url a.value-link').getAttribute('href');
  assert.notEqual(secondLink, firstLink);
  const rows = dialog.locator('table[data-table="links"] tbody tr[data-row]');
  assert.equal(await rows.count(), 2, 'the links table does not list both links');

  await dialog.locator('.view-value.kind-pay_url [data-action="copy-value"]').click();
  await page.locator('.toast', { hasText: 'Скопировано' }).last().waitFor();
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), secondLink);

  // The fallback where the clipboard API is missing (plain http on a LAN address).
  await page.evaluate(() => {
    Object.defineProperty(navigator, 'clipboard', { value: undefined, configurable: true });
    document.execCommand = () => false;
  });
  const copyRow = rows.filter({ hasText: secondLink.slice(-12) }).first();
  await copyRow.locator('[data-action="copy"]').click();
  const manual = dialog.locator('input.manual-copy');
  await manual.waitFor();
  assert.equal(await manual.inputValue(), secondLink);

  // ---- the guest pays the first link on the simulator's page --------------------------------------
  const guest = await context.newPage();
  await guest.goto(firstLink);
  await guest.getByRole('button', { name: 'Оплатить счёт' }).click();
  await guest.getByText('Оплата прошла успешно').waitFor();
  await h.screenshot(guest, 'simulator-paid');
  await guest.close();

  // Without a reload: the toast, the payment on the folio, the balance.
  await page.bringToFront();
  const toast = page.locator('.toast', { hasText: 'Получена оплата' }).first();
  await toast.waitFor({ timeout: 30000 });
  assert.match(await toast.textContent(), /15\s500,00/);
  const paymentRow = page.locator('#payments tbody tr[data-payment]');
  await paymentRow.first().waitFor({ timeout: 15000 });
  assert.match((await paymentRow.first().textContent()).replace(/\s/g, ' '), /15 500,00 ₽/);
  assert.match(await paymentRow.first().textContent(), /Онлайн-оплата/);
  assert.equal((await mainRow.locator('[data-col=balance]').textContent()).replace(/\s/g, ' '), '52 180,00 ₽');
  assert.equal(await page.evaluate(() => window.__sameDocument === true), true, 'the page was reloaded');
  assert.ok(Number(await page.locator('#bell-count').textContent()) >= 1, 'the bell shows no unread notification');

  // «Обновить статус ссылок»: the first link is «Оплачен».
  await dialog.locator('.modal-foot [data-action="refresh"]').click();
  await dialog.locator('.notice', { hasText: 'Статусы ссылок обновлены' }).waitFor({ timeout: 30000 });
  const paidRow = rows.filter({ hasText: firstLink.slice(-12) }).first();
  await paidRow.locator('[data-col="status"]', { hasText: 'Оплачен' }).waitFor();
  await h.screenshot(page, 'dialog-paid');

  // The folio after the payment, then the notification list (opening it marks it read).
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });
  await h.screenshot(page, 'folio-paid');
  await page.locator('#bell').click();
  await page.locator('#notification-list li', { hasText: 'Получена оплата' }).first().waitFor();
  await page.locator('#bell-count').waitFor({ state: 'hidden' });
  await h.screenshot(page, 'notifications');

  assert.deepEqual(pageErrors, [], 'errors in the page');
  await assertNoSecretInBrowser(context);
  await assertNoSecretInResponses(responses);
  assertNoSecretIn('the live event stream', await events.stop());
});
