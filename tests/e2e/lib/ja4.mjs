// A TLS ClientHello read from the first record a client sends, and its JA4 fingerprint (FoxIO's
// JA4: `t13d1516h2_<ciphers>_<extensions and signature algorithms>`, GREASE ignored). What a
// middlebox can key on to tell one client from another, computed the way such a box computes it.

import { createHash } from 'node:crypto';
import { createServer } from 'node:net';

/** GREASE values (RFC 8701): 0x0a0a, 0x1a1a, … 0xfafa. */
export const isGrease = (v) => (v & 0x0f0f) === 0x0a0a && (v >> 8) === (v & 0xff);

const hex4 = (v) => v.toString(16).padStart(4, '0');

class Reader {
  constructor(buf) { this.buf = buf; this.at = 0; }
  need(n) {
    if (this.at + n > this.buf.length) throw new Error(`ClientHello cut short at byte ${this.at} (needed ${n} more)`);
  }
  u8() { this.need(1); return this.buf[this.at++]; }
  u16() { this.need(2); const v = this.buf.readUInt16BE(this.at); this.at += 2; return v; }
  u24() { this.need(3); const v = this.buf.readUIntBE(this.at, 3); this.at += 3; return v; }
  bytes(n) { this.need(n); const b = this.buf.subarray(this.at, this.at + n); this.at += n; return b; }
  vec8() { return this.bytes(this.u8()); }
  vec16() { return this.bytes(this.u16()); }
  u16s(b) { const out = []; for (let i = 0; i + 1 < b.length; i += 2) out.push(b.readUInt16BE(i)); return out; }
  get left() { return this.buf.length - this.at; }
}

/**
 * Parses a ClientHello from the bytes a client sent first: one or more TLS records of type 22
 * (handshake) carrying the hello. Returns {version, ciphers, extensions, sni, alpn, groups,
 * sigAlgs, supportedVersions, certCompression, keyShares}; every list in wire order, GREASE kept.
 */
export function parseClientHello(bytes) {
  const records = new Reader(Buffer.from(bytes));
  let hs = Buffer.alloc(0);
  while (records.left >= 5) {
    const type = records.u8();
    if (type !== 22) throw new Error(`not a TLS handshake record (type ${type})`);
    records.u16();
    hs = Buffer.concat([hs, records.vec16()]);
    if (hs.length >= 4 && hs.length >= 4 + hs.readUIntBE(1, 3)) break;
  }
  const r = new Reader(hs);
  if (r.u8() !== 1) throw new Error('the first handshake message is not a ClientHello');
  const body = new Reader(r.bytes(r.u24()));
  const hello = {
    version: body.u16(), ciphers: [], extensions: [], sni: null, alpn: [], groups: [], sigAlgs: [],
    supportedVersions: [], certCompression: [], keyShares: [],
  };
  body.bytes(32);
  body.vec8();
  hello.ciphers = body.u16s(body.vec16());
  body.vec8();
  const exts = new Reader(body.left ? body.vec16() : Buffer.alloc(0));
  while (exts.left) {
    const type = exts.u16();
    const data = exts.vec16();
    hello.extensions.push(type);
    const d = new Reader(data);
    if (type === 0x0000 && data.length) {
      const list = new Reader(d.vec16());
      if (list.u8() === 0) hello.sni = list.vec16().toString('latin1');
    } else if (type === 0x0010) {
      const list = new Reader(d.vec16());
      while (list.left) hello.alpn.push(list.vec8().toString('latin1'));
    } else if (type === 0x000a) {
      hello.groups = d.u16s(d.vec16());
    } else if (type === 0x000d) {
      hello.sigAlgs = d.u16s(d.vec16());
    } else if (type === 0x002b) {
      hello.supportedVersions = d.u16s(d.vec8());
    } else if (type === 0x001b) {
      const list = d.vec8();
      hello.certCompression = d.u16s(list);
    } else if (type === 0x0033) {
      const list = new Reader(d.vec16());
      while (list.left) hello.keyShares.push({ group: list.u16(), length: list.vec16().length });
    }
  }
  return hello;
}

const VERSIONS = { 0x0304: '13', 0x0303: '12', 0x0302: '11', 0x0301: '10', 0x0300: 's3', 0x0002: 's2' };

/** The ALPN part: first and last characters of the first value, or their hex when not alphanumeric. */
function alpnPart(alpn) {
  const first = alpn[0];
  if (!first) return '00';
  const a = first[0];
  const z = first[first.length - 1];
  if (/[0-9A-Za-z]/.test(a) && /[0-9A-Za-z]/.test(z)) return a + z;
  const h = Buffer.from(first, 'latin1').toString('hex');
  return h[0] + h[h.length - 1];
}

const sha12 = (text) => createHash('sha256').update(text).digest('hex').slice(0, 12);

/**
 * JA4 of a parsed hello: {ja4, ja4_r, ja4_o, ja4_ro}. `_r` shows the sorted lists in clear,
 * `_o` keeps the wire order (SNI and ALPN included).
 */
export function ja4(hello) {
  const ciphers = hello.ciphers.filter((c) => !isGrease(c));
  const exts = hello.extensions.filter((e) => !isGrease(e));
  const sigs = hello.sigAlgs.filter((s) => !isGrease(s));
  const versions = hello.supportedVersions.filter((v) => !isGrease(v));
  const version = VERSIONS[versions.length ? Math.max(...versions) : hello.version] ?? '00';
  const count = (n) => String(Math.min(n, 99)).padStart(2, '0');
  const a = `t${version}${hello.sni !== null ? 'd' : 'i'}${count(ciphers.length)}${count(exts.length)}${alpnPart(hello.alpn)}`;
  const sortedCiphers = ciphers.map(hex4).sort().join(',');
  const sortedExts = exts.filter((e) => e !== 0x0000 && e !== 0x0010).map(hex4).sort().join(',');
  const sigText = sigs.map(hex4).join(',');
  const withSigs = (e) => (sigs.length ? `${e}_${sigText}` : e);
  const origCiphers = ciphers.map(hex4).join(',');
  const origExts = exts.map(hex4).join(',');
  return {
    ja4: `${a}_${ciphers.length ? sha12(sortedCiphers) : '000000000000'}_${sha12(withSigs(sortedExts))}`,
    ja4_r: `${a}_${sortedCiphers}_${withSigs(sortedExts)}`,
    ja4_o: `${a}_${ciphers.length ? sha12(origCiphers) : '000000000000'}_${sha12(withSigs(origExts))}`,
    ja4_ro: `${a}_${origCiphers}_${withSigs(origExts)}`,
  };
}

/**
 * A loopback TCP listener that records the first bytes of each connection until a whole
 * ClientHello is in, then closes it (no TLS is ever answered). `hellos` fills in arrival order.
 */
export async function helloRecorder() {
  const hellos = [];
  const sockets = new Set();
  const server = createServer((socket) => {
    sockets.add(socket);
    let got = Buffer.alloc(0);
    socket.on('data', (chunk) => {
      got = Buffer.concat([got, chunk]);
      if (got.length < 9) return;
      // The hello may span records: count the handshake bytes of the records that are whole.
      const want = 4 + got.readUIntBE(6, 3);
      let have = 0;
      for (let at = 0; at + 5 <= got.length && at + 5 + got.readUInt16BE(at + 3) <= got.length;
        at += 5 + got.readUInt16BE(at + 3)) have += got.readUInt16BE(at + 3);
      if (have >= want) {
        hellos.push(got);
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: server.address().port,
    hellos,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}
