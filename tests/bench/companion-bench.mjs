// The companion's cost per check: `pinwatch companion serve` (the release binary) against a
// loopback TLS server (node:https, a P-256 leaf under a root made here with openssl; the root is
// given to the companion as its system bundle, so every check also runs the local-roots verification).
//
//   node tests/bench/companion-bench.mjs [path/to/pinwatch] [runs]    (after cargo build --release -p pinwatch-cli)
//
// first: a new process per check (start, load the roots, connect, handshake, reply), as when the
// browser starts the host for its first question; warm: one process, checks one after another
// (connect, handshake, reply). Median and p90 over `runs` (default 30); the last line is JSON.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:https';
import { endianness, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const BIN = resolve(process.argv[2] || join(ROOT, 'target', 'release', 'pinwatch'));
const RUNS = Number(process.argv[3] || 30);
if (!existsSync(BIN)) {
  console.error(`companion-bench: no ${BIN} (cargo build --release -p pinwatch-cli, or ./build.sh)`);
  process.exit(2);
}

const dir = mkdtempSync(join(tmpdir(), 'pinwatch-companion-bench-'));
const HOST = 'bench.example.test';
const openssl = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
openssl('req', '-x509', ...EC, '-keyout', 'root.key', '-out', 'root.pem', '-days', '30', '-subj', '/CN=Bench Root',
  '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign');
openssl('req', '-x509', ...EC, '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '30', '-subj', `/CN=${HOST}`,
  '-CA', 'root.pem', '-CAkey', 'root.key',
  '-addext', `subjectAltName=DNS:${HOST},IP:127.0.0.1`, '-addext', 'basicConstraints=critical,CA:FALSE',
  '-addext', 'extendedKeyUsage=serverAuth');

const server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) }, (req, res) => {
  res.writeHead(204).end();
});
await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
const PORT = server.address().port;

const LE = endianness() === 'LE';

/** One companion process, with a reply reader. */
function start() {
  const child = spawn(BIN, ['companion', 'serve'], {
    // A scratch HOME (no NSS database is read) and the bench certificate as the system bundle.
    env: { ...process.env, HOME: dir, SSL_CERT_FILE: join(dir, 'root.pem') },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let buf = Buffer.alloc(0);
  const waiting = new Map();
  child.stdout.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    while (buf.length >= 4) {
      const len = LE ? buf.readUInt32LE(0) : buf.readUInt32BE(0);
      if (buf.length < 4 + len) break;
      const reply = JSON.parse(buf.subarray(4, 4 + len).toString('utf8'));
      buf = buf.subarray(4 + len);
      waiting.get(reply.id)?.(reply);
      waiting.delete(reply.id);
    }
  });
  let next = 1;
  const ask = (message) => new Promise((ok, fail) => {
    const id = next++;
    const timer = setTimeout(() => fail(new Error(`no reply to ${id}`)), 15_000);
    waiting.set(id, (reply) => { clearTimeout(timer); ok(reply); });
    const body = Buffer.from(JSON.stringify({ id, ...message }));
    const head = Buffer.alloc(4);
    if (LE) head.writeUInt32LE(body.length); else head.writeUInt32BE(body.length);
    child.stdin.write(Buffer.concat([head, body]));
  });
  const stop = () => new Promise((ok) => { child.once('exit', ok); child.stdin.end(); });
  return { ask, stop };
}

const CHECK = { type: 'check', host: HOST, port: PORT, ip: '127.0.0.1' };

function expectOk(reply) {
  if (!reply.ok || reply.verified?.anchor !== 'local' || reply.chain?.length !== 1) {
    throw new Error(`unexpected reply: ${JSON.stringify(reply).slice(0, 300)}`);
  }
}

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (q) => s[Math.min(s.length - 1, Math.ceil(q * s.length) - 1)];
  return { median: +at(0.5).toFixed(2), p90: +at(0.9).toFixed(2) };
};

const first = [];
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const c = start();
  const reply = await c.ask(CHECK);
  first.push(performance.now() - t0);
  expectOk(reply);
  await c.stop();
}

const warm = [];
const inside = [];
const c = start();
expectOk(await c.ask(CHECK)); // the process is up and the roots are loaded
for (let i = 0; i < RUNS; i++) {
  const t0 = performance.now();
  const reply = await c.ask(CHECK);
  warm.push(performance.now() - t0);
  inside.push(reply.ms);
  expectOk(reply);
}
await c.stop();
server.close();
rmSync(dir, { recursive: true, force: true });

// The sub-resource sampling rate is the core's (judge SUBRESOURCE_LOOK_MS, read from the node
// package's tables): at most one look per enforced host per interval, each a warm check.
let lookEveryMs = null;
const nodePkg = join(ROOT, 'target', 'pkg-nodejs', 'pinwatch.js');
if (existsSync(nodePkg)) {
  const { createRequire } = await import('node:module');
  const limits = createRequire(import.meta.url)(nodePkg).judgeTables().limits;
  lookEveryMs = limits.find((l) => l.name === 'SUBRESOURCE_LOOK_MS')?.value ?? null;
}

const out = {
  bench: 'companion',
  node: process.version,
  binary: BIN,
  runs: RUNS,
  firstMs: stats(first),
  warmMs: stats(warm),
  warmHandshakeMs: stats(inside),
  subresourceLookEveryMs: lookEveryMs,
  // Companion time per second that one busy enforced host's sub-resources can cost at most.
  subresourceLookMsPerSecond: lookEveryMs ? +(stats(warm).median * (1000 / lookEveryMs)).toFixed(2) : null,
};
console.log(`pinwatch companion, loopback TLS 1.3 (P-256), ${RUNS} runs each (${BIN})`);
console.log(`  first check (process start + roots + handshake): median ${out.firstMs.median} ms, p90 ${out.firstMs.p90} ms`);
console.log(`  warm check (round trip):                         median ${out.warmMs.median} ms, p90 ${out.warmMs.p90} ms`);
console.log(`  warm check (the companion's own "ms"):           median ${out.warmHandshakeMs.median} ms, p90 ${out.warmHandshakeMs.p90} ms`);
if (lookEveryMs) {
  console.log(`  sub-resource sampling (judge SUBRESOURCE_LOOK_MS): one look per enforced host per ${lookEveryMs} ms, at most ${out.subresourceLookMsPerSecond} ms of checks per second and host`);
}
console.log(JSON.stringify(out));
