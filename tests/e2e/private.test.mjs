// Private windows in Firefox ESR: an extension runs there only when allowed. Pinwatch is
// force-installed by policy (a permanent install from an .xpi: a temporary add-on is allowed in
// private windows by default, which would prove nothing):
//   - without `private_browsing`, the options page says Pinwatch is not allowed in private windows
//     and how to allow it; in a browser whose every window is private, a rogue chain loads;
//   - with `ExtensionSettings` … `private_browsing: true`, the note is gone and in a private window
//     an interception of a pinned host is stopped (the warning page).
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/private.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { zipDir } from '../../extension/tools/package.mjs';
import { firefoxWithPolicies } from './lib/enterprise.mjs';
import { GECKO_ID, launchFirefox, openExtensionPage, visit, waitFor } from './lib/firefox.mjs';
import { prepare } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const skip = !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`;
const HOSTS = ['mail.example.test'];

describe('Firefox private windows: allowed by policy, Pinwatch stops an interception there', { skip }, () => {
  let sc;
  let xpi;

  before(async () => {
    sc = await prepare({
      browser: 'firefox',
      name: 'test-firefox-private',
      stale: false,
      servers: (specs) => ({ legit: specs.mailLegit, rogue: specs.mailRogue }),
    });
    xpi = join(sc.dir, 'pinwatch.xpi');
    writeFileSync(xpi, await zipDir(sc.dist));
  });
  after(async () => { await sc?.cleanup(); });

  /** Firefox with Pinwatch force-installed from the test .xpi; `fn(ff)`, then closed. */
  async function withFirefox(name, { privateBrowsing, allPrivate }, fn) {
    const settings = { installation_mode: 'force_installed', install_url: pathToFileURL(xpi).href };
    if (privateBrowsing) settings.private_browsing = true;
    const farm = firefoxWithPolicies(join(sc.dir, name), { ExtensionSettings: { [GECKO_ID]: settings } });
    const ff = await launchFirefox({
      roots: sc.pki.roots,
      hosts: HOSTS,
      executablePath: farm.executable,
      prefs: { 'xpinstall.signatures.required': false, 'browser.privatebrowsing.autostart': allPrivate },
    });
    try {
      await fn(ff);
    } finally {
      await ff.close();
      farm.remove();
    }
  }

  /** Until Firefox has recorded the policy's install as active (its profile's extensions.json). */
  const installed = (ff) => waitFor(() => {
    const file = join(ff.profile, 'extensions.json');
    if (!existsSync(file)) return false;
    const addons = JSON.parse(readFileSync(file, 'utf8')).addons ?? [];
    return addons.some((a) => a.id === GECKO_ID && a.active);
  }, { timeout: 20_000 });

  const note = (page) => page.evaluate(() => {
    const p = document.getElementById('private-note');
    return p.hidden ? null : p.textContent;
  });

  it('not allowed: the options page says so and how to allow it; an interception in a private window loads', async () => {
    await withFirefox('off', { privateBrowsing: false, allPrivate: false }, async (ff) => {
      assert.ok(await installed(ff), 'the policy installed Pinwatch');
      const options = await openExtensionPage(ff, 'pages/options.html', { timeout: 20_000 });
      const said = await waitFor(() => note(options));
      assert.match(said, /not allowed in private windows/);
      assert.match(said, /Run in Private Windows/);
      const popup = await openExtensionPage(ff, 'pages/popup.html?tab=-1');
      assert.match(await waitFor(() => note(popup)), /not allowed in private windows/);
      // The same extension does stop the rogue chain in a normal window.
      const v = await visit(ff, sc.servers.rogue.url);
      assert.equal(v.outcome, 'warning', `normal window: got ${v.outcome} at ${v.href}`);
    });
    await withFirefox('off-private', { privateBrowsing: false, allPrivate: true }, async (ff) => {
      assert.ok(await installed(ff), 'the policy installed Pinwatch');
      const v = await visit(ff, sc.servers.rogue.url);
      assert.equal(v.outcome, 'page', `private window, not allowed: got ${v.outcome} at ${v.href}`);
    });
  });

  it('allowed by ExtensionSettings private_browsing: no note, and the interception is stopped in a private window', async () => {
    await withFirefox('on', { privateBrowsing: true, allPrivate: true }, async (ff) => {
      assert.ok(await installed(ff), 'the policy installed Pinwatch');
      const options = await openExtensionPage(ff, 'pages/options.html', { timeout: 20_000 });
      assert.equal(await options.evaluate(() => browser.extension.inIncognitoContext), true, 'this window is private');
      assert.equal(await options.evaluate(() => browser.extension.isAllowedIncognitoAccess()), true);
      assert.equal(await note(options), null);
      const rogue = await visit(ff, sc.servers.rogue.url);
      assert.equal(rogue.outcome, 'warning', `got ${rogue.outcome} at ${rogue.href}`);
      const legit = await visit(ff, sc.servers.legit.url);
      assert.equal(legit.outcome, 'page', `got ${legit.outcome} at ${legit.href}`);
    });
  });
});
