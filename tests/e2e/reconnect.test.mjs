// End-to-end: an interceptor that lets the first connection through and takes the next ones.
// STOCK headless Chromium (no WebRequestSecurityInfo) with the companion installed as the docs
// say; each server switches to a rogue chain after the first visit (`swapChain`: open connections
// are closed, so the browser reconnects and gets the rogue chain).
//
// - A new navigation of an enforced host is looked at afresh: a kept companion reply never
//   vouches for it (the judge asks with `fresh`).
// - After the document loaded, the page's fetch() and WebSocket to the host reconnect to the
//   rogue chain: the core samples an enforced host's sub-resources (SUBRESOURCE_LOOK_MS), and
//   the rogue chain seen for one sends the tab to the warning page.
// - The legitimate chain's sub-resources, looked at the same way, leave the page alone.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/reconnect.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, sleep, visit, waitFor } from './lib/chromium.mjs';
import { prepare, ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const PINWATCH = join(ROOT, 'target', 'release', 'pinwatch');
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(PINWATCH) && 'no target/release/pinwatch: run ./build.sh');

/** What the tab shows now: 'warning', 'page', or something else. */
async function tabShows(page) {
  const href = await page.evaluate(() => location.href).catch(() => null);
  if (href?.includes('warning.html')) return 'warning';
  return href?.startsWith('https://') ? 'page' : String(href);
}

/**
 * Runs `act` in the page (a sub-resource request) every 300 ms until the tab shows the warning
 * page or `ms` have passed; returns what the tab shows then and how many requests were made.
 */
async function keepAsking(page, act, ms = 12_000) {
  let made = 0;
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await tabShows(page) === 'warning') break;
    await page.evaluate(act, made).catch(() => {});
    made += 1;
    await sleep(300);
  }
  await waitFor(async () => await tabShows(page) === 'warning', { timeout: 3000 });
  return { shows: await tabShows(page), made };
}

const fetchOnce = (n) => fetch(`/sub.png?n=${n}`, { cache: 'no-store' }).then(() => 'loaded', (e) => `failed: ${e.message}`);
const socketOnce = (n) => new Promise((resolve) => {
  const ws = new WebSocket(`wss://${location.host}/ws?n=${n}`);
  ws.onmessage = () => { ws.close(); resolve('message'); };
  ws.onerror = () => resolve('error');
  setTimeout(() => resolve('nothing'), 1000);
});

describe('Chromium with the companion: connections after the first one are looked at too', { skip }, () => {
  let sc;
  let cr;
  let insp;

  before(async () => {
    sc = await prepare({
      browser: 'chromium',
      name: 'test-chromium-reconnect',
      stale: false,
      servers: (specs) => ({
        navigation: { ...specs.mailLegit, name: 'mail (then rogue: navigation)' },
        fetch: { ...specs.mailLegit, name: 'mail (then rogue: fetch)' },
        socket: { ...specs.mailLegit, name: 'mail (then rogue: WebSocket)' },
        genuine: { ...specs.mailLegit, name: 'mail (stays legit)' },
      }),
    });
    cr = await launchChromium({ roots: sc.pki.roots, hosts: ['mail.example.test'], securityInfo: false });
    execFileSync(PINWATCH, ['companion', 'install', '--browser', 'chromium', '--user-data-dir', cr.profile]);
    await cr.install(sc.dist);
    insp = await Inspector.open(cr);
    assert.ok(await waitFor(async () => (await insp.session('boots'))?.length > 0, { timeout: 15_000 }), 'the service worker started');
  });

  after(async () => {
    await cr?.close();
    await sc?.cleanup();
  });

  /** The first visit to `server`: the legitimate chain, pinned from the companion's look. */
  async function firstVisit(server) {
    const v = await visit(cr, server.url, { want: 'page' });
    assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    assert.equal(r.tier, 'companion');
    assert.equal(r.status, 'pinned', r.reason);
    return { page: v.page, tabId };
  }

  it('a new navigation after the chain changed: looked at afresh, the warning page', async () => {
    const server = sc.servers.navigation;
    const { page } = await firstVisit(server);
    await page.close();
    server.swapChain(sc.pki.leaves.mailRogue);
    const v = await visit(cr, server.url, { want: 'warning' });
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    await v.page.close();
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.companion?.cached, false, 'not a kept reply');
  });

  it('the page\'s fetch() reconnects to a rogue chain: the tab goes to the warning page', async () => {
    const server = sc.servers.fetch;
    const { page } = await firstVisit(server);
    server.swapChain(sc.pki.leaves.mailRogue);
    const { shows, made } = await keepAsking(page, fetchOnce);
    await page.close();
    assert.equal(shows, 'warning', `still ${shows} after ${made} fetches`);
  });

  it('the page\'s WebSocket reconnects to a rogue chain: the tab goes to the warning page', async () => {
    const server = sc.servers.socket;
    const { page } = await firstVisit(server);
    server.swapChain(sc.pki.leaves.mailRogue);
    const { shows, made } = await keepAsking(page, socketOnce);
    await page.close();
    assert.equal(shows, 'warning', `still ${shows} after ${made} WebSockets`);
    assert.ok(server.upgrades.length > 0, 'the handshakes reached the server');
  });

  it('the legitimate chain\'s sub-resources are looked at and leave the page alone', async () => {
    const server = sc.servers.genuine;
    const { page } = await firstVisit(server);
    const looks = async () => (await insp.eval(() => chrome.runtime.sendMessage({ type: 'status' }))).value.judged.subresourceLooks;
    const before = await looks();
    // Longer than two sampling intervals: some of the fetches are looked at, not every one.
    const fetches = 10;
    for (let n = 0; n < fetches; n += 1) {
      assert.equal(await page.evaluate(fetchOnce, n), 'loaded');
      await sleep(500);
    }
    const looked = (await looks()) - before;
    assert.equal(await tabShows(page), 'page', 'the genuine chain\'s looks leave the page alone');
    assert.ok(looked >= 2, `sub-resources were looked at: ${looked} of ${fetches}`);
    assert.ok(looked < fetches, `sampled, not each one: ${looked} of ${fetches}`);
    await page.close();
  });
});
