// What the pages tell a person to do about two gaps: no companion (Chromium-family browsers), and
// no Pinwatch in private windows. Both name the browser Pinwatch runs in, since the steps differ.
// The sentences are messages (_locales); browser names, commands and settings addresses go in as
// they are, never translated.

import { api } from '../shared/compat.js';
import { t } from '../shared/i18n.js';

/**
 * 'firefox', 'chrome', 'edge', 'brave' or 'chromium'. Chromium-family browsers name themselves
 * in `navigator.userAgentData.brands` (Brave since 1.36 as "Brave"; older Braves only through
 * `navigator.brave`); Firefox has no userAgentData and has `runtime.getBrowserInfo`.
 */
export function browserKind(nav = globalThis.navigator, runtime = api.runtime) {
  if (typeof runtime?.getBrowserInfo === 'function') return 'firefox';
  const brands = (nav?.userAgentData?.brands ?? []).map((b) => b.brand);
  if (brands.includes('Microsoft Edge')) return 'edge';
  if (brands.includes('Brave') || nav?.brave) return 'brave';
  if (brands.includes('Google Chrome')) return 'chrome';
  return 'chromium';
}

const NAMES = { firefox: 'Firefox', chrome: 'Chrome', edge: 'Edge', brave: 'Brave', chromium: 'Chromium' };

/** The browser's name as a person knows it. */
export const browserName = (kind = browserKind()) => NAMES[kind];

/**
 * How to get the companion for this browser: the package first (it registers the companion with
 * every browser, for every user), then the command for this browser alone.
 */
export function companionHint(kind = browserKind()) {
  return t('companion_install_hint', NAMES[kind], `pinwatch companion install --browser ${kind}`);
}

/**
 * The message for each browser (its own word for a private window and the label of its switch
 * differ, so each is a whole sentence) and the address of the page the switch is on.
 */
const PRIVATE = {
  firefox: ['private_note_firefox', 'about:addons'],
  chrome: ['private_note_chrome', 'chrome://extensions'],
  chromium: ['private_note_chrome', 'chrome://extensions'],
  edge: ['private_note_edge', 'edge://extensions'],
  brave: ['private_note_brave', 'brave://extensions'],
};

/**
 * A sentence saying Pinwatch does not run in private windows and how to allow it, or null when it
 * is allowed (or the browser cannot say). Sites signed in to from a private window — a shared or
 * borrowed computer — are otherwise checked by nothing, with no sign of it.
 */
export async function privateWindowsNote(kind = browserKind()) {
  let allowed;
  try {
    allowed = await api.extension?.isAllowedIncognitoAccess?.();
  } catch {
    return null;
  }
  if (allowed !== false) return null;
  const [key, page] = PRIVATE[kind];
  return t(key, page);
}
