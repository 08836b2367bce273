// The table pages: my requests, incoming share requests, the approver queue, my assets.
// Every row comes from the JSON API under this session; every cell is text.
import { api, t, el, page, when, countdown, num, myOrg, showError } from './common.mjs';

const content = document.getElementById('content');
const view = document.querySelector('[data-view]').dataset.view;
const PAGE = 25;

function table(headers, rows) {
  if (!rows.length) return el('p', {}, t('list.empty'));
  return el('table', {}, el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col' }, h)))), el('tbody', {}, rows));
}

function due(iso, open) {
  if (!iso || !open) return el('td', {}, when(iso));
  const c = countdown(iso);
  return el('td', { class: c.overdue ? 'overdue' : '' }, `${when(iso)} (${c.text})`);
}

const stateCell = (s) => el('td', { class: `state-${s}` }, t(`state.${s}`));

async function myRequests() {
  const [shares, builds] = await Promise.all([
    api(`/api/v1/share-requests?requester_id=${myOrg}&limit=200`),
    api(`/api/v1/build-requests?requester_id=${myOrg}&limit=200`),
  ]);
  content.replaceChildren(
    el('h2', {}, t('list.share_requests')),
    table([t('col.id'), t('col.asset'), t('col.units'), t('col.state'), t('col.due'), t('col.purpose'), t('col.actions')],
      shares.items.map((r) => el('tr', {}, el('td', {}, `#${r.id}`), el('td', {}, el('a', { href: `/#asset=${r.asset_id}` }, `#${r.asset_id}`)),
        el('td', {}, `${t(`res.${r.resource}`)}: ${(r.units || []).join(', ')}`), stateCell(r.state), due(r.due_at, r.state === 'pending'), el('td', {}, r.purpose),
        el('td', {}, r.state === 'pending' ? el('button', { type: 'button', class: 'secondary', onclick: () => act(`/api/v1/share-requests/${r.id}/withdraw`, {}) }, t('act.withdraw')) : '')))),
    el('h2', {}, t('list.build_requests')),
    table([t('col.id'), t('col.kind'), t('col.state'), t('col.verdict'), t('col.due'), t('col.purpose')],
      builds.items.map((b) => el('tr', {}, el('td', {}, el('a', { href: `/build-requests/${b.id}` }, `#${b.id}`)), el('td', {}, t(`brkind.${b.kind}`)),
        stateCell(b.state), el('td', {}, b.verdict ? t(`verdict.${b.verdict}`) : ''), due(b.due_at, b.state === 'pending'), el('td', {}, b.purpose)))),
  );
}

async function act(path, json) {
  try { await api(path, { method: 'POST', json }); await load(); } catch (err) { showError(content, err); }
}

function answerForm(r) {
  const id = r.id;
  const modes = page.modes_by_resource[r.resource] || [];
  const acc = el('form', { class: 'row', 'aria-label': `${t('act.accept')} #${id}` },
    el('label', { for: `ag-${id}` }, t('act.agreement')), el('input', { id: `ag-${id}`, required: true, maxlength: 200 }),
    el('label', { for: `md-${id}` }, t('act.mode')), el('select', { id: `md-${id}` }, modes.map((m) => el('option', { value: m }, t(`mode.${m}`)))),
    el('button', { type: 'submit' }, t('act.accept')));
  acc.addEventListener('submit', (e) => { e.preventDefault(); act(`/api/v1/share-requests/${id}/accept`, { agreement_ref: acc.querySelector('input').value, sharing_mode: acc.querySelector('select').value }); });
  const rej = el('form', { class: 'row', 'aria-label': `${t('act.reject')} #${id}` },
    el('label', { for: `rc-${id}` }, t('act.reason_code')), el('select', { id: `rc-${id}` }, page.reject_reasons.map((c) => el('option', { value: c }, t(`reason.${c}`)))),
    el('label', { for: `rs-${id}` }, t('act.reason')), el('input', { id: `rs-${id}`, required: true }),
    el('button', { type: 'submit', class: 'secondary' }, t('act.reject')));
  rej.addEventListener('submit', (e) => { e.preventDefault(); act(`/api/v1/share-requests/${id}/reject`, { reason_code: rej.querySelector('select').value, reason: rej.querySelector('input').value }); });
  return el('td', {}, acc, rej);
}

async function incoming() {
  const shares = await api(`/api/v1/share-requests?owner_id=${myOrg}&limit=200`);
  const rows = shares.items.sort((a, b) => (a.state === 'pending' ? 0 : 1) - (b.state === 'pending' ? 0 : 1) || a.id - b.id);
  content.replaceChildren(table([t('col.id'), t('col.asset'), t('col.requester'), t('col.units'), t('col.purpose'), t('col.state'), t('col.due'), t('col.actions')],
    rows.map((r) => el('tr', { 'data-request': r.id }, el('td', {}, `#${r.id}`), el('td', {}, el('a', { href: `/#asset=${r.asset_id}` }, `#${r.asset_id}`)),
      el('td', {}, orgName(r.requester_id)), el('td', {}, `${t(`res.${r.resource}`)}: ${(r.units || []).join(', ')}`), el('td', {}, r.purpose), stateCell(r.state),
      due(r.due_at, r.state === 'pending'), r.state === 'pending' ? answerForm(r) : el('td', {}, r.agreement_ref || r.reason || '')))));
}

let orgs = {};
const orgName = (id) => orgs[id] || `#${id}`;

async function queue() {
  const q = await api('/api/v1/build-requests/queue?limit=200');
  content.replaceChildren(table([t('col.id'), t('col.kind'), t('col.requester'), t('col.created'), t('col.due'), t('col.verdict'), t('col.purpose')],
    q.items.map((b) => el('tr', {}, el('td', {}, el('a', { href: `/build-requests/${b.id}` }, `#${b.id}`)), el('td', {}, t(`brkind.${b.kind}`)), el('td', {}, orgName(b.requester_id)),
      el('td', {}, when(b.created_at)), due(b.due_at, true), el('td', {}, b.verdict ? t(`verdict.${b.verdict}`) : ''), el('td', {}, b.purpose)))));
}

let offset = 0;
function assetQuery() {
  const p = new URLSearchParams({ owner_id: myOrg });
  const kind = document.getElementById('a-kind').value;
  const status = document.getElementById('a-status').value;
  if (kind) p.set('kind', kind);
  if (status) p.set('status', status);
  return p;
}

async function myAssets() {
  const p = assetQuery();
  for (const fmt of ['geojson', 'csv', 'gpkg']) document.getElementById(`x-${fmt}`).href = `/api/v1/exports/assets.${fmt}?${p}`;
  p.set('limit', PAGE); p.set('offset', offset);
  const r = await api(`/api/v1/assets?${p}`);
  const rows = r.features.map((f) => {
    const pr = f.properties;
    const free = Object.entries(pr.capacity || {}).map(([k, c]) => `${t(`res.${k}`)} ${num(c.free)}/${num(c.total)}`).join('; ');
    return el('tr', {}, el('td', {}, el('a', { href: `/#asset=${f.id}` }, `#${f.id}`)), el('td', {}, t(`kind.${pr.kind}`)), el('td', {}, pr.owner_ref),
      el('td', {}, t(`status.${pr.status}`)), el('td', {}, pr.sensitivity), el('td', {}, free));
  });
  const pager = el('div', { class: 'pager' },
    el('button', { type: 'button', class: 'secondary', disabled: offset === 0, onclick: () => { offset = Math.max(0, offset - PAGE); myAssets(); } }, t('list.prev')),
    el('span', {}, t('list.page', { from: num(r.numberMatched ? offset + 1 : 0), to: num(offset + r.numberReturned), total: num(r.numberMatched) })),
    el('button', { type: 'button', class: 'secondary', disabled: offset + PAGE >= r.numberMatched, onclick: () => { offset += PAGE; myAssets(); } }, t('list.next')));
  content.replaceChildren(table([t('col.id'), t('col.kind'), t('col.owner_ref'), t('col.status'), t('col.sensitivity'), t('col.free')], rows), pager);
}

const VIEWS = { my_requests: myRequests, incoming, queue, my_assets: myAssets };

async function load() {
  try { await VIEWS[view](); } catch (err) { showError(content, err); }
}

async function init() {
  try { orgs = Object.fromEntries((await api('/api/v1/organisations?limit=1000')).items.map((o) => [o.id, o.name])); } catch { orgs = {}; }
  if (view === 'my_assets') {
    const kind = document.getElementById('a-kind');
    for (const k of ['tower', 'pole', 'manhole', 'cabinet', 'rooftop', 'indoor_system', 'duct', 'aerial_route', 'fiber_cable']) kind.append(el('option', { value: k }, t(`kind.${k}`)));
    document.getElementById('asset-filter').addEventListener('submit', (e) => { e.preventDefault(); offset = 0; load(); });
  }
  await load();
  document.body.dataset.loaded = '1';
}
init();
