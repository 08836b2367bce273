// Shared helpers of the workspace: page data, translations, the API client, safe DOM building.
// Text always goes in through textContent, never innerHTML: user data stays text.

const data = JSON.parse(document.getElementById('page-data')?.textContent || '{}');
export const page = data;
export const lang = data.lang || 'en';
const csrf = document.querySelector('meta[name="csrf-token"]')?.content || '';

export function t(key, vars = {}) {
  let s = (data.strings && data.strings[key]) || key;
  for (const [k, v] of Object.entries(vars)) s = s.replaceAll(`{${k}}`, String(v));
  return s;
}

export class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

// Same-origin calls with the session cookie; writes carry the CSRF token.
export async function api(path, { method = 'GET', json, form } = {}) {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  let body;
  if (json !== undefined) { headers['Content-Type'] = 'application/json'; body = JSON.stringify(json); }
  if (form !== undefined) body = form;
  const r = await fetch(path, { method, headers, body, credentials: 'same-origin' });
  if (r.status === 204) return null;
  const payload = (r.headers.get('Content-Type') || '').includes('json') ? await r.json() : null;
  if (!r.ok) throw new ApiError(r.status, payload);
  return payload;
}

export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

const numberFmt = new Intl.NumberFormat(lang);
export const num = (n, digits = 0) =>
  new Intl.NumberFormat(lang, { maximumFractionDigits: digits }).format(n);
export const money = (n) =>
  new Intl.NumberFormat(lang, { style: 'currency', currency: data.currency || 'EUR', maximumFractionDigits: 0 }).format(n);
export const metres = (m) => (m >= 1000 ? `${num(m / 1000, 2)} km` : `${num(m, 0)} m`);
export const pct = (r) => new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(r);
export const when = (iso) => (iso ? new Intl.DateTimeFormat(lang, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso)) : '');
export { numberFmt };

// "3 d 4 h left" / "overdue by 2 h", in the page's language.
export function countdown(iso, now = Date.now()) {
  const ms = new Date(iso).getTime() - now;
  const abs = Math.abs(ms);
  const d = Math.floor(abs / 86400000);
  const h = Math.floor((abs % 86400000) / 3600000);
  const rel = new Intl.RelativeTimeFormat(lang, { numeric: 'always' });
  const text = d > 0 ? rel.format(ms < 0 ? -d : d, 'day') : rel.format(ms < 0 ? -h : h, 'hour');
  return { overdue: ms < 0, text };
}

export function showError(target, err) {
  const msg = err instanceof ApiError ? err.message : t('error.generic');
  target.replaceChildren(el('p', { class: 'error', role: 'alert' }, msg));
}

export const roles = new Set((data.actor && data.actor.roles) || []);
export const myOrg = data.actor && data.actor.org_id;
