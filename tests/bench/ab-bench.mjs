// Two or more builds of the node package compared in one process, their samples interleaved, so
// that a loaded machine slows each the same way (bench.mjs run after bench.mjs does not).
//
//   node tests/bench/ab-bench.mjs <pkg-nodejs dir> <another pkg-nodejs dir> [...]   (ROUNDS=9)
//
// Each round measures every figure once per build, in turn (the order rotating); a figure is the median per call of
// many batched calls, and the line printed is the median over the rounds, with the spread.
// The same certificates and 1,000-entry list as bench.mjs's digest and verdict lines.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signaturesModule } from '../wasm/signatures-module.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FIX = join(ROOT, 'crate', 'core', 'benches', 'fixtures');
const ROUNDS = Number(process.env.ROUNDS || 9);
const dirs = process.argv.slice(2);
if (dirs.length < 2) {
  console.error('usage: node tests/bench/ab-bench.mjs <pkg dir> <pkg dir> [...]');
  process.exit(2);
}

const der = (name) => new Uint8Array(readFileSync(join(FIX, `${name}.der`)));
const CHAIN = [der('leaf-p256'), der('inter'), der('root')];
const NOW = Date.parse('2026-11-30T00:00:00Z') / 1000;
const fakePin = (i) => createHash('sha256').update(`pin-${i}`).digest('base64');

/** 1,000 entries, the last one `host` (with subdomains) pinned to `pin`, as bench.mjs builds it. */
function payload(host, pin) {
  const pinsets = { bench: { good: [fakePin(-1), pin] } };
  const entries = [];
  for (let i = 0; i < 999; i++) {
    pinsets[`s${i % 100}`] = { good: [fakePin(3 * i), fakePin(3 * i + 1), fakePin(3 * i + 2)] };
    entries.push({ host: `h${i}.e${i % 7}.com`, pinset: `s${i % 100}`, mode: 'enforce', include_subdomains: i % 3 === 0 });
  }
  entries.push({ host, include_subdomains: true, pinset: 'bench', mode: 'enforce' });
  return JSON.stringify({
    version: 1, sequence: 1, issued_at: '2026-11-28T00:00:00Z', expires_at: '2027-02-06T00:00:00Z',
    publisher: 'bench', pinsets, entries, blocklist: { spki: [fakePin(-2)], certificates: [fakePin(-3)] },
  });
}

/** Median µs per call over 31 samples of about 2 ms each. */
function measure(fn) {
  let batch = 1;
  for (let t = 0; ; batch *= 2) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    t = Number(process.hrtime.bigint() - t0) / 1e6;
    if (t >= 1) { batch = Math.max(1, Math.round(batch * 2 / t)); break; }
  }
  const per = [];
  for (let s = 0; s < 31; s++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < batch; i++) fn();
    per.push(Number(process.hrtime.bigint() - t0) / 1e3 / batch);
  }
  return per.sort((a, b) => a - b)[15];
}

// A build whose judges ask for signatures has them verified by the signature module, as
// judge-loop.js does; an older build verifies them inside its judge.
const sigs = await signaturesModule();

/** The figures of one build, each a function that runs one call (checked once first). */
function figures(dir) {
  const wasm = createRequire(import.meta.url)(join(resolve(dir), 'pinwatch.js'));
  const engine = new wasm.Engine([{ origin: 'bench', payload: payload('bench.example', wasm.spkiPin(CHAIN[1])) }], {});
  const digests = CHAIN.map((d) => {
    const f = wasm.certFacts(d);
    return `${f.spkiSha256} ${f.sha256.match(/../g).join(':').toUpperCase()}`;
  }).join(' ');
  const capture = { tier: 'getSecurityInfo', state: 'secure', digests, builtInRoot: true };
  let n = 0;
  const judgeOnce = (host) => {
    const judge = engine.judge({ host, type: 'xmlhttprequest', held: true, now: NOW * 1000 });
    judge.step();
    const step = judge.feedChain(capture, []);
    judge.free();
    return step;
  };
  const pathEngine = new wasm.Engine([{ origin: 'bench', payload: payload('accounts.bench.example', wasm.spkiPin(CHAIN[2])) }], {});
  // The companion's look at a chain pinned at its root, as judge-loop.js runs it.
  const served = CHAIN.map((d) => Buffer.from(d).toString('base64'));
  const smallList = payload('accounts.bench.example', wasm.spkiPin(CHAIN[2])).replace(/"entries":\[.*\],"blocklist"/, () =>
    '"entries":[{"host":"accounts.bench.example","include_subdomains":true,"pinset":"bench","mode":"enforce"}],"blocklist"');
  const judgePath = (eng) => {
    const judge = eng.judge({ host: 'accounts.bench.example', type: 'main_frame', held: true, companion: 'pinned', now: NOW * 1000 });
    judge.feedChain({ tier: 'securityInfoRawDer', state: 'secure', failure: 'not-delivered' }, []);
    let step = judge.feedCompanion({ chain: served });
    while (step.need === 'signatures') step = judge.feedSignatures(sigs.verify(judge.askedSignatures()));
    judge.free();
    return step;
  };
  const warmPath = new wasm.Engine([{ origin: 'bench', payload: smallList }], {});
  const checks = {
    judgePathCold: [() => judgePath(new wasm.Engine([{ origin: 'bench', payload: smallList }], {})), (v) => v.outcome?.verdict?.status === 'pinned'],
    judgePathWarm: [() => judgePath(warmPath), (v) => v.outcome?.verdict?.status === 'pinned'],
    checkDigests: [() => engine.checkDigests('mail.bench.example', digests, NOW), (v) => v.status === 'pinned'],
    judgeDigests: [() => judgeOnce(`h${n++}.mail.bench.example`), (v) => v.outcome?.verdict?.status === 'pinned'],
    judgeQuiet: [() => judgeOnce('a.mail.bench.example'), (v) => v.outcome?.record === false],
    check: [() => engine.check('mail.bench.example', CHAIN, NOW), (v) => v.status === 'pinned'],
    checkPathWarm: [() => pathEngine.checkPath('accounts.bench.example', CHAIN, [], 'served', NOW), (v) => v.status === 'pinned'],
    certFacts: [() => wasm.certFacts(CHAIN[0]), (v) => typeof v.spkiSha256 === 'string'],
  };
  judgeOnce('a.mail.bench.example');
  for (const [name, [fn, ok]] of Object.entries(checks)) {
    const v = fn();
    if (!ok(v)) throw new Error(`${dir}: ${name}: ${JSON.stringify(v)}`);
  }
  return Object.fromEntries(Object.entries(checks).map(([k, [fn]]) => [k, fn]));
}

const builds = dirs.map(figures);
const names = Object.keys(builds[0]);
const got = builds.map(() => Object.fromEntries(names.map((k) => [k, []])));
for (let r = 0; r < ROUNDS; r++) {
  // The order rotates each round: no build always runs right after another.
  for (const k of names) {
    builds.forEach((_, j) => { const i = (j + r) % builds.length; got[i][k].push(measure(builds[i][k])); });
  }
}
const med = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
for (const k of names) {
  console.log(k);
  dirs.forEach((d, i) => {
    const a = got[i][k];
    console.log(`  ${d.padEnd(32)} ${med(a).toFixed(2).padStart(8)} µs  (${Math.min(...a).toFixed(2)}–${Math.max(...a).toFixed(2)})`);
  });
}
