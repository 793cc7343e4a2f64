// End-to-end, headless Firefox ESR: the session's cookie scope. The test list has the bundled
// list's Google shape: the registrable domain pinned whole (`google.com` with subdomains), the
// login and mail hosts with their own entries, and a redirect domain marked "considered". An
// interception on a sibling host that only the whole-domain entry covers (`docs.`, like
// docs.google.com) is stopped before any content reaches the page; the real chain loads.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/session-scope.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issue, subject } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { Inspector, launchFirefox, sleep, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

const DOMAIN = 'corp-mail.test';
const SIBLING = `docs.${DOMAIN}`;

/** A leaf for the sibling host under the legit issuing CA, and one under the rogue root. */
function mint(pki) {
  const leaf = (name, issuer) => {
    const cert = issue(pki.dir, name, { subj: subject({ CN: SIBLING }), issuer, hosts: [SIBLING] });
    const chain = issuer === pki.legitInter ? [cert, pki.legitInter] : [cert];
    return { ...cert, host: SIBLING, chainPem: chain.map((c) => c.pemText).join('') };
  };
  return { docsLegit: leaf('docs-legit', pki.legitInter), docsRogue: leaf('docs-rogue', pki.rogueRoot) };
}

/** The bundled list's shape (lists/default/source.json, Google's entries) on the test domain. */
function sessionShape(list) {
  const entry = (host, include_subdomains, extra = {}) => ({ host, include_subdomains, pinset: 'test-legit', mode: 'enforce', ...extra });
  list.entries = [
    entry(DOMAIN, true),
    entry(`mail.${DOMAIN}`, true),
    entry(`accounts.${DOMAIN}`, true),
    entry('corp-mail-redirect.test', false, { cookie_scope: 'considered', comment: 'only redirects to the mail host' }),
  ];
}

describe('Firefox ESR: an interception on a sibling host of the pinned session domain', { skip }, () => {
  let s;
  let ff;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-session-scope',
      stale: false,
      extend: mint,
      editList: sessionShape,
      servers: (specs, pki, extra) => ({
        docsLegit: { name: 'sibling host (legit chain)', leaf: extra.docsLegit },
        docsRogue: { name: 'sibling host (rogue CA chain)', leaf: extra.docsRogue },
      }),
    });
    ff = await launchFirefox({ roots: s.pki.roots, hosts: [...HOSTS, SIBLING] });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    await s?.cleanup();
  });

  it('the test list has no entry of its own for the sibling: only the whole-domain entry covers it', () => {
    assert.ok(!s.list.entries.some((e) => e.host === SIBLING));
    assert.deepEqual(s.list.entries.filter((e) => SIBLING.endsWith(`.${e.host}`)).map((e) => [e.host, e.include_subdomains]), [[DOMAIN, true]]);
  });

  it('the sibling host serving the pinned CA loads, badge "pinned"', async () => {
    const v = await visit(ff, s.servers.docsLegit.url);
    assert.equal(v.outcome, 'page', `expected the served page, got ${v.outcome} at ${v.href}`);
    const tabId = await insp.tabId(v.page);
    const badge = await insp.waitBadge(tabId, '✓');
    assert.match(badge.title, new RegExp(`${SIBLING.replace(/\./g, '\\.')}: pinned`));
    await v.page.close();
  });

  it('the sibling host intercepted by another CA gets the warning page before any content', async () => {
    const server = s.servers.docsRogue;
    const seen = server.requests.length;
    const v = await visit(ff, server.url);
    assert.equal(v.outcome, 'warning', `expected the warning page, got ${v.outcome} at ${v.href}`);
    assert.ok(v.href.startsWith(`${ff.base}pages/warning.html#`), v.href);
    // The server answered the page request, but the browser never got the HTML: no sub-resource.
    await sleep(500);
    assert.deepEqual(server.requests.slice(seen).map((r) => r.path), ['/'], 'only the page itself was requested');
    const host = await v.page.evaluate(() => document.getElementById('host').textContent);
    assert.equal(host, SIBLING);
    await v.page.close();
  });
});
