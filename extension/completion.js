// Completing a chain no browser built (the leaf tier): the core links certificates by
// signatures and names what is missing (`verdict.path.wanted`: AIA caIssuers URLs, and
// `wantedKeyIds`); this module finds it among kept CA certificates or fetches it, and asks again.
// What is fetched is believed only once the core has verified its signature link, so plain
// http:// is fine (docs/chromium.md#completing-a-leaf-only-chain).
//
// Bounds per verdict: at most MAX_FETCHES fetches, MAX_BYTES each, FETCH_BUDGET_MS in all (inside
// the listener's own time limit). Kept certificates: storage.local, at most MAX_KEPT, oldest out,
// looked up by subject key identifier and by the URL they came from.

import { api } from './compat.js';
import { readBody } from './bounded-body.js';
import { CERT_ORIGIN, GIVEN, STATUS } from './vocabulary.js';

export const MAX_FETCHES = 4;
export const MAX_BYTES = 1024 * 1024;
export const FETCH_BUDGET_MS = 4000;
export const MAX_KEPT = 64;
const KEPT_KEY = 'caCertificates';

/** A URL is fetched at most once in this long (a page's many responses share the answer). */
const FETCHED_URL_MS = 60_000;
const MAX_FETCHED_URLS = 256;

/** Fetches started in this wake (tests and the popup read it). */
export const stats = { fetches: 0 };

// One wake's view: the kept list once read (updated before it is stored), and each URL's fetch
// (in flight or done) by URL.
let kept = null;
const fetchedUrls = new Map(); // url → {at, promise of DER or null}

/** `[{keyId, url, der: base64, at}]` as stored. */
async function loadKept() {
  if (kept) return kept;
  try {
    kept = (await api.storage.local.get(KEPT_KEY))[KEPT_KEY] ?? [];
  } catch {
    kept = [];
  }
  return kept;
}

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function toBase64(bytes) {
  let s = '';
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** PEM text or DER bytes → DER bytes (the first certificate), or null. */
export function certificateBytes(bytes) {
  if (bytes[0] === 0x30) return bytes;
  const text = new TextDecoder().decode(bytes);
  const m = /-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/.exec(text);
  if (!m) return null;
  try {
    return fromBase64(m[1].replace(/\s+/g, ''));
  } catch {
    return null;
  }
}

/**
 * The certificate at `url`, or null when it cannot be had by `deadline`. One fetch per URL per
 * minute in this wake, success or failure: the responses of a page (and an interceptor's flood)
 * share it, including while the first one is still keeping what it fetched.
 */
function fetchShared(url, deadline) {
  const now = Date.now();
  const hit = fetchedUrls.get(url);
  if (hit && now - hit.at < FETCHED_URL_MS) return hit.promise;
  const promise = fetchCertificate(url, deadline);
  fetchedUrls.delete(url);
  if (fetchedUrls.size >= MAX_FETCHED_URLS) fetchedUrls.delete(fetchedUrls.keys().next().value);
  fetchedUrls.set(url, { at: now, promise });
  return promise;
}

async function fetchCertificate(url, deadline) {
  if (!/^https?:\/\//i.test(url)) return null;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
  try {
    stats.fetches += 1;
    const response = await fetch(url, { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', signal: controller.signal });
    if (!response.ok) return null;
    const body = await readBody(response, MAX_BYTES);
    return body.length ? certificateBytes(body) : null;
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The verdict for `served` (leaf first) on `host`, completed as far as the bounds allow.
 * `canFetch`: this browser lets the extension fetch CA certificates; without it an incomplete
 * path is the browser's limit, not a failure. `extra`: certificates at hand besides
 * (`[{der, origin}]`, e.g. the companion's). `fromServer`: `served` is a chain as a server sent it
 * (the companion's), not a leaf-only browser's leaf. `rootBuiltIn`: what the companion's verifier
 * said of the root (`Engine::with_root`). Never throws for what the network does.
 */
export async function checkCompleted(engine, host, served, now, { canFetch = true, extra: more = [], fromServer = false, rootBuiltIn } = {}) {
  await loadKept();
  const extra = [...more];
  // What an open path means is the core's to say; it needs to know what the chain is.
  const given = fromServer ? GIVEN.served : canFetch ? GIVEN.leafCompleted : GIVEN.leaf;
  const fetched = []; // {url, der}
  const tried = new Set();
  const deadline = Date.now() + FETCH_BUDGET_MS;
  let fetches = 0;
  let verdict = engine.checkPath(host, served, extra, given, now, rootBuiltIn);
  for (;;) {
    const path = verdict.path;
    if (!path || verdict.status === STATUS.pinned || verdict.status === STATUS.blocked) break;
    const keyIds = (path.wantedKeyIds ?? []).filter((id) => !tried.has(`id:${id}`));
    const urls = (path.wanted ?? []).filter((url) => !tried.has(url));
    const hit = kept.find((k) => keyIds.includes(k.keyId) || urls.includes(k.url));
    if (hit) {
      tried.add(`id:${hit.keyId}`).add(hit.url);
      extra.push({ der: fromBase64(hit.der), origin: CERT_ORIGIN.cached });
    } else if (canFetch && urls.length && fetches < MAX_FETCHES && Date.now() < deadline) {
      keyIds.forEach((id) => tried.add(`id:${id}`));
      tried.add(urls[0]);
      fetches += 1;
      const der = await fetchShared(urls[0], deadline);
      if (!der) continue;
      extra.push({ der, origin: CERT_ORIGIN.fetched });
      fetched.push({ url: urls[0], der });
    } else {
      break;
    }
    verdict = engine.checkPath(host, served, extra, given, now, rootBuiltIn);
  }
  if (fetched.length) await keep(fetched, verdict);
  return verdict;
}

/** Keeps the fetched certificates the final path linked (the others prove nothing). */
async function keep(fetched, verdict) {
  const linked = [];
  for (const [i, origin] of (verdict.path?.origins ?? []).entries()) {
    if (origin !== CERT_ORIGIN.fetched) continue;
    const facts = verdict.chain[i];
    for (const f of fetched) {
      const hash = [...new Uint8Array(await crypto.subtle.digest('SHA-256', f.der))]
        .map((b) => b.toString(16).padStart(2, '0')).join('');
      if (hash === facts.sha256 && facts.subjectKeyId) {
        linked.push({ keyId: facts.subjectKeyId, url: f.url, der: toBase64(f.der), at: Date.now() });
      }
    }
  }
  if (!linked.length) return;
  kept = [...kept.filter((k) => !linked.some((l) => l.keyId === k.keyId)), ...linked].slice(-MAX_KEPT);
  try {
    await api.storage.local.set({ [KEPT_KEY]: kept });
  } catch (e) {
    console.warn('Pinwatch: could not keep fetched CA certificates', e);
  }
}
