// Violation reports: the RFC 7469 §3 fields plus Pinwatch's verdict, and the dedupe window.
// Pure functions (no browser API): reports.js sends what these build; unit-tested as is.
//
// A report carries the host name, port and certificates of the connection, and the verdict.
// Never the page's address beyond its host, never page content, never cookies.

import { hostOf } from '../shared/url.js';
import { MATCH_KIND, STATUS } from '../shared/vocabulary.js';

/** Chromium's rule for HPKP reports: at most 50 remembered reports, each for 60 minutes. */
export const DEDUPE_MAX = 50;
export const DEDUPE_WINDOW_MS = 60 * 60 * 1000;

function base64(bytes) {
  let bin = '';
  for (let i = 0; i < bytes.length; i += 0x8000) bin += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(bin);
}

/** One DER certificate as PEM text. */
export function pem(der) {
  const b64 = base64(der instanceof Uint8Array ? der : Uint8Array.from(der));
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** RFC 3339 in UTC without fractions, e.g. 2026-11-28T09:00:00Z. */
export function rfc3339(ms) {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** The default port of the schemes a report can be about (a WebSocket handshake is wss:). */
const DEFAULT_PORTS = { 'https:': 443, 'wss:': 443, 'http:': 80, 'ws:': 80 };

function portOf(url) {
  try {
    const u = new URL(url);
    return Number(u.port || (DEFAULT_PORTS[u.protocol] ?? 443));
  } catch {
    return 443;
  }
}

/**
 * The report for one verdict. `record` is record.js's, `url` the request's address
 * (only its port is used), `ders` the chain as read (Uint8Array[], leaf first).
 */
export function buildReport({ record, url, ders = [], now = Date.now(), version = null }) {
  const pems = ders.map(pem);
  const entry = record.entry ?? null;
  const knownPins = record.pinset?.good ?? [];
  const state = record.securityState;
  return {
    'date-time': rfc3339(now),
    hostname: record.host,
    port: portOf(url),
    'effective-expiration-date': entry && record.list?.expiresAt ? record.list.expiresAt : null,
    'include-subdomains': entry ? entry.includeSubdomains === true : false,
    'noted-hostname': entry ? entry.host : record.host,
    // What the browser handed over: Firefox gives the chain it built and validated (leaf … root);
    // a leaf-only browser gives the leaf, and no validated chain.
    'served-certificate-chain': pems,
    'validated-certificate-chain': record.leafOnly ? [] : pems,
    'known-pins': knownPins.map((p) => `pin-sha256="${p}"`),
    verdict: record.status,
    // The browser's rating of the connection, only when it is not "secure" (Firefox: "weak",
    // "broken", "insecure"): a weakened connection to a pinned host is worth knowing about.
    ...(typeof state === 'string' && state !== 'secure' ? { 'security-state': state } : {}),
    pinwatch: {
      reason: record.reason ?? null,
      action: record.action ?? null,
      outcome: record.outcome ?? null,
      matched: record.matched ?? null,
      entrySource: entry?.source ?? null,
      pinset: record.pinset?.name ?? null,
      badPins: record.pinset?.bad ?? [],
      list: record.list ? { publisher: record.list.publisher, sequence: record.list.sequence, expiresAt: record.list.expiresAt } : null,
      servedPins: (record.chain ?? []).map((c) => c.spkiSha256),
      captureTier: record.tier ?? null,
      leafOnly: Boolean(record.leafOnly),
      builtInRoot: record.builtInRoot ?? null,
      // The chain's root, for a verdict about it (local-root, allowed-interception by a known root).
      root: rootOf(record),
      ctStatus: record.ctStatus ?? null,
      extensionVersion: version,
    },
  };
}

/**
 * The root a `local-root` or known-root verdict names: its pin and subject, else null; for a
 * root the companion named (Chromium), also its store and how it was seen (`seenBy`).
 */
function rootOf(record) {
  const m = record.matched;
  if (m?.kind !== MATCH_KIND.localRoot && m?.kind !== MATCH_KIND.knownRoot) return null;
  const facts = record.chain?.[m.certIndex];
  const subject = facts?.subject ?? record.subjects?.[m.certIndex] ?? record.addedRoot?.subject ?? null;
  const named = record.addedRoot?.pin === m.pin ? record.addedRoot : null;
  return { pin: m.pin, subject, ...(named ? { store: named.store, seenBy: named.seenBy } : {}) };
}

/** One day: a root added to this computer is reported once a day, whatever the hosts. */
export const LOCAL_ROOT_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * What makes two reports the same: verdict, host, port and the exact certificates; for a root
 * added to this computer, the root alone (its first sighting of the day is reported, with the
 * host it was seen on: a security team wants the machines, not every page).
 */
export function dedupeKey(report, record) {
  if (record?.status === STATUS.localRoot && record.matched?.pin) return `${STATUS.localRoot}|${record.matched.pin}`;
  const certs = (record?.chain ?? []).map((c) => c.sha256).join(',')
    || report['served-certificate-chain'].join('');
  return `${report.verdict}|${report.hostname}|${report.port}|${report['noted-hostname']}|${certs}`;
}

/**
 * Whether `key` is new within the window, and the cache to store: `[{key, at, suppressed,
 * windowMs?}]`, newest last, at most DEDUPE_MAX. An entry older than its own window (the one it
 * was stored with) no longer suppresses.
 */
export function dedupe(cache, key, now, { windowMs = DEDUPE_WINDOW_MS, max = DEDUPE_MAX } = {}) {
  const live = (Array.isArray(cache) ? cache : []).filter((e) => e && typeof e.key === 'string'
    && now - e.at < (Number.isFinite(e.windowMs) ? e.windowMs : DEDUPE_WINDOW_MS) && e.at <= now);
  const hit = live.find((e) => e.key === key);
  if (hit) {
    hit.suppressed = (hit.suppressed ?? 0) + 1;
    return { fresh: false, cache: live };
  }
  live.push({ key, at: now, suppressed: 0, ...(windowMs !== DEDUPE_WINDOW_MS ? { windowMs } : {}) });
  return { fresh: true, cache: live.slice(-max) };
}

/**
 * Never to the pinned host itself: not to the host of the connection, not to the entry's host,
 * and not to a subdomain the entry covers (all of which the interceptor may control).
 */
export function endpointAllowed(endpoint, report) {
  const target = hostOf(endpoint);
  if (!target) return false;
  const host = report.hostname.toLowerCase();
  const noted = report['noted-hostname'].toLowerCase();
  if (target === host || target === noted) return false;
  if (report['include-subdomains'] && target.endsWith(`.${noted}`)) return false;
  return true;
}
