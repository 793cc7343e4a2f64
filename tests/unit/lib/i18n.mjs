// The browser's i18n.getMessage, done the way Chromium and Firefox do it, over an extension's
// _locales folder: the reader's locale first, then the manifest's default locale; named
// placeholders whose `content` is `$1`…`$9`; `$$` for a dollar sign; predefined `@@` messages.
// For unit tests of code that calls `i18n` (the fake browser, the locale checks).

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const RTL = new Set(['ar', 'he', 'fa', 'ur']);

export function readMessages(localesDir, locale) {
  const file = join(localesDir, locale, 'messages.json');
  return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : null;
}

/** Fills a message's text: named placeholders, then `$1`…`$9` from `subs`. */
export function render(entry, subs = []) {
  const placeholders = Object.fromEntries(Object.entries(entry.placeholders ?? {}).map(([k, v]) => [k.toLowerCase(), v.content]));
  const positional = (text) => text.replace(/\$(\d)/g, (_, n) => subs[Number(n) - 1] ?? '');
  return entry.message
    .replace(/\$([A-Za-z0-9_@]+)\$/g, (whole, name) => {
      const content = placeholders[name.toLowerCase()];
      return content === undefined ? whole : positional(content);
    })
    .replace(/\$\$/g, '$');
}

/** An `i18n` object for `locale` (folder name, e.g. `pt_BR`) over `localesDir`. */
export function fakeI18n(localesDir, locale = 'en', defaultLocale = 'en') {
  const chosen = readMessages(localesDir, locale) ?? {};
  const fallback = readMessages(localesDir, defaultLocale) ?? {};
  const lang = locale.split('_')[0];
  return {
    getUILanguage: () => locale.replace('_', '-'),
    getMessage(key, subs = []) {
      if (key === '@@bidi_dir') return RTL.has(lang) ? 'rtl' : 'ltr';
      if (key === '@@ui_locale') return locale;
      const entry = chosen[key] ?? fallback[key];
      return entry ? render(entry, Array.isArray(subs) ? subs : [subs]) : '';
    },
  };
}
