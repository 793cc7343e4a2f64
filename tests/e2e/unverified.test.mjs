// End-to-end, headless Firefox ESR: chains Firefox did not build and verify itself. Firefox hands
// over a single certificate, or a chain it marks untrusted, when a leaf was added to the profile
// as a trusted root and after "Accept the Risk and Continue" on a certificate error. None of that
// is a leaf-only browser's limit: on an enforced host it is "could not be checked", a stop.
//
//   1. A self-signed leaf trusted directly as a root in the profile (certutil -t "C,,"): on an
//      enforced user entry (pins, no issuer keys) and on a list entry whose pin set has issuer keys.
//   2. A certificate error the profile has overridden (cert_override.txt): a leaf from a CA the
//      profile does not know on an enforced user entry, and a leaf the pinned issuing CA made for
//      another name (the interceptor's own) on a list entry with that CA's issuer key. Firefox
//      ESR 153 hands over no certificate for such a connection, only `isUntrusted` or
//      `overridableErrorCategory`: the stop names why (the browser did not verify the chain).
//   3. The legitimate chain of a list entry with issuer keys still passes.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/unverified.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { issue, spkiDer, subject } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { Inspector, launchFirefox, visit, waitFor } from './lib/firefox.mjs';
import { startServer } from './lib/servers.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;

const SELF_USER = 'self-user.example.test';
const SELF_LIST = 'self-list.example.test';
const OVER_USER = 'over-user.example.test';
const OVER_LIST = 'over-list.example.test';
const KEYS_LEGIT = 'keys-legit.example.test';
const MORE_HOSTS = [SELF_USER, SELF_LIST, OVER_USER, OVER_LIST, KEYS_LEGIT];

/** A certificate's SHA-256 as Firefox's override store writes it. */
const fingerprint = (cert) => createHash('sha256').update(cert.der).digest('hex').toUpperCase().match(/../g).join(':');

describe('Firefox ESR: a chain Firefox did not verify is never a leaf-only limit', { skip }, () => {
  let s;
  let ff;
  let insp;
  const servers = {};

  before(async () => {
    s = await prepare({
      browser: 'firefox',
      name: 'test-firefox-unverified',
      stale: false,
      extend: (pki) => {
        const leaf = (name, host, opts) => {
          const cert = issue(pki.dir, name, { subj: subject({ CN: host }), ...opts });
          return { ...cert, host, chainPem: cert.pemText };
        };
        // A CA this profile never trusts: its leaves are an "unknown issuer" error.
        const stranger = issue(pki.dir, 'stranger-root', { subj: subject({ CN: 'Stranger Root', O: 'Interceptor Ltd' }), ca: true });
        return {
          selfSigned: leaf('self-signed', SELF_USER, { hosts: [SELF_USER, SELF_LIST] }),
          overUser: leaf('over-user', OVER_USER, { issuer: stranger, hosts: [OVER_USER] }),
          // The pinned issuing CA's leaf for a name the interceptor owns, served for the pinned host.
          overList: leaf('over-list', 'attacker.example.test', { issuer: pki.legitInter, hosts: ['attacker.example.test'] }),
          keysLegit: { ...leaf('keys-legit', KEYS_LEGIT, { issuer: pki.legitInter, hosts: [KEYS_LEGIT] }) },
        };
      },
      editList: (list, pki) => {
        list.pinsets['test-keys'] = { good: [pki.legitRoot.spkiPin], issuer_keys: [spkiDer(pki.legitInter)] };
        for (const host of [SELF_LIST, OVER_LIST, KEYS_LEGIT]) {
          list.entries.push({ host, include_subdomains: false, pinset: 'test-keys', mode: 'enforce' });
        }
      },
      servers: () => ({}),
    });
    const x = s.extra;
    // These two send their issuing CA, so that Firefox can build their chains.
    x.keysLegit.chainPem = x.keysLegit.pemText + s.pki.legitInter.pemText;
    x.overList.chainPem = x.overList.pemText + s.pki.legitInter.pemText;
    servers.selfUser = await startServer({ name: 'self-signed leaf (user entry)', leaf: x.selfSigned });
    servers.selfList = await startServer({ name: 'self-signed leaf (list entry)', leaf: { ...x.selfSigned, host: SELF_LIST } });
    servers.overUser = await startServer({ name: 'overridden unknown issuer (user entry)', leaf: x.overUser });
    servers.overList = await startServer({ name: 'overridden name mismatch (list entry)', leaf: { ...x.overList, host: OVER_LIST } });
    servers.keysLegit = await startServer({ name: 'legit chain (list entry with issuer keys)', leaf: x.keysLegit });
    const overrides = [[servers.overUser, x.overUser], [servers.overList, x.overList]]
      .map(([srv, cert]) => ({ host: srv.host, port: srv.port, sha256: fingerprint(cert) }));
    ff = await launchFirefox({ roots: [...s.pki.roots, { name: 'self-signed-leaf', pem: x.selfSigned.pem }], hosts: [...HOSTS, ...MORE_HOSTS], overrides });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
    const entry = (host) => ({ host, includeSubdomains: false, pins: [s.pki.legitInter.spkiPin], badPins: [], mode: 'enforce' });
    const saved = await insp.eval(async (extraEntries) => browser.runtime.sendMessage({
      type: 'save-user',
      user: { mode: null, extraEntries, channels: [], debuggerCapture: false, companionScope: 'pinned', localRootMode: null, knownRoots: [] },
    }), [entry(SELF_USER), entry(OVER_USER)]);
    assert.ok(saved?.ok && saved.value.saved, `the user entries were saved: ${JSON.stringify(saved)}`);
  });

  after(async () => {
    await ff?.close();
    for (const srv of Object.values(servers)) await srv.close().catch(() => {});
    await s?.cleanup();
  });

  let visits = 0;
  /** Visits `server` in a new tab; returns the outcome and the page's record. */
  async function judged(server) {
    const t0 = Date.now();
    visits += 1;
    const v = await visit(ff, `${server.url}?visit=${visits}`);
    const tabId = await insp.tabId(v.page);
    const record = await waitFor(async () => {
      const t = await insp.session(`tab:${tabId}`);
      return t?.page?.time >= t0 && t.page;
    });
    await v.page.close();
    assert.ok(record, `${server.url}: a verdict was recorded (outcome ${v.outcome} at ${v.href})`);
    return { ...v, record };
  }

  /** What a stop of a chain Firefox did not verify looks like. */
  function assertCouldNotBeChecked(v, what) {
    const r = v.record;
    const seen = `${what}: ${v.outcome}, ${r.status} (${r.reasonCode}: ${r.reason}), chain of ${r.chain.length}, tier ${r.tier}, state ${r.securityState}, ${r.captureError}`;
    assert.equal(v.outcome, 'warning', seen);
    assert.equal(r.status, 'unverifiable', seen);
    assert.equal(r.unreadable, true, seen);
    assert.equal(r.reasonCode, 'browser-did-not-verify', seen);
    assert.equal(r.mode, 'enforce', seen);
  }

  it('a self-signed leaf trusted as a root, on an enforced user entry: stopped, could not be checked', async () => {
    const v = await judged(servers.selfUser);
    assertCouldNotBeChecked(v, 'self-signed, user entry');
    assert.equal(v.record.entry?.host, SELF_USER);
  });

  it('a self-signed leaf trusted as a root, on a list entry with issuer keys: stopped (no pinned issuer signed it)', async () => {
    const v = await judged(servers.selfList);
    const r = v.record;
    assert.equal(v.outcome, 'warning', `${r.status}: ${r.reason}`);
    assert.equal(r.status, 'mismatch', r.reason);
    assert.equal(r.reasonCode, 'leaf-not-signed-by-issuer-key');
  });

  it('an overridden unknown-issuer error on an enforced user entry: stopped, could not be checked', async () => {
    const v = await judged(servers.overUser);
    assertCouldNotBeChecked(v, 'overridden, user entry');
  });

  it('an overridden name mismatch with the pinned issuer\'s own leaf, on a list entry with issuer keys: stopped', async () => {
    const v = await judged(servers.overList);
    assertCouldNotBeChecked(v, 'overridden, list entry');
  });

  it('the legitimate chain of a list entry with issuer keys still passes', async () => {
    const v = await judged(servers.keysLegit);
    assert.equal(v.outcome, 'page', `${v.record.status}: ${v.record.reason}`);
    assert.equal(v.record.status, 'pinned');
  });
});
