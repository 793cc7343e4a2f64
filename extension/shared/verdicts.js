// Per-tab verdict state in storage.session, so it survives the event page being unloaded and
// is gone when the browser closes. The popup, the warning page and the badge read it from here.
//
// Keys: `tab:<id>`      {page, byHost, subs}  the latest main-frame record, per host, and notable sub-resources
//       `warning:<id>`  {nonce, record, decision}  what the warning page of that tab shows
//       `override:<id>` ["host chainKey"…]  chains the person chose to proceed past in that tab
//       `boots`         [{at, wasmMs, buildMs}]  the last wakes of the background

import { api, ownOrigin } from './compat.js';
import { serialQueue } from './serial.js';
import { hostOf } from './url.js';
import { STATUS } from './vocabulary.js';

const session = () => api.storage.session;

/**
 * The one status that is not the core's: Pinwatch itself failed to check a response (the page
 * was let through). Every other status is a verdict of the core (STATUS in vocabulary.js).
 */
export const ERROR_STATUS = 'error';

/** Verdicts that deserve a place in the tab's list even when they come from a sub-resource. */
const NOTABLE = new Set([STATUS.mismatch, STATUS.staleMismatch, STATUS.blocked, STATUS.allowedInterception, STATUS.unverifiable,
  STATUS.stale, STATUS.localRoot, ERROR_STATUS]);
const MAX_HOSTS = 20;
const MAX_SUBS = 20;
const MAX_BOOTS = 50;

// storage has no transactions: read-modify-write of one key goes through this queue.
const serial = serialQueue();

async function get(key) {
  return (await session().get(key))[key];
}

// What an interceptor can send is bounded on the way into storage: certificate facts are capped
// by the core, repeats are merged in memory (a page that fires thousands of requests makes one
// write at a time per tab), each tab's state has a size budget, and all tabs share a total that
// is enforced by dropping the oldest details first. None of this can delay or undo a stop: the
// stop is applied before anything is stored (apply.js `apply`).

/** Records of one tab waiting for their write, merged by what they say. */
const MAX_PENDING = 50;
/** One tab's stored state, in bytes of JSON; beyond it, certificate details go first. */
export const MAX_TAB_BYTES = 256 * 1024;
/** All tabs' states together; with the warnings' own cap, well inside storage.session's quota
 * (10 MB in Firefox). */
export const MAX_TOTAL_BYTES = 4 * 1024 * 1024;
/** The one record a warning page shows; beyond it, the chain is cut to its first certificates. */
export const MAX_WARNING_BYTES = 64 * 1024;

const pending = new Map(); // tabId -> {records: Map(key -> record), done: Promise<boolean>}
let tabBytes = null; // tabId -> bytes last written, oldest first; read once per wake

function pendingKey(record) {
  return record.type === 'main_frame'
    ? `main ${record.host}`
    : `sub ${record.host} ${record.status} ${record.chainKey ?? ''}`;
}

/**
 * Keeps a verdict in the tab's state: every main-frame one, and sub-resource ones that change
 * what the tab shows. Resolves to whether it was stored.
 */
export function recordVerdict(tabId, record) {
  const main = record.type === 'main_frame';
  if (tabId < 0 || !(main || NOTABLE.has(record.status))) return Promise.resolve(false);
  let batch = pending.get(tabId);
  if (!batch) {
    batch = { records: new Map() };
    pending.set(tabId, batch);
    batch.done = serial(() => writeBatch(tabId, batch));
  }
  const key = pendingKey(record);
  batch.records.delete(key); // re-inserted last: the newest of each kind, in arrival order
  batch.records.set(key, record);
  for (const k of batch.records.keys()) {
    if (batch.records.size <= MAX_PENDING) break;
    if (k.startsWith('sub ')) batch.records.delete(k);
  }
  return batch.done;
}

async function writeBatch(tabId, batch) {
  pending.delete(tabId); // later verdicts start the next batch
  const key = `tab:${tabId}`;
  const state = (await get(key)) ?? { page: null, byHost: {}, subs: [] };
  for (const record of batch.records.values()) apply(state, record);
  return store(tabId, state);
}

function apply(state, record) {
  if (record.type === 'main_frame') {
    // Records may arrive out of order (a quiet pass is stored a moment later than a stop): a
    // page's record never replaces a later page's, and keeps the sub-resources judged after it.
    if (state.page && state.page.time > record.time) return;
    state.page = record;
    state.subs = state.subs.filter((s) => s.time >= record.time);
    delete state.byHost[record.host];
    state.byHost[record.host] = record;
    const hosts = Object.keys(state.byHost);
    for (const h of hosts.slice(0, Math.max(0, hosts.length - MAX_HOSTS))) delete state.byHost[h];
  } else {
    state.subs = state.subs.filter((s) => pendingKey(s) !== pendingKey(record));
    state.subs.push(record);
    state.subs = state.subs.slice(-MAX_SUBS);
  }
}

const size = (value) => JSON.stringify(value).length;

/** The records of a state, oldest first, whose certificate details may go first. */
function droppable(state) {
  const hosts = Object.values(state.byHost).filter((r) => r !== state.page);
  return [...state.subs, ...hosts.sort((a, b) => a.time - b.time), state.page].filter(Boolean);
}

/** Drops certificate details, oldest records first, until the state fits `budget`. */
function slim(state, budget) {
  for (const record of droppable(state)) {
    if (size(state) <= budget) break;
    if (record.chain?.length) {
      record.chain = [];
      record.detailsDropped = true;
    }
  }
  return state;
}

async function knownSizes() {
  if (!tabBytes) {
    const all = await session().get(null);
    tabBytes = new Map(Object.entries(all).filter(([k]) => k.startsWith('tab:'))
      .map(([k, v]) => [Number(k.slice(4)), size(v)]));
  }
  return tabBytes;
}

/** Removes the oldest other tabs' states until `bytes` more fit the total. */
async function makeRoom(tabId, bytes, total = MAX_TOTAL_BYTES) {
  const sizes = await knownSizes();
  let used = [...sizes].reduce((n, [id, b]) => n + (id === tabId ? 0 : b), 0);
  const evict = [];
  for (const [id, b] of sizes) {
    if (used + bytes <= total) break;
    if (id === tabId) continue;
    evict.push(id);
    used -= b;
  }
  if (evict.length) {
    await session().remove(evict.map((id) => `tab:${id}`));
    for (const id of evict) sizes.delete(id);
  }
}

async function store(tabId, state) {
  slim(state, MAX_TAB_BYTES);
  const bytes = size(state);
  await makeRoom(tabId, bytes);
  const key = `tab:${tabId}`;
  try {
    await session().set({ [key]: state });
  } catch (e) {
    // Quota or a failing store: the bare verdicts, after every other tab's details made room.
    console.warn('Pinwatch: storing a verdict failed; retrying without certificate details', e);
    slim(state, 0);
    await makeRoom(tabId, size(state), 0);
    try {
      await session().set({ [key]: state });
    } catch {
      return false;
    }
  }
  const sizes = await knownSizes();
  sizes.delete(tabId);
  sizes.set(tabId, size(state));
  return true;
}

/**
 * What the tab shows: the main-frame record for `host` (or the latest one when the tab's
 * address is not known to us) and the notable sub-resource records.
 */
export async function tabView(tabId, host = null) {
  const state = await get(`tab:${tabId}`);
  if (!state) return { main: null, subs: [] };
  const main = host ? state.byHost[host] ?? null : state.page;
  return { main, subs: state.subs };
}

/**
 * The view for a tab as the browser describes it: its own host's record on an https page,
 * the latest record on Pinwatch's warning page, nothing on any other page (or when the
 * browser does not tell us the address).
 */
export async function tabViewFor(tab) {
  const url = tab?.url;
  if (url?.startsWith(ownOrigin)) return tabView(tab.id);
  const host = url?.startsWith('https:') ? hostOf(url) : null;
  return host ? tabView(tab.id, host) : { main: null, subs: [] };
}

/** Every status, least severe first: the badge shows the most severe one of the tab. */
export const SEVERITY = Object.freeze([STATUS.pinned, STATUS.unpinned, STATUS.allowedInterception, STATUS.stale,
  STATUS.unverifiable, ERROR_STATUS, STATUS.localRoot, STATUS.staleMismatch, STATUS.mismatch, STATUS.blocked]);

/** The record that decides the badge: the most severe of the main frame and sub-resources. */
export function worst(view) {
  let top = view.main;
  for (const sub of view.subs) {
    if (!top || SEVERITY.indexOf(sub.status) > SEVERITY.indexOf(top.status)) top = sub;
  }
  return top;
}

function nonce() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/** A fresh random nonce for a warning page's address. */
export function newNonce() {
  return nonce();
}

/**
 * Stores what the warning page under `nonce` shows: written after the stop, never before.
 * `returnUrl`: the page "proceed anyway" goes back to, when the stopped response was a part of it.
 */
export async function putWarning(tabId, nonce, record, decision, returnUrl = null) {
  let shown = record;
  while (size(shown) > MAX_WARNING_BYTES && shown.chain?.length > 1) {
    shown = { ...shown, chain: shown.chain.slice(0, Math.ceil(shown.chain.length / 2)), detailsDropped: true };
  }
  await session().set({ [`warning:${tabId}`]: { nonce, record: shown, decision, returnUrl } });
}

/** The warning for `tabId`, only when `givenNonce` is the one Pinwatch issued for it. */
export async function getWarning(tabId, givenNonce) {
  const value = await get(`warning:${tabId}`);
  if (!value || typeof givenNonce !== 'string' || value.nonce !== givenNonce) return null;
  return value;
}

/** Whether the person chose to proceed to `host` in this tab past this very chain. */
export async function hasOverride(tabId, host, chainKey) {
  if (tabId < 0 || !chainKey) return false;
  return ((await get(`override:${tabId}`)) ?? []).includes(`${host} ${chainKey}`);
}

const MAX_OVERRIDES = 20;

export function addOverride(tabId, host, chainKey) {
  return serial(async () => {
    const key = `override:${tabId}`;
    const chains = (await get(key)) ?? [];
    const entry = `${host} ${chainKey}`;
    if (!chains.includes(entry)) chains.push(entry);
    await session().set({ [key]: chains.slice(-MAX_OVERRIDES) });
  });
}

export function forgetTab(tabId) {
  pending.delete(tabId);
  tabBytes?.delete(tabId);
  return serial(() => session().remove([`tab:${tabId}`, `warning:${tabId}`, `override:${tabId}`]));
}

export function noteBoot(entry) {
  return serial(async () => {
    const boots = (await get('boots')) ?? [];
    boots.push(entry);
    await session().set({ boots: boots.slice(-MAX_BOOTS) });
  });
}

export async function boots() {
  return (await get('boots')) ?? [];
}
