// Managed policy: read from storage.managed, checked, and merged over the defaults.
//
// Chromium checks values against schema.json before the extension sees them; Firefox hands over
// policies.json's `3rdparty.Extensions.<id>` (or a managed-storage manifest) exactly as written,
// so every value is checked here again. A key whose value is wrong is dropped and named in
// `problems`; it never silently becomes something else.
//
// Browser differences (docs/policy.md):
//   - Firefox with no policy: `storage.managed.get()` rejects ("Managed storage manifest not
//     found"): that is an unmanaged install, not an error. Policies are read at start-up only.
//   - Chromium: `get()` answers `{}` right after install; the values arrive a few seconds later
//     through `storage.onChanged` (area `managed`), which background.js listens to.

import { api } from '../shared/compat.js';
import { LOCAL_ROOT_MODES, MODES, PROBLEM_CODE } from '../shared/vocabulary.js';
import { problem } from '../shared/problem.js';

/** Hours between two regular checks of a channel, when policy does not say. */
export const DEFAULT_UPDATE_HOURS = 6;

/**
 * What an unmanaged install runs with. `managed` lists the keys policy set: each one locks the
 * matching control of the options page.
 */
export const DEFAULT_POLICY = Object.freeze({
  mode: null,
  allowUserOverride: true,
  allowWatch: true,
  allowedInterceptionSpkis: [],
  allowedInterceptionRoots: [],
  extraEntries: [],
  channels: [],
  reportEndpoint: null,
  debuggerCapture: null,
  companionScope: null,
  updateIntervalHours: null,
  localRootMode: null,
  allowUserKnownRoots: true,
  managed: [],
  problems: [],
});

/** Every key schema.json knows, in the order the docs list them. */
export const POLICY_KEYS = ['mode', 'channels', 'allowedInterceptionSpkis', 'allowedInterceptionRoots', 'reportEndpoint', 'allowUserOverride',
  'extraEntries', 'debuggerCapture', 'companionScope', 'updateIntervalHours', 'allowWatch',
  'localRootMode', 'allowUserKnownRoots'];

const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringArray = (v) => Array.isArray(v) && v.every((s) => typeof s === 'string');

/** An https URL without credentials, or null. Channels and report endpoints must be https. */
export function httpsUrl(text) {
  if (typeof text !== 'string') return null;
  let url;
  try {
    url = new URL(text.trim());
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' || url.username || url.password || !url.hostname) return null;
  return url.href;
}

/** A lower-case host name or suffix as scope takes it (`example.com`, not `*.example.com`). */
function scopeHost(text) {
  const h = text.trim().toLowerCase().replace(/\.$/, '');
  return /^[a-z0-9.-]+$/.test(h) && !h.startsWith('.') && !h.includes('..') ? h : null;
}

/**
 * One channel as policy or the user writes it: `{url, keys, threshold?, scope?, name?}`.
 * Returns `{channel}` or `{error}` (a problem, `shared/problem.js`; `n` numbers the channel in it). Keys are checked for their text form only; the WASM core
 * refuses a key that is not a valid Ed25519 point when the channel is used.
 */
export function cleanChannel(value, n = 1) {
  const bad = (code, params = {}) => ({ error: problem(code, { channel: n, ...params }) });
  if (!isObject(value)) return bad(PROBLEM_CODE.channelNotObject);
  const url = httpsUrl(value.url);
  if (!url) return bad(PROBLEM_CODE.channelBadUrl, { url: JSON.stringify(value.url) });
  if (!isStringArray(value.keys) || !value.keys.length) return bad(PROBLEM_CODE.channelNoKeys);
  const keys = [...new Set(value.keys.map((k) => k.trim()).filter(Boolean))];
  if (!keys.length || keys.length > 16) return bad(PROBLEM_CODE.channelKeyCount);
  const threshold = value.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.length) {
    return bad(PROBLEM_CODE.channelBadThreshold, { count: keys.length });
  }
  let scope = null;
  if (value.scope !== undefined && value.scope !== null) {
    if (!isStringArray(value.scope)) return bad(PROBLEM_CODE.channelBadScope);
    scope = [];
    for (const s of value.scope) {
      const h = scopeHost(s);
      if (!h) return bad(PROBLEM_CODE.channelBadScopeHost, { host: JSON.stringify(s) });
      scope.push(h);
    }
  }
  const name = typeof value.name === 'string' && value.name.trim() ? value.name.trim() : null;
  // The name the channel's lists are signed for (docs/pinlist-format.md "Channel binding"):
  // its URL unless the configuration names another (one name for several mirrors).
  let binding = url;
  if (value.binding !== undefined && value.binding !== null) {
    // eslint-disable-next-line no-control-regex
    if (typeof value.binding !== 'string' || !value.binding || value.binding.length > 2048 || /[\u0000-\u001f\u007f-\u009f]/.test(value.binding)) {
      return { error: `${url}: binding must be the channel name its lists are signed for (text, at most 2048 characters)` };
    }
    binding = value.binding;
  }
  if (value.allowUnboundLists !== undefined && typeof value.allowUnboundLists !== 'boolean') {
    return { error: `${url}: allowUnboundLists must be true or false` };
  }
  return { channel: { url, keys, threshold, scope, name, binding, allowUnboundLists: value.allowUnboundLists === true } };
}

/**
 * The policy from raw managed values. Pure: no browser API, so it is unit-tested as is.
 * Returns DEFAULT_POLICY's shape with `managed` (keys policy set and that were valid) and
 * `problems` (`[{key, code, params, error}]`, for the options page).
 */
export function cleanPolicy(raw) {
  const policy = { ...DEFAULT_POLICY, managed: [], problems: [] };
  if (!isObject(raw)) return policy;
  const refuse = (key, code, params = {}) => policy.problems.push({ key, ...problem(code, { key, ...params }) });
  const set = (key, value) => {
    policy[key] = value;
    policy.managed.push(key);
  };
  for (const key of Object.keys(raw)) {
    if (!POLICY_KEYS.includes(key)) refuse(key, PROBLEM_CODE.policyUnknownKey);
  }
  const has = (k) => Object.hasOwn(raw, k) && raw[k] !== undefined && raw[k] !== null;

  if (has('mode')) {
    if (MODES.includes(raw.mode)) set('mode', raw.mode);
    else refuse('mode', PROBLEM_CODE.policyNotOneOf, { values: MODES.join(', ') });
  }
  if (has('allowUserOverride')) {
    if (typeof raw.allowUserOverride === 'boolean') set('allowUserOverride', raw.allowUserOverride);
    else refuse('allowUserOverride', PROBLEM_CODE.policyNotBoolean);
  }
  if (has('allowWatch')) {
    if (typeof raw.allowWatch === 'boolean') set('allowWatch', raw.allowWatch);
    else refuse('allowWatch', PROBLEM_CODE.policyNotBoolean);
  }
  if (has('localRootMode')) {
    if (LOCAL_ROOT_MODES.includes(raw.localRootMode)) set('localRootMode', raw.localRootMode);
    else refuse('localRootMode', PROBLEM_CODE.policyNotOneOf, { values: LOCAL_ROOT_MODES.join(', ') });
  }
  if (has('allowUserKnownRoots')) {
    if (typeof raw.allowUserKnownRoots === 'boolean') set('allowUserKnownRoots', raw.allowUserKnownRoots);
    else refuse('allowUserKnownRoots', PROBLEM_CODE.policyNotBoolean);
  }
  if (has('companionScope')) {
    if (raw.companionScope === 'pinned' || raw.companionScope === 'all') set('companionScope', raw.companionScope);
    else refuse('companionScope', PROBLEM_CODE.policyNotOneOf, { values: 'pinned, all' });
  }
  if (has('debuggerCapture')) {
    if (typeof raw.debuggerCapture === 'boolean') set('debuggerCapture', raw.debuggerCapture);
    else refuse('debuggerCapture', PROBLEM_CODE.policyNotBoolean);
  }
  if (has('allowedInterceptionSpkis')) {
    if (isStringArray(raw.allowedInterceptionSpkis)) set('allowedInterceptionSpkis', raw.allowedInterceptionSpkis.map((s) => s.trim()));
    else refuse('allowedInterceptionSpkis', PROBLEM_CODE.policyNotPins);
  }
  if (has('allowedInterceptionRoots')) {
    // Read by the core (the engine names a certificate it cannot read among its problems).
    if (isStringArray(raw.allowedInterceptionRoots)) set('allowedInterceptionRoots', raw.allowedInterceptionRoots);
    else refuse('allowedInterceptionRoots', PROBLEM_CODE.policyNotCertificates);
  }
  if (has('reportEndpoint')) {
    const url = httpsUrl(raw.reportEndpoint);
    if (url) set('reportEndpoint', url);
    else refuse('reportEndpoint', PROBLEM_CODE.policyNotHttps);
  }
  if (has('updateIntervalHours')) {
    const h = raw.updateIntervalHours;
    if (Number.isInteger(h) && h >= 1 && h <= 168) set('updateIntervalHours', h);
    else refuse('updateIntervalHours', PROBLEM_CODE.policyNotHours);
  }
  if (has('extraEntries')) {
    // Only the shape is policy's to check: the core checks each entry when the engine is built
    // and names a refused one in the engine's problems (origin "policy").
    if (Array.isArray(raw.extraEntries)) set('extraEntries', raw.extraEntries);
    else refuse('extraEntries', PROBLEM_CODE.policyNotList);
  }
  if (has('channels')) {
    if (!Array.isArray(raw.channels)) {
      refuse('channels', PROBLEM_CODE.policyNotList);
    } else {
      const channels = [];
      raw.channels.forEach((c, i) => {
        const { channel, error } = cleanChannel(c, i + 1);
        if (error) policy.problems.push({ key: 'channels', ...error });
        else if (channels.some((x) => x.url === channel.url)) refuse('channels', PROBLEM_CODE.channelTwice, { channel: i + 1, url: channel.url });
        else channels.push(channel);
      });
      set('channels', channels);
    }
  }
  return policy;
}

/**
 * The raw managed values: `{}` for an unmanaged install (Firefox rejects then; Chromium answers
 * `{}`), with `note` saying why there are none.
 */
export async function readManaged() {
  const area = api.storage?.managed;
  if (!area) return { raw: {}, note: 'this browser has no managed storage' };
  try {
    const raw = await area.get();
    return { raw: raw ?? {} };
  } catch (e) {
    return { raw: {}, note: String(e?.message ?? e) };
  }
}

export async function loadPolicy() {
  const { raw } = await readManaged();
  return cleanPolicy(raw);
}
