// The WASM door's inputs (crate/wasm/src/inputs.rs): the extension's plain objects are read
// field by field, with the rules serde's types had: an unknown key is refused where the core's
// type refuses it, a missing or mistyped field is refused naming it, `undefined` counts as
// absent, and the objects the extension sends today are read as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { listsModule } from '../wasm/lists-module.mjs';

const NODE_PKG = join(import.meta.dirname, '..', '..', 'target', 'pkg-nodejs', 'pinwatch.js');
const core = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;
const skip = !core && 'target/pkg-nodejs is not built';
// List acceptance lives in the signed-list module (crate/wasm-lists), whose arguments cross as JSON.
const lists = await listsModule();

const PAYLOAD = JSON.stringify({
  version: 1, sequence: 1, issued_at: '2026-11-28T00:00:00Z', expires_at: '2027-02-06T00:00:00Z', publisher: 'test',
  pinsets: { p: { good: ['hxqRlPTu1bMS/0DITB1SSu0vd4u/8l8TjPgfaAp63Gc='] } },
  entries: [{ host: 'pinned.example', pinset: 'p', mode: 'enforce' }],
});
const START = { host: 'pinned.example', type: 'main_frame', held: true, canFetch: true, now: 1_796_000_000_000 };

/** A judge of a pinned host's page, past its start. */
function judge(extra = {}) {
  const engine = new core.Engine([{ origin: 'test', kind: 'bundled', payload: PAYLOAD }], {});
  return engine.judge({ ...START, ...extra });
}

test('a judge starts from the object the extension sends, and asks for the chain', { skip }, () => {
  const step = judge({ heldElsewhere: false, companion: 'pinned', read: true, unused: undefined }).step();
  assert.equal(step.need, 'chain');
});

test('start: an unknown key, a missing or mistyped field is refused, naming it', { skip }, () => {
  assert.throws(() => judge({ hold: true }), /start: unknown field `hold`/);
  assert.throws(() => judge({ host: undefined }), /start\.host: missing field/);
  assert.throws(() => judge({ now: 1.5 }), /start\.now: expected a whole number/);
  assert.throws(() => judge({ now: '1796000000000' }), /start\.now: expected a whole number/);
  assert.throws(() => judge({ held: 'yes' }), /start\.held: expected a boolean/);
  assert.throws(() => judge({ held: null }), /start\.held: expected a boolean/);
  assert.throws(() => judge({ companion: 'sometimes' }), /start\.companion: unknown variant `sometimes`, expected one of off, pinned, all/);
  const root = { pin: 'hxqRlPTu1bMS/0DITB1SSu0vd4u/8l8TjPgfaAp63Gc=', subject: 'CN=Proxy', store: 'nss' };
  assert.equal(judge({ addedRoots: [root] }).step().need, 'chain');
  assert.throws(() => judge({ addedRoots: [{ ...root, trusted: true }] }), /start\.addedRoots\[\]: unknown field `trusted`/);
  assert.throws(() => judge({ addedRoots: [{ pin: root.pin }] }), /start\.addedRoots\[\]\.subject: missing field/);
  assert.throws(() => judge({ addedRoots: root }), /start\.addedRoots: expected an array/);
  const engine = new core.Engine([], {});
  assert.throws(() => engine.judge('pinned.example'), /start: expected an object/);
  assert.throws(() => engine.judge([START]), /start: expected an object/);
});

test('capture: the fields the capture adapters send are read; an unknown key is refused', { skip }, () => {
  const step = judge().feedChain({ tier: 'security-info', state: 'secure', digests: null, builtInRoot: true, untrusted: false }, []);
  assert.ok('need' in step);
  assert.throws(() => judge().feedChain({ tier: 'security-info', chain: [] }, []), /capture: unknown field `chain`/);
  assert.throws(() => judge().feedChain({ builtInRoot: 'true' }, []), /capture\.builtInRoot: expected a boolean/);
});

test('companion answer: keys the core does not read are ignored (the companion may say more)', { skip }, () => {
  const j = judge({ companion: 'all' });
  j.feedChain({ failure: 'no-security-info' }, []);
  const step = j.feedCompanion({ chain: [], verified: { anchor: null, error: 'x' }, ms: 3, cached: false, more: [1] });
  assert.ok('need' in step);
  assert.throws(() => judge().feedCompanion({ ms: -1 }), /answer\.ms: expected a whole number ≥ 0/);
  assert.throws(() => judge().feedCompanion({ chain: 'AAAA' }), /answer\.chain: expected an array of strings/);
  assert.throws(() => judge().feedCompanion({ verified: { anchor: 7 } }), /answer\.verified\.anchor: expected a string/);
});

test('decide: the situation is read strictly', { skip }, () => {
  const d = core.decide({ status: 'mismatch', mode: 'enforce', chainOffered: true, overridden: false, allowOverride: true });
  assert.equal(d.act, 'stop');
  assert.notEqual(core.decide({ status: 'mismatch', mode: 'enforce', chainOffered: true, overridden: true, allowOverride: true }).act, 'stop');
  assert.deepEqual(core.decide(undefined), core.decide({}));
  assert.throws(() => core.decide({ status: 'mismatch', why: 1 }), /situation: unknown field `why`/);
  assert.throws(() => core.decide({ status: 'bad' }), /situation\.status: unknown variant `bad`, expected one of /);
  assert.throws(() => core.decide({ failure: 'gone' }), /situation\.failure: unknown variant `gone`, expected one of /);
  assert.throws(() => core.decide({ chainOffered: null }), /situation\.chainOffered: expected a boolean/);
  // mayWarn is read: a time-out where a verdict would warn is not only the error badge.
  assert.notDeepEqual(core.decide({ failure: 'timed-out', mode: 'report', mayWarn: true }), core.decide({ failure: 'timed-out', mode: 'report' }));
  assert.throws(() => core.decide({ mayWarn: 'yes' }), /situation\.mayWarn: expected a boolean/);
});

test('engine: sources are read strictly, settings ignore keys they do not name', { skip }, () => {
  const engine = new core.Engine(
    [{ origin: 'test', kind: 'bundled', payload: PAYLOAD }, { origin: 'user', kind: 'user', extraEntries: [{ host: 'x.example', pins: [] }] }],
    { policyMode: 'warn', userKnownRoots: [], localRootMode: 'ignored-here', other: 1 },
  );
  assert.equal(engine.modeFor('pinned.example'), 'warn');
  assert.throws(() => new core.Engine([{ origin: 'a', list: {} }], {}), /source: unknown field `list`/);
  assert.throws(() => new core.Engine([{ origin: 'a', kind: 'friend' }], {}), /source\.kind: unknown variant `friend`, expected one of/);
  assert.throws(() => new core.Engine({ origin: 'a' }, {}), /sources: expected an array/);
  assert.throws(() => new core.Engine([], { policyMode: 'block' }), /settings\.policyMode: unknown variant `block`, expected one of/);
  assert.throws(() => new core.Engine([], { userKnownRoots: 'AAAA' }), /settings\.userKnownRoots: expected an array of strings/);
  // Kept CA certificates that cannot be read are dropped, not fatal.
  assert.doesNotThrow(() => new core.Engine([], {}, [{ keyId: 1 }]));
});

test('list acceptance: trust and channel refuse unknown keys; sameSigners reads {keys, threshold}', { skip }, () => {
  const { generateKeyPairSync } = createRequire(import.meta.url)('node:crypto');
  const [a, b] = [0, 1].map(() => `pinwatch-ed25519:${generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`);
  const trust = { keys: [a], threshold: 1, sequence: 0 };
  const channel = { name: 'https://u.example/list.json' };
  const bytes = new TextEncoder().encode('{}');
  assert.ok(lists, 'target/pkg-web-lists is built');
  assert.throws(() => lists.acceptList(bytes, { ...trust, extra: 1 }, channel, 1), /trust: unknown field `extra`/);
  assert.throws(() => lists.acceptList(bytes, { ...trust, threshold: 0.5 }, channel, 1), /trust: invalid type: floating point `0.5`, expected u32/);
  assert.throws(() => lists.acceptList(bytes, trust, { ...channel, pinned: true }, 1), /channel: unknown field `pinned`/);
  assert.throws(() => lists.acceptList(bytes, trust, { ...channel, allowUnbound: 1 }, 1), /channel: invalid type: integer `1`, expected a boolean/);
  assert.equal(lists.acceptList(bytes, trust, { ...channel, allowUnbound: true }, 1).code, 'not-an-envelope');
  assert.equal(core.sameSigners({ keys: [b, a], threshold: 1, url: 'x' }, { keys: [a, b], threshold: 1 }), true);
  assert.equal(core.sameSigners({ keys: [a, b], threshold: 1 }, { keys: [a, b], threshold: 2 }), false);
  assert.equal(core.sameSigners({ keys: [a], threshold: '1' }, { keys: [a], threshold: '1' }), false);
  assert.equal(core.sameSigners(undefined, undefined), false);
});

test('extra entries are checked as JSON, each on its own (in the signed-list module)', { skip: !lists && 'target/pkg-web-lists is not built' }, () => {
  const { entries, errors } = lists.checkExtraEntries([{ host: 'A.example', pins: ['AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA='] }, { host: 7 }]);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].host, 'a.example');
  assert.equal(errors.length, 1);
  assert.throws(() => lists.checkExtraEntries({ host: 'a.example' }), /extra entries: expected an array/);
});

test('a pasted channel key is read in the signed-list module: its id and canonical text, or the reason', { skip: !lists && 'target/pkg-web-lists is not built' }, () => {
  const { createHash, generateKeyPairSync } = createRequire(import.meta.url)('node:crypto');
  const text = `pinwatch-ed25519:${generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64')}`;
  assert.deepEqual(lists.parsePublicKey(`  ${text}\n`), { keyId: createHash('sha256').update(text).digest('hex'), publicKey: text });
  assert.throws(() => lists.parsePublicKey('pinwatch-ed25519:AAAA'), /decodes to 3 bytes, an Ed25519 key has 32/);
  assert.throws(() => lists.parsePublicKey(text.replace('pinwatch-ed25519:', 'ssh-ed25519 ')), /pinwatch-ed25519:/);
});
