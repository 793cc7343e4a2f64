// Firefox's capture tier: the chain of a response from `webRequest.getSecurityInfo`, inside the
// blocking listener, as DER or as digests alone (capture.js asks the tiers in order).

import { api, features } from '../shared/compat.js';

/** `[{spkiSha256, certSha256}]` from Firefox's certificate descriptions, or null when one lacks them. */
function digestsOf(certs) {
  const out = certs.map((c) => ({ spkiSha256: c.subjectPublicKeyInfoDigest?.sha256, certSha256: c.fingerprint?.sha256 }));
  return out.length && out.every((d) => typeof d.spkiSha256 === 'string' && typeof d.certSha256 === 'string') ? out : null;
}

/** Digests as the core's `checkDigests` takes them: "spki cert spki cert …", leaf first. */
export function digestWords(digests) {
  return digests.map((d) => `${d.spkiSha256} ${d.certSha256}`).join(' ');
}

export const getSecurityInfoTier = {
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
