// End-to-end: the pages in the reader's language, and usable by everyone. Headless Firefox ESR
// (language packs from Debian's firefox-esr-l10n-*, chosen with `intl.locale.requested`) and
// Chromium (chromium-l10n, `--lang` and LANGUAGE), each in English, German and Arabic (right to
// left), against HTTPS servers on loopback whose chains are made for this run:
//
//   - the warning page of a real stop and the popup show that language's words, `lang` and `dir`;
//   - axe-core finds no WCAG 2.1 A/AA violation on the warning page (details open), the popup
//     (with a chain; in Firefox also with a local-root notice) and the options page (with entries,
//     channels and watched sites). The pages' CSP forbids inline script, so axe's source is
//     evaluated through the debugging protocol;
//   - the warning page works from the keyboard: focus starts on "Go back", the details are a
//     disclosure button, "proceed anyway" is never focused first and says what it does, Enter on
//     "Go back" leaves the page.
//
//   BROWSER=firefox node --test --test-concurrency=1 tests/e2e/i18n-a11y.test.mjs     (after ./build.sh)

import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { after, before, describe, it } from 'node:test';
import { join } from 'node:path';
import { readMessages } from '../unit/lib/i18n.mjs';
import { spkiDer } from './lib/pki.mjs';
import { prepare, HOSTS } from './lib/scenario.mjs';
import * as firefox from './lib/firefox.mjs';
import * as chromium from './lib/chromium.mjs';

const browserChoice = process.env.BROWSER ?? 'all';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/**
 * Per language: the browser's locale, words each page must show (from the translation, so a
 * page left in English fails), `lang` and `dir`.
 */
const LANGUAGES = {
  en: { firefox: 'en-US', chromium: 'en-US', lang: 'en', dir: 'ltr', back: 'Go back', details: 'Details', headline: /may be intercepted/, popupChain: 'Certificate chain', options: 'Pinwatch settings', localRootReason: /decrypted by software/ },
  de: { firefox: 'de', chromium: 'de', lang: 'de', dir: 'ltr', back: 'Zurück', details: 'Details', headline: /wird möglicherweise abgefangen/, popupChain: 'Zertifikatskette', options: 'Pinwatch-Einstellungen', localRootReason: /entschlüsselt/ },
  ar: { firefox: 'ar', chromium: 'ar', lang: 'ar', dir: 'rtl', back: 'الرجوع', details: 'التفاصيل', headline: /معترَضًا/, popupChain: 'سلسلة الشهادات', options: 'إعدادات Pinwatch', localRootReason: /يفك/ },
};

/** axe-core's WCAG 2.1 A/AA violations on the page, each as "rule: selectors". */
async function axeViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const violations = await page.evaluate(async (tags) => {
    const result = await globalThis.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map((n) => n.target.join(' ')).join(', ')}`);
  }, WCAG);
  return violations;
}

/** What a page says about its language. */
function pageLanguage(page) {
  return page.evaluate(() => ({ lang: document.documentElement.lang, dir: document.documentElement.dir, text: document.body.innerText }));
}

/** The settings a person would have saved: an internal host, a channel, a watched site. */
const LOCALES = join(import.meta.dirname, '..', '..', 'extension', '_locales');

function userSettings(pki) {
  const key = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'der' }).subarray(12).toString('base64');
  return {
    user: {
      mode: null,
      extraEntries: [{ host: 'intranet.corp.example', includeSubdomains: true, pins: [pki.leaves.mailLegit.spkiPin], badPins: [], mode: 'enforce' }],
      channels: [{ url: 'https://pins.corp.example/list.json', keys: [`pinwatch-ed25519:${key}`], threshold: 1, scope: null }],
      debuggerCapture: false,
      companionScope: 'pinned',
      localRootMode: null,
      knownRoots: [],
    },
    watched: {
      'news.example.test': {
        since: Date.now() - 86_400_000, lastSeen: Date.now(), mode: 'warn',
        pins: [pki.leaves.plain.spkiPin], issuer: 'CN=Example Issuing CA', root: 'CN=Example Root', changes: [],
      },
    },
  };
}

/**
 * The cases, the same for both browsers. `b` gives: `launch(language)` → env with `open(path)`
 * (an extension page), `visit(server, want)` → {page, tabId}, `insp`, `close()`.
 */
function suite(name, b, { localRoot }) {
  describe(`${name}: pages in the reader's language, WCAG 2.1 AA, keyboard`, { skip: b.skip }, () => {
    let s;
    before(async () => { s = await prepare(b.prepare); });
    after(async () => { await s?.cleanup(); });

    for (const [code, L] of Object.entries(LANGUAGES)) {
      describe(`in ${code}`, () => {
        let env;
        before(async () => { env = await b.launch(s, L); });
        after(async () => { await env?.close(); });

        it('the warning page of a real stop: words, lang and dir of the language; no axe violation, details open', async () => {
          const v = await env.visit(s.servers.mailRogue, 'warning');
          assert.equal(v.outcome, 'warning', `the rogue chain is stopped (got ${v.outcome} at ${v.href})`);
          const shown = await firefox.waitFor(() => v.page.evaluate(() => !document.getElementById('details').hidden
            && document.getElementById('reason').textContent && {
            title: document.getElementById('title').textContent,
            back: document.getElementById('back').textContent,
            toggle: document.getElementById('details-toggle').textContent,
            reason: document.getElementById('reason').textContent,
          }));
          assert.ok(shown, 'the stop\'s details were shown');
          assert.match(shown.title, L.headline);
          assert.match(shown.title, /mail\.example\.test/, 'the host is placed into the headline as it is');
          assert.equal(shown.back, L.back);
          assert.equal(shown.toggle, L.details);
          const { lang, dir } = await pageLanguage(v.page);
          assert.deepEqual({ lang, dir }, { lang: L.lang, dir: L.dir });
          await v.page.click('#details-toggle');
          assert.equal(await v.page.evaluate(() => document.getElementById('details-body').hidden), false, 'the disclosure opens');
          const subjects = await v.page.evaluate(() => [...document.querySelectorAll('#served-chain .subject')].map((e) => e.textContent));
          assert.ok(subjects.some((t) => t.includes('mail.example.test')), `certificate text as the certificate says: ${subjects}`);
          assert.deepEqual(await axeViolations(v.page), []);
          await v.page.close();
        });

        it('the popup with a chain: the language\'s words; no axe violation', async () => {
          const v = await env.visit(s.servers.mailLegit, 'page');
          const popup = await env.open(`pages/popup.html?tab=${v.tabId}`);
          const shown = await firefox.waitFor(() => popup.evaluate(() => !document.getElementById('chain-section').hidden && {
            heading: document.querySelector('#chain-section h2').textContent,
            status: document.querySelector('#verdict-badge .status')?.textContent,
            statusCode: document.querySelector('#verdict-badge .status')?.dataset.status,
          }), { timeout: 15_000 });
          assert.ok(shown, `the popup shows the chain (it shows: ${await popup.evaluate(() => document.body.innerText.slice(0, 300))})`);
          assert.equal(shown.heading, L.popupChain);
          assert.equal(shown.statusCode, 'pinned');
          assert.ok(shown.status, 'the status has a label in words, not only a colour');
          const { lang, dir } = await pageLanguage(popup);
          assert.deepEqual({ lang, dir }, { lang: L.lang, dir: L.dir });
          assert.deepEqual(await axeViolations(popup), []);
          await popup.close();
          await v.page.close();
        });

        if (localRoot) {
          it('the popup with a local-root notice: no axe violation', async () => {
            const v = await env.visit(s.servers.plain, 'page');
            const popup = await env.open(`pages/popup.html?tab=${v.tabId}`);
            const line = await firefox.waitFor(() => popup.evaluate(() => !document.getElementById('local-root-section').hidden
              && document.getElementById('local-root-line').textContent), { timeout: 15_000 });
            assert.ok(line, 'the popup shows the local-root notice');
            const reason = await popup.evaluate(() => document.getElementById('reason').textContent);
            assert.match(reason, L.localRootReason, 'the core\'s reason code, in the reader\'s language');
            assert.deepEqual(await axeViolations(popup), []);
            await popup.close();
            await v.page.close();
          });
        }

        it('the options page with entries, channels and watched sites: no axe violation', async () => {
          let page = await env.open('pages/options.html');
          const settings = userSettings(s.pki);
          const saved = await page.evaluate(async ({ user, watched }) => {
            const api = globalThis.browser ?? globalThis.chrome;
            await api.storage.local.set({ watched });
            return api.runtime.sendMessage({ type: 'save-user', user });
          }, settings);
          assert.ok(saved?.ok && saved.value.saved, `the settings were saved: ${JSON.stringify(saved)}`);
          await page.close();
          page = await env.open('pages/options.html');
          const shown = await firefox.waitFor(() => page.evaluate(() => document.querySelectorAll('#extras tbody tr').length === 1
            && document.querySelectorAll('#user-channels tbody tr').length === 1
            && document.querySelectorAll('#watched tbody tr').length === 1
            && document.querySelector('h1').textContent), { timeout: 15_000 });
          assert.equal(shown, L.options);
          const { lang, dir } = await pageLanguage(page);
          assert.deepEqual({ lang, dir }, { lang: L.lang, dir: L.dir });
          assert.deepEqual(await axeViolations(page), []);
          if (code === 'en') {
            // The harness can fail: text below 4.5:1 contrast is reported.
            await page.evaluate(() => {
              const p = document.createElement('p');
              p.textContent = 'faint words';
              p.style.color = '#d0d0d0';
              document.querySelector('main').append(p);
            });
            assert.ok((await axeViolations(page)).some((v) => v.startsWith('color-contrast')), 'axe reports a contrast violation');
          }
          await page.close();
        });

        it('a refused entry is named on the options page in the reader\'s language (the core\'s problem code)', async () => {
          let page = await env.open('pages/options.html');
          const settings = userSettings(s.pki);
          const refused = { host: 'mail.example.test', includeSubdomains: false, pins: [s.pki.rogueRoot.spkiPin], badPins: [], mode: 'report' };
          const user = { ...settings.user, extraEntries: [...settings.user.extraEntries, refused] };
          // A malformed entry is refused at the save itself (the signed-list module's check), nothing saved.
          const malformed = { ...user, extraEntries: [...user.extraEntries, { host: 'x.example.test', pins: ['not-a-pin'] }] };
          const bad = await page.evaluate((u) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'save-user', user: u }), malformed);
          assert.ok(bad?.ok && bad.value.saved === false, `refused: ${JSON.stringify(bad)}`);
          assert.deepEqual(bad.value.errors.map((e) => e.code), ['entry-bad-pin']);
          const saved = await page.evaluate((u) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'save-user', user: u }), user);
          assert.ok(saved?.ok && saved.value.saved, `saved; the engine refuses it when built: ${JSON.stringify(saved)}`);
          await page.close();
          page = await env.open('pages/options.html');
          try {
            const problem = await firefox.waitFor(() => page.evaluate(() => [...document.querySelectorAll('#problems li')]
              .map((li) => li.textContent).find((text) => text.includes('mail.example.test'))), { timeout: 15_000 });
            // The words of this language's own message, its placeholders filled: not the English.
            const words = readMessages(LOCALES, code).problem_entry_not_used.message.split(/\$[A-Z_]+\$/)
              .map((part) => part.trim()).sort((x, y) => y.length - x.length)[0];
            assert.ok(words.length > 3 && problem.includes(words), `"${problem}" says "${words}"`);
            if (code !== 'en') assert.ok(!problem.includes('is not used'), 'not the English');
          } finally {
            await page.evaluate((u) => (globalThis.browser ?? globalThis.chrome).runtime.sendMessage({ type: 'save-user', user: u }), settings.user);
            await page.close();
          }
        });

        if (code !== 'de') {
          it('the warning page from the keyboard: Go back first and focused, details a disclosure, proceed never first, Enter goes back', async () => {
            const v = await env.visit(s.servers.mailRogue, 'warning');
            assert.equal(v.outcome, 'warning');
            await firefox.waitFor(() => v.page.evaluate(() => !document.getElementById('details').hidden));
            const start = await v.page.evaluate(() => ({
              focused: document.activeElement?.id,
              toggle: document.getElementById('details-toggle').getAttribute('aria-expanded'),
              proceed: document.getElementById('proceed').hidden ? null : document.getElementById('proceed').textContent,
            }));
            assert.equal(start.focused, 'back', 'focus starts on "Go back"');
            assert.equal(start.toggle, 'false', 'the details start closed, as a disclosure says');
            // Only within the page: one Tab past its last control moves focus to the browser's own.
            const focused = () => v.page.evaluate(() => document.activeElement?.id || document.activeElement?.tagName);
            await v.page.keyboard.press('Tab');
            assert.equal(await focused(), 'details-toggle', 'Tab from "Go back" reaches the details');
            if (start.proceed) {
              await v.page.keyboard.press('Tab');
              assert.equal(await focused(), 'proceed', '"proceed anyway" comes after "Go back" and the details');
              assert.match(start.proceed, /mail\.example\.test/, 'the proceed button names what it opens');
              await v.page.keyboard.down('Shift');
              await v.page.keyboard.press('Tab');
              await v.page.keyboard.up('Shift');
              assert.equal(await focused(), 'details-toggle');
            }
            await v.page.keyboard.press('Enter');
            assert.equal(await v.page.evaluate(() => document.getElementById('details-toggle').getAttribute('aria-expanded')), 'true',
              'Enter opens the details');
            await v.page.keyboard.down('Shift');
            await v.page.keyboard.press('Tab');
            await v.page.keyboard.up('Shift');
            assert.equal(await focused(), 'back');
            await v.page.keyboard.press('Enter');
            const left = await firefox.waitFor(() => v.page.evaluate(() => !location.href.includes('pages/warning.html') && location.href).catch(() => null));
            assert.ok(left, '"Go back" leaves the warning page');
            await v.page.close();
          });
        }
      });
    }
  });
}

/**
 * `tabId`, once a page that went through has its verdict stored: a quiet pass is stored a moment
 * after the page (and in Chromium the verdict itself comes after it), and the popup shows what is
 * stored when it opens, as it does for a person who opens it right then.
 */
async function judged(insp, tabId, want) {
  if (want === 'page') await firefox.waitFor(async () => (await insp.session(`tab:${tabId}`))?.page, { timeout: 15_000 });
  return tabId;
}

suite('Firefox ESR', {
  skip: !['firefox', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`,
  prepare: { browser: 'firefox', name: 'test-firefox-i18n', stale: false },
  async launch(s, L) {
    const ff = await firefox.launchFirefox({ roots: s.pki.roots, hosts: HOSTS, prefs: { 'intl.locale.requested': L.firefox } });
    await ff.browser.installExtension(s.dist);
    const insp = await firefox.Inspector.open(ff);
    return {
      open: (path) => firefox.openExtensionPage(ff, path),
      async visit(server, want) {
        const v = await firefox.visit(ff, server.url);
        assert.equal(v.outcome, want, `${server.url}: ${v.outcome} at ${v.href}`);
        return { ...v, tabId: await judged(insp, await insp.tabId(v.page), want) };
      },
      close: () => ff.close(),
    };
  },
}, { localRoot: true });

suite('Chromium', {
  skip: !['chromium', 'all'].includes(browserChoice) && `BROWSER=${browserChoice}`,
  prepare: {
    browser: 'chromium',
    name: 'test-chromium-i18n',
    stale: false,
    // Chromium hands over the leaf alone: the pinned issuing CA's key proves (or refuses) it.
    editList(list, pki) {
      list.pinsets['test-legit'].issuer_keys = [spkiDer(pki.legitInter)];
    },
  },
  async launch(s, L) {
    // Chromium takes its interface language from LANGUAGE and --lang (with chromium-l10n installed).
    const language = process.env.LANGUAGE;
    process.env.LANGUAGE = L.chromium;
    let cr;
    try {
      cr = await chromium.launchChromium({ roots: s.pki.roots, hosts: HOSTS, extra: [`--lang=${L.chromium}`] });
    } finally {
      if (language === undefined) delete process.env.LANGUAGE;
      else process.env.LANGUAGE = language;
    }
    await cr.install(s.dist);
    const insp = await chromium.Inspector.open(cr);
    return {
      async open(path) {
        const page = await cr.browser.newPage();
        await page.goto(`${cr.base}${path}`, { waitUntil: 'load' });
        return page;
      },
      async visit(server, want) {
        const v = await chromium.visit(cr, server.url, { want, timeout: 15_000 });
        assert.equal(v.outcome, want, `${server.url}: ${v.outcome} at ${v.href}`);
        return { ...v, tabId: await judged(insp, await insp.tabId(v.page), want) };
      },
      close: () => cr.close(),
    };
  },
}, { localRoot: false });
