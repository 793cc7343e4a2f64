// Which requests the listeners take: every https main frame, and the pinned hosts' other requests
// (filters from the bundled list at once, then from each engine build), and the engine's warm-up
// that refreshes them. The handlers themselves are the response path's (responses.js).

import { api, blockingGranted, features, noteGranted, syncCache } from '../shared/compat.js';
import { PAGE_PLAN } from '../shared/vocabulary.js';
import { BUNDLED_HOST_PATTERNS } from './bundled-hosts.js';
import * as capture from './capture.js';
import * as engine from './engine.js';
import { hostPatterns, unionPatterns, withScheme } from './host-patterns.js';
import { pagePlan } from './page-plan.js';
import { oncePerRequest, setKey, WAKE_SETS_KEY, wakeSets } from './wake-filters.js';
import { hostOf } from '../shared/url.js';

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
// are known only after one. So the filters registered here, at once, are the bundled list's hosts
// (written by the assembly tool) and those of the last build (kept in the synchronous cache: user,
// policy and channel hosts); a build that finds other hosts registers them, for this start,
// and caches them for the next. Firefox keeps only the filters a start registered and hands what
// it queued while the page slept only to the same filters: each start also registers again those
// of the last start that are still needed (wake-filters.js), so that every wake judges what it
// queued, also after the pinned hosts changed.
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
/** The pattern sets registered now: setKey → {urls, pinned, held, upgrade} (the listeners). */
const registeredSets = new Map();
// Overlapping sets (at a start) fire for the same request: it is judged once.
const judgeOnce = oncePerRequest((details) => handlers.onHeaders(details));
const heldOnce = oncePerRequest((details) => handlers.onHeaders({ ...details, held: true }));
const upgradeOnce = oncePerRequest((details) => handlers.onPlainRequest(details));

/** Registers the listeners of one pattern set; returns them, or null for no patterns. */
function listenFor(set) {
  const patterns = set.urls;
  if (!patterns.length) return null;
  const handles = { urls: patterns, pinned: null, held: null, upgrade: null };
  const listener = (details) => notPinnedNow(details) ?? judgeOnce(details);
  const filter = { urls: [...patterns, ...withScheme(patterns, 'wss')] };
  // Pinned hosts' pages too, when the main-frame listener does not hold every page.
  const types = set.hold ? capturedSubTypes() : undefined;
  if (types) filter.types = types;
  try {
    capture.addHeadersListener(listener, filter);
  } catch (e) {
    // A browser that refuses wss patterns still gets the https ones: never no listener at all.
    console.warn('Pinwatch: the WebSocket filter was refused; watching https only', e);
    capture.removeHeadersListener(listener);
    capture.addHeadersListener(listener, { ...filter, urls: patterns });
  }
  handles.pinned = listener;
  // Chromium, installed by policy: the same hosts' responses, every type, held until judged (the
  // warning page instead of the page, as in Firefox). Registered in every Chromium build; it
  // fires only where the browser grants blocking, and then the judge leaves those responses to
  // it when the listeners above start it saying so (`heldElsewhere`).
  if (features.blockingIfGranted) {
    const held = (details) => {
      noteGranted();
      return notPinnedNow(details) ?? heldOnce(details);
    };
    try {
      capture.addHeadersListener(held, { urls: filter.urls }, { blocking: true });
      handles.held = held;
    } catch (e) {
      console.warn('Pinwatch: the blocking listener was refused; pinned pages are checked after the fact', e);
    }
  }
  if (features.blockingWebRequest && api.webRequest?.onBeforeRequest) {
    const upgrade = (details) => upgradeOnce(details);
    api.webRequest.onBeforeRequest.addListener(upgrade,
      { urls: [...withScheme(patterns, 'http'), ...withScheme(patterns, 'ws')] }, ['blocking']);
    handles.upgrade = upgrade;
  }
  return handles;
}

function unlisten(handles) {
  if (!handles) return;
  if (handles.pinned) capture.removeHeadersListener(handles.pinned);
  if (handles.held) capture.removeHeadersListener(handles.held);
  if (handles.upgrade) api.webRequest.onBeforeRequest.removeListener(handles.upgrade);
}

/** After a build: the one set of `patterns` (registered before the others are let go). */
function watchPatterns(patterns) {
  const set = { urls: patterns, hold: holdAllPages };
  const key = setKey(set);
  if (registeredSets.size === 1 && registeredSets.has(key)) return;
  if (!registeredSets.has(key)) registeredSets.set(key, listenFor(set));
  for (const [k, handles] of registeredSets) {
    if (k === key) continue;
    unlisten(handles);
    registeredSets.delete(k);
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

/** After a build: the hosts it pins, for the next start; and for this one if they changed. */
function watchPinnedHosts(ctx) {
  const patterns = hostPatterns(ctx.pinnedHosts);
  syncCache?.set(PATTERNS_KEY, patterns);
  // Every page goes through a listener that can hold it unless the core lets unpinned pages go
  // unread: one that is read (a root added to this computer) is released at once, but only a
  // blocking listener may ask the browser for its chain.
  const hold = pagePlan(ctx) !== PAGE_PLAN.releaseUnread || !syncCache;
  if (hold !== holdAllPages) {
    // The listener that will take pinned pages is registered before the other lets them go.
    holdAllPages = hold;
    syncCache?.set(HOLD_KEY, hold);
    if (hold) watchMainFrames();
    watchPatterns(watchedPatterns(patterns));
    if (!hold) watchMainFrames();
    return;
  }
  watchPatterns(watchedPatterns(patterns));
}

/** At start, at once: the sets the queued requests wait for, and the last build's (wake-filters.js). */
export function watchCachedPatterns() {
  const sets = wakeSets(syncCache?.get(WAKE_SETS_KEY), { urls: watchedPatterns(cachedPatterns()), hold: holdAllPages });
  syncCache?.set(WAKE_SETS_KEY, sets);
  for (const set of sets) {
    try {
      registeredSets.set(setKey(set), listenFor(set));
    } catch (e) {
      console.warn('Pinwatch: a cached host filter was refused', e);
    }
  }
  if (![...registeredSets.values()].some(Boolean)) watchPatterns(BUNDLED_HOST_PATTERNS);
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

/** Whether a pinned listener's filter holds pages of `host` (patterns as host-patterns.js makes them). */
export function pinnedFilterCovers(host) {
  const patterns = [...registeredSets.values()].flatMap((h) => h?.urls ?? []);
  return patterns.some((p) => {
    const h = p.slice('https://'.length, -'/*'.length).replace(/^\[|\]$/g, '');
    if (h === '*') return true;
    return h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h;
  });
}

/**
 * Whether the blocking listener (Chromium installed by policy) receives `host`'s responses too:
 * it is registered, its filter covers the host, and the browser granted it blocking.
 */
export async function heldElsewhere(host) {
  return [...registeredSets.values()].some((h) => h?.held) && pinnedFilterCovers(host) && blockingGranted();
}
