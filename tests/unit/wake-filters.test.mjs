// Which filters a start of the event page registers (extension/background/wake-filters.js): the last start's
// again, so that Firefox hands over what it queued while the page slept, and the last build's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_WAKE_SETS, oncePerRequest, setKey, wakeSets } from '../../extension/background/wake-filters.js';

const A = 'https://a.example/*';
const B = 'https://b.example/*';
const C = 'https://c.example/*';
const set = (urls, hold = true) => ({ urls, hold });
const keys = (sets) => sets.map(setKey);

test('nothing kept (first start, or a damaged cache): the last build\'s set only', () => {
  for (const kept of [undefined, null, 'x', [], [{ urls: 'a', hold: true }], [{ urls: [A] }]]) {
    assert.deepEqual(wakeSets(kept, set([A, B])), [set([A, B])], JSON.stringify(kept));
  }
});

test('unchanged hosts: the same one set, whatever the cache held before', () => {
  assert.deepEqual(wakeSets([set([A, B])], set([A, B])), [set([A, B])]);
});

test('a host removed since the last start: the last start\'s filter is registered again, unchanged', () => {
  assert.deepEqual(keys(wakeSets([set([A, B])], set([A]))), keys([set([A, B]), set([A])]));
});

test('a host added since the last start: the last start\'s filter too (it holds the queue)', () => {
  assert.deepEqual(keys(wakeSets([set([A])], set([A, B]))), keys([set([A]), set([A, B])]));
});

test('the main-frame hold changed: another filter, so both', () => {
  assert.deepEqual(keys(wakeSets([set([A], true)], set([A], false))), keys([set([A], true), set([A], false)]));
});

test('an older kept set only while it covers a host no newer one does', () => {
  // Last start: [A B] then [A]; B was pinned again since: [A B] still holds B's queue (and is
  // the last build's set: registered once).
  assert.deepEqual(keys(wakeSets([set([A, B]), set([A])], set([A, B]))), keys([set([A]), set([A, B])]));
  assert.deepEqual(keys(wakeSets([set([A, B]), set([A])], set([A, B, C]))), keys([set([A, B]), set([A]), set([A, B, C])]));
  // B is not pinned any more: [A B] is let go (what it queued for B goes unjudged, as it should).
  assert.deepEqual(keys(wakeSets([set([A, B]), set([A])], set([A, C]))), keys([set([A]), set([A, C])]));
});

test('never more than MAX_WAKE_SETS sets', () => {
  const many = Array.from({ length: 10 }, (_, i) => set([`https://h${i}.example/*`, A]));
  const out = wakeSets(many, set([A, ...many.map((s) => s.urls[0])]));
  assert.ok(out.length <= MAX_WAKE_SETS, `${out.length}`);
  assert.deepEqual(out.at(-1), set([A, ...many.map((s) => s.urls[0])]), 'the last build\'s set is always there');
});

test('one verdict per request, however many overlapping listeners fire for it', async () => {
  let runs = 0;
  const once = oncePerRequest(async (d) => {
    runs += 1;
    return { cancel: d.url.includes('bad') };
  });
  const d = { requestId: '7', url: 'https://a.example/bad', statusCode: 200 };
  const [x, y] = [once(d), once({ ...d })];
  assert.equal(x, y);
  assert.deepEqual(await x, { cancel: true });
  assert.equal(runs, 1);
  // The same request redirected elsewhere, or answered again (401 then 200), is judged afresh.
  await once({ ...d, url: 'https://a.example/good' });
  await once({ ...d, statusCode: 401 });
  assert.equal(runs, 3);
});
