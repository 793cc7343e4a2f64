// Where a certificate chain comes from. A capture tier reads the chain of one webRequest
// response; `readChain` asks the available tiers in order and says which one answered.
//
// Tiers (what each browser hands over, and when: docs/design.md#capture-tiers), in this order:
//   - getSecurityInfo: Firefox, full chain, inside the blocking listener (capture-firefox.js);
//   - debugger: Chromium, opt-in, full chain through the DevTools protocol (capture-debugger.js);
//   - securityInfoRawDer: Chromium, the leaf certificate only, from `details.securityInfo`
//     (capture-leaf.js). The core links what it can to the leaf by signatures (issuer keys, kept and
//     fetched CA certificates: aia.js).
//
// The leaf tier's extraInfoSpec is never put on the listeners that decide: Chromium accepts
// "securityInfoRawDer" without the WebRequestSecurityInfo feature, and then a listener that asks
// for nothing else was seen to receive no events at all. So each deciding listener gets a
// companion listener (same filter, `["securityInfoRawDer"]`) that only stashes
// `details.securityInfo` by request id; the leaf tier reads the stash. Use
// `addHeadersListener` / `removeHeadersListener` for every onHeadersReceived listener.

import { api, headersSpec } from '../shared/compat.js';
import { debuggerTier } from './capture-debugger.js';
import { digestWords, getSecurityInfoTier } from './capture-firefox.js';
import { LEAF_SPEC, leafSeenAt, leafTier, stashLeaf } from './capture-leaf.js';
import { CAPTURE_FAILURE } from '../shared/vocabulary.js';

/**
 * @typedef {object} Capture
 * @property {Uint8Array[]} chain  DER certificates, leaf first; empty when none could be read
 * @property {string} tier         which tier answered ('none' when none could)
 * @property {string} [state]      the browser's security state, when it gives one
 * @property {string} [error]      why the tier gave no chain
 * @property {boolean} [builtInRoot] Firefox: the chain's root is built into the browser
 * @property {boolean} [browserBuilt] the browser built and verified this chain itself (full-chain
 *                                  tiers); false for what Pinwatch must link by signatures itself
 * @property {string} [failure]    why no tier gave a chain, as the judge's capture failure code
 * @property {boolean} [untrusted]  Firefox marks the chain untrusted
 * @property {string} [overriddenError] Firefox: the certificate error overridden for this connection
 */

export { digestWords, leafSeenAt };

export const TIERS = [getSecurityInfoTier, debuggerTier, leafTier];

/** extraInfoSpec entries of the deciding listeners (the companion's are its own). */
export function extraInfoSpec() {
  return headersSpec();
}

const companions = new Map(); // deciding listener → its companion

/**
 * Registers an onHeadersReceived listener that decides, with the leaf tier's companion before
 * it (same filter) where the browser knows "securityInfoRawDer". `blocking`: ask for a blocking
 * listener even where blocking is only granted to some installs (Chromium: policy installs).
 */
export function addHeadersListener(listener, filter, { blocking = false } = {}) {
  if (leafTier.available() && !companions.has(listener)) {
    const companion = (details) => { stashLeaf(details); };
    try {
      api.webRequest.onHeadersReceived.addListener(companion, filter, [LEAF_SPEC]);
      companions.set(listener, companion);
    } catch (e) {
      console.warn('Pinwatch: the leaf certificate listener was refused', e);
    }
  }
  api.webRequest.onHeadersReceived.addListener(listener, filter, blocking ? ['blocking'] : extraInfoSpec());
}

export function removeHeadersListener(listener) {
  api.webRequest.onHeadersReceived.removeListener(listener);
  const companion = companions.get(listener);
  if (companion) api.webRequest.onHeadersReceived.removeListener(companion);
  companions.delete(listener);
}

/**
 * The chain of the response in `details`. Never throws: a failing tier is noted and skipped.
 * `der` false: a tier that can describe the chain by digests alone (Firefox) may return only
 * `digests` (`[{spkiSha256, certSha256}]`) and an empty `chain`.
 * With no chain, `cannotVerify` says the browser itself offers no way to read one (as opposed
 * to a tier that failed): the popup then says how to enable one.
 */
/**
 * The leaf certificate this very response came with, where the leaf tier hands it over: the
 * debugger tier reads its chain per origin, and the core compares the two (judge/connection.rs).
 */
async function ownLeaf(details) {
  if (!leafTier.available()) return null;
  const got = await leafTier.read(details).catch(() => null);
  return got?.chain?.[0] ?? null;
}

export async function readChain(details, { der = true } = {}) {
  const errors = [];
  let limited = true;
  let threw = false;
  let state;
  let doubts = {};
  let tried = 0;
  for (const tier of TIERS) {
    if (!tier.available()) continue;
    tried += 1;
    try {
      const got = await tier.read(details, { der });
      if (got.chain.length && tier === debuggerTier) return { ...got, ownLeaf: await ownLeaf(details), offered: true };
      if (got.chain.length || (!der && got.digests)) return { ...got, offered: true };
      state ??= got.browserLimit ? undefined : got.state;
      if (got.untrusted || got.overriddenError) doubts = { untrusted: got.untrusted, overriddenError: got.overriddenError };
      if (!got.browserLimit && !got.quiet) limited = false;
      if (!got.quiet) errors.push(`${tier.name}: ${got.error ?? 'no certificates'}${got.state ? ` (state ${got.state})` : ''}`);
    } catch (e) {
      limited = false;
      threw = true;
      errors.push(`${tier.name}: ${e?.message ?? e}`);
    }
  }
  // What happened, as the judge's failure codes (what each means is the core's table); a tier
  // that named the connection's state with no certificate in it is left for the core to judge.
  const failure = !tried ? CAPTURE_FAILURE.noTier
    : state ? undefined
      : threw ? CAPTURE_FAILURE.apiError
        : CAPTURE_FAILURE.notDelivered;
  return {
    chain: [],
    tier: 'none',
    state,
    ...doubts,
    failure,
    error: errors.join('; ') || 'this browser offers no way to read certificates',
    cannotVerify: limited,
  };
}
