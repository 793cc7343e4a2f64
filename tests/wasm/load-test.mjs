// Loads each optimised WASM package and computes one SPKI pin with it, so a module that a
// broken wasm-opt produced fails the build instead of failing in the browser.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { X509Certificate, createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [nodePkg, webPkg] = process.argv.slice(2);
const dir = mkdtempSync(join(tmpdir(), 'pinwatch-load-'));
execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
  '-keyout', join(dir, 'k.pem'), '-out', join(dir, 'c.pem'), '-subj', '/CN=load-test', '-days', '1'], { stdio: 'ignore' });
const x509 = new X509Certificate(readFileSync(join(dir, 'c.pem')));
const expected = createHash('sha256').update(x509.publicKey.export({ type: 'spki', format: 'der' })).digest('base64');

const require = createRequire(import.meta.url);
const nodeMod = require(join(nodePkg, 'pinwatch.js'));
const got = nodeMod.spkiPin(new Uint8Array(x509.raw));
if (got !== expected) throw new Error(`nodejs package pin ${got} != ${expected}`);

const web = await import(join(webPkg, 'pinwatch.js'));
await web.default({ module_or_path: readFileSync(join(webPkg, 'pinwatch_bg.wasm')) });
const gotWeb = web.spkiPin(new Uint8Array(x509.raw));
if (gotWeb !== expected) throw new Error(`web package pin ${gotWeb} != ${expected}`);
console.error(`load test: both WASM packages instantiate and pin correctly (${expected})`);
