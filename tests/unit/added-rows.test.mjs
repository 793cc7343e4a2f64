// The companion's `localRoots` rows as the shipped per-wake module reads them (`addedRoots`): read
// from the objects themselves, field by field, with what the core makes of each odd row, as the
// JSON reading did before the per-wake module lost its JSON reader.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listsModule } from '../wasm/lists-module.mjs';

const WEB = join(import.meta.dirname, '..', '..', 'target', 'pkg-web');
const lists = await listsModule();
let web = null;
if (existsSync(join(WEB, 'pinwatch_bg.wasm'))) {
  web = await import(pathToFileURL(join(WEB, 'pinwatch.js')).href);
  await web.default({ module_or_path: readFileSync(join(WEB, 'pinwatch_bg.wasm')) });
}
const skip = (!lists || !web) && 'run ./build.sh: the web and list packages';

const PIN = 'r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=';

function engine() {
  const { compiled } = lists.compileSources([]);
  return web.Engine.fromCompiled([], compiled, {}, []);
}

test('odd rows are left out and named, a root\'s text is cleaned, a pin counts once', { skip }, () => {
  const rows = [
    5, null, [PIN], 'a string',
    {},
    { error: null },
    { error: 'EACCES', spkiSha256: 7 },
    { spkiSha256: 'not a pin' },
    { spkiSha256: PIN, subject: 'CN=\u0007Evil\nRoot', store: 42 },
    { spkiSha256: PIN, subject: 'again' },
    { spkiSha256: undefined, error: undefined },
  ];
  const got = engine().addedRoots(rows);
  assert.deepEqual(got.roots, [{ pin: PIN, subject: 'CN=EvilRoot', store: '' }]);
  assert.deepEqual(got.problems.map((p) => [p.row, p.code]), [
    [0, 'not-an-object'], [1, 'not-an-object'], [2, 'not-an-object'], [3, 'not-an-object'],
    [4, 'no-pin'], [5, 'unread-by-companion'], [6, 'unread-by-companion'], [7, 'pin-unreadable'],
  ]);
  assert.equal(got.leftOut, 9, 'the ninth left out (a key whose value is undefined is absent) is counted, not named');
  assert.equal(got.declared, 0);
});

test('a list that is not one, or longer than a store holds, is refused whole', { skip }, () => {
  const e = engine();
  assert.throws(() => e.addedRoots({ length: 1, 0: { spkiSha256: PIN } }), /not a list/);
  assert.throws(() => e.addedRoots('[]'), /not a list/);
  assert.throws(() => e.addedRoots(Array.from({ length: 4097 }, () => ({}))), /4097 roots/);
  assert.deepEqual(e.addedRoots(undefined).roots, []);
});
