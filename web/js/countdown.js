// SPDX-License-Identifier: Apache-2.0
// Live countdowns to service-level due times (fault on-site start, minutes
// due): "あと 1時間23分" / "期限超過 12分", updated every second by one
// shared timer, with a colour class and always the words, so it reads the
// same without colour. The due time is the server's (the kind's "sla"
// fields from GET /api/v1/schema); the browser only counts.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const live = new Set();
let timer = null;

// "1時間23分" for a duration in seconds (days and hours, hours and minutes, or minutes and seconds).
export function spell(sec) {
  const s = Math.max(0, Math.floor(sec));
  const d = Math.floor(s / 86400);
  const hh = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return t('cd.dh', { d, h: hh });
  if (hh > 0) return t('cd.hm', { h: hh, m });
  if (m >= 10) return t('cd.m', { m });
  return t('cd.ms', { m, s: s % 60 });
}

function paint(el) {
  const left = (el.dueMs - Date.now()) / 1000;
  const over = left < 0;
  el.textContent = over ? t('cd.over', { t: spell(-left) }) : t('cd.left', { t: spell(left) });
  el.className = `countdown ${over ? 'cd-over' : left < 3600 ? 'cd-soon' : 'cd-ok'}`;
}

function tick() {
  for (const el of live) {
    if (!el.isConnected) live.delete(el);
    else paint(el);
  }
  if (!live.size) {
    clearInterval(timer);
    timer = null;
  }
}

// A span counting down to the ISO-8601 instant due (null if due is not a time).
export function countdown(due) {
  const ms = Date.parse(due);
  if (!Number.isFinite(ms)) return null;
  const el = h('span', { class: 'countdown', role: 'timer', 'aria-live': 'off', title: due.slice(0, 16).replace('T', ' ') });
  el.dueMs = ms;
  paint(el);
  live.add(el);
  if (!timer) timer = setInterval(tick, 1000);
  return el;
}

// True while the record's target is still open: due set, not met, not marked "none".
function open(k, r) {
  const s = k.sla;
  const st = r.data[s.status];
  return r.data[s.due] && st !== 'met' && st !== 'none' && !r.data[s.done];
}

// The list's due column for a kind with a service level (null for other kinds).
export function dueHead(k) {
  return k.sla ? h('th', { scope: 'col' }, t('cd.due')) : null;
}

export function dueCell(k, r) {
  if (!k.sla) return null;
  const due = r.data[k.sla.due];
  if (!due) return h('td', {}, '');
  if (open(k, r)) return h('td', {}, countdown(due));
  return h('td', {}, h('span', { class: `sla sla-${r.data[k.sla.status] || 'none'}` }, t(`cd.status_${r.data[k.sla.status] || 'none'}`)));
}

// The detail page's service-level card: due time, live countdown, and — when the target was missed and no
// reason is recorded yet — the reason field, prominently, since the next step needs it (002 §5(2) ※).
export function dueCard(k, r, onSaved) {
  if (!k.sla || !r.data[k.sla.due]) return null;
  const s = k.sla;
  const status = r.data[s.status] || 'none';
  const due = r.data[s.due];
  const card = h('div', { class: `card sla-card sla-card-${status}`, id: 'sla-card' },
    h('h2', {}, t('cd.title')),
    h('p', {}, h('span', { class: 'muted' }, t('cd.due_at', { at: due.slice(0, 16).replace('T', ' ') })), ' ',
      open(k, r) ? countdown(due) : h('span', { class: `sla sla-${status}` }, t(`cd.status_${status}`))));
  const missed = status === 'missed' || (open(k, r) && Date.parse(due) < Date.now());
  if (missed && s.reason && !r.data[s.reason] && r.may_update) {
    const box = h('textarea', { id: 'sla-reason', rows: 3, maxlength: 5000, required: true, 'aria-describedby': 'sla-reason-help' });
    const err = h('p', { class: 'error', role: 'alert', id: 'sla-reason-error' });
    const save = h('button', { type: 'button', class: 'primary', id: 'sla-reason-save' }, t('cd.reason_save'));
    save.addEventListener('click', async () => {
      err.textContent = '';
      if (!box.value.trim()) {
        err.textContent = t('cd.reason_empty');
        box.focus();
        return;
      }
      try {
        await api('PATCH', `/record/${r.id}`, { version: r.version, data: { [s.reason]: box.value.trim() } });
        onSaved();
      } catch (e) {
        err.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
      }
    });
    card.classList.add('sla-needs-reason');
    card.append(h('label', { for: 'sla-reason', class: 'strong' }, t('cd.reason_label')),
      h('p', { class: 'muted', id: 'sla-reason-help' }, t('cd.reason_help')), box, err, save);
  } else if (s.reason && r.data[s.reason]) {
    card.append(h('p', {}, h('strong', {}, t('cd.reason_given')), ' ', r.data[s.reason]));
  }
  return card;
}
