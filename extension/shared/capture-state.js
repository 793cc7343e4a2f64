// Where the Chromium capture tiers keep what they learnt, for the worker (capture.js,
// capture-debugger.js) and the pages (popup, options). No listeners here: pages import it.

import { api } from './compat.js';

/** storage.local: ms when a response first came with `details.securityInfo` in this profile. */
export const LEAF_SEEN_KEY = 'leafCaptureSeen';
/** storage.session: `{[tabId]: {host, at}}`, the tabs Pinwatch's debugger tier is attached to. */
export const DEBUGGER_TABS_KEY = 'debuggerTabs';
/** storage.session: ms when the person pressed Cancel on the browser's debugging bar. */
export const DEBUGGER_CANCELLED_KEY = 'debuggerCancelled';

/** `{leafSeenAt, debuggerTabs: [tabId…], debuggerCancelled}` as stored. */
export async function captureState() {
  const [local, session] = await Promise.all([
    api.storage.local.get(LEAF_SEEN_KEY),
    api.storage.session.get([DEBUGGER_TABS_KEY, DEBUGGER_CANCELLED_KEY]),
  ]);
  return {
    leafSeenAt: local[LEAF_SEEN_KEY] ?? null,
    debuggerTabs: Object.keys(session[DEBUGGER_TABS_KEY] ?? {}).map(Number),
    debuggerCancelled: session[DEBUGGER_CANCELLED_KEY] ?? null,
  };
}
