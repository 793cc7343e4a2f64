// End-to-end: Chromium's leaf tier (WebRequestSecurityInfo) with a list that pins ONLY ROOTS (no
// issuer keys). The extension links the leaf to a pinned root by verified signatures, fetching
// the CA certificates from the leaves' and intermediates' AIA caIssuers URLs (a plain-HTTP
// server on loopback, reached by a public-looking name) and keeping them for the next visit.
// AIA URLs that point into this computer's network (an IP literal, a single-label name) are
// never fetched. A rogue page stopped after the fact leaves no service worker or Cache Storage
// behind (lib/rogue-state.mjs). A declared inspection proxy comes
// from policy `allowedInterceptionRoots` (a managed policy file, as an enterprise would set it).
//
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/completion.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, visit, waitFor } from './lib/chromium.mjs';
import { chromiumExtensionId, chromiumPolicyFile } from './lib/enterprise.mjs';
import { issue, subject, subjectKeyId } from './lib/pki.mjs';
import { startRogueStateServer } from './lib/rogue-state.mjs';
import { prepare, ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

// The AIA server's names: a public-looking one, one whose port is closed, and a single-label one
// (which Chromium resolves to loopback here, as an intranet name would resolve to its host).
const AIA_HOST = 'crt.example.com';
const OUTAGE_AIA_HOST = 'crt-outage.example.com';
const SINGLE_LABEL_HOST = 'pinwatch-ca';
const HOSTS = ['mail.example.test', 'sub.mail.example.test', 'outage.example.test', 'garbage.example.test',
  AIA_HOST, OUTAGE_AIA_HOST, SINGLE_LABEL_HOST];

/**
 * A plain-HTTP server that publishes CA certificates by path, logging every request. A path
 * given to `hold` is answered (404) only when `release`d.
 */
async function startAiaServer() {
  const files = new Map();
  const requests = [];
  const held = new Map(); // path → answers waiting for `release`
  const server = createServer((req, res) => {
    requests.push(req.url);
    if (held.has(req.url)) {
      held.get(req.url).push(res);
      return;
    }
    const body = files.get(req.url);
    if (!body) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/pkix-cert' }).end(body);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = server.address().port;
  const base = `http://${AIA_HOST}:${port}`;
  const hold = (path) => held.set(path, []);
  const release = (path) => {
    for (const res of held.get(path) ?? []) res.writeHead(404).end();
    held.delete(path);
  };
  return { base, port, files, requests, hold, release, close: () => new Promise((resolve) => server.close(resolve)) };
}

/**
 * The run's AIA hierarchy, beside the scenario PKI's:
 *   legitRoot → aiaInter (AIA → root) → legit / renewed leaves (AIA → aiaInter)
 *   backupRoot → backupInter → backup leaf            (the pinned backup CA)
 *   rogueRoot → rogue leaf (AIA → rogue root), also served with the real aiaInter appended
 *   rogueRoot → impostorInter (aiaInter's name) → spoofed leaf (AIA → the real aiaInter)
 *   rogueRoot → poisonInter (aiaInter's name and key identifier) → poisoned leaves (AIA → poisonInter)
 *   rogueRoot → a leaf for a pinned subdomain
 *   legitRoot → outageInter → leaf whose AIA server is down; garbageInter → leaf whose AIA is junk
 *   legitRoot → loopbackInter, singleLabelInter → leaves whose AIA names 127.0.0.1 / a single label
 *   proxyRoot → proxied leaf (no AIA): declared by policy
 */
function aiaPki(aia) {
  return (pki) => {
    const d = pki.dir;
    const url = (name) => (name.startsWith('http') ? name : `${aia.base}/${name}.der`);
    const publish = (name, cert) => aia.files.set(`/${name}.der`, cert.der);
    const ca = (name, cn, issuer, aiaName, ski) => issue(d, name, { subj: subject({ CN: cn, O: 'Pinwatch tests' }), ca: true, issuer, aia: aiaName && url(aiaName), ski });
    const leafOf = (name, host, issuer, aiaName, ...alsoServed) => {
      const cert = issue(d, name, { subj: subject({ CN: host }), issuer, hosts: [host], aia: aiaName && url(aiaName) });
      return { ...cert, host, chainPem: [cert, ...alsoServed].map((c) => c.pemText).join('') };
    };
    const aiaInter = ca('aia-inter', 'Pinwatch Test AIA Issuing CA', pki.legitRoot, 'legit-root');
    const backupRoot = ca('backup-root', 'Pinwatch Test Backup Root');
    const backupInter = ca('backup-inter', 'Pinwatch Test Backup Issuing CA', backupRoot, 'backup-root');
    const impostorInter = ca('impostor-inter', 'Pinwatch Test AIA Issuing CA', pki.rogueRoot);
    // Copies the genuine intermediate's name and key identifier: what a poisoned kept CA would be.
    const poisonInter = ca('poison-inter', 'Pinwatch Test AIA Issuing CA', pki.rogueRoot, 'rogue-root', subjectKeyId(aiaInter));
    const outageInter = ca('outage-inter', 'Pinwatch Test Outage Issuing CA', pki.legitRoot, 'legit-root');
    const garbageInter = ca('garbage-inter', 'Pinwatch Test Garbage Issuing CA', pki.legitRoot, 'legit-root');
    // Genuine issuing CAs, published on the same server, whose leaves name them by an address
    // inside the network: the server would answer, and must never be asked. The servers send
    // them along, so that Chromium itself has no reason to fetch them.
    const loopbackInter = ca('loopback-inter', 'Pinwatch Test Loopback Issuing CA', pki.legitRoot, 'legit-root');
    const singleLabelInter = ca('single-label-inter', 'Pinwatch Test Single-label Issuing CA', pki.legitRoot, 'legit-root');
    const proxyRoot = ca('proxy-root', 'Corp Inspection Root');
    publish('legit-root', pki.legitRoot);
    publish('aia-inter', aiaInter);
    publish('backup-root', backupRoot);
    publish('backup-inter', backupInter);
    publish('rogue-root', pki.rogueRoot);
    publish('poison-inter', poisonInter);
    publish('loopback-inter', loopbackInter);
    publish('single-label-inter', singleLabelInter);
    aia.files.set('/garbage.der', randomBytes(3000));
    assert.equal(impostorInter.subject, aiaInter.subject, 'the impostor has the real intermediate\'s name');
    assert.equal(poisonInter.subject, aiaInter.subject);
    assert.equal(subjectKeyId(poisonInter), subjectKeyId(aiaInter), 'and this one its key identifier too');
    return {
      aiaInter, backupRoot, proxyRoot, poisonInter,
      legit: leafOf('aia-legit', 'mail.example.test', aiaInter, 'aia-inter', aiaInter),
      renewed: leafOf('aia-renewed', 'mail.example.test', aiaInter, 'aia-inter', aiaInter),
      backup: leafOf('aia-backup', 'mail.example.test', backupInter, 'backup-inter', backupInter),
      rogue: leafOf('aia-rogue', 'mail.example.test', pki.rogueRoot, 'rogue-root'),
      rogueAppended: leafOf('aia-rogue-appended', 'mail.example.test', pki.rogueRoot, 'rogue-root', aiaInter),
      spoofed: leafOf('aia-spoofed', 'mail.example.test', impostorInter, 'aia-inter', impostorInter),
      poisoned: leafOf('aia-poisoned', 'mail.example.test', poisonInter, 'poison-inter', poisonInter),
      poisonedLater: leafOf('aia-poisoned-later', 'mail.example.test', poisonInter, 'poison-inter', poisonInter),
      subdomain: leafOf('aia-sub', 'sub.mail.example.test', pki.rogueRoot, 'rogue-root'),
      // The AIA URL of this one is a closed port; garbage's serves random bytes.
      outage: leafOf('aia-outage', 'outage.example.test', outageInter, `http://${OUTAGE_AIA_HOST}:9/outage-inter.der`, outageInter),
      loopbackAia: leafOf('aia-loopback', 'mail.example.test', loopbackInter, `http://127.0.0.1:${aia.port}/loopback-inter.der`, loopbackInter),
      singleLabelAia: leafOf('aia-single-label', 'mail.example.test', singleLabelInter, `http://${SINGLE_LABEL_HOST}:${aia.port}/single-label-inter.der`, singleLabelInter),
      garbage: leafOf('aia-garbage', 'garbage.example.test', garbageInter, 'garbage', garbageInter),
      proxied: leafOf('aia-proxied', 'mail.example.test', proxyRoot, null, proxyRoot),
      // Its issuer URL is answered only once its page has left its state (the judge waits).
      stateRogue: leafOf('aia-state-rogue', 'mail.example.test', pki.rogueRoot, 'held-issuer'),
    };
  };
}

describe('Chromium leaf tier: roots-only list, chains completed by signatures over AIA', { skip }, () => {
  let sc;
  let aia;
  let env;
  let policy;

  before(async () => {
    aia = await startAiaServer();
    sc = await prepare({
      browser: 'chromium',
      name: 'test-chromium-aia',
      stale: false,
      extend: aiaPki(aia),
      editList: (list, pki, x) => {
        list.pinsets['roots-only'] = { good: [pki.legitRoot.spkiPin, x.backupRoot.spkiPin] };
        list.entries = list.entries.filter((e) => e.host !== 'mail.example.test');
        list.entries.push(
          { host: 'mail.example.test', include_subdomains: true, pinset: 'roots-only', mode: 'enforce' },
          { host: 'outage.example.test', include_subdomains: false, pinset: 'roots-only', mode: 'enforce' },
          { host: 'garbage.example.test', include_subdomains: false, pinset: 'roots-only', mode: 'enforce' },
        );
      },
      servers: (specs, pki, x) => Object.fromEntries(
        ['legit', 'renewed', 'backup', 'rogue', 'rogueAppended', 'spoofed', 'poisoned', 'poisonedLater', 'subdomain', 'outage', 'garbage', 'proxied', 'loopbackAia', 'singleLabelAia']
          .map((k) => [k, { name: k, leaf: x[k] }]),
      ),
    });
    const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
    policy = chromiumPolicyFile(chromiumExtensionId(manifest.key), { allowedInterceptionRoots: [sc.extra.proxyRoot.pemText] }, 'pinwatch-completion-test.json');
    env = { cr: await launchChromium({ roots: [...sc.pki.roots, sc.extra.backupRoot, sc.extra.proxyRoot], hosts: HOSTS, securityInfo: true }) };
    const since = Date.now();
    await env.cr.install(sc.dist);
    env.insp = await Inspector.open(env.cr);
    // Chromium hands managed values over a few seconds after start; the proxy case needs them.
    const policyIn = await waitFor(async () => (await env.insp.page.evaluate(() => chrome.runtime.sendMessage({ type: 'status' })))
      .value?.policy?.allowedInterceptionRoots?.length === 1, { timeout: 20_000 });
    assert.ok(policyIn, 'the managed policy reached the extension');
    const booted = await waitFor(async () => (await env.insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
  });

  after(async () => {
    await env?.cr.close();
    policy?.remove();
    await sc?.cleanup();
    await aia?.close();
  });

  async function check(key, want) {
    const server = sc.servers[key];
    const fetchesBefore = aia.requests.length;
    const v = await visit(env.cr, server.url, { want });
    const tabId = await env.insp.tabId(v.page);
    const r = want === 'page' ? await env.insp.waitRecord(tabId, server.url) : await env.insp.record(tabId);
    await v.page.close();
    return { v, r, fetched: aia.requests.slice(fetchesBefore) };
  }

  const b64 = (cert) => Buffer.from(cert.der).toString('base64');

  /** The CA certificates the extension keeps for completion (base64 DER). */
  async function keptCas() {
    return ((await env.insp.local('caCertificates')) ?? []).map((k) => k.der);
  }

  it('a rogue CA copying the genuine intermediate\'s name and key identifier, before any genuine visit: stopped, and not kept', async () => {
    const { v, r, fetched } = await check('poisoned', 'warning');
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'mismatch', r.reason);
    assert.ok(fetched.includes('/poison-inter.der'), 'the impostor was fetched and linked the rogue leaf');
    assert.ok(!(await keptCas()).includes(b64(sc.extra.poisonInter)), 'the impostor is not kept');
  });

  it('the legitimate leaf: pinned once its issuer and the root are fetched; the second visit fetches nothing', async () => {
    const first = await check('legit', 'page');
    assert.equal(first.v.outcome, 'page');
    assert.equal(first.r.tier, 'securityInfoRawDer');
    assert.equal(first.r.status, 'pinned', first.r.reason);
    assert.deepEqual(first.r.path.origins, ['served', 'fetched', 'fetched']);
    assert.deepEqual(first.fetched, ['/aia-inter.der', '/legit-root.der']);
    assert.equal(first.r.matched.pin, sc.pki.legitRoot.spkiPin);
    const second = await check('legit', 'page');
    assert.equal(second.r.status, 'pinned', second.r.reason);
    assert.deepEqual(second.fetched, [], 'nothing is fetched again');
    assert.deepEqual(second.r.path.origins, ['served', 'cached', 'cached']);
  });

  it('AIA URLs into the network (an IP literal, a single-label name) are never fetched: stopped, "could not be completed"', async () => {
    for (const key of ['loopbackAia', 'singleLabelAia']) {
      const { v, r, fetched } = await check(key, 'warning');
      assert.deepEqual(fetched, [], `${key}: the AIA server saw no request`);
      assert.equal(v.outcome, 'warning', `${key}: expected the warning page, got ${v.outcome} at ${v.href}`);
      assert.equal(r.status, 'unverifiable', `${key}: ${r.reason}`);
      assert.match(r.reason, /could not be completed/);
    }
  });

  it('a renewal (new leaf key, same CA) and the backup CA: pinned', async () => {
    const renewed = await check('renewed', 'page');
    assert.equal(renewed.r.status, 'pinned', renewed.r.reason);
    assert.deepEqual(renewed.fetched, [], 'the issuing CA is kept from the first visit');
    const backup = await check('backup', 'page');
    assert.equal(backup.r.status, 'pinned', backup.r.reason);
    assert.equal(backup.r.matched.pin, sc.extra.backupRoot.spkiPin);
  });

  it('the same impostor after the genuine intermediate is kept: stopped; the genuine one stays kept and vouches for the next genuine visit', async () => {
    assert.ok((await keptCas()).includes(b64(sc.extra.aiaInter)), 'the genuine intermediate is kept from the visits before');
    const rogue = await check('poisonedLater', 'warning');
    assert.equal(rogue.v.outcome, 'warning', `got ${rogue.v.outcome} at ${rogue.v.href}`);
    assert.equal(rogue.r.status, 'mismatch', rogue.r.reason);
    const kept = await keptCas();
    assert.ok(kept.includes(b64(sc.extra.aiaInter)) && !kept.includes(b64(sc.extra.poisonInter)), 'the kept intermediate is the genuine one');
    const genuine = await check('renewed', 'page');
    assert.equal(genuine.r.status, 'pinned', genuine.r.reason);
    assert.deepEqual(genuine.r.path.origins, ['served', 'cached', 'cached']);
    assert.deepEqual(genuine.fetched, [], 'nothing fetched: the kept genuine intermediate linked it');
  });

  it('a rogue CA, also with the real intermediate appended: stopped', async () => {
    for (const key of ['rogue', 'rogueAppended']) {
      const { v, r } = await check(key, 'warning');
      assert.equal(v.outcome, 'warning', `${key}: expected the warning page, got ${v.outcome} at ${v.href}`);
      assert.equal(r.status, 'mismatch', `${key}: ${r.reason}`);
      assert.ok(!r.path.origins.includes('cached') || r.chain.every((c) => c.spkiSha256 !== sc.pki.legitRoot.spkiPin), 'no pinned key was linked');
    }
  });

  it('a spoofed intermediate with the real one\'s name: stopped, the real one does not link the leaf', async () => {
    const { v, r } = await check('spoofed', 'warning');
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.status, 'mismatch', r.reason);
    assert.match(r.reason, /did not sign it/);
  });

  it('a rogue chain on a pinned subdomain: stopped', async () => {
    const { v, r } = await check('subdomain', 'warning');
    assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
    assert.equal(r.host, 'sub.mail.example.test');
    assert.equal(r.status, 'mismatch', r.reason);
  });

  it('the AIA server down, or serving garbage: "could not be completed", stopped, never pinned', async () => {
    for (const key of ['outage', 'garbage']) {
      const { v, r } = await check(key, 'warning');
      assert.equal(v.outcome, 'warning', `${key}: expected the warning page, got ${v.outcome} at ${v.href}`);
      assert.equal(r.status, 'unverifiable', `${key}: ${r.reason}`);
      assert.equal(r.unreadable, true);
      assert.match(r.reason, /could not be completed/);
    }
  });

  it('a declared inspection proxy (allowedInterceptionRoots): allowed-interception, no warning', async () => {
    const { v, r } = await check('proxied', 'page');
    assert.equal(v.outcome, 'page', `got ${v.outcome} at ${v.href}: ${r?.reason}`);
    assert.equal(r.status, 'allowed-interception', r.reason);
    assert.equal(r.path.anchor, 'declared-proxy');
  });

  /** Bytes the origin keeps per storage type (`service_workers`, `cache_storage`, …), as DevTools reads them. */
  async function storageUse(origin) {
    const session = await env.insp.page.createCDPSession();
    try {
      const { usageBreakdown } = await session.send('Storage.getUsageAndQuota', { origin });
      return Object.fromEntries(usageBreakdown.map((u) => [u.storageType, u.usage]));
    } finally {
      await session.detach().catch(() => {});
    }
  }

  it('a rogue page stopped after the fact: its service worker and Cache Storage are removed, the genuine site is served after', async () => {
    const rogue = await startRogueStateServer(sc.extra.stateRogue);
    try {
      aia.hold('/held-issuer.der');
      const visiting = visit(env.cr, rogue.url, { want: 'warning', timeout: 20_000 });
      let timer;
      const filled = await Promise.race([rogue.filled.then(() => true),
        new Promise((resolve) => { timer = setTimeout(() => resolve(false), 15_000); })]);
      clearTimeout(timer);
      assert.ok(filled, 'the rogue page registered its worker and filled its cache while it was being judged');
      const before = await storageUse(rogue.origin);
      assert.ok(before.service_workers > 0 && before.cache_storage > 0, `the state is there: ${JSON.stringify(before)}`);
      aia.release('/held-issuer.der');
      const v = await visiting;
      assert.equal(v.outcome, 'warning', `got ${v.outcome} at ${v.href}`);
      let after = null;
      const gone = await waitFor(async () => {
        after = await storageUse(rogue.origin);
        return !after.service_workers && !after.cache_storage;
      }, { timeout: 10_000 });
      assert.ok(gone, `the origin's service worker and Cache Storage are removed: ${JSON.stringify(after)}`);
      await v.page.close();
      // The genuine site under the same origin: served by itself, not by the rogue worker.
      rogue.useChain(sc.extra.legit);
      const check = await visit(env.cr, `${rogue.url}check`, { want: 'page' });
      assert.equal(check.outcome, 'page', `the genuine page, not the rogue worker's: ${check.outcome} at ${check.href}`);
      const left = await check.page.evaluate(async () => ({
        workers: (await navigator.serviceWorker.getRegistrations()).length,
        caches: await caches.keys(),
      }));
      assert.deepEqual(left, { workers: 0, caches: [] });
      await check.page.close();
    } finally {
      aia.release('/held-issuer.der');
      await rogue.close();
    }
  });
});
