// The Linux packages as built: every file they install, the host manifests naming the build's
// extension ids and /usr/bin/pinwatch, and what the .deb's maintainer scripts do, run against a
// scratch root (the paths rewritten under a temporary folder), so they are tested without root.
//
//   node --test tests/package/contents.test.mjs     (after ./build.sh package)

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { artefact, CHROMIUM_FOLDERS, HOST, ids, ROOT } from './lib.mjs';

const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const VERSION = /^version = "([^"]+)"/m.exec(readFileSync(join(ROOT, 'Cargo.toml'), 'utf8'))[1];
const SHARED = '/usr/share/pinwatch/native-messaging-hosts/chromium.json';

function checkManifests(chromium, firefox) {
  const { chromium: cid, firefox: fid } = ids();
  assert.equal(chromium.name, HOST);
  assert.equal(chromium.type, 'stdio');
  assert.equal(chromium.path, '/usr/bin/pinwatch');
  assert.deepEqual(chromium.allowed_origins, [`chrome-extension://${cid}/`]);
  assert.equal(chromium.allowed_extensions, undefined);
  assert.equal(firefox.name, HOST);
  assert.equal(firefox.path, '/usr/bin/pinwatch');
  assert.deepEqual(firefox.allowed_extensions, [fid]);
  assert.equal(firefox.allowed_origins, undefined);
}

describe('the .deb', () => {
  let deb;
  let work;
  before(() => {
    deb = artefact(/^pinwatch_.*\.deb$/);
    work = mkdtempSync(join(tmpdir(), 'pinwatch-deb-'));
    run('dpkg-deb', ['-x', deb, join(work, 'data')]);
    run('dpkg-deb', ['-e', deb, join(work, 'control')]);
  });
  after(() => rmSync(work, { recursive: true, force: true }));

  it('installs the binary, the two manifests and the copyright file, nothing under /etc', () => {
    const files = run('dpkg-deb', ['-c', deb]).trim().split('\n').map((l) => l.split(/\s+/))
      .filter(([mode]) => !mode.startsWith('d')).map(([mode, , , , , path]) => `${mode} ${path}`).sort();
    assert.deepEqual(files, [
      '-rw-r--r-- ./usr/lib/mozilla/native-messaging-hosts/dev.pinwatch.companion.json',
      '-rw-r--r-- ./usr/share/doc/pinwatch/copyright',
      '-rw-r--r-- ./usr/share/pinwatch/native-messaging-hosts/chromium.json',
      '-rwxr-xr-x ./usr/bin/pinwatch',
    ]);
    // Files under /etc would be conffiles, kept by `dpkg --remove`: the links come from postinst.
    assert.ok(!existsSync(join(work, 'control', 'conffiles')), 'no conffiles');
  });

  it('names the package, its version and what it needs', () => {
    const field = (f) => run('dpkg-deb', ['-f', deb, f]).trim();
    assert.equal(field('Package'), 'pinwatch');
    assert.equal(field('Version'), `${VERSION}-1`);
    assert.match(field('Depends'), /libc6/);
    assert.match(field('Recommends'), /libnss3-tools/);
  });

  it('the manifests name /usr/bin/pinwatch and the extension ids of the build', () => {
    const read = (p) => JSON.parse(readFileSync(join(work, 'data', p), 'utf8'));
    checkManifests(read(SHARED), read(`usr/lib/mozilla/native-messaging-hosts/${HOST}.json`));
  });

  it('the packaged binary is this version of pinwatch and knows the companion', () => {
    const bin = join(work, 'data', 'usr/bin/pinwatch');
    assert.equal(run(bin, ['--version']).trim(), `pinwatch ${VERSION}`);
    const printed = JSON.parse(run(bin, ['companion', 'manifest', '--browser', 'chromium', '--path', '/usr/bin/pinwatch',
      '--extension-id', ids().chromium]));
    assert.deepEqual(printed, JSON.parse(readFileSync(join(work, 'data', SHARED), 'utf8')));
  });

  describe('maintainer scripts, run against a scratch root', () => {
    let root;
    // The scripts with every absolute path moved under `root`.
    const script = (name) => {
      const text = readFileSync(join(work, 'control', name), 'utf8').replace(/(["\s=])\/(etc|usr)\//g, `$1${root}/$2/`);
      const path = join(root, name);
      writeFileSync(path, text, { mode: 0o755 });
      return (...args) => {
        const r = spawnSync('sh', [path, ...args], { encoding: 'utf8' });
        assert.equal(r.status, 0, `${name} ${args.join(' ')}: ${r.stderr}`);
        return r.stderr;
      };
    };
    const link = (dir) => join(root, dir, `${HOST}.json`);

    before(() => {
      root = mkdtempSync(join(tmpdir(), 'pinwatch-scripts-'));
      mkdirSync(join(root, 'usr/share/pinwatch/native-messaging-hosts'), { recursive: true });
      writeFileSync(join(root, SHARED), '{}');
      mkdirSync(join(root, 'etc/chromium'), { recursive: true }); // the chromium package's folder
    });
    after(() => rmSync(root, { recursive: true, force: true }));

    it('both are executable shell scripts', () => {
      for (const name of ['postinst', 'postrm']) {
        assert.ok(statSync(join(work, 'control', name)).mode & 0o100, `${name} is executable`);
        assert.equal(spawnSync('sh', ['-n', join(work, 'control', name)]).status, 0, `${name} parses`);
      }
    });

    it('postinst configure links the manifest into every Chromium-family folder, twice without harm', () => {
      const postinst = script('postinst');
      postinst('configure');
      postinst('configure', '0.1.0-1');
      for (const dir of CHROMIUM_FOLDERS) {
        assert.ok(lstatSync(link(dir)).isSymbolicLink(), dir);
        assert.equal(readlinkSync(link(dir)), `${root}${SHARED}`);
      }
    });

    it('postrm upgrade keeps the links; remove takes them and the folders it made, not others\'', () => {
      const postrm = script('postrm');
      postrm('upgrade', '0.1.1-1');
      for (const dir of CHROMIUM_FOLDERS) assert.ok(lstatSync(link(dir)).isSymbolicLink(), dir);
      // An administrator's own manifest in Edge's folder stays, and so does that folder.
      rmSync(link('/etc/opt/edge/native-messaging-hosts'));
      writeFileSync(link('/etc/opt/edge/native-messaging-hosts'), '{"name": "theirs"}');
      postrm('remove');
      assert.ok(!existsSync(join(root, 'etc/chromium/native-messaging-hosts')));
      assert.ok(existsSync(join(root, 'etc/chromium')), 'the chromium package\'s folder stays');
      assert.ok(!existsSync(join(root, 'etc/opt/chrome')));
      assert.equal(readFileSync(link('/etc/opt/edge/native-messaging-hosts'), 'utf8'), '{"name": "theirs"}');
    });

    it('postinst leaves an administrator\'s own manifest alone and says so', () => {
      const said = script('postinst')('configure');
      assert.match(said, /edge\/native-messaging-hosts\/dev\.pinwatch\.companion\.json is not this package's link/);
      assert.equal(readFileSync(link('/etc/opt/edge/native-messaging-hosts'), 'utf8'), '{"name": "theirs"}');
      assert.ok(lstatSync(link('/etc/opt/chrome/native-messaging-hosts')).isSymbolicLink());
    });
  });
});

describe('the .rpm', () => {
  let rpm;
  const q = (...args) => run('rpm', ['-qp', ...args, rpm]);
  before(() => { rpm = artefact(/^pinwatch-.*\.rpm$/); });

  it('installs the binary and a manifest in every browser\'s system folder, none as %config', () => {
    assert.deepEqual(q('--list').trim().split('\n').sort(), [
      ...CHROMIUM_FOLDERS.map((d) => `${d}/${HOST}.json`),
      '/usr/bin/pinwatch',
      `/usr/lib/mozilla/native-messaging-hosts/${HOST}.json`,
      `/usr/lib64/mozilla/native-messaging-hosts/${HOST}.json`,
    ].sort());
    // rpm keeps a modified %config file on erase; these must go with the package.
    assert.equal(q('--configfiles').trim(), '');
    assert.equal(q('--queryformat', '%{NAME} %{VERSION}').trim(), `pinwatch ${VERSION}`);
  });

  it('the manifests are the ones generated for this build, the binary executable', () => {
    // --dump: path size mtime digest mode owner group …
    const dump = Object.fromEntries(q('--dump').trim().split('\n').map((l) => {
      const [path, , , digest, mode] = l.split(' ');
      return [path, { digest, mode }];
    }));
    const sha = (p) => createHash('sha256').update(readFileSync(p)).digest('hex');
    const hosts = join(ROOT, 'dist/packaging/native-messaging-hosts');
    checkManifests(JSON.parse(readFileSync(join(hosts, 'chromium.json'), 'utf8')),
      JSON.parse(readFileSync(join(hosts, 'firefox.json'), 'utf8')));
    for (const dir of CHROMIUM_FOLDERS) assert.equal(dump[`${dir}/${HOST}.json`].digest, sha(join(hosts, 'chromium.json')), dir);
    assert.equal(dump[`/usr/lib/mozilla/native-messaging-hosts/${HOST}.json`].digest, sha(join(hosts, 'firefox.json')));
    assert.equal(Number.parseInt(dump['/usr/bin/pinwatch'].mode, 8) & 0o777, 0o755);
  });
});
