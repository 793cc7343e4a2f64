// The options page's "How this browser lets Pinwatch read certificates" section: what the
// capture tiers have seen, and the full-chain capture (debugger) control. The checkbox is saved
// with the rest of the form (options.js reads it); policy `debuggerCapture` locks it.

import { api, debuggerPermission, features } from '../shared/compat.js';
import { captureState, DEBUGGER_CANCELLED_KEY } from '../shared/capture-state.js';
import { DEBUGGER_BAR } from './capture-help.js';
import { formatNumber, t } from '../shared/i18n.js';
import { el, fill, when } from './ui.js';
import { companionHint } from './install-hints.js';

async function status() {
  const answer = await api.runtime.sendMessage({ type: 'status' });
  if (!answer?.ok) throw new Error(answer?.error ?? 'the background did not answer');
  return answer.value;
}

function facts(s, cs) {
  if (features.securityInfo) {
    return [el('li', { class: 'capture-full' }, t('capture_full'))];
  }
  const items = [];
  items.push(cs.leafSeenAt
    ? el('li', { class: 'capture-leaf-seen' }, t('capture_leaf_seen', when(cs.leafSeenAt)))
    : el('li', { class: 'capture-leaf-missing' }, t('capture_leaf_missing'), ' ', t('capture_tier1_how')));
  const on = debuggerWanted(s);
  items.push(el('li', { class: 'capture-debugger' }, debuggerPermission === 'absent'
    ? t('capture_debugger_absent')
    : on
      ? t(cs.debuggerCancelled ? 'capture_debugger_on_cancelled' : 'capture_debugger_on', formatNumber(cs.debuggerTabs.length))
      : t('capture_debugger_off')));
  if (!features.blockingWebRequest) {
    items.push(el('li', { class: 'capture-after' }, t('capture_after')));
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
  ready: (c) => (c.version ? t('companion_ready_version', c.version) : t('companion_ready')),
  missing: (c) => `${t('companion_missing', c.error ?? t('common_no_answer'))} ${companionHint()}`,
  broken: (c) => t('companion_broken', c.error ?? t('common_no_answer')),
  unknown: () => t('companion_unknown'),
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
  fill('companion-scope-note', lockedScope ? t('options_set_by_organisation') : '');
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
    ? t(s.policy.debuggerCapture ? 'capture_policy_on' : 'capture_policy_off')
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
      fill('debugger-note', t('capture_not_granted'));
      return;
    }
  }
  fill('debugger-note', box.checked
    ? t('capture_save_on', DEBUGGER_BAR)
    : t('capture_save_off'));
});

document.getElementById('debugger-resume')?.addEventListener('click', async () => {
  await api.storage.session.remove(DEBUGGER_CANCELLED_KEY);
  await show();
});

show().catch((e) => fill('capture-facts', el('li', {}, t('capture_failed', e.message))));
