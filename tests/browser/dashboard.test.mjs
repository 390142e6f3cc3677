// SPDX-License-Identifier: Apache-2.0
// Browser test of the dashboard and the compliance page: log in, see the
// requirement statuses and a chart drawn by the server, follow a
// requirement to the record that causes its status, switch language.
// Started by tests/cli/dashboard_browser.sh (MM_BASE, MM_PW) on the demo.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { TMP, launch } from './harness.mjs';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
const SHOTS = process.env.MM_SHOTS || TMP;
assert.ok(BASE && PW, 'MM_BASE and MM_PW are required');

const { ctx, page, problems, step, passed, close, waitUntil } = await launch('dash');

try {
  await step('every message the dashboard asks for is in both catalogues', async () => {
    const get = async (p) => (await ctx.request.get(`${BASE}${p}`)).text();
    const ja = JSON.parse(await get('/i18n/ja.json'));
    const en = JSON.parse(await get('/i18n/en.json'));
    assert.deepEqual(Object.keys(en).sort(), Object.keys(ja).sort());
    const src = await get('/js/dashboard.js');
    for (const m of src.matchAll(/\bt\('([a-z_]+\.[a-z_-]+)'/g)) assert.ok(m[1] in ja, m[1]);
    for (const s of ['met', 'at-risk', 'missed', 'no-evidence']) assert.ok(`status.${s}` in ja && `status.${s}` in en, s);
    for (const n of ['requirements', 'sla', 'inspection']) assert.ok(`chart.${n}` in ja, n);
  });

  await step('log in; the dashboard shows the statuses and the charts', async () => {
    await page.goto(`${BASE}/`);
    await page.locator('#login-user').fill('viewer');
    await page.locator('#login-password').fill(PW);
    await page.keyboard.press('Enter');
    await page.locator('#status-summary').waitFor();
    assert.equal((await page.locator('main h1').first().textContent()).trim(), 'ホーム');
    const missed = await page.locator('#status-summary .tile[data-status="missed"] .tile-n').textContent();
    assert.ok(Number(missed) >= 1, `missed count ${missed}`);
    // C7: the demo's late CS fault
    const c7 = page.locator('#requirements tr[data-req="C7"]');
    assert.ok((await c7.textContent()).includes('未達'), 'C7 shows 未達 in words');
    assert.equal(await c7.locator('.status-symbol').textContent(), '✕');
    // the charts are images the server drew, and they loaded
    for (const n of ['requirements', 'sla', 'inspection']) {
      const img = page.locator(`#chart-${n}`);
      await img.waitFor();
      await waitUntil((id) => { const i = document.getElementById(id); return i && i.complete && i.naturalWidth > 0; }, `chart-${n}`);
      assert.ok((await img.getAttribute('alt')).length > 0, `${n} alt text`);
    }
    // three open faults with their due times, the late one marked in words
    assert.equal(await page.locator('#open-faults tbody tr').count(), 3);
    assert.ok((await page.locator('#open-faults').textContent()).includes('期限超過'));
    await page.locator('.grid .card').first().waitFor(); // the record kinds are still there
    await page.screenshot({ path: join(SHOTS, 'dashboard-ja.png'), fullPage: false });
    await page.screenshot({ path: join(SHOTS, 'dashboard-ja-full.png'), fullPage: true });
  });

  let faultId;
  await step('follow a requirement to the record that causes its status', async () => {
    await page.locator('#requirements tr[data-req="C7"] a').click();
    const card = page.locator('#req-C7');
    await card.waitFor();
    assert.ok((await card.textContent()).includes('002 §5(2)'), 'source clause shown');
    assert.equal(await card.getAttribute('data-status'), 'missed');
    const link = card.locator('.cause a').first();
    faultId = (await link.textContent()).trim();
    const cause = await card.locator('.cause').first().textContent();
    assert.match(cause, /期限\(2026-11-10 21:30\)を過ぎています/, cause);
    await page.screenshot({ path: join(SHOTS, 'compliance-ja.png'), fullPage: false });
    await link.click();
    await page.locator('#record-id').filter({ hasText: faultId }).waitFor();
    assert.ok((await page.locator('main').textContent()).includes('CS運用系'), 'the late CS fault');
  });

  await step('keyboard: the compliance page is reachable from the navigation', async () => {
    await page.locator('#nav a[href="#/compliance"]').focus();
    await page.keyboard.press('Enter');
    await page.locator('#compliance').waitFor();
    assert.equal(await page.locator('#compliance article.requirement').count(), 18);
    const c3 = page.locator('#req-C3');
    assert.equal(await c3.getAttribute('data-status'), 'no-evidence');
    assert.ok((await c3.locator('.note').textContent()).length > 10, 'what would evidence C3');
  });

  await step('switch to English', async () => {
    await page.goto(`${BASE}/#/`);
    await page.locator('#status-summary').waitFor();
    await page.locator('#lang-switch').click();
    await page.locator('#status-summary').waitFor();
    await page.locator('main h2').filter({ hasText: 'Contract requirements' }).waitFor();
    assert.ok((await page.locator('#requirements tr[data-req="C7"]').textContent()).includes('Missed'));
    assert.ok((await page.locator('#chart-sla').getAttribute('src')).endsWith('lang=en'));
    const svg = await (await ctx.request.get(`${BASE}${await page.locator('#chart-inspection').getAttribute('src')}`)).text();
    assert.ok(svg.includes('Inspection pass rate per site'));
    await page.screenshot({ path: join(SHOTS, 'dashboard-en.png'), fullPage: false });
    await page.locator('#lang-switch').click(); // back to Japanese for the next run
    await page.locator('main h2').filter({ hasText: '契約上の要求事項' }).waitFor();
  });

  await step('no script errors and no horizontal scrolling at 1280×800', async () => {
    const fits = await page.evaluate(() => document.scrollingElement.scrollWidth <= window.innerWidth);
    assert.ok(fits, 'fits 1280 wide');
    // the first GET /session before login answers 401 by design; nothing else may fail
    assert.deepEqual(problems.filter((p) => !p.includes('status of 401')), []);
  });
} finally {
  await close();
}
