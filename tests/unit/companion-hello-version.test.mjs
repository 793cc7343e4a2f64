// companion.js tells a companion that speaks with a Chromium ClientHello (its `hello` reply says
// `clientHello`) this browser's major version, so that the look's hello is that version's
// (docs/companion.md, "The look's ClientHello"); an older companion, which refuses unknown fields,
// is not told.
//   node --test tests/unit/companion-hello-version.test.mjs

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

Object.defineProperty(globalThis, 'navigator', {
  value: { userAgent: 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.7718.2 Safari/537.36' },
  configurable: true,
});

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

const b64 = (bytes) => Buffer.from(bytes).toString('base64');
const details = () => ({ requestId: `r${fresh}`, url: 'https://mail.example.test:8443/x', ip: '127.0.0.1' });

describe('companion.js names the browser version to a companion that uses it', () => {
  it('the major version is read from the user agent', async () => {
    const { chromiumMajor } = await load();
    assert.equal(chromiumMajor(), 156);
    assert.equal(chromiumMajor('Mozilla/5.0 … Chromium/131.0.1.2 Chrome/131.0.1.2 Safari/537.36'), 131);
    assert.equal(chromiumMajor('Mozilla/5.0 (X11; Linux x86_64; rv:153.0) Gecko/20100101 Firefox/153.0'), null);
    assert.equal(chromiumMajor(''), null);
  });

  for (const [what, hello, want] of [
    ['a companion with a Chromium hello is told 156', { ok: true, clientHello: { chromium: 156 } }, 156],
    ['an older companion is not told (it refuses unknown fields)', { ok: true }, undefined],
  ]) {
    it(what, async () => {
      let asked = null;
      installFake((m) => {
        if (m.type === 'check') asked = m;
        return m.type === 'hello' ? hello : { ok: true, chain: [b64([0x30, 0])] };
      });
      const companion = await load();
      await companion.look(details());
      assert.ok(asked, 'a check was asked');
      assert.equal(asked.chromium, want);
    });
  }
});
