// Every input of the engine in one place: the bundled list, policy and the user's settings.
// The engine is built from `engineInputs()`; a change to any key in `WATCHED_LOCAL_KEYS`
// rebuilds it. Managed policy and update channels plug in here (`loadPolicy`, `channelSources`).

import { api } from './compat.js';

export const MODES = ['report', 'warn', 'enforce']; // weakest first

/** Path of the bundled list inside the package (a payload, see docs/pinlist-format.md). */
export const BUNDLED_LIST_PATH = 'lists/default.json';

/** storage.local keys that feed the engine. */
export const USER_KEY = 'user';
export const WATCHED_LOCAL_KEYS = [USER_KEY];

/**
 * What policy imposes. Today only the defaults: an unmanaged install. Managed storage fills
 * this object (mode, allowUserOverride, allowedInterceptionSpkis, extraEntries, channels, …).
 */
export const DEFAULT_POLICY = Object.freeze({
  mode: null,
  allowUserOverride: true,
  allowedInterceptionSpkis: [],
  extraEntries: [],
});

export async function loadPolicy() {
  return { ...DEFAULT_POLICY };
}

export const DEFAULT_USER = Object.freeze({ mode: null, extraEntries: [] });

export async function loadUser() {
  const stored = (await api.storage.local.get(USER_KEY))[USER_KEY];
  return cleanUser(stored);
}

/** Keeps only well-formed fields, so a damaged stored value degrades to the defaults. */
export function cleanUser(value) {
  const user = { ...DEFAULT_USER, extraEntries: [] };
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

/** Payload sources from update channels, lowest precedence first. None yet. */
export async function channelSources() {
  return [];
}

/**
 * Sources (lowest precedence first: bundled, channels, user, policy) and engine settings.
 * A source that cannot be loaded is still passed on, without a payload, so the engine's
 * `problems()` and the options page name it.
 */
export async function engineInputs() {
  const [policy, user] = await Promise.all([loadPolicy(), loadUser()]);
  const sources = [];
  const problems = [];
  try {
    sources.push({ origin: 'bundled', payload: await loadBundledPayload() });
  } catch (e) {
    problems.push({ origin: 'bundled', error: `the bundled list could not be read (${e.message})` });
  }
  sources.push(...(await channelSources(policy, user)));
  if (user.extraEntries.length) sources.push({ origin: 'user', extraEntries: user.extraEntries });
  if (policy.extraEntries.length) sources.push({ origin: 'policy', extraEntries: policy.extraEntries });
  const engineSettings = {
    allowedInterceptionSpkis: policy.allowedInterceptionSpkis,
    policyMode: policy.mode,
    userMode: effectiveUserMode(policy.mode, user.mode),
  };
  return { sources, engineSettings, policy, user, problems };
}
