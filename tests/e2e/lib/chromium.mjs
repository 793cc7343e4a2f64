// Chromium 156 driven by puppeteer-core over CDP (--remote-debugging-pipe), with a fresh profile,
// a HOME whose NSS store trusts the test CAs (certutil), the test hosts mapped to loopback, and
// the extension loaded unpacked through CDP `Extensions.loadUnpacked` (browser.installExtension).
// The recipe is in docs/design.md#toolchain-facts: `--load-extension` hangs about 1 in 10
// launches, and puppeteer's default arguments include `--disable-extensions`.

import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';
import { ExtensionInspector, sleep, waitFor } from './inspector.mjs';

export { sleep, waitFor };

/** The browser binary itself: /usr/bin/chromium is a wrapper that adds its own flags. */
export const CHROMIUM = process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium';

/** A HOME folder whose ~/.pki/nssdb trusts `roots` (results of pki.makePki) for TLS servers. */
export function makeHome(roots) {
  const home = mkdtempSync(join(tmpdir(), 'pinwatch-cr-home-'));
  const nss = join(home, '.pki', 'nssdb');
  mkdirSync(nss, { recursive: true });
  execFileSync('certutil', ['-N', '-d', `sql:${nss}`, '--empty-password']);
  for (const root of roots) {
    execFileSync('certutil', ['-A', '-d', `sql:${nss}`, '-n', root.name, '-t', 'C,,', '-i', root.pem]);
  }
  return home;
}

/** Chromium's command line; `securityInfo` turns on the leaf-certificate webRequest feature. */
export function chromiumArgs({ profile, hosts = [], securityInfo = true, headless = true, sandbox = false, extra = [] }) {
  return [
    ...(headless ? ['--headless=new', '--disable-gpu'] : []),
    ...(sandbox ? [] : ['--no-sandbox']),
    '--disable-quic', '--no-first-run', '--no-default-browser-check',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-features=Translate,MediaRouter,OptimizationHints',
    '--remote-debugging-pipe', '--enable-unsafe-extension-debugging',
    ...(hosts.length ? [`--host-resolver-rules=${hosts.map((h) => `MAP ${h} 127.0.0.1`).join(', ')}`] : []),
    ...(securityInfo ? ['--enable-features=WebRequestSecurityInfo'] : []),
    `--user-data-dir=${profile}`,
    ...extra,
  ];
}

/**
 * Launches Chromium. `hosts` resolve to 127.0.0.1; `roots` are trusted through the NSS store of
 * a HOME made for the run (without roots, the caller's HOME is kept). `sandbox` false (the
 * default) adds --no-sandbox, which root in a container needs. `handleSignals` false leaves
 * Ctrl-C to the caller (puppeteer otherwise kills the browser and exits at once).
 * Returns {browser, profile, home, securityInfo, install(dir), close()}; after `install`,
 * `id` and `base` (chrome-extension://<id>/) are set.
 */
export async function launchChromium({ roots = [], hosts = [], securityInfo = true, headless = true, sandbox = false, extra = [], handleSignals = true } = {}) {
  const home = roots.length ? makeHome(roots) : null;
  const profile = mkdtempSync(join(tmpdir(), 'pinwatch-cr-profile-'));
  const browser = await puppeteer.launch({
    browser: 'chrome',
    executablePath: CHROMIUM,
    ignoreDefaultArgs: true,
    pipe: true,
    args: chromiumArgs({ profile, hosts, securityInfo, headless, sandbox, extra }),
    env: home ? { ...process.env, HOME: home } : process.env,
    protocolTimeout: 60_000,
    // false: the caller closes the browser on Ctrl-C itself (and cleans up after it).
    handleSIGINT: handleSignals,
    handleSIGTERM: handleSignals,
  });
  const cr = {
    browser, profile, home, securityInfo, id: null, base: null,
    async install(dir) {
      cr.id = await browser.installExtension(dir);
      cr.base = `chrome-extension://${cr.id}/`;
      return cr.id;
    },
    async close() {
      const proc = browser.process();
      await browser.close().catch(() => {});
      if (proc && proc.exitCode === null && proc.signalCode === null) {
        await new Promise((resolve) => { proc.once('exit', resolve); setTimeout(resolve, 5000); });
      }
      for (const d of [profile, home].filter(Boolean)) rmSync(d, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
    },
  };
  return cr;
}

/** What a tab shows: Pinwatch's warning page, the served page, a browser error page, or nothing yet. */
function pageState() {
  const warning = document.body?.classList.contains('warning-page');
  return {
    href: location.href,
    ready: document.readyState,
    served: Boolean(document.getElementById('served-page')),
    warningReady: Boolean(warning)
      && (!document.getElementById('details').hidden || !document.getElementById('no-details').hidden),
  };
}

/**
 * Opens `url` in a fresh tab and waits for `want` ('page' | 'warning'), or, without `want`, for
 * the first settled state. Chromium cannot hold a response for an extension: the served page
 * may load and then be replaced by the warning page, so a test says what it waits for.
 * Returns {page, outcome: 'warning'|'page'|'error'|'timeout', href}.
 */
export async function visit(cr, url, { want, timeout = 10_000 } = {}) {
  const page = await cr.browser.newPage();
  page.goto(url, { waitUntil: 'load', timeout }).catch(() => {});
  let last = null;
  await waitFor(async () => {
    const s = await page.evaluate(pageState).catch(() => null);
    if (!s || s.ready !== 'complete') return false;
    const outcome = s.warningReady ? 'warning'
      : s.href.startsWith('chrome-error:') ? 'error'
        : s.served ? 'page' : null;
    if (!outcome) return false;
    last = { outcome, href: s.href };
    return !want || outcome === want || outcome === 'error';
  }, { timeout, interval: 50 });
  return { page, outcome: last?.outcome ?? 'timeout', href: last?.href ?? null };
}

/**
 * An extension page kept open to read what a person would see and what Pinwatch stored: badge,
 * title, per-tab verdict records in storage.session, debugger targets.
 */
export class Inspector extends ExtensionInspector {
  constructor(cr, page) {
    super(page);
    this.cr = cr;
  }

  static async open(cr) {
    const page = await cr.browser.newPage();
    await page.goto(`${cr.base}pages/popup.html?tab=-1`, { waitUntil: 'load' });
    return new Inspector(cr, page);
  }

  /** The main-frame verdict record stored for `tabId` (optionally: the one for `url`). */
  async record(tabId, url = null) {
    const state = await this.session(`tab:${tabId}`);
    const r = state?.page ?? null;
    return r && (!url || r.url === url) ? r : null;
  }

  /** Waits for a main-frame record for `url` in `tabId` that satisfies `pred`; returns the last one. */
  async waitRecord(tabId, url, pred = () => true, timeout = 10_000) {
    let last = null;
    await waitFor(async () => {
      last = await this.record(tabId, url);
      return last && pred(last);
    }, { timeout });
    return last;
  }

  /** Stops the extension's service worker, as Chromium does when it is idle; true once it is gone. */
  async stopWorker() {
    const session = await this.page.createCDPSession();
    try {
      await session.send('ServiceWorker.enable');
      await session.send('ServiceWorker.stopAllWorkers');
    } finally {
      await session.detach().catch(() => {});
    }
    const isOurs = (t) => t.type() === 'service_worker' && t.url().startsWith(this.cr.base);
    return waitFor(() => !this.cr.browser.targets().some(isOurs), { timeout: 5000 });
  }

  /**
   * Tabs Pinwatch's debugger tier holds (its own record in storage.session: the browser's
   * `debugger.getTargets()` also counts puppeteer's sessions as attached).
   */
  async attachedTabs() {
    return Object.keys((await this.session('debuggerTabs')) ?? {}).map(Number);
  }
}
