// The glue around `local-root` verdicts (the rule itself is the core's: crate/core/tests/
// local_root.rs): one report per root per day, whatever other reports do to the dedupe cache; the
// report names the root; the user's known roots are kept well-formed and bounded; policy's keys
// are checked; the settings reach the core, which applies them. Browser behaviour is tested in
// tests/e2e/local-root.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildReport, dedupe, dedupeKey, DEDUPE_WINDOW_MS, LOCAL_ROOT_WINDOW_MS } from '../../extension/background/report-format.js';

globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { cleanPolicy } = await import('../../extension/background/policy.js');
// settings.js imports the WASM glue, which is in a build's folder (./build.sh assembles dist/firefox).
const DIST_SETTINGS = join(import.meta.dirname, '..', '..', 'dist', 'firefox', 'background', 'settings.js');
const { cleanUser } = existsSync(DIST_SETTINGS) ? await import(pathToFileURL(DIST_SETTINGS).href) : {};
const needsDist = { skip: !cleanUser && 'dist/firefox is not built' };

const NODE_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-nodejs', 'pinwatch.js');
const core = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;
const needsCore = { skip: !core && 'target/pkg-nodejs is not built' };

const ROOT_PIN = Buffer.alloc(32, 9).toString('base64');
const HOUR = 3600_000;

function localRootRecord(host, pin = ROOT_PIN) {
  return {
    status: 'local-root', host, reason: 'decrypted', matched: { kind: 'local-root', pin, certIndex: 2 },
    chain: [], subjects: ['CN=leaf', 'CN=Inspecting CA', 'CN=Inspection Root'], builtInRoot: false, ctStatus: 'not_applicable',
  };
}

test('a root added to this computer is reported once a day, whatever host, even among hourly reports', () => {
  const t0 = Date.UTC(2026, 11, 3, 8);
  const keyFor = (host, pin) => {
    const record = localRootRecord(host, pin);
    return dedupeKey(buildReport({ record, url: `https://${host}/` }), record);
  };
  let r = dedupe([], keyFor('a.example', ROOT_PIN), t0, { windowMs: LOCAL_ROOT_WINDOW_MS });
  assert.equal(r.fresh, true);
  // Two hours of other reports (the hourly window) must not wash the root's entry out.
  r = dedupe(r.cache, 'mismatch|x', t0 + 2 * HOUR);
  assert.equal(r.fresh, true);
  r = dedupe(r.cache, keyFor('b.example', ROOT_PIN), t0 + 3 * HOUR, { windowMs: LOCAL_ROOT_WINDOW_MS });
  assert.equal(r.fresh, false, 'the same root on another host, the same day');
  r = dedupe(r.cache, keyFor('b.example', Buffer.alloc(32, 1).toString('base64')), t0 + 3 * HOUR, { windowMs: LOCAL_ROOT_WINDOW_MS });
  assert.equal(r.fresh, true, 'another root is news');
  r = dedupe(r.cache, 'mismatch|x', t0 + 2 * HOUR + DEDUPE_WINDOW_MS);
  assert.equal(r.fresh, true, 'the hourly window is unchanged for other reports');
  r = dedupe(r.cache, keyFor('c.example', ROOT_PIN), t0 + LOCAL_ROOT_WINDOW_MS);
  assert.equal(r.fresh, true, 'a day later the root is reported again');
});

test('a local-root report names the root by pin and subject, with the host and the browser\'s words', () => {
  const report = buildReport({ record: localRootRecord('mail.other.example'), url: 'https://mail.other.example/' });
  assert.equal(report.verdict, 'local-root');
  assert.equal(report.hostname, 'mail.other.example');
  assert.deepEqual(report.pinwatch.root, { pin: ROOT_PIN, subject: 'CN=Inspection Root' });
  assert.equal(report.pinwatch.builtInRoot, false);
  assert.equal(report.pinwatch.ctStatus, 'not_applicable');
  const mismatch = buildReport({ record: { ...localRootRecord('x.example'), status: 'mismatch', matched: null }, url: 'https://x.example/' });
  assert.equal(mismatch.pinwatch.root, null, 'only verdicts about a root name one');
});

test('known roots are kept well-formed, unique and bounded; a damaged value degrades to none', needsDist, () => {
  const pin = (i) => Buffer.alloc(32, i).toString('base64');
  const user = cleanUser({
    localRootMode: 'warn',
    knownRoots: [
      { pin: pin(1), name: 'my antivirus', subject: 'CN=AV Root', addedAt: 5 },
      { pin: pin(1), name: 'twice' },
      { pin: 'not a pin', name: 'x' },
      { pin: pin(2), name: 'x'.repeat(5000), subject: 7 },
      'text',
      ...Array.from({ length: 40 }, (_, i) => ({ pin: pin(10 + i) })),
    ],
  });
  assert.equal(user.localRootMode, 'warn');
  assert.equal(user.knownRoots.length, 32, 'at most 32');
  assert.deepEqual(user.knownRoots[0], { pin: pin(1), name: 'my antivirus', subject: 'CN=AV Root', addedAt: 5 });
  assert.equal(user.knownRoots[1].name.length, 200);
  assert.equal(user.knownRoots[1].subject, '');
  assert.equal(new Set(user.knownRoots.map((r) => r.pin)).size, 32);
  assert.deepEqual(cleanUser({ localRootMode: 'block', knownRoots: 'x' }).knownRoots, []);
  assert.equal(cleanUser({ localRootMode: 'block' }).localRootMode, null);
});

test('policy: localRootMode takes the three modes only; allowUserKnownRoots a boolean', () => {
  const ok = cleanPolicy({ localRootMode: 'enforce', allowUserKnownRoots: false });
  assert.equal(ok.localRootMode, 'enforce');
  assert.equal(ok.allowUserKnownRoots, false);
  assert.deepEqual(ok.managed.sort(), ['allowUserKnownRoots', 'localRootMode']);
  const bad = cleanPolicy({ localRootMode: 'block', allowUserKnownRoots: 'no' });
  assert.equal(bad.localRootMode, null);
  assert.equal(bad.allowUserKnownRoots, true);
  assert.deepEqual(bad.problems.map((p) => p.key).sort(), ['allowUserKnownRoots', 'localRootMode']);
});

test('the settings the extension builds reach the core: policy\'s mode wins over the user\'s, a wrong mode is refused', needsCore, () => {
  const engine = (settings) => new core.Engine([], settings);
  assert.equal(engine({}).localRootMode(), 'notice');
  assert.equal(engine({ userLocalRootMode: 'warn' }).localRootMode(), 'warn');
  assert.equal(engine({ policyLocalRootMode: 'enforce', userLocalRootMode: 'notice' }).localRootMode(), 'enforce');
  assert.throws(() => engine({ userLocalRootMode: 'block' }), /unknown variant `block`/);
});
