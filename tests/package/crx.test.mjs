// `--crx-key`: the build packed into a CRX3 signed with an organisation's own key (made here),
// read back: the CRX3 header carries that key and the id it gives, and the archive's manifest
// the same key, so the id Chromium computes on install is the organisation's.
//
//   node --test tests/package/crx.test.mjs      (after ./build.sh; needs Chromium's packer)

import assert from 'node:assert/strict';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { CHROMIUM, packCrx } from '../../extension/tools/crx.mjs';
import { ROOT } from './lib.mjs';

const requireJSZip = (await import('node:module')).createRequire(join(ROOT, 'tests', 'package.json'));
const JSZip = requireJSZip('jszip');
const skip = !existsSync(CHROMIUM) && `no Chromium at ${CHROMIUM}`;
const dir = mkdtempSync(join(tmpdir(), 'pinwatch-crx-test-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('a CRX3 signed with the organisation\'s key, with that key\'s id', { skip }, async () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyFile = join(dir, 'org.pem');
  writeFileSync(keyFile, privateKey.export({ type: 'pkcs8', format: 'pem' }));
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const idBytes = createHash('sha256').update(spki).digest().subarray(0, 16);
  const id = [...idBytes.toString('hex')].map((c) => 'abcdefghijklmnop'[parseInt(c, 16)]).join('');

  const out = join(dir, 'pinwatch.crx');
  const packed = packCrx(join(ROOT, 'dist', 'chromium'), keyFile, out);
  assert.equal(packed.id, id);
  const crx = readFileSync(out);
  assert.equal(crx.subarray(0, 4).toString('latin1'), 'Cr24');
  assert.equal(crx.readUInt32LE(4), 3, 'CRX version 3');
  const headerSize = crx.readUInt32LE(8);
  const header = crx.subarray(12, 12 + headerSize);
  // CrxFileHeader: the RSA proof holds the public key; the signed header data holds the crx id
  // (the first 16 bytes of the key's SHA-256).
  assert.ok(header.includes(spki), 'the header carries the organisation\'s public key');
  assert.ok(header.includes(idBytes), 'the signed header data carries its id');
  const zip = await JSZip.loadAsync(crx.subarray(12 + headerSize));
  const manifest = JSON.parse(await zip.file('manifest.json').async('string'));
  assert.equal(manifest.key, spki.toString('base64'));
  const built = JSON.parse(readFileSync(join(ROOT, 'dist', 'chromium', 'manifest.json'), 'utf8'));
  assert.equal(manifest.version, built.version);
  assert.ok(zip.file('background.js') || zip.file(built.background.service_worker), 'the build is inside');
});
