// End-to-end, headless Firefox ESR: roots added to this computer (`local-root`). In the test
// profile every root is added (Firefox says `isBuiltInRoot: false` for each), which is exactly
// what an inspection product or malware does to a machine; the "legit" test roots are declared by
// policy where a case needs a clean baseline.
//
//   1. Default (notice), with a report endpoint: an unpinned host is `local-root` (badge LOC, the
//      popup line naming the root), the page is not held, one report per root per day reaches the
//      collector; a pinned host keeps its pin verdict; the user marks the root as known from the
//      popup and the host becomes `allowed-interception` (known root).
//   2. Policy `localRootMode: "enforce"` and a root declared by `allowedInterceptionSpkis`: an
//      unpinned host under an undeclared root is stopped with the local-root warning, one under the
//      declared root is `allowed-interception`, a pinned host is unaffected.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/local-root.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { issue, subject } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { GECKO_ID, Inspector, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';
import { extendPki, firefoxPolicies, firefoxWithPolicies, REPORT_HOST, startCollector } from './lib/enterprise.mjs';
import { startServer } from './lib/servers.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

const OTHER_HOST = 'other.example.test';

describe('Firefox ESR: roots added to this computer', { skip }, () => {
  let s;
  let collector;
  let other;
  const running = [];

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-local-root',
      stale: false,
      extend: (pki) => {
        const ent = extendPki(pki);
        // An unpinned host under the rogue root (added too): declared by policy in part 2.
        const cert = issue(pki.dir, 'other-rogue', { subj: subject({ CN: OTHER_HOST }), issuer: pki.rogueRoot, hosts: [OTHER_HOST] });
        return { ...ent, otherLeaf: { ...cert, host: OTHER_HOST, chainPem: cert.pemText } };
      },
      // No block list: nothing could stop an unpinned page but a local root (in enforce mode).
      editList: (list) => { list.blocklist = { spki: [], certificates: [] }; },
      servers: (specs) => ({ mailLegit: specs.mailLegit, plain: specs.plain }),
    });
    collector = await startCollector(s.extra.reports);
    other = await startServer({ name: 'unpinned host under the rogue root', leaf: s.extra.otherLeaf });
  });

  after(async () => {
    for (const r of running) await r.close().catch(() => {});
    await other?.close?.();
    await collector?.close?.();
    await s?.cleanup();
  });

  /** Firefox with `settings` as the extension's policy, the test build installed, and an inspector. */
  async function start(settings) {
    const farm = firefoxWithPolicies(join(s.dir, `firefox-${running.length}`), firefoxPolicies(GECKO_ID, settings));
    const ff = await launchFirefox({ roots: [...s.pki.roots, s.extra.proxyRoot], hosts: [...HOSTS, REPORT_HOST, OTHER_HOST], executablePath: farm.executable });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    const insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
    const run = { ff, insp, close: async () => { await ff.close(); farm.remove(); } };
    running.push(run);
    return run;
  }

  let visits = 0;
  /** Visits `url` in a new tab (its own query, so that the tab is told apart from earlier ones). */
  async function judged(run, url, outcome = 'page') {
    const t0 = Date.now();
    visits += 1;
    const v = await visit(run.ff, `${url}?visit=${visits}`);
    assert.equal(v.outcome, outcome, `${url}: got ${v.outcome} at ${v.href}`);
    const tabId = await run.insp.tabId(v.page);
    const record = await waitFor(async () => {
      const t = await run.insp.session(`tab:${tabId}`);
      return t?.page?.time >= t0 && t.page;
    });
    assert.ok(record, `${url}: a verdict was recorded`);
    return { ...v, tabId, record };
  }

  const localRootReports = () => collector.reports.filter((r) => r.json?.verdict === 'local-root');

  it('notice: an unpinned host under an added root is local-root, released at once, shown and reported once per root', async () => {
    const run = await start({ reportEndpoint: collector.endpoint });
    const v = await judged(run, s.servers.plain.url);
    assert.equal(v.record.status, 'local-root', v.record.reason);
    assert.equal(v.record.held, false, 'notice never holds a page');
    assert.equal(v.record.builtInRoot, false);
    assert.equal(v.record.matched.kind, 'local-root');
    assert.equal(v.record.matched.pin, s.pki.legitRoot.spkiPin, 'the root is the chain\'s last certificate');
    assert.equal((await run.insp.waitBadge(v.tabId, 'LOC')).text, 'LOC');

    const popup = await openExtensionPage(run.ff, `pages/popup.html?tab=${v.tabId}`);
    const line = await waitFor(() => popup.evaluate(() => {
      const section = document.getElementById('local-root-section');
      return !section.hidden && document.getElementById('local-root-line').textContent;
    }));
    assert.match(line, /decrypted by software on this computer or network/);
    assert.match(line, /Pinwatch Test Legit Root/, 'the root is named by its subject');
    assert.match(line, new RegExp(s.pki.legitRoot.spkiPin.replace(/[+/=]/g, '\\$&')));

    const reported = await waitFor(() => localRootReports().length >= 1, { timeout: 15_000 });
    assert.ok(reported, 'the first sighting of the root was reported');
    const report = localRootReports()[0].json;
    assert.equal(report.hostname, 'plain.example.test');
    assert.equal(report.pinwatch.root.pin, s.pki.legitRoot.spkiPin);
    assert.equal(report.pinwatch.builtInRoot, false);
    assert.match(report.pinwatch.root.subject, /Pinwatch Test Legit Root/);

    // Another visit under the same root is noticed on its page but not reported again today.
    const again = await judged(run, s.servers.plain.url);
    assert.equal(again.record.status, 'local-root');
    await again.page.close();

    // A pinned host keeps its pin verdict, whatever its root.
    const pinned = await judged(run, s.servers.mailLegit.url);
    assert.equal(pinned.record.status, 'pinned');
    await pinned.page.close();
    assert.equal(localRootReports().length, 1, 'one report per root per day');

    // The user knows this root: marked from the popup, by the root Pinwatch recorded.
    await popup.type('#root-name', 'my antivirus');
    await popup.click('#know-root');
    const known = await waitFor(() => popup.evaluate(() => document.getElementById('local-root-note').dataset.known === 'true'));
    assert.ok(known, 'the popup says the root is now known');
    await popup.close();
    const user = await waitFor(async () => (await run.insp.local('user'))?.knownRoots?.length && run.insp.local('user'));
    assert.deepEqual(user.knownRoots.map((r) => [r.pin, r.name]), [[s.pki.legitRoot.spkiPin, 'my antivirus']]);
    const after = await waitFor(async () => {
      const w = await judged(run, s.servers.plain.url);
      await w.page.close();
      return w.record.status === 'allowed-interception' && w.record;
    }, { timeout: 15_000 });
    assert.ok(after, 'a root the user knows gives allowed-interception');
    assert.equal(after.matched.kind, 'known-root');
    await v.page.close();
    await run.close();
  });

  it('enforce: an undeclared added root stops the page; a declared one is allowed-interception; a pinned host is unaffected', async () => {
    const run = await start({ localRootMode: 'enforce', allowedInterceptionSpkis: [s.pki.rogueRoot.spkiPin] });
    const stopped = await judged(run, s.servers.plain.url, 'warning');
    assert.equal(stopped.record.status, 'local-root');
    const words = await stopped.page.evaluate(() => document.body.textContent);
    assert.match(words, /decrypted on this computer or network/);
    await stopped.page.close();

    const declared = await judged(run, other.url);
    assert.equal(declared.record.status, 'allowed-interception');
    assert.equal(declared.record.matched.kind, 'allowed-root');
    await declared.page.close();

    const pinned = await judged(run, s.servers.mailLegit.url);
    assert.equal(pinned.record.status, 'pinned');
    await pinned.page.close();
    await run.close();
  });
});
