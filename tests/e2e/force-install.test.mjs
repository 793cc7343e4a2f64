// End-to-end: the force-install harness (lib/force-install.mjs) and why it exists. A tiny MV3
// probe (fixtures/blocking-probe: a blocking onHeadersReceived listener that cancels
// ?probe=cancel and redirects ?probe=redirect) is installed by managed policy in headless
// Chromium: it is an "admin" install, the listener fires and stops the page before the document
// reaches it. The same folder loaded unpacked is a "development" install whose blocking listener
// registers without error and never fires.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/force-install.test.mjs
// (root: the harness writes /etc/chromium/policies/managed/pinwatch-force-probe.json for the run)

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CHROMIUM, launchChromium, visit } from './lib/chromium.mjs';
import { CHROMIUM_POLICY_DIR } from './lib/enterprise.mjs';
import { extensionWorker, forceInstall, launchForced, makeExtensionKey, policyDirWritable } from './lib/force-install.mjs';
import { issue, subject } from './lib/pki.mjs';
import { startServer } from './lib/servers.mjs';

const PROBE = join(import.meta.dirname, 'fixtures', 'blocking-probe');
const HOST = 'probe.example.test';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(CHROMIUM) && `no ${CHROMIUM}`)
  || (!policyDirWritable() && `${CHROMIUM_POLICY_DIR} is not writable (run as root)`);

/** What the probe's worker saw, and how it was installed. */
async function probeState(cr) {
  const worker = await extensionWorker(cr.browser, cr.id);
  return worker.evaluate(async () => ({ ...self.probe, installType: (await chrome.management.getSelf()).installType }));
}

describe('a force-installed MV3 extension gets blocking webRequest', { skip }, () => {
  let dir;
  let root;
  let server;
  let keyPem;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinwatch-force-test-'));
    root = issue(dir, 'probe-root', { subj: subject({ CN: 'Pinwatch Test Probe Root', O: 'Pinwatch tests' }), ca: true });
    const leaf = issue(dir, 'probe-leaf', { subj: subject({ CN: HOST }), issuer: root, hosts: [HOST] });
    server = await startServer({ name: 'probe page', leaf: { ...leaf, host: HOST, chainPem: leaf.pemText } });
    keyPem = makeExtensionKey(dir);
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Opens `query` on the probe host; what the tab showed and what the server was asked. */
  async function open(cr, query, want) {
    const url = `${server.url}?probe=${query}`;
    const before = server.requests.length;
    const v = await visit(cr, url, { want });
    const href = v.href;
    await v.page.close();
    const asked = server.requests.slice(before).map((r) => r.path);
    return { url, outcome: v.outcome, href, asked };
  }

  it('force-installed by policy (plain-http update URL): admin install, the listener fires, cancels and redirects', async () => {
    const fi = await forceInstall({ extensionDir: PROBE, keyPem, policyName: 'pinwatch-force-probe.json' });
    let cr;
    try {
      cr = await launchForced({ id: fi.id, roots: [root], hosts: [HOST], securityInfo: false });
      const fetched = fi.requests.map((r) => r.path.split('?')[0]);
      assert.deepEqual(fetched.slice(0, 2), ['/updates.xml', '/extension.crx'], 'Chromium fetched the update manifest, then the crx');
      const state = await probeState(cr);
      assert.equal(state.installType, 'admin');
      assert.equal(state.registered, 'ok');

      // Cancelled in onHeadersReceived: the browser shows its error page; the server answered the
      // document request, but the document never reached a renderer (no sub-resource request).
      const cancelled = await open(cr, 'cancel', 'page');
      assert.equal(cancelled.outcome, 'error', `got ${cancelled.outcome} at ${cancelled.href}`);
      assert.deepEqual(cancelled.asked, ['/?probe=cancel']);

      const redirected = await open(cr, 'redirect', 'page');
      assert.equal(redirected.outcome, 'page');
      assert.equal(redirected.href, `${server.url}?probe=redirected`);

      const passed = await open(cr, 'pass', 'page');
      assert.equal(passed.outcome, 'page');
      assert.ok(passed.asked.includes('/sub.png'), 'the page rendered and asked for its image');

      const fired = (await probeState(cr)).fired.map((f) => f.url);
      for (const u of [cancelled.url, redirected.url, `${server.url}?probe=redirected`, passed.url]) {
        assert.ok(fired.includes(u), `the blocking listener saw ${u}: ${JSON.stringify(fired)}`);
      }
    } finally {
      await cr?.close();
      await fi.close();
    }
  });

  it('loaded unpacked: development install, the blocking listener registers and never fires', async () => {
    const cr = await launchChromium({ roots: [root], hosts: [HOST], securityInfo: false });
    try {
      await cr.install(PROBE);
      const state = await probeState(cr);
      assert.equal(state.installType, 'development');
      assert.equal(state.registered, 'ok');
      const page = await open(cr, 'cancel', 'page');
      assert.equal(page.outcome, 'page', 'not cancelled: the page rendered');
      assert.ok(page.asked.includes('/sub.png'));
      assert.deepEqual((await probeState(cr)).fired, []);
    } finally {
      await cr.close();
    }
  });
});
