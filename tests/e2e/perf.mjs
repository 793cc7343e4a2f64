// Page-load cost of Pinwatch in Firefox, and the WASM instantiate time when the event page wakes.
//
//   node tests/e2e/perf.mjs [loads=40] [wakes=10]        (after ./build.sh)
//
// Two Firefox instances with the same profile set-up, one with the extension and one without,
// loading the pinned host (legit chain) in turn, one load each at a time, so that whatever else
// runs on the machine falls on both alike. Each load is a navigation of the same tab, timed by
// the page's own Navigation Timing (start to loadEventEnd). Then the event page of the one with
// the extension is left to unload (short idle timeout) `wakes` times and woken by a load; the
// background records how long `init()` of the WASM module took on each wake.

import { cpus, loadavg } from 'node:os';
import { HOSTS, prepare } from './lib/scenario.mjs';
import { Inspector, launchFirefox, sleep, waitFor } from './lib/firefox.mjs';

const LOADS = Number(process.argv[2] ?? 40);
const WAKES = Number(process.argv[3] ?? 10);
const IDLE_TIMEOUT_MS = 1500;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
const fmt = (x) => x.toFixed(1);

/** Loads `url` in `page` and returns its Navigation Timing duration (start to loadEventEnd). */
async function loadTime(page, url) {
  await page.goto(url, { waitUntil: 'load', timeout: 15_000 });
  return waitFor(() => page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null;
  }), { timeout: 5000, interval: 20 });
}

function line(label, xs) {
  return `${label.padEnd(28)} median ${fmt(median(xs)).padStart(6)} ms   p90 ${fmt(pct(xs, 90)).padStart(6)} ms   (n=${xs.length})`;
}

const WARMUP = 3;

const s = await prepare({ browser: 'firefox' });
const plain = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS });
const ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS, idleTimeoutMs: IDLE_TIMEOUT_MS });
try {
  const url = s.servers.mailLegit.url;
  const since = Date.now();
  await ff.browser.installExtension(s.dist);
  const insp = await Inspector.open(ff);
  await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since));
  const pages = { without: await plain.browser.newPage(), with: await ff.browser.newPage() };
  const times = { without: [], with: [] };
  const paired = []; // with − without, for loads made one right after the other
  for (let i = 0; i < LOADS + WARMUP; i++) {
    const pair = {};
    for (const k of i % 2 ? ['with', 'without'] : ['without', 'with']) {
      pair[k] = await loadTime(pages[k], `${url}?perf=${k}-${i}`);
    }
    if (i < WARMUP) continue; // the first loads open connections and warm caches
    times.with.push(pair.with);
    times.without.push(pair.without);
    paired.push(pair.with - pair.without);
  }
  const tabs = await insp.eval(() => browser.tabs.query({}));
  const tabId = tabs.find((t) => t.url?.startsWith('https://mail.example.test'))?.id;
  const badge = tabId ? await insp.badge(tabId) : null;

  const wakes = [];
  for (let i = 0; i < WAKES; i++) {
    const before = Date.now();
    await sleep(IDLE_TIMEOUT_MS + 2000);
    await pages.with.goto(`${url}?wake=${i}`, { waitUntil: 'load' });
    const boot = await waitFor(async () => (await insp.session('boots')).find((b) => b.at > before), { timeout: 5000 });
    if (boot) wakes.push(boot);
  }

  const base = median(times.without);
  const overhead = ((median(times.with) - base) / base) * 100;
  console.log(`Firefox ESR, headless, ${url} (pinned, legit chain; badge with the extension: ${badge?.text ?? '?'})`);
  console.log(line('without the extension', times.without));
  console.log(line('with Pinwatch', times.with));
  console.log(`overhead of the median: ${overhead >= 0 ? '+' : ''}${fmt(overhead)} % (${fmt(median(times.with) - base)} ms); `
    + `median of the paired differences: ${fmt(median(paired))} ms (${fmt((median(paired) / base) * 100)} %)`);
  console.log(`load average during the run: ${loadavg().map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`);
  if (wakes.length) {
    console.log(line('WASM init() on wake', wakes.map((w) => w.wasmMs)));
    console.log(line('engine built on wake', wakes.map((w) => w.buildMs)));
    console.log(line('background ready on wake', wakes.map((w) => w.readyMs)));
  } else {
    console.log('no wake was observed (the event page did not unload)');
  }
} finally {
  await ff.close();
  await plain.close();
  await s.cleanup();
}
