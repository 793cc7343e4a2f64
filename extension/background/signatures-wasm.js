// The signature module (crate/wasm-signatures, shipped in wasm/signatures/): the signature
// arithmetic (RSA, ECDSA, Ed25519) a judge asks for when a chain no browser built is linked by
// signatures (Chromium's leaf and companion tiers). A chain the browser built needs none, so
// this code stays out of the module every wake loads. The glue is imported with the background
// (a service worker cannot import() later); the module is instantiated on the first need and
// kept for the wake. What a failure here means is the core's table (source `signatures`).

import init, * as glue from '../wasm/signatures/pinwatch.js';
import { api } from '../shared/compat.js';
import { isTrap } from './wasm-core.js';
import { SIGNATURE_FAILURE } from '../shared/vocabulary.js';

export const SIGNATURES_WASM_PATH = 'wasm/signatures/pinwatch_bg.wasm';

let ready = null;
/**
 * Set by a trap: a trapped instance is not asked again, and the glue keeps one instance, so
 * the rest of the wake answers `stopped` (what the signatures would have linked stays unlinked).
 */
let stopped = false;

function load() {
  ready ??= init({ module_or_path: api.runtime.getURL(SIGNATURES_WASM_PATH) }).catch((e) => {
    ready = null;
    throw e;
  });
  return ready;
}

/**
 * The judge's checks verified: `{verified}` (a `Uint8Array`, 1 per check that verified), or
 * `{failure}` with a `SignatureFailure` code. `checks`: `judge.askedSignatures()`.
 */
export async function verifySignatures(checks) {
  if (stopped) return { failure: SIGNATURE_FAILURE.stopped };
  try {
    await load();
  } catch (e) {
    console.error('Pinwatch: the signature module did not load', e);
    return { failure: SIGNATURE_FAILURE.unavailable };
  }
  try {
    return { verified: glue.verifySignatures(checks) };
  } catch (e) {
    if (!isTrap(e)) throw e;
    stopped = true;
    return { failure: SIGNATURE_FAILURE.stopped };
  }
}
