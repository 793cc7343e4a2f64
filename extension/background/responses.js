// The path of one response: from a listener's details, through the judge (judge-loop.js), to the
// decision applied (apply.js); and a check that failed or ran out of time.

import { api, blockingGranted, features } from '../shared/compat.js';
import * as actions from '../shared/actions.js';
import { hostOf, upgradedUrl } from '../shared/url.js';
import * as verdicts from '../shared/verdicts.js';
import { ACT, COMPANION_FAILURE, FAILURE, FAILURE_SOURCE, MODE, PAGE_PLAN, REASON_CODE, STATUS } from '../shared/vocabulary.js';
import { apply } from './apply.js';
import * as capture from './capture.js';
import * as engine from './engine.js';
import { KEPT_CAS_KEY } from './engine.js';
import { exposureOf } from './known-exposure.js';
import { judgeResponse } from './judge-loop.js';
import { heldListenerRegistered, pinnedFilterCovers } from './listeners.js';
import { companionHere, pagePlan } from './page-plan.js';
import { forPage as rootsForPage } from './added-roots.js';
import { decide } from './wasm-core.js';

/** A response is never held longer than this because of us: past it the page goes through. */
const HANDLER_LIMIT_MS = 5000;

const TIMED_OUT = Symbol('timed out');

/**
 * A plain http:// or ws:// request to a host of the pinned filter, before it is sent: upgraded to
 * https:// or wss:// when the engine enforces the host (as HSTS would), so that the connection
 * has a chain to check; warn- and report-mode hosts are left as they are (their entries ask for
 * no interference). If the engine cannot be asked in time, the request goes as it was: our own
 * failure (docs/design.md#fail-open-for-our-own-errors); nothing the network sends is involved
 * before the request leaves.
 */
export async function onPlainRequest(details) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(null), HANDLER_LIMIT_MS);
  });
  try {
    // Known from the last build without waiting for this one: a wake's first requests go
    // upgraded however long the engine takes.
    if (exposureOf(hostOf(details.url))?.mode === MODE.enforce) return upgraded(details);
    const ctx = await Promise.race([engine.getEngine(), limit]);
    if (!ctx || ctx.engine.modeFor(hostOf(details.url)) !== MODE.enforce) return {};
    return upgraded(details);
  } catch (e) {
    console.error('Pinwatch: could not decide whether to upgrade', details.url, e);
    engine.renewIfTrap(e);
    return {};
  } finally {
    clearTimeout(timer);
  }
}

function upgraded(details) {
  const redirectUrl = upgradedUrl(details.url);
  return redirectUrl ? { redirectUrl } : {};
}

/**
 * Every https main frame. Where nothing could stop the page (an unpinned host, no block list),
 * the response is not held at all: it is released at once, synchronously, and the verdict is
 * recorded after, for the popup. Everything else is held until judged (`onHeaders`).
 */
export function onMainFrame(details) {
  const ctx = engine.builtEngine();
  let plan = PAGE_PLAN.hold;
  try {
    if (ctx) plan = pagePlan(ctx, hostOf(details.url));
  } catch (e) {
    // The core failed before anything was read (a trap, too): the page is held and judged,
    // where a trap is decided by a fresh instance. An exception out of this listener would
    // let the response through unjudged.
    console.warn('Pinwatch: no plan for a page; it is held and judged', e);
  }
  if (plan !== PAGE_PLAN.hold) {
    // Asked now, while the browser still holds the response (it answers only then), and
    // awaited after the response is released: the page does not wait for the answer.
    const reading = plan === PAGE_PLAN.releaseRead ? capture.readChain(details, { der: false }) : null;
    queueMicrotask(() => noteUnheld(details, ctx, reading).catch((e) => {
      console.warn('Pinwatch: could not note an unpinned page', e);
      engine.renewIfTrap(e);
    }));
    return {};
  }
  return onHeaders(details);
}

/**
 * A page the main-frame listener does not hold. A pinned host's page is the pinned listener's;
 * one of a host pinned since that filter was made (it is refreshed after every build) is judged
 * here, after the fact, rather than not at all.
 */
export function onUnheldPage(details) {
  const host = hostOf(details.url);
  engine.getEngine().then(async (ctx) => {
    // Nothing could come of this page's chain: it is not even read (reading it costs the page
    // load time in the browser); the record says only that the host is not pinned.
    if (!ctx.engine.isPinned(host)) return noteUnheld(details, ctx, null);
    if (!pinnedFilterCovers(host)) return onHeaders(details);
    return undefined;
  }).catch((e) => {
    console.warn('Pinwatch: could not note a page', e);
    engine.renewIfTrap(e);
  });
}

/**
 * A page that was not held (nothing could stop it), recorded for the popup: `reading` is the
 * chain's digests being read (a root added to this computer is noticed), or null when nothing
 * could come of the chain at all and it is not even read.
 */
async function noteUnheld(details, ctx, reading) {
  const { outcome, cap } = await judgeResponse(ctx.engine, details, { held: false, read: reading !== null }, { firstCapture: reading });
  const record = recordOf(outcome, details, cap, null);
  record.held = false;
  apply(details, record, outcome.decision, ctx, [], { decided: null });
}

/**
 * A response to judge. Its time limit runs from here: the engine must be ready within it (else
 * the core decides a time-out), and the judge's own deadlines count from the same moment.
 */
export async function onHeaders(details) {
  const seen = { record: null, ctx: null, decided: null, startedAt: Date.now() };
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), HANDLER_LIMIT_MS);
  });
  try {
    const ready = await Promise.race([engine.getEngine(), limit]);
    clearTimeout(timer);
    if (ready === TIMED_OUT) return failed(details, FAILURE.timedOut, seen, null);
    seen.ctx = ready;
    return await handle(details, seen);
  } catch (e) {
    if (seen.decided) return seen.decided;
    return engine.isTrap(e) ? afterTrap(details, seen, e) : failed(details, FAILURE.ownError, seen, e);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * The core trapped while judging this response: the broken instance is replaced first, then the
 * fresh core decides (`trapped`: a stop on an enforced host, the error badge elsewhere). Should
 * no fresh instance come, the decision falls to `failed`'s own-failure answer.
 */
async function afterTrap(details, seen, error) {
  try {
    seen.ctx = await engine.renewAfterTrap();
  } catch (e) {
    console.error('Pinwatch: the core could not be renewed after a trap', e);
  }
  return failed(details, FAILURE.trapped, seen, error);
}

async function handle(details, seen) {
  const { ctx } = seen;
  const host = hostOf(details.url);
  // The held listener takes pinned hosts only (its filter may cover every host).
  if (details.held && !ctx.engine.isPinned(host)) return {};
  const held = features.blockingWebRequest || details.held === true;
  // Whether the blocking listener (Chromium installed by policy) receives this response too;
  // the judge decides what that means.
  const heldElsewhere = !held && heldListenerRegistered() && pinnedFilterCovers(host) && ctx.engine.isPinned(host)
    && await blockingGranted();
  const start = { held, heldElsewhere, companion: companionHere(ctx), now: seen.startedAt };
  const addedRoots = await rootsForPage(ctx, details, { held, scope: start.companion });
  if (addedRoots.length) start.addedRoots = addedRoots;
  const { outcome, cap, companionNote, ms } = await judgeResponse(ctx.engine, details, start);
  if (outcome.keptChanged) keepCas(ctx);
  if (!outcome.record) {
    seen.decided = {};
    return seen.decided;
  }
  const record = recordOf(outcome, details, cap, companionNote);
  // Chromium installed by policy holds pinned hosts' responses: this one was not let through.
  if (details.held) record.afterTheFact = false;
  record.ms = ms;
  seen.record = record;
  return apply(details, record, outcome.decision, ctx, cap?.chain ?? [], seen);
}

/** The CA certificates the judge keeps for completion, stored for the next wake. */
function keepCas(ctx) {
  const kept = ctx.engine.takeKept();
  if (kept) api.storage.local.set({ [KEPT_CAS_KEY]: kept }).catch((e) => console.warn('Pinwatch: could not keep CA certificates', e));
}

/**
 * The record of a judged response: the verdict with what the browser and the companion said
 * beside it. Without a verdict (the time limit ran out first), what the decision was made on.
 */
function recordOf(outcome, details, cap, note) {
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
    record = verdicts.makeRecord(outcome.verdict, details, seenCap);
  } else {
    record = verdicts.errorRecord(details, `no verdict within ${HANDLER_LIMIT_MS} ms`);
    if (outcome.decision.act !== ACT.pass) {
      record.status = STATUS.unverifiable;
      verdicts.withReason(record, REASON_CODE.notCheckedInTime, { seconds: String(HANDLER_LIMIT_MS / 1000) });
    }
  }
  if (outcome.decision.errorBadge && outcome.decision.act !== ACT.stop) record.status = verdicts.ERROR_STATUS;
  // The companion named the root this verdict is about (its hello), whether or not the chain showed it.
  if (outcome.addedRoot) record.addedRoot = { ...outcome.addedRoot, seenBy: 'companion-hello' };
  record.judgedFrom = outcome.judgedFrom;
  record.overridden = outcome.overridden;
  // For pages, the browser's own digests of the chain (tests compare them with the core's).
  if (details.type === 'main_frame' && cap?.digests) record.browserDigests = cap.digests;
  return record;
}

/**
 * A check that failed or never ended. The core decides (decision::decide): Pinwatch's own
 * failure passes with the error badge; running out of time stops an enforced pinned host,
 * because an interceptor can always make a check slow, and is warned and reported where any
 * verdict would warn or report; a stop already reached stands. Without an engine (it was still
 * being built) the host's exposure is the last build's (known-exposure.js).
 */
function failed(details, failure, seen, error) {
  if (error) console.error('Pinwatch: internal error while checking', details.url, error);
  const host = hostOf(details.url);
  const record = seen.record ?? verdicts.errorRecord(details, error ?? `no verdict within ${HANDLER_LIMIT_MS} ms`);
  let decision;
  try {
    const exposure = exposureNow(seen.ctx, host);
    decision = decide({
      status: seen.record?.status,
      mode: seen.record?.mode ?? exposure?.mode ?? undefined,
      mayWarn: exposure?.mayWarn === true,
      failure,
      chainOffered: false,
      unreadable: seen.record?.unreadable === true,
      allowOverride: seen.ctx?.policy.allowUserOverride !== false,
    });
  } catch (e) {
    // The core itself cannot be asked (no WebAssembly): our own failure, which passes.
    console.error('Pinwatch: no decision could be made', e);
    decision = { act: ACT.pass, errorBadge: true, report: false };
  }
  if (decision.errorBadge && details.tabId >= 0) {
    const errorRecord = verdicts.errorRecord(details, error ?? failure);
    // The badge first: storage may be what failed.
    actions.showBadge(details.tabId, errorRecord).catch(() => {});
    verdicts.recordVerdict(details.tabId, errorRecord).catch(() => {});
    return {};
  }
  if (!seen.record) {
    // Stopped without a verdict: nothing was judged, so nothing is claimed but that.
    record.status = STATUS.unverifiable;
    if (failure === FAILURE.timedOut) verdicts.withReason(record, REASON_CODE.notCheckedInTime, { seconds: String(HANDLER_LIMIT_MS / 1000) });
    if (failure === FAILURE.trapped) verdicts.withReason(record, REASON_CODE.coreTrapped, {});
  }
  return apply(details, record, decision, seen.ctx, [], seen);
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
