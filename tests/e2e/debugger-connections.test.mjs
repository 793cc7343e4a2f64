// End-to-end: the debugger tier reads a chain per origin (`Network.getCertificate({origin})`),
// not per connection. One pinned origin on loopback whose connections are split between the
// genuine chain and a rogue one (same names, another trusted CA), as an interceptor that lets
// some connections through would split them. Inside one tab, with the debugger attached and the
// leaf tier on (--enable-features=WebRequestSecurityInfo), the page and many fetches come over
// genuine connections and one later fetch (or frame) over a rogue one. The debugger answers for
// the origin with the certificate of one of the responses it keeps, which one is not said: most
// often a genuine one, and then only the response's own leaf (judge/connection.rs) stops the tab.
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/debugger-connections.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, visit, waitFor } from './lib/chromium.mjs';
import { spkiDer } from './lib/pki.mjs';
import { prepare } from './lib/scenario.mjs';
import { startSplitOrigin } from './lib/split-origin.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

/** Genuine responses in the document before the rogue one (see round()). */
const GENUINE_FETCHES = 20;
/** Rounds until one shows the debugger answering another connection's chain. */
const MAX_ROUNDS = 3;

/** mail.example.test pinned to its leaf key, the intermediate and the root, with the intermediate as issuer key. */
function editList(list, pki) {
  list.pinsets['test-legit'] = {
    good: [pki.leaves.mailLegit.spkiPin, pki.legitInter.spkiPin, pki.legitRoot.spkiPin],
    issuer_keys: [spkiDer(pki.legitInter)],
  };
}

describe('Chromium, debugger and leaf tiers: another connection\'s genuine chain does not answer for a rogue response', { skip }, () => {
  let sc;
  let split;
  let cr;
  let insp;

  before(async () => {
    sc = await prepare({
      browser: 'chromium-full-chain',
      name: 'test-chromium-connections',
      stale: false,
      editList,
      servers: (specs) => ({ plain: specs.plain }),
    });
    const { mailLegit, mailRogue } = sc.pki.leaves;
    assert.notEqual(mailLegit.spkiPin, mailRogue.spkiPin);
    split = await startSplitOrigin({ genuine: mailLegit, rogue: mailRogue });
    cr = await launchChromium({ roots: sc.pki.roots, hosts: [split.host, 'plain.example.test'], securityInfo: true });
    const since = Date.now();
    await cr.install(sc.dist);
    insp = await Inspector.open(cr);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
    // Full-chain capture turned on from the options page, as a person would.
    const options = await cr.browser.newPage();
    await options.goto(`${cr.base}pages/options.html`, { waitUntil: 'load' });
    assert.ok(await waitFor(() => options.evaluate(() => !document.getElementById('debugger-block').hidden)), 'the options page offers full-chain capture');
    await options.click('#debugger-capture');
    await options.click('#save');
    assert.ok(await waitFor(() => options.evaluate(() => document.getElementById('saved').textContent === 'Saved.')), 'the settings were saved');
    assert.equal((await insp.local('user'))?.debuggerCapture, true);
    await options.close();
  });

  after(async () => {
    await cr?.close();
    await split?.close();
    await sc?.cleanup();
  });

  /** The leaf of the origin's chain as the extension's own debugger session answers it now. */
  async function debuggerLeaf(tabId) {
    const names = await insp.eval(async (id, origin) => (await chrome.debugger.sendCommand({ tabId: id }, 'Network.getCertificate', { origin }))?.tableNames ?? [],
      tabId, split.origin);
    return names.length ? Buffer.from(names[0], 'base64') : null;
  }

  /**
   * One round in a fresh tab: the page over a genuine connection, read again through the
   * debugger, GENUINE_FETCHES fetches over genuine connections, then one response over a rogue
   * one: a fetch() of the page (`carry` 'fetch') or a frame it adds ('frame').
   * Returns what the rogue response led to.
   */
  async function round(n, carry) {
    const { mailLegit, mailRogue } = sc.pki.leaves;
    split.serve('genuine');
    const v = await visit(cr, split.url, { want: 'page' });
    assert.equal(v.outcome, 'page', `round ${n}: expected the served page, got ${v.outcome} at ${v.href}`);
    const tabId = await insp.tabId(v.page);
    const first = await insp.waitRecord(tabId, split.url);
    assert.equal(first?.status, 'pinned', first?.reason);
    assert.ok(await waitFor(async () => (await insp.attachedTabs()).includes(tabId), { timeout: 10_000 }),
      'the debugger is attached to the pinned tab');

    // The page again, now read through the debugger: the whole genuine chain answers for the origin.
    const t0 = Date.now();
    await v.page.reload({ waitUntil: 'load' });
    const full = await insp.waitRecord(tabId, split.url, (x) => x.time >= t0 && x.tier === 'debugger', 15_000);
    assert.equal(full?.tier, 'debugger', `expected a full-chain verdict, got ${JSON.stringify(full && { tier: full.tier, error: full.captureError })}`);
    assert.equal(full.status, 'pinned', full.reason);
    assert.deepEqual(full.chain.map((c) => c.spkiSha256), [mailLegit.spkiPin, sc.pki.legitInter.spkiPin, sc.pki.legitRoot.spkiPin]);

    // Many genuine responses in the document: the debugger answers for the origin with the
    // certificate of one response it keeps, and which one is not said.
    const tag = `${carry}${n}`;
    await v.page.evaluate((t, k) => Promise.all(Array.from({ length: k }, (_, i) => fetch(`/data?${t}=genuine-${i}`).then((r) => r.text()))), tag, GENUINE_FETCHES);
    const genuineFetches = split.requests.filter((r) => r.path.startsWith(`/data?${tag}=genuine-`));
    assert.equal(genuineFetches.length, GENUINE_FETCHES);
    assert.ok(genuineFetches.every((r) => r.chain === 'genuine'));
    const before = await debuggerLeaf(tabId);
    assert.ok(before?.equals(mailLegit.der), 'the debugger answers the genuine chain for the origin');

    // From now on the interceptor terminates new connections with its own chain.
    const path = `/data?${tag}=rogue`;
    const mark = split.requests.length;
    const page = split.requests.filter((r) => r.path === '/').at(-1);
    split.serve('rogue');
    if (carry === 'fetch') await v.page.evaluate((p) => { fetch(p).catch(() => {}); }, path);
    else await v.page.evaluate((p) => { document.body.append(Object.assign(document.createElement('iframe'), { src: p })); }, path);
    const warned = await waitFor(() => v.page.evaluate(() => location.href).then((h) => h.startsWith('chrome-extension:') && h.includes('/pages/warning.html')), { timeout: 15_000 });

    // What the test stands on: two chains on one origin, and the response carried by a rogue one.
    const served = split.requests.slice(mark).find((r) => r.path === path);
    assert.equal(served?.chain, 'rogue', `the ${carry} travelled over a rogue connection (${JSON.stringify(split.requests.slice(mark))})`);
    assert.equal(page?.chain, 'genuine', 'the page shown before travelled over a genuine connection');
    assert.deepEqual([page.connection, served.connection].map((id) => split.connections.find((c) => c.id === id)?.chain), ['genuine', 'rogue']);

    if (!warned) {
      const leaf = await debuggerLeaf(tabId).catch(() => null);
      const said = leaf?.equals(mailLegit.der) ? 'the genuine chain' : leaf?.equals(mailRogue.der) ? 'the rogue chain' : 'nothing';
      assert.fail(`round ${n}: the rogue ${carry} did not send the tab to the warning page (it shows `
        + `${await v.page.evaluate(() => location.href).catch(() => '?')}; the debugger answers ${said} for the origin)`);
    }
    const stopped = (await insp.session(`warning:${tabId}`))?.record;
    assert.equal(stopped?.url, split.origin + path, `the warning is for the rogue ${carry}`);
    assert.equal(stopped.status, 'mismatch', stopped.reason);
    assert.equal(stopped.chain[0].spkiSha256, mailRogue.spkiPin, 'judged by the response\'s own leaf');
    assert.equal((await insp.waitBadge(tabId, '!')).text, '!');
    await v.page.close();
    // 'securityInfoRawDer': the debugger's chain for the origin was not this response's (its
    // leaf differed), and the core judged the response by its own leaf; 'debugger': the
    // debugger happened to answer with the rogue response's own chain.
    return { tier: stopped.tier };
  }

  /** Rounds in fresh tabs until one shows the debugger answering another connection's chain. */
  async function rounds(t, carry) {
    const tiers = [];
    for (let n = 1; n <= MAX_ROUNDS && !tiers.includes('securityInfoRawDer'); n++) tiers.push((await round(n, carry)).tier);
    t.diagnostic(`the stopping verdict's tier, per round: ${tiers.join(', ')}`);
    assert.ok(tiers.includes('securityInfoRawDer'),
      `in ${MAX_ROUNDS} rounds the debugger never answered another connection's chain for the rogue ${carry} (tiers: ${tiers.join(', ')})`);
  }

  it('genuine connections, then a fetch() over a rogue one: the tab is stopped, also when the debugger answers the genuine chain', async (t) => {
    await rounds(t, 'fetch');
  });

  it('genuine connections, then a frame over a rogue one: the tab is stopped, also when the debugger answers the genuine chain', async (t) => {
    await rounds(t, 'frame');
  });
});
