// The fuzz targets' inputs, run through the WebAssembly build: the native fuzzing (cargo fuzz)
// never runs the code as the extension does, where a panic aborts into a trap. This feeds the
// seeds and the corpus of the `cert`, `sct` and `payload` targets, then mutations of them
// (bit flips, cuts, splices, repeated bytes), to the module's entry points: certificate facts,
// a list payload (read alone, as an envelope by the signed-list module, and by an engine), an engine's verdicts (chain, digests, path) and the judge fed the bytes as
// the browser's chain or the companion's (its signatures verified by the signature module). A thrown error is an answer; a trap (`WebAssembly.RuntimeError`) is a
// failure, printed with its input (base64) and entry point.
//
//   node tests/wasm/fuzz-wasm.mjs target/pkg-nodejs [seconds]      (default 30, at most 60)

import { createRequire } from 'node:module';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { generateKeyPairSync } from 'node:crypto';
import { listsModule } from './lists-module.mjs';
import { signaturesModule } from './signatures-module.mjs';

const pkg = resolve(process.argv[2] ?? 'target/pkg-nodejs');
const seconds = Math.min(60, Number(process.argv[3] ?? process.env.WASM_FUZZ_SECONDS ?? 30));
const wasm = createRequire(import.meta.url)(join(pkg, 'pinwatch.js'));
// Payloads and envelopes are read by the signed-list module too (crate/wasm-lists), as the
// background reads a channel's list.
const lists = await listsModule();
if (!lists) throw new Error('the signed-list module (target/pkg-web-lists) is not built');
// The signatures a judge asks for are verified by the signature module, as the background does.
const sigs = await signaturesModule();
if (!sigs) throw new Error('the signature module (target/pkg-web-signatures) is not built');
const rawKey = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12);
const TRUST = { keys: [`pinwatch-ed25519:${rawKey.toString('base64')}`], threshold: 1, sequence: 0 };
const CHANNEL = { name: 'https://lists.example/list.json', allowUnbound: true };
const FUZZ = resolve(import.meta.dirname, '..', '..', 'crate', 'core', 'fuzz');
const NOW = 1_796_000_000;

/** Every file under `seeds/<target>` and `corpus/<target>`, at most `max` of them. */
function inputs(target, max = 2000) {
  const out = [];
  for (const dir of [join(FUZZ, 'seeds', target), join(FUZZ, 'corpus', target)]) {
    if (!existsSync(dir)) continue;
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (out.length < max && statSync(path).isFile()) out.push(new Uint8Array(readFileSync(path)));
    }
  }
  return out;
}

// The list the native `cert` target judges with (pins, a block list, issuer keys of each kind
// the proof verifies), read from its source so the two cannot drift.
const payload = /const PAYLOAD: &str = r#"([\s\S]*?)"#;/.exec(readFileSync(join(FUZZ, 'fuzz_targets', 'cert.rs'), 'utf8'))[1];
const HOSTS_OF = JSON.parse(payload).entries.map((e) => e.host);
const engine = new wasm.Engine([{ origin: 'fuzz', payload }], {});
const HOST = HOSTS_OF[0];

/** DER elements laid end to end in `bytes` (the chain a server would send), at most 8. */
function split(bytes) {
  const out = [];
  let at = 0;
  while (at + 2 <= bytes.length && out.length < 8) {
    let len = bytes[at + 1];
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 3 || at + 2 + n > bytes.length) break;
      len = 0;
      for (let i = 0; i < n; i += 1) len = len * 256 + bytes[at + 2 + i];
      head = 2 + n;
    }
    const end = at + head + len;
    if (end > bytes.length) break;
    out.push(bytes.subarray(at, end));
    at = end;
  }
  return out.length ? out : [bytes];
}

function digestsOf(chain) {
  return chain.map((der) => {
    try {
      const f = wasm.certFacts(der);
      return `${f.spkiSha256} ${Buffer.from(f.sha256, 'hex').toString('base64')}`;
    } catch {
      return null;
    }
  });
}

/** Feeds a judge until it is done: the signatures it asks for verified by the signature module,
 * no override, and every other need a failure. */
function finish(j, step) {
  for (let i = 0; step.need && i < 16; i += 1) {
    if (step.need === 'signatures') step = j.feedSignatures(sigs.verify(j.askedSignatures()));
    else step = step.need === 'override' ? j.feedOverride(false, undefined) : j.feedFailure('timed-out');
  }
}

/** The judge, fed `chain` as Firefox's full chain would come. */
function judge(chain, digests) {
  const j = engine.judge({ host: HOST, type: 'main_frame', held: true, canFetch: true, now: NOW * 1000 });
  try {
    finish(j, j.feedChain({ tier: 'getSecurityInfo', state: 'secure', digests: digests.every(Boolean) ? digests.join(' ') : undefined }, chain));
  } finally {
    j.free();
  }
}

/** The judge, fed `chain` as the companion's look at the server (a chain no browser built, whose
 * signatures the judge asks the signature module for). */
function judgeServed(chain) {
  const j = engine.judge({ host: HOST, type: 'main_frame', held: true, companion: 'pinned', canFetch: true, now: NOW * 1000 });
  try {
    j.feedChain({ tier: 'securityInfoRawDer', state: 'secure', failure: 'not-delivered' }, []);
    finish(j, j.feedCompanion({ chain: chain.map((der) => Buffer.from(der).toString('base64')) }));
  } finally {
    j.free();
  }
}

// The `sct` target's bytes are a certificate's SCT extension value: the module reads it only
// inside a certificate, so each input is put in place of the extension of a real leaf that has
// one (the DER around it re-encoded), and that certificate goes through the entry points.
const SCT_LEAF = new Uint8Array(readFileSync(resolve(import.meta.dirname, '..', '..', 'crate', 'core', 'tests', 'fixtures', 'sct', 'real-leaf-three-scts.der')));
const SCT_OID = Uint8Array.from([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02]);

/** The TLV elements in `bytes` (well-formed DER: this reads only the template). */
function tlvs(bytes) {
  const out = [];
  for (let at = 0; at < bytes.length;) {
    let len = bytes[at + 1];
    let head = 2;
    if (len & 0x80) {
      const n = len & 0x7f;
      len = 0;
      for (let i = 0; i < n; i += 1) len = len * 256 + bytes[at + 2 + i];
      head = 2 + n;
    }
    const tag = bytes[at];
    const content = bytes.subarray(at + head, at + head + len);
    out.push({ tag, content, children: tag & 0x20 ? tlvs(content) : null });
    at += head + len;
  }
  return out;
}

function encode({ tag, content, children }) {
  const body = children ? Buffer.concat(children.map(encode)) : Buffer.from(content);
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : n < 0x10000 ? [0x82, n >> 8, n & 0xff] : [0x83, n >> 16, (n >> 8) & 0xff, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

/** `SCT_LEAF` with its SCT extension's value replaced by `value`. */
function withSct(value) {
  const tree = tlvs(SCT_LEAF);
  const visit = (nodes) => {
    for (const node of nodes) {
      if (!node.children) continue;
      const [oid, ...rest] = node.children;
      if (oid && sameBytes(encode(oid), SCT_OID)) {
        rest.at(-1).content = value;
        return true;
      }
      if (visit(node.children)) return true;
    }
    return false;
  };
  if (!visit(tree)) throw new Error('the SCT template has no SCT extension');
  return new Uint8Array(encode(tree[0]));
}

// The splice must change what the module reads, or the `sct` target would test nothing.
{
  const seed = inputs('sct').find((b) => wasm.certFacts(withSct(b)).sct?.count === 3);
  const cut = seed && wasm.certFacts(withSct(seed.subarray(0, seed.length - 9))).sct;
  if (!seed || !cut?.error) throw new Error('fuzz-wasm: an SCT value put into the template leaf is not what the module reads');
}

const ENTRY_POINTS = {
  cert(bytes) {
    for (const call of [() => wasm.certFacts(bytes), () => wasm.spkiPin(bytes)]) quietly(call);
    const chain = split(bytes);
    const digests = digestsOf(chain);
    quietly(() => engine.check(HOST, [bytes], NOW, undefined));
    quietly(() => engine.check(HOST, chain, NOW, false));
    if (digests.every(Boolean)) quietly(() => engine.checkDigests(HOST, digests.join(' '), NOW, undefined));
    quietly(() => engine.checkPath(HOST, chain.slice(0, 1), chain.slice(1).map((der) => ({ der, origin: 'fetched' })), 'leaf-completed', NOW, undefined));
    quietly(() => engine.checkPath(HOST, chain, [], 'served', NOW, undefined));
    quietly(() => judge(chain, digests));
    quietly(() => judgeServed(chain));
  },
  sct(bytes) {
    const cert = withSct(bytes);
    quietly(() => wasm.certFacts(cert));
    quietly(() => judge([cert], digestsOf([cert])));
  },
  payload(bytes) {
    const text = new TextDecoder().decode(bytes);
    quietly(() => lists.readPayload(text));
    quietly(() => lists.acceptList(bytes, TRUST, CHANNEL, NOW));
    quietly(() => new wasm.Engine([{ origin: 'fuzz', payload: text }], {}).free());
  },
};

class Trap extends Error {}

/** Runs `call`; a thrown error is an answer, a trap is not. */
function quietly(call) {
  try {
    call();
  } catch (e) {
    if (e instanceof WebAssembly.RuntimeError) throw new Trap(String(e?.stack ?? e));
  }
}

function rng(seed) {
  let x = seed >>> 0 || 1;
  return (n) => {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    return x % Math.max(1, n);
  };
}

/** One mutation of `input` (with `other` for splices). */
function mutate(input, other, r) {
  const b = Uint8Array.from(input);
  switch (r(6)) {
    case 0: if (b.length) b[r(b.length)] ^= 1 << r(8); return b;
    case 1: return b.subarray(0, r(b.length + 1));
    case 2: return Uint8Array.from([...b.subarray(0, r(b.length + 1)), ...other.subarray(r(other.length + 1))]);
    case 3: if (b.length) b[r(b.length)] = [0x00, 0x7f, 0x80, 0xff][r(4)]; return b;
    case 4: { const at = r(b.length + 1); return Uint8Array.from([...b.subarray(0, at), ...b.subarray(at, at + r(16)), ...b.subarray(at)]); }
    default: for (let i = 0; i < 8 && b.length; i += 1) b[r(b.length)] = r(256); return b;
  }
}

const targets = Object.keys(ENTRY_POINTS).map((name) => ({ name, seeds: inputs(name) }));
const r = rng(Number(process.env.WASM_FUZZ_SEED ?? Date.now()));
const runs = Object.fromEntries(targets.map((t) => [t.name, 0]));
const end = Date.now() + seconds * 1000;
let current = null;
try {
  // Every seed and corpus input once, then mutations until the time is up.
  for (const t of targets) {
    for (const input of t.seeds) {
      current = { target: t.name, input };
      ENTRY_POINTS[t.name](input);
      runs[t.name] += 1;
    }
  }
  while (Date.now() < end) {
    const t = targets[r(targets.length)];
    if (!t.seeds.length) continue;
    const input = mutate(t.seeds[r(t.seeds.length)], t.seeds[r(t.seeds.length)], r);
    current = { target: t.name, input };
    ENTRY_POINTS[t.name](input);
    runs[t.name] += 1;
  }
} catch (e) {
  if (!(e instanceof Trap)) throw e;
  console.error(`fuzz-wasm: the WebAssembly module trapped on a ${current.target} input: ${e.message}`);
  console.error(`input (base64): ${Buffer.from(current.input).toString('base64')}`);
  process.exit(1);
}
console.log(`fuzz-wasm: ${Object.entries(runs).map(([k, v]) => `${k} ${v}`).join(', ')} inputs in ${seconds} s, no trap`);
