// A build request for its approver (or requester): the stored report on the map, the verdict,
// decisions and answers, the audit history, and the decision form (the API enforces the rules).
import { api, t, el, when, countdown, showError } from './common.mjs';
import { RegistryMap } from './map.mjs';
import { drawReport, fitTo, summary, candidateItem } from './report_view.mjs';

const root = document.querySelector('[data-request]');
const id = Number(root.dataset.request);
const $ = (x) => document.getElementById(x);
const rmap = new RegistryMap('map', { backdrop: true });
window.infrashareMap = rmap.map;

function head(br) {
  const c = countdown(br.due_at);
  const open = br.state === 'pending';
  return [
    el('p', {}, `${t('col.state')}: `, el('strong', {}, t(`state.${br.state}`)), ` · ${t('col.kind')}: ${t(`brkind.${br.kind}`)} · ${t('col.created')}: ${when(br.created_at)}`),
    el('p', { class: open && c.overdue ? 'overdue' : '' }, `${t('col.due')}: ${when(br.due_at)}${open ? ` (${c.text})` : ''}`),
    el('p', {}, `${t('br.needs')}: ${Object.entries(br.needs).map(([k, v]) => `${t(`res.${k}`)} × ${v}`).join(', ')}`),
    el('p', {}, `${t('col.purpose')}: `, br.purpose),
  ];
}

function decisions(list) {
  if (!list.length) return el('p', {}, t('list.empty'));
  return el('ul', {}, list.map((d) => el('li', {}, el('strong', {}, t(`decision.${d.decision}`)), ` · ${when(d.created_at)} · ${d.actor}`,
    d.reason ? el('div', {}, `${t('col.reason')}: `, d.reason) : null, d.justification ? el('div', {}, d.justification) : null)));
}

async function audit() {
  try {
    const h = await api(`/api/v1/audit?object=build_request:${id}&limit=200`);
    $('br-audit').replaceChildren(el('table', {}, el('thead', {}, el('tr', {}, [t('col.when'), t('col.who'), t('col.action'), t('col.reason')].map((x) => el('th', { scope: 'col' }, x)))),
      el('tbody', {}, h.items.map((e) => el('tr', {}, el('td', {}, when(e.at)), el('td', {}, e.actor), el('td', {}, e.action), el('td', {}, e.reason || (e.after && e.after.answer) || ''))))));
  } catch (err) { showError($('br-audit'), err); }
}

async function load() {
  let br;
  try { br = await api(`/api/v1/build-requests/${id}`); } catch (err) { showError($('br-head'), err); return; }
  $('br-head').replaceChildren(...head(br));
  $('br-decisions').replaceChildren(decisions(br.decisions || []));
  const report = br.reports.length ? br.reports[br.reports.length - 1].report : null;
  if (report) {
    $('br-report').replaceChildren(...summary(report), el('ol', { class: 'candidates' }, report.candidates.map((c) => candidateItem(c))));
    await rmap.ready;
    fitTo(rmap, br.geometry);
    await drawReport(rmap, br.geometry, report);
    const pick = $('candidate');
    if (pick) pick.replaceChildren(...report.candidates.filter((c) => !c.masked).map((c) => el('option', { value: c.asset_id }, `${t(`kind.${c.kind}`)} #${c.asset_id}`)));
  } else {
    $('br-report').replaceChildren(el('p', {}, t('br.no_report')));
  }
  const form = $('decide');
  if (form) form.hidden = !['pending', 'info_requested'].includes(br.state);
  await audit();
  document.body.dataset.loaded = '1';
  rmap.map.once('idle', () => { document.body.dataset.mapIdle = '1'; });
}

$('decide')?.addEventListener('submit', async (e) => {
  e.preventDefault();
  const json = { build_request_id: id, decision: $('decision').value };
  if ($('reason').value) json.reason = $('reason').value;
  if ($('justification').value && json.decision === 'approve_new_build') json.justification = $('justification').value;
  if (json.decision === 'require_share' && $('candidate').value) json.asset_id = Number($('candidate').value);
  try {
    await api('/api/v1/decisions', { method: 'POST', json });
    $('decide').reset();
    $('decide-result').replaceChildren(el('p', { class: 'ok' }, t('br.decided')));
    await load();
  } catch (err) { showError($('decide-result'), err); }
});
$('print')?.addEventListener('click', () => window.print());
load();
