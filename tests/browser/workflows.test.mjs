// SPDX-License-Identifier: Apache-2.0
// Browser tests of the operations workflows (run by tests/cli/workflows_browser.sh
// against a real `mamori serve` over TLS). Every step is made in the UI by an
// account of the role that makes it in the contracts: contractor manager (mgr),
// contractor operator (op), municipality approver (city), viewer.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { TMP, launch } from './harness.mjs';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
const SHOTS = process.env.MM_SHOTS || TMP;
const { MM_ASSET: ASSET, MM_ENG1: ENG1, MM_ENG2: ENG2, MM_NEWBIE: NEWBIE } = process.env;
assert.ok(BASE && PW && ASSET && ENG1 && ENG2 && NEWBIE, 'run through tests/cli/workflows_browser.sh');

const { ctx, page, problems, step, passed, close, waitUntil } = await launch('workflows', { timezoneId: 'Asia/Tokyo' });

const shot = (name) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });
const text = async (sel) => (await page.locator(sel).first().textContent()).trim();
// "YYYY-MM-DDTHH:MM" in Japan for a datetime-local input
const jst = (ms) => new Date(ms + 9 * 3600e3).toISOString().slice(0, 16);
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

let who = null;
async function login(user) {
  if (who === user) return;
  await ctx.clearCookies();
  await page.goto(`${BASE}/`);
  await page.locator('#login-user').fill(user);
  await page.locator('#login-password').fill(PW);
  await page.locator('#login-password').press('Enter');
  await page.locator('#who').filter({ hasText: user }).waitFor();
  who = user;
}

// The API as the logged-in page sees it (for reading what the UI wrote).
async function get(path) {
  return page.evaluate(async (p) => (await fetch(`/api/v1${p}`)).json(), path);
}
async function post(path, body) {
  return page.evaluate(async ([p, b]) => {
    const s = await (await fetch('/api/v1/session')).json();
    const r = await fetch(`/api/v1${p}`, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf },
      body: JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, [path, body]);
}

async function fill(fields) {
  for (const [name, v] of Object.entries(fields)) {
    const el = page.locator(`#f-${name}`);
    const kind = await el.evaluate((e) => `${e.tagName}:${e.type || ''}`);
    if (kind.startsWith('SELECT')) {
      await page.locator(`#f-${name} option[value="${v}"]`).waitFor({ state: 'attached' });
      await el.selectOption(v);
    } else if (kind === 'INPUT:checkbox') {
      await el.setChecked(v);
    } else if (kind === 'INPUT:file') {
      await el.setInputFiles(v);
    } else {
      await el.fill(Array.isArray(v) ? v.join('\n') : v);
    }
  }
}

async function create(kind, fields) {
  await page.goto(`${BASE}/#/kind/${kind}/new`);
  await page.locator('#record-form').waitFor();
  await fill(fields);
  await page.locator('#save').click();
  await page.locator('#record-id').waitFor();
  return text('#record-id');
}

// Edit in the form; expectError: the message expected beside field (then nothing is saved).
async function edit(id, fields, expectError) {
  await page.goto(`${BASE}/#/record/${id}/edit`);
  await page.locator('#record-form').waitFor();
  await fill(fields);
  await page.locator('#save').click();
  if (expectError) {
    const [field, msg] = expectError;
    await page.locator(`#f-${field}-msg`).filter({ hasText: msg }).waitFor();
    assert.equal(await page.locator(`#f-${field}`).getAttribute('aria-invalid'), 'true');
    return;
  }
  await page.locator('#record-id').filter({ hasText: id }).waitFor();
}

async function open(id) {
  await page.goto(`${BASE}/#/record/${id}`);
  await page.locator('#record-id').filter({ hasText: id }).waitFor();
}

// Press a transition button on the open record; with refusal, expect that text in the error instead.
async function transition(name, refusal) {
  const before = await page.locator('#history tbody tr').count();
  await page.locator(`#transitions button[data-transition="${name}"]`).click();
  if (refusal) {
    await page.locator('#detail-error').filter({ hasText: refusal }).waitFor();
    return;
  }
  await waitUntil((n) => document.querySelectorAll('#history tbody tr').length > n, before);
}

async function state(id) {
  return (await get(`/record/${id}`)).state;
}

try {
  // ---------------- (a) a fault whose SLA is missed and needs a reason ----------------
  let late;
  await step('(a) the contractor records a CS fault instructed two days ago: the target is already missed', async () => {
    await login('mgr');
    late = await create('fault', { asset: ASSET, class: 'cs', summary: 'CS運用系 業務アプリ応答なし',
      instructed_at: jst(Date.now() - 2 * 86400e3) });
    const r = await get(`/record/${late}`);
    assert.equal(r.data.sla_status, 'missed');
    await page.locator('#sla-card .countdown.cd-over').filter({ hasText: '期限超過' }).waitFor();
    // the reason is asked for prominently, before any next step
    await page.locator('#sla-card.sla-needs-reason #sla-reason').waitFor();
  });

  await step('(a) the operator starts and recovers; recovery is refused until the reason is given', async () => {
    await login('op');
    await edit(late, { onsite_started_at: jst(Date.now() - 60e3) });
    await open(late);
    await transition('arrive');
    assert.equal(await state(late), 'on-site');
    await edit(late, { recovered_at: jst(Date.now()) });
    await open(late);
    await transition('recover', 'miss_reason');
    assert.equal(await state(late), 'on-site', 'refused: nothing written');
    assert.equal(await page.evaluate(() => document.activeElement && document.activeElement.id), 'sla-reason',
      'the refusal takes the keyboard to the reason');
    await shot('fault-missed-needs-reason');
    await page.locator('#sla-reason-save').click();
    await page.locator('#sla-reason-error').filter({ hasText: '理由を入力してください' }).waitFor();
    await page.locator('#sla-reason').fill('前日からの大雪で交通機関が停止し、到着が遅れたため。');
    await page.locator('#sla-reason-save').click();
    await page.locator('#sla-card').filter({ hasText: '大雪' }).waitFor();
    await transition('recover');
    assert.equal(await state(late), 'recovered');
  });

  await step('(a) the manager reports, the city closes: recorded as missed with the reason', async () => {
    await login('mgr');
    await open(late);
    await transition('report');
    await login('city');
    await open(late);
    await transition('close');
    const r = await get(`/record/${late}`);
    assert.equal(r.state, 'closed');
    assert.equal(r.data.sla_status, 'missed');
    assert.match(r.data.miss_reason, /大雪/);
    assert.ok((await text('#sla-card')).includes('未達'));
    assert.equal(await page.locator('#sla-reason').count(), 0);
  });

  // ---------------- (g) the live countdown on an open fault ----------------
  await step('(g) an open fault counts down every second on its page and in the list', async () => {
    await login('mgr');
    // an instruction whose on-site due time is a few minutes away (90 or 180 minutes by the clock)
    let soon = null;
    for (const back of [175, 85]) {
      const r = await post('/records/fault', { data: { asset: ASSET, class: 'cs', summary: '端末 起動不可',
        instructed_at: `${jst(Date.now() - back * 60e3)}:00+09:00` } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      const f = await get(`/record/${r.body.id}`);
      const left = Date.parse(f.data.due_at) - Date.now();
      if (left > 90e3 && left < 600e3) { soon = r.body.id; break; }
    }
    assert.ok(soon, 'a fault due within ten minutes');
    await open(soon);
    const cd = page.locator('#sla-card .countdown');
    await cd.filter({ hasText: /^あと \d+分\d+秒$/ }).waitFor();
    assert.match(await cd.getAttribute('class'), /cd-soon/);
    const t1 = await cd.textContent();
    await waitUntil((t) => document.querySelector('#sla-card .countdown').textContent !== t, t1, 3000);
    await page.goto(`${BASE}/#/kind/fault`);
    await page.locator('#records tbody tr').filter({ hasText: soon }).locator('.countdown').filter({ hasText: 'あと' }).waitFor();
    await page.locator('#records tbody tr').filter({ hasText: late }).locator('.sla', { hasText: '未達' }).waitFor();
    await shot('fault-list-countdown');
    // English: the same words without colour
    await page.locator('#lang-switch').click();
    await page.locator('#records tbody tr').filter({ hasText: soon }).locator('.countdown').filter({ hasText: / left$/ }).waitFor();
    await page.locator('#lang-switch').click();
    await page.locator('#logout').filter({ hasText: 'ログアウト' }).waitFor();
  });

  // ---------------- (d) a work request through all its states; (e) the roster ----------------
  let wr1;
  let wr2;
  const procedure = Buffer.from('作業手順書 v1\n1. 更新プログラムを適用する\n2. 再起動して動作を確認する\n');
  const testResult = Buffer.from('検証環境テスト結果: 全項目 OK\n');
  await step('(d) the city issues two work requests; the operator submits the procedure', async () => {
    await login('city');
    wr1 = await create('work_request', { title: 'OSセキュリティ更新 (10月)', category: 'os-security-update',
      requested_from: '2026-12-01', requested_until: '2026-12-12', production_change: true });
    wr2 = await create('work_request', { title: '画面ロック時間の設定変更', category: 'city-instruction',
      requested_from: '2026-12-01', requested_until: '2026-12-12' });
    await login('op');
    await open(wr1);
    await transition('draft-procedure', 'procedure');
    await edit(wr1, { procedure: { name: '手順書.txt', mimeType: 'text/plain', buffer: procedure } });
    await open(wr1);
    await transition('draft-procedure');
    assert.equal(await state(wr1), 'procedure-drafted');
  });

  await step('(d) a change to production cannot be approved before its test result', async () => {
    await login('city');
    await open(wr1);
    await transition('approve-procedure', 'test_result');
    await login('op');
    await edit(wr1, { test_result: { name: 'テスト結果.txt', mimeType: 'text/plain', buffer: testResult } });
    await login('city');
    await open(wr1);
    await transition('approve-procedure');
    // the approval names the procedure's hash: the approved version carries it in the ledger
    const hist = await get(`/record/${wr1}/history`);
    const approval = hist.find((v) => v.op === 'approve-procedure');
    assert.equal(approval.data.procedure, sha256(procedure));
    assert.equal(approval.data.test_result, sha256(testResult));
    assert.equal(approval.actor, 'city');
  });

  await step('(e) assigning someone not on the roster shows the error beside the field', async () => {
    await login('mgr');
    await edit(wr1, { assignees: [NEWBIE] }, ['assignees', 'is not on the roster yet']);
    await shot('roster-refused');
    assert.equal((await get(`/record/${wr1}`)).data.assignees, undefined, 'nothing saved');
    await edit(wr1, { assignees: [ENG1, ENG2] });
  });

  await step('(d) work started, finished, result reported with steps, dates and performers, accepted', async () => {
    await login('op');
    await open(wr1);
    await transition('start');
    await transition('finish');
    await login('mgr');
    await open(wr1);
    await transition('report-result', 'result_steps');
    await edit(wr1, { result_steps: ['1. 更新プログラム KB5050 を適用', '2. 再起動・業務アプリ動作確認'],
      result_dates: ['2026-12-03'], performers: [ENG1, ENG2] });
    await open(wr1);
    await transition('report-result');
    await login('city');
    await open(wr1);
    await transition('accept');
    assert.equal(await state(wr1), 'accepted');
    const dl = await text('dl.fields');
    for (const s of ['KB5050', '2026-12-03', ENG1, ENG2]) assert.ok(dl.includes(s), s);
    await shot('work-request-accepted');
  });

  // ---------------- (b) a combined visit ----------------
  await step('(b) two requests combined into one visit: proposed by the contractor, approved by the city, done', async () => {
    await login('mgr');
    const visit = await create('visit', { title: '12月 同時実施 (4(1)イ・本市独自指示)', requests: [wr1, wr2],
      planned_from: '2026-12-03', planned_until: '2026-12-03', staff: [ENG1, ENG2] });
    await login('op');
    await open(visit);
    assert.equal(await page.locator('#transitions button[data-transition="approve"]').count(), 0, 'the operator cannot approve');
    await login('city');
    await open(visit);
    await transition('approve');
    await login('op');
    await open(visit);
    await transition('complete');
    const v = await get(`/record/${visit}`);
    assert.equal(v.state, 'done');
    assert.deepEqual(v.data.requests, [wr1, wr2]);
    // the second request's result, recorded by the manager, lists its own steps, dates and performers
    await login('mgr');
    await edit(wr2, { visit, result_steps: ['1. 画面ロック時間を 10 分に変更', '2. 設定反映を確認'],
      result_dates: ['2026-12-03'], performers: [ENG2] });
    const r2 = (await get(`/record/${wr2}`)).data;
    assert.deepEqual(r2.result_steps, ['1. 画面ロック時間を 10 分に変更', '2. 設定反映を確認']);
    assert.deepEqual(r2.performers, [ENG2]);
    assert.equal(r2.visit, visit);
    await open(visit);
    for (const id of [wr1, wr2]) await page.locator(`dl.fields`).filter({ hasText: id }).waitFor();
  });

  // ---------------- (c) an erasure certificate ----------------
  await step('(c) confidential material received, erased by the contractor, confirmed by the city', async () => {
    await login('mgr');
    const m = await create('confidential_material', { name: '住民記録 バックアップ媒体 (LTO) 1巻', material_type: 'electronic-media',
      quantity: '1', received_on: '2026-11-02', received_by: ENG1, receipt_no: 'R-2026-031', storage: 'サーバ室 施錠保管庫A' });
    await open(m);
    await transition('erase', 'erased_at');
    await edit(m, { erased_at: jst(Date.now() - 3600e3), erased_by: ENG2, erasure_method: 'physical-destruction',
      witness: '住民情報課 佐藤', erasure_detail: '媒体破砕機で破砕し、破片を確認した。' });
    await open(m);
    await transition('erase');
    await login('op');
    await open(m);
    assert.equal(await page.locator('#transitions button').count(), 0, 'the operator may not confirm');
    await login('city');
    await open(m);
    await transition('confirm-erasure');
    const r = await get(`/record/${m}`);
    assert.equal(r.state, 'erasure-confirmed');
    const dl = await text('dl.fields');
    for (const s of ['物理的破壊', ENG2, '住民情報課 佐藤', '媒体破砕機']) assert.ok(dl.includes(s), s);
    assert.equal(await text('#record-state'), '消去確認済');
    await shot('erasure-certificate');
  });

  // ---------------- FIM restore order from the municipality's approval ----------------
  await step('restore request: the operator asks, the city approves, the approval carries the signed order', async () => {
    await login('op');
    const hash = sha256(Buffer.from('<h1>approved</h1>\n'));
    const rr = await create('restore_request', { asset: ASSET, files: [`${hash} /srv/www/index.html`],
      detection: 'FIM が /srv/www/index.html の改ざんを検知した。' });
    await open(rr);
    assert.equal(await page.locator('#transitions button[data-transition="approve"]').count(), 0, 'the operator cannot approve');
    await login('city');
    await open(rr);
    await transition('approve', 'has no host name');
    await login('op');
    await edit(rr, { host: 'cs01' });
    await login('city');
    await open(rr);
    await transition('approve');
    await page.locator('#order-download').waitFor();
    const order = await page.evaluate(async (id) => (await fetch(`/api/v1/record/${id}/order`)).text(), rr);
    assert.match(order, /^mamori-fim-restore-order v1\nid: ord-[0-9a-f]{16}\nhost: cs01\n/);
    assert.ok(order.includes(`file: ${hash} /srv/www/index.html\n`));
    assert.match(order, /\nsignature: [A-Za-z0-9+/]{86}==\n$/);
    assert.equal((await text('#order-text')), order.trim());
    await shot('restore-order-issued');
  });

  // ---------------- (f) CSV import through the UI ----------------
  await step('(f) the manager imports a roster CSV from Excel; a bad file imports nothing and names the line', async () => {
    await login('mgr');
    const total = async () => (await get('/records/person?limit=0')).total;
    const n0 = await total();
    await page.goto(`${BASE}/#/kind/person`);
    await page.locator('#import summary').click();
    const bad = Buffer.from('\ufeffname,organisation,role\r\n佐々木 修,北海道システムサポート,engineer\r\n"山本, 彩",北海道システムサポート,boss\r\n');
    await page.locator('#import-file').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: bad });
    await page.locator('#import-submit').click();
    await page.locator('#import-error').filter({ hasText: 'line 3, column 3' }).waitFor();
    assert.ok((await text('#import-error')).includes('何も登録していません'));
    assert.equal(await total(), n0, 'nothing imported');
    await shot('import-refused');
    const good = Buffer.from('\ufeffname,organisation,role,allowed_from,trainings\r\n佐々木 修,北海道システムサポート,engineer,2026-04-01,"情報セキュリティ研修; 個人情報保護研修"\r\n"山本, 彩",北海道システムサポート,security-officer,2026-04-01,\r\n');
    await page.locator('#import-file').setInputFiles({ name: 'roster.csv', mimeType: 'text/csv', buffer: good });
    await page.locator('#import-submit').click();
    await page.locator('#notice').filter({ hasText: '2 件を登録しました' }).waitFor();
    assert.equal(await total(), n0 + 2);
    await page.locator('#records tbody tr').filter({ hasText: '山本, 彩' }).waitFor();
  });

  await step('(f) a viewer has no import; the server refuses it too', async () => {
    await login('viewer');
    await page.goto(`${BASE}/#/kind/person`);
    await page.locator('#records').waitFor();
    assert.equal(await page.locator('#import').count(), 0);
    const r = await page.evaluate(async () => {
      const s = await (await fetch('/api/v1/session')).json();
      const res = await fetch('/api/v1/records/person/import', { method: 'POST',
        headers: { 'Content-Type': 'text/csv', 'X-CSRF-Token': s.csrf }, body: 'name,organisation,role\nx,y,engineer\n' });
      return res.status;
    });
    assert.equal(r, 403);
  });

  await step('a failed inspection item: the city starts a corrective work request from its finding', async () => {
    await login('mgr');
    const camp = await create('inspection_campaign', { title: '令和8年度 点検', fiscal_year: '2026' });
    const item = await create('inspection_item', { campaign: camp, asset: ASSET, target: 'terminal', item_no: '12',
      item: 'パスワードの表示確認', method: 'manual', result: 'fail', checked_at: jst(Date.now() - 600e3),
      checked_by: ENG1, finding: 'モニター横にパスワードの付箋' });
    await open(item);
    await transition('fail');
    assert.equal(await page.locator('#corrective-new').count(), 0, 'the contractor does not issue work requests');
    await login('city');
    await open(item);
    await page.locator('#corrective-new').click();
    await page.locator('#record-form').waitFor();
    assert.equal(await page.locator('#f-category').inputValue(), 'setting-change');
    assert.ok((await page.locator('#f-description').inputValue()).includes('モニター横にパスワードの付箋'));
    assert.equal(await page.locator('#f-target_assets').inputValue(), ASSET);
    await page.locator('#save').click();
    await page.locator('#record-id').filter({ hasText: 'work_request-' }).waitFor();
    const wr = await text('#record-id');
    const r = await get(`/record/${wr}`);
    assert.deepEqual(r.data.target_assets, [ASSET]);
    assert.ok(r.data.title.startsWith('是正: パスワードの表示確認'), r.data.title);
    await login('mgr');
    await edit(item, { corrective_request: wr });
    await open(item);
    assert.equal(await page.locator('#corrective').count(), 0, 'linked: no second request is offered');
  });

  await step('a rotation gets its checklist from the page; it cannot be completed while a line is pending', async () => {
    await login('mgr');
    const rot = await create('password_rotation', { title: '10月 管理者パスワード変更', round: 'october', fiscal_year: '2026' });
    await open(rot);
    await page.locator('#checklist-make').click();
    await page.locator('#notice').filter({ hasText: '8 件を作成しました' }).waitFor(); // a CS: 8 components
    await open(rot);
    await page.locator('#checklist-make').click();
    await page.locator('#notice').filter({ hasText: '0 件を作成しました（既存 8 件）' }).waitFor();
    const lines = (await get(`/records/password_rotation_line?limit=50&q=${rot}`)).items.filter((l) => l.data.rotation === rot);
    assert.equal(lines.length, 8);
    assert.ok(lines.some((l) => l.data.component === 'oracle'));
    await transition('start');
    await transition('complete', '8 still \'pending\'');
    await login('op');
    await open(rot);
    assert.equal(await page.locator('#checklist-make').count(), 0, 'an operator does not make checklists');
  });

  await step('no script errors and no CSP violations on any page', async () => {
    assert.deepEqual(problems.filter((p) => !/40[0-9]/.test(p)), []);
  });
  console.log(`workflows: ${passed()} steps passed`);
} finally {
  await close();
}
