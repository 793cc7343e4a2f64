// End-to-end: Chromium with Pinwatch FORCE-INSTALLED by policy, and a host that only policy
// enforces (`extraEntries`, not in the bundled list). A service worker has no synchronous store,
// so at a wake it cannot know such a host before its first await; the listeners it registers at
// once must still cover it. After the worker is stopped (as Chromium stops an idle one), the
// first page of that host on a rogue chain gets the warning page before it renders, and a page's
// `fetch()` to it is cancelled, with no earlier page of that host to wake the worker.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/wake-policy.test.mjs   (after ./build.sh; root)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Inspector, visit, waitFor } from './lib/chromium.mjs';
import { CHROMIUM_POLICY_DIR } from './lib/enterprise.mjs';
import { forceInstall, launchForced, makeExtensionKey, policyDirWritable } from './lib/force-install.mjs';
import { issue, spkiDer, subject } from './lib/pki.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!policyDirWritable() && `${CHROMIUM_POLICY_DIR} is not writable (run as root)`);

const INTRANET = 'intranet.example.test';

function intranetLeaves(pki) {
  const leafOf = (name, issuer, ...alsoServed) => {
    const cert = issue(pki.dir, name, { subj: subject({ CN: INTRANET }), issuer, hosts: [INTRANET] });
    return { ...cert, host: INTRANET, chainPem: [cert, ...alsoServed].map((c) => c.pemText).join('') };
  };
  return {
    legit: leafOf('intranet-legit', pki.legitInter, pki.legitInter),
    rogue: leafOf('intranet-rogue', pki.rogueRoot),
  };
}

describe('Chromium, installed by policy: a host only policy enforces, after the worker slept', { skip }, () => {
  let s;
  let fi;
  let cr;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'chromium',
      name: 'test-chromium-wake',
      stale: false,
      extend: intranetLeaves,
      servers: (specs, pki, x) => ({
        plain: specs.plain,
        intranetLegit: { name: 'intranet (legit chain)', leaf: x.legit },
        intranetRogue: { name: 'intranet (rogue CA chain)', leaf: x.rogue },
      }),
    });
    assert.ok(!s.list.entries.some((e) => INTRANET === e.host || INTRANET.endsWith(`.${e.host}`)), 'the bundled list does not name the host');
    const settings = {
      extraEntries: [{
        host: INTRANET,
        pins: [s.pki.legitInter.spkiPin, s.pki.legitRoot.spkiPin],
        issuerKeys: [spkiDer(s.pki.legitInter)],
        mode: 'enforce',
      }],
    };
    fi = await forceInstall({ extensionDir: s.dist, keyPem: makeExtensionKey(s.dir), settings, policyName: 'pinwatch-wake-test.json' });
    cr = await launchForced({ id: fi.id, roots: s.pki.roots, hosts: [...HOSTS, INTRANET], securityInfo: true });
    insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.length > 0, { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
    const policyIn = await waitFor(async () => (await insp.eval(() => chrome.runtime.sendMessage({ type: 'status' })))
      .value?.policy?.extraEntries?.length === 1, { timeout: 20_000 });
    assert.ok(policyIn, 'the managed policy reached the extension');
  });

  after(async () => {
    await cr?.close();
    await fi?.close();
    await s?.cleanup();
  });

  async function asleep() {
    assert.ok(await insp.stopWorker(), 'the service worker stopped');
  }

  it('the install is an admin one: blocking is granted', async () => {
    assert.equal((await insp.eval(() => chrome.management.getSelf())).installType, 'admin');
  });

  it('after a stop, the first page of the host on a rogue chain: the warning page, the page never rendered', async () => {
    await asleep();
    const server = s.servers.intranetRogue;
    const seen = server.requests.length;
    const v = await visit(cr, server.url, { want: 'warning' });
    const asked = server.requests.slice(seen).map((q) => q.path);
    const tabId = await insp.tabId(v.page).catch(() => null);
    const r = tabId === null ? null : await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    await v.page.close();
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.ok(asked.includes('/'), 'the document was asked for');
    assert.ok(!asked.some((p) => p.startsWith('/sub.png')), `the document never reached a renderer: ${JSON.stringify(asked)}`);
    assert.equal(r?.status, 'mismatch', r?.reason);
    assert.equal(r?.afterTheFact, false);
  });

  it('after a stop, the legitimate chain of the host: pinned, the page loads', async () => {
    await asleep();
    const server = s.servers.intranetLegit;
    const v = await visit(cr, server.url, { want: 'page' });
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    await v.page.close();
    assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'pinned', r.reason);
  });

  it('a page\'s fetch() to the host on a rogue chain while the worker sleeps: cancelled', async () => {
    const v = await visit(cr, s.servers.plain.url, { want: 'page' });
    assert.equal(v.outcome, 'page');
    // The plain page woke the worker; it sleeps again before the page asks the intranet host.
    await asleep();
    const target = `${s.servers.intranetRogue.url}sub.png?fetch=${Date.now()}`;
    const seen = s.servers.intranetRogue.requests.length;
    const got = await v.page.evaluate((url) => fetch(url, { mode: 'no-cors', cache: 'no-store' })
      .then(() => 'loaded', (e) => `failed: ${e.message}`), target);
    const asked = s.servers.intranetRogue.requests.slice(seen).map((q) => q.path);
    // The fetch of a good chain to the same host goes through (nothing is cancelled blindly).
    const good = await v.page.evaluate((url) => fetch(url, { mode: 'no-cors', cache: 'no-store' })
      .then(() => 'loaded', (e) => `failed: ${e.message}`), `${s.servers.intranetLegit.url}sub.png?fetch=${Date.now()}`);
    await v.page.close();
    assert.match(got, /^failed/, `the rogue response reached the page (server saw ${JSON.stringify(asked)})`);
    assert.equal(good, 'loaded');
  });
});
