// A channel's binding as policy or the user configures it (background/policy.js cleanChannel): the name its
// lists must be signed for (its URL unless another is named) and whether unbound lists pass.
import { test } from 'node:test';
import assert from 'node:assert/strict';

// policy.js reads the manifest at load: a stub with no permissions.
globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { cleanChannel } = await import('../../extension/background/policy.js');

const base = { url: 'https://u.example/list.json', keys: ['pinwatch-ed25519:k1'] };

test('a channel is bound to its URL, and refuses unbound lists, unless configured otherwise', () => {
  const { channel } = cleanChannel(base);
  assert.equal(channel.binding, 'https://u.example/list.json');
  assert.equal(channel.allowUnboundLists, false);
  const mirror = cleanChannel({ ...base, binding: 'team-a lists', allowUnboundLists: true }).channel;
  assert.equal(mirror.binding, 'team-a lists');
  assert.equal(mirror.allowUnboundLists, true);
});

test('a binding that cannot be a channel name, or a non-boolean allowUnboundLists, is refused with a reason', () => {
  for (const binding of ['', 7, 'a\nb', 'x'.repeat(2049)]) {
    assert.match(cleanChannel({ ...base, binding }).error, /binding must be/, JSON.stringify(binding));
  }
  assert.match(cleanChannel({ ...base, allowUnboundLists: 'yes' }).error, /allowUnboundLists must be true or false/);
});

// The WASM door: acceptList takes the channel, and a call without one is refused, never accepted
// unchecked (the extension's only caller passes it; the rules are the core's, tested natively).
const { createRequire } = await import('node:module');
const { listsModule } = await import('../wasm/lists-module.mjs');
const core = await listsModule();

test('acceptList needs the channel it is fetched for', { skip: !core && 'target/pkg-web-lists is not built' }, () => {
  const { generateKeyPairSync } = createRequire(import.meta.url)('node:crypto');
  const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
  const trust = { keys: [`pinwatch-ed25519:${key}`], threshold: 1, sequence: 0 };
  const bytes = new TextEncoder().encode('{}');
  assert.throws(() => core.acceptList(bytes, trust, undefined, 1), /channel: invalid type: null/);
  assert.throws(() => core.acceptList(bytes, trust, { name: '' }, 1), /channel/);
  const r = core.acceptList(bytes, trust, { name: 'https://u.example/list.json' }, 1);
  assert.equal(r.accepted, false);
  assert.equal(r.code, 'not-an-envelope');
});
