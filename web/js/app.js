// SPDX-License-Identifier: Apache-2.0
// The mamori web UI: a hash router over views (login, dashboard, list,
// detail, form, accounts, password). Forms and buttons come from the
// schema the server sends (GET /api/v1/schema), with the user's role
// already applied; the server checks everything again.
import { api, setCsrf, whenLoggedOut } from './api.js';
import { $, clear, h } from './dom.js';
import { currentLang, enumTitle, loadLang, setLang, t, title } from './i18n.js';
import { recordForm } from './form.js';
import { resetCard, totpCard } from './account.js';
import { dueCard, dueCell, dueHead } from './countdown.js';
import { importPanel, orderLink } from './import.js';
import { complianceView, dashboard } from './dashboard.js';
import { reportActions, reportsView } from './reports.js';

const PAGE = 20;
let me = null;      // {user, role, tenant}
let schema = null;  // {kinds: [...]}
let pendingNotice = null; // shown after the next navigation

function kindOf(name) {
  return schema && schema.kinds.find((k) => k.kind === name);
}

function notice(text, kind = 'info') {
  const n = clear($('#notice'));
  if (text) n.append(h('p', { class: `notice ${kind}` }, text));
}

function stateTitle(k, s) {
  return title(k && k.state_titles && k.state_titles[s], s);
}

function fieldTitle(f) {
  return title(f.title, f.name);
}

// at: the location.hash a view was started for; a slow view whose page the user has left is dropped.
function show(view, at) {
  if (at !== undefined && at !== location.hash) return;
  const main = clear($('#main'));
  main.append(view);
  main.focus({ preventScroll: true });
}

// Record kinds by the work they belong to, for the menus of the header.
const NAV_GROUPS = [
  ['work', ['work_request', 'visit', 'fault', 'security_incident', 'meeting_minutes']],
  ['inspection', ['inspection_campaign', 'inspection_item', 'password_rotation', 'password_rotation_line', 'agent', 'restore_request']],
  ['registers', ['site', 'asset', 'person', 'subcontract', 'confidential_material', 'material_handling', 'area_access']],
];

// Open menus close when the page changes, on Escape, and when the pointer goes elsewhere.
function closeMenus(except) {
  for (const d of document.querySelectorAll('#nav details.menu[open]')) if (d !== except) d.open = false;
}
document.addEventListener('click', (ev) => closeMenus(ev.target.closest && ev.target.closest('#nav details.menu')));
document.addEventListener('keydown', (ev) => { if (ev.key === 'Escape') closeMenus(null); });
window.addEventListener('hashchange', () => closeMenus(null));

function renderChrome() {
  $('#brand').textContent = t('app.name');
  $('#skip-link').textContent = t('app.skip');
  $('#lang-switch').textContent = currentLang() === 'ja' ? 'English' : '日本語';
  $('#lang-switch').setAttribute('aria-label', t('app.switch_language'));
  const nav = clear($('#nav'));
  const logout = $('#logout');
  if (!me) {
    $('#who').textContent = '';
    logout.hidden = true;
    return;
  }
  $('#who').textContent = t('app.who', { user: me.user, role: t(`role.${me.role}`) });
  logout.hidden = false;
  logout.textContent = t('app.logout');
  if (me.must_change) { // a one-time password: nothing but the change
    nav.append(h('a', { href: '#/password' }, t('nav.password')));
    return;
  }
  nav.append(h('a', { href: '#/' }, t('nav.dashboard')));
  nav.append(h('a', { href: '#/compliance' }, t('nav.compliance')));
  // the record kinds, in a few menus a person can scan (a kind of a later schema lands in "other")
  const groups = new Map(NAV_GROUPS.map(([g]) => [g, []]));
  const rank = (k) => NAV_GROUPS.reduce((r, [, kinds]) => (kinds.includes(k.kind) ? kinds.indexOf(k.kind) : r), 99);
  for (const k of [...schema.kinds].sort((a, b) => rank(a) - rank(b))) {
    const g = (NAV_GROUPS.find(([, kinds]) => kinds.includes(k.kind)) || ['other'])[0];
    if (!groups.has(g)) groups.set(g, []);
    groups.get(g).push(h('a', { href: `#/kind/${k.kind}` }, title(k.title, k.kind)));
  }
  for (const [g, links] of groups) {
    if (links.length) nav.append(h('details', { class: 'menu' }, h('summary', {}, t(`nav.group.${g}`)), h('div', { class: 'menu-list' }, links)));
  }
  nav.append(h('a', { href: '#/reports' }, t('nav.reports')));
  nav.append(h('a', { href: '#/users' }, t('nav.users')));
  nav.append(h('a', { href: '#/password' }, t('nav.password')));
}

// ---- login ----

function loginView(message) {
  const err = h('p', { class: 'error', role: 'alert', id: 'login-error' }, message || '');
  const user = h('input', { id: 'login-user', name: 'user', autocomplete: 'username', required: true, maxlength: 64 });
  const pass = h('input', { id: 'login-password', name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const totp = h('input', { id: 'login-totp', name: 'totp', inputmode: 'numeric', autocomplete: 'one-time-code',
    pattern: '[0-9]{6}', maxlength: 6 });
  const form = h('form', { class: 'card narrow', id: 'login-form' },
    h('h1', {}, t('login.title')),
    h('label', { for: 'login-user' }, t('login.user')), user,
    h('label', { for: 'login-password' }, t('login.password')), pass,
    h('label', { for: 'login-totp' }, t('login.totp')), totp,
    err,
    h('button', { type: 'submit', class: 'primary' }, t('login.submit')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    err.textContent = '';
    try {
      const body = { user: user.value, password: pass.value };
      if (totp.value) body.totp = totp.value;
      const s = await api('POST', '/session', body, { quiet401: true });
      pass.value = '';
      totp.value = '';
      await startSession(s);
      location.hash = '#/';
      route();
    } catch (e) {
      err.textContent = e.message;
      pass.value = '';
      totp.value = '';
      pass.focus();
    }
  });
  show(form);
  user.focus();
}

async function startSession(s) {
  setCsrf(s.csrf);
  me = { user: s.user, role: s.role, tenant: s.tenant, must_change: !!s.must_change, totp: !!s.totp };
  schema = me.must_change ? { kinds: [] } : await api('GET', '/schema');
  renderChrome();
}

// ---- list ----

async function listView(kindName, params) {
  const at = location.hash;
  const k = kindOf(kindName);
  if (!k) return notFound();
  const q = params.get('q') || '';
  const state = params.get('state') || '';
  const sort = params.get('sort') || 'id';
  const order = params.get('order') || 'asc';
  const offset = Number(params.get('offset') || 0);
  const go = (changes) => {
    const p = new URLSearchParams({ q, state, sort, order, offset: String(offset), ...changes });
    location.hash = `#/kind/${kindName}?${p}`;
  };
  const query = new URLSearchParams({ q, state, sort, order, limit: String(PAGE), offset: String(offset) });
  const data = await api('GET', `/records/${kindName}?${query}`);
  const cols = k.fields.filter((f) => ['string', 'enum', 'date', 'integer', 'ref'].includes(f.type)).slice(0, 4);
  const names = await refNames(cols.filter((f) => f.type === 'ref').map((f) => f.ref));
  const search = h('input', { id: 'list-q', type: 'search', value: q, 'aria-label': t('list.search') , placeholder: t('list.search') });
  const stateSel = h('select', { id: 'list-state', 'aria-label': t('list.state') },
    h('option', { value: '' }, t('list.all_states')),
    k.states.map((s) => h('option', { value: s, selected: s === state }, stateTitle(k, s))));
  const filter = h('form', { class: 'filters', role: 'search' }, search, stateSel,
    h('button', { type: 'submit' }, t('list.filter')));
  filter.addEventListener('submit', (ev) => { ev.preventDefault(); go({ q: search.value, state: stateSel.value, offset: '0' }); });
  const sortHead = (key, label) => {
    const active = sort === key;
    const next = active && order === 'asc' ? 'desc' : 'asc';
    return h('th', { scope: 'col', 'aria-sort': active ? (order === 'asc' ? 'ascending' : 'descending') : 'none' },
      h('button', { type: 'button', class: 'link', onclick: () => go({ sort: key, order: next }) },
        label, active ? (order === 'asc' ? ' ▲' : ' ▼') : ''));
  };
  const rows = data.items.map((r) => h('tr', {},
    h('td', {}, h('a', { href: `#/record/${r.id}` }, r.id)),
    cols.map((f) => h('td', {}, f.type === 'ref' && r.data[f.name] ? refLink(names, r.data[f.name]) : valueText(f, r.data[f.name]))),
    h('td', {}, h('span', { class: `badge state-${r.state}` }, stateTitle(k, r.state))),
    dueCell(k, r),
    h('td', {}, r.updated.slice(0, 16).replace('T', ' '))));
  const table = h('table', { class: 'records', id: 'records' },
    h('thead', {}, h('tr', {}, sortHead('id', 'ID'), cols.map((f) => sortHead(f.name, fieldTitle(f))),
      sortHead('state', t('list.state')), dueHead(k), sortHead('updated', t('list.updated')))),
    h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: cols.length + (k.sla ? 4 : 3) }, t('list.empty')))));
  const pager = h('nav', { class: 'pager', 'aria-label': t('list.pages') },
    h('button', { type: 'button', disabled: offset === 0, onclick: () => go({ offset: String(Math.max(0, offset - PAGE)) }) }, t('list.prev')),
    h('span', {}, t('list.range', { from: data.total ? offset + 1 : 0, to: Math.min(offset + PAGE, data.total), total: data.total })),
    h('button', { type: 'button', disabled: offset + PAGE >= data.total, onclick: () => go({ offset: String(offset + PAGE) }) }, t('list.next')));
  show(h('section', {},
    h('div', { class: 'title-row' }, h('h1', {}, title(k.title, k.kind)),
      k.may_create ? h('a', { class: 'button primary', href: `#/kind/${kindName}/new`, id: 'new-record' }, t('list.new')) : null),
    filter, h('div', { class: 'scroll' }, table), pager,
    k.may_create ? importPanel(k, (r) => {
      pendingNotice = t('import.done', { n: r.count, first: r.first, last: r.last });
      go({ offset: '0', sort: 'id', order: 'desc' });
    }) : null), at);
}

// ---- names of referenced records ----

// id → a name a person recognises (name, title or summary), per kind, kept for half a minute.
const refCache = new Map();
async function refNames(kinds) {
  const out = new Map();
  await Promise.all([...new Set(kinds)].map(async (kind) => {
    let c = refCache.get(kind);
    if (!c || Date.now() - c.at > 30000) {
      const names = new Map();
      try {
        const r = await api('GET', `/records/${kind}?limit=1000`);
        for (const it of r.items) names.set(it.id, it.data.name || it.data.title || it.data.summary || it.id);
      } catch (e) { /* no right to read that kind: ids are shown */ }
      c = { at: Date.now(), names };
      refCache.set(kind, c);
    }
    for (const [id, n] of c.names) out.set(id, n);
  }));
  return out;
}

// A link to a referenced record by its name; withId adds the id after it (detail views, for auditors).
function refLink(names, id, withId = false) {
  const n = names.get(id);
  if (!n || n === id) return h('a', { href: `#/record/${id}` }, id);
  const a = h('a', { href: `#/record/${id}`, title: id }, n);
  return withId ? h('span', {}, a, ' ', h('span', { class: 'muted small' }, `(${id})`)) : a;
}

// ---- detail ----

// A campaign's checklist (every machine × item of 別紙1 §4, or × component of §3), made on request.
const CHECKLISTS = { inspection_campaign: 'inspection_item', password_rotation: 'password_rotation_line' };
function checklistCard(r, redraw) {
  const lineKind = kindOf(CHECKLISTS[r.kind]);
  if (!lineKind || !lineKind.may_create || !['planned', 'in-progress'].includes(r.state)) return null;
  const out = h('p', { role: 'status', id: 'checklist-result' });
  const btn = h('button', { type: 'button', class: 'primary', id: 'checklist-make' }, t('checklist.make'));
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    out.textContent = t('checklist.working');
    try {
      const res = await api('POST', `/record/${r.id}/populate`, {});
      await redraw();
      notice(t('checklist.done', { created: res.created, existing: res.existing, assets: res.assets }));
    } catch (e) {
      out.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
      btn.disabled = false;
    }
  });
  return h('div', { class: 'card', id: 'checklist' }, h('h2', {}, t('checklist.heading')),
    h('p', {}, t(`checklist.intro.${r.kind}`)), btn, ' ',
    h('a', { href: `#/kind/${lineKind.kind}?${new URLSearchParams({ q: r.id })}` }, t('checklist.open', { kind: title(lineKind.title, lineKind.kind) })),
    out);
}

// A failed inspection item's finding becomes a corrective work request (C2): the municipality, who
// issues work requests, starts one filled in from the finding; the contractor then links it on the item.
function correctiveCard(r, names) {
  const wr = kindOf('work_request');
  if (r.kind !== 'inspection_item' || r.state !== 'failed' || r.data.corrective_request || !wr || !wr.may_create) return null;
  const today = new Date(Date.now() + 9 * 3600e3).toISOString().slice(0, 10);
  const prefill = {
    title: t('corrective.title', { item: r.data.item, asset: names.get(r.data.asset) || r.data.asset }).slice(0, 200),
    category: 'setting-change',
    description: t('corrective.description', { id: r.id, finding: r.data.finding || '' }),
    target_assets: [r.data.asset],
    requested_from: today,
    requested_until: today,
  };
  return h('div', { class: 'card', id: 'corrective' }, h('h2', {}, t('corrective.heading')),
    h('p', {}, t('corrective.intro')),
    h('a', { class: 'button primary', id: 'corrective-new',
      href: `#/kind/work_request/new?${new URLSearchParams({ prefill: JSON.stringify(prefill) })}` }, t('corrective.create')));
}

function valueText(f, v) {
  if (v === undefined || v === null) return '';
  if (f && f.type === 'boolean') return v ? t('form.yes') : t('form.no');
  if (f && f.type === 'enum') return enumTitle(f, v);
  // a Japan-time instant as people write it; any other zone is shown with its offset
  if (f && f.type === 'datetime' && typeof v === 'string' && v.endsWith('+09:00')) return v.slice(0, 16).replace('T', ' ');
  if (Array.isArray(v)) return v.map((x) => (f && f.item && f.item.type === 'enum' ? enumTitle(f, x) : x)).join(', ');
  return String(v);
}

// A history row's operation: create/update from the catalogue, a transition by its own title.
function opTitle(k, op) {
  const tr = k.transitions.find((x) => x.name === op);
  return t(`op.${op}`) === `op.${op}` && tr ? title(tr.title, op) : t(`op.${op}`);
}

async function detailView(id) {
  const at = location.hash;
  const r = await api('GET', `/record/${id}`);
  const k = kindOf(r.kind);
  const hist = await api('GET', `/record/${id}/history`);
  const names = await refNames(k.fields.map((f) => f.ref || (f.item && f.item.ref)).filter(Boolean));
  const dl = h('dl', { class: 'fields' });
  for (const f of k.fields) {
    if (r.data[f.name] === undefined) continue;
    const v = r.data[f.name];
    let dd;
    if (f.type === 'attachment') dd = h('a', { href: `/api/v1/attachments/${v}`, download: '' }, t('detail.download'));
    else if (k.restore_order && f.name === k.restore_order.order) dd = orderLink(r, v);
    else if (f.type === 'ref') dd = refLink(names, v, true);
    else if (f.type === 'list' && f.item && f.item.type === 'ref') dd = h('span', {}, v.flatMap((x, i) => [i ? '、' : '', refLink(names, x, true)]));
    else dd = valueText(f, v);
    dl.append(h('dt', {}, fieldTitle(f)), h('dd', {}, dd));
  }
  const actions = h('div', { class: 'actions', id: 'transitions' });
  const reason = h('input', { id: 'reason', 'aria-label': t('detail.reason'), placeholder: t('detail.reason'), maxlength: 4000 });
  const err = h('p', { class: 'error', role: 'alert', id: 'detail-error' });
  for (const name of r.allowed_transitions) {
    const tr = k.transitions.find((x) => x.name === name);
    actions.append(h('button', {
      type: 'button', class: 'primary', dataset: { transition: name },
      onclick: async () => {
        err.textContent = '';
        if (tr.reason_required && !reason.value.trim()) {
          err.textContent = t('detail.reason_required');
          reason.focus();
          return;
        }
        try {
          await api('POST', `/record/${id}/transition`, { version: r.version, transition: name, reason: reason.value || undefined });
          notice(t('detail.done', { what: title(tr.title, name) }));
          detailView(id);
        } catch (e) {
          err.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
          // a missed target's reason is asked for at the top of the page: go there
          const box = k.sla && e.field === k.sla.reason ? document.getElementById('sla-reason') : null;
          if (box) box.focus();
        }
      },
    }, title(tr.title, name)));
  }
  const proofBox = h('div', { class: 'proof', id: 'proof', 'aria-live': 'polite' });
  const histRows = hist.map((v) => h('tr', {},
    h('td', {}, `v${v.version}`), h('td', {}, v.time.slice(0, 19).replace('T', ' ')),
    h('td', {}, v.actor), h('td', {}, t(`role.${v.role}`)), h('td', {}, opTitle(k, v.op)),
    h('td', {}, stateTitle(k, v.state)), h('td', {}, v.reason || ''),
    h('td', {}, h('button', { type: 'button', class: 'link', onclick: () => showProof(v.seq, proofBox) }, `#${v.seq}`))));
  show(h('section', {},
    h('p', {}, h('a', { href: `#/kind/${r.kind}` }, `← ${title(k.title, r.kind)}`)),
    h('div', { class: 'title-row' }, h('h1', { id: 'record-id' }, r.id),
      h('span', { class: `badge state-${r.state}`, id: 'record-state' }, stateTitle(k, r.state)),
      r.may_update ? h('a', { class: 'button', href: `#/record/${id}/edit`, id: 'edit-record' }, t('detail.edit')) : null),
    h('p', { class: 'muted' }, t('detail.meta', { version: r.version, by: r.updated_by, at: r.updated.slice(0, 16).replace('T', ' ') })),
    dueCard(k, r, () => detailView(id)),
    correctiveCard(r, names),
    checklistCard(r, () => detailView(id)),
    dl,
    reportActions(r),
    r.allowed_transitions.length ? h('div', { class: 'card' }, h('h2', {}, t('detail.transitions')), reason, actions, err) : null,
    h('h2', {}, t('detail.history')),
    h('div', { class: 'scroll' }, h('table', { class: 'records', id: 'history' },
      h('thead', {}, h('tr', {}, ['ver', 'time', 'actor', 'role', 'op', 'state', 'reason', 'ledger'].map((c) => h('th', { scope: 'col' }, t(`hist.${c}`))))),
      h('tbody', {}, histRows))),
    proofBox), at);
}

async function showProof(seq, box) {
  clear(box);
  try {
    const cp = await api('GET', '/ledger/checkpoint');
    const size = Number(cp.checkpoint.split('\n')[1]);
    const p = await api('GET', `/ledger/proof/${seq}${size >= seq ? `?size=${size}` : ''}`);
    box.append(h('h3', {}, t('proof.title', { seq })),
      h('dl', { class: 'fields' },
        h('dt', {}, t('proof.leaf')), h('dd', { class: 'mono' }, p.leaf),
        h('dt', {}, t('proof.tree')), h('dd', {}, String(p.tree_size)),
        h('dt', {}, t('proof.root')), h('dd', { class: 'mono' }, p.root),
        h('dt', {}, t('proof.path')), h('dd', {}, t('proof.hashes', { n: p.path.length }))),
      h('pre', { class: 'mono' }, cp.checkpoint));
  } catch (e) {
    box.append(h('p', { class: 'error' }, e.message));
  }
}

// ---- create / edit ----

async function formView(kindName, id, params) {
  const at = location.hash;
  const rec = id ? await api('GET', `/record/${id}`) : null;
  const k = kindOf(rec ? rec.kind : kindName);
  if (!k) return notFound();
  let prefill = null;
  try { prefill = !rec && params && params.get('prefill') ? JSON.parse(params.get('prefill')) : null; } catch (e) { prefill = null; }
  const form = await recordForm(k, rec, async (data, reason) => {
    if (rec) {
      const r = await api('PATCH', `/record/${id}`, { version: rec.version, data, reason: reason || undefined });
      return r.id;
    }
    const r = await api('POST', `/records/${k.kind}`, { data, reason: reason || undefined });
    return r.id;
  }, prefill && typeof prefill === 'object' ? prefill : null);
  show(h('section', {}, h('h1', {}, rec ? t('form.edit_title', { id }) : t('form.new_title', { kind: title(k.title, k.kind) })), form), at);
}

// ---- accounts ----

async function usersView() {
  const at = location.hash;
  let users;
  try {
    users = await api('GET', '/users');
  } catch (e) {
    show(h('section', {}, h('h1', {}, t('nav.users')), h('p', { class: 'error' }, e.message)));
    return;
  }
  const admin = me.role === 'admin';
  const rows = users.map((u) => h('tr', {},
    h('td', {}, u.name), h('td', {}, t(`role.${u.role}`)), h('td', {}, u.tenant || t('users.default_org')),
    h('td', {}, u.last_login ? u.last_login.slice(0, 16).replace('T', ' ') : t('users.never')),
    h('td', {}, u.disabled ? t('users.disabled') : u.locked_until ? t('users.locked')
      : u.must_change ? t('users.must_change') : t('users.active')),
    admin ? h('td', {}, u.name === me.user ? '' : h('button', {
      type: 'button', class: 'link',
      onclick: async () => {
        await api('POST', `/users/${u.name}/${u.disabled ? 'enable' : 'disable'}`);
        usersView();
      },
    }, u.disabled ? t('users.enable') : t('users.disable'))) : null));
  const section = h('section', {}, h('h1', {}, t('nav.users')), h('p', { class: 'muted' }, t('users.intro')),
    h('div', { class: 'scroll' }, h('table', { class: 'records', id: 'users' },
      h('thead', {}, h('tr', {}, ['name', 'role', 'org', 'last_login', 'status'].map((c) => h('th', { scope: 'col' }, t(`users.${c}`))),
        admin ? h('th', { scope: 'col' }, '') : null)),
      h('tbody', {}, rows))));
  if (admin) {
    const name = h('input', { id: 'nu-name', required: true, maxlength: 64 });
    const role = h('select', { id: 'nu-role' }, ['contractor-operator', 'contractor-manager', 'municipality-approver',
      'municipality-viewer', 'auditor', 'admin'].map((r) => h('option', { value: r }, t(`role.${r}`))));
    const pw = h('input', { id: 'nu-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
    const err = h('p', { class: 'error', role: 'alert' });
    const f = h('form', { class: 'card' }, h('h2', {}, t('users.add')),
      h('label', { for: 'nu-name' }, t('users.name')), name, h('label', { for: 'nu-role' }, t('users.role')), role,
      h('label', { for: 'nu-password' }, t('login.password')), pw, err, h('button', { type: 'submit', class: 'primary' }, t('users.add')));
    f.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      try {
        await api('POST', '/users', { name: name.value, role: role.value, password: pw.value });
        notice(t('users.added', { name: name.value }));
        usersView();
      } catch (e) {
        err.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
      }
    });
    section.append(f);
    const reset = resetCard(users, me, (who) => {
      pendingNotice = null;
      usersView().then(() => notice(t('reset.done', { name: who })));
    });
    if (reset) section.append(reset);
  }
  show(section, at);
}

function passwordView() {
  const cur = h('input', { id: 'pw-current', type: 'password', required: true, autocomplete: 'current-password' });
  const pw = h('input', { id: 'pw-new', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
  const err = h('p', { class: 'error', role: 'alert' });
  const f = h('form', { class: 'card narrow', id: 'password-form' }, h('h1', {}, t('nav.password')),
    me.must_change ? h('p', { class: 'notice', id: 'must-change', role: 'status' }, t('password.must_change')) : null,
    h('label', { for: 'pw-current' }, t('password.current')), cur,
    h('label', { for: 'pw-new' }, t('password.new')), pw, h('p', { class: 'muted' }, t('password.rule')), err,
    h('button', { type: 'submit', class: 'primary' }, t('password.submit')));
  const everywhere = h('div', { class: 'card narrow' }, h('h2', {}, t('sessions.title')), h('p', { class: 'muted' }, t('sessions.intro')),
    h('button', { type: 'button', id: 'logout-everywhere', onclick: async () => {
      try { await api('DELETE', '/sessions'); } catch (e) { /* ended anyway */ }
      me = null;
      setCsrf(null);
      renderChrome();
      notice(t('login.bye'));
      loginView();
    } }, t('sessions.end_all')));
  f.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    try {
      await api('PUT', '/session/password', { current: cur.value, password: pw.value });
      cur.value = '';
      pw.value = '';
      if (me.must_change) await startSession(await api('GET', '/session'));
      pendingNotice = t('password.done');
      if (location.hash === '#/' || location.hash === '') { notice(pendingNotice); pendingNotice = null; route(); }
      else location.hash = '#/';
    } catch (e) {
      err.textContent = e.detail ? `${e.message} (${e.detail})` : e.message;
    }
  });
  const totp = me.must_change ? null : totpCard(me.totp, (on) => {
    me.totp = on;
    passwordView();
    notice(t(on ? 'totp.enabled' : 'totp.disabled'));
  });
  show(h('div', {}, f, totp, everywhere));
}

function notFound() {
  show(h('section', {}, h('h1', {}, t('error.not_found'))));
}

// ---- router ----

let routeGen = 0; // counts navigations: a view drawn for an older one is dropped

async function route() {
  if (!me) return loginView();
  const hash = location.hash.slice(1) || '/';
  const [path, qs] = hash.split('?');
  const params = new URLSearchParams(qs || '');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (me.must_change) return passwordView(); // the server refuses the rest anyway
  // a slow view (the dashboard evaluates every requirement) must not replace one the user went on to
  const gen = ++routeGen;
  const showIfCurrent = (view) => { if (gen === routeGen) show(view); };
  try {
    if (parts.length === 0) return await dashboard(schema, showIfCurrent);
    if (parts[0] === 'compliance') return await complianceView(showIfCurrent, parts[1]);
    if (parts[0] === 'kind' && parts.length === 2) return await listView(parts[1], params);
    if (parts[0] === 'kind' && parts[2] === 'new') return await formView(parts[1], null, params);
    if (parts[0] === 'record' && parts.length === 2) return await detailView(parts[1]);
    if (parts[0] === 'record' && parts[2] === 'edit') return await formView(null, parts[1]);
    if (parts[0] === 'reports') return show(reportsView(params));
    if (parts[0] === 'users') return await usersView();
    if (parts[0] === 'password') return passwordView();
    return notFound();
  } catch (e) {
    if (e.status === 401) return undefined; // handled by whenLoggedOut
    show(h('section', {}, h('h1', {}, t('error.title')), h('p', { class: 'error' }, e.message)));
  }
  return undefined;
}

async function main() {
  await loadLang();
  whenLoggedOut(() => {
    me = null;
    setCsrf(null);
    renderChrome();
    loginView(t('login.expired'));
  });
  $('#lang-switch').addEventListener('click', () => {
    setLang(currentLang() === 'ja' ? 'en' : 'ja');
    location.reload();
  });
  $('#logout').addEventListener('click', async () => {
    try { await api('DELETE', '/session'); } catch (e) { /* already ended */ }
    me = null;
    setCsrf(null);
    renderChrome();
    notice(t('login.bye'));
    location.hash = '#/';
    loginView();
  });
  window.addEventListener('hashchange', () => {
    notice(pendingNotice || '');
    pendingNotice = null;
    route();
  });
  renderChrome();
  try {
    const s = await api('GET', '/session', undefined, { quiet401: true });
    await startSession(s);
  } catch (e) {
    me = null;
  }
  renderChrome();
  route();
}

main();
