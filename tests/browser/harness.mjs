// SPDX-License-Identifier: Apache-2.0
// What every browser test shares: Debian's Chromium driven by playwright-core in a
// throw-away profile (the self-signed certificate `mamori init` made is accepted;
// Japanese locale), the script errors and CSP violations the page reports, and
// named steps that print TAP-style lines and keep a screenshot of a failing one.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

export const TMP = process.env.MM_TEST_TMP || tmpdir();

// name: the test's name (the screenshot is TMP/<name>-failure.png).
// options: Playwright context options over the defaults, and
//   ignoreConsole: a RegExp of console errors that are expected (not collected),
//   timeout: the default timeout of every action, in ms (15,000).
export async function launch(name, options = {}) {
  const { ignoreConsole, timeout = 15000, ...context } = options;
  const profile = mkdtempSync(join(TMP, 'chromium-'));
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.MM_CHROMIUM || '/usr/bin/chromium',
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 800 },
    locale: 'ja-JP',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ...context,
  });
  ctx.setDefaultTimeout(timeout);
  const page = ctx.pages()[0] || await ctx.newPage();
  const problems = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !(ignoreConsole && ignoreConsole.test(m.text()))) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(String(e)));
  let passed = 0;
  return {
    ctx,
    page,
    problems,
    // Waits until fn(arg), run in the page, is true. Not page.waitForFunction: when its
    // predicate is not true at once it polls by evaluating a string, which the UI's CSP
    // (script-src 'self') refuses.
    async waitUntil(fn, arg, ms = timeout) {
      const end = Date.now() + ms;
      for (;;) {
        if (await page.evaluate(fn, arg)) return;
        if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${fn}`);
        await page.waitForTimeout(100);
      }
    },
    passed: () => passed,
    async step(label, fn) {
      try {
        await fn();
        passed++;
        console.log(`ok - ${label}`);
      } catch (e) {
        console.log(`not ok - ${label}`);
        await page.screenshot({ path: join(TMP, `${name}-failure.png`), fullPage: true }).catch(() => {});
        throw e;
      }
    },
    async close() {
      await ctx.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
