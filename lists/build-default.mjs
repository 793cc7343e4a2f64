#!/usr/bin/env node
// Builds the bundled default pin list payload from its annotated source.
//
//   node lists/build-default.mjs           write extension/lists/default.json
//   node lists/build-default.mjs --check   exit 1 if the committed payload differs from the source
//
// The source (lists/default/source.json) names every key by its CA and records where its pin was
// published; pin sets refer to keys by those names. The payload carries only what the engine
// reads (docs/pinlist-format.md). The output is deterministic: the same source gives the same bytes.
import { createHash, X509Certificate } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(HERE, '..');
export const SOURCE_PATH = join(HERE, 'default', 'source.json');
export const OUTPUT_PATH = join(ROOT, 'extension', 'lists', 'default.json');

/** Chromium's static-pin rule, which the list format adopts: at most 70 days of validity. */
export const MAX_VALID_DAYS = 70;
export const MODES = ['enforce', 'warn', 'report'];
export const KEY_KINDS = ['root', 'intermediate', 'backup-key'];
const DAY = 86400;

export function readSource(path = SOURCE_PATH) {
  return JSON.parse(readFileSync(path, 'utf8'));
}

function rfc3339(seconds) {
  return new Date(seconds * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function parseTime(text) {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/.test(text)) throw new Error(`not a UTC RFC 3339 time: ${text}`);
  return Date.parse(text) / 1000;
}

/** The pins of a pin set, in the order the source lists its keys. */
function pinsOf(source, name) {
  return source.pinsets[name].keys.map((k) => {
    const key = source.keys[k];
    if (!key) throw new Error(`pinset ${name}: no key named ${JSON.stringify(k)}`);
    return key.pin;
  });
}

/** Source -> payload object (field order as in the format spec). */
export function buildPayload(source) {
  const issued = parseTime(source.issued_at);
  const pinsets = {};
  for (const name of Object.keys(source.pinsets).sort()) {
    const set = source.pinsets[name];
    const out = { good: pinsOf(source, name) };
    if (set.bad?.length) out.bad = set.bad.map((k) => source.keys[k].pin);
    // The roots' public keys, so that a browser that hands over only the leaf can link it
    // (through the issuing CA it fetches) to a pinned root by signatures.
    const issuerKeys = set.keys.map((k) => source.keys[k].spki).filter(Boolean);
    if (issuerKeys.length) out.issuer_keys = issuerKeys;
    out.comment = `${set.keys.join(', ')}. ${set.comment}`;
    pinsets[name] = out;
  }
  const entries = source.entries.map((e) => {
    const ev = source.evidence[e.evidence];
    if (!ev) throw new Error(`entry ${e.host}: no evidence record ${JSON.stringify(e.evidence)}`);
    const out = {
      host: e.host,
      include_subdomains: e.include_subdomains,
      pinset: e.pinset,
      mode: e.mode,
      comment: `confidence ${ev.confidence}; ${ev.mode_reason}`,
    };
    // The rest of the host's registrable domain was left out on purpose: say so to lint, and why.
    if (e.cookie_scope) {
      const note = source.scope_notes?.[e.scope_note];
      if (!note) throw new Error(`entry ${e.host}: no scope note ${JSON.stringify(e.scope_note)}`);
      out.cookie_scope = e.cookie_scope;
      out.comment += `; ${note}`;
    }
    return out;
  });
  return {
    version: 1,
    sequence: source.sequence,
    issued_at: rfc3339(issued),
    expires_at: rfc3339(issued + source.valid_days * DAY),
    publisher: source.publisher,
    comment: source.comment,
    pinsets,
    entries,
    blocklist: {
      spki: source.blocklist.spki.map((k) => source.keys[k]?.pin ?? k),
      certificates: [...source.blocklist.certificates],
    },
  };
}

/** The exact bytes shipped in the extension. */
export function renderPayload(payload) {
  return `${JSON.stringify(payload, null, 2)}\n`;
}

export function build(source = readSource()) {
  return renderPayload(buildPayload(source));
}

/**
 * The publisher lint rules (docs/pinlist-format.md#lint-the-publisher-rules) plus this list's
 * own rules. Returns problems (strings).
 * The unit test applies its own independent checks to the output; this guards the generator.
 */
export function lint(source) {
  const problems = [];
  const pinRe = /^[A-Za-z0-9+/]{43}=$/;
  const seenPins = new Map();
  for (const [name, key] of Object.entries(source.keys)) {
    if (!pinRe.test(key.pin) || Buffer.from(key.pin, 'base64').length !== 32) problems.push(`key ${name}: not a base64 SHA-256 pin`);
    if (!KEY_KINDS.includes(key.kind)) problems.push(`key ${name}: kind ${key.kind} (leaf keys are never pinned)`);
    if (!key.source || !/ca-pins\.md/.test(key.source)) problems.push(`key ${name}: no ca-pins.md source recorded`);
    if (!key.confidence) problems.push(`key ${name}: no confidence recorded`);
    if (seenPins.has(key.pin)) problems.push(`key ${name}: same pin as ${seenPins.get(key.pin)}`);
    if (key.spki && createHash('sha256').update(Buffer.from(key.spki, 'base64')).digest('base64') !== key.pin) {
      problems.push(`key ${name}: its recorded spki does not hash to its pin`);
    }
    seenPins.set(key.pin, name);
  }
  const used = new Set();
  for (const [name, set] of Object.entries(source.pinsets)) {
    const unique = new Set(set.keys);
    if (unique.size !== set.keys.length) problems.push(`pinset ${name}: a key is listed twice`);
    if (unique.size < 2) problems.push(`pinset ${name}: fewer than two keys (no backup)`);
    for (const k of set.keys) if (!source.keys[k]) problems.push(`pinset ${name}: unknown key ${k}`);
  }
  const hosts = new Set();
  for (const e of source.entries) {
    if (e.host !== e.host.toLowerCase() || !/^[a-z0-9.-]+$/.test(e.host) || e.host.endsWith('.')) problems.push(`entry ${e.host}: host must be lower-case ASCII without a trailing dot`);
    if (hosts.has(e.host)) problems.push(`entry ${e.host}: duplicate`);
    hosts.add(e.host);
    if (!source.pinsets[e.pinset]) problems.push(`entry ${e.host}: unknown pinset ${e.pinset}`);
    used.add(e.pinset);
    if (!MODES.includes(e.mode)) problems.push(`entry ${e.host}: mode ${e.mode}`);
    const ev = source.evidence[e.evidence];
    if (!ev) problems.push(`entry ${e.host}: no evidence record`);
    else if (e.mode === 'enforce' && ev.confidence !== 'high') problems.push(`entry ${e.host}: enforce needs high confidence, evidence is ${ev.confidence}`);
    if (e.cookie_scope !== undefined && e.cookie_scope !== 'considered') problems.push(`entry ${e.host}: cookie_scope ${e.cookie_scope}`);
    if ((e.cookie_scope === undefined) !== (e.scope_note === undefined)) problems.push(`entry ${e.host}: cookie_scope and scope_note go together`);
    else if (e.scope_note !== undefined && !/ca-pins\.md/.test(source.scope_notes?.[e.scope_note] ?? '')) problems.push(`entry ${e.host}: scope note ${e.scope_note} is missing or cites no ca-pins.md section`);
  }
  for (const name of Object.keys(source.pinsets)) if (!used.has(name)) problems.push(`pinset ${name}: not used by any entry`);
  if (!Number.isInteger(source.valid_days) || source.valid_days < 1 || source.valid_days > MAX_VALID_DAYS) {
    problems.push(`valid_days ${source.valid_days}: must be 1..${MAX_VALID_DAYS}`);
  }
  for (const k of source.blocklist.spki) if (!source.keys[k] && !pinRe.test(k)) problems.push(`blocklist: ${k} is neither a key name nor a pin`);
  return problems;
}

/**
 * Records the SubjectPublicKeyInfo of every root key found in the system's CA bundle (the
 * Mozilla set), matched by pin: `node lists/build-default.mjs --fill-spki [dir]`. Only what hashes
 * to the pin the source already names is written; the test re-checks it against the bundle.
 */
export function fillSpki(source, dir = '/etc/ssl/certs') {
  const byPin = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.pem'))) {
    try {
      const spki = new X509Certificate(readFileSync(join(dir, file))).publicKey.export({ type: 'spki', format: 'der' });
      byPin.set(createHash('sha256').update(spki).digest('base64'), spki.toString('base64'));
    } catch { /* not a certificate */ }
  }
  let filled = 0;
  for (const key of Object.values(source.keys)) {
    if (key.kind === 'root' && byPin.has(key.pin)) {
      key.spki = byPin.get(key.pin);
      filled += 1;
    }
  }
  return filled;
}

function main(argv) {
  if (argv.includes('--fill-spki')) {
    // Prints what to record; the source's hand formatting is kept by pasting, not rewriting.
    const source = readSource();
    const filled = fillSpki(source, argv[argv.indexOf('--fill-spki') + 1]);
    const found = Object.fromEntries(Object.entries(source.keys).filter(([, k]) => k.spki).map(([n, k]) => [n, k.spki]));
    console.log(JSON.stringify(found, null, 2));
    console.error(`${filled} root keys found in the CA bundle; record each as "spki" beside its "pin"`);
    return 0;
  }
  const source = readSource();
  const problems = lint(source);
  if (problems.length) {
    for (const p of problems) console.error(`lint: ${p}`);
    return 1;
  }
  const text = build(source);
  if (argv.includes('--check')) {
    let current = '';
    try { current = readFileSync(OUTPUT_PATH, 'utf8'); } catch { /* missing counts as different */ }
    if (current !== text) {
      console.error(`${OUTPUT_PATH} is out of date: run node lists/build-default.mjs`);
      return 1;
    }
    console.error(`${OUTPUT_PATH} matches its source`);
    return 0;
  }
  mkdirSync(dirname(OUTPUT_PATH), { recursive: true });
  writeFileSync(OUTPUT_PATH, text);
  const payload = JSON.parse(text);
  console.error(`wrote ${OUTPUT_PATH}: ${payload.entries.length} entries, ${Object.keys(payload.pinsets).length} pin sets, expires ${payload.expires_at}`);
  return 0;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
