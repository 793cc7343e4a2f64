// The popup's buttons act only on what it showed (extension/shared/seen.js): the tab's current record
// must have the host, chain and root the popup rendered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertSeen, SEEN_CHANGED, seenOf } from '../../extension/shared/seen.js';

const LEAF = 'A'.repeat(43) + '=';
const ROOT = 'B'.repeat(43) + '=';
const OTHER = 'C'.repeat(43) + '=';
const record = { host: 'a.example', chainKey: `${LEAF} ${ROOT}` };
const refused = { message: SEEN_CHANGED };

test('what the popup sends names the host, the chain and its root', () => {
  assert.deepEqual(seenOf(record), { host: 'a.example', chainKey: `${LEAF} ${ROOT}`, rootKey: ROOT });
  assert.deepEqual(seenOf({ host: 'b.example' }), { host: 'b.example', chainKey: '', rootKey: '' });
});

test('the same record passes', () => {
  assertSeen({ ...record, time: 2 }, seenOf(record));
});

test('another host, another chain or another root is refused', () => {
  const seen = seenOf(record);
  assert.throws(() => assertSeen({ ...record, host: 'b.example' }, seen), refused);
  assert.throws(() => assertSeen({ ...record, chainKey: `${OTHER} ${ROOT}` }, seen), refused);
  assert.throws(() => assertSeen({ ...record, chainKey: `${LEAF} ${OTHER}` }, seen), refused);
  assert.throws(() => assertSeen(record, { ...seen, rootKey: OTHER }), refused);
});

test('no record, no host, or a message without what was seen is refused', () => {
  assert.throws(() => assertSeen(null, seenOf(record)), refused);
  assert.throws(() => assertSeen({ chainKey: '' }, { host: '', chainKey: '', rootKey: '' }), refused);
  for (const seen of [undefined, null, 'a.example', {}, { host: 'a.example' }, { ...seenOf(record), chainKey: 7 },
    { ...seenOf(record), host: 'x'.repeat(9000) }]) {
    assert.throws(() => assertSeen(record, seen), refused, JSON.stringify(seen));
  }
});
