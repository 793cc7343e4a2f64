// The options page: the user's mode (never weaker than policy), extra pins for internal hosts,
// and the status of every pin list. The background checks and stores what is saved here.

import { api } from './compat.js';
import { el, fill } from './ui.js';

const MODE_OPTIONS = ['report', 'warn', 'enforce'];

async function ask(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? 'the background did not answer');
  return answer.value;
}

function extraRow(entry = { host: '', includeSubdomains: false, pins: [], mode: 'warn' }) {
  const modes = el('select', { class: 'extra-mode' }, MODE_OPTIONS.map((m) => el('option', { value: m, selected: m === entry.mode }, m)));
  const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
  const row = el('tr', {},
    el('td', {}, el('input', { class: 'extra-host', type: 'text', value: entry.host, placeholder: 'mail.corp.example', spellcheck: 'false' })),
    el('td', {}, el('input', { class: 'extra-sub', type: 'checkbox', checked: entry.includeSubdomains })),
    el('td', {}, el('textarea', { class: 'extra-pins', rows: 3, cols: 48, spellcheck: 'false' }, entry.pins.join('\n'))),
    el('td', {}, modes),
    el('td', {}, remove));
  remove.addEventListener('click', () => row.remove());
  return row;
}

function readForm() {
  const rows = [...document.querySelectorAll('#extras tbody tr')];
  return {
    mode: document.getElementById('mode').value || null,
    extraEntries: rows.map((row) => ({
      host: row.querySelector('.extra-host').value.trim(),
      includeSubdomains: row.querySelector('.extra-sub').checked,
      pins: row.querySelector('.extra-pins').value.split(/\s+/).filter(Boolean),
      mode: row.querySelector('.extra-mode').value,
    })).filter((e) => e.host || e.pins.length),
  };
}

function showStatus(s) {
  document.getElementById('permission').hidden = s.hostPermission;
  const select = document.getElementById('mode');
  for (const option of select.options) {
    option.disabled = option.value !== '' && !s.allowedModes.includes(option.value);
  }
  select.value = s.user.mode ?? '';
  fill('mode-note', s.policy.mode
    ? `Your organisation sets “${s.policy.mode}”; you can only choose a stronger mode.`
    : '');
  const body = document.querySelector('#extras tbody');
  body.replaceChildren(...s.user.extraEntries.map(extraRow));
  fill(document.querySelector('#sources tbody'), s.sources.map((src) => el('tr', { class: src.stale ? 'stale' : null },
    el('td', {}, src.origin),
    el('td', {}, src.list.publisher),
    el('td', {}, String(src.list.sequence)),
    el('td', {}, src.list.expiresAt),
    el('td', {}, String(src.list.entries), src.outOfScope ? ` (${src.outOfScope} out of scope)` : ''),
    el('td', {}, src.stale ? 'stale: expired, not enforced' : 'current'))));
  fill('problems', s.problems.map((p) => el('li', {}, `${p.origin}: ${p.error}`)));
  const wake = s.timings.wasmMs === null ? '' : ` WASM instantiated in ${s.timings.wasmMs.toFixed(1)} ms at the last wake.`;
  fill('engine-facts', `${s.pinnedHosts} pinned hosts; block list ${s.hasBlockList ? 'active' : 'empty'}.${wake}`);
}

async function refresh() {
  showStatus(await ask({ type: 'status' }));
}

async function save() {
  fill('saved', '');
  fill('errors');
  const result = await ask({ type: 'save-user', user: readForm() });
  if (!result.saved) {
    fill('errors', result.errors.map((e) => el('li', {}, e)));
    return;
  }
  fill('saved', 'Saved.');
  await refresh();
}

document.getElementById('add').addEventListener('click', () => {
  document.querySelector('#extras tbody').append(extraRow());
});
document.getElementById('save').addEventListener('click', () => {
  save().catch((e) => fill('errors', el('li', {}, e.message)));
});
document.getElementById('grant').addEventListener('click', async () => {
  await api.permissions.request({ origins: ['https://*/*'] });
  await refresh();
});
refresh().catch((e) => fill('problems', el('li', {}, `Status unavailable: ${e.message}`)));
