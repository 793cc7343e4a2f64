// The WASM module, instantiated once per wake, and the core's free functions as async calls
// that load it first. engine.js builds the engine on top of this and re-exports these; modules
// that engine.js itself imports (settings.js) take them from here, so no import goes in a circle.

import init, * as firstGlue from '../wasm/pinwatch.js';
import { api } from '../shared/compat.js';

export const WASM_PATH = 'wasm/pinwatch_bg.wasm';

let wasmReady = null;
/** The generated glue in use, with its one instance; replaced after a trap (`renewInstance`). */
let wasm = firstGlue;
let generation = 0;
let renewing = null;

/** The glue in use: `core().Engine` builds on the instance that is not broken. */
export function core() {
  return wasm;
}

/** Whether `e` is a trap of the WebAssembly instance (a Rust panic aborts into one). */
export function isTrap(e) {
  return typeof WebAssembly !== 'undefined' && e instanceof WebAssembly.RuntimeError;
}

/**
 * A fresh instance after a trap: a trapped instance may misbehave afterwards (its memory is as
 * the abort left it), so nothing is asked of it again. The generated glue keeps one instance per
 * module, so the fresh one comes from the glue imported anew under another address (its own
 * instance and its own finalisers). Where a module cannot be imported again (a service worker
 * refuses `import()`), the extension restarts: that, too, is a fresh instance. Concurrent traps
 * share one renewal.
 */
export function renewInstance() {
  renewing ??= (async () => {
    generation += 1;
    try {
      const fresh = await import(`../wasm/pinwatch.js?instance=${generation}`);
      await fresh.default({ module_or_path: api.runtime.getURL(WASM_PATH) });
      wasm = fresh;
    } catch (e) {
      console.error('Pinwatch: no fresh WebAssembly instance could be made; restarting', e);
      api.runtime.reload();
      throw e;
    }
  })().finally(() => { renewing = null; });
  return renewing;
}

/** Milliseconds spent in this wake, for the options page and perf measurements. */
export const timings = { wasmMs: null, buildMs: null, builds: 0, compiles: 0 };

export function loadWasm() {
  wasmReady ??= (async () => {
    const t0 = performance.now();
    await init({ module_or_path: api.runtime.getURL(WASM_PATH) });
    timings.wasmMs = performance.now() - t0;
  })();
  return wasmReady;
}

/** Whether two `{keys, threshold}` objects are the same signer set (the core decides; other fields are ignored). */
export async function sameSigners(a, b) {
  await loadWasm();
  return wasm.sameSigners(a, b);
}

/** What a verdict does (the core's `decision::decide`). Synchronous: the engine that produced the
 * verdict has loaded the module; throws when it never loaded (our own failure). */
export function decide(situation) {
  return wasm.decide(situation);
}
