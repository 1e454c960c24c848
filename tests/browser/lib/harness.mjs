// The browser-test harness: starts what a scenario needs on 127.0.0.1 (invoicebox-sim,
// pms-host, maildev, Debian's chromium through playwright-core), writes screenshots to the test
// output folder, and tears everything down on success, failure and timeout.
//
// Every child runs in its own process group (so that a stop reaches its children too) and under
// `setpriv --pdeathsig SIGKILL` (so that it dies with this process even when ctest SIGKILLs us,
// which no 'exit' handler can catch). Nothing listens beyond loopback, and the browser is the
// system's /usr/bin/chromium: no browser is ever downloaded.
//
// Paths come from ctest (tests/browser/CMakeLists.txt) through the environment:
//   PMS_HOST_BIN, INVOICEBOX_SIM_BIN, PMS_PLUGINS_DIR, PMS_WEB_ROOT  the system under test
//   PMS_TEST_OUTPUT   screenshots and logs (default <source>/build/test-output/browser)
//   PMS_SOURCE_DIR    the source tree, for node_modules (default: found from this file)
//   PMS_CHROMIUM      the browser (default /usr/bin/chromium)
//   PMS_BROWSER_TEST_TIMEOUT_MS   the watchdog of one scenario file (default 120000)

import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, createWriteStream, accessSync, constants } from 'node:fs';
import { tmpdir } from 'node:os';
import net from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

export const sourceDir = process.env.PMS_SOURCE_DIR || path.resolve(here, '..', '..', '..');
export const outputDir = path.resolve(
  process.env.PMS_TEST_OUTPUT || path.join(sourceDir, 'build', 'test-output', 'browser'));

// The flags that make Debian's chromium work on a machine with a closed network (no Google
// lookups, no component updates) and as root (no sandbox).
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// ---------------------------------------------------------------------------------------------
// Process bookkeeping shared by every Harness in this process, so that the 'exit' and signal
// handlers can kill whatever is still running.

const liveGroups = new Set();

function killGroup(pid, signal) {
  try { process.kill(-pid, signal); } catch { /* already gone */ }
}

function killAllNow() {
  for (const pid of liveGroups) killGroup(pid, 'SIGKILL');
  liveGroups.clear();
}

process.on('exit', killAllNow);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    killAllNow();
    process.exit(128 + (signal === 'SIGINT' ? 2 : signal === 'SIGTERM' ? 15 : 1));
  });
}

// The watchdog: a scenario file that hangs (a browser that never answers, a child that never
// prints) is torn down and fails instead of holding ctest until its own timeout.
const watchdogMs = Number(process.env.PMS_BROWSER_TEST_TIMEOUT_MS || 120000);
const watchdog = setTimeout(() => {
  process.stderr.write(`harness: watchdog fired after ${watchdogMs} ms; killing children\n`);
  killAllNow();
  process.exit(124);
}, watchdogMs);
watchdog.unref();

// ---------------------------------------------------------------------------------------------

export function requireEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest ` +
                              `(tests/browser/CMakeLists.txt passes it when the target exists)`);
  return value;
}

function requireExecutable(file, what) {
  try {
    accessSync(file, constants.X_OK);
  } catch {
    throw new Error(`${what} not found or not executable: ${file}`);
  }
}

// A TCP port on 127.0.0.1 that was free a moment ago (for programs that need one on their
// command line; prefer port 0 where the program prints what it bound).
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// A started child. `lines` holds its stdout lines so far; waitForLine() waits for one matching.
class ChildHandle {
  constructor(name, child, logFile) {
    this.name = name;
    this.child = child;
    this.pid = child.pid;
    this.lines = [];
    this.exited = false;
    this.exitCode = null;
    this.waiters = [];
    const log = createWriteStream(logFile, { flags: 'a' });
    this.logFile = logFile;
    this.exitPromise = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        this.exited = true;
        this.exitCode = code ?? 128;
        this.exitSignal = signal;
        liveGroups.delete(this.pid);
        for (const w of this.waiters) w.check();
        resolve();
      });
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      log.write(`[stdout] ${line}\n`);
      this.lines.push(line);
      for (const w of this.waiters) w.check();
    });
    createInterface({ input: child.stderr }).on('line', (line) => log.write(`[stderr] ${line}\n`));
    child.on('exit', () => setTimeout(() => log.end(), 50));
  }

  // Resolves with the first stdout line matching `pattern` (a RegExp; null = any line), fails
  // when the child exits first or after `timeoutMs`.
  waitForLine(pattern, timeoutMs = 30000) {
    return new Promise((resolve, reject) => {
      let seen = 0;
      const waiter = {
        check: () => {
          for (; seen < this.lines.length; ++seen) {
            const line = this.lines[seen];
            const m = pattern ? line.match(pattern) : [line];
            if (m) return finish(null, m);
          }
          if (this.exited)
            finish(new Error(`${this.name} exited (code ${this.exitCode}, signal ` +
                             `${this.exitSignal}) before printing ${pattern}; see ${this.logFile}`));
        },
      };
      const timer = setTimeout(() => finish(new Error(
        `${this.name} printed no line matching ${pattern} in ${timeoutMs} ms; see ${this.logFile}`)),
        timeoutMs);
      const finish = (err, m) => {
        clearTimeout(timer);
        this.waiters = this.waiters.filter((w) => w !== waiter);
        if (err) reject(err); else resolve(m);
      };
      this.waiters.push(waiter);
      waiter.check();
    });
  }

  // SIGTERM to the group, SIGKILL after `graceMs`. Resolves when the child has exited.
  async stop(graceMs = 3000) {
    if (this.exited) return;
    killGroup(this.pid, 'SIGTERM');
    const timer = setTimeout(() => killGroup(this.pid, 'SIGKILL'), graceMs);
    await this.exitPromise;
    clearTimeout(timer);
    killGroup(this.pid, 'SIGKILL'); // anything left in the group
    liveGroups.delete(this.pid);
  }
}

// One scenario's resources. Create one per test and close() it in t.after() / finally.
export class Harness {
  constructor(name = 'scenario') {
    this.name = name.replace(/[^A-Za-z0-9._-]+/g, '-');
    this.cleanups = [];
    mkdirSync(outputDir, { recursive: true });
  }

  // A fresh temporary folder, removed by close().
  tempDir(prefix = 'pms-browser') {
    const dir = mkdtempSync(path.join(tmpdir(), `${prefix}-`));
    this.cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return dir;
  }

  // Starts `command` with `args` in its own process group, tied to this process's life, with
  // stdout/stderr logged to <output>/<scenario>.<name>.log. Resolves once it printed its first
  // stdout line (or the line matching `readyPattern`).
  async spawn(name, command, args = [], { env = {}, cwd, readyPattern = null, timeoutMs = 30000 } = {}) {
    const logFile = path.join(outputDir, `${this.name}.${name}.log`);
    const child = spawn('setpriv', ['--pdeathsig', 'SIGKILL', '--', command, ...args], {
      cwd,
      env: { ...process.env, ...env },
      detached: true, // setsid: its own process group
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    liveGroups.add(child.pid);
    const handle = new ChildHandle(name, child, logFile);
    this.cleanups.push(() => handle.stop());
    const m = await handle.waitForLine(readyPattern, timeoutMs);
    handle.readyMatch = m;
    return handle;
  }

  // invoicebox-sim on 127.0.0.1 with a free port; `args` adds e.g. --merchant-id/--token/
  // --api-key. Resolves { process, url } with the base URL it prints first.
  async startSimulator(args = [], options = {}) {
    const bin = requireEnv('INVOICEBOX_SIM_BIN');
    requireExecutable(bin, 'invoicebox-sim');
    const proc = await this.spawn('invoicebox-sim', bin, ['--listen', '127.0.0.1:0', ...args],
                                  { ...options, readyPattern: /^(https?:\/\/127\.0\.0\.1:\d+)\/?\S*$/ });
    return { process: proc, url: proc.readyMatch[1] };
  }

  // pms-host on 127.0.0.1 with a free port, a fresh data folder, the plugins and web root from
  // the build. `args` adds e.g. --seed-demo, --fake-clock, --enable, --setting. Resolves
  // { process, url, dataDir }.
  async startHost(args = [], options = {}) {
    const bin = requireEnv('PMS_HOST_BIN');
    requireExecutable(bin, 'pms-host');
    const dataDir = options.dataDir || this.tempDir('pms-host-data');
    const base = ['--listen', '127.0.0.1:0', '--data', dataDir];
    if (process.env.PMS_PLUGINS_DIR) base.push('--plugins', process.env.PMS_PLUGINS_DIR);
    if (process.env.PMS_WEB_ROOT) base.push('--web-root', process.env.PMS_WEB_ROOT);
    const proc = await this.spawn('pms-host', bin, [...base, ...args],
                                  { ...options, readyPattern: /^pms-host listening on (http:\/\/\S+)$/ });
    return { process: proc, url: proc.readyMatch[1].replace(/\/$/, ''), dataDir };
  }

  // maildev (npm) on 127.0.0.1: SMTP and web API on free ports. Resolves an object with
  // smtpPort, webUrl, smtpUrl(query) for the host's setting, emails() and waitForEmails(n).
  async startMailDev(extraArgs = []) {
    const bin = path.join(sourceDir, 'node_modules', '.bin', 'maildev');
    if (!existsSync(bin))
      throw new Error(`maildev is not installed (${bin} is missing): run \`npm ci\` in ${sourceDir}`);
    const smtpPort = await freePort();
    let webPort = await freePort();
    while (webPort === smtpPort) webPort = await freePort();
    const mailDir = this.tempDir('pms-maildev');
    const proc = await this.spawn('maildev', bin, [
      '--smtp', String(smtpPort), '--web', String(webPort), '--ip', '127.0.0.1',
      '--web-ip', '127.0.0.1', '--mail-directory', mailDir, ...extraArgs,
    ], { cwd: sourceDir, readyPattern: /webapp running/ });
    await proc.waitForLine(/SMTP Server running/, 30000);
    const webUrl = `http://127.0.0.1:${webPort}`;
    const emails = async () => {
      const res = await fetch(`${webUrl}/email`);
      if (!res.ok) throw new Error(`maildev GET /email: HTTP ${res.status}`);
      return res.json();
    };
    for (let i = 0; ; ++i) { // the API answers a moment after the line
      try { await emails(); break; } catch (e) { if (i > 100) throw e; await sleep(100); }
    }
    return {
      process: proc,
      smtpPort,
      webUrl,
      smtpUrl: (query = 'starttls=0') => `smtp://127.0.0.1:${smtpPort}?${query}`,
      emails,
      async waitForEmails(count, timeoutMs = 15000) {
        const deadline = Date.now() + timeoutMs;
        for (;;) {
          const list = await emails();
          if (list.length >= count) return list;
          if (Date.now() > deadline)
            throw new Error(`maildev received ${list.length} of ${count} mails in ${timeoutMs} ms`);
          await sleep(100);
        }
      },
    };
  }

  // Debian's chromium through playwright-core, headless, with CHROMIUM_FLAGS and a fresh
  // user-data-dir (removed by close()). Resolves a playwright BrowserContext.
  async launchBrowser(contextOptions = {}) {
    const executablePath = process.env.PMS_CHROMIUM || '/usr/bin/chromium';
    requireExecutable(executablePath, 'chromium (apt-get install chromium)');
    const { chromium } = await import('playwright-core').catch(() => {
      throw new Error(`playwright-core is not installed: run \`npm ci\` in ${sourceDir}`);
    });
    const userDataDir = this.tempDir('pms-chromium-profile');
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath,
      headless: true,
      chromiumSandbox: false,
      args: CHROMIUM_FLAGS,
      locale: 'ru-RU',
      timezoneId: 'Europe/Moscow',
      viewport: { width: 1366, height: 900 },
      timeout: 30000,
      ...contextOptions,
    });
    // Closed before the temp dir is removed (cleanups run in reverse order).
    this.cleanups.push(() => context.close().catch(() => {}));
    return context;
  }

  // Writes a PNG of `page` to <output>/<scenario>-<name>.png; returns its path.
  async screenshot(page, name, options = {}) {
    const file = path.join(outputDir, `${this.name}-${name.replace(/[^A-Za-z0-9._-]+/g, '-')}.png`);
    await page.screenshot({ path: file, fullPage: true, ...options });
    return file;
  }

  // Registers a cleanup (e.g. closing a server the scenario started itself).
  defer(fn) {
    this.cleanups.push(fn);
  }

  // Runs every cleanup, last registered first; never throws (failures are printed).
  async close() {
    while (this.cleanups.length) {
      const fn = this.cleanups.pop();
      try {
        await fn();
      } catch (e) {
        process.stderr.write(`harness: cleanup failed: ${e?.stack || e}\n`);
      }
    }
  }
}

// Runs `fn(harness)` and closes the harness whatever happens.
export async function withHarness(name, fn) {
  const h = new Harness(name);
  try {
    return await fn(h);
  } finally {
    await h.close();
  }
}
