// The signed-list module (crate/wasm-lists, shipped in wasm/lists/): accepting a channel's list
// (envelope, signatures, rotation) is needed only when a list arrives, reading the engine's
// sources only when they changed, and checking extra entries and channels' keys only when the
// options page saves, so their code stays out of the module every wake loads and every response
// crosses. The glue is imported with the background (a service worker cannot import() later);
// the module itself is instantiated on first use and kept for the wake.

import init, * as glue from '../wasm/lists/pinwatch.js';
import { api } from '../shared/compat.js';
import { isTrap } from './wasm-core.js';

export const LISTS_WASM_PATH = 'wasm/lists/pinwatch_bg.wasm';

let ready = null;
/** Set by a trap: the instance is not asked again in this wake (see acceptList). */
let stopped = false;

function load() {
  ready ??= init({ module_or_path: api.runtime.getURL(LISTS_WASM_PATH) }).catch((e) => {
    ready = null;
    throw e;
  });
  return ready;
}

/**
 * Runs `call` on the loaded module. Throws (with `code: "not-checked"`) for a module that did not
 * load or stopped: a trap is our bug, and the next wake has a fresh instance. Other errors (a
 * malformed argument) pass through.
 */
async function inModule(call) {
  if (stopped) throw notChecked('the signed-list module stopped in this wake; the next wake reads lists again');
  try {
    await load();
  } catch (e) {
    throw notChecked(`the signed-list module did not load (${e?.message ?? e})`);
  }
  try {
    return call();
  } catch (e) {
    if (!isTrap(e)) throw e;
    stopped = true;
    throw notChecked(`the signed-list module stopped (${e.message})`);
  }
}

/**
 * The core's decision on a fetched envelope (`acceptList`): `{accepted: true, payload, trust,
 * info, signedBy, rotated}` or `{accepted: false, code, reason}`. Throws for malformed arguments,
 * and (`not-checked`) when the module cannot answer: the list in force stays.
 */
export function acceptList(envelope, trust, channel, nowSecs) {
  return inModule(() => JSON.parse(glue.acceptList(envelope, JSON.stringify(trust), JSON.stringify(channel ?? null), nowSecs)));
}

/**
 * Extra entries (raw values, as the user or policy wrote them) checked one by one by the core:
 * `{entries, errors}`, the entries normalised (host, canonical pins, mode). Throws for a value
 * that is not an array, and (`not-checked`) when the module cannot answer: nothing is saved.
 */
export function checkExtraEntries(values) {
  return inModule(() => JSON.parse(glue.checkExtraEntries(JSON.stringify(Array.isArray(values) ? values : null))));
}

/**
 * The engine's sources (as `Engine.fromCompiled` takes them) read once by the core:
 * `{compiled, problems}`. Each extra entry crosses as its JSON text, as the per-wake module reads
 * it, since the compiled form names the texts it was made from. Throws (`not-checked`) when the
 * module cannot answer: no engine is built in this wake.
 */
export function compileSources(sources) {
  const asTexts = sources.map((s) => (s.extraEntries ? { ...s, extraEntries: s.extraEntries.map((v) => JSON.stringify(v)) } : s));
  return inModule(() => JSON.parse(glue.compileSources(JSON.stringify(asTexts))));
}

/** A pasted public key read by the core: `{keyId, publicKey}` (canonical text); throws the reason. */
export function parsePublicKey(text) {
  return inModule(() => JSON.parse(glue.parsePublicKey(text)));
}

/** Our own failure, told apart from a malformed argument by its `code`. */
function notChecked(message) {
  return Object.assign(new Error(message), { code: 'not-checked' });
}
