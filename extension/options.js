// The options page: the user's mode (never weaker than policy), extra pins for internal hosts,
// and the status of every pin list. The background checks and stores what is saved here; which
// modes may be chosen comes from the engine (`allowedModes` in the status).

import { api } from './compat.js';
import { el, fill, LOCAL_ROOT_MODE_WORDS, MODE_WORDS } from './ui.js';
import { LOCAL_ROOT_MODES, MODE, MODES } from './vocabulary.js';
import { privateWindowsNote } from './install-hints.js';

async function ask(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? 'the background did not answer');
  return answer.value;
}

/** One row of extra entries. Stored entries are shown as they are (the core checks them), so any field may be missing. */
function extraRow(entry = {}) {
  const host = typeof entry.host === 'string' ? entry.host : '';
  const strings = (list) => (Array.isArray(list) ? list.filter((p) => typeof p === 'string') : []);
  const [pins, badPins] = [strings(entry.pins), strings(entry.badPins)];
  const mode = MODES.includes(entry.mode) ? entry.mode : MODE.warn;
  const modes = el('select', { class: 'extra-mode' }, MODES.map((m) => el('option', { value: m, selected: m === mode }, m)));
  const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
  const row = el('tr', {},
    el('td', {}, el('input', { class: 'extra-host', type: 'text', value: host, placeholder: 'mail.corp.example', spellcheck: 'false' })),
    el('td', {}, el('input', { class: 'extra-sub', type: 'checkbox', checked: entry.includeSubdomains === true })),
    el('td', {}, el('textarea', { class: 'extra-pins', rows: 3, cols: 48, spellcheck: 'false' }, pins.join('\n'))),
    el('td', {}, el('textarea', { class: 'extra-bad-pins', rows: 3, cols: 48, spellcheck: 'false' }, badPins.join('\n'))),
    el('td', {}, modes),
    el('td', {}, remove));
  remove.addEventListener('click', () => row.remove());
  return row;
}

function channelRow(ch = { url: '', keys: [], threshold: 1, scope: null }) {
  const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
  const row = el('tr', {},
    el('td', {}, el('input', { class: 'channel-url', type: 'url', value: ch.url, placeholder: 'https://pins.corp.example/list.json', spellcheck: 'false', size: 36 })),
    el('td', {}, el('textarea', { class: 'channel-keys', rows: 2, cols: 52, spellcheck: 'false' }, ch.keys.join('\n'))),
    el('td', {}, el('input', { class: 'channel-threshold', type: 'number', min: 1, max: 16, value: ch.threshold })),
    el('td', {}, el('input', { class: 'channel-scope', type: 'text', value: (ch.scope ?? []).join(' '), placeholder: 'all hosts', spellcheck: 'false' })),
    el('td', {}, remove));
  remove.addEventListener('click', () => row.remove());
  return row;
}

function readForm() {
  const rows = [...document.querySelectorAll('#extras tbody tr')];
  const channelRows = [...document.querySelectorAll('#user-channels tbody tr')];
  return {
    mode: document.getElementById('mode').value || null,
    extraEntries: rows.map((row) => ({
      host: row.querySelector('.extra-host').value.trim(),
      includeSubdomains: row.querySelector('.extra-sub').checked,
      pins: row.querySelector('.extra-pins').value.split(/\s+/).filter(Boolean),
      badPins: row.querySelector('.extra-bad-pins').value.split(/\s+/).filter(Boolean),
      mode: row.querySelector('.extra-mode').value,
    })).filter((e) => e.host || e.pins.length || e.badPins.length),
    channels: channelRows.map((row) => {
      const scope = row.querySelector('.channel-scope').value.split(/[\s,]+/).filter(Boolean);
      return {
        url: row.querySelector('.channel-url').value.trim(),
        keys: row.querySelector('.channel-keys').value.split(/\s+/).filter(Boolean),
        threshold: Number(row.querySelector('.channel-threshold').value),
        scope: scope.length ? scope : null,
      };
    }).filter((c) => c.url || c.keys.length),
    debuggerCapture: debuggerChoice(),
    companionScope: companionChoice(),
    localRootMode: document.getElementById('local-root-mode').value || null,
    // Marked from the popup and removed from their own table: kept as they are on save.
    knownRoots: lastStatus?.user.knownRoots ?? [],
  };
}

/** The added-roots menu (locked when policy sets `localRootMode`) and the known roots, each removable. */
function showLocalRoots(s, managed) {
  const select = document.getElementById('local-root-mode');
  select.value = managed.has('localRootMode') ? s.policy.localRootMode : (s.user.localRootMode ?? '');
  select.disabled = managed.has('localRootMode');
  fill('local-root-mode-note', managed.has('localRootMode') ? `Your organisation sets “${s.policy.localRootMode}”.` : '');
  const allowed = s.policy.allowUserKnownRoots !== false;
  document.getElementById('known-roots-off').hidden = allowed;
  const rows = s.user.knownRoots.map((root) => {
    const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      await ask({ type: 'forget-root', pin: root.pin });
      await refresh();
    });
    return el('tr', { 'data-pin': root.pin, class: allowed ? null : 'unused' },
      el('td', {}, root.name || '(no name)'), el('td', {}, root.subject || '(no name)'),
      el('td', {}, el('code', { class: 'pin' }, root.pin)), el('td', {}, shortTime(root.addedAt)), el('td', {}, remove));
  });
  fill(document.querySelector('#known-roots tbody'), rows);
  document.getElementById('no-known-roots').hidden = rows.length > 0;
}

let lastStatus = null;

/** Words for the policy keys (docs/policy.md). */
const POLICY_LABELS = {
  mode: 'Mode on a mismatch',
  channels: 'Update channels',
  allowedInterceptionSpkis: 'Declared inspection proxies',
  allowedInterceptionRoots: 'Declared inspection proxies (root certificates)',
  reportEndpoint: 'Where violation reports go',
  allowUserOverride: 'Whether you may proceed past a warning',
  extraEntries: 'Pins for internal hosts',
  debuggerCapture: 'Full-chain capture',
  companionScope: 'What the companion checks',
  updateIntervalHours: 'How often lists are updated',
  allowWatch: 'Whether you may watch sites',
  localRootMode: 'What a root added to this computer does',
  allowUserKnownRoots: 'Whether you may mark added roots as known',
};

/** The companion scope menu (options-capture.js), unless policy locks it or the build has none. */
function companionChoice() {
  const select = document.getElementById('companion-scope');
  return select && !select.disabled && !select.closest('[hidden]') ? select.value : lastStatus?.user.companionScope ?? 'pinned';
}

/** The full-chain capture checkbox (options-capture.js), unless policy locks it. */
function debuggerChoice() {
  const box = document.getElementById('debugger-capture');
  return box && !box.disabled && !box.closest('[hidden]') ? box.checked : lastStatus?.user.debuggerCapture === true;
}

/** Disables every control inside `selector` (the controls policy sets). */
function lock(selector, locked) {
  for (const node of document.querySelectorAll(`${selector} input, ${selector} textarea, ${selector} select, ${selector} button`)) {
    node.disabled = locked;
  }
}

function shortTime(ms) {
  return ms ? new Date(ms).toLocaleString() : '—';
}

/** What each check result code means, in words (anything else: the code itself). */
const CHECK_WORDS = {
  accepted: 'new list accepted',
  unchanged: 'nothing new (the same list again)',
  'not-modified': 'nothing new (HTTP 304)',
};

/**
 * The warning lines of a channel (statusView's `warnings`): they come from when the list in force
 * was accepted and when it expires, never from a check's answer.
 */
function warningText(w) {
  switch (w.code) {
    case 'expired':
      return `The list in force expired on ${shortTime(w.at)}: its pins are no longer enforced, and no newer list has been accepted.`;
    case 'expires-soon':
      return `The list in force expires on ${shortTime(w.at)}, in ${Math.max(0, Math.ceil((w.at - Date.now()) / 86_400_000))} day(s), and no newer list has been accepted yet.`;
    case 'no-new-list':
      if (w.at === null) return 'When this list was accepted is not known.';
      return w.checksOk
        ? `The server has not delivered a new list since ${shortTime(w.at)}: the checks succeed, but bring nothing new (an interceptor can hold updates back this way).`
        : `No new list has been accepted since ${shortTime(w.at)}, and the last check failed.`;
    case 'expiry-unknown':
      return 'When the list in force expires could not be read.';
    default:
      return w.code;
  }
}

function channelStatusRow(c) {
  const list = c.list
    ? [el('div', { class: 'channel-accepted' }, `Last accepted list: sequence ${c.list.sequence}, accepted ${shortTime(c.list.acceptedAt)}`),
      el('div', { class: 'channel-expiry' }, `Expires ${c.list.expiresAt ?? '?'}`, c.list.expiresAtMs ? ` (${shortTime(c.list.expiresAtMs)})` : ''),
      el('div', { class: 'muted' }, c.list.publisher)]
    : [el('div', { class: 'channel-accepted' }, 'No list accepted yet')];
  const warnings = (c.warnings ?? []).map((w) => el('p', { class: 'channel-warning', 'data-code': w.code }, warningText(w)));
  const check = c.lastCheck
    ? [el('div', { class: 'check-time' }, `Checked ${shortTime(c.lastCheckAt ?? c.lastCheck.at)}: `,
      el('span', { class: `check-${c.lastCheck.ok ? 'ok' : 'failed'}`, 'data-code': c.lastCheck.code },
        c.lastCheck.ok ? `ok: ${CHECK_WORDS[c.lastCheck.code] ?? c.lastCheck.code}` : `refused or failed (${c.lastCheck.code})`)),
      el('div', { class: 'muted check-reason' }, c.lastCheck.reason, c.lastCheck.note ? `; ${c.lastCheck.note}` : '')]
    : ['not checked yet'];
  return el('tr', { 'data-url': c.url },
    el('td', {}, el('code', {}, c.url), el('div', { class: 'muted' },
      `${c.from === 'policy' ? 'set by your organisation' : 'yours'}; ${c.threshold} of ${c.keys.length} key(s)`,
      c.scope ? `; only ${c.scope.join(', ')}` : '')),
    el('td', { class: 'channel-list' }, list, warnings),
    el('td', { class: 'channel-check' }, check, c.failures > 1 ? el('div', { class: 'muted' }, `${c.failures} failures in a row`) : null),
    el('td', {}, shortTime(c.nextAt)));
}

function showStatus(s) {
  document.getElementById('permission').hidden = s.hostPermission;
  const select = document.getElementById('mode');
  for (const option of select.options) {
    option.disabled = option.value === '' ? Boolean(s.policy.mode) : !s.allowedModes.includes(option.value);
  }
  // Under a managed mode the menu shows what is in force: the user's stronger choice, else policy's.
  select.value = s.user.mode && s.allowedModes.includes(s.user.mode) ? s.user.mode : (s.policy.mode ?? '');
  fill('mode-note', s.policy.mode
    ? `Your organisation sets “${s.policy.mode}”; you can only choose a stronger mode.`
    : '');
  lastStatus = s;
  const managed = new Set(s.policy.managed ?? []);
  document.getElementById('policy-section').hidden = !managed.size && !s.policy.problems?.length;
  fill('managed-keys', [...managed].map((k) => el('li', {}, POLICY_LABELS[k] ?? k, ' (', el('code', {}, k), ')')));
  fill('policy-problems', (s.policy.problems ?? []).map((p) => el('li', {}, `${p.key}: ${p.error}`)));
  showLocalRoots(s, managed);
  const body = document.querySelector('#extras tbody');
  body.replaceChildren(...s.user.extraEntries.map((e) => extraRow(e)));
  lock('#extras', managed.has('extraEntries'));
  document.getElementById('add').disabled = managed.has('extraEntries');
  document.getElementById('extras-locked').hidden = !managed.has('extraEntries');
  document.querySelector('#user-channels tbody').replaceChildren(...s.user.channels.map(channelRow));
  lock('#user-channels', managed.has('channels'));
  document.getElementById('add-channel').disabled = managed.has('channels');
  document.getElementById('channels-locked').hidden = !managed.has('channels');
  document.getElementById('mode').disabled = managed.has('mode') && s.allowedModes.length === 1;
  fill(document.querySelector('#channel-status tbody'), s.channels.map(channelStatusRow));
  document.getElementById('no-channels').hidden = s.channels.length > 0;
  document.getElementById('reports-section').hidden = !s.reports.endpoint;
  if (s.reports.endpoint) {
    fill('report-facts', `Reports go to ${s.reports.endpoint}. ${s.reports.queued} waiting to be delivered; `
      + `${s.reports.suppressed} repeated within the hour and not sent again.`);
    fill('report-log', s.reports.log.map((r) => el('li', {}, `${shortTime(r.at)} ${r.hostname} (${r.verdict}): ${r.result} — ${r.detail}`)));
  }
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
  await showWatched();
}

/** "Watched sites": each host with its mode, the CA seen first, first and last seen, the changes seen; each removable. */
async function showWatched() {
  const { allowWatch, watched } = await ask({ type: 'watched' });
  const rows = Object.entries(watched).sort(([a], [b]) => a.localeCompare(b)).map(([host, w]) => {
    const remove = el('button', { type: 'button', class: 'remove' }, 'Remove');
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      await ask({ type: 'unwatch', host });
      await refresh();
    });
    const changes = w.changes.length
      ? el('ul', { class: 'watch-changes' }, w.changes.map((c) => el('li', {}, `${shortTime(c.at)}: CA ${c.issuer || '(no name)'} (root ${c.root || '(no name)'})`)))
      : 'none';
    return el('tr', { 'data-host': host },
      el('td', {}, el('code', {}, host)),
      el('td', {}, w.mode),
      el('td', {}, w.issuer || '(no name)', el('div', { class: 'muted' }, 'root ', w.root || '(no name)')),
      el('td', { class: 'watch-since' }, shortTime(w.since)),
      el('td', { class: 'watch-last-seen' }, shortTime(w.lastSeen)),
      el('td', { class: 'watch-change-list' }, changes),
      el('td', {}, remove));
  });
  fill(document.querySelector('#watched tbody'), rows);
  document.getElementById('no-watched').hidden = rows.length > 0;
  document.getElementById('watch-off').hidden = allowWatch;
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

document.getElementById('mode').append(...MODES.map((m) => el('option', { value: m }, MODE_WORDS[m] ?? m)));
document.getElementById('local-root-mode').append(...LOCAL_ROOT_MODES.map((m) => el('option', { value: m }, LOCAL_ROOT_MODE_WORDS[m] ?? m)));
document.getElementById('add').addEventListener('click', () => {
  document.querySelector('#extras tbody').append(extraRow());
});
document.getElementById('save').addEventListener('click', () => {
  save().catch((e) => fill('errors', el('li', {}, e.message)));
});
document.getElementById('add-channel').addEventListener('click', () => {
  document.querySelector('#user-channels tbody').append(channelRow());
});
document.getElementById('update-now').addEventListener('click', async () => {
  const button = document.getElementById('update-now');
  button.disabled = true;
  fill('update-result', 'Checking…');
  try {
    const results = await ask({ type: 'update-now' });
    fill('update-result', results.length ? results.map((r) => `${r.url}: ${r.result.code}`).join('; ') : 'No channel to check.');
    await refresh();
  } catch (e) {
    fill('update-result', `The check failed: ${e.message}`);
  } finally {
    button.disabled = false;
  }
});
document.getElementById('grant').addEventListener('click', async () => {
  await api.permissions.request({ origins: ['https://*/*'] });
  await refresh();
});
refresh().catch((e) => fill('problems', el('li', {}, `Status unavailable: ${e.message}`)));
privateWindowsNote().then((note) => {
  if (note) fill('private-note', note).hidden = false;
});
