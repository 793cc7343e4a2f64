// What the pages tell a person to do about two gaps: no companion (Chromium-family browsers), and
// no Pinwatch in private windows. Both name the browser Pinwatch runs in, since the steps differ.
// Every user-visible string of these hints is here.

import { api } from './compat.js';

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
  const flag = kind === 'firefox' ? 'firefox' : kind;
  return `To let Pinwatch check ${NAMES[kind]}, install the Pinwatch package for this computer (pinwatch .deb or .rpm: `
    + `it sets the companion up for every browser), or run: pinwatch companion install --browser ${flag}`;
}

/** The browser's word for a private window, and where the switch that allows Pinwatch there is. */
const PRIVATE = {
  firefox: ['private windows', 'in the Add-ons Manager (about:addons), open Pinwatch and set "Run in Private Windows" to Allow'],
  chrome: ['Incognito windows', 'in chrome://extensions, open Pinwatch\'s Details and turn on "Allow in Incognito"'],
  chromium: ['Incognito windows', 'in chrome://extensions, open Pinwatch\'s Details and turn on "Allow in Incognito"'],
  edge: ['InPrivate windows', 'in edge://extensions, open Pinwatch\'s Details and turn on "Allow in InPrivate"'],
  brave: ['private windows', 'in brave://extensions, open Pinwatch\'s Details and turn on "Allow in Private"'],
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
  const [word, how] = PRIVATE[kind];
  return `Pinwatch is not allowed in ${word}: pages opened there are not checked. To allow it, ${how}.`;
}
