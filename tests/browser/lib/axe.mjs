// Accessibility checks with axe-core (npm, see the root package.json): runs axe on the page as it
// is now and fails on any violation of impact `serious` or `critical`, naming the rule, the help
// text and the elements. Scenarios call it on every screen and state they visit.
//
// The script is axe-core's own axe.min.js from node_modules (never a CDN). The PMS pages run
// under a strict Content-Security-Policy (script-src 'self', no inline scripts), which refuses a
// <script> tag with inline content, so page.addScriptTag() would be blocked (and reported by
// watchPage as a CSP violation). Instead the file's text is evaluated through the DevTools
// protocol (page.evaluate), which the page's CSP does not govern: the scenarios keep the real
// CSP, and axe runs in the page's own document.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { sourceDir } from './harness.mjs';

let axeSource = null;
function loadAxe() {
  if (axeSource) return axeSource;
  let file;
  try {
    file = createRequire(path.join(sourceDir, 'package.json')).resolve('axe-core/axe.min.js');
  } catch {
    throw new Error(`axe-core is not installed: run \`npm ci\` in ${sourceDir}`);
  }
  axeSource = readFileSync(file, 'utf8');
  return axeSource;
}

const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe-core on `page` and fails when it finds a serious or critical violation. `label` names
 * the screen in the failure message. Returns all violations (minor and moderate included) for
 * diagnostics.
 */
export async function checkA11y(page, label, { exclude = [] } = {}) {
  const loaded = await page.evaluate(() => typeof window.axe?.run === 'function');
  if (!loaded) await page.evaluate(loadAxe());
  // Let transitions and fetches that are under way settle.
  await page.waitForTimeout(50);
  const violations = await page.evaluate(async (excluded) => {
    const context = excluded.length ? { include: [document], exclude: excluded.map((s) => [s]) } : document;
    const result = await window.axe.run(context, {
      resultTypes: ['violations'],
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] },
    });
    return result.violations.map((v) => ({
      id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.map((n) => ({ target: n.target.join(' '), summary: n.failureSummary })),
    }));
  }, exclude);
  const blocking = violations.filter((v) => BLOCKING.has(v.impact));
  const describe = (list) => list.map((v) => `  [${v.impact}] ${v.id}: ${v.help}\n${v.nodes.slice(0, 5)
    .map((n) => `      ${n.target}\n        ${String(n.summary ?? '').replace(/\n/g, '\n        ')}`).join('\n')}`).join('\n');
  assert.equal(blocking.length, 0, `axe-core: serious or critical accessibility violations on «${label}»:\n${describe(blocking)}`);
  return violations;
}
