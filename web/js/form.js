// SPDX-License-Identifier: Apache-2.0
// A record form generated from a schema kind: one control per field by
// type, the browser's own checks (required, lengths, ranges), and the
// server's validation message shown beside the field it names.
import { api } from './api.js';
import { h } from './dom.js';
import { enumTitle, t, title } from './i18n.js';

function control(f, value, id) {
  const common = { id, name: f.name, required: f.required && f.type !== 'boolean', 'aria-describedby': `${id}-msg` };
  switch (f.type) {
    case 'text':
      return h('textarea', { ...common, rows: 4, maxlength: f.max > 0 && f.max < 1e9 ? f.max : undefined }, value ?? '');
    case 'integer':
      return h('input', { ...common, type: 'number', step: 1, value: value ?? '',
        min: f.min > -1e15 ? f.min : undefined, max: f.max < 1e15 ? f.max : undefined });
    case 'boolean':
      return h('input', { ...common, type: 'checkbox', checked: value === true });
    case 'date':
      return h('input', { ...common, type: 'date', value: value ?? '' });
    case 'datetime':
      return h('input', { ...common, type: 'datetime-local', value: value ? String(value).slice(0, 16) : '' });
    case 'enum':
      return h('select', common, h('option', { value: '' }, '—'),
        (f.values || []).map((v) => h('option', { value: v, selected: v === value }, enumTitle(f, v))));
    case 'ref': {
      const sel = h('select', common, h('option', { value: '' }, '—'));
      api('GET', `/records/${f.ref}?limit=1000`).then((r) => {
        for (const it of r.items) {
          const label = it.data.name ? `${it.id} ${it.data.name}` : it.id;
          sel.append(h('option', { value: it.id, selected: it.id === value }, label));
        }
      }, () => {});
      return sel;
    }
    case 'list':
      return h('textarea', { ...common, rows: 3, placeholder: t('form.one_per_line') }, Array.isArray(value) ? value.join('\n') : '');
    case 'attachment':
      return h('input', { ...common, type: 'file', required: f.required && !value });
    default:
      return h('input', { ...common, type: 'text', value: value ?? '', maxlength: f.max > 0 && f.max < 1e9 ? f.max : undefined });
  }
}

async function readValue(f, el, old) {
  switch (f.type) {
    case 'boolean': return el.checked;
    case 'integer': return el.value === '' ? null : Number(el.value);
    case 'datetime': return el.value ? `${el.value}:00+09:00` : null;
    case 'list': {
      const items = el.value.split('\n').map((s) => s.trim()).filter(Boolean);
      return items.length ? items : null;
    }
    case 'attachment': {
      if (!el.files.length) return old ?? null;
      const file = el.files[0];
      const r = await api('POST', `/attachments?name=${encodeURIComponent(file.name)}`, await file.arrayBuffer(), { raw: true });
      return r.sha256;
    }
    default: return el.value === '' ? null : el.value;
  }
}

// prefill: field values a new record starts with (e.g. a corrective work request from a finding).
export async function recordForm(kind, rec, save, prefill = null) {
  const controls = [];
  const form = h('form', { class: 'card record-form', id: 'record-form', novalidate: false });
  for (const f of kind.fields) {
    if (f.derived) continue; // computed by mamori: shown on the record, never typed
    const id = `f-${f.name}`;
    const old = rec ? rec.data[f.name] : undefined;
    const el = control(f, rec ? old : (prefill && prefill[f.name]), id);
    const msg = h('p', { class: 'field-error', id: `${id}-msg`, role: 'alert' });
    controls.push({ f, el, msg, old });
    form.append(h('div', { class: `field field-${f.type}` },
      h('label', { for: id }, title(f.title, f.name), f.required ? h('span', { class: 'req', 'aria-hidden': 'true' }, ' *') : null),
      el, msg));
  }
  const reason = h('input', { id: 'f-reason', maxlength: 4000 });
  const err = h('p', { class: 'error', role: 'alert', id: 'form-error' });
  form.append(h('div', { class: 'field' }, h('label', { for: 'f-reason' }, t('form.reason')), reason), err,
    h('div', { class: 'actions' },
      h('button', { type: 'submit', class: 'primary', id: 'save' }, t('form.save')),
      h('a', { class: 'button', href: rec ? `#/record/${rec.id}` : `#/kind/${kind.kind}` }, t('form.cancel'))));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    for (const c of controls) { c.msg.textContent = ''; c.el.removeAttribute('aria-invalid'); }
    try {
      const data = {};
      for (const c of controls) {
        const v = await readValue(c.f, c.el, c.old);
        if (rec) {
          // merge patch: only changed fields; null removes
          if (JSON.stringify(v ?? null) !== JSON.stringify(c.old ?? null)) data[c.f.name] = v;
        } else if (v !== null) {
          data[c.f.name] = v;
        }
      }
      const id = await save(data, reason.value);
      location.hash = `#/record/${id}`;
    } catch (e) {
      const c = e.field && controls.find((x) => x.f.name === e.field);
      if (c) {
        c.msg.textContent = e.detail || e.message;
        c.el.setAttribute('aria-invalid', 'true');
        c.el.focus();
      } else {
        err.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
      }
    }
  });
  return form;
}
