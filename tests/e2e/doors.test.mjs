// End-to-end: the other doors to a pinned host, in headless Firefox ESR. A pinned session must not
// run where Pinwatch cannot check the chain: plain http:// to an enforced host is upgraded to
// https:// before it is sent, a WebSocket (wss://) to a pinned host is checked like any
// sub-resource and cancelled on a stop, and ws:// to an enforced host never goes out in clear.
// Also: a security state other than "secure" is shown in the popup.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/doors.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { Inspector, launchFirefox, openExtensionPage, sleep, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

// Short, so that case e can wait for the event page to be unloaded.
const IDLE_TIMEOUT_MS = 3000;

// Firefox's own upgrades would hide ours (and make the tests unable to fail): off.
const NO_BROWSER_UPGRADES = {
  'dom.security.https_first': false,
  'dom.security.https_first_pbm': false,
  'dom.security.https_first_schemeless': false,
  'dom.security.https_only_mode': false,
  'dom.security.https_only_mode_pbm': false,
};

/**
 * Opens a WebSocket from `page` and reports what the page saw: `opened` (the handshake
 * completed), the events in order, and whether it settled before the timeout.
 */
function openSocket(page, url, timeout = 8000) {
  return page.evaluate((u, ms) => new Promise((resolve) => {
    const events = [];
    const done = (extra = {}) => resolve({ opened: events.includes('open'), events, ...extra });
    let ws;
    try {
      ws = new WebSocket(u);
    } catch (e) {
      done({ thrown: String(e) });
      return;
    }
    ws.onopen = () => events.push('open');
    ws.onmessage = (m) => {
      events.push(`message:${m.data}`);
      ws.close();
    };
    ws.onerror = () => events.push('error');
    ws.onclose = (c) => {
      events.push(`close:${c.code}`);
      done();
    };
    setTimeout(() => done({ timedOut: true }), ms);
  }), url, timeout);
}

describe('Firefox ESR: the other doors (plain http, WebSockets)', { skip }, () => {
  let s; // scenario: pki, lists, servers, dist folder
  let ff; // launched Firefox
  let insp; // an extension page to read badges and session state

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-doors',
      stale: false,
      // Each port of a pinned or unpinned host also answers plain HTTP, so that an http:// visit
      // that is not upgraded is served (and seen) as such.
      servers: (specs) => ({
        mailLegit: { ...specs.mailLegit, plainHttp: true },
        mailRogue: specs.mailRogue,
        warnRogue: { ...specs.warnRogue, plainHttp: true },
        plain: { ...specs.plain, plainHttp: true },
      }),
    });
    ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS, prefs: NO_BROWSER_UPGRADES, idleTimeoutMs: IDLE_TIMEOUT_MS });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 10_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    await s?.cleanup();
  });

  /** Visits `url` in a fresh tab; returns the visit, its tab id and the server's new requests. */
  async function visitUrl(server, url) {
    const seen = server.requests.length;
    const v = await visit(ff, url);
    const tabId = await insp.tabId(v.page);
    return { ...v, tabId, requests: () => server.requests.slice(seen) };
  }

  it('a. http:// to an enforced pinned host ends on its https:// server: upgraded before anything is sent in clear', async () => {
    const server = s.servers.mailLegit;
    const v = await visitUrl(server, server.httpUrl);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    assert.equal(v.href, server.url, 'the tab ends on the https address, same port');
    assert.equal(await v.page.evaluate(() => document.getElementById('served-page').dataset.scheme), 'https');
    assert.deepEqual(v.requests().filter((r) => r.scheme === 'http'), [], 'no request reached the server in clear');
    assert.equal((await insp.waitBadge(v.tabId, '✓')).text, '✓', 'and its chain was checked');
    await v.page.close();
  });

  it('a2. http:// to an unpinned host and to a warn-mode pinned host is left alone (Firefox itself upgrades nothing here)', async () => {
    for (const server of [s.servers.plain, s.servers.warnRogue]) {
      const v = await visitUrl(server, server.httpUrl);
      assert.equal(v.outcome, 'page', `${server.name}: expected the served page, got ${v.outcome} at ${v.href}`);
      assert.equal(v.href, server.httpUrl, `${server.name}: still http`);
      assert.equal(await v.page.evaluate(() => document.getElementById('served-page').dataset.scheme), 'http');
      assert.ok(v.requests().some((r) => r.scheme === 'http'), `${server.name}: served in clear`);
      await v.page.close();
    }
  });

  it('b. a page on the pinned host opens wss:// to a server with the rogue chain: the socket never opens', async (t) => {
    const legit = s.servers.mailLegit;
    const rogue = s.servers.mailRogue;
    const v = await visitUrl(legit, legit.url);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    // The control: the same page, the same host, the legit chain: the socket opens.
    const good = await openSocket(v.page, `${legit.wsUrl}good`);
    assert.ok(good.opened, `a WebSocket with the pinned chain opens: ${JSON.stringify(good)}`);
    assert.ok(good.events.includes('message:hello'), JSON.stringify(good));

    const upgradesBefore = rogue.upgrades.length;
    const bad = await openSocket(v.page, `${rogue.wsUrl}rogue`);
    assert.equal(bad.opened, false, `the WebSocket with the rogue chain must not open: ${JSON.stringify(bad)}`);
    assert.ok(!bad.events.some((e) => e.startsWith('message:')), 'no data reached the page');
    const record = await waitFor(async () => (await insp.session(`tab:${v.tabId}`))?.subs?.find((r) => r.type === 'websocket'));
    assert.ok(record, 'the handshake was checked and recorded');
    assert.equal(record.status, 'mismatch');
    assert.equal(record.outcome, 'stopped');
    assert.equal(record.tier, 'getSecurityInfo', 'Firefox handed over the chain of the WebSocket handshake');
    assert.equal(record.url, `${rogue.wsUrl}rogue`);
    assert.deepEqual(record.chain.map((c) => c.spkiSha256), [s.pki.leaves.mailRogue.spkiPin, s.pki.rogueRoot.spkiPin]);
    assert.equal((await insp.waitBadge(v.tabId, '!')).text, '!', 'the tab shows the mismatch of its WebSocket');
    // The page itself stays: a WebSocket never replaces it.
    assert.equal(await v.page.evaluate(() => location.href), legit.url);
    const seen = rogue.upgrades.slice(upgradesBefore);
    t.diagnostic(`the rogue server saw ${seen.length} upgrade request(s); the page saw ${JSON.stringify(bad)}`);
    await v.page.close();
  });

  it('c. ws:// to an enforced pinned host never goes out in clear (Firefox 153 refuses the redirect to wss://, so the socket fails)', async (t) => {
    const plainHost = s.servers.plain; // an http page of an unpinned host
    const legit = s.servers.mailLegit; // its port answers ws:// and wss://
    const warn = s.servers.warnRogue;
    const v = await visitUrl(plainHost, plainHost.httpUrl);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    // The control: ws:// to a warn-mode pinned host is not touched, and works from this page.
    const warnBefore = warn.upgrades.length;
    const control = await openSocket(v.page, `ws://${warn.host}:${warn.port}/control`);
    assert.ok(control.opened, `ws:// to a warn-mode host opens in clear: ${JSON.stringify(control)}`);
    assert.deepEqual(warn.upgrades.slice(warnBefore).map((u) => u.scheme), ['http']);

    const before = legit.upgrades.length;
    const got = await openSocket(v.page, `ws://${legit.host}:${legit.port}/clear`);
    const seen = legit.upgrades.slice(before);
    t.diagnostic(`ws:// to the enforced host: ${JSON.stringify(got)}; the server saw ${JSON.stringify(seen.map((u) => u.scheme))}`);
    assert.ok(!seen.some((u) => u.scheme === 'http'), 'no WebSocket handshake reached the pinned host in clear');
    if (got.opened) assert.ok(seen.some((u) => u.scheme === 'https'), 'a socket that opened went over TLS');
    await v.page.close();
  });

  it('d. a security state other than "secure" is shown in the popup as text', async () => {
    const v = await visitUrl(s.servers.mailLegit, s.servers.mailLegit.url);
    assert.equal(v.outcome, 'page');
    const record = await waitFor(async () => (await insp.session(`tab:${v.tabId}`))?.page);
    assert.equal(record.securityState, 'secure', 'Firefox rates the test connection "secure"');
    // Firefox cannot be made to rate a loopback test server "weak"; the record is changed instead.
    const popupOf = async () => {
      const popup = await openExtensionPage(ff, `pages/popup.html?tab=${v.tabId}`);
      const shown = await waitFor(() => popup.evaluate(() => document.getElementById('host').textContent && {
        hidden: document.getElementById('security-state').hidden,
        text: document.getElementById('security-state').textContent,
        elements: document.getElementById('security-state').children.length,
      }));
      await popup.close();
      return shown;
    };
    assert.equal((await popupOf()).hidden, true, 'nothing is shown for "secure"');
    await insp.eval(async (key) => {
      const { storage } = globalThis.browser;
      const state = (await storage.session.get(key))[key];
      state.page.securityState = 'weak';
      for (const r of Object.values(state.byHost)) r.securityState = 'weak';
      await storage.session.set({ [key]: state });
    }, `tab:${v.tabId}`);
    const shown = await popupOf();
    assert.equal(shown.hidden, false);
    assert.match(shown.text, /rates this connection's security as "weak", not "secure": it uses weak cryptography/);
    assert.equal(shown.elements, 0, 'a line of text');
    await v.page.close();
  });

  it('e. after the event page is unloaded, http:// is still upgraded and a rogue wss:// still refused (filters registered at wake)', async () => {
    const legit = s.servers.mailLegit;
    const page = await visitUrl(legit, legit.url);
    assert.equal(page.outcome, 'page');
    let waitStart = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 3000);
    const bad = await openSocket(page.page, `${s.servers.mailRogue.wsUrl}after-idle`);
    assert.equal(bad.opened, false, `the rogue WebSocket must not open after a wake: ${JSON.stringify(bad)}`);
    assert.ok((await insp.session('boots')).some((b) => b.at > waitStart), 'the handshake woke the background page');
    await page.page.close();

    waitStart = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 3000);
    const v = await visitUrl(legit, legit.httpUrl);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    assert.equal(v.href, legit.url, 'upgraded after a wake');
    assert.deepEqual(v.requests().filter((r) => r.scheme === 'http'), []);
    assert.ok((await insp.session('boots')).some((b) => b.at > waitStart), 'the http request woke the background page');
    await v.page.close();
  });
});
