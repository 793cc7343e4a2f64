// The AIA adapter: fetches the CA certificate at a URL the judge names (a certificate's AIA
// `caIssuers`), within the judge's deadline and a size bound, and reports what happened. Which
// URLs are asked for, what a fetched certificate proves (only what its verified signature links)
// and which ones are kept are the core's (judge/mod.rs, judge/memory.rs); so is what a failure
// means. Plain http:// is fine: nothing fetched counts by its presence.

import { readBody } from './bounded-body.js';
import { ISSUER_FAILURE } from '../shared/vocabulary.js';

/** The largest body read; the core refuses larger ones too. */
export const MAX_BYTES = 1024 * 1024;

/** Fetches started in this wake (tests and the options page read it). */
export const stats = { fetches: 0 };

// The responses of a page ask for the same URL at once: one fetch, shared while it runs.
const inFlight = new Map(); // url → promise of {body} | {failure}

/** `{body: Uint8Array}` or `{failure}` (an issuer failure code). Never throws. */
export function fetchIssuer(url, deadline) {
  let running = inFlight.get(url);
  if (!running) {
    running = fetchOnce(url, deadline).finally(() => inFlight.delete(url));
    inFlight.set(url, running);
  }
  return running;
}

async function fetchOnce(url, deadline) {
  if (!/^https?:\/\//i.test(url)) return { failure: ISSUER_FAILURE.refused };
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadline - Date.now()));
  try {
    stats.fetches += 1;
    const response = await fetch(url, { credentials: 'omit', cache: 'no-store', referrerPolicy: 'no-referrer', signal: controller.signal });
    if (!response.ok) return { failure: ISSUER_FAILURE.httpStatus };
    const body = await readBody(response, MAX_BYTES);
    return { body };
  } catch (e) {
    if (controller.signal.aborted) return { failure: ISSUER_FAILURE.timedOut };
    return { failure: /more than the/.test(String(e?.message)) ? ISSUER_FAILURE.tooLarge : ISSUER_FAILURE.network };
  } finally {
    clearTimeout(timer);
  }
}
