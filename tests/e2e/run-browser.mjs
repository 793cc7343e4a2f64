// A real browser window with the built extension, on a fresh profile, until you close it.
//
//   ./build.sh run firefox                 dist/firefox, the bundled list, the real web
//   node tests/e2e/run-browser.mjs firefox --scenario
//                                          the test build and the e2e servers (mail.example.test …):
//                                          try the warning page, the popup and the options by hand
//   ./build.sh run chromium                dist/chromium, with --enable-features=WebRequestSecurityInfo
//   node tests/e2e/run-browser.mjs chromium --scenario [--without-leaf]
//
// HEADLESS=1 runs the same without a window (for a smoke test on a machine without a display).

import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { HOSTS, prepare, ROOT } from './lib/scenario.mjs';
import { launchFirefox } from './lib/firefox.mjs';

const browserName = process.argv[2] ?? 'firefox';
const scenario = process.argv.includes('--scenario');
const headless = process.env.HEADLESS === '1';

/** One line per scenario server: its key, address and what it serves. */
function printServers(s) {
  for (const [key, server] of Object.entries(s.servers)) {
    if (typeof server === 'object') console.log(`  ${key.padEnd(10)} ${server.url}   (${server.name})`);
  }
}

async function runFirefox() {
  const s = scenario ? await prepare({ browser: 'firefox' }) : null;
  const ff = await launchFirefox({ roots: s?.pki.roots ?? [], hosts: s ? HOSTS : [], headless });
  const dist = s ? s.dist : join(ROOT, 'dist', 'firefox');
  await ff.browser.installExtension(dist);
  console.log(`Firefox ESR with ${dist} (temporary add-on; profile ${ff.profile})`);
  console.log(`  options: ${ff.base}pages/options.html`);
  if (s) printServers(s);
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

// Chromium: dist/chromium (or, with --scenario, a build whose list is the test list plus the
// intermediate's key as issuer key, so the leaf-only tier can reach "pinned"), loaded unpacked
// over CDP. WebRequestSecurityInfo is on unless --without-leaf is given (then the popup says
// "can't verify in this browser" until full-chain capture is turned on in the options page).
async function runChromium() {
  const { launchChromium } = await import('./lib/chromium.mjs');
  const { spkiDer } = await import('./lib/pki.mjs');
  const securityInfo = !process.argv.includes('--without-leaf');
  const s = scenario ? await prepare({
    browser: 'chromium',
    name: 'run-chromium',
    stale: false,
    editList: (list, pki) => { list.pinsets['test-legit'].issuer_keys = [spkiDer(pki.legitInter)]; },
  }) : null;
  const dist = s ? s.dist : join(ROOT, 'dist', 'chromium');
  const cr = await launchChromium({
    roots: s?.pki.roots ?? [], hosts: s ? HOSTS : [], securityInfo, headless,
    // A desktop session needs the sandbox; root (a container) cannot have it.
    sandbox: process.getuid?.() !== 0,
    handleSignals: false,
  });
  await cr.install(dist);
  console.log(`Chromium with ${dist} (extension id ${cr.id}; profile ${cr.profile})`);
  console.log(`  leaf certificates (WebRequestSecurityInfo): ${securityInfo ? 'on' : 'off'}`);
  console.log(`  options: ${cr.base}pages/options.html   (full-chain capture with the debugger is turned on there)`);
  if (s) printServers(s);
  console.log('Close the browser window (or press Ctrl-C) to stop.');
  let stopping = null;
  const stop = () => {
    stopping ??= (async () => {
      await cr.close();
      await s?.cleanup();
      if (s) rmSync(dist, { recursive: true, force: true });
      process.exit(0);
    })();
    return stopping;
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  await new Promise((resolve) => cr.browser.once('disconnected', resolve));
  await stop();
}

const runners = { firefox: runFirefox, chromium: runChromium };
if (!runners[browserName]) {
  console.error(`usage: run-browser.mjs firefox|chromium [--scenario]`);
  process.exit(2);
}
await runners[browserName]();
