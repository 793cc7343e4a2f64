// The browser's proxy as the companion is told it (browser-proxy.js): fixed servers followed,
// bypass lists honoured, and what is not followed (PAC, system, auto-detection) said plainly.
// The path through a real proxy is tested in tests/e2e/companion.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';

globalThis.chrome = { runtime: { getManifest: () => ({ permissions: [] }), getURL: (p) => `chrome-extension://test/${p}` } };
const { bypassed, proxyFor } = await import('../../extension/background/browser-proxy.js');

test('fixed servers: the single proxy, else the https one, else the fallback; default ports per scheme', () => {
  const fixed = (rules) => proxyFor('mail.example.com', { mode: 'fixed_servers', rules });
  assert.deepEqual(fixed({ singleProxy: { host: 'proxy.corp', port: 3128 } }).proxy, { scheme: 'http', host: 'proxy.corp', port: 3128 });
  assert.deepEqual(fixed({ proxyForHttp: { host: 'h' }, proxyForHttps: { scheme: 'http', host: 's', port: 8080 } }).proxy, { scheme: 'http', host: 's', port: 8080 });
  assert.deepEqual(fixed({ fallbackProxy: { scheme: 'socks5', host: 'f' } }).proxy, { scheme: 'socks5', host: 'f', port: 1080 });
  assert.deepEqual(fixed({ singleProxy: { host: 'p' } }).proxy, { scheme: 'http', host: 'p', port: 80 });
  assert.equal(fixed({ proxyForHttp: { host: 'only-http' } }).proxy, null, 'an http-only proxy does not carry https');
});

test('bypass lists: exact names, subdomain patterns and <local>; anything else keeps the proxy', () => {
  const list = ['intranet.corp', '*.internal.example', '.lan', '<local>', '10.0.0.0/8'];
  assert.ok(bypassed('intranet.corp', list));
  assert.ok(bypassed('a.internal.example', list));
  assert.ok(!bypassed('internal.example', list), '*.x does not cover x itself');
  assert.ok(bypassed('printer.lan', list));
  assert.ok(bypassed('nas', list));
  assert.ok(!bypassed('10.1.2.3', list), 'CIDR forms are not matched: the proxy is kept');
  const v = { mode: 'fixed_servers', rules: { singleProxy: { host: 'p', port: 1 }, bypassList: list } };
  assert.equal(proxyFor('a.internal.example', v).proxy, null);
  assert.ok(proxyFor('mail.example.com', v).proxy);
});

test('direct, PAC, system and auto-detection: no proxy for the companion, and a note when the browser\'s is unknown', () => {
  assert.deepEqual(proxyFor('x.example', { mode: 'direct' }), { proxy: null });
  assert.deepEqual(proxyFor('x.example', null), { proxy: null });
  for (const [mode, words] of [['pac_script', /PAC script/], ['system', /system settings/], ['auto_detect', /auto-detection/]]) {
    const got = proxyFor('x.example', { mode });
    assert.equal(got.proxy, null);
    assert.match(got.note, words);
  }
});
