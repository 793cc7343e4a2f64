// The warning page. Its details come from Pinwatch's own session state for this tab, found by
// the random nonce in the address; nothing in the address is shown or trusted as data.

import { api } from './compat.js';
import * as verdicts from './verdicts.js';
import { chainMarks, chainTable, el, entryView, expectedPins, fill, listView, when } from './ui.js';

const HEADLINES = {
  mismatch: (host) => `The connection to ${host} may be intercepted`,
  blocked: (host) => `The certificate of ${host} is known to be compromised`,
};

const SUMMARIES = {
  mismatch: 'The certificates this site presented do not carry the keys that the pin list expects for it. '
    + 'Someone between you and the site (a proxy, malicious software or a wrongly issued certificate) may be able to read '
    + 'and change everything you send, including passwords. Pinwatch stopped the page before it loaded.',
  blocked: 'This connection uses a certificate or key that is on the list of known-compromised ones. '
    + 'Whoever holds it can impersonate the site. Pinwatch stopped the page before it loaded.',
};

/** Chromium: the verdict came after the response (no blocking webRequest); said plainly. */
const AFTER_THE_FACT = 'This browser does not let extensions hold a response until it is checked: the response '
  + 'from this site had already arrived, and the page may have started to load, when Pinwatch replaced it with this '
  + 'warning. Treat anything you typed into that page in that moment as seen.';

function summary(r) {
  const text = SUMMARIES[r.status] ?? SUMMARIES.mismatch;
  return r.afterTheFact ? text.replace(/ Pinwatch stopped the page before it loaded\.$/, '') : text;
}

async function main() {
  const nonce = location.hash.slice(1);
  const tab = await api.tabs.getCurrent();
  const warning = tab && nonce ? await verdicts.getWarning(tab.id, nonce) : null;
  document.getElementById('back').addEventListener('click', goBack);
  if (!warning) {
    fill('summary', 'Pinwatch stopped a page in this tab.');
    document.getElementById('no-details').hidden = false;
    return;
  }
  const r = warning.record;
  const headline = (HEADLINES[r.status] ?? HEADLINES.mismatch)(r.host);
  document.title = `Pinwatch: ${headline}`;
  fill('title', headline);
  fill('summary', summary(r));
  if (r.afterTheFact) {
    fill('after-the-fact', AFTER_THE_FACT);
    document.getElementById('after-the-fact').hidden = false;
  }
  fill('host', r.host);
  fill('url', r.url);
  fill('reason', r.reason);
  fill('time', when(r.time));
  fill('expected', r.status === 'blocked' && !r.pinset
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
  if (warning.allowOverride) {
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
  } else if (r.status === 'blocked') {
    note.hidden = false;
    fill(note, 'A known-compromised certificate cannot be bypassed.');
  } else {
    note.hidden = false;
    fill(note, 'Your organisation does not allow proceeding past this warning.');
  }
}

function goBack() {
  if (history.length > 1) history.back();
  else location.replace('about:blank');
}

main().catch((e) => {
  fill('summary', `Pinwatch stopped a page in this tab, but its details could not be shown (${e.message}).`);
});
