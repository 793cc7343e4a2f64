// What the record of one response says: the verdict with what the browser and the companion said
// beside it, or, where no verdict came, what the decision was made on. Made once per response
// and then only read: by the tab's state (shared/verdicts.js), the pages, the watch and reports.

import { features } from '../shared/compat.js';
import { ERROR_STATUS } from '../shared/verdicts.js';
import { ACT, COMPANION_FAILURE, FAILURE, FAILURE_SOURCE, MEANING, REASON_CODE, REASON_ENGLISH, STATUS } from '../shared/vocabulary.js';

/**
 * A response is never held longer than this because of us (responses.js): past it the core
 * decides a time-out, and the record says how long it waited.
 */
export const CHECK_LIMIT_MS = 5000;

/**
 * The record of a judged response: the verdict with what the browser and the companion said
 * beside it. Without a verdict (the time limit ran out first), what the decision was made on.
 */
export function judgedRecord(outcome, details, host, cap, note) {
  const failure = (source) => outcome.failures.find((f) => f.source === source);
  const companionFailure = failure(FAILURE_SOURCE.companion);
  const seenCap = {
    ...(cap ?? {}),
    tier: outcome.companion ? `${cap?.tier && cap.tier !== 'none' ? `${cap.tier}+` : ''}companion` : outcome.tier ?? cap?.tier,
    builtInRoot: outcome.builtInRoot ?? undefined,
    cannotVerify: outcome.cannotVerify,
    error: cap?.error,
    companion: outcome.companion ? { ...outcome.companion, proxy: note?.proxy ?? null, proxyNote: note?.proxyNote ?? null } : null,
    companionError: companionFailure ? note?.error ?? companionFailure.code : null,
    companionMissing: companionFailure?.code === COMPANION_FAILURE.missing,
  };
  let record;
  if (outcome.verdict) {
    record = { ...fromVerdict(outcome.verdict, seenCap), url: details.url, type: details.type };
  } else {
    // The failure that left no verdict (our own, such as a module that did not load), or the time limit.
    const own = outcome.failures.findLast((f) => f.meaning === MEANING.ownFault);
    record = errorRecord(details, host, own ? `${own.source}: ${own.code}` : `no verdict within ${CHECK_LIMIT_MS} ms`);
    if (outcome.decision.act !== ACT.pass) {
      record.status = STATUS.unverifiable;
      withReason(record, REASON_CODE.notCheckedInTime, { seconds: String(CHECK_LIMIT_MS / 1000) });
    }
  }
  if (outcome.decision.errorBadge && outcome.decision.act !== ACT.stop) record.status = ERROR_STATUS;
  // The companion named the root this verdict is about (its hello), whether or not the chain showed it.
  if (outcome.addedRoot) record.addedRoot = { ...outcome.addedRoot, seenBy: 'companion-hello' };
  record.judgedFrom = outcome.judgedFrom;
  record.overridden = outcome.overridden;
  // For pages, the browser's own digests of the chain (tests compare them with the core's).
  if (details.type === 'main_frame' && cap?.digests) record.browserDigests = cap.digests;
  return record;
}

/**
 * The record of a check that failed or never ended (`failure`, one of FAILURE), for the
 * core's `decision`: Pinwatch's own error where the decision is the error badge; otherwise
 * that nothing was judged, so nothing is claimed but that.
 */
export function failedRecord(details, host, failure, error, decision) {
  if (decision.errorBadge) return errorRecord(details, host, error ?? failure);
  const record = errorRecord(details, host, error ?? `no verdict within ${CHECK_LIMIT_MS} ms`);
  record.status = STATUS.unverifiable;
  if (failure === FAILURE.timedOut) withReason(record, REASON_CODE.notCheckedInTime, { seconds: String(CHECK_LIMIT_MS / 1000) });
  if (failure === FAILURE.trapped) withReason(record, REASON_CODE.coreTrapped, {});
  return record;
}

/**
 * The verdict as stored, but for the request's address and type: everything the popup and the
 * warning page show, nothing more.
 */
function fromVerdict(verdict, capture) {
  return {
    status: verdict.status,
    reason: verdict.reason,
    // The reason as the core's code and parameters, rendered in the reader's language (ui.reasonText).
    reasonCode: verdict.reasonCode ?? null,
    reasonParams: verdict.reasonParams ?? null,
    host: verdict.host,
    action: verdict.action ?? null,
    mode: verdict.mode ?? null,
    unreadable: verdict.unreadable === true,
    chainKey: verdict.chainKey ?? '',
    entry: verdict.entry ?? null,
    pinset: verdict.pinset ?? null,
    matched: verdict.matched ?? null,
    chain: verdict.chain ?? [],
    leafOnly: Boolean(verdict.leafOnly),
    list: verdict.list ?? null,
    // How the chain was linked by signatures, when no browser built it (leaf tier).
    path: verdict.path ?? null,
    // The companion's look (companion.js): how long, whether cached, what it could verify, and
    // whether its leaf differed from the browser's; or why it could not look.
    companion: capture?.companion ? { ...capture.companion, companionLeaf: undefined } : null,
    companionError: capture?.companionError ?? null,
    companionMissing: capture?.companionMissing === true,
    tier: capture?.tier ?? null,
    captureError: capture?.error ?? null,
    // No tier could read anything because the browser offers none (popup: how to enable one).
    cannotVerify: capture?.cannotVerify === true,
    // The browser let the response through before the verdict (Chromium: no blocking webRequest).
    afterTheFact: !features.blockingWebRequest,
    builtInRoot: typeof capture?.builtInRoot === 'boolean' ? capture.builtInRoot : null,
    // Firefox's subjects of the chain, leaf first (capped: attacker-written text).
    subjects: Array.isArray(capture?.subjects) ? capture.subjects.slice(0, 8).map((t) => String(t).slice(0, 300)) : null,
    // Firefox's Certificate Transparency status of the connection, when it gives one.
    ctStatus: capture?.ctStatus ?? null,
    // The browser's own rating of the connection ('secure', 'weak', 'broken', …), when it gives
    // one; anything but 'secure' is shown in the popup and put into reports.
    securityState: capture?.state ?? null,
    time: Date.now(),
  };
}

/**
 * Gives a record made without a verdict its reason as the core's code (`REASON_CODE`), with the
 * core's English beside it as a verdict's record has it; the pages render the code.
 */
function withReason(record, code, params) {
  record.reasonCode = code;
  record.reasonParams = params;
  record.reason = REASON_ENGLISH[code].replace(/\{(\w+)\}/g, (_, name) => params[name] ?? '');
  return record;
}

/** A record for an internal error: the page was let through. `host` as the engine writes a verdict's. */
function errorRecord(details, host, error) {
  return withReason({
    status: ERROR_STATUS,
    host: host ?? '',
    url: details.url,
    type: details.type,
    action: null, entry: null, pinset: null, matched: null, chain: [], leafOnly: false, list: null,
    tier: null, captureError: null,
    time: Date.now(),
  }, REASON_CODE.ownError, { error: String(error?.message ?? error).slice(0, 300) });
}
