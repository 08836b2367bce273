// Access grants: the list (drawn on the map), a drawn area to grant, revoke.
import { api, t, el, when, myOrg, showError } from './common.mjs';
import { draw } from './tools.mjs';

const $ = (x) => document.getElementById(x);
let area = null;
let orgs = {};

async function list(rmap) {
  const r = await api('/api/v1/access-grants');
  const live = r.items.filter((g) => !g.revoked_at);
  rmap.setOverlay([
    ...live.map((g) => ({ type: 'Feature', properties: { colour: '#2b6cb0' }, geometry: g.area })),
    ...(area ? [{ type: 'Feature', properties: { colour: '#b45309' }, geometry: area }] : []),
  ]);
  $('grant-list').replaceChildren(live.length ? el('ul', {}, live.map((g) => el('li', {},
    `#${g.id} → ${orgs[g.grantee_org_id] || g.grantee_org_id} · ${t('col.until')} ${when(g.valid_until)}`,
    g.grantor_org_id === myOrg ? el('button', { type: 'button', class: 'secondary', onclick: () => revoke(rmap, g.id) }, t('act.revoke')) : null))) : el('p', {}, t('list.empty')));
}

async function revoke(rmap, id) {
  try { await api(`/api/v1/access-grants/${id}`, { method: 'DELETE' }); await list(rmap); } catch (err) { showError($('grant-list'), err); }
}

export async function start(rmap) {
  const all = (await api('/api/v1/organisations?limit=1000')).items;
  orgs = Object.fromEntries(all.map((o) => [o.id, o.name]));
  $('grantee').replaceChildren(...all.filter((o) => o.id !== myOrg).map((o) => el('option', { value: o.id }, o.name)));
  const until = new Date(Date.now() + 90 * 86400000);
  $('valid-until').value = until.toISOString().slice(0, 10);
  const arm = () => draw(rmap, 'polygon', (g) => { area = g; list(rmap); arm(); });
  arm();
  $('grant-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    if (!area) { $('grant-form').append(el('p', { class: 'error', role: 'alert' }, t('find.parse_error'))); return; }
    try {
      await api('/api/v1/access-grants', { method: 'POST', json: {
        grantee_org_id: Number($('grantee').value), area,
        valid_from: new Date().toISOString(), valid_until: new Date(`${$('valid-until').value}T00:00:00Z`).toISOString(),
      } });
      area = null;
      await list(rmap);
    } catch (err) { const box = el('div'); showError(box, err); $('grant-form').append(box); }
  });
  await list(rmap);
}
