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
