// The options page: the user's mode (never weaker than policy), extra pins for internal hosts,
// and the status of every pin list. The background checks and stores what is saved here; which
// modes may be chosen comes from the engine (`allowedModes` in the status).

import { api } from '../shared/compat.js';
import { formatDateText, formatNumber, formatTime, localize, t } from '../shared/i18n.js';
import { el, fill, LOCAL_ROOT_MODE_WORDS, MODE_WORDS, problemText, reasonText } from './ui.js';
import { LOCAL_ROOT_MODES, MODE, MODES } from '../shared/vocabulary.js';
import { privateWindowsNote } from './install-hints.js';
import { showCookieScope } from './options-cookie-scope.js';

async function ask(message) {
  const answer = await api.runtime.sendMessage(message);
  if (!answer?.ok) throw new Error(answer?.error ?? t('common_no_answer'));
  return answer.value;
}

/** One row of extra entries. Stored entries are shown as they are (the core checks them), so any field may be missing. */
function extraRow(entry = {}) {
  const host = typeof entry.host === 'string' ? entry.host : '';
  const strings = (list) => (Array.isArray(list) ? list.filter((p) => typeof p === 'string') : []);
  const [pins, badPins] = [strings(entry.pins), strings(entry.badPins)];
  const mode = MODES.includes(entry.mode) ? entry.mode : MODE.warn;
  const modes = el('select', { class: 'extra-mode', 'aria-labelledby': 'col-mode' }, MODES.map((m) => el('option', { value: m, selected: m === mode }, m)));
  const remove = el('button', { type: 'button', class: 'remove' }, t('options_remove'));
  // Each control is named by its column's heading, for screen readers.
  const row = el('tr', {},
    el('td', {}, el('input', { class: 'extra-host', type: 'text', value: host, placeholder: 'mail.corp.example', spellcheck: 'false', 'aria-labelledby': 'col-host' })),
    el('td', {}, el('input', { class: 'extra-sub', type: 'checkbox', checked: entry.includeSubdomains === true, 'aria-labelledby': 'col-sub' })),
    el('td', {}, el('textarea', { class: 'extra-pins', rows: 3, cols: 48, spellcheck: 'false', dir: 'ltr', 'aria-labelledby': 'col-pins' }, pins.join('\n'))),
    el('td', {}, el('textarea', { class: 'extra-bad-pins', rows: 3, cols: 48, spellcheck: 'false', dir: 'ltr', 'aria-labelledby': 'col-bad' }, badPins.join('\n'))),
    el('td', {}, modes),
    el('td', {}, remove));
  remove.addEventListener('click', () => row.remove());
  return row;
}

function channelRow(ch = { url: '', keys: [], threshold: 1, scope: null }) {
  const remove = el('button', { type: 'button', class: 'remove' }, t('options_remove'));
  const row = el('tr', {},
    el('td', {}, el('input', { class: 'channel-url', type: 'url', value: ch.url, placeholder: 'https://pins.corp.example/list.json', spellcheck: 'false', size: 36, dir: 'ltr', 'aria-label': t('options_col_list_url') })),
    el('td', {}, el('textarea', { class: 'channel-keys', rows: 2, cols: 52, spellcheck: 'false', dir: 'ltr', 'aria-label': t('options_col_signing_keys') }, ch.keys.join('\n'))),
    el('td', {}, el('input', { class: 'channel-threshold', type: 'number', min: 1, max: 16, value: ch.threshold, 'aria-label': t('options_col_threshold') })),
    el('td', {}, el('input', { class: 'channel-scope', type: 'text', value: (ch.scope ?? []).join(' '), placeholder: t('options_all_hosts'), spellcheck: 'false', 'aria-label': t('options_col_scope') })),
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
  fill('local-root-mode-note', managed.has('localRootMode') ? t('options_policy_sets', s.policy.localRootMode) : '');
  const allowed = s.policy.allowUserKnownRoots !== false;
  document.getElementById('known-roots-off').hidden = allowed;
  const rows = s.user.knownRoots.map((root) => {
    const remove = el('button', { type: 'button', class: 'remove' }, t('options_remove'));
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      await ask({ type: 'forget-root', pin: root.pin });
      await refresh();
    });
    return el('tr', { 'data-pin': root.pin, class: allowed ? null : 'unused' },
      el('td', {}, root.name || t('common_no_name')), el('td', {}, el('bdi', {}, root.subject || t('common_no_name'))),
      el('td', {}, el('code', { class: 'pin', dir: 'ltr' }, root.pin)), el('td', {}, shortTime(root.addedAt)), el('td', {}, remove));
  });
  fill(document.querySelector('#known-roots tbody'), rows);
  document.getElementById('no-known-roots').hidden = rows.length > 0;
}

let lastStatus = null;

/** Messages for the policy keys (docs/policy.md): `policy_<key>`; a key without one shows as itself. */
const POLICY_KEYS = ['mode', 'channels', 'allowedInterceptionSpkis', 'allowedInterceptionRoots', 'reportEndpoint',
  'allowUserOverride', 'extraEntries', 'debuggerCapture', 'companionScope', 'updateIntervalHours', 'allowWatch',
  'localRootMode', 'allowUserKnownRoots'];

function policyLabel(key) {
  return POLICY_KEYS.includes(key) ? t(`policy_${key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`) : key;
}

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
  return ms ? formatTime(ms) : '—';
}

/** What each check result code means (a message key; anything else: the code itself). */
const CHECK_WORDS = {
  accepted: 'options_check_accepted',
  unchanged: 'options_check_unchanged',
  'not-modified': 'options_check_not_modified',
};

/**
 * The warning lines of a channel (statusView's `warnings`): they come from when the list in force
 * was accepted and when it expires, never from a check's answer.
 */
function warningText(w) {
  switch (w.code) {
    case 'expired':
      return t('channel_expired', shortTime(w.at));
    case 'expires-soon':
      return t('channel_expires_soon', shortTime(w.at), formatNumber(Math.max(0, Math.ceil((w.at - Date.now()) / 86_400_000))));
    case 'no-new-list':
      if (w.at === null) return t('channel_accepted_unknown');
      return t(w.checksOk ? 'channel_held_back' : 'channel_no_new_list', shortTime(w.at));
    case 'expiry-unknown':
      return t('channel_expiry_unknown');
    default:
      return w.code;
  }
}

function channelStatusRow(c) {
  const list = c.list
    ? [el('div', { class: 'channel-accepted' }, t('channel_last_accepted', formatNumber(c.list.sequence), shortTime(c.list.acceptedAt))),
      el('div', { class: 'channel-expiry' }, t('channel_expires', c.list.expiresAtMs ? shortTime(c.list.expiresAtMs) : formatDateText(c.list.expiresAt))),
      el('div', { class: 'muted' }, el('bdi', {}, c.list.publisher))]
    : [el('div', { class: 'channel-accepted' }, t('channel_none_accepted'))];
  const warnings = (c.warnings ?? []).map((w) => el('p', { class: 'channel-warning', 'data-code': w.code }, warningText(w)));
  const check = c.lastCheck
    ? [el('div', { class: 'check-time' }, t('channel_checked', shortTime(c.lastCheckAt ?? c.lastCheck.at)), ' ',
      el('span', { class: `check-${c.lastCheck.ok ? 'ok' : 'failed'}`, 'data-code': c.lastCheck.code },
        c.lastCheck.ok ? t('channel_check_ok', CHECK_WORDS[c.lastCheck.code] ? t(CHECK_WORDS[c.lastCheck.code]) : c.lastCheck.code)
          : t('channel_check_failed', c.lastCheck.code))),
      el('div', { class: 'muted check-reason' }, reasonText(c.lastCheck), c.lastCheck.note ? `; ${c.lastCheck.note}` : '')]
    : [t('channel_not_checked')];
  return el('tr', { 'data-url': c.url },
    el('td', {}, el('code', { dir: 'ltr' }, c.url), el('div', { class: 'muted' },
      t(c.from === 'policy' ? 'channel_from_policy' : 'channel_from_user', formatNumber(c.threshold), formatNumber(c.keys.length)),
      c.scope ? ` ${t('channel_scope', c.scope.join(', '))}` : '')),
    el('td', { class: 'channel-list' }, list, warnings),
    el('td', { class: 'channel-check' }, check, c.failures > 1 ? el('div', { class: 'muted' }, t('channel_failures', formatNumber(c.failures))) : null),
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
  fill('mode-note', s.policy.mode ? t('options_policy_sets_mode', s.policy.mode) : '');
  lastStatus = s;
  const managed = new Set(s.policy.managed ?? []);
  document.getElementById('policy-section').hidden = !managed.size && !s.policy.problems?.length;
  fill('managed-keys', [...managed].map((k) => el('li', {}, policyLabel(k), ' (', el('code', {}, k), ')')));
  fill('policy-problems', (s.policy.problems ?? []).map((p) => el('li', {}, problemText(p))));
  showCookieScope(s.policy);
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
    fill('report-facts', t('options_reports_facts', s.reports.endpoint, formatNumber(s.reports.queued), formatNumber(s.reports.suppressed)));
    fill('report-log', s.reports.log.map((r) => el('li', {}, `${shortTime(r.at)} ${r.hostname} (${r.verdict}): ${r.result} — ${r.detail}`)));
  }
  fill(document.querySelector('#sources tbody'), s.sources.map((src) => el('tr', { class: src.stale ? 'stale' : null },
    el('td', {}, el('bdi', {}, src.origin)),
    el('td', {}, el('bdi', {}, src.list.publisher)),
    el('td', {}, formatNumber(src.list.sequence)),
    el('td', {}, formatDateText(src.list.expiresAt)),
    el('td', {}, formatNumber(src.list.entries), src.outOfScope ? ` ${t('options_out_of_scope', formatNumber(src.outOfScope))}` : ''),
    el('td', {}, t(src.stale ? 'options_source_stale' : 'options_source_current')))));
  fill('problems', s.problems.map((p) => el('li', {}, `${p.origin}: ${problemText(p)}`)));
  const wake = s.timings.wasmMs === null ? '' : ` ${t('options_wasm_time', formatNumber(s.timings.wasmMs, 1))}`;
  fill('engine-facts', t(s.hasBlockList ? 'options_engine_facts_blocklist' : 'options_engine_facts', formatNumber(s.pinnedHosts)), wake);
}

async function refresh() {
  showStatus(await ask({ type: 'status' }));
  await showWatched();
}

/** "Watched sites": each host with its mode, the CA seen first, first and last seen, the changes seen; each removable. */
async function showWatched() {
  const { allowWatch, watched } = await ask({ type: 'watched' });
  const rows = Object.entries(watched).sort(([a], [b]) => a.localeCompare(b)).map(([host, w]) => {
    const remove = el('button', { type: 'button', class: 'remove' }, t('options_remove'));
    remove.addEventListener('click', async () => {
      remove.disabled = true;
      await ask({ type: 'unwatch', host });
      await refresh();
    });
    const changes = w.changes.length
      ? el('ul', { class: 'watch-changes' }, w.changes.map((c) => el('li', {}, t('options_watch_change', shortTime(c.at), c.issuer || t('common_no_name'), c.root || t('common_no_name')))))
      : t('options_none');
    return el('tr', { 'data-host': host },
      el('td', {}, el('code', {}, host)),
      el('td', {}, w.mode),
      el('td', {}, el('bdi', {}, w.issuer || t('common_no_name')), el('div', { class: 'muted' }, t('options_root_named', w.root || t('common_no_name')))),
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
    fill('errors', result.errors.map((e) => el('li', {}, problemText(e))));
    return;
  }
  fill('saved', t('options_saved'));
  await refresh();
}

localize();
document.getElementById('mode').append(...MODES.map((m) => el('option', { value: m }, MODE_WORDS[m] ? t(MODE_WORDS[m]) : m)));
document.getElementById('local-root-mode').append(...LOCAL_ROOT_MODES.map((m) => el('option', { value: m }, LOCAL_ROOT_MODE_WORDS[m] ? t(LOCAL_ROOT_MODE_WORDS[m]) : m)));
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
  fill('update-result', t('options_checking'));
  try {
    const results = await ask({ type: 'update-now' });
    fill('update-result', results.length ? results.map((r) => `${r.url}: ${r.result.code}`).join('; ') : t('options_no_channel_to_check'));
    await refresh();
  } catch (e) {
    fill('update-result', t('options_check_failed', e.message));
  } finally {
    button.disabled = false;
  }
});
document.getElementById('grant').addEventListener('click', async () => {
  await api.permissions.request({ origins: ['https://*/*'] });
  await refresh();
});
refresh().catch((e) => fill('problems', el('li', {}, t('options_status_failed', e.message))));
privateWindowsNote().then((note) => {
  if (note) fill('private-note', note).hidden = false;
});
