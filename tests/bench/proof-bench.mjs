// The issuer-key proof in WASM: a leaf-only verdict (what Chromium hands over) for a host whose
// pin set carries only issuer keys, so the verdict rests on one signature check.
//
//   node tests/bench/proof-bench.mjs <pkg-nodejs dir>      (./build.sh bench runs it)
//
// Leaves and issuer keys are real fixtures: crate/core/benches/fixtures (an RSA-2048 root that signed
// a P-256 issuing CA, which signed a P-256 leaf) and crate/core/tests/fixtures/p384-issuer.
// Medians over batches; the last line is one JSON object.
import { X509Certificate, createHash } from 'node:crypto';
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const pkgDir = resolve(process.argv[2] || join(ROOT, 'target', 'pkg-nodejs'));
if (!existsSync(join(pkgDir, 'pinwatch.js'))) {
  console.error(`proof-bench: no WASM package in ${pkgDir} (build it with ./build.sh)`);
  process.exit(2);
}
const wasm = createRequire(import.meta.url)(join(pkgDir, 'pinwatch.js'));
const NOW = Date.parse('2026-11-30T00:00:00Z') / 1000;

const cert = (path) => new X509Certificate(readFileSync(join(ROOT, path)));
const spkiOf = (c) => c.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
const bench = 'crate/core/benches/fixtures';

const cases = [
  { name: 'RSA-2048 PKCS#1 SHA-256', leaf: cert(`${bench}/inter.der`), issuer: cert(`${bench}/root.der`) },
  { name: 'ECDSA P-256 SHA-256', leaf: cert(`${bench}/leaf-p256.der`), issuer: cert(`${bench}/inter.der`) },
  {
    name: 'ECDSA P-384 SHA-384',
    leaf: cert('crate/core/tests/fixtures/p384-issuer/leaf.pem'),
    issuerSpki: readFileSync(join(ROOT, 'crate/core/tests/fixtures/p384-issuer/issuer-spki.der')).toString('base64'),
  },
];

const fakePin = (s) => createHash('sha256').update(s).digest('base64');

function engineFor(issuerKey) {
  // Good pins that match nothing in the leaf: only the issuer key can make it "pinned".
  const payload = JSON.stringify({
    version: 1, sequence: 1, issued_at: '2026-11-01T00:00:00Z', expires_at: '2027-01-01T00:00:00Z',
    publisher: 'proof-bench',
    pinsets: { p: { good: [fakePin('a'), fakePin('b')], issuer_keys: [issuerKey] } },
    entries: [{ host: 'proof.example', pinset: 'p', mode: 'enforce' }],
  });
  const engine = new wasm.Engine([{ origin: 'bench', payload }], {});
  if (engine.problems().length) throw new Error(JSON.stringify(engine.problems()));
  return engine;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const out = { bench: 'proof', node: process.version, cases: [] };
console.log(`issuer-key proof, leaf-only verdict in WASM (node ${process.version}, ${pkgDir})`);
for (const c of cases) {
  const engine = engineFor(c.issuerSpki ?? spkiOf(c.issuer));
  const leaf = new Uint8Array(c.leaf.raw);
  const verdict = engine.check('proof.example', [leaf], NOW);
  if (verdict.status !== 'pinned' || verdict.matched?.kind !== 'issuer-key') {
    throw new Error(`${c.name}: expected pinned by issuer key, got ${verdict.status}`);
  }
  const samples = [];
  for (let i = 0; i < 25; i++) {
    const t0 = process.hrtime.bigint();
    for (let j = 0; j < 4; j++) engine.check('proof.example', [leaf], NOW);
    samples.push(Number(process.hrtime.bigint() - t0) / 4e6);
  }
  const ms = median(samples);
  console.log(`  ${c.name.padEnd(26)} ${ms.toFixed(2)} ms per verdict`);
  out.cases.push({ name: c.name, ms });
  engine.free();
}
console.log(JSON.stringify(out));
