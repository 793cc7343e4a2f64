// Assembles an unpacked extension: dist/<browser>/ = manifest.json (patched for the browser) +
// extension/ (without tools/) + the web WASM package in wasm/ + the cold one in wasm/cold/ (the
// options page's, with the Public Suffix List) + the signed-list one in wasm/lists/ (loaded by
// the background only when a channel's list arrives) + the signature one in wasm/signatures/
// (loaded only when a chain no browser built is linked by signatures).
//
//   node extension/tools/assemble.mjs <root>                  dist/firefox and dist/chromium
//   import { assemble } from '…/assemble.mjs'                 tests: a test build with its own list
//
// Per-browser patches are only what must differ (see PATCHES); everything else is shared.

import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { hostPatterns } from '../background/host-patterns.js';

export const BROWSERS = ['firefox', 'chromium', 'chromium-full-chain'];
/** Host permissions used only by the upgrade of plain requests (a blocking onBeforeRequest). */
const PLAIN_HOST_PERMISSIONS = ['ws://*/*'];
const WASM_FILES = ['pinwatch.js', 'pinwatch_bg.wasm'];
/** target/<package> → <build>/<folder>: the background's module, the options page's cold one, the signed-list one, the signature one. */
const WASM_PACKAGES = [['pkg-web', 'wasm'], ['pkg-web-cold', join('wasm', 'cold')], ['pkg-web-lists', join('wasm', 'lists')],
  ['pkg-web-signatures', join('wasm', 'signatures')]];
const SKIP = new Set(['tools']);

/** What differs per browser, and why. Each patch edits a copy of the manifest. */
export const PATCHES = {
  firefox(m) {
    // Firefox derives nothing from `key` and `web-ext lint` flags it; its id is gecko.id.
    delete m.key;
    // Firefox runs `background.scripts` as an event page; it has no use for the worker entry.
    delete m.background.service_worker;
    return m;
  },
  chromium(m) {
    // Chromium runs the service worker and warns about keys it does not know.
    delete m.background.scripts;
    delete m.browser_specific_settings;
    // MV3 Chromium grants blocking webRequest only to policy-installed extensions: declared, it
    // lets a force-installed fleet hold a pinned host's response until it is judged (compat.js
    // `blockingGranted`); an ordinary install gets no grant and acts after the fact.
    // ws:// is asked for only to refuse plain WebSockets to enforced pinned hosts, which needs a
    // blocking onBeforeRequest: without blocking nothing would use it
    // (docs/design.md#other-doors-websockets-and-plain-http). wss:// stays: WebSocket handshakes
    // to pinned hosts are still checked, after the fact. http:// stays for completing leaf-only
    // chains: CA certificates are published at plain http:// AIA URLs on any host
    // (completion.js; it adds no install warning beside https://*/*).
    m.host_permissions = m.host_permissions.filter((p) => !PLAIN_HOST_PERMISSIONS.includes(p));
    // The companion (companion.js): a stock Chromium hands an extension no certificates, and a
    // native-messaging host is the one way to a second TLS look. Required, not optional: Chromium
    // grants optional permissions only on a user gesture, which a force-installed fleet never
    // makes; without the companion installed it does nothing (docs/companion.md).
    if (!m.permissions.includes('nativeMessaging')) m.permissions.push('nativeMessaging');
    // The browser's proxy settings, so that the companion's connection goes the browser's way
    // (browser-proxy.js). Chromium's warning for it, "read and change all your data on all
    // websites", is the one https://*/* already gives.
    if (!m.permissions.includes('proxy')) m.permissions.push('proxy');
    // A page stopped after the fact may have left a service worker and cached answers in its
    // origin (after-the-fact.js); removing them takes `browsingData`, which Chromium installs
    // without a warning. Firefox stops before the page starts and does not ask for it.
    if (!m.permissions.includes('browsingData')) m.permissions.push('browsingData');
    return m;
  },
  // Full-chain capture (capture-debugger.js) needs `debugger`, and Chromium refuses it in
  // optional_permissions ("Only permissions specified in the manifest may be requested"). So the
  // default Chromium build does without it (minimal permissions: the leaf tier, or "can't
  // verify"), and this second build declares it for those who choose full chains — typically an
  // enterprise that force-installs it. The tier stays off until the user or policy turns it on.
  'chromium-full-chain'(m) {
    m = PATCHES.chromium(m);
    if (!m.permissions.includes('debugger')) m.permissions.push('debugger');
    return m;
  },
};

/**
 * Builds one unpacked extension.
 * @param {object} o
 * @param {string} o.root          the repository root
 * @param {string} o.browser       'firefox' | 'chromium' | 'chromium-full-chain'
 * @param {string} [o.out]         output folder (default dist/<browser>)
 * @param {string} [o.bundledList] payload text to ship as lists/default.json instead of the repo's
 */
export function assemble({ root, browser, out, bundledList }) {
  if (!PATCHES[browser]) throw new Error(`unknown browser ${browser}`);
  out = resolve(out ?? join(root, 'dist', browser));
  const source = join(root, 'extension');
  for (const [pkg] of WASM_PACKAGES) {
    for (const f of WASM_FILES) {
      const path = join(root, 'target', pkg, f);
      if (!existsSync(path)) throw new Error(`${path} is missing: build the web packages first (./build.sh)`);
    }
  }
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(source)) {
    if (SKIP.has(name)) continue;
    cpSync(join(source, name), join(out, name), { recursive: true });
  }
  for (const [pkg, folder] of WASM_PACKAGES) {
    mkdirSync(join(out, folder), { recursive: true });
    for (const f of WASM_FILES) cpSync(join(root, 'target', pkg, f), join(out, folder, f));
  }
  if (bundledList !== undefined) {
    mkdirSync(join(out, 'lists'), { recursive: true });
    writeFileSync(join(out, 'lists', 'default.json'), bundledList);
  }
  writeFileSync(join(out, 'background', 'bundled-hosts.js'), bundledHostsModule(join(out, 'lists', 'default.json'), root));
  const manifest = PATCHES[browser](JSON.parse(readFileSync(join(root, 'manifest.json'), 'utf8')));
  writeFileSync(join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const problems = check(out, manifest);
  if (problems.length) throw new Error(`${out}:\n  ${problems.join('\n  ')}`);
  return out;
}

/**
 * bundled-hosts.js: the match patterns of the bundled list's hosts, so the background can
 * register its request filter before its first await (the browser wakes an unloaded event page
 * only for listeners registered then); and what the core makes of the bundled list alone
 * (`engine.standing()`, judge/standing.rs), which a check that runs out of time before the first
 * build ever kept one is decided on (known-exposure.js). The engine still decides; this only
 * routes requests and stands in until the first build.
 */
function bundledHostsModule(listPath, root) {
  let pairs = [];
  let standing = null;
  if (existsSync(listPath)) {
    const text = readFileSync(listPath, 'utf8');
    const payload = JSON.parse(text);
    pairs = (payload.entries ?? []).map((e) => [String(e.host ?? '').toLowerCase(), e.include_subdomains === true]);
    standing = bundledStanding(text, root);
  }
  return `// Generated by extension/tools/assemble.mjs from lists/default.json; do not edit.\n`
    + `export const BUNDLED_HOST_PATTERNS = ${JSON.stringify(hostPatterns(pairs), null, 2)};\n`
    + `export const BUNDLED_STANDING = ${JSON.stringify(standing)};\n`;
}

/** The core's table for the bundled list alone, from the node build of the core (null without it). */
function bundledStanding(payload, root) {
  const pkg = join(root, 'target', 'pkg-nodejs', 'pinwatch.js');
  if (!existsSync(pkg)) return null;
  const core = createRequire(import.meta.url)(pkg);
  const engine = new core.Engine([{ origin: 'bundled', kind: 'bundled', payload }], {});
  try {
    return engine.standing();
  } finally {
    engine.free();
  }
}

/** Every file the manifest names and every relative module import must exist in the build. */
function check(out, m) {
  const problems = [];
  const named = [
    ...(m.background.scripts ?? []), m.background.service_worker,
    m.action?.default_popup, m.options_ui?.page,
    ...Object.values(m.action?.default_icon ?? {}), ...Object.values(m.icons ?? {}),
  ].filter(Boolean);
  for (const f of named) if (!existsSync(join(out, f))) problems.push(`manifest names ${f}, which is missing`);
  for (const file of walk(out)) {
    if (!/\.(js|html)$/.test(file)) continue;
    const text = readFileSync(file, 'utf8');
    const refs = [...text.matchAll(/(?:from\s+|import\s*\(\s*|src=|href=)["'](\.{0,2}\/?[\w./-]+\.(?:js|css|png|html))["']/g)].map((x) => x[1]);
    for (const ref of refs) {
      if (/^[a-z]+:/.test(ref)) continue;
      if (!existsSync(resolve(dirname(file), ref))) problems.push(`${relative(out, file)} refers to ${ref}, which is missing`);
    }
  }
  if (!existsSync(join(out, 'lists', 'default.json'))) {
    console.error(`assemble: warning: ${relative(process.cwd(), out)} has no lists/default.json; the extension starts without a bundled list`);
  }
  return problems;
}

function* walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) yield* walk(p);
    else yield p;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '..', '..'));
  for (const browser of BROWSERS) {
    const out = assemble({ root, browser });
    console.error(`assemble: ${relative(root, out)}`);
  }
}
