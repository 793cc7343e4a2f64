// The WASM module, instantiated once per wake, and the core's free functions as async calls
// that load it first. engine.js builds the engine on top of this and re-exports these; modules
// that engine.js itself imports (settings.js) take them from here, so no import goes in a circle.

import init, * as wasm from '../wasm/pinwatch.js';
import { api } from '../shared/compat.js';

export const WASM_PATH = 'wasm/pinwatch_bg.wasm';

let wasmReady = null;

/** Milliseconds spent in this wake, for the options page and perf measurements. */
export const timings = { wasmMs: null, buildMs: null };

export function loadWasm() {
  wasmReady ??= (async () => {
    const t0 = performance.now();
    await init({ module_or_path: api.runtime.getURL(WASM_PATH) });
    timings.wasmMs = performance.now() - t0;
  })();
  return wasmReady;
}

/**
 * Extra entries (raw values, as the user or policy wrote them) checked one by one by the core:
 * `{entries, errors}`, the entries normalised (host, canonical pins, mode).
 */
export async function checkExtraEntries(values) {
  await loadWasm();
  return wasm.checkExtraEntries(values);
}

/** Whether two `{keys, threshold}` objects are the same signer set (the core decides; other fields are ignored). */
export async function sameSigners(a, b) {
  await loadWasm();
  return wasm.sameSigners(a, b);
}

/** Facts of one DER certificate (synchronous, as `decide`); null when they cannot be read. */
export function certFacts(der) {
  try {
    return wasm.certFacts(der);
  } catch {
    return null;
  }
}

/** What a verdict does (the core's `decision::decide`). Synchronous: the engine that produced the
 * verdict has loaded the module; throws when it never loaded (our own failure). */
export function decide(situation) {
  return wasm.decide(situation);
}
