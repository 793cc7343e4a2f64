// The companion tier (Chromium): `pinwatch companion`, a native-messaging host on this computer
// (docs/companion.md), opens its own TLS connection to the address and port the browser used,
// with the same server name, and returns the chain the server sent. No browser built that chain,
// so the core links it by signatures like any other (engine.checkPath). Where the browser also
// handed over its leaf, that leaf is authoritative: the companion's certificates may complete it,
// and a different leaf is itself reported.
//
// One host process per wake (connectNative), started on first use and again after a failure
// (not sooner than RETRY_MS); replies cached per (host, port, address) for CACHE_MS.

import { proxyFor } from './browser-proxy.js';
import { api } from './compat.js';
import { CERT_ORIGIN } from './vocabulary.js';

export const HOST_NAME = 'dev.pinwatch.companion';
/** The longest a check waits for the companion (the listener's own limit is 5 s). */
export const REQUEST_MS = 3000;
const HELLO_MS = 2000;
export const CACHE_MS = 10 * 60_000;
const MAX_CACHED = 256;
const RETRY_MS = 30_000;

/** Companion errors that the network (an interceptor) can cause: never a pass on an enforced host. */
const NETWORK_ERRORS = new Set(['timeout', 'connect', 'tls', 'too-large', 'proxy']);

/** What is known of the companion in this wake, for the popup and the options page. */
export const state = { status: 'unknown', version: null, error: null, checkedAt: null };

let port = null;
let hello = null;
let nextId = 1;
let failedAt = -Infinity;
const pending = new Map(); // id → {resolve, reject, timer}
const cache = new Map(); // `${host} ${port} ${ip}` → {at, reply}

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

/** Starts the companion (once per process) and says whether it answers. */
export async function ready() {
  if (!supported()) return false;
  hello ??= ask({ type: 'hello' }, HELLO_MS).then((reply) => {
    if (!reply?.ok) throw new Error(reply?.error?.message ?? 'the companion refused hello');
    state.status = 'ready';
    state.version = reply.version ?? null;
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

function bytesOf(base64) {
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

function sameBytes(a, b) {
  return a.length === b.length && a.every((x, i) => x === b[i]);
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
 * The capture `cap` (what the browser gave: a leaf, or nothing) with the companion's look added.
 * Returns a capture: `{chain, extra, tier, browserBuilt: false, offered, companion}` when the
 * companion answered, or `cap` with `companionError` (and `offered` when the failure is one the
 * network can cause) when it did not. Never throws.
 */
export async function secondLook(details, cap) {
  const found = await target(details);
  if (!found) return { ...cap, companionError: 'the browser gave no address for this response' };
  const { where, note } = found;
  const proxyKey = where.proxy ? ` via ${where.proxy.host}:${where.proxy.port}` : '';
  const key = `${where.host} ${where.port} ${where.ip ?? 'resolved'}${proxyKey}`;
  const t0 = performance.now();
  let reply = null;
  let cached = false;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < CACHE_MS) {
    reply = hit.reply;
    cached = true;
  } else {
    if (!(await ready())) {
      return { ...cap, companionError: `the companion is not available (${state.error ?? state.status})`, companionMissing: true };
    }
    try {
      reply = await ask({ type: 'check', ...where }, REQUEST_MS);
    } catch (e) {
      const code = e.code ?? 'companion';
      return { ...cap, companionError: e.message, offered: cap.offered || NETWORK_ERRORS.has(code) };
    }
    if (!reply?.ok) {
      const code = reply?.error?.code ?? 'companion';
      return { ...cap, companionError: `${code}: ${reply?.error?.message ?? 'no reason given'}`, offered: cap.offered || NETWORK_ERRORS.has(code) };
    }
    if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value);
    cache.set(key, { at: Date.now(), reply });
  }
  const theirs = (reply.chain ?? []).map(bytesOf).filter((b) => b.length);
  const companion = {
    ms: cached ? 0 : reply.ms ?? performance.now() - t0,
    cached,
    verified: reply.verified ?? null,
    leafDiffers: false,
    // The path it took: the browser's proxy, or direct (and why, when the browser's is unknown).
    proxy: where.proxy ? `${where.proxy.scheme}://${where.proxy.host}:${where.proxy.port}` : null,
    proxyNote: note ?? null,
  };
  if (!theirs.length) return { ...cap, companionError: 'the companion got no certificates', offered: true, companion };
  const builtInRoot = builtInRootOf(reply.verified);
  const browserLeaf = cap.chain?.[0];
  if (!browserLeaf) {
    return { chain: theirs, extra: [], tier: 'companion', browserBuilt: false, offered: true, state: cap.state, builtInRoot, companion };
  }
  // The browser's own leaf is the session's; the companion's certificates only complete it.
  if (sameBytes(theirs[0], browserLeaf)) {
    return { ...cap, chain: [browserLeaf, ...theirs.slice(1)], extra: [], tier: `${cap.tier}+companion`, browserBuilt: false, offered: true, builtInRoot, companion };
  }
  companion.leafDiffers = true;
  companion.companionLeaf = theirs[0];
  return {
    ...cap,
    chain: [browserLeaf],
    extra: theirs.slice(1).map((der) => ({ der, origin: CERT_ORIGIN.fetched })),
    tier: `${cap.tier}+companion`,
    browserBuilt: false,
    offered: true,
    builtInRoot,
    companion,
  };
}

/**
 * What the companion's verifier says of the chain's root: one of the system's web PKI roots
 * (built in), one added locally (`local`: NSS database or an added system root), or nothing.
 */
function builtInRootOf(verified) {
  if (verified?.anchor === 'web-pki') return true;
  if (verified?.anchor === 'local') return false;
  return undefined;
}
