// What the last engine build knew of every host (the core's `judge::standing`), kept where the
// next wake reads it before its own engine is built: a check that runs out of time while the
// engine is still being built (every wake, and after any change of lists or settings) is decided
// on what the last build knew, not on nothing. Firefox reads it synchronously at start; a
// service worker (Chromium) has no synchronous store and reads it from storage at once.

import { api, syncCache } from '../shared/compat.js';
import { BUNDLED_STANDING } from './bundled-hosts.js';

const KEY = 'standing';

// Before any build was ever kept (a first start), the bundled list's alone, as the core made it
// when the extension was assembled.
let table = valid(syncCache?.get(KEY)) ? syncCache.get(KEY) : null;
let kept = table !== null;
table ??= valid(BUNDLED_STANDING) ? BUNDLED_STANDING : null;

if (!syncCache) {
  api.storage.local.get(KEY).then((stored) => {
    if (!kept && valid(stored[KEY])) {
      table = stored[KEY];
      kept = true;
    }
  }).catch(() => {});
}

function valid(t) {
  return t !== null && typeof t === 'object' && typeof t.exact === 'object' && t.exact !== null
    && typeof t.below === 'object' && t.below !== null && typeof t.elsewhere === 'object' && t.elsewhere !== null;
}

/** After a build: the engine's table (`engine.standing()`), for this wake and the next. */
export function remember(standing) {
  if (!valid(standing)) return;
  table = standing;
  kept = true;
  if (syncCache) syncCache.set(KEY, standing);
  else api.storage.local.set({ [KEY]: standing }).catch((e) => console.warn('Pinwatch: could not keep what this build knew', e));
}

/**
 * `{mode?, mayWarn}` for `host` (as `hostOf` writes it) as the last build knew it, or null when
 * no build was ever kept. The table's own rule (judge/standing.rs `Standing`): the host's exact
 * row, else the nearest parent's row for the names below it, else the row for every other host.
 */
export function exposureOf(host) {
  if (!table || typeof host !== 'string') return null;
  if (Object.hasOwn(table.exact, host)) return table.exact[host];
  for (let dot = host.indexOf('.'); dot >= 0; dot = host.indexOf('.', dot + 1)) {
    const parent = host.slice(dot + 1);
    if (Object.hasOwn(table.below, parent)) return table.below[parent];
  }
  return table.elsewhere;
}
