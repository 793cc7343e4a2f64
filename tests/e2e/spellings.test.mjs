// End-to-end: other spellings of a pinned host. `MAIL.EXAMPLE.TEST` and `mail.example.test.` (the
// fully qualified form, with its trailing dot) are the same host to DNS and TLS, and reach the
// same session; a frame, a `fetch()` and a WebSocket to a rogue server under those spellings must
// be stopped as the plain spelling is. Firefox cancels them before their content arrives;
// Chromium (the leaf tier) sends the tab to the warning page after the fact.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/spellings.test.mjs    (after ./build.sh)
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/spellings.test.mjs

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as chromium from './lib/chromium.mjs';
import * as firefox from './lib/firefox.mjs';
import { spkiDer } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const runs = (b) => [b, 'all'].includes(browserChoice) || `BROWSER=${browserChoice}`;

const SPELLINGS = ['MAIL.EXAMPLE.TEST', 'mail.example.test.', 'Mail.Example.Test.'];
const KINDS = ['frame', 'fetch', 'wss'];
// The test hosts, and their fully qualified forms (the resolvers map names as written).
const ALL_HOSTS = [...HOSTS, ...HOSTS.map((h) => `${h}.`)];

/**
 * Makes the page request `url` as `kind` and reports what the page saw: for `fetch` whether it
 * resolved, for `wss` whether the socket opened, for `frame` nothing (the frame is read apart).
 * Settles on the request's own end, or after `ms` for a request that hangs.
 */
function request(page, kind, url, ms = 8000) {
  return page.evaluate((k, u, limit) => new Promise((resolve) => {
    setTimeout(() => resolve({ settled: false }), limit);
    if (k === 'fetch') {
      fetch(u, { mode: 'no-cors', cache: 'no-store', credentials: 'include' })
        .then(() => resolve({ settled: true, ok: true }), (e) => resolve({ settled: true, ok: false, error: String(e) }));
    } else if (k === 'wss') {
      const ws = new WebSocket(u);
      ws.onopen = () => { resolve({ settled: true, ok: true }); ws.close(); };
      ws.onerror = () => resolve({ settled: true, ok: false });
    } else {
      const frame = document.createElement('iframe');
      frame.src = u;
      frame.onload = () => resolve({ settled: true });
      document.body.append(frame);
    }
  }), kind, url, ms);
}

/** The address `kind` asks `server` for under the host spelling `spelling`. */
function urlFor(server, kind, spelling) {
  const path = kind === 'fetch' ? `sub.png?spelling=${encodeURIComponent(spelling)}` : '';
  return `${kind === 'wss' ? 'wss' : 'https'}://${spelling}:${server.port}/${path}`;
}

/** Whether a frame of `page` on `port` shows the served page (a cancelled one cannot). */
async function frameServed(page, port) {
  const frame = page.frames().find((f) => f.url().includes(`:${port}/`));
  return frame ? frame.evaluate(() => Boolean(document.getElementById('served-page'))).catch(() => false) : false;
}

/** The sub-resource record of `tabId` for `port`, once stored. */
async function subRecord(insp, tabId, port, timeout = 10_000) {
  let found = null;
  await firefox.waitFor(async () => {
    const state = await insp.session(`tab:${tabId}`);
    found = state?.subs?.find((r) => r.url?.includes(`:${port}/`)) ?? null;
    return found;
  }, { timeout });
  return found;
}

describe('Firefox ESR: other spellings of a pinned host', { skip: runs('firefox') !== true && runs('firefox') }, () => {
  let s;
  let ff;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-spellings',
      stale: false,
      servers: (specs) => ({ mailLegit: specs.mailLegit, mailRogue: specs.mailRogue }),
    });
    ff = await firefox.launchFirefox({ roots: s.pki.roots, hosts: ALL_HOSTS });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await firefox.Inspector.open(ff);
    const booted = await firefox.waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 10_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    await s?.cleanup();
  });

  for (const spelling of SPELLINGS) {
    it(`${spelling}: a frame, fetch() and wss:// to the rogue server are stopped; to the genuine one they pass`, async () => {
      for (const kind of KINDS) {
        const v = await firefox.visit(ff, s.servers.mailLegit.url);
        assert.equal(v.outcome, 'page', `the genuine page loads: ${v.outcome} at ${v.href}`);
        const tabId = await insp.tabId(v.page);
        // The same spelling to the genuine server works: the browser resolves and trusts it.
        const good = await request(v.page, kind, urlFor(s.servers.mailLegit, kind, spelling));
        if (kind === 'frame') {
          assert.ok(await firefox.waitFor(() => frameServed(v.page, s.servers.mailLegit.port)), `${kind}: the genuine frame shows its page`);
        } else {
          assert.equal(good.ok, true, `${kind} ${spelling}: reaches the genuine server: ${JSON.stringify(good)}`);
        }
        const bad = await request(v.page, kind, urlFor(s.servers.mailRogue, kind, spelling));
        const record = await subRecord(insp, tabId, s.servers.mailRogue.port);
        assert.ok(record, `${kind} ${spelling}: the rogue response was judged`);
        assert.equal(record.host, 'mail.example.test', `${kind}: judged as the pinned host`);
        assert.equal(record.status, 'mismatch', `${kind}: ${record.reason}`);
        assert.equal(record.outcome, 'stopped', `${kind}: stopped`);
        if (kind === 'frame') {
          assert.equal(await frameServed(v.page, s.servers.mailRogue.port), false, 'the rogue frame shows nothing');
        } else {
          assert.notEqual(bad.ok, true, `${kind} ${spelling}: the page never gets the rogue answer: ${JSON.stringify(bad)}`);
        }
        await v.page.close();
      }
    });
  }
});

describe('Chromium (leaf tier): other spellings of a pinned host', { skip: runs('chromium') !== true && runs('chromium') }, () => {
  let s;
  let cr;
  let insp;

  before(async () => {
    s = await prepare({
      browser: 'chromium',
      name: 'test-chromium-spellings',
      stale: false,
      // The leaf tier proves a leaf by its issuer's key: the pin set carries it.
      editList: (list, pki) => {
        list.pinsets['test-legit'] = {
          good: [pki.leaves.mailLegit.spkiPin, pki.legitInter.spkiPin, pki.legitRoot.spkiPin],
          issuer_keys: [spkiDer(pki.legitInter)],
        };
      },
      servers: (specs) => ({ mailLegit: specs.mailLegit, mailRogue: specs.mailRogue }),
    });
    cr = await chromium.launchChromium({ roots: s.pki.roots, hosts: ALL_HOSTS, securityInfo: true });
    const since = Date.now();
    await cr.install(s.dist);
    insp = await chromium.Inspector.open(cr);
    const booted = await chromium.waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the service worker started and built the engine');
  });

  after(async () => {
    await cr?.close();
    await s?.cleanup();
  });

  /** Whether the tab of `page` shows Pinwatch's warning page. */
  async function warned(page) {
    return chromium.waitFor(() => page.evaluate((base) => location.href.startsWith(base)
      && document.body?.classList.contains('warning-page'), cr.base).catch(() => false), { timeout: 10_000 });
  }

  for (const spelling of SPELLINGS) {
    it(`${spelling}: a frame, fetch() and wss:// to the rogue server send the tab to the warning page`, async () => {
      for (const kind of KINDS) {
        const v = await chromium.visit(cr, s.servers.mailLegit.url, { want: 'page' });
        assert.equal(v.outcome, 'page', `the genuine page loads: ${v.outcome} at ${v.href}`);
        const tabId = await insp.tabId(v.page);
        const good = await request(v.page, kind, urlFor(s.servers.mailLegit, kind, spelling));
        if (kind === 'frame') {
          assert.ok(await chromium.waitFor(() => frameServed(v.page, s.servers.mailLegit.port)), `${kind}: the genuine frame shows its page`);
        } else {
          assert.equal(good.ok, true, `${kind} ${spelling}: reaches the genuine server: ${JSON.stringify(good)}`);
        }
        await request(v.page, kind, urlFor(s.servers.mailRogue, kind, spelling)).catch(() => null);
        const shown = await warned(v.page);
        assert.ok(shown, `${kind} ${spelling}: the tab shows the warning page; judged: ${JSON.stringify((await insp.session(`tab:${tabId}`))?.subs?.map((r) => [r.url, r.type, r.status, r.outcome, r.reason, r.tier]))}`);
        const record = await subRecord(insp, tabId, s.servers.mailRogue.port);
        assert.ok(record, `${kind} ${spelling}: the rogue response was judged`);
        assert.equal(record.host, 'mail.example.test', `${kind}: judged as the pinned host`);
        assert.equal(record.status, 'mismatch', `${kind}: ${record.reason}`);
        await v.page.close();
      }
    });
  }
});
