// Smoke: the browser path works on this machine. Debian's chromium, driven by playwright-core,
// opens a page served on loopback, renders Cyrillic with a real font (not boxes), and a
// screenshot lands in the test output folder. Also checks that the harness tears its children
// down.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { Harness } from '../lib/harness.mjs';

const PAGE = `<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><title>Лицевой счёт</title>
<style>body { font-family: "DejaVu Sans", sans-serif; margin: 24px; }
h1 { font-size: 28px; } td, th { border: 1px solid #999; padding: 4px 8px; }</style></head>
<body>
<h1 id="title">Лицевой счёт — бронь №471887</h1>
<table><tr><th>№ счета</th><th>Юр.Лицо</th><th>Сальдо</th></tr>
<tr><td>1 ★</td><td>ООО «Суперотель»</td><td id="balance">67 680,00 ₽</td></tr>
<tr><td>2</td><td>ООО «ЙЕС-АРЕНДА»</td><td>0,00 ₽</td></tr></table>
<button id="pay" onclick="document.getElementById('state').textContent='Оплачен'">Оплатить счёт</button>
<p id="state">Ожидает оплаты</p>
</body></html>`;

function serve(h) {
  return new Promise((resolve) => {
    const server = http.createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(PAGE);
    });
    server.listen(0, '127.0.0.1', () => {
      h.defer(() => new Promise((r) => server.close(r)));
      resolve(`http://127.0.0.1:${server.address().port}/`);
    });
  });
}

test('chromium renders a Cyrillic page from loopback and screenshots it', async (t) => {
  const h = new Harness('smoke');
  t.after(() => h.close());

  const url = await serve(h);
  const context = await h.launchBrowser();
  const page = await context.newPage();
  await page.goto(url);

  assert.equal(await page.title(), 'Лицевой счёт');
  assert.equal(await page.locator('#balance').textContent(), '67 680,00 ₽');
  await page.locator('#pay').click();
  assert.equal(await page.locator('#state').textContent(), 'Оплачен');

  // Which platform font drew the Cyrillic text: without fonts-dejavu-core chromium falls back
  // to boxes, and this list would not name a real font with glyphs.
  const cdp = await context.newCDPSession(page);
  await cdp.send('DOM.enable');
  await cdp.send('CSS.enable');
  const { root } = await cdp.send('DOM.getDocument');
  const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: '#title' });
  const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
  assert.ok(fonts.some((f) => /DejaVu/i.test(f.familyName) && f.glyphCount > 10),
            `Cyrillic drawn with ${JSON.stringify(fonts)}; install fonts-dejavu-core`);

  const file = await h.screenshot(page, 'cyrillic');
  assert.ok(existsSync(file), file);
  assert.ok(statSync(file).size > 5000, `screenshot ${file} is suspiciously small`);
});

test('harness children run in their own group and are gone after close()', async () => {
  const h = new Harness('smoke-teardown');
  // A child that prints a URL-like first line, then starts a grandchild and sleeps.
  const child = await h.spawn('sleeper', process.execPath, ['-e', `
    const { spawn } = require('node:child_process');
    const g = spawn('sleep', ['600'], { stdio: 'ignore' });
    console.log('listening on http://127.0.0.1:1/ grandchild ' + g.pid);
    setInterval(() => {}, 1000);
  `]);
  const grandchild = Number(child.readyMatch[0].split(' ').pop());
  // A killed grandchild may linger as a zombie until init reaps it: that counts as gone.
  const alive = (pid) => {
    try { return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8')); } catch { return false; }
  };
  assert.ok(alive(child.pid) && alive(grandchild));
  await h.close();
  // The group kill reaches the grandchild too; give the kernel a moment to reap it.
  for (let i = 0; i < 50 && alive(grandchild); ++i) await new Promise((r) => setTimeout(r, 50));
  assert.ok(!alive(child.pid), 'child still running');
  assert.ok(!alive(grandchild), 'grandchild still running');
});

test('maildev starts on loopback and answers its API', async (t) => {
  const h = new Harness('smoke-maildev');
  t.after(() => h.close());
  const maildev = await h.startMailDev();
  assert.deepEqual(await maildev.emails(), []);
  assert.match(maildev.smtpUrl(), /^smtp:\/\/127\.0\.0\.1:\d+\?starttls=0$/);
});
