// What Pinwatch does about a verdict: the response to the request (redirect to the warning
// page, cancel, or let through), the badge, the notification.

import { action, api, features } from './compat.js';
import * as verdicts from './verdicts.js';

/** Badge text, colour and words per status. Nothing here reads as "OK" unless a pin matched. */
export const BADGES = {
  pinned: { text: '✓', color: '#2e7d32', words: 'pinned: a pinned key is in the chain' },
  mismatch: { text: '!', color: '#c62828', words: 'MISMATCH: the chain does not have the pinned keys' },
  blocked: { text: '✕', color: '#b71c1c', words: 'BLOCKED: a known-compromised certificate or key' },
  'allowed-interception': { text: 'INS', color: '#1565c0', words: 'inspected by a proxy your organisation declared' },
  unpinned: { text: '–', color: '#757575', words: 'unpinned: this host is not on the pin list' },
  stale: { text: 'OLD', color: '#ef6c00', words: 'stale: the pin list has expired, pins are not enforced' },
  unverifiable: { text: '?', color: '#6d4c41', words: 'unverifiable: the certificates could not be read' },
  error: { text: 'ERR', color: '#6a1b9a', words: 'internal error: not checked, the page was let through' },
};

/** Badge words when no certificate could be read because the browser offers no way to (Chromium). */
export const CANNOT_VERIFY_WORDS = "can't verify in this browser: it gives extensions no certificates (the popup says how to enable it)";

/**
 * The response for one request. `record` is the stored verdict, `type` the webRequest type.
 * Returns `{kind: 'warn-page'|'cancel'|'notify'|'none'}`.
 */
export function decide(record, { overridden, allowOverride }) {
  const enforce = record.status === 'blocked'
    || (record.status === 'mismatch' && record.action === 'enforce' && !(overridden && allowOverride));
  if (enforce) return { kind: record.type === 'main_frame' ? 'warn-page' : 'cancel' };
  if (record.status === 'mismatch' && record.action === 'warn') return { kind: 'notify' };
  return { kind: 'none' };
}

/** Whether the person may proceed past this warning (never past a block-listed certificate). */
export function overrideAllowed(record, policy) {
  return record.status === 'mismatch' && policy.allowUserOverride !== false;
}

export function warningUrl(nonce) {
  return api.runtime.getURL(`warning.html#${nonce}`);
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
  const badge = BADGES[record.status] ?? BADGES.error;
  await Promise.all([
    action.setBadgeText({ tabId, text: badge.text }),
    action.setBadgeBackgroundColor({ tabId, color: badge.color }),
    action.setTitle({ tabId, title: `Pinwatch — ${record.host}: ${record.cannotVerify && record.status === 'unverifiable' ? CANNOT_VERIFY_WORDS : badge.words}` }),
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
