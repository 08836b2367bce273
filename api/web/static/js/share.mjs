// The share-request form: opened from a candidate or the asset panel, posts to the API.
import { api, t, el, when, showError } from './common.mjs';

const form = document.getElementById('share-form');
let current = null;

export function shareForm(feature, { purpose = '' } = {}) {
  current = feature;
  const p = feature.properties;
  document.getElementById('share-asset').textContent = `${t(`kind.${p.kind}`)} #${feature.id} · ${p.owner_name}`;
  const res = document.getElementById('share-resource');
  res.replaceChildren(...Object.entries(p.capacity || {}).map(([r, c]) => el('option', { value: r }, `${t(`res.${r}`)} (${c.free} ${t('panel.unit_free')})`)));
  document.getElementById('share-purpose').value = purpose;
  document.getElementById('share-result').textContent = '';
  form.hidden = false;
  document.getElementById('share-count').focus();
}

form?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const out = document.getElementById('share-result');
  try {
    const sr = await api('/api/v1/share-requests', {
      method: 'POST',
      json: {
        asset_id: current.id,
        resource: document.getElementById('share-resource').value,
        count: Number(document.getElementById('share-count').value),
        purpose: document.getElementById('share-purpose').value,
      },
    });
    out.replaceChildren(el('p', { class: 'ok' }, t('share.sent', { id: sr.id, due: when(sr.due_at) })));
  } catch (err) {
    showError(out, err);
  }
});
document.getElementById('share-cancel')?.addEventListener('click', () => { form.hidden = true; });
