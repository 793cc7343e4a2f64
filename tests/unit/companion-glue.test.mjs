// companion.js against a fake native-messaging port (a real companion is tested in
// tests/e2e/companion.test.mjs and crate/cli/tests/companion.rs): a missing host never throws and
// is said to be missing every time; network failures the interceptor can cause are "offered"
// (never a pass on an enforced host); replies merge with the browser's leaf as documented.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

// One fake `chrome` for the file (compat.js binds `api` once); each test sets how it answers.
let respond = () => null;
const runtime = {
  lastError: undefined,
  connects: 0,
  getManifest: () => ({ permissions: ['nativeMessaging'] }),
  getURL: (path) => `chrome-extension://test/${path}`,
  connectNative() {
    runtime.connects += 1;
    const listeners = { message: [], disconnect: [] };
    return {
      onMessage: { addListener: (f) => listeners.message.push(f) },
      onDisconnect: { addListener: (f) => listeners.disconnect.push(f) },
      postMessage(message) {
        setTimeout(() => {
          const reply = respond(message);
          if (reply?.disconnect) {
            runtime.lastError = { message: reply.disconnect };
            for (const f of listeners.disconnect) f();
            runtime.lastError = undefined;
          } else if (reply) {
            for (const f of listeners.message) f({ id: message.id, ...reply });
          }
        }, 1);
      },
    };
  },
};
globalThis.chrome = { runtime, webRequest: {}, storage: {}, permissions: {} };

/** `answer(message) → reply | {disconnect: lastError message}` for the companion's next port. */
function installFake(answer) {
  respond = answer;
  runtime.connects = 0;
  return runtime;
}

let fresh = 0;
/** A new instance of companion.js (its per-wake state starts empty). */
const load = () => import(`../../extension/companion.js?instance=${++fresh}`);

const LEAF = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);
const OTHER_LEAF = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02]);
const INTER = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x03]);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const details = (extra = {}) => ({ requestId: `r${fresh}`, url: 'https://mail.example.test:8443/x', ip: '127.0.0.1', ...extra });

describe('companion.js', () => {
  it('a companion that is not installed: missing, every time, and never a throw', async () => {
    const runtime = installFake(() => ({ disconnect: 'Specified native messaging host not found.' }));
    const companion = await load();
    const leafOnly = { chain: [LEAF], tier: 'securityInfoRawDer', browserBuilt: false, offered: true };
    for (let i = 0; i < 3; i++) {
      const got = await companion.secondLook(details(), leafOnly);
      assert.equal(got.companionMissing, true, JSON.stringify(got));
      assert.deepEqual(got.chain, [LEAF], 'the browser\'s leaf is kept');
      assert.equal(companion.state.status, 'missing');
    }
    assert.equal(runtime.connects, 1, 'not started again within the back-off');
  });

  it('a chain from the companion alone, with the browser\'s leaf, and with a different leaf', async () => {
    installFake((m) => (m.type === 'hello'
      ? { ok: true, version: 'test' }
      : { ok: true, chain: [b64(m.host === 'other.example.test' ? OTHER_LEAF : LEAF), b64(INTER)], verified: { anchor: null }, ms: 1.5 }));
    const companion = await load();
    const none = { chain: [], tier: 'none', offered: false };
    const alone = await companion.secondLook(details(), none);
    assert.equal(alone.tier, 'companion');
    assert.deepEqual(alone.chain, [LEAF, INTER]);
    assert.equal(alone.browserBuilt, false);
    assert.equal(alone.companion.ms, 1.5);
    // Kept for the same host, port and address: no second question.
    const again = await companion.secondLook(details(), none);
    assert.equal(again.companion.cached, true);
    const withLeaf = await companion.secondLook(details({ url: 'https://mail.example.test:8444/' }), { chain: [LEAF], tier: 'securityInfoRawDer', offered: true });
    assert.equal(withLeaf.tier, 'securityInfoRawDer+companion');
    assert.deepEqual(withLeaf.chain, [LEAF, INTER]);
    assert.equal(withLeaf.companion.leafDiffers, false);
    const differs = await companion.secondLook(details({ url: 'https://other.example.test/' }), { chain: [LEAF], tier: 'securityInfoRawDer', offered: true });
    assert.equal(differs.companion.leafDiffers, true);
    assert.deepEqual(differs.chain, [LEAF], 'the browser\'s leaf is the session\'s');
    assert.deepEqual(differs.extra.map((e) => e.der), [INTER]);
    assert.deepEqual(differs.companion.companionLeaf, OTHER_LEAF);
  });

  it('failures the network can cause are "offered" (an enforced host stops); others are not', async () => {
    installFake((m) => (m.type === 'hello' ? { ok: true } : { ok: false, error: { code: m.port === 1 ? 'timeout' : 'bad-host', message: 'x' } }));
    const companion = await load();
    const none = { chain: [], tier: 'none', offered: false };
    const timedOut = await companion.secondLook(details({ url: 'https://mail.example.test:1/' }), none);
    assert.equal(timedOut.offered, true, JSON.stringify(timedOut));
    assert.match(timedOut.companionError, /timeout/);
    const refused = await companion.secondLook(details({ url: 'https://mail.example.test:2/' }), none);
    assert.equal(refused.offered, false);
  });

  it('the address comes from onResponseStarted when the event that decides has none', async () => {
    let asked = null;
    installFake((m) => {
      if (m.type === 'check') asked = m;
      return m.type === 'hello' ? { ok: true } : { ok: true, chain: [b64(LEAF)] };
    });
    const companion = await load();
    const d = details({ ip: undefined, requestId: 'late' });
    setTimeout(() => companion.noteAddress({ requestId: 'late', ip: '192.0.2.7' }), 30);
    const got = await companion.secondLook(d, { chain: [], tier: 'none', offered: false });
    assert.equal(asked?.ip, '192.0.2.7');
    assert.equal(asked?.port, 8443);
    assert.deepEqual(got.chain, [LEAF]);
    // No address at all: said so, nothing asked.
    const none = await companion.secondLook(details({ ip: undefined, requestId: 'never' }), { chain: [], tier: 'none', offered: false });
    assert.match(none.companionError, /no address/);
  });
});
