// The map pages (browse, find sharing, plan a route, access grants): one map, one side panel.
import { api, t, el, page, showError } from './common.mjs';
import { RegistryMap, readHash } from './map.mjs';
import { KIND_ORDER } from './style.mjs';
import { showAsset } from './panel.mjs';
import { measureTool, search } from './tools.mjs';
import { shareForm } from './share.mjs';

const mode = document.body.className.match(/mode-(\w+)/)[1];
const panel = document.getElementById('panel');
const rmap = new RegistryMap('map', { onSelect: select });
window.infrashareMap = rmap.map; // for the browser tests and the first-view measurement

async function select(id) {
  rmap.select(id);
  const feature = await showAsset(panel, id, { onShare: (f) => shareForm(f) });
  if (!feature) rmap.select('');
}

function wireFilters() {
  const byId = (x) => document.getElementById(x);
  const kind = byId('f-kind');
  for (const k of KIND_ORDER.map((x) => x.kind).sort()) kind.append(el('option', { value: k }, t(`kind.${k}`)));
  const f = rmap.filters;
  byId('f-sector').value = f.sector; kind.value = f.kind; byId('f-status').value = f.status; byId('f-free').value = f.minFree;
  for (const r of document.querySelectorAll('input[name=colour]')) r.checked = r.value === rmap.colour;
  if (f.owner || f.sector || f.kind || f.status || f.minFree || rmap.colour !== 'capacity') byId('filters-box').open = true;
  rmap.map.on('owners', () => {
    const owner = byId('f-owner');
    for (const name of rmap.owners) owner.append(el('option', { value: name }, name));
    owner.value = f.owner;
  });
  const apply = () => {
    Object.assign(f, { owner: byId('f-owner').value, sector: byId('f-sector').value, kind: kind.value, status: byId('f-status').value, minFree: Number(byId('f-free').value) || 0 });
    rmap.colour = document.querySelector('input[name=colour]:checked').value;
    rmap.restyle();
  };
  byId('filters-box').addEventListener('change', apply);
  byId('f-free').addEventListener('input', apply);
}

wireFilters();
measureTool(rmap, document.getElementById('measure'), document.getElementById('measure-out'));
document.getElementById('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  search(rmap, document.getElementById('search').value, document.getElementById('search-result'), select);
});
const start = readHash().params.get('asset');
if (start) rmap.ready.then(() => select(start));
// A permalink pasted into this tab changes only the hash: follow it.
window.addEventListener('hashchange', () => {
  const { view, params } = readHash();
  if (view) rmap.map.jumpTo(view);
  const asset = params.get('asset');
  if (asset && asset !== rmap.selected) select(asset);
});

const modules = { find: './find.mjs', plan: './plan.mjs', grants: './grants.mjs' };
if (modules[mode]) {
  import(modules[mode]).then((m) => m.start(rmap, { select, panel })).catch((err) => showError(document.getElementById('tool'), err));
}
export { page, api };
