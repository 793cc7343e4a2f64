// Packs the assembled builds into installable archives:
//   dist/firefox             → dist/pinwatch-firefox.xpi
//   dist/chromium            → dist/pinwatch-chromium.zip
//   dist/chromium-full-chain → dist/pinwatch-chromium-full-chain.zip
//
//   node extension/tools/package.mjs <root>
//   import { zipDir } from '…/package.mjs'          tests
//
// The zip format is written by JSZip (tests/package.json, the library `web-ext build` itself
// packs with, through zip-dir), not by `web-ext build`: web-ext build cannot make the same bytes
// twice. zip-dir adds entries in whatever order its asynchronous fs.stat calls finish, stamps
// every entry (and a directory entry per folder) with the current time and JSZip's default
// modes, and web-ext offers no option for either. Called directly, JSZip takes an explicit date,
// mode and compression per entry, so this script decides them:
//
//   - every file under dist/<browser>/ and nothing else (symlinks followed, no directory
//     entries, nothing filtered out: the folder is already exactly what ships), in a fixed order
//     (names sorted within each folder, folders depth-first), manifest.json at the root;
//   - one fixed timestamp, 1980-01-01 00:00:00 (the DOS epoch; JSZip writes it in UTC, so the
//     local time zone does not matter), and mode -rw-r--r-- (made by: Unix);
//   - deflate at level 9, or stored when deflate does not make the entry smaller;
//   - no extra fields or comments (JSZip adds the UTF-8 flag and an Info-ZIP Unicode Path field
//     only for a non-ASCII name, of which there are none).
//
// So the same dist/<browser>/ gives the same bytes on every run and every machine
// (tests/unit/package.test.mjs builds twice and compares, and reads the result back with yauzl).

import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
// The build tools' npm packages live in tests/node_modules (installed by build.sh from
// tests/package-lock.json), not next to this file.
const requireFromTests = createRequire(join(HERE, '..', '..', 'tests', 'package.json'));
const JSZip = requireFromTests('jszip');
// The deflate implementation JSZip compresses with, to decide stored-or-deflated by its own
// output rather than by node's zlib, whose output length can differ.
const pako = createRequire(requireFromTests.resolve('jszip'))('pako');

export const FIXED_DATE = new Date(Date.UTC(1980, 0, 1, 0, 0, 0));
export const FILE_MODE = 0o100644; // regular file, -rw-r--r--
const DEFLATE_OPTIONS = { level: 9 };

/** The path of every file under `dir`, '/'-separated, in archive order. */
export function* files(dir, base = dir) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* files(p, base);
    else yield relative(base, p).split(sep).join('/');
  }
}

/** A zip archive (deflate, or stored when deflate does not help) of every file under `dir`. */
export async function zipDir(dir) {
  const zip = new JSZip();
  const names = [...files(dir)];
  for (const name of names) {
    const data = readFileSync(join(dir, name));
    const stored = pako.deflateRaw(data, DEFLATE_OPTIONS).length >= data.length;
    zip.file(name, data, {
      binary: true,
      createFolders: false,
      date: FIXED_DATE,
      unixPermissions: FILE_MODE,
      compression: stored ? 'STORE' : 'DEFLATE',
      compressionOptions: stored ? null : DEFLATE_OPTIONS,
    });
  }
  // JSZip writes entries in the key order of an object, which puts integer-like names ("7")
  // first; refuse rather than silently write another order than the one promised.
  const order = Object.keys(zip.files);
  if (order.length !== names.length || order.some((n, i) => n !== names[i])) {
    throw new Error(`${dir}: JSZip would not keep the sorted entry order`);
  }
  return zip.generateAsync({ type: 'nodebuffer', platform: 'UNIX', compression: 'STORE' });
}

export const PACKAGES = [
  { browser: 'firefox', file: 'pinwatch-firefox.xpi' },
  { browser: 'chromium', file: 'pinwatch-chromium.zip' },
  { browser: 'chromium-full-chain', file: 'pinwatch-chromium-full-chain.zip' },
];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(HERE, '..', '..'));
  for (const { browser, file } of PACKAGES) {
    const dir = join(root, 'dist', browser);
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is not assembled: run ./build.sh first`);
    const zip = await zipDir(dir);
    writeFileSync(join(root, 'dist', file), zip);
    console.log(`${relative(root, join(root, 'dist', file))}: ${zip.length} bytes`);
  }
}
