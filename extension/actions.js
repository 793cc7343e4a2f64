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
  [STATUS.localRoot]: { text: 'LOC', color: '#e65100', words: 'DECRYPTED ON THIS COMPUTER: the chain ends in a root added to this computer or browser, not one the browser ships' },
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
  if (!features.notifications) return;
  if (record.status === STATUS.localRoot) return notifyLocalRoot(record, tabId);
  if (!(await verdicts.firstNotice(tabId, record.host))) return;
  await api.notifications.create(`pinwatch-${tabId}-${record.host}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: `Pinwatch: ${record.host} may be intercepted`,
    message: `The certificate chain of ${record.host} does not have the pinned keys. The page was not stopped (warn mode); do not type a password there until you have checked with your IT team.`,
  });
}

/**
 * A root added to this computer: in notice mode (`report`) once per root per day, whatever the
 * tab; in warn mode once per tab and host, as a mismatch.
 */
async function notifyLocalRoot(record, tabId) {
  const once = record.mode === MODE.warn
    ? await verdicts.firstNotice(tabId, record.host)
    : await verdicts.firstRootNoticeToday(record.matched?.pin);
  if (!once) return;
  const root = record.chain?.[record.matched?.certIndex]?.subject ?? record.subjects?.[record.matched?.certIndex] ?? 'a root not built into the browser';
  await api.notifications.create(`pinwatch-root-${tabId}-${record.host}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: 'Pinwatch: connections are decrypted on this computer or network',
    message: `${record.host}: the connection ends in a root added to this computer or browser (${String(root).slice(0, 200)}). Software that holds it can read and change every page. If you do not know it (antivirus, employer), do not type passwords.`,
  });
}
