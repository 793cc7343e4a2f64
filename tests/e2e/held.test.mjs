// End-to-end: Chromium with Pinwatch FORCE-INSTALLED by policy (ExtensionSettings, a packed .crx
// and a loopback update manifest: lib/force-install.mjs). MV3 Chromium grants such an install
// blocking webRequest, and Pinwatch then holds a pinned host's response until it is judged: a
// rogue chain gets the warning page before the document reaches a renderer (its image is never
// asked for), as in Firefox; the legitimate chain loads. The leaf tier (WebRequestSecurityInfo)
// gives the leaf, proven by the pin set's issuer key.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/held.test.mjs   (after ./build.sh; root)

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, visit, waitFor } from './lib/chromium.mjs';
import { CHROMIUM_POLICY_DIR } from './lib/enterprise.mjs';
import { forceInstall, launchForced, makeExtensionKey, policyDirWritable } from './lib/force-install.mjs';
import { spkiDer } from './lib/pki.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!policyDirWritable() && `${CHROMIUM_POLICY_DIR} is not writable (run as root)`);

describe('Chromium, installed by policy: a pinned page is held until judged', { skip }, () => {
  let s;
  let fi;
  let cr;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'chromium',
      name: 'test-chromium-held',
      stale: false,
      editList: (list, pki) => { list.pinsets['test-legit'].issuer_keys = [spkiDer(pki.legitInter)]; },
      servers: (specs) => ({ mailLegit: specs.mailLegit, mailRogue: specs.mailRogue }),
    });
    fi = await forceInstall({ extensionDir: s.dist, keyPem: makeExtensionKey(s.dir), policyName: 'pinwatch-held-test.json' });
    cr = await launchForced({ id: fi.id, roots: s.pki.roots, hosts: HOSTS, securityInfo: true });
    insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.length > 0, { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
  });

  after(async () => {
    await cr?.close();
    await fi?.close();
    await s?.cleanup();
  });

  async function judged(server, want) {
    const seen = server.requests.length;
    const v = await visit(cr, server.url, { want });
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.tier !== null);
    const asked = server.requests.slice(seen).map((q) => q.path);
    await v.page.close();
    return { v, r, asked };
  }

  it('the install is an admin one: blocking is granted', async () => {
    const self = await insp.page.evaluate(() => chrome.management.getSelf());
    assert.equal(self.installType, 'admin');
  });

  it('a rogue CA on a pinned host: the warning page, and the page itself never rendered', async () => {
    const { v, r, asked } = await judged(s.servers.mailRogue, 'warning');
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'mismatch', r.reason);
    assert.equal(r.afterTheFact, false, 'held: stopped before the page, not after');
    assert.ok(asked.some((p) => p === '/'), 'the document was asked for');
    assert.ok(!asked.some((p) => p.startsWith('/sub.png')), `the document never reached a renderer: ${JSON.stringify(asked)}`);
  });

  it('the legitimate chain: held, judged pinned, then let through', async () => {
    const { v, r, asked } = await judged(s.servers.mailLegit, 'page');
    assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'pinned', r.reason);
    assert.equal(r.afterTheFact, false);
    assert.ok(asked.some((p) => p.startsWith('/sub.png')), 'the page rendered');
  });
});
