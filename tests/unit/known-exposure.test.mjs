// What the last build knew, read without the engine (extension/background/known-exposure.js): for
// every host, the table the core keeps (`engine.standing()`) must give what the engine itself gives
// (`engine.exposure(host)`), however the entries' levels meet. The real WASM core, built for node.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assemble } from '../../extension/tools/assemble.mjs';

const NODE_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-nodejs', 'pinwatch.js');
const core = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;

const PIN = `${'A'.repeat(43)}=`;
const BAD = `${'B'.repeat(42)}A=`;

const bundled = JSON.stringify({
  version: 1,
  sequence: 1,
  issued_at: '2026-11-20T00:00:00Z',
  expires_at: '2099-01-20T00:00:00Z',
  publisher: 'tests',
  pinsets: { p: { good: [PIN] } },
  entries: [
    { host: 'mail.example.test', include_subdomains: true, pinset: 'p', mode: 'enforce' },
    { host: 'exact.example.test', include_subdomains: false, pinset: 'p', mode: 'enforce' },
  ],
  blocklist: { spki: [], certificates: [] },
});

// A service worker's world (no synchronous store: the table is kept in storage.local), in a
// build whose bundled list is `bundled`.
let stored = {};
globalThis.chrome = {
  runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` },
  storage: {
    local: {
      async get(key) { return key in stored ? { [key]: structuredClone(stored[key]) } : {}; },
      async set(items) { stored = { ...stored, ...structuredClone(items) }; },
    },
  },
};
const dir = mkdtempSync(join(tmpdir(), 'pinwatch-known-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const dist = assemble({ root: join(import.meta.dirname, '..', '..'), browser: 'chromium', out: join(dir, 'ext'), bundledList: bundled });
const known = await import(pathToFileURL(join(dist, 'background', 'known-exposure.js')).href);

const SOURCES = [
  { origin: 'bundled', kind: 'bundled', payload: bundled },
  {
    origin: 'policy',
    kind: 'policy',
    extraEntries: [
      { host: 'corp.test', includeSubdomains: true, pins: [PIN], mode: 'report' },
      { host: 'a.corp.test', pins: [PIN], mode: 'enforce' },
      { host: 'b.corp.test', includeSubdomains: true, pins: [PIN], mode: 'warn' },
      { host: 'deep.b.corp.test', includeSubdomains: true, badPins: [BAD], mode: 'enforce' },
      { host: 'site.test', pins: [PIN], mode: 'enforce' },
      { host: 'x.mail.example.test', badPins: [BAD], mode: 'warn' },
      { host: '192.0.2.7', pins: [PIN], mode: 'warn' },
    ],
  },
  { origin: 'user', kind: 'user', extraEntries: [{ host: 'site.test', includeSubdomains: true, badPins: [BAD], mode: 'report' }] },
];

const HOSTS = [
  'corp.test', 'x.corp.test', 'a.corp.test', 'x.a.corp.test', 'b.corp.test', 'x.b.corp.test',
  'deep.b.corp.test', 'y.deep.b.corp.test', 'z.y.deep.b.corp.test', 'site.test', 'w.site.test',
  'mail.example.test', 'x.mail.example.test', 'y.x.mail.example.test', 'exact.example.test',
  'sub.exact.example.test', 'example.test', '192.0.2.7', '192.0.2.8', 'elsewhere.test', 'test',
  '::1', 'xn--bcher-kva.example',
];

const SETTINGS = [
  {},
  { policyMode: 'enforce' },
  { policyLocalRootMode: 'warn' },
];

test('the kept table gives every host the engine\'s own exposure', { skip: !core && 'target/pkg-nodejs is not built' }, () => {
  // Before any build was kept: what the core made of the bundled list when the build was assembled.
  assert.deepEqual(known.exposureOf('a.mail.example.test'), { mode: 'enforce', mayWarn: false });
  assert.deepEqual(known.exposureOf('corp.test'), { mode: null, mayWarn: false });
  let compared = 0;
  for (const settings of SETTINGS) {
    const engine = new core.Engine(SOURCES, settings);
    assert.deepEqual(engine.problems(), [], JSON.stringify(settings));
    known.remember(engine.standing());
    for (const host of HOSTS) {
      assert.deepEqual(known.exposureOf(host), engine.exposure(host), `${host} under ${JSON.stringify(settings)}`);
      compared += 1;
    }
    engine.free();
  }
  assert.equal(compared, SETTINGS.length * HOSTS.length);
  // The levels are not all alike (else the comparison proves little): each mode occurs.
  const engine = new core.Engine(SOURCES, {});
  const modes = new Set(HOSTS.map((h) => engine.exposure(h).mode ?? 'none'));
  assert.deepEqual([...modes].sort(), ['enforce', 'none', 'report', 'warn']);
  engine.free();
});

test('a damaged table is never used', () => {
  for (const bad of [null, 7, 'x', {}, { exact: {}, below: {} }, { exact: null, below: {}, elsewhere: {} }]) {
    known.remember({ exact: {}, below: {}, elsewhere: { mayWarn: false } });
    known.remember(bad);
    assert.deepEqual(known.exposureOf('a.test'), { mayWarn: false }, JSON.stringify(bad));
  }
  assert.equal(known.exposureOf(undefined), null);
});

test('kept where the next wake reads it', () => {
  const table = { exact: { 'a.test': { mode: 'enforce', mayWarn: false } }, below: {}, elsewhere: { mayWarn: true } };
  known.remember(table);
  assert.deepEqual(stored.standing, table);
});
