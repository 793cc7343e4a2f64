// End-to-end, a stock headless Chromium with the companion installed as docs/companion.md says
// (the real release binary): a root added to this computer's NSS database, named by the
// companion in `hello`, makes a page no entry covers `local-root` even where the connection
// itself does not show that root (an interceptor that picks its victims by process lets the
// companion's connection through). The page's own chain ends in a public-looking test root that
// the browser trusts by its key (`--ignore-certificate-errors-spki-list`, not the NSS store), so
// the companion's look at it gives a readable chain that ends in no added root; the NSS database
// holds only the added root, with a subject written to be hostile HTML.
//
//   The popup names the added root (as text); the collector gets one report for it across two visits.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/added-roots.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, visit, waitFor } from './lib/chromium.mjs';
import { chromiumExtensionId, chromiumPolicyFile, extendPki, REPORT_HOST, startCollector } from './lib/enterprise.mjs';
import { HOSTILE_SUBJECT, issue, subject } from './lib/pki.mjs';
import { prepare, ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const PINWATCH = join(ROOT, 'target', 'release', 'pinwatch');
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(PINWATCH) && 'no target/release/pinwatch: run ./build.sh');

const PLAIN = 'plain.example.test';

function extra(pki) {
  const d = pki.dir;
  const ent = extendPki(pki);
  const publicRoot = issue(d, 'ar-public-root', { subj: subject({ CN: 'Global Public Trust Root R7', O: 'Public Trust Services' }), ca: true });
  const publicInter = issue(d, 'ar-public-inter', { subj: subject({ CN: 'Global Public Trust TLS CA 2026', O: 'Public Trust Services' }), ca: true, issuer: publicRoot });
  const leaf = issue(d, 'ar-plain', { subj: subject({ CN: PLAIN }), issuer: publicInter, hosts: [PLAIN] });
  // What an inspection product adds to the machine; its name is the product's choice.
  const addedRoot = issue(d, 'ar-added-root', { subj: subject(HOSTILE_SUBJECT), ca: true });
  return {
    ...ent,
    publicRoot,
    addedRoot,
    plainPublic: { ...leaf, host: PLAIN, chainPem: [leaf, publicInter, publicRoot].map((c) => c.pemText).join('') },
  };
}

describe('Chromium with the companion: a root added to this computer, named in hello', { skip }, () => {
  let sc;
  let cr;
  let insp;
  let collector;
  let policy;

  before(async () => {
    sc = await prepare({ browser: 'chromium', name: 'test-chromium-added-roots', stale: false, extend: extra,
      servers: (specs, pki, x) => ({ plain: { name: 'public-looking chain', leaf: x.plainPublic } }) });
    collector = await startCollector(sc.extra.reports);
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
    policy = chromiumPolicyFile(chromiumExtensionId(manifest.key), { reportEndpoint: collector.endpoint, companionScope: 'all' },
      'pinwatch-added-roots-test.json');
    // The NSS store holds the added root alone; the page's root and the collector's are trusted
    // by key, as a browser's own root store would trust public roots.
    const trusted = [sc.extra.publicRoot.spkiPin, sc.pki.legitInter.spkiPin].join(',');
    cr = await launchChromium({ roots: [sc.extra.addedRoot], hosts: [PLAIN, REPORT_HOST], securityInfo: false,
      extra: [`--ignore-certificate-errors-spki-list=${trusted}`] });
    execFileSync(PINWATCH, ['companion', 'install', '--browser', 'chromium', '--user-data-dir', cr.profile]);
    const since = Date.now();
    await cr.install(sc.dist);
    insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started');
    const policyIn = await waitFor(async () => (await insp.page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' })))
      .value?.policy?.reportEndpoint === collector.endpoint, { timeout: 20_000 });
    assert.ok(policyIn, 'the managed policy reached the extension');
  });

  after(async () => {
    await cr?.close();
    policy?.remove();
    await collector?.close?.();
    await sc?.cleanup();
  });

  const rootReports = () => collector.reports.filter((r) => r.json?.verdict === 'local-root');

  async function judged(n) {
    const url = `${sc.servers.plain.url}?visit=${n}`;
    const v = await visit(cr, url, { want: 'page' });
    assert.equal(v.outcome, 'page', `notice never stops a page: got ${v.outcome} at ${v.href}`);
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, url, (x) => x.tier !== null);
    assert.ok(r, 'a verdict was recorded');
    return { v, tabId, r };
  }

  it('the page is local-root naming the added root: LOC badge, the popup names it as text, one report across two visits', async () => {
    const pin = sc.extra.addedRoot.spkiPin;
    const first = await judged(1);
    assert.equal(first.r.tier, 'companion', 'the companion looked at the page');
    assert.notEqual(first.r.companion?.verified?.anchor, 'local', 'its chain did not end in an added root');
    assert.ok(!first.r.chain.some((c) => c.spkiSha256 === pin), 'nor does the chain hold the added root');
    assert.equal(first.r.status, 'local-root', first.r.reason);
    assert.equal(first.r.reasonCode, 'added-root');
    assert.equal(first.r.mode, 'report', 'notice');
    assert.deepEqual([first.r.matched.kind, first.r.matched.pin], ['local-root', pin]);
    assert.equal(first.r.addedRoot.seenBy, 'companion-hello');
    assert.equal(first.r.addedRoot.store, 'nss');
    assert.equal((await insp.waitBadge(first.tabId, 'LOC')).text, 'LOC');

    const popup = await cr.browser.newPage();
    await popup.goto(`${cr.base}pages/popup.html?tab=${first.tabId}`, { waitUntil: 'load' });
    const shown = await waitFor(() => popup.evaluate(() => !document.getElementById('local-root-section').hidden && {
      line: document.getElementById('local-root-line').textContent,
      store: document.getElementById('local-root-store').textContent,
      injected: Boolean(document.querySelector('#local-root-section img, #local-root-section b, #pw-bold')),
      title: document.title,
    }));
    assert.ok(shown, 'the popup shows the added root');
    assert.match(shown.line, /decrypted by software on this computer or network/);
    assert.ok(shown.line.includes(HOSTILE_SUBJECT.CN), `the root's subject, as text: ${shown.line}`);
    assert.ok(shown.line.includes(pin), 'and its key');
    assert.match(shown.store, /companion.*\(nss\)/);
    assert.equal(shown.injected, false, 'the subject is never markup');
    assert.notEqual(shown.title, 'pwned');
    await popup.close();

    const reported = await waitFor(() => rootReports().length >= 1, { timeout: 15_000 });
    assert.ok(reported, 'the first sighting of the root was reported');
    const report = rootReports()[0].json;
    assert.equal(report.hostname, PLAIN);
    assert.equal(report.pinwatch.root.pin, pin);
    assert.equal(report.pinwatch.root.seenBy, 'companion-hello');
    assert.equal(report.pinwatch.root.store, 'nss');
    assert.ok(report.pinwatch.root.subject.includes(HOSTILE_SUBJECT.CN));

    // A second visit is local-root too; its report is the one deduplicated, not sent.
    const second = await judged(2);
    assert.equal(second.r.status, 'local-root');
    const deduped = await waitFor(async () => ((await insp.local('reportDedupe')) ?? [])
      .some((e) => e.key === `local-root|${pin}` && e.suppressed >= 1), { timeout: 15_000 });
    assert.ok(deduped, 'the second sighting reached the report path and was held back');
    assert.equal(rootReports().length, 1, 'one report per root per day');
    await first.v.page.close();
    await second.v.page.close();
  });
});
