// Runs browser scenarios (*.test.mjs) with node's built-in test runner and exits non-zero when
// any fails. Usage: node run.mjs [file-or-folder ...]   (default: ./scenarios)
// Each file runs in its own node process (node:test's isolation), one at a time: the machine
// has two cores and each scenario starts a browser and servers.

import { run } from 'node:test';
import { spec } from 'node:test/reporters';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

function collect(target, out) {
  const st = statSync(target);
  if (st.isDirectory()) {
    for (const name of readdirSync(target).sort()) collect(path.join(target, name), out);
  } else if (target.endsWith('.test.mjs')) {
    out.push(target);
  }
}

const targets = process.argv.slice(2);
const files = [];
for (const t of targets.length ? targets : [path.join(here, 'scenarios')]) collect(path.resolve(t), files);
if (files.length === 0) {
  console.error('run.mjs: no *.test.mjs scenario found');
  process.exit(2);
}

let failed = 0;
let passed = 0;
const stream = run({
  files,
  concurrency: 1,
  timeout: Number(process.env.PMS_BROWSER_TEST_TIMEOUT_MS || 120000) + 10000,
});
stream.on('test:fail', (event) => {
  // Count the tests themselves, not the file-level wrappers node:test adds.
  if (event.details?.type !== 'suite') failed += 1;
});
stream.on('test:pass', () => { passed += 1; });
stream.compose(new spec()).pipe(process.stdout);
stream.on('end', () => {
  if (failed > 0) {
    console.error(`browser tests: ${failed} failed`);
    process.exitCode = 1;
  } else if (passed === 0) {
    console.error('browser tests: nothing passed');
    process.exitCode = 1;
  }
});
