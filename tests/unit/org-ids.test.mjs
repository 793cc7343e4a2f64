// Ids an organisation controls: the Chromium id of its own signing key, and every artefact that
// names an id (ADMX, policy examples, update manifests) taking that id instead of the one the
// manifest's key gives. The ids are worked out here independently of the tools.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';

globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { buildIds, manifestKeyOfPrivateKey } = await import('../../extension/tools/extension-ids.mjs');
const { render } = await import('../../extension/tools/admx.mjs');
const { examples, EXAMPLE_BASE } = await import('../../extension/tools/policy-examples.mjs');
const { firefoxUpdates, updateXml } = await import('../../extension/tools/crx.mjs');

const ROOT = resolve(import.meta.dirname, '..', '..');
const manifest = JSON.parse(readFileSync(join(ROOT, 'manifest.json'), 'utf8'));
const idOf = (spkiDer) => [...createHash('sha256').update(spkiDer).digest('hex').slice(0, 32)]
  .map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');
const DEFAULT_ID = idOf(Buffer.from(manifest.key, 'base64'));

const dir = mkdtempSync(join(tmpdir(), 'pinwatch-org-ids-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const keyFile = join(dir, 'org.pem');
writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
const ORG_ID = idOf(publicKey.export({ type: 'spki', format: 'der' }));

test('the ids of the build: the manifest key\'s, or the organisation key\'s; gecko.id either way', () => {
  assert.deepEqual({ ...buildIds(ROOT), key: undefined }, { chromium: DEFAULT_ID, firefox: manifest.browser_specific_settings.gecko.id, key: undefined });
  const org = buildIds(ROOT, { crxKey: keyFile });
  assert.equal(org.chromium, ORG_ID);
  assert.notEqual(ORG_ID, DEFAULT_ID);
  assert.equal(org.key, publicKey.export({ type: 'spki', format: 'der' }).toString('base64'));
  const cli = spawnSync(process.execPath, [join(ROOT, 'extension/tools/extension-ids.mjs'), ROOT, '--crx-key', keyFile], { encoding: 'utf8' });
  assert.equal(cli.stdout, `chromium ${ORG_ID}\nfirefox ${manifest.browser_specific_settings.gecko.id}\n`);
});

test('a key Chromium cannot sign with, or a file that is no key, is refused with the reason', () => {
  const ec = join(dir, 'ec.pem');
  writeFileSync(ec, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' }));
  assert.throws(() => manifestKeyOfPrivateKey(ec), /ec key; Chromium signs CRX packages with RSA/);
  const junk = join(dir, 'junk.pem');
  writeFileSync(junk, 'not a key');
  assert.throws(() => manifestKeyOfPrivateKey(junk), /not a private key in PEM form/);
});

test('ADMX with --id: the Chrome and Edge templates name the organisation\'s id only', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'extension', manifest.storage.managed_schema), 'utf8'));
  const files = Object.fromEntries(render(schema, manifest, { chromiumId: ORG_ID }));
  for (const browser of ['chrome', 'edge']) {
    const admx = files[`${browser}/pinwatch-${browser}.admx`];
    assert.match(admx, new RegExp(`3rdparty\\\\extensions\\\\${ORG_ID}\\\\policy`));
    assert.ok(!admx.includes(DEFAULT_ID), browser);
  }
  assert.throws(() => render(schema, manifest, { chromiumId: 'not-an-id' }), /not a Chromium extension id/);
});

test('policy examples with --id and --update-base: no trace of the defaults; Firefox allowed in private windows', () => {
  const base = 'https://pinwatch.example.org/ext/';
  const out = Object.fromEntries(examples({ id: ORG_ID, base }));
  assert.ok(Object.keys(out).length >= 4);
  for (const [name, text] of Object.entries(out)) {
    assert.ok(!text.includes(DEFAULT_ID), `${name} still names the default id`);
    assert.ok(!text.includes(EXAMPLE_BASE), `${name} still names the example folder`);
  }
  assert.equal(JSON.parse(out['chromium-linux.json']).ExtensionSettings[ORG_ID].update_url, `${base}updates.xml`);
  assert.ok(out['chromium-windows.reg'].includes(`extensions\\${ORG_ID}\\policy`));
  const ff = JSON.parse(out['firefox-policies.json']).policies.ExtensionSettings[manifest.browser_specific_settings.gecko.id];
  assert.equal(ff.install_url, `${base}pinwatch-firefox.xpi`);
  assert.equal(ff.private_browsing, true);
});

test('update manifests: Chromium\'s names the id, version and .crx; Firefox\'s the version and .xpi', () => {
  const xml = updateXml({ id: ORG_ID, version: '0.1.0', codebase: 'https://x.example/a&b.crx' });
  assert.match(xml, new RegExp(`<app appid="${ORG_ID}">`));
  assert.match(xml, /<updatecheck codebase="https:\/\/x\.example\/a&amp;b\.crx" version="0\.1\.0"\/>/);
  const json = JSON.parse(firefoxUpdates({ id: 'pinwatch@pinwatch.dev', version: '0.1.0', link: 'https://x.example/p.xpi' }));
  assert.deepEqual(json, { addons: { 'pinwatch@pinwatch.dev': { updates: [{ version: '0.1.0', update_link: 'https://x.example/p.xpi' }] } } });
});

test('package.mjs refuses an update folder that is not https and a key file that is not there', () => {
  const run = (...args) => spawnSync(process.execPath, [join(ROOT, 'extension/tools/package.mjs'), dir, ...args], { encoding: 'utf8' });
  const http = run('--update-base', 'http://x.example/');
  assert.equal(http.status, 2);
  assert.match(http.stderr, /--update-base must be https/);
  const missing = run('--crx-key', join(dir, 'nope.pem'));
  assert.equal(missing.status, 2);
  assert.match(missing.stderr, /no such file/);
});
