// SPDX-License-Identifier: Apache-2.0
// Reports (.xlsx, A4): the 報告書 page — monthly reports for a chosen month —
// and the download button on the detail page of a fault, work request,
// inspection or erased confidential material. Each download is made by the
// server from the records (GET /api/v1/report/{name}) and carries the
// ledger checkpoint it was made from.
import { ApiError } from './api.js';
import { h } from './dom.js';
import { currentLang, t } from './i18n.js';

// The reports of a month, in the order a municipality files them.
const MONTHLY = ['monthly-work', 'completion', 'security-status', 'fault', 'access-log'];
// Per-record reports: the kind their id must be, and the states that can make one.
const PER_RECORD = {
  fault: { report: 'fault' },
  work_request: { report: 'work-request' },
  inspection_campaign: { report: 'inspection' },
  confidential_material: { report: 'erasure-certificate', states: ['erased', 'erasure-confirmed'] },
};

// The file name the server chose (RFC 5987 filename*), else a plain one.
function fileName(disposition, fallback) {
  const m = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '');
  if (m) {
    try { return decodeURIComponent(m[1]); } catch (e) { /* fall through */ }
  }
  return fallback;
}

async function download(name, query, status) {
  status.textContent = t('reports.making');
  status.className = 'muted';
  const q = new URLSearchParams({ ...query, lang: currentLang() });
  try {
    const r = await fetch(`/api/v1/report/${encodeURIComponent(name)}?${q}`, { credentials: 'same-origin', cache: 'no-store' });
    if (!r.ok) {
      const type = r.headers.get('Content-Type') || '';
      throw new ApiError(r.status, type.startsWith('application/json') ? await r.json() : null);
    }
    const blob = await r.blob();
    const url = URL.createObjectURL(blob);
    const a = h('a', { href: url, download: fileName(r.headers.get('Content-Disposition'), `${name}.xlsx`), hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
    status.textContent = t('reports.done', { file: a.download });
  } catch (e) {
    status.className = 'error';
    status.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
  }
}

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

// The 報告書 page: pick a month, download any monthly report of it.
export function reportsView(params) {
  const month = h('input', { id: 'report-month', type: 'month', required: true,
    value: /^\d{4}-\d{2}$/.test(params.get('month') || '') ? params.get('month') : lastMonth() });
  const status = h('p', { id: 'report-status', role: 'status', 'aria-live': 'polite' });
  const rows = MONTHLY.map((name) => h('tr', {},
    h('th', { scope: 'row' }, t(`report.${name}`)),
    h('td', { class: 'muted' }, t(`report.${name}.about`)),
    h('td', {}, h('button', {
      type: 'button', class: 'primary', dataset: { report: name },
      onclick: () => {
        if (!/^\d{4}-\d{2}$/.test(month.value)) {
          status.className = 'error';
          status.textContent = t('reports.month_required');
          month.focus();
          return;
        }
        download(name, { month: month.value }, status);
      },
    }, t('reports.download')))));
  return h('section', { id: 'reports' },
    h('h1', {}, t('reports.title')),
    h('p', {}, t('reports.intro')),
    h('div', { class: 'card' },
      h('label', { for: 'report-month' }, t('reports.month')), month,
      h('table', { class: 'records' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t('reports.name')), h('th', { scope: 'col' }, t('reports.about')),
          h('th', { scope: 'col' }, t('reports.download')))),
        h('tbody', {}, rows)),
      status),
    h('p', { class: 'muted' }, t('reports.per_record')),
    h('p', { class: 'muted' }, t('reports.witness')));
}

// The download button of a record's own report, or null.
export function reportActions(record) {
  const per = PER_RECORD[record.kind];
  if (!per || (per.states && !per.states.includes(record.state))) return null;
  const status = h('p', { id: 'record-report-status', role: 'status', 'aria-live': 'polite' });
  return h('div', { class: 'card', id: 'record-report' },
    h('button', { type: 'button', id: 'record-report-download', dataset: { report: per.report },
      onclick: () => download(per.report, { id: record.id }, status) },
    t('reports.download_one', { report: t(`report.${per.report}`) })),
    status);
}
