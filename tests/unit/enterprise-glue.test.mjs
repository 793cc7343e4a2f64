// The pure glue of the enterprise features: back-off schedule, the report dedupe window, the
// RFC 7469 report shape and the policy checks. Browser behaviour is tested end to end in
// tests/e2e/enterprise.test.mjs; here only functions without browser APIs (policy.js gets a stub
// of the one API object compat.js reads at load). The rules policy.js leaves to the core (each
// extra entry, the user's mode under policy's, signer-set equality) are tested here through the
// core's nodejs package, as the extension calls them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync, X509Certificate } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { backoffMs, HOUR, jittered, MINUTE, nextCheckDelay } from '../../extension/background/schedule.js';
import { listsModule } from '../wasm/lists-module.mjs';
import { buildReport, dedupe, DEDUPE_MAX, DEDUPE_WINDOW_MS, dedupeKey, endpointAllowed, pem, rfc3339 } from '../../extension/background/report-format.js';

globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { cleanPolicy, cleanChannel, httpsUrl } = await import('../../extension/background/policy.js');
const { MODE, MODES, SOURCE_KIND } = await import('../../extension/shared/vocabulary.js');

const NODE_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-nodejs', 'pinwatch.js');
const core = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;
const needsCore = { skip: !core && 'target/pkg-nodejs is not built' };
// Extra entries are checked in the signed-list module (crate/wasm-lists), as the options page's save does.
const lists = await listsModule();
const needsLists = { skip: (!core && 'target/pkg-nodejs is not built') || (!lists && 'target/pkg-web-lists is not built') };
/** A well-formed SHA-256 pin (base64 of 32 bytes). */
const PIN = Buffer.alloc(32, 7).toString('base64');

test('back-off doubles from the base and stops at the cap', () => {
  const o = { baseMs: 5 * MINUTE, maxMs: 6 * HOUR };
  assert.equal(backoffMs(0, o), 0);
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffMs(n, o) / MINUTE), [5, 10, 20, 40, 80, 160, 320, 360]);
  assert.equal(backoffMs(1000, o), 6 * HOUR, 'no overflow after many failures');
});

test('jitter stays within ±10% and uses the whole range', () => {
  assert.equal(jittered(1000, { random: () => 0 }), 900);
  assert.equal(jittered(1000, { random: () => 0.5 }), 1000);
  assert.equal(jittered(1000, { random: () => 1 }), 1100);
  for (let i = 0; i < 1000; i++) {
    const v = jittered(6 * HOUR);
    assert.ok(v >= 5.4 * HOUR && v <= 6.6 * HOUR, String(v));
  }
});

test('the next channel check: the interval after success, back-off (never beyond it) after failures', () => {
  const mid = () => 0.5;
  assert.equal(nextCheckDelay({ failures: 0, intervalMs: 6 * HOUR, random: mid }), 6 * HOUR);
  assert.equal(nextCheckDelay({ failures: 1, intervalMs: 6 * HOUR, random: mid }), 5 * MINUTE);
  assert.equal(nextCheckDelay({ failures: 3, intervalMs: 6 * HOUR, random: mid }), 20 * MINUTE);
  assert.equal(nextCheckDelay({ failures: 30, intervalMs: 6 * HOUR, random: mid }), 6 * HOUR);
  assert.equal(nextCheckDelay({ failures: 2, intervalMs: HOUR, retryBaseMs: 40 * MINUTE, random: mid }), HOUR);
});

test('dedupe: one report per key within 60 minutes, then again', () => {
  const t0 = 1_800_000_000_000;
  let r = dedupe([], 'a', t0);
  assert.equal(r.fresh, true);
  r = dedupe(r.cache, 'a', t0 + 59 * MINUTE);
  assert.equal(r.fresh, false);
  assert.equal(r.cache[0].suppressed, 1);
  r = dedupe(r.cache, 'b', t0 + 59 * MINUTE);
  assert.equal(r.fresh, true, 'another key is not suppressed');
  r = dedupe(r.cache, 'a', t0 + DEDUPE_WINDOW_MS);
  assert.equal(r.fresh, true, 'after the window the same report goes out again');
  assert.deepEqual(r.cache.map((e) => e.key), ['b', 'a']);
});

test('dedupe: at most 50 entries, the oldest forgotten first', () => {
  const t0 = 1_800_000_000_000;
  let cache = [];
  for (let i = 0; i < DEDUPE_MAX + 1; i++) cache = dedupe(cache, `k${i}`, t0 + i).cache;
  assert.equal(cache.length, DEDUPE_MAX);
  assert.equal(dedupe(cache, 'k0', t0 + 100).fresh, true, 'k0 was evicted');
  assert.equal(dedupe(cache, `k${DEDUPE_MAX}`, t0 + 100).fresh, false);
  assert.equal(dedupe('garbage', 'x', t0).fresh, true, 'a damaged stored cache counts as empty');
  assert.equal(dedupe([{ key: 'x', at: t0 + HOUR }], 'x', t0).fresh, true, 'an entry from the future (clock change) does not suppress');
});

function makeCert(dir, name) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
    '-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-subj', `/CN=${name}`, '-days', '2'], { stdio: 'ignore' });
  return new X509Certificate(readFileSync(join(dir, `${name}.pem`)));
}

test('the report has the RFC 7469 fields, the verdict, and PEM that decodes to the served certificates', (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-unit-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const leaf = makeCert(dir, 'mail.example.test');
  const root = makeCert(dir, 'Some Root');
  const record = {
    status: 'mismatch', reason: 'no pinned key', host: 'mail.example.test', action: 'enforce', outcome: 'stopped',
    entry: { host: 'example.test', includeSubdomains: true, pinset: 'p', mode: 'enforce', source: 'https://u.example/list.json' },
    pinset: { name: 'p', good: ['AAAA', 'BBBB'], bad: [], issuerKeys: [] },
    matched: null,
    chain: [{ sha256: 'aa', spkiSha256: 'L1' }, { sha256: 'bb', spkiSha256: 'R1' }],
    leafOnly: false,
    list: { publisher: 'P', sequence: 7, issuedAt: '2026-11-01T00:00:00Z', expiresAt: '2026-12-31T00:00:00Z' },
    tier: 'getSecurityInfo', builtInRoot: false,
  };
  const now = Date.UTC(2026, 10, 28, 9, 30, 15, 123);
  const report = buildReport({ record, url: 'https://mail.example.test:8443/inbox?token=secret', ders: [leaf.raw, root.raw], now, version: '0.1.0' });
  for (const field of ['date-time', 'hostname', 'port', 'effective-expiration-date', 'include-subdomains', 'noted-hostname',
    'served-certificate-chain', 'validated-certificate-chain', 'known-pins', 'verdict']) {
    assert.ok(Object.hasOwn(report, field), `field ${field}`);
  }
  assert.equal(report['date-time'], '2026-11-28T09:30:15Z');
  assert.equal(report.hostname, 'mail.example.test');
  assert.equal(report.port, 8443);
  assert.equal(report['effective-expiration-date'], '2026-12-31T00:00:00Z');
  assert.equal(report['include-subdomains'], true);
  assert.equal(report['noted-hostname'], 'example.test');
  assert.deepEqual(report['known-pins'], ['pin-sha256="AAAA"', 'pin-sha256="BBBB"']);
  assert.equal(report.verdict, 'mismatch');
  assert.equal(report.pinwatch.builtInRoot, false);
  const served = report['served-certificate-chain'].map((p) => new X509Certificate(p));
  assert.ok(served[0].raw.equals(leaf.raw) && served[1].raw.equals(root.raw));
  assert.deepEqual(report['validated-certificate-chain'], report['served-certificate-chain']);
  const text = JSON.stringify(report);
  assert.ok(!text.includes('token') && !text.includes('inbox'), 'nothing of the address but host and port');
  assert.equal(buildReport({ record: { ...record, leafOnly: true }, url: 'https://x/', ders: [leaf.raw] })['validated-certificate-chain'].length, 0);
  assert.equal(buildReport({ record, url: 'https://mail.example.test/', ders: [] }).port, 443);
  assert.equal(buildReport({ record, url: 'wss://mail.example.test/socket', ders: [] }).port, 443, 'a WebSocket handshake over TLS');
  assert.ok(!Object.hasOwn(report, 'security-state'), 'no security state given: no field');
  assert.ok(!Object.hasOwn(buildReport({ record: { ...record, securityState: 'secure' }, url: 'https://x/' }), 'security-state'));
  assert.equal(buildReport({ record: { ...record, securityState: 'weak' }, url: 'https://x/' })['security-state'], 'weak');
  assert.match(pem(leaf.raw), /^-----BEGIN CERTIFICATE-----\n([A-Za-z0-9+/=]{64}\n)*[A-Za-z0-9+/=]{1,64}\n-----END CERTIFICATE-----\n$/);
  assert.equal(rfc3339(0), '1970-01-01T00:00:00Z');
});

test('a report on a host no entry covers names the host itself', () => {
  const record = { status: 'blocked', host: 'bad.example', entry: null, pinset: null, chain: [], list: { expiresAt: 'x' } };
  const r = buildReport({ record, url: 'https://bad.example/', ders: [] });
  assert.equal(r['noted-hostname'], 'bad.example');
  assert.equal(r['include-subdomains'], false);
  assert.equal(r['effective-expiration-date'], null);
  assert.deepEqual(r['known-pins'], []);
});

test('the dedupe key separates hosts, ports, verdicts and certificates, not times', () => {
  const base = { status: 'mismatch', host: 'a.example', entry: null, chain: [{ sha256: '01' }] };
  const key = (rec, url = 'https://a.example/', now = 0) => dedupeKey(buildReport({ record: rec, url, now }), rec);
  assert.equal(key(base, 'https://a.example/', 0), key(base, 'https://a.example/x', 5000));
  assert.notEqual(key(base), key(base, 'https://a.example:444/'));
  assert.notEqual(key(base), key({ ...base, host: 'b.example' }));
  assert.notEqual(key(base), key({ ...base, status: 'blocked' }));
  assert.notEqual(key(base), key({ ...base, chain: [{ sha256: '02' }] }));
});

test('never to the pinned host itself', () => {
  const report = (host, noted, sub) => ({ hostname: host, 'noted-hostname': noted, 'include-subdomains': sub });
  assert.equal(endpointAllowed('https://mail.example.test/report', report('mail.example.test', 'mail.example.test', false)), false);
  assert.equal(endpointAllowed('https://example.test/r', report('a.example.test', 'example.test', true)), false);
  assert.equal(endpointAllowed('https://collect.example.test/r', report('a.example.test', 'example.test', true)), false);
  assert.equal(endpointAllowed('https://collect.example.test/r', report('mail.example.test', 'mail.example.test', false)), true);
  assert.equal(endpointAllowed('https://reports.corp.example/r', report('a.example.test', 'example.test', true)), true);
  assert.equal(endpointAllowed('not a url', report('a', 'a', false)), false);
});

test('policy: valid keys are taken and locked, wrong ones dropped and named', () => {
  const p = cleanPolicy({
    mode: 'enforce',
    allowUserOverride: false,
    reportEndpoint: 'https://reports.corp.example/pins',
    allowedInterceptionSpkis: ['AAAA'],
    channels: [
      { url: 'https://u.example/list.json', keys: ['pinwatch-ed25519:k1', 'pinwatch-ed25519:k2'], threshold: 2, scope: ['Corp.Example'] },
      { url: 'http://insecure.example/list.json', keys: ['k'] },
      { url: 'https://u.example/list.json', keys: ['k'] },
      { url: 'https://v.example/list.json', keys: ['k'], threshold: 2 },
    ],
    extraEntries: [{ host: 'Intranet.Corp.Example', pins: [PIN] }, { host: '', pins: [] }],
    debuggerCapture: 'yes',
    updateIntervalHours: 0,
    surprise: 1,
  });
  assert.equal(p.mode, 'enforce');
  assert.equal(p.allowUserOverride, false);
  assert.equal(p.reportEndpoint, 'https://reports.corp.example/pins');
  assert.deepEqual(p.channels, [{ url: 'https://u.example/list.json', keys: ['pinwatch-ed25519:k1', 'pinwatch-ed25519:k2'], threshold: 2, scope: ['corp.example'], name: null,
    binding: 'https://u.example/list.json', allowUnboundLists: false }]);
  // Extra entries pass as written: each one is the core's to check (next test).
  assert.deepEqual(p.extraEntries, [{ host: 'Intranet.Corp.Example', pins: [PIN] }, { host: '', pins: [] }]);
  assert.equal(p.debuggerCapture, null);
  assert.equal(p.updateIntervalHours, null);
  assert.deepEqual(p.managed.sort(), ['allowUserOverride', 'allowedInterceptionSpkis', 'channels', 'extraEntries', 'mode', 'reportEndpoint']);
  const problemKeys = p.problems.map((x) => x.key);
  for (const k of ['channels', 'debuggerCapture', 'updateIntervalHours', 'surprise']) assert.ok(problemKeys.includes(k), k);
  assert.ok(!problemKeys.includes('extraEntries'), 'a list of entries is all policy.js checks');
  assert.equal(p.problems.filter((x) => x.key === 'channels').length, 3);
});

test('policy extra entries: the core takes the good ones, normalised, and names each refused one', needsLists, () => {
  const p = cleanPolicy({ extraEntries: [{ host: 'Intranet.Corp.Example', pins: [PIN] }, { host: '', pins: [] }] });
  const checked = lists.checkExtraEntries(p.extraEntries);
  assert.deepEqual(checked.entries, [{ host: 'intranet.corp.example', includeSubdomains: false, pins: [PIN], mode: MODE.warn }]);
  assert.equal(checked.errors.length, 1);
  assert.equal(checked.errors[0].code, 'entry-bad-host');
  assert.match(checked.errors[0].error, /^Entry 2 \(\): /);
  // What the extension hands the engine: the same refusal, under the policy source, and the good entry in force.
  const engine = new core.Engine([{ origin: SOURCE_KIND.policy, kind: SOURCE_KIND.policy, extraEntries: p.extraEntries }], { policyMode: p.mode });
  try {
    assert.deepEqual(engine.problems().map((x) => [x.origin, x.code, x.error]), [[SOURCE_KIND.policy, checked.errors[0].code, checked.errors[0].error]]);
    assert.equal(engine.isPinned('intranet.corp.example'), true);
  } finally {
    engine.free();
  }
  const bad = lists.checkExtraEntries([
    { host: 'a.example', pins: [] },
    { host: 'b.example', pins: ['AAAA'] },
    { host: 'c.example', pins: [PIN], mode: 'block' },
    { host: 'd.example', pins: [PIN], surprise: true },
    'e.example',
    { host: 'f.example', pins: [PIN] },
    { host: 'F.example', pins: [PIN] },
  ]);
  assert.deepEqual(bad.entries.map((e) => e.host), ['f.example']);
  assert.deepEqual(bad.errors.map((e) => e.params.entry), ['1', '2', '3', '4', '5', '7']);
  assert.deepEqual(bad.errors.map((e) => e.code), ['entry-no-pins', 'entry-bad-pin', 'entry-unreadable', 'entry-unreadable', 'entry-unreadable', 'entry-duplicate']);
  assert.match(bad.errors[0].error, /at least one pin/);
  assert.match(bad.errors[2].error, /unknown variant `block`/);
});

test('the user\'s mode: never weaker than policy\'s; the engine says which modes remain', needsCore, () => {
  const allowed = (policyMode) => {
    const engine = new core.Engine([], { policyMode });
    try {
      return engine.allowedUserModes();
    } finally {
      engine.free();
    }
  };
  assert.deepEqual(allowed(null), [...MODES]);
  for (const [i, mode] of MODES.entries()) assert.deepEqual(allowed(mode), MODES.slice(i), mode);
});

test('signer sets: the same keys in any order and the same threshold; other fields ignored', needsCore, () => {
  const key = () => `pinwatch-ed25519:${generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`;
  const [k1, k2, k3] = [key(), key(), key()];
  assert.equal(core.sameSigners({ keys: [k1, k2], threshold: 1 }, { keys: [k2, k1], threshold: 1, url: 'https://u.example/', scope: null }), true);
  assert.equal(core.sameSigners({ keys: [k1, k2], threshold: 1 }, { keys: [k1, k2], threshold: 2 }), false);
  assert.equal(core.sameSigners({ keys: [k1, k2], threshold: 1 }, { keys: [k1, k3], threshold: 1 }), false);
  assert.equal(core.sameSigners({ keys: [k1], threshold: 1 }, { keys: [k1, k2], threshold: 1 }), false);
  assert.equal(core.sameSigners(undefined, { keys: [k1], threshold: 1 }), false, 'nothing stored is no set');
  assert.equal(core.sameSigners({ keys: ['pinwatch-ed25519:AAAA'], threshold: 1 }, { keys: ['pinwatch-ed25519:AAAA'], threshold: 1 }), false,
    'a set that is not valid is the same as no other');
});

test('policy: nothing managed is the default, and a wrong type never becomes a value', () => {
  const empty = cleanPolicy({});
  assert.deepEqual(empty.managed, []);
  assert.equal(empty.allowUserOverride, true);
  assert.deepEqual(cleanPolicy(null).managed, []);
  const p = cleanPolicy({ mode: 'off', allowUserOverride: 'false', reportEndpoint: 'http://x.example/', channels: 'https://u.example/',
    extraEntries: { host: 'a.example', pins: [PIN] } });
  assert.deepEqual(p.managed, []);
  assert.equal(p.allowUserOverride, true);
  assert.equal(p.mode, null);
  assert.equal(p.reportEndpoint, null);
  assert.deepEqual(p.extraEntries, []);
  assert.equal(p.problems.length, 5);
  assert.deepEqual(p.problems.find((x) => x.key === 'extraEntries'), { key: 'extraEntries', code: 'policy-not-list', params: { key: 'extraEntries' }, error: 'extraEntries must be a list.' });
  assert.match(p.problems.find((x) => x.key === 'mode').error, new RegExp(`mode must be one of: ${MODES.join(', ')}`));
});

test('channel and URL checks', () => {
  assert.equal(httpsUrl('https://user:pw@x.example/'), null);
  assert.equal(httpsUrl('https://x.example/a'), 'https://x.example/a');
  assert.equal(cleanChannel({ url: 'https://x.example/', keys: [] }).error.code, 'channel-no-keys');
  assert.equal(cleanChannel({ url: 'https://x.example/', keys: ['a'], scope: ['*.x.example'] }, 3).error.code, 'channel-bad-scope-host');
  assert.match(cleanChannel({ url: 'https://x.example/', keys: ['a'], scope: ['*.x.example'] }, 3).error.error, /^Channel 3: the scope entry "\*\.x\.example" is not a host name\.$/);
  assert.equal(cleanChannel({ url: 'https://x.example/', keys: ['a', 'a'] }).channel.keys.length, 1);
});
