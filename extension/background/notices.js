// The notifications a verdict may raise, and what keeps them from repeating: a warning once per
// tab and host (`notified:<tab>` in storage.session), an added root's notice once per root per
// day (`rootNotices` in storage.local). The decision says whether to notify (the core's); this
// module only says it once.

import { api, features } from '../shared/compat.js';
import { t } from '../shared/i18n.js';
import { serialQueue } from '../shared/serial.js';
import { MODE, REASON_CODE, STATUS } from '../shared/vocabulary.js';

// storage has no transactions: read-modify-write of one key goes through this queue.
const serial = serialQueue();

/**
 * Shows the notification of a verdict the core decided to notify, unless it was shown already:
 * a root added to this computer in notice mode (`report`) once per root per day, whatever the
 * tab; every other notice (a mismatch, a check that ran out of time, an added root in warn mode)
 * once per tab and host.
 */
export async function notify(record, tabId) {
  if (!features.notifications) return;
  const rootNotice = record.status === STATUS.localRoot && record.mode !== MODE.warn;
  const once = rootNotice ? await firstRootNoticeToday(record.matched?.pin) : await firstNotice(tabId, record.host);
  if (!once) return;
  const { id, title, message } = words(record, tabId);
  await api.notifications.create(id, {
    type: 'basic',
    iconUrl: api.runtime.getURL('icons/icon-96.png'),
    title: say(title),
    message: say(message),
  });
}

/** A message key with its substitutions, a substitution itself a message when it is an array. */
function say([key, ...subs]) {
  return t(key, ...subs.map((sub) => (Array.isArray(sub) ? say(sub) : sub)));
}

/** The notification's id, and its title and message as message keys with their substitutions (`say`). */
function words(record, tabId) {
  if (record.status === STATUS.localRoot) {
    const i = record.matched?.certIndex;
    const root = record.chain?.[i]?.subject ?? record.subjects?.[i] ?? record.addedRoot?.subject;
    return {
      id: `pinwatch-root-${tabId}-${record.host}`,
      title: ['notify_local_root_title'],
      message: ['notify_local_root_message', record.host, root === undefined ? ['notify_root_unnamed'] : String(root).slice(0, 200)],
    };
  }
  // A check that ran out of time claims no mismatch: it says what it could not do.
  const late = record.reasonCode === REASON_CODE.notCheckedInTime;
  return {
    id: `pinwatch-${tabId}-${record.host}`,
    title: [late ? 'notify_not_checked_title' : 'notify_mismatch_title', record.host],
    message: late
      ? ['notify_not_checked_message', record.host, String(record.reasonParams?.seconds ?? '')]
      : ['notify_mismatch_message', record.host],
  };
}

/** Hosts per tab whose warn-mode notification is remembered (`notified:<id>`). */
export const MAX_NOTIFIED = 100;

/** Whether a warn-mode notification for this tab and host was already shown; marks it shown. */
export function firstNotice(tabId, host) {
  return serial(async () => {
    const key = `notified:${tabId}`;
    const hosts = (await api.storage.session.get(key))[key] ?? [];
    if (hosts.includes(host)) return false;
    hosts.push(host);
    // Capped, oldest out: an interceptor that makes one tab meet many hosts cannot grow it
    // without bound (a host pushed out may be noticed once more, nothing worse).
    await api.storage.session.set({ [key]: hosts.slice(-MAX_NOTIFIED) });
    return true;
  });
}

/** Roots whose notice was shown, with when: `{[pin]: ms}` in storage.local, at most this many. */
const ROOT_NOTICES_KEY = 'rootNotices';
const MAX_ROOT_NOTICES = 64;
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Whether the notice about the added root `pin` may be shown now: once per root per day, across
 * tabs and restarts (the badge and the popup line say it on every page).
 */
export function firstRootNoticeToday(pin, now = Date.now()) {
  return serial(async () => {
    const seen = (await api.storage.local.get(ROOT_NOTICES_KEY))[ROOT_NOTICES_KEY] ?? {};
    if (typeof pin !== 'string' || (Number.isFinite(seen[pin]) && now - seen[pin] < DAY_MS && seen[pin] <= now)) return false;
    seen[pin] = now;
    const kept = Object.entries(seen).filter(([, at]) => Number.isFinite(at)).sort((a, b) => a[1] - b[1]).slice(-MAX_ROOT_NOTICES);
    await api.storage.local.set({ [ROOT_NOTICES_KEY]: Object.fromEntries(kept) });
    return true;
  });
}

/** Forgets a closed tab's notices. */
export function forgetTab(tabId) {
  return serial(() => api.storage.session.remove(`notified:${tabId}`));
}
