// The wake's verdict cache (judged.js): keyed by host and every certificate's hash, only for
// chains the browser built, bounded, timed out, and honest about which hits carry facts. That a
// cached chain never lets another chain through in a real browser is tests/e2e/cache.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { get, hasFacts, keyOf, MAX_ENTRIES, passedQuietly, put, TTL_MS } from '../../extension/judged.js';

const digests = (...hashes) => hashes.map((h) => ({ spkiSha256: `spki-${h}`, certSha256: h }));
const byDigests = (...hashes) => ({ chain: [], digests: digests(...hashes), browserBuilt: true });
const byDer = (...hashes) => ({ chain: hashes.map(() => new Uint8Array(1)), digests: digests(...hashes), browserBuilt: true });
const withFacts = { status: 'pinned', chain: [{ sha256: 'a' }] };
const withoutFacts = { status: 'pinned', chain: [] };

test('a hit needs the same host and every certificate the same; a chain no browser built is never cached', () => {
  const ctx = {};
  put(ctx, 'mail.example', byDigests('a', 'b', 'c'), withoutFacts, null, 1000);
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'b', 'c'), { now: 1000 }), withoutFacts);
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'b', 'x'), { now: 1000 }), null, 'another root');
  assert.equal(get(ctx, 'mail.example', byDigests('x', 'b', 'c'), { now: 1000 }), null, 'another leaf');
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'b'), { now: 1000 }), null, 'a shorter chain');
  assert.equal(get(ctx, 'other.example', byDigests('a', 'b', 'c'), { now: 1000 }), null, 'another host');
  assert.equal(get({}, 'mail.example', byDigests('a', 'b', 'c'), { now: 1000 }), null, 'another engine');
  assert.equal(keyOf('mail.example', { ...byDigests('a'), browserBuilt: false }), null);
  assert.equal(keyOf('mail.example', { chain: [], browserBuilt: true }), null, 'no digests, no key');
});

test('entries time out, and the oldest goes first past the bound', () => {
  const ctx = {};
  put(ctx, 'mail.example', byDigests('a'), withFacts, null, 0);
  assert.equal(get(ctx, 'mail.example', byDigests('a'), { now: TTL_MS }), withFacts);
  assert.equal(get(ctx, 'mail.example', byDigests('a'), { now: TTL_MS + 1 }), null);
  assert.equal(hasFacts(ctx, 'mail.example', TTL_MS), true);
  assert.equal(hasFacts(ctx, 'mail.example', TTL_MS + 1), false);
  for (let i = 0; i < MAX_ENTRIES; i++) put(ctx, `h${i}.example`, byDigests(`c${i}`), withFacts, null, 10);
  assert.equal(get(ctx, 'mail.example', byDigests('a'), { now: 10 }), null, 'the oldest was dropped');
  assert.equal(get(ctx, 'h0.example', byDigests('c0'), { now: 10 }), withFacts);
  assert.equal(hasFacts(ctx, 'mail.example', 10), false, 'the host index is bounded alike');
});

test('facts: a hit judged from digests does not serve a page or a DER capture; one judged from DER serves both', () => {
  const ctx = {};
  put(ctx, 'mail.example', byDigests('a', 'b'), withoutFacts, null, 0);
  assert.equal(hasFacts(ctx, 'mail.example', 0), false, 'judged from digests only');
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'b'), { facts: true, now: 0 }), null);
  assert.equal(get(ctx, 'mail.example', byDer('a', 'b'), { now: 0 }), null);
  put(ctx, 'mail.example', byDer('a', 'b'), withFacts, null, 0);
  assert.equal(hasFacts(ctx, 'mail.example', 0), true);
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'b'), { facts: true, now: 0 }), withFacts,
    'a page asking by digests finds the facts of the same chain');
  assert.equal(get(ctx, 'mail.example', byDigests('a', 'c'), { facts: true, now: 0 }), null,
    'a host with facts is not a chain with facts');
});

test('passed quietly: only a pinned verdict whose decision was to do nothing at all', () => {
  const none = { act: 'pass', report: false, notify: false, errorBadge: false };
  const cases = [
    ['pinned, nothing to do', withFacts, none, true],
    ['no decision asked', withFacts, null, false],
    ['pinned but reported', withFacts, { ...none, report: true }, false],
    ['pinned but notified', withFacts, { ...none, notify: true }, false],
    ['pinned with the error badge', withFacts, { ...none, errorBadge: true }, false],
    ['a warning', withFacts, { ...none, act: 'warn' }, false],
    ['a mismatch let through (override, report mode)', { status: 'mismatch', chain: [] }, none, false],
    ['allowed interception', { status: 'allowed-interception', chain: [] }, none, false],
    ['stale', { status: 'stale', chain: [] }, none, false],
  ];
  for (const [what, verdict, decision, quiet] of cases) {
    const ctx = {};
    put(ctx, 'mail.example', byDigests('a', 'b'), verdict, decision, 0);
    assert.equal(passedQuietly(ctx, 'mail.example', byDigests('a', 'b'), 0), quiet, what);
    assert.equal(passedQuietly(ctx, 'mail.example', byDigests('a', 'x'), 0), false, `${what}: another chain`);
    assert.equal(passedQuietly(ctx, 'mail.example', byDigests('a', 'b'), TTL_MS + 1), false, `${what}: timed out`);
  }
});
