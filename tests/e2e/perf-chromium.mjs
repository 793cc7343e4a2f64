// Page-load cost of Pinwatch in Chromium on a page no list pins: what the browser pays for handing
// every https response to the service worker (the pinned listeners watch every https host there,
// docs/design.md#capture-tiers: a service worker knows no host of policy, channels or the user before
// its first await), and, installed by policy, for holding each one for that round trip.
//
//   node tests/e2e/perf-chromium.mjs [loads=30]        (after ./build.sh; as root: the policy file)
//
// Three Chromium instances load the same page in turn, one load each at a time, the order rotating:
//   - without: no extension;
//   - floor: an extension that listens, as Pinwatch does in a stock install, to every https
//     response (onHeadersReceived and onResponseStarted, the same filter) and does nothing: what
//     the browser charges any extension for such a listener;
//   - stock: Pinwatch loaded as a person installs it (webRequest cannot block: every https
//     response of every type is reported to the worker, which lets an unpinned one go at once);
//   - policy: Pinwatch force-installed (blocking webRequest: every https response waits for the
//     worker's answer, synchronous once the engine is built).
// The page: a document and 30 sub-resources (10 scripts, 5 style sheets, 15 images) on one host no
// entry covers, 20 ms of server time each; the list as the bundled one ships (no block list), so
// nothing could stop it. Each load is a navigation of the same tab, timed by Navigation Timing;
// figures are medians of the paired differences against "without". The last line is one JSON object.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium } from './lib/chromium.mjs';
import { forceInstall, launchForced, makeExtensionKey } from './lib/force-install.mjs';
import { fmt, line, median, pairedDiff, pairedLoads, round, startDelayedSite, thirtyParts } from './lib/paired-loads.mjs';
import { issue, subject } from './lib/pki.mjs';
import { HOSTS, prepare } from './lib/scenario.mjs';

const LOADS = Number(process.argv[2] ?? 30);
// PERF_SECURITY_INFO=1: Chromium with its WebRequestSecurityInfo feature (the leaf tier), which
// hands each response's leaf to the listeners that ask; off by default, as Chromium ships.
const SECURITY_INFO = process.env.PERF_SECURITY_INFO === '1';
const WARMUP = 3;
const HOST = 'www.unpinned-site.test';
const DELAY_MS = 20;
const VARIANTS = ['without', 'floor', 'stock', 'policy'];
async function startSite(leaf, inter) {
  const site = await startDelayedSite(leaf, inter, { delayMs: DELAY_MS, page: () => thirtyParts('unpinned', (_, file) => `/r/${file}`) });
  return { url: `https://${HOST}:${site.port}/`, close: site.close };
}

/** The floor: every https response reported to a worker that does nothing with it. */
function floorExtension() {
  const dir = mkdtempSync(join(tmpdir(), 'pinwatch-floor-chromium-'));
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({
    manifest_version: 3,
    name: 'floor (listen)',
    version: '1.0',
    background: { service_worker: 'background.js' },
    permissions: ['webRequest'],
    host_permissions: ['https://*/*'],
  }));
  const filter = JSON.stringify({ urls: ['https://*/*', 'wss://*/*'] });
  writeFileSync(join(dir, 'background.js'), `chrome.webRequest.onHeadersReceived.addListener(() => {}, ${filter});\n`
    + `chrome.webRequest.onResponseStarted.addListener(() => {}, ${filter});\n`);
  return dir;
}

const s = await prepare({
  browser: 'chromium',
  name: 'perf-chromium',
  stale: false,
  extend: (pki) => ({ site: issue(pki.dir, 'unpinned-site', { subj: subject({ CN: HOST }), issuer: pki.legitInter, hosts: [HOST] }) }),
  editList: (list) => { list.blocklist = { spki: [], certificates: [] }; },
});
const site = await startSite(s.extra.site, s.pki.legitInter);
const hosts = [...HOSTS, HOST];
const browsers = {};
let fi = null;
try {
  const launch = { roots: s.pki.roots, hosts, securityInfo: SECURITY_INFO };
  browsers.without = await launchChromium(launch);
  browsers.floor = await launchChromium(launch);
  await browsers.floor.install(floorExtension());
  browsers.stock = await launchChromium(launch);
  await browsers.stock.install(s.dist);
  fi = await forceInstall({ extensionDir: s.dist, keyPem: makeExtensionKey(s.dir), policyName: 'pinwatch-perf.json' });
  browsers.policy = await launchForced({ id: fi.id, ...launch });
  // Let both workers build their engines before the first load.
  await new Promise((r) => setTimeout(r, 3000));
  const tabs = {};
  for (const v of VARIANTS) tabs[v] = await browsers[v].browser.newPage();
  const loadStart = loadavg()[0];
  const times = await pairedLoads(tabs, site.url, { loads: LOADS, warmup: WARMUP });
  const base = median(times.without);
  const diff = (v) => pairedDiff(times, v, 'without');
  const beyondFloor = pairedDiff(times, 'stock', 'floor');
  const labels = { without: 'without an extension', floor: 'floor: listen to every response', stock: 'Pinwatch (stock install)', policy: 'Pinwatch (installed by policy)' };
  console.log(`Chromium, headless, WebRequestSecurityInfo ${SECURITY_INFO ? 'on' : 'off'}; ${LOADS} rounds of paired loads after ${WARMUP} warm-up rounds`);
  console.log(`\nunpinned page ${site.url}: 1 document + 30 sub-resources on one host no entry covers, ${DELAY_MS} ms server time each`);
  for (const v of VARIANTS) console.log(line(labels[v], times[v]));
  const share = (x) => `${fmt(x)} ms (${fmt((x / base) * 100)} % of the median without)`;
  console.log(`median of the paired differences: floor ${share(diff('floor'))}; stock ${share(diff('stock'))}; installed by policy ${share(diff('policy'))}`);
  console.log(`stock Pinwatch beyond the floor: ${fmt(beyondFloor)} ms`);
  const load = loadavg();
  console.log(`\nload average: ${loadStart.toFixed(2)} at the start, ${load.map((x) => x.toFixed(2)).join(' ')} at the end, on ${cpus().length} cores`);
  console.log(JSON.stringify({
    loads: LOADS,
    securityInfo: SECURITY_INFO,
    unpinnedBaseMs: round(base),
    floorOverheadMs: round(diff('floor')),
    stockBeyondFloorMs: round(beyondFloor),
    stockOverheadMs: round(diff('stock')),
    stockOverheadPct: round((diff('stock') / base) * 100),
    policyOverheadMs: round(diff('policy')),
    policyOverheadPct: round((diff('policy') / base) * 100),
    loadAverage: round(load[0]),
  }));
} finally {
  for (const b of Object.values(browsers)) await b.close();
  await fi?.close();
  await site.close();
  await s.cleanup();
}
