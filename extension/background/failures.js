// A check that failed or never ended (our own error, a trap of the core, the time limit): what
// the core decides of it, on what is known of the host without a verdict.

import { ACT } from '../shared/vocabulary.js';
import { exposureOf } from './known-exposure.js';
import { failedRecord } from './record.js';
import { decide } from './wasm-core.js';

/**
 * A check that failed or never ended. The core decides (decision::decide): Pinwatch's own
 * failure passes with the error badge; running out of time stops an enforced pinned host,
 * because an interceptor can always make a check slow, and is warned and reported where any
 * verdict would warn or report. Without an engine (it was still being built) the host's
 * exposure is the last build's (known-exposure.js). Answers as the judge's path does:
 * `{record, decision, chain}`.
 */
export function failed(details, host, ctx, failure, error) {
  if (error) console.error('Pinwatch: internal error while checking', details.url, error);
  let decision;
  try {
    const exposure = exposureNow(ctx, host);
    decision = decide({
      mode: exposure?.mode ?? undefined,
      mayWarn: exposure?.mayWarn === true,
      failure,
      chainOffered: false,
      unreadable: false,
      allowOverride: ctx?.policy.allowUserOverride !== false,
    });
  } catch (e) {
    // The core itself cannot be asked (no WebAssembly): our own failure, which passes.
    console.error('Pinwatch: no decision could be made', e);
    decision = { act: ACT.pass, errorBadge: true, report: false };
  }
  return { record: failedRecord(details, host, failure, error, decision), decision, chain: [] };
}

/** `{mode?, mayWarn}` of `host`: the engine's when there is one, else the last build's. */
function exposureNow(ctx, host) {
  try {
    if (ctx) return ctx.engine.exposure(host);
  } catch (e) {
    console.warn('Pinwatch: the engine could not say what a time-out means here', e);
  }
  return exposureOf(host);
}
