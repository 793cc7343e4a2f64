// The installable archives (extension/tools/package.mjs, `./build.sh package`): the same folder
// gives the same bytes on every run, and what an independent reader finds in them is exactly the
// folder — every file, its bytes, one fixed date, mode 0644, deflated only where that helps.
// Read back with yauzl and, where installed, Info-ZIP's unzip; the Firefox package also passes
// `web-ext lint` as an .xpi.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { crc32 } from 'node:zlib';
import yauzl from 'yauzl';
import webExt from 'web-ext';
import { PACKAGES, zipDir } from '../../extension/tools/package.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const PACKAGE_SCRIPT = join(ROOT, 'extension', 'tools', 'package.mjs');
const DOS_DATE_1980_01_01 = (0 << 9) | (1 << 5) | 1;
const HAVE_UNZIP = spawnSync('unzip', ['-v'], { stdio: 'ignore' }).status === 0;

const tmp = (tag) => mkdtempSync(join(tmpdir(), `pinwatch-package-${tag}-`));
const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');

// Random but fixed bytes (incompressible, so stored), and text that deflates well.
const NOISE = randomBytes(4096);
const FIXTURE = {
  'manifest.json': JSON.stringify({ manifest_version: 3, name: 'fixture', version: '1.0' }, null, 2),
  'background.js': 'export const x = 1;\n'.repeat(200),
  'a-b.js': '// sorts after the folder a/ within its folder (depth-first), before it by full path\n',
  'a/z.js': 'z\n',
  'a/b/deep.json': JSON.stringify({ deep: true }),
  'icons/icon-48.png': NOISE,
  'empty.txt': '',
};
// The order promised: names sorted within each folder, folders depth-first.
const FIXTURE_ORDER = ['a/b/deep.json', 'a/z.js', 'a-b.js', 'background.js', 'empty.txt', 'icons/icon-48.png', 'manifest.json'];

/** Writes the fixture under `dir`, files in the given order, every file with the given mtime and mode. */
function writeFixture(dir, { order = Object.keys(FIXTURE), mtime = new Date(), mode = 0o644 } = {}) {
  for (const name of order) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, FIXTURE[name]);
    chmodSync(p, mode);
    utimesSync(p, mtime, mtime);
  }
  return dir;
}

/** Every file under `dir` ('/'-separated), found without package.mjs. */
function walk(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((n) => statSync(join(dir, n)).isFile())
    .map((n) => n.split(sep).join('/'))
    .sort();
}

/** Every entry of a zip, as yauzl reads it: the raw header fields and the inflated bytes. */
function readZip(buf) {
  return new Promise((resolveAll, reject) => {
    yauzl.fromBuffer(buf, { lazyEntries: true, strictFileNames: true, validateEntrySizes: true }, (err, zip) => {
      if (err) return reject(err);
      const entries = [];
      zip.on('error', reject);
      zip.on('end', () => resolveAll(entries));
      zip.on('entry', (entry) => {
        if (entry.fileName.endsWith('/')) {
          entries.push({ entry, data: null });
          return zip.readEntry();
        }
        zip.openReadStream(entry, (e, stream) => {
          if (e) return reject(e);
          const chunks = [];
          stream.on('data', (c) => chunks.push(c));
          stream.on('error', reject);
          stream.on('end', () => {
            entries.push({ entry, data: Buffer.concat(chunks) });
            zip.readEntry();
          });
        });
      });
      zip.readEntry();
    });
  });
}

/** Asserts that `buf` holds exactly the files of `dir`, as package.mjs promises. Returns the names in archive order. */
async function assertArchiveOf(buf, dir, label) {
  const entries = await readZip(buf);
  const names = entries.map((e) => e.entry.fileName);
  assert.deepEqual([...names].sort(), walk(dir), `${label}: the archive lists exactly the files of the folder`);
  assert.ok(names.includes('manifest.json'), `${label}: manifest.json at the root`);
  for (const { entry, data } of entries) {
    const at = `${label}: ${entry.fileName}`;
    assert.ok(!entry.fileName.endsWith('/'), `${at}: no directory entries`);
    const original = readFileSync(join(dir, entry.fileName));
    assert.ok(data.equals(original), `${at}: the same bytes as the file`);
    assert.equal(entry.crc32, crc32(original), `${at}: crc32`);
    assert.equal(entry.lastModFileDate, DOS_DATE_1980_01_01, `${at}: date 1980-01-01`);
    assert.equal(entry.lastModFileTime, 0, `${at}: time 00:00:00`);
    assert.equal(entry.versionMadeBy >> 8, 3, `${at}: made by Unix`);
    assert.equal(entry.externalFileAttributes >>> 16, 0o100644, `${at}: a regular file, -rw-r--r--`);
    assert.equal(entry.extraFieldLength, 0, `${at}: no extra fields`);
    assert.equal(entry.fileCommentLength, 0, `${at}: no comment`);
    if (entry.compressionMethod === 8) {
      assert.ok(entry.compressedSize < entry.uncompressedSize, `${at}: deflated only when that makes it smaller`);
    } else {
      assert.equal(entry.compressionMethod, 0, `${at}: deflated or stored`);
      assert.equal(entry.compressedSize, entry.uncompressedSize, `${at}: stored as is`);
    }
  }
  if (HAVE_UNZIP) {
    const file = join(tmp('unzip'), 'archive.zip');
    writeFileSync(file, buf);
    const t = spawnSync('unzip', ['-tq', file], { encoding: 'utf8' });
    assert.equal(t.status, 0, `${label}: unzip -t: ${t.stdout}${t.stderr}`);
    const l = spawnSync('unzip', ['-Z1', file], { encoding: 'utf8' });
    assert.equal(l.status, 0, `${label}: unzip -Z1: ${l.stderr}`);
    assert.deepEqual(l.stdout.split('\n').filter(Boolean), names, `${label}: unzip lists what yauzl lists`);
  }
  return names;
}

test('the same folder gives the same bytes, whatever the files\' times, modes and creation order', async () => {
  const a = writeFixture(tmp('a'), { mtime: new Date('2001-02-03T04:05:06Z'), mode: 0o644 });
  const b = writeFixture(tmp('b'), { order: Object.keys(FIXTURE).reverse(), mtime: new Date(), mode: 0o755 });
  const first = await zipDir(a);
  assert.ok((await zipDir(a)).equals(first), 'two runs over one folder');
  assert.ok((await zipDir(b)).equals(first), 'another folder with the same files, written in another order at another time');
});

test('the archive is exactly the folder: every file and its bytes, sorted, one date, mode 0644, stored where deflate does not help', async () => {
  const dir = writeFixture(tmp('read'), { mode: 0o600 });
  const buf = await zipDir(dir);
  const names = await assertArchiveOf(buf, dir, 'fixture');
  assert.deepEqual(names, FIXTURE_ORDER, 'names sorted within each folder, folders depth-first');
  const methods = Object.fromEntries((await readZip(buf)).map(({ entry }) => [entry.fileName, entry.compressionMethod]));
  assert.equal(methods['background.js'], 8, 'repetitive text is deflated');
  assert.equal(methods['icons/icon-48.png'], 0, 'random bytes are stored');
  assert.equal(methods['empty.txt'], 0, 'an empty file is stored');
});

test('the check can fail: a damaged archive, or one that misses a file of the folder, is refused', async () => {
  const dir = writeFixture(tmp('damaged'));
  const buf = await zipDir(dir);
  await assert.rejects(readZip(buf.subarray(0, buf.length - 30)), 'truncated: no end of central directory');
  const flipped = Buffer.from(buf);
  flipped[30 + FIXTURE_ORDER[0].length] ^= 0xff; // the first byte of the first entry's data
  await assert.rejects(assertArchiveOf(flipped, dir, 'flipped'), 'a flipped byte in the data');
  writeFileSync(join(dir, 'late.js'), 'added after packing\n');
  await assert.rejects(assertArchiveOf(buf, dir, 'stale'), /exactly the files/);
});

test('names JSZip would reorder (integer-like: 9 before 10) are refused, not written out of order', async () => {
  const dir = writeFixture(tmp('int'));
  writeFileSync(join(dir, '9'), 'nine');
  writeFileSync(join(dir, '10'), 'ten');
  await assert.rejects(zipDir(dir), /sorted entry order/);
});

test('`node package.mjs <root>` writes every package, byte-identical over two runs in different time zones', () => {
  const root = tmp('cli');
  for (const { browser } of PACKAGES) writeFixture(join(root, 'dist', browser));
  const run = (TZ) => {
    const r = spawnSync(process.execPath, [PACKAGE_SCRIPT, root], { encoding: 'utf8', env: { ...process.env, TZ } });
    assert.equal(r.status, 0, r.stderr);
    return Object.fromEntries(PACKAGES.map(({ file }) => [file, sha256(readFileSync(join(root, 'dist', file)))]));
  };
  const first = run('UTC');
  for (const { browser } of PACKAGES) {
    for (const name of walk(join(root, 'dist', browser))) utimesSync(join(root, 'dist', browser, name), new Date(), new Date());
  }
  assert.deepEqual(run('Pacific/Kiritimati'), first);
  assert.equal(new Set(Object.values(first)).size, 1, 'the same fixture in each folder, the same archive');
});

for (const { browser, file } of PACKAGES) {
  const dist = join(ROOT, 'dist', browser);
  const built = existsSync(join(dist, 'manifest.json'));
  test(`dist/${file}: reproducible, and exactly dist/${browser}/`, { skip: !built && `no dist/${browser}: run ./build.sh` }, async () => {
    // A copy, so a build running meanwhile cannot change the folder between the two runs.
    const dir = join(tmp(browser), browser);
    cpSync(dist, dir, { recursive: true, dereference: true });
    const first = await zipDir(dir);
    const second = await zipDir(dir);
    assert.equal(sha256(second), sha256(first), 'two runs, the same bytes');
    await assertArchiveOf(first, dir, file);
    if (browser === 'firefox') {
      const xpi = join(tmp('xpi'), file);
      writeFileSync(xpi, first);
      const result = await webExt.cmd.lint({ sourceDir: xpi, output: 'none', boring: true }, { shouldExitProgram: false });
      assert.deepEqual(result.errors, [], 'web-ext lint of the .xpi: no errors');
    }
  });
}
