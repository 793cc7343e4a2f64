// What this browser lets Pinwatch read, in words for the popup and the options page, and how to
// get more: Chromium tier 1 (the leaf certificate, WebRequestSecurityInfo) and tier 2 (full
// chains through the debugger, opt-in).

import { api, debuggerPermission, features } from '../shared/compat.js';
import { t } from '../shared/i18n.js';
import { el } from './ui.js';

/** The words of the browser's own bar while the debugger is attached (the browser's text, in its language). */
export const DEBUGGER_BAR = '“Pinwatch” started debugging this browser';

/** Ways to enable a capture tier, as list items (none when this browser has no such tiers). */
export function enableSteps() {
  const steps = [];
  if (features.securityInfo) return steps; // Firefox reads full chains without any of this
  steps.push(el('li', { class: 'how-tier1' }, t('capture_tier1_how')));
  if (typeof api.runtime?.connectNative === 'function') {
    steps.push(el('li', { class: 'how-companion' }, t('capture_companion_how')));
  }
  if (debuggerPermission !== 'absent') {
    steps.push(el('li', { class: 'how-tier2' }, t('capture_tier2_how', DEBUGGER_BAR), ' ',
      el('a', { href: 'options.html#capture-section', target: '_blank' }, t('capture_open_settings'))));
  }
  return steps;
}
