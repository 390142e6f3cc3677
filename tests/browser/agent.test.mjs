// SPDX-License-Identifier: Apache-2.0
// An agent report arriving and filling an inspection, as the contractor's
// manager sees it: run by tests/cli/agent_browser.sh against a real server.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { TMP, launch } from './harness.mjs';

const { MM_BASE: BASE, MM_PW: PW, MM_ASSET: ASSET, MM_CAMPAIGN: CAMP, MM_TOKEN: TOKEN, MAMORI_AGENT: AGENT,
  MM_HOSTS: HOSTS } = process.env;
assert.ok(BASE && PW && ASSET && CAMP && TOKEN && AGENT && HOSTS, 'run through tests/cli/agent_browser.sh');

const { page, problems, step, passed, close } = await launch('agent', { timezoneId: 'Asia/Tokyo' });
const get = (p) => page.evaluate(async (x) => (await fetch(`/api/v1${x}`)).json(), p);
const items = async () => (await get(`/records/inspection_item?limit=100&q=${CAMP}`)).items.filter((i) => i.data.asset === ASSET);

try {
  await step('the manager makes the checklist: 16 items of the terminal, all open', async () => {
    await page.goto(`${BASE}/`);
    await page.locator('#login-user').fill('mgr');
    await page.locator('#login-password').fill(PW);
    await page.locator('#login-password').press('Enter');
    await page.locator('#who').filter({ hasText: 'mgr' }).waitFor();
    await page.goto(`${BASE}/#/record/${CAMP}`);
    await page.locator('#checklist-make').click();
    await page.locator('#notice').filter({ hasText: '16 件を作成しました' }).waitFor();
    const all = await items();
    assert.equal(all.length, 16);
    assert.ok(all.every((i) => i.state === 'open'));
  });

  await step('the machine enrolls and uploads its signed report while the page is open', async () => {
    await page.goto(`${BASE}/#/kind/inspection_item?q=${CAMP}`);
    await page.locator('#records tbody tr').first().waitFor();
    const state = join(TMP, 'agent-state');
    execFileSync(AGENT, ['enroll', '--server', BASE, '--token', TOKEN, '--state', state], { stdio: 'pipe' });
    let rc = 0;
    try {
      execFileSync(AGENT, ['run', '--state', state, '--root', join(HOSTS, 'noncompliant'), '--site', join(HOSTS, 'site.yaml')],
        { stdio: 'pipe' });
    } catch (e) { rc = e.status; }
    assert.equal(rc, 1, 'accepted, with failures (a non-compliant host)');
  });

  await step('after a reload the automated items carry the result and the report; the manual ones wait for a person', async () => {
    await page.reload();
    await page.locator('#records tbody tr').first().waitFor();
    const all = await items();
    const auto = all.filter((i) => i.data.method === 'automated');
    const manual = all.filter((i) => i.data.method === 'manual');
    assert.ok(auto.length >= 10 && manual.length >= 1);
    assert.ok(auto.every((i) => ['passed', 'failed'].includes(i.state) && /^[0-9a-f]{64}$/.test(i.data.agent_report)));
    assert.ok(auto.some((i) => i.state === 'failed'), 'the non-compliant host fails some items');
    assert.ok(manual.every((i) => i.state === 'open'));
    // the list shows it in words
    assert.ok(await page.locator('#records .badge').filter({ hasText: '不適合' }).count() >= 1);
    // one failed item: its page names the result and links the agent's report
    const failed = auto.find((i) => i.state === 'failed');
    await page.goto(`${BASE}/#/record/${failed.id}`);
    await page.locator('#record-state').filter({ hasText: '不適合' }).waitFor();
    const dl = await page.locator('dl.fields').textContent();
    assert.ok(dl.includes('エージェント報告') && dl.includes('fail') === false, dl);
    assert.equal(await page.locator(`dl.fields a[href="/api/v1/attachments/${failed.data.agent_report}"]`).count(), 1);
    await page.screenshot({ path: join(TMP, 'agent-item.png'), fullPage: true });
  });

  await step('the agent record shows when it last reported and the result', async () => {
    const agents = (await get('/records/agent?limit=10')).items.filter((a) => a.data.asset === ASSET);
    assert.equal(agents.length, 1);
    await page.goto(`${BASE}/#/record/${agents[0].id}`);
    await page.locator('#record-state').filter({ hasText: '有効' }).waitFor();
    const dl = await page.locator('dl.fields').textContent();
    assert.ok(dl.includes('最終報告日時') && dl.includes('不適合'), dl);
  });

  await step('no script errors and no CSP violations', async () => {
    assert.deepEqual(problems.filter((p) => !/40[0-9]/.test(p)), []);
  });
  console.log(`agent: ${passed()} steps passed`);
} finally {
  await close();
}
