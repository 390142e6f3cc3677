// SPDX-License-Identifier: Apache-2.0
// Message catalogues (web/i18n/ja.json, en.json). Japanese by default; the
// choice is kept in localStorage and sent to the server (X-Mamori-Lang) so
// its error messages follow it.

let lang = 'ja';
let messages = {};

export async function loadLang() {
  const saved = localStorage.getItem('mamori.lang');
  lang = saved === 'en' ? 'en' : 'ja';
  const r = await fetch(`/i18n/${lang}.json`, { credentials: 'same-origin' });
  messages = await r.json();
  document.documentElement.lang = lang;
}

export function setLang(l) {
  localStorage.setItem('mamori.lang', l === 'en' ? 'en' : 'ja');
}

export function currentLang() {
  return lang;
}

// t('key', {name: 'x'}) → the message with {name} replaced.
export function t(key, vars = {}) {
  const m = messages[key] ?? key;
  return m.replace(/\{(\w+)\}/g, (_, k) => (k in vars ? String(vars[k]) : `{${k}}`));
}

// A schema title object {ja, en} in the current language.
export function title(obj, fallback) {
  if (obj && typeof obj === 'object') return obj[lang] || obj.ja || obj.en || fallback;
  return fallback;
}

// What the UI shows for an enum value of field f: the schema's title for it, else the catalogue's, else the value.
export function enumTitle(f, v) {
  const own = f && f.value_titles && f.value_titles[v];
  if (own) return title(own, String(v));
  const key = `enum.${v}`;
  return t(key) === key ? String(v) : t(key);
}
