// Map tools: click-to-draw (points, lines, polygons), distance measure, geometry parsing,
// the search box, and slicing a route by metres along it.
import { api, t, el, metres } from './common.mjs';

const R = 6371008.8;
export function haversine([x1, y1], [x2, y2]) {
  const r = Math.PI / 180;
  const a = Math.sin(((y2 - y1) * r) / 2) ** 2 + Math.cos(y1 * r) * Math.cos(y2 * r) * Math.sin(((x2 - x1) * r) / 2) ** 2;
  return 2 * R * Math.asin(Math.sqrt(a));
}
export const lineLength = (c) => c.slice(1).reduce((s, p, i) => s + haversine(c[i], p), 0);

// The part of a line between two distances along it (what a covered interval looks like).
export function sliceLine(coords, from, to) {
  const out = [];
  let walked = 0;
  for (let i = 1; i < coords.length; i++) {
    const a = coords[i - 1]; const b = coords[i];
    const d = haversine(a, b);
    const at = (m) => { const f = d ? (m - walked) / d : 0; return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f]; };
    if (walked + d >= from && walked <= to) {
      if (!out.length) out.push(at(Math.max(from, walked)));
      out.push(walked + d <= to ? b : at(to));
    }
    walked += d;
  }
  return out.length > 1 ? out : null;
}

// Click to add vertices, double-click (or Enter) to finish; Escape cancels.
export function draw(rmap, kind, onDone, onChange) {
  const pts = [];
  const preview = () => {
    const f = pts.map((p) => ({ type: 'Feature', properties: { colour: '#2b6cb0', radius: 4 }, geometry: { type: 'Point', coordinates: p } }));
    if (pts.length > 1) f.push({ type: 'Feature', properties: { colour: '#2b6cb0', width: 3 }, geometry: { type: 'LineString', coordinates: kind === 'polygon' ? [...pts, pts[0]] : pts } });
    rmap.setOverlay(f);
    onChange && onChange(pts);
  };
  const finish = () => {
    stop();
    if (kind === 'polygon' && pts.length >= 3) onDone({ type: 'Polygon', coordinates: [[...pts, pts[0]]] });
    else if (kind === 'line' && pts.length >= 2) onDone({ type: 'LineString', coordinates: pts });
  };
  const key = (e) => { if (e.key === 'Enter') finish(); if (e.key === 'Escape') { stop(); rmap.setOverlay([]); } };
  const dbl = (e) => { e.preventDefault(); finish(); };
  rmap.clickHandler = (e) => {
    const p = [e.lngLat.lng, e.lngLat.lat];
    if (kind === 'point') { stop(); onDone({ type: 'Point', coordinates: p }); return true; }
    const last = pts[pts.length - 1];
    if (!last || last[0] !== p[0] || last[1] !== p[1]) pts.push(p);
    preview();
    return true;
  };
  rmap.map.on('dblclick', dbl);
  document.addEventListener('keydown', key);
  function stop() {
    rmap.clickHandler = null;
    rmap.map.off('dblclick', dbl);
    document.removeEventListener('keydown', key);
  }
  return stop;
}

export function measureTool(rmap, button, out) {
  let stop = null;
  button.addEventListener('click', () => {
    if (stop) { stop(); stop = null; button.setAttribute('aria-pressed', 'false'); rmap.setOverlay([]); out.textContent = ''; return; }
    button.setAttribute('aria-pressed', 'true');
    out.textContent = t('measure.hint');
    stop = draw(rmap, 'line', (line) => {
      out.textContent = t('measure.total', { m: metres(lineLength(line.coordinates)) });
      button.setAttribute('aria-pressed', 'false');
      stop = null;
    }, (pts) => { if (pts.length > 1) out.textContent = t('measure.total', { m: metres(lineLength(pts)) }); });
  });
}

// GeoJSON (geometry, Feature) or WKT POINT/LINESTRING.
export function parseGeometry(text) {
  const s = text.trim();
  if (s.startsWith('{')) {
    const g = JSON.parse(s);
    const geom = g.type === 'Feature' ? g.geometry : g.type === 'FeatureCollection' ? g.features[0].geometry : g;
    if (geom.type === 'Point' || geom.type === 'LineString') return geom;
    throw new Error('type');
  }
  const m = /^(POINT|LINESTRING)\s*\(([^()]*)\)$/i.exec(s);
  if (!m) throw new Error('wkt');
  const coords = m[2].split(',').map((p) => p.trim().split(/\s+/).map(Number));
  if (coords.some((c) => c.length < 2 || c.some((v) => !Number.isFinite(v)))) throw new Error('wkt');
  return m[1].toUpperCase() === 'POINT' ? { type: 'Point', coordinates: coords[0].slice(0, 2) } : { type: 'LineString', coordinates: coords.map((c) => c.slice(0, 2)) };
}

// "lon,lat" or "lat,lon" (said when swapped); "#123" or a bare id; else an owner_ref.
export function readCoordinates(q) {
  const m = /^\s*(-?\d+(?:\.\d+)?)\s*[,\s]\s*(-?\d+(?:\.\d+)?)\s*$/.exec(q);
  if (!m) return null;
  const a = Number(m[1]); const b = Number(m[2]);
  if (Math.abs(a) <= 180 && Math.abs(b) <= 90 && !(Math.abs(a) <= 90 && Math.abs(b) > 90)) {
    // Ambiguous pairs (both within ±90) are read lon,lat unless only lat,lon puts them near the map.
    return { lonlat: [a, b], swapped: false };
  }
  if (Math.abs(a) <= 90 && Math.abs(b) <= 180) return { lonlat: [b, a], swapped: true };
  return null;
}

export async function search(rmap, q, out, onAsset) {
  const text = q.trim();
  if (!text) return;
  const c = readCoordinates(text);
  if (c) {
    let { lonlat, swapped } = c;
    // A pair within ±90 both ways: prefer the reading that lands nearer the current view.
    if (!swapped && Math.abs(lonlat[0]) <= 90) {
      const centre = rmap.map.getCenter();
      const alt = [lonlat[1], lonlat[0]];
      const d1 = Math.hypot(lonlat[0] - centre.lng, lonlat[1] - centre.lat);
      const d2 = Math.hypot(alt[0] - centre.lng, alt[1] - centre.lat);
      if (d2 < d1) { lonlat = alt; swapped = true; }
    }
    out.textContent = `${t(swapped ? 'search.coords_swapped' : 'search.coords')}: ${lonlat[0]}, ${lonlat[1]}`;
    rmap.map.flyTo({ center: lonlat, zoom: Math.max(rmap.map.getZoom(), 16) });
    rmap.setOverlay([{ type: 'Feature', properties: { colour: '#e11d48' }, geometry: { type: 'Point', coordinates: lonlat } }]);
    return;
  }
  const id = /^#?(\d+)$/.exec(text);
  let feature = null;
  if (id) {
    try { feature = await api(`/api/v1/assets/${id[1]}`); } catch { feature = null; }
  }
  if (!feature) {
    // owner_ref: the API's list filtered by the caller's visibility, then matched exactly.
    feature = await findByRef(text);
  }
  if (!feature) { out.textContent = t('search.none'); return; }
  out.textContent = `${t('search.asset')} #${feature.id} · ${t(`kind.${feature.properties.kind}`)}`;
  const g = feature.geometry;
  const at = g.type === 'Point' ? g.coordinates : g.coordinates[0];
  rmap.map.flyTo({ center: at, zoom: Math.max(rmap.map.getZoom(), 16) });
  onAsset(feature.id);
}

async function findByRef(ref) {
  try {
    const r = await api(`/ui/search?ref=${encodeURIComponent(ref)}`);
    return r.ids.length ? await api(`/api/v1/assets/${r.ids[0]}`) : null;
  } catch { return null; }
}

export { el };
