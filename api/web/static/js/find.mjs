// Find sharing: a site (click) or a route (draw, or paste GeoJSON/WKT) -> the match API ->
// ranked candidates with explanations, drawn on the map; covered stretches and gaps.
import { api, t, el, num, roles, showError } from './common.mjs';
import { draw, parseGeometry } from './tools.mjs';
import { drawReport, summary, candidateItem } from './report_view.mjs';
import { shareForm } from './share.mjs';

const $ = (id) => document.getElementById(id);
let last = null; // {geometry, body}
let stop = null;

function needs() {
  return { [$('need').value]: Number($('need-count').value) || 1 };
}

function arm(rmap) {
  if (stop) stop();
  const kind = document.querySelector('input[name=find-kind]:checked').value;
  $('find-hint').textContent = t(kind === 'site' ? 'find.site_hint' : 'find.draw_hint');
  stop = draw(rmap, kind === 'site' ? 'point' : 'line', (g) => run(rmap, g));
}

async function run(rmap, geometry) {
  const results = $('results');
  results.replaceChildren(el('p', { role: 'status' }, t('find.running')));
  const radius = Number($('radius').value) || 500;
  const isSite = geometry.type === 'Point';
  const body = isSite
    ? { location: geometry, radius_m: radius, needs: needs(), ...($('min-height').value ? { min_height_m: Number($('min-height').value) } : {}) }
    : { route: geometry, corridor_m: Math.min(radius, 1000), needs: needs() };
  try {
    const report = await api(isSite ? '/api/v1/match/site' : '/api/v1/match/route', { method: 'POST', json: body });
    last = { geometry, body };
    await show(rmap, geometry, report);
    $('build-form').hidden = !(roles.has('operator') || roles.has('admin'));
  } catch (err) {
    showError(results, err);
  }
  arm(rmap);
}

async function show(rmap, geometry, report) {
  await drawReport(rmap, geometry, report);
  $('results').replaceChildren(...summary(report), candidateList(rmap, report));
  $('results').scrollIntoView({ block: 'start' });
}

function candidateList(rmap, report) {
  const may = roles.has('operator') || roles.has('admin');
  return el('ol', { class: 'candidates' }, report.candidates.map((c) => candidateItem(c,
    el('button', { type: 'button', class: 'secondary', onclick: () => showCandidate(rmap, c.asset_id) }, t('search.asset')),
    may && !c.masked ? el('button', { type: 'button', onclick: () => requestShare(c) }, t('panel.request_share')) : null)));
}

async function showCandidate(rmap, id) {
  const f = await api(`/api/v1/assets/${id}`).catch(() => null);
  if (f) rmap.map.easeTo({ center: f.geometry.type === 'Point' ? f.geometry.coordinates : f.geometry.coordinates[0], zoom: Math.max(rmap.map.getZoom(), 16) });
  rmap.onSelect(id);
}

async function requestShare(c) {
  const f = await api(`/api/v1/assets/${c.asset_id}`);
  shareForm(f);
}

export function start(rmap) {
  for (const r of document.querySelectorAll('input[name=find-kind]')) r.addEventListener('change', () => arm(rmap));
  $('run-paste').addEventListener('click', () => {
    try { run(rmap, parseGeometry($('paste').value)); } catch { $('results').replaceChildren(el('p', { class: 'error', role: 'alert' }, t('find.parse_error'))); }
  });
  $('clear').addEventListener('click', () => { rmap.setOverlay([]); $('results').replaceChildren(); $('build-form').hidden = true; arm(rmap); });
  $('build-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!last) return;
    const b = last.body;
    const json = { geometry: last.geometry, needs: b.needs, purpose: $('build-purpose').value };
    if (b.radius_m) json.radius_m = b.radius_m;
    if (b.corridor_m) json.corridor_m = b.corridor_m;
    if (b.min_height_m) json.min_height_m = b.min_height_m;
    try {
      const br = await api('/api/v1/build-requests', { method: 'POST', json });
      $('build-form').append(el('p', { class: 'ok', role: 'status' }, t('build.sent', { id: br.id }), ' ', el('a', { href: `/build-requests/${br.id}` }, `#${br.id}`)));
    } catch (err) {
      const box = el('div'); showError(box, err); $('build-form').append(box);
    }
  });
  arm(rmap);
  return { num };
}
