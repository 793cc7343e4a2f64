// A trap inside the core (a panic aborts WebAssembly): the background with the real WASM module
// and a fake of the browser APIs. The trap is a real one of the very instance the background
// uses: the test overwrites that instance's linear memory, as a corrupting bug would, so the next
// call into it traps (out-of-bounds access or `unreachable`), and the instance stays broken. A
// held response of an enforced host must then stop ("could not be checked"), and the next
// responses must be judged by a fresh instance.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assemble } from '../../extension/tools/assemble.mjs';
import { makePki, makeTestList } from '../e2e/lib/pki.mjs';
import { fakeBrowser, fileFetch } from './lib/fake-browser.mjs';
import { STATUS } from '../../extension/shared/vocabulary.js';

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

describe('a trap in the core (fake browser APIs, real WASM instance)', { skip: !haveWasm && 'target/pkg-web is not built' }, () => {
  let dir;
  let dist;
  let pki;
  let fake;
  let tabs = 500;
  const nextTab = () => ++tabs;
  const session = () => fake.api.storage.session.peek();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinwatch-trap-'));
    pki = makePki(join(dir, 'pki'));
    dist = assemble({ root: ROOT, browser: 'firefox', out: join(dir, 'ext'), bundledList: JSON.stringify(makeTestList(pki)) });
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    fake = fakeBrowser({ base: `${pathToFileURL(dist).href}/`, manifest });
    globalThis.browser = fake.api;
    globalThis.fetch = fileFetch();
    await import(pathToFileURL(join(dist, 'background', 'background.js')).href);
    const ready = await until(() => fake.api.webRequest.onHeadersReceived.listeners.length >= 2 && session().boots?.length);
    assert.ok(ready, 'the background built its engine');
  });

  after(() => {
    delete globalThis.browser;
    rmSync(dir, { recursive: true, force: true });
  });

  const chainOf = (leaf, ...cas) => [leaf.der, ...cas.map((c) => c.der)];
  const legit = () => chainOf(pki.leaves.mailLegit, pki.legitInter, pki.legitRoot);
  const rogue = () => chainOf(pki.leaves.mailRogue, pki.rogueRoot);

  /** Overwrites the linear memory of the instance the background loaded (the same module URL). */
  async function breakTheInstance() {
    const glue = await import(pathToFileURL(join(dist, 'wasm', 'pinwatch.js')).href);
    const exports = await glue.default(); // the instance already made: init returns it
    new Uint8Array(exports.memory.buffer).fill(0xff);
    return exports;
  }

  it('a trap while judging an enforced host\'s held page stops it (could not be checked); the next pages get a fresh instance', async () => {
    const before = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId: before, chain: legit() }), [{}], 'the baseline passes');

    const broken = await breakTheInstance();
    const tabId = nextTab();
    const answer = await fake.request({ url: 'https://mail.example.test/inbox', tabId, chain: legit() });
    assert.deepEqual(answer, [{ cancel: true }], 'stopped, not passed with the error badge');
    const warning = await until(() => fake.updates.find((u) => u.id === tabId));
    assert.ok(warning, 'the tab was sent to the warning page');
    assert.match(warning.url, /could-not-be-checked/);

    // A fresh instance judges what comes next: the legitimate chain passes as pinned, a rogue
    // one is a mismatch; the broken instance is left alone.
    const again = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId: again, chain: legit() }), [{}]);
    const record = await until(() => session()[`tab:${again}`]?.page);
    assert.equal(record.status, STATUS.pinned, `judged by a working instance: ${record.status} ${record.reason}`);
    const rogueTab = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId: rogueTab, chain: rogue() }), [{ cancel: true }]);
    assert.equal((await until(() => session()[`tab:${rogueTab}`]?.page)).status, STATUS.mismatch);
    assert.ok(new Uint8Array(broken.memory.buffer).every((b, i) => i > 4096 || b === 0xff), 'the broken instance was not used again');
  });

  it('a trap on a host nothing enforces passes with the error badge (Pinwatch\'s own failure) and renews the instance too', async () => {
    await breakTheInstance();
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/', tabId, chain: legit() }), [{}]);
    const next = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId: next, chain: legit() });
    assert.equal((await until(() => session()[`tab:${next}`]?.page)).status, STATUS.pinned);
  });
});
