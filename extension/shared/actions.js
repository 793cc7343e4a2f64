// What Pinwatch does about a verdict: the response to the request (redirect to the warning
// page, cancel, or let through), the badge, the notification.

import { action, api, features } from './compat.js';
import { t } from './i18n.js';
import * as verdicts from './verdicts.js';
import { MODE, REASON_CODE, STATUS } from './vocabulary.js';

/**
 * Badge text, colour, label and words (message keys) per status: every status of the core and
 * Pinwatch's own error (tests/unit/vocabulary.test.mjs fails when one is missing). Nothing here
 * reads as "OK" unless a pin matched, and the badge text says what the colour says.
 */
export const BADGES = Object.freeze({
  [STATUS.pinned]: { text: '✓', color: '#2e7d32', label: 'status_pinned', words: 'badge_pinned' },
  [STATUS.mismatch]: { text: '!', color: '#c62828', label: 'status_mismatch', words: 'badge_mismatch' },
  [STATUS.blocked]: { text: '✕', color: '#b71c1c', label: 'status_blocked', words: 'badge_blocked' },
  [STATUS.allowedInterception]: { text: 'INS', color: '#1565c0', label: 'status_allowed_interception', words: 'badge_allowed_interception' },
  [STATUS.unpinned]: { text: '–', color: '#757575', label: 'status_unpinned', words: 'badge_unpinned' },
  [STATUS.stale]: { text: 'OLD', color: '#ef6c00', label: 'status_stale', words: 'badge_stale' },
  [STATUS.staleMismatch]: { text: 'OLD!', color: '#d84315', label: 'status_stale_mismatch', words: 'badge_stale_mismatch' },
  [STATUS.unverifiable]: { text: '?', color: '#6d4c41', label: 'status_unverifiable', words: 'badge_unverifiable' },
  [STATUS.localRoot]: { text: 'LOC', color: '#e65100', label: 'status_local_root', words: 'badge_local_root' },
  [verdicts.ERROR_STATUS]: { text: 'ERR', color: '#6a1b9a', label: 'status_error', words: 'badge_error' },
});

/** Badge words (a message key) when no certificate could be read because the browser offers no way to (Chromium). */
export const CANNOT_VERIFY_WORDS = 'badge_cannot_verify';

/** The warning page for `nonce`; the stop reason lets it lead with the right words even when
 * storage has not (or could not) deliver the details. */
export function warningUrl(nonce, stopReason = '') {
  return api.runtime.getURL(`pages/warning.html#${nonce}/${stopReason ?? ''}`);
}

export async function showBadge(tabId, record) {
  if (tabId < 0) return;
  if (!record) {
    await Promise.all([
      action.setBadgeText({ tabId, text: '' }),
      action.setTitle({ tabId, title: t('extension_name') }),
    ]);
    return;
  }
  const badge = BADGES[record.status] ?? BADGES[verdicts.ERROR_STATUS];
  await Promise.all([
    action.setBadgeText({ tabId, text: badge.text }),
    action.setBadgeBackgroundColor({ tabId, color: badge.color }),
    action.setTitle({ tabId, title: t('badge_title', record.host, t(record.cannotVerify && record.status === STATUS.unverifiable ? CANNOT_VERIFY_WORDS : badge.words)) }),
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
  // A check that ran out of time claims no mismatch: it says what it could not do.
  const late = record.reasonCode === REASON_CODE.notCheckedInTime;
  await api.notifications.create(`pinwatch-${tabId}-${record.host}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: t(late ? 'notify_not_checked_title' : 'notify_mismatch_title', record.host),
    message: late
      ? t('notify_not_checked_message', record.host, String(record.reasonParams?.seconds ?? ''))
      : t('notify_mismatch_message', record.host),
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
  const root = record.chain?.[record.matched?.certIndex]?.subject ?? record.subjects?.[record.matched?.certIndex]
    ?? record.addedRoot?.subject ?? t('notify_root_unnamed');
  await api.notifications.create(`pinwatch-root-${tabId}-${record.host}`, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: t('notify_local_root_title'),
    message: t('notify_local_root_message', record.host, String(root).slice(0, 200)),
  });
}
