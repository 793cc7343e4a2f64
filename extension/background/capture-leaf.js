// Chromium's leaf capture tier: the leaf certificate from `details.securityInfo`, stashed by a
// companion listener (capture.js `addHeadersListener`) and read here by request id.

import { api, features } from '../shared/compat.js';
import { LEAF_SEEN_KEY } from '../shared/capture-state.js';

export const LEAF_SPEC = 'securityInfoRawDer';
/** How long the leaf tier waits for its companion listener's event (both come from one response). */
const LEAF_WAIT_MS = 150;
const STASH_MS = 30_000;

const leafStash = new Map(); // requestId → {info: securityInfo | null, at}
let leafSeen = null; // ms, false (looked, never seen) or null (not looked yet)

export function stashLeaf(details) {
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

export const leafTier = {
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
