// Signed packages an organisation hosts itself, with the extension ids its own key gives:
//   - a CRX3 of a Chromium build, signed with the organisation's RSA key by Chromium's own packer
//     (`--pack-extension`), the copy's manifest `key` set to that key's public half so that an
//     unpacked load of the same folder gets the same id;
//   - the update manifest Chromium's updater reads for a self-hosted extension (gupdate XML);
//   - Firefox's self-hosted `updates.json`.
//
//   import { packCrx, updateXml, firefoxUpdates } from '…/crx.mjs'   package.mjs, tests/e2e/lib/force-install.mjs
//
// The key is read from a file by Chromium (`--pack-extension-key=FILE`) and never passes through
// a command line in clear.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumIdOfSpki, manifestKeyOfPrivateKey } from './extension-ids.mjs';

/** The Chromium binary that packs (the /usr/bin wrapper adds flags of its own). */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium';

/** Chromium's own packer: writes `<dir>.crx` (CRX3) signed with `keyPem`; returns its path. */
export function chromiumPack(dir, keyPem, chromium = CHROMIUM) {
  if (!existsSync(chromium)) throw new Error(`${chromium} not found: Chromium's --pack-extension writes the CRX (set CHROMIUM_BIN)`);
  const profile = mkdtempSync(join(tmpdir(), 'pinwatch-pack-profile-'));
  try {
    execFileSync(chromium, ['--no-sandbox', `--user-data-dir=${profile}`, `--pack-extension=${dir}`, `--pack-extension-key=${keyPem}`],
      { stdio: ['ignore', 'pipe', 'pipe'], timeout: 60_000 });
  } catch (e) {
    throw new Error(`chromium --pack-extension failed: ${e.stderr?.toString() ?? e.message}`);
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
  const crx = `${dir}.crx`;
  if (!existsSync(crx)) throw new Error(`chromium --pack-extension wrote no ${crx}`);
  return crx;
}

/**
 * Packs a copy of the build in `extensionDir` into `out` (a .crx), signed with `keyPem`, the
 * copy's manifest `key` set to that key. Returns {id, version, key, crx: out}.
 */
export function packCrx(extensionDir, keyPem, out) {
  const key = manifestKeyOfPrivateKey(keyPem);
  const work = mkdtempSync(join(tmpdir(), 'pinwatch-crx-'));
  try {
    const dir = join(work, 'extension');
    cpSync(extensionDir, dir, { recursive: true, dereference: true });
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.key = key;
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    writeFileSync(out, readFileSync(chromiumPack(dir, keyPem)));
    return { id: chromiumIdOfSpki(Buffer.from(key, 'base64')), version: manifest.version, key, crx: out };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

const xmlEscape = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

/** Chromium's update manifest: extension `id` at `version` is the CRX at `codebase`. */
export function updateXml({ id, version, codebase }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<gupdate xmlns="http://www.google.com/update2/response" protocol="2.0">
  <app appid="${xmlEscape(id)}">
    <updatecheck codebase="${xmlEscape(codebase)}" version="${xmlEscape(version)}"/>
  </app>
</gupdate>
`;
}

/**
 * Firefox's self-hosted update manifest: version `version` of `id` is the .xpi at `link`. No
 * update_hash: Firefox needs one only for a link that is not https, and signing the .xpi after
 * this is written changes its bytes.
 */
export function firefoxUpdates({ id, version, link }) {
  return `${JSON.stringify({ addons: { [id]: { updates: [{ version, update_link: link }] } } }, null, 2)}\n`;
}
