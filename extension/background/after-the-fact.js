// Stops that come after the response reached the page (Chromium, unless installed by policy):
// the tab goes to the warning page whatever the stopped response was, and what the attacker's
// responses may have left in the origin is removed.
//
// A frame, a fetch() or a WebSocket of an enforced host carries the session as much as the page
// does, and cannot be cancelled once it arrived: only leaving the page ends it. A rogue document
// runs for as long as its verdict takes (up to the judge's 5 s): long enough to register a
// service worker, fill Cache Storage or the HTTP cache, and so answer for the genuine site on
// later visits. `browsingData.remove` with `origins` removes those three for the stopped
// response's origin (docs/chromium.md#after-the-fact).

import { api, ownOrigin } from '../shared/compat.js';
import { storageOrigin } from '../shared/url.js';
import * as verdicts from '../shared/verdicts.js';

/** What an interceptor's document can leave to answer for the genuine site later. */
const CLEARED = Object.freeze({ serviceWorkers: true, cacheStorage: true, cache: true });

// Removals under way, by origin: a flood of stopped responses shares them (one more runs after
// the current one when more stops came meanwhile), rather than queueing one removal each.
const clearing = new Map(); // origin → {running: Promise, again: boolean}

/** Removes the service workers, Cache Storage and HTTP cache of `url`'s origin. */
export function clearOrigin(url) {
  const origin = storageOrigin(url);
  if (!origin || typeof api.browsingData?.remove !== 'function') return Promise.resolve(false);
  const under = clearing.get(origin);
  if (under) {
    under.again = true;
    return under.running;
  }
  const entry = { again: false, running: null };
  entry.running = (async () => {
    do {
      entry.again = false;
      await api.browsingData.remove({ origins: [origin] }, CLEARED);
    } while (entry.again);
    return true;
  })().finally(() => clearing.delete(origin));
  clearing.set(origin, entry);
  return entry.running;
}

/**
 * Sends the tab of a response stopped after the fact to `warningUrl`, stores the warning (with
 * the page to return to when the stopped response was not the page itself), and clears the
 * response's origin once the tab has left it. Never throws.
 */
export async function stopTab(details, warningUrl, nonce, record, decision) {
  try {
    if (details.tabId >= 0) {
      const tab = details.type === 'main_frame' ? null : await api.tabs.get(details.tabId).catch(() => null);
      // A tab that already shows a warning, or is on its way to one (Chromium names a navigation
      // not yet committed `pendingUrl`), stays on it: its first stop is the one it explains, and
      // a second warning page in its history would be where "Go back" lands.
      if (!tab?.url?.startsWith(ownOrigin) && !tab?.pendingUrl?.startsWith(ownOrigin)) {
        await api.tabs.update(details.tabId, { url: warningUrl });
        await verdicts.putWarning(details.tabId, nonce, record, decision, tab?.url ?? null);
      }
    }
  } catch (e) {
    console.error('Pinwatch: could not show the warning page', e);
  }
  try {
    await clearOrigin(details.url);
  } catch (e) {
    console.warn('Pinwatch: could not clear what the stopped response may have left', details.url, e);
  }
}
