// extension/shared/url.js hostOf: the one place a URL's host is taken as the engine takes it. Before it
// was shared, three copies differed: one did not lower-case, one threw on a bad URL and answered
// '' for no host, none removed the trailing dot (so "host." missed the tab's stored verdicts, and
// a report endpoint "pinned.example." counted as another host than the pinned one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostOf, storageOrigin, upgradedUrl } from '../../extension/shared/url.js';
import { hostPatterns, withScheme } from '../../extension/background/host-patterns.js';
import { endpointAllowed } from '../../extension/background/report-format.js';

test('hostOf: lower case, also for schemes whose hosts the URL parser leaves as written', () => {
  assert.equal(hostOf('https://MAIL.Example.TEST/Path?Q=1'), 'mail.example.test');
  assert.equal(hostOf('foo://Collector.Example.COM/x'), 'collector.example.com');
});

test('hostOf: port, credentials, path and fragment are not part of the host', () => {
  assert.equal(hostOf('https://user:pw@mail.example.test:8443/a/b#c'), 'mail.example.test');
});

test('hostOf: IPv6 without brackets (in the parser\'s compressed lower-case form), IPv4 as is', () => {
  assert.equal(hostOf('https://[2001:DB8:0:0::1]:8443/'), '2001:db8::1');
  assert.equal(hostOf('https://[::1]/'), '::1');
  assert.equal(hostOf('https://127.0.0.1:9000/'), '127.0.0.1');
});

test('hostOf: without the trailing dot of a fully qualified name', () => {
  assert.equal(hostOf('https://mail.example.test./'), 'mail.example.test');
  assert.equal(hostOf('https://Mail.Example.Test.:443/'), 'mail.example.test');
});

test('hostOf: IDN hosts come as punycode, as the engine keys them', () => {
  assert.equal(hostOf('https://Bücher.example/'), 'xn--bcher-kva.example');
});

test('hostOf: null, never a throw or an empty string, for what has no host', () => {
  for (const url of ['not a url', '', undefined, null, 42, 'https://', 'mailto:someone@example.test', 'file:///etc/hosts', 'data:text/plain,x']) {
    assert.equal(hostOf(url), null, String(url));
  }
});

test('upgradedUrl: http to https and ws to wss as HSTS does: port 80 becomes 443, any other port stays', () => {
  assert.equal(upgradedUrl('http://mail.example.test/inbox?q=1#top'), 'https://mail.example.test/inbox?q=1#top');
  assert.equal(upgradedUrl('http://mail.example.test:80/'), 'https://mail.example.test/');
  assert.equal(upgradedUrl('http://mail.example.test:8443/x'), 'https://mail.example.test:8443/x');
  assert.equal(upgradedUrl('ws://mail.example.test/socket'), 'wss://mail.example.test/socket');
  assert.equal(upgradedUrl('ws://mail.example.test:9000/s'), 'wss://mail.example.test:9000/s');
  assert.equal(upgradedUrl('http://[::1]:81/'), 'https://[::1]:81/');
});

test('upgradedUrl: null for what is already TLS or not http/ws at all', () => {
  for (const url of ['https://mail.example.test/', 'wss://mail.example.test/', 'ftp://mail.example.test/', 'data:text/plain,x', 'not a url', undefined]) {
    assert.equal(upgradedUrl(url), null, String(url));
  }
});

test('withScheme: the same hosts\' patterns for WebSocket and plain schemes', () => {
  const https = hostPatterns([['mail.example.test', false], ['example.org', true], ['::1', false]]);
  assert.deepEqual(withScheme(https, 'wss'), ['wss://*.example.org./*', 'wss://*.example.org/*', 'wss://[::1]/*',
    'wss://example.org./*', 'wss://example.org/*', 'wss://mail.example.test./*', 'wss://mail.example.test/*']);
  assert.deepEqual(withScheme(['https://a.test/*', 'wss://b.test/*'], 'http'), ['http://a.test/*'], 'only https patterns are converted');
});

const report = (hostname, noted, includeSubdomains) => ({ hostname, 'noted-hostname': noted, 'include-subdomains': includeSubdomains });

test('endpointAllowed: the pinned host is recognised however its URL writes it', () => {
  const pinned = report('mail.example.test', 'mail.example.test', false);
  assert.equal(endpointAllowed('https://mail.example.test./r', pinned), false, 'trailing dot');
  assert.equal(endpointAllowed('https://MAIL.example.test/r', pinned), false, 'upper case');
  assert.equal(endpointAllowed('https://collect.example.test./r', pinned), true);
  assert.equal(endpointAllowed('https://a.example.test./r', report('x.example.test', 'example.test', true)), false, 'covered subdomain with a trailing dot');
  assert.equal(endpointAllowed('https://[::1]:8443/r', report('::1', '::1', false)), false, 'IPv6 literal');
  assert.equal(endpointAllowed('https://[::2]/r', report('::1', '::1', false)), true);
});

test('storageOrigin: the origin whose service workers and caches a stopped response could have filled', () => {
  assert.equal(storageOrigin('https://Mail.Example.Test.:8443/inbox?x=1'), 'https://mail.example.test.:8443');
  assert.equal(storageOrigin('wss://mail.example.test/socket'), 'https://mail.example.test');
  assert.equal(storageOrigin('ws://mail.example.test:81/'), 'http://mail.example.test:81');
  for (const url of ['data:text/plain,x', 'chrome-extension://abc/warning.html', 'not a url', undefined]) {
    assert.equal(storageOrigin(url), null, String(url));
  }
});
