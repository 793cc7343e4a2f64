// What each assembled build asks for: permissions are the one thing a person sees at install.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { assemble, BROWSERS } from '../../extension/tools/assemble.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const built = ['pkg-web', 'pkg-web-cold', 'pkg-web-lists', 'pkg-web-signatures'].every((p) => existsSync(join(ROOT, 'target', p, 'pinwatch_bg.wasm')));

/** The signed-list module's entry points (crate/wasm-lists): none of them is asked at a wake. */
const LIST_MODULE_EXPORTS = ['acceptList', 'readPayload', 'checkExtraEntries', 'parsePublicKey'];
/** Entry points no part of the extension asks: in no shipped module (`certFacts` stays in the node package, for benchmarks and the fuzzer). */
const SHIPPED_NOWHERE = ['keyId', 'certFacts'];

function manifestOf(browser) {
  const out = assemble({ root: ROOT, browser, out: join(mkdtempSync(join(tmpdir(), 'pinwatch-build-')), browser) });
  return JSON.parse(readFileSync(join(out, 'manifest.json'), 'utf8'));
}

test('only the full-chain Chromium build asks for the debugger', { skip: !built && 'no WASM package: run ./build.sh' }, () => {
  const m = Object.fromEntries(BROWSERS.map((b) => [b, manifestOf(b)]));
  assert.ok(!m.firefox.permissions.includes('debugger'));
  assert.ok(!m.chromium.permissions.includes('debugger'));
  assert.ok(m['chromium-full-chain'].permissions.includes('debugger'));
  // The companion's channel (companion.js): Chromium only; Firefox reads full chains itself.
  assert.ok(!m.firefox.permissions.includes('nativeMessaging'));
  assert.ok(m.chromium.permissions.includes('nativeMessaging'));
  const { debugger: _, ...rest } = Object.fromEntries(m['chromium-full-chain'].permissions.map((p) => [p, true]));
  assert.deepEqual(Object.keys(rest).sort(), [...m.chromium.permissions].sort(), 'the full-chain build differs by the debugger alone');
  for (const b of BROWSERS) {
    assert.ok(!m[b].permissions.includes('<all_urls>'), `${b}: no <all_urls>`);
    assert.ok(!JSON.stringify(m[b].web_accessible_resources ?? []).includes('warning.html'), `${b}: the warning page is not web-accessible`);
  }
});

test('host permissions: https, wss and http everywhere; ws only where plain WebSockets can always be refused (Firefox)', { skip: !built && 'no WASM package: run ./build.sh' }, () => {
  const m = Object.fromEntries(BROWSERS.map((b) => [b, manifestOf(b)]));
  assert.deepEqual([...m.firefox.host_permissions].sort(), ['http://*/*', 'https://*/*', 'ws://*/*', 'wss://*/*']);
  assert.ok(m.firefox.permissions.includes('webRequestBlocking'));
  for (const b of ['chromium', 'chromium-full-chain']) {
    // http: CA certificates fetched to complete leaf-only chains (aia.js).
    assert.deepEqual([...m[b].host_permissions].sort(), ['http://*/*', 'https://*/*', 'wss://*/*'], b);
    // Declared for force-installed fleets, whom Chromium grants it; ws stays out: plain
    // WebSockets are refused only where blocking always works (Firefox).
    assert.ok(m[b].permissions.includes('webRequestBlocking'), `${b}: blocking where policy installs it`);
  }
});

test('the cold module ships in wasm/cold/ and only the options page imports it, never the background', { skip: !built && 'no WASM package: run ./build.sh' }, () => {
  const out = assemble({ root: ROOT, browser: 'firefox', out: join(mkdtempSync(join(tmpdir(), 'pinwatch-build-')), 'firefox') });
  for (const f of ['pinwatch.js', 'pinwatch_bg.wasm']) assert.ok(existsSync(join(out, 'wasm', 'cold', f)), `wasm/cold/${f}`);
  assert.notEqual(statSync(join(out, 'wasm', 'cold', 'pinwatch_bg.wasm')).size, statSync(join(out, 'wasm', 'pinwatch_bg.wasm')).size, 'the cold module is its own build');
  const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  const importers = walk(out).filter((f) => f.endsWith('.js') && !f.includes(join('wasm', 'cold')))
    .filter((f) => readFileSync(f, 'utf8').includes('wasm/cold/')).map((f) => relative(out, f));
  assert.deepEqual(importers, [join('pages', 'options-cookie-scope.js')]);
});

test('the signed-list module ships in wasm/lists/, only background/lists-wasm.js loads it, and the per-response module no longer has its entry points', { skip: !built && 'no WASM package: run ./build.sh' }, () => {
  const out = assemble({ root: ROOT, browser: 'chromium', out: join(mkdtempSync(join(tmpdir(), 'pinwatch-build-')), 'chromium') });
  for (const f of ['pinwatch.js', 'pinwatch_bg.wasm']) assert.ok(existsSync(join(out, 'wasm', 'lists', f)), `wasm/lists/${f}`);
  const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  const importers = walk(out).filter((f) => f.endsWith('.js') && !f.includes(join('wasm', 'lists')))
    .filter((f) => readFileSync(f, 'utf8').includes('wasm/lists/')).map((f) => relative(out, f));
  assert.deepEqual(importers, [join('background', 'lists-wasm.js')]);
  const hot = readFileSync(join(out, 'wasm', 'pinwatch.js'), 'utf8');
  const lists = readFileSync(join(out, 'wasm', 'lists', 'pinwatch.js'), 'utf8');
  // What only a list's arrival or the options page's save needs: in the list module, not in every wake's.
  for (const name of LIST_MODULE_EXPORTS) {
    assert.ok(!new RegExp(`export function ${name}\\b`).test(hot), `${name} is not in the per-response module`);
    assert.match(lists, new RegExp(`export function ${name}\\b`), `${name} is in the list module`);
  }
  for (const name of SHIPPED_NOWHERE) {
    for (const [which, glue] of [['per-response', hot], ['list', lists]]) {
      assert.ok(!new RegExp(`export function ${name}\\b`).test(glue), `${name} is not in the ${which} module`);
    }
  }
  // The module every wake loads still has what each wake asks of it (not an empty file passing the checks above).
  for (const name of ['decide', 'sameSigners', 'spkiPin']) assert.match(hot, new RegExp(`export function ${name}\\b`), name);
  assert.match(hot, /export class Engine\b/);
});

test('the signature module ships in wasm/signatures/, only background/signatures-wasm.js loads it, and the per-response module carries no signature arithmetic', { skip: !built && 'no WASM package: run ./build.sh' }, () => {
  const out = assemble({ root: ROOT, browser: 'chromium', out: join(mkdtempSync(join(tmpdir(), 'pinwatch-build-')), 'chromium') });
  for (const f of ['pinwatch.js', 'pinwatch_bg.wasm']) assert.ok(existsSync(join(out, 'wasm', 'signatures', f)), `wasm/signatures/${f}`);
  const walk = (dir) => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  const importers = walk(out).filter((f) => f.endsWith('.js') && !f.includes(join('wasm', 'signatures')))
    .filter((f) => readFileSync(f, 'utf8').includes('wasm/signatures/')).map((f) => relative(out, f));
  assert.deepEqual(importers, [join('background', 'signatures-wasm.js')]);
  assert.match(readFileSync(join(out, 'wasm', 'signatures', 'pinwatch.js'), 'utf8'), /export function verifySignatures/);
  // The P-256 generator's x, as the core's curve table (crypto/ec.rs) holds it: ECDSA's
  // arithmetic is in the signature module, and nowhere in the module every wake loads.
  const p256 = Buffer.from('6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296');
  assert.ok(readFileSync(join(out, 'wasm', 'signatures', 'pinwatch_bg.wasm')).includes(p256), 'the signature module has ECDSA');
  assert.ok(!readFileSync(join(out, 'wasm', 'pinwatch_bg.wasm')).includes(p256), 'the per-response module has no ECDSA');
});
