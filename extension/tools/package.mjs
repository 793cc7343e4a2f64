// Packs the assembled builds into installable archives:
//   dist/firefox             → dist/pinwatch-firefox.xpi
//   dist/chromium            → dist/pinwatch-chromium.zip
//   dist/chromium-full-chain → dist/pinwatch-chromium-full-chain.zip
//
//   node extension/tools/package.mjs <root> [--crx-key FILE] [--update-base URL]
//   node extension/tools/package.mjs <root> --list [--crx-key FILE]    every artefact in dist/, size and id
//   import { zipDir } from '…/package.mjs'          tests
//
// For an organisation that hosts Pinwatch itself (docs/packages.md):
//   --crx-key FILE     also dist/pinwatch-chromium.crx, a CRX3 signed with the organisation's RSA
//                      key (read from FILE by Chromium's packer, never given on a command line in
//                      clear), whose id is that key's; and with --update-base, dist/updates.xml
//   --update-base URL  the https folder the artefacts will be served from: dist/updates.xml
//                      (Chromium's update manifest for the .crx) and dist/updates.json (Firefox's),
//                      and the .xpi's manifest names URL/updates.json as its gecko.update_url
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

import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firefoxUpdates, packCrx, updateXml } from './crx.mjs';
import { buildIds } from './extension-ids.mjs';

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

/** `manifest.json` of `dir` changed by `edit`, in a scratch copy that `done()` removes. */
function patchedCopy(dir, edit) {
  const work = mkdtempSync(join(tmpdir(), 'pinwatch-package-'));
  const copy = join(work, 'build');
  cpSync(dir, copy, { recursive: true, dereference: true });
  const path = join(copy, 'manifest.json');
  const manifest = JSON.parse(readFileSync(path, 'utf8'));
  edit(manifest);
  writeFileSync(path, `${JSON.stringify(manifest, null, 2)}\n`);
  return { dir: copy, done: () => rmSync(work, { recursive: true, force: true }) };
}

/** `--update-base`: an https URL ending in '/', or an error that says why not. */
export function updateBase(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    throw new Error(`--update-base ${JSON.stringify(text)} is not a URL`);
  }
  // Firefox fetches a self-hosted update over https only (or needs a hash of every .xpi, which
  // signing would change); Chromium's updater accepts http but a policy-installed extension's
  // updates are then open to anyone on the path.
  if (url.protocol !== 'https:') throw new Error(`--update-base must be https (got ${url.protocol})`);
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

async function pack(root, { crxKey, base }) {
  const dist = join(root, 'dist');
  for (const { browser, file } of PACKAGES) {
    const dir = join(dist, browser);
    if (!existsSync(join(dir, 'manifest.json'))) throw new Error(`${dir} is not assembled: run ./build.sh first`);
    // A self-hosted Firefox build names where its updates are (the signed .xpi must too).
    const copy = browser === 'firefox' && base
      ? patchedCopy(dir, (m) => { m.browser_specific_settings.gecko.update_url = `${base}updates.json`; })
      : { dir, done() {} };
    try {
      writeFileSync(join(dist, file), await zipDir(copy.dir));
    } finally {
      copy.done();
    }
  }
  if (!crxKey && !base) return;
  const { chromium, firefox } = buildIds(root, { crxKey });
  const version = JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')).version;
  if (crxKey) {
    packCrx(join(dist, 'chromium'), crxKey, join(dist, 'pinwatch-chromium.crx'));
    if (base) writeFileSync(join(dist, 'updates.xml'), updateXml({ id: chromium, version, codebase: `${base}pinwatch-chromium.crx` }));
  }
  if (base) writeFileSync(join(dist, 'updates.json'), firefoxUpdates({ id: firefox, version, link: `${base}pinwatch-firefox.xpi` }));
}

/** What each artefact in dist/ is for: its size and the extension id it carries or names. */
export function artefacts(root, { crxKey } = {}) {
  const dist = join(root, 'dist');
  const { chromium, firefox } = buildIds(root, { crxKey });
  const unsigned = buildIds(root);
  const hosts = join(dist, 'packaging', 'native-messaging-hosts');
  const named = (file, key) => {
    try {
      return JSON.parse(readFileSync(join(hosts, file), 'utf8'))[key].join(' ').replace(/chrome-extension:\/\/|\//g, '');
    } catch {
      return '?';
    }
  };
  const what = (name) => {
    if (name.endsWith('.xpi')) return `firefox ${firefox}`;
    if (name.endsWith('.crx')) return `chromium ${chromium} (signed with ${crxKey})`;
    if (name.endsWith('.zip')) return `chromium ${unsigned.chromium} (the manifest key; a store gives its own)`;
    if (name === 'updates.xml') return `chromium ${chromium}`;
    if (name === 'updates.json') return `firefox ${firefox}`;
    if (/\.(deb|rpm)$/.test(name)) return `companion for ${named('chromium.json', 'allowed_origins')} and ${named('firefox.json', 'allowed_extensions')}`;
    return null;
  };
  return readdirSync(dist).sort().map((name) => ({ name, bytes: statSync(join(dist, name)).size, id: what(name) }))
    .filter((a) => a.id && statSync(join(dist, a.name)).isFile());
}

function options(args) {
  const o = {};
  for (let i = 0; i < args.length; i += 1) {
    const [flag, value] = [args[i], args[i + 1]];
    if (flag === '--list') o.list = true;
    else if (flag === '--crx-key' && value) { o.crxKey = resolve(value); i += 1; }
    else if (flag === '--update-base' && value) { o.base = updateBase(value); i += 1; }
    else throw new Error(`unknown or incomplete option ${flag} (--crx-key FILE, --update-base URL, --list)`);
  }
  if (o.crxKey && !existsSync(o.crxKey)) throw new Error(`--crx-key ${o.crxKey}: no such file`);
  return o;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(HERE, '..', '..'));
  try {
    const o = options(process.argv.slice(3));
    if (o.list) {
      const rows = artefacts(root, o);
      const width = Math.max(...rows.map((r) => r.name.length));
      for (const r of rows) console.log(`dist/${r.name.padEnd(width)}  ${String(r.bytes).padStart(9)} bytes  ${r.id}`);
    } else {
      await pack(root, o);
    }
  } catch (e) {
    console.error(`package: ${e.message}`);
    process.exit(2);
  }
}
