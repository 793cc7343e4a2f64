// DOM helpers for the extension's pages. Every piece of text, above all certificate text a
// server chose, goes into the page as a text node: nothing here ever parses HTML.

import { BADGES } from './actions.js';
import { ERROR_STATUS } from './verdicts.js';
import { LOCAL_ROOT_MODE, MATCH_KIND, MODE } from './vocabulary.js';

/**
 * The words for each mode in the options page's menu, weakest first as MODES lists them
 * (tests/unit/vocabulary.test.mjs fails when a mode of the core has none).
 */
export const MODE_WORDS = Object.freeze({
  [MODE.report]: 'Report only: show nothing',
  [MODE.warn]: 'Warn: badge and notification, the page continues',
  [MODE.enforce]: 'Enforce: stop the page with a warning',
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
  return (BADGES[status] ?? BADGES[ERROR_STATUS]).words;
}

export function statusBadge(status) {
  const badge = BADGES[status] ?? BADGES[ERROR_STATUS];
  return el('span', { class: `status status-${status}`, style: `background:${badge.color}` }, status);
}

export function when(ms) {
  return new Date(ms).toLocaleString();
}

/**
 * The chain as a table: subject, issuer, validity and SPKI pin of each certificate, leaf first.
 * `marks` maps a certificate index to a note ("pinned key", "bad key", …).
 */
/** Said where a record's certificate details were dropped to keep storage bounded. */
export const DETAILS_DROPPED = 'Some certificate details of this verdict were dropped to keep Pinwatch\'s storage bounded; the verdict itself is complete.';

export function chainTable(chain, marks = new Map()) {
  if (!chain?.length) return el('p', { class: 'muted' }, 'No certificate could be read for this connection.');
  const rows = chain.map((c, i) => el('tr', { class: marks.has(i) ? 'marked' : null },
    el('td', {}, i === 0 ? 'leaf' : c.isCa && i === chain.length - 1 ? 'root' : 'CA',
      marks.has(i) ? el('div', { class: `mark mark-${marks.get(i).tone}` }, marks.get(i).words) : null),
    el('td', {},
      el('div', { class: 'subject' }, c.subject || '(empty subject)'),
      el('div', { class: 'issuer muted' }, 'issued by ', el('span', { class: 'issuer-name' }, c.issuer || '(empty issuer)')),
      c.sanDns?.length ? el('div', { class: 'muted san' }, 'names: ', c.sanDns.join(', '),
        c.sanDnsMore ? ` and ${c.sanDnsMore} more` : '') : null),
    el('td', { class: 'validity' }, c.notBefore ?? '?', el('br'), c.notAfter ?? '?'),
    el('td', {}, el('code', { class: 'pin' }, c.spkiSha256), c.keyAlgorithm ? el('div', { class: 'muted key' }, keyWords(c)) : null),
  ));
  return el('table', { class: 'chain' },
    el('thead', {}, el('tr', {}, el('th', {}, ''), el('th', {}, 'Subject / issuer'), el('th', {}, 'Valid from / until'), el('th', {}, 'SPKI pin (SHA-256)'))),
    el('tbody', {}, rows));
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
  [MATCH_KIND.chainPin]: { words: 'pinned key', tone: 'good' },
  [MATCH_KIND.issuerKey]: { words: 'signed by a pinned issuer key', tone: 'good' },
  [MATCH_KIND.badPin]: { words: 'key marked bad', tone: 'bad' },
  [MATCH_KIND.blockedSpki]: { words: 'compromised key', tone: 'bad' },
  [MATCH_KIND.blockedCertificate]: { words: 'compromised certificate', tone: 'bad' },
  [MATCH_KIND.allowedRoot]: { words: 'declared proxy', tone: 'note' },
  [MATCH_KIND.localRoot]: { words: 'root added to this computer', tone: 'bad' },
  [MATCH_KIND.knownRoot]: { words: 'root you marked as known', tone: 'note' },
});

/** The words for each `localRootMode`, as the options page's menu shows them. */
export const LOCAL_ROOT_MODE_WORDS = Object.freeze({
  [LOCAL_ROOT_MODE.notice]: 'Notice: badge, popup line, one notification per root per day',
  [LOCAL_ROOT_MODE.warn]: 'Warn: a notification on every such page',
  [LOCAL_ROOT_MODE.enforce]: 'Enforce: stop every such page',
});

/** Marks for `chainTable` from a record's match: certificate index → {words, tone}. */
export function chainMarks(record) {
  const marks = new Map();
  const m = record.matched;
  if (m && m.certIndex !== null && m.certIndex !== undefined) {
    marks.set(m.certIndex, MATCH_MARKS[m.kind] ?? { words: m.kind, tone: 'note' });
  }
  return marks;
}

export function entryView(entry) {
  if (!entry) return el('p', { class: 'muted' }, 'No pin list entry covers this host.');
  return el('dl', { class: 'facts' },
    el('dt', {}, 'Entry'), el('dd', {}, entry.host, entry.includeSubdomains ? ' and its subdomains' : ''),
    el('dt', {}, 'Pin set'), el('dd', {}, entry.pinset),
    el('dt', {}, 'Mode'), el('dd', {}, entry.mode),
    el('dt', {}, 'From'), el('dd', {}, entry.source));
}

export function listView(list) {
  if (!list) return el('p', { class: 'muted' }, 'No pin list is loaded.');
  return el('dl', { class: 'facts' },
    el('dt', {}, 'Publisher'), el('dd', {}, list.publisher),
    el('dt', {}, 'Sequence'), el('dd', {}, String(list.sequence)),
    el('dt', {}, 'Issued'), el('dd', {}, list.issuedAt),
    el('dt', {}, 'Expires'), el('dd', {}, list.expiresAt));
}

/** The pins a pin set expects, as a list. */
export function expectedPins(pinset) {
  if (!pinset) return el('p', { class: 'muted' }, 'No pin set.');
  const items = [
    ...pinset.good.map((p) => el('li', { class: 'good' }, el('code', { class: 'pin' }, p))),
    ...pinset.issuerKeys.map((p) => el('li', { class: 'issuer-key' }, el('code', { class: 'pin' }, p), ' (issuer key)')),
    ...pinset.bad.map((p) => el('li', { class: 'bad' }, el('code', { class: 'pin' }, p), ' (must never appear)')),
  ];
  return el('ul', { class: 'pins', id: 'expected-pins' }, items);
}
