// The test helper's JA4 (tests/e2e/lib/ja4.mjs) against the worked example of FoxIO's JA4
// specification (technical_details/JA4.md): a hello is built here with the example's ciphers,
// extensions and signature algorithms in the example's wire order, GREASE added, and must give
// the published fingerprints.
//   node --test tests/unit/ja4.test.mjs

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGrease, ja4, parseClientHello } from '../e2e/lib/ja4.mjs';

const u16 = (v) => Buffer.from([v >> 8, v & 0xff]);
const vec16 = (b) => Buffer.concat([u16(b.length), b]);
const vec8 = (b) => Buffer.concat([Buffer.from([b.length]), b]);
const list16 = (vals) => Buffer.concat(vals.map(u16));

/** A ClientHello record; `extensions` are [type, data] in wire order. */
function hello({ ciphers, extensions, recordSplit = 0 }) {
  const body = Buffer.concat([
    u16(0x0303), Buffer.alloc(32, 7), vec8(Buffer.alloc(32, 1)), vec16(list16(ciphers)), vec8(Buffer.from([0])),
    vec16(Buffer.concat(extensions.map(([t, d]) => Buffer.concat([u16(t), vec16(d)])))),
  ]);
  const hs = Buffer.concat([Buffer.from([1, 0, body.length >> 8, body.length & 0xff]), body]);
  const record = (b) => Buffer.concat([Buffer.from([22, 3, 1]), vec16(b)]);
  if (!recordSplit) return record(hs);
  return Buffer.concat([record(hs.subarray(0, recordSplit)), record(hs.subarray(recordSplit))]);
}

// The specification's example, wire order.
const CIPHERS = [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];
const EXTS = [0x001b, 0x0000, 0x0033, 0x0010, 0x4469, 0x0017, 0x002d, 0x000d, 0x0005, 0x0023, 0x0012, 0x002b, 0xff01, 0x000b, 0x000a, 0x0015];
const SIGS = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

function exampleExtensions({ sigs = SIGS, alpn = ['h2', 'http/1.1'] } = {}) {
  const data = {
    0x0000: vec16(Buffer.concat([Buffer.from([0]), vec16(Buffer.from('example.com'))])),
    0x0010: vec16(Buffer.concat(alpn.map((p) => vec8(Buffer.from(p, 'latin1'))))),
    0x000d: vec16(list16(sigs)),
    0x002b: vec8(list16([0x3a3a, 0x0304, 0x0303])),
    0x000a: vec16(list16([0x2a2a, 0x11ec, 0x001d, 0x0017])),
    0x001b: vec8(list16([0x0002])),
    0x0033: vec16(Buffer.concat([u16(0x001d), vec16(Buffer.alloc(32, 9))])),
  };
  const exts = EXTS.map((t) => [t, data[t] ?? Buffer.alloc(0)]);
  // GREASE first and last, as Chromium sends it; JA4 must not count it.
  return [[0x0a0a, Buffer.alloc(0)], ...exts, [0xfafa, Buffer.from([0])]];
}

describe('JA4 of a ClientHello (FoxIO specification example)', () => {
  it('GREASE values are recognised', () => {
    assert.ok([0x0a0a, 0x1a1a, 0x3a3a, 0xfafa].every(isGrease));
    assert.ok(![0x0a1a, 0x1301, 0x000a, 0x4469].some(isGrease));
  });

  it('gives the published JA4, JA4_r, JA4_o and JA4_ro, with GREASE ignored', () => {
    const h = parseClientHello(hello({ ciphers: [0x7a7a, ...CIPHERS], extensions: exampleExtensions() }));
    assert.equal(h.sni, 'example.com');
    assert.deepEqual(h.alpn, ['h2', 'http/1.1']);
    assert.deepEqual(h.groups, [0x2a2a, 0x11ec, 0x001d, 0x0017]);
    assert.deepEqual(h.certCompression, [0x0002]);
    const got = ja4(h);
    assert.equal(got.ja4, 't13d1516h2_8daaf6152771_e5627efa2ab1');
    assert.equal(got.ja4_r, 't13d1516h2_002f,0035,009c,009d,1301,1302,1303,c013,c014,c02b,c02c,c02f,c030,cca8,cca9_0005,000a,000b,000d,0012,0015,0017,001b,0023,002b,002d,0033,4469,ff01_0403,0804,0401,0503,0805,0501,0806,0601');
    assert.equal(got.ja4_o, 't13d1516h2_acb858a92679_18f69afefd3d');
    assert.equal(got.ja4_ro, 't13d1516h2_1301,1302,1303,c02b,c02f,c02c,c030,cca9,cca8,c013,c014,009c,009d,002f,0035_001b,0000,0033,0010,4469,0017,002d,000d,0005,0023,0012,002b,ff01,000b,000a,0015_0403,0804,0401,0503,0805,0501,0806,0601');
  });

  it('an empty signature algorithm list: the extension hash has no underscore (published 6d807ffa2a79)', () => {
    const h = parseClientHello(hello({ ciphers: CIPHERS, extensions: exampleExtensions({ sigs: [] }) }));
    assert.equal(ja4(h).ja4.split('_')[2], '6d807ffa2a79');
  });

  it('a hello split over two records reads the same; a cut one is refused', () => {
    const whole = hello({ ciphers: CIPHERS, extensions: exampleExtensions() });
    const split = hello({ ciphers: CIPHERS, extensions: exampleExtensions(), recordSplit: 100 });
    assert.equal(ja4(parseClientHello(split)).ja4, ja4(parseClientHello(whole)).ja4);
    assert.throws(() => parseClientHello(whole.subarray(0, 80)), /cut short/);
  });

  it('the ALPN part: first and last character, hex when not alphanumeric, 00 without ALPN', () => {
    const of = (alpn) => ja4(parseClientHello(hello({ ciphers: CIPHERS, extensions: exampleExtensions({ alpn }) }))).ja4.slice(8, 10);
    assert.equal(of(['http/1.1']), 'h1');
    assert.equal(of(['\xabh2\xcd']), 'ad');
    const none = exampleExtensions().filter(([t]) => t !== 0x0010);
    assert.equal(ja4(parseClientHello(hello({ ciphers: CIPHERS, extensions: none }))).ja4.slice(0, 10), 't13d151500');
  });
});
