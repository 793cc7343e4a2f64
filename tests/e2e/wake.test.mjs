// End-to-end, headless Firefox ESR: a wake after a pinned host was removed. Firefox keeps the
// listeners the event page had registered and queues their requests while the page sleeps; at
// the next wake they are handed over only to a listener registered with the same filter, else
// released unchecked. So removing a user entry (its host leaves the filter) must not leave the
// next wake registering another filter than the one Firefox kept: the bundled list's pinned
// host's sub-resource and plain http:// requests that wake the page are still judged. Firefox
// keeps only what a start registered, so the entry is added, the page sleeps and wakes with it,
// and only then is it removed.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/wake.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { Inspector, launchFirefox, sleep, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

const IDLE_TIMEOUT_MS = 3000;
const NO_BROWSER_UPGRADES = {
  'dom.security.https_first': false,
  'dom.security.https_first_pbm': false,
  'dom.security.https_first_schemeless': false,
  'dom.security.https_only_mode': false,
  'dom.security.https_only_mode_pbm': false,
};

describe('Firefox ESR: a wake after a pinned host was removed', { skip }, () => {
  let s;
  let ff;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-wake',
      stale: false,
      servers: (specs) => ({
        mailLegit: { ...specs.mailLegit, plainHttp: true },
        mailRogue: specs.mailRogue,
        plain: specs.plain,
      }),
    });
    ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS, prefs: NO_BROWSER_UPGRADES, idleTimeoutMs: IDLE_TIMEOUT_MS });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    await s?.cleanup();
  });

  /** The patterns the last build cached for the next wake (the event page's synchronous cache). */
  const cachedPatterns = () => insp.eval(() => JSON.parse(localStorage.getItem('pinwatch:pinnedPatterns') ?? '[]'));

  /** Saves the user's extra entries through the background, as the options page does, and waits for the build. */
  async function saveEntries(entries, hostCached) {
    const answer = await insp.eval((e) => browser.runtime.sendMessage({ type: 'save-user', user: { extraEntries: e } }), entries);
    assert.equal(answer?.value?.saved, true, JSON.stringify(answer));
    const built = await waitFor(async () => (await cachedPatterns()).some((p) => p.includes('plain.example.test')) === hostCached);
    assert.ok(built, `the build ${hostCached ? 'pinned' : 'dropped'} plain.example.test`);
  }

  /** Waits for the event page to unload; returns when the wait began (a later boot is a wake). */
  async function idle() {
    const at = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 3000);
    return at;
  }

  const woke = async (since) => (await insp.session('boots')).some((b) => b.at > since);

  /**
   * Pins plain.example.test by a user entry and lets the page sleep, so that the next start
   * registers it (Firefox keeps the listeners of a start); wakes the page with a visit and
   * removes the entry in that wake; then lets it sleep again. Returns the tab of the visit.
   */
  async function addSleepWakeRemoveSleep() {
    await saveEntries([{ host: 'plain.example.test', pins: [s.pki.rogueRoot.spkiPin], mode: 'enforce' }], true);
    let since = await idle();
    const v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'warning', 'the user entry pins the host (its chain is not under the pinned root)');
    assert.ok(await woke(since), 'the visit woke the background page, which started with the entry\'s host');
    await v.page.close();
    await saveEntries([], false);
    since = await idle();
    return since;
  }

  it('add an entry, sleep, wake, remove it, sleep: a rogue sub-resource of a pinned host that wakes the page is cancelled', async () => {
    const page = await visit(ff, s.servers.mailLegit.url);
    assert.equal(page.outcome, 'page');
    const tabId = await insp.tabId(page.page);
    const since = await addSleepWakeRemoveSleep();
    const image = await page.page.evaluate((src) => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve('loaded');
      img.onerror = () => resolve('cancelled');
      img.src = src;
    }), `${s.servers.mailRogue.url}sub.png?after-removal`);
    assert.equal(image, 'cancelled', 'the rogue chain of a pinned host\'s sub-resource is stopped after the wake');
    assert.ok(await woke(since), 'the sub-resource woke the background page');
    assert.equal((await insp.waitBadge(tabId, '!')).text, '!', 'the tab shows the mismatch of its sub-resource');
    await page.page.close();
  });

  it('a wake uses the sources compiled before it, and never a stored form made from other sources', async () => {
    const bootAfter = async (since) => (await insp.session('boots')).find((b) => b.at > since);
    await saveEntries([], false);
    const withoutEntry = await insp.local('compiledSources');
    assert.equal(typeof withoutEntry?.compiled, 'string', 'the build kept its compiled sources');
    await saveEntries([{ host: 'plain.example.test', pins: [s.pki.rogueRoot.spkiPin], mode: 'enforce' }], true);
    // The form of the sources before the entry, put back while the entry is in force: as a
    // stale form would be after a change its wake never saw.
    await insp.eval((form) => browser.storage.local.set({ compiledSources: form }), withoutEntry);
    let since = await idle();
    let v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'warning', 'the entry in force pins the host: the stale form was refused');
    assert.equal((await bootAfter(since))?.compiles, 1, 'the wake compiled its sources again');
    await v.page.close();
    since = await idle();
    v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'warning', 'the entry still pins the host');
    assert.equal((await bootAfter(since))?.compiles, 0, 'the next wake decoded the form the last one kept');
    await v.page.close();
    await saveEntries([], false);
  });

  it('an entry added in one wake: a rogue sub-resource of a pinned host that wakes the next is cancelled', async () => {
    const page = await visit(ff, s.servers.mailLegit.url);
    assert.equal(page.outcome, 'page');
    const tabId = await insp.tabId(page.page);
    await saveEntries([{ host: 'plain.example.test', pins: [s.pki.rogueRoot.spkiPin], mode: 'enforce' }], true);
    const since = await idle();
    const image = await page.page.evaluate((src) => new Promise((resolve) => {
      const img = new Image();
      img.onload = () => resolve('loaded');
      img.onerror = () => resolve('cancelled');
      img.src = src;
    }), `${s.servers.mailRogue.url}sub.png?after-addition`);
    assert.equal(image, 'cancelled', 'the rogue chain of a pinned host\'s sub-resource is stopped after the wake');
    assert.ok(await woke(since), 'the sub-resource woke the background page');
    assert.equal((await insp.waitBadge(tabId, '!')).text, '!');
    await page.page.close();
    await saveEntries([], false);
  });

  it('the same for plain http:// to an enforced host: the request that wakes the page is upgraded', async () => {
    const legit = s.servers.mailLegit;
    const since = await addSleepWakeRemoveSleep();
    const seen = legit.requests.length;
    const v = await visit(ff, legit.httpUrl);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    assert.deepEqual(legit.requests.slice(seen).filter((r) => r.scheme === 'http').map((r) => r.path), [], 'nothing went out over plain http');
    assert.equal(v.href, legit.url, 'upgraded after the wake');
    assert.ok(await woke(since), 'the request woke the background page');
    await v.page.close();
  });
});
