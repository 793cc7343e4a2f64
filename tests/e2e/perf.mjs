// Page-load cost of Pinwatch in Firefox, and the WASM instantiate time when the event page wakes.
//
//   node tests/e2e/perf.mjs [loads=40] [wakes=10]        (after ./build.sh)
//   PERF_CASES=pinned,login,site,unpinned,wake picks cases (all by default), to try one change fast.
//
// Firefox instances with the same profile set-up load the same page in turn, one load each at a
// time, so that whatever else runs on the machine falls on all alike (the order rotates):
//   - without: no extension;
//   - with: Pinwatch;
//   - hold, read: the floor extensions (lib/floor-extension.mjs), which hold the pinned host's
//     responses and do nothing else ("hold") or only read each chain's digests ("read"): the
//     cost Firefox puts on any extension that checks a chain before the response goes on.
// Each load is a navigation of the same tab, timed by the page's own Navigation Timing (start
// to loadEventEnd, timer precision not reduced); figures are medians of the paired differences
// against "without" (and of Pinwatch against "read": what Pinwatch adds beyond the floor).
// Three pages:
//   - pinned: the small pinned page (1 KB + 1 image; Firefox also asks for /favicon.ico), legit chain;
//   - login: the "login page" profile on the pinned host, 1 document + 30 sub-resources (scripts,
//     styles, images, one XHR), each answered after 20 ms of server time;
//   - site: a Google-like page, the session's whole registrable domain pinned (`corp-mail.test`
//     with subdomains, as the bundled list pins google.com): the document on www. and 30
//     sub-resources (10 scripts, 5 style sheets, 15 images) spread over 6 pinned subdomains, so
//     every connection's chain is judged; 20 ms of server time each, like the login profile;
//   - unpinned: the small page on a host no list pins; the test list has no block list (as the
//     bundled list ships), so nothing can stop it and it is not held at all.
// Then the event page of the one with the extension is left to unload (short idle timeout)
// `wakes` times and woken by a load; the background records how long `init()` of the WASM module
// took on each wake. The last line is one JSON object.

import { cpus, loadavg } from 'node:os';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { HOSTS, prepare } from './lib/scenario.mjs';
import { issue, subject } from './lib/pki.mjs';
import { Inspector, launchFirefox, sleep, waitFor } from './lib/firefox.mjs';
import { floorExtension } from './lib/floor-extension.mjs';
import { fmt, line, median, pairedDiff, pairedLoads, pct, round, startDelayedSite, thirtyParts } from './lib/paired-loads.mjs';

const LOADS = Number(process.argv[2] ?? 40);
const WAKES = Number(process.argv[3] ?? 10);
const IDLE_TIMEOUT_MS = 1500;
const WARMUP = 3;
const CASES = new Set((process.env.PERF_CASES ?? 'pinned,login,site,unpinned,wake').split(','));
// PERF_VARIANTS=with,read (for example) runs only those instances: fewer browsers, less noise
// when only Pinwatch against a floor is wanted.
// PERF_OLD_ROOT=<another checkout, its target/pkg-web built> adds the variant "old": that tree's
// extension, assembled with the same test list, loaded in turn with this one (a change's cost,
// old tree and new in the same sitting).
const OLD_ROOT = process.env.PERF_OLD_ROOT;
const VARIANTS = (process.env.PERF_VARIANTS ?? `without,with,hold,read${OLD_ROOT ? ',old' : ''}`).split(',');
if (!VARIANTS.includes('with') || VARIANTS.some((v) => !['without', 'with', 'hold', 'read', 'old'].includes(v))
  || (VARIANTS.includes('old') && !OLD_ROOT)) {
  throw new Error(`PERF_VARIANTS: "with" and any of without, hold, read, old (with PERF_OLD_ROOT) (got ${VARIANTS.join(',')})`);
}
// Finer Navigation Timing and background clocks than Firefox's default (1 ms); all instances alike.
const PREFS = { 'privacy.reduceTimerPrecision': false };

/**
 * `LOADS` rounds of `url` (plus warm-up) in every variant. Returns per variant its times and the
 * median of its paired differences against "without".
 */
async function paired(pages, url) {
  const times = await pairedLoads(pages, url, { loads: LOADS, warmup: WARMUP });
  const base = times.without ? median(times.without) : NaN;
  return {
    times, base,
    diff: pairedDiff(times, 'with', 'without'),
    hold: pairedDiff(times, 'hold', 'without'),
    read: pairedDiff(times, 'read', 'without'),
    beyondRead: pairedDiff(times, 'with', 'read'),
    beyondOld: pairedDiff(times, 'with', 'old'),
  };
}

function report(label, r) {
  console.log(`\n${label}`);
  const labels = { without: 'without an extension', with: 'with Pinwatch', hold: 'floor: hold only', read: 'floor: hold and read digests', old: 'with Pinwatch of PERF_OLD_ROOT' };
  for (const v of VARIANTS) console.log(line(labels[v], r.times[v]));
  const share = (x) => `${fmt(x)} ms (${fmt((x / r.base) * 100)} % of the median without)`;
  console.log(`median of the paired differences: Pinwatch ${share(r.diff)}`);
  console.log(`  floor, hold only ${share(r.hold)}; hold and read ${share(r.read)}; Pinwatch beyond the read floor ${fmt(r.beyondRead)} ms`);
  if (r.times.old) console.log(`  this tree beyond PERF_OLD_ROOT's: ${fmt(r.beyondOld)} ms`);
}

const none = { times: {}, base: NaN, diff: NaN, hold: NaN, read: NaN, beyondRead: NaN, beyondOld: NaN };

// The Google-like site: one registrable domain pinned whole, its page drawing on several hosts.
const SITE = 'corp-mail.test';
const SITE_HOSTS = ['www', 'apis', 'ogs', 'play', 'ssl', 'lh3'].map((h) => `${h}.${SITE}`);
const SITE_DELAY_MS = 20;
/** The document: 30 sub-resources, round-robin over the site's hosts, on the server's port. */
function sitePage(port) {
  return thirtyParts('site', (i, file) => `https://${SITE_HOSTS[i % SITE_HOSTS.length]}:${port}/r/${file}`);
}

/** One server for every host of the site (a leaf for the domain and `*.` under it). */
async function startSite(leaf, inter) {
  const site = await startDelayedSite(leaf, inter, { delayMs: SITE_DELAY_MS, page: sitePage });
  return { url: `https://${SITE_HOSTS[0]}:${site.port}/`, close: site.close };
}

// As the bundled list ships: no block list, so nothing can stop an unpinned page.
const s = await prepare({
  browser: 'firefox',
  stale: false,
  extend: (pki) => ({ site: issue(pki.dir, 'site', { subj: subject({ CN: SITE_HOSTS[0] }), issuer: pki.legitInter, hosts: [SITE, `*.${SITE}`] }) }),
  editList: (list) => {
    list.blocklist = { spki: [], certificates: [] };
    list.entries.push({ host: SITE, include_subdomains: true, pinset: 'test-legit', mode: 'enforce' });
  },
});
const site = await startSite(s.extra.site, s.pki.legitInter);
// The floors hold the same responses Pinwatch holds: the pinned host's and the whole site's.
const floorHosts = [new URL(s.servers.mailLegit.url).hostname, `*.${SITE}`];
const floors = { hold: floorExtension('hold', floorHosts), read: floorExtension('read', floorHosts) };
const launch = (o = {}) => launchFirefox({ roots: s.pki.roots, hosts: [...HOSTS, ...SITE_HOSTS], prefs: PREFS, ...o });
const browsers = {};
for (const v of VARIANTS) browsers[v] = await launch(v === 'with' ? { idleTimeoutMs: IDLE_TIMEOUT_MS } : {});
const ff = browsers.with;
try {
  const pinnedUrl = s.servers.mailLegit.url;
  const since = Date.now();
  await ff.browser.installExtension(s.dist);
  for (const v of ['hold', 'read']) if (browsers[v]) await browsers[v].browser.installExtension(floors[v]);
  if (browsers.old) {
    const { assemble } = await import(pathToFileURL(join(OLD_ROOT, 'extension', 'tools', 'assemble.mjs')).href);
    const oldDist = assemble({ root: OLD_ROOT, browser: 'firefox', out: join(s.dir, 'old-dist'), bundledList: JSON.stringify(s.list, null, 2) });
    await browsers.old.browser.installExtension(oldDist);
  }
  const insp = await Inspector.open(ff);
  await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since));
  const pages = {};
  for (const v of VARIANTS) pages[v] = await browsers[v].browser.newPage();
  const loadStart = loadavg()[0];

  const pinned = CASES.has('pinned') ? await paired(pages, pinnedUrl) : none;
  const login = CASES.has('login') ? await paired(pages, `${pinnedUrl}login`) : none;
  const sitePaired = CASES.has('site') ? await paired(pages, site.url) : none;
  const unpinned = CASES.has('unpinned') ? await paired(pages, s.servers.plain.url) : none;
  const tabs = await insp.eval(() => browser.tabs.query({}));
  const tabId = tabs.find((t) => t.url?.startsWith('https://plain.example.test'))?.id;
  const badge = tabId ? await insp.badge(tabId) : null;

  const wakes = [];
  for (let i = 0; i < (CASES.has('wake') ? WAKES : 0); i++) {
    const before = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 2000);
    await pages.with.goto(`${pinnedUrl}?wake=${i}`, { waitUntil: 'load' });
    const boot = await waitFor(async () => (await insp.session('boots')).find((b) => b.at > before), { timeout: 5000 });
    if (boot) wakes.push(boot);
  }

  console.log(`Firefox ESR, headless; ${LOADS} rounds of paired loads per page after ${WARMUP} warm-up rounds`);
  if (CASES.has('pinned')) report(`pinned page ${pinnedUrl} (legit chain)`, pinned);
  if (CASES.has('login')) report('pinned "login page" profile: 1 document + 30 sub-resources, 20 ms server time each', login);
  if (CASES.has('site')) report(`Google-like page ${site.url}: 1 document + 30 sub-resources on ${SITE_HOSTS.length} hosts of ${SITE} (pinned with subdomains), 20 ms server time each`, sitePaired);
  if (CASES.has('unpinned')) report(`unpinned page ${s.servers.plain.url} (badge with the extension: ${badge?.text ?? 'none'})`, unpinned);
  const load = loadavg();
  console.log(`\nload average: ${loadStart.toFixed(2)} at the start, ${load.map((x) => x.toFixed(2)).join(' ')} at the end, on ${cpus().length} cores`);
  if (wakes.length) {
    console.log(line('WASM init() on wake', wakes.map((w) => w.wasmMs)));
    console.log(line('engine built on wake', wakes.map((w) => w.buildMs)));
    console.log(line('background ready on wake', wakes.map((w) => w.readyMs)));
  } else if (CASES.has('wake')) {
    console.log('no wake was observed (the event page did not unload)');
  }
  console.log(JSON.stringify({
    loads: LOADS,
    pinnedOverheadPct: round((pinned.diff / pinned.base) * 100),
    pinnedOverheadMs: round(pinned.diff),
    pinnedHoldFloorMs: round(pinned.hold),
    pinnedReadFloorMs: round(pinned.read),
    pinnedReadFloorPct: round((pinned.read / pinned.base) * 100),
    pinnedBeyondFloorMs: round(pinned.beyondRead),
    loginOverheadPct: round((login.diff / login.base) * 100),
    loginOverheadMs: round(login.diff),
    loginReadFloorPct: round((login.read / login.base) * 100),
    loginBeyondFloorMs: round(login.beyondRead),
    siteOverheadPct: round((sitePaired.diff / sitePaired.base) * 100),
    siteOverheadMs: round(sitePaired.diff),
    siteReadFloorMs: round(sitePaired.read),
    siteBeyondFloorMs: round(sitePaired.beyondRead),
    loginBeyondOldMs: round(login.beyondOld),
    siteBeyondOldMs: round(sitePaired.beyondOld),
    unpinnedOverheadMs: round(unpinned.diff),
    wakeInitMedianMs: wakes.length ? round(median(wakes.map((w) => w.wasmMs))) : null,
    wakeInitP90Ms: wakes.length ? round(pct(wakes.map((w) => w.wasmMs), 90)) : null,
    loadAverage: round(load[0]),
  }));
} finally {
  for (const b of Object.values(browsers)) await b.close();
  for (const dir of Object.values(floors)) rmSync(dir, { recursive: true, force: true });
  await site.close();
  await s.cleanup();
}
