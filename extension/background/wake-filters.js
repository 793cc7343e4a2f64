// Which pinned-host filters the event page registers when it starts, so that the requests Firefox
// queued while it slept are judged. Firefox keeps only the listeners a start registered (those
// added later, after a build, last for that wake alone); while the page sleeps it queues the
// requests they match, and at the next start hands them to a listener registered with the very
// same filter. A kept listener whose filter is not registered again releases its queue unchecked.
// So a start registers, unchanged, each filter the last start registered that still holds a
// pinned host no newer one covers, and the filter of the last build's hosts; the judge says "not
// enforced" for hosts no source pins any more. Filters are remembered as pattern sets
// `{urls, hold}` (hold: the main-frame listener holds every page, and these take no main frames).

/** Key of the synchronous cache: the pattern sets the last start registered, oldest first. */
export const WAKE_SETS_KEY = 'wakeSets';
/** At most this many sets are registered at a start (the newest kept first). */
export const MAX_WAKE_SETS = 4;
/** A request's verdict is shared by the overlapping listeners that fire for it during this long. */
const SHARE_MS = 30_000;
const MAX_SHARED = 2000;

const isSet = (s) => s !== null && typeof s === 'object' && typeof s.hold === 'boolean'
  && Array.isArray(s.urls) && s.urls.every((u) => typeof u === 'string');

/** One string per filter: equal strings, equal filters. */
export function setKey(set) {
  return `${set.hold} ${set.urls.join(' ')}`;
}

/**
 * The sets to register at this start, oldest first, ending with `now` (the last build's
 * patterns). `kept` is what the last start registered (the synchronous cache; anything else is
 * ignored): its newest set is registered again, and an older one only while it covers a pattern
 * of `now` that no newer kept set covers (a host removed, then pinned again).
 */
export function wakeSets(kept, now) {
  const earlier = (Array.isArray(kept) ? kept : []).filter(isSet).slice(-MAX_WAKE_SETS);
  const wanted = new Set(now.urls);
  const covered = new Set();
  const chosen = [];
  for (let i = earlier.length - 1; i >= 0; i -= 1) {
    const set = earlier[i];
    const needed = chosen.length === 0 || set.urls.some((u) => wanted.has(u) && !covered.has(u));
    if (!needed) continue;
    chosen.unshift(set);
    for (const u of set.urls) covered.add(u);
  }
  const out = chosen.filter((s) => setKey(s) !== setKey(now)).slice(-(MAX_WAKE_SETS - 1));
  return [...out, { urls: [...now.urls], hold: now.hold }];
}

/**
 * `run(details)`, once per request and response, however many of the registered (overlapping)
 * listeners fire for it: each gets the same answer.
 */
export function oncePerRequest(run) {
  const shared = new Map();
  return (details) => {
    const key = `${details.requestId} ${details.statusCode ?? ''} ${details.url}`;
    const known = shared.get(key);
    if (known) return known.value;
    const value = run(details);
    shared.set(key, { value });
    if (shared.size > MAX_SHARED) shared.delete(shared.keys().next().value);
    // (unref: under node, a pending forget does not keep the process alive)
    const forget = () => setTimeout(() => shared.delete(key), SHARE_MS)?.unref?.();
    Promise.resolve(value).then(forget, forget);
    return value;
  };
}
