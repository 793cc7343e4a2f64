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
import { LOCAL_ROOT_MODES, MODES } from '../shared/vocabulary.js';

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
 * Returns `{channel}` or `{error}`. Keys are checked for their text form only; the WASM core
 * refuses a key that is not a valid Ed25519 point when the channel is used.
 */
export function cleanChannel(value) {
  if (!isObject(value)) return { error: 'a channel must be an object {url, keys, threshold}' };
  const url = httpsUrl(value.url);
  if (!url) return { error: `the channel url ${JSON.stringify(value.url)} is not an https URL` };
  if (!isStringArray(value.keys) || !value.keys.length) return { error: `${url}: keys must be a non-empty list of public keys` };
  const keys = [...new Set(value.keys.map((k) => k.trim()).filter(Boolean))];
  if (!keys.length || keys.length > 16) return { error: `${url}: between 1 and 16 keys are needed` };
  const threshold = value.threshold ?? 1;
  if (!Number.isInteger(threshold) || threshold < 1 || threshold > keys.length) {
    return { error: `${url}: threshold must be a whole number from 1 to the number of keys (${keys.length})` };
  }
  let scope = null;
  if (value.scope !== undefined && value.scope !== null) {
    if (!isStringArray(value.scope)) return { error: `${url}: scope must be a list of host names` };
    scope = [];
    for (const s of value.scope) {
      const h = scopeHost(s);
      if (!h) return { error: `${url}: scope entry ${JSON.stringify(s)} is not a host name` };
      scope.push(h);
    }
  }
  const name = typeof value.name === 'string' && value.name.trim() ? value.name.trim() : null;
  return { channel: { url, keys, threshold, scope, name } };
}

/**
 * The policy from raw managed values. Pure: no browser API, so it is unit-tested as is.
 * Returns DEFAULT_POLICY's shape with `managed` (keys policy set and that were valid) and
 * `problems` (`[{key, error}]`, for the options page).
 */
export function cleanPolicy(raw) {
  const policy = { ...DEFAULT_POLICY, managed: [], problems: [] };
  if (!isObject(raw)) return policy;
  const problem = (key, error) => policy.problems.push({ key, error });
  const set = (key, value) => {
    policy[key] = value;
    policy.managed.push(key);
  };
  for (const key of Object.keys(raw)) {
    if (!POLICY_KEYS.includes(key)) problem(key, 'unknown policy key, ignored');
  }
  const has = (k) => Object.hasOwn(raw, k) && raw[k] !== undefined && raw[k] !== null;

  if (has('mode')) {
    if (MODES.includes(raw.mode)) set('mode', raw.mode);
    else problem('mode', `must be one of ${MODES.join(', ')}`);
  }
  if (has('allowUserOverride')) {
    if (typeof raw.allowUserOverride === 'boolean') set('allowUserOverride', raw.allowUserOverride);
    else problem('allowUserOverride', 'must be true or false');
  }
  if (has('allowWatch')) {
    if (typeof raw.allowWatch === 'boolean') set('allowWatch', raw.allowWatch);
    else problem('allowWatch', 'must be true or false');
  }
  if (has('localRootMode')) {
    if (LOCAL_ROOT_MODES.includes(raw.localRootMode)) set('localRootMode', raw.localRootMode);
    else problem('localRootMode', `must be one of ${LOCAL_ROOT_MODES.join(', ')}`);
  }
  if (has('allowUserKnownRoots')) {
    if (typeof raw.allowUserKnownRoots === 'boolean') set('allowUserKnownRoots', raw.allowUserKnownRoots);
    else problem('allowUserKnownRoots', 'must be true or false');
  }
  if (has('companionScope')) {
    if (raw.companionScope === 'pinned' || raw.companionScope === 'all') set('companionScope', raw.companionScope);
    else problem('companionScope', 'must be "pinned" or "all"');
  }
  if (has('debuggerCapture')) {
    if (typeof raw.debuggerCapture === 'boolean') set('debuggerCapture', raw.debuggerCapture);
    else problem('debuggerCapture', 'must be true or false');
  }
  if (has('allowedInterceptionSpkis')) {
    if (isStringArray(raw.allowedInterceptionSpkis)) set('allowedInterceptionSpkis', raw.allowedInterceptionSpkis.map((s) => s.trim()));
    else problem('allowedInterceptionSpkis', 'must be a list of SPKI pins (base64 SHA-256)');
  }
  if (has('allowedInterceptionRoots')) {
    // Read by the core (the engine names a certificate it cannot read among its problems).
    if (isStringArray(raw.allowedInterceptionRoots)) set('allowedInterceptionRoots', raw.allowedInterceptionRoots);
    else problem('allowedInterceptionRoots', 'must be a list of PEM certificates');
  }
  if (has('reportEndpoint')) {
    const url = httpsUrl(raw.reportEndpoint);
    if (url) set('reportEndpoint', url);
    else problem('reportEndpoint', 'must be an https URL');
  }
  if (has('updateIntervalHours')) {
    const h = raw.updateIntervalHours;
    if (Number.isInteger(h) && h >= 1 && h <= 168) set('updateIntervalHours', h);
    else problem('updateIntervalHours', 'must be a whole number of hours from 1 to 168');
  }
  if (has('extraEntries')) {
    // Only the shape is policy's to check: the core checks each entry when the engine is built
    // and names a refused one in the engine's problems (origin "policy").
    if (Array.isArray(raw.extraEntries)) set('extraEntries', raw.extraEntries);
    else problem('extraEntries', 'must be a list of entries');
  }
  if (has('channels')) {
    if (!Array.isArray(raw.channels)) {
      problem('channels', 'must be a list of channels');
    } else {
      const channels = [];
      for (const c of raw.channels) {
        const { channel, error } = cleanChannel(c);
        if (error) problem('channels', error);
        else if (channels.some((x) => x.url === channel.url)) problem('channels', `${channel.url} is listed twice; the first one is used`);
        else channels.push(channel);
      }
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
