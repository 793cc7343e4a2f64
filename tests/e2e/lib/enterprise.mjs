// Helpers for the enterprise end-to-end tests: lists signed with the real `pinwatch` CLI, an
// update server and a report collector (HTTPS on loopback, certificates from the test PKI), a
// declared inspection proxy's root, and the policy files of both browsers.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join, resolve } from 'node:path';
import { certInfo } from './pki.mjs';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const CLI = process.env.PINWATCH_CLI ?? join(ROOT, 'target', 'release', 'pinwatch');
export const UPDATE_HOST = 'updates.example.test';
export const REPORT_HOST = 'reports.example.test';
/** A host whose certificate a channel puts on its block list. */
export const REVOKED_HOST = 'revoked.example.test';

function run(cmd, args, opts = {}) {
  try {
    return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts }).toString();
  } catch (e) {
    throw new Error(`${cmd} ${args.join(' ')}: ${e.stderr?.toString() ?? e.message}`);
  }
}

// ---- certificates beyond the scenario PKI -------------------------------------------------------

let serial = 0x5000;

function issue(dir, name, { cn, org = 'Pinwatch tests', issuer, ca, hosts = [] }) {
  const key = join(dir, `${name}.key`);
  const pem = join(dir, `${name}.pem`);
  const ext = join(dir, `${name}.ext`);
  const csr = join(dir, `${name}.csr`);
  run('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key]);
  const lines = ['[v3]', 'subjectKeyIdentifier = hash'];
  if (ca) lines.push('basicConstraints = critical, CA:TRUE', 'keyUsage = critical, keyCertSign, cRLSign');
  else {
    lines.push('basicConstraints = critical, CA:FALSE', 'keyUsage = critical, digitalSignature',
      'extendedKeyUsage = serverAuth', `subjectAltName = ${hosts.map((h) => `DNS:${h}`).join(', ')}`);
  }
  if (issuer) lines.push('authorityKeyIdentifier = keyid:always');
  writeFileSync(ext, `${lines.join('\n')}\n`);
  run('openssl', ['req', '-new', '-key', key, '-subj', `/O=${org}/CN=${cn}`, '-config', '/dev/null', '-out', csr]);
  const signer = issuer ? ['-CA', issuer.pem, '-CAkey', issuer.key] : ['-signkey', key];
  run('openssl', ['x509', '-req', '-in', csr, ...signer, '-set_serial', String(serial++), '-days', '30', '-sha256',
    '-extfile', ext, '-extensions', 'v3', '-out', pem]);
  return { name, key, pem, ...certInfo(pem) };
}

/**
 * Adds to a scenario PKI: a declared inspection proxy's root with a leaf for mail.example.test,
 * and leaves (from the legit intermediate) for revoked.example.test, the update server and the
 * report collector.
 */
export function extendPki(pki) {
  const dir = pki.dir;
  const proxyRoot = issue(dir, 'proxy-root', { cn: 'Pinwatch Test Inspection Proxy Root', org: 'Corp IT', ca: true });
  const leaf = (name, host, issuer) => {
    const cert = issue(dir, name, { cn: host, issuer, hosts: [host] });
    const chain = issuer === pki.legitInter ? [cert, pki.legitInter] : [cert];
    return { ...cert, host, chainPem: chain.map((c) => c.pemText).join('') };
  };
  return {
    proxyRoot,
    mailProxy: leaf('mail-proxy', 'mail.example.test', proxyRoot),
    revoked: leaf('revoked', REVOKED_HOST, pki.legitInter),
    updates: leaf('updates', UPDATE_HOST, pki.legitInter),
    reports: leaf('reports', REPORT_HOST, pki.legitInter),
  };
}

// ---- keys and signed lists, with the real CLI ------------------------------------------------------

export function cliAvailable() {
  return existsSync(CLI) ? null : `${CLI} is missing: run ./build.sh first`;
}

/** `pinwatch keygen --out dir/name`: `{key, pub, text}` (text = the public key's one line). */
export function keygen(dir, name) {
  mkdirSync(dir, { recursive: true });
  const prefix = join(dir, name);
  run(CLI, ['keygen', '--out', prefix]);
  return { key: `${prefix}.key`, pub: `${prefix}.pub`, text: readFileSync(`${prefix}.pub`, 'utf8').trim() };
}

/**
 * `pinwatch sign` of `payload` (an object) by `keys` (keygen results): the envelope's bytes.
 * `channel`: signed for that channel (`--channel`; the payload may also name it itself).
 */
export function signList(dir, name, payload, keys, { channel } = {}) {
  const payloadPath = join(dir, `${name}.payload.json`);
  const out = join(dir, `${name}.signed.json`);
  writeFileSync(payloadPath, `${JSON.stringify(payload, null, 2)}\n`);
  run(CLI, ['sign', payloadPath, ...keys.flatMap((k) => ['--key', k.key]), '--out', out, ...(channel ? ['--channel', channel] : [])]);
  return readFileSync(out);
}

/** The same envelope with its payload changed after signing: the signatures no longer verify. */
export function tamper(envelopeBytes, change) {
  const env = JSON.parse(envelopeBytes.toString('utf8'));
  const payload = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8'));
  change(payload);
  env.payload = Buffer.from(JSON.stringify(payload)).toString('base64');
  return Buffer.from(JSON.stringify(env));
}

const DAY = 86400;
const iso = (secs) => new Date(secs * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * A channel payload: `entries` = [{host, pinset, include_subdomains?, mode?}] over the named
 * pin sets `pinsets` = {name: [pin, pin]}, with an optional `blocklist` ({spki?, certificates?}).
 * `expired` makes one whose expiry has passed; `channel` names the channel it is signed for.
 */
export function channelPayload({ sequence, pinsets, entries, blocklist, expired = false, publisher = 'Pinwatch e2e channel', channel }) {
  const now = Math.floor(Date.now() / 1000);
  return {
    version: 1,
    sequence,
    issued_at: iso(expired ? now - 20 * DAY : now - 600),
    expires_at: iso(expired ? now - DAY : now + 30 * DAY),
    publisher,
    pinsets: Object.fromEntries(Object.entries(pinsets).map(([n, good]) => [n, { good }])),
    entries: entries.map((e) => ({ include_subdomains: false, mode: 'enforce', ...e })),
    ...(blocklist ? { blocklist: { spki: [], certificates: [], ...blocklist } } : {}),
    ...(channel ? { channel } : {}),
  };
}

// ---- servers ----------------------------------------------------------------------------------------

async function listen(server, port = 0) {
  await new Promise((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolveListen();
    });
  });
  return server.address().port;
}

function closeServer(server) {
  return new Promise((resolveClose) => {
    server.closeAllConnections?.();
    server.close(() => resolveClose());
  });
}

/**
 * A server with a fixed port that can be stopped and started again ("the server is down").
 * `handler(req, res, body)` gets the whole request body.
 */
async function restartable(leaf, handler) {
  const make = () => createServer({ key: readFileSync(leaf.key), cert: leaf.chainPem }, (req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  let server = make();
  const port = await listen(server);
  let up = true;
  return {
    port,
    origin: `https://${leaf.host}:${port}`,
    async stop() {
      if (!up) return;
      up = false;
      await closeServer(server);
    },
    async start() {
      if (up) return;
      server = make();
      await listen(server, port);
      up = true;
    },
    close() {
      return this.stop();
    },
  };
}

/**
 * The update server: `GET /list.json` serves `body` (set with `serve(bytes)`), with a strong
 * ETag and 304 for a matching If-None-Match. Every request is logged.
 */
export async function startUpdateServer(leaf) {
  const state = { body: null, status: 200, requests: [] };
  const etagOf = (b) => `"${createHash('sha256').update(b).digest('hex').slice(0, 32)}"`;
  const srv = await restartable(leaf, (req, res) => {
    const entry = { method: req.method, path: req.url, ifNoneMatch: req.headers['if-none-match'] ?? null, cookie: req.headers.cookie ?? null, time: Date.now() };
    state.requests.push(entry);
    if (req.url.split('?')[0] !== '/list.json' || !state.body) {
      entry.answer = 404;
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    if (state.status !== 200) {
      entry.answer = state.status;
      res.writeHead(state.status, { 'content-type': 'text/plain' });
      res.end('unavailable');
      return;
    }
    const etag = etagOf(state.body);
    if (entry.ifNoneMatch === etag) {
      entry.answer = 304;
      res.writeHead(304, { etag });
      res.end();
      return;
    }
    entry.answer = 200;
    res.writeHead(200, { 'content-type': 'application/json', etag, 'cache-control': 'no-cache' });
    res.end(state.body);
  });
  return {
    ...srv,
    url: `${srv.origin}/list.json`,
    requests: state.requests,
    serve(bytes) {
      state.body = Buffer.from(bytes);
      state.status = 200;
    },
    fail(status) {
      state.status = status;
    },
  };
}

/**
 * The report collector: `POST /pins` stores each JSON report with the headers that matter
 * (cookie, content type, origin); `GET /` sets a cookie, so a test can check that reports never
 * carry one.
 */
export async function startCollector(leaf) {
  const reports = [];
  const srv = await restartable(leaf, (req, res, body) => {
    const path = req.url.split('?')[0];
    if (req.method === 'POST' && path === '/pins') {
      let json = null;
      try {
        json = JSON.parse(body.toString('utf8'));
      } catch { /* kept as null: the test sees it */ }
      reports.push({ json, raw: body.toString('utf8'), cookie: req.headers.cookie ?? null, contentType: req.headers['content-type'] ?? null, origin: req.headers.origin ?? null, time: Date.now() });
      res.writeHead(204);
      res.end();
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html', 'set-cookie': 'collector-session=secret-cookie; Secure; SameSite=None; Max-Age=3600' });
      res.end('<!DOCTYPE html><title>collector</title><h1 id="served-page">collector</h1>');
      return;
    }
    res.writeHead(404);
    res.end();
  });
  return { ...srv, endpoint: `${srv.origin}/pins`, reports };
}

// ---- policy files -----------------------------------------------------------------------------------

/**
 * Firefox reads `distribution/policies.json` beside its binary. A "symlink farm" copy of the
 * installation (every entry linked, except `distribution` and the launcher, which is copied) has
 * its own distribution folder, so no root and nothing system-wide is touched.
 * Returns {executable, policiesPath, remove()}.
 */
export function firefoxWithPolicies(dir, policies, installDir = '/usr/lib/firefox-esr') {
  const farm = join(dir, 'firefox-farm');
  mkdirSync(join(farm, 'distribution'), { recursive: true });
  for (const name of readdirSync(installDir)) {
    if (name === 'distribution' || name === 'firefox-esr') continue;
    symlinkSync(join(installDir, name), join(farm, name));
  }
  copyFileSync(join(installDir, 'firefox-esr'), join(farm, 'firefox-esr'));
  const policiesPath = join(farm, 'distribution', 'policies.json');
  writeFileSync(policiesPath, `${JSON.stringify({ policies }, null, 2)}\n`);
  return { executable: join(farm, 'firefox-esr'), policiesPath, remove: () => rmSync(farm, { recursive: true, force: true }) };
}

/** Firefox's `3rdparty` policy for the extension with id `geckoId`. */
export function firefoxPolicies(geckoId, settings) {
  return { '3rdparty': { Extensions: { [geckoId]: settings } } };
}

export const CHROMIUM_POLICY_DIR = '/etc/chromium/policies/managed';

/**
 * Chromium reads `/etc/chromium/policies/managed/*.json` (the path is compiled in; root only).
 * Writes `name` there; `remove()` deletes it (call it in a `finally`).
 */
export function chromiumPolicyFile(extensionId, settings, name = 'pinwatch-test.json') {
  mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
  const path = join(CHROMIUM_POLICY_DIR, name);
  writeFileSync(path, `${JSON.stringify({ '3rdparty': { extensions: { [extensionId]: settings } } }, null, 2)}\n`);
  return { path, remove: () => rmSync(path, { force: true }) };
}

/** Chromium's extension id from the manifest's `key` (base64 DER SPKI): sha256, first 32 hex digits as a–p. */
export function chromiumExtensionId(manifestKey) {
  const hex = createHash('sha256').update(Buffer.from(manifestKey, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((c) => String.fromCharCode(97 + parseInt(c, 16))).join('');
}
