// SPDX-License-Identifier: Apache-2.0
// CSV import on a kind's list page (POST /api/v1/records/{kind}/import):
// the file saved from Excel as "CSV UTF-8", a header row of field names.
// The server checks every row and writes all of them or none; a refusal
// names the line and column, shown here as it is.
import { api } from './api.js';
import { h } from './dom.js';
import { t } from './i18n.js';

const MAX_BYTES = 16 << 20; // MM_CSV_FILE_MAX

export function importPanel(k, onDone) {
  const file = h('input', { id: 'import-file', type: 'file', accept: '.csv,text/csv', 'aria-describedby': 'import-help' });
  const err = h('p', { class: 'error', role: 'alert', id: 'import-error' });
  const ok = h('p', { class: 'ok-text', role: 'status', id: 'import-result' });
  const button = h('button', { type: 'submit', id: 'import-submit' }, t('import.submit'));
  const derived = k.sla ? [k.sla.due, k.sla.status] : []; // computed by mamori: not imported
  const names = k.fields.map((f) => f.name).filter((n) => !derived.includes(n)).join(',');
  const form = h('form', { class: 'import', id: 'import-form' },
    h('label', { for: 'import-file' }, t('import.file')), file,
    h('p', { class: 'muted', id: 'import-help' }, t('import.help')),
    h('p', { class: 'muted mono small' }, names),
    button, err, ok);
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    ok.textContent = '';
    if (!file.files.length) {
      err.textContent = t('import.choose');
      file.focus();
      return;
    }
    const f = file.files[0];
    if (f.size > MAX_BYTES) {
      err.textContent = t('import.too_large');
      return;
    }
    button.disabled = true;
    try {
      const r = await api('POST', `/records/${k.kind}/import`, await f.arrayBuffer(), { raw: true, type: 'text/csv; charset=utf-8' });
      ok.textContent = t('import.done', { n: r.count, first: r.first, last: r.last });
      file.value = '';
      onDone(r);
    } catch (e) {
      err.textContent = e.detail ? `${t('import.refused')} ${e.detail}` : e.message;
    } finally {
      button.disabled = false;
    }
  });
  return h('details', { class: 'card import-card', id: 'import' }, h('summary', {}, t('import.title')), form);
}

// A restore request's signed order (written by its approval): a download for
// `mamori-agent fim restore --order FILE`, with the text shown for checking.
export function orderLink(r, text) {
  return h('div', { class: 'order' },
    h('a', { class: 'button primary', id: 'order-download', href: `/api/v1/record/${r.id}/order`, download: '' }, t('order.download')),
    h('p', { class: 'muted' }, t('order.help')),
    h('pre', { class: 'mono small', id: 'order-text' }, text));
}
