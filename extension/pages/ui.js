// DOM helpers for the extension's pages. Every piece of text, above all certificate text a
// server chose, goes into the page as a text node: nothing here ever parses HTML.

import { BADGES } from '../shared/actions.js';
import { formatDateText, formatNumber, formatTime, t } from '../shared/i18n.js';
import { ERROR_STATUS } from '../shared/verdicts.js';
import { LOCAL_ROOT_MODE, MATCH_KIND, MODE, PROBLEM, REASON } from '../shared/vocabulary.js';
import { caKeysOf } from '../shared/watch.js';

/**
 * The message for each mode in the options page's menu, weakest first as MODES lists them
 * (tests/unit/vocabulary.test.mjs fails when a mode of the core has none).
 */
export const MODE_WORDS = Object.freeze({
  [MODE.report]: 'mode_report',
  [MODE.warn]: 'mode_warn',
  [MODE.enforce]: 'mode_enforce',
});

/** `el('td', {class: 'pin', title: '…'}, 'text', childNode, …)`: attributes and text only. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) throw new Error('ui.el: no event handler attributes');
    node.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** Replaces the children of `target` (an element or its id). */
export function fill(target, ...children) {
  const node = typeof target === 'string' ? document.getElementById(target) : target;
  node.replaceChildren(...children.flat().filter((c) => c !== null && c !== undefined && c !== false)
    .map((c) => (c instanceof Node ? c : document.createTextNode(String(c)))));
  return node;
}

export function statusWords(status) {
  return t((BADGES[status] ?? BADGES[ERROR_STATUS]).words);
}

/** The status as a label: its name in words, never its colour alone. */
export function statusBadge(status) {
  const badge = BADGES[status] ?? BADGES[ERROR_STATUS];
  return el('span', { class: `status status-${status}`, 'data-status': status }, t(badge.label));
}

export function when(ms) {
  return formatTime(ms);
}

/**
 * A verdict's reason in the reader's language, from the code and parameters the core gave
 * (REASON lists each code's parameters in order); the core's English sentence for a record
 * stored without a code (Pinwatch's own errors).
 */
export function reasonText(record) {
  const params = REASON[record?.reasonCode];
  if (!params) return record?.reason ?? '';
  const values = params.map((name) => record.reasonParams?.[name] ?? '');
  return t(reasonKey(record.reasonCode), ...values);
}

/**
 * A problem with a source or setting (`{code, params, error}`, shared/problem.js or the core's
 * SourceProblem) in the reader's language; the English when the code is not one of the table's.
 */
export function problemText(p) {
  const params = PROBLEM[p?.code];
  if (!params) return p?.error ?? String(p ?? '');
  return t(problemKey(p.code), ...params.map((name) => p.params?.[name] ?? ''));
}

/** The message key of a problem code: `entry-no-pins` → `problem_entry_no_pins`. */
export function problemKey(code) {
  return `problem_${code.replaceAll('-', '_')}`;
}

/** The message key of a reason code: `no-chain` → `reason_no_chain`. */
export function reasonKey(code) {
  return `reason_${code.replaceAll('-', '_')}`;
}

/** "Watching since …; then the CA was …": a watched host's mismatch in words (text only). */
export function watchChangeText(w, record) {
  const now = caKeysOf(record);
  const noName = t('common_no_name');
  const seen = now ? t('watch_change_now', now.issuer || noName, now.root || noName) : t('watch_change_unread');
  return [t('watch_change_then', formatTime(w.since), w.issuer || noName, w.root || noName), seen,
    t('watch_change_last_seen', formatTime(w.lastSeen))].join(' ');
}

/**
 * The chain as a table: subject, issuer, validity and SPKI pin of each certificate, leaf first.
 * `marks` maps a certificate index to a note ("pinned key", "bad key", …).
 */
export function chainTable(chain, marks = new Map()) {
  if (!chain?.length) return el('p', { class: 'muted' }, t('chain_none'));
  // Subjects, issuers and names are the certificate's own text: shown as they are, in `bdi` so
  // that a right-to-left page does not reorder their characters.
  const rows = chain.map((c, i) => el('tr', { class: marks.has(i) ? 'marked' : null },
    el('td', {}, t(i === 0 ? 'chain_leaf' : c.isCa && i === chain.length - 1 ? 'chain_root' : 'chain_ca'),
      marks.has(i) ? el('div', { class: `mark mark-${marks.get(i).tone}` }, t(marks.get(i).words)) : null),
    el('td', {},
      el('div', { class: 'subject' }, el('bdi', {}, c.subject || t('chain_empty_subject'))),
      el('div', { class: 'issuer muted' }, t('chain_issued_by'), ' ', el('bdi', { class: 'issuer-name' }, c.issuer || t('chain_empty_issuer'))),
      c.sanDns?.length ? el('div', { class: 'muted san' }, t('chain_names'), ' ', el('bdi', {}, c.sanDns.join(', ')),
        c.sanDnsMore ? ` ${t('chain_names_more', formatNumber(c.sanDnsMore))}` : '') : null),
    el('td', { class: 'validity' }, validity(c.notBefore), el('br'), validity(c.notAfter)),
    el('td', {}, el('code', { class: 'pin', dir: 'ltr' }, c.spkiSha256), c.keyAlgorithm ? el('div', { class: 'muted key', dir: 'ltr' }, keyWords(c)) : null),
  ));
  return el('table', { class: 'chain' },
    el('thead', {}, el('tr', {}, el('td', {}), el('th', { scope: 'col' }, t('chain_col_subject')),
      el('th', { scope: 'col' }, t('chain_col_validity')), el('th', { scope: 'col' }, t('chain_col_pin')))),
    el('tbody', {}, rows));
}

/** A validity bound (RFC 3339 text from the core) as a date in the reader's language. */
function validity(text) {
  return text ? el('time', { datetime: text }, formatDateText(text)) : '?';
}

/** "ECDSA P-256", "RSA 2048": the algorithm, and the size when the name does not say it. */
function keyWords(c) {
  return c.keyBits && !c.keyAlgorithm.includes(String(c.keyBits)) ? `${c.keyAlgorithm} ${c.keyBits}` : c.keyAlgorithm;
}

/**
 * The mark a certificate gets for each match kind of the core (tests/unit/vocabulary.test.mjs
 * fails when one is missing). An issuer key names no certificate of the chain (it signed the
 * leaf), so its mark is shown only if a verdict ever places it.
 */
export const MATCH_MARKS = Object.freeze({
  [MATCH_KIND.chainPin]: { words: 'mark_chain_pin', tone: 'good' },
  [MATCH_KIND.issuerKey]: { words: 'mark_issuer_key', tone: 'good' },
  [MATCH_KIND.badPin]: { words: 'mark_bad_pin', tone: 'bad' },
  [MATCH_KIND.blockedSpki]: { words: 'mark_blocked_spki', tone: 'bad' },
  [MATCH_KIND.blockedCertificate]: { words: 'mark_blocked_certificate', tone: 'bad' },
  [MATCH_KIND.allowedRoot]: { words: 'mark_allowed_root', tone: 'note' },
  [MATCH_KIND.localRoot]: { words: 'mark_local_root', tone: 'bad' },
  [MATCH_KIND.knownRoot]: { words: 'mark_known_root', tone: 'note' },
});

/** The message for each `localRootMode`, as the options page's menu shows them. */
export const LOCAL_ROOT_MODE_WORDS = Object.freeze({
  [LOCAL_ROOT_MODE.notice]: 'local_root_mode_notice',
  [LOCAL_ROOT_MODE.warn]: 'local_root_mode_warn',
  [LOCAL_ROOT_MODE.enforce]: 'local_root_mode_enforce',
});

/** Marks for `chainTable` from a record's match: certificate index → {words (a message key), tone}. */
export function chainMarks(record) {
  const marks = new Map();
  const m = record.matched;
  if (m && m.certIndex !== null && m.certIndex !== undefined) {
    marks.set(m.certIndex, MATCH_MARKS[m.kind] ?? { words: 'mark_other', tone: 'note' });
  }
  return marks;
}

export function entryView(entry) {
  if (!entry) return el('p', { class: 'muted' }, t('entry_none'));
  return el('dl', { class: 'facts' },
    el('dt', {}, t('entry_host')), el('dd', {}, el('bdi', {}, entry.host), entry.includeSubdomains ? ` ${t('entry_and_subdomains')}` : ''),
    el('dt', {}, t('entry_pinset')), el('dd', {}, el('bdi', {}, entry.pinset)),
    el('dt', {}, t('entry_mode')), el('dd', {}, entry.mode),
    el('dt', {}, t('entry_from')), el('dd', {}, el('bdi', {}, entry.source)));
}

export function listView(list) {
  if (!list) return el('p', { class: 'muted' }, t('list_none'));
  return el('dl', { class: 'facts' },
    el('dt', {}, t('list_publisher')), el('dd', {}, el('bdi', {}, list.publisher)),
    el('dt', {}, t('list_sequence')), el('dd', {}, formatNumber(list.sequence)),
    el('dt', {}, t('list_issued')), el('dd', {}, dateAsWritten(list.issuedAt)),
    el('dt', {}, t('list_expires')), el('dd', {}, dateAsWritten(list.expiresAt)));
}

/** A date the list writes (RFC 3339), shown in the reader's form; the list's own text stays in `datetime`. */
function dateAsWritten(text) {
  return el('time', { datetime: text }, formatDateText(text));
}

/** The pins a pin set expects, as a list. */
export function expectedPins(pinset) {
  if (!pinset) return el('p', { class: 'muted' }, t('pinset_none'));
  const pin = (p) => el('code', { class: 'pin', dir: 'ltr' }, p);
  const items = [
    ...pinset.good.map((p) => el('li', { class: 'good' }, pin(p))),
    ...pinset.issuerKeys.map((p) => el('li', { class: 'issuer-key' }, pin(p), ` ${t('pinset_issuer_key')}`)),
    ...pinset.bad.map((p) => el('li', { class: 'bad' }, pin(p), ` ${t('pinset_bad')}`)),
  ];
  return el('ul', { class: 'pins', id: 'expected-pins' }, items);
}
