// Every word a person sees comes from _locales/<code>/messages.json through the browser's i18n
// (the browser picks the reader's language and falls back to the default locale, English, for a
// message a language lacks). Certificate text and host names are never translated: they go in
// as substitutions, and the pages put the result into text nodes.

import { api } from './compat.js';

/**
 * The message `key` with its placeholders filled from `subs` in order. A key no locale has
 * (a bug that tests/unit/locales.test.mjs catches) shows the key itself rather than nothing.
 */
export function t(key, ...subs) {
  const text = api.i18n.getMessage(key, subs.map((s) => String(s ?? '')));
  return text || key;
}

/** The language the browser's own interface is in: what dates and numbers are formatted for. */
export function uiLanguage() {
  return api.i18n.getUILanguage?.() || 'en';
}

/**
 * Sets the page's `lang` and `dir` and fills every element marked with `data-i18n` (text),
 * `data-i18n-placeholder`, `data-i18n-title` or `data-i18n-aria-label`. Both come from the
 * translation whose words are shown (`locale_code`, `locale_dir`), not from the interface's
 * language: a reader whose language has no translation reads English, laid out left to right,
 * and a screen reader must pronounce it as English.
 */
export function localize(root = document) {
  const html = document.documentElement;
  html.lang = t('locale_code');
  html.dir = t('locale_dir') === 'rtl' ? 'rtl' : 'ltr';
  for (const node of root.querySelectorAll('[data-i18n]')) node.textContent = t(node.dataset.i18n);
  for (const [data, attr] of [['i18nPlaceholder', 'placeholder'], ['i18nTitle', 'title'], ['i18nAriaLabel', 'aria-label']]) {
    const selector = `[data-${data.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}]`;
    for (const node of root.querySelectorAll(selector)) node.setAttribute(attr, t(node.dataset[data]));
  }
}

/** Date and time to the second, in the order and digits of the language (as `toLocaleString` gives them). */
const DATE_TIME = Object.freeze({ year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });

/** A moment (Unix milliseconds) as date and time in the interface's language; "—" when absent. */
export function formatTime(ms) {
  if (ms === null || ms === undefined || !Number.isFinite(Number(ms))) return '—';
  return new Intl.DateTimeFormat(uiLanguage(), DATE_TIME).format(new Date(Number(ms)));
}

/** A date the core gives as text (RFC 3339, as a list's `expiresAt`), formatted; the text itself when unreadable. */
export function formatDateText(text) {
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? formatTime(ms) : String(text ?? '?');
}

/** A count or a measure in the interface's language. */
export function formatNumber(n, digits = 0) {
  return new Intl.NumberFormat(uiLanguage(), { maximumFractionDigits: digits }).format(n);
}
