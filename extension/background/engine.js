// The WASM engine: instantiated once per wake, built from the state in storage (settings.js),
// rebuilt when that state changes; its sources as the signed-list module compiled them, kept
// between wakes. Nothing else here outlives an unload. Loading the module and the core's free
// functions live in wasm-core.js; they are re-exported here for the background.

import { api } from '../shared/compat.js';
import { remember } from './known-exposure.js';
import { compileSources } from './lists-wasm.js';
import { engineInputs } from './settings.js';
import { core, isTrap, loadWasm, renewInstance, timings } from './wasm-core.js';

/** Where the CA certificates the judge keeps for completion are stored between wakes. */
export const KEPT_CAS_KEY = 'caCertificates';
/**
 * Where the engine's sources are kept compiled between wakes (`list::compiled` in the core):
 * the form names the sources it was made from, and the per-wake module refuses it for others.
 */
export const COMPILED_KEY = 'compiledSources';

export { isTrap, loadWasm, sameSigners, timings, WASM_PATH } from './wasm-core.js';

/**
 * Rebuilds for changes in storage: at most `REBUILDS` start within `REBUILD_WINDOW_MS`; the
 * changes beyond share one rebuild when the window allows it. Anything that can write to storage
 * often must never keep the engine being rebuilt, with every check waiting for it; a few changes
 * in a row (a person saving settings) still take effect at once.
 */
export const REBUILDS = 4;
export const REBUILD_WINDOW_MS = 10_000;

let current = null;
/** The engine `current` resolved to, while it is current: for decisions that must not wait. */
let built = null;

/**
 * The engine and what callers need beside it: `{engine, policy, user, problems,
 * pinnedHosts, hasBlockList, localRootMode}`. `problems` (`[{origin, error}]`) is every source problem in one
 * place: the bundled list that could not be read (settings.js), then all the core refused
 * (`engine.problems()`). Concurrent callers share one build.
 */
export function getEngine() {
  if (!current) {
    const pending = build().then((ctx) => {
      if (current === pending) built = ctx;
      return ctx;
    }, (e) => {
      current = null; // a failed build is retried on the next request
      throw e;
    });
    current = pending;
  }
  return current;
}

/** The current engine if it is built, else null: never waits, never builds. */
export function builtEngine() {
  return built;
}

/**
 * Engines of instances that trapped, kept from the garbage collector: its finaliser would free
 * them into the broken instance. One per trap; traps are bugs, so this stays small.
 */
const broken = [];

/**
 * After a trap inside the core: a fresh instance (wasm-core.js), and the engine built again on
 * it, before anything else is judged. Resolves to the new engine's context.
 */
export async function renewAfterTrap() {
  if (built?.engine && broken.length < 16) broken.push(built.engine);
  invalidate();
  await renewInstance();
  invalidate();
  return getEngine();
}

/** Any trap seen outside a judged response: the instance is renewed all the same. */
export function renewIfTrap(e) {
  if (isTrap(e)) renewAfterTrap().catch((err) => console.error('Pinwatch: the core could not be renewed', err));
}

/** When the last `REBUILDS` builds started (ms since the epoch), oldest first. */
const buildStarts = [];
let rebuildTimer = null;

/**
 * What the engine is built from changed in storage: the engine is dropped and `then` (the
 * warm-up) runs, at once while the rate allows, else once it does (one rebuild for every change
 * in between). Deliberate changes that the next check must see (a setting saved, a site
 * watched) call `invalidate` themselves.
 */
export function rebuildSoon(then) {
  if (rebuildTimer) return;
  const rebuild = () => {
    rebuildTimer = null;
    invalidate();
    then();
  };
  const wait = buildStarts.length < REBUILDS ? 0 : buildStarts[0] + REBUILD_WINDOW_MS - Date.now();
  if (wait <= 0) rebuild();
  else rebuildTimer = setTimeout(rebuild, wait);
}

/**
 * Drops the engine; the next `getEngine()` builds a new one from storage. The old one is not
 * freed here: a check in flight may still hold it (wasm-bindgen's finaliser frees it later).
 */
export function invalidate() {
  current = null;
  built = null;
}

async function build() {
  buildStarts.push(Date.now());
  if (buildStarts.length > REBUILDS) buildStarts.shift();
  timings.builds += 1;
  await loadWasm();
  const [inputs, kept, stored] = await Promise.all([engineInputs(), storedKept(), storedCompiled()]);
  const t0 = performance.now();
  const fromCompiled = (form) => core().Engine.fromCompiled(inputs.sources, form?.compiled ?? '', inputs.engineSettings, kept);
  let compiled = stored;
  let engine = fromCompiled(compiled);
  if (!engine) {
    // Made from other sources (a list arrived, an entry was saved, the extension updated) or
    // never made: read once by the signed-list module, kept for the next wakes.
    compiled = await compileSources(inputs.sources);
    timings.compiles += 1;
    engine = fromCompiled(compiled);
    if (!engine) throw new Error('the per-wake module refused the sources the signed-list module compiled for it');
    api.storage.local.set({ [COMPILED_KEY]: compiled })
      .catch((e) => console.warn('Pinwatch: could not keep the compiled sources', e));
  }
  timings.buildMs = performance.now() - t0;
  try {
    remember(engine.standing());
  } catch (e) {
    console.warn('Pinwatch: could not keep what this build knew', e);
  }
  return {
    engine,
    policy: inputs.policy,
    user: inputs.user,
    problems: [...inputs.problems, ...(compiled.problems ?? []), ...engine.problems()],
    pinnedHosts: engine.pinnedHosts(),
    hasBlockList: engine.hasBlockList(),
    localRootMode: engine.localRootMode(),
  };
}

/** The kept CA certificates as last stored (the judge's memory starts with them). */
async function storedKept() {
  try {
    const kept = (await api.storage.local.get(KEPT_CAS_KEY))[KEPT_CAS_KEY];
    return Array.isArray(kept) ? kept : [];
  } catch {
    return [];
  }
}

/** The sources as last compiled, `{compiled, problems}`; the core tells whether they still hold. */
async function storedCompiled() {
  try {
    const form = (await api.storage.local.get(COMPILED_KEY))[COMPILED_KEY];
    return typeof form?.compiled === 'string' && Array.isArray(form.problems) ? form : null;
  } catch {
    return null;
  }
}

/** Seconds since the epoch, as the engine takes them. */
export function nowSecs() {
  return Math.floor(Date.now() / 1000);
}
