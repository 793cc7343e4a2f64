// A middlebox that tells the companion's connection from the browser's by its ClientHello can
// intercept the browser alone. Here both hellos are captured on one loopback listener — the
// installed Chromium navigating to it, the real companion binary looking at it — and compared
// in what such a box keys on: the JA4 fingerprint (tests/e2e/lib/ja4.mjs), GREASE, ALPN,
// groups and key shares, certificate compression.
//   BROWSER=chromium node --test --test-concurrency=1 tests/e2e/client-hello.test.mjs   (after ./build.sh)

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { launchChromium, waitFor } from './lib/chromium.mjs';
import { helloRecorder, isGrease, ja4, parseClientHello } from './lib/ja4.mjs';
import { ROOT } from './lib/scenario.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const PINWATCH = process.env.PINWATCH_BIN ?? join(ROOT, 'target', 'release', 'pinwatch');
const skip = (!['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`)
  || (!existsSync(PINWATCH) && 'no target/release/pinwatch: run ./build.sh');
const HOST = 'hello.example.test';

/** One check by the real companion (native messaging on stdin/stdout); resolves to its reply. */
function companionCheck(request) {
  return new Promise((resolve, reject) => {
    const child = spawn(PINWATCH, ['companion', 'serve', '--timeout', '5'], { stdio: ['pipe', 'pipe', 'inherit'] });
    let got = Buffer.alloc(0);
    child.stdout.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length >= 4 && got.length >= 4 + got.readUInt32LE(0)) {
        resolve(JSON.parse(got.subarray(4, 4 + got.readUInt32LE(0)).toString('utf8')));
        child.stdin.end();
      }
    });
    child.on('error', reject);
    child.on('exit', (code) => reject(new Error(`the companion exited (${code}) without a reply`)));
    const body = Buffer.from(JSON.stringify(request));
    const len = Buffer.alloc(4);
    len.writeUInt32LE(body.length);
    child.stdin.write(Buffer.concat([len, body]));
  });
}

const noGrease = (list) => list.filter((v) => !isGrease(v));
const hex = (list) => list.map((v) => `0x${v.toString(16).padStart(4, '0')}`);
/** Wire order with each GREASE value (random per connection) as `GREASE`. */
const shape = (list) => list.map((v) => (isGrease(v) ? 'GREASE' : `0x${v.toString(16).padStart(4, '0')}`));

describe('the companion\'s ClientHello is the browser\'s', { skip }, () => {
  let recorder;
  let cr;
  let chromium;
  let companion;

  before(async () => {
    recorder = await helloRecorder();
    cr = await launchChromium({ hosts: [HOST], securityInfo: false });
    const page = await cr.browser.newPage();
    // The listener answers no TLS: the navigation fails once the hello is recorded.
    await page.goto(`https://${HOST}:${recorder.port}/`, { timeout: 15_000 }).catch(() => {});
    await waitFor(() => recorder.hellos.length >= 1, { timeout: 15_000 });
    chromium = parseClientHello(recorder.hellos[0]);
    await cr.close();
    cr = null;
    const seen = recorder.hellos.length;
    await companionCheck({ id: 1, type: 'check', host: HOST, port: recorder.port, ip: '127.0.0.1' });
    assert.ok(recorder.hellos.length > seen, 'the companion connected to the listener');
    companion = parseClientHello(recorder.hellos[seen]);
  });

  after(async () => {
    await cr?.close();
    await recorder?.close();
  });

  it('the same JA4 fingerprint', () => {
    const ours = ja4(companion);
    const theirs = ja4(chromium);
    assert.equal(ours.ja4, theirs.ja4, `companion ${ours.ja4_r}\nchromium  ${theirs.ja4_r}`);
    assert.equal(ours.ja4_r, theirs.ja4_r);
  });

  it('GREASE where Chromium puts it: ciphers, extensions, groups, versions', () => {
    for (const [name, hello] of [['chromium', chromium], ['companion', companion]]) {
      for (const field of ['ciphers', 'extensions', 'groups', 'supportedVersions']) {
        assert.ok(hello[field].some(isGrease), `${name}: GREASE in ${field} ${hex(hello[field])}`);
      }
    }
  });

  it('the same ALPN, groups, key shares, certificate compression and server name', () => {
    assert.deepEqual(companion.alpn, ['h2', 'http/1.1']);
    assert.deepEqual(companion.alpn, chromium.alpn);
    assert.deepEqual(hex(noGrease(companion.groups)), hex(noGrease(chromium.groups)));
    const shares = (h) => h.keyShares.filter((k) => !isGrease(k.group)).map((k) => [k.group, k.length]);
    assert.deepEqual(shares(companion), shares(chromium));
    assert.ok(chromium.certCompression.length, 'Chromium offers certificate compression');
    assert.deepEqual(hex(companion.certCompression), hex(chromium.certCompression));
    assert.equal(companion.sni, HOST);
    assert.equal(chromium.sni, HOST);
    assert.deepEqual(shape(companion.sigAlgs), shape(chromium.sigAlgs));
    assert.deepEqual(shape(companion.supportedVersions), shape(chromium.supportedVersions));
    assert.deepEqual(shape(companion.ciphers), shape(chromium.ciphers), 'the cipher suites in Chromium\'s order');
  });

  it('an older browser named by the extension gets that version\'s hello (Chromium 120: no ML-KEM, ALPS at 0x4469, no trust anchors, no ML-DSA)', async () => {
    const seen = recorder.hellos.length;
    await companionCheck({ id: 2, type: 'check', host: HOST, port: recorder.port, ip: '127.0.0.1', chromium: 120 });
    assert.ok(recorder.hellos.length > seen, 'the companion connected to the listener');
    const old = parseClientHello(recorder.hellos[seen]);
    assert.deepEqual(hex(noGrease(old.groups)), hex([0x001d, 0x0017, 0x0018]));
    assert.ok(old.extensions.includes(0x4469) && !old.extensions.includes(0x44cd), hex(old.extensions).join(','));
    assert.ok(!old.extensions.includes(0xca34), 'no trust_anchors extension before it existed');
    assert.ok(!old.sigAlgs.includes(0x0904), 'no ML-DSA before it was offered');
    assert.ok(old.ciphers.some(isGrease) && old.extensions.some(isGrease));
  });
});
