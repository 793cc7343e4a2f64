// End-to-end, headless Firefox ESR: "Watch this site". On a host no list covers, the popup offers
// to watch it; the issuing CA's and root's keys become the user's entry for the host; a renewal
// (a new leaf key under the same CA) stays silent, and a chain from another CA is a mismatch whose
// warning page says since when the site was watched and which CA was seen then.
//
// Every test root is added to the test profile (isBuiltInRoot: false), and an added root is never
// learnt. The test declares its CA A root the only way a release build accepts as known: by
// policy (`allowedInterceptionSpkis`, installed as Firefox's policies.json). No test-only switch.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/watch.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issue, subject } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { firefoxPolicies, firefoxWithPolicies } from './lib/enterprise.mjs';
import { GECKO_ID, Inspector, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;
const HOST = 'watched.example.test';

/** CA A (root, issuing CA) with two leaves of different keys; CA B (root, issuing CA) with one. */
function mint(pki) {
  const dir = pki.dir;
  const aRoot = issue(dir, 'watch-a-root', { subj: subject({ CN: 'Watch Test Root A', O: 'CA A' }), ca: true });
  const aInter = issue(dir, 'watch-a-inter', { subj: subject({ CN: 'Watch Test Issuing CA A', O: 'CA A' }), ca: true, issuer: aRoot });
  const bRoot = issue(dir, 'watch-b-root', { subj: subject({ CN: 'Watch Test Root B', O: 'CA B' }), ca: true });
  const bInter = issue(dir, 'watch-b-inter', { subj: subject({ CN: 'Watch Test Issuing CA B', O: 'CA B' }), ca: true, issuer: bRoot });
  const leaf = (name, inter) => {
    const cert = issue(dir, name, { subj: subject({ CN: HOST }), issuer: inter, hosts: [HOST] });
    return { ...cert, host: HOST, chainPem: cert.pemText + inter.pemText };
  };
  return { aRoot, aInter, bRoot, bInter, l1: leaf('watch-l1', aInter), l2: leaf('watch-l2', aInter), lb: leaf('watch-lb', bInter) };
}

async function start(policy) {
  const s = await prepare({
    browser: 'firefox',
    name: 'test-firefox-watch',
    stale: false,
    extend: mint,
    servers: (specs, pki, extra) => ({ watched: { name: 'watched host', leaf: extra.l1 }, mailLegit: specs.mailLegit }),
  });
  const farm = firefoxWithPolicies(s.dir, firefoxPolicies(GECKO_ID, policy(s.extra)));
  const ff = await launchFirefox({ roots: [...s.pki.roots, s.extra.aRoot, s.extra.bRoot], hosts: [...HOSTS, HOST], executablePath: farm.executable });
  const since = Date.now();
  await ff.browser.installExtension(s.dist);
  const insp = await Inspector.open(ff);
  const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
  assert.ok(booted, 'the background page started and built the engine');
  return { s, ff, insp, farm };
}

/** The tab's main-frame record once one newer than `t0` is stored. */
async function pageRecord(insp, tabId, t0) {
  return waitFor(async () => {
    const t = await insp.session(`tab:${tabId}`);
    return t?.page?.time >= t0 && t.page;
  }, { timeout: 10_000 });
}

/** The popup for `tabId`, once it has asked the background what it may offer. */
async function popupFor(ff, tabId) {
  const popup = await openExtensionPage(ff, `pages/popup.html?tab=${tabId}`);
  const state = await waitFor(() => popup.evaluate(() => document.body.dataset.watchState), { timeout: 10_000 });
  return { popup, state };
}

describe('Firefox ESR: "Watch this site"', { skip }, () => {
  let env;

  before(async () => {
    env = await start((extra) => ({ allowedInterceptionSpkis: [extra.aRoot.spkiPin] }));
  });

  after(async () => {
    await env?.ff.close();
    env?.farm.remove();
    await env?.s.cleanup();
  });

  it('watch an unpinned host; a renewal under the same CA is silent; another CA is stopped with the dates', async () => {
    const { s, ff, insp } = env;
    const server = s.servers.watched;
    const { aRoot, aInter, l2, lb } = s.extra;

    const first = await visit(ff, server.url);
    assert.equal(first.outcome, 'page', `got ${first.outcome} at ${first.href}`);
    const tabId = await insp.tabId(first.page);
    const unwatched = await pageRecord(insp, tabId, 0);
    assert.equal(unwatched.status, 'allowed-interception', 'a root policy declared, on a host no list covers');
    assert.equal(unwatched.builtInRoot, false, 'every test root is added to the profile');

    const { popup, state } = await popupFor(ff, tabId);
    assert.equal(state, 'offer');
    assert.equal(await popup.evaluate(() => document.getElementById('watch-section').hidden), false);
    await popup.select('#watch-mode', 'enforce');
    await popup.click('#watch');
    const note = await waitFor(() => popup.evaluate(() => document.getElementById('watch-note').dataset.watching === 'true'
      && document.getElementById('watch-note').textContent), { timeout: 10_000 });
    assert.ok(note, 'the popup says the site is watched');
    assert.match(note, /Watch Test Issuing CA A/);
    await popup.close();

    const watched = (await insp.local('watched'))[HOST];
    assert.deepEqual(watched.pins, [aInter.spkiPin, aRoot.spkiPin], 'the issuing CA and the root, never the leaf');
    assert.equal(watched.mode, 'enforce');
    assert.match(watched.issuer, /Watch Test Issuing CA A/);
    assert.match(watched.root, /Watch Test Root A/);
    assert.deepEqual(watched.changes, []);

    // The same chain: now pinned by the watched entry.
    let t0 = Date.now();
    await first.page.reload({ waitUntil: 'load' });
    let r = await pageRecord(insp, tabId, t0);
    assert.equal(r.status, 'pinned');
    assert.equal(r.entry.source, 'watched');
    assert.equal(r.mode, 'enforce');

    // A renewal: a new leaf key under the same issuing CA. Silent.
    server.swapChain(l2);
    t0 = Date.now();
    await first.page.reload({ waitUntil: 'load' });
    r = await pageRecord(insp, tabId, t0);
    assert.equal(r.status, 'pinned', 'a renewal under the watched CA stays silent');
    assert.equal(r.chain[0].spkiSha256, l2.spkiPin, 'the new leaf was the one judged');
    assert.equal(await first.page.evaluate(() => Boolean(document.getElementById('served-page'))), true);
    assert.equal((await insp.badge(tabId)).text, '✓');

    // Another CA for the same host: stopped (enforce), the warning page says when and what.
    server.swapChain(lb);
    t0 = Date.now();
    await first.page.reload({ waitUntil: 'load' }).catch(() => {});
    const warned = await waitFor(() => first.page.evaluate(() => location.href.includes('pages/warning.html')
      && !document.getElementById('watch-change').hidden && document.getElementById('watch-change').textContent), { timeout: 15_000 });
    assert.ok(warned, 'the warning page shows the watched site\'s change');
    const sinceWords = await first.page.evaluate((ms) => new Date(ms).toLocaleString(), watched.since);
    assert.ok(warned.includes(`Watching since ${sinceWords}`), warned);
    assert.match(warned, /then the CA was [^(]*Watch Test Issuing CA A[^(]*\(root [^)]*Watch Test Root A[^)]*\)/);
    assert.match(warned, /This connection's CA is [^(]*Watch Test Issuing CA B[^(]*\(root [^)]*Watch Test Root B[^)]*\)/);
    r = await pageRecord(insp, tabId, t0);
    assert.equal(r.status, 'mismatch');
    assert.equal(r.entry.source, 'watched');
    const changes = await waitFor(async () => (await insp.local('watched'))[HOST].changes.length && (await insp.local('watched'))[HOST].changes);
    assert.equal(changes.length, 1);
    assert.match(changes[0].issuer, /Watch Test Issuing CA B/);
    assert.deepEqual(changes[0].pins, [s.extra.bInter.spkiPin, s.extra.bRoot.spkiPin]);

    // The options page lists it, with the change; Remove ends the watch.
    const options = await openExtensionPage(ff, 'pages/options.html');
    const row = await waitFor(() => options.evaluate((h) => {
      const tr = document.querySelector(`#watched tr[data-host="${h}"]`);
      return tr && tr.textContent;
    }, HOST));
    assert.ok(row, 'the options page lists the watched site');
    assert.match(row, /enforce/);
    assert.match(row, /Watch Test Issuing CA B/);
    await options.click(`#watched tr[data-host="${HOST}"] button.remove`);
    const gone = await waitFor(async () => !(HOST in ((await insp.local('watched')) ?? {})));
    assert.ok(gone, 'removed from storage');
    await options.close();
    server.swapChain(s.extra.l1);
    await first.page.close();
  });

  it('a host the list governs is not offered', async () => {
    const { s, ff, insp } = env;
    const v = await visit(ff, s.servers.mailLegit.url);
    assert.equal(v.outcome, 'page');
    const tabId = await insp.tabId(v.page);
    const r = await pageRecord(insp, tabId, 0);
    assert.equal(r.status, 'pinned');
    const { popup, state } = await popupFor(ff, tabId);
    assert.equal(state, 'governed');
    assert.equal(await popup.evaluate(() => document.getElementById('watch-section').hidden), true);
    // Nor does the background accept it when asked directly.
    const answer = await popup.evaluate((id) => browser.runtime.sendMessage({ type: 'watch', tabId: id, mode: 'warn' }), tabId);
    assert.equal(answer.ok, false);
    assert.equal(answer.messageKey, 'not_watchable_governed');
    assert.equal((await insp.local('watched'))?.['mail.example.test'], undefined);
    await popup.close();
    await v.page.close();
  });
});

describe('Firefox ESR: policy allowWatch false removes "Watch this site"', { skip }, () => {
  let env;

  before(async () => {
    env = await start((extra) => ({ allowedInterceptionSpkis: [extra.aRoot.spkiPin], allowWatch: false }));
  });

  after(async () => {
    await env?.ff.close();
    env?.farm.remove();
    await env?.s.cleanup();
  });

  it('no button, the background refuses, the options page says so', async () => {
    const { s, ff, insp } = env;
    const v = await visit(ff, s.servers.watched.url);
    assert.equal(v.outcome, 'page');
    const tabId = await insp.tabId(v.page);
    const r = await pageRecord(insp, tabId, 0);
    assert.equal(r.status, 'allowed-interception', 'the same page that is offered without the policy');
    const { popup, state } = await popupFor(ff, tabId);
    assert.equal(state, 'turned-off');
    assert.equal(await popup.evaluate(() => document.getElementById('watch-section').hidden), true);
    const answer = await popup.evaluate((id) => browser.runtime.sendMessage({ type: 'watch', tabId: id, mode: 'warn' }), tabId);
    assert.equal(answer.ok, false);
    assert.match(answer.error, /turned "Watch this site" off/);
    assert.equal(answer.messageKey, 'not_watchable_turned_off', 'the page can say it in its reader\'s language');
    await popup.close();
    const options = await openExtensionPage(ff, 'pages/options.html');
    const off = await waitFor(() => options.evaluate(() => !document.getElementById('watch-off').hidden));
    assert.ok(off, 'the options page says the organisation turned it off');
    await options.close();
    await v.page.close();
  });
});
