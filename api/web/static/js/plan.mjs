// Plan a route: click A and B -> POST /api/v1/plan/route -> legs coloured by type with their
// costs, the all-new baseline and the alternatives.
import { api, t, el, lang, money, metres, showError, ApiError } from './common.mjs';
import { draw } from './tools.mjs';

export const LEG_COLOURS = { reuse: '#1a9850', new_trench: '#d73027', lateral: '#f59e0b' };
// Where new trench crosses a rail line or a major road (bored under it, priced per crossing).
export const CROSSING_COLOURS = { rail: '#5b21b6', major_road: '#1d4ed8' };
const $ = (x) => document.getElementById(x);
const andList = new Intl.ListFormat(lang, { type: 'conjunction' });

// "1 rail line and 2 major roads", from {kind: count}.
function crossed(kinds) {
  return andList.format(Object.entries(kinds).sort(([a], [b]) => (a < b ? 1 : -1))
    .map(([kind, n]) => t(`cross.${kind}.${n === 1 ? 'one' : 'many'}`, { n })));
}

const dot = (kind) => el('span', { class: 'swatch circle', style: `background:${CROSSING_COLOURS[kind] || '#111'}`, 'aria-hidden': 'true' });

// A full-width row under a leg that crosses: what it crosses and what that adds to its cost.
function crossingRow(leg) {
  const c = leg.crossings;
  if (!c || !c.count) return null;
  return el('tr', { class: `crossings ${leg.type}` }, el('td', { colspan: 4 },
    Object.keys(c.kinds).sort().reverse().map(dot), t('cross.leg', { what: crossed(c.kinds), cost: money(c.cost) })));
}

// All crossings of a plan: {count, kinds, cost}, summed over its legs.
function allCrossings(plan) {
  const out = { count: 0, kinds: {}, cost: 0 };
  for (const c of plan.legs.map((leg) => leg.crossings).filter(Boolean)) {
    out.count += c.count; out.cost += c.cost;
    for (const [kind, n] of Object.entries(c.kinds)) out.kinds[kind] = (out.kinds[kind] || 0) + n;
  }
  return out;
}

// Rail marks drawn larger and first: a road beside the track stays visible as a ring inside.
const CROSSING_RADIUS = { rail: 9, major_road: 5 };

function crossingFeatures(plan) {
  return plan.legs.flatMap((leg) => (leg.crossings && leg.crossings.points) || []).map((p, n) => ({
    type: 'Feature', properties: { colour: CROSSING_COLOURS[p.kind] || '#111', radius: CROSSING_RADIUS[p.kind] || 6, role: 'crossing', kind: p.kind, n },
    geometry: { type: 'Point', coordinates: p.coordinates } })).sort((a, b) => b.properties.radius - a.properties.radius);
}

function crossingKey(plan) {
  const kinds = [...new Set(crossingFeatures(plan).map((f) => f.properties.kind))].sort().reverse();
  if (!kinds.length) return null;
  return el('p', { class: 'small crossing-key' }, kinds.map((kind) => el('span', {}, dot(kind), t(`cross.key.${kind}`), ' ')));
}

function legFeatures(plan, alt = false) {
  return plan.legs.map((leg) => ({ type: 'Feature', properties: { colour: LEG_COLOURS[leg.type] || '#111', width: alt ? 3 : 6 }, geometry: leg.geometry }));
}

function legTable(plan) {
  return el('table', { class: 'legs' },
    el('thead', {}, el('tr', {}, [t('col.kind'), t('col.asset'), t('find.distance'), t('plan.total')].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, plan.legs.flatMap((leg) => [el('tr', { class: leg.type },
      el('td', { class: leg.type }, t(`plan.leg.${leg.type}`)),
      el('td', {}, leg.asset_id ? `#${leg.asset_id}${leg.sharing_mode ? ` · ${t(`mode.${leg.sharing_mode}`)}` : ''}` : '—'),
      el('td', { class: 'num' }, metres(leg.length_m)), el('td', { class: 'num' }, money(leg.cost))), crossingRow(leg)].filter(Boolean))));
}

function totals(plan) {
  const c = allCrossings(plan);
  return el('p', { class: 'plan-total' }, `${t('plan.total')}: ${money(plan.total.cost)} · ${metres(plan.total.length_m)} · ${t('plan.leg.reuse')} ${metres(plan.total.reuse_m)} · ${t('plan.leg.new_trench')} ${metres(plan.total.new_trench_m)}`,
    c.count ? el('span', { class: 'crossings' }, ` · ${t('cross.total', { what: crossed(c.kinds), cost: money(c.cost) })}`) : null);
}

function show(rmap, a, b, plan) {
  const alts = plan.alternatives || [];
  rmap.setOverlay([
    ...alts.flatMap((p) => legFeatures(p, true)),
    ...legFeatures(plan),
    ...crossingFeatures(plan),
    { type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: { type: 'Point', coordinates: a } },
    { type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: { type: 'Point', coordinates: b } },
  ]);
  $('plan-results').replaceChildren(
    totals(plan),
    el('p', {}, `${t('plan.baseline')}: ${money(plan.baseline.cost)} · ${metres(plan.baseline.new_trench_m)} — ${t('find.saving')}: ${money(plan.saving)}`),
    plan.explanation ? el('p', { class: 'small' }, plan.explanation) : null,
    legTable(plan),
    crossingKey(plan),
    ...alts.map((p, i) => el('details', {}, el('summary', {}, `${t('plan.alternative', { n: i + 1 })}: ${money(p.total.cost)}`), totals(p), legTable(p))),
  );
}

export function start(rmap) {
  let a = null;
  const arm = (again = false) => {
    $('plan-hint').textContent = t(a ? 'plan.pick_b' : again ? 'plan.pick_again' : 'plan.pick_a');
    draw(rmap, 'point', async (g) => {
      if (!a) { a = g.coordinates; rmap.setOverlay([{ type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: g }]); arm(); return; }
      const b = g.coordinates;
      const from = a;
      a = null;
      arm(true);
      $('plan-results').replaceChildren(el('p', { role: 'status' }, t('find.running')));
      try {
        const plan = await api('/api/v1/plan/route', { method: 'POST', json: {
          from: { type: 'Point', coordinates: from }, to: { type: 'Point', coordinates: b },
          needs: { [$('plan-need').value]: Number($('plan-count').value) || 1 }, alternatives: 3,
        } });
        show(rmap, from, b, plan);
      } catch (err) {
        if (err instanceof ApiError && err.status === 404) $('plan-results').replaceChildren(el('p', { class: 'note', role: 'alert' }, t('plan.unavailable')));
        else showError($('plan-results'), err);
      }
    });
  };
  $('plan-clear').addEventListener('click', () => { a = null; rmap.setOverlay([]); $('plan-results').replaceChildren(); arm(); });
  arm();
}
