// The signature module (crate/wasm-signatures, target/pkg-web-signatures) for node tests, the
// load test and the WASM fuzzer, called as the background's signatures-wasm.js calls it.
//
//   const sigs = await signaturesModule();      // null when the package is not built
//   sigs.verify([signatureCheck(certDer, issuerSpkiDer)])   // Uint8Array, 1 = verified
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const SIGNATURES_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-web-signatures');

export async function signaturesModule(pkg = SIGNATURES_PKG) {
  if (!existsSync(join(pkg, 'pinwatch_bg.wasm'))) return null;
  const glue = await import(pathToFileURL(join(pkg, 'pinwatch.js')).href);
  await glue.default({ module_or_path: readFileSync(join(pkg, 'pinwatch_bg.wasm')) });
  return { verify: (checks) => glue.verifySignatures(checks) };
}

/** One DER element at `at`: `{tag, start (of the content), end}`. Definite lengths only. */
function element(der, at) {
  const tag = der[at];
  let len = der[at + 1];
  let start = at + 2;
  if (len & 0x80) {
    const n = len & 0x7f;
    len = 0;
    for (let i = 0; i < n; i++) len = len * 256 + der[start + i];
    start += n;
  }
  return { tag, at, start, end: start + len };
}

/**
 * A check as the judge asks it (`[algorithm, signerSpki, message, signature]`): `issuerSpki`'s
 * signature on the certificate `certDer`. Certificate ::= SEQUENCE { tbs, algorithm, BIT STRING }.
 */
export function signatureCheck(certDer, issuerSpki) {
  const der = new Uint8Array(certDer);
  const outer = element(der, 0);
  const tbs = element(der, outer.start);
  const alg = element(der, tbs.end);
  const sig = element(der, alg.end);
  // The BIT STRING's first content byte counts unused bits (0 for signatures).
  return [der.slice(alg.at, alg.end), new Uint8Array(issuerSpki), der.slice(tbs.at, tbs.end), der.slice(sig.start + 1, sig.end)];
}
