// The options page's "How this browser lets Pinwatch read certificates" section: what the
// capture tiers have seen, and the full-chain capture (debugger) control. The checkbox is saved
// with the rest of the form (options.js reads it); policy `debuggerCapture` locks it.

import { api, debuggerPermission, features } from './compat.js';
import { captureState, DEBUGGER_CANCELLED_KEY } from './capture-state.js';
import { DEBUGGER_BAR, TIER1_HOW } from './capture-help.js';
import { el, fill, when } from './ui.js';
import { companionHint } from './install-hints.js';

async function status() {
  const answer = await api.runtime.sendMessage({ type: 'status' });
  if (!answer?.ok) throw new Error(answer?.error ?? 'the background did not answer');
  return answer.value;
}

function facts(s, cs) {
  if (features.securityInfo) {
    return [el('li', { class: 'capture-full' }, 'This browser gives Pinwatch the full certificate chain of each response before the page receives it: '
      + 'a mismatch is stopped before anything loads. Nothing to enable.')];
  }
  const items = [];
  items.push(cs.leafSeenAt
    ? el('li', { class: 'capture-leaf-seen' }, `Leaf certificates: this browser hands them to Pinwatch (first seen ${when(cs.leafSeenAt)}). `
      + 'Pinwatch checks each one against the pinned keys and, with the pinned issuing CA keys, its signature (issuer-key proof).')
    : el('li', { class: 'capture-leaf-missing' }, 'Leaf certificates: this browser has not handed Pinwatch any yet. ', TIER1_HOW));
  const on = debuggerWanted(s);
  items.push(el('li', { class: 'capture-debugger' }, debuggerPermission === 'absent'
    ? 'Full-chain capture with the debugger is not available in this build.'
    : on
      ? `Full-chain capture: on${cs.debuggerCancelled ? ', but cancelled from the browser\'s bar until the browser restarts' : ''}; attached to ${cs.debuggerTabs.length} tab(s) now.`
      : 'Full-chain capture: off.'));
  if (!features.blockingWebRequest) {
    items.push(el('li', { class: 'capture-after' }, 'This browser does not let extensions hold a response until it is checked: '
      + 'on a mismatch Pinwatch replaces the page with its warning as soon as the check is done, after the response has arrived.'));
  }
  return items;
}

function locked(s) {
  return (s.policy.managed ?? []).includes('debuggerCapture');
}

function debuggerWanted(s) {
  return locked(s) ? s.policy.debuggerCapture === true : s.user.debuggerCapture === true;
}

const COMPANION_STATUS = {
  ready: (c) => `Installed and answering${c.version ? ` (version ${c.version})` : ''}.`,
  missing: (c) => `Not installed, or not allowed for this browser: ${c.error ?? 'no answer'}. ${companionHint()}.`,
  broken: (c) => `Installed but failing: ${c.error ?? 'no answer'}.`,
  unknown: () => 'Not asked yet.',
};

function showCompanion(s) {
  const c = s.companion;
  if (!c?.supported) return;
  document.getElementById('companion-block').hidden = false;
  const words = COMPANION_STATUS[c.status] ?? COMPANION_STATUS.unknown;
  const line = fill('companion-status', words(c));
  line.dataset.status = c.status;
  const select = document.getElementById('companion-scope');
  const lockedScope = (s.policy.managed ?? []).includes('companionScope');
  select.value = lockedScope ? s.policy.companionScope : s.user.companionScope;
  select.disabled = lockedScope;
  fill('companion-scope-note', lockedScope ? 'Set by your organisation.' : '');
}

async function show() {
  const [s, cs] = await Promise.all([status(), captureState()]);
  fill('capture-facts', facts(s, cs));
  showCompanion(s);
  if (debuggerPermission === 'absent') return;
  document.getElementById('debugger-block').hidden = false;
  const box = document.getElementById('debugger-capture');
  box.checked = debuggerWanted(s);
  box.disabled = locked(s);
  fill('debugger-note', locked(s)
    ? `Your organisation has turned full-chain capture ${s.policy.debuggerCapture ? 'on' : 'off'}.`
    : '');
  document.getElementById('debugger-cancelled').hidden = !(cs.debuggerCancelled && box.checked);
}

document.getElementById('debugger-capture')?.addEventListener('change', async (event) => {
  const box = event.target;
  if (box.checked && debuggerPermission === 'optional') {
    // A browser that lets the permission be asked for at run time: ask now (a user gesture).
    const granted = await api.permissions.request({ permissions: ['debugger'] }).catch(() => false);
    if (!granted) {
      box.checked = false;
      fill('debugger-note', 'The browser did not grant the debugger permission.');
      return;
    }
  }
  fill('debugger-note', box.checked
    ? `Press Save to turn it on. From then on the browser shows ${DEBUGGER_BAR} whenever a pinned site is open in a tab.`
    : 'Press Save to turn it off.');
});

document.getElementById('debugger-resume')?.addEventListener('click', async () => {
  await api.storage.session.remove(DEBUGGER_CANCELLED_KEY);
  await show();
});

show().catch((e) => fill('capture-facts', el('li', {}, `Capture status unavailable: ${e.message}`)));
