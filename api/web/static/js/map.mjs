// The registry map: offline background (+ optional basemap), the registry's vector tiles per
// kind, counts per cell at low zoom, filters that dim, a click chooser, permalinks.
import * as maplibregl from '../vendor/maplibre-gl/maplibre-gl.mjs';
import { api, page, t, el, num } from './common.mjs';
import { SOURCE, DETAIL_MINZOOM, ASSET_LAYER_IDS, registryLayers, legend, colourExpr, matchExpr, KIND_ORDER } from './style.mjs';

export { maplibregl };
export const DEMO_CENTRE = [108.366, 22.817];

function basemap() {
  const b = page.basemap || '';
  if (b.includes('{z}')) {
    const tiles = [new URL(b, location.href).href];
    return { sources: { basemap: { type: 'raster', tiles, tileSize: 256, attribution: page.basemap_attribution || '' } },
      layers: [{ id: 'basemap', type: 'raster', source: 'basemap' }] };
  }
  return { sources: {}, layers: [] };
}

function initialStyle(layers) {
  const base = basemap();
  return {
    version: 8,
    sources: {
      ...base.sources,
      [SOURCE]: { type: 'vector', tiles: [`${location.origin}/tiles/{z}/{x}/{y}.mvt`], minzoom: DETAIL_MINZOOM, maxzoom: 16 },
      overlay: { type: 'geojson', data: { type: 'FeatureCollection', features: [] } },
    },
    layers: [{ id: 'background', type: 'background', paint: { 'background-color': '#eef0ea' } }, ...base.layers, ...layers],
  };
}

// View, filters and selection live in the URL hash, so any view can be shared as a link.
export function readHash() {
  const p = new URLSearchParams(location.hash.slice(1));
  const [z, lat, lon] = (p.get('map') || '').split('/').map(Number);
  return { view: Number.isFinite(z) && Number.isFinite(lat) && Number.isFinite(lon) ? { zoom: z, center: [lon, lat] } : null, params: p };
}

// The drawings of the page (match results, plans, grants, measures), above the registry.
const OVERLAY_LAYERS = [
  { id: 'overlay-gap', type: 'line', source: 'overlay', filter: ['==', ['get', 'role'], 'gap'], paint: { 'line-color': '#d73027', 'line-width': 6, 'line-dasharray': [1, 1] } },
  { id: 'overlay-line', type: 'line', source: 'overlay', filter: ['all', ['==', ['geometry-type'], 'LineString'], ['!=', ['get', 'role'], 'gap']], paint: { 'line-color': ['coalesce', ['get', 'colour'], '#111'], 'line-width': ['coalesce', ['get', 'width'], 4], 'line-opacity': 0.85 } },
  { id: 'overlay-fill', type: 'fill', source: 'overlay', filter: ['==', ['geometry-type'], 'Polygon'], paint: { 'fill-color': ['coalesce', ['get', 'colour'], '#2b6cb0'], 'fill-opacity': 0.15 } },
  { id: 'overlay-point', type: 'circle', source: 'overlay', filter: ['==', ['geometry-type'], 'Point'], paint: { 'circle-color': ['coalesce', ['get', 'colour'], '#111'], 'circle-radius': ['coalesce', ['get', 'radius'], 7], 'circle-stroke-color': '#fff', 'circle-stroke-width': 2 } },
];

export class RegistryMap {
  constructor(container, { onSelect, backdrop = false } = {}) {
    this.backdrop = backdrop;
    const { view, params } = readHash();
    this.filters = { owner: params.get('owner') || '', sector: params.get('sector') || '', kind: params.get('kind') || '', status: params.get('status') || '', minFree: Number(params.get('free') || 0) };
    this.colour = params.get('colour') === 'owner' ? 'owner' : 'capacity';
    this.selected = params.get('asset') || '';
    this.owners = [];
    this.sectors = {};
    this.onSelect = onSelect;
    this.map = new maplibregl.Map({
      container, style: initialStyle([...registryLayers(this.colour, [], this.filters, []), ...OVERLAY_LAYERS]), center: view ? view.center : DEMO_CENTRE, zoom: view ? view.zoom : 14,
      attributionControl: { compact: true }, doubleClickZoom: false,
    });
    const styleUrl = page.basemap && !page.basemap.includes('{z}') ? page.basemap : '';
    if (styleUrl) {
      // A deployment's MapLibre style underneath, the registry's sources and layers on top.
      const ours = initialStyle([...registryLayers(this.colour, [], this.filters, []), ...OVERLAY_LAYERS]);
      this.map.setStyle(styleUrl, { transformStyle: (_prev, next) => ({
        ...next, sources: { ...next.sources, ...ours.sources }, layers: [...next.layers, ...ours.layers.filter((l) => l.id !== 'background')],
      }) });
    }
    this.map.addControl(new maplibregl.NavigationControl(), 'top-right');
    this.map.addControl(new maplibregl.ScaleControl({ unit: 'metric' }), 'bottom-left');
    this.ready = new Promise((resolve) => this.map.on('load', resolve));
    // Times since navigation start, read by bench/web_first_view.py: interactive (load) and
    // the first complete view (idle: every tile of the view fetched and drawn).
    this.ready.then(() => {
      this._setup();
      document.body.dataset.mapReady = '1';
      document.body.dataset.mapLoadMs = String(Math.round(performance.now()));
    });
    this.map.once('idle', () => { document.body.dataset.firstIdleMs = String(Math.round(performance.now())); });
    this._loadOwners();
  }

  async _loadOwners() {
    try {
      const orgs = await api('/api/v1/organisations?limit=1000');
      this.owners = orgs.items.map((o) => o.name);
      for (const o of orgs.items) (this.sectors[o.sector] ||= []).push(o.name);
      this.orgs = orgs.items;
    } catch { this.owners = []; }
    await this.ready;
    this.restyle();
    this.map.fire('owners');
  }

  _setup() {
    this.map.on('moveend', () => { this.writeHash(); this._counts(); });
    this.map.on('click', (e) => this._click(e));
    for (const id of ASSET_LAYER_IDS) {
      this.map.on('mouseenter', id, () => { this.map.getCanvas().style.cursor = 'pointer'; });
      this.map.on('mouseleave', id, () => { this.map.getCanvas().style.cursor = ''; });
    }
    this._counts();
  }

  setOverlay(features) {
    this.ready.then(() => this.map.getSource('overlay').setData({ type: 'FeatureCollection', features }));
  }

  // Low zoom: the number of assets the caller may see per cell (the API counts, the API masks),
  // shown as labelled markers (an offline map has no glyphs for text layers).
  async _counts() {
    for (const m of this._countMarkers || []) m.remove();
    this._countMarkers = [];
    if (this.map.getZoom() >= DETAIL_MINZOOM) return;
    const b = this.map.getBounds();
    const n = 3;
    const dx = (b.getEast() - b.getWest()) / n;
    const dy = (b.getNorth() - b.getSouth()) / n;
    const cells = [];
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) {
      const w = b.getWest() + i * dx; const s = b.getSouth() + j * dy;
      cells.push([w, s, w + dx, s + dy]);
    }
    const tick = (this._countTick = (this._countTick || 0) + 1);
    const counted = await Promise.all(cells.map(async (c) => {
      try {
        const r = await api(`/api/v1/assets?limit=1&bbox=${c.map((v) => v.toFixed(5)).join(',')}`);
        return { c, n: r.numberMatched };
      } catch { return { c, n: 0 }; }
    }));
    if (tick !== this._countTick) return;
    for (const { c, n: cnt } of counted.filter((x) => x.n > 0)) {
      const node = el('button', { type: 'button', class: 'count', title: t('count.zoom'), onclick: () => this.map.easeTo({ center: [(c[0] + c[2]) / 2, (c[1] + c[3]) / 2], zoom: DETAIL_MINZOOM }) }, num(cnt));
      this._countMarkers.push(new maplibregl.Marker({ element: node }).setLngLat([(c[0] + c[2]) / 2, (c[1] + c[3]) / 2]).addTo(this.map));
    }
  }

  restyle() {
    const ofSector = this.filters.sector ? this.sectors[this.filters.sector] || [] : [];
    const colour = colourExpr(this.colour, this.owners);
    const match = matchExpr(this.filters, ofSector);
    for (const k of KIND_ORDER) {
      const id = `asset-${k.kind}`;
      let on = !this.filters.kind || this.filters.kind === k.kind ? ['case', match, 1, 0.15] : 0.15;
      if (this.backdrop) on = 0.3; // the registry as a backdrop for a report drawn on top
      const prefix = k.type === 'line' ? 'line' : 'circle';
      this.map.setPaintProperty(id, `${prefix}-color`, colour);
      this.map.setPaintProperty(id, `${prefix}-opacity`, on);
      if (prefix === 'circle') this.map.setPaintProperty(id, 'circle-stroke-opacity', on);
    }
    const box = document.getElementById('legend');
    if (box) box.replaceChildren(el('h2', {}, t('legend.title')), ...legend(this.colour, this.owners));
    this.writeHash();
  }

  writeHash() {
    const c = this.map.getCenter();
    const p = new URLSearchParams();
    p.set('map', `${this.map.getZoom().toFixed(2)}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
    const f = this.filters;
    if (f.owner) p.set('owner', f.owner);
    if (f.sector) p.set('sector', f.sector);
    if (f.kind) p.set('kind', f.kind);
    if (f.status) p.set('status', f.status);
    if (f.minFree) p.set('free', String(f.minFree));
    if (this.colour !== 'capacity') p.set('colour', this.colour);
    if (this.selected) p.set('asset', this.selected);
    history.replaceState(null, '', `#${p.toString()}`);
    const link = document.getElementById('permalink');
    if (link) link.href = location.href;
  }

  select(id) {
    this.selected = id ? String(id) : '';
    this.writeHash();
  }

  // One click handler: a chooser when several assets are under the cursor.
  _click(e) {
    if (this.clickHandler && this.clickHandler(e) === true) return;
    const pad = 6;
    const box = [[e.point.x - pad, e.point.y - pad], [e.point.x + pad, e.point.y + pad]];
    const seen = new Map();
    for (const f of this.map.queryRenderedFeatures(box, { layers: ASSET_LAYER_IDS })) seen.set(f.id, f);
    const hits = [...seen.values()];
    if (hits.length === 0) return;
    if (hits.length === 1) { this.onSelect && this.onSelect(hits[0].id); return; }
    this.chooser(hits, e.point);
  }

  chooser(hits, point) {
    const box = document.getElementById('chooser');
    const list = el('ul', {}, hits.slice(0, 12).map((f) => el('li', {}, el('button', {
      type: 'button', onclick: () => { box.hidden = true; this.onSelect && this.onSelect(f.id); },
    }, `${t(`kind.${f.properties.kind}`)} #${f.id} · ${f.properties.owner}`))));
    box.replaceChildren(el('p', {}, t('chooser.title')), list, el('button', { type: 'button', class: 'link', onclick: () => { box.hidden = true; } }, t('panel.close')));
    box.style.left = `${Math.min(point.x, this.map.getContainer().clientWidth - 260)}px`;
    box.style.top = `${point.y}px`;
    box.hidden = false;
    box.querySelector('button').focus();
  }
}
