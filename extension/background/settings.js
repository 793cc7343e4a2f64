// Every input of the engine in one place: the bundled list, policy and the user's settings.
// The engine is built from `engineInputs()`; a change to any key in `WATCHED_LOCAL_KEYS`
// rebuilds it. Managed policy is read in policy.js; update channels are fetched by channels.js,
// which stores accepted lists under `CHANNEL_LISTS_KEY`, read here by `channelSources`.

import { api } from '../shared/compat.js';
import { cleanChannel, loadPolicy } from './policy.js';
import { LOCAL_ROOT_MODES, MODES, PROBLEM_CODE, SOURCE_KIND } from '../shared/vocabulary.js';
import { problem } from '../shared/problem.js';
import { sameSigners } from './wasm-core.js';
import { cleanWatched, readWatched, watchedEntries, watchSource, WATCHED_KEY } from '../shared/watch.js';

export { DEFAULT_POLICY, loadPolicy } from './policy.js';

/** Path of the bundled list inside the package (a payload, see docs/pinlist-format.md). */
export const BUNDLED_LIST_PATH = 'lists/default.json';

/** storage.local keys that feed the engine. */
export const USER_KEY = 'user';
/** `{[channel url]: {payload, trust, configured, info, acceptedAt, …}}`: the last good list of each channel. */
export const CHANNEL_LISTS_KEY = 'channelLists';
export const WATCHED_LOCAL_KEYS = [USER_KEY, CHANNEL_LISTS_KEY, WATCHED_KEY];

/**
 * Whether a storage.onChanged event of the local area changes what the engine is built from. A
 * watched site's record changes on every pass (`lastSeen`) and every new chain (`changes`), which
 * a network can cause as often as it likes; only its host, pins and mode feed the engine.
 */
export function changesEngineInputs(changes) {
  return WATCHED_LOCAL_KEYS.some((key) => {
    if (!(key in changes)) return false;
    if (key !== WATCHED_KEY) return true;
    const entries = (v) => JSON.stringify(watchedEntries(cleanWatched(v)));
    return entries(changes[key].oldValue) !== entries(changes[key].newValue);
  });
}

/** What the companion checks: pinned hosts' pages and frames, or also every other page (block list). */
export const COMPANION_SCOPES = ['pinned', 'all'];

export const DEFAULT_USER = Object.freeze({ mode: null, extraEntries: [], channels: [], debuggerCapture: false, companionScope: 'pinned',
  localRootMode: null, knownRoots: [] });

/** The most roots a user may mark as known, and the longest name they may give one. */
const MAX_KNOWN_ROOTS = 32;
const MAX_ROOT_TEXT = 200;
const PIN_TEXT = /^[A-Za-z0-9+/]{43}=$/;

/** `{pin, name, subject, addedAt}` with a well-formed pin, texts cut short; else null. */
function cleanKnownRoot(value) {
  if (!isPlainObject(value) || typeof value.pin !== 'string' || !PIN_TEXT.test(value.pin)) return null;
  const text = (v) => (typeof v === 'string' ? v.slice(0, MAX_ROOT_TEXT) : '');
  return { pin: value.pin, name: text(value.name), subject: text(value.subject), addedAt: Number.isFinite(value.addedAt) ? value.addedAt : 0 };
}

export async function loadUser() {
  const stored = (await api.storage.local.get(USER_KEY))[USER_KEY];
  return cleanUser(stored);
}

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);

/**
 * Keeps only well-formed fields, so a damaged stored value degrades to the defaults. Extra
 * entries are kept as they are (plain objects, fields unchecked): the core checks each one,
 * when they are saved (`checkExtraEntries`) and when the engine is built (`problems()`).
 */
export function cleanUser(value) {
  const user = { ...DEFAULT_USER, extraEntries: [], channels: [], knownRoots: [] };
  if (!isPlainObject(value)) return user;
  if (MODES.includes(value.mode)) user.mode = value.mode;
  if (Array.isArray(value.extraEntries)) user.extraEntries = value.extraEntries.filter(isPlainObject).map((e) => ({ ...e }));
  if (Array.isArray(value.channels)) {
    for (const c of value.channels) {
      const { channel } = cleanChannel(c);
      if (channel && !user.channels.some((x) => x.url === channel.url)) user.channels.push(channel);
    }
  }
  user.debuggerCapture = value.debuggerCapture === true;
  if (COMPANION_SCOPES.includes(value.companionScope)) user.companionScope = value.companionScope;
  if (LOCAL_ROOT_MODES.includes(value.localRootMode)) user.localRootMode = value.localRootMode;
  if (Array.isArray(value.knownRoots)) {
    for (const root of value.knownRoots.map(cleanKnownRoot)) {
      if (root && user.knownRoots.length < MAX_KNOWN_ROOTS && !user.knownRoots.some((r) => r.pin === root.pin)) user.knownRoots.push(root);
    }
  }
  return user;
}

export async function saveUser(user) {
  await api.storage.local.set({ [USER_KEY]: cleanUser(user) });
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

/** The engine's source kind of a channel: policy's channels and the user's differ in what they may replace. */
function channelKind(channel) {
  return channel.from === 'policy' ? SOURCE_KIND.channel : SOURCE_KIND.userChannel;
}

/**
 * Payload sources from update channels, in the order policy (or the user) lists them, lowest
 * precedence first. Only the last accepted list of each channel, and only while the channel's
 * configured signer set is the one it was accepted under (the core's `sameSigners`).
 */
export async function channelSources(policy, user) {
  const lists = (await api.storage.local.get(CHANNEL_LISTS_KEY))[CHANNEL_LISTS_KEY] ?? {};
  const sources = [];
  for (const ch of activeChannels(policy, user)) {
    const stored = lists[ch.url];
    if (!stored?.payload || !(await sameSigners(stored.configured, ch))) continue;
    sources.push({ origin: ch.url, kind: channelKind(ch), payload: stored.payload, ...(ch.scope ? { scope: ch.scope } : {}) });
  }
  return sources;
}

/** Whether the Chromium debugger capture tier may be used: policy decides when it says, else the user. */
/** The companion's scope in force: policy's when it sets one, else the user's. */
export function companionScope(policy, user) {
  return policy.managed.includes('companionScope') ? policy.companionScope : user.companionScope;
}

export function debuggerCaptureEnabled(policy, user) {
  return policy.managed.includes('debuggerCapture') ? policy.debuggerCapture === true : user.debuggerCapture === true;
}

/**
 * Sources and engine settings. Precedence, lowest first (docs/policy.md): the bundled list,
 * the channels in their configured order, watched sites, the user's extra entries, policy's
 * extra entries.
 * Each source says its `kind`; the core decides what each kind may replace (the user adds,
 * never weakens). When policy sets `extraEntries` the user's are not used (the control is locked).
 * Extra entries go to the core as they were written; it checks each one.
 *
 * `problems` holds only what the core cannot see: a bundled list that could not be read. All
 * else that is wrong with a source is in the engine's `problems()` (engine.js joins the two).
 * The user's mode goes as chosen: the core counts it only where it is at least as strong as
 * policy's.
 */
export async function engineInputs() {
  const [policy, user] = await Promise.all([loadPolicy(), loadUser()]);
  const sources = [];
  const problems = []; // policy's own problems are in `policy.problems` (options page: "Set by your organisation")
  try {
    sources.push({ origin: SOURCE_KIND.bundled, kind: SOURCE_KIND.bundled, payload: await loadBundledPayload() });
  } catch (e) {
    problems.push({ origin: SOURCE_KIND.bundled, ...problem(PROBLEM_CODE.bundledUnreadable, { error: e.message }) });
  }
  sources.push(...(await channelSources(policy, user)));
  // Watched sites ("Watch this site", watch.js): the user's kind, before the user's own entries
  // so that an entry the user wrote for the same host wins over one learnt from a chain.
  const watched = watchSource(policy, await readWatched());
  if (watched) sources.push(watched);
  const userExtras = policy.managed.includes('extraEntries') ? [] : user.extraEntries;
  if (userExtras.length) sources.push({ origin: SOURCE_KIND.user, kind: SOURCE_KIND.user, extraEntries: userExtras });
  if (policy.extraEntries.length) sources.push({ origin: SOURCE_KIND.policy, kind: SOURCE_KIND.policy, extraEntries: policy.extraEntries });
  const engineSettings = {
    allowedInterceptionSpkis: policy.allowedInterceptionSpkis,
    allowedInterceptionRoots: policy.allowedInterceptionRoots,
    policyMode: policy.mode,
    userMode: user.mode,
    // The core decides which counts (local_root.rs): policy's mode over the user's; the user's
    // known roots only while policy allows them.
    policyLocalRootMode: policy.localRootMode ?? undefined,
    userLocalRootMode: user.localRootMode ?? undefined,
    userKnownRoots: user.knownRoots.map((r) => r.pin),
    allowUserKnownRoots: policy.allowUserKnownRoots,
    allowUserOverride: policy.allowUserOverride !== false,
  };
  return { sources, engineSettings, policy, user, problems };
}
