// The per-tab list of hosts already notified in warn mode (`notified:<tab>`) is capped: an
// interceptor that makes one tab meet many hosts cannot grow it without bound.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeBrowser } from './lib/fake-browser.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const fake = fakeBrowser({ base: 'moz-extension://fake/', manifest });
globalThis.browser = fake.api;
const notices = await import('../../extension/background/notices.js');

test('the first notice per host and tab, and at most MAX_NOTIFIED hosts remembered', async () => {
  assert.equal(await notices.firstNotice(7, 'a.example'), true);
  assert.equal(await notices.firstNotice(7, 'a.example'), false, 'once per host and tab');
  for (let i = 0; i < notices.MAX_NOTIFIED + 50; i += 1) await notices.firstNotice(7, `h${i}.example`);
  const kept = (await fake.api.storage.session.get('notified:7'))['notified:7'];
  assert.equal(kept.length, notices.MAX_NOTIFIED);
  assert.equal(kept.at(-1), `h${notices.MAX_NOTIFIED + 49}.example`, 'the newest are kept');
});

test('each notice in its words, once: per tab and host, or per added root and day', async () => {
  const shown = fake.notifications;
  shown.length = 0;
  const mismatch = { status: 'mismatch', host: 'mail.example', mode: 'warn', reasonCode: 'pin-mismatch' };
  await notices.notify(mismatch, 3);
  await notices.notify(mismatch, 3);
  assert.equal(shown.length, 1, 'a warning once per tab and host');
  assert.equal(shown[0].id, 'pinwatch-3-mail.example');
  assert.match(shown[0].title, /mail\.example/);
  await notices.notify(mismatch, 4);
  assert.equal(shown.length, 2, 'another tab is told too');

  const late = { status: 'unverifiable', host: 'slow.example', reasonCode: 'not-checked-in-time', reasonParams: { seconds: '5' } };
  await notices.notify(late, 3);
  assert.match(shown[2].message, /slow\.example/);
  assert.match(shown[2].message, /5/);
  assert.doesNotMatch(`${shown[2].title} ${shown[2].message}`, /mismatch|intercept/i, 'a time-out claims no mismatch');

  // An added root named nowhere (no chain, no subjects, no hello): the message says so in words.
  const root = { status: 'local-root', host: 'a.example', mode: 'report', matched: { pin: 'sha256/AAA=', certIndex: 2 } };
  await notices.notify(root, 5);
  await notices.notify({ ...root, host: 'b.example' }, 6);
  assert.equal(shown.length, 4, 'a root in notice mode once a day, whatever the tab and host');
  assert.equal(shown[3].id, 'pinwatch-root-5-a.example');
  const unnamed = fake.api.i18n.getMessage('notify_root_unnamed');
  assert.ok(unnamed && shown[3].message.includes(unnamed), 'the unnamed root in the reader\'s words');
  await notices.notify({ ...root, host: 'c.example', mode: 'warn', chain: [{}, {}, { subject: 'CN=Corp <b>Root</b>' }] }, 6);
  assert.equal(shown.length, 5, 'in warn mode, once per tab and host');
  assert.ok(shown[4].message.includes('CN=Corp <b>Root</b>'), 'the chain\'s subject, as text');
});
