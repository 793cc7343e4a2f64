// Force-installs an extension in Chromium the way an administrator does: the extension is packed
// into a signed .crx, served with an update manifest from a loopback HTTP server, and named in a
// managed policy file (`ExtensionSettings` … `installation_mode: "force_installed"`). A
// policy-installed MV3 extension gets what an unpacked one does not: blocking `webRequest`
// (`management.getSelf().installType` is "admin" instead of "development").
//
// Facts this relies on (Chromium 156.0.8078.114, Linux, headless=new, as root; checked by
// tests/e2e/force-install.test.mjs):
// - `--disable-background-networking` (in chromiumArgs) turns the extension updater off: the
//   update manifest is never fetched and nothing is installed. `launchForced` leaves it out.
// - A plain `http://127.0.0.1:PORT/updates.xml` update URL and a plain-http crx codebase are
//   accepted for a force-install (off-store force-installs are allowed on Linux).
// - Chromium asks for the update manifest about 0.2 s after start, the crx 0.05 s later; the
//   service worker runs 0.4–0.6 s after start. Managed storage (`3rdparty`) reaches the
//   extension about 2.5 s after start.
// - By default Chromium refuses DevTools on policy-installed extensions (CDP attach: "Not
//   allowed"; puppeteer then never lists the worker); the policy file sets
//   DeveloperToolsAvailability 1. Even then puppeteer's `browser.targets()` may list the worker
//   a moment after it runs: `waitForExtension` asks CDP `Target.getTargets`.
// - The id comes from the crx's key, so the manifest's `key` is set to that same key (also keeps
//   an unpacked load of the packed copy on the same id). The release `key`'s private half is not
//   in the repository: a test signs with a key of its own and gets another id (returned), so
//   anything keyed on the id has to be given that id, e.g. the companion's `allowed_origins`:
//   `pinwatch companion install --browser chromium --user-data-dir DIR --extension-id ID`
//   (launchForced's `beforeLaunch(profile)` is the place for it).
// - The policy file is read by every Chromium on this machine started while it exists: keep it
//   for as short a time as possible and `close()`/`remove()` it in a `finally`. Removing it under
//   a running browser uninstalls the extension there once the policy reloads: close first.
// - Policy files merge per top-level policy: an `ExtensionSettings` in a file whose name sorts
//   later replaces this one whole (observed: the extension is then not installed).

import { execFileSync } from 'node:child_process';
import { accessSync, constants, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { CHROMIUM, chromiumArgs, makeHome, waitFor } from './chromium.mjs';
import { CHROMIUM_POLICY_DIR, chromiumExtensionId } from './enterprise.mjs';
// The CRX writer is the build's (./build.sh package --crx-key): one packer for both.
import { chromiumPack, updateXml } from '../../../extension/tools/crx.mjs';
import { manifestKeyOfPrivateKey } from '../../../extension/tools/extension-ids.mjs';

/** A fresh 2048-bit RSA key (PEM file in `dir`), the kind Chromium signs crx files with. */
export function makeExtensionKey(dir, name = 'extension-key.pem') {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, name);
  execFileSync('openssl', ['genrsa', '-out', path, '2048'], { stdio: ['ignore', 'ignore', 'pipe'] });
  return path;
}

/** The manifest `key` for a private key: base64 of the DER SubjectPublicKeyInfo. */
export const manifestKeyOf = manifestKeyOfPrivateKey;

/**
 * Packs a copy of `extensionDir` (its manifest `key` set to keyPem's public key) into a .crx,
 * serves it with an update manifest from http://127.0.0.1:PORT/, and writes the managed policy
 * file `policyName`: ExtensionSettings {<id>: {installation_mode: 'force_installed', update_url}},
 * plus `3rdparty.extensions.<id>` = `settings` (the extension's managed storage) when given.
 * `policy` adds further top-level Chromium policies to the same file; DeveloperToolsAvailability is
 * 1 unless `policy` says otherwise, so that puppeteer may debug the extension's pages and worker.
 *
 * Returns {id, version, dir, updateUrl, crxPath, policyPath, requests, remove(), close()}:
 * `dir` is the packed copy (the same id when loaded unpacked, until close()); `requests` logs
 * what Chromium fetched ({at, path}); `remove()` deletes the policy file; `close()` removes it
 * too, stops the server and deletes the packed copy.
 */
export async function forceInstall({ extensionDir, keyPem, settings, policy = {}, policyName = 'pinwatch-force-install.json' }) {
  const work = mkdtempSync(join(tmpdir(), 'pinwatch-force-'));
  const policyPath = join(CHROMIUM_POLICY_DIR, policyName);
  let server = null;
  try {
    const dir = join(work, 'extension');
    cpSync(extensionDir, dir, { recursive: true, dereference: true });
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
    manifest.key = manifestKeyOf(keyPem);
    writeFileSync(manifestPath, `${JSON.stringify(manifest, null, 2)}\n`);
    const id = chromiumExtensionId(manifest.key);
    const version = manifest.version;
    const crxPath = chromiumPack(dir, keyPem, CHROMIUM);
    const crx = readFileSync(crxPath);

    const requests = [];
    server = createServer((req, res) => {
      const path = req.url.split('?')[0];
      requests.push({ at: Date.now(), path: req.url });
      if (path === '/updates.xml') {
        const codebase = `http://127.0.0.1:${server.address().port}/extension.crx`;
        res.writeHead(200, { 'content-type': 'text/xml; charset=utf-8', 'cache-control': 'no-store' });
        res.end(updateXml({ id, version, codebase }));
      } else if (path === '/extension.crx') {
        res.writeHead(200, { 'content-type': 'application/x-chrome-extension', 'content-length': crx.length });
        res.end(crx);
      } else {
        res.writeHead(404, { 'content-type': 'text/plain' });
        res.end('not found');
      }
    });
    await new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', resolve);
    });
    const updateUrl = `http://127.0.0.1:${server.address().port}/updates.xml`;

    mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
    const body = {
      // Without it, CDP may not attach to anything of a policy-installed extension (its pages,
      // its worker): "Not allowed".
      DeveloperToolsAvailability: 1,
      ...policy,
      ExtensionSettings: { ...(policy.ExtensionSettings ?? {}), [id]: { installation_mode: 'force_installed', update_url: updateUrl } },
      ...(settings ? { '3rdparty': { extensions: { [id]: settings } } } : {}),
    };
    writeFileSync(policyPath, `${JSON.stringify(body, null, 2)}\n`);

    const remove = () => rmSync(policyPath, { force: true });
    return {
      id, version, dir, updateUrl, crxPath, policyPath, requests,
      remove,
      async close() {
        remove();
        server.closeAllConnections?.();
        await new Promise((resolve) => { server.close(() => resolve()); });
        rmSync(work, { recursive: true, force: true });
      },
    };
  } catch (e) {
    rmSync(policyPath, { force: true });
    server?.close();
    rmSync(work, { recursive: true, force: true });
    throw e;
  }
}

/**
 * The service-worker targets of extension `id`, from CDP Target.getTargets (puppeteer's own
 * target list may not have a policy-installed extension's worker yet).
 */
export async function extensionWorkers(browser, id) {
  const session = await browser.target().createCDPSession();
  try {
    const { targetInfos } = await session.send('Target.getTargets');
    return targetInfos.filter((t) => t.type === 'service_worker' && t.url.startsWith(`chrome-extension://${id}/`));
  } finally {
    await session.detach().catch(() => {});
  }
}

/** Waits until extension `id`'s service worker runs; its target info, or null after `timeout` ms. */
export async function waitForExtension(browser, id, { timeout = 20_000 } = {}) {
  let found = null;
  await waitFor(async () => {
    [found = null] = await extensionWorkers(browser, id);
    return found;
  }, { timeout, interval: 50 });
  return found;
}

/**
 * Extension `id`'s service worker as a puppeteer WebWorker (`evaluate(fn)`), once it runs.
 * For a policy-installed extension this needs the policy DeveloperToolsAvailability 1, which
 * forceInstall writes (by default Chromium refuses to debug policy-installed extensions:
 * CDP Target.attachToTarget answers "Not allowed").
 */
export async function extensionWorker(browser, id, { timeout = 10_000 } = {}) {
  const target = await browser.waitForTarget(
    (t) => t.type() === 'service_worker' && t.url().startsWith(`chrome-extension://${id}/`), { timeout });
  return target.worker();
}

/**
 * Launches Chromium as chromium.mjs `launchChromium` does, minus `--disable-background-networking`
 * (it stops the extension updater, so nothing would be force-installed), and waits for the
 * force-installed extension `id` to run. `beforeLaunch(profile)` runs on the fresh profile folder
 * before the browser starts (e.g. `pinwatch companion install … --user-data-dir profile
 * --extension-id id`). Returns the same shape as launchChromium ({browser, profile, home, id,
 * base, close()}; `Inspector.open` and `visit` take it) plus `installMs` (launch → worker
 * running). Throws if the worker does not start within `timeout` ms.
 */
export async function launchForced({ id, roots = [], hosts = [], securityInfo = true, headless = true, sandbox = false, extra = [], handleSignals = true, beforeLaunch, timeout = 30_000 }) {
  const home = roots.length ? makeHome(roots) : null;
  const profile = mkdtempSync(join(tmpdir(), 'pinwatch-cr-profile-'));
  const args = chromiumArgs({ profile, hosts, securityInfo, headless, sandbox, extra })
    .filter((a) => a !== '--disable-background-networking');
  const cleanup = () => {
    for (const d of [profile, home].filter(Boolean)) rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
  };
  let browser;
  try {
    await beforeLaunch?.(profile);
    const started = Date.now();
    browser = await puppeteer.launch({
      browser: 'chrome',
      executablePath: CHROMIUM,
      ignoreDefaultArgs: true,
      pipe: true,
      args,
      env: home ? { ...process.env, HOME: home } : process.env,
      protocolTimeout: 60_000,
      handleSIGINT: handleSignals,
      handleSIGTERM: handleSignals,
    });
    const worker = await waitForExtension(browser, id, { timeout });
    if (!worker) throw new Error(`the force-installed extension ${id} did not start within ${timeout} ms`);
    const installMs = Date.now() - started;
    return {
      browser, profile, home, id, base: `chrome-extension://${id}/`, installMs,
      async close() {
        const proc = browser.process();
        await browser.close().catch(() => {});
        if (proc && proc.exitCode === null && proc.signalCode === null) {
          await new Promise((resolve) => { proc.once('exit', resolve); setTimeout(resolve, 5000); });
        }
        cleanup();
      },
    };
  } catch (e) {
    await browser?.close().catch(() => {});
    cleanup();
    throw e;
  }
}

/** Whether this process may write Chromium's managed policy folder (root only): else skip. */
export function policyDirWritable() {
  try {
    mkdirSync(CHROMIUM_POLICY_DIR, { recursive: true });
    accessSync(CHROMIUM_POLICY_DIR, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}
