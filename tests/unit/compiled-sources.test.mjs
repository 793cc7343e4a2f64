// The engine's sources compiled by the signed-list module and decoded by the module every wake
// loads (crate/core/src/list/compiled.rs), through the shipped web builds as the background
// calls them: the engine from the compiled form is the node package's engine from the same
// sources, and a form is refused for any other sources, so a stale one can never be used.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { listsModule } from '../wasm/lists-module.mjs';

const ROOT = join(import.meta.dirname, '..', '..');
const WEB = join(ROOT, 'target', 'pkg-web');
const NODE_PKG = join(ROOT, 'target', 'pkg-nodejs', 'pinwatch.js');

const lists = await listsModule();
const node = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;
let web = null;
if (existsSync(join(WEB, 'pinwatch_bg.wasm'))) {
  web = await import(pathToFileURL(join(WEB, 'pinwatch.js')).href);
  await web.default({ module_or_path: readFileSync(join(WEB, 'pinwatch_bg.wasm')) });
}
const skip = (!lists || !node || !web) && 'run ./build.sh: the web, list and node packages';

const PIN = 'r/mIkG3eEpVdm+u/ko/cwxzOMo1bk4TyHIlByibiA5E=';
const bundled = readFileSync(join(ROOT, 'extension', 'lists', 'default.json'), 'utf8');

/** Sources as settings.js hands them over: the bundled list, the user's entries (one refused), policy's. */
function sources(userEntries) {
  return [
    { origin: 'bundled', kind: 'bundled', payload: bundled },
    { origin: 'user', kind: 'user', extraEntries: userEntries },
    { origin: 'policy', kind: 'policy', extraEntries: [{ host: 'sso.corp.test', pins: [PIN], mode: 'enforce' }] },
  ];
}
const USER = [
  { host: 'intranet.corp.test', pins: [PIN], mode: 'enforce', includeSubdomains: true },
  { host: 'wiki.corp.test', badPins: [PIN] },
  { host: 'not a host', pins: [PIN] },
];
const SETTINGS = { allowedInterceptionSpkis: ['not a pin'] };

/** What an engine answers that a build, a popup and the options page read. */
function answers(engine) {
  return {
    standing: engine.standing(),
    pinned: engine.pinnedHosts(),
    status: engine.status(1_795_824_000),
    blockList: engine.hasBlockList(),
    modes: ['mail.google.com', 'intranet.corp.test', 'a.intranet.corp.test', 'sso.corp.test', 'x.wiki.corp.test', 'example.net']
      .map((h) => engine.modeFor(h) ?? null),
  };
}

test('an engine from the list module\'s compiled sources answers as the engine from the sources', { skip }, () => {
  const { compiled, problems } = lists.compileSources(sources(USER));
  const engine = web.Engine.fromCompiled(sources(USER), compiled, SETTINGS, []);
  assert.ok(engine, 'the per-wake module takes the form compiled for these sources');
  const direct = new node.Engine(sources(USER), SETTINGS, []);
  assert.deepEqual(answers(engine), answers(direct));
  // Reading's problems travel beside the form, the settings' come from the engine: together, the same list.
  assert.deepEqual([...problems, ...engine.problems()], direct.problems());
  assert.deepEqual(problems.map((p) => [p.origin, p.code]), [['user', 'entry-bad-host']]);
  assert.equal(answers(engine).modes[1], 'enforce', 'the user\'s entry is in force');
});

test('a compiled form is refused for any other sources, and what is not a form is refused', { skip }, () => {
  const { compiled } = lists.compileSources(sources(USER));
  const others = [
    sources(USER.slice(0, 2)),
    sources([{ ...USER[0], mode: 'warn' }, ...USER.slice(1)]),
    sources(USER).slice(0, 2),
    sources(USER).map((s) => (s.origin === 'bundled' ? { ...s, payload: `${s.payload} ` } : s)),
    sources(USER).map((s) => (s.origin === 'policy' ? { ...s, scope: ['corp.test'] } : s)),
  ];
  for (const other of others) assert.equal(web.Engine.fromCompiled(other, compiled, SETTINGS, []), undefined);
  for (const junk of ['', 'not base64!', Buffer.from('PWc\x01').toString('base64'), compiled.slice(0, -8)]) {
    assert.equal(web.Engine.fromCompiled(sources(USER), junk, SETTINGS, []), undefined, JSON.stringify(junk.slice(0, 20)));
  }
  // Settings are applied at every build, not compiled: the same form under another mode.
  const warning = web.Engine.fromCompiled(sources(USER), compiled, { userMode: 'warn' }, []);
  assert.equal(warning.modeFor('intranet.corp.test'), 'warn');
});

test('the module every wake loads cannot read a list\'s JSON: only the signed-list module can', { skip }, () => {
  // The payload reader's struct names, as its errors name them (list/json_read.rs).
  const reader = Buffer.from('BlockListSpec');
  assert.ok(!readFileSync(join(WEB, 'pinwatch_bg.wasm')).includes(reader), 'no payload reader in the per-wake module');
  assert.ok(readFileSync(join(ROOT, 'target', 'pkg-web-lists', 'pinwatch_bg.wasm')).includes(reader), 'the list module reads payloads');
  assert.ok(!/constructor\(/.test(readFileSync(join(WEB, 'pinwatch.js'), 'utf8').split('export class Engine')[1].split('export class')[0]),
    'the shipped Engine has no constructor from sources');
});
