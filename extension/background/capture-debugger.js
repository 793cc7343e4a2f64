// Chromium tier 2: full certificate chains through `chrome.debugger` and the DevTools protocol
// (`Network.getCertificate`). Opt-in (the user in the options page, or policy `debuggerCapture`),
// for pinned hosts only: Pinwatch attaches to a tab when it starts a request to a pinned host,
// and detaches when the tab's page leaves the pinned hosts, when the tab closes, or when the
// option is turned off. While attached the browser shows "Pinwatch started debugging this
// browser"; its Cancel button detaches, and Pinwatch then stays off for the browser session.
//
// What was observed in Chromium 156 (docs/design.md#capture-tiers):
//   - `Network.getCertificate({origin})` answers the chain (base64 DER, leaf first, with the root)
//     for responses that started after `Network.enable`; before that it answers `[]`.
//   - Attaching when the first request to a pinned host starts is nearly always too late for that
//     response. When nothing else could check it (the verdict is "unverifiable"), the tab is reloaded
//     once (GET only) now that Pinwatch is attached, and the reload is checked with the full chain.
//   - Attached sessions keep the service worker alive; the set of tabs Pinwatch attached to is
//     also kept in storage.session so that a restarted worker still knows them.

import { api, features } from '../shared/compat.js';
import { DEBUGGER_CANCELLED_KEY, DEBUGGER_TABS_KEY } from '../shared/capture-state.js';
import * as engine from './engine.js';
import * as settings from './settings.js';
import { hostOf } from '../shared/url.js';
import * as verdicts from '../shared/verdicts.js';
import { STATUS } from '../shared/vocabulary.js';

const PROTOCOL_VERSION = '1.3';
const TABS_KEY = DEBUGGER_TABS_KEY;
const CANCELLED_KEY = DEBUGGER_CANCELLED_KEY;
/** storage.session: `{[tabId]: {url, at}}`, the last reload made to check a response again. */
const RETRIED_KEY = 'debuggerRetried';

/** How long to wait for the certificate of a response the debugger saw start (slow machines). */
const CERT_WAIT_MS = 2000;
/** Tries for a response the debugger did not see start: it may still know the origin's chain. */
const CERT_TRIES_UNSEEN = 2;
const CERT_RETRY_MS = 40;
const SEEN_PER_TAB = 300;
const RETRY_CHECK_MS = 300;
const RETRY_CHECKS = 10;
const RETRY_AGAIN_AFTER_MS = 60_000;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const session = () => api.storage.session;

let tabs = null; // Map tabId → {host, at}, loaded from storage.session
const attaching = new Map(); // tabId → Promise<boolean>
const seenRequests = new Map(); // tabId → Set of URLs the debugger saw start (Network.requestWillBeSent)

async function ourTabs() {
  if (!tabs) {
    const stored = (await session().get(TABS_KEY))[TABS_KEY] ?? {};
    tabs ??= new Map(Object.entries(stored).map(([id, v]) => [Number(id), v]));
  }
  return tabs;
}

async function saveTabs() {
  await session().set({ [TABS_KEY]: Object.fromEntries(tabs ?? []) });
}

/** Whether policy (when it says) or the user turned the tier on. */
const wanted = (policy, user) => settings.debuggerCaptureEnabled(policy, user);

/**
 * Whether the tier is on now. Read from storage each time (pinned hosts only): the engine's copy
 * of the settings is rebuilt after a change, and a request may come first.
 */
async function active() {
  if (!features.debuggerApi) return false;
  const [policy, user, cancelled] = await Promise.all([settings.loadPolicy(), settings.loadUser(),
    session().get(CANCELLED_KEY).then((v) => v[CANCELLED_KEY])]);
  return wanted(policy, user) && !cancelled;
}

async function attach(tabId, host) {
  const known = await ourTabs();
  if (known.has(tabId)) return true;
  if (attaching.has(tabId)) return attaching.get(tabId);
  const run = (async () => {
    const target = { tabId };
    try {
      await api.debugger.attach(target, PROTOCOL_VERSION);
    } catch (e) {
      // Most often DevTools (or another extension) is attached to this tab already.
      console.warn(`Pinwatch: could not attach the debugger to tab ${tabId}`, e?.message ?? e);
      return false;
    }
    try {
      // No response bodies are kept for us: only certificates are asked for.
      await api.debugger.sendCommand(target, 'Network.enable', { maxTotalBufferSize: 0, maxResourceBufferSize: 0 })
        .catch(() => api.debugger.sendCommand(target, 'Network.enable', {}));
    } catch (e) {
      console.warn('Pinwatch: Network.enable failed', e?.message ?? e);
      await api.debugger.detach(target).catch(() => {});
      return false;
    }
    known.set(tabId, { host, at: Date.now() });
    await saveTabs();
    return true;
  })().finally(() => attaching.delete(tabId));
  attaching.set(tabId, run);
  return run;
}

/** Detaches from `tabId` if Pinwatch attached to it. */
export async function detach(tabId) {
  const known = await ourTabs();
  if (!known.has(tabId)) return;
  known.delete(tabId);
  seenRequests.delete(tabId);
  await saveTabs();
  await api.debugger.detach({ tabId }).catch(() => {});
}

export async function detachAll() {
  for (const tabId of [...(await ourTabs()).keys()]) await detach(tabId);
}

/**
 * A request starts: attach for a pinned host (main frame or frame), detach when the tab's page
 * goes to a host that is not pinned.
 */
async function onBeforeRequest(details) {
  if (details.tabId < 0) return;
  try {
    const ctx = await engine.getEngine();
    const pinned = ctx.engine.isPinned(hostOf(details.url));
    if (pinned && await active()) {
      await attach(details.tabId, hostOf(details.url));
    } else if (details.type === 'main_frame' && (await ourTabs()).has(details.tabId)) {
      await detach(details.tabId);
    }
  } catch (e) {
    console.warn('Pinwatch: debugger capture could not follow a request', e);
  }
}

function base64Bytes(text) {
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** The capture tier (capture.js). Answers only for tabs Pinwatch is attached to. */
export const debuggerTier = {
  name: 'debugger',
  available: () => features.debuggerApi,
  async read(details) {
    if (details.tabId < 0) return { chain: [], tier: this.name, error: 'not in a tab' };
    if (attaching.has(details.tabId)) await attaching.get(details.tabId);
    if (!(await ourTabs()).has(details.tabId)) {
      // Not attached although it should be (the request came before the setting, or the worker
      // missed its start): attach now, and check the page again once it is stored.
      const ctx = await engine.getEngine();
      if (ctx.engine.isPinned(hostOf(details.url)) && await active() && await attach(details.tabId, hostOf(details.url))) {
        checkAgainLater(details);
        return { chain: [], tier: this.name, error: 'the debugger was attached after this response had started; the page is loaded again to check it' };
      }
      return { chain: [], tier: this.name, error: 'full-chain capture is not attached to this tab', quiet: true };
    }
    const origin = new URL(details.url).origin;
    // A response the debugger saw start has its chain recorded soon (waited for); one it did not
    // see started before Pinwatch attached, and its chain is not known.
    const seen = seenRequests.get(details.tabId)?.has(details.url) ?? false;
    const end = Date.now() + CERT_WAIT_MS;
    let names = [];
    for (let i = 0; !names.length; i++) {
      if (i) {
        if (seen ? Date.now() > end : i >= CERT_TRIES_UNSEEN) break;
        await sleep(CERT_RETRY_MS);
      }
      const answer = await api.debugger.sendCommand({ tabId: details.tabId }, 'Network.getCertificate', { origin });
      names = answer?.tableNames ?? [];
    }
    if (!names.length) {
      checkAgainLater(details);
      return {
        chain: [],
        tier: this.name,
        error: 'the debugger was attached after this response had started; the page is loaded again to check it',
      };
    }
    return { chain: names.map(base64Bytes), tier: this.name, browserBuilt: true };
  },
};

/**
 * The debugger missed a main-frame response (attached too late). Once its verdict is stored and
 * turns out "unverifiable" (nothing else could check it), and the tab still shows that address,
 * the tab is reloaded once: this time the debugger sees the response.
 */
function checkAgainLater(details) {
  if (details.type !== 'main_frame' || details.method !== 'GET' || details.tabId < 0) return;
  (async () => {
    const host = hostOf(details.url);
    for (let i = 0; i < RETRY_CHECKS; i++) {
      await sleep(RETRY_CHECK_MS);
      const { main } = await verdicts.tabView(details.tabId, host);
      if (!main || main.url !== details.url || main.time < details.timeStamp - 1000) continue;
      if (main.status !== STATUS.unverifiable) return;
      const tab = await api.tabs.get(details.tabId).catch(() => null);
      if (!tab || tab.url !== details.url) return; // the person or Pinwatch went elsewhere
      const retried = (await session().get(RETRIED_KEY))[RETRIED_KEY] ?? {};
      const last = retried[details.tabId];
      if (last && last.url === details.url && Date.now() - last.at < RETRY_AGAIN_AFTER_MS) return;
      retried[details.tabId] = { url: details.url, at: Date.now() };
      await session().set({ [RETRIED_KEY]: retried });
      if (!(await ourTabs()).has(details.tabId)) return;
      await api.tabs.reload(details.tabId);
      return;
    }
  })().catch((e) => console.warn('Pinwatch: could not check the page again', e));
}

// Listeners, registered when the worker starts so that the browser wakes it for them.
if (features.debuggerApi) {
  api.webRequest.onBeforeRequest.addListener(onBeforeRequest, { urls: ['https://*/*'], types: ['main_frame', 'sub_frame'] });
  api.debugger.onEvent.addListener((source, method, params) => {
    if (method !== 'Network.requestWillBeSent' || typeof source.tabId !== 'number' || !tabs?.has(source.tabId)) return;
    let urls = seenRequests.get(source.tabId);
    if (!urls) seenRequests.set(source.tabId, urls = new Set());
    urls.add(params.request?.url);
    if (urls.size > SEEN_PER_TAB) urls.delete(urls.values().next().value);
  });
  api.debugger.onDetach.addListener((source, reason) => {
    if (typeof source.tabId !== 'number') return;
    seenRequests.delete(source.tabId);
    (async () => {
      const known = await ourTabs();
      if (!known.delete(source.tabId)) return;
      await saveTabs();
      // The person pressed Cancel on the debugging bar: respected for this browser session.
      if (reason === 'canceled_by_user') await session().set({ [CANCELLED_KEY]: Date.now() });
    })().catch(() => {});
  });
  api.tabs.onRemoved.addListener((tabId) => {
    ourTabs().then((known) => (known.delete(tabId) ? saveTabs() : null)).catch(() => {});
  });
  // Turned off (options page or policy): detach at once.
  api.storage.onChanged.addListener((changes, area) => {
    if (area !== 'managed' && !(area === 'local' && settings.USER_KEY in changes)) return;
    Promise.all([settings.loadPolicy(), settings.loadUser()])
      .then(([policy, user]) => (wanted(policy, user) ? null : detachAll()))
      .catch(() => {});
  });
}
