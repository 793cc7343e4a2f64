// The toolbar popup: the verdict of the tab, its chain, the matched entry and the list.
// `popup.html?tab=<id>` shows another tab (used to view the popup in a tab of its own).

import { api } from '../shared/compat.js';
import * as verdicts from '../shared/verdicts.js';
import { CANNOT_VERIFY_WORDS } from '../shared/actions.js';
import { enableSteps } from './capture-help.js';
import { formatNumber, localize, t } from '../shared/i18n.js';
import { chainMarks, chainTable, el, entryView, fill, listView, problemText, reasonText, statusBadge, statusWords, watchChangeText, when } from './ui.js';
import { MATCH_KIND, STATUS } from '../shared/vocabulary.js';
import { readWatched, WATCH_ORIGIN } from '../shared/watch.js';
import { companionHint, privateWindowsNote } from './install-hints.js';
import { SEEN_CHANGED, seenOf } from '../shared/seen.js';

async function targetTab() {
  const id = Number(new URLSearchParams(location.search).get('tab'));
  if (Number.isInteger(id) && id > 0) return api.tabs.get(id);
  const [tab] = await api.tabs.query({ active: true, currentWindow: true });
  return tab;
}

function show(id) {
  document.getElementById(id).hidden = false;
}

/** What the browser's security states other than "secure" mean (Firefox's SecurityInfo.state). */
const STATE_WORDS = {
  weak: 'popup_state_weak',
  broken: 'popup_state_broken',
  insecure: 'popup_state_insecure',
};

/** A sentence for a security state that is not "secure"; null for "secure" or none given. */
function securityStateWords(state) {
  if (typeof state !== 'string' || state === 'secure') return null;
  return Object.hasOwn(STATE_WORDS, state) ? t('popup_state', state, t(STATE_WORDS[state])) : t('popup_state_other', state);
}

const ORIGIN_WORDS = { served: 'popup_origin_served', cached: 'popup_origin_cached', fetched: 'popup_origin_fetched' };
const ANCHOR_WORDS = { 'issuer-key': 'popup_anchor_issuer_key', 'declared-proxy': 'popup_anchor_declared_proxy' };

/** How a chain no browser built was proven, in one line; null for browser-built chains. */
function pathWords(path) {
  if (!path) return null;
  const links = path.origins.map((o, i) => `${i === 0 ? t('chain_leaf') : `#${i}`} (${ORIGIN_WORDS[o] ? t(ORIGIN_WORDS[o]) : o})`);
  if (path.anchor) links.push(ANCHOR_WORDS[path.anchor] ? t(ANCHOR_WORDS[path.anchor]) : path.anchor);
  const linked = t('popup_path', links.join(' → '));
  return path.unlinked ? `${linked} ${t('popup_path_unlinked', formatNumber(path.unlinked))}` : linked;
}

const VERIFIED_WORDS = {
  'web-pki': 'popup_companion_web_pki',
  local: 'popup_companion_local',
};

/** What the companion saw, or why it could not look; null when it was not asked. */
function companionWords(r) {
  if (r.companionError) {
    return r.companionMissing ? `${t('popup_companion_missing')} ${companionHint()}` : t('popup_companion_failed', r.companionError);
  }
  const c = r.companion;
  if (!c) return null;
  const verified = t(VERIFIED_WORDS[c.verified?.anchor] ?? 'popup_companion_no_root');
  const parts = [c.cached ? t('popup_companion_cached', verified) : t('popup_companion_took', formatNumber(c.ms), verified)];
  if (c.leafDiffers) {
    parts.push(t('popup_companion_differs', c.companionLeafFacts?.spkiSha256 ?? t('popup_unreadable'), c.companionLeafFacts?.subject ?? ''));
  }
  if (c.proxy) parts.push(t('popup_companion_proxy', c.proxy));
  else if (c.proxyNote) parts.push(t('popup_companion_proxy_note', c.proxyNote));
  return parts.join(' ');
}

async function main() {
  localize();
  const tab = await targetTab();
  const view = await verdicts.tabViewFor(tab);
  const r = view.main;
  if (!r) {
    fill('host', t('popup_no_verdict'));
    fill('words', t('popup_no_verdict_text'));
    return;
  }
  fill('verdict-badge', statusBadge(r.status));
  fill('host', r.host);
  const cannotVerify = r.status === STATUS.unverifiable && r.cannotVerify;
  fill('words', cannotVerify ? t(CANNOT_VERIFY_WORDS) : statusWords(r.status), r.overridden ? ` — ${t('popup_overridden')}` : '');
  if (cannotVerify) {
    fill('cannot-verify-how', enableSteps());
    show('cannot-verify');
  }
  fill('reason', reasonText(r), r.detailsDropped ? ` ${t('details_dropped')}` : '', r.captureError ? ` (${r.captureError})` : '', ' — ', when(r.time));
  if (r.tier && r.ms) fill('how', t('popup_how', r.tier, formatNumber(r.ms.capture), formatNumber(r.ms.check)), pathWords(r.path) ? ` ${pathWords(r.path)}` : '');
  const companionLine = companionWords(r);
  if (companionLine) {
    fill('companion-note', companionLine);
    show('companion-note');
  }
  const stateWords = securityStateWords(r.securityState);
  if (stateWords) {
    const line = fill('security-state', stateWords);
    line.dataset.state = r.securityState;
    show('security-state');
  }
  if (r.chain.length || r.status !== STATUS.unpinned) {
    fill('chain', chainTable(r.chain, chainMarks(r)));
    show('chain-section');
    if (typeof r.builtInRoot === 'boolean') {
      fill('root-note', t(r.builtInRoot ? 'popup_root_built_in' : 'popup_root_added'));
      document.getElementById('root-note').dataset.builtIn = String(r.builtInRoot);
      show('root-note');
    }
  }
  if (r.entry) {
    fill('entry', entryView(r.entry));
    show('entry-section');
  }
  fill('list', listView(r.list));
  show('list-section');
  if (view.subs.length) {
    fill('subs', view.subs.map((s) => el('li', {}, statusBadge(s.status), ' ', el('bdi', {}, s.host), ': ', reasonText(s),
      securityStateWords(s.securityState) ? ` ${t('popup_sub_state', s.securityState)}` : null)));
    show('subs-section');
  }
}

/**
 * "Watch this site": offered for a site no list covers whose chain ends at a root built into the
 * browser (or one the organisation declared); the background decides, from its own record. On a
 * watched site's mismatch, when watching began and which CA was seen then.
 */
async function showWatch(tab, r) {
  if (r.entry?.source === WATCH_ORIGIN && r.status === STATUS.mismatch) {
    const w = (await readWatched())[r.host];
    if (w) {
      fill('watch-change', watchChangeText(w, r));
      show('watch-change');
    }
  }
  const answer = await api.runtime.sendMessage({ type: 'watch-state', tabId: tab.id });
  const state = answer?.ok ? answer.value : null;
  document.body.dataset.watchState = state ? (state.offer ? 'offer' : state.why) : 'unknown';
  if (!state || state.host !== r.host || !state.allowWatch || state.why === 'governed' || state.why === 'watched') return;
  const note = document.getElementById('watch-note');
  const button = document.getElementById('watch');
  show('watch-section');
  if (!state.offer) {
    button.disabled = true;
    document.getElementById('watch-mode').disabled = true;
    fill(note, t(`not_watchable_${state.why.replaceAll('-', '_')}`));
    note.hidden = false;
    return;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    const mode = document.getElementById('watch-mode').value;
    const done = await api.runtime.sendMessage({ type: 'watch', tabId: tab.id, mode, seen: seenOf(r) });
    note.hidden = false;
    if (done?.ok) {
      const w = done.value.watched;
      fill(note, t('popup_watching', done.value.host, w.mode, when(w.since), w.issuer || t('common_no_name'), w.root || t('common_no_name')));
      note.dataset.watching = 'true';
    } else if (done?.error === SEEN_CHANGED) {
      refused(note);
    } else {
      button.disabled = false;
      fill(note, t('popup_watch_failed', refusalText(done)));
    }
  });
}

/** The tab moved on since the popup rendered: nothing was done, and the button stays off. */
/** Why the background refused, in the reader's language where it says how; else its English. */
function refusalText(done) {
  if (done?.messageKey && t(done.messageKey) !== done.messageKey) return t(done.messageKey);
  if (done?.problem) return problemText(done.problem);
  return done?.error ?? t('common_no_answer');
}

function refused(note) {
  fill(note, t('popup_action_stale'));
  note.dataset.refused = SEEN_CHANGED;
}

/** Firefox's Certificate Transparency ratings of a connection (SecurityInfo.certificateTransparencyStatus). */
const CT_WORDS = {
  not_applicable: 'popup_ct_not_applicable',
  policy_compliant: 'popup_ct_compliant',
  policy_not_enough_scts: 'popup_ct_not_enough',
  policy_not_diverse_scts: 'popup_ct_not_diverse',
};

/**
 * Certificate Transparency: the browser's rating, where it gives one, and the SCTs embedded in
 * the leaf (read by the core; their signatures are not verified). A leaf under a built-in root
 * without SCTs is unusual: publicly trusted certificates are logged.
 */
function ctWords(r) {
  const parts = [];
  if (typeof r.ctStatus === 'string') parts.push(t('popup_ct', CT_WORDS[r.ctStatus] ? t(CT_WORDS[r.ctStatus]) : r.ctStatus));
  const sct = r.chain?.[0]?.sct;
  if (sct?.error) parts.push(t('popup_sct_unreadable', sct.error));
  else if (sct) parts.push(t('popup_sct', formatNumber(sct.count), sct.logs?.[0]?.timestamp ?? '?'));
  else if (r.chain?.length) parts.push(t(r.builtInRoot === true ? 'popup_sct_none_public' : 'popup_sct_none'));
  return parts.length ? parts.join(' ') : null;
}

/** A root added to this computer: what it means, and "mark as known" where policy allows. */
async function showLocalRoot(tab, r) {
  const kind = r.matched?.kind;
  if (r.status !== STATUS.localRoot && kind !== MATCH_KIND.knownRoot) return;
  const root = r.chain?.[r.matched.certIndex]?.subject || r.subjects?.[r.matched.certIndex] || r.addedRoot?.subject || t('common_no_name');
  fill('local-root-line', r.status === STATUS.localRoot
    ? t('popup_local_root_line', root, r.matched.pin)
    : t('popup_known_root_line', root));
  if (r.addedRoot?.seenBy === 'companion-hello') {
    // Named from this computer's store, not (or not only) seen in this connection.
    fill('local-root-store', t('popup_root_named_by_companion', r.addedRoot.store || '?'));
    show('local-root-store');
  }
  show('local-root-section');
  const answer = await api.runtime.sendMessage({ type: 'root-state', tabId: tab.id });
  const state = answer?.ok ? answer.value : null;
  const note = document.getElementById('local-root-note');
  if (state?.known) {
    fill('local-root-known', t('popup_root_known'));
    show('local-root-known');
    return;
  }
  if (!state?.allowed || r.status !== STATUS.localRoot) {
    if (state && !state.allowed) {
      fill(note, t('popup_root_not_allowed'));
      note.hidden = false;
    }
    return;
  }
  show('local-root-offer');
  const button = document.getElementById('know-root');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const done = await api.runtime.sendMessage({ type: 'know-root', tabId: tab.id, name: document.getElementById('root-name').value, seen: seenOf(r) });
    note.hidden = false;
    if (done?.ok && done.value.known) {
      fill(note, t('popup_root_marked'));
      note.dataset.known = 'true';
    } else if (done?.error === SEEN_CHANGED) {
      refused(note);
    } else {
      button.disabled = false;
      fill(note, t('popup_root_mark_failed', done?.error ? refusalText(done) : t('popup_root_list_full')));
    }
  });
}

main().then(async () => {
  const tab = await targetTab();
  const r = tab ? (await verdicts.tabViewFor(tab)).main : null;
  if (!r) return;
  const ct = ctWords(r);
  if (ct) {
    fill('ct-note', ct);
    show('ct-note');
  }
  await showLocalRoot(tab, r);
  await showWatch(tab, r);
}).catch((e) => fill('reason', t('popup_failed', e.message)));
privateWindowsNote().then((note) => {
  if (note) {
    fill('private-note', note);
    show('private-note');
  }
});
