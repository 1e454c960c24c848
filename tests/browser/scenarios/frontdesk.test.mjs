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
  assertNoSecretIn, assertNoSecretInBrowser, assertNoSecretInResponses, signIn, watchPage, STAFF_PASSWORD,
} from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

// The one date-time format of the UI (issue 10, item 9): «05.12.2026 05:19», on the folio and in
// the dialog alike.
const DATE_TIME = /^\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}$/;

// Tab and Shift+Tab `times` times each: the focus never leaves `selector` (a modal dialog).
async function assertFocusTrapped(page, selector, times) {
  const inside = () => page.evaluate((s) => Boolean(document.activeElement?.closest(s)), selector);
  for (const key of ['Tab', 'Shift+Tab']) {
    for (let i = 0; i < times; ++i) {
      await page.keyboard.press(key);
      assert.ok(await inside(), `${key} #${i + 1} moved the focus out of ${selector} (to ${await page.evaluate(() => document.activeElement?.outerHTML?.slice(0, 120))})`);
    }
  }
}

// The dialog's buttons are not covered by anything (a toast, say): each one is what the page
// finds at its centre.
async function coveredButtons(page) {
  return page.evaluate(() => [...document.querySelectorAll('.modal-foot button')].filter((b) => {
    const r = b.getBoundingClientRect();
    const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
    return !b.contains(hit);
  }).map((b) => b.textContent));
}

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
  // VAT in words on the folio, never a code such as «VATNONE» (issue 10, item 5).
  const vatCells = await page.locator('#lines tbody td:nth-child(3)').allTextContents();
  assert.ok(vatCells.length > 0, 'no service lines');
  for (const v of vatCells) assert.match(v.trim(), /^(Без НДС|НДС \d+\s?%)$/, `the НДС column reads «${v}»`);
  assert.match(await accounts.textContent(), /ООО «ЙЕС-АРЕНДА»/);
  assert.match(await page.locator('#booking-number').textContent(), /471887/);
  await page.evaluate(() => { window.__sameDocument = true; });
  await h.screenshot(page, 'folio');
  await checkA11y(page, 'лицевой счёт');

  // ---- the plugin's dialog ----------------------------------------------------------------------
  const button = page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' });
  await button.click();
  const dialog = page.locator('.modal');
  await dialog.waitFor();
  await dialog.locator('.modal-foot [data-action="create"]').waitFor();
  await h.screenshot(page, 'dialog');
  await checkA11y(page, 'окно InvoiceBox');
  // Focus stays in the dialog: Tab and Shift+Tab cycle through its controls, never to the page
  // behind (issue 10, item 9).
  await assertFocusTrapped(page, '.modal', (await dialog.locator('button, a[href], input, select, textarea').count()) + 2);

  // A link with «Отправить пользователю».
  await dialog.locator('.modal-foot [data-action="create"]').click();
  const amount = dialog.locator('[data-field="amount"]');
  await amount.waitFor();
  // Too small an amount: the error stands next to the field, the amount with a no-break space;
  // correcting the amount removes it at once, before anything is sent (issue 10, item 4).
  await amount.fill('0');
  await dialog.locator('.modal-foot [data-action="submit_create"]').click();
  const amountError = dialog.locator('[data-error-for="amount"]');
  await amountError.filter({ hasText: /\S/ }).waitFor();
  assert.equal(await amountError.textContent(), 'Не меньше 0,01\u00a0₽');
  assert.equal(await amount.getAttribute('aria-invalid'), 'true');
  await h.screenshot(page, 'dialog-create-amount-error');
  await checkA11y(page, 'форма создания ссылки: ошибка в сумме');
  await amount.fill('15 500,00');
  assert.equal(await amountError.textContent(), '', 'the amount error stayed after the amount was corrected');
  assert.equal(await dialog.locator('.field.has-error').count(), 0, 'a field is still marked as wrong');
  const sendMail = dialog.locator('[data-field="send_mail"]');
  await sendMail.check();
  await h.screenshot(page, 'dialog-create');
  await checkA11y(page, 'форма создания ссылки');
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
  await checkA11y(page, 'окно InvoiceBox: ссылка создана');
  const createdAt = (await dialog.locator('table[data-table="links"] tbody tr[data-row] [data-col="created"]').first().textContent()).trim();
  assert.match(createdAt, DATE_TIME, `the dialog's date «${createdAt}»`);
  assert.equal(await dialog.locator('table[data-table="links"] thead th').last().textContent(), 'Действия', 'the actions column has no header');

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
  // «повторно» only where a mail went before (issue 10, item 5): the newest link was not mailed.
  assert.equal((await rows.nth(0).locator('[data-action="resend"]').textContent()).trim(), 'Отправить письмо');
  assert.equal((await rows.nth(1).locator('[data-action="resend"]').textContent()).trim(), 'Отправить письмо повторно');

  await dialog.locator('.view-value.kind-pay_url [data-action="copy-value"]').click();
  await page.locator('.toast', { hasText: 'Скопировано' }).last().waitFor();
  assert.deepEqual(await coveredButtons(page), [], 'a toast covers the dialog\'s buttons');
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

  // Cancelling a link asks in the UI's own dialog, never the browser's confirm() (issue 10,
  // item 9): labelled buttons, the focus kept in it, Escape answers «no» and leaves the links
  // dialog open.
  let browserDialogs = 0;
  page.on('dialog', (d) => { browserDialogs += 1; d.dismiss().catch(() => {}); });
  const statusOf = () => copyRow.locator('[data-col="status"]').textContent();
  const statusBefore = await statusOf();
  await copyRow.locator('[data-action="cancel"]').click();
  const ask = page.getByRole('alertdialog');
  await ask.waitFor();
  assert.match(await ask.textContent(), /Гость больше не сможет по ней заплатить/);
  const yes = ask.getByRole('button', { name: 'Да, отменить ссылку', exact: true });
  const no = ask.getByRole('button', { name: 'Нет', exact: true });
  assert.equal(await yes.count(), 1);
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.confirm), 'no', 'the safe answer has no focus');
  await assertFocusTrapped(page, '[role="alertdialog"]', 3);
  await h.screenshot(page, 'dialog-cancel-confirm');
  await checkA11y(page, 'подтверждение отмены ссылки');
  await page.keyboard.press('Escape');
  await ask.waitFor({ state: 'detached' });
  assert.equal(await dialog.isVisible(), true, 'Escape in the question closed the links dialog');
  assert.equal(await statusOf(), statusBefore, 'the link changed although the answer was no');
  await copyRow.locator('[data-action="cancel"]').click();
  await no.click();
  await ask.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.dataset?.action), 'cancel', 'the focus did not return to «Отменить ссылку»');
  await copyRow.locator('[data-action="cancel"]').click();
  await yes.click();
  await copyRow.locator('[data-col="status"]', { hasText: 'Отменён' }).waitFor({ timeout: 30000 });
  assert.equal(browserDialogs, 0, 'the browser\'s confirm() was used');

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
  // The module's own texts keep an amount on one line: no-break spaces, as the host's (issue 10).
  assert.match(await toast.textContent(), /15\u00a0500,00\u00a0₽/, 'the alert breaks the amount with plain spaces');
  const paymentRow = page.locator('#payments tbody tr[data-payment]');
  await paymentRow.first().waitFor({ timeout: 15000 });
  assert.match((await paymentRow.first().textContent()).replace(/\s/g, ' '), /15 500,00 ₽/);
  assert.match(await paymentRow.first().textContent(), /Онлайн-оплата/);
  // The payment names the order as the guest saw it on InvoiceBox's page, not the internal id.
  assert.match(await paymentRow.first().locator('td').nth(3).textContent(), /^Оплата по ссылке InvoiceBox, заказ №30682277$/);
  const postedAt = (await paymentRow.first().locator('td').first().textContent()).trim();
  assert.match(postedAt, DATE_TIME, `the folio's date «${postedAt}»`);
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
  // The focus is back on the button that opened the dialog.
  await eventually(() => page.evaluate(() => document.activeElement?.dataset?.plugin !== undefined && document.activeElement?.textContent.includes('InvoiceBox')),
    'the focus back on the InvoiceBox button', 5000);
  await h.screenshot(page, 'folio-paid');
  await checkA11y(page, 'лицевой счёт после оплаты');
  await page.locator('#bell').click();
  await page.locator('#notification-list li', { hasText: 'Получена оплата' }).first().waitFor();
  await page.locator('#bell-count').waitFor({ state: 'hidden' });
  await h.screenshot(page, 'notifications');
  await checkA11y(page, 'уведомления');

  assert.deepEqual(pageErrors, [], 'errors in the page');
  await assertNoSecretInBrowser(context);
  await assertNoSecretInResponses(responses);
  assertNoSecretIn('the live event stream', await events.stop());
});

// What the error places of the screen say (the connection banner, toasts, the dialog's alert,
// the page's alerts): Russian only — the product's name «PMS» aside, no Latin-script text such as
// the browser's «Failed to fetch».
async function errorTexts(page) {
  return page.evaluate(() => [...document.querySelectorAll('#connection, .toast, .modal-alert, #main [role="alert"], #main .notice, #live')]
    .filter((node) => node.getClientRects().length > 0).map((node) => node.innerText.trim()).filter(Boolean));
}
async function assertRussianErrors(page) {
  const texts = await errorTexts(page);
  for (const text of texts) assert.doesNotMatch(text.replace(/\bPMS\b/g, ''), /[A-Za-z]/, `Latin-script text in an error: «${text}»`);
  assert.doesNotMatch(await page.evaluate(() => document.body.innerText), /Failed to fetch|NetworkError|TypeError|Load failed/);
  return texts;
}

test('the host stops: «Нет связи с сервером PMS, повторяем…» in Russian, the folio stays, toasts close by themselves, the page recovers', async (t) => {
  const h = new Harness('frontdesk-offline');
  t.after(() => h.close());
  const sim = await startSimulator(h);
  const host = await startHost(h, { sim, configured: true });
  await finishSetupByApi(host);
  const context = await h.launchBrowser();
  const page = await context.newPage();
  const pageErrors = watchPage(page);
  const probes = [];
  page.on('request', (request) => { if (new URL(request.url()).pathname === '/api/health') probes.push(Date.now()); });

  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'front_desk');
  await page.locator('#accounts').waitFor();
  await page.locator('#live[data-status="online"]').waitFor();
  const button = page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' });
  await button.click();
  const dialog = page.locator('.modal');
  await dialog.locator('.modal-foot [data-action="create"]').waitFor();

  // The host goes away while the dialog is open.
  await host.process.stop();

  // The page notices by itself (the live stream breaks): the banner and «нет связи».
  const banner = page.locator('#connection');
  await banner.filter({ hasText: 'Нет связи с сервером PMS, повторяем…' }).waitFor({ timeout: 15000 });
  await page.locator('#live', { hasText: 'нет связи' }).waitFor();

  // An action in the dialog fails: said inside the dialog, in Russian; the dialog stays.
  await dialog.locator('.modal-foot [data-action="create"]').click();
  await dialog.locator('.modal-alert', { hasText: 'Нет связи с сервером PMS' }).waitFor();
  assert.deepEqual(await coveredButtons(page), [], 'something covers the dialog\'s buttons');
  await assertRussianErrors(page);
  await h.screenshot(page, 'offline-dialog');
  await checkA11y(page, 'нет связи: окно InvoiceBox');

  // Closing the dialog keeps the folio: no error page instead of it.
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });
  await page.waitForTimeout(1500); // the folio's refresh after the dialog fails meanwhile
  assert.equal(await page.locator('#accounts').isVisible(), true, 'closing the dialog wiped the folio');
  assert.match(await page.locator('#booking-number').textContent(), new RegExp(BOOKING));
  assert.equal(await page.locator('#main', { hasText: 'Не удалось загрузить страницу' }).count(), 0);

  // The module's button now: an error toast in Russian, with a close button, that closes by itself.
  await button.click();
  const toast = page.locator('.toast.level-error').first();
  await toast.waitFor();
  assert.equal(await toast.getByRole('button', { name: 'Закрыть уведомление' }).count(), 1, 'the error toast has no close button');
  const texts = await assertRussianErrors(page);
  t.diagnostic(`on screen: ${JSON.stringify(texts)}`);
  await h.screenshot(page, 'offline-folio');
  await checkA11y(page, 'нет связи: лицевой счёт');
  await toast.waitFor({ state: 'detached', timeout: 15000 });

  // The page keeps asking the host, less and less often.
  await eventually(() => probes.length >= 3, 'three probes of /api/health', 20000);
  const gaps = probes.slice(1).map((time, i) => time - probes[i]);
  assert.ok(gaps[1] > gaps[0] * 1.5, `the probes do not back off: ${gaps.join(', ')} ms apart`);
  assert.equal(await page.locator('#accounts').isVisible(), true, 'the folio went away while retrying');

  // The host is back (same address, same data): the page finds it by itself, the banner goes,
  // the live stream is on again, and the folio is still the one the user was on.
  const again = await h.startHost(['--listen', new URL(host.url).host, '--public-url', host.url],
                                  { dataDir: host.dataDir, env: { PMS_DEMO_PASSWORD: STAFF_PASSWORD } });
  t.diagnostic(`host restarted at ${again.url}`);
  await banner.waitFor({ state: 'hidden', timeout: 30000 });
  await page.locator('#live[data-status="online"]').waitFor({ timeout: 30000 });
  await page.locator('.toast', { hasText: 'Связь с сервером PMS восстановлена' }).waitFor();
  assert.match(await page.locator('#booking-number').textContent(), new RegExp(BOOKING));
  assert.equal(await page.locator('form#signin').count(), 0, 'the page asked to sign in again');
  await h.screenshot(page, 'offline-recovered');
  assert.deepEqual(pageErrors, [], 'errors in the page');
});
