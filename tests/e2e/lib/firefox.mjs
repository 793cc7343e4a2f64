// Headless Firefox ESR driven by puppeteer-core over WebDriver BiDi, with a fresh profile that
// trusts the test CAs (certutil), resolves the test hosts to loopback, and a fixed add-on UUID
// so the extension's pages have a known address.

import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { ExtensionInspector, sleep, waitFor } from './inspector.mjs';

export { sleep, waitFor };

export const FIREFOX = process.env.FIREFOX_BIN ?? '/usr/bin/firefox-esr';
export const GECKO_ID = JSON.parse(readFileSync(new URL('../../../manifest.json', import.meta.url), 'utf8'))
  .browser_specific_settings.gecko.id;

/**
 * A profile folder whose NSS store trusts `roots` (results of pki.makePki) for TLS servers, and
 * whose certificate override store holds `overrides` (`[{host, port, sha256}]`, the certificate's
 * SHA-256 as Firefox writes it, `AB:CD:…`): what "Accept the Risk and Continue" leaves behind.
 */
export function makeProfile(roots, overrides = []) {
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-ff-'));
  execFileSync('certutil', ['-N', '-d', `sql:${dir}`, '--empty-password']);
  for (const root of roots) {
    execFileSync('certutil', ['-A', '-d', `sql:${dir}`, '-n', root.name, '-t', 'C,,', '-i', root.pem]);
  }
  if (overrides.length) {
    const lines = ['# PSM Certificate Override Settings file', '# This is a generated file!  Do not edit.',
      ...overrides.map((o) => `${o.host}:${o.port}:\tOID.2.16.840.1.101.3.4.2.1\t${o.sha256}\t`)];
    writeFileSync(join(dir, 'cert_override.txt'), `${lines.join('\n')}\n`);
  }
  return dir;
}

/**
 * Launches Firefox. `hosts` resolve to 127.0.0.1; `overrides`: certificate errors overridden in
 * the profile (makeProfile); `idleTimeoutMs` shortens the event page's
 * idle timeout (Firefox unloads the background page after it); `executablePath` another
 * Firefox (e.g. a copy with its own distribution/policies.json).
 * Returns {browser, uuid, base, profile, close()}.
 */
export async function launchFirefox({ roots = [], hosts = [], overrides = [], idleTimeoutMs, headless = true, prefs = {}, executablePath = FIREFOX } = {}) {
  const profile = makeProfile(roots, overrides);
  const uuid = randomUUID();
  const extraPrefsFirefox = {
    'network.dns.localDomains': hosts.join(','),
    'network.trr.mode': 5,
    'extensions.webextensions.uuids': JSON.stringify({ [GECKO_ID]: uuid }),
    'browser.shell.checkDefaultBrowser': false,
    'datareporting.policy.dataSubmissionEnabled': false,
    'network.captive-portal-service.enabled': false,
    'network.connectivity-service.enabled': false,
    'extensions.getAddons.cache.enabled': false,
    'security.OCSP.enabled': 0,
    // Notifications through Firefox's own alert window: there is no desktop notification daemon here.
    'alerts.useSystemBackend': false,
    ...(idleTimeoutMs ? { 'extensions.background.idle.timeout': idleTimeoutMs } : {}),
    ...prefs,
  };
  const browser = await puppeteer.launch({
    browser: 'firefox',
    executablePath,
    headless,
    userDataDir: profile,
    extraPrefsFirefox,
    args: ['--remote-allow-system-access'],
    protocolTimeout: 60_000,
  });
  return {
    browser,
    uuid,
    base: `moz-extension://${uuid}/`,
    profile,
    async close() {
      const proc = browser.process();
      await browser.close().catch(() => {});
      // Firefox may still be writing its profile for a moment after the connection closes.
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        await new Promise((resolve) => { proc.once('exit', resolve); setTimeout(resolve, 5000); });
      }
      rmSync(profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
}

/**
 * Opens `url` in a fresh tab and waits until it settles: Pinwatch's warning page, the served
 * page (loaded with its sub-resource), or an error page. A redirect by the extension never
 * settles `page.goto()`, so this watches the document instead.
 * Returns {page, outcome: 'warning'|'page'|'error'|'timeout', href}.
 */
export async function visit(ff, url, { timeout = 15_000 } = {}) {
  const page = await ff.browser.newPage();
  page.goto(url, { waitUntil: 'load', timeout }).catch(() => {});
  const state = await waitFor(() => page.evaluate(() => ({
    href: location.href,
    ready: document.readyState,
    served: Boolean(document.getElementById('served-page')),
    warningReady: document.body?.classList.contains('warning-page')
      && (!document.getElementById('details').hidden || !document.getElementById('no-details').hidden),
  })).then((s) => {
    if (s.ready !== 'complete') return null;
    if (s.href.startsWith('about:neterror') || s.href.startsWith('about:certerror')) return { ...s, outcome: 'error' };
    if (s.warningReady) return { ...s, outcome: 'warning' };
    if (s.served) return { ...s, outcome: 'page' };
    return null;
  }), { timeout });
  return { page, outcome: state?.outcome ?? 'timeout', href: state?.href ?? null };
}

/**
 * Opens one of the extension's pages in a new tab. `page.goto()` does not settle for
 * moz-extension pages over BiDi, so this waits for the document instead.
 */
export async function openExtensionPage(ff, path, { timeout = 10_000 } = {}) {
  const page = await ff.browser.newPage();
  const url = `${ff.base}${path}`;
  page.goto(url, { timeout }).catch(() => {});
  const ok = await waitFor(() => page.evaluate((u) => location.href === u && document.readyState === 'complete', url), { timeout });
  if (!ok) throw new Error(`${url} did not load`);
  return page;
}

/**
 * An extension page kept open to ask the extension's APIs what a person would see: badge,
 * title, notifications, session state. It never messages the background page, so it does not
 * wake it.
 */
export class Inspector extends ExtensionInspector {
  static async open(ff) {
    return new Inspector(await openExtensionPage(ff, 'pages/popup.html?tab=-1'));
  }

  notifications() {
    return this.eval(() => browser.notifications.getAll());
  }
}
