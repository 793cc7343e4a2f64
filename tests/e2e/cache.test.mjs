// End-to-end, headless Firefox ESR: what the page-load shortcuts must never change. Sub-resources
// are judged from the chain's digests, a chain judged before in this wake comes from the cache,
// and neither lets a different chain through: a new server key on the same host mid-session is
// stopped, and a block-listed certificate on an unpinned host is still stopped.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/cache.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { Inspector, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

describe('Firefox ESR: digests and the verdict cache never let another chain through', { skip }, () => {
  let s;
  let ff;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-cache',
      stale: false,
      servers: (specs) => ({ mailLegit: specs.mailLegit, blocked: specs.blocked }),
    });
    ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS });
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

  /** How the background reached its verdicts in this wake: `{der, digests, cache}`. */
  async function judgedCounts() {
    const page = await openExtensionPage(ff, 'pages/options.html');
    const answer = await page.evaluate(() => browser.runtime.sendMessage({ type: 'status' }));
    await page.close();
    return answer.value.judged;
  }

  it('a pinned page: its sub-resources judged without DER; the reload from the cache; then a new server key on the same host is stopped', async () => {
    const server = s.servers.mailLegit;
    const before = await judgedCounts();
    const first = await visit(ff, server.url);
    assert.equal(first.outcome, 'page', `got ${first.outcome} at ${first.href}`);
    const tabId = await insp.tabId(first.page);
    const state = await waitFor(async () => {
      const t = await insp.session(`tab:${tabId}`);
      return t?.page && server.subRequests().length && t;
    });
    assert.ok(state, 'the page was judged and its image requested');
    assert.equal(state.page.judgedFrom, 'der', 'the page itself is judged with its certificates (the popup shows them)');
    assert.equal(state.page.status, 'pinned');
    // The browser's digests of the chain are the core's own hashes of the same certificates.
    const hex = (colons) => colons.replaceAll(':', '').toLowerCase();
    assert.equal(state.page.browserDigests.length, state.page.chain.length);
    state.page.chain.forEach((c, i) => {
      assert.equal(hex(state.page.browserDigests[i].certSha256), c.sha256, `certificate ${i}: SHA-256`);
      assert.equal(state.page.browserDigests[i].spkiSha256, c.spkiSha256, `certificate ${i}: SPKI pin`);
    });
    const counted = await waitFor(async () => {
      const now = await judgedCounts();
      return now.digests + now.cache > before.digests + before.cache && now;
    });
    assert.ok(counted, `the image (and favicon) were judged from digests or the cache, not DER: ${JSON.stringify(await judgedCounts())}`);

    const beforeReload = await judgedCounts();
    const t0 = Date.now();
    await first.page.reload({ waitUntil: 'load' });
    const again = await waitFor(async () => {
      const t = await insp.session(`tab:${tabId}`);
      return t?.page?.time >= t0 && t.page;
    });
    assert.equal(again.status, 'pinned');
    assert.equal(again.judgedFrom, 'cache', 'the same chain on the same host is not judged twice in a wake');
    assert.equal(again.chain.length, state.page.chain.length, 'the cached verdict still shows the certificates');
    assert.equal((await judgedCounts()).derReads, beforeReload.derReads, 'the reload read no DER: digests found the judged chain');

    // The interceptor takes over the same host and port: a new chain, never a cache hit.
    server.swapChain(s.pki.leaves.mailRogue);
    const t1 = Date.now();
    await first.page.reload({ waitUntil: 'load' }).catch(() => {});
    const stopped = await waitFor(async () => {
      const href = await first.page.evaluate(() => location.href).catch(() => '');
      return href.includes('pages/warning.html') && href;
    }, { timeout: 10_000 });
    assert.ok(stopped, 'the tab was sent to the warning page');
    const r = await waitFor(async () => {
      const t = await insp.session(`tab:${tabId}`);
      return t?.page?.time >= t1 && t.page;
    });
    assert.equal(r.status, 'mismatch');
    assert.notEqual(r.judgedFrom, 'cache');
    assert.ok(r.chain.length, 'the rogue page is judged and shown from its DER');
    server.swapChain(s.pki.leaves.mailLegit);
    await first.page.close();
  });

  it('a sub-resource of a host whose chain passed quietly: on that chain a map lookup; on another chain judged afresh and cancelled', async () => {
    const server = s.servers.mailLegit;
    const page = await visit(ff, server.url);
    assert.equal(page.outcome, 'page', `got ${page.outcome} at ${page.href}`);
    const tabId = await insp.tabId(page.page);
    await waitFor(async () => server.subRequests().length && (await insp.session(`tab:${tabId}`))?.page);
    const fetched = (query) => page.page.evaluate(async (q) => {
      try {
        return String((await fetch(`/sub.png?${q}`, { cache: 'no-store' })).status);
      } catch (e) {
        return `failed: ${e}`;
      }
    }, query);

    const before = await judgedCounts();
    assert.equal(await fetched('same-chain'), '200');
    const after = await waitFor(async () => {
      const now = await judgedCounts();
      return now.cache > before.cache && now;
    });
    assert.ok(after, 'the response on the chain that passed was a cache hit');
    assert.deepEqual([after.der, after.digests, after.derReads], [before.der, before.digests, before.derReads],
      'nothing was judged or read beyond the digests');

    // The interceptor takes over the host's next connections: the page's next request is on
    // another chain, which no cached pass covers.
    server.swapChain(s.pki.leaves.mailRogue);
    try {
      assert.match(await fetched('other-chain'), /^failed/, 'the response was cancelled');
      const sub = await waitFor(async () => (await insp.session(`tab:${tabId}`))?.subs?.find((r) => r.url.includes('other-chain')));
      // (Its verdict may come from the cache: the first test judged this rogue chain already.)
      assert.equal(sub?.status, 'mismatch');
    } finally {
      server.swapChain(s.pki.leaves.mailLegit);
      await page.page.close();
    }
  });

  it('an unpinned host with a block-listed certificate is still stopped', async () => {
    const v = await visit(ff, s.servers.blocked.url);
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    await v.page.close();
  });
});

describe('Firefox ESR: without a block list only pinned pages are held, and they still are', { skip }, () => {
  let s;
  let ff;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-unheld',
      stale: false,
      // As the bundled list ships: nothing could stop an unpinned page.
      editList: (list) => { list.blocklist = { spki: [], certificates: [] }; },
      servers: (specs) => ({ mailRogue: specs.mailRogue, plain: specs.plain }),
    });
    ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS });
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

  it('an unpinned page is not held, and its verdict is still recorded for the popup', async () => {
    const v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'page');
    const tabId = await insp.tabId(v.page);
    const r = await waitFor(async () => (await insp.session(`tab:${tabId}`))?.page);
    // Every root of the test profile is added: the default notice reads the chain after the
    // response is released (tests/e2e/local-root.test.mjs).
    assert.equal(r.status, 'local-root');
    assert.equal(r.held, false, 'the response was released at once');
    await v.page.close();
  });

  it('a rogue chain on a pinned host is still stopped before the page gets its content', async () => {
    const server = s.servers.mailRogue;
    const seen = server.requests.length;
    const v = await visit(ff, server.url);
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.deepEqual(server.requests.slice(seen).filter((r) => r.path.startsWith('/sub.png')), [],
      'the page never asked for its image: its HTML never arrived');
    await v.page.close();
  });
});
