// What the popup showed, carried with "Watch this site" and "Mark this root as known". The
// background acts on its own record of the tab, and only while that record is still the page,
// chain and root the person saw: a page that navigates (or a host that changes its chain) under
// an open popup never gets another host or root approved by a click meant for the first.

/** The error the background refuses with; the popup says it in the reader's language. */
export const SEEN_CHANGED = 'seen-changed';

const MAX_TEXT = 8 * 1024;

/** The chain's last key (the root, or the last certificate the chain reached); '' when none. */
function rootKey(record) {
  const keys = String(record?.chainKey ?? '').split(' ');
  return keys[keys.length - 1];
}

/** What the popup rendered of a tab's record, as it sends it with a button. */
export function seenOf(record) {
  return { host: String(record?.host ?? ''), chainKey: String(record?.chainKey ?? ''), rootKey: rootKey(record) };
}

/**
 * Throws SEEN_CHANGED unless `seen` (from the popup's message) names the host, chain and root of
 * `record` (the background's current record of the tab). A message without it is refused too.
 */
export function assertSeen(record, seen) {
  const text = (v) => typeof v === 'string' && v.length <= MAX_TEXT;
  if (!record || !seen || typeof seen !== 'object' || !text(seen.host) || !text(seen.chainKey) || !text(seen.rootKey)) {
    throw new Error(SEEN_CHANGED);
  }
  const now = seenOf(record);
  if (!now.host || seen.host !== now.host || seen.chainKey !== now.chainKey || seen.rootKey !== now.rootKey) {
    throw new Error(SEEN_CHANGED);
  }
}
