// The words the extension shares with the core (statuses, modes, match kinds, source kinds,
// rejection codes) are written once, in the core's enums, and reach the extension as one
// generated module, extension/vocabulary.js (extension/tools/vocabulary.mjs). These tests fail
// when that file and the core disagree, and when a table of the extension keyed by one of those
// lists lacks a value of it: a status added in Rust without its badge fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// compat.js reads the manifest and the extension's own URL at load; nothing else is touched.
globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };

const ROOT = join(import.meta.dirname, '..', '..');
const tool = await import('../../extension/tools/vocabulary.mjs');
const vocab = await import('../../extension/shared/vocabulary.js');
const { BADGES } = await import('../../extension/shared/actions.js');
const { ERROR_STATUS, SEVERITY } = await import('../../extension/shared/verdicts.js');
const { MATCH_MARKS, MODE_WORDS } = await import('../../extension/pages/ui.js');

const haveNodePkg = existsSync(join(ROOT, 'target', 'pkg-nodejs', 'pinwatch.js'));
const needsCore = { skip: !haveNodePkg && 'target/pkg-nodejs is not built' };

const sorted = (values) => [...values].sort();

test('extension/shared/vocabulary.js is exactly what the tool renders from the core', needsCore, () => {
  const committed = readFileSync(join(ROOT, tool.OUTPUT), 'utf8');
  const rendered = tool.render(tool.readVocabulary(ROOT));
  assert.equal(committed, rendered,
    `${tool.OUTPUT} differs from the core's vocabulary(): run node extension/tools/vocabulary.mjs . (./build.sh does)`);
});

test('the generated module exports every list of the core, in its order, frozen', needsCore, () => {
  const words = tool.readVocabulary(ROOT);
  const lists = Object.keys(words).filter((k) => k !== tool.REASONS_KEY && k !== tool.PROBLEMS_KEY);
  assert.deepEqual(sorted(lists), sorted(Object.keys(tool.LISTS)), 'every list the core returns has names in the tool');
  for (const [key, { object, array }] of Object.entries(tool.LISTS)) {
    assert.deepEqual(vocab[array], words[key], `${array} = vocabulary().${key}`);
    assert.deepEqual(Object.values(vocab[object]), words[key], `${object} has one name per word, in order`);
    for (const word of words[key]) assert.equal(vocab[object][tool.camelName(word)], word);
    assert.ok(Object.isFrozen(vocab[array]) && Object.isFrozen(vocab[object]), `${object} and ${array} are frozen`);
  }
  assert.deepEqual(vocab.MODES, [vocab.MODE.report, vocab.MODE.warn, vocab.MODE.enforce], 'modes weakest first');
  assert.equal(vocab.STATUS.allowedInterception, 'allowed-interception');
});

test('render refuses a list it has no names for, and a word that gives no name', () => {
  const words = Object.fromEntries(Object.keys(tool.LISTS).map((k) => [k, ['a-b']]));
  words.reasons = [{ code: 'a-b', english: 'A {host}.', params: ['host'] }];
  words.problems = [{ code: 'c-d', english: 'C {key}.', params: ['key'] }];
  assert.match(tool.render(words), /export const STATUS = Object\.freeze\(\{\n {2}aB: 'a-b',\n\}\);/);
  assert.throws(() => tool.render({ ...words, colours: ['red'] }), /colours/);
  assert.throws(() => tool.render({ ...words, modes: ["it's"] }), /no usable name/);
  assert.throws(() => tool.render({ ...words, modes: ['a-b', 'a-b'] }), /twice/);
  const { modes: _modes, ...withoutModes } = words;
  assert.throws(() => tool.render(withoutModes), /modes/);
});

test('Pinwatch\'s own "error" status is not one of the core\'s', () => {
  assert.equal(typeof ERROR_STATUS, 'string');
  assert.ok(!vocab.STATUSES.includes(ERROR_STATUS));
});

test('the badge table has text, colour and words for every status, and no other key', () => {
  assert.deepEqual(sorted(Object.keys(BADGES)), sorted([...vocab.STATUSES, ERROR_STATUS]));
  for (const [status, badge] of Object.entries(BADGES)) {
    assert.ok(badge.text && /^#[0-9a-f]{6}$/i.test(badge.color) && badge.words && badge.label, status);
  }
});

test('the severity order ranks every status once', () => {
  assert.deepEqual(sorted(SEVERITY), sorted([...vocab.STATUSES, ERROR_STATUS]));
});

test('every match kind marks its certificate with words and a tone', () => {
  assert.deepEqual(sorted(Object.keys(MATCH_MARKS)), sorted(vocab.MATCH_KINDS));
  for (const [kind, mark] of Object.entries(MATCH_MARKS)) {
    assert.ok(mark.words && ['good', 'bad', 'note'].includes(mark.tone), kind);
  }
});

test('every mode has words in the options page menu', () => {
  assert.deepEqual(Object.keys(MODE_WORDS), [...vocab.MODES], 'weakest first, as the menu lists them');
  for (const words of Object.values(MODE_WORDS)) assert.ok(words);
});

test('the managed schema (static JSON for Chromium) lists the modes of the core', () => {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
  const schema = JSON.parse(readFileSync(join(ROOT, 'extension', manifest.storage.managed_schema), 'utf8'));
  assert.deepEqual(schema.properties.mode.enum, [...vocab.MODES]);
  assert.deepEqual(schema.properties.extraEntries.items.properties.mode.enum, [...vocab.MODES]);
});
