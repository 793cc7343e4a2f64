// Runs the core's judge for one response (crate/core/src/judge): asks it what it needs, has the
// adapter for that need do the I/O (capture.js, companion.js, aia.js, the override record
// in verdicts.js, the signature module), and feeds the answer back, until the judge hands over its outcome. Every
// answer may be a failure code; a need that is not met by the judge's deadline is fed as
// `timed-out`. Nothing here decides what an answer means: the core's table does.

import * as capture from './capture.js';
import * as companion from './companion.js';
import { fetchIssuer } from './aia.js';
import { verifySignatures } from './signatures-wasm.js';
import * as verdicts from '../shared/verdicts.js';
import { OVERRIDE_FAILURE } from '../shared/vocabulary.js';

// Every source has this code; what it means is the source's row in the core's table.
const TIMED_OUT = OVERRIDE_FAILURE.timedOut;

/** `{value}`, or `{timedOut: true}` once `deadline` (ms since the epoch) has passed. */
function byDeadline(promise, deadline) {
  let timer;
  const limit = new Promise((resolve) => {
    timer = setTimeout(() => resolve({ timedOut: true }), Math.max(0, deadline - Date.now()));
  });
  return Promise.race([promise.then((value) => ({ value })), limit]).finally(() => clearTimeout(timer));
}

/** The capture as the judge takes it: the description beside the DER. */
function forJudge(cap) {
  return {
    tier: cap.tier,
    state: cap.state,
    digests: cap.digests ? capture.digestWords(cap.digests) : undefined,
    builtInRoot: cap.builtInRoot,
    failure: cap.failure,
    ownLeaf: cap.ownLeaf ? base64(cap.ownLeaf) : undefined,
    untrusted: cap.untrusted === true,
    overriddenError: cap.overriddenError,
  };
}

function base64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

/**
 * The adapters, one per need: each does its I/O and feeds the judge. `run` holds what the
 * record shows beside the verdict (the last capture, the companion's notes).
 */
const io = {
  async chain(judge, step, details, run) {
    const reading = run.firstCapture && !step.der ? run.firstCapture : capture.readChain(details, { der: step.der });
    run.firstCapture = null;
    const got = await byDeadline(reading, step.deadline);
    if (got.timedOut) return judge.feedFailure(TIMED_OUT);
    run.cap = got.value;
    return judge.feedChain(forJudge(got.value), got.value.chain ?? []);
  },
  async companion(judge, step, details, run) {
    const got = await byDeadline(companion.look(details, { fresh: step.fresh }), step.deadline);
    if (got.timedOut) return judge.feedFailure(TIMED_OUT);
    run.companionNote = got.value.note;
    return judge.feedCompanion(got.value.answer);
  },
  async issuer(judge, step) {
    const got = await byDeadline(fetchIssuer(step.url, step.deadline), step.deadline);
    if (got.timedOut) return judge.feedFailure(TIMED_OUT);
    return got.value.failure ? judge.feedIssuer(undefined, got.value.failure) : judge.feedIssuer(got.value.body, undefined);
  },
  async override(judge, step, details, run) {
    // Read directly, not through the storage queue a flood of verdicts fills.
    const reading = verdicts.hasOverride(details.tabId, step.host ?? run.host, step.chainKey)
      .then((overridden) => ({ overridden }), () => ({ failure: OVERRIDE_FAILURE.storage }));
    const got = await byDeadline(reading, step.deadline);
    if (got.timedOut) return judge.feedFailure(TIMED_OUT);
    return judge.feedOverride(got.value.overridden === true, got.value.failure);
  },
  async signatures(judge, step) {
    const got = await byDeadline(verifySignatures(judge.askedSignatures()), step.deadline);
    if (got.timedOut) return judge.feedFailure(TIMED_OUT);
    return got.value.failure ? judge.feedFailure(got.value.failure) : judge.feedSignatures(got.value.verified);
  },
};

/**
 * The judge's outcome for `details`, with what the record needs beside it: `{outcome, cap,
 * companionNote, ms}`. `start`: what the listener knows (`host`, `held`, `companion` scope, `read`);
 * `firstCapture`: a capture already started (digests), used for the first chain need.
 */
export async function judgeResponse(engine, details, start, { firstCapture = null } = {}) {
  const judge = engine.judge({ type: details.type, canFetch: true, now: Date.now(), ...start });
  const run = { host: start.host, cap: null, companionNote: null, firstCapture };
  // Where the time went: the adapters' I/O, and the judge's own steps.
  const ms = { capture: 0, check: 0 };
  try {
    let t = performance.now();
    let step = judge.step();
    while (step.need) {
      const adapter = io[step.need];
      if (!adapter) throw new Error(`the judge asked for ${step.need}, which no adapter serves`);
      const asked = performance.now();
      ms.check += asked - t;
      step = await adapter(judge, step, details, run);
      t = performance.now();
      ms.capture += t - asked;
    }
    ms.check += performance.now() - t;
    return { outcome: step.outcome, cap: run.cap, companionNote: run.companionNote, ms };
  } finally {
    judge.free();
  }
}

