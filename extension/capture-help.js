// What this browser lets Pinwatch read, in words for the popup and the options page, and how to
// get more: Chromium tier 1 (the leaf certificate, WebRequestSecurityInfo) and tier 2 (full
// chains through the debugger, opt-in).

import { api, debuggerPermission, features } from './compat.js';
import { el } from './ui.js';
import { companionHint } from './install-hints.js';

export const DEBUGGER_BAR = '“Pinwatch” started debugging this browser';

export const TIER1_HOW = 'Chrome 144 or later gives extensions the certificate of each site (the leaf certificate), '
  + 'which Pinwatch checks against the pinned keys and the pinned issuing CA keys. Chromium builds that still keep it '
  + 'behind a flag need to be started with --enable-features=WebRequestSecurityInfo.';

export const TIER2_HOW = 'Or turn on full-chain capture in Pinwatch\'s settings: Pinwatch then reads the whole '
  + 'certificate chain of pinned sites through the browser\'s debugger. While it does, the browser shows a bar saying '
  + `${DEBUGGER_BAR}.`;

export const COMPANION_HOW = 'Or install the Pinwatch companion on this computer: it takes a second look at each pinned '
  + `site's connection and hands Pinwatch the chain the site sent. ${companionHint()}.`;

/** Ways to enable a capture tier, as list items (none when this browser has no such tiers). */
export function enableSteps() {
  const steps = [];
  if (features.securityInfo) return steps; // Firefox reads full chains without any of this
  steps.push(el('li', { class: 'how-tier1' }, TIER1_HOW));
  if (typeof api.runtime?.connectNative === 'function') {
    steps.push(el('li', { class: 'how-companion' }, COMPANION_HOW));
  }
  if (debuggerPermission !== 'absent') {
    steps.push(el('li', { class: 'how-tier2' }, TIER2_HOW, ' ',
      el('a', { href: 'options.html#capture-section', target: '_blank' }, 'Open the settings')));
  }
  return steps;
}
