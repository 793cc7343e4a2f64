// Paired page loads for the page-cost benchmarks (perf.mjs in Firefox, perf-chromium.mjs): the
// same page loaded by each browser instance in turn, one load at a time, the order rotating, so
// that whatever else runs on the machine falls on all alike; figures are medians of the paired
// differences.

import { readFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { waitFor } from './inspector.mjs';

const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==', 'base64');
const TYPES = { js: 'text/javascript', css: 'text/css', png: 'image/png' };

/**
 * A page of 30 sub-resources, 5 styles, 10 scripts and 15 images, each at `at(i, file)`, and
 * `title` its title and heading.
 */
export function thirtyParts(title, at) {
  const styles = Array.from({ length: 5 }, (_, i) => `<link rel="stylesheet" href="${at(i, `c${i}.css`)}">`).join('');
  const scripts = Array.from({ length: 10 }, (_, i) => `<script src="${at(i + 5, `s${i}.js`)}"></script>`).join('');
  const images = Array.from({ length: 15 }, (_, i) => `<img src="${at(i + 15, `i${i}.png`)}" alt="" width="1" height="1">`).join('');
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${title}</title>${styles}${scripts}</head><body><h1>${title}</h1>${images}</body></html>`;
}

/**
 * A site on loopback with `leaf`'s chain: `/` is `page(port)` and `/r/…` its parts, every
 * answer after `delayMs` of server time, none cached. Returns {port, close}.
 */
export async function startDelayedSite(leaf, inter, { delayMs, page }) {
  let port;
  const server = createServer({ key: readFileSync(leaf.key), cert: leaf.pemText + inter.pemText }, (req, res) => {
    const path = req.url.split('?')[0];
    const ext = path.split('.').pop();
    setTimeout(() => {
      if (path === '/') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
        res.end(page(port));
      } else if (path.startsWith('/r/')) {
        res.writeHead(200, { 'content-type': TYPES[ext] ?? 'text/plain', 'cache-control': 'no-store' });
        res.end(ext === 'png' ? PNG : '');
      } else {
        res.writeHead(404);
        res.end();
      }
    }, delayMs);
  });
  port = await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server.address().port));
  });
  return { port, close: () => new Promise((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

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
