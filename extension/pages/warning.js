// The warning page. Its details come from Pinwatch's own session state for this tab, found by
// the random nonce in the address; nothing in the address is shown or trusted as data.

import { api } from '../shared/compat.js';
import * as verdicts from '../shared/verdicts.js';
import { t, localize } from '../shared/i18n.js';
import { chainMarks, chainTable, el, entryView, expectedPins, fill, listView, reasonText, watchChangeText, when } from './ui.js';
import { STATUS, STOP_REASON } from '../shared/vocabulary.js';
import { readWatched, WATCH_ORIGIN } from '../shared/watch.js';

// Only the statuses that stop a page (actions.decide) have a warning page; any other falls back
// to the mismatch words. Each names its message (headline with the host, summary).
const HEADLINES = {
  [STATUS.mismatch]: 'warning_headline_mismatch',
  [STATUS.blocked]: 'warning_headline_blocked',
  [STATUS.localRoot]: 'warning_headline_local_root',
};

const SUMMARIES = {
  [STATUS.mismatch]: 'warning_summary_mismatch',
  [STATUS.blocked]: 'warning_summary_blocked',
  [STATUS.localRoot]: 'warning_summary_local_root',
};

/**
 * What each stop says when its details cannot be read (yet): the reason comes from the address,
 * chosen from these fixed messages only, so nothing in the address is shown as data.
 */
const REASON_WORDS = {
  [STOP_REASON.mismatch]: 'stop_mismatch',
  [STOP_REASON.blocked]: 'stop_blocked',
  [STOP_REASON.notCheckedInTime]: 'stop_not_checked_in_time',
  [STOP_REASON.couldNotBeChecked]: 'stop_could_not_be_checked',
  [STOP_REASON.localRoot]: 'stop_local_root',
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

/** The summary, and "stopped before it loaded" only where that is true (not after the fact). */
function summary(r) {
  const text = t(SUMMARIES[r.status] ?? SUMMARIES[STATUS.mismatch]);
  return r.afterTheFact ? text : `${text} ${t('warning_stopped_before_load')}`;
}

/** The details are a disclosure: closed at first, so that the advice and "Go back" lead. */
function setUpDisclosure() {
  const toggle = document.getElementById('details-toggle');
  const body = document.getElementById('details-body');
  toggle.addEventListener('click', () => {
    const open = toggle.getAttribute('aria-expanded') !== 'true';
    toggle.setAttribute('aria-expanded', String(open));
    body.hidden = !open;
  });
}

async function main() {
  const [nonce, stopReason] = location.hash.slice(1).split('/');
  localize();
  setUpDisclosure();
  const back = document.getElementById('back');
  back.addEventListener('click', goBack);
  back.focus();
  fill('summary', t(REASON_WORDS[stopReason] ?? 'stop_unknown'));
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
    fill('reason', reasonText(warning.record));
    document.getElementById('details').hidden = false;
    return;
  }
  const r = warning.record;
  if (r.afterTheFact) stepsBack = 2;
  const headline = t(HEADLINES[r.status] ?? HEADLINES[STATUS.mismatch], r.host);
  document.title = t('warning_page_title', headline);
  fill('title', headline);
  fill('summary', summary(r));
  if (r.afterTheFact) {
    fill('after-the-fact', t('warning_after_the_fact'));
    document.getElementById('after-the-fact').hidden = false;
  }
  await showWatchChange(r);
  fill('host', r.host);
  fill('url', r.url);
  fill('reason', reasonText(r), r.detailsDropped ? ` ${t('details_dropped')}` : '');
  fill('time', when(r.time));
  fill('expected', r.status === STATUS.blocked && !r.pinset
    ? el('p', { class: 'muted' }, t('warning_blocked_unpinned'))
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
    fill(proceed, t('warning_proceed', r.host));
    proceed.addEventListener('click', async () => {
      proceed.disabled = true;
      const answer = await api.runtime.sendMessage({ type: 'proceed', nonce });
      if (!answer?.ok) {
        proceed.disabled = false;
        note.hidden = false;
        fill(note, t('warning_proceed_failed', answer?.error ?? t('common_no_answer')));
      }
    });
    note.hidden = false;
    fill(note, t('warning_proceed_note', r.host));
  } else if (r.status === STATUS.blocked) {
    note.hidden = false;
    fill(note, t('warning_no_bypass_blocked'));
  } else {
    note.hidden = false;
    fill(note, t('warning_no_bypass_policy'));
  }
}

/** A site the person watches ("Watch this site"): when watching began and which CA was seen then. */
async function showWatchChange(r) {
  if (r.entry?.source !== WATCH_ORIGIN) return;
  const w = (await readWatched().catch(() => ({})))[r.host];
  if (!w) return;
  fill('watch-change', watchChangeText(w, r));
  document.getElementById('watch-change').hidden = false;
}

/**
 * How far back "Go back" goes: where the browser replaced the stopped page after it arrived
 * (Chromium), the entry before this one is that page itself, and going back to it would only
 * stop it again.
 */
let stepsBack = 1;

function goBack() {
  if (history.length > stepsBack) history.go(-stepsBack);
  else location.replace('about:blank');
}

main().catch((e) => {
  fill('summary', t('warning_failed', e.message));
});
