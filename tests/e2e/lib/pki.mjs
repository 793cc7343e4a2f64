// A PKI made at test time with the openssl CLI: certificate authorities and leaves for the
// end-to-end scenarios, with their DER bytes and SPKI pins computed independently (node crypto).

import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args, dir) {
  try {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  } catch (e) {
    throw new Error(`openssl ${args.join(' ')}: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** Escapes a value for `openssl -subj` (`/` and `\` separate attributes). */
function subjEscape(value) {
  return value.replace(/[\\/]/g, (c) => `\\${c}`);
}

export function subject(parts) {
  return Object.entries(parts).map(([k, v]) => `/${k}=${subjEscape(v)}`).join('');
}

/** Facts of a PEM certificate file: DER, SPKI pin, certificate hash, as our pin list writes them. */
export function certInfo(pemPath) {
  const pem = readFileSync(pemPath, 'utf8');
  const x509 = new X509Certificate(pem);
  const spki = x509.publicKey.export({ type: 'spki', format: 'der' });
  return {
    pemText: pem,
    der: x509.raw,
    spkiPin: createHash('sha256').update(spki).digest('base64'),
    certHash: createHash('sha256').update(x509.raw).digest('base64'),
    subject: x509.subject,
  };
}

/** base64 of the DER SubjectPublicKeyInfo: the form a pin set's `issuer_keys` takes. */
export function spkiDer(cert) {
  return new X509Certificate(cert.pemText).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
}

let serial = 0x1000;

/** A certificate's subject key identifier, as hex with colons (`AB:CD:…`), or null. */
export function subjectKeyId(cert) {
  const text = execFileSync('openssl', ['x509', '-in', cert.pem, '-noout', '-ext', 'subjectKeyIdentifier'], { encoding: 'utf8' });
  return text.match(/([0-9A-F]{2}(?::[0-9A-F]{2})+)/)?.[1] ?? null;
}

/**
 * Makes a key and a certificate in `dir/<name>.{key,pem}`.
 * `issuer` is another result of `issue` (or undefined for a self-signed root); `ski` a subject
 * key identifier to write instead of the key's own hash (an impostor copying another CA's).
 */
export function issue(dir, name, { subj, issuer, ca, hosts = [], days = 30, aia, ski }) {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], dir);
  const ext = join(dir, `${name}.ext`);
  const lines = ['[v3]', `subjectKeyIdentifier = ${ski ?? 'hash'}`];
  if (ca) {
    lines.push('basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign');
  } else {
    lines.push('basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth', `subjectAltName = ${hosts.map((h) => `DNS:${h}`).join(', ')}`);
  }
  if (issuer) lines.push('authorityKeyIdentifier = keyid:always');
  // Where the issuer's certificate is published (Authority Information Access caIssuers).
  if (aia) lines.push(`authorityInfoAccess = caIssuers;URI:${aia}`);
  writeFileSync(ext, `${lines.join('\n')}\n`);
  const csr = join(dir, `${name}.csr`);
  openssl(['req', '-new', '-key', key, '-subj', subj, '-config', '/dev/null', '-utf8', '-out', csr], dir);
  const signer = issuer ? ['-CA', issuer.pem, '-CAkey', issuer.key] : ['-signkey', key];
  openssl(['x509', '-req', '-in', csr, ...signer, '-set_serial', String(serial++),
    '-days', String(days), '-sha256', '-extfile', ext, '-extensions', 'v3', '-out', pem], dir);
  return { name, key, pem, ...certInfo(pem) };
}

/** PEM of a leaf followed by its intermediates: what a TLS server sends. */
function chainPem(...certs) {
  return certs.map((c) => c.pemText).join('');
}

/** A hostile subject: HTML and script text that must only ever be shown as text. */
export const HOSTILE_SUBJECT = {
  CN: '<img src=x onerror="document.title=1"><b id="pw-bold">bold</b>',
  O: '<script>document.title="pwned"</script>',
};

/**
 * The scenario PKI in `dir`:
 *   legit: root → intermediate → leaves for mail/warn/plain/blocked
 *   rogue: a second root (also trusted by the test browser) → leaves for mail/warn/hostile
 */
export function makePki(dir) {
  mkdirSync(dir, { recursive: true });
  const legitRoot = issue(dir, 'legit-root', { subj: subject({ CN: 'Pinwatch Test Legit Root', O: 'Pinwatch tests' }), ca: true });
  const legitInter = issue(dir, 'legit-inter', { subj: subject({ CN: 'Pinwatch Test Legit Issuing CA', O: 'Pinwatch tests' }), ca: true, issuer: legitRoot });
  const rogueRoot = issue(dir, 'rogue-root', { subj: subject({ CN: 'Pinwatch Test Rogue Root', O: 'Interceptor Ltd' }), ca: true });
  const leaf = (name, host, issuer, subj) => {
    const cert = issue(dir, name, { subj: subj ?? subject({ CN: host }), issuer, hosts: [host] });
    const chain = issuer === legitInter ? [cert, legitInter] : [cert];
    return { ...cert, host, chainPem: chainPem(...chain) };
  };
  return {
    dir,
    roots: [legitRoot, rogueRoot],
    legitRoot, legitInter, rogueRoot,
    leaves: {
      mailLegit: leaf('mail-legit', 'mail.example.test', legitInter),
      mailRogue: leaf('mail-rogue', 'mail.example.test', rogueRoot),
      warnRogue: leaf('warn-rogue', 'warn.example.test', rogueRoot),
      plain: leaf('plain', 'plain.example.test', legitInter),
      blocked: leaf('blocked', 'blocked.example.test', legitInter),
      hostile: leaf('hostile', 'hostile.example.test', rogueRoot, subject(HOSTILE_SUBJECT)),
    },
  };
}

const DAY = 86400;
const iso = (secs) => new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * The pin list for the run (a payload): mail, warn and hostile pinned to the legit CA keys,
 * the `blocked` leaf on the block list. `expired` makes a list whose expiry has passed.
 */
export function makeTestList(pki, { expired = false, sequence = 1 } = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 1,
    sequence,
    issued_at: iso(expired ? now - 40 * DAY : now - DAY),
    expires_at: iso(expired ? now - DAY : now + 30 * DAY),
    publisher: expired ? 'Pinwatch e2e test list (expired)' : 'Pinwatch e2e test list',
    pinsets: {
      'test-legit': { good: [pki.legitInter.spkiPin, pki.legitRoot.spkiPin] },
    },
    entries: [
      { host: 'mail.example.test', include_subdomains: false, pinset: 'test-legit', mode: 'enforce' },
      { host: 'warn.example.test', include_subdomains: false, pinset: 'test-legit', mode: 'warn' },
      { host: 'hostile.example.test', include_subdomains: false, pinset: 'test-legit', mode: 'enforce' },
    ],
    blocklist: { spki: [], certificates: [pki.leaves.blocked.certHash] },
  };
}
