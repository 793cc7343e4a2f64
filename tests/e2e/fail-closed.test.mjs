// End-to-end, fail-closed against an attacker in the path (docs/design.md#threats-and-the-attacker-model):
// the built extension in headless Firefox ESR, HTTPS servers on loopback whose chains are made for
// this run. The interceptor chooses how many requests a page makes, how large its certificate is,
// which subdomain serves a script, and can hold back list updates until the list expires; none of
// that may let a stop pass, and what is not enforced must still be seen and reported.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/fail-closed.test.mjs   (after ./build.sh)
//
// FLOOD_REQUESTS (default 50000, see below) and FLOOD_BATCH (default 1000) size case 1's flood.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createSecureServer } from 'node:http2';
import { createServer as createHttpsServer } from 'node:https';
import { after, before, describe, it } from 'node:test';
import { extendPki, firefoxPolicies, firefoxWithPolicies, REPORT_HOST, startCollector } from './lib/enterprise.mjs';
import { Inspector, GECKO_ID, launchFirefox, openExtensionPage, sleep, visit, waitFor } from './lib/firefox.mjs';
import { issue, subject } from './lib/pki.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

// 50,000 requests took 187 s of flood (190 s for the case) on a 2-core machine: Firefox itself
// sends about 300-350 such requests a second with no extension at all, about 265 with Pinwatch
// holding each one. The default is the full flood the threat calls for; FLOOD_REQUESTS=5000 makes a
// quick local run.
const FLOOD_REQUESTS = Number(process.env.FLOOD_REQUESTS ?? 50_000);
const FLOOD_BATCH = Number(process.env.FLOOD_BATCH ?? 1000);
/** How long case 1 may take: 10 ms a request, well above the measured 3.8 ms. */
const FLOOD_LIMIT_MS = 60_000 + FLOOD_REQUESTS * 10;
/** Extra DNS names in case 2's rogue leaf: about 60 KB of SAN list, under the core's 64 KiB per certificate. */
const SAN_NAMES = 2800;
const SAN_TABS = 50;
const SAN_TAB_BATCH = 5;

/** A pinned subdomain (the test list's mail.example.test entry includes subdomains here). */
const EVIL_SUB = 'static.mail.example.test';
/** Another one, served with the legitimate chain: the control of case 3. */
const GOOD_SUB = 'cdn.mail.example.test';

/** The core's words when a user's entry would replace a list's (crate/core/src/judge/engine.rs). */
const NEVER_REPLACE = /the entry for mail\.example\.test is not used: .+ governs that host, and an entry of yours may add hosts but never replace or weaken a list's/i;

// ---- servers with their own pages (HTTP/2 where asked), logging every request -------------------

// A 1×1 transparent PNG.
const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');

function html(title, body) {
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>\n<body>${body}</body></html>`;
}

/** The page a pinned host serves: its content includes `/sub.png`, as servers.mjs's pages do. */
const servedPage = (title, extra = '') => html(title,
  `<h1 id="served-page">${title}</h1>${extra}<img id="sub" src="/sub.png" alt="" width="1" height="1">`);

/**
 * servers.mjs serves one fixed page over HTTP/1.1; these cases need pages of their own (the
 * attacker's flood page, a page with scripts) and HTTP/2. One HTTPS server for `leaf` (key, chainPem, host) answering `routes` (`{path: {type, body}}`,
 * body a string, Buffer or `(req) => string`), `/sub.png` and 404 for anything else.
 * `http2`: HTTP/2 with HTTP/1.1 as fallback (ALPN), so that a flood is not held to six
 * connections: an interceptor chooses the protocol too.
 */
async function startSite({ leaf, routes = {}, http2 = false }) {
  const requests = [];
  const sockets = new Set();
  const handler = (req, res) => {
    req.on('error', () => {});
    res.on('error', () => {});
    requests.push({ path: req.url, time: Date.now(), httpVersion: req.httpVersion });
    const path = req.url.split('?')[0];
    const route = routes[path] ?? (path === '/sub.png' ? { type: 'image/png', body: PNG } : null);
    if (!route) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' });
    res.end(typeof route.body === 'function' ? route.body(req) : route.body);
  };
  const tls = { key: readFileSync(leaf.key), cert: leaf.chainPem };
  const server = http2
    ? createSecureServer({ ...tls, allowHTTP1: true, settings: { maxConcurrentStreams: 1000 } }, handler)
    : createHttpsServer(tls, handler);
  server.on('secureConnection', (socket) => {
    sockets.add(socket);
    socket.on('error', () => {});
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('sessionError', () => {});
  server.on('tlsClientError', () => {});
  const port = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
  const origin = `https://${leaf.host}:${port}`;
  return {
    host: leaf.host,
    port,
    origin,
    url: `${origin}/`,
    requests,
    close() {
      const closed = new Promise((resolve) => { server.close(() => resolve()); });
      server.closeAllConnections?.();
      for (const socket of sockets) socket.destroy();
      return closed;
    },
  };
}

/**
 * The attacker's page, on an unpinned host: `n` requests to `target` (half fetch, half img, each
 * with its own address, in batches of `batch` so that the page itself survives), counting which
 * were answered (a response reached the page) and which failed (cancelled). When the last batch
 * is sent, while it is still in flight, it sends its counts home (a beacon to its own host) and
 * navigates the tab to `nav`.
 */
function floodPage() {
  return html('flood', `<h1 id="flood-page">flood</h1><script>
const q = new URLSearchParams(location.search);
const target = q.get('target');
const total = Number(q.get('n'));
const batch = Number(q.get('batch'));
const nav = q.get('nav');
const flood = window.flood = { issued: 0, answered: 0, failed: 0, batches: 0, started: Date.now(), navigatedAt: null };
function one(i) {
  const url = target + 'f.png?' + i;
  const done = (ok) => { if (ok) flood.answered++; else flood.failed++; };
  if (i % 2) return fetch(url, { mode: 'no-cors', cache: 'no-store', credentials: 'omit' }).then(() => done(true), () => done(false));
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => { done(true); resolve(); };
    img.onerror = () => { done(false); resolve(); };
    img.src = url;
  });
}
(async () => {
  for (let i = 0; i < total; i += batch) {
    const n = Math.min(batch, total - i);
    const inFlight = [];
    for (let j = 0; j < n; j++) inFlight.push(one(i + j));
    flood.issued += n;
    if (i + n >= total) {
      flood.navigatedAt = Date.now();
      navigator.sendBeacon('/stats?' + encodeURIComponent(JSON.stringify(flood)));
      location.href = nav;
      return;
    }
    await Promise.all(inFlight);
    flood.batches++;
  }
})();
</script>`);
}

const EVIL_JS = `document.documentElement.dataset.evil = 'ran'; document.title = 'pwned by evil.js';`;
const GOOD_JS = `document.documentElement.dataset.good = 'ran';`;

/** Case 3's legitimate page: one script from the intercepted subdomain, one from a legitimate one. */
function scriptPage(evilUrl, goodUrl) {
  return servedPage('mail (legit chain) with scripts from its subdomains',
    `<script src="${evilUrl}" onerror="document.documentElement.dataset.evilError = 'blocked'"></script>`
    + `<script src="${goodUrl}"></script>`);
}

// ---- the run ----------------------------------------------------------------------------------------

describe('Firefox ESR: fail-closed against an attacker in the path', { skip }, () => {
  let s; // scenario: pki, lists, servers, dist folders (and `extra`: this file's certificates)
  let sites; // this file's own servers
  let collector;
  const hosts = [...HOSTS, EVIL_SUB, GOOD_SUB, REPORT_HOST];

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-fail-closed',
      extend(pki) {
        const x = extendPki(pki); // the report collector's certificate (and the rest, unused here)
        const leaf = (name, host, issuer, names = [host]) => {
          const cert = issue(pki.dir, name, { subj: subject({ CN: host }), issuer, hosts: names });
          const chain = issuer === pki.legitInter ? [cert, pki.legitInter] : [cert];
          return { ...cert, host, chainPem: chain.map((c) => c.pemText).join('') };
        };
        const padding = Array.from({ length: SAN_NAMES }, (_, i) => `x${String(i).padStart(4, '0')}.pad-sans.test`);
        return {
          reports: x.reports,
          bigSan: leaf('mail-rogue-big-san', 'mail.example.test', pki.rogueRoot, ['mail.example.test', ...padding]),
          evilSub: leaf('static-rogue', EVIL_SUB, pki.rogueRoot),
          goodSub: leaf('cdn-legit', GOOD_SUB, pki.legitInter),
        };
      },
      // mail.example.test with its subdomains (case 3); the same in the expired list.
      editList(list) {
        list.entries.find((e) => e.host === 'mail.example.test').include_subdomains = true;
      },
      servers: (specs, _pki, extra) => ({
        mailRogue: specs.mailRogue,
        plain: specs.plain,
        bigSan: { name: 'mail (rogue chain, 60 KB SAN list)', leaf: extra.bigSan },
      }),
    });
    const x = s.extra;
    sites = {};
    sites.evil = await startSite({ leaf: x.evilSub, routes: { '/evil.js': { type: 'text/javascript', body: EVIL_JS } } });
    sites.good = await startSite({ leaf: x.goodSub, routes: { '/good.js': { type: 'text/javascript', body: GOOD_JS } } });
    const scripts = scriptPage(`${sites.evil.origin}/evil.js`, `${sites.good.origin}/good.js`);
    sites.mailScripts = await startSite({ leaf: s.pki.leaves.mailLegit, routes: { '/': { type: 'text/html; charset=utf-8', body: scripts } } });
    sites.floodTarget = await startSite({
      leaf: s.pki.leaves.mailRogue,
      http2: true,
      routes: {
        '/': { type: 'text/html; charset=utf-8', body: servedPage('mail (rogue chain, HTTP/2)') },
        '/f.png': { type: 'image/png', body: PNG },
      },
    });
    sites.floodPage = await startSite({ leaf: s.pki.leaves.plain, http2: true, routes: { '/flood.html': { type: 'text/html; charset=utf-8', body: floodPage() } } });
    collector = await startCollector(x.reports);
  });

  after(async () => {
    await Promise.all([...Object.values(sites ?? {}).map((site) => site.close()), collector?.close()]);
    await s?.cleanup();
  });

  /** Firefox with the test CAs and hosts; `install(dir)` loads a build and waits for its engine. */
  async function firefox(opts = {}) {
    const ff = await launchFirefox({ roots: s.pki.roots, hosts, ...opts });
    const env = { ff, insp: null };
    env.install = async (dir) => {
      const since = Date.now();
      await ff.browser.installExtension(dir);
      env.insp = await Inspector.open(ff);
      const booted = await waitFor(async () => (await env.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
      assert.ok(booted, 'the background page started and built the engine');
    };
    // As JSON: the automation protocol drops an object that occurs twice in one answer (a stored
    // record and its decision are such objects).
    env.session = (key) => env.insp.eval(async (k) => JSON.stringify((await browser.storage.session.get(k))[k] ?? null), key)
      .then((text) => JSON.parse(text));
    env.visit = async (url, options) => {
      const v = await visit(ff, url, options);
      return { ...v, tabId: await env.insp.tabId(v.page) };
    };
    return env;
  }

  describe('without policy', () => {
    let env;

    before(async () => {
      env = await firefox();
      await env.install(s.dist);
    });

    after(async () => {
      await env?.ff.close();
    });

    it(`1. a flood of ${FLOOD_REQUESTS.toLocaleString('en')} requests to the intercepted pinned host, then a navigation to it: the warning page comes before any of the page's content`, { timeout: FLOOD_LIMIT_MS + 30_000 }, async (t) => {
      const { ff, insp } = env;
      const target = sites.floodTarget;
      const home = sites.floodPage;
      const seen = target.requests.length;
      const statsSeen = home.requests.length;
      const url = `${home.origin}/flood.html?${new URLSearchParams({ target: target.url, n: FLOOD_REQUESTS, batch: FLOOD_BATCH, nav: target.url })}`;
      const t0 = Date.now();
      const page = await ff.browser.newPage();
      page.goto(url, { timeout: 15_000 }).catch(() => {});
      const tabId = await waitFor(() => insp.eval(async (u) => (await browser.tabs.query({})).find((tab) => tab.url === u)?.id ?? null, url), { timeout: 15_000 });
      assert.ok(tabId, 'the flood page opened');

      // Until the tab leaves the flood page: its progress, for the log.
      let progress = null;
      const state = await waitFor(async () => {
        const st = await page.evaluate(() => ({
          href: location.href,
          ready: document.readyState,
          flood: window.flood ? { ...window.flood } : null,
          warningReady: document.body?.classList.contains('warning-page')
            && (!document.getElementById('details').hidden || !document.getElementById('no-details').hidden),
          served: Boolean(document.getElementById('served-page')),
        })).catch(() => null);
        if (st?.flood) progress = st.flood;
        if (st?.served) return { ...st, outcome: 'page' };
        if (st?.ready === 'complete' && /^about:(neterror|certerror)/.test(st.href)) return { ...st, outcome: 'error' };
        return st?.warningReady ? { ...st, outcome: 'warning' } : null;
      }, { timeout: FLOOD_LIMIT_MS, interval: 250 });
      const tEnd = Date.now();
      await sleep(1000); // a sub-resource request, if the HTML had been delivered, would have arrived by now

      const requests = target.requests.slice(seen);
      const floodHits = requests.filter((r) => r.path.startsWith('/f.png'));
      const pageHits = requests.filter((r) => r.path === '/');
      const subHits = requests.filter((r) => r.path.startsWith('/sub.png'));
      const beacon = home.requests.slice(statsSeen).find((r) => r.path.startsWith('/stats?'));
      const stats = beacon ? JSON.parse(decodeURIComponent(beacon.path.slice('/stats?'.length))) : progress;
      const navAt = stats?.navigatedAt ?? null;
      const stopAfterNavMs = navAt ? tEnd - navAt : null;
      const pageAskedAfterMs = navAt && pageHits[0] ? pageHits[0].time - navAt : null;
      t.diagnostic(`flood: ${stats?.issued ?? '?'} requests issued in ${navAt ? ((navAt - t0) / 1000).toFixed(1) : '?'} s `
        + `(${stats?.batches ?? '?'} batches of ${FLOOD_BATCH} settled: ${stats?.answered ?? '?'} answered, ${stats?.failed ?? '?'} failed/cancelled); `
        + `the server saw ${floodHits.length} of them (HTTP/${floodHits[0]?.httpVersion ?? '?'}); `
        + `the navigation reached the server after ${pageAskedAfterMs ?? '?'} ms; ${state?.outcome ?? 'nothing'} seen ${stopAfterNavMs ?? '?'} ms after the navigation `
        + `(polling every 250 ms); whole case ${((tEnd - t0) / 1000).toFixed(1)} s`);

      assert.equal(state?.outcome, 'warning', `expected the warning page, got ${state?.outcome ?? 'timeout'} at ${state?.href}`);
      assert.ok(state.href.startsWith(`${ff.base}pages/warning.html#`), state.href);
      const [, stopReason] = state.href.split('#')[1].split('/');
      t.diagnostic(`stop reason in the warning page's address: ${stopReason}`);
      assert.ok(['mismatch', 'not-checked-in-time'].includes(stopReason), `a stop: ${stopReason}`);
      assert.ok(stats, 'the flood page reported its counts');
      assert.equal(stats.issued, FLOOD_REQUESTS, 'every request of the flood was sent before the navigation');
      assert.equal(stats.answered, 0, 'no flood response reached the page: each was cancelled');
      assert.ok(floodHits.length >= FLOOD_REQUESTS - FLOOD_BATCH, `the rogue server received the flood (${floodHits.length})`);
      assert.ok(pageHits.length >= 1, 'the navigation reached the rogue server');
      assert.deepEqual(subHits, [], 'the page\'s own sub-resource was never requested: its HTML never reached the browser');

      // The decision is recorded: what the warning page shows, and the tab's stored verdict.
      const warning = await waitFor(() => env.session(`warning:${tabId}`), { timeout: 15_000 });
      assert.ok(warning, 'the warning details were stored');
      assert.equal(warning.decision.act, 'stop');
      assert.equal(warning.decision.stopReason, stopReason);
      assert.equal(warning.record.host, 'mail.example.test');
      assert.equal(warning.record.url, target.url);
      if (stopReason === 'mismatch') assert.equal(warning.record.status, 'mismatch');
      t.diagnostic(`the page's check: ${JSON.stringify(warning.record.ms ?? null)} ms (capture, check)`);
      const tabState = await waitFor(async () => {
        const st = await env.session(`tab:${tabId}`);
        return st?.page?.url === target.url && st;
      }, { timeout: 15_000 });
      assert.ok(tabState, 'the tab\'s verdict was stored');
      assert.equal(tabState.page.outcome, 'stopped');
      assert.ok(tabState.subs.length <= 20, `sub-resource verdicts stay bounded (${tabState.subs.length})`);
      const shown = await page.evaluate(() => ({ host: document.getElementById('host').textContent, reason: document.getElementById('reason').textContent }));
      t.diagnostic(`warning page: ${shown.host}: ${shown.reason.slice(0, 160)}`);
      assert.equal(shown.host, 'mail.example.test');
      assert.equal((await insp.waitBadge(tabId, '!')).text, '!');
      await page.close();
    });

    it(`2. a rogue certificate with a 60 KB SAN list, loaded in ${SAN_TABS} tabs: every one is stopped`, { timeout: 240_000 }, async (t) => {
      const server = s.servers.bigSan;
      const leaf = s.extra.bigSan;
      t.diagnostic(`the rogue leaf: ${leaf.der.length} bytes of DER, ${SAN_NAMES + 1} DNS names`);
      assert.ok(leaf.der.length > 55_000 && leaf.der.length < 64 * 1024, `a leaf of about 60 KB, under the 64 KiB limit (${leaf.der.length})`);
      const seen = server.requests.length;
      const t0 = Date.now();
      const visits = [];
      for (let i = 0; i < SAN_TABS; i += SAN_TAB_BATCH) {
        const batch = Array.from({ length: Math.min(SAN_TAB_BATCH, SAN_TABS - i) }, (_, j) => `${server.url}?tab=${i + j}`);
        visits.push(...await Promise.all(batch.map((u) => env.visit(u, { timeout: 30_000 }))));
      }
      const elapsed = Date.now() - t0;
      await sleep(500);
      const outcomes = visits.map((v) => v.outcome);
      const reasons = visits.map((v) => v.href?.split('#')[1]?.split('/')[1] ?? null);
      const details = await Promise.all(visits.map((v) => v.page.evaluate(() => !document.getElementById('details').hidden).catch(() => false)));
      t.diagnostic(`${SAN_TABS} tabs in ${(elapsed / 1000).toFixed(1)} s; outcomes ${JSON.stringify(count(outcomes))}, stop reasons ${JSON.stringify(count(reasons))}, `
        + `${details.filter(Boolean).length} with the stored details shown`);
      assert.deepEqual(outcomes, Array(SAN_TABS).fill('warning'), 'every tab shows the warning page');
      for (const v of visits) assert.ok(v.href.startsWith(`${env.ff.base}pages/warning.html#`), v.href);
      assert.deepEqual(reasons, Array(SAN_TABS).fill('mismatch'), 'each one read and judged: a mismatch, not an unreadable chain');
      assert.equal(server.requests.slice(seen).filter((r) => r.path.startsWith('/sub.png')).length, 0, 'no tab got the page\'s content');
      // The verdict of one tab, as stored: the names are there (capped or not), the pins are the rogue ones.
      const rec = await waitFor(() => env.session(`warning:${visits.at(-1).tabId}`));
      assert.equal(rec.record.status, 'mismatch');
      const facts = rec.record.chain[0];
      t.diagnostic(`stored warning record: ${JSON.stringify(rec.record).length} bytes; leaf names kept: ${facts.sanDns.length}, counted: ${facts.sanDnsMore} more`);
      assert.ok(facts.sanDns.length <= 20, 'the names kept are capped');
      assert.equal(facts.sanDns.length + facts.sanDnsMore, SAN_NAMES + 1, 'and the rest are counted');
      for (const v of visits) await v.page.close();
    });

    it('3. a legitimate pinned page that loads a script from an intercepted pinned subdomain: the script never runs', async (t) => {
      const evilSeen = sites.evil.requests.length;
      const goodSeen = sites.good.requests.length;
      const v = await env.visit(sites.mailScripts.url);
      assert.equal(v.outcome, 'page', `the legitimate page loads (got ${v.outcome} at ${v.href})`);
      // Both scripts settle before the load event; give a late one a moment all the same.
      await waitFor(() => v.page.evaluate(() => document.documentElement.dataset.good === 'ran'), { timeout: 5000 });
      await sleep(500);
      const page = await v.page.evaluate(() => ({
        evil: document.documentElement.dataset.evil ?? null,
        evilError: document.documentElement.dataset.evilError ?? null,
        good: document.documentElement.dataset.good ?? null,
        title: document.title,
      }));
      const evilRequests = sites.evil.requests.slice(evilSeen).map((r) => r.path);
      t.diagnostic(`page: ${JSON.stringify(page)}; requests at ${EVIL_SUB}: ${JSON.stringify(evilRequests)}; at ${GOOD_SUB}: ${JSON.stringify(sites.good.requests.slice(goodSeen).map((r) => r.path))}`);
      assert.equal(page.good, 'ran', `the control: a script from ${GOOD_SUB} (legitimate chain) runs`);
      assert.equal(page.evil, null, `the script from ${EVIL_SUB} (rogue chain) did not run`);
      assert.equal(page.title, 'mail (legit chain) with scripts from its subdomains', 'the page title was not changed');
      assert.equal(page.evilError, 'blocked', 'the script element failed to load');
      assert.ok(evilRequests.includes('/evil.js'), 'the request went out (and its response was cancelled at the headers)');
      const tabState = await waitFor(async () => {
        const st = await env.session(`tab:${v.tabId}`);
        return st?.subs?.some((r) => r.host === EVIL_SUB) && st;
      });
      assert.ok(tabState, 'the sub-resource verdict was stored for the tab');
      assert.equal(tabState.page.status, 'pinned');
      const sub = tabState.subs.find((r) => r.host === EVIL_SUB);
      assert.equal(sub.status, 'mismatch');
      assert.equal(sub.outcome, 'stopped');
      assert.equal(sub.entry?.host, 'mail.example.test', 'the parent entry (include_subdomains) governs the subdomain');
      assert.equal((await env.insp.waitBadge(v.tabId, '!')).text, '!', 'the badge shows the mismatch of the sub-resource');
      await v.page.close();
    });
  });

  describe('with policy (reportEndpoint)', () => {
    let env;
    let farm;
    const reportsFor = (host, verdict) => collector.reports.filter((r) => r.json?.hostname === host && r.json?.verdict === verdict);

    before(async () => {
      farm = firefoxWithPolicies(s.dir, firefoxPolicies(GECKO_ID, { reportEndpoint: collector.endpoint }));
      env = await firefox({ executablePath: farm.executable });
      await env.install(s.dist);
      env.status = async () => {
        const opts = await openExtensionPage(env.ff, 'pages/options.html');
        try {
          const answer = JSON.parse(await opts.evaluate(async () => JSON.stringify(await browser.runtime.sendMessage({ type: 'status' }))));
          return answer?.value;
        } finally {
          await opts.close();
        }
      };
      const st = await waitFor(async () => {
        const v = await env.status();
        return v?.policy?.reportEndpoint === collector.endpoint && v;
      }, { timeout: 15_000 });
      assert.ok(st, 'the policy (reportEndpoint) reached the extension');
    });

    after(async () => {
      await env?.ff.close();
      farm?.remove();
    });

    it('4. an expired list and a rogue chain: stale-mismatch badge and a report at the collector', { timeout: 120_000 }, async (t) => {
      // The control first, with the current list: a mismatch is reported to this collector.
      const control = await env.visit(s.servers.mailRogue.url);
      assert.equal(control.outcome, 'warning', `the current list stops the rogue chain (got ${control.outcome})`);
      await control.page.close();
      assert.ok(await waitFor(() => reportsFor('mail.example.test', 'mismatch').length > 0, { timeout: 15_000 }),
        'the control: a mismatch under the current list reaches the collector');

      try {
        await env.install(s.staleDist);
        const seen = s.servers.mailRogue.requests.length;
        const v = await env.visit(s.servers.mailRogue.url);
        assert.equal(v.outcome, 'page', `an expired list is not enforced: the page loads (got ${v.outcome} at ${v.href})`);
        assert.ok(s.servers.mailRogue.requests.slice(seen).some((r) => r.path.startsWith('/sub.png')));
        const badge = await env.insp.waitBadge(v.tabId, 'OLD!');
        assert.equal(badge.text, 'OLD!');
        assert.match(badge.title, /STALE MISMATCH/);
        const rec = await waitFor(async () => (await env.session(`tab:${v.tabId}`))?.page);
        assert.equal(rec.status, 'stale-mismatch');
        assert.equal(rec.decision.act, 'warn', 'not enforced: warned');
        assert.equal(rec.decision.report, true, 'the core\'s decision says: report it');
        const arrived = await waitFor(() => reportsFor('mail.example.test', 'stale-mismatch').length > 0, { timeout: 15_000 });
        const st = await env.status();
        t.diagnostic(`collector received: ${JSON.stringify(collector.reports.map((r) => `${r.json?.hostname} ${r.json?.verdict}`))}; `
          + `the extension's report log: ${JSON.stringify(st.reports.log.map((e) => `${e.hostname} ${e.verdict}: ${e.result}`))}; queued: ${st.reports.queued}`);
        assert.ok(arrived, 'a report whose verdict is stale-mismatch arrived at the collector');
        await sleep(1000);
        const reports = reportsFor('mail.example.test', 'stale-mismatch');
        assert.equal(reports.length, 1, 'one report');
        const report = reports[0].json;
        assert.equal(report.port, s.servers.mailRogue.port);
        assert.equal(report['effective-expiration-date'], s.expiredList.expires_at, 'it says which list expired');
        assert.deepEqual(report['known-pins'], [s.pki.legitInter.spkiPin, s.pki.legitRoot.spkiPin].map((p) => `pin-sha256="${p}"`));
        assert.equal(report['served-certificate-chain'][0].trim(), s.pki.leaves.mailRogue.pemText.trim(), 'the served leaf');
        assert.equal(reports[0].cookie, null, 'no cookie');
        await v.page.close();
      } finally {
        await env.install(s.dist);
      }
    });

    it('5. a user extra entry that tries to replace a bundled entry\'s pins: refused, with the reason on the options page', async (t) => {
      const options = await openExtensionPage(env.ff, 'pages/options.html');
      try {
        await waitFor(() => options.evaluate(() => document.querySelector('#sources tbody tr')?.textContent));
        await options.click('#add');
        await options.type('#extras tbody tr:last-child .extra-host', 'mail.example.test');
        await options.type('#extras tbody tr:last-child .extra-pins', s.pki.rogueRoot.spkiPin);
        await options.select('#extras tbody tr:last-child .extra-mode', 'report');
        await options.click('#save');
        const result = await waitFor(() => options.evaluate(() => document.getElementById('saved').textContent
          || [...document.querySelectorAll('#errors li')].map((li) => li.textContent).join('\n')));
        t.diagnostic(`save: ${result}`);
        // Saved (the entry itself is well-formed); the engine refuses to let it replace the bundled one.
        // Refused when saving or when the engine is built from what was saved: either way it is shown.
        const problem = await waitFor(() => options.evaluate(() => [...document.querySelectorAll('#problems li, #errors li')].map((li) => li.textContent)
          .find((text) => text.includes('mail.example.test'))), { timeout: 10_000 });
        t.diagnostic(`options page: ${problem ?? (await options.evaluate(() => document.body.innerText)).slice(0, 2000)}`);
        assert.ok(problem, 'the options page names mail.example.test among the problems');
        assert.match(problem, NEVER_REPLACE);
        assert.match(problem, /bundled/, 'it names the list that governs the host');

        const v = await env.visit(s.servers.mailRogue.url);
        assert.equal(v.outcome, 'warning', `the rogue chain is still stopped (got ${v.outcome} at ${v.href})`);
        const rec = await waitFor(async () => (await env.session(`warning:${v.tabId}`))?.record);
        assert.equal(rec.status, 'mismatch');
        assert.equal(rec.entry.source, 'bundled', 'the bundled entry still governs');
        assert.equal(rec.mode, 'enforce', 'in its own mode, not the user\'s "report"');
        await v.page.close();
      } finally {
        // Back to no extra entries.
        await options.evaluate(() => document.querySelectorAll('#extras tbody .remove').forEach((b) => b.click())).catch(() => {});
        await options.click('#save').catch(() => {});
        await sleep(500);
        await options.close();
      }
    });
  });
});

function count(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
