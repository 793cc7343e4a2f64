// The pages' hints (extension/pages/install-hints.js): which browser Pinwatch runs in, from
// `navigator.userAgentData` brands; the companion hint naming it, the package first; the private
// windows note only when the browser says Pinwatch is not allowed there, in that browser's words.
// The sentences are the real messages of every locale; what must survive translation is checked
// in each: the browser's name, the package before the command, the command and the address as
// they are.

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fakeI18n } from './lib/i18n.mjs';

const LOCALES = join(import.meta.dirname, '..', '..', 'extension', '_locales');
const locales = readdirSync(LOCALES);
let incognito = false;
globalThis.chrome = {
  runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` },
  extension: { isAllowedIncognitoAccess: async () => incognito },
  i18n: fakeI18n(LOCALES, 'en'),
};
const hints = await import('../../extension/pages/install-hints.js');
const inLocale = (code) => { globalThis.chrome.i18n = fakeI18n(LOCALES, code); };

const chromium = { getManifest: () => ({}) };
const firefox = { getManifest: () => ({}), getBrowserInfo: async () => ({ name: 'Firefox' }) };
const nav = (...brands) => ({ userAgentData: { brands: brands.map((brand) => ({ brand, version: '156' })) } });
// Real brand lists carry a GREASE entry and "Chromium" beside the browser's own.
const GREASE = 'Not.A/Brand';

test('the browser, from the brands Chromium-family browsers give, Firefox by its runtime', () => {
  assert.equal(hints.browserKind(nav(GREASE, 'Chromium', 'Google Chrome'), chromium), 'chrome');
  assert.equal(hints.browserKind(nav('Microsoft Edge', GREASE, 'Chromium'), chromium), 'edge');
  assert.equal(hints.browserKind(nav('Brave', 'Chromium', GREASE), chromium), 'brave');
  assert.equal(hints.browserKind({ ...nav('Chromium', GREASE), brave: {} }, chromium), 'brave', 'an older Brave');
  assert.equal(hints.browserKind(nav(GREASE, 'Chromium'), chromium), 'chromium');
  assert.equal(hints.browserKind({}, chromium), 'chromium', 'no userAgentData');
  assert.equal(hints.browserKind({}, firefox), 'firefox');
});

test('the companion hint names this browser and puts the package first, in every language', () => {
  assert.ok(locales.length >= 12, 'the locales were found');
  for (const code of locales) {
    inLocale(code);
    for (const [kind, name] of [['chrome', 'Chrome'], ['edge', 'Edge'], ['brave', 'Brave'], ['chromium', 'Chromium'], ['firefox', 'Firefox']]) {
      const text = hints.companionHint(kind);
      const command = `pinwatch companion install --browser ${kind}`;
      assert.ok(text.includes(name), `${code}/${kind}: ${text}`);
      assert.ok(text.includes(command), `${code}/${kind}: the command as it is: ${text}`);
      const packageAt = text.indexOf('pinwatch .deb');
      assert.ok(packageAt >= 0 && packageAt < text.indexOf(command), `${code}/${kind}: the package first: ${text}`);
    }
    if (code !== 'en') {
      const english = fakeI18n(LOCALES, 'en').getMessage('companion_install_hint', ['Chrome', 'pinwatch companion install --browser chrome']);
      assert.notEqual(hints.companionHint('chrome'), english, `${code}: translated`);
    }
  }
  inLocale('en');
  assert.match(hints.companionHint('edge'), /^To let Pinwatch check Edge, install the Pinwatch package.*or run: pinwatch companion install --browser edge\.$/);
});

test('what the popup and the options page say when the companion is missing names its command once', () => {
  for (const code of locales) {
    const messages = JSON.parse(readFileSync(join(LOCALES, code, 'messages.json'), 'utf8'));
    for (const key of ['popup_companion_missing', 'companion_missing']) {
      assert.doesNotMatch(messages[key].message, /pinwatch companion install/, `${code}/${key}: the hint after it carries the command`);
    }
  }
});

test('the private windows note: none when allowed, else the browser\'s words and where to allow it', async () => {
  incognito = true;
  assert.equal(await hints.privateWindowsNote('chrome'), null);
  incognito = false;
  assert.match(await hints.privateWindowsNote('chrome'), /not allowed in Incognito windows.*chrome:\/\/extensions.*Allow in Incognito/);
  assert.match(await hints.privateWindowsNote('chromium'), /not allowed in Incognito windows.*chrome:\/\/extensions/);
  assert.match(await hints.privateWindowsNote('edge'), /InPrivate windows.*edge:\/\/extensions.*Allow in InPrivate/);
  assert.match(await hints.privateWindowsNote('firefox'), /private windows.*about:addons.*Run in Private Windows/);
  assert.match(await hints.privateWindowsNote('brave'), /private windows.*brave:\/\/extensions.*Allow in Private/);
  // Each language names the page the switch is on, as the browser spells it.
  for (const code of locales) {
    inLocale(code);
    for (const [kind, page] of [['firefox', 'about:addons'], ['chrome', 'chrome://extensions'], ['edge', 'edge://extensions'], ['brave', 'brave://extensions']]) {
      const note = await hints.privateWindowsNote(kind);
      assert.ok(note.includes(page) && note.includes('Pinwatch'), `${code}/${kind}: ${note}`);
    }
    if (code !== 'en') {
      const english = fakeI18n(LOCALES, 'en').getMessage('private_note_chrome', ['chrome://extensions']);
      assert.notEqual(await hints.privateWindowsNote('chrome'), english, `${code}: translated`);
    }
  }
  inLocale('en');
  // A browser that cannot say (the API is missing or fails): no note rather than a wrong one.
  globalThis.chrome.extension.isAllowedIncognitoAccess = async () => { throw new Error('no'); };
  assert.equal(await hints.privateWindowsNote('chrome'), null);
});
