// Every input of the engine in one place: the bundled list, policy and the user's settings.
// The engine is built from `engineInputs()`; a change to any key in `WATCHED_LOCAL_KEYS`
// rebuilds it. Managed policy is read in policy.js; update channels are fetched by channels.js,
// which stores accepted lists under `CHANNEL_LISTS_KEY`, read here by `channelSources`.

import { api } from './compat.js';
import { cleanChannel, loadPolicy, MODES } from './policy.js';

export { DEFAULT_POLICY, loadPolicy, MODES } from './policy.js';

/** Path of the bundled list inside the package (a payload, see docs/pinlist-format.md). */
export const BUNDLED_LIST_PATH = 'lists/default.json';

/** storage.local keys that feed the engine. */
export const USER_KEY = 'user';
/** `{[channel url]: {payload, trust, configured, info, acceptedAt, …}}`: the last good list of each channel. */
export const CHANNEL_LISTS_KEY = 'channelLists';
export const WATCHED_LOCAL_KEYS = [USER_KEY, CHANNEL_LISTS_KEY];

export const DEFAULT_USER = Object.freeze({ mode: null, extraEntries: [], channels: [], debuggerCapture: false });

export async function loadUser() {
  const stored = (await api.storage.local.get(USER_KEY))[USER_KEY];
  return cleanUser(stored);
}

/** Keeps only well-formed fields, so a damaged stored value degrades to the defaults. */
export function cleanUser(value) {
  const user = { ...DEFAULT_USER, extraEntries: [], channels: [] };
  if (!value || typeof value !== 'object') return user;
  if (MODES.includes(value.mode)) user.mode = value.mode;
  if (Array.isArray(value.extraEntries)) {
    for (const e of value.extraEntries) {
      if (!e || typeof e.host !== 'string' || !Array.isArray(e.pins)) continue;
      user.extraEntries.push({
        host: e.host,
        includeSubdomains: e.includeSubdomains === true,
        pins: e.pins.filter((p) => typeof p === 'string'),
        mode: MODES.includes(e.mode) ? e.mode : 'warn',
      });
    }
  }
  if (Array.isArray(value.channels)) {
    for (const c of value.channels) {
      const { channel } = cleanChannel(c);
      if (channel && !user.channels.some((x) => x.url === channel.url)) user.channels.push(channel);
    }
  }
  user.debuggerCapture = value.debuggerCapture === true;
  return user;
}

export async function saveUser(user) {
  await api.storage.local.set({ [USER_KEY]: cleanUser(user) });
}

/** A mode never weaker than policy's: the user's choice counts only when at least as strong. */
export function effectiveUserMode(policyMode, userMode) {
  if (!userMode) return null;
  if (policyMode && MODES.indexOf(userMode) < MODES.indexOf(policyMode)) return null;
  return userMode;
}

/** Modes the options page may offer under `policyMode`. */
export function allowedUserModes(policyMode) {
  return policyMode ? MODES.slice(MODES.indexOf(policyMode)) : [...MODES];
}

export async function loadBundledPayload() {
  const response = await fetch(api.runtime.getURL(BUNDLED_LIST_PATH));
  if (!response.ok) throw new Error(`${BUNDLED_LIST_PATH}: HTTP ${response.status}`);
  return response.text();
}

/**
 * The channels in force: policy's when policy sets `channels` (even an empty list: that locks
 * the user's), else the user's. Each carries `from` ('policy' | 'user').
 */
export function activeChannels(policy, user) {
  if (policy.managed.includes('channels')) return policy.channels.map((c) => ({ ...c, from: 'policy' }));
  return user.channels.map((c) => ({ ...c, from: 'user' }));
}

/** The same signer set (order of keys does not matter). */
export function sameSigners(a, b) {
  if (!a || !b || a.threshold !== b.threshold || a.keys.length !== b.keys.length) return false;
  const set = new Set(a.keys);
  return b.keys.every((k) => set.has(k));
}

/**
 * Payload sources from update channels, in the order policy (or the user) lists them, lowest
 * precedence first. Only the last accepted list of each channel, and only while the channel's
 * configured signer set is the one it was accepted under.
 */
export async function channelSources(policy, user) {
  const lists = (await api.storage.local.get(CHANNEL_LISTS_KEY))[CHANNEL_LISTS_KEY] ?? {};
  const sources = [];
  for (const ch of activeChannels(policy, user)) {
    const stored = lists[ch.url];
    if (!stored?.payload || !sameSigners(stored.configured, ch)) continue;
    sources.push({ origin: ch.url, payload: stored.payload, ...(ch.scope ? { scope: ch.scope } : {}) });
  }
  return sources;
}

/** Whether the Chromium debugger capture tier may be used: policy decides when it says, else the user. */
export function debuggerCaptureEnabled(policy, user) {
  return policy.managed.includes('debuggerCapture') ? policy.debuggerCapture === true : user.debuggerCapture === true;
}

/**
 * Sources and engine settings. Precedence, lowest first (docs/policy.md): the bundled list,
 * the channels in their configured order, the user's extra entries, policy's extra entries.
 * When policy sets `extraEntries` the user's are not used (the control is locked).
 * A source that cannot be loaded is still passed on, without a payload, so the engine's
 * `problems()` and the options page name it.
 */
export async function engineInputs() {
  const [policy, user] = await Promise.all([loadPolicy(), loadUser()]);
  const sources = [];
  const problems = []; // policy's own problems are in `policy.problems` (options page: "Set by your organisation")
  try {
    sources.push({ origin: 'bundled', payload: await loadBundledPayload() });
  } catch (e) {
    problems.push({ origin: 'bundled', error: `the bundled list could not be read (${e.message})` });
  }
  sources.push(...(await channelSources(policy, user)));
  const userExtras = policy.managed.includes('extraEntries') ? [] : user.extraEntries;
  if (userExtras.length) sources.push({ origin: 'user', extraEntries: userExtras });
  if (policy.extraEntries.length) sources.push({ origin: 'policy', extraEntries: policy.extraEntries });
  const engineSettings = {
    allowedInterceptionSpkis: policy.allowedInterceptionSpkis,
    policyMode: policy.mode,
    userMode: effectiveUserMode(policy.mode, user.mode),
  };
  return { sources, engineSettings, policy, user, problems };
}
