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
const verdicts = await import('../../extension/shared/verdicts.js');

test('the first notice per host and tab, and at most MAX_NOTIFIED hosts remembered', async () => {
  assert.equal(await verdicts.firstNotice(7, 'a.example'), true);
  assert.equal(await verdicts.firstNotice(7, 'a.example'), false, 'once per host and tab');
  for (let i = 0; i < verdicts.MAX_NOTIFIED + 50; i += 1) await verdicts.firstNotice(7, `h${i}.example`);
  const kept = (await fake.api.storage.session.get('notified:7'))['notified:7'];
  assert.equal(kept.length, verdicts.MAX_NOTIFIED);
  assert.equal(kept.at(-1), `h${verdicts.MAX_NOTIFIED + 49}.example`, 'the newest are kept');
});
