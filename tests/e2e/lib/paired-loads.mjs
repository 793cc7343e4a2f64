// Paired page loads for the page-cost benchmarks (perf.mjs in Firefox, perf-chromium.mjs): the
// same page loaded by each browser instance in turn, one load at a time, the order rotating, so
// that whatever else runs on the machine falls on all alike; figures are medians of the paired
// differences.

import { waitFor } from './inspector.mjs';

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
export const pct = (xs, p) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
export const fmt = (x) => x.toFixed(1);
export const round = (x) => (Number.isFinite(x) ? Math.round(x * 100) / 100 : null);

/** Loads `url` in `page` and returns its Navigation Timing duration (start to loadEventEnd). */
export async function loadTime(page, url) {
  await page.goto(url, { waitUntil: 'load', timeout: 30_000 });
  return waitFor(() => page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    return nav && nav.loadEventEnd > 0 ? nav.loadEventEnd - nav.startTime : null;
  }), { timeout: 5000, interval: 20 });
}

/** One line of a report: the median and p90 of `xs` (ms). */
export function line(label, xs) {
  return `${label.padEnd(34)} median ${fmt(median(xs)).padStart(6)} ms   p90 ${fmt(pct(xs, 90)).padStart(6)} ms   (n=${xs.length})`;
}

/**
 * `loads` rounds of `url` after `warmup` rounds (they open connections and warm caches), one load
 * per variant per round (`pages`: variant → page), the order rotating. Returns variant → times.
 */
export async function pairedLoads(pages, url, { loads, warmup }) {
  const variants = Object.keys(pages);
  const times = Object.fromEntries(variants.map((v) => [v, []]));
  for (let i = 0; i < loads + warmup; i++) {
    const order = variants.map((_, k) => variants[(k + i) % variants.length]);
    const got = {};
    for (const v of order) got[v] = await loadTime(pages[v], `${url}${url.includes('?') ? '&' : '?'}perf=${v}-${i}`);
    if (i < warmup) continue;
    for (const v of variants) times[v].push(got[v]);
  }
  return times;
}

/** The median of the paired differences `a` − `b` (NaN where either is missing). */
export function pairedDiff(times, a, b) {
  return times[a] && times[b] ? median(times[a].map((t, k) => t - times[b][k])) : NaN;
}
