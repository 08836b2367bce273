// KPIs (GET /api/v1/kpis, issue 11) as a table and a chart, and the inbox (GET /api/v1/events).
// Both endpoints come from other work; a 404 gets a clear note instead of an error.
import uPlot from '../vendor/uplot/uPlot.esm.js';
import { api, t, el, num, pct, money, when, ApiError, showError } from './common.mjs';

const $ = (x) => document.getElementById(x);
const view = document.querySelector('[data-view]').dataset.view;
const RATES = new Set(['share_verdict_rate', 'new_tower_sharing_rate', 'sla_met_rate']);

function fmt(key, v) {
  if (typeof v !== 'number') return String(v ?? '');
  if (RATES.has(key)) return pct(v);
  if (key === 'saving') return money(v);
  return num(v, 2);
}

const label = (key) => (t(`kpi.${key}`) === `kpi.${key}` ? key : t(`kpi.${key}`));

function groupsOf(data) {
  const arr = Object.values(data).find((v) => Array.isArray(v) && v.length && typeof v[0] === 'object');
  return arr || [];
}

function csv(rows, keys) {
  const q = (s) => `"${String(s ?? '').replaceAll('"', '""')}"`;
  return [keys.map(q).join(','), ...rows.map((r) => keys.map((k) => q(r[k])).join(','))].join('\n');
}

function chart(groups, keys) {
  const box = $('chart');
  box.replaceChildren();
  const series = keys.filter((k) => RATES.has(k));
  if (!groups.length || !series.length) return;
  const xs = groups.map((_, i) => i);
  const names = groups.map((g) => String(g.key ?? g.group ?? g.month ?? g.owner ?? g.sector ?? ''));
  const colours = ['#1d4ed8', '#15803d', '#b45309'];
  new uPlot({
    width: Math.min(900, box.clientWidth || 900), height: 260, scales: { x: { time: false } },
    axes: [{ values: (_u, ticks) => ticks.map((i) => names[i] ?? '') }, { values: (_u, ticks) => ticks.map((v) => pct(v)) }],
    series: [{}, ...series.map((k, i) => ({ label: label(k), stroke: colours[i % 3], width: 2 }))],
  }, [xs, ...series.map((k) => groups.map((g) => g[k] ?? null))], box);
}

async function kpis() {
  const p = new URLSearchParams({ from: $('k-from').value, to: $('k-to').value, group_by: $('k-group').value });
  const data = await api(`/api/v1/kpis?${p}`);
  const top = Object.entries(data).filter(([, v]) => typeof v === 'number');
  const groups = groupsOf(data);
  const keys = groups.length ? Object.keys(groups[0]) : [];
  $('content').replaceChildren(
    el('table', {}, el('tbody', {}, top.map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, label(k)), el('td', { class: 'num' }, fmt(k, v)))))),
    groups.length ? el('table', {}, el('thead', {}, el('tr', {}, keys.map((k) => el('th', { scope: 'col' }, label(k))))),
      el('tbody', {}, groups.map((g) => el('tr', {}, keys.map((k) => el('td', {}, fmt(k, g[k]))))))) : '',
  );
  chart(groups, keys);
  const link = $('k-csv');
  const rows = groups.length ? groups : [Object.fromEntries(top)];
  link.href = URL.createObjectURL(new Blob([csv(rows, groups.length ? keys : top.map(([k]) => k))], { type: 'text/csv' }));
  link.hidden = false;
}

async function inbox() {
  const data = await api('/api/v1/events?limit=100');
  const items = data.items || [];
  if (!items.length) { $('content').replaceChildren(el('p', {}, t('list.empty'))); return; }
  $('content').replaceChildren(el('table', {}, el('thead', {}, el('tr', {}, [t('col.when'), t('col.kind'), t('col.purpose'), t('col.state')].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, items.map((e) => el('tr', { class: e.read ? '' : 'unread' },
      el('td', {}, when(e.created_at || e.at)), el('td', {}, e.type || e.kind || ''),
      el('td', {}, e.message || e.summary || e.object || ''), el('td', {}, e.read ? t('inbox.read') : t('inbox.unread')))))));
}

async function load() {
  try {
    await (view === 'kpis' ? kpis() : inbox());
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) $('content').replaceChildren(el('p', { class: 'note', role: 'status' }, t(`${view}.unavailable`)));
    else showError($('content'), err);
  }
  document.body.dataset.loaded = '1';
}

if (view === 'kpis') {
  const today = new Date();
  $('k-to').value = today.toISOString().slice(0, 10);
  $('k-from').value = new Date(today.getTime() - 365 * 86400000).toISOString().slice(0, 10);
  $('kpi-form').addEventListener('submit', (e) => { e.preventDefault(); load(); });
}
load();
