// Where a certificate chain comes from. A capture tier reads the chain of one webRequest
// response; `readChain` asks the available tiers in order and says which one answered.
//
// Tiers (product.md, "Where the certificates come from"):
//   - getSecurityInfo: Firefox, full chain, inside the blocking listener (here);
//   - a leaf-only tier from `details.securityInfo` (Chromium "securityInfoRawDer") and a
//     debugger tier belong to the Chromium build: add them to TIERS and their extraInfoSpec
//     entries to `extraInfoSpec()`; nothing else in the extension needs to change.

import { api, features, headersSpec } from './compat.js';

/**
 * @typedef {object} Capture
 * @property {Uint8Array[]} chain  DER certificates, leaf first; empty when none could be read
 * @property {string} tier         which tier answered ('none' when none could)
 * @property {string} [state]      the browser's security state, when it gives one
 * @property {string} [error]      why the tier gave no chain
 * @property {boolean} [builtInRoot] Firefox: the chain's root is built into the browser
 */

const getSecurityInfoTier = {
  name: 'getSecurityInfo',
  available: () => features.securityInfo,
  async read(details) {
    const info = await api.webRequest.getSecurityInfo(details.requestId, { certificateChain: true, rawDER: true });
    const certs = info?.certificates ?? [];
    const chain = certs.filter((c) => Array.isArray(c.rawDER) || ArrayBuffer.isView(c.rawDER))
      .map((c) => Uint8Array.from(c.rawDER));
    // Whether the root is one Firefox ships (false: added to this profile or system, as
    // inspection proxies and malware do). The popup shows it.
    const root = certs.at(-1);
    const builtInRoot = typeof root?.isBuiltInRoot === 'boolean' ? root.isBuiltInRoot : undefined;
    return { chain, tier: this.name, state: info?.state, builtInRoot };
  },
};

export const TIERS = [getSecurityInfoTier];

/** extraInfoSpec entries the listeners need, for every available tier. */
export function extraInfoSpec() {
  return headersSpec();
}

/** The chain of the response in `details`. Never throws: a failing tier is noted and skipped. */
export async function readChain(details) {
  const errors = [];
  for (const tier of TIERS) {
    if (!tier.available()) continue;
    try {
      const got = await tier.read(details);
      if (got.chain.length) return got;
      errors.push(`${tier.name}: no certificates${got.state ? ` (state ${got.state})` : ''}`);
    } catch (e) {
      errors.push(`${tier.name}: ${e?.message ?? e}`);
    }
  }
  return { chain: [], tier: 'none', error: errors.join('; ') || 'this browser offers no way to read certificates' };
}
