// Import: a dry run shows the validation report as a table; the import shows upload progress.
import { t, el, myOrg } from './common.mjs';

const $ = (x) => document.getElementById(x);
const csrf = document.querySelector('meta[name="csrf-token"]').content;

function send(dryRun) {
  const form = new FormData();
  const file = $('file').files[0];
  if (!file) { $('file').reportValidity(); return; }
  form.append('file', file);
  form.append('owner_id', String(myOrg));
  for (const k of ['kind', 'crs', 'mapping']) if ($(k).value) form.append(k, $(k).value);
  form.append('dry_run', dryRun ? 'true' : 'false');
  form.append('skip_invalid', $('skip_invalid').checked ? 'true' : 'false');
  // XMLHttpRequest, not fetch: only it reports upload progress.
  const xhr = new XMLHttpRequest();
  xhr.open('POST', '/api/v1/imports');
  xhr.setRequestHeader('X-CSRF-Token', csrf);
  xhr.setRequestHeader('Accept', 'application/json');
  xhr.upload.onprogress = (e) => { if (e.lengthComputable) $('progress').value = (100 * e.loaded) / e.total; };
  xhr.onload = () => show(xhr.status, JSON.parse(xhr.responseText || '{}'));
  xhr.onerror = () => show(0, {});
  $('progress').value = 0;
  xhr.send(form);
}

function show(status, body) {
  $('progress').value = 100;
  const out = [];
  if (status === 200) {
    out.push(el('p', { class: 'ok', role: 'status' }, body.dry_run
      ? t('import.dry', body) : t('import.done', body)));
  } else {
    out.push(el('p', { class: 'error', role: 'alert' }, body.message || t('error.generic')));
  }
  const rows = body.report || [];
  if (rows.length) {
    out.push(el('table', {}, el('thead', {}, el('tr', {}, [t('col.feature'), t('col.line'), t('col.owner_ref'), t('col.field'), t('col.reason')].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, rows.map((r) => el('tr', {}, el('td', {}, r.feature), el('td', {}, r.line ?? ''), el('td', {}, r.owner_ref ?? ''), el('td', {}, r.field), el('td', {}, r.reason))))));
  }
  $('content').replaceChildren(...out);
}

$('dry').addEventListener('click', () => send(true));
$('run').addEventListener('click', () => send(false));
