// Which requests the listeners take: every https main frame, and the pinned hosts' other requests
// (filters from the bundled list at once, then from each engine build), and the engine's warm-up
// that refreshes them. The handlers themselves are the response path's (responses.js).

import { api, features, noteGranted, syncCache } from '../shared/compat.js';
import { BUNDLED_HOST_PATTERNS } from './bundled-hosts.js';
import * as capture from './capture.js';
import * as engine from './engine.js';
import { hostPatterns, unionPatterns, withScheme } from './host-patterns.js';
import { hostOf } from '../shared/url.js';
import { unpinnedPagesMatter, unpinnedRootsMatter } from './unpinned.js';

/** The response path's entry points (responses.js), handed over by the wiring before any listener. */
const handlers = {};
export function takeResponses(h) {
  Object.assign(handlers, h);
}

// Main frames everywhere. While something could stop an unpinned page (a block list), every page
// is held until judged; otherwise only pinned hosts' pages are (the pinned listener below takes
// them) and the others are only noted, never held: a page no verdict could stop pays nothing.
// Where a root added to this computer is noticed (Firefox), the listener must be blocking to
// ask for the chain, but it releases unpinned pages at once and reads their chain after.
// Which one applies is known after a build; the last build's answer is cached for the next start
// (holding everything when nothing is cached, and where there is no synchronous cache).
const HOLD_KEY = 'holdAllPages';
const MAIN_FILTER = { urls: ['https://*/*'], types: ['main_frame'] };
let holdAllPages = syncCache?.get(HOLD_KEY) !== false;
let mainListener = null;

export function watchMainFrames() {
  if (mainListener) {
    capture.removeHeadersListener(mainListener);
    api.webRequest.onHeadersReceived.removeListener(mainListener);
  }
  if (holdAllPages) {
    mainListener = (details) => handlers.onMainFrame(details);
    capture.addHeadersListener(mainListener, MAIN_FILTER);
  } else {
    mainListener = (details) => { handlers.onUnheldPage(details); };
    api.webRequest.onHeadersReceived.addListener(mainListener, MAIN_FILTER);
  }
}

// Every other request type, only for the hosts the active list pins. The browser wakes the event
// page only for listeners registered before the first await of a start, but the engine's hosts
// are known only after one. So the filter registered here, at once, is the bundled list's hosts
// (written by the assembly tool) and those of the last build (kept in the synchronous cache: user,
// policy and channel hosts); a build that finds other hosts registers them too, for this start,
// and caches them for the next.
//
// The other doors to a pinned host (docs/design.md#other-doors-websockets-and-plain-http):
//   - WebSocket handshakes are reported under their own scheme (wss://), so the sub-resource
//     listener also watches the hosts' wss patterns (type "websocket"); a stop cancels the
//     handshake like any sub-resource;
//   - plain http:// and ws:// requests to a host enforced by the list are upgraded to https://
//     and wss:// before they are sent (onBeforeRequest), as HSTS would, so that no pinned session
//     runs where there is no chain to check. Only where webRequest can block (Firefox; Chromium
//     only when installed by policy, which these builds do not assume): elsewhere nothing is
//     registered for it.
// Both filters are derived from the same https patterns (cached as such), at the same moment.
const PATTERNS_KEY = 'pinnedPatterns';
// A service worker (Chromium) has no synchronous store, so at a wake it knows no host of policy,
// channels, the user or watched sites before its first await; and a request is dispatched only to
// the listeners that existed when it started. There the pinned listeners watch every https host
// from the first line of a wake, and a response of a host no source enforces is let go at once
// once the engine is built (`notPinnedNow`): every enforced host is judged from the first request.
// Not in Firefox: its event page has `localStorage`, and there every pinned response is held,
// so a filter of every host would hold every page's responses.
const EVERY_HOST = ['https://*/*'];
const watchEveryHost = !syncCache && !features.blockingWebRequest;
let pinnedListener = null;
let heldListener = null;
let upgradeListener = null;
let pinnedPatterns = '';

function watchPatterns(patterns) {
  const key = `${holdAllPages} ${patterns.join(' ')}`;
  if (key === pinnedPatterns) return;
  if (pinnedListener) capture.removeHeadersListener(pinnedListener);
  if (heldListener) capture.removeHeadersListener(heldListener);
  if (upgradeListener) api.webRequest.onBeforeRequest.removeListener(upgradeListener);
  pinnedListener = null;
  heldListener = null;
  upgradeListener = null;
  pinnedPatterns = key;
  if (!patterns.length) return;
  const listener = (details) => notPinnedNow(details) ?? handlers.onHeaders(details);
  const filter = { urls: [...patterns, ...withScheme(patterns, 'wss')] };
  // Pinned hosts' pages too, when the main-frame listener does not hold every page.
  const types = holdAllPages ? capturedSubTypes() : undefined;
  if (types) filter.types = types;
  try {
    capture.addHeadersListener(listener, filter);
  } catch (e) {
    // A browser that refuses wss patterns still gets the https ones: never no listener at all.
    console.warn('Pinwatch: the WebSocket filter was refused; watching https only', e);
    capture.removeHeadersListener(listener);
    capture.addHeadersListener(listener, { ...filter, urls: patterns });
  }
  pinnedListener = listener;
  // Chromium, installed by policy: the same hosts' responses, every type, held until judged (the
  // warning page instead of the page, as in Firefox). Registered in every Chromium build; it
  // fires only where the browser grants blocking, and then the listeners above leave those
  // responses to it (`heldElsewhere`).
  if (features.blockingIfGranted) {
    const held = (details) => {
      noteGranted();
      return notPinnedNow(details) ?? handlers.onHeaders({ ...details, held: true });
    };
    try {
      capture.addHeadersListener(held, { urls: filter.urls }, { blocking: true });
      heldListener = held;
    } catch (e) {
      console.warn('Pinwatch: the blocking listener was refused; pinned pages are checked after the fact', e);
    }
  }
  if (features.blockingWebRequest && api.webRequest?.onBeforeRequest) {
    const upgrade = (details) => handlers.onPlainRequest(details);
    api.webRequest.onBeforeRequest.addListener(upgrade,
      { urls: [...withScheme(patterns, 'http'), ...withScheme(patterns, 'ws')] }, ['blocking']);
    upgradeListener = upgrade;
  }
}

/**
 * `{}` for a response of a host that is not pinned, answered synchronously where the filter
 * covers every host and the engine is built (the common case of such a filter: nothing waits);
 * undefined when the response is to be judged.
 */
function notPinnedNow(details) {
  if (!watchEveryHost) return undefined;
  const ctx = engine.builtEngine();
  if (!ctx) return undefined;
  return ctx.engine.isPinned(hostOf(details.url)) ? undefined : {};
}

/** The patterns the pinned listeners watch for these hosts' patterns. */
function watchedPatterns(patterns) {
  return watchEveryHost ? EVERY_HOST : unionPatterns(BUNDLED_HOST_PATTERNS, patterns);
}

function cachedPatterns() {
  const cached = syncCache?.get(PATTERNS_KEY);
  return Array.isArray(cached) && cached.every((p) => typeof p === 'string') ? cached : [];
}

/** After a build: the hosts it pins, for the next start; and for this one if they are new. */
function watchPinnedHosts(ctx) {
  const patterns = hostPatterns(ctx.pinnedHosts);
  syncCache?.set(PATTERNS_KEY, patterns);
  // Anything an unpinned page's chain could lead to beyond a quiet record: a stop (block list)
  // or a report (declared inspection proxies); or a root worth reading, which only a blocking
  // listener may ask the browser about (the page itself is released at once).
  const hold = unpinnedPagesMatter(ctx) || unpinnedRootsMatter(ctx) || !syncCache;
  if (hold !== holdAllPages) {
    // The listener that will take pinned pages is registered before the other lets them go.
    holdAllPages = hold;
    syncCache?.set(HOLD_KEY, hold);
    if (hold) watchMainFrames();
    watchPatterns(watchedPatterns(patterns));
    if (!hold) watchMainFrames();
    return;
  }
  const registered = new Set(pinnedPatterns.split(' ').slice(1));
  if (!watchEveryHost && !patterns.every((p) => registered.has(p))) watchPatterns(watchedPatterns(patterns));
}

/** At start: the bundled list's hosts and those the last build cached. */
export function watchCachedPatterns() {
  try {
    watchPatterns(watchedPatterns(cachedPatterns()));
  } catch (e) {
    console.warn('Pinwatch: the cached host filter was refused', e);
    pinnedPatterns = '';
    watchPatterns(BUNDLED_HOST_PATTERNS);
  }
}

function capturedSubTypes() {
  const known = api.webRequest?.ResourceType;
  return known ? Object.values(known).filter((t) => t !== 'main_frame') : undefined;
}

export async function warm() {
  try {
    const ctx = await engine.getEngine();
    watchPinnedHosts(ctx);
    return ctx;
  } catch (e) {
    console.error('Pinwatch: the engine could not be built', e);
    return null;
  }
}

/** Whether the pinned listener's filter holds pages of `host` (patterns as host-patterns.js makes them). */
export function pinnedFilterCovers(host) {
  const patterns = pinnedPatterns.split(' ').slice(1);
  return patterns.some((p) => {
    const h = p.slice('https://'.length, -'/*'.length).replace(/^\[|\]$/g, '');
    if (h === '*') return true;
    return h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h;
  });
}

/** Whether the blocking listener (Chromium installed by policy) is registered. */
export function heldListenerRegistered() {
  return heldListener !== null;
}
