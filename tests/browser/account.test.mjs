// SPDX-License-Identifier: Apache-2.0
// Browser tests of account self-service, run by tests/cli/account_browser.sh
// (which passes MM_BASE and MM_PW): an administrator sets a one-time
// password from the users page; its owner can do nothing but change it;
// after the change everything works. Each step asserts what a person sees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
assert.ok(BASE && PW, 'MM_BASE and MM_PW are required');
const OTP = 'one time passphrase 77';
const NEW = 'kim chose this herself';

const profile = mkdtempSync(join(process.env.MM_TEST_TMP || tmpdir(), 'chromium-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: process.env.MM_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  ignoreHTTPSErrors: true, // the self-signed certificate `mamori init` made
  viewport: { width: 1280, height: 800 },
  locale: 'ja-JP',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
ctx.setDefaultTimeout(15000);
const page = ctx.pages()[0] || await ctx.newPage();
const problems = [];
page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
page.on('pageerror', (e) => problems.push(String(e)));

let passed = 0;
async function step(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok - ${name}`);
  } catch (e) {
    console.log(`not ok - ${name}`);
    await page.screenshot({ path: join(process.env.MM_TEST_TMP || tmpdir(), 'account-failure.png') }).catch(() => {});
    throw e;
  }
}

async function login(user, password, totp) {
  await page.goto(`${BASE}/`);
  await page.locator('#login-form').waitFor();
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(password);
  if (totp) await page.locator('#login-totp').fill(totp);
  await page.locator('#login-password').press('Enter');
}

async function logout() {
  await page.locator('#logout').click();
  await page.locator('#login-form').waitFor();
}

const text = async (sel) => (await page.locator(sel).textContent()).trim();

try {
  await step('both message catalogues hold every message the account pages ask for', async () => {
    const get = async (p) => (await ctx.request.get(`${BASE}${p}`)).text();
    const ja = JSON.parse(await get('/i18n/ja.json'));
    const en = JSON.parse(await get('/i18n/en.json'));
    assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
    for (const f of ['/js/account.js', '/js/app.js']) {
      for (const m of (await get(f)).matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)) assert.ok(m[1] in ja, `${f}: ${m[1]}`);
    }
  });

  await step('an administrator sets a one-time password on the users page, by keyboard', async () => {
    await login('boss', PW);
    await page.locator('#who').filter({ hasText: 'boss' }).waitFor();
    await page.goto(`${BASE}/#/users`);
    await page.locator('#reset-form').waitFor();
    // the administrator's own account is not offered
    const offered = await page.locator('#reset-user option').allTextContents();
    assert.deepEqual(offered.sort(), ['kim', 'tom']);
    await page.locator('#reset-user').selectOption('kim');
    await page.locator('#reset-password').focus();
    await page.keyboard.type('too short');
    await page.keyboard.press('Enter'); // the browser's own check (minlength) keeps it
    assert.equal(await page.locator('#reset-password').evaluate((el) => el.validity.valid), false);
    await page.locator('#reset-password').fill(OTP);
    await page.keyboard.press('Enter');
    await page.locator('#notice').filter({ hasText: 'kim の一時パスワードを設定しました' }).waitFor();
    const row = page.locator('#users tr', { hasText: 'kim' });
    await row.filter({ hasText: 'パスワード変更待ち' }).waitFor();
    assert.ok(!(await page.content()).includes(OTP), 'the password is shown after it was set');
    await logout();
  });

  await step('with the one-time password only the password page is open', async () => {
    await login('kim', OTP);
    await page.locator('#must-change').waitFor();
    assert.ok((await text('#must-change')).includes('一時パスワード'));
    assert.deepEqual(await page.locator('#nav a').allTextContents(), ['パスワード変更']);
    await page.goto(`${BASE}/#/kind/site`);
    await page.locator('#must-change').waitFor();
    const st = await page.evaluate(async () => (await fetch('/api/v1/records/site')).status);
    assert.equal(st, 403);
  });

  await step('changing it opens everything', async () => {
    await page.locator('#pw-current').fill(OTP);
    await page.locator('#pw-new').fill(NEW);
    await page.locator('#pw-new').press('Enter');
    await page.locator('#notice').filter({ hasText: 'パスワードを変更しました' }).waitFor();
    await page.locator('.grid .card').first().waitFor();
    assert.ok((await page.locator('#nav a').count()) > 2);
    await logout();
    await login('kim', NEW);
    await page.locator('.grid .card').first().waitFor();
    assert.equal(await page.locator('#must-change').count(), 0);
    await logout();
  });

  await step('no script errors and no CSP violations', async () => {
    assert.deepEqual(problems.filter((p) => !p.includes('401') && !p.includes('403') && !p.includes('400')), []);
  });
  console.log(`account: ${passed} steps passed`);
} finally {
  await ctx.close();
  rmSync(profile, { recursive: true, force: true });
}
