// The asset side panel: attributes, the capacity unit grid, owner contact, a masked note.
// It reads the JSON API, which decides what this caller may see (404 for what it may not).
import { api, t, el, num, roles } from './common.mjs';

const HIDDEN = new Set(['kind', 'owner_id', 'owner_name', 'owner_sector', 'owner_ref', 'status', 'sensitivity', 'capacity', 'created_at', 'updated_at', 'masked', 'distance_m']);

function row(label, value) {
  return [el('dt', {}, label), el('dd', {}, value ?? '—')];
}

function unitGrid(resource, cap) {
  const units = cap.units || [];
  const grid = el('ol', { class: 'units', 'aria-label': `${t(`res.${resource}`)}: ${t('panel.free_of', { free: cap.free, total: cap.total })}` },
    units.map((u) => el('li', { class: `unit ${u.state}`, title: `${u.unit}: ${t(`panel.unit_${u.state}`)}${u.height_m ? ` · ${u.height_m} m` : ''}` }, String(u.unit))));
  return el('section', { class: 'capacity' },
    el('h3', {}, `${t(`res.${resource}`)} — ${t('panel.free_of', { free: num(cap.free), total: num(cap.total) })}`), grid);
}

async function contact(ownerId) {
  try {
    const org = await api(`/api/v1/organisations/${ownerId}`);
    const c = org.contact;
    if (!c) return null;
    return typeof c === 'string' ? c : Object.values(c).join(' · ');
  } catch { return null; }
}

export async function showAsset(panel, id, { onShare } = {}) {
  panel.hidden = false;
  panel.replaceChildren(el('p', {}, '…'));
  let feature;
  try {
    feature = await api(`/api/v1/assets/${Number(id)}`);
  } catch {
    panel.replaceChildren(el('p', { role: 'alert' }, t('search.none')), closeButton(panel));
    return null;
  }
  const p = feature.properties;
  const body = [
    el('h2', {}, `${t(`kind.${p.kind}`)} #${feature.id}`),
  ];
  if (p.masked) body.push(el('p', { class: 'note masked', role: 'note' }, t('panel.masked')));
  const dl = el('dl', {},
    row(t('panel.owner'), p.owner_name),
    p.masked ? [] : row(t('panel.owner_ref'), p.owner_ref),
    row(t('panel.status'), t(`status.${p.status}`)),
    p.masked ? [] : row(t('panel.sensitivity'), p.sensitivity));
  for (const [k, v] of Object.entries(p)) if (!HIDDEN.has(k) && v !== null && typeof v !== 'object') dl.append(...row(k, String(v)));
  const who = await contact(p.owner_id);
  if (who) dl.append(...row(t('panel.contact'), who));
  body.push(dl);
  let caps = {};
  if (!p.masked) {
    try { caps = (await api(`/api/v1/assets/${feature.id}/capacity`)).resources; } catch { caps = {}; }
    for (const [r, cap] of Object.entries(caps)) body.push(unitGrid(r, cap));
  } else {
    for (const [r, cap] of Object.entries(p.capacity || {})) body.push(el('p', {}, `${t(`res.${r}`)}: ${num(cap.free)} ${t('panel.unit_free')}`));
  }
  const actions = el('div', { class: 'row' });
  if ((roles.has('operator') || roles.has('admin')) && onShare && Object.keys(p.capacity || {}).length) {
    actions.append(el('button', { type: 'button', onclick: () => onShare(feature) }, t('panel.request_share')));
  }
  actions.append(closeButton(panel));
  body.push(actions);
  panel.replaceChildren(...body);
  panel.focus();
  return feature;
}

function closeButton(panel) {
  return el('button', { type: 'button', class: 'secondary', onclick: () => { panel.hidden = true; } }, t('panel.close'));
}
