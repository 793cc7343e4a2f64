// End-to-end, headless Firefox ESR: a signed list is bound to its channel. The channel (set by
// policy) has a list in force, sequence 1; an interceptor on the channel's path serves a list of
// the same signers made for another channel, with a higher sequence: refused, the list in force
// kept, the pinned host keeps its verdict. A list signed for this channel then goes through.
//
// The list in force is written to the extension's storage as the extension keeps an accepted
// list (a list accepted before lists named their channel), so that the swap is the only step
// that differs between a build that binds lists and one that does not.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/channel-binding.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { prepare, HOSTS } from './lib/scenario.mjs';
import { channelPayload, cliAvailable, extendPki, firefoxPolicies, firefoxWithPolicies, keygen, signList, startUpdateServer, UPDATE_HOST } from './lib/enterprise.mjs';
import { GECKO_ID, Inspector, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = (!['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`) || cliAvailable() || false;
const OTHER_CHANNEL = `https://${UPDATE_HOST}/team-b/list.json`;

describe('Firefox ESR: a list of the same signers for another channel is refused', { skip }, () => {
  let s;
  let updates;
  let farm;
  let ff;
  let insp;
  let lists;
  let signer;
  let legitPayload;

  before(async () => {
    s = await prepare({ browser: 'firefox', name: 'test-channel-binding-firefox', stale: false, servers: (specs) => ({ plain: specs.plain }) });
    const x = extendPki(s.pki);
    updates = await startUpdateServer(x.updates);
    signer = keygen(join(s.dir, 'keys'), 'channel');
    const legit = [s.pki.legitInter.spkiPin, s.pki.legitRoot.spkiPin];
    const rogue = [s.pki.rogueRoot.spkiPin, x.proxyRoot.spkiPin];
    const plain = (sequence, pins, extra = {}) => channelPayload({ sequence, pinsets: { p: pins }, entries: [{ host: 'plain.example.test', pinset: 'p' }], ...extra });
    legitPayload = plain(1, legit);
    lists = {
      // Made for another channel by the same signers, pinning the host to the interceptor's keys.
      otherUnbound: signList(s.dir, 'other-9', plain(9, rogue, { publisher: 'team B' }), [signer]),
      otherBound: signList(s.dir, 'other-10', plain(10, rogue, { publisher: 'team B' }), [signer], { channel: OTHER_CHANNEL }),
      own: signList(s.dir, 'own-2', plain(2, legit, { publisher: 'team A, second list' }), [signer], { channel: updates.url }),
    };
    const policy = { channels: [{ url: updates.url, keys: [signer.text], threshold: 1, scope: ['plain.example.test'] }] };
    farm = firefoxWithPolicies(s.dir, firefoxPolicies(GECKO_ID, policy));
    ff = await launchFirefox({ roots: s.pki.roots, hosts: [...HOSTS, UPDATE_HOST], executablePath: farm.executable });
    const since = Date.now();
    await ff.browser.installExtension(s.dist);
    insp = await Inspector.open(ff);
    const booted = await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since), { timeout: 15_000 });
    assert.ok(booted, 'the background page started and built the engine');
  });

  after(async () => {
    await ff?.close();
    farm?.remove();
    await updates?.close();
    await s?.cleanup();
  });

  const stored = async () => (await insp.local('channelLists'))?.[updates.url] ?? null;

  /** Serves `bytes` on the channel and asks for an update now; the channel's check result. */
  async function serveAndUpdate(bytes) {
    updates.serve(bytes);
    const page = await openExtensionPage(ff, 'pages/options.html');
    try {
      const answer = await page.evaluate(() => browser.runtime.sendMessage({ type: 'update-now' }));
      assert.equal(answer?.ok, true, JSON.stringify(answer));
      return answer.value.find((c) => c.url === updates.url)?.result;
    } finally {
      await page.close();
    }
  }

  /** The verdict of a fresh visit to the pinned host (its legit chain). */
  async function plainVerdict() {
    const t0 = Date.now();
    const v = await visit(ff, `${s.servers.plain.url}?t=${t0}`);
    const tabId = await insp.tabId(v.page);
    const record = await waitFor(async () => {
      const t = await insp.session(`tab:${tabId}`);
      return t?.page?.time >= t0 && t.page;
    });
    await v.page.close();
    return { outcome: v.outcome, record };
  }

  it('the list in force pins the host to its own keys', async () => {
    const info = { publisher: legitPayload.publisher, sequence: 1, issuedAt: legitPayload.issued_at, expiresAt: legitPayload.expires_at, entries: 1, pinsets: 1 };
    await insp.eval((url, entry) => browser.storage.local.set({ channelLists: { [url]: entry } }), updates.url, {
      payload: JSON.stringify(legitPayload),
      trust: { keys: [signer.text], threshold: 1, sequence: 1 },
      configured: { keys: [signer.text], threshold: 1 },
      info,
      signedBy: [],
      rotated: false,
      envelopeSha256: 'written by the test',
      acceptedAt: Date.now(),
    });
    const pinned = await waitFor(async () => {
      const v = await plainVerdict();
      return v.record.entry?.source === updates.url && v;
    }, { timeout: 15_000 });
    assert.ok(pinned, 'the channel\'s list governs the host');
    assert.equal(pinned.outcome, 'page');
    assert.equal(pinned.record.status, 'pinned');
  });

  it('another channel\'s list naming no channel, higher sequence: refused (unbound-list), the list in force kept', async () => {
    const result = await serveAndUpdate(lists.otherUnbound);
    assert.equal(result?.code, 'unbound-list', JSON.stringify(result));
    assert.equal((await stored()).trust.sequence, 1, 'the rollback floor did not move');
    assert.equal((await stored()).info.publisher, legitPayload.publisher);
    const v = await plainVerdict();
    assert.equal(v.outcome, 'page', 'the host keeps the verdict of the list in force');
    assert.equal(v.record.status, 'pinned');
  });

  it('another channel\'s list signed for it, higher sequence: refused (wrong-channel), the list in force kept', async () => {
    const result = await serveAndUpdate(lists.otherBound);
    assert.equal(result?.code, 'wrong-channel', JSON.stringify(result));
    assert.match(result.reason, /team-b/);
    assert.equal((await stored()).trust.sequence, 1);
    assert.equal((await plainVerdict()).record.status, 'pinned');
  });

  it('a list signed for this channel is accepted', async () => {
    const result = await serveAndUpdate(lists.own);
    assert.equal(result?.code, 'accepted', JSON.stringify(result));
    assert.equal((await stored()).trust.sequence, 2);
    assert.equal((await stored()).info.channel, updates.url);
  });
});
