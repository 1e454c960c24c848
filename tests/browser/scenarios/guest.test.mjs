// What the guest gets, and the links dialog at a laptop's 1366×768 (issue 10): the guest's mail
// is multipart with an HTML part that names the hotel (the property's name: the demo leaves
// «Название отеля» empty), has no doubled space and gives the expiry with its zone («(МСК)»); a
// screenshot of the HTML as maildev renders it goes to the test output. InvoiceBox's page has no
// way back while «Сайт отеля» is empty, and links back to that site once the admin set it. With
// five links the dialog shows at least four history rows without scrolling.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { Harness } from '../lib/harness.mjs';
import { BOOKING, PLUGIN, PROPERTY, startSimulator, startHost, finishSetupByApi, signIn, watchPage, eventually } from '../lib/pms.mjs';
import { checkA11y } from '../lib/axe.mjs';

// The demo property's name (host_stub/storage/src/demo_seed.cpp), in the Europe/Moscow zone.
const PROPERTY_NAME = 'Гранд Отель Суперотель';

// The hotel's own site, served here so that the way back can be followed, not just read.
async function startHotelSite(h) {
  const server = http.createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end('<!DOCTYPE html><html lang="ru"><head><title>Суперотель</title></head><body><h1>Сайт отеля Суперотель</h1></body></html>');
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  h.defer(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${server.address().port}/`;
}

// Creates a link for `amount` roubles in the open dialog, without a mail unless `mail`; resolves
// its pay URL.
async function createLink(dialog, amount, { mail = false } = {}) {
  await dialog.locator('.modal-foot [data-action="create"]').click();
  const field = dialog.locator('[data-field="amount"]');
  await field.waitFor();
  await field.fill(amount);
  const sendMail = dialog.locator('[data-field="send_mail"]');
  if (mail) await sendMail.check(); else await sendMail.uncheck();
  await dialog.locator('.modal-foot [data-action="submit_create"]').click();
  await dialog.locator('.notice', { hasText: 'Ссылка создана' }).waitFor({ timeout: 30000 });
  return dialog.locator('.view-value.kind-pay_url a.value-link').getAttribute('href');
}

// The guest pays on the simulator's page; resolves the result page (still open).
async function pay(context, url) {
  const guest = await context.newPage();
  await guest.goto(url);
  await guest.getByRole('button', { name: 'Оплатить счёт' }).click();
  await guest.getByText('Оплата прошла успешно').waitFor();
  return guest;
}

// Rows of the links table wholly inside the dialog's visible body and the window, with the body
// not scrolled: what staff see without scrolling.
async function rowsInView(page) {
  return page.evaluate(() => {
    const body = document.querySelector('.modal .modal-body');
    const box = body.getBoundingClientRect();
    const bottom = Math.min(box.bottom, window.innerHeight);
    const rows = [...document.querySelectorAll('.modal table[data-table="links"] tbody tr[data-row]')];
    return {
      scrolled: body.scrollTop,
      total: rows.length,
      visible: rows.filter((r) => { const b = r.getBoundingClientRect(); return b.top >= box.top - 0.5 && b.bottom <= bottom + 0.5; }).length,
      heights: rows.map((r) => Math.round(r.getBoundingClientRect().height)),
    };
  });
}

test('the guest mail names the hotel, the pay page leads back to its site, the dialog fits 1366×768', async (t) => {
  const h = new Harness('guest');
  t.after(() => h.close());

  const maildev = await h.startMailDev();
  const sim = await startSimulator(h);
  const host = await startHost(h, { sim, configured: true, smtpUrl: maildev.smtpUrl() });
  assert.ok(host.smtp, 'pms-host has no SMTP option: the mail cannot be checked at maildev');
  await finishSetupByApi(host);
  const site = await startHotelSite(h);

  const context = await h.launchBrowser({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  const pageErrors = watchPage(page);
  await page.goto(`${host.url}/#/folio/${BOOKING}`);
  await signIn(page, 'front_desk');
  await page.locator('#accounts').waitFor();
  const button = page.locator('#folio-toolbar button', { hasText: 'InvoiceBox' });
  await button.click();
  const dialog = page.locator('.modal');
  await dialog.locator('.modal-foot [data-action="create"]').waitFor();

  // ---- the guest's mail ----------------------------------------------------------------------
  const first = await createLink(dialog, '1500', { mail: true });
  const [mail] = await maildev.waitForEmails(1, 20000);
  assert.equal(mail.to?.[0]?.address, 'ivan.petrov@example.com');
  const text = mail.text ?? '';
  const html = mail.html ?? '';
  assert.ok(text.includes(first), 'the text part lacks the link');
  assert.ok(html.length > 0, 'the mail has no HTML part (not multipart/alternative)');
  assert.ok(text.includes(PROPERTY_NAME), `the text part does not name the hotel «${PROPERTY_NAME}»:\n${text}`);
  assert.ok(html.includes(PROPERTY_NAME), 'the HTML part does not name the hotel');
  assert.doesNotMatch(text, / {2}/, `a doubled space in the mail's text:\n${text}`);
  assert.doesNotMatch(text, /С уважением,\s*$/m, '«С уважением, » with nobody after it');
  assert.match(text, /до \d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(МСК\)/, `the expiry has no time zone:\n${text}`);
  assert.match(html, /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(МСК\)/, 'the HTML expiry has no time zone');
  assert.match(html, new RegExp(`<a href="${first.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}" style="display:inline-block;`),
               'the HTML part has no button-styled link');
  // The HTML as maildev renders it, for the test output.
  const mailPage = await context.newPage();
  await mailPage.goto(`${maildev.webUrl}/email/${mail.id}/html`);
  await mailPage.getByRole('heading', { name: PROPERTY_NAME }).waitFor();
  await h.screenshot(mailPage, 'mail-html');
  await mailPage.close();

  // ---- no «Сайт отеля» yet: InvoiceBox's page offers no way back ---------------------------------
  let guest = await pay(context, first);
  assert.equal(await guest.getByText('Вернуться в магазин').count(), 0, 'a way back although no hotel site is set');
  await guest.close();

  // ---- the admin sets «Сайт отеля»: the paid page links back to it ---------------------------------
  const settingsPath = `/api/properties/${PROPERTY}/plugins/${encodeURIComponent(PLUGIN)}/settings`;
  const current = await host.api('GET', settingsPath);
  await host.api('PUT', settingsPath, { values: { ...current.values, hotel_site_url: site } });
  const second = await createLink(dialog, '2000');
  guest = await pay(context, second);
  const back = guest.locator('#back');
  assert.equal(await back.getAttribute('href'), site, 'the way back does not lead to the hotel site');
  assert.equal(await back.textContent(), 'Вернуться в магазин');
  await h.screenshot(guest, 'simulator-paid-back-link');
  await back.click();
  await guest.getByRole('heading', { name: 'Сайт отеля Суперотель' }).waitFor();
  await guest.close();

  // ---- at 1366×768, with five links, four rows or more are in view --------------------------------
  await page.bringToFront();
  for (const amount of ['100', '200', '300']) await createLink(dialog, amount);
  await dialog.locator('.modal-close').click();
  await dialog.waitFor({ state: 'detached' });
  await button.click();
  await dialog.locator('.modal-foot [data-action="create"]').waitFor();
  await eventually(async () => (await rowsInView(page)).total === 5, 'five rows in the links table');
  const seen = await rowsInView(page);
  t.diagnostic(`links table at 1366×768: ${JSON.stringify(seen)}`);
  await h.screenshot(page, 'dialog-1366x768', { fullPage: false });
  assert.equal(seen.scrolled, 0, 'the dialog opened scrolled');
  assert.ok(seen.visible >= 4, `only ${seen.visible} of ${seen.total} link rows are visible without scrolling at 1366×768`);
  await checkA11y(page, 'окно InvoiceBox с пятью ссылками, 1366×768');

  assert.deepEqual(pageErrors, [], 'errors in the page');
});
