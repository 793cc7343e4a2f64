// Carries out the core's decision on a response: the stop or the pass, then the record, the badge,
// the notice and the report, after the response is released.

import { api } from '../shared/compat.js';
import * as actions from '../shared/actions.js';
import * as verdicts from '../shared/verdicts.js';
import * as watch from '../shared/watch.js';
import { ACT } from '../shared/vocabulary.js';
import * as afterTheFact from './after-the-fact.js';
import * as notices from './notices.js';
import * as reports from './reports.js';
import { loadPolicy } from './settings.js';

/** How long a quiet pass's record waits, so that storing it does not compete with the page load. */
const QUIET_RECORD_DELAY_MS = 400;

/**
 * Carries out a decision. A stop acts first (the response cancelled, the tab sent to the
 * warning page) and only then are details stored: storage that is slow, full or failing can
 * delay what the warning page shows, never the stop itself.
 */
export function apply(details, record, decision, ctx, chain) {
  record.decision = decision;
  let answer = {};
  if (decision.act === ACT.stop) {
    record.outcome = 'stopped';
    const nonce = verdicts.newNonce();
    // Already at the page (Chromium): the tab leaves it, whichever response was stopped.
    const late = record.afterTheFact === true;
    answer = details.type === 'main_frame' && !late
      ? showWarningPage(details, actions.warningUrl(nonce, decision.stopReason))
      : { cancel: true };
    if (late) afterTheFact.stopTab(details, actions.warningUrl(nonce, decision.stopReason), nonce, record, decision);
    else if (details.type === 'main_frame') {
      verdicts.putWarning(details.tabId, nonce, record, decision)
        .catch((e) => console.warn('Pinwatch: the warning details could not be stored', e));
    }
  } else {
    record.outcome = decision.act === ACT.warn ? 'notified' : record.overridden ? 'proceeded' : 'none';
  }
  // Everything else happens after the response is decided. A quiet pass's record waits a
  // moment more: written while the page still loads, it would compete with it for the machine;
  // so does a notice (a report-level act whose one notification a day can wait 400 ms).
  const urgent = decision.act === ACT.stop || decision.act === ACT.warn || decision.errorBadge;
  const done = () => after(details, record, decision, chain, ctx?.policy ?? null);
  if (urgent) queueMicrotask(done);
  else setTimeout(done, QUIET_RECORD_DELAY_MS);
  return answer;
}

/**
 * What follows a decision, once the response is released: the report to policy's endpoint
 * (reports.js; without an engine, as for a check that ran out of time while it was being built,
 * policy is read for it), the error badge straight from the record (storage may be what
 * failed), the watched site's note, the tab's state, the notice, and the badge from that state.
 */
async function after(details, record, decision, chain, policy) {
  if (decision.report) {
    (async () => reports.onVerdict(record, details, chain, policy ?? await loadPolicy()))()
      .catch((e) => console.warn('Pinwatch: could not report a verdict', e));
  }
  if (decision.errorBadge && details.tabId >= 0) actions.showBadge(details.tabId, record).catch(() => {});
  // A watched host: when it was last seen under its CA, or the change of CA (watch.js).
  watch.noteVerdict(record).catch((e) => console.warn('Pinwatch: could not note a watched site', e));
  try {
    const stored = await verdicts.recordVerdict(details.tabId, record);
    if (decision.notify) await notices.notify(record, details.tabId);
    // Refreshed here as well as when a navigation commits (tabs.onUpdated): where the verdict
    // comes after the fact (Chromium) it can be stored after the tab already completed, and a
    // sub-resource changes no navigation at all.
    if (stored) await actions.refreshBadge(details.tabId);
  } catch (e) {
    console.warn('Pinwatch: could not record or show a verdict', e);
  }
}

/**
 * Stops a main-frame response and puts the warning page in its tab. The warning page is not
 * web-accessible, so a redirect to it is refused (NS_ERROR_DOM_BAD_URI): the response is
 * cancelled (its body never reaches the page) and the tab is navigated to the warning page.
 * Where webRequest cannot block, the page may have started; the tab is navigated all the same.
 */
function showWarningPage(details, url) {
  if (details.tabId >= 0) {
    api.tabs.update(details.tabId, { url }).catch((e) => console.error('Pinwatch: could not show the warning page', e));
  }
  return { cancel: true };
}
