// SPDX-License-Identifier: Apache-2.0
// The dashboard (requirement statuses, charts drawn by the server, open
// faults with due times, overdue items, silent agents, then the record
// kinds) and the compliance page (every requirement with its source
// clauses, its rules and links to the records that cause its status).
// Statuses are shown with a symbol and a word, never by colour alone.
import { api } from './api.js';
import { h } from './dom.js';
import { currentLang, t, title } from './i18n.js';

const ORDER = ['missed', 'at-risk', 'no-evidence', 'met'];
const SYMBOL = { met: '✓', 'at-risk': '!', missed: '✕', 'no-evidence': '?' };

function when(iso) {
  return iso ? iso.slice(0, 16).replace('T', ' ') : '';
}

export function statusBadge(status) {
  return h('span', { class: `status status-${status}`, dataset: { status } },
    h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, SYMBOL[status] || '?'), t(`status.${status}`));
}

function chart(name) {
  return h('figure', { class: 'chart' },
    h('img', { src: `/api/v1/dashboard/chart/${name}.svg?lang=${currentLang()}`, alt: t(`chart.${name}`), width: 660, id: `chart-${name}` }));
}

function recordLink(id, text) {
  return id && id !== 'ledger' ? h('a', { href: `#/record/${encodeURIComponent(id)}` }, text || id) : (text || id);
}

function kindCards(schema) {
  const grid = h('div', { class: 'grid' });
  for (const k of schema.kinds) {
    const count = h('p', { class: 'count' }, '…');
    grid.append(h('div', { class: 'card' },
      h('h3', {}, h('a', { href: `#/kind/${k.kind}` }, title(k.title, k.kind))), count,
      k.may_create ? h('a', { class: 'button', href: `#/kind/${k.kind}/new` }, t('list.new')) : null));
    api('GET', `/records/${k.kind}?limit=0`).then((r) => { count.textContent = t('dash.count', { n: r.total }); },
      () => { count.textContent = '—'; });
  }
  return grid;
}

const SHOWN = 10; // rows of a dashboard list; the compliance page has the rest

// A table of at most SHOWN rows; total (when larger) says how many more there are.
function table(id, heads, rows, empty, total = rows.length) {
  const more = Math.max(total, rows.length) - Math.min(rows.length, SHOWN);
  return h('div', { class: 'scroll' }, h('table', { class: 'records', id },
    h('thead', {}, h('tr', {}, heads.map((x) => h('th', { scope: 'col' }, x)))),
    h('tbody', {}, rows.length ? rows.slice(0, SHOWN) : h('tr', {}, h('td', { colspan: heads.length }, empty)))),
  more > 0 ? h('p', { class: 'muted more' }, t('comp.more', { n: more }), ' ', h('a', { href: '#/compliance' }, t('dash.see_all'))) : null);
}

export async function dashboard(schema, show) {
  const d = await api('GET', '/dashboard');
  const s = d.summary;
  const tiles = h('div', { class: 'tiles', id: 'status-summary' }, ORDER.map((st) => h('a', {
    class: `tile status-${st}`, href: '#/compliance', dataset: { status: st },
  }, h('span', { class: 'tile-n' }, String(s[st] ?? 0)), statusBadge(st))));
  const reqRows = d.requirements.map((r) => h('tr', { dataset: { req: r.id } },
    h('td', {}, r.id),
    h('td', {}, h('a', { href: `#/compliance/${r.id}` }, title(r.title, r.id))),
    h('td', {}, statusBadge(r.status))));
  const faultRows = d.open_faults.map((f) => h('tr', {},
    h('td', { class: 'nowrap' }, recordLink(f.id)), h('td', {}, f.summary),
    h('td', { class: 'nowrap' }, f.due_at ? when(f.due_at) : t('dash.no_target')),
    h('td', {}, f.overdue ? h('span', { class: 'status status-missed' }, h('span', { class: 'status-symbol', 'aria-hidden': 'true' }, '✕'), t('dash.overdue'))
      : f.onsite_started_at ? t('dash.arrived', { at: when(f.onsite_started_at) }) : t('dash.within'))));
  const overdueRows = d.overdue.map((o) => h('tr', {},
    h('td', {}, h('a', { href: `#/compliance/${o.requirement}` }, o.requirement)),
    h('td', { class: 'nowrap' }, recordLink(o.id)), h('td', { class: 'nowrap' }, when(o.due))));
  const agentRows = d.silent_agents.map((a) => h('tr', {},
    h('td', {}, recordLink(a.id)), h('td', {}, a.hostname), h('td', {}, a.last_report_at ? when(a.last_report_at) : t('dash.never'))));
  show(h('section', { id: 'dashboard' },
    h('h1', {}, t('dash.title')),
    h('p', { class: 'muted' }, t('dash.at', { at: when(d.at) })),
    h('h2', {}, t('dash.requirements')),
    tiles,
    h('div', { class: 'charts' }, chart('requirements'), chart('sla'), chart('inspection')),
    h('div', { class: 'columns' },
      h('div', {}, h('h2', {}, t('dash.open_faults')),
        table('open-faults', [t('dash.id'), t('dash.summary'), t('dash.due'), t('dash.sla')], faultRows, t('dash.none'), d.open_faults_total)),
      h('div', {}, h('h2', {}, t('dash.overdue_items')),
        table('overdue', [t('dash.requirement'), t('dash.record'), t('dash.due')], overdueRows, t('dash.none'), d.overdue_total),
        h('h2', {}, t('dash.silent_agents', { days: d.agent_days })),
        table('silent-agents', [t('dash.record'), t('dash.host'), t('dash.last_report')], agentRows, t('dash.none'), d.silent_agents_total))),
    h('h2', {}, t('dash.all_requirements')),
    h('div', { class: 'scroll' }, h('table', { class: 'records', id: 'requirements' },
      h('thead', {}, h('tr', {}, [t('dash.id'), t('dash.requirement'), t('dash.status')].map((x) => h('th', { scope: 'col' }, x)))),
      h('tbody', {}, reqRows))),
    h('h2', {}, t('dash.kinds')),
    h('p', { class: 'muted' }, t('dash.intro')),
    kindCards(schema)));
}

function causeItem(c) {
  const detail = c.detail ? (c.detail.includes('T') ? when(c.detail) : c.detail) : '';
  return h('li', { class: 'cause', dataset: { status: c.status } },
    statusBadge(c.status), ' ', recordLink(c.id), ' — ', t(`reason.${c.reason}`, { detail }),
    c.component ? ` (${c.component})` : null,
    c.related ? h('span', {}, ' (', recordLink(c.related), ')') : null);
}

// The causes of a rule: the first SHOWN, and a button for the rest the server listed.
function causeList(r) {
  const ul = h('ul', { class: 'causes' });
  const render = (all) => {
    while (ul.firstChild) ul.removeChild(ul.firstChild);
    const shown = all ? r.causes : r.causes.slice(0, SHOWN);
    ul.append(...shown.map(causeItem));
    const rest = r.causes_total - shown.length;
    if (rest > 0) {
      ul.append(h('li', { class: 'muted' }, t('comp.more', { n: rest }), ' ',
        !all && r.causes.length > SHOWN ? h('button', { type: 'button', class: 'link', onclick: () => render(true) }, t('comp.show_all')) : null));
    }
  };
  render(false);
  return ul;
}

function ruleBlock(r) {
  const counts = r.status === 'no-evidence' ? t('comp.no_records')
    : t('comp.counts', { checked: r.checked, ok: r.ok, at_risk: r.at_risk, missed: r.missed });
  return h('div', { class: 'rule' },
    h('p', {}, statusBadge(r.status), ' ', title(r.title, r.type)),
    h('p', { class: 'muted' }, counts),
    r.causes.length ? causeList(r) : null);
}

export async function complianceView(show, focus) {
  const c = await api('GET', '/compliance');
  const cards = c.requirements.map((r) => h('article', { class: 'card requirement', id: `req-${r.id}`, dataset: { req: r.id, status: r.status } },
    h('div', { class: 'title-row' }, h('h2', {}, `${r.id} ${title(r.title, r.id)}`), statusBadge(r.status)),
    h('p', {}, title(r.summary, '')),
    h('h3', {}, t('comp.sources')),
    h('ul', { class: 'clauses' }, r.clauses.map((cl) => h('li', {}, h('strong', {}, `${cl.doc} ${cl.clause}`), ' — ', title(cl.text, '')))),
    h('h3', {}, t('comp.evidence')),
    r.rules.length ? r.rules.map(ruleBlock) : h('p', { class: 'muted note' }, title(r.evidence_note, ''))));
  show(h('section', { id: 'compliance' },
    h('h1', {}, t('comp.title')),
    h('p', { class: 'muted' }, t('comp.intro', { at: when(c.at) })),
    h('div', { class: 'tiles' }, ORDER.map((st) => h('div', { class: `tile status-${st}` },
      h('span', { class: 'tile-n' }, String(c.summary[st] ?? 0)), statusBadge(st)))),
    cards));
  if (focus) {
    const el = document.getElementById(`req-${focus}`);
    if (el) {
      el.scrollIntoView();
      el.setAttribute('tabindex', '-1');
      el.focus({ preventScroll: true });
    }
  }
}
