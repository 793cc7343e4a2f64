// The managed schema and the example policy files in docs/policy/: the schema follows Chromium's
// rules for `storage.managed_schema`, names exactly the keys policy.js reads, and every example
// (Linux JSON, Windows .reg, macOS .mobileconfig, Firefox policies.json and managed-storage
// manifest) carries settings that policy.js accepts without a problem, and extra entries that the
// core (which checks each entry) accepts without a problem, for the right extension id.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { listsModule } from '../wasm/lists-module.mjs';

globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { cleanPolicy, POLICY_KEYS } = await import('../../extension/background/policy.js');
const { SOURCE_KIND } = await import('../../extension/shared/vocabulary.js');

const ROOT = resolve(import.meta.dirname, '..', '..');
const NODE_PKG = join(ROOT, 'target', 'pkg-nodejs', 'pinwatch.js');
const core = existsSync(NODE_PKG) ? createRequire(import.meta.url)(NODE_PKG) : null;
// The core checks extra entries in the signed-list module (crate/wasm-lists), as the options page's save does.
const lists = await listsModule();
const DOCS = join(ROOT, 'docs', 'policy');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const schema = JSON.parse(readFileSync(join(ROOT, 'extension', manifest.storage.managed_schema), 'utf8'));
const GECKO_ID = manifest.browser_specific_settings.gecko.id;
const CHROMIUM_ID = [...createHash('sha256').update(Buffer.from(manifest.key, 'base64')).digest('hex').slice(0, 32)]
  .map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');

const TYPES = new Set(['object', 'array', 'string', 'integer', 'number', 'boolean']);

/** Chromium's schema rules: every node typed; arrays have typed items; objects typed properties. */
function checkSchema(node, path, problems) {
  if (!node || !TYPES.has(node.type)) problems.push(`${path}: no valid type`);
  if (node.type === 'array') {
    if (!node.items) problems.push(`${path}: an array needs items`);
    else checkSchema(node.items, `${path}[]`, problems);
  }
  if (node.type === 'object') {
    if (!node.properties) problems.push(`${path}: an object needs properties`);
    for (const [k, v] of Object.entries(node.properties ?? {})) checkSchema(v, `${path}.${k}`, problems);
  }
  if (node.enum && !node.enum.every((e) => typeof e === (node.type === 'integer' ? 'number' : node.type))) problems.push(`${path}: enum of another type`);
  return problems;
}

/**
 * policy.js takes every key without a problem; the core takes every extra entry (it is the one
 * that checks them), as the engine gets them: each one used, no problem named.
 */
function assertClean(t, settings, where) {
  const policy = cleanPolicy(settings);
  assert.deepEqual(policy.problems, [], `${where}: ${JSON.stringify(policy.problems)}`);
  assert.deepEqual([...policy.managed].sort(), Object.keys(settings).sort(), `${where}: every key is taken`);
  if (!policy.extraEntries.length) return policy;
  if (!core || !lists) {
    t.diagnostic(`${where}: target/pkg-nodejs or target/pkg-web-lists is not built; its extra entries were not checked by the core`);
    return policy;
  }
  const checked = lists.checkExtraEntries(policy.extraEntries);
  assert.deepEqual(checked.errors, [], `${where}: extra entries`);
  assert.equal(checked.entries.length, policy.extraEntries.length, `${where}: every extra entry is taken`);
  const engine = new core.Engine([{ origin: SOURCE_KIND.policy, kind: SOURCE_KIND.policy, extraEntries: policy.extraEntries }],
    { allowedInterceptionSpkis: policy.allowedInterceptionSpkis, policyMode: policy.mode });
  try {
    assert.deepEqual(engine.problems(), [], `${where}: the engine built from its extra entries`);
    for (const e of checked.entries) assert.ok(engine.isPinned(e.host), `${where}: ${e.host} is pinned`);
  } finally {
    engine.free();
  }
  return policy;
}

test('the schema: Chromium rules, and exactly the keys policy.js reads', () => {
  assert.equal(schema.type, 'object');
  assert.deepEqual(checkSchema(schema, '$', []), []);
  assert.deepEqual(Object.keys(schema.properties).sort(), [...POLICY_KEYS].sort());
  for (const required of ['mode', 'channels', 'allowedInterceptionSpkis', 'reportEndpoint', 'allowUserOverride', 'extraEntries', 'debuggerCapture']) {
    assert.ok(schema.properties[required], required);
  }
  assert.deepEqual(Object.keys(schema.properties.channels.items.properties).sort(), ['allowUnboundLists', 'binding', 'keys', 'name', 'scope', 'threshold', 'url']);
});

test('Chromium on Linux: force-install and settings for the id the manifest key gives', (t) => {
  const doc = JSON.parse(readFileSync(join(DOCS, 'chromium-linux.json'), 'utf8'));
  assert.equal(doc.ExtensionSettings[CHROMIUM_ID].installation_mode, 'force_installed');
  const settings = doc['3rdparty'].extensions[CHROMIUM_ID];
  assert.deepEqual(Object.keys(settings).sort(), [...POLICY_KEYS].sort(), 'the example shows every key');
  const policy = assertClean(t, settings, 'chromium-linux.json');
  assert.equal(policy.channels[1].scope[0], 'partner.example');
});

test('Firefox: policies.json (3rdparty.Extensions, force_installed) and the managed-storage manifest', (t) => {
  const doc = JSON.parse(readFileSync(join(DOCS, 'firefox-policies.json'), 'utf8')).policies;
  assert.equal(doc.ExtensionSettings[GECKO_ID].installation_mode, 'force_installed');
  assert.match(doc.ExtensionSettings[GECKO_ID].install_url, /^https:\/\/.+\.xpi$/);
  assertClean(t, doc['3rdparty'].Extensions[GECKO_ID], 'firefox-policies.json');
  const native = JSON.parse(readFileSync(join(DOCS, 'firefox-managed-storage.json'), 'utf8'));
  assert.equal(native.name, GECKO_ID);
  assert.equal(native.type, 'storage');
  assertClean(t, native.data, 'firefox-managed-storage.json');
});

/**
 * Reads a .reg file the way Chromium's registry policy loader maps it with the schema: a key is
 * an object, a key whose entries are named 1, 2, … is a list, REG_DWORD is an integer or a
 * boolean as the schema says, REG_SZ a string.
 */
function readReg(text) {
  const tree = {};
  let node = null;
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith(';') || line.startsWith('Windows Registry Editor')) continue;
    const key = line.match(/^\[(.+)\]$/);
    if (key) {
      node = key[1].split('\\').reduce((n, part) => (n[part] ??= {}), tree);
      continue;
    }
    const value = line.match(/^"((?:[^"\\]|\\.)*)"=(?:"((?:[^"\\]|\\.)*)"|dword:([0-9a-f]{8}))$/i);
    assert.ok(value && node, `cannot read: ${line}`);
    node[value[1]] = value[3] !== undefined ? { dword: parseInt(value[3], 16) } : value[2].replace(/\\(.)/g, '$1');
  }
  return tree;
}

function bySchema(value, s) {
  if (s.type === 'array') {
    const names = Object.keys(value);
    assert.deepEqual(names, names.map((_, i) => String(i + 1)), 'list entries are named 1, 2, …');
    return names.map((n) => bySchema(value[n], s.items));
  }
  if (s.type === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => {
      assert.ok(s.properties[k], `unknown key ${k}`);
      return [k, bySchema(v, s.properties[k])];
    }));
  }
  if (s.type === 'boolean') return value.dword === 1;
  if (s.type === 'integer') return value.dword;
  assert.equal(typeof value, 'string');
  return value;
}

test('Chromium on Windows: the .reg file gives the same settings as the Linux example', (t) => {
  const reg = readReg(readFileSync(join(DOCS, 'chromium-windows.reg'), 'utf8'));
  const chrome = reg.HKEY_LOCAL_MACHINE.Software.Policies.Google.Chrome;
  const ext = JSON.parse(chrome.ExtensionSettings);
  assert.equal(ext[CHROMIUM_ID].installation_mode, 'force_installed');
  const settings = bySchema(chrome['3rdparty'].extensions[CHROMIUM_ID].policy, schema);
  assertClean(t, settings, 'chromium-windows.reg');
  const linux = JSON.parse(readFileSync(join(DOCS, 'chromium-linux.json'), 'utf8'))['3rdparty'].extensions[CHROMIUM_ID];
  assert.deepEqual(settings, { ...linux, channels: linux.channels.slice(0, 1) });
});

test('Chromium on macOS: the configuration profile force-installs and carries valid settings', (t) => {
  // plistlib reads the XML plist exactly as macOS would hand it over.
  const json = execFileSync('python3', ['-c', 'import json,plistlib,sys; print(json.dumps(plistlib.load(open(sys.argv[1], "rb"))))',
    join(DOCS, 'chromium-macos.mobileconfig')]).toString();
  const profile = JSON.parse(json);
  assert.equal(profile.PayloadType, 'Configuration');
  const chrome = profile.PayloadContent.find((p) => p.PayloadType === 'com.google.Chrome');
  assert.equal(chrome.ExtensionSettings[CHROMIUM_ID].installation_mode, 'force_installed');
  const ours = profile.PayloadContent.find((p) => p.PayloadType === `com.google.Chrome.extensions.${CHROMIUM_ID}`);
  assert.ok(ours, 'a payload for the extension\'s own domain');
  const settings = Object.fromEntries(Object.entries(ours).filter(([k]) => !k.startsWith('Payload')));
  assertClean(t, settings, 'chromium-macos.mobileconfig');
  const uuids = [profile, ...profile.PayloadContent].map((p) => p.PayloadUUID);
  assert.equal(new Set(uuids).size, uuids.length, 'distinct PayloadUUIDs');
});
