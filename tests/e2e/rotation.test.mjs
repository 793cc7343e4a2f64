// End-to-end: a fresh Firefox install whose policy names only a channel's original keys accepts
// a list three key rotations ahead of them, from the one document the channel serves. The
// channel's history is made with the real `pinwatch` CLI as a publishing team runs it
// (docs/publishing.md): each release signed by two holders in turn, `sign --chain` carrying the
// published list's rotation steps.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/rotation.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  channelPayload, CLI, cliAvailable, extendPki, firefoxPolicies, firefoxWithPolicies, keygen, startUpdateServer, UPDATE_HOST,
} from './lib/enterprise.mjs';
import { GECKO_ID, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) ? `BROWSER=${browserChoice}` : cliAvailable() ?? false;

/**
 * One release, as docs/publishing.md runs it: the first holder signs the payload (with the
 * published list's steps, once there is one), the second adds a signature; the result is published.
 * `chain: false` signs without the steps, as a publisher who skipped `--chain` would.
 */
function release(dir, sequence, payload, [first, ...others], { chain = true } = {}) {
  const payloadPath = join(dir, `payload-${sequence}.json`);
  const out = join(dir, `list-${sequence}.json`);
  const published = join(dir, 'published.json');
  writeFileSync(payloadPath, `${JSON.stringify(payload, null, 2)}\n`);
  const chainArgs = chain && existsSync(published) ? ['--chain', published] : [];
  execFileSync(CLI, ['sign', payloadPath, '--key', first.key, '--out', out, ...chainArgs], { stdio: 'pipe' });
  for (const k of others) execFileSync(CLI, ['sign', out, '--key', k.key, '--out', out], { stdio: 'pipe' });
  if (chain) copyFileSync(out, published);
  return readFileSync(out);
}

describe('Firefox ESR: a fresh install follows three key rotations from its policy keys', { skip }, () => {
  let s;
  let updates;
  let farm;
  let ff;
  let opts;
  let lists;
  let k;

  before(async () => {
    s = await prepare({ browser: 'firefox', name: 'test-rotation-firefox', stale: false, servers: ({ hostile: _, ...specs }) => specs });
    const x = extendPki(s.pki);
    updates = await startUpdateServer(x.updates);
    const keys = join(s.dir, 'keys');
    k = Object.fromEntries(['a', 'b', 'c', 'd', 'e'].map((n) => [n, keygen(keys, n)]));
    const legit = [s.pki.legitInter.spkiPin, s.pki.legitRoot.spkiPin];
    const plain = (sequence, next) => ({
      ...channelPayload({ sequence, pinsets: { legit }, entries: [{ host: 'plain.example.test', pinset: 'legit' }], channel: updates.url }),
      ...(next ? { next_signers: { keys: next.map((key) => key.text), threshold: 2 } } : {}),
    });
    // {a, b} → {b, c} → {c, d} → {d, e}: one holder changes per rotation.
    release(s.dir, 1, plain(1), [k.a, k.b]);
    release(s.dir, 2, plain(2, [k.b, k.c]), [k.a, k.b, k.c]);
    release(s.dir, 3, plain(3, [k.c, k.d]), [k.b, k.c, k.d]);
    release(s.dir, 4, plain(4, [k.d, k.e]), [k.c, k.d, k.e]);
    lists = {
      withoutSteps: release(s.dir, 5, plain(5), [k.d, k.e], { chain: false }),
      current: release(s.dir, 6, plain(6), [k.d, k.e]),
    };
    updates.serve(lists.withoutSteps);
    const policy = { channels: [{ url: updates.url, keys: [k.a.text, k.b.text], threshold: 2 }] };
    farm = firefoxWithPolicies(s.dir, firefoxPolicies(GECKO_ID, policy));
    ff = await launchFirefox({ roots: s.pki.roots, hosts: [...HOSTS, UPDATE_HOST], executablePath: farm.executable });
    await ff.browser.installExtension(s.dist);
    opts = await openExtensionPage(ff, 'pages/options.html');
  });

  after(async () => {
    await ff?.close();
    farm?.remove();
    await updates?.close();
    await s?.cleanup();
  });

  const ask = async (message) => {
    const answer = JSON.parse(await opts.evaluate(async (m) => JSON.stringify(await browser.runtime.sendMessage(m)), message));
    if (!answer?.ok) throw new Error(answer?.error ?? 'no answer');
    return answer.value;
  };

  it('a list signed by the newest keys without the rotation steps is refused: the install is stranded', async () => {
    const ch = await waitFor(async () => {
      const st = await ask({ type: 'status' });
      return st.channels[0]?.lastCheck && st.channels[0];
    }, { timeout: 20_000 });
    assert.ok(ch, 'the channel was checked at start');
    assert.equal(ch.lastCheck.code, 'untrusted-signers', JSON.stringify(ch.lastCheck));
    assert.equal(ch.list, null);
  });

  it('the channel serving the steps with the list is enough: accepted, the rotated keys trusted', async () => {
    updates.serve(lists.current);
    const results = await ask({ type: 'update-now' });
    assert.deepEqual(results.map((r) => r.result.code), ['accepted'], JSON.stringify(results));
    assert.match(results[0].result.reason, /rotated/);
    const ch = (await ask({ type: 'status' })).channels[0];
    assert.equal(ch.list.sequence, 6);
    assert.equal(ch.list.threshold, 2);
    assert.deepEqual(ch.keys, [k.a.text, k.b.text], 'policy still names the original keys');
    const stored = await opts.evaluate(async (url) => (await browser.storage.local.get('channelLists')).channelLists[url].trust, updates.url);
    assert.deepEqual(stored, { keys: [k.d.text, k.e.text], threshold: 2, sequence: 6 });
    // The list is in force: the channel pins plain.example.test, which the bundled list does not name.
    const v = await visit(ff, s.servers.plain.url);
    assert.equal(v.outcome, 'page');
    const tabId = await waitFor(() => opts.evaluate(async (href) => (await browser.tabs.query({})).find((t) => t.url === href)?.id ?? null, v.href), { timeout: 5000 });
    const rec = await waitFor(() => opts.evaluate(async (id) => (await browser.storage.session.get(`tab:${id}`))[`tab:${id}`]?.page, tabId));
    assert.equal(rec.status, 'pinned');
    assert.equal(rec.entry.source, updates.url);
    await v.page.close();
  });
});
