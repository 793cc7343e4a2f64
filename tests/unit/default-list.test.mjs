// The bundled default list (extension/lists/default.json) and its source (lists/default/).
//
// Every pin is checked against the machine's CA bundle at test time: a pin whose key is in
// /etc/ssl/certs must hash from the certificate of the CA the source names; a key the bundle does
// not hold (intermediates, GoogleBackup2048, roots newer than the bundle) must record where its
// value was published in ca-pins.md. The shipped payload must be exactly what the generator
// makes from the source, and it must obey the list's lint rules.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, existsSync, mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { X509Certificate, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { listsModule } from '../wasm/lists-module.mjs';
import { build, readSource, SOURCE_PATH, OUTPUT_PATH, ROOT } from '../../lists/build-default.mjs';

const CERT_DIR = process.env.PINWATCH_CA_DIR || '/etc/ssl/certs';
const MAX_DAYS = 70;

const source = readSource();
const shippedText = readFileSync(OUTPUT_PATH, 'utf8');
const payload = JSON.parse(shippedText);

/** Every certificate in the bundle directory: pin, names, DER. Computed with node crypto. */
function loadBundle() {
  const out = [];
  for (const file of readdirSync(CERT_DIR).sort()) {
    if (!file.endsWith('.pem') && !file.endsWith('.crt')) continue;
    if (file === 'ca-certificates.crt') continue;
    let cert;
    try {
      cert = new X509Certificate(readFileSync(join(CERT_DIR, file)));
    } catch {
      continue;
    }
    const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
    const names = new Set();
    for (const line of cert.subject.split('\n')) {
      const m = /^(CN|OU)=(.*)$/.exec(line);
      if (m) names.add(m[2].trim());
    }
    out.push({
      file,
      path: join(CERT_DIR, file),
      pin: createHash('sha256').update(spki).digest('base64'),
      names,
      subject: cert.subject.replace(/\n/g, ', '),
      ca: cert.ca,
      der: new Uint8Array(cert.raw),
      spki: spki.toString('base64'),
    });
  }
  return out;
}

const bundle = loadBundle();

/** The pin as openssl computes it, the way the research notes recomputed them. */
function opensslPin(path) {
  const pub = execFileSync('openssl', ['x509', '-in', path, '-pubkey', '-noout']);
  const der = execFileSync('openssl', ['pkey', '-pubin', '-outform', 'der'], { input: pub });
  return execFileSync('openssl', ['dgst', '-sha256', '-binary'], { input: der }).toString('base64');
}

test('the CA bundle is there to check against', () => {
  assert.ok(bundle.length >= 50, `only ${bundle.length} certificates in ${CERT_DIR}`);
});

test('the shipped payload is exactly what the generator makes from the source', () => {
  assert.equal(shippedText, build(readSource()), `${OUTPUT_PATH} differs from ${SOURCE_PATH}: run node lists/build-default.mjs`);
});

test('every pin is the key of the CA the source names, or has a recorded ca-pins.md source', (t) => {
  const inBundle = [];
  const notInBundle = [];
  for (const [name, key] of Object.entries(source.keys)) {
    const byPin = bundle.filter((c) => c.pin === key.pin);
    const byName = bundle.filter((c) => c.names.has(name));
    // A certificate the bundle holds under this CA name must carry exactly this pin: catches a
    // mistyped pin, which would otherwise slip into the "not in the bundle" branch.
    for (const c of byName) {
      assert.equal(c.pin, key.pin, `${name}: the bundle's ${c.file} has pin ${c.pin}, the source says ${key.pin}`);
    }
    if (byPin.length) {
      for (const c of byPin) {
        assert.ok(c.names.has(name), `${name}: pin ${key.pin} belongs to ${c.subject} (${c.file}), not to ${name}`);
        assert.ok(c.ca, `${name}: ${c.file} is not a CA certificate; only CA keys may be pinned`);
      }
      assert.equal(key.kind, 'root', `${name}: found in the root bundle, so its kind must be root`);
      assert.equal(opensslPin(byPin[0].path), key.pin, `${name}: openssl disagrees with node about ${byPin[0].file}`);
      inBundle.push(name);
    } else {
      assert.match(key.source ?? '', /ca-pins\.md/, `${name}: not in ${CERT_DIR} and no ca-pins.md source recorded`);
      assert.match(key.source, /(StaticHPKPins\.h|testssl|letsencrypt|Chromium|computed|recomputed)/i,
        `${name}: the source must name the file the value was published in`);
      assert.ok(['root', 'intermediate', 'backup-key'].includes(key.kind), `${name}: kind ${key.kind}`);
      notInBundle.push(name);
    }
    assert.ok(key.confidence, `${name}: no confidence recorded`);
  }
  // Every pin in the payload is one of the source's named keys, so the checks above cover it.
  const known = new Set(Object.values(source.keys).map((k) => k.pin));
  for (const [set, spec] of Object.entries(payload.pinsets)) {
    for (const pin of [...spec.good, ...(spec.bad ?? [])]) assert.ok(known.has(pin), `pinset ${set}: ${pin} has no annotated key`);
  }
  for (const pin of payload.blocklist?.spki ?? []) assert.ok(known.has(pin), `blocklist: ${pin} has no annotated key`);
  // The bundle checks must actually bite: most keys of this list are roots in the Mozilla bundle.
  assert.ok(inBundle.length >= 20, `only ${inBundle.length} keys were found in ${CERT_DIR}`);
  t.diagnostic(`in bundle: ${inBundle.length}; recorded sources only: ${notInBundle.join(', ')}`);
});

test('pins are base64 SHA-256 values, distinct within each set, at least two per set', () => {
  for (const [name, set] of Object.entries(payload.pinsets)) {
    const all = [...set.good, ...(set.bad ?? [])];
    for (const pin of all) {
      assert.match(pin, /^[A-Za-z0-9+/]{43}=$/, `${name}: ${pin}`);
      assert.equal(Buffer.from(pin, 'base64').length, 32, `${name}: ${pin}`);
    }
    assert.equal(new Set(set.good).size, set.good.length, `${name}: a good pin is repeated`);
    assert.ok(new Set(set.good).size >= 2, `${name}: ${set.good.length} good pin(s); a backup key is required`);
  }
});

test('issuer keys are the pinned roots\' own public keys, as the CA bundle holds them, and every bundled root has one', () => {
  const source = readSource();
  for (const [name, set] of Object.entries(payload.pinsets)) {
    for (const spki of set.issuer_keys ?? []) {
      const pin = createHash('sha256').update(Buffer.from(spki, 'base64')).digest('base64');
      assert.ok(set.good.includes(pin), `${name}: an issuer key whose pin is not one of the set's good pins`);
      const inBundle = bundle.find((c) => c.pin === pin);
      assert.ok(inBundle, `${name}: issuer key ${pin} is not a root of ${CERT_DIR}`);
      assert.equal(inBundle.spki, spki, `${name}: issuer key ${pin} differs from the bundle's bytes`);
    }
  }
  for (const [keyName, key] of Object.entries(source.keys)) {
    if (key.kind === 'root' && bundle.some((c) => c.pin === key.pin)) {
      assert.ok(key.spki, `${keyName}: a bundled root without its recorded spki (node lists/build-default.mjs --fill-spki)`);
    }
  }
});

test('hosts are lower-case ASCII, unique, and every pin set is used', () => {
  const hosts = payload.entries.map((e) => e.host);
  for (const h of hosts) {
    assert.match(h, /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/, `host ${h}`);
  }
  assert.equal(new Set(hosts).size, hosts.length, 'duplicate host entries');
  const used = new Set(payload.entries.map((e) => e.pinset));
  for (const name of Object.keys(payload.pinsets)) assert.ok(used.has(name), `pinset ${name} is not used`);
  for (const e of payload.entries) assert.ok(payload.pinsets[e.pinset], `${e.host}: pinset ${e.pinset} is not defined`);
});

test('the required services are covered', () => {
  const byHost = new Map(payload.entries.map((e) => [e.host, e]));
  for (const h of ['mail.google.com', 'accounts.google.com', 'outlook.office365.com', 'outlook.office.com',
    'login.microsoftonline.com', 'login.salesforce.com', 'github.com', 'www.dropbox.com']) {
    assert.ok(byHost.has(h), `no entry for ${h}`);
  }
  assert.equal(byHost.get('my.salesforce.com')?.include_subdomains, true, '*.my.salesforce.com must be covered');
  assert.equal(byHost.get('mail.google.com')?.include_subdomains, true);
});

test('the Google session scope is pinned whole; every host left out of a domain says why', () => {
  const google = payload.entries.find((e) => e.host === 'google.com');
  assert.ok(google, 'no entry for google.com');
  assert.equal(google.include_subdomains, true, 'google.com must cover its subdomains: the session cookies are set for .google.com');
  assert.equal(google.mode, 'enforce');
  assert.equal(google.pinset, 'google');
  const considered = payload.entries.filter((e) => e.cookie_scope !== undefined);
  assert.ok(considered.length > 0);
  for (const e of considered) {
    assert.equal(e.cookie_scope, 'considered', e.host);
    assert.match(e.comment, /cookie scope considered \(ca-pins\.md §11\)/, `${e.host}: no reason given`);
  }
  const notes = readFileSync(join(ROOT, 'lists', 'default', 'ca-pins.md'), 'utf8');
  assert.match(notes, /## 11\. Session scope/, 'ca-pins.md has no §11');
  assert.match(notes, /"name": "google\.com", "include_subdomains": true, "pins": "google"/, 'the Chromium entry is quoted');
});

// The publisher's own lint, cookie-scope rule included (the CLI, when it has been built).
const cli = process.env.PINWATCH_BIN || join(ROOT, 'target', 'release', 'pinwatch');

test('pinwatch lint finds nothing in the shipped list, and would warn without the considered marks', { skip: !existsSync(cli) && `no CLI at ${cli}` }, () => {
  const rows = JSON.parse(execFileSync(cli, ['lint', '--json', OUTPUT_PATH]).toString());
  assert.deepEqual(rows, []);
  // The marks and the google.com entry are what keep it quiet, not a rule that never fires.
  const bare = structuredClone(payload);
  bare.entries = bare.entries.filter((e) => e.host !== 'google.com');
  for (const e of bare.entries) delete e.cookie_scope;
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-default-'));
  try {
    const file = join(dir, 'bare.json');
    writeFileSync(file, JSON.stringify(bare));
    const warned = JSON.parse(execFileSync(cli, ['lint', '--json', file]).toString())
      .filter((r) => r.rule === 'cookie-scope');
    const domains = warned.map((r) => /not (\S+) with include_subdomains/.exec(r.message)?.[1]);
    assert.deepEqual(domains, ['google.com', 'gmail.com', 'googlemail.com', 'microsoftonline.com', 'office365.com',
      'office.com', 'salesforce.com', 'github.com', 'dropbox.com', 'dropboxapi.com']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('only entries backed by high-confidence evidence enforce', () => {
  for (const e of source.entries) {
    const ev = source.evidence[e.evidence];
    assert.ok(ev, `${e.host}: no evidence record`);
    assert.match(ev.source, /ca-pins\.md/, `${e.host}: evidence has no ca-pins.md source`);
    if (e.mode === 'enforce') assert.equal(ev.confidence, 'high', `${e.host} enforces on ${ev.confidence} evidence`);
  }
  // The payload says the same as the source, entry by entry.
  assert.deepEqual(payload.entries.map((e) => [e.host, e.mode]), source.entries.map((e) => [e.host, e.mode]));
  for (const e of payload.entries) assert.ok(['enforce', 'warn', 'report'].includes(e.mode), `${e.host}: mode ${e.mode}`);
});

test('the list expires at most 70 days after it was issued', () => {
  const issued = Date.parse(payload.issued_at);
  const expires = Date.parse(payload.expires_at);
  assert.ok(Number.isFinite(issued) && Number.isFinite(expires), 'timestamps must parse');
  assert.ok(expires > issued, 'expires_at must be after issued_at');
  assert.ok(expires - issued <= MAX_DAYS * 86400e3, `valid for ${(expires - issued) / 86400e3} days`);
  assert.equal(payload.version, 1);
  assert.ok(Number.isSafeInteger(payload.sequence) && payload.sequence > 0);
});

test('the block list holds only annotated keys (empty unless ca-pins.md gives values)', () => {
  assert.deepEqual(payload.blocklist.spki, source.blocklist.spki.map((k) => source.keys[k]?.pin ?? k));
  if (payload.blocklist.spki.length === 0 && payload.blocklist.certificates.length === 0) {
    assert.ok(source.blocklist.note, 'an empty block list must say why');
  }
});

// The shipped list in the real engine (the WASM package for node, when it has been built).
const pkg = process.env.PINWATCH_PKG_NODEJS || join(ROOT, 'target', 'pkg-nodejs');
const havePkg = existsSync(join(pkg, 'pinwatch.js'));

test('the WASM engine reads the list and judges chains with it', { skip: !havePkg && `no WASM package in ${pkg}` }, async () => {
  const wasm = createRequire(import.meta.url)(join(pkg, 'pinwatch.js'));
  const lists = await listsModule();
  assert.ok(lists, 'the signed-list module (target/pkg-web-lists) is built');
  const info = lists.readPayload(shippedText);
  assert.equal(info.entries, payload.entries.length);
  const engine = new wasm.Engine([{ origin: 'bundled', payload: shippedText }], {});
  assert.deepEqual(engine.problems(), []);
  const der = (name) => {
    const c = bundle.find((b) => b.names.has(name));
    assert.ok(c, `${name} not in ${CERT_DIR}`);
    return c.der;
  };
  const now = Date.parse(payload.issued_at) / 1000 + 86400;
  const foreign = [der('ISRG Root X1'), der('ISRG Root X2')];
  const cases = [
    ['mail.google.com', [der('ISRG Root X1'), der('GTS Root R1')], 'pinned', undefined],
    ['inbox.mail.google.com', [der('ISRG Root X1'), der('GlobalSign ECC Root CA - R4')], 'pinned', undefined],
    ['mail.google.com', foreign, 'mismatch', 'enforce'],
    // Siblings that receive the same .google.com session cookies.
    ['docs.google.com', [der('GTS Root R4')], 'pinned', undefined],
    ['calendar.google.com', foreign, 'mismatch', 'enforce'],
    ['login.microsoftonline.com', [der('ISRG Root X1'), der('Microsoft RSA Root Certificate Authority 2017')], 'pinned', undefined],
    ['outlook.office365.com', foreign, 'mismatch', 'warn'],
    ['acme.my.salesforce.com', foreign, 'mismatch', 'warn'],
    ['github.com', [der('ISRG Root X1'), der('USERTrust ECC Certification Authority')], 'pinned', undefined],
    ['github.com', foreign, 'mismatch', 'report'],
    ['www.dropbox.com', foreign, 'mismatch', 'report'],
    ['example.com', foreign, 'unpinned', undefined],
  ];
  for (const [host, chain, status, action] of cases) {
    const v = engine.check(host, chain, now);
    assert.equal(v.status, status, `${host}: ${v.status} (${v.reason})`);
    assert.equal(v.action ?? undefined, action, `${host}: action`);
  }
  const expired = Date.parse(payload.expires_at) / 1000 + 1;
  // A foreign chain under the expired list: not enforced, but not silent either.
  const stale = engine.check('mail.google.com', foreign, expired);
  assert.equal(stale.status, 'stale-mismatch');
  assert.equal(stale.action ?? undefined, undefined);
});
