// The newcomer's demo: the end-to-end scenario in headless Firefox ESR with the extension,
// one line per case with Pinwatch's verdict, and screenshots in dist/demo/.
//
//   ./build.sh demo          (or: node tests/e2e/demo.mjs after ./build.sh)

import { mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { HOSTS, prepare, ROOT } from './lib/scenario.mjs';
import { Inspector, launchFirefox, openExtensionPage, sleep, visit, waitFor } from './lib/firefox.mjs';

const OUT = join(ROOT, 'dist', 'demo');
const IDLE_TIMEOUT_MS = 3000;

const CASES = [
  { n: 1, what: 'legitimate chain', server: 'mailLegit' },
  { n: 2, what: 'rogue CA the browser trusts', server: 'mailRogue', shots: ['warning-rogue-ca', 'popup-rogue-ca'] },
  { n: 3, what: 'block-listed leaf, unpinned host', server: 'blocked', shots: ['warning-blocked'] },
  { n: 4, what: 'unpinned host', server: 'plain' },
  { n: 5, what: 'warn-mode entry, rogue chain', server: 'warnRogue' },
  { n: 6, what: 'expired list, rogue chain', server: 'mailRogue', stale: true },
  { n: 7, what: 'after the event page unloaded', server: 'mailRogue', idle: true },
  { n: 8, what: 'HTML and script in the subject', server: 'hostile', shots: ['warning-hostile-subject'] },
];

async function screenshot(page, name, width = 1000) {
  await page.setViewport({ width, height: 800 });
  const file = join(OUT, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return relative(ROOT, file);
}

/**
 * The warning page in other languages: German, and Arabic (right to left). Firefox shows them
 * with its Debian language packs (firefox-esr-l10n-de, -ar), chosen by `intl.locale.requested`.
 */
const TRANSLATED = ['de', 'ar'];

/** A Firefox in `language` stops the rogue chain; the warning page, details open, as a screenshot. */
async function warningIn(language, scenario) {
  const other = await launchFirefox({ roots: scenario.pki.roots, hosts: HOSTS, prefs: { 'intl.locale.requested': language } });
  try {
    await other.browser.installExtension(scenario.dist);
    const v = await visit(other, scenario.servers.mailRogue.url);
    const lang = v.outcome === 'warning' && await waitFor(() => v.page.evaluate(() => !document.getElementById('details').hidden
      && document.documentElement.lang));
    console.log(`    the warning page in ${language}: ${lang ? `lang="${lang}"` : `not shown (${v.outcome})`}`);
    if (lang !== language) return null;
    await v.page.click('#details-toggle');
    return await screenshot(v.page, `warning-rogue-ca-${language}`);
  } finally {
    await other.close();
  }
}

mkdirSync(OUT, { recursive: true });
const s = await prepare({ browser: 'firefox' });
const ff = await launchFirefox({ roots: s.pki.roots, hosts: HOSTS, idleTimeoutMs: IDLE_TIMEOUT_MS });
const shots = [];
let failures = 0;
try {
  let insp;
  const install = async (dir) => {
    const since = Date.now();
    await ff.browser.installExtension(dir);
    insp = await Inspector.open(ff);
    await waitFor(async () => (await insp.session('boots'))?.some((b) => b.at >= since));
  };
  await install(s.dist);
  console.log(`Pinwatch demo: Firefox ESR headless, test list "${s.list.publisher}" (sequence ${s.list.sequence}), servers on 127.0.0.1\n`);

  for (const c of CASES) {
    if (c.stale) await install(s.staleDist);
    if (c.idle) await sleep(IDLE_TIMEOUT_MS + 3000);
    const server = s.servers[c.server];
    const seen = server.requests.length;
    const since = Date.now();
    const v = await visit(ff, server.url);
    const tabId = await insp.tabId(v.page);
    // A quiet pass or a notice is stored a moment after the page (so as not to slow it), and
    // the badge is set right after that: wait for this visit's record, then for the badge.
    const recordOf = (state) => state?.byHost?.[server.host] ?? state?.page;
    const state = tabId
      ? await waitFor(async () => {
        const st = await insp.session(`tab:${tabId}`);
        return recordOf(st)?.time >= since && st;
      }, { timeout: 5000 })
      : null;
    await sleep(300);
    const record = recordOf(state);
    const badge = tabId ? await insp.badge(tabId) : { text: '' };
    const content = server.requests.slice(seen).some((r) => r.path.startsWith('/sub.png')) ? 'content delivered' : 'no content delivered';
    const shown = v.outcome === 'warning' ? 'WARNING PAGE' : v.outcome === 'page' ? 'page loaded' : v.outcome;
    const line = `${String(c.n).padStart(2)}. ${c.what.padEnd(34)} ${server.host.padEnd(22)} ${String(record?.status ?? 'no verdict').padEnd(13)} ${shown}, ${content}, badge "${badge.text}"`;
    console.log(line);
    if (!record || v.outcome === 'timeout' || v.outcome === 'error') failures++;
    if (c.shots?.[0] && v.outcome === 'warning') shots.push(await screenshot(v.page, c.shots[0]));
    if (c.shots?.[1] || c.n === 1) {
      const popup = await openExtensionPage(ff, `pages/popup.html?tab=${tabId}`);
      await waitFor(() => popup.evaluate(() => Boolean(document.querySelector('#verdict-badge .status'))));
      shots.push(await screenshot(popup, c.shots?.[1] ?? 'popup-pinned', 700));
      await popup.close();
    }
    if (c.stale) await install(s.dist);
    await v.page.close();
  }
  const options = await openExtensionPage(ff, 'pages/options.html');
  await waitFor(() => options.evaluate(() => document.querySelectorAll('#sources tbody tr').length > 0));
  shots.push(await screenshot(options, 'options'));
  for (const language of TRANSLATED) {
    const shot = await warningIn(language, s);
    if (shot) shots.push(shot);
    else failures++;
  }
  console.log(`\nScreenshots:\n  ${shots.join('\n  ')}`);
} finally {
  await ff.close();
  await s.cleanup();
}
process.exitCode = failures ? 1 : 0;
