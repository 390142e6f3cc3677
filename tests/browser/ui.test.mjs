// SPDX-License-Identifier: Apache-2.0
// Browser tests of the web UI: Playwright (playwright-core) drives Debian's
// Chromium, headless, against a running `mamori serve` (started by
// tests/cli/serve_browser.sh, which passes MM_BASE, MM_PW and MM_IDLE).
// Each step asserts what a person would see.
import assert from 'node:assert/strict';
import { launch } from './harness.mjs';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
const IDLE = Number(process.env.MM_IDLE || '4');
assert.ok(BASE && PW, 'MM_BASE and MM_PW are required');

const { ctx, page, problems, step, passed, close, waitUntil } = await launch('ui');

async function login(user) {
  await page.goto(`${BASE}/`);
  await page.locator('#login-user').fill(user);
  // keyboard only: Tab to the password, Enter submits
  await page.keyboard.press('Tab');
  await page.keyboard.type(PW);
  await page.keyboard.press('Enter');
  await page.locator('#who').filter({ hasText: user }).waitFor();
}

async function logout() {
  await page.locator('#logout').click();
  await page.locator('#login-form').waitFor();
}

const text = async (sel) => (await page.locator(sel).textContent()).trim();

try {
  await step('both message catalogues hold every message the UI asks for', async () => {
    const get = async (p) => (await ctx.request.get(`${BASE}${p}`)).text();
    const ja = JSON.parse(await get('/i18n/ja.json'));
    const en = JSON.parse(await get('/i18n/en.json'));
    assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
    for (const f of ['/js/app.js', '/js/form.js']) {
      for (const m of (await get(f)).matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)) assert.ok(m[1] in ja, `${f}: ${m[1]}`);
    }
  });

  await step('login page is Japanese by default and refuses a wrong password', async () => {
    await page.goto(`${BASE}/`);
    assert.equal(await text('main h1'), 'ログイン');
    await page.locator('#login-user').fill('mgr');
    await page.locator('#login-password').fill('wrong password');
    await page.locator('#login-form button[type=submit]').click();
    await page.locator('#login-error').filter({ hasText: 'パスワードが違います' }).waitFor();
    assert.equal(await page.locator('#login-password').inputValue(), '');
  });

  await step('log in with the keyboard; the dashboard lists every kind', async () => {
    await login('mgr');
    await page.locator('main h1').filter({ hasText: 'ホーム' }).waitFor();
    for (const k of ['設置場所', '機器', '従事者']) assert.ok(await page.locator('#nav').getByText(k).count() >= 1, k);
    // the kinds sit in menus of the header: closed at first, opened by Enter, closed by Escape
    assert.deepEqual(await page.locator('#nav details.menu summary').allTextContents(), ['運用', '点検・保守', '台帳']);
    const fault = page.locator('#nav a[href="#/kind/fault"]');
    assert.equal(await fault.isVisible(), false);
    await page.locator('#nav details.menu summary').first().focus();
    await page.keyboard.press('Enter');
    await fault.waitFor();
    await page.keyboard.press('Escape');
    await fault.waitFor({ state: 'hidden' });
    const cookies = await ctx.cookies(BASE);
    const c = cookies.find((x) => x.name === '__Host-mamori');
    assert.ok(c && c.httpOnly && c.secure && c.sameSite === 'Strict', 'session cookie flags');
    assert.equal(await page.evaluate(() => document.cookie.includes('__Host-mamori')), false, 'script cannot read the cookie');
  });

  let id;
  await step('create a record from the schema form; markup stays text', async () => {
    await page.goto(`${BASE}/#/kind/site`);
    await page.locator('#new-record').click();
    await page.locator('#record-form').waitFor();
    await page.locator('#f-name').fill('本庁舎 <b id="inj">x</b>');
    await page.locator('#f-code').fill('HQ');
    await page.locator('#f-category').selectOption('ward-office');
    await page.locator('#save').click();
    await page.locator('#record-id').waitFor();
    id = await text('#record-id');
    assert.match(id, /^site-\d+$/);
    assert.ok((await text('dl.fields')).includes('本庁舎 <b id="inj">x</b>'));
    assert.equal(await page.locator('#inj').count(), 0, 'no element was injected');
    assert.equal(await text('#record-state'), '使用中');
  });

  await step('a server validation message appears beside its field', async () => {
    await page.goto(`${BASE}/#/kind/site/new`);
    await page.locator('#f-name').fill('支所');
    await page.locator('#f-code').evaluate((el) => el.removeAttribute('maxlength'));
    await page.locator('#f-code').fill('X'.repeat(30));
    await page.locator('#save').click();
    await page.locator('#f-code-msg').filter({ hasText: 'code' }).waitFor();
    assert.equal(await page.locator('#f-code').getAttribute('aria-invalid'), 'true');
  });

  await step('edit the record: a new version in its history', async () => {
    await page.goto(`${BASE}/#/record/${id}`);
    await page.locator('#edit-record').click();
    await page.locator('#f-address').fill('東京都千代田区1-1');
    await page.locator('#f-reason').fill('住所を追加');
    await page.locator('#save').click();
    await page.locator('#history tbody tr').nth(1).waitFor();
    assert.ok((await text('dl.fields')).includes('東京都千代田区1-1'));
    assert.equal(await page.locator('#history tbody tr').count(), 2);
  });

  await step('make a transition (reason required), see it in the history with its ledger proof', async () => {
    await page.locator('#transitions button[data-transition=close]').click();
    await page.locator('#detail-error').filter({ hasText: '理由' }).waitFor();
    await page.locator('#reason').fill('庁舎移転');
    await page.locator('#transitions button[data-transition=close]').click();
    await page.locator('#record-state').filter({ hasText: '廃止' }).waitFor();
    assert.equal(await page.locator('#history tbody tr').count(), 3);
    assert.ok((await text('#history tbody tr:nth-child(3)')).includes('庁舎移転'));
    await page.locator('#history tbody tr:nth-child(3) button').click();
    await page.locator('#proof dd.mono').first().waitFor();
    assert.match((await page.locator('#proof dd.mono').first().textContent()).trim(), /^[0-9a-f]{64}$/);
  });

  await step('list: filter, sort and page', async () => {
    await page.goto(`${BASE}/#/kind/site`);
    await page.locator('#records tbody tr').first().waitFor();
    await page.locator('#list-q').fill('本庁舎');
    await page.locator('#list-q').press('Enter');
    await waitUntil(() => location.hash.includes('q='));
    await page.locator('#records tbody tr').first().waitFor();
    assert.equal(await page.locator('#records tbody tr').count(), 1);
    await page.locator('#list-state').selectOption('active');
    await page.locator('form.filters button[type=submit]').click();
    await page.locator('#records').getByText(/該当する記録はありません/).waitFor();
    const fits = await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'no horizontal scrolling at 1280x800');
  });

  await step('a role without the transition sees no button and the server refuses it', async () => {
    await logout();
    await login('op');
    await page.goto(`${BASE}/#/record/${id}`);
    await page.locator('#record-id').waitFor();
    assert.equal(await page.locator('#transitions button').count(), 0);
    const r = await page.evaluate(async (rid) => {
      const s = await (await fetch('/api/v1/session')).json();
      const res = await fetch(`/api/v1/record/${rid}/transition`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
        body: JSON.stringify({ transition: 'reopen', reason: 'try' }) });
      return { status: res.status, body: await res.json() };
    }, id);
    assert.equal(r.status, 403);
    assert.equal(r.body.error.code, 'forbidden');
  });

  await step('switch language to English and back', async () => {
    await page.locator('#lang-switch').click();
    await page.locator('#logout').filter({ hasText: 'Log out' }).waitFor();
    await page.goto(`${BASE}/#/kind/site`);
    await page.locator('main h1').filter({ hasText: 'Site' }).waitFor();
    await page.locator('#records th').filter({ hasText: 'Updated' }).waitFor();
    assert.equal(await page.evaluate(() => document.documentElement.lang), 'en');
    await page.locator('#lang-switch').click();
    await page.locator('#logout').filter({ hasText: 'ログアウト' }).waitFor();
  });

  await step('tablet width: the list still fits', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.goto(`${BASE}/#/`);
    await page.locator('.grid .card').first().waitFor();
    const fits = await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'no horizontal scrolling at 768 wide');
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  await step('change the password, then log out everywhere', async () => {
    const np = 'a new long passphrase';
    await page.goto(`${BASE}/#/password`);
    await page.locator('#pw-current').fill(PW);
    await page.locator('#pw-new').fill(np);
    await page.locator('#pw-new').press('Enter');
    await page.locator('#notice').filter({ hasText: 'パスワードを変更しました' }).waitFor();
    await page.goto(`${BASE}/#/password`);
    await page.locator('#logout-everywhere').click();
    await page.locator('#login-form').waitFor();
    const r = await page.evaluate(async () => (await fetch('/api/v1/session')).status);
    assert.equal(r, 401);
    await page.locator('#login-user').fill('op');
    await page.locator('#login-password').fill(np);
    await page.locator('#login-password').press('Enter');
    await page.locator('#who').filter({ hasText: 'op' }).waitFor();
  });

  await step('logged out after the idle timeout', async () => {
    await page.goto(`${BASE}/#/`);
    await page.locator('.grid .card').first().waitFor();
    await page.waitForTimeout((IDLE + 1.5) * 1000);
    await page.locator('#nav details.menu summary').filter({ hasText: '台帳' }).click(); // the registers menu
    await page.locator('#nav a[href="#/kind/site"]').click();
    await page.locator('#login-form').waitFor();
    assert.ok((await text('#login-error')).includes('ログアウトしました'));
  });

  await step('no script errors and no CSP violations on any page', async () => {
    assert.deepEqual(problems.filter((p) => !p.includes('401') && !p.includes('403') && !p.includes('400')), []);
  });
  console.log(`ui: ${passed()} steps passed`);
} finally {
  await close();
}
