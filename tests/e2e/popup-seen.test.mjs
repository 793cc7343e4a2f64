// End-to-end, headless Firefox ESR: the popup acts on what it showed. "Watch this site" and "Mark
// this root as known" carry the host, chain and root the popup rendered; when the tab has moved on
// since (another host, or another chain on the same host), the background refuses and nothing
// changes — a page that navigates under an open popup cannot get its own root or host approved.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/popup-seen.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issue, subject } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { firefoxPolicies, firefoxWithPolicies } from './lib/enterprise.mjs';
import { GECKO_ID, Inspector, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';
import { startServer } from './lib/servers.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;
const SHOWN = 'shown.example.test';
const SWAPPED = 'swapped.example.test';
const ROGUE = 'other.example.test';

/** Two roots the policy declares (watchable hosts under each), and a host under the scenario's rogue root. */
function mint(pki) {
  const dir = pki.dir;
  const root = (n) => issue(dir, `seen-${n}-root`, { subj: subject({ CN: `Seen Test Root ${n}` }), ca: true });
  const aRoot = root('A');
  const bRoot = root('B');
  const leaf = (name, host, issuer) => {
    const cert = issue(dir, name, { subj: subject({ CN: host }), issuer, hosts: [host] });
    return { ...cert, host, chainPem: cert.pemText };
  };
  return {
    aRoot, bRoot,
    shownA: leaf('seen-shown-a', SHOWN, aRoot),
    shownB: leaf('seen-shown-b', SHOWN, bRoot),
    swapped: leaf('seen-swapped', SWAPPED, bRoot),
    rogue: leaf('seen-rogue', ROGUE, pki.rogueRoot),
  };
}

describe('Firefox ESR: the popup acts on what it showed', { skip }, () => {
  let s;
  let ff;
  let insp;
  let farm;
  let rogue;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-popup-seen',
      stale: false,
      extend: mint,
      editList: (list) => { list.blocklist = { spki: [], certificates: [] }; },
      servers: (specs, pki, extra) => ({
        shown: { name: 'shown host', leaf: extra.shownA },
        swapped: { name: 'another watchable host', leaf: extra.swapped },
        plain: specs.plain,
      }),
    });
    rogue = await startServer({ name: 'unpinned host under the rogue root', leaf: s.extra.rogue });
    farm = firefoxWithPolicies(s.dir, firefoxPolicies(GECKO_ID, { allowedInterceptionSpkis: [s.extra.aRoot.spkiPin, s.extra.bRoot.spkiPin] }));
    ff = await launchFirefox({ roots: [...s.pki.roots, s.extra.aRoot, s.extra.bRoot], hosts: [...HOSTS, SHOWN, SWAPPED, ROGUE], executablePath: farm.executable });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    farm?.remove();
    await rogue?.close?.();
    await s?.cleanup();
  });

  /** The tab's main-frame record for `host` once one newer than `t0` is stored. */
  const pageRecord = (tabId, t0, host) => waitFor(async () => {
    const t = await insp.session(`tab:${tabId}`);
    return t?.page?.time >= t0 && t.page.host === host && t.page;
  }, { timeout: 10_000 });

  /** Navigates the tab of `page` to `url` and waits for its new record. */
  async function navigate(page, tabId, url, host) {
    const t0 = Date.now();
    page.goto(url, { waitUntil: 'load' }).catch(() => {});
    const r = await pageRecord(tabId, t0, host);
    assert.ok(r, `the tab's new page on ${host} was judged`);
    return r;
  }

  /** The popup's note once it shows an answer. */
  const noteOf = (popup, id) => waitFor(() => popup.evaluate((i) => {
    const note = document.getElementById(i);
    return !note.hidden && note.textContent;
  }, id), { timeout: 10_000 });

  async function watchPopup(tabId) {
    const popup = await openExtensionPage(ff, `pages/popup.html?tab=${tabId}`);
    const state = await waitFor(() => popup.evaluate(() => document.body.dataset.watchState), { timeout: 10_000 });
    assert.equal(state, 'offer', 'the popup offers to watch the page it shows');
    return popup;
  }

  it('"Watch this site" for a page the tab has left for another host: refused, nothing watched', async () => {
    const v = await visit(ff, s.servers.shown.url);
    assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
    const tabId = await insp.tabId(v.page);
    assert.equal((await pageRecord(tabId, 0, SHOWN)).status, 'allowed-interception');
    const popup = await watchPopup(tabId);

    const moved = await navigate(v.page, tabId, s.servers.swapped.url, SWAPPED);
    assert.equal(moved.status, 'allowed-interception', 'the new page could be watched too, were it asked for');
    await popup.click('#watch');
    const note = await noteOf(popup, 'watch-note');
    assert.deepEqual(Object.keys(await insp.local('watched') ?? {}), [], 'no host was watched');
    assert.equal(await popup.evaluate(() => document.getElementById('watch-note').dataset.refused), 'seen-changed');
    assert.match(note, /changed since this popup/);
    await popup.close();
    await v.page.close();
  });

  it('"Watch this site" after the same host changed its chain under the popup: refused, nothing watched', async () => {
    const server = s.servers.shown;
    const v = await visit(ff, `${server.url}?again`);
    assert.equal(v.outcome, 'page');
    const tabId = await insp.tabId(v.page);
    const shown = await pageRecord(tabId, 0, SHOWN);
    const popup = await watchPopup(tabId);

    server.swapChain(s.extra.shownB);
    try {
      const moved = await navigate(v.page, tabId, `${server.url}?swapped`, SHOWN);
      assert.notEqual(moved.chainKey, shown.chainKey, 'the tab now shows another chain');
      await popup.click('#watch');
      const note = await noteOf(popup, 'watch-note');
      assert.equal((await insp.local('watched'))?.[SHOWN], undefined, 'the host was not watched');
      assert.equal(await popup.evaluate(() => document.getElementById('watch-note').dataset.refused), 'seen-changed', note);
    } finally {
      server.swapChain(s.extra.shownA);
    }
    await popup.close();
    await v.page.close();
  });

  it('"Mark this root as known" for a page the tab has left for another root: refused, nothing known', async () => {
    const v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'page');
    const tabId = await insp.tabId(v.page);
    const shown = await pageRecord(tabId, 0, 'plain.example.test');
    assert.equal(shown.status, 'local-root');
    assert.equal(shown.matched.pin, s.pki.legitRoot.spkiPin);
    const popup = await openExtensionPage(ff, `pages/popup.html?tab=${tabId}`);
    const offered = await waitFor(() => popup.evaluate(() => !document.getElementById('local-root-offer').hidden), { timeout: 10_000 });
    assert.ok(offered, 'the popup offers to mark the root it shows');

    const moved = await navigate(v.page, tabId, rogue.url, ROGUE);
    assert.equal(moved.status, 'local-root');
    assert.equal(moved.matched.pin, s.pki.rogueRoot.spkiPin, 'the tab now shows another added root');
    await popup.type('#root-name', 'my antivirus');
    await popup.click('#know-root');
    const note = await noteOf(popup, 'local-root-note');
    assert.deepEqual((await insp.local('user'))?.knownRoots ?? [], [], 'no root was marked as known');
    assert.equal(await popup.evaluate(() => document.getElementById('local-root-note').dataset.refused), 'seen-changed', note);
    assert.match(note, /changed since this popup/);
    await popup.close();
    await v.page.close();
  });

  it('the background refuses a message that does not say what was seen', async () => {
    const v = await visit(ff, `${s.servers.swapped.url}?bare`);
    const tabId = await insp.tabId(v.page);
    await pageRecord(tabId, 0, SWAPPED);
    const popup = await openExtensionPage(ff, `pages/popup.html?tab=${tabId}`);
    const answer = await popup.evaluate((id) => browser.runtime.sendMessage({ type: 'watch', tabId: id, mode: 'warn' }), tabId);
    assert.equal(answer.ok, false, 'a watch request without what was seen');
    assert.equal(answer.error, 'seen-changed');
    assert.deepEqual(Object.keys(await insp.local('watched') ?? {}), []);
    await popup.close();
    await v.page.close();
  });
});
