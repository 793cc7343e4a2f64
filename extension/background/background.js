// Wiring only: every listener, registered synchronously, and what each hands its events to.
// The event page may be unloaded at any time; every listener is registered synchronously
// here so that the browser wakes the page for it, and all state lives in storage.

import { api, onTabStatus } from '../shared/compat.js';
import * as actions from '../shared/actions.js';
import * as verdicts from '../shared/verdicts.js';
import * as browserProxy from './browser-proxy.js';
import * as channels from './channels.js';
import * as companion from './companion.js';
import * as engine from './engine.js';
import { takeResponses, warm, watchCachedPatterns, watchMainFrames } from './listeners.js';
import { afterWake, onMessage } from './messages.js';
import * as notices from './notices.js';
import * as reports from './reports.js';
import { onHeaders, onMainFrame, onPlainRequest, onUnheldPage } from './responses.js';
import { changesEngineInputs, USER_KEY } from './settings.js';

// Main frames everywhere, the pinned hosts' other requests, plain requests to upgrade: the
// filters are listeners.js's, the path of each response is responses.js's.
takeResponses({ onHeaders, onMainFrame, onPlainRequest, onUnheldPage });
watchMainFrames();
// The companion needs the address each response came from, which Chromium names only here.
if (companion.supported()) {
  // Every type: the core samples enforced hosts' sub-resources too (judge SUBRESOURCE_LOOK_MS).
  api.webRequest.onResponseStarted.addListener(companion.noteAddress, { urls: ['https://*/*', 'wss://*/*'] });
  browserProxy.watch();
}
api.runtime.onMessage.addListener(onMessage);
api.tabs.onRemoved.addListener((tabId) => {
  verdicts.forgetTab(tabId).catch(() => {});
  notices.forgetTab(tabId).catch(() => {});
});
// Browsers reset per-tab badges when a navigation commits: set it again once the page is there.
onTabStatus((tabId, status, tab) => {
  if (status === 'complete') actions.refreshBadge(tabId, tab).catch(() => {});
});
api.storage.onChanged.addListener((changes, area) => {
  // Rebuilt at a bounded rate (engine.js): storage can change as often as the network likes.
  if (area === 'local' && changesEngineInputs(changes)) engine.rebuildSoon(warm);
  // Chromium hands managed values over a few seconds after start (and on a policy change);
  // the user may add or remove channels: either way the channels to check change.
  // Not network-driven, and policy's hosts must count at once: rebuilt without delay.
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

// The pinned hosts' filter, at once (listeners.js): the bundled list's and the last build's.
watchCachedPatterns();

const woken = warm().then(() => verdicts.noteBoot({
  at: Date.now(),
  wasmMs: engine.timings.wasmMs,
  buildMs: engine.timings.buildMs,
  compiles: engine.timings.compiles, // 0 when the sources compiled in an earlier wake still held
  readyMs: performance.now(), // since this page started: script load + WASM + lists
})).catch(() => {});

// Whatever is due since the last wake: a channel never checked, a missed alarm, a queued report.
woken.then(() => Promise.all([channels.kick(), reports.flush()]))
  .catch((e) => console.warn('Pinwatch: background work after wake failed', e));
afterWake(woken);
