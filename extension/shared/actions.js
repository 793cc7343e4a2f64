// What Pinwatch shows of a verdict in the toolbar: the badge, its words, and the warning page's
// address (notifications: background/notices.js).

import { action, api } from './compat.js';
import { t } from './i18n.js';
import * as verdicts from './verdicts.js';
import { STATUS } from './vocabulary.js';

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
