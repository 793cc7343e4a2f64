// The companion adapter (Chromium): asks `pinwatch companion`, a native-messaging host on this
// computer (docs/companion.md), to open its own TLS connection to the address and port the browser
// used, with the same server name, and hands the chain the server sent to the judge. What the
// chain proves, how it merges with the browser's own leaf, and what each failure means are the
// core's (judge/mod.rs, judge/failure.rs); so is whether a kept reply may vouch (`fresh`).
//
// One host process per wake (connectNative), started on first use and again after a failure
// (not sooner than RETRY_MS); replies kept per (host, port, address) for CACHE_MS.

import { proxyFor } from './browser-proxy.js';
import { api } from '../shared/compat.js';
import { COMPANION_FAILURE } from '../shared/vocabulary.js';

export const HOST_NAME = 'dev.pinwatch.companion';
/** The longest a check waits for the companion (the listener's own limit is 5 s). */
export const REQUEST_MS = 3000;
const HELLO_MS = 2000;
export const CACHE_MS = 10 * 60_000;
const MAX_CACHED = 256;
const RETRY_MS = 30_000;


/** What is known of the companion in this wake, for the popup and the options page. */
export const state = { status: 'unknown', version: null, error: null, checkedAt: null, clientHello: false };

let port = null;
let hello = null;
// The hello reply's `localRoots`, as the companion sent them (the core reads them: added-roots.js).
let helloRoots = null;
let nextId = 1;
let failedAt = -Infinity;
const pending = new Map(); // id → {resolve, reject, timer}
const cache = new Map(); // `${host} ${port} ${ip}` → {at, reply}
const inFlight = new Map(); // the same key → the reply being asked for

/** The browser offers native messaging to this build (the permission is declared). */
export function supported() {
  return typeof api.runtime?.connectNative === 'function';
}

function fail(message) {
  failedAt = Date.now();
  state.status = /not found|not installed|forbidden|Access to the specified native messaging host/i.test(message) ? 'missing' : 'broken';
  state.error = message;
  port = null;
  hello = null;
  for (const p of pending.values()) {
    clearTimeout(p.timer);
    p.reject(new Error(message));
  }
  pending.clear();
}

function open() {
  if (port) return port;
  if (Date.now() - failedAt < RETRY_MS) throw new Error(state.error ?? 'the companion failed');
  try {
    port = api.runtime.connectNative(HOST_NAME);
  } catch (e) {
    fail(String(e?.message ?? e));
    throw e;
  }
  port.onMessage.addListener((reply) => {
    const p = pending.get(reply?.id);
    if (!p) return;
    pending.delete(reply.id);
    clearTimeout(p.timer);
    p.resolve(reply);
  });
  port.onDisconnect.addListener(() => {
    fail(api.runtime.lastError?.message ?? 'the companion exited');
  });
  return port;
}

/** The companion's reply to `message`; rejects (never throws) when it cannot be asked or does not answer. */
function ask(message, ms) {
  let p;
  try {
    p = open();
  } catch (e) {
    return Promise.reject(e);
  }
  const id = nextId++;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      pending.delete(id);
      reject(Object.assign(new Error(`the companion did not answer within ${ms} ms`), { code: 'timeout' }));
    }, ms);
    pending.set(id, { resolve, reject, timer });
    try {
      p.postMessage({ id, ...message });
    } catch (e) {
      pending.delete(id);
      clearTimeout(timer);
      reject(e);
    }
  });
}

/** This browser's major version from its user agent (`Chrome/156.…`), or null. */
export function chromiumMajor(userAgent = globalThis.navigator?.userAgent ?? '') {
  const m = /\bChrom(?:e|ium)\/(\d{1,3})\./.exec(userAgent);
  return m ? Number(m[1]) : null;
}

/** Starts the companion (once per process) and says whether it answers. */
export async function ready() {
  if (!supported()) return false;
  hello ??= ask({ type: 'hello' }, HELLO_MS).then((reply) => {
    if (!reply?.ok) throw new Error(reply?.error?.message ?? 'the companion refused hello');
    state.status = 'ready';
    state.version = reply.version ?? null;
    // A companion that speaks with a Chromium hello is told this browser's version (older ones
    // refuse an unknown field).
    state.clientHello = Boolean(reply.clientHello);
    helloRoots = Array.isArray(reply.localRoots) ? reply.localRoots : null;
    state.error = null;
    return true;
  });
  try {
    return await hello;
  } catch (e) {
    hello = null;
    if (state.status !== 'missing' && state.status !== 'broken') fail(String(e?.message ?? e));
    return false;
  }
}

/** The roots the companion's hello named (`localRoots`), or null before a hello or without one. */
export function namedRoots() {
  return helloRoots;
}

// Chromium names the address a response came from in onResponseStarted (not in
// onHeadersReceived, where the verdict is made): a listener stashes it by request id.
const ADDRESS_WAIT_MS = 500;
const addresses = new Map(); // requestId → {ip, at}

/** onResponseStarted: where this response came from. */
export function noteAddress(details) {
  if (!details.ip) return;
  const now = Date.now();
  addresses.set(details.requestId, { ip: details.ip, at: now });
  if (addresses.size > 200) {
    for (const [id, a] of addresses) if (now - a.at > 30_000) addresses.delete(id);
  }
}

async function addressOf(details) {
  if (details.ip) return details.ip;
  for (const end = Date.now() + ADDRESS_WAIT_MS; Date.now() < end;) {
    const got = addresses.get(details.requestId);
    if (got) {
      addresses.delete(details.requestId);
      return got.ip;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return null;
}

/**
 * Where the browser connected for this response: host, port and address, or null. A response
 * the browser holds for us (Chromium installed by policy) has no address yet: Chromium names it
 * only once the response goes on. Then the companion looks the name up itself (`resolve`), with
 * the system's resolver, which the browser normally uses too (docs/companion.md).
 */
export async function target(details) {
  let url;
  try {
    url = new URL(details.url);
  } catch {
    return null;
  }
  const port = Number(url.port) || 443;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  // Through the browser's proxy when it has a fixed one; `details.ip` is then the proxy's address.
  const { proxy, note } = proxyFor(host);
  const via = proxy ? { proxy } : {};
  if (details.held) return { where: proxy ? { host, port, ...via } : { host, port, resolve: true }, note };
  const ip = await addressOf(details);
  return ip ? { where: { host, port, ip, ...via }, note } : null;
}

/**
 * The companion's look at the connection of `details`, as the judge takes it: `{answer, note}`,
 * where `answer` is the reply (`{chain, verified, ms, cached}`) or `{failure}` with a
 * companion failure code (what a failure means is the core's table, not this module's), and
 * `note` what the record shows beside it (the proxy taken, the words of an error). `fresh`: the
 * judge does not let a kept reply vouch for this connection. Never throws.
 */
export async function look(details, { fresh = true } = {}) {
  const found = await target(details);
  if (!found) {
    return { answer: { failure: COMPANION_FAILURE.noAddress }, note: { error: 'the browser gave no address for this response' } };
  }
  const { where, note: proxyNote } = found;
  const proxyKey = where.proxy ? ` via ${where.proxy.host}:${where.proxy.port}` : '';
  const key = `${where.host} ${where.port} ${where.ip ?? 'resolved'}${proxyKey}`;
  const note = {
    proxy: where.proxy ? `${where.proxy.scheme}://${where.proxy.host}:${where.proxy.port}` : null,
    proxyNote: proxyNote ?? null,
  };
  const hit = cache.get(key);
  if (!fresh && hit && Date.now() - hit.at < CACHE_MS) {
    return { answer: { chain: hit.reply.chain ?? [], verified: hit.reply.verified ?? null, ms: 0, cached: true }, note };
  }
  if (!(await ready())) {
    const failure = state.status === 'missing' ? COMPANION_FAILURE.missing : COMPANION_FAILURE.disconnected;
    return { answer: { failure }, note: { ...note, error: `the companion is not available (${state.error ?? state.status})` } };
  }
  const t0 = performance.now();
  // Equal looks in flight share one connection: a page's frames of one host ask once.
  let asking = inFlight.get(key);
  if (!asking) {
    const chromium = state.clientHello ? chromiumMajor() : null;
    asking = ask({ type: 'check', ...where, ...(chromium ? { chromium } : {}) }, REQUEST_MS).finally(() => inFlight.delete(key));
    inFlight.set(key, asking);
  }
  let reply;
  try {
    reply = await asking;
  } catch (e) {
    const failure = e.code === 'timeout' ? COMPANION_FAILURE.timedOut : COMPANION_FAILURE.disconnected;
    return { answer: { failure }, note: { ...note, error: String(e?.message ?? e) } };
  }
  if (!reply?.ok) {
    const code = typeof reply?.error?.code === 'string' ? reply.error.code : COMPANION_FAILURE.badReply;
    return { answer: { failure: code }, note: { ...note, error: `${code}: ${reply?.error?.message ?? 'no reason given'}` } };
  }
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value);
  cache.set(key, { at: Date.now(), reply });
  const chain = Array.isArray(reply.chain) ? reply.chain.filter((c) => typeof c === 'string') : [];
    // Whole milliseconds within what the judge reads (a companion's odd number is not a failure).
  const took = Number(reply.ms ?? performance.now() - t0);
  const ms = Number.isFinite(took) ? Math.min(Math.max(Math.round(took), 0), 2 ** 31) : undefined;
  return { answer: { chain, verified: reply.verified ?? null, ms, cached: false }, note };
}
