// What Pinwatch does about a verdict: the response to the request (redirect to the warning
// page, cancel, or let through), the badge, the notification.

import { action, api, features } from './compat.js';
import * as verdicts from './verdicts.js';
import { MODE, STATUS } from './vocabulary.js';

/**
 * Badge text, colour and words per status: every status of the core and Pinwatch's own error
 * (tests/unit/vocabulary.test.mjs fails when one is missing). Nothing here reads as "OK" unless
 * a pin matched.
 */
export const BADGES = Object.freeze({
  [STATUS.pinned]: { text: '✓', color: '#2e7d32', words: 'pinned: a pinned key is in the chain' },
  [STATUS.mismatch]: { text: '!', color: '#c62828', words: 'MISMATCH: the chain does not have the pinned keys' },
  [STATUS.blocked]: { text: '✕', color: '#b71c1c', words: 'BLOCKED: a known-compromised certificate or key' },
  [STATUS.allowedInterception]: { text: 'INS', color: '#1565c0', words: 'inspected by a proxy your organisation declared' },
  [STATUS.unpinned]: { text: '–', color: '#757575', words: 'unpinned: this host is not on the pin list' },
  [STATUS.stale]: { text: 'OLD', color: '#ef6c00', words: 'stale: the pin list has expired, pins are not enforced' },
  [STATUS.staleMismatch]: { text: 'OLD!', color: '#d84315', words: 'STALE MISMATCH: the pin list has expired, and this chain does not have its pinned keys — it may be intercepted' },
  [STATUS.unverifiable]: { text: '?', color: '#6d4c41', words: 'unverifiable: the certificates could not be read' },
  [verdicts.ERROR_STATUS]: { text: 'ERR', color: '#6a1b9a', words: 'internal error: not checked, the page was let through' },
});

/** Badge words when no certificate could be read because the browser offers no way to (Chromium). */
export const CANNOT_VERIFY_WORDS = "can't verify in this browser: it gives extensions no certificates (the popup says how to enable it)";

/** The warning page for `nonce`; the stop reason lets it lead with the right words even when
 * storage has not (or could not) deliver the details. */
export function warningUrl(nonce, stopReason = '') {
  return api.runtime.getURL(`warning.html#${nonce}/${stopReason ?? ''}`);
}

export async function showBadge(tabId, record) {
  if (tabId < 0) return;
  if (!record) {
    await Promise.all([
      action.setBadgeText({ tabId, text: '' }),
      action.setTitle({ tabId, title: 'Pinwatch' }),
    ]);
    return;
  }
  const badge = BADGES[record.status] ?? BADGES[verdicts.ERROR_STATUS];
  await Promise.all([
    action.setBadgeText({ tabId, text: badge.text }),
    action.setBadgeBackgroundColor({ tabId, color: badge.color }),
    action.setTitle({ tabId, title: `Pinwatch — ${record.host}: ${record.cannotVerify && record.status === STATUS.unverifiable ? CANNOT_VERIFY_WORDS : badge.words}` }),
  ]);
}

/**
 * Sets the tab's badge from the stored state. Browsers reset per-tab badges when a navigation
 * commits, so this runs on tab status changes as well as after each verdict.
 */
export async function refreshBadge(tabId, tab = null) {
  tab ??= await api.tabs.get(tabId).catch(() => null);
  if (!tab) return;
  await showBadge(tabId, verdicts.worst(await verdicts.tabViewFor(tab)));
}

export async function notify(record, tabId) {
  if (!features.notifications || !(await verdicts.firstNotice(tabId, record.host))) return;
  await api.notifications.create(`pinwatch-${tabId}-${record.host}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: `Pinwatch: ${record.host} may be intercepted`,
    message: `The certificate chain of ${record.host} does not have the pinned keys. The page was not stopped (warn mode); do not type a password there until you have checked with your IT team.`,
  });
}
