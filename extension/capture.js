// Where a certificate chain comes from. A capture tier reads the chain of one webRequest
// response; `readChain` asks the available tiers in order and says which one answered.
//
// Tiers (what each browser hands over, and when: docs/design.md#capture-tiers), in this order:
//   - getSecurityInfo: Firefox, full chain, inside the blocking listener (here);
//   - debugger: Chromium, opt-in, full chain through the DevTools protocol (debugger-capture.js);
//   - securityInfoRawDer: Chromium, the leaf certificate only, from `details.securityInfo`
//     (here). The core links what it can to the leaf by signatures (issuer keys, kept and
//     fetched CA certificates: issuers.js).
//
// The leaf tier's extraInfoSpec is never put on the listeners that decide: Chromium accepts
// "securityInfoRawDer" without the WebRequestSecurityInfo feature, and then a listener that asks
// for nothing else was seen to receive no events at all. So each deciding listener gets a
// companion listener (same filter, `["securityInfoRawDer"]`) that only stashes
// `details.securityInfo` by request id; the leaf tier reads the stash. Use
// `addHeadersListener` / `removeHeadersListener` for every onHeadersReceived listener.

import { api, features, headersSpec } from './compat.js';
import { LEAF_SEEN_KEY } from './capture-state.js';
import { debuggerTier } from './debugger-capture.js';
import { CAPTURE_FAILURE } from './vocabulary.js';

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

/** `[{spkiSha256, certSha256}]` from Firefox's certificate descriptions, or null when one lacks them. */
function digestsOf(certs) {
  const out = certs.map((c) => ({ spkiSha256: c.subjectPublicKeyInfoDigest?.sha256, certSha256: c.fingerprint?.sha256 }));
  return out.length && out.every((d) => typeof d.spkiSha256 === 'string' && typeof d.certSha256 === 'string') ? out : null;
}

/** Digests as the core's `checkDigests` takes them: "spki cert spki cert …", leaf first. */
export function digestWords(digests) {
  return digests.map((d) => `${d.spkiSha256} ${d.certSha256}`).join(' ');
}

const getSecurityInfoTier = {
  name: 'getSecurityInfo',
  available: () => features.securityInfo,
  /** `der` false: the digests only (cheaper; the core judges them), unless DER is needed. */
  async read(details, { der = true } = {}) {
    const info = await api.webRequest.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: der });
    const certs = info?.certificates ?? [];
    const digests = digestsOf(certs);
    const chain = certs.filter((c) => Array.isArray(c.rawDER) || ArrayBuffer.isView(c.rawDER))
      .map((c) => Uint8Array.from(c.rawDER));
    // Whether the root is one Firefox ships (false: added to this profile or system, as
    // inspection proxies and malware do). The popup shows it.
    const root = certs.at(-1);
    const builtInRoot = typeof root?.isBuiltInRoot === 'boolean' ? root.isBuiltInRoot : undefined;
    // The certificates' subjects as Firefox writes them ("Watch this site" shows the CA's name
    // where no DER was read); whoever made a certificate wrote them, so verdicts.js caps them.
    const subjects = certs.map((c) => (typeof c.subject === 'string' ? c.subject : ''));
    // Firefox's Certificate Transparency rating of the connection ("policy_compliant", …).
    const ctStatus = typeof info?.certificateTransparencyStatus === 'string' ? info.certificateTransparencyStatus.slice(0, 64) : undefined;
    // Whether Firefox verified the chain itself: after "Accept the Risk and Continue" it names
    // the error it let pass and marks the chain untrusted (and may hand over no certificate).
    // Facts for the core, which decides what they mean (judge/unverified.rs).
    const untrusted = info?.isUntrusted === true;
    const overriddenError = typeof info?.overridableErrorCategory === 'string' ? info.overridableErrorCategory.slice(0, 40) : undefined;
    return { chain, digests, tier: this.name, state: info?.state, builtInRoot, ctStatus, browserBuilt: true, subjects, untrusted, overriddenError };
  },
};

// ---- Chromium tier 1: the leaf certificate from `details.securityInfo` ----------------------

const LEAF_SPEC = 'securityInfoRawDer';
/** How long the leaf tier waits for its companion listener's event (both come from one response). */
const LEAF_WAIT_MS = 150;
const STASH_MS = 30_000;

const leafStash = new Map(); // requestId → {info: securityInfo | null, at}
let leafSeen = null; // ms, false (looked, never seen) or null (not looked yet)

function stashLeaf(details) {
  const now = Date.now();
  leafStash.set(details.requestId, { info: details.securityInfo ?? null, at: now });
  if (details.securityInfo && !leafSeen) {
    leafSeen = now;
    api.storage.local.set({ [LEAF_SEEN_KEY]: now }).catch(() => {});
  }
  if (leafStash.size > 200) {
    for (const [id, v] of leafStash) if (now - v.at > STASH_MS) leafStash.delete(id);
  }
}

/** When a response first came with its leaf certificate in this profile (ms), or null. */
export async function leafSeenAt() {
  if (leafSeen) return leafSeen;
  return (await api.storage.local.get(LEAF_SEEN_KEY))[LEAF_SEEN_KEY] ?? null;
}

function derBytes(raw) {
  if (raw instanceof ArrayBuffer) return new Uint8Array(raw);
  if (ArrayBuffer.isView(raw)) return new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
  if (Array.isArray(raw)) return Uint8Array.from(raw);
  return null;
}

const leafTier = {
  name: 'securityInfoRawDer',
  available: () => features.leafSecurityInfo,
  async read(details) {
    let got = leafStash.get(details.requestId);
    for (const end = Date.now() + LEAF_WAIT_MS; !got && Date.now() < end;) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      got = leafStash.get(details.requestId);
    }
    leafStash.delete(details.requestId);
    if (!got?.info) {
      return {
        chain: [],
        tier: this.name,
        error: 'the browser gave no certificate with this response (WebRequestSecurityInfo is not on)',
        browserLimit: true,
      };
    }
    const chain = (got.info.certificates ?? []).map((c) => derBytes(c.rawDER)).filter((b) => b?.length);
    return { chain, tier: this.name, state: got.info.state, browserBuilt: false };
  },
};

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
