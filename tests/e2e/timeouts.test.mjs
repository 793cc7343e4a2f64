// End-to-end, headless Firefox ESR: an interceptor cannot keep the engine being rebuilt
// (docs/design.md#time-outs-keep-what-was-known). A watched site's record changes with every new
// chain seen for it, and each such write used to rebuild the engine: an interceptor that shows the
// watched host a new chain on every connection kept it rebuilding, with every check in the
// meantime waiting for a build (past the time limit, on a loaded machine, with no mode known at
// all). Only what feeds the engine rebuilds it now, at a bounded rate; the pinned host the person
// opens in the middle of it is still stopped.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/timeouts.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { createSecureContext } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchFirefox, visit, waitFor } from './lib/firefox.mjs';
import { issue, subject } from './lib/pki.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

/** The watched host, and how many issuing CAs its interceptor rotates through. */
const HOST = 'rotating.example.test';
const CHAINS = 12;
const IMAGES = 36;

/** CA A (what the site was watched under); a rogue root with `CHAINS` issuing CAs, one leaf each. */
function mint(pki) {
  const dir = pki.dir;
  const aRoot = issue(dir, 'rot-a-root', { subj: subject({ CN: 'Rotation Test Root A' }), ca: true });
  const aInter = issue(dir, 'rot-a-inter', { subj: subject({ CN: 'Rotation Test Issuing CA A' }), ca: true, issuer: aRoot });
  const rogueRoot = issue(dir, 'rot-rogue-root', { subj: subject({ CN: 'Rotating Interceptor Root' }), ca: true });
  const chains = [];
  for (let i = 0; i < CHAINS; i += 1) {
    const inter = issue(dir, `rot-inter-${i}`, { subj: subject({ CN: `Rotating Interceptor CA ${i}` }), ca: true, issuer: rogueRoot });
    const leaf = issue(dir, `rot-leaf-${i}`, { subj: subject({ CN: HOST }), issuer: inter, hosts: [HOST] });
    chains.push({ key: readFileSync(leaf.key), cert: leaf.pemText + inter.pemText });
  }
  return { aRoot, aInter, rogueRoot, chains };
}

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

/**
 * The interceptor: every TLS connection gets the next chain, and every response closes its
 * connection, so that each of the page's images comes over a new chain.
 */
async function startRotating(chains) {
  const contexts = chains.map((c) => createSecureContext(c));
  let next = 0;
  const server = createServer({
    ...chains[0],
    SNICallback: (name, cb) => cb(null, contexts[next++ % contexts.length]),
  }, (req, res) => {
    res.on('error', () => {});
    const headers = { connection: 'close', 'cache-control': 'no-store' };
    if (req.url.startsWith('/i/')) {
      res.writeHead(200, { ...headers, 'content-type': 'image/png' });
      res.end(PNG);
      return;
    }
    const images = Array.from({ length: IMAGES }, (_, i) => `<img src="/i/${i}.png" width="1" height="1" alt="">`).join('');
    res.writeHead(200, { ...headers, 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>rotating</title></head><body><h1 id="served-page">rotating</h1>${images}</body></html>`);
  });
  server.on('tlsClientError', () => {});
  const port = await new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  return {
    url: `https://${HOST}:${port}/`,
    handshakes: () => next,
    close: () => new Promise((resolve) => { server.close(() => resolve()); server.closeAllConnections?.(); }),
  };
}

describe('Firefox ESR: an interceptor cannot keep the engine being rebuilt', { skip }, () => {
  let s;
  let ff;
  let insp;
  let rotating;

  /** The background's status (its counters), asked as the options page asks it. */
  const status = () => insp.eval(async () => JSON.stringify(await browser.runtime.sendMessage({ type: 'status' })))
    .then((text) => JSON.parse(text).value);

  before(async () => {
    s = await prepare({ browser: 'firefox', name: 'test-firefox-timeouts', stale: false, extend: mint });
    rotating = await startRotating(s.extra.chains);
    ff = await launchFirefox({ roots: [...s.pki.roots, s.extra.aRoot, s.extra.rogueRoot], hosts: [...HOSTS, HOST] });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    await rotating?.close();
    await s?.cleanup();
  });

  it('a watched site shown a new chain on every connection: every chain is noted, the engine is not rebuilt for it, and a pinned host opened meanwhile is stopped', { timeout: 120_000 }, async (t) => {
    const { aRoot, aInter } = s.extra;
    const now = Date.now();
    const watched = {
      [HOST]: { since: now, lastSeen: now, mode: 'warn', pins: [aInter.spkiPin, aRoot.spkiPin], issuer: 'CN=Rotation Test Issuing CA A', root: 'CN=Rotation Test Root A', changes: [] },
    };
    const before0 = await status();
    await insp.eval(async (w) => { await browser.storage.local.set({ watched: w }); }, watched);
    // The watched entry is a deliberate change: it is built at once.
    const built = await waitFor(async () => {
      const st = await status();
      return st.pinnedHosts > before0.pinnedHosts && st;
    }, { timeout: 15_000 });
    assert.ok(built, 'the watched site is pinned after one build');
    const builds0 = built.timings.builds;
    const wake0 = built.boots.at(-1)?.at;

    const page = await visit(ff, rotating.url, { timeout: 30_000 });
    assert.equal(page.outcome, 'page', 'a watched site in warn mode is not stopped');
    const noted = await waitFor(async () => {
      const w = await insp.local('watched');
      return (w?.[HOST]?.changes?.length ?? 0) >= 6 && w[HOST].changes;
    }, { timeout: 30_000 });
    assert.ok(noted, `the changes of CA were noted (${rotating.handshakes()} handshakes)`);
    assert.ok(rotating.handshakes() >= 6, 'the images came over new connections, each with the next chain');

    // In the middle of it, the person opens an intercepted pinned host: stopped.
    const mail = await visit(ff, s.servers.mailRogue.url);
    assert.equal(mail.outcome, 'warning', `the intercepted pinned host is stopped (${mail.href})`);

    const later = await status();
    assert.equal(later.boots.at(-1)?.at, wake0, 'one wake throughout (the counters are per wake)');
    const rebuilds = later.timings.builds - builds0;
    t.diagnostic(`${rebuilds} engine builds for ${noted.length} changes noted over ${rotating.handshakes()} handshakes`);
    assert.ok(rebuilds <= 1, `${rebuilds} engine builds for ${noted.length} changes noted of a watched site (none feeds the engine)`);
    await page.page.close();
    await mail.page.close();
  });
});
