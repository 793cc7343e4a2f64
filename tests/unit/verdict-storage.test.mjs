// What an interceptor sends is bounded on its way into storage.session (verdicts.js): repeats
// merge in memory, each tab has a budget, all tabs share a total with the oldest dropped first,
// and a quota error costs details, never a thrown error. With a fake of the storage API only.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeBrowser } from './lib/fake-browser.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const fake = fakeBrowser({ base: 'moz-extension://fake/', manifest });
globalThis.browser = fake.api;
const verdicts = await import('../../extension/shared/verdicts.js');
const session = fake.api.storage.session;

let sets = 0;
const realSet = session.set.bind(session);
session.set = (items) => { sets += 1; return realSet(items); };

/** A certificate's facts as large as the core lets an interceptor make them. */
function bigFacts(i) {
  return {
    subject: `CN=${'s'.repeat(1000)}`, issuer: `CN=${'i'.repeat(1000)}`,
    sanDns: Array.from({ length: 20 }, (_, n) => `${'n'.repeat(240)}${n}.test`), sanDnsMore: 3000,
    serial: 'ab'.repeat(100), sha256: 'cd'.repeat(32), spkiSha256: `pin${i}`, keyAlgorithm: 'RSA', isCa: false,
  };
}

function record(host, { type = 'script', status = 'mismatch', chainKey = 'k', certs = 3, time = Date.now() } = {}) {
  return { status, host, type, url: `https://${host}/x`, chainKey, chain: Array.from({ length: certs }, (_, i) => bigFacts(i)), time };
}

const stored = (tabId) => session.peek()[`tab:${tabId}`];
const bytes = (v) => JSON.stringify(v).length;

test('5,000 repeats of one sub-resource verdict make a handful of writes and one record', async () => {
  sets = 0;
  const writes = [];
  for (let i = 0; i < 5000; i++) writes.push(verdicts.recordVerdict(1, record('mail.example.test', { certs: 1 })));
  assert.deepEqual(new Set(await Promise.all(writes)), new Set([true]));
  assert.ok(sets <= 3, `${sets} storage writes`);
  assert.equal(stored(1).subs.length, 1);
  // A different chain on the same host is a different record.
  await verdicts.recordVerdict(1, record('mail.example.test', { certs: 1, chainKey: 'other' }));
  assert.equal(stored(1).subs.length, 2);
});

test('one tab stays within its budget: the oldest records lose their certificate details first', async () => {
  const writes = [];
  for (let i = 0; i < 20; i++) writes.push(verdicts.recordVerdict(2, record(`h${i}.test`, { certs: 16, time: i })));
  await Promise.all(writes);
  const state = stored(2);
  assert.ok(bytes(state) <= verdicts.MAX_TAB_BYTES, `${bytes(state)} bytes`);
  assert.equal(state.subs.length, 20, 'every verdict is kept, only details go');
  assert.equal(state.subs[0].detailsDropped, true);
  assert.ok(state.subs.at(-1).chain.length > 0, 'the newest keeps its details');
});

test('all tabs together stay within the total: the oldest tabs go first', async () => {
  for (let tab = 100; tab < 150; tab++) {
    await verdicts.recordVerdict(tab, record('mail.example.test', { type: 'main_frame', certs: 16 }));
  }
  const all = session.peek();
  const total = Object.entries(all).filter(([k]) => k.startsWith('tab:')).reduce((n, [, v]) => n + bytes(v), 0);
  assert.ok(total <= verdicts.MAX_TOTAL_BYTES, `${total} bytes in tab states`);
  assert.ok(stored(149), 'the newest tab is kept');
  assert.equal(stored(100), undefined, 'the oldest tab made room');
});

test('a quota error costs certificate details, never the verdict, and never throws', async () => {
  fake.faults['session.quota'] = 50_000; // less than this one verdict's details
  try {
    assert.equal(await verdicts.recordVerdict(200, record('mail.example.test', { type: 'main_frame', certs: 16 })), true);
    assert.equal(stored(200).page.status, 'mismatch');
    assert.equal(stored(200).page.detailsDropped, true);
    fake.faults['session.set'] = true;
    assert.equal(await verdicts.recordVerdict(201, record('mail.example.test', { type: 'main_frame' })), false);
  } finally {
    delete fake.faults['session.quota'];
    delete fake.faults['session.set'];
  }
});

test('a warning record is cut to fit, so fifty stopped tabs fit beside the verdicts', async () => {
  await verdicts.putWarning(300, 'n'.repeat(32), record('mail.example.test', { certs: 16 }), { act: 'stop' });
  const warning = session.peek()['warning:300'];
  assert.ok(bytes(warning) <= verdicts.MAX_WARNING_BYTES + 1000, `${bytes(warning)} bytes`);
  assert.equal(warning.record.detailsDropped, true);
  assert.ok(50 * verdicts.MAX_WARNING_BYTES + verdicts.MAX_TOTAL_BYTES < 10 * 1024 * 1024);
});

test('records that arrive out of order: a page keeps the sub-resources judged after it, and never replaces a later page', async () => {
  const tab = 300;
  // The page's quiet pass is stored later than its sub-resource's stop, which came after it.
  await verdicts.recordVerdict(tab, record('evil.mail.example.test', { time: 2000, certs: 1 }));
  await verdicts.recordVerdict(tab, record('mail.example.test', { type: 'main_frame', status: 'pinned', time: 1000, certs: 1 }));
  let state = stored(tab);
  assert.equal(state.page.time, 1000);
  assert.deepEqual(state.subs.map((s) => s.host), ['evil.mail.example.test']);
  // A later page drops the earlier page's sub-resources; an older page's late record is ignored.
  await verdicts.recordVerdict(tab, record('next.example.test', { type: 'main_frame', status: 'unpinned', time: 3000, certs: 1 }));
  await verdicts.recordVerdict(tab, record('mail.example.test', { type: 'main_frame', status: 'pinned', time: 2500, certs: 1 }));
  state = stored(tab);
  assert.equal(state.page.host, 'next.example.test');
  assert.deepEqual(state.subs, []);
});
