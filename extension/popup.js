// The toolbar popup: the verdict of the tab, its chain, the matched entry and the list.
// `popup.html?tab=<id>` shows another tab (used to view the popup in a tab of its own).

import { api } from './compat.js';
import * as verdicts from './verdicts.js';
import { CANNOT_VERIFY_WORDS } from './actions.js';
import { enableSteps } from './capture-help.js';
import { chainMarks, chainTable, DETAILS_DROPPED, el, entryView, fill, listView, statusBadge, statusWords, when } from './ui.js';
import { MATCH_KIND, STATUS } from './vocabulary.js';
import { changeWords, NOT_WATCHABLE, readWatched, WATCH_ORIGIN } from './watch.js';
import { companionHint, privateWindowsNote } from './install-hints.js';

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
  weak: 'it uses weak cryptography (an outdated protocol version or cipher)',
  broken: 'it has security errors',
  insecure: 'it is not encrypted',
};

/** A sentence for a security state that is not "secure"; null for "secure" or none given. */
function securityStateWords(state) {
  if (typeof state !== 'string' || state === 'secure') return null;
  const why = Object.hasOwn(STATE_WORDS, state) ? `: ${STATE_WORDS[state]}` : '';
  return `The browser rates this connection's security as "${state}", not "secure"${why}.`;
}

const ORIGIN_WORDS = { served: 'sent by the server', cached: 'kept from an earlier fetch', fetched: 'fetched from its issuer URL' };
const ANCHOR_WORDS = { 'issuer-key': 'a pinned issuer key', 'declared-proxy': 'the key of a proxy your organisation declared' };

/** How a chain no browser built was proven, in one line; null for browser-built chains. */
function pathWords(path) {
  if (!path) return null;
  const links = path.origins.map((o, i) => `${i === 0 ? 'leaf' : `#${i}`} (${ORIGIN_WORDS[o] ?? o})`);
  if (path.anchor) links.push(ANCHOR_WORDS[path.anchor] ?? path.anchor);
  const ignored = path.unlinked ? ` ${path.unlinked} certificate(s) offered were not linked by a signature and were ignored.` : '';
  return `Linked by verified signatures: ${links.join(' → ')}.${ignored}`;
}

const VERIFIED_WORDS = {
  'web-pki': 'it verified the chain up to a public root',
  local: 'it verified the chain up to a root added to this computer',
};

/** What the companion saw, or why it could not look; null when it was not asked. */
function companionWords(r) {
  if (r.companionError) {
    return r.companionMissing
      ? `The companion is not installed or does not answer: install it. ${companionHint()}.`
      : `The companion could not take its look: ${r.companionError}.`;
  }
  const c = r.companion;
  if (!c) return null;
  const verified = VERIFIED_WORDS[c.verified?.anchor] ?? 'it found no root it knows (the pins decide)';
  const differs = c.leafDiffers
    ? ` It was sent a different leaf than the browser (key ${c.companionLeafFacts?.spkiSha256 ?? 'unreadable'}, ${c.companionLeafFacts?.subject ?? ''}); the browser's leaf is the one judged.`
    : '';
  const path = c.proxy ? ` It went through the browser's proxy ${c.proxy}.` : c.proxyNote ? ` Note: ${c.proxyNote}.` : '';
  return `Chain from the companion${c.cached ? ' (kept from a look in the last 10 minutes)' : ` in ${Math.round(c.ms)} ms`}; ${verified}.${differs}${path}`;
}

async function main() {
  const tab = await targetTab();
  const view = await verdicts.tabViewFor(tab);
  const r = view.main;
  if (!r) {
    fill('host', 'No verdict for this page');
    fill('words', 'Pinwatch checks https pages. Nothing was checked for this one, so nothing is claimed about it.');
    return;
  }
  fill('verdict-badge', statusBadge(r.status));
  fill('host', r.host);
  const cannotVerify = r.status === STATUS.unverifiable && r.cannotVerify;
  fill('words', cannotVerify ? CANNOT_VERIFY_WORDS : statusWords(r.status), r.overridden ? ' — you chose to proceed anyway' : '');
  if (cannotVerify) {
    fill('cannot-verify-how', enableSteps());
    show('cannot-verify');
  }
  fill('reason', r.reason, r.detailsDropped ? ` ${DETAILS_DROPPED}` : '', r.captureError ? ` (${r.captureError})` : '', ' — ', when(r.time));
  if (r.tier && r.ms) fill('how', `Chain read with ${r.tier} in ${r.ms.capture.toFixed(0)} ms, checked in ${r.ms.check.toFixed(0)} ms.`, pathWords(r.path) ? ` ${pathWords(r.path)}` : '');
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
      fill('root-note', r.builtInRoot
        ? 'The root is built into the browser (isBuiltInRoot: yes).'
        : 'The root is not built into the browser (isBuiltInRoot: no): it was added to this browser or computer, as inspection proxies, security software and malware do.');
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
    fill('subs', view.subs.map((s) => el('li', {}, statusBadge(s.status), ' ', s.host, ': ', s.reason,
      securityStateWords(s.securityState) ? ` (browser's security state: ${s.securityState})` : null)));
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
      fill('watch-change', changeWords(w, r));
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
    fill(note, NOT_WATCHABLE[state.why] ?? state.why);
    note.hidden = false;
    return;
  }
  button.addEventListener('click', async () => {
    button.disabled = true;
    const mode = document.getElementById('watch-mode').value;
    const done = await api.runtime.sendMessage({ type: 'watch', tabId: tab.id, mode });
    note.hidden = false;
    if (done?.ok) {
      fill(note, `Watching ${done.value.host} (${done.value.watched.mode}) since ${when(done.value.watched.since)}: `
        + `CA ${done.value.watched.issuer || '(no name)'}, root ${done.value.watched.root || '(no name)'}.`);
      note.dataset.watching = 'true';
    } else {
      button.disabled = false;
      fill(note, `Could not watch this site: ${done?.error ?? 'no answer'}`);
    }
  });
}

/** Firefox's Certificate Transparency ratings of a connection (SecurityInfo.certificateTransparencyStatus). */
const CT_WORDS = {
  not_applicable: 'does not apply (the root is not a public one)',
  policy_compliant: 'compliant: the certificate was logged as the browser requires',
  policy_not_enough_scts: 'NOT compliant: too few Certificate Transparency logs',
  policy_not_diverse_scts: 'NOT compliant: the logs are not diverse enough',
};

/**
 * Certificate Transparency: the browser's rating, where it gives one, and the SCTs embedded in
 * the leaf (read by the core; their signatures are not verified). A leaf under a built-in root
 * without SCTs is unusual: publicly trusted certificates are logged.
 */
function ctWords(r) {
  const parts = [];
  if (typeof r.ctStatus === 'string') parts.push(`Certificate Transparency (browser): ${CT_WORDS[r.ctStatus] ?? r.ctStatus}.`);
  const sct = r.chain?.[0]?.sct;
  if (sct?.error) parts.push(`The leaf's SCT list could not be read: ${sct.error}.`);
  else if (sct) parts.push(`The leaf carries ${sct.count} SCT(s), the first logged ${sct.logs?.[0]?.timestamp ?? '?'} (signatures not checked).`);
  else if (r.chain?.length) {
    parts.push(r.builtInRoot === true
      ? 'The leaf carries no SCTs although its root is built into the browser: publicly trusted certificates are normally logged.'
      : 'The leaf carries no embedded SCTs.');
  }
  return parts.length ? parts.join(' ') : null;
}

/** A root added to this computer: what it means, and "mark as known" where policy allows. */
async function showLocalRoot(tab, r) {
  const kind = r.matched?.kind;
  if (r.status !== STATUS.localRoot && kind !== MATCH_KIND.knownRoot) return;
  const root = r.chain?.[r.matched.certIndex]?.subject || r.subjects?.[r.matched.certIndex] || '(no name)';
  fill('local-root-line', r.status === STATUS.localRoot
    ? `This connection is decrypted by software on this computer or network (root: ${root}, key ${r.matched.pin}). It can read and change everything on this page.`
    : `This connection is decrypted by software whose root you marked as known (root: ${root}).`);
  show('local-root-section');
  const answer = await api.runtime.sendMessage({ type: 'root-state', tabId: tab.id });
  const state = answer?.ok ? answer.value : null;
  const note = document.getElementById('local-root-note');
  if (state?.known) {
    fill('local-root-known', 'You marked this root as known; the options page lists it and can remove it.');
    show('local-root-known');
    return;
  }
  if (!state?.allowed || r.status !== STATUS.localRoot) {
    if (state && !state.allowed) {
      fill(note, 'Your organisation does not allow marking roots as known.');
      note.hidden = false;
    }
    return;
  }
  show('local-root-offer');
  const button = document.getElementById('know-root');
  button.addEventListener('click', async () => {
    button.disabled = true;
    const done = await api.runtime.sendMessage({ type: 'know-root', tabId: tab.id, name: document.getElementById('root-name').value });
    note.hidden = false;
    if (done?.ok && done.value.known) {
      fill(note, 'Marked as known: pages under this root now show "inspected" instead (reload to see it).');
      note.dataset.known = 'true';
    } else {
      button.disabled = false;
      fill(note, `Could not mark this root: ${done?.error ?? 'the list of known roots is full'}`);
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
}).catch((e) => fill('reason', `The verdict could not be shown: ${e.message}`));
privateWindowsNote().then((note) => {
  if (note) {
    fill('private-note', note);
    show('private-note');
  }
});
