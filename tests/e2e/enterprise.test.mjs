// End-to-end: managed policy, signed update channels and violation reports, in real browsers
// with a local update server and a local report collector (HTTPS on loopback). Every list the
// update server serves is signed by the real `pinwatch` CLI.
//
//   BROWSER=firefox  node --test --test-concurrency=1 tests/e2e/enterprise.test.mjs   (after ./build.sh)
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/enterprise.test.mjs   (as root: writes /etc/chromium/policies)
//
// Policy per browser (docs/policy.md): Firefox reads `3rdparty.Extensions.<id>` from
// `distribution/policies.json` of a symlink-farm copy of its installation; Chromium reads
// /etc/chromium/policies/managed/pinwatch-test.json, which the suite writes and always removes.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  channelPayload, chromiumExtensionId, chromiumPolicyFile, cliAvailable, extendPki, firefoxPolicies, firefoxWithPolicies, keygen,
  REPORT_HOST, REVOKED_HOST, signList,
  startCollector, startUpdateServer, tamper, UPDATE_HOST,
} from './lib/enterprise.mjs';
import { GECKO_ID, launchFirefox, openExtensionPage, sleep, visit, waitFor } from './lib/firefox.mjs';
import { HOSTS, prepare, ROOT } from './lib/scenario.mjs';
import { startServer } from './lib/servers.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skipFor = (name) => (![name, 'all'].includes(browserChoice) ? `BROWSER=${browserChoice}` : cliAvailable() ?? false);

/**
 * Everything both browsers share: the PKI, the keys, the signed lists, the servers and the policy.
 *   v1: plain.example.test pinned to the legit CA keys (the page is "pinned");
 *   v2: plain.example.test pinned to other keys (the same page becomes a mismatch), an entry
 *       for mail.example.test that the channel's scope does not allow, and a block-list item (the
 *       certificate of revoked.example.test: scope does not limit block lists);
 *   every refused update would pin plain.example.test back to the legit keys if it were accepted.
 */
async function fixture(browser) {
  // The scenario of scenario.mjs (PKI, test list as the bundled list, its servers but the hostile
  // subject's), with a test build of its own (dist/test-enterprise-<browser>), so that it never
  // rewrites a build another suite has loaded.
  const s = await prepare({
    // Chromium's suite turns full-chain capture on by policy: it needs the build that has `debugger`.
    browser: browser === 'chromium' ? 'chromium-full-chain' : browser,
    name: `test-enterprise-${browser}`,
    stale: false,
    servers: ({ hostile: _, ...specs }) => specs,
  });
  const dir = s.dir; // this run's files too; s.cleanup() removes it
  const x = extendPki(s.pki);
  const mailProxy = await startServer({ name: 'mail (declared inspection proxy)', leaf: x.mailProxy });
  const revoked = await startServer({ name: 'a certificate the channel revokes', leaf: x.revoked });
  const updates = await startUpdateServer(x.updates);
  const collector = await startCollector(x.reports);
  const signer = keygen(join(dir, 'keys'), 'channel');
  const stranger = keygen(join(dir, 'keys'), 'stranger');
  const successor = keygen(join(dir, 'keys'), 'successor');
  const legit = [s.pki.legitInter.spkiPin, s.pki.legitRoot.spkiPin];
  const other = [s.pki.rogueRoot.spkiPin, x.proxyRoot.spkiPin];
  // Every list is signed for this channel (docs/pinlist-format.md "Channel binding").
  const channel = updates.url;
  const plainLegit = (sequence, extra = {}) => channelPayload({ sequence, pinsets: { legit }, entries: [{ host: 'plain.example.test', pinset: 'legit' }], channel, ...extra });
  const lists = {
    v1: signList(dir, 'v1', plainLegit(1), [signer]),
    v2: signList(dir, 'v2', channelPayload({
      sequence: 2,
      pinsets: { other },
      entries: [{ host: 'plain.example.test', pinset: 'other' }, { host: 'mail.example.test', pinset: 'other' }],
      blocklist: { certificates: [x.revoked.certHash] },
      channel,
    }), [signer]),
    tampered: tamper(signList(dir, 'v3', plainLegit(3), [signer]), (p) => { p.publisher = 'Someone else'; }),
    rolledBack: signList(dir, 'v1-again', plainLegit(1, { publisher: 'Pinwatch e2e channel (old list)' }), [signer]),
    expired: signList(dir, 'v3-expired', plainLegit(3, { expired: true }), [signer]),
    wrongSigner: signList(dir, 'v3-stranger', plainLegit(3), [stranger]),
  };
  // Key rotation (TUF-style): list 3 hands signing over to `successor`, signed by both keys.
  const plainOther = (sequence, extra = {}) => channelPayload({ sequence, pinsets: { other }, entries: [{ host: 'plain.example.test', pinset: 'other' }], channel, ...extra });
  lists.rotation = signList(dir, 'v3-rotation', { ...plainOther(3), next_signers: { keys: [successor.text], threshold: 1 } }, [signer, successor]);
  lists.oldKeyAfterRotation = signList(dir, 'v4-old-key', plainOther(4), [signer]);
  lists.newKeyAfterRotation = signList(dir, 'v4-new-key', plainOther(4), [successor]);
  const policy = {
    mode: 'enforce',
    allowUserOverride: false,
    channels: [{ url: updates.url, keys: [signer.text], threshold: 1, scope: ['plain.example.test'] }],
    reportEndpoint: collector.endpoint,
    allowedInterceptionSpkis: [x.proxyRoot.spkiPin],
  };
  return {
    s, x, dir, updates, collector, mailProxy, revoked, lists, policy, signer, successor,
    roots: [...s.pki.roots, x.proxyRoot],
    hosts: [...HOSTS, UPDATE_HOST, REPORT_HOST, REVOKED_HOST],
    async cleanup() {
      await Promise.all([mailProxy.close(), revoked.close(), updates.close(), collector.close()]);
      await s.cleanup();
    },
  };
}

/**
 * The cases, for a driver `d` with: `opts` (the options page, a puppeteer page) and
 * `reloadOptions()`, `visit(url, want)` → {page, outcome, href, tabId} (`want`: the outcome the
 * case expects, which Chromium needs because it acts after the page started), `status()`, `updateNow()`, `record(tabId)` (the main-frame
 * verdict stored for the tab), `badge(tabId)`, `alarm(name)`, `openExtensionPage(path)`.
 */
function cases(getD, getF) {
  const reportsFor = (host, verdict) => getF().collector.reports.filter((r) => r.json?.hostname === host && r.json?.verdict === verdict);

  it('policy reaches the extension: its values are in force and lock the options page', async () => {
    const d = getD();
    const f = getF();
    const st = await waitFor(async () => {
      const v = await d.status();
      return v.policy.managed.includes('channels') && v;
    }, { timeout: 15_000 });
    assert.ok(st, 'the managed policy arrived');
    assert.deepEqual([...st.policy.managed].sort(), Object.keys(d.policy).sort());
    assert.deepEqual(st.policy.problems, []);
    assert.equal(st.policy.mode, 'enforce');
    assert.equal(st.policy.reportEndpoint, f.collector.endpoint);
    assert.deepEqual(st.channels.map((c) => [c.url, c.from]), [[f.updates.url, 'policy']]);
    await d.reloadOptions();
    const ui = await waitFor(() => d.opts.evaluate(() => !document.getElementById('policy-section').hidden && {
      managed: [...document.querySelectorAll('#managed-keys code')].map((e) => e.textContent),
      modeDisabled: document.getElementById('mode').disabled,
      modeValue: document.getElementById('mode').value,
      addChannelDisabled: document.getElementById('add-channel').disabled,
      channelsLocked: !document.getElementById('channels-locked').hidden,
      addHostDisabled: document.getElementById('add').disabled,
      channelRows: document.querySelectorAll('#channel-status tbody tr').length,
    }));
    assert.ok(ui, 'the options page shows the policy section');
    assert.ok(ui.managed.includes('channels') && ui.managed.includes('mode'));
    assert.equal(ui.modeDisabled, true, 'mode is locked to the managed one');
    assert.equal(ui.modeValue, 'enforce', 'and shows it');
    assert.equal(ui.addChannelDisabled, true);
    assert.equal(ui.channelsLocked, true);
    // Firefox's policy sets extraEntries (the cookie-scope case), Chromium's does not.
    assert.equal(ui.addHostDisabled, 'extraEntries' in d.policy, 'extra entries are locked exactly when policy sets them');
    assert.equal(ui.channelRows, 1);
  });

  it('the channel is fetched at start, its signed list accepted, and it changes a verdict', async () => {
    const d = getD();
    const f = getF();
    const st = await waitFor(async () => {
      const v = await d.status();
      return v.channels[0]?.list?.sequence === 1 && v;
    }, { timeout: 20_000 });
    assert.ok(st, `channel list 1 was accepted at start (${JSON.stringify((await d.status()).channels)})`);
    assert.equal(st.channels[0].lastCheck.ok, true);
    assert.ok(f.updates.requests.some((r) => r.answer === 200), 'the update server was asked');
    assert.ok(f.updates.requests.every((r) => r.cookie === null), 'no cookie sent to the update server');
    // The next regular check is an alarm about 6 hours (±10%) away.
    const alarm = await d.alarm('pinwatch-channels');
    assert.ok(alarm, 'the channel alarm is set');
    const hours = (alarm.scheduledTime - Date.now()) / 3600_000;
    assert.ok(hours > 5.3 && hours < 6.7, `next check in ${hours.toFixed(2)} h`);
    const v = await d.visit(f.s.servers.plain.url, 'page');
    assert.equal(v.outcome, 'page');
    const rec = await d.record(v.tabId);
    assert.equal(rec.status, 'pinned', 'plain.example.test is pinned by the channel list (the bundled list does not name it)');
    assert.equal(rec.entry.source, f.updates.url);
    await v.page.close();
    const r = await d.visit(f.revoked.url, 'page');
    assert.equal(r.outcome, 'page');
    // Firefox: every root of the test profile is added, so an unpinned host is `local-root`
    // (tests/e2e/local-root.test.mjs); Chromium has no word on roots without the companion.
    assert.equal((await d.record(r.tabId)).status, d.builtInRoot ? 'local-root' : 'unpinned', 'no list blocks its certificate yet');
    await r.page.close();
  });

  it('a newer signed list is picked up with "check now" and changes the verdict; ETag spares a download', async () => {
    const d = getD();
    const f = getF();
    f.updates.serve(f.lists.v2);
    const results = await d.updateNow();
    assert.deepEqual(results.map((r) => r.result.code), ['accepted']);
    const st = await d.status();
    assert.equal(st.channels[0].list.sequence, 2);
    const channelSource = st.sources.find((src) => src.origin === f.updates.url);
    assert.equal(channelSource.outOfScope, 1, 'the entry outside the channel scope was dropped');
    const v = await d.visit(f.s.servers.plain.url, 'warning');
    assert.equal(v.outcome, 'warning', `plain.example.test is now a mismatch (got ${v.outcome} at ${v.href})`);
    assert.equal((await d.record(v.tabId)).status, 'mismatch');
    await v.page.close();
    const r = await d.visit(f.revoked.url, 'warning');
    assert.equal(r.outcome, 'warning', `the channel's block list applies on any host (got ${r.outcome})`);
    const blocked = await d.record(r.tabId);
    assert.equal(blocked.status, 'blocked');
    assert.equal(blocked.matched.kind, 'blocked-certificate');
    await r.page.close();
    const mail = await d.visit(f.s.servers.mailLegit.url, 'page');
    assert.equal(mail.outcome, 'page', 'the out-of-scope entry for mail.example.test has no effect');
    assert.equal((await d.record(mail.tabId)).status, 'pinned');
    await mail.page.close();

    const asked = f.updates.requests.length;
    const again = await d.updateNow();
    assert.equal(again[0].result.code, 'not-modified');
    const last = f.updates.requests.at(-1);
    assert.ok(f.updates.requests.length > asked && last.ifNoneMatch && last.answer === 304, `If-None-Match was sent (${JSON.stringify(last)})`);
  });

  for (const [name, key, code] of [
    ['a tampered list', 'tampered', 'bad-signature'],
    ['a rolled-back list', 'rolledBack', 'rollback'],
    ['an expired list', 'expired', 'expired'],
    ['a list signed by an unknown key', 'wrongSigner', 'untrusted-signers'],
  ]) {
    it(`${name} is refused (${code}); the previous list keeps working and the options page says why`, async () => {
      const d = getD();
      const f = getF();
      f.updates.serve(f.lists[key]);
      const results = await d.updateNow();
      assert.equal(results[0].result.code, code, JSON.stringify(results));
      const st = await d.status();
      assert.equal(st.channels[0].list.sequence, 2, 'list 2 is still in force');
      assert.ok(st.channels[0].failures >= 1);
      await d.reloadOptions();
      const row = await waitFor(() => d.opts.evaluate(() => {
        const r = document.querySelector('#channel-status tbody tr');
        return r && { code: r.querySelector('.check-failed')?.dataset.code, reason: r.querySelector('.check-reason')?.textContent, list: r.querySelector('.channel-list').textContent };
      }));
      assert.equal(row.code, code);
      assert.ok(row.reason.length > 10, `a reason is shown: ${row.reason}`);
      assert.match(row.list, /sequence 2/);
      const v = await d.visit(f.s.servers.plain.url, 'warning');
      assert.equal(v.outcome, 'warning', `still a mismatch under list 2 (got ${v.outcome})`);
      await v.page.close();
    });
  }

  it('with the update server down, the last good list stays in force, and the next try is backed off', async () => {
    const d = getD();
    const f = getF();
    await f.updates.stop();
    try {
      const before = Date.now();
      const results = await d.updateNow();
      assert.equal(results[0].result.code, 'network-error');
      const st = await d.status();
      const ch = st.channels[0];
      assert.equal(ch.list.sequence, 2);
      assert.ok(ch.failures >= 5, `failures counted: ${ch.failures}`);
      // Five failures in a row and more: back-off of at least 5 min · 2^4 (jittered by 10%).
      assert.ok(ch.nextAt - before > 0.9 * 80 * 60_000 && ch.nextAt - before <= 1.1 * 6 * 3600_000, `next check in ${(ch.nextAt - before) / 60_000} min`);
      const v = await d.visit(f.s.servers.plain.url, 'warning');
      assert.equal(v.outcome, 'warning');
      await v.page.close();
    } finally {
      await f.updates.start();
    }
  });

  it('a list that rotates the signing keys is accepted; from then on only the new keys count', async () => {
    const d = getD();
    const f = getF();
    f.updates.serve(f.lists.rotation);
    let results = await d.updateNow();
    assert.equal(results[0].result.code, 'accepted', JSON.stringify(results));
    let ch = (await d.status()).channels[0];
    assert.equal(ch.list.sequence, 3);
    assert.equal(ch.failures, 0, 'a success ends the back-off');
    f.updates.serve(f.lists.oldKeyAfterRotation);
    results = await d.updateNow();
    assert.equal(results[0].result.code, 'untrusted-signers', 'the old key alone no longer counts');
    assert.equal((await d.status()).channels[0].list.sequence, 3);
    f.updates.serve(f.lists.newKeyAfterRotation);
    results = await d.updateNow();
    assert.equal(results[0].result.code, 'accepted');
    ch = (await d.status()).channels[0];
    assert.equal(ch.list.sequence, 4);
    assert.deepEqual(ch.keys, [f.signer.text], 'policy still names the original key: the rotation lives in the stored trust state');
    const v = await d.visit(f.s.servers.plain.url, 'warning');
    assert.equal(v.outcome, 'warning', 'list 4 keeps plain.example.test on the other keys');
    await v.page.close();
  });

  it('policy mode "enforce" applies to a warn-mode entry, and policy removes "proceed anyway"', async () => {
    const d = getD();
    const f = getF();
    const v = await d.visit(f.s.servers.warnRogue.url, 'warning');
    assert.equal(v.outcome, 'warning', `enforced by policy (got ${v.outcome})`);
    const proceedHidden = await v.page.evaluate(() => document.getElementById('proceed').hidden);
    assert.equal(proceedHidden, true);
    await v.page.close();
  });

  it('a violation produces exactly one report per dedupe window: RFC 7469 fields, the verdict, no cookie', async () => {
    const d = getD();
    const f = getF();
    // The browser holds a cookie for the collector: a report must still carry none.
    const c = await d.visit(`${f.collector.origin}/`, 'page');
    await c.page.close();
    for (let i = 0; i < 2; i++) {
      const v = await d.visit(f.s.servers.mailRogue.url, 'warning');
      assert.equal(v.outcome, 'warning');
      await v.page.close();
    }
    const got = await waitFor(() => reportsFor('mail.example.test', 'mismatch').length > 0, { timeout: 15_000 });
    assert.ok(got, 'a report arrived');
    await sleep(3000);
    const reports = reportsFor('mail.example.test', 'mismatch');
    assert.equal(reports.length, 1, 'two violations, one report');
    const r = reports[0];
    assert.equal(r.cookie, null, 'no cookie');
    assert.match(r.contentType, /^application\/json/);
    const j = r.json;
    assert.equal(j.hostname, 'mail.example.test');
    assert.equal(j.port, f.s.servers.mailRogue.port);
    assert.equal(j['noted-hostname'], 'mail.example.test');
    assert.equal(j['include-subdomains'], false);
    assert.match(j['date-time'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.equal(j['effective-expiration-date'], f.s.list.expires_at);
    assert.deepEqual(j['known-pins'], [f.s.pki.legitInter.spkiPin, f.s.pki.legitRoot.spkiPin].map((p) => `pin-sha256="${p}"`));
    assert.ok(j['served-certificate-chain'].length >= 1);
    assert.equal(j['served-certificate-chain'][0].trim(), readFileSync(f.s.pki.leaves.mailRogue.pem, 'utf8').trim(), 'the served leaf, as PEM');
    assert.equal(j.verdict, 'mismatch');
    assert.ok(!r.raw.includes('secret-cookie') && !r.raw.includes('served-page'), 'no cookie and no page content in the body');
    // Every visit of plain.example.test under list 2 (several by now) was reported once.
    assert.equal(reportsFor('plain.example.test', 'mismatch').length, 1);
    const st = await d.status();
    assert.ok(st.reports.suppressed >= 1 + 0, `duplicates counted (${st.reports.suppressed})`);
  });

  it('a chain through the declared proxy root is "allowed-interception": the page loads, it is reported', async () => {
    const d = getD();
    const f = getF();
    const v = await d.visit(f.mailProxy.url, 'page');
    assert.equal(v.outcome, 'page', `not stopped (got ${v.outcome})`);
    const rec = await d.record(v.tabId);
    assert.equal(rec.status, 'allowed-interception');
    assert.equal(rec.matched.kind, 'allowed-root');
    assert.equal((await d.badge(v.tabId)).text, 'INS');
    if (d.builtInRoot) {
      assert.equal(rec.builtInRoot, false, 'Firefox: the test root is not built in');
      const popup = await d.openExtensionPage(`pages/popup.html?tab=${v.tabId}`);
      const note = await waitFor(() => popup.evaluate(() => {
        const n = document.getElementById('root-note');
        return !n.hidden && { builtIn: n.dataset.builtIn, text: n.textContent };
      }));
      assert.equal(note.builtIn, 'false');
      assert.match(note.text, /not built into the browser/);
      await popup.close();
    }
    await v.page.close();
    const got = await waitFor(() => reportsFor('mail.example.test', 'allowed-interception').length > 0, { timeout: 15_000 });
    assert.ok(got, 'the allowed interception was reported');
  });

  it('a report that cannot be delivered is kept and retried', async () => {
    const d = getD();
    const f = getF();
    await f.collector.stop();
    try {
      const v = await d.visit(f.s.servers.blocked.url, 'warning');
      assert.equal(v.outcome, 'warning');
      await v.page.close();
      const retrying = await waitFor(async () => {
        const st = await d.status();
        return st.reports.queued === 1 && st.reports.log.find((e) => e.hostname === 'blocked.example.test' && e.result === 'retrying');
      }, { timeout: 15_000 });
      assert.ok(retrying, 'the failed delivery is queued for a retry');
      const alarm = await d.alarm('pinwatch-reports');
      assert.ok(alarm, 'a retry alarm is set');
      const minutes = (alarm.scheduledTime - Date.now()) / 60_000;
      assert.ok(minutes > 0.3 && minutes < 1.2, `the first retry is about a minute away (${minutes.toFixed(2)} min)`);
    } finally {
      await f.collector.start();
    }
    assert.equal(reportsFor('blocked.example.test', 'blocked').length, 0);
    await d.updateNow(); // "check now" also delivers what is queued
    const got = await waitFor(() => reportsFor('blocked.example.test', 'blocked').length === 1, { timeout: 15_000 });
    assert.ok(got, 'delivered on retry');
    assert.equal((await d.status()).reports.queued, 0);
    assert.equal(await waitFor(async () => (await d.alarm('pinwatch-reports')) === null, { timeout: 5000 }), true, 'no retry alarm once the queue is empty');
  });
}

// ---- Firefox ---------------------------------------------------------------------------------------

describe('Firefox ESR: policy (policies.json), update channels, reports', { skip: skipFor('firefox') }, () => {
  let f;
  let ff;
  let farm;
  const d = {};

  before(async () => {
    f = await fixture('firefox');
    f.updates.serve(f.lists.v1);
    // Extra entries for the cookie-scope warnings (hosts no case visits): example.com pinned
    // only at its mail host, example.org pinned whole, and a host under the public suffix
    // github.io, whose registrable domain is alice.github.io.
    const pins = [f.s.pki.legitInter.spkiPin, f.s.pki.legitRoot.spkiPin];
    f.policy = {
      ...f.policy,
      extraEntries: [
        { host: 'mail.example.com', pins },
        { host: 'example.org', includeSubdomains: true, pins },
        { host: 'mail.example.org', pins },
        { host: 'docs.alice.github.io', pins },
      ],
    };
    farm = firefoxWithPolicies(f.dir, firefoxPolicies(GECKO_ID, f.policy));
    ff = await launchFirefox({ roots: f.roots, hosts: f.hosts, executablePath: farm.executable });
    await ff.browser.installExtension(f.s.dist);
    d.opts = await openExtensionPage(ff, 'pages/options.html');
    d.builtInRoot = true;
    d.policy = f.policy;
    // page.reload() does not settle for moz-extension pages over BiDi: open a fresh one instead.
    d.reloadOptions = async () => {
      const old = d.opts;
      d.opts = await openExtensionPage(ff, 'pages/options.html');
      await old.close();
    };
    d.openExtensionPage = (path) => openExtensionPage(ff, path);
    d.ask = async (message) => {
      // As JSON: the automation protocol drops an object that occurs twice in one answer.
      const answer = JSON.parse(await d.opts.evaluate(async (m) => JSON.stringify(await browser.runtime.sendMessage(m)), message));
      if (!answer?.ok) throw new Error(answer?.error ?? 'no answer');
      return answer.value;
    };
    d.status = () => d.ask({ type: 'status' });
    d.updateNow = () => d.ask({ type: 'update-now' });
    d.alarm = (name) => d.opts.evaluate(async (n) => (await browser.alarms.get(n)) ?? null, name);
    d.tabId = (page) => page.evaluate(() => location.href).then((href) => waitFor(() => d.opts.evaluate(async (h) => {
      const tabs = await browser.tabs.query({});
      return tabs.find((t) => t.url === h)?.id ?? null;
    }, href), { timeout: 5000 }));
    d.visit = async (url) => {
      const v = await visit(ff, url); // Firefox stops a response before the page gets it: no need to say what to wait for
      return { ...v, tabId: await d.tabId(v.page) };
    };
    d.record = (tabId) => waitFor(() => d.opts.evaluate(async (id) => (await browser.storage.session.get(`tab:${id}`))[`tab:${id}`]?.page, tabId));
    d.badge = (tabId) => waitFor(() => d.opts.evaluate(async (id) => {
      const text = await browser.action.getBadgeText({ tabId: id });
      return text && { text };
    }, tabId));
  });

  after(async () => {
    await ff?.close();
    farm?.remove();
    await f?.cleanup();
  });

  it('the options page "Check for updates now" button asks the background and shows the result', async () => {
    await d.reloadOptions();
    await waitFor(() => d.opts.evaluate(() => document.querySelectorAll('#channel-status tbody tr').length === 1));
    await d.opts.click('#update-now');
    const shown = await waitFor(() => d.opts.evaluate(() => {
      const t = document.getElementById('update-result').textContent;
      return t && t !== 'Checking…' && t;
    }), { timeout: 20_000 });
    assert.match(shown, new RegExp(`${f.updates.url.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (accepted|unchanged|not-modified)`));
  });

  cases(() => d, () => f);

  it('the options page warns, in words, about each registrable domain policy\'s extra entries pin only in part (cookie scope)', async () => {
    await d.reloadOptions();
    const items = await waitFor(() => d.opts.evaluate(() => {
      const list = document.getElementById('policy-cookie-scope');
      return list?.dataset.checked === 'yes' && [...list.children].map((li) => li.textContent);
    }), { timeout: 15_000 });
    assert.ok(items, 'the cold module ran on policy\'s extra entries');
    assert.equal(items.length, 2, items.join('\n'));
    assert.match(items[0], /^mail\.example\.com pinned, but not example\.com with its subdomains: a cookie set for that domain /);
    assert.match(items[1], /^docs\.alice\.github\.io pinned, but not alice\.github\.io with its subdomains: a cookie /);
    assert.ok(!items.some((t) => t.includes('example.org')), 'example.org is pinned with its subdomains: no warning');
    assert.equal(await d.opts.evaluate(() => document.getElementById('policy-section').hidden), false, 'shown under "Set by your organisation"');
  });

  it('without any policy (storage.managed rejects in Firefox), the user adds a channel in the options page', async () => {
    const plainFf = await launchFirefox({ roots: f.roots, hosts: f.hosts });
    try {
      await plainFf.browser.installExtension(f.s.dist);
      const page = await openExtensionPage(plainFf, 'pages/options.html');
      const ask = async (m) => (await page.evaluate((msg) => browser.runtime.sendMessage(msg), m)).value;
      const st = await waitFor(() => ask({ type: 'status' }));
      assert.deepEqual(st.policy.managed, [], 'an unmanaged install');
      assert.deepEqual(st.policy.problems, []);
      assert.deepEqual(st.channels, []);
      assert.equal(await page.evaluate(() => document.getElementById('add-channel').disabled), false, 'channels are not locked');
      f.updates.serve(f.lists.v1);
      await page.click('#add-channel');
      await page.type('#user-channels tbody tr .channel-url', f.updates.url);
      await page.type('#user-channels tbody tr .channel-keys', 'pinwatch-ed25519:not-a-key');
      await page.click('#save');
      const errors = await waitFor(() => page.evaluate(() => document.getElementById('errors').textContent));
      assert.match(errors, /is not a public key/, 'a key that is not one is refused before saving');
      await page.evaluate(() => { document.querySelector('#user-channels tbody tr .channel-keys').value = ''; });
      await page.type('#user-channels tbody tr .channel-keys', f.signer.text);
      await page.click('#save');
      assert.ok(await waitFor(() => page.evaluate(() => document.getElementById('saved').textContent === 'Saved.')), 'saved');
      const accepted = await waitFor(async () => {
        const v = await ask({ type: 'status' });
        return v.channels[0]?.list?.sequence === 1 && v.channels[0];
      }, { timeout: 15_000 });
      assert.ok(accepted, 'saving the channel fetched it at once');
      assert.equal(accepted.from, 'user');
      const v = await visit(plainFf, f.s.servers.plain.url);
      assert.equal(v.outcome, 'page');
      const rec = await waitFor(() => page.evaluate(async (url) => {
        const tab = (await browser.tabs.query({})).find((t) => t.url === url);
        return tab && (await browser.storage.session.get(`tab:${tab.id}`))[`tab:${tab.id}`]?.page;
      }, f.s.servers.plain.url));
      assert.equal(rec?.status, 'pinned', 'the user\'s channel list pins plain.example.test');
      assert.equal(rec.entry.source, f.updates.url);
      await v.page.close();
    } finally {
      await plainFf.close();
    }
  });
});

// ---- Chromium --------------------------------------------------------------------------------------

const MANIFEST_KEY = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8')).key;

function chromiumSkip() {
  const other = skipFor('chromium');
  if (other) return other;
  if (process.getuid?.() !== 0) return 'Chromium reads managed policy only from /etc/chromium/policies (needs root)';
  return false;
}

describe('Chromium: policy (/etc/chromium/policies/managed), update channels, reports', { skip: chromiumSkip() }, () => {
  let chromium; // lib/chromium.mjs, loaded only when this suite runs
  let f;
  let cr;
  let insp;
  let policyFile;
  const d = {};
  // The policy file is system-wide: remove it even when the run is killed between before and after.
  const removePolicy = () => policyFile?.remove();

  before(async () => {
    chromium = await import('./lib/chromium.mjs');
    f = await fixture('chromium');
    f.updates.serve(f.lists.v1);
    // Full chains through the debugger tier, turned on by policy: the verdicts are Firefox's.
    d.policy = { ...f.policy, debuggerCapture: true };
    policyFile = chromiumPolicyFile(chromiumExtensionId(MANIFEST_KEY), d.policy);
    process.once('exit', removePolicy);
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        removePolicy();
        process.exit(128 + (signal === 'SIGINT' ? 2 : 15));
      });
    }
    cr = await chromium.launchChromium({ roots: f.roots, hosts: f.hosts });
    await cr.install(f.s.dist);
    assert.equal(cr.id, chromiumExtensionId(MANIFEST_KEY), 'the id the policy names is the installed extension\'s');
    insp = await chromium.Inspector.open(cr);
    const open = async () => {
      const page = await cr.browser.newPage();
      await page.goto(`${cr.base}pages/options.html`, { waitUntil: 'load' });
      return page;
    };
    d.opts = await open();
    d.builtInRoot = false;
    d.reloadOptions = async () => {
      const old = d.opts;
      d.opts = await open();
      await old.close();
    };
    d.openExtensionPage = async (path) => {
      const page = await cr.browser.newPage();
      await page.goto(`${cr.base}${path}`, { waitUntil: 'load' });
      return page;
    };
    d.ask = async (message) => {
      const answer = JSON.parse(await d.opts.evaluate(async (m) => JSON.stringify(await chrome.runtime.sendMessage(m)), message));
      if (!answer?.ok) throw new Error(answer?.error ?? 'no answer');
      return answer.value;
    };
    d.status = () => d.ask({ type: 'status' });
    d.updateNow = () => d.ask({ type: 'update-now' });
    d.alarm = (name) => d.opts.evaluate(async (n) => (await chrome.alarms.get(n)) ?? null, name);
    d.visit = async (url, want) => {
      const v = await chromium.visit(cr, url, { want, timeout: 15_000 });
      return { ...v, tabId: await insp.tabId(v.page) };
    };
    // The verdict of the tab's last main frame, once one was made from a certificate chain.
    d.record = async (tabId) => {
      let last = null;
      await waitFor(async () => {
        last = await insp.record(tabId);
        return last && last.status !== 'unverifiable';
      }, { timeout: 10_000 });
      return last;
    };
    d.badge = (tabId) => waitFor(async () => {
      const b = await insp.badge(tabId);
      return b.text && b;
    });
  });

  after(async () => {
    try {
      await cr?.close();
      await f?.cleanup();
    } finally {
      removePolicy();
      process.off('exit', removePolicy);
    }
  });

  cases(() => d, () => f);

  it('a policy changed while Chromium runs arrives through storage.onChanged and is applied', async () => {
    // A new mode, and the channel now trusts the successor key directly: a new trust decision.
    d.policy = { ...d.policy, mode: 'warn', allowUserOverride: true, channels: [{ ...d.policy.channels[0], keys: [f.successor.text] }] };
    policyFile = chromiumPolicyFile(chromiumExtensionId(MANIFEST_KEY), d.policy);
    const st = await waitFor(async () => {
      const v = await d.status();
      return v.policy.mode === 'warn' && v.channels[0]?.lastCheck?.note && v;
    }, { timeout: 30_000 });
    assert.ok(st, 'the new policy arrived and the reconfigured channel was checked at once');
    assert.equal(st.policy.allowUserOverride, true);
    assert.deepEqual(st.channels[0].keys, [f.successor.text]);
    assert.match(st.channels[0].lastCheck.note, /signer set changed/);
    assert.equal(st.channels[0].lastCheck.code, 'accepted', 'list 4 (signed by the successor) accepted afresh under the new set');
    assert.equal(st.channels[0].list.sequence, 4);
    const v = await d.visit(f.s.servers.mailRogue.url, 'page');
    const rec = await d.record(v.tabId);
    assert.equal(rec.status, 'mismatch');
    assert.equal(rec.action, 'warn', 'the engine was rebuilt with the new mode');
    await sleep(1500);
    assert.equal(await v.page.evaluate(() => Boolean(document.getElementById('served-page'))), true, 'warn mode leaves the page');
    await v.page.close();
  });
});
