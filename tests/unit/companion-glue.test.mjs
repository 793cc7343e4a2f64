// companion.js (the companion adapter) against a fake native-messaging port (a real companion is
// tested in tests/e2e/companion.test.mjs and crate/cli/tests/companion.rs): a missing host never
// throws and is said to be missing every time; every failure is passed on as its code; kept
// replies serve only when the judge allows. What a reply proves and what a failure means are the
// core's (crate/core/tests/judge.rs).

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
const load = () => import(`../../extension/background/companion.js?instance=${++fresh}`);

const LEAF = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x01]);
const OTHER_LEAF = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x02]);
const INTER = Uint8Array.from([0x30, 0x03, 0x02, 0x01, 0x03]);
const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const details = (extra = {}) => ({ requestId: `r${fresh}`, url: 'https://mail.example.test:8443/x', ip: '127.0.0.1', ...extra });

describe('companion.js', () => {
  it('a companion that is not installed: missing, every time, and never a throw', async () => {
    const runtime = installFake(() => ({ disconnect: 'Specified native messaging host not found.' }));
    const companion = await load();
    for (let i = 0; i < 3; i++) {
      const got = await companion.look(details());
      assert.deepEqual(got.answer, { failure: 'missing' }, JSON.stringify(got));
      assert.equal(companion.state.status, 'missing');
    }
    assert.equal(runtime.connects, 1, 'not started again within the back-off');
  });

  it('a reply is handed over as the judge takes it; a kept one serves only when the judge lets it', async () => {
    let checks = 0;
    installFake((m) => {
      if (m.type === 'check') checks += 1;
      return m.type === 'hello' ? { ok: true, version: 'test' } : { ok: true, chain: [b64(LEAF), b64(INTER)], verified: { anchor: null }, ms: 1.5 };
    });
    const companion = await load();
    const first = await companion.look(details());
    assert.deepEqual(first.answer, { chain: [b64(LEAF), b64(INTER)], verified: { anchor: null }, ms: 2, cached: false });
    const kept = await companion.look(details(), { fresh: false });
    assert.equal(kept.answer.cached, true, 'kept for the same host, port and address');
    assert.equal(checks, 1);
    const fresh = await companion.look(details(), { fresh: true });
    assert.equal(fresh.answer.cached, false, 'the judge asked for a fresh look: the companion connects again');
    assert.equal(checks, 2);
  });

  it('equal looks in flight share one connection', async () => {
    let checks = 0;
    installFake((m) => {
      if (m.type === 'check') checks += 1;
      return m.type === 'hello' ? { ok: true } : { ok: true, chain: [b64(OTHER_LEAF)] };
    });
    const companion = await load();
    const looks = await Promise.all([1, 2, 3, 4].map(() => companion.look(details())));
    assert.equal(checks, 1);
    for (const got of looks) assert.deepEqual(got.answer.chain, [b64(OTHER_LEAF)]);
  });

  it('every failure is passed on as its code (the core\'s table says what it means)', async () => {
    installFake((m) => (m.type === 'hello' ? { ok: true } : { ok: false, error: { code: m.port === 1 ? 'timeout' : 'busy', message: 'x' } }));
    const companion = await load();
    const timedOut = await companion.look(details({ url: 'https://mail.example.test:1/' }));
    assert.deepEqual(timedOut.answer, { failure: 'timeout' });
    assert.match(timedOut.note.error, /timeout/);
    const busy = await companion.look(details({ url: 'https://mail.example.test:2/' }));
    assert.deepEqual(busy.answer, { failure: 'busy' });
    installFake((m) => (m.type === 'hello' ? { ok: true } : { ok: false }));
    const odd = await (await load()).look(details());
    assert.deepEqual(odd.answer, { failure: 'bad-reply' });
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
    const got = await companion.look(d);
    assert.equal(asked?.ip, '192.0.2.7');
    assert.equal(asked?.port, 8443);
    assert.deepEqual(got.answer.chain, [b64(LEAF)]);
    // No address at all: said so, nothing asked.
    const none = await companion.look(details({ ip: undefined, requestId: 'never' }));
    assert.deepEqual(none.answer, { failure: 'no-address' });
  });
});
