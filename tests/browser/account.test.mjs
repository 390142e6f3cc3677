// SPDX-License-Identifier: Apache-2.0
// Browser tests of account self-service, run by tests/cli/account_browser.sh
// (which passes MM_BASE and MM_PW): an administrator sets a one-time
// password from the users page; its owner can do nothing but change it;
// after the change everything works. Then two-step login: enrolment from
// the account page (the code computed here from the key shown, with
// node's crypto), login with and without the code, turning it off.
// Each step asserts what a person sees.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { launch } from './harness.mjs';

const BASE = process.env.MM_BASE;
const PW = process.env.MM_PW;
assert.ok(BASE && PW, 'MM_BASE and MM_PW are required');
const OTP = 'one time passphrase 77';
const NEW = 'kim chose this herself';

const { ctx, page, problems, step, passed, close, waitUntil } = await launch('account');

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

// RFC 6238 (HMAC-SHA-1, 30 s, 6 digits) from a base32 key, independently of the server
function totp(b32, stepsAhead = 0) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const ch of b32.replace(/\s+/g, '')) bits += alphabet.indexOf(ch).toString(2).padStart(5, '0');
  const key = Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(Math.floor(Date.now() / 1000 / 30) + stepsAhead));
  const mac = createHmac('sha1', key).update(msg).digest();
  const off = mac[19] & 15;
  return String((mac.readUInt32BE(off) & 0x7fffffff) % 1000000).padStart(6, '0');
}

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

  let secret = '';
  await step('two-step login: set up from the account page with the QR code, confirmed by a first code', async () => {
    await login('kim', NEW);
    await page.locator('.grid .card').first().waitFor();
    await page.goto(`${BASE}/#/password`);
    await page.locator('#totp-start').click();
    await page.locator('#totp-qr').waitFor();
    // the QR code is an image the server drew (allowed by the CSP: same origin)
    // (waited for, not read once: `complete` can be true a moment before the SVG has its size)
    await waitUntil(() => {
      const img = document.querySelector('#totp-qr');
      return img.complete && img.naturalWidth > 100;
    });
    secret = (await text('#totp-secret')).replace(/\s+/g, '');
    assert.match(secret, /^[A-Z2-7]{32}$/);
    // a wrong first code leaves it off
    const wrong = totp(secret) === '000000' ? '111111' : '000000';
    await page.locator('#totp-code').fill(wrong);
    await page.locator('#totp-code').press('Enter');
    await page.locator('#totp-error').filter({ hasText: '入力内容に誤りがあります' }).waitFor();
    const s1 = await page.evaluate(async () => (await fetch('/api/v1/session')).json());
    assert.equal(s1.totp, false);
    await page.locator('#totp-code').fill(totp(secret));
    await page.locator('#totp-code').press('Enter');
    await page.locator('#notice').filter({ hasText: '2段階認証を有効にしました' }).waitFor();
    await page.locator('#totp-state').filter({ hasText: '2段階認証は有効です' }).waitFor();
    await logout();
  });

  await step('login then asks for the code: none or a wrong one is refused, the right one lets in', async () => {
    await login('kim', NEW);
    await page.locator('#login-error').filter({ hasText: 'ユーザー名またはパスワードが違います' }).waitFor();
    const wrong = totp(secret, 1) === '123456' ? '654321' : '123456';
    await login('kim', NEW, wrong);
    await page.locator('#login-error').filter({ hasText: 'ユーザー名またはパスワードが違います' }).waitFor();
    await login('kim', NEW, totp(secret, 1)); // the next step's code: the confirming one was used
    await page.locator('#who').filter({ hasText: 'kim' }).waitFor();
  });

  await step('turning it off asks for the password', async () => {
    await page.goto(`${BASE}/#/password`);
    await page.locator('#totp-off-password').fill('not the password at all');
    await page.locator('#totp-off').click();
    await page.locator('#totp-error').filter({ hasText: 'パスワードが違います' }).waitFor();
    await page.locator('#totp-off-password').fill(NEW);
    await page.locator('#totp-off').click();
    await page.locator('#notice').filter({ hasText: '2段階認証を無効にしました' }).waitFor();
    await page.locator('#totp-start').waitFor();
    await logout();
    await login('kim', NEW);
    await page.locator('#who').filter({ hasText: 'kim' }).waitFor();
  });

  await step('no script errors and no CSP violations', async () => {
    assert.deepEqual(problems.filter((p) => !p.includes('401') && !p.includes('403') && !p.includes('400')), []);
  });
  console.log(`account: ${passed()} steps passed`);
} finally {
  await close();
}
