// Plan a route: click A and B -> POST /api/v1/plan/route -> legs coloured by type with their
// costs, the all-new baseline and the alternatives.
import { api, t, el, money, metres, showError, ApiError } from './common.mjs';
import { draw } from './tools.mjs';

export const LEG_COLOURS = { reuse: '#1a9850', new_trench: '#d73027', lateral: '#f59e0b' };
const $ = (x) => document.getElementById(x);

function legFeatures(plan, alt = false) {
  return plan.legs.map((leg) => ({ type: 'Feature', properties: { colour: LEG_COLOURS[leg.type] || '#111', width: alt ? 3 : 6 }, geometry: leg.geometry }));
}

function legTable(plan) {
  return el('table', { class: 'legs' },
    el('thead', {}, el('tr', {}, [t('col.kind'), t('col.asset'), t('find.distance'), t('plan.total')].map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, plan.legs.map((leg) => el('tr', { class: leg.type },
      el('td', { class: leg.type }, t(`plan.leg.${leg.type}`)),
      el('td', {}, leg.asset_id ? `#${leg.asset_id}${leg.sharing_mode ? ` · ${t(`mode.${leg.sharing_mode}`)}` : ''}` : '—'),
      el('td', { class: 'num' }, metres(leg.length_m)), el('td', { class: 'num' }, money(leg.cost))))));
}

function totals(plan) {
  return el('p', {}, `${t('plan.total')}: ${money(plan.total.cost)} · ${metres(plan.total.length_m)} · ${t('plan.leg.reuse')} ${metres(plan.total.reuse_m)} · ${t('plan.leg.new_trench')} ${metres(plan.total.new_trench_m)}`);
}

function show(rmap, a, b, plan) {
  const alts = plan.alternatives || [];
  rmap.setOverlay([
    ...alts.flatMap((p) => legFeatures(p, true)),
    ...legFeatures(plan),
    { type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: { type: 'Point', coordinates: a } },
    { type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: { type: 'Point', coordinates: b } },
  ]);
  $('plan-results').replaceChildren(
    totals(plan),
    el('p', {}, `${t('plan.baseline')}: ${money(plan.baseline.cost)} · ${metres(plan.baseline.new_trench_m)} — ${t('find.saving')}: ${money(plan.saving)}`),
    plan.explanation ? el('p', { class: 'small' }, plan.explanation) : null,
    legTable(plan),
    ...alts.map((p, i) => el('details', {}, el('summary', {}, `${t('plan.alternative', { n: i + 1 })}: ${money(p.total.cost)}`), totals(p), legTable(p))),
  );
}

export function start(rmap) {
  let a = null;
  const arm = () => {
    $('plan-hint').textContent = t(a ? 'plan.pick_b' : 'plan.pick_a');
    draw(rmap, 'point', async (g) => {
      if (!a) { a = g.coordinates; rmap.setOverlay([{ type: 'Feature', properties: { colour: '#111', radius: 8 }, geometry: g }]); arm(); return; }
      const b = g.coordinates;
      const from = a;
      a = null;
      arm();
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
