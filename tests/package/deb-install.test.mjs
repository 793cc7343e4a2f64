// The .deb installed for real (dpkg, as root): a stock headless Chromium — no flag, no
// `pinwatch companion install` run by anyone — finds the companion through the manifest the
// package linked into /etc/chromium/native-messaging-hosts and judges a pinned host by the chain
// the packaged /usr/bin/pinwatch fetched. Before the install and after the purge the same
// browser has no companion. The package is purged afterwards whatever happens.
//
//   node --test --test-concurrency=1 tests/package/deb-install.test.mjs   (as root, after ./build.sh package)

import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, lstatSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Inspector, launchChromium, visit, waitFor } from '../e2e/lib/chromium.mjs';
import { prepare } from '../e2e/lib/scenario.mjs';
import { artefact, CHROMIUM_FOLDERS, HOST } from './lib.mjs';

const HOSTS = ['mail.example.test'];
const PACKAGE = 'pinwatch';
const installed = () => spawnSync('dpkg-query', ['-W', '-f=${Status}', PACKAGE], { encoding: 'utf8' }).stdout ?? '';
const links = () => CHROMIUM_FOLDERS.map((d) => `${d}/${HOST}.json`);

const browserChoice = process.env.BROWSER ?? 'all';
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (process.getuid?.() !== 0 && 'dpkg -i needs root (CI runs as root)')
  || (spawnSync('dpkg-query', ['--version']).status !== 0 && 'no dpkg on this system')
  || (/ installed$/.test(installed()) && `a ${PACKAGE} package is already installed here: not replacing it`)
  || (links().some((l) => existsSync(l)) && `a companion manifest is already in ${CHROMIUM_FOLDERS[0]}: not touching it`);
if (skip) console.log(`# skipped: ${skip}`);

describe('the .deb, installed with dpkg, serves a stock Chromium', { skip }, () => {
  let sc;
  let deb;

  before(async () => {
    deb = artefact(/^pinwatch_.*\.deb$/);
    sc = await prepare({
      browser: 'chromium',
      name: 'test-chromium-package',
      stale: false,
      servers: (specs) => ({ legit: specs.mailLegit, rogue: specs.mailRogue }),
    });
  });

  after(async () => {
    if (installed()) spawnSync('dpkg', ['--purge', PACKAGE], { stdio: 'inherit' });
    await sc?.cleanup();
  });

  /** Starts a stock Chromium (no WebRequestSecurityInfo) with the build loaded; runs `fn(cr, insp)`. */
  async function withChromium(fn) {
    const cr = await launchChromium({ roots: sc.pki.roots, hosts: HOSTS, securityInfo: false });
    try {
      await cr.install(sc.dist);
      const insp = await Inspector.open(cr);
      await fn(cr, insp);
    } finally {
      await cr.close();
    }
  }

  async function look(cr, insp, key, want) {
    const server = sc.servers[key];
    const v = await visit(cr, server.url, { want });
    const tabId = await insp.tabId(v.page);
    const r = await insp.waitRecord(tabId, server.url, (x) => x.status !== undefined && x.status !== null, 15_000);
    await v.page.close();
    return { v, r };
  }

  it('before the package: no companion, so "can\'t verify"', async () => {
    await withChromium(async (cr, insp) => {
      const { v, r } = await look(cr, insp, 'legit', 'page');
      assert.equal(v.outcome, 'page');
      assert.equal(r.status, 'unverifiable', r.reason);
      assert.equal(r.companionMissing, true, r.companionError);
    });
  });

  it('dpkg -i: the binary and the links to the manifest are in place', () => {
    execFileSync('dpkg', ['-i', deb], { stdio: ['ignore', 'inherit', 'inherit'] });
    assert.match(installed(), / installed$/);
    assert.ok(existsSync('/usr/bin/pinwatch'));
    for (const l of links()) assert.ok(lstatSync(l).isSymbolicLink(), l);
    const status = spawnSync('/usr/bin/pinwatch', ['companion', 'status', '--browser', 'chromium', '--json'], { encoding: 'utf8' });
    assert.equal(status.status, 0, status.stdout + status.stderr);
    const system = JSON.parse(status.stdout).find((row) => row.scope === 'system');
    assert.equal(system.installed, true);
    assert.equal(system.path, '/usr/bin/pinwatch');
  });

  it('then, with nothing else done: the companion answers, a pinned host is pinned and a rogue chain stopped', async () => {
    await withChromium(async (cr, insp) => {
      const legit = await look(cr, insp, 'legit', 'page');
      assert.equal(legit.v.outcome, 'page', `got ${legit.v.outcome} at ${legit.v.href}`);
      assert.equal(legit.r.tier, 'companion', JSON.stringify(legit.r));
      assert.equal(legit.r.status, 'pinned', legit.r.reason);
      const rogue = await look(cr, insp, 'rogue', 'warning');
      assert.equal(rogue.v.outcome, 'warning', `got ${rogue.v.outcome} at ${rogue.v.href}`);
      assert.equal(rogue.r.tier, 'companion');
      assert.notEqual(rogue.r.status, 'pinned');
      const page = await cr.browser.newPage();
      await page.goto(`${cr.base}pages/options.html`, { waitUntil: 'load' });
      const shown = await waitFor(() => page.evaluate(() => !document.getElementById('companion-block').hidden
        && document.getElementById('companion-status').dataset.status));
      assert.equal(shown, 'ready');
      await page.close();
    });
  });

  it('dpkg --purge: binary and links gone, and the browser has no companion again', async () => {
    execFileSync('dpkg', ['--purge', PACKAGE], { stdio: ['ignore', 'inherit', 'inherit'] });
    assert.equal(installed(), '');
    assert.ok(!existsSync('/usr/bin/pinwatch'));
    for (const l of links()) assert.ok(!existsSync(l) && spawnSync('test', ['-L', l]).status !== 0, l);
    await withChromium(async (cr, insp) => {
      const { r } = await look(cr, insp, 'legit', 'page');
      assert.equal(r.status, 'unverifiable', r.reason);
      assert.equal(r.companionMissing, true);
    });
  });
});
