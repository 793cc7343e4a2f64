// "Watch this site" (extension/shared/watch.js) with a fake storage.local: which pages may be watched,
// add and remove, the bounded change history, `lastSeen` written at most once an hour, the
// entries given to the engine, and policy's `allowWatch: false`.
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';

let data = {};
let writes = 0;
globalThis.chrome = {
  runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` },
  storage: {
    local: {
      async get(key) { return key in data ? { [key]: structuredClone(data[key]) } : {}; },
      async set(items) { writes += 1; data = { ...data, ...structuredClone(items) }; },
    },
  },
};
const watch = await import('../../extension/shared/watch.js');
const { cleanPolicy } = await import('../../extension/background/policy.js');
const { STATUS, SOURCE_KIND } = await import('../../extension/shared/vocabulary.js');

const pin = (c) => `${c.repeat(43)}=`;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const POLICY = cleanPolicy({});

/** A main-frame record as background/record.js writes it: leaf, issuing CA, root. */
function record(overrides = {}) {
  return {
    status: STATUS.unpinned, host: 'watched.example.test', type: 'main_frame', entry: null, matched: null,
    judgedFrom: 'der', builtInRoot: true,
    chain: [
      { subject: 'CN=watched.example.test', spkiSha256: pin('L') },
      { subject: 'CN=Issuing CA A', spkiSha256: pin('I') },
      { subject: 'CN=Root A', spkiSha256: pin('R') },
    ],
    ...overrides,
  };
}

beforeEach(() => {
  data = {};
  writes = 0;
  watch.resetMemory();
});

describe('which pages may be watched', () => {
  it('an unpinned page under a built-in root: the issuing CA and root keys, never the leaf', () => {
    const got = watch.watchability(record(), { policy: POLICY, pinned: false });
    assert.equal(got.ok, true);
    assert.deepEqual(got.keys.pins, [pin('I'), pin('R')]);
    assert.equal(got.keys.issuer, 'CN=Issuing CA A');
    assert.equal(got.keys.root, 'CN=Root A');
  });

  it('from the browser digests and subjects when no DER was read', () => {
    const r = record({
      chain: [], judgedFrom: 'digests',
      browserDigests: [{ spkiSha256: pin('L') }, { spkiSha256: pin('I') }, { spkiSha256: pin('R') }],
      subjects: ['CN=leaf', 'CN=Issuing CA A', `CN=Root ${'x'.repeat(1000)}`],
    });
    const got = watch.watchability(r, { policy: POLICY, pinned: false });
    assert.equal(got.ok, true);
    assert.deepEqual(got.keys.pins, [pin('I'), pin('R')]);
    assert.ok(got.keys.root.length <= watch.MAX_SUBJECT, 'attacker-written subjects are capped');
  });

  it('an added root is never learnt, unless the organisation declared it', () => {
    assert.deepEqual(watch.watchability(record({ builtInRoot: false }), { policy: POLICY, pinned: false }), { ok: false, why: 'added-root' });
    assert.equal(watch.watchability(record({ builtInRoot: null }), { policy: POLICY, pinned: false }).why, 'added-root');
    const declared = cleanPolicy({ allowedInterceptionSpkis: [pin('R')] });
    assert.equal(watch.watchability(record({ builtInRoot: false }), { policy: declared, pinned: false }).ok, true);
    // A declared key that is not the root (the issuing CA) does not make the root known.
    const declaredCa = cleanPolicy({ allowedInterceptionSpkis: [pin('I')] });
    const viaCa = record({ builtInRoot: false, status: STATUS.allowedInterception, matched: { kind: 'allowed-root', pin: pin('I'), certIndex: 1 } });
    assert.equal(watch.watchability(viaCa, { policy: declaredCa, pinned: false }).why, 'added-root');
    const viaRoot = record({ builtInRoot: false, status: STATUS.allowedInterception, matched: { kind: 'allowed-root', pin: pin('R'), certIndex: 2 } });
    assert.equal(watch.watchability(viaRoot, { policy: POLICY, pinned: false }).ok, true, 'a root certificate policy declared (allowedInterceptionRoots)');
  });

  it('never a governed, already watched, unread or not-unpinned page; never with allowWatch false', () => {
    assert.equal(watch.watchability(record(), { policy: POLICY, pinned: true }).why, 'governed');
    assert.equal(watch.watchability(record({ status: STATUS.pinned, entry: { source: 'bundled' } }), { policy: POLICY, pinned: false }).why, 'governed');
    assert.equal(watch.watchability(record({ status: STATUS.mismatch }), { policy: POLICY, pinned: false }).why, 'status');
    assert.equal(watch.watchability(record({ type: 'image' }), { policy: POLICY, pinned: false }).why, 'status');
    assert.equal(watch.watchability(record({ judgedFrom: 'not read', chain: [] }), { policy: POLICY, pinned: false }).why, 'not-read');
    assert.equal(watch.watchability(record({ chain: [record().chain[0]] }), { policy: POLICY, pinned: false }).why, 'no-chain');
    assert.equal(watch.watchability(record(), { policy: POLICY, pinned: false, watched: { 'watched.example.test': {} } }).why, 'watched');
    const off = cleanPolicy({ allowWatch: false });
    assert.deepEqual(off.problems, []);
    assert.equal(off.allowWatch, false);
    assert.equal(watch.watchability(record(), { policy: off, pinned: false }).why, 'turned-off');
    assert.equal(cleanPolicy({ allowWatch: 'no' }).problems[0].key, 'allowWatch');
  });
});

describe('watched hosts in storage', () => {
  it('add, the engine entries, remove', async () => {
    const { keys } = watch.watchability(record(), { policy: POLICY, pinned: false });
    const w = await watch.add('watched.example.test', keys, 'enforce', 1000);
    assert.equal(w.mode, 'enforce');
    assert.equal(w.since, 1000);
    const stored = await watch.readWatched();
    assert.deepEqual(Object.keys(stored), ['watched.example.test']);
    assert.deepEqual(watch.watchedEntries(stored), [{ host: 'watched.example.test', includeSubdomains: false, pins: [pin('I'), pin('R')], mode: 'enforce' }]);
    assert.deepEqual(watch.watchSource(POLICY, stored), {
      origin: 'watched', kind: SOURCE_KIND.user,
      extraEntries: [{ host: 'watched.example.test', includeSubdomains: false, pins: [pin('I'), pin('R')], mode: 'enforce' }],
    });
    assert.equal(watch.watchSource(cleanPolicy({ allowWatch: false }), stored), null, 'allowWatch false: nothing reaches the engine');
    assert.equal(watch.watchSource(POLICY, {}), null);
    await assert.rejects(watch.add('x.example.test', keys, 'loud'), /mode/);
    assert.equal(await watch.remove('watched.example.test'), true);
    assert.deepEqual(await watch.readWatched(), {});
    assert.equal(await watch.remove('watched.example.test'), false);
  });

  it('lastSeen: written at most once an hour, with no storage call in between', async () => {
    const { keys } = watch.watchability(record(), { policy: POLICY, pinned: false });
    await watch.add('watched.example.test', keys, 'warn', 0 + 1);
    const seen = record({ status: STATUS.pinned, entry: { source: 'watched' } });
    const before = writes;
    assert.equal(await watch.noteVerdict(seen, 10 * 60_000), null);
    assert.equal(await watch.noteVerdict(seen, 59 * 60_000), null);
    assert.equal(writes, before);
    assert.equal(await watch.noteVerdict(seen, HOUR + 2), 'seen');
    assert.equal((await watch.readWatched())['watched.example.test'].lastSeen, HOUR + 2);
    assert.equal(await watch.noteVerdict(seen, HOUR + 5 * 60_000), null);
    // A new wake knows nothing in memory: it reads, and still does not write within the hour.
    watch.resetMemory();
    assert.equal(await watch.noteVerdict(seen, HOUR + 10 * 60_000), null);
    assert.equal(writes, before + 1);
    // Verdicts of other sources are none of this module's business.
    assert.equal(await watch.noteVerdict(record({ status: STATUS.pinned, entry: { source: 'user' } }), 10 * HOUR), null);
  });

  it('changes: the CA seen, the same keys once a day, the newest ten kept', async () => {
    const { keys } = watch.watchability(record(), { policy: POLICY, pinned: false });
    await watch.add('watched.example.test', keys, 'warn', 1);
    const other = (c) => record({
      status: STATUS.mismatch, entry: { source: 'watched' },
      chain: [{ subject: 'CN=leaf', spkiSha256: pin('L') }, { subject: `CN=CA ${c}`, spkiSha256: pin(c) }, { subject: 'CN=Root B', spkiSha256: pin('B') }],
    });
    assert.equal(await watch.noteVerdict(other('X'), 2 * HOUR), 'change');
    assert.equal(await watch.noteVerdict(other('X'), 3 * HOUR), null, 'the same keys within a day');
    assert.equal(await watch.noteVerdict(other('X'), 2 * HOUR + DAY), 'change', 'the same keys a day later');
    let w = (await watch.readWatched())['watched.example.test'];
    assert.deepEqual(w.changes[0], { at: 2 * HOUR, issuer: 'CN=CA X', root: 'CN=Root B', pins: [pin('X'), pin('B')] });
    for (const c of 'ACDEFGHJKMNP') await watch.noteVerdict(other(c), 3 * DAY);
    w = (await watch.readWatched())['watched.example.test'];
    assert.equal(w.changes.length, watch.MAX_CHANGES);
    assert.equal(w.changes.at(-1).issuer, 'CN=CA P');
    const words = watch.changeWords(w, other('Q'), (ms) => `t${ms}`);
    assert.match(words, /^Watching since t1; then the CA was CN=Issuing CA A \(root CN=Root A\)\. This connection's CA is CN=CA Q \(root CN=Root B\)\./);
  });

  it('a damaged stored value degrades to what is well-formed, bounded', () => {
    const many = Object.fromEntries(Array.from({ length: watch.MAX_WATCHED + 5 }, (_, i) => [`h${i}.test`, { since: 1, pins: [pin('I')] }]));
    assert.equal(Object.keys(watch.cleanWatched(many)).length, watch.MAX_WATCHED);
    const clean = watch.cleanWatched({
      'ok.test': { since: 5, pins: [pin('I'), 'nope', pin('R'), pin('S')], mode: 'loud', issuer: 'a\u0000b', changes: 'x' },
      'UPPER.test': { since: 5, pins: [pin('I')] },
      'nopins.test': { since: 5, pins: [] },
      'nosince.test': { pins: [pin('I')] },
    });
    assert.deepEqual(Object.keys(clean), ['ok.test']);
    assert.deepEqual(clean['ok.test'], { since: 5, lastSeen: 5, mode: 'warn', pins: [pin('I'), pin('R')], issuer: 'a b', root: '', changes: [] });
    assert.deepEqual(watch.cleanWatched(null), {});
  });
});
