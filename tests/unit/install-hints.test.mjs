// The pages' hints (extension/install-hints.js): which browser Pinwatch runs in, from
// `navigator.userAgentData` brands; the companion hint naming it, the package first; the private
// windows note only when the browser says Pinwatch is not allowed there, in that browser's words.

import assert from 'node:assert/strict';
import { test } from 'node:test';

let incognito = false;
globalThis.chrome = {
  runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` },
  extension: { isAllowedIncognitoAccess: async () => incognito },
};
const hints = await import('../../extension/install-hints.js');

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

test('the companion hint names this browser and puts the package first', () => {
  for (const [kind, name] of [['chrome', 'Chrome'], ['edge', 'Edge'], ['brave', 'Brave'], ['chromium', 'Chromium']]) {
    const text = hints.companionHint(kind);
    assert.match(text, new RegExp(`check ${name},`));
    assert.ok(text.indexOf('package') < text.indexOf('pinwatch companion install'), text);
    assert.ok(text.endsWith(`--browser ${kind}`), text);
  }
});

test('the private windows note: none when allowed, else the browser\'s words and where to allow it', async () => {
  incognito = true;
  assert.equal(await hints.privateWindowsNote('chrome'), null);
  incognito = false;
  assert.match(await hints.privateWindowsNote('chrome'), /not allowed in Incognito windows.*chrome:\/\/extensions.*Allow in Incognito/);
  assert.match(await hints.privateWindowsNote('edge'), /InPrivate windows.*edge:\/\/extensions/);
  assert.match(await hints.privateWindowsNote('firefox'), /private windows.*about:addons.*Run in Private Windows/);
  assert.match(await hints.privateWindowsNote('brave'), /brave:\/\/extensions/);
  // A browser that cannot say (the API is missing or fails): no note rather than a wrong one.
  globalThis.chrome.extension.isAllowedIncognitoAccess = async () => { throw new Error('no'); };
  assert.equal(await hints.privateWindowsNote('chrome'), null);
});
