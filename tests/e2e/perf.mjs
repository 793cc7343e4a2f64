// Page-load cost of Pinwatch in Firefox, and the WASM instantiate time when the event page wakes.
//
//   node tests/e2e/perf.mjs [loads=40] [wakes=10]        (after ./build.sh)
//
// Two Firefox instances with the same profile set-up, one with the extension and one without,
// loading the same page in turn, one load each at a time, so that whatever else runs on the
// machine falls on both alike (the order alternates). Each load is a navigation of the same tab,
// timed by the page's own Navigation Timing (start to loadEventEnd); figures are medians of the
// paired differences. Three pages:
//   - pinned: the small pinned page (1 KB + 1 image), legit chain;
//   - login: the "login page" profile on the pinned host, 1 document + 30 sub-resources (scripts,
//     styles, images, one XHR), each answered after 20 ms of server time;
//   - unpinned: the small page on a host no list pins; the test list has no block list (as the
//     bundled list ships), so nothing can stop it and it is not held at all.
// Then the event page of the one with the extension is left to unload (short idle timeout)
// `wakes` times and woken by a load; the background records how long `init()` of the WASM module
// took on each wake. The last line is one JSON object.

import { cpus, loadavg } from 'node:os';
import { HOSTS, prepare } from './lib/scenario.mjs';
import { Inspector, launchFirefox, sleep, waitFor } from './lib/firefox.mjs';

const LOADS = Number(process.argv[2] ?? 40);
const WAKES = Number(process.argv[3] ?? 10);
const IDLE_TIMEOUT_MS = 1500;
const WARMUP = 3;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (x) => x.toFixed(1);
const round = (x) => Math.round(x * 100) / 100;

/** Loads `url` in `page` and returns its Navigation Timing duration (start to loadEventEnd). */
async function loadTime(page, url) {
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  return waitFor(() => page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null;
  }), { timeout: 5000, interval: 20 });
}

function line(label, xs) {
  return `${label.padEnd(28)} median ${fmt(median(xs)).padStart(6)} ms   p90 ${fmt(pct(xs, 90)).padStart(6)} ms   (n=${xs.length})`;
}

/** `LOADS` paired loads of `url` (plus warm-up), alternating which browser goes first. */
async function paired(pages, url) {
  const times = { without: [], with: [] };
  const diffs = [];
  for (let i = 0; i < LOADS + WARMUP; i++) {
    const pair = {};
    for (const k of i % 2 ? ['with', 'without'] : ['without', 'with']) {
      pair[k] = await loadTime(pages[k], `${url}${url.includes('?') ? '&' : '?'}perf=${k}-${i}`);
    }
    if (i < WARMUP) continue; // the first loads open connections and warm caches
    times.with.push(pair.with);
    times.without.push(pair.without);
    diffs.push(pair.with - pair.without);
  }
  return { ...times, diffs, base: median(times.without), diff: median(diffs) };
}

function report(label, r) {
  console.log(`\n${label}`);
  console.log(line('without the extension', r.without));
  console.log(line('with Pinwatch', r.with));
  console.log(`median of the paired differences: ${fmt(r.diff)} ms (${fmt((r.diff / r.base) * 100)} % of the median without)`);
}

// As the bundled list ships: no block list, so nothing can stop an unpinned page.
const s = await prepare({ browser: 'firefox', stale: false, editList: (list) => { list.blocklist = { spki: [], certificates: [] }; } });
const plain = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS });
const ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS, idleTimeoutMs: IDLE_TIMEOUT_MS });
try {
  const pinnedUrl = s.servers.mailLegit.url;
  const since = Date.now();
  await ff.browser.installExtension(s.dist);
  const insp = await Inspector.open(ff);
  await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since));
  const pages = { without: await plain.browser.newPage(), with: await ff.browser.newPage() };
  const loadStart = loadavg()[0];

  const pinned = await paired(pages, pinnedUrl);
  const login = await paired(pages, `${pinnedUrl}login`);
  const unpinned = await paired(pages, s.servers.plain.url);
  const tabs = await insp.eval(() => browser.tabs.query({}));
  const tabId = tabs.find((t) => t.url?.startsWith('https://plain.example.test'))?.id;
  const badge = tabId ? await insp.badge(tabId) : null;

  const wakes = [];
  for (let i = 0; i < WAKES; i++) {
    const before = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 2000);
    await pages.with.goto(`${pinnedUrl}?wake=${i}`, { waitUntil: 'load' });
    const boot = await waitFor(async () => (await insp.session('boots')).find((b) => b.at > before), { timeout: 5000 });
    if (boot) wakes.push(boot);
  }

  console.log(`Firefox ESR, headless; ${LOADS} paired loads per page after ${WARMUP} warm-up loads`);
  report(`pinned page ${pinnedUrl} (legit chain)`, pinned);
  report('pinned "login page" profile: 1 document + 30 sub-resources, 20 ms server time each', login);
  report(`unpinned page ${s.servers.plain.url} (badge with the extension: ${badge?.text ?? 'none'})`, unpinned);
  const load = loadavg();
  console.log(`\nload average: ${loadStart.toFixed(2)} at the start, ${load.map((x) => x.toFixed(2)).join(' ')} at the end, on ${cpus().length} cores`);
  if (wakes.length) {
    console.log(line('WASM init() on wake', wakes.map((w) => w.wasmMs)));
    console.log(line('engine built on wake', wakes.map((w) => w.buildMs)));
    console.log(line('background ready on wake', wakes.map((w) => w.readyMs)));
  } else {
    console.log('no wake was observed (the event page did not unload)');
  }
  console.log(JSON.stringify({
    loads: LOADS,
    pinnedOverheadPct: round((pinned.diff / pinned.base) * 100),
    pinnedOverheadMs: round(pinned.diff),
    loginOverheadPct: round((login.diff / login.base) * 100),
    loginOverheadMs: round(login.diff),
    unpinnedOverheadMs: round(unpinned.diff),
    wakeInitMedianMs: wakes.length ? round(median(wakes.map((w) => w.wasmMs))) : null,
    wakeInitP90Ms: wakes.length ? round(pct(wakes.map((w) => w.wasmMs), 90)) : null,
    loadAverage: round(load[0]),
  }));
} finally {
  await ff.close();
  await plain.close();
  await s.cleanup();
}
