// added-roots.js: the roots the companion's hello names, as each page's judge gets them. Which
// roots count is the core's (crate/core/tests/local_root_added.rs), here a fake engine that
// counts its calls; the companion is a fake native-messaging port. The real parts together:
// tests/e2e/added-roots.test.mjs.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

let respond = () => null;
const runtime = {
  lastError: undefined,
  hellos: 0,
  getManifest: () => ({ permissions: ['nativeMessaging'] }),
  getURL: (path) => `chrome-extension://test/${path}`,
  connectNative() {
    const listeners = { message: [], disconnect: [] };
    return {
      onMessage: { addListener: (f) => listeners.message.push(f) },
      onDisconnect: { addListener: (f) => listeners.disconnect.push(f) },
      postMessage(message) {
        if (message.type === 'hello') runtime.hellos += 1;
        setTimeout(() => {
          const reply = respond(message);
          if (reply) for (const f of listeners.message) f({ id: message.id, ...reply });
        }, 20);
      },
    };
  },
};
globalThis.chrome = { runtime, webRequest: {}, storage: {}, permissions: {} };

const { forPage } = await import('../../extension/background/added-roots.js');

const ROWS = [{ store: 'nss', subject: 'CN=Inspect', spkiSha256: 'x' }];
const ROOT = { pin: 'x', subject: 'CN=Inspect', store: 'nss' };
const page = (extra = {}) => ({ url: 'https://news.other.test/', type: 'main_frame', ...extra });
const PINNED = { scope: 'pinned' };

/** A fake engine: `answer(rows)` is what the core says (or throws); calls are counted. */
function engineCtx(answer, { pinned = [] } = {}) {
  const engine = {
    asked: 0,
    isPinned: (host) => pinned.includes(host),
    addedRoots(rows) {
      engine.asked += 1;
      return answer(rows);
    },
  };
  return { engine };
}

describe('added-roots.js', () => {
  it('a held page before the hello answered is not delayed; after it, the core\'s roots, asked once per engine', async () => {
    respond = (m) => (m.type === 'hello' ? { ok: true, version: 't', localRoots: ROWS } : null);
    const ctx = engineCtx((rows) => ({ roots: rows === ROWS ? [ROOT] : [], leftOut: 0 }));
    assert.deepEqual(await forPage(ctx, page(), { held: true, scope: 'pinned' }), [], 'not waited for');
    assert.equal(runtime.hellos, 1, 'but the hello was asked');
    assert.deepEqual(await forPage(ctx, page(), PINNED), [ROOT]);
    assert.deepEqual(await forPage(ctx, page({ url: 'https://b.other.test/' }), PINNED), [ROOT]);
    assert.equal(ctx.engine.asked, 1, 'kept for the wake');
    assert.equal(runtime.hellos, 1, 'one hello per wake');
    const renewed = engineCtx(() => ({ roots: [], leftOut: 0 }));
    assert.deepEqual(await forPage(renewed, page(), PINNED), [], 'a new engine (a root marked known) asks again');
    assert.equal(renewed.engine.asked, 1);
  });

  it('frames, pinned hosts and a companion turned off get nothing, without asking the core', async () => {
    const ctx = engineCtx(() => ({ roots: [ROOT], leftOut: 0 }), { pinned: ['mail.example.test'] });
    assert.deepEqual(await forPage(ctx, page({ type: 'sub_frame' }), PINNED), []);
    assert.deepEqual(await forPage(ctx, page({ url: 'https://mail.example.test/' }), PINNED), []);
    const off = engineCtx(() => ({ roots: [ROOT], leftOut: 0 }));
    assert.deepEqual(await forPage(off, page(), { scope: 'off' }), []);
    assert.equal(ctx.engine.asked + off.engine.asked, 0);
  });

  it('a list the core refuses names nothing, and never throws', async () => {
    const ctx = engineCtx(() => { throw new Error('localRoots is not a list'); });
    const warn = console.warn;
    const warned = [];
    console.warn = (...a) => warned.push(a.join(' '));
    try {
      assert.deepEqual(await forPage(ctx, page(), PINNED), []);
    } finally {
      console.warn = warn;
    }
    assert.match(warned.join('\n'), /refused: localRoots is not a list/);
  });
});
