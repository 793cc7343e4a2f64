// Verdicts already reached in this wake, by host and chain: a response whose chain was judged
// before (the page's other sub-resources, a reload) costs a map lookup, no WASM call and no DER.
// Keyed by the engine that judged (a rebuilt engine starts empty) and by every certificate's
// SHA-256, so another chain on the same host (a new server key mid-session) is judged afresh.

/** Entries kept per engine; the oldest goes first. */
export const MAX_ENTRIES = 512;
/** How long an entry is good for: a list that expires mid-wake changes verdicts. */
export const TTL_MS = 5 * 60_000;

const byEngine = new WeakMap(); // ctx → Map(key → {verdict, at})

/** How this wake's verdicts were reached (the options page and tests read it). */
export const counts = { der: 0, digests: 0, cache: 0 };

/** The cache key: the host and the certificates' hashes, or null when the chain has none. */
export function keyOf(host, cap) {
  const hashes = cap.digests?.map((d) => d.certSha256);
  if (!hashes?.length || cap.browserBuilt !== true) return null;
  return `${host} ${hashes.join(' ')}`;
}

export function get(ctx, host, cap, now = Date.now()) {
  const key = keyOf(host, cap);
  const hit = key && byEngine.get(ctx)?.get(key);
  if (!hit || now - hit.at > TTL_MS) return null;
  // A hit that was judged from digests has no facts: DER is wanted exactly when it was then.
  if (cap.chain.length && !hit.verdict.chain?.length) return null;
  return hit.verdict;
}

export function put(ctx, host, cap, verdict, now = Date.now()) {
  const key = keyOf(host, cap);
  if (!key || !verdict) return;
  let entries = byEngine.get(ctx);
  if (!entries) byEngine.set(ctx, (entries = new Map()));
  entries.delete(key);
  if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value);
  entries.set(key, { verdict, at: now });
}
