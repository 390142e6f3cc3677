// SPDX-License-Identifier: Apache-2.0
// Browser test of the reports UI (run by tests/cli/report_browser.sh against a
// server holding tests/data/report/setup.sh's records): the 報告書 page with its
// month picker, keyboard use, downloads with their Japanese file names, the
// button on a record's page, and the refusal a field operator sees.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { launch } from '../../browser/harness.mjs';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
const OUT = process.env.MM_TEST_TMP;
const ids = JSON.parse(process.env.MM_IDS);

// 401 (the session probe before login) and 403 (the operator's refusal) are expected
const { ctx, page, problems, step, passed, close } = await launch('reports', {
  acceptDownloads: true, timeout: 20000, ignoreConsole: /status of 40[13]/,
});
async function login(user) {
  await page.goto(`${BASE}/`);
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(PW);
  await page.keyboard.press('Enter');
  await page.locator('#who').filter({ hasText: user }).waitFor();
}
async function saved(dl) {
  const p = join(OUT, dl.suggestedFilename().replace(/[^\w.\-\u3000-\u9fff]/g, '_'));
  await dl.saveAs(p);
  const b = readFileSync(p);
  assert.equal(b.subarray(0, 2).toString(), 'PK', 'an .xlsx (zip) file');
  assert.ok(b.length > 4000, `size ${b.length}`);
  return p;
}

try {
  await step('every message the reports page asks for is in both catalogues', async () => {
    const ja = await (await ctx.request.get(`${BASE}/i18n/ja.json`)).json();
    const en = await (await ctx.request.get(`${BASE}/i18n/en.json`)).json();
    const src = await (await ctx.request.get(`${BASE}/js/reports.js`)).text();
    const keys = [...src.matchAll(/\bt\('([a-z_]+\.[a-z_]+)'/g)].map((m) => m[1]);
    for (const n of ['monthly-work', 'completion', 'security-status', 'fault', 'access-log']) keys.push(`report.${n}`, `report.${n}.about`);
    for (const n of ['inspection', 'work-request', 'erasure-certificate']) keys.push(`report.${n}`);
    assert.ok(keys.length > 20);
    for (const k of keys) assert.ok(k in ja && k in en, k);
  });

  await step('the 報告書 page: reached from the menu, monthly reports for a picked month', async () => {
    await login('mgr');
    await page.locator('#nav a[href="#/reports"]').click();
    await page.locator('#reports h1').filter({ hasText: '報告書' }).waitFor();
    assert.match(await page.locator('#report-month').inputValue(), /^\d{4}-\d{2}$/);
    assert.equal(await page.locator('#reports button[data-report]').count(), 5);
    await page.locator('#report-month').fill('2026-10');
    await page.screenshot({ path: join(OUT, 'reports-page.png') });
    const [dl] = await Promise.all([page.waitForEvent('download'),
      page.locator('button[data-report="monthly-work"]').click()]);
    assert.equal(dl.suggestedFilename(), '月次業務実施報告_2026-10.xlsx');
    await saved(dl);
    await page.locator('#report-status').filter({ hasText: '月次業務実施報告_2026-10.xlsx' }).waitFor();
  });

  await step('keyboard only: Tab from the month to the report buttons, Enter downloads', async () => {
    await page.locator('#report-month').focus();
    let focused;
    for (let i = 0; i < 4 && focused !== 'monthly-work'; i++) { // the month field has its own parts
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement.dataset.report);
    }
    assert.equal(focused, 'monthly-work');
    await page.keyboard.press('Tab');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.keyboard.press('Enter')]);
    assert.equal(dl.suggestedFilename(), '業務完了届・成果品目録_2026-10.xlsx');
    await saved(dl);
  });

  await step('a record page offers its own report; a held material has none', async () => {
    await page.goto(`${BASE}/#/record/${ids.f2}`);
    await page.locator('#record-id').filter({ hasText: ids.f2 }).waitFor();
    const b = page.locator('#record-report-download');
    assert.equal((await b.textContent()).trim(), '障害対応報告書をダウンロード (Excel)');
    const [dl] = await Promise.all([page.waitForEvent('download'), b.click()]);
    assert.equal(dl.suggestedFilename(), `障害対応報告書_${ids.f2}.xlsx`);
    await saved(dl);
    await page.screenshot({ path: join(OUT, 'reports-record.png') });
    await page.goto(`${BASE}/#/record/${ids.mat}`);
    await page.locator('#record-id').filter({ hasText: ids.mat }).waitFor();
    const [dl2] = await Promise.all([page.waitForEvent('download'), page.locator('#record-report-download').click()]);
    assert.equal(dl2.suggestedFilename(), `消去証明書_${ids.mat}.xlsx`);
    await page.goto(`${BASE}/#/record/${ids.held}`);
    await page.locator('#record-id').filter({ hasText: ids.held }).waitFor();
    assert.equal(await page.locator('#record-report-download').count(), 0);
    await page.goto(`${BASE}/#/record/${ids.camp}`);
    await page.locator('#record-report-download').filter({ hasText: '点検結果報告書' }).waitFor();
  });

  await step('in English the names and the file are English', async () => {
    await page.locator('#lang-switch').click();
    await page.locator('#nav a[href="#/reports"]').filter({ hasText: 'Reports' }).click();
    await page.locator('#report-month').fill('2026-10');
    const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('button[data-report="fault"]').click()]);
    assert.equal(dl.suggestedFilename(), 'Fault response report_2026-10.xlsx');
    await page.locator('#lang-switch').click();
    await page.locator('#logout').click();
    await page.locator('#login-form').waitFor();
  });

  await step('a field operator is told the role does not receive reports', async () => {
    await login('op');
    await page.goto(`${BASE}/#/reports`);
    await page.locator('#report-month').fill('2026-10');
    await page.locator('button[data-report="access-log"]').click();
    await page.locator('#report-status.error').filter({ hasText: 'this role does not receive reports' }).waitFor();
  });

  assert.deepEqual(problems, [], 'no script errors');
  console.log(`${passed()} browser steps passed`);
} finally {
  await close();
}
