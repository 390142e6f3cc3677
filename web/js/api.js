// SPDX-License-Identifier: Apache-2.0
// Calls to /api/v1/. The session cookie is HttpOnly (script cannot read
// it); the CSRF token from the login reply is kept in memory and sent on
// every state change. A 401 means the session ended: back to the login.
import { currentLang } from './i18n.js';

let csrf = null;
let onLoggedOut = () => {};

export function setCsrf(token) {
  csrf = token;
}

export function whenLoggedOut(fn) {
  onLoggedOut = fn;
}

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `HTTP ${status}`);
    this.status = status;
    this.code = e.code || 'internal';
    this.field = e.field;
    this.detail = e.detail;
  }
}

export async function api(method, path, body, opts = {}) {
  const headers = { 'X-Mamori-Lang': currentLang() };
  if (method !== 'GET' && csrf) headers['X-CSRF-Token'] = csrf;
  let payload;
  if (opts.raw) {
    payload = body;
    headers['Content-Type'] = opts.type || 'application/octet-stream';
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  const r = await fetch(`/api/v1${path}`, { method, headers, body: payload, credentials: 'same-origin', cache: 'no-store' });
  let data = null;
  const type = r.headers.get('Content-Type') || '';
  if (type.startsWith('application/json')) data = await r.json();
  if (!r.ok) {
    const err = new ApiError(r.status, data);
    if (r.status === 401 && !opts.quiet401) onLoggedOut(err);
    throw err;
  }
  return data;
}
