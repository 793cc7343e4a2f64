// The extension ids of a build, which the companion's host manifests, the update manifests and
// the policy templates must all name:
//   - Chromium: derived from the public key the package is signed with: the manifest's `key`,
//     or, for an organisation that signs its own CRX, the public half of its key file;
//   - Firefox: browser_specific_settings.gecko.id, fixed in manifest.json.
//
//   node extension/tools/extension-ids.mjs <root> [--crx-key FILE]   prints "chromium ID" and "firefox ID"

import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Chromium's id for a DER SubjectPublicKeyInfo: SHA-256, first 32 hex digits spelt a–p. */
export function chromiumIdOfSpki(spkiDer) {
  const hex = createHash('sha256').update(spkiDer).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}

/** The manifest `key` (base64 DER SPKI) of a private key file (PEM, PKCS#1 or PKCS#8). */
export function manifestKeyOfPrivateKey(keyFile) {
  let key;
  try {
    key = createPublicKey(readFileSync(keyFile));
  } catch (e) {
    throw new Error(`${keyFile}: not a private key in PEM form (${e.message})`);
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`${keyFile}: a ${key.asymmetricKeyType} key; Chromium signs CRX packages with RSA`);
  }
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

/** {chromium, firefox, key}: the ids of the build described by `<root>/manifest.json`. */
export function buildIds(root, { crxKey } = {}) {
  const manifest = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8'));
  const key = crxKey ? manifestKeyOfPrivateKey(crxKey) : manifest.key;
  if (!key) throw new Error('manifest.json has no "key" and no --crx-key was given: the Chromium id would change with every install');
  const firefox = manifest.browser_specific_settings?.gecko?.id;
  if (!firefox) throw new Error('manifest.json has no browser_specific_settings.gecko.id');
  return { chromium: chromiumIdOfSpki(Buffer.from(key, 'base64')), firefox, key };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [root = '.', flag, file] = process.argv.slice(2);
  if (flag && (flag !== '--crx-key' || !file)) {
    console.error('usage: extension-ids.mjs <root> [--crx-key FILE]');
    process.exit(2);
  }
  try {
    const ids = buildIds(resolve(root), { crxKey: file });
    console.log(`chromium ${ids.chromium}\nfirefox ${ids.firefox}`);
  } catch (e) {
    console.error(`extension-ids: ${e.message}`);
    process.exit(2);
  }
}
