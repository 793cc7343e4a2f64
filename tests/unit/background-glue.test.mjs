// The background's wiring, with the real WASM engine and a fake of the browser APIs: which
// response each verdict gets, what is stored for the warning page, and failing open on our own
// errors (which a real browser cannot be made to produce on demand). What the extension does in
// Firefox is tested in tests/e2e/firefox.test.mjs.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { readFileSync } from 'node:fs';
import { assemble } from '../../extension/tools/assemble.mjs';
import { makePki, makeTestList } from '../e2e/lib/pki.mjs';
import { fakeBrowser, fileFetch, matches } from './lib/fake-browser.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const haveWasm = existsSync(join(ROOT, 'target', 'pkg-web', 'pinwatch_bg.wasm'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(fn, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
}

describe('background glue (fake browser APIs, real engine)', { skip: !haveWasm && 'target/pkg-web is not built' }, () => {
  let dir;
  let pki;
  let fake;
  let tabs = 100;
  const nextTab = () => ++tabs;
  const session = () => fake.api.storage.session.peek();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinwatch-unit-'));
    pki = makePki(join(dir, 'pki'));
    const dist = assemble({ root: ROOT, browser: 'firefox', out: join(dir, 'ext'), bundledList: JSON.stringify(makeTestList(pki)) });
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    fake = fakeBrowser({ base: `${pathToFileURL(dist).href}/`, manifest });
    globalThis.browser = fake.api;
    globalThis.fetch = fileFetch();
    await import(pathToFileURL(join(dist, 'background.js')).href);
    // The sub-resource listener is added once the engine has read the list.
    const ready = await until(() => fake.api.webRequest.onHeadersReceived.listeners.length >= 2 && session().boots?.length);
    assert.ok(ready, 'the background built its engine and registered both listeners');
  });

  after(() => {
    delete globalThis.browser;
    rmSync(dir, { recursive: true, force: true });
  });

  const chainOf = (leaf, ...cas) => [leaf.der, ...cas.map((c) => c.der)];
  const legit = () => chainOf(pki.leaves.mailLegit, pki.legitInter, pki.legitRoot);
  const rogue = () => chainOf(pki.leaves.mailRogue, pki.rogueRoot);
  const blocked = () => chainOf(pki.leaves.blocked, pki.legitInter, pki.legitRoot);

  it('listens to main frames everywhere and to every other type only on pinned hosts', () => {
    const [main, pinned] = fake.api.webRequest.onHeadersReceived.listeners;
    assert.deepEqual(main.args[0], { urls: ['https://*/*'], types: ['main_frame'] });
    assert.deepEqual(main.args[1], ['blocking']);
    assert.deepEqual([...pinned.args[0].urls].sort(),
      ['https://hostile.example.test/*', 'https://mail.example.test/*', 'https://warn.example.test/*']);
    assert.ok(!pinned.args[0].types.includes('main_frame'));
    assert.ok(pinned.args[0].types.includes('image') && pinned.args[0].types.includes('sub_frame'));
    assert.ok(matches('https://*.example.test/*', 'https://a.example.test/x') && !matches('https://mail.example.test/*', 'https://evil.test/'));
  });

  it('a pinned chain passes, is recorded, and the badge is set when the page completes', async () => {
    const tabId = nextTab();
    const answers = await fake.request({ url: 'https://mail.example.test/', tabId, chain: legit() });
    assert.deepEqual(answers, [{}]);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.equal(record.status, 'pinned');
    assert.equal(record.matched.pin, pki.legitInter.spkiPin);
    fake.completeTab(tabId);
    await until(() => fake.badges.get(tabId)?.text === '✓');
    assert.equal(fake.badges.get(tabId).text, '✓');
  });

  it('a mismatch in enforce mode cancels the response and sends the tab to the warning page with a nonce', async () => {
    const tabId = nextTab();
    const answers = await fake.request({ url: 'https://mail.example.test/inbox', tabId, chain: rogue() });
    assert.deepEqual(answers, [{ cancel: true }]);
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    const nonce = new URL(update.url).hash.slice(1);
    assert.match(update.url, /\/warning\.html#[0-9a-f]{32}$/);
    const warning = session()[`warning:${tabId}`];
    assert.equal(warning.nonce, nonce);
    assert.equal(warning.record.status, 'mismatch');
    assert.equal(warning.record.url, 'https://mail.example.test/inbox');
    assert.equal(warning.allowOverride, true);
  });

  it('a sub-resource of an intercepted pinned host is cancelled; one of an unpinned host is not even seen', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/logo.png', type: 'image', tabId, chain: rogue() }), [{ cancel: true }]);
    assert.deepEqual(await fake.request({ url: 'https://plain.example.test/a.png', type: 'image', tabId, chain: rogue() }), []);
    assert.equal(fake.updates.some((u) => u.id === tabId), false, 'a sub-resource never replaces the page');
  });

  it('warn mode lets the page through and notifies once per tab and host', async () => {
    const tabId = nextTab();
    const chain = chainOf(pki.leaves.warnRogue, pki.rogueRoot);
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/', tabId, chain }), [{}]);
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/again', tabId, chain }), [{}]);
    await until(() => fake.notifications.some((n) => n.id.includes(`-${tabId}-`)));
    await sleep(50);
    assert.equal(fake.notifications.filter((n) => n.id.includes(`-${tabId}-`)).length, 1);
  });

  it('a chain that cannot be read is "unverifiable" and never stopped', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: 'reject' }), [{}]);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.equal(record.status, 'unverifiable');
    assert.match(record.captureError, /getSecurityInfo: fake: no security info/);
  });

  it('our own failure fails open with an error badge', async () => {
    const tabId = nextTab();
    fake.faults['session.set'] = true;
    try {
      assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() }), [{}]);
    } finally {
      delete fake.faults['session.set'];
    }
    await until(() => fake.badges.get(tabId)?.text === 'ERR');
    assert.equal(fake.badges.get(tabId).text, 'ERR');
    assert.equal(fake.updates.some((u) => u.id === tabId), false);
  });

  it('...except for a block-listed certificate, which is stopped even when recording fails', async () => {
    const tabId = nextTab();
    fake.faults['session.set'] = true;
    try {
      assert.deepEqual(await fake.request({ url: 'https://blocked.example.test/', tabId, chain: blocked() }), [{ cancel: true }]);
    } finally {
      delete fake.faults['session.set'];
    }
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    assert.match(update.url, /\/warning\.html#$/, 'the warning page, without details');
  });

  it('a response is never held longer than the limit because of us', async () => {
    const tabId = nextTab();
    const t0 = Date.now();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: 'hang' }), [{}]);
    const held = Date.now() - t0;
    assert.ok(held >= 4500 && held < 8000, `held ${held} ms`);
    await until(() => fake.badges.get(tabId)?.text === 'ERR');
    assert.equal(fake.badges.get(tabId).text, 'ERR');
  });

  it('"proceed anyway" needs the nonce of the tab\'s own warning, then lets that host through in that tab only', async () => {
    const tabId = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() });
    const nonce = session()[`warning:${tabId}`].nonce;
    assert.equal((await fake.message({ type: 'proceed', nonce: 'f'.repeat(32) }, { tabId })).ok, false);
    assert.equal((await fake.message({ type: 'proceed', nonce }, { tabId: tabId + 1000 })).ok, false, 'another tab cannot use it');
    assert.equal(await fake.message({ type: 'proceed', nonce }, { tabId, senderUrl: 'https://evil.example/' }), undefined,
      'a web page gets no answer');
    assert.deepEqual(await fake.message({ type: 'proceed', nonce }, { tabId }), { ok: true, value: true });
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() }), [{}]);
    const other = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId: other, chain: rogue() }), [{ cancel: true }]);
  });

  it('the user\'s extra pins are checked before they are saved', async () => {
    const bad = await fake.message({ type: 'save-user', user: { mode: 'enforce', extraEntries: [{ host: 'intra.example', pins: ['nope'] }] } },
      { senderUrl: fake.api.runtime.getURL('options.html') });
    assert.equal(bad.ok, true);
    assert.equal(bad.value.saved, false);
    assert.match(bad.value.errors.join('\n'), /"nope" is not a SHA-256 pin/);
    assert.equal(fake.api.storage.local.peek().user, undefined, 'nothing was stored');
  });
});
