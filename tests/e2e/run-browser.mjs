// A real browser window with the built extension, on a fresh profile, until you close it.
//
//   ./build.sh run firefox                 dist/firefox, the bundled list, the real web
//   node tests/e2e/run-browser.mjs firefox --scenario
//                                          the test build and the e2e servers (mail.example.test …):
//                                          try the warning page, the popup and the options by hand
//
// HEADLESS=1 runs the same without a window (for a smoke test on a machine without a display).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, prepare, ROOT } from './lib/scenario.mjs';
import { launchFirefox } from './lib/firefox.mjs';

const browserName = process.argv[2] ?? 'firefox';
const scenario = process.argv.includes('--scenario');
const headless = process.env.HEADLESS === '1';

async function runFirefox() {
  const s = scenario ? await prepare({ browser: 'firefox' }) : null;
  const ff = await launchFirefox({ roots: s?.pki.roots ?? [], hosts: s ? HOSTS : [], headless });
  const dist = s ? s.dist : join(ROOT, 'dist', 'firefox');
  await ff.browser.installExtension(dist);
  console.log(`Firefox ESR with ${dist} (temporary add-on; profile ${ff.profile})`);
  console.log(`  options: ${ff.base}options.html`);
  if (s) {
    for (const [key, server] of Object.entries(s.servers)) {
      if (typeof server === 'object') console.log(`  ${key.padEnd(10)} ${server.url}   (${server.name})`);
    }
  }
  console.log('Close the browser window (or press Ctrl-C) to stop.');
  // puppeteer kills the browser and exits on Ctrl-C; the profile and the scenario go with us.
  process.on('exit', () => {
    rmSync(ff.profile, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    if (s) rmSync(s.dir, { recursive: true, force: true });
  });
  await new Promise((resolve) => ff.browser.once('disconnected', resolve));
  await ff.close();
  await s?.cleanup();
}

// Chromium: the extension's Chromium build and its capture tiers belong to the Chromium work
// (see capture.js). Launch recipe from the design notes: unpacked install over CDP, fresh
// profile, WebRequestSecurityInfo enabled so the leaf-only tier has something to read.
async function runChromium() {
  const { default: puppeteer } = await import('puppeteer-core');
  const { mkdtempSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const profile = mkdtempSync(join(tmpdir(), 'pinwatch-chromium-'));
  const browser = await puppeteer.launch({
    browser: 'chrome',
    executablePath: process.env.CHROMIUM_BIN ?? '/usr/lib/chromium/chromium',
    headless,
    pipe: true,
    ignoreDefaultArgs: true,
    args: [
      ...(headless ? ['--headless=new'] : []),
      '--remote-debugging-pipe', '--enable-unsafe-extension-debugging', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--enable-features=WebRequestSecurityInfo', `--user-data-dir=${profile}`,
    ],
  });
  const id = await browser.installExtension(join(ROOT, 'dist', 'chromium'));
  console.log(`Chromium with dist/chromium (id ${id}; profile ${profile}). Close the window to stop.`);
  await new Promise((resolve) => browser.once('disconnected', resolve));
}

const runners = { firefox: runFirefox, chromium: runChromium };
if (!runners[browserName]) {
  console.error(`usage: run-browser.mjs firefox|chromium [--scenario]`);
  process.exit(2);
}
await runners[browserName]();
