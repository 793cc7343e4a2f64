// Verdicts already reached in this wake, by host and chain: a response whose chain was judged
// before (the page's other sub-resources, a reload) costs a map lookup, no WASM call and no DER.
// Keyed by the engine that judged (a rebuilt engine starts empty) and by every certificate's
// SHA-256, so another chain on the same host (a new server key mid-session) is judged afresh.

import { ACT, STATUS } from './vocabulary.js';

/** Entries kept per engine; the oldest goes first. */
export const MAX_ENTRIES = 512;
/** How long an entry is good for: a list that expires mid-wake changes verdicts. */
export const TTL_MS = 5 * 60_000;

const byEngine = new WeakMap(); // ctx → Map(key → {verdict, at, quiet})

/** How this wake's verdicts were reached, and how many responses' DER was read (the options page and tests read it). */
export const counts = { der: 0, digests: 0, cache: 0, derReads: 0 };

/** The cache key: the host and the certificates' hashes, or null when the chain has none. */
export function keyOf(host, cap) {
  const hashes = cap.digests?.map((d) => d.certSha256);
  if (!hashes?.length || cap.browserBuilt !== true) return null;
  return `${host} ${hashes.join(' ')}`;
}

/**
 * The verdict reached on this chain in this wake, or null. `facts`: only one that carries the
 * certificates' facts (a page's record shows them). A hit judged from digests has none: DER is
 * wanted exactly when it was then.
 */
export function get(ctx, host, cap, { facts = false, now = Date.now() } = {}) {
  return hitOf(ctx, host, cap, facts, now)?.verdict ?? null;
}

/**
 * Whether this chain passed quietly in this wake: a pinned verdict whose decision (the core's,
 * cached with it) was to do nothing at all, no badge error, report or notification. A
 * sub-resource on such a chain needs nothing more: no record is kept for it.
 */
export function passedQuietly(ctx, host, cap, now = Date.now()) {
  return hitOf(ctx, host, cap, false, now)?.quiet === true;
}

function hitOf(ctx, host, cap, facts, now) {
  const key = keyOf(host, cap);
  const hit = key && byEngine.get(ctx)?.get(key);
  if (!hit || now - hit.at > TTL_MS) return null;
  if ((facts || cap.chain.length) && !hit.verdict.chain?.length) return null;
  return hit;
}

/**
 * Whether a chain of `host` was judged from DER in this wake (its facts are cached): a page of
 * that host then asks for digests first, as its chain is most likely the same one.
 */
export function hasFacts(ctx, host, now = Date.now()) {
  const at = factsByEngine.get(ctx)?.get(host);
  return at !== undefined && now - at <= TTL_MS;
}

const factsByEngine = new WeakMap(); // ctx → Map(host → when a chain with facts was put)

/** `decision`: what the core decided for this verdict (`decide`), or null when not asked. */
export function put(ctx, host, cap, verdict, decision, now = Date.now()) {
  const key = keyOf(host, cap);
  if (!key || !verdict) return;
  let entries = byEngine.get(ctx);
  if (!entries) byEngine.set(ctx, (entries = new Map()));
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value);
  const quiet = verdict.status === STATUS.pinned && decision?.act === ACT.pass
    && !decision.report && !decision.notify && !decision.errorBadge;
  entries.set(key, { verdict, at: now, quiet });
  if (verdict.chain?.length) {
    let hosts = factsByEngine.get(ctx);
    if (!hosts) factsByEngine.set(ctx, (hosts = new Map()));
    hosts.delete(host);
    if (hosts.size >= MAX_ENTRIES) hosts.delete(hosts.keys().next().value);
    hosts.set(host, now);
  }
}
