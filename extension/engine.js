// The WASM engine: instantiated once per wake of the background, built from the state in
// storage (settings.js), rebuilt when that state changes. Nothing here outlives an unload.

import init, { Engine, normalizePin, readPayload } from './wasm/pinwatch.js';
import { api } from './compat.js';
import { engineInputs } from './settings.js';

export const WASM_PATH = 'wasm/pinwatch_bg.wasm';

let wasmReady = null;
let current = null;

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
 * The engine and what callers need beside it: `{engine, policy, user, problems,
 * pinnedHosts, hasBlockList}`. Concurrent callers share one build.
 */
export function getEngine() {
  current ??= build().catch((e) => {
    current = null; // a failed build is retried on the next request
    throw e;
  });
  return current;
}

/**
 * Drops the engine; the next `getEngine()` builds a new one from storage. The old one is not
 * freed here: a check in flight may still hold it (wasm-bindgen's finaliser frees it later).
 */
export function invalidate() {
  current = null;
}

async function build() {
  await loadWasm();
  const inputs = await engineInputs();
  const t0 = performance.now();
  const engine = new Engine(inputs.sources, inputs.engineSettings);
  timings.buildMs = performance.now() - t0;
  return {
    engine,
    policy: inputs.policy,
    user: inputs.user,
    problems: [...inputs.problems, ...engine.problems()],
    pinnedHosts: engine.pinnedHosts(),
    hasBlockList: engine.hasBlockList(),
  };
}

/** Seconds since the epoch, as the engine takes them. */
export function nowSecs() {
  return Math.floor(Date.now() / 1000);
}

/** A pin in base64 or colon hex, normalised; throws when it is neither. */
export async function cleanPin(text) {
  await loadWasm();
  return normalizePin(text);
}

/** Summary of a payload, or throws the reason it is not one. */
export async function payloadInfo(text) {
  await loadWasm();
  return readPayload(text);
}

/** What the engine would say is wrong with one source, without using it. */
export async function sourceProblems(source) {
  await loadWasm();
  const trial = new Engine([source], {});
  try {
    return trial.problems().map((p) => p.error);
  } finally {
    trial.free();
  }
}
