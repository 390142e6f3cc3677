// SPDX-License-Identifier: Apache-2.0
// Account self-service beside the users and password pages: an
// administrator's one-time password for another account (the person must
// change it at their next login), and two-step login (TOTP) enrolment.
// Passwords typed here are sent once and never shown again.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

function errorText(e) {
  return e.detail ? `${e.message} (${e.detail})` : e.message;
}

// The administrator's card: pick an account of the organisation, type a
// one-time password, set it. done(name) runs after a successful reset.
export function resetCard(users, me, done) {
  const others = users.filter((u) => u.name !== me.user);
  if (!others.length) return null;
  const who = h('select', { id: 'reset-user' }, others.map((u) => h('option', { value: u.name }, u.name)));
  const pw = h('input', { id: 'reset-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const err = h('p', { class: 'error', role: 'alert', id: 'reset-error' });
  const f = h('form', { class: 'card', id: 'reset-form' }, h('h2', {}, t('reset.title')),
    h('p', { class: 'muted' }, t('reset.intro')),
    h('label', { for: 'reset-user' }, t('users.name')), who,
    h('label', { for: 'reset-password' }, t('reset.password')), pw,
    h('p', { class: 'muted' }, t('password.rule')), err,
    h('button', { type: 'submit', class: 'primary', id: 'reset-submit' }, t('reset.submit')));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    const name = who.value;
    try {
      await api('POST', `/users/${encodeURIComponent(name)}/reset-password`, { password: pw.value });
      pw.value = '';
      done(name);
    } catch (e) {
      pw.value = '';
      err.textContent = errorText(e);
    }
  });
  return f;
}

// Two-step login on the account page. Off: a button begins the set-up —
// the server makes a secret and draws its QR code; the person scans it (or
// types the key) and confirms with the first code, only then is it on.
// On: turning it off asks for the password. done(on) runs after a change.
export function totpCard(on, done) {
  const err = h('p', { class: 'error', role: 'alert', id: 'totp-error' });
  const card = h('section', { class: 'card narrow', id: 'totp-card' }, h('h2', {}, t('totp.title')));
  if (on) {
    const pw = h('input', { id: 'totp-off-password', type: 'password', required: true, autocomplete: 'current-password' });
    const f = h('form', { id: 'totp-off-form' }, h('p', { id: 'totp-state' }, t('totp.on')),
      h('label', { for: 'totp-off-password' }, t('password.current')), pw, err,
      h('button', { type: 'submit', id: 'totp-off' }, t('totp.turn_off')));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/session/totp/disable', { password: pw.value });
        pw.value = '';
        done(false);
      } catch (e) {
        pw.value = '';
        err.textContent = errorText(e);
      }
    });
    card.append(f);
    return card;
  }
  const start = h('button', { type: 'button', id: 'totp-start', class: 'primary' }, t('totp.start'));
  card.append(h('p', { id: 'totp-state', class: 'muted' }, t('totp.off')), start, err);
  start.addEventListener('click', async () => {
    err.textContent = '';
    let s;
    try {
      s = await api('POST', '/session/totp');
    } catch (e) {
      err.textContent = errorText(e);
      return;
    }
    const code = h('input', { id: 'totp-code', inputmode: 'numeric', autocomplete: 'one-time-code', pattern: '[0-9]{6}',
      maxlength: 6, required: true });
    const f = h('form', { id: 'totp-confirm-form' },
      h('p', {}, t('totp.scan')),
      h('img', { id: 'totp-qr', src: s.qr, width: 196, height: 196, alt: t('totp.qr_alt') }),
      h('p', {}, t('totp.key')),
      h('p', { id: 'totp-secret', class: 'mono' }, s.secret.match(/.{1,4}/g).join(' ')),
      h('label', { for: 'totp-code' }, t('totp.code')), code, err,
      h('button', { type: 'submit', class: 'primary', id: 'totp-confirm' }, t('totp.confirm')));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/session/totp/confirm', { totp: code.value });
        done(true);
      } catch (e) {
        code.value = '';
        err.textContent = errorText(e);
        code.focus();
      }
    });
    start.replaceWith(f);
    code.focus();
  });
  return card;
}
