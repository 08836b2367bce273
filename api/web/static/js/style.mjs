// The map's style as code: layer order, colours per capacity class and per owner, and the
// legend, all from the constants below (the legend can never disagree with the map).
import { t, el } from './common.mjs';

export const SOURCE = 'registry';
export const DETAIL_MINZOOM = 12; // below it the map shows counts per cell, not features

// Drawn bottom to top: lines under points, big things under small ones.
export const KIND_ORDER = [
  { kind: 'duct', type: 'line', width: 3, dash: [2, 1] },
  { kind: 'aerial_route', type: 'line', width: 2, dash: [1, 1] },
  { kind: 'fiber_cable', type: 'line', width: 2 },
  { kind: 'rooftop', type: 'circle', radius: 5 },
  { kind: 'indoor_system', type: 'circle', radius: 4 },
  { kind: 'cabinet', type: 'circle', radius: 3 },
  { kind: 'manhole', type: 'circle', radius: 3 },
  { kind: 'pole', type: 'circle', radius: 3 },
  { kind: 'tower', type: 'circle', radius: 6 },
];

export const CAPACITY_CLASSES = [
  { key: 'free', colour: '#1a9850', min: 3 },
  { key: 'nearly_full', colour: '#f59e0b', min: 1 },
  { key: 'full', colour: '#d73027', min: 0 },
  { key: 'unknown', colour: '#8c8c8c', min: -1 },
];
export const OWNER_PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#17becf', '#bcbd22', '#393b79'];
export const UNKNOWN_GREY = '#8c8c8c';
const RESOURCES = ['antenna_mount', 'attachment', 'subduct', 'fiber_core'];

// Most free units over the resources the feature offers; -1 when it offers none.
export const FREE = ['max', ...RESOURCES.map((r) => ['coalesce', ['get', `free_${r}`], -1])];

function capacityColour() {
  const expr = ['step', FREE, UNKNOWN_GREY];
  for (const c of [...CAPACITY_CLASSES].reverse().slice(1)) expr.push(c.min, c.colour);
  return expr;
}

function ownerColour(owners) {
  if (!owners.length) return UNKNOWN_GREY;
  const expr = ['match', ['get', 'owner']];
  owners.forEach((name, i) => expr.push(name, OWNER_PALETTE[i % OWNER_PALETTE.length]));
  expr.push(UNKNOWN_GREY);
  return expr;
}

export function colourExpr(mode, owners) {
  return mode === 'owner' ? ownerColour(owners) : capacityColour();
}

// Filters dim what does not match (opacity), they never hide it.
export function matchExpr(f, ownersOfSector) {
  const all = ['all'];
  if (f.owner) all.push(['==', ['get', 'owner'], f.owner]);
  if (f.sector) all.push(['in', ['get', 'owner'], ['literal', ownersOfSector]]);
  if (f.status) all.push(['==', ['get', 'status'], f.status]);
  if (f.minFree > 0) all.push(['>=', FREE, f.minFree]);
  return all;
}

export function registryLayers(mode, owners, f, ownersOfSector) {
  const colour = colourExpr(mode, owners);
  const match = matchExpr(f, ownersOfSector);
  return KIND_ORDER.map((k) => {
    const on = !f.kind || f.kind === k.kind ? ['case', match, 1, 0.15] : 0.15;
    const base = { id: `asset-${k.kind}`, source: SOURCE, 'source-layer': k.kind, minzoom: DETAIL_MINZOOM };
    if (k.type === 'line') {
      const paint = { 'line-color': colour, 'line-width': k.width, 'line-opacity': on };
      if (k.dash) paint['line-dasharray'] = k.dash;
      return { ...base, type: 'line', paint };
    }
    return {
      ...base,
      type: 'circle',
      paint: {
        'circle-color': colour, 'circle-radius': k.radius, 'circle-opacity': on,
        'circle-stroke-color': ['case', ['boolean', ['get', 'masked'], false], '#000', '#fff'],
        'circle-stroke-width': 1, 'circle-stroke-opacity': on,
      },
    };
  });
}

export const ASSET_LAYER_IDS = KIND_ORDER.map((k) => `asset-${k.kind}`);

function swatch(colour, type) {
  const s = el('span', { class: `swatch ${type}`, 'aria-hidden': 'true' });
  s.style.background = colour;
  return s;
}

export function legend(mode, owners) {
  const items = mode === 'owner'
    ? [...owners.map((o, i) => [OWNER_PALETTE[i % OWNER_PALETTE.length], o]), [UNKNOWN_GREY, t('owner.unknown')]]
    : CAPACITY_CLASSES.map((c) => [c.colour, t(`class.${c.key}`)]);
  const kinds = KIND_ORDER.slice().reverse().map((k) => el('li', {}, swatch('#555', k.type), t(`kind.${k.kind}`)));
  return [
    el('ul', { class: 'legend-colours' }, items.map(([c, label]) => el('li', {}, swatch(c, 'circle'), label))),
    el('ul', { class: 'legend-kinds' }, kinds),
  ];
}
