// The background's wiring, with the real WASM engine and a fake of the browser APIs: which
// response each verdict gets, what is stored for the warning page, and failing open on our own
// errors (which a real browser cannot be made to produce on demand). What the extension does in
// Firefox is tested in tests/e2e/firefox.test.mjs.

import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assemble } from '../../extension/tools/assemble.mjs';
import { makePki, makeTestList } from '../e2e/lib/pki.mjs';
import { fakeBrowser, fileFetch, matches } from './lib/fake-browser.mjs';
import { MODE, MODES, REASON_CODE, REASON_ENGLISH, SOURCE_KIND, STATUS } from '../../extension/shared/vocabulary.js';

const ROOT = join(import.meta.dirname, '..', '..');
const haveWasm = existsSync(join(ROOT, 'target', 'pkg-web', 'pinwatch_bg.wasm'));

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
async function until(fn, timeout = 5000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v || Date.now() > end) return v;
    await sleep(20);
  }
}

describe('background glue (fake browser APIs, real engine)', { skip: !haveWasm && 'target/pkg-web is not built' }, () => {
  let dir;
  let dist;
  let pki;
  let fake;
  let tabs = 100;
  const nextTab = () => ++tabs;
  const session = () => fake.api.storage.session.peek();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pinwatch-unit-'));
    pki = makePki(join(dir, 'pki'));
    dist = assemble({ root: ROOT, browser: 'firefox', out: join(dir, 'ext'), bundledList: JSON.stringify(makeTestList(pki)) });
    const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8'));
    fake = fakeBrowser({ base: `${pathToFileURL(dist).href}/`, manifest });
    globalThis.browser = fake.api;
    globalThis.fetch = fileFetch();
    await import(pathToFileURL(join(dist, 'background', 'background.js')).href);
    // The sub-resource listener is added once the engine has read the list.
    const ready = await until(() => fake.api.webRequest.onHeadersReceived.listeners.length >= 2 && session().boots?.length);
    assert.ok(ready, 'the background built its engine and registered both listeners');
  });

  after(() => {
    delete globalThis.browser;
    rmSync(dir, { recursive: true, force: true });
  });

  const chainOf = (leaf, ...cas) => [leaf.der, ...cas.map((c) => c.der)];
  const legit = () => chainOf(pki.leaves.mailLegit, pki.legitInter, pki.legitRoot);
  const rogue = () => chainOf(pki.leaves.mailRogue, pki.rogueRoot);
  const blocked = () => chainOf(pki.leaves.blocked, pki.legitInter, pki.legitRoot);

  const PINNED = ['hostile.example.test', 'mail.example.test', 'warn.example.test'];
  // Each host's patterns, in both spellings of its name (the fully qualified one ends in a dot).
  const spelled = (scheme) => PINNED.flatMap((h) => [`${scheme}://${h}./*`, `${scheme}://${h}/*`]);

  it('listens to main frames everywhere and to every other type (WebSockets too) only on pinned hosts', () => {
    const [main, pinned] = fake.api.webRequest.onHeadersReceived.listeners;
    assert.deepEqual(main.args[0], { urls: ['https://*/*'], types: ['main_frame'] });
    assert.deepEqual(main.args[1], ['blocking']);
    assert.deepEqual([...pinned.args[0].urls].sort(), [...spelled('https'), ...spelled('wss')]);
    assert.ok(!pinned.args[0].types.includes('main_frame'));
    assert.ok(pinned.args[0].types.includes('image') && pinned.args[0].types.includes('sub_frame'));
    assert.ok(pinned.args[0].types.includes('websocket'));
    assert.ok(matches('https://*.example.test/*', 'https://a.example.test/x') && !matches('https://mail.example.test/*', 'https://evil.test/'));
    assert.ok(matches('wss://mail.example.test/*', 'wss://mail.example.test:9443/s') && !matches('https://mail.example.test/*', 'wss://mail.example.test/'));
  });

  it('plain http:// and ws:// requests are looked at only for pinned hosts, blocking, registered at wake', () => {
    const [upgrade, ...more] = fake.api.webRequest.onBeforeRequest.listeners;
    assert.equal(more.length, 0, 'one listener');
    assert.deepEqual([...upgrade.args[0].urls].sort(), [...spelled('http'), ...spelled('ws')]);
    assert.equal(upgrade.args[0].types, undefined, 'every type: main frames, sub-resources and WebSockets');
    assert.deepEqual(upgrade.args[1], ['blocking']);
  });

  it('an http:// main frame to an enforced pinned host is redirected to https:// (as HSTS: port 80 to 443, other ports kept)', async () => {
    assert.deepEqual(await fake.beforeRequest({ url: 'http://mail.example.test/inbox?x=1', tabId: nextTab() }),
      [{ redirectUrl: 'https://mail.example.test/inbox?x=1' }]);
    assert.deepEqual(await fake.beforeRequest({ url: 'http://mail.example.test:8443/', tabId: nextTab() }),
      [{ redirectUrl: 'https://mail.example.test:8443/' }]);
    assert.deepEqual(await fake.beforeRequest({ url: 'http://mail.example.test/logo.png', type: 'image', tabId: nextTab() }),
      [{ redirectUrl: 'https://mail.example.test/logo.png' }], 'sub-resources too');
  });

  it('a ws:// handshake to an enforced pinned host is redirected to wss://', async () => {
    assert.deepEqual(await fake.beforeRequest({ url: 'ws://mail.example.test:9000/socket', type: 'websocket', tabId: nextTab() }),
      [{ redirectUrl: 'wss://mail.example.test:9000/socket' }]);
  });

  it('http:// to a warn-mode pinned host, or to an unpinned host, is not redirected', async () => {
    assert.deepEqual(await fake.beforeRequest({ url: 'http://warn.example.test/', tabId: nextTab() }), [{}],
      'seen (the host is pinned) but left alone: warn mode asks for no interference');
    assert.deepEqual(await fake.beforeRequest({ url: 'ws://warn.example.test/s', type: 'websocket', tabId: nextTab() }), [{}]);
    assert.deepEqual(await fake.beforeRequest({ url: 'http://plain.example.test/', tabId: nextTab() }), [], 'an unpinned host is not even seen');
  });

  it('a wss:// handshake with a rogue chain to an enforced pinned host is cancelled; the legit chain passes; an unpinned host is not seen', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'wss://mail.example.test:9443/socket', type: 'websocket', tabId, chain: rogue() }), [{ cancel: true }]);
    assert.deepEqual(await fake.request({ url: 'wss://mail.example.test:9443/socket', type: 'websocket', tabId, chain: legit() }), [{}]);
    assert.deepEqual(await fake.request({ url: 'wss://plain.example.test/socket', type: 'websocket', tabId, chain: rogue() }), []);
    assert.equal(fake.updates.some((u) => u.id === tabId), false, 'a WebSocket never replaces the page');
    const state = await until(() => session()[`tab:${tabId}`]?.subs?.length && session()[`tab:${tabId}`]);
    const sub = state.subs.find((r) => r.type === 'websocket');
    assert.equal(sub.status, STATUS.mismatch);
    assert.equal(sub.outcome, 'stopped');
    assert.equal(sub.url, 'wss://mail.example.test:9443/socket');
  });

  it('a wss:// handshake to a warn-mode pinned host with a rogue chain goes through, notified', async () => {
    const tabId = nextTab();
    const chain = chainOf(pki.leaves.warnRogue, pki.rogueRoot);
    assert.deepEqual(await fake.request({ url: 'wss://warn.example.test/socket', type: 'websocket', tabId, chain }), [{}]);
    await until(() => fake.notifications.some((n) => n.id.includes(`-${tabId}-`)));
    assert.ok(fake.notifications.some((n) => n.id.includes(`-${tabId}-`)));
  });

  it('the browser\'s security state is kept in the record; "secure" too, so the popup can tell', async () => {
    const weakTab = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId: weakTab, chain: legit(), state: 'weak' });
    const weak = await until(() => session()[`tab:${weakTab}`]?.page);
    assert.equal(weak.status, STATUS.pinned, 'the state does not change the verdict');
    assert.equal(weak.securityState, 'weak');
    const okTab = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId: okTab, chain: legit() });
    assert.equal((await until(() => session()[`tab:${okTab}`]?.page)).securityState, 'secure');
  });

  it('a pinned chain passes, is recorded, and the badge is set when the page completes', async () => {
    const tabId = nextTab();
    const answers = await fake.request({ url: 'https://mail.example.test/', tabId, chain: legit() });
    assert.deepEqual(answers, [{}]);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.equal(record.status, 'pinned');
    assert.equal(record.matched.pin, pki.legitInter.spkiPin);
    fake.completeTab(tabId);
    await until(() => fake.badges.get(tabId)?.text === '✓');
    assert.equal(fake.badges.get(tabId).text, '✓');
  });

  it('a mismatch in enforce mode cancels the response and sends the tab to the warning page with a nonce', async () => {
    const tabId = nextTab();
    const answers = await fake.request({ url: 'https://mail.example.test/inbox', tabId, chain: rogue() });
    assert.deepEqual(answers, [{ cancel: true }]);
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    const nonce = new URL(update.url).hash.slice(1).split('/')[0];
    assert.match(update.url, /\/warning\.html#[0-9a-f]{32}\/mismatch$/);
    // Stored after the stop, never before it.
    const warning = await until(() => session()[`warning:${tabId}`]);
    assert.equal(warning.nonce, nonce);
    assert.equal(warning.record.status, 'mismatch');
    assert.equal(warning.record.url, 'https://mail.example.test/inbox');
    assert.equal(warning.decision.offerProceed, true);
  });

  it('a sub-resource of an intercepted pinned host is cancelled; one of an unpinned host is not even seen', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/logo.png', type: 'image', tabId, chain: rogue() }), [{ cancel: true }]);
    assert.deepEqual(await fake.request({ url: 'https://plain.example.test/a.png', type: 'image', tabId, chain: rogue() }), []);
    assert.equal(fake.updates.some((u) => u.id === tabId), false, 'a sub-resource never replaces the page');
  });

  it('warn mode lets the page through and notifies once per tab and host', async () => {
    const tabId = nextTab();
    const chain = chainOf(pki.leaves.warnRogue, pki.rogueRoot);
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/', tabId, chain }), [{}]);
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/again', tabId, chain }), [{}]);
    await until(() => fake.notifications.some((n) => n.id.includes(`-${tabId}-`)));
    await sleep(50);
    assert.equal(fake.notifications.filter((n) => n.id.includes(`-${tabId}-`)).length, 1);
  });

  it('a chain that cannot be read is "unverifiable" and never stopped', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: 'reject' }), [{}]);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.equal(record.status, 'unverifiable');
    assert.match(record.captureError, /getSecurityInfo: fake: no security info/);
  });

  it('storage that fails never turns a stop into a pass: the stop comes first', async () => {
    const tabId = nextTab();
    fake.faults['session.set'] = true;
    fake.faults['session.get'] = true;
    try {
      assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() }), [{ cancel: true }]);
    } finally {
      delete fake.faults['session.set'];
      delete fake.faults['session.get'];
    }
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    assert.match(update.url, /\/warning\.html#[0-9a-f]{32}\/mismatch$/);
  });

  it('our own failure where no stop was reached fails open with an error badge', async () => {
    const tabId = nextTab();
    fake.faults['session.get'] = true;
    try {
      assert.deepEqual(await fake.request({ url: 'https://warn.example.test/', tabId, chain: rogue() }), [{}]);
    } finally {
      delete fake.faults['session.get'];
    }
    await until(() => fake.badges.get(tabId)?.text === 'ERR');
    assert.equal(fake.badges.get(tabId).text, 'ERR');
    assert.equal(fake.updates.some((u) => u.id === tabId), false);
  });

  it('...except for a block-listed certificate, which is stopped even when recording fails', async () => {
    const tabId = nextTab();
    fake.faults['session.set'] = true;
    try {
      assert.deepEqual(await fake.request({ url: 'https://blocked.example.test/', tabId, chain: blocked() }), [{ cancel: true }]);
    } finally {
      delete fake.faults['session.set'];
    }
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    assert.match(update.url, /\/warning\.html#[0-9a-f]{32}\/blocked$/, 'the warning page leads with the reason');
  });

  it('a check that never ends stops an enforced pinned host at the limit ("not checked in time")', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: 'hang' }), [{ cancel: true }]);
    const update = await until(() => fake.updates.find((u) => u.id === tabId));
    assert.match(update.url, /\/warning\.html#[0-9a-f]{32}\/not-checked-in-time$/);
    const warning = await until(() => session()[`warning:${tabId}`]);
    assert.equal(warning.decision.offerRetry, true);
    assert.equal(warning.decision.offerProceed, false);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.deepEqual([record.status, record.outcome], ['unverifiable', 'stopped'], 'nothing judged, nothing claimed but the stop');
  });

  it('...and on a warn-mode host lets the page through, warned ("could not be checked in time"), never only the error badge', async () => {
    const tabId = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://warn.example.test/', tabId, chain: 'hang' }), [{}]);
    const note = await until(() => fake.notifications.find((n) => n.id.includes(`-${tabId}-`)));
    assert.ok(note, 'a notification');
    assert.match(note.title, /could not be checked in time/);
    assert.match(note.message, /within 5 s/);
    const record = await until(() => session()[`tab:${tabId}`]?.page);
    assert.deepEqual([record.status, record.outcome, record.reasonCode], ['unverifiable', 'notified', 'not-checked-in-time']);
    assert.equal(record.decision.report, true, 'and reported');
    assert.notEqual(fake.badges.get(tabId)?.text, 'ERR');
    assert.equal(fake.updates.some((u) => u.id === tabId), false);
  });

  it('a check that runs out of time while the engine is being built is decided on what the last build knew', async () => {
    const engine = await import(pathToFileURL(join(dist, 'background', 'engine.js')).href);
    fake.faults['local.get'] = 'hang';
    try {
      engine.invalidate();
      const stopped = nextTab();
      const warned = nextTab();
      const warnRogue = chainOf(pki.leaves.warnRogue, pki.rogueRoot);
      const [stop, warn] = await Promise.all([
        fake.request({ url: 'https://mail.example.test/', tabId: stopped, chain: rogue() }),
        fake.request({ url: 'https://warn.example.test/', tabId: warned, chain: warnRogue }),
      ]);
      assert.deepEqual(stop, [{ cancel: true }], 'an enforced host is stopped, its mode known without the build');
      const update = await until(() => fake.updates.find((u) => u.id === stopped));
      assert.match(update.url, /\/warning\.html#[0-9a-f]{32}\/not-checked-in-time$/);
      assert.deepEqual(warn, [{}], 'a warn-mode host goes on');
      const note = await until(() => fake.notifications.find((n) => n.id.includes(`-${warned}-`)));
      assert.match(note?.title ?? '', /could not be checked in time/, 'and is warned');
    } finally {
      delete fake.faults['local.get'];
      engine.invalidate();
    }
  });

  it('a record made without a verdict carries the core\'s reason code, its English from the core\'s table', async () => {
    const render = (code, params) => REASON_ENGLISH[code]?.replace(/\{(\w+)\}/g, (_, name) => params?.[name] ?? '');
    const stopped = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId: stopped, chain: 'hang' });
    const late = await until(() => session()[`tab:${stopped}`]?.page);
    assert.equal(late.reasonCode, 'not-checked-in-time', 'a stop at the time limit says so as a code');
    assert.equal(REASON_CODE.notCheckedInTime, late.reasonCode, 'one of the core\'s codes');
    assert.deepEqual(late.reasonParams, { seconds: '5' });
    assert.equal(late.reason, render(late.reasonCode, late.reasonParams));
    const warned = nextTab();
    await fake.request({ url: 'https://warn.example.test/', tabId: warned, chain: 'hang' });
    const late2 = await until(() => session()[`tab:${warned}`]?.page);
    assert.equal(late2.reasonCode, 'not-checked-in-time', 'a warning at the time limit says so too');
    assert.equal(late2.reason, render(late2.reasonCode, late2.reasonParams));
  });

  it('"proceed anyway" needs the nonce of the tab\'s own warning, then lets that host through in that tab only', async () => {
    const tabId = nextTab();
    await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() });
    const nonce = (await until(() => session()[`warning:${tabId}`])).nonce;
    assert.equal((await fake.message({ type: 'proceed', nonce: 'f'.repeat(32) }, { tabId })).ok, false);
    assert.equal((await fake.message({ type: 'proceed', nonce }, { tabId: tabId + 1000 })).ok, false, 'another tab cannot use it');
    assert.equal(await fake.message({ type: 'proceed', nonce }, { tabId, senderUrl: 'https://evil.example/' }), undefined,
      'a web page gets no answer');
    assert.deepEqual(await fake.message({ type: 'proceed', nonce }, { tabId }), { ok: true, value: true });
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId, chain: rogue() }), [{}]);
    const other = nextTab();
    assert.deepEqual(await fake.request({ url: 'https://mail.example.test/', tabId: other, chain: rogue() }), [{ cancel: true }]);
  });

  it('the user\'s extra pins are checked before they are saved', async () => {
    const bad = await fake.message({ type: 'save-user', user: { mode: 'enforce', extraEntries: [{ host: 'intra.example', pins: ['nope'] }] } },
      { senderUrl: fake.api.runtime.getURL('pages/options.html') });
    assert.equal(bad.ok, true);
    assert.equal(bad.value.saved, false);
    assert.match(bad.value.errors.map((e) => e.error).join('\n'), /"nope" is not a SHA-256 pin/);
    assert.equal(fake.api.storage.local.peek().user, undefined, 'nothing was stored');
  });

  // The rules below have one owner, the core: the checks of extra entries, what a user's source
  // may replace, the clamp of the user's mode under policy's, and signer-set equality.
  const options = () => ({ senderUrl: fake.api.runtime.getURL('pages/options.html') });
  const ask = async (msg) => {
    const answer = await fake.message(msg, options());
    assert.equal(answer?.ok, true, JSON.stringify(answer));
    return answer.value;
  };
  const saveUser = (user) => ask({ type: 'save-user', user });
  const hexPin = (b64) => Buffer.from(b64, 'base64').toString('hex').match(/../g).join(':').toUpperCase();
  const pinnedRecord = async (url, chain) => {
    const tabId = nextTab();
    const answers = await fake.request({ url, tabId, chain });
    return { answers, record: await until(() => session()[`tab:${tabId}`]?.page) };
  };

  it('the status: every source problem in one list, and the modes the engine allows', async () => {
    const st = await ask({ type: 'status' });
    assert.deepEqual(st.allowedModes, [...MODES], 'no policy: every mode');
    assert.deepEqual(st.problems, []);
    assert.deepEqual(st.sources.map((src) => src.origin), [SOURCE_KIND.bundled]);
  });

  it('extra entries are saved as the core normalised them; the user\'s mode as chosen', async () => {
    const pin = pki.rogueRoot.spkiPin;
    const result = await saveUser({
      mode: MODE.report,
      extraEntries: [{ host: ' Plain.Example.TEST ', includeSubdomains: true, pins: [hexPin(pin)], mode: MODE.enforce }],
    });
    assert.deepEqual(result, { saved: true, errors: [] });
    const stored = fake.api.storage.local.peek().user;
    assert.equal(stored.mode, MODE.report);
    assert.deepEqual(stored.extraEntries, [{ host: 'plain.example.test', includeSubdomains: true, pins: [pin], mode: MODE.enforce }]);
    const { answers, record } = await pinnedRecord('https://plain.example.test/', chainOf(pki.leaves.plain, pki.legitInter, pki.legitRoot));
    assert.equal(record.status, STATUS.mismatch, 'the user\'s pin is in force');
    assert.equal(record.action, MODE.report, 'and so is the user\'s mode, with no policy to clamp it');
    assert.deepEqual(answers, [{}]);
  });

  it('the core refuses a second entry for one host before saving', async () => {
    const pin = pki.rogueRoot.spkiPin;
    const result = await saveUser({ extraEntries: [{ host: 'a.example.test', pins: [pin] }, { host: 'A.example.test', pins: [pin] }] });
    assert.equal(result.saved, false);
    assert.deepEqual(result.errors.map((e) => e.code), ['entry-duplicate']);
    assert.deepEqual(result.errors[0].params, { entry: '2', host: 'A.example.test' });
    assert.match(result.errors[0].error, /Entry 2 \(A\.example\.test\): a second entry for the same host/);
  });

  it('a user\'s entry adds hosts, never replaces one of the bundled list: saved, but the engine refuses it and says why', async () => {
    const result = await saveUser({ extraEntries: [{ host: 'mail.example.test', pins: [pki.rogueRoot.spkiPin], mode: MODE.report }] });
    assert.deepEqual(result, { saved: true, errors: [] });
    const st = await ask({ type: 'status' });
    const refused = st.problems.filter((p) => p.origin === SOURCE_KIND.user);
    assert.equal(refused.length, 1, JSON.stringify(st.problems));
    assert.match(refused[0].error, /mail\.example\.test is not used: bundled governs that host/);
    const { answers, record } = await pinnedRecord('https://mail.example.test/', rogue());
    assert.equal(record.status, STATUS.mismatch, 'the bundled entry still decides');
    assert.equal(record.entry.source, SOURCE_KIND.bundled);
    assert.deepEqual(answers, [{ cancel: true }]);
  });

  it('a user\'s channel list is in force only while its configured signer set is the same set (the core compares)', async () => {
    const key = () => `pinwatch-ed25519:${generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`;
    const [k1, k2] = [key(), key()];
    const url = 'https://updates.example.test/list.json';
    const payload = { ...makeTestList(pki), publisher: 'A user channel', entries: [{ host: 'chan.example.test', include_subdomains: false, pinset: 'test-legit', mode: MODE.enforce }] };
    await fake.api.storage.local.set({
      channelLists: {
        [url]: {
          payload: JSON.stringify(payload),
          trust: { keys: [k1, k2], threshold: 1, sequence: 1 },
          configured: { keys: [k2, k1], threshold: 1 },
          info: { publisher: payload.publisher, sequence: 1, expiresAt: payload.expires_at },
          signedBy: [],
          acceptedAt: Date.now(),
        },
      },
    });
    const inForce = async (channel) => {
      assert.deepEqual(await saveUser({ channels: [channel] }), { saved: true, errors: [] });
      const st = await ask({ type: 'status' });
      return { listed: st.channels[0]?.list !== null, used: st.sources.some((src) => src.origin === url), st };
    };
    const same = await inForce({ url, keys: [k1, k2], threshold: 1, name: 'other fields do not count' });
    assert.deepEqual([same.listed, same.used], [true, true], 'the same keys in another order are the same set');
    assert.equal(same.st.channels[0].from, 'user');
    assert.deepEqual(same.st.problems, []);
    const threshold = await inForce({ url, keys: [k1, k2], threshold: 2 });
    assert.deepEqual([threshold.listed, threshold.used], [false, false], 'another threshold is another set');
    const other = await inForce({ url, keys: [k1], threshold: 1 });
    assert.deepEqual([other.listed, other.used], [false, false], 'fewer keys are another set');
    await saveUser({});
  });

  it('policy: its mode clamps the user\'s, the engine says which modes remain, and the core checks its extra entries', async () => {
    assert.deepEqual(await saveUser({ mode: MODE.report }), { saved: true, errors: [] });
    fake.setManaged({
      mode: MODE.warn,
      extraEntries: [{ host: 'bad.policy.example.test', pins: ['nope'] }, { host: 'policy.example.test', pins: [pki.legitRoot.spkiPin] }],
    });
    try {
      const st = await until(async () => {
        const v = await ask({ type: 'status' });
        return v.policy.mode === MODE.warn && v;
      });
      assert.ok(st, 'the policy arrived');
      assert.deepEqual(st.allowedModes, [MODE.warn, MODE.enforce], 'never weaker than policy\'s');
      assert.deepEqual(st.policy.problems, [], 'entries are the core\'s to check, not policy.js\'s');
      const fromPolicy = st.problems.filter((p) => p.origin === SOURCE_KIND.policy);
      assert.equal(fromPolicy.length, 1, JSON.stringify(st.problems));
      assert.match(fromPolicy[0].error, /^Entry 1 \(bad\.policy\.example\.test\): "nope" is not a SHA-256 pin/);
      assert.ok(st.sources.some((src) => src.origin === SOURCE_KIND.policy), 'the good policy entry is used');

      let { record } = await pinnedRecord('https://mail.example.test/', rogue());
      assert.equal(record.action, MODE.warn, 'the user\'s weaker "report" does not count under policy\'s "warn"');
      assert.deepEqual(await saveUser({ mode: MODE.enforce }), { saved: true, errors: [] });
      ({ record } = await pinnedRecord('https://mail.example.test/', rogue()));
      assert.equal(record.action, MODE.enforce, 'a stronger choice does');

      fake.setManaged({ extraEntries: 'not a list' });
      const broken = await until(async () => {
        const v = await ask({ type: 'status' });
        return v.policy.problems.length && v;
      });
      assert.deepEqual(broken.policy.problems, [{ key: 'extraEntries', code: 'policy-not-list', params: { key: 'extraEntries' }, error: 'extraEntries must be a list.' }]);
      assert.ok(!broken.policy.managed.includes('extraEntries'));
    } finally {
      fake.setManaged(null);
      await saveUser({});
    }
  });

  it('a report names a security state other than "secure" ("security-state"), and only then', async () => {
    const endpoint = 'https://collector.example.test/r';
    const posted = [];
    const realFetch = globalThis.fetch;
    globalThis.fetch = async (input, init) => {
      if (String(input) === endpoint) {
        posted.push(JSON.parse(init.body));
        return new Response('', { status: 204 });
      }
      return realFetch(input, init);
    };
    fake.setManaged({ reportEndpoint: endpoint });
    try {
      assert.ok(await until(async () => (await ask({ type: 'status' })).policy.reportEndpoint === endpoint), 'the policy arrived');
      await fake.request({ url: 'https://mail.example.test:7001/', tabId: nextTab(), chain: rogue(), state: 'broken' });
      await fake.request({ url: 'https://mail.example.test:7002/', tabId: nextTab(), chain: rogue() });
      assert.ok(await until(() => posted.length >= 2), `two reports were posted (${posted.length})`);
      const byPort = Object.fromEntries(posted.map((r) => [r.port, r]));
      assert.equal(byPort[7001]['security-state'], 'broken');
      assert.equal(byPort[7001].verdict, STATUS.mismatch);
      assert.ok(!Object.hasOwn(byPort[7002], 'security-state'), 'a secure connection adds no field');
    } finally {
      fake.setManaged(null);
      globalThis.fetch = realFetch;
    }
  });
});
