// Wiring only: listeners, and the path of one response from chain to action.
// The event page may be unloaded at any time; every listener is registered synchronously
// here so that the browser wakes the page for it, and all state lives in storage.

import { api, blockingGranted, features, noteGranted, onTabStatus, ownOrigin, syncCache } from './compat.js';
import * as actions from './actions.js';
import * as browserProxy from './browser-proxy.js';
import { BUNDLED_HOST_PATTERNS } from './bundled-hosts.js';
import * as capture from './capture.js';
import * as channels from './channels.js';
import * as companion from './companion.js';
import * as engine from './engine.js';
import { hostPatterns, unionPatterns, withScheme } from './host-patterns.js';
import * as reports from './reports.js';
import { companionScope, saveUser, WATCHED_LOCAL_KEYS, cleanUser, USER_KEY } from './settings.js';
import { hostOf, upgradedUrl } from './url.js';
import * as verdicts from './verdicts.js';
import * as watch from './watch.js';
import { decide } from './wasm-core.js';
import { judgeResponse } from './judge-loop.js';
import { KEPT_CAS_KEY } from './engine.js';
import { ACT, COMPANION_FAILURE, COMPANION_SCOPE, FAILURE, FAILURE_SOURCE, LOCAL_ROOT_MODE, MATCH_KIND, MODE, STATUS } from './vocabulary.js';

/** A response is never held longer than this because of us: past it the page goes through. */
const HANDLER_LIMIT_MS = 5000;
/** How long a quiet pass's record waits, so that storing it does not compete with the page load. */
const QUIET_RECORD_DELAY_MS = 400;

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

function watchMainFrames() {
  if (mainListener) {
    capture.removeHeadersListener(mainListener);
    api.webRequest.onHeadersReceived.removeListener(mainListener);
  }
  if (holdAllPages) {
    mainListener = (details) => onMainFrame(details);
    capture.addHeadersListener(mainListener, MAIN_FILTER);
  } else {
    mainListener = (details) => { onUnheldPage(details); };
    api.webRequest.onHeadersReceived.addListener(mainListener, MAIN_FILTER);
  }
}
watchMainFrames();
// The companion needs the address each response came from, which Chromium names only here.
if (companion.supported()) {
  // Every type: the core samples enforced hosts' sub-resources too (judge SUBRESOURCE_LOOK_MS).
  api.webRequest.onResponseStarted.addListener(companion.noteAddress, { urls: ['https://*/*', 'wss://*/*'] });
  browserProxy.watch();
}
api.runtime.onMessage.addListener(onMessage);
api.tabs.onRemoved.addListener((tabId) => { verdicts.forgetTab(tabId).catch(() => {}); });
// Browsers reset per-tab badges when a navigation commits: set it again once the page is there.
onTabStatus((tabId, status, tab) => {
  if (status === 'complete') actions.refreshBadge(tabId, tab).catch(() => {});
});
api.storage.onChanged.addListener((changes, area) => {
  if (area === 'local' && WATCHED_LOCAL_KEYS.some((k) => k in changes)) {
    engine.invalidate();
    warm();
  }
  // Chromium hands managed values over a few seconds after start (and on a policy change);
  // the user may add or remove channels: either way the channels to check change.
  if (area === 'managed') {
    engine.invalidate();
    warm();
  }
  if (area === 'managed' || (area === 'local' && USER_KEY in changes)) {
    channels.kick().catch((e) => console.warn('Pinwatch: channel check failed', e));
  }
});
api.alarms?.onAlarm.addListener((alarm) => {
  if (alarm.name === channels.ALARM) channels.kick().catch((e) => console.warn('Pinwatch: channel check failed', e));
  if (alarm.name === reports.ALARM) reports.flush().catch((e) => console.warn('Pinwatch: report delivery failed', e));
});

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
const EVERY_HOST = ['https://*/*'];
// Not in Firefox: its event page has `localStorage`, and there every pinned response is held,
// so a filter of every host would hold every page's responses.
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
  const listener = (details) => notPinnedNow(details) ?? onHeaders(details);
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
      return notPinnedNow(details) ?? onHeaders({ ...details, held: true });
    };
    try {
      capture.addHeadersListener(held, { urls: filter.urls }, { blocking: true });
      heldListener = held;
    } catch (e) {
      console.warn('Pinwatch: the blocking listener was refused; pinned pages are checked after the fact', e);
    }
  }
  if (features.blockingWebRequest && api.webRequest?.onBeforeRequest) {
    const upgrade = (details) => onPlainRequest(details);
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

try {
  watchPatterns(watchedPatterns(cachedPatterns()));
} catch (e) {
  console.warn('Pinwatch: the cached host filter was refused', e);
  pinnedPatterns = '';
  watchPatterns(BUNDLED_HOST_PATTERNS);
}

function capturedSubTypes() {
  const known = api.webRequest?.ResourceType;
  return known ? Object.values(known).filter((t) => t !== 'main_frame') : undefined;
}

async function warm() {
  try {
    const ctx = await engine.getEngine();
    watchPinnedHosts(ctx);
    return ctx;
  } catch (e) {
    console.error('Pinwatch: the engine could not be built', e);
    return null;
  }
}

const woken = warm().then(() => verdicts.noteBoot({
  at: Date.now(),
  wasmMs: engine.timings.wasmMs,
  buildMs: engine.timings.buildMs,
  readyMs: performance.now(), // since this page started: script load + WASM + lists
})).catch(() => {});

// Whatever is due since the last wake: a channel never checked, a missed alarm, a queued report.
woken.then(() => Promise.all([channels.kick(), reports.flush()]))
  .catch((e) => console.warn('Pinwatch: background work after wake failed', e));

const TIMED_OUT = Symbol('timed out');

/**
 * A plain http:// or ws:// request to a host of the pinned filter, before it is sent: upgraded to
 * https:// or wss:// when the engine enforces the host (as HSTS would), so that the connection
 * has a chain to check; warn- and report-mode hosts are left as they are (their entries ask for
 * no interference). If the engine cannot be asked in time, the request goes as it was: our own
 * failure (docs/design.md#fail-open-for-our-own-errors); nothing the network sends is involved
 * before the request leaves.
 */
async function onPlainRequest(details) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), HANDLER_LIMIT_MS);
  });
  try {
    const ctx = await Promise.race([engine.getEngine(), limit]);
    if (!ctx || ctx.engine.modeFor(hostOf(details.url)) !== MODE.enforce) return {};
    const redirectUrl = upgradedUrl(details.url);
    return redirectUrl ? { redirectUrl } : {};
  } catch (e) {
    console.error('Pinwatch: could not decide whether to upgrade', details.url, e);
    return {};
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Every https main frame. Where nothing could stop the page (an unpinned host, no block list),
 * the response is not held at all: it is released at once, synchronously, and the verdict is
 * recorded after, for the popup. Everything else is held until judged (`onHeaders`).
 */
function onMainFrame(details) {
  const ctx = engine.builtEngine();
  if (ctx && !unpinnedPagesMatter(ctx) && !ctx.engine.isPinned(hostOf(details.url))) {
    // Asked now, while the browser still holds the response (it answers only then), and
    // awaited after the response is released: the page does not wait for the answer.
    const reading = unpinnedRootsMatter(ctx) ? capture.readChain(details, { der: false }) : null;
    queueMicrotask(() => noteUnheld(details, ctx, reading).catch((e) => console.warn('Pinwatch: could not note an unpinned page', e)));
    return {};
  }
  return onHeaders(details);
}

/**
 * Whether an unpinned page's chain can lead to more than a quiet record: a stop (a block list),
 * a report (declared inspection proxies), or the companion's look (scope "all"). Where it cannot,
 * such pages are neither held nor read.
 */
function unpinnedPagesMatter(ctx) {
  return ctx.hasBlockList
    || ctx.policy.allowedInterceptionSpkis.length > 0 || ctx.policy.allowedInterceptionRoots.length > 0
    || (companion.supported() && companionScope(ctx.policy, ctx.user) === 'all')
    || (features.securityInfo && ctx.localRootMode === LOCAL_ROOT_MODE.enforce);
}

/**
 * Whether an unpinned page's root is worth reading although nothing could stop the page: a root
 * added to this computer gets a notice or a warning (`localRootMode` "notice" or "warn"). Only
 * where the browser says which roots it ships (Firefox); the page is released before the answer.
 */
function unpinnedRootsMatter(ctx) {
  return features.securityInfo && ctx.localRootMode !== LOCAL_ROOT_MODE.enforce;
}

/** The capture of a page whose chain is not read. */

/** Whether the pinned listener's filter holds pages of `host` (patterns as host-patterns.js makes them). */
function pinnedFilterCovers(host) {
  const patterns = pinnedPatterns.split(' ').slice(1);
  return patterns.some((p) => {
    const h = p.slice('https://'.length, -'/*'.length).replace(/^\[|\]$/g, '');
    if (h === '*') return true;
    return h.startsWith('*.') ? host.endsWith(h.slice(1)) : host === h;
  });
}

/**
 * A page the main-frame listener does not hold. A pinned host's page is the pinned listener's;
 * one of a host pinned since that filter was made (it is refreshed after every build) is judged
 * here, after the fact, rather than not at all.
 */
function onUnheldPage(details) {
  const host = hostOf(details.url);
  engine.getEngine().then(async (ctx) => {
    // Nothing could come of this page's chain: it is not even read (reading it costs the page
    // load time in the browser); the record says only that the host is not pinned.
    if (!ctx.engine.isPinned(host)) return noteUnheld(details, ctx, null);
    if (!pinnedFilterCovers(host)) return onHeaders(details);
    return undefined;
  }).catch((e) => console.warn('Pinwatch: could not note a page', e));
}

/**
 * A page that was not held (nothing could stop it), recorded for the popup: `reading` is the
 * chain's digests being read (a root added to this computer is noticed), or null when nothing
 * could come of the chain at all and it is not even read.
 */
async function noteUnheld(details, ctx, reading) {
  const { outcome, cap } = await judgeResponse(ctx.engine, details, { held: false, read: reading !== null }, { firstCapture: reading });
  const record = recordOf(outcome, details, cap, null);
  record.held = false;
  apply(details, record, outcome.decision, ctx, [], { decided: null });
}

/**
 * A response to judge. Its time limit runs from here: the engine must be ready within it (else
 * the core decides a time-out), and the judge's own deadlines count from the same moment.
 */
async function onHeaders(details) {
  const seen = { record: null, ctx: null, decided: null, startedAt: Date.now() };
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), HANDLER_LIMIT_MS);
  });
  try {
    const ready = await Promise.race([engine.getEngine(), limit]);
    clearTimeout(timer);
    if (ready === TIMED_OUT) return failed(details, FAILURE.timedOut, seen, null);
    seen.ctx = ready;
    return await handle(details, seen);
  } catch (e) {
    return seen.decided ?? failed(details, FAILURE.ownError, seen, e);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Whether a response reached by a listener that cannot hold it is the blocking listener's
 * (Chromium installed by policy, a host of the pinned filter): judged there, not twice.
 */
async function heldElsewhere(details, host, ctx) {
  return details.held === undefined && heldListener !== null && pinnedFilterCovers(host)
    && ctx.engine.isPinned(host) && blockingGranted();
}

async function handle(details, seen) {
  const { ctx } = seen;
  const host = hostOf(details.url);
  if (await heldElsewhere(details, host, ctx)) return {};
  // The held listener takes pinned hosts only (its filter may cover every host).
  if (details.held && !ctx.engine.isPinned(host)) return {};
  const start = { held: features.blockingWebRequest || details.held === true, companion: companionHere(ctx), now: seen.startedAt };
  const { outcome, cap, companionNote, ms } = await judgeResponse(ctx.engine, details, start);
  if (outcome.keptChanged) keepCas(ctx);
  if (!outcome.record) {
    seen.decided = {};
    return seen.decided;
  }
  const record = recordOf(outcome, details, cap, companionNote);
  // Chromium installed by policy holds pinned hosts' responses: this one was not let through.
  if (details.held) record.afterTheFact = false;
  record.ms = ms;
  seen.record = record;
  return apply(details, record, outcome.decision, ctx, cap?.chain ?? [], seen);
}

/** Which responses the companion may be asked about here (`COMPANION_SCOPE`). */
function companionHere(ctx) {
  return companion.supported() ? companionScope(ctx.policy, ctx.user) : COMPANION_SCOPE.off;
}

/** The CA certificates the judge keeps for completion, stored for the next wake. */
function keepCas(ctx) {
  const kept = ctx.engine.takeKept();
  if (kept) api.storage.local.set({ [KEPT_CAS_KEY]: kept }).catch((e) => console.warn('Pinwatch: could not keep CA certificates', e));
}

/**
 * The record of a judged response: the verdict with what the browser and the companion said
 * beside it. Without a verdict (the time limit ran out first), what the decision was made on.
 */
function recordOf(outcome, details, cap, note) {
  const failure = (source) => outcome.failures.find((f) => f.source === source);
  const companionFailure = failure(FAILURE_SOURCE.companion);
  const seenCap = {
    ...(cap ?? {}),
    tier: outcome.companion ? `${cap?.tier && cap.tier !== 'none' ? `${cap.tier}+` : ''}companion` : outcome.tier ?? cap?.tier,
    builtInRoot: outcome.builtInRoot ?? undefined,
    cannotVerify: outcome.cannotVerify,
    error: cap?.error,
    companion: outcome.companion ? { ...outcome.companion, proxy: note?.proxy ?? null, proxyNote: note?.proxyNote ?? null } : null,
    companionError: companionFailure ? note?.error ?? companionFailure.code : null,
    companionMissing: companionFailure?.code === COMPANION_FAILURE.missing,
  };
  let record;
  if (outcome.verdict) {
    record = verdicts.makeRecord(outcome.verdict, details, seenCap);
  } else {
    record = verdicts.errorRecord(details, `no verdict within ${HANDLER_LIMIT_MS} ms`);
    if (outcome.decision.act === ACT.stop) {
      record.status = STATUS.unverifiable;
      record.reason = `Pinwatch could not check this connection within ${HANDLER_LIMIT_MS / 1000} s. On a pinned host in enforce mode that is treated as a possible interception.`;
    }
  }
  if (outcome.decision.errorBadge && outcome.decision.act !== ACT.stop) record.status = verdicts.ERROR_STATUS;
  record.judgedFrom = outcome.judgedFrom;
  record.overridden = outcome.overridden;
  // For pages, the browser's own digests of the chain (tests compare them with the core's).
  if (details.type === 'main_frame' && cap?.digests) record.browserDigests = cap.digests;
  return record;
}

/**
 * Carries out a decision. A stop acts first (the response cancelled, the tab sent to the
 * warning page) and only then are details stored: storage that is slow, full or failing can
 * delay what the warning page shows, never the stop itself.
 */
function apply(details, record, decision, ctx, chain, seen) {
  record.decision = decision;
  // The error badge first, straight from the record: storage may be what failed.
  if (decision.errorBadge && details.tabId >= 0) actions.showBadge(details.tabId, record).catch(() => {});
  let answer = {};
  if (decision.act === ACT.stop) {
    record.outcome = 'stopped';
    const nonce = verdicts.newNonce();
    // A sub-resource or frame that reached the page before its verdict (Chromium, not held): the
    // page it belongs to may be the interceptor's now, so the tab goes to the warning page too.
    const tabStop = details.type !== 'main_frame' && details.tabId >= 0 && !(features.blockingWebRequest || details.held);
    // Asked before the tab is navigated, so that the browser answers with the page's address.
    const pageUrl = tabStop ? pageUrlOf(details) : null;
    answer = details.type === 'main_frame' || tabStop
      ? showWarningPage(details, actions.warningUrl(nonce, decision.stopReason))
      : { cancel: true };
    seen.decided = answer;
    if (details.type === 'main_frame') {
      verdicts.putWarning(details.tabId, nonce, record, decision)
        .catch((e) => console.warn('Pinwatch: the warning details could not be stored', e));
    } else if (tabStop) {
      // "Try again" reloads the page, not the resource.
      pageUrl
        .then((url) => verdicts.putWarning(details.tabId, nonce, { ...record, url, resourceUrl: record.url }, decision))
        .catch((e) => console.warn('Pinwatch: the warning details could not be stored', e));
    }
  } else {
    record.outcome = decision.act === ACT.warn ? 'notified' : record.overridden ? 'proceeded' : 'none';
    seen.decided = answer;
  }
  // Everything else happens after the response is decided. A quiet pass's record waits a
  // moment more: written while the page still loads, it would compete with it for the machine;
  // so does a notice (a report-level act whose one notification a day can wait 400 ms).
  const urgent = decision.act === ACT.stop || decision.act === ACT.warn || decision.errorBadge;
  if (urgent) queueMicrotask(() => after(details, record, decision));
  else setTimeout(() => after(details, record, decision), QUIET_RECORD_DELAY_MS);
  if (decision.report && ctx) reportLater(record, details, chain, ctx.policy, urgent ? 0 : QUIET_RECORD_DELAY_MS);
  return answer;
}

/** The address of the page a sub-resource belongs to (its tab's, else the resource's). */
async function pageUrlOf(details) {
  const tab = await api.tabs.get(details.tabId).catch(() => null);
  return typeof tab?.url === 'string' && /^https?:/.test(tab.url) ? tab.url : details.url;
}

async function after(details, record, decision) {
  // A watched host: when it was last seen under its CA, or the change of CA (watch.js).
  watch.noteVerdict(record).catch((e) => console.warn('Pinwatch: could not note a watched site', e));
  try {
    const stored = await verdicts.recordVerdict(details.tabId, record);
    if (decision.notify) await actions.notify(record, details.tabId);
    // Refreshed here as well as when a navigation commits (tabs.onUpdated): where the verdict
    // comes after the fact (Chromium) it can be stored after the tab already completed, and a
    // sub-resource changes no navigation at all.
    if (stored) await actions.refreshBadge(details.tabId);
  } catch (e) {
    console.warn('Pinwatch: could not record or show a verdict', e);
  }
}

/** A violation report to policy's endpoint, after the response is released (reports.js). */
function reportLater(record, details, chain, policy, delayMs) {
  setTimeout(() => reports.onVerdict(record, details, chain, policy)
    .catch((e) => console.warn('Pinwatch: could not report a verdict', e)), delayMs);
}

/**
 * Stops a main-frame response and puts the warning page in its tab. The warning page is not
 * web-accessible, so a redirect to it is refused (NS_ERROR_DOM_BAD_URI): the response is
 * cancelled (its body never reaches the page) and the tab is navigated to the warning page.
 * Where webRequest cannot block, the page may have started; the tab is navigated all the same.
 */
function showWarningPage(details, url) {
  if (details.tabId >= 0) {
    api.tabs.update(details.tabId, { url }).catch((e) => console.error('Pinwatch: could not show the warning page', e));
  }
  return { cancel: true };
}

/**
 * A check that failed or never ended. The core decides (decision::decide): Pinwatch's own
 * failure passes with the error badge; running out of time stops an enforced pinned host,
 * because an interceptor can always make a check slow; a stop already reached stands.
 */
function failed(details, failure, seen, error) {
  if (error) console.error('Pinwatch: internal error while checking', details.url, error);
  const host = hostOf(details.url);
  const record = seen.record ?? verdicts.errorRecord(details, error ?? `no verdict within ${HANDLER_LIMIT_MS} ms`);
  let decision;
  try {
    decision = decide({
      status: seen.record?.status,
      mode: seen.record?.mode ?? seen.ctx?.engine.modeFor(host) ?? undefined,
      failure,
      chainOffered: false,
      unreadable: seen.record?.unreadable === true,
      allowOverride: seen.ctx?.policy.allowUserOverride !== false,
    });
  } catch (e) {
    // The core itself cannot be asked (no WebAssembly): our own failure, which passes.
    console.error('Pinwatch: no decision could be made', e);
    decision = { act: ACT.pass, errorBadge: true, report: false };
  }
  if (decision.errorBadge && details.tabId >= 0) {
    const errorRecord = verdicts.errorRecord(details, error ?? failure);
    // The badge first: storage may be what failed.
    actions.showBadge(details.tabId, errorRecord).catch(() => {});
    verdicts.recordVerdict(details.tabId, errorRecord).catch(() => {});
    return {};
  }
  if (!seen.record) {
    // Stopped without a verdict: nothing was judged, so nothing is claimed but that.
    record.status = STATUS.unverifiable;
    record.reason = failure === FAILURE.timedOut
      ? `Pinwatch could not check this connection within ${HANDLER_LIMIT_MS / 1000} s. On a pinned host in enforce mode that is treated as a possible interception.`
      : record.reason;
  }
  return apply(details, record, decision, seen.ctx, [], seen);
}

function fromOwnPage(sender) {
  return sender.id === api.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(ownOrigin);
}

function onMessage(message, sender, sendResponse) {
  if (!fromOwnPage(sender) || !message || typeof message.type !== 'string') return false;
  answer(message, sender).then(
    (value) => sendResponse({ ok: true, value }),
    (e) => sendResponse({ ok: false, error: String(e?.message ?? e) }),
  );
  return true;
}

async function answer(message, sender) {
  switch (message.type) {
    case 'proceed': return proceed(sender.tab?.id, message.nonce);
    case 'status': return status();
    case 'save-user': return saveUserSettings(message.user);
    case 'update-now': return updateNow();
    case 'root-state': return rootState(message.tabId);
    case 'know-root': return knowRoot(message.tabId, message.name);
    case 'forget-root': return forgetRoot(String(message.pin ?? ''));
    case 'watch-state': return watchState(message.tabId);
    case 'watch': return watchSite(message.tabId, message.mode);
    case 'unwatch': return watch.remove(String(message.host ?? ''));
    case 'watched': return watchedView();
    default: throw new Error(`unknown message ${message.type}`);
  }
}

/** "Proceed anyway for this session": only for the tab and nonce Pinwatch stopped. */
async function proceed(tabId, nonce) {
  if (typeof tabId !== 'number') throw new Error('not sent from a tab');
  const warning = await verdicts.getWarning(tabId, nonce);
  if (!warning) throw new Error('this warning is not current');
  if (!warning.decision?.offerProceed) throw new Error('proceeding is not allowed here');
  // Bound to the chain the person was shown: another chain on this host warns afresh.
  await verdicts.addOverride(tabId, warning.record.host, warning.record.chainKey);
  await api.tabs.update(tabId, { url: warning.record.url });
  return true;
}

async function status() {
  await woken;
  const ctx = await engine.getEngine();
  return {
    sources: ctx.engine.status(engine.nowSecs()),
    problems: ctx.problems,
    pinnedHosts: ctx.pinnedHosts.length,
    hasBlockList: ctx.hasBlockList,
    policy: ctx.policy,
    user: ctx.user,
    channels: await channels.statusView(ctx.policy, ctx.user),
    reports: await reports.statusView(ctx.policy),
    judged: ctx.engine.counts(),
    companion: companion.supported() ? { supported: true, ready: await companion.ready(), ...companion.state } : { supported: false },
    allowedModes: ctx.engine.allowedUserModes(),
    hostPermission: await api.permissions.contains({ origins: ['https://*/*'] }),
    timings: { ...engine.timings },
    boots: await verdicts.boots(),
  };
}

/** "Check for updates now" on the options page: every channel, and every queued report. */
async function updateNow() {
  const [checked] = await Promise.all([channels.update({ force: true }), reports.flush({ force: true })]);
  return checked;
}

/**
 * Checks the user's settings before saving them; returns what was wrong. The core checks the
 * extra entries (`checkExtraEntries`) and the normalised ones are saved; what the engine then
 * refuses (an entry that would replace one of the bundled list or of policy) is in its problems.
 */
async function saveUserSettings(input) {
  const user = cleanUser(input);
  const checked = await engine.checkExtraEntries(user.extraEntries);
  const errors = [...checked.errors, ...(await channels.configurationProblems(input?.channels))];
  if (errors.length) return { saved: false, errors };
  user.extraEntries = checked.entries;
  await saveUser(user);
  engine.invalidate();
  warm();
  return { saved: true, errors: [] };
}

// ---- "Watch this site" (watch.js) ----------------------------------------------------------

/** What the popup offers for the page of a tab: whether it may be watched, or why not. */
async function watchState(tabId) {
  const ctx = await engine.getEngine();
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  const watched = await watch.readWatched();
  const host = record?.host ?? null;
  const { ok, why } = watch.watchability(record, { policy: ctx.policy, pinned: Boolean(host) && ctx.engine.isPinned(host), watched });
  return { host, offer: ok, why: ok ? null : why, allowWatch: watch.watchAllowed(ctx.policy), watched: host ? watched[host] ?? null : null };
}

/**
 * Starts watching the host of a tab's page, from what Pinwatch itself recorded for it (never
 * from what the page asking sends): the same checks as `watchState`.
 */
async function watchSite(tabId, mode) {
  const ctx = await engine.getEngine();
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  const host = record?.host;
  const checked = watch.watchability(record, { policy: ctx.policy, pinned: Boolean(host) && ctx.engine.isPinned(host), watched: await watch.readWatched() });
  if (!checked.ok) throw new Error(watch.NOT_WATCHABLE[checked.why] ?? checked.why);
  const added = await watch.add(host, checked.keys, mode ?? undefined);
  engine.invalidate();
  const rebuilt = await warm();
  // A host some list governs is refused by the core (the user adds, never replaces): undone.
  const entry = rebuilt?.engine.isPinned(host);
  if (rebuilt && !entry) {
    await watch.remove(host);
    throw new Error(watch.NOT_WATCHABLE.governed);
  }
  return { host, watched: added };
}

/** The options page's "Watched sites": every watched host, and whether policy allows watching. */
async function watchedView() {
  const ctx = await engine.getEngine();
  return { allowWatch: watch.watchAllowed(ctx.policy), watched: await watch.readWatched() };
}

// ---- Roots added to this computer that the user knows (local_root.rs) ------------------------

/** The added root a tab's page was judged on, from Pinwatch's own record; null when none. */
async function recordedRoot(tabId) {
  const tab = await api.tabs.get(Number(tabId));
  const record = (await verdicts.tabViewFor(tab)).main;
  const m = record?.matched;
  if (!m || (m.kind !== MATCH_KIND.localRoot && m.kind !== MATCH_KIND.knownRoot)) return null;
  return { pin: m.pin, subject: record.chain?.[m.certIndex]?.subject ?? record.subjects?.[record.matched?.certIndex] ?? '', host: record.host };
}

/** What the popup offers about a page's added root: marking it known, unless policy forbids. */
async function rootState(tabId) {
  const ctx = await engine.getEngine();
  const root = await recordedRoot(tabId);
  return {
    root,
    allowed: ctx.policy.allowUserKnownRoots !== false,
    known: Boolean(root && ctx.user.knownRoots.some((r) => r.pin === root.pin)),
  };
}

/**
 * Marks the added root of a tab's page as known ("my antivirus"): the root comes from Pinwatch's
 * own record of that page, never from the message. Pinned hosts are unaffected (the core).
 */
async function knowRoot(tabId, name) {
  const ctx = await engine.getEngine();
  if (ctx.policy.allowUserKnownRoots === false) throw new Error('your organisation does not allow marking roots as known');
  const root = await recordedRoot(tabId);
  if (!root) throw new Error('this page was not judged on a root added to this computer');
  const user = cleanUser(ctx.user);
  if (!user.knownRoots.some((r) => r.pin === root.pin)) {
    user.knownRoots.push({ pin: root.pin, name: String(name ?? '').trim(), subject: root.subject, addedAt: Date.now() });
  }
  await saveUser(user);
  engine.invalidate();
  warm();
  // Kept only while under the limit of known roots (settings.js).
  return { pin: root.pin, known: cleanUser(user).knownRoots.some((r) => r.pin === root.pin) };
}

async function forgetRoot(pin) {
  const ctx = await engine.getEngine();
  const user = cleanUser(ctx.user);
  user.knownRoots = user.knownRoots.filter((r) => r.pin !== pin);
  await saveUser(user);
  engine.invalidate();
  warm();
  return true;
}
