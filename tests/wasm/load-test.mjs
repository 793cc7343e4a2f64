// Loads each optimised WASM package and computes one SPKI pin with it, so a module that a
// broken wasm-opt produced fails the build instead of failing in the browser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { X509Certificate, createHash, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { signatureCheck, signaturesModule } from './signatures-module.mjs';

const [nodePkg, webPkg, coldPkg, listsPkg, signaturesPkg] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'pinwatch-load-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=load-test', '-days', '1'], { stdio: 'ignore' });
const x509 = new X509Certificate(readFileSync(join(dir, 'c.pem')));
const expected = createHash('sha256').update(x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

const require = createRequire(import.meta.url);
const nodeMod = require(join(nodePkg, 'pinwatch.js'));
const got = nodeMod.spkiPin(new Uint8Array(x509.raw));
if (got !== expected) throw new Error(`nodejs package pin ${got} != ${expected}`);

const web = await import(join(webPkg, 'pinwatch.js'));
await web.default({ module_or_path: readFileSync(join(webPkg, 'pinwatch_bg.wasm')) });
const gotWeb = web.spkiPin(new Uint8Array(x509.raw));
if (gotWeb !== expected) throw new Error(`web package pin ${gotWeb} != ${expected}`);

// The cold module (options page only): cookie scope, with the Public Suffix List.
if (coldPkg) {
  const cold = await import(join(coldPkg, 'pinwatch.js'));
  await cold.default({ module_or_path: readFileSync(join(coldPkg, 'pinwatch_bg.wasm')) });
  const gaps = JSON.parse(cold.cookieScopeGaps(JSON.stringify([{ host: 'docs.alice.github.io', pins: [expected] }])));
  if (gaps.length !== 1 || gaps[0].domain !== 'alice.github.io') throw new Error(`cold package cookie scope: ${JSON.stringify(gaps)}`);
}
// The signed-list module (the background, when a channel's list arrives): a list that is not an
// envelope is refused with its code, not thrown.
if (listsPkg) {
  const lists = await import(join(listsPkg, 'pinwatch.js'));
  await lists.default({ module_or_path: readFileSync(join(listsPkg, 'pinwatch_bg.wasm')) });
  const raw = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
  const key = `pinwatch-ed25519:${raw.toString('base64')}`;
  const r = JSON.parse(lists.acceptList(new TextEncoder().encode('{}'), JSON.stringify({ keys: [key], threshold: 1 }),
    JSON.stringify({ name: 'https://lists.example/list.json' }), 1));
  if (r.accepted !== false || r.code !== 'not-an-envelope') throw new Error(`lists package: ${JSON.stringify(r)}`);
}
// The signature module (the background, when a judge asks for signatures): the self-signed
// test certificate verifies under its own key, and not once its signature is altered.
if (signaturesPkg) {
  const sigs = await signaturesModule(signaturesPkg);
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  const good = signatureCheck(x509.raw, spki);
  const bad = signatureCheck(x509.raw, spki);
  bad[3][bad[3].length - 1] ^= 1;
  const got = Array.from(sigs.verify([good, bad]));
  if (got.join() !== '1,0') throw new Error(`signatures package: ${got}`);
}
console.error(`load test: the WASM packages instantiate and pin correctly (${expected})`);
