// The judge's tables are the core's: docs/design.md prints them as the core renders them, and
// every failure code an adapter of the extension can send is one the core's table has a row for
// (an unknown code would be treated as an interception: a typo must fail here, not in a browser).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const haveNodePkg = existsSync(join(ROOT, 'target', 'pkg-nodejs', 'pinwatch.js'));
const needsCore = { skip: !haveNodePkg && 'target/pkg-nodejs is not built' };
const tool = await import('../../extension/tools/design-tables.mjs');
const vocab = await import('../../extension/shared/vocabulary.js');

test('docs/design.md prints the judge\'s tables exactly as the core renders them', needsCore, () => {
  const doc = readFileSync(join(ROOT, tool.DOC), 'utf8');
  assert.equal(doc, tool.apply(doc, tool.readTables(ROOT)), 'run node extension/tools/design-tables.mjs . (./build.sh does)');
});

test('the table has one row per code of each source, and each meaning is a word of the core', needsCore, () => {
  const { failures } = tool.readTables(ROOT);
  const lists = {
    capture: vocab.CAPTURE_FAILURES, companion: vocab.COMPANION_FAILURES, issuer: vocab.ISSUER_FAILURES, override: vocab.OVERRIDE_FAILURES,
    signatures: vocab.SIGNATURE_FAILURES,
  };
  assert.deepEqual(Object.keys(lists).sort(), [...vocab.FAILURE_SOURCES].sort());
  for (const [source, codes] of Object.entries(lists)) {
    assert.deepEqual(failures.filter((r) => r.source === source).map((r) => r.code), [...codes], source);
  }
  for (const row of failures) assert.ok(vocab.MEANINGS.includes(row.meaning), row.meaning);
});

test('every failure code an adapter sends is one of the core\'s', () => {
  const objects = {
    CAPTURE_FAILURE: vocab.CAPTURE_FAILURE, COMPANION_FAILURE: vocab.COMPANION_FAILURE, ISSUER_FAILURE: vocab.ISSUER_FAILURE, OVERRIDE_FAILURE: vocab.OVERRIDE_FAILURE,
    SIGNATURE_FAILURE: vocab.SIGNATURE_FAILURE,
  };
  const all = new Set([...vocab.CAPTURE_FAILURES, ...vocab.COMPANION_FAILURES, ...vocab.ISSUER_FAILURES, ...vocab.OVERRIDE_FAILURES,
    ...vocab.SIGNATURE_FAILURES]);
  let seen = 0;
  for (const file of readdirSync(join(ROOT, 'extension'), { recursive: true }).filter((f) => f.endsWith('.js') && !f.startsWith('tools'))) {
    const text = readFileSync(join(ROOT, 'extension', file), 'utf8');
    // Codes named through the generated words: each must exist there.
    for (const [, object, name] of text.matchAll(/\b(CAPTURE_FAILURE|COMPANION_FAILURE|ISSUER_FAILURE|OVERRIDE_FAILURE|SIGNATURE_FAILURE)\.([A-Za-z]+)/g)) {
      assert.ok(objects[object][name], `${file}: ${object}.${name} is not a code of the core`);
      seen += 1;
    }
    // Codes spelt as text beside `failure`: each must be one of the core's.
    for (const [, code] of text.matchAll(/failure:\s*'([a-z-]+)'/g)) {
      assert.ok(all.has(code), `${file}: failure '${code}' is not a code of the core`);
      seen += 1;
    }
    for (const [, code] of text.matchAll(/feedFailure\('([a-z-]+)'\)/g)) {
      assert.ok(all.has(code), `${file}: feedFailure('${code}') is not a code of the core`);
      seen += 1;
    }
  }
  assert.ok(seen >= 10, `the adapters were found (${seen} codes)`);
});
