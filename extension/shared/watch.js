// "Watch this site": on a host no list governs, the keys of the chain's issuing CA and root
// (never the leaf, so that renewals stay silent) become the user's own entry for that host.
// Watched hosts live in storage.local under `watched`, owned by this module; they reach the
// engine as one more source of the user's kind (settings.js), so the core's rule holds for them
// as for every entry the user writes: the user adds, never replaces a list's or policy's entry.
//
// `watched`: {[host]: {since, lastSeen, mode, pins: [issuer pin, root pin], issuer, root,
//             changes: [{at, issuer, root, pins}]}}   (times in ms; subjects as text, capped)
//
// Only a chain whose root is built into the browser, or declared by the organisation's policy
// (allowedInterceptionSpkis / allowedInterceptionRoots), is learnt: a root added to this browser
// or computer (inspection proxies, malware) is never learnt this way.

import { api } from './compat.js';
import { serialQueue } from './serial.js';
import { MATCH_KIND, MODE, MODES, PROBLEM_CODE, SOURCE_KIND, STATUS } from './vocabulary.js';
import { problem } from './problem.js';

export const WATCHED_KEY = 'watched';
/** The engine source's origin: what a verdict's `entry.source` says for a watched host. */
export const WATCH_ORIGIN = 'watched';
/** At most this many watched hosts; at most this many changes kept per host (the newest). */
export const MAX_WATCHED = 500;
export const MAX_CHANGES = 10;
/** `lastSeen` is written at most once per this interval per host. */
export const SEEN_EVERY_MS = 60 * 60 * 1000;
/** A change with the same keys as one noted within this interval is not noted again. */
export const CHANGE_DEDUPE_MS = 24 * 60 * 60 * 1000;
/** Subjects are written by whoever made the certificate: kept as text, and this short. */
export const MAX_SUBJECT = 300;
const MAX_HOST = 253;

/** Statuses of a host no list governs, on which watching may be offered. */
const WATCHABLE = new Set([STATUS.unpinned, STATUS.allowedInterception]);

const serial = serialQueue();
/** host → ms of the last `lastSeen` known to be within SEEN_EVERY_MS: no storage call until then. */
const seenAt = new Map();

const isPlainObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
const isPin = (p) => typeof p === 'string' && /^[A-Za-z0-9+/]{43}=$/.test(p);
const isTime = (t) => Number.isFinite(t) && t > 0;

/** Certificate text as it may be kept and shown: a string, control characters out, capped. */
export function subjectText(value) {
  if (typeof value !== 'string') return '';
  // eslint-disable-next-line no-control-regex
  const text = value.replace(/[\u0000-\u001f\u007f]/g, ' ');
  return text.length > MAX_SUBJECT ? `${text.slice(0, MAX_SUBJECT - 1)}…` : text;
}

function cleanChange(c) {
  if (!isPlainObject(c) || !isTime(c.at)) return null;
  return {
    at: c.at,
    issuer: subjectText(c.issuer),
    root: subjectText(c.root),
    pins: Array.isArray(c.pins) ? c.pins.filter(isPin).slice(0, 2) : [],
  };
}

/** One stored host's record, or null when it is damaged beyond use. */
function cleanOne(w) {
  if (!isPlainObject(w) || !isTime(w.since)) return null;
  const pins = Array.isArray(w.pins) ? [...new Set(w.pins.filter(isPin))].slice(0, 2) : [];
  if (!pins.length) return null;
  return {
    since: w.since,
    lastSeen: isTime(w.lastSeen) ? w.lastSeen : w.since,
    mode: MODES.includes(w.mode) ? w.mode : MODE.warn,
    pins,
    issuer: subjectText(w.issuer),
    root: subjectText(w.root),
    changes: (Array.isArray(w.changes) ? w.changes : []).map(cleanChange).filter(Boolean).slice(-MAX_CHANGES),
  };
}

/** The stored value as it may be used: well-formed hosts only, at most MAX_WATCHED. */
export function cleanWatched(value) {
  const out = {};
  if (!isPlainObject(value)) return out;
  for (const [host, w] of Object.entries(value)) {
    if (Object.keys(out).length >= MAX_WATCHED) break;
    if (typeof host !== 'string' || !host || host.length > MAX_HOST || host !== host.toLowerCase()) continue;
    const clean = cleanOne(w);
    if (clean) out[host] = clean;
  }
  return out;
}

export async function readWatched() {
  return cleanWatched((await api.storage.local.get(WATCHED_KEY))[WATCHED_KEY]);
}

/** Whether policy lets the user watch sites (`allowWatch`, default true). */
export function watchAllowed(policy) {
  return policy?.allowWatch !== false;
}

/** The engine entries of the watched hosts: the issuing CA's and the root's keys, exact host. */
export function watchedEntries(watched) {
  return Object.entries(watched).map(([host, w]) => ({ host, includeSubdomains: false, pins: [...w.pins], mode: w.mode }));
}

/** The engine source for watched hosts (settings.js), or null: none, or policy turned watching off. */
export function watchSource(policy, watched) {
  if (!watchAllowed(policy)) return null;
  const extraEntries = watchedEntries(watched);
  return extraEntries.length ? { origin: WATCH_ORIGIN, kind: SOURCE_KIND.user, extraEntries } : null;
}

/**
 * The CA keys of a record's chain: `{pins: [issuer, root], issuer, root}` (subjects as text) for
 * the issuing CA (the second certificate) and the root (the last), from the certificates' facts
 * where they were read, else from the browser's digests and subjects; null when there are not
 * two certificates to take them from.
 */
export function caKeysOf(record) {
  const facts = Array.isArray(record?.chain) ? record.chain : [];
  const digests = Array.isArray(record?.browserDigests) ? record.browserDigests : [];
  const subjects = Array.isArray(record?.subjects) ? record.subjects : [];
  const fromFacts = facts.length >= 2 && facts.every((c) => isPin(c?.spkiSha256));
  const n = fromFacts ? facts.length : digests.length;
  if (n < 2) return null;
  const pinAt = (i) => (fromFacts ? facts[i].spkiSha256 : digests[i]?.spkiSha256);
  const subjectAt = (i) => subjectText(fromFacts ? facts[i].subject : subjects[i]);
  const issuerPin = pinAt(1);
  const rootPin = pinAt(n - 1);
  if (!isPin(issuerPin) || !isPin(rootPin)) return null;
  return { pins: [...new Set([issuerPin, rootPin])], issuer: subjectAt(1), root: subjectAt(n - 1), rootPin };
}

/** Words for each reason watching is not offered (the popup shows them). */
export const NOT_WATCHABLE = Object.freeze({
  'turned-off': 'Your organisation has turned "Watch this site" off.',
  governed: 'A pin list or your own entries already cover this host.',
  watched: 'You already watch this site.',
  status: 'Only a site that no list covers, reached over a chain Pinwatch could check, can be watched.',
  'not-read': 'Pinwatch did not read this page\'s certificates (nothing could have come of them). Reload the page and open this again.',
  'no-chain': 'The browser did not hand over a chain with a CA to learn from.',
  'added-root': 'The root of this chain was added to this browser or computer, not built in: Pinwatch never learns such a chain (inspection proxies and malware add roots).',
});

/**
 * Whether the host of `record` may be watched: `{ok: true, keys}` or `{ok: false, why}` (a key
 * of NOT_WATCHABLE). `pinned`: whether the engine governs the host; `watched`: the stored map.
 */
export function watchability(record, { policy, pinned, watched = {} }) {
  if (!watchAllowed(policy)) return { ok: false, why: 'turned-off' };
  if (!record?.host) return { ok: false, why: 'status' };
  if (Object.hasOwn(watched, record.host)) return { ok: false, why: 'watched' };
  if (pinned || record.entry) return { ok: false, why: 'governed' };
  if (!WATCHABLE.has(record.status) || record.type !== 'main_frame') return { ok: false, why: 'status' };
  if (record.judgedFrom === 'not read') return { ok: false, why: 'not-read' };
  const keys = caKeysOf(record);
  if (!keys) return { ok: false, why: 'no-chain' };
  if (!(record.builtInRoot === true || rootDeclared(record, keys.rootPin, policy))) return { ok: false, why: 'added-root' };
  return { ok: true, keys };
}

/** Whether the organisation declared the chain's root (by pin, or by a certificate the core matched). */
function rootDeclared(record, rootPin, policy) {
  if ((policy?.allowedInterceptionSpkis ?? []).includes(rootPin)) return true;
  return record.status === STATUS.allowedInterception && record.matched?.kind === MATCH_KIND.allowedRoot
    && record.matched.pin === rootPin;
}

/** An error whose message is the English and whose `problem` the popup renders in its language. */
function refusal(code, params) {
  const p = problem(code, params);
  return Object.assign(new Error(p.error), { problem: p });
}

/** Starts watching `host` with the CA keys `keys` (from `watchability`). */
export async function add(host, keys, mode = MODE.warn, now = Date.now()) {
  if (!MODES.includes(mode)) throw refusal(PROBLEM_CODE.watchBadMode, { values: MODES.join(', ') });
  return serial(async () => {
    const watched = await readWatched();
    if (!Object.hasOwn(watched, host) && Object.keys(watched).length >= MAX_WATCHED) {
      throw refusal(PROBLEM_CODE.watchFull, { count: MAX_WATCHED });
    }
    watched[host] = {
      since: now, lastSeen: now, mode, pins: [...keys.pins], issuer: subjectText(keys.issuer), root: subjectText(keys.root), changes: [],
    };
    seenAt.set(host, now);
    await api.storage.local.set({ [WATCHED_KEY]: watched });
    return watched[host];
  });
}

export function remove(host) {
  return serial(async () => {
    const watched = await readWatched();
    if (!Object.hasOwn(watched, host)) return false;
    delete watched[host];
    seenAt.delete(host);
    await api.storage.local.set({ [WATCHED_KEY]: watched });
    return true;
  });
}

/**
 * After a verdict on a watched host (its entry's source is `watched`): a pass under the watched
 * keys moves `lastSeen` (at most once per SEEN_EVERY_MS, no storage call in between); a mismatch
 * is noted among the host's changes (the same keys once per CHANGE_DEDUPE_MS, the newest
 * MAX_CHANGES kept). Resolves to what was written: 'seen', 'change' or null.
 */
export function noteVerdict(record, now = Date.now()) {
  if (record?.entry?.source !== WATCH_ORIGIN) return Promise.resolve(null);
  const host = record.host;
  if (record.status === STATUS.pinned) {
    if (now - (seenAt.get(host) ?? 0) < SEEN_EVERY_MS) return Promise.resolve(null);
    return serial(async () => {
      const watched = await readWatched();
      const w = watched[host];
      if (!w) return null;
      if (now - w.lastSeen < SEEN_EVERY_MS) {
        seenAt.set(host, w.lastSeen);
        return null;
      }
      w.lastSeen = now;
      seenAt.set(host, now);
      await api.storage.local.set({ [WATCHED_KEY]: watched });
      return 'seen';
    });
  }
  if (record.status !== STATUS.mismatch) return Promise.resolve(null);
  const keys = caKeysOf(record);
  const change = { at: now, issuer: keys?.issuer ?? '', root: keys?.root ?? '', pins: keys?.pins ?? [] };
  return serial(async () => {
    const watched = await readWatched();
    const w = watched[host];
    if (!w) return null;
    const same = w.changes.some((c) => now - c.at < CHANGE_DEDUPE_MS && c.pins.join(' ') === change.pins.join(' '));
    if (same) return null;
    w.changes = [...w.changes, change].slice(-MAX_CHANGES);
    await api.storage.local.set({ [WATCHED_KEY]: watched });
    return 'change';
  });
}

/** Forgets what this wake knows about `lastSeen` (tests). */
export function resetMemory() {
  seenAt.clear();
}

/** "Watching since …; then the CA was …": a watched host's mismatch in words (text only). */
export function changeWords(w, record, when = (ms) => new Date(ms).toLocaleString()) {
  const now = caKeysOf(record);
  const then = `Watching since ${when(w.since)}; then the CA was ${w.issuer || '(no name)'} (root ${w.root || '(no name)'}).`;
  const seen = now
    ? ` This connection's CA is ${now.issuer || '(no name)'} (root ${now.root || '(no name)'}).`
    : ' This connection\'s CA could not be read.';
  return `${then}${seen} Last seen under the watched CA: ${when(w.lastSeen)}.`;
}
