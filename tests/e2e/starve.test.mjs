// End-to-end: starving the companion. STOCK headless Chromium with the companion installed as
// the docs say. An interceptor on loopback tells the browser's connections from the companion's
// by their order (the companion's hello is the browser's own, so it cannot use the hello: the
// companion connects to the same address and port after the browser's response): on each port it
// passes the first connection to the genuine server and holds every later one open, saying nothing.
// A page then opens many frames of one pinned host, each on its own port (equal checks in flight
// are merged, so each frame is a check of its own), to fill the companion's queue with looks
// that never end. The next check of ANOTHER pinned host must still be answered: the genuine
// chain passes, a rogue chain is stopped. A check that cannot be answered is never a pass.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/starve.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, sleep, visit, waitFor } from './lib/chromium.mjs';
import { issue, subject } from './lib/pki.mjs';
import { prepare, ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const PINWATCH = join(ROOT, 'target', 'release', 'pinwatch');
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(PINWATCH) && 'no target/release/pinwatch: run ./build.sh');

const OTHER = 'other.example.test';
/** More frames than the companion once had places: 8 running and 64 queued. */
const FRAMES = 80;

/**
 * `count` loopback ports: the first connection to each (the browser's) is spliced to
 * `upstreamPort`; every later one is held open, unanswered, until close().
 */
async function startHolder(upstreamPort, count) {
  const sockets = new Set();
  const servers = [];
  const held = { count: 0 };
  for (let n = 0; n < count; n += 1) {
    let connections = 0;
    const server = createServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => {});
      connections += 1;
      const first = connections === 1;
      socket.once('data', (hello) => {
        if (!first) {
          held.count += 1;
          return; // held: read, never answered
        }
        const upstream = connect(upstreamPort, '127.0.0.1');
        sockets.add(upstream);
        upstream.on('error', () => socket.destroy());
        socket.on('close', () => upstream.destroy());
        upstream.on('close', () => socket.destroy());
        upstream.write(hello);
        socket.pipe(upstream).pipe(socket);
      });
    });
    await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
    servers.push(server);
  }
  return {
    ports: servers.map((s) => s.address().port),
    held,
    async close() {
      for (const s of sockets) s.destroy();
      await Promise.all(servers.map((s) => new Promise((resolve) => s.close(() => resolve()))));
    },
  };
}

describe('Chromium with the companion: one host\'s held connections cannot starve another host\'s check', { skip }, () => {
  let sc;
  let cr;
  let insp;
  let holder;

  before(async () => {
    sc = await prepare({
      browser: 'chromium',
      name: 'test-chromium-starve',
      stale: false,
      extend: (pki) => {
        const leafOf = (name, issuer, ...alsoServed) => {
          const cert = issue(pki.dir, name, { subj: subject({ CN: OTHER }), issuer, hosts: [OTHER] });
          return { ...cert, host: OTHER, chainPem: [cert, ...alsoServed].map((c) => c.pemText).join('') };
        };
        return { otherLegit: leafOf('other-legit', pki.legitInter, pki.legitInter), otherRogue: leafOf('other-rogue', pki.rogueRoot) };
      },
      editList: (list) => {
        list.entries.push({ host: OTHER, include_subdomains: false, pinset: 'test-legit', mode: 'enforce' });
      },
      servers: (specs, pki, x) => ({
        mail: specs.mailLegit,
        plain: specs.plain,
        otherLegit: { name: 'other (legit chain)', leaf: x.otherLegit },
        otherRogue: { name: 'other (rogue CA chain)', leaf: x.otherRogue },
      }),
    });
    holder = await startHolder(sc.servers.mail.port, FRAMES);
    cr = await launchChromium({ roots: sc.pki.roots, hosts: ['mail.example.test', 'plain.example.test', OTHER], securityInfo: false });
    execFileSync(PINWATCH, ['companion', 'install', '--browser', 'chromium', '--user-data-dir', cr.profile]);
    await cr.install(sc.dist);
    insp = await Inspector.open(cr);
    assert.ok(await waitFor(async () => (await insp.session('boots'))?.length > 0, { timeout: 15_000 }), 'the service worker started');
  });

  after(async () => {
    await cr?.close();
    await holder?.close();
    await sc?.cleanup();
  });

  async function judged(server, want) {
    const v = await visit(cr, server.url, { want });
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    await v.page.close();
    return { v, r };
  }

  it('the interceptor tells the companion from the browser: a pinned page through it is held, not passed', async () => {
    // One frame's worth: the page loads (the browser is let through), the companion's look is held.
    const { v, r } = await judged({ url: `https://mail.example.test:${holder.ports[0]}/` }, 'warning');
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'unverifiable', r.reason);
    assert.ok(holder.held.count >= 1, 'the companion\'s connection was held');
  });

  it('a page fills the queue with frames of one host; another host\'s checks are still answered', async () => {
    const flood = await visit(cr, sc.servers.plain.url, { want: 'page' });
    assert.equal(flood.outcome, 'page');
    const heldBefore = holder.held.count;
    await flood.page.evaluate((ports) => {
      for (const port of ports) {
        const f = document.createElement('iframe');
        f.src = `https://mail.example.test:${port}/?frame=${port}`;
        document.body.append(f);
      }
    }, holder.ports.slice(1));
    // The frames' looks reach the companion and are held.
    assert.ok(await waitFor(() => holder.held.count - heldBefore >= 2, { timeout: 10_000 }), `held: ${holder.held.count - heldBefore}`);
    await sleep(1000);

    const genuine = await judged(sc.servers.otherLegit, 'page');
    assert.equal(genuine.v.outcome, 'page', `got ${genuine.v.outcome} at ${genuine.v.href}: ${genuine.r?.reason} (${genuine.r?.companionError})`);
    assert.equal(genuine.r.status, 'pinned', `${genuine.r.reason} (${genuine.r.companionError})`);
    assert.equal(genuine.r.tier, 'companion');

    const rogue = await judged(sc.servers.otherRogue, 'warning');
    assert.equal(rogue.v.outcome, 'warning', `got ${rogue.v.outcome} at ${rogue.v.href}`);
    assert.notEqual(rogue.r.status, 'pinned');
    // Stopped on the chain the companion was given, not for want of an answer.
    assert.equal(rogue.r.companionError, null, rogue.r.companionError);
    assert.ok(rogue.r.companion, 'the companion answered');
    await flood.page.close().catch(() => {});
  });
});
