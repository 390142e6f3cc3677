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
