// Which queued reports go when the queue is full. An interceptor that blocks the report endpoint
// can cause many distinct reports; keeping only the newest would let it push out the first, most
// important one. So repeats go first (the same host, verdict and served keys as an earlier
// report), then the least important verdicts, newest first; the first report of each host and
// of each root is kept while any other can go.

import { STATUS } from '../shared/vocabulary.js';

/** How much a queued report matters: a stop or a mismatch most, a notice least. */
const RANK = {
  [STATUS.mismatch]: 3,
  [STATUS.blocked]: 3,
  [STATUS.staleMismatch]: 3,
  [STATUS.unverifiable]: 2,
};
const rank = (item) => RANK[item?.report?.verdict] ?? 1;

const hostOf = (item) => String(item?.report?.hostname ?? '');
/** The root a report names, else the last key the chain reached. */
function rootOf(item) {
  const p = item?.report?.pinwatch;
  return p?.root?.pin ?? (Array.isArray(p?.servedPins) ? p.servedPins.at(-1) : null) ?? null;
}
const sameKey = (item) => `${hostOf(item)} ${item?.report?.verdict ?? ''} ${(item?.report?.pinwatch?.servedPins ?? []).join(' ')}`;

/** The index to drop from `items` (oldest first): see the header. */
function victim(items) {
  const firstHost = new Map();
  const firstRoot = new Map();
  const seenKeys = new Set();
  const repeat = new Set();
  items.forEach((item, i) => {
    if (!firstHost.has(hostOf(item))) firstHost.set(hostOf(item), i);
    const root = rootOf(item);
    if (root && !firstRoot.has(root)) firstRoot.set(root, i);
    const key = sameKey(item);
    if (seenKeys.has(key)) repeat.add(i);
    seenKeys.add(key);
  });
  const first = (i) => firstHost.get(hostOf(items[i])) === i || (rootOf(items[i]) !== null && firstRoot.get(rootOf(items[i])) === i);
  let best = -1;
  const better = (i, j) => {
    // Repeats, then those that are no first sighting, then the least important, then the newest.
    const score = (k) => [repeat.has(k) ? 0 : 1, first(k) ? 1 : 0, rank(items[k]), -k];
    const a = score(i);
    const b = score(j);
    for (let n = 0; n < a.length; n += 1) if (a[n] !== b[n]) return a[n] < b[n];
    return false;
  };
  for (let i = 0; i < items.length; i += 1) if (best < 0 || better(i, best)) best = i;
  return best;
}

/** `items` (oldest first) cut to at most `max`, by the rule above; a new array. */
export function trimQueue(items, max) {
  const out = [...items];
  while (out.length > max) out.splice(victim(out), 1);
  return out;
}
