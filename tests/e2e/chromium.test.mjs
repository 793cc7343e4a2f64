// End-to-end: the built extension (dist/test-chromium) in headless Chromium, against HTTPS
// servers on loopback whose chains are made for this run. Two launches:
//
//   A. with --enable-features=WebRequestSecurityInfo: the leaf-only tier and the issuer-key proof;
//      then full-chain capture (debugger) turned on from the options page;
//   B. without it: nothing to read ("can't verify in this browser", never "pinned"); then
//      full-chain capture turned on: the same verdicts as Firefox.
//
// Each case opens a fresh tab.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/chromium.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, sleep, visit, waitFor } from './lib/chromium.mjs';
import { issue, spkiDer, subject } from './lib/pki.mjs';
import { prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

const HOSTS = ['mail.example.test', 'noissuer.example.test', 'plain.example.test'];

/**
 * The Chromium scenario (scenario.mjs's prepare() with these): the e2e PKI plus
 *   mailRenewed: a new leaf key for mail.example.test, signed by the pinned intermediate;
 *   impostorInter: an intermediate with the pinned intermediate's exact name but another key
 *                  (under the second trusted root), and mailForged, a leaf with mail-legit's
 *                  names signed by it;
 *   noIssuer: a leaf for a host whose pin set has no issuer keys.
 */
function extraCertificates(pki) {
  const d = pki.dir;
  const withChain = (cert, host, ...intermediates) => ({ ...cert, host, chainPem: [cert, ...intermediates].map((c) => c.pemText).join('') });
  const mailRenewed = withChain(issue(d, 'mail-renewed', { subj: subject({ CN: 'mail.example.test' }), issuer: pki.legitInter, hosts: ['mail.example.test'] }),
    'mail.example.test', pki.legitInter);
  const impostorInter = issue(d, 'impostor-inter', { subj: subject({ CN: 'Pinwatch Test Legit Issuing CA', O: 'Pinwatch tests' }), ca: true, issuer: pki.rogueRoot });
  const mailForged = withChain(issue(d, 'mail-forged', { subj: subject({ CN: 'mail.example.test' }), issuer: impostorInter, hosts: ['mail.example.test'] }),
    'mail.example.test', impostorInter);
  const noIssuer = withChain(issue(d, 'noissuer', { subj: subject({ CN: 'noissuer.example.test' }), issuer: pki.legitInter, hosts: ['noissuer.example.test'] }),
    'noissuer.example.test', pki.legitInter);
  assert.equal(impostorInter.subject, pki.legitInter.subject, 'the impostor has the pinned intermediate\'s name');
  assert.notEqual(impostorInter.spkiPin, pki.legitInter.spkiPin);
  return { mailRenewed, impostorInter, mailForged, noIssuer };
}

/**
 * The test list, changed: it pins mail.example.test to its leaf key, the intermediate and the
 * root, with the intermediate's public key as issuer key (for leaf-only browsers), and pins
 * noissuer.example.test without issuer keys.
 */
function editList(list, pki) {
  list.pinsets['test-legit'] = {
    good: [pki.leaves.mailLegit.spkiPin, pki.legitInter.spkiPin, pki.legitRoot.spkiPin],
    issuer_keys: [spkiDer(pki.legitInter)],
  };
  list.pinsets['test-no-issuer'] = { good: [pki.legitInter.spkiPin, pki.legitRoot.spkiPin] };
  list.entries.push({ host: 'noissuer.example.test', include_subdomains: false, pinset: 'test-no-issuer', mode: 'enforce' });
}

describe('Chromium: leaf-only tier, issuer-key proof, debugger tier, "can\'t verify"', { skip }, () => {
  let sc; // scenario: pki, extra, list, dist, servers
  let dist;
  let servers;

  before(async () => {
    sc = await prepare({
      browser: 'chromium-full-chain',
      name: 'test-chromium',
      stale: false,
      extend: extraCertificates,
      editList,
      servers: (specs, pki, X) => ({
        legit: specs.mailLegit,
        rogue: specs.mailRogue,
        renewed: { name: 'mail (new leaf key, pinned issuer)', leaf: X.mailRenewed },
        forged: { name: 'mail (same names, impostor issuer key)', leaf: X.mailForged },
        noIssuer: { name: 'pinned host without issuer keys', leaf: X.noIssuer },
        plain: specs.plain,
      }),
    });
    ({ dist, servers } = sc);
  });

  after(async () => {
    await sc?.cleanup();
  });

  /** One Chromium with the test build (or `build`) installed and an inspector page. */
  async function start(securityInfo, build = dist) {
    const cr = await launchChromium({ roots: sc.pki.roots, hosts: HOSTS, securityInfo });
    const since = Date.now();
    await cr.install(build);
    const insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
    return { cr, insp };
  }

  /** Visits a server in a fresh tab; returns the visit, its tab id and the server's new requests. */
  async function visitServer(env, server, want) {
    const seen = server.requests.length;
    const v = await visit(env.cr, server.url, { want });
    const tabId = await env.insp.tabId(v.page);
    return { ...v, tabId, url: server.url, requests: () => server.requests.slice(seen) };
  }

  /** Turns full-chain capture on (or off) from the options page, as a person would. */
  async function turnOnDebugger(env, on = true) {
    const page = await env.cr.browser.newPage();
    await page.goto(`${env.cr.base}pages/options.html`, { waitUntil: 'load' });
    const shown = await waitFor(() => page.evaluate(() => !document.getElementById('debugger-block').hidden
      && document.getElementById('debugger-block').textContent));
    assert.ok(shown, 'the options page offers full-chain capture');
    assert.match(shown, /started debugging this browser/, 'it tells about the browser\'s debugging bar first');
    assert.equal(await page.evaluate(() => document.getElementById('debugger-capture').checked), !on, 'the switch shows the saved state');
    await page.click('#debugger-capture');
    const note = await page.evaluate(() => document.getElementById('debugger-note').textContent);
    assert.match(note, /Press Save/);
    await page.click('#save');
    const saved = await waitFor(() => page.evaluate(() => document.getElementById('saved').textContent === 'Saved.'));
    assert.ok(saved, `the settings were saved (${await page.evaluate(() => document.getElementById('errors').textContent)})`);
    assert.equal((await env.insp.local('user'))?.debuggerCapture, on);
    await page.close();
  }

  describe('A. with WebRequestSecurityInfo: the leaf certificate', () => {
    let env;
    before(async () => { env = await start(true); });
    after(async () => { await env?.cr.close(); });

    it('a1. the legitimate chain: "pinned" from the leaf\'s own pin, the page loads', async () => {
      const v = await visitServer(env, servers.legit, 'page');
      assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
      const r = await env.insp.waitRecord(v.tabId, v.url);
      assert.ok(r, 'a verdict was stored');
      assert.equal(r.status, 'pinned', r.reason);
      assert.equal(r.tier, 'securityInfoRawDer');
      assert.equal(r.leafOnly, true);
      assert.equal(r.chain.length, 1, 'Chromium hands over the leaf only');
      assert.equal(r.matched.kind, 'chain-pin');
      assert.equal(r.matched.certIndex, 0);
      assert.equal((await env.insp.waitBadge(v.tabId, '✓')).text, '✓');
      assert.equal(await env.insp.local('leafCaptureSeen') > 0, true, 'the extension remembers that the leaf arrives');
      await sleep(300);
      assert.equal(await env.insp.session(`warning:${v.tabId}`), undefined, 'no warning was prepared');
      await v.page.close();
    });

    it('a2. a rogue-CA leaf: the tab is sent to the warning page, which says the response had arrived', async () => {
      const v = await visitServer(env, servers.rogue, 'warning');
      assert.equal(v.outcome, 'warning', `expected the warning page, got ${v.outcome} at ${v.href}`);
      assert.ok(v.href.startsWith(`${env.cr.base}pages/warning.html#`), v.href);
      const page = await v.page.evaluate(() => ({
        title: document.getElementById('title').textContent,
        summary: document.getElementById('summary').textContent,
        after: document.getElementById('after-the-fact').hidden ? null : document.getElementById('after-the-fact').textContent,
        served: [...document.querySelectorAll('#served-chain .pin')].map((e) => e.textContent),
        reason: document.getElementById('reason').textContent,
      }));
      assert.match(page.title, /mail\.example\.test may be intercepted/);
      assert.doesNotMatch(page.summary, /before it loaded/, 'no claim that the page was stopped before it loaded');
      assert.match(page.after ?? '', /had already arrived/);
      assert.deepEqual(page.served, [sc.pki.leaves.mailRogue.spkiPin]);
      assert.match(page.reason, /not signed by any pinned issuer key/);
      const r = await env.insp.record(v.tabId);
      assert.equal(r.status, 'mismatch');
      assert.equal(r.afterTheFact, true);
      assert.equal((await env.insp.waitBadge(v.tabId, '!')).text, '!');
      await v.page.close();
    });

    it('a3. a new leaf key signed by the pinned intermediate: "pinned" through the issuer-key proof', async () => {
      const v = await visitServer(env, servers.renewed, 'page');
      assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
      const r = await env.insp.waitRecord(v.tabId, v.url);
      assert.equal(r.status, 'pinned', r.reason);
      assert.equal(r.matched.kind, 'issuer-key');
      assert.equal(r.matched.pin, sc.pki.legitInter.spkiPin, 'the proof names the pinned intermediate');
      assert.equal(r.chain[0].spkiSha256, sc.extra.mailRenewed.spkiPin, 'the leaf key itself is not pinned');
      assert.equal((await env.insp.waitBadge(v.tabId, '✓')).text, '✓');
      // What the popup shows for it.
      const popup = await env.cr.browser.newPage();
      await popup.goto(`${env.cr.base}pages/popup.html?tab=${v.tabId}`, { waitUntil: 'load' });
      const shown = await waitFor(() => popup.evaluate(() => document.querySelector('#verdict-badge .status') && {
        status: document.querySelector('#verdict-badge .status').textContent,
        reason: document.getElementById('reason').textContent,
      }));
      assert.equal(shown.status, 'pinned');
      assert.match(shown.reason, /signed by a pinned issuer key/);
      await popup.close();
      await sleep(300);
      assert.equal(await env.insp.session(`warning:${v.tabId}`), undefined);
      await v.page.close();
    });

    it('a4. a leaf with the same names re-signed by a key that is not pinned: "mismatch"', async () => {
      const v = await visitServer(env, servers.forged, 'warning');
      assert.equal(v.outcome, 'warning', `expected the warning page, got ${v.outcome} at ${v.href}`);
      const r = await env.insp.record(v.tabId);
      assert.equal(r.status, 'mismatch');
      assert.equal(r.leafOnly, true);
      assert.equal(r.chain[0].subject, 'CN=mail.example.test');
      assert.equal(r.chain[0].issuer, 'O=Pinwatch tests, CN=Pinwatch Test Legit Issuing CA', 'the issuer name is the pinned CA\'s');
      assert.match(r.reason, /not signed by any pinned issuer key/);
      await v.page.close();
    });

    it('a5. a pinned host whose pin set has no issuer keys: "unverifiable", never "pinned"', async () => {
      const v = await visitServer(env, servers.noIssuer, 'page');
      assert.equal(v.outcome, 'page');
      const r = await env.insp.waitRecord(v.tabId, v.url);
      assert.equal(r.status, 'unverifiable', r.reason);
      assert.match(r.reason, /no issuer keys/);
      assert.equal((await env.insp.waitBadge(v.tabId, '?')).text, '?');
      await v.page.close();
    });

    it('a6. after the service worker was stopped, a rogue leaf still leads to the warning page', async () => {
      const since = Date.now();
      assert.ok(await env.insp.stopWorker(), 'the service worker stopped');
      const v = await visitServer(env, servers.rogue, 'warning');
      assert.equal(v.outcome, 'warning', `expected the warning page, got ${v.outcome} at ${v.href}`);
      const boots = await env.insp.session('boots');
      const wake = boots.find((b) => b.at >= since);
      assert.ok(wake, `the worker was started again for the response (boots: ${JSON.stringify(boots)})`);
      assert.equal((await env.insp.record(v.tabId)).tier, 'securityInfoRawDer', 'the leaf reached the restarted worker');
      await v.page.close();
    });

    it('c (with the leaf tier too). full-chain capture on: a pinned tab is attached, its next load has the whole chain', async () => {
      await turnOnDebugger(env);
      const v = await visitServer(env, servers.legit, 'page');
      assert.equal(v.outcome, 'page');
      const first = await env.insp.waitRecord(v.tabId, v.url);
      assert.equal(first.status, 'pinned', first.reason);
      // Attaching is asynchronous: it may finish just after the first verdict was stored.
      const attached = await waitFor(async () => (await env.insp.attachedTabs()).includes(v.tabId), { timeout: 10_000 });
      assert.ok(attached, 'the debugger is attached to the pinned tab');
      // The same tab loads the page again: now read through the debugger, leaf to root.
      const t0 = Date.now();
      await v.page.reload({ waitUntil: 'load' });
      const r = await env.insp.waitRecord(v.tabId, v.url, (x) => x.time >= t0 && x.tier === 'debugger');
      assert.equal(r?.tier, 'debugger', `expected a full-chain verdict, got ${JSON.stringify(r && { tier: r.tier, error: r.captureError })}`);
      assert.equal(r.status, 'pinned');
      assert.equal(r.chain.length, 3);
      assert.equal(r.chain[2].spkiSha256, sc.pki.legitRoot.spkiPin, 'the root is in the chain');
      // Leaving the pinned host lets the debugger go.
      await v.page.goto(servers.plain.url, { waitUntil: 'load' });
      const detached = await waitFor(async () => !(await env.insp.attachedTabs()).includes(v.tabId), { timeout: 5000 });
      assert.ok(detached, 'the debugger detached when the tab left the pinned host');
      await v.page.close();
    });
  });

  describe('A\'. with WebRequestSecurityInfo, and a build whose signature module does not load', () => {
    // The judge asks the signature module (wasm/signatures/) for the issuer key's signature on
    // the leaf. Its module file is removed from a copy of the build (the glue stays, so the
    // background starts): our own failure, so the page goes on with the error badge and a
    // record that names it, and nothing is called "pinned" or "mismatch" without the signature.
    let env;
    let copy;
    before(async () => {
      copy = `${dist}-no-signatures`;
      cpSync(dist, copy, { recursive: true });
      rmSync(`${copy}/wasm/signatures/pinwatch_bg.wasm`);
      env = await start(true, copy);
    });
    after(async () => {
      await env?.cr.close();
      if (copy) rmSync(copy, { recursive: true, force: true });
    });

    for (const [key, name] of [['renewed', 'a leaf proven only by the issuer key\'s signature'], ['forged', 'a leaf that signature would refuse']]) {
      it(`a7. ${name}: the page goes on with the error badge, the record names the signature module`, async () => {
        const v = await visitServer(env, servers[key], 'page');
        assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
        const r = await env.insp.waitRecord(v.tabId, v.url);
        assert.equal(r.status, 'error', r.reason);
        assert.equal(r.reasonCode, 'own-error');
        assert.equal(r.reasonParams.error, 'signatures: unavailable');
        assert.equal((await env.insp.waitBadge(v.tabId, 'ERR')).text, 'ERR');
        await v.page.close();
      });
    }
  });

  describe('B. without WebRequestSecurityInfo', () => {
    let env;
    before(async () => { env = await start(false); });
    after(async () => { await env?.cr.close(); });

    it('b1. debugger off: the legitimate chain is "unverifiable", the popup says how to enable a tier', async () => {
      const v = await visitServer(env, servers.legit, 'page');
      assert.equal(v.outcome, 'page');
      const r = await env.insp.waitRecord(v.tabId, v.url);
      assert.equal(r.status, 'unverifiable', r.reason);
      assert.equal(r.cannotVerify, true);
      assert.equal(r.tier, 'none');
      const badge = await env.insp.waitBadge(v.tabId, '?');
      assert.match(badge.title, /can't verify in this browser/);
      const popup = await env.cr.browser.newPage();
      await popup.goto(`${env.cr.base}pages/popup.html?tab=${v.tabId}`, { waitUntil: 'load' });
      const shown = await waitFor(() => popup.evaluate(() => !document.getElementById('cannot-verify').hidden && {
        words: document.getElementById('words').textContent,
        how: document.getElementById('cannot-verify-how').textContent,
      }));
      assert.ok(shown, 'the popup shows the "can\'t verify" section');
      assert.match(shown.words, /can't verify in this browser/);
      assert.match(shown.how, /Chrome 144/);
      assert.match(shown.how, /--enable-features=WebRequestSecurityInfo/);
      assert.match(shown.how, /full-chain capture/);
      await popup.close();
      assert.equal(await env.insp.local('leafCaptureSeen'), undefined, 'no leaf was ever seen');
      await v.page.close();
    });

    it('b2. debugger off: a rogue chain is never "pinned" either, and no page is claimed safe', async () => {
      for (const server of [servers.rogue, servers.renewed]) {
        const v = await visitServer(env, server, 'page');
        const r = await env.insp.waitRecord(v.tabId, v.url);
        assert.equal(r.status, 'unverifiable', `${server.name}: ${r.status} ${r.reason}`);
        assert.notEqual((await env.insp.waitBadge(v.tabId, '?')).text, '✓');
        await v.page.close();
      }
    });

    it('c1. debugger on: the legitimate chain is "pinned" with the full chain', async () => {
      await turnOnDebugger(env);
      const v = await visitServer(env, servers.legit, 'page');
      // The first response of a tab is over before the debugger is attached: the tab is loaded
      // once more, and that load is checked with the whole chain.
      const r = await env.insp.waitRecord(v.tabId, v.url, (x) => x.tier === 'debugger', 15_000);
      assert.equal(r?.tier, 'debugger', `expected a full-chain verdict, got ${JSON.stringify(r && { status: r.status, tier: r.tier, error: r.captureError })}`);
      assert.equal(r.status, 'pinned', r.reason);
      assert.equal(r.leafOnly, false);
      assert.deepEqual(r.chain.map((c) => c.spkiSha256),
        [sc.pki.leaves.mailLegit.spkiPin, sc.pki.legitInter.spkiPin, sc.pki.legitRoot.spkiPin]);
      assert.equal((await env.insp.waitBadge(v.tabId, '✓')).text, '✓');
      await v.page.close();
    });

    it('c2. debugger on: a rogue chain leads to the warning page, with the rogue root in the served chain', async () => {
      const v = await visitServer(env, servers.rogue, 'warning');
      assert.equal(v.outcome, 'warning', `expected the warning page, got ${v.outcome} at ${v.href}`);
      const r = await env.insp.record(v.tabId);
      assert.equal(r.status, 'mismatch');
      assert.equal(r.tier, 'debugger');
      assert.deepEqual(r.chain.map((c) => c.spkiSha256), [sc.pki.leaves.mailRogue.spkiPin, sc.pki.rogueRoot.spkiPin]);
      const served = await v.page.evaluate(() => [...document.querySelectorAll('#served-chain .subject')].map((e) => e.textContent));
      assert.equal(served[1], 'O=Interceptor Ltd, CN=Pinwatch Test Rogue Root');
      await v.page.close();
    });

    it('c3. debugger on: the impostor intermediate with the pinned name is a "mismatch"; the renewed leaf is "pinned" by its intermediate', async () => {
      const forged = await visitServer(env, servers.forged, 'warning');
      assert.equal(forged.outcome, 'warning', `expected the warning page, got ${forged.outcome} at ${forged.href}`);
      // What the warning page shows: the page's own response, or one of its sub-resources that
      // the attached debugger read first (a stop of either sends the tab there).
      const rf = (await env.insp.session(`warning:${forged.tabId}`))?.record;
      assert.equal(rf?.status, 'mismatch');
      assert.equal(rf.host, 'mail.example.test');
      assert.equal(rf.tier, 'debugger');
      assert.equal(rf.chain[1].spkiSha256, sc.extra.impostorInter.spkiPin);
      await forged.page.close();

      const renewed = await visitServer(env, servers.renewed, 'page');
      const rr = await env.insp.waitRecord(renewed.tabId, renewed.url, (x) => x.tier === 'debugger', 15_000);
      assert.equal(rr?.status, 'pinned', `${rr?.reason} (${rr?.captureError})`);
      assert.equal(rr.matched.kind, 'chain-pin');
      assert.equal(rr.matched.certIndex, 1, 'matched on the intermediate in the full chain');
      await renewed.page.close();
    });

    it('c4. debugger on: after the service worker was stopped, an attached tab still gets full-chain verdicts', async () => {
      const v = await visitServer(env, servers.legit, 'page');
      const first = await env.insp.waitRecord(v.tabId, v.url, (x) => x.tier === 'debugger', 15_000);
      assert.equal(first?.tier, 'debugger');
      assert.ok((await env.insp.attachedTabs()).includes(v.tabId));
      assert.ok(await env.insp.stopWorker(), 'the service worker stopped');
      const t0 = Date.now();
      await v.page.reload({ waitUntil: 'load' });
      const r = await env.insp.waitRecord(v.tabId, v.url, (x) => x.time >= t0 && x.tier === 'debugger', 15_000);
      assert.equal(r?.tier, 'debugger', `expected a full-chain verdict, got ${JSON.stringify(r && { status: r.status, tier: r.tier, error: r.captureError })}`);
      assert.equal(r.status, 'pinned');
      await v.page.close();
    });

    it('c5. debugger turned off in the options page: Pinwatch detaches, and says again that it cannot verify', async () => {
      const v = await visitServer(env, servers.legit, 'page');
      await env.insp.waitRecord(v.tabId, v.url, (x) => x.tier === 'debugger', 15_000);
      assert.ok((await env.insp.attachedTabs()).includes(v.tabId), 'attached to the pinned tab');
      await turnOnDebugger(env, false);
      const detached = await waitFor(async () => !(await env.insp.attachedTabs()).includes(v.tabId), { timeout: 5000 });
      assert.ok(detached, 'the debugger detached when the option was turned off');
      const t0 = Date.now();
      await v.page.reload({ waitUntil: 'load' });
      const r = await env.insp.waitRecord(v.tabId, v.url, (x) => x.time >= t0);
      assert.equal(r.status, 'unverifiable');
      assert.equal(r.cannotVerify, true);
      await v.page.close();
    });
  });
});
