// The warning page. Its details come from Pinwatch's own session state for this tab, found by
// the random nonce in the address; nothing in the address is shown or trusted as data.

import { api } from './compat.js';
import * as verdicts from './verdicts.js';
import { chainMarks, chainTable, DETAILS_DROPPED, el, entryView, expectedPins, fill, listView, when } from './ui.js';
import { STATUS, STOP_REASON } from './vocabulary.js';
import { changeWords, readWatched, WATCH_ORIGIN } from './watch.js';

// Only the statuses that stop a page (actions.decide) have a warning page; any other falls back
// to the mismatch words.
const HEADLINES = {
  [STATUS.mismatch]: (host) => `The connection to ${host} may be intercepted`,
  [STATUS.blocked]: (host) => `The certificate of ${host} is known to be compromised`,
  [STATUS.localRoot]: (host) => `The connection to ${host} is decrypted on this computer or network`,
};

const SUMMARIES = {
  [STATUS.mismatch]: 'The certificates this site presented do not carry the keys that the pin list expects for it. '
    + 'Someone between you and the site (a proxy, malicious software or a wrongly issued certificate) may be able to read '
    + 'and change everything you send, including passwords. Pinwatch stopped the page before it loaded.',
  [STATUS.blocked]: 'This connection uses a certificate or key that is on the list of known-compromised ones. '
    + 'Whoever holds it can impersonate the site. Pinwatch stopped the page before it loaded.',
  [STATUS.localRoot]: 'The certificate chain of this site ends in a root that was added to this computer or browser, '
    + 'not one the browser ships, and your organisation has not declared it. Software that holds that root (an inspection '
    + 'proxy, a security product, malware) can read and change every page. Your organisation stops such pages.',
};

/** Chromium: the verdict came after the response (no blocking webRequest); said plainly. */
const AFTER_THE_FACT = 'This browser does not let extensions hold a response until it is checked: the response '
  + 'from this site had already arrived, and the page may have started to load, when Pinwatch replaced it with this '
  + 'warning. Treat anything you typed into that page in that moment as seen.';

/**
 * What each stop says when its details cannot be read (yet): the reason comes from the address,
 * chosen from these fixed words only, so nothing in the address is shown as data.
 */
const REASON_WORDS = {
  [STOP_REASON.mismatch]: 'Pinwatch stopped this page: the certificates of the site do not carry the keys the pin list expects. The connection may be intercepted.',
  [STOP_REASON.blocked]: 'Pinwatch stopped this page: the site presented a certificate or key that is known to be compromised.',
  [STOP_REASON.notCheckedInTime]: 'Pinwatch stopped this page: the connection could not be checked in time. An interceptor can slow a check down on purpose, so a pinned site in enforce mode is not let through unchecked. Try again; if it happens again, do not sign in from this network.',
  [STOP_REASON.couldNotBeChecked]: 'Pinwatch stopped this page: the browser handed over a certificate chain that could not be checked. On a pinned site in enforce mode that is treated as a possible interception.',
  [STOP_REASON.localRoot]: 'Pinwatch stopped this page: its connection is decrypted by software on this computer or network (the chain ends in a root added to this computer that your organisation has not declared).',
};

/** How long the page waits for details stored just after the stop. */
const DETAILS_WAIT_MS = 3000;

async function waitForWarning(tabId, nonce) {
  for (const end = Date.now() + DETAILS_WAIT_MS; ;) {
    const warning = await verdicts.getWarning(tabId, nonce).catch(() => null);
    if (warning || Date.now() > end) return warning;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function summary(r) {
  const text = SUMMARIES[r.status] ?? SUMMARIES[STATUS.mismatch];
  return r.afterTheFact ? text.replace(/ Pinwatch stopped the page before it loaded\.$/, '') : text;
}

async function main() {
  const [nonce, stopReason] = location.hash.slice(1).split('/');
  const leadWords = REASON_WORDS[stopReason] ?? 'Pinwatch stopped a page in this tab.';
  fill('summary', leadWords);
  document.getElementById('back').addEventListener('click', goBack);
  const retry = document.getElementById('retry');
  const tab = await api.tabs.getCurrent();
  const warning = tab && nonce ? await waitForWarning(tab.id, nonce) : null;
  if (!warning) {
    document.getElementById('no-details').hidden = false;
    return;
  }
  if (warning.decision?.offerRetry && warning.record.url) {
    retry.hidden = false;
    retry.addEventListener('click', () => location.replace(warning.record.url));
  }
  if (stopReason === STOP_REASON.notCheckedInTime || stopReason === STOP_REASON.couldNotBeChecked) {
    fill('host', warning.record.host);
    fill('url', warning.record.url);
    fill('reason', warning.record.reason);
    document.getElementById('details').hidden = false;
    return;
  }
  const r = warning.record;
  const headline = (HEADLINES[r.status] ?? HEADLINES[STATUS.mismatch])(r.host);
  document.title = `Pinwatch: ${headline}`;
  fill('title', headline);
  fill('summary', summary(r));
  if (r.afterTheFact) {
    fill('after-the-fact', AFTER_THE_FACT);
    document.getElementById('after-the-fact').hidden = false;
  }
  await showWatchChange(r);
  fill('host', r.host);
  fill('url', r.url);
  fill('reason', r.reason, r.detailsDropped ? ` ${DETAILS_DROPPED}` : '');
  fill('time', when(r.time));
  fill('expected', r.status === STATUS.blocked && !r.pinset
    ? el('p', { class: 'muted' }, 'This host is not pinned; the block list applies to every host.')
    : expectedPins(r.pinset));
  const served = chainTable(r.chain, chainMarks(r));
  served.id = 'served-chain';
  fill('served', served);
  fill('entry', entryView(r.entry));
  fill('list', listView(r.list));
  document.getElementById('details').hidden = false;

  const proceed = document.getElementById('proceed');
  const note = document.getElementById('proceed-note');
  if (warning.decision?.offerProceed) {
    proceed.hidden = false;
    proceed.addEventListener('click', async () => {
      proceed.disabled = true;
      const answer = await api.runtime.sendMessage({ type: 'proceed', nonce });
      if (!answer?.ok) {
        proceed.disabled = false;
        note.hidden = false;
        fill(note, `Could not proceed: ${answer?.error ?? 'no answer'}`);
      }
    });
    note.hidden = false;
    fill(note, `If you proceed, Pinwatch lets ${r.host} load in this tab until the browser closes; the badge stays red.`);
  } else if (r.status === STATUS.blocked) {
    note.hidden = false;
    fill(note, 'A known-compromised certificate cannot be bypassed.');
  } else {
    note.hidden = false;
    fill(note, 'Your organisation does not allow proceeding past this warning.');
  }
}

/** A site the person watches ("Watch this site"): when watching began and which CA was seen then. */
async function showWatchChange(r) {
  if (r.entry?.source !== WATCH_ORIGIN) return;
  const w = (await readWatched().catch(() => ({})))[r.host];
  if (!w) return;
  fill('watch-change', changeWords(w, r));
  document.getElementById('watch-change').hidden = false;
}

function goBack() {
  if (history.length > 1) history.back();
  else location.replace('about:blank');
}

main().catch((e) => {
  fill('summary', `Pinwatch stopped a page in this tab, but its details could not be shown (${e.message}).`);
});
