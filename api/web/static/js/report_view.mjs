// A match report on the map and as text: the planned site or route, candidates, covered
// stretches and gaps. Used by "Find sharing" and the build-request page.
import { api, t, el, money, metres, pct } from './common.mjs';
import { sliceLine } from './tools.mjs';

const COVER = '#1a9850';
const CANDIDATE = '#7c3aed';

async function candidateFeatures(report) {
  const out = [];
  for (const c of report.candidates.slice(0, 10)) {
    try {
      const f = await api(`/api/v1/assets/${c.asset_id}`);
      out.push({ type: 'Feature', properties: { colour: CANDIDATE, width: 5, radius: 9 }, geometry: f.geometry });
    } catch { /* not visible to this caller: the report already masks it */ }
  }
  return out;
}

export async function drawReport(rmap, geometry, report) {
  const overlay = [];
  if (geometry.type === 'LineString') {
    overlay.push({ type: 'Feature', properties: { colour: '#111', width: 2 }, geometry });
    for (const g of report.gaps?.features || []) overlay.push({ ...g, properties: { role: 'gap' } });
    for (const leg of report.cover || []) {
      const part = sliceLine(geometry.coordinates, leg.from_m, leg.to_m);
      if (part) overlay.push({ type: 'Feature', properties: { colour: COVER, width: 8, role: 'covered' }, geometry: { type: 'LineString', coordinates: part } });
    }
  }
  overlay.push(...(await candidateFeatures(report)));
  overlay.push({ type: 'Feature', properties: { colour: '#e11d48', radius: 8 }, geometry: geometry.type === 'Point' ? geometry : { type: 'Point', coordinates: geometry.coordinates[0] } });
  rmap.setOverlay(overlay);
}

export function fitTo(rmap, geometry) {
  const pts = geometry.type === 'Point' ? [geometry.coordinates] : geometry.coordinates;
  const xs = pts.map((p) => p[0]); const ys = pts.map((p) => p[1]);
  const pad = 0.004;
  rmap.map.fitBounds([[Math.min(...xs) - pad, Math.min(...ys) - pad], [Math.max(...xs) + pad, Math.max(...ys) + pad]], { duration: 0 });
}

export function summary(report) {
  const out = [el('p', { class: `verdict verdict-${report.verdict}` }, `${t('find.verdict')}: ${t(`verdict.${report.verdict}`)}`), el('p', { class: 'reason' }, report.reason)];
  if (report.route_length_m !== undefined) {
    out.push(el('p', { class: 'coverage' }, t('find.coverage', { covered: metres(report.coverage_m), length: metres(report.route_length_m), ratio: pct(report.coverage_ratio) })),
      el('p', { class: 'gaps' }, t('find.gaps', { n: (report.gaps?.features || []).length })));
  }
  const hidden = report.hidden_candidates ? report.hidden_candidates.count : 0;
  if (hidden > 0) out.push(el('p', { class: 'note' }, t('find.hidden', { n: hidden })));
  out.push(el('p', {}, t('find.candidates', { n: report.candidates.length })));
  return out;
}

export function candidateItem(c, ...actions) {
  return el('li', {},
    el('strong', {}, `${t(`kind.${c.kind}`)} #${c.asset_id}`), ' · ', c.owner_name || '',
    el('div', { class: 'small' }, `${t('find.distance')}: ${metres(c.distance_m)} · ${t('find.saving')}: ${money(c.estimated_saving)}${c.covered_m !== undefined ? ` · ${metres(c.covered_m)}` : ''}`),
    c.explanation ? el('div', { class: 'small explanation' }, c.explanation) : null,
    actions.length ? el('div', { class: 'row' }, actions) : null);
}
