// "Stale is silent": an interceptor who blocks channel updates, or answers every check with
// `304 Not Modified`, must not make an old list look current. The background with the real WASM
// core and a fake browser (tests/unit/lib/fake-browser.mjs); the channel's server is a scripted
// fetch, its envelopes signed here with Ed25519 as docs/pinlist-format.md says.

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assemble } from '../../extension/tools/assemble.mjs';
import { fakeBrowser, fileFetch } from './lib/fake-browser.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const haveWasm = existsSync(join(ROOT, 'target', 'pkg-web', 'pinwatch_bg.wasm'));

const DAY_MS = 86_400_000;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(fn, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const pin = (n) => Buffer.alloc(32, n).toString('base64');

/** A list payload; `expiresIn` ms from now (negative: expired). */
function payload({ sequence, host, channel, expiresIn = 30 * DAY_MS, issuedAgo = DAY_MS }) {
  const now = Date.now();
  return {
    version: 1,
    sequence,
    issued_at: iso(now - issuedAgo),
    expires_at: iso(now + expiresIn),
    publisher: `freshness test ${sequence}`,
    pinsets: { p: { good: [pin(1), pin(2)] } },
    entries: [{ host, include_subdomains: false, pinset: 'p', mode: 'enforce' }],
    blocklist: { spki: [], certificates: [] },
    // The channel it is signed for (docs/pinlist-format.md "Channel binding").
    ...(channel ? { channel } : {}),
  };
}

function signer() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const text = `pinwatch-ed25519:${publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`;
  return { text, keyid: createHash('sha256').update(text).digest('hex'), privateKey };
}

const PAYLOAD_TYPE = 'application/vnd.pinwatch.pinlist.v1+json';

/** The envelope's bytes: DSSE v1 PAE over the payload, one Ed25519 signature. */
function envelope(list, key) {
  const body = Buffer.from(JSON.stringify(list));
  const pae = Buffer.concat([Buffer.from(`DSSEv1 ${PAYLOAD_TYPE.length} ${PAYLOAD_TYPE} ${body.length} `), body]);
  const sig = sign(null, pae, key.privateKey).toString('base64');
  return Buffer.from(JSON.stringify({ payloadType: PAYLOAD_TYPE, payload: body.toString('base64'), signatures: [{ keyid: key.keyid, sig }] }));
}

describe('channel freshness: a 304 refreshes the check time, never the accepted time', { skip: !haveWasm && 'target/pkg-web is not built' }, () => {
  let dir;
  let dist;
  let fake;
  let channels;
  let settings;
  const key = signer();
  const URL_A = 'https://updates.example.test/a.json';
  const URL_B = 'https://updates.example.test/b.json';
  /** What each channel URL answers: `{status, body?, etag?}`; every request is logged. */
  const serve = new Map();
  const requests = [];

  const options = () => ({ senderUrl: fake.api.runtime.getURL('pages/options.html') });
  const ask = async (msg) => {
    const answer = await fake.message(msg, options());
    assert.equal(answer?.ok, true, JSON.stringify(answer));
    return answer.value;
  };
  const channelStatus = async (url) => (await ask({ type: 'status' })).channels.find((c) => c.url === url);
  const local = () => fake.api.storage.local.peek();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinwatch-fresh-'));
    const bundled = payload({ sequence: 1, host: 'bundled.example.test' });
    dist = assemble({ root: ROOT, browser: 'firefox', out: join(dir, 'ext'), bundledList: JSON.stringify(bundled) });
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    fake = fakeBrowser({ base: `${pathToFileURL(dist).href}/`, manifest });
    globalThis.browser = fake.api;
    const files = fileFetch();
    globalThis.fetch = async (input, init = {}) => {
      const url = String(input);
      if (!serve.has(url)) return files(input, init);
      const ifNoneMatch = init.headers?.['If-None-Match'] ?? null;
      const answer = serve.get(url);
      requests.push({ url, ifNoneMatch, status: answer.status });
      if (answer.status === 304) return new Response(null, { status: 304, headers: answer.etag ? { etag: answer.etag } : {} });
      return new Response(answer.body, { status: answer.status, headers: answer.etag ? { etag: answer.etag } : {} });
    };
    await import(pathToFileURL(join(dist, 'background', 'background.js')).href);
    // The same module instances as the background's (same URLs).
    channels = await import(pathToFileURL(join(dist, 'background', 'channels.js')).href);
    settings = await import(pathToFileURL(join(dist, 'background', 'settings.js')).href);
    assert.ok(await until(async () => (await fake.message({ type: 'status' }, options()))?.ok), 'the background answers');
  });

  after(() => {
    delete globalThis.browser;
    rmSync(dir, { recursive: true, force: true });
  });

  let accepted;
  let acceptedBody;

  it('an accepted list sets acceptedAt, and the last check is the same moment', async () => {
    acceptedBody = envelope(payload({ sequence: 1, host: 'a.example.test', channel: URL_A }), key);
    serve.set(URL_A, { status: 200, body: acceptedBody, etag: '"a1"' });
    assert.deepEqual(await ask({ type: 'save-user', user: { channels: [{ url: URL_A, keys: [key.text], threshold: 1 }] } }), { saved: true, errors: [] });
    const results = await ask({ type: 'update-now' });
    const ch = await until(async () => {
      const c = await channelStatus(URL_A);
      return c?.list?.sequence === 1 && c;
    });
    assert.ok(ch, `list 1 accepted (${JSON.stringify(results)})`);
    assert.equal(typeof ch.lastAcceptedAt, 'number');
    assert.equal(ch.list.acceptedAt, ch.lastAcceptedAt);
    assert.equal(local().channelLists[URL_A].acceptedAt, ch.lastAcceptedAt);
    assert.equal(ch.lastCheck.code, 'accepted');
    assert.equal(ch.lastCheckAt, ch.lastCheck.at);
    assert.ok(ch.lastCheckAt >= ch.lastAcceptedAt);
    const expiresAt = JSON.parse(Buffer.from(JSON.parse(acceptedBody).payload, 'base64')).expires_at;
    assert.equal(ch.list.expiresAt, expiresAt, 'the list\'s own expires_at');
    assert.equal(ch.list.expiresAtMs, Date.parse(expiresAt));
    assert.deepEqual(ch.warnings, [], 'a list accepted just now, valid for 30 days: nothing to warn about');
    assert.equal(ch.lastSuccessAt, undefined, 'the ambiguous name is gone');
    accepted = ch;
  });

  it('a 304 afterwards leaves acceptedAt as it was; only the check time advances', async () => {
    serve.set(URL_A, { status: 304, etag: '"a1"' });
    await sleep(15);
    const asked = requests.length;
    const results = await ask({ type: 'update-now' });
    assert.deepEqual(results.map((r) => [r.url, r.result.code, r.result.ok]), [[URL_A, 'not-modified', true]]);
    assert.ok(requests.length > asked);
    assert.equal(requests.at(-1).ifNoneMatch, '"a1"', 'the check was conditional');
    const ch = await channelStatus(URL_A);
    assert.equal(ch.lastAcceptedAt, accepted.lastAcceptedAt, 'a 304 is not an accepted list');
    assert.equal(ch.list.acceptedAt, accepted.lastAcceptedAt);
    assert.equal(local().channelLists[URL_A].acceptedAt, accepted.lastAcceptedAt, 'the stored list was not touched');
    assert.ok(ch.lastCheckAt > accepted.lastCheckAt, `the check time advanced (${accepted.lastCheckAt} → ${ch.lastCheckAt})`);
    assert.equal(ch.lastCheck.code, 'not-modified');
    assert.equal(ch.lastCheck.httpStatus, 304);
    assert.equal(ch.lastOkCheckAt, ch.lastCheckAt, 'the server answered properly, and that is all it says');
    assert.equal(ch.list.sequence, 1);
    assert.equal(ch.failures, 0);
  });

  it('the same bytes again ("unchanged") do not count as a new list either', async () => {
    serve.set(URL_A, { status: 200, body: acceptedBody, etag: '"a1"' });
    await sleep(15);
    const before = await channelStatus(URL_A);
    const results = await ask({ type: 'update-now' });
    assert.equal(results[0].result.code, 'unchanged');
    const ch = await channelStatus(URL_A);
    assert.equal(ch.lastAcceptedAt, accepted.lastAcceptedAt);
    assert.equal(local().channelLists[URL_A].acceptedAt, accepted.lastAcceptedAt);
    assert.ok(ch.lastCheckAt > before.lastCheckAt);
  });

  it('304 after 304: days later the status warns that no new list came, from acceptedAt alone', async () => {
    serve.set(URL_A, { status: 304, etag: '"a1"' });
    await ask({ type: 'update-now' });
    const [policy, user] = [await settings.loadPolicy(), await settings.loadUser()];
    const at = (days) => channels.statusView(policy, user, accepted.lastAcceptedAt + days * DAY_MS).then((all) => all.find((c) => c.url === URL_A));
    const quietDays = channels.NO_NEW_LIST_WARNING_MS / DAY_MS;
    assert.deepEqual((await at(quietDays - 0.1)).warnings, [], 'within the quiet time after the last accepted list');
    const later = await at(quietDays + 1);
    assert.equal(later.lastCheck.code, 'not-modified', 'every check "succeeds"');
    assert.equal(later.lastAcceptedAt, accepted.lastAcceptedAt);
    assert.deepEqual(later.warnings, [{ code: 'no-new-list', at: accepted.lastAcceptedAt, checksOk: true }]);
    const soon = await at(25);
    assert.deepEqual(soon.warnings.map((w) => w.code), ['expires-soon', 'no-new-list']);
    assert.equal(soon.warnings[0].at, accepted.list.expiresAtMs);
    assert.deepEqual((await at(31)).warnings.map((w) => w.code), ['expired', 'no-new-list']);
  });

  it('a 304 to a request that named no list is a failed check; a 304 for an expired list in force too', async () => {
    serve.set(URL_B, { status: 304 });
    assert.deepEqual(await ask({ type: 'save-user', user: { channels: [
      { url: URL_A, keys: [key.text], threshold: 1 }, { url: URL_B, keys: [key.text], threshold: 1 },
    ] } }), { saved: true, errors: [] });
    let results = await ask({ type: 'update-now' });
    const b = results.find((r) => r.url === URL_B).result;
    assert.deepEqual([b.ok, b.code], [false, 'unexpected-not-modified']);
    assert.equal(requests.filter((r) => r.url === URL_B).at(-1).ifNoneMatch, null);
    let ch = await channelStatus(URL_B);
    assert.equal(ch.list, null);
    assert.equal(ch.lastAcceptedAt, null);
    assert.equal(ch.lastOkCheckAt, null, 'not even a proper answer');

    // A list that expires within two seconds, accepted, then kept alive by 304s.
    const short = envelope(payload({ sequence: 1, host: 'b.example.test', channel: URL_B, expiresIn: 2000 }), key);
    serve.set(URL_B, { status: 200, body: short, etag: '"b1"' });
    results = await ask({ type: 'update-now' });
    assert.equal(results.find((r) => r.url === URL_B).result.code, 'accepted');
    const acceptedB = (await channelStatus(URL_B)).lastAcceptedAt;
    assert.deepEqual((await channelStatus(URL_B)).warnings.map((w) => w.code), ['expires-soon']);
    await sleep(3100);
    serve.set(URL_B, { status: 304, etag: '"b1"' });
    results = await ask({ type: 'update-now' });
    const again = results.find((r) => r.url === URL_B).result;
    assert.deepEqual([again.ok, again.code, again.httpStatus], [false, 'expired-in-force', 304]);
    ch = await channelStatus(URL_B);
    assert.equal(ch.lastAcceptedAt, acceptedB);
    assert.ok(ch.lastCheckAt > acceptedB);
    assert.equal(ch.warnings[0].code, 'expired');
    // And the same bytes served again are no better.
    serve.set(URL_B, { status: 200, body: short, etag: '"b1"' });
    results = await ask({ type: 'update-now' });
    assert.equal(results.find((r) => r.url === URL_B).result.code, 'expired-in-force');
    assert.equal((await channelStatus(URL_B)).lastAcceptedAt, acceptedB);
  });

  it('freshnessWarnings reads an RFC 3339 expiry as the core does', () => {
    assert.equal(channels.rfc3339Ms('2027-01-23T09:00:00Z'), Date.UTC(2027, 0, 23, 9));
    assert.equal(channels.rfc3339Ms('2027-01-23t10:00:00.5+01:00'), Date.UTC(2027, 0, 23, 9, 0, 0, 500));
    assert.equal(channels.rfc3339Ms('2027-01-23'), null);
    const now = Date.UTC(2027, 0, 1);
    assert.deepEqual(channels.freshnessWarnings({ expiresAt: 'nonsense', acceptedAt: now, lastCheck: null }, now),
      [{ code: 'expiry-unknown', at: null }]);
    assert.deepEqual(channels.freshnessWarnings({ expiresAt: '2027-01-09T00:00:00Z', acceptedAt: now - 15 * DAY_MS, lastCheck: { ok: false } }, now),
      [{ code: 'no-new-list', at: now - 15 * DAY_MS, checksOk: false }], 'blocked updates: no new list either');
  });
});
