// The path of one response: from a listener's details, through the judge (judge-loop.js) or,
// for a check that failed or ran out of time, the core's decision on it (failures.js), to the
// decision applied (apply.js).

import { api, features } from '../shared/compat.js';
import { hostOf, upgradedUrl } from '../shared/url.js';
import { ACT, FAILURE, MODE, PAGE_PLAN } from '../shared/vocabulary.js';
import { apply } from './apply.js';
import * as capture from './capture.js';
import * as engine from './engine.js';
import { KEPT_CAS_KEY } from './engine.js';
import { exposureOf } from './known-exposure.js';
import { failed } from './failures.js';
import { judgeResponse } from './judge-loop.js';
import { heldElsewhere, pinnedFilterCovers } from './listeners.js';
import { companionHere, pagePlan } from './page-plan.js';
import { forPage as rootsForPage } from './added-roots.js';
import { CHECK_LIMIT_MS, judgedRecord } from './record.js';

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
    timer = setTimeout(() => resolve(null), CHECK_LIMIT_MS);
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
  const host = hostOf(details.url);
  let plan = PAGE_PLAN.hold;
  try {
    if (ctx) plan = pagePlan(ctx, host);
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
    queueMicrotask(() => noteUnheld(details, host, ctx, reading).catch((e) => {
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
    if (!ctx.engine.isPinned(host)) return noteUnheld(details, host, ctx, null);
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
async function noteUnheld(details, host, ctx, reading) {
  const { outcome, cap } = await judgeResponse(ctx.engine, details, { host, held: false, read: reading !== null }, { firstCapture: reading });
  const record = judgedRecord(outcome, details, host, cap, null);
  record.held = false;
  apply(details, record, outcome.decision, ctx, []);
}

/**
 * A response to judge, and the core's decision about it applied. Its time limit runs from here:
 * the engine must be ready within it (else the core decides a time-out), and the judge's own
 * deadlines count from the same moment. A check that failed or ran out of time is decided by the
 * core on what is known of the host (failures.js).
 */
export async function onHeaders(details) {
  const seen = { host: hostOf(details.url), ctx: null, startedAt: Date.now() };
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), CHECK_LIMIT_MS);
  });
  let judged = null;
  let failure = FAILURE.timedOut;
  let error = null;
  try {
    const ready = await Promise.race([engine.getEngine(), limit]);
    clearTimeout(timer);
    if (ready !== TIMED_OUT) {
      seen.ctx = ready;
      judged = await judge(details, seen);
      if (!judged) return {};
    }
  } catch (e) {
    error = e;
    failure = engine.isTrap(e) ? FAILURE.trapped : FAILURE.ownError;
    // After a trap the broken instance is replaced first, and the fresh core decides (a stop on
    // an enforced host, the error badge elsewhere).
    if (failure === FAILURE.trapped) {
      seen.ctx = await engine.renewAfterTrap().catch((renewal) => {
        console.error('Pinwatch: the core could not be renewed after a trap', renewal);
        return seen.ctx;
      });
    }
  } finally {
    clearTimeout(timer);
  }
  judged ??= failed(details, seen.host, seen.ctx, failure, error);
  try {
    return apply(details, judged.record, judged.decision, seen.ctx, judged.chain);
  } catch (e) {
    // Our own failure while applying it: a stop still stops (the response is cancelled).
    console.error('Pinwatch: could not apply a decision', details.url, e);
    return judged.decision.act === ACT.stop ? { cancel: true } : {};
  }
}

/**
 * `{record, decision, chain}` of a response the engine is ready for: the judge's, with the
 * listener's facts; null when the judge has nothing to record.
 */
async function judge(details, seen) {
  const { ctx, host } = seen;
  // The held listener takes pinned hosts only (its filter may cover every host).
  if (details.held && !ctx.engine.isPinned(host)) return null;
  const held = features.blockingWebRequest || details.held === true;
  const start = {
    host,
    held,
    // Whether the blocking listener (Chromium installed by policy) receives this response too;
    // the judge decides what that means.
    heldElsewhere: !held && ctx.engine.isPinned(host) && await heldElsewhere(host),
    companion: companionHere(ctx),
    now: seen.startedAt,
  };
  const addedRoots = await rootsForPage(ctx, details, { held, scope: start.companion });
  if (addedRoots.length) start.addedRoots = addedRoots;
  const { outcome, cap, companionNote, ms } = await judgeResponse(ctx.engine, details, start);
  if (outcome.keptChanged) keepCas(ctx);
  if (!outcome.record) return null;
  const record = judgedRecord(outcome, details, host, cap, companionNote);
  // Chromium installed by policy holds pinned hosts' responses: this one was not let through.
  if (details.held) record.afterTheFact = false;
  record.ms = ms;
  return { record, decision: outcome.decision, chain: cap?.chain ?? [] };
}

/** The CA certificates the judge keeps for completion, stored for the next wake. */
function keepCas(ctx) {
  const kept = ctx.engine.takeKept();
  if (kept) api.storage.local.set({ [KEPT_CAS_KEY]: kept }).catch((e) => console.warn('Pinwatch: could not keep CA certificates', e));
}
