// Violation reports to the endpoint policy names (`reportEndpoint`): RFC 7469 fields plus the
// verdict (report-format.js), POSTed as JSON without cookies or credentials. Deduplicated as
// Chromium does for HPKP (50 reports, 60 minutes), kept in a queue in storage and retried with
// back-off, so an unloaded background or a collector that is down loses nothing. Never sent to
// the pinned host itself. A full queue (MAX_QUEUE) drops repeats and the least important first,
// never the first report of a host or root while another can go (report-queue.js).
//
// storage.local:
//   reportDedupe  [{key, at, suppressed}]                   the dedupe window
//   reportQueue   [{id, endpoint, report, attempts, nextAt}]  reports not yet delivered
//   reportLog     [{at, hostname, verdict, result, detail}]   the last outcomes, for the options page

import { api } from '../shared/compat.js';
import { buildReport, dedupe, dedupeKey, endpointAllowed, LOCAL_ROOT_WINDOW_MS } from './report-format.js';
import { STATUS } from '../shared/vocabulary.js';
import { backoffMs, jittered, MINUTE, HOUR } from './schedule.js';
import { serialQueue } from '../shared/serial.js';
import { trimQueue } from './report-queue.js';

export const ALARM = 'pinwatch-reports';
const DEDUPE_KEY = 'reportDedupe';
const QUEUE_KEY = 'reportQueue';
const LOG_KEY = 'reportLog';

const RETRY_BASE_MS = MINUTE;
const RETRY_MAX_MS = HOUR;
/** A report is dropped after this many failed deliveries (about 4 hours of trying). */
export const MAX_ATTEMPTS = 10;
const MAX_QUEUE = 50;
const MAX_LOG = 30;
const POST_TIMEOUT_MS = 30_000;

const serial = serialQueue();

async function get(key, fallback) {
  return (await api.storage.local.get(key))[key] ?? fallback;
}

function log(entry) {
  return serial(async () => {
    const entries = await get(LOG_KEY, []);
    entries.push({ at: Date.now(), ...entry });
    await api.storage.local.set({ [LOG_KEY]: entries.slice(-MAX_LOG) });
  });
}

function id() {
  return Array.from(crypto.getRandomValues(new Uint8Array(8)), (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Called for every verdict. Reports it when policy names an endpoint and the verdict is one
 * that is reported; `ders` is the chain as read (Uint8Array[]). Resolves once queued and tried.
 */
/** Reports a verdict the core's decision said to report (`decision.report`, apply.js). */
export async function onVerdict(record, details, ders, policy) {
  const endpoint = policy?.reportEndpoint;
  if (!endpoint) return;
  const report = buildReport({ record, url: details.url, ders, version: api.runtime.getManifest().version });
  const summary = { hostname: report.hostname, verdict: report.verdict };
  if (!endpointAllowed(endpoint, report)) {
    await log({ ...summary, result: 'not-sent', detail: 'the report endpoint is the pinned host itself' });
    return;
  }
  const key = dedupeKey(report, record);
  const fresh = await serial(async () => {
    const windowMs = record.status === STATUS.localRoot ? LOCAL_ROOT_WINDOW_MS : undefined;
    const { fresh: isNew, cache } = dedupe(await get(DEDUPE_KEY, []), key, Date.now(), { windowMs });
    await api.storage.local.set({ [DEDUPE_KEY]: cache });
    return isNew;
  });
  if (!fresh) return;
  await serial(async () => {
    const items = await get(QUEUE_KEY, []);
    items.push({ id: id(), endpoint, report, attempts: 0, nextAt: Date.now() });
    await api.storage.local.set({ [QUEUE_KEY]: trimQueue(items, MAX_QUEUE) });
  });
  await flush();
}

async function post(item) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), POST_TIMEOUT_MS);
  try {
    const response = await fetch(item.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(item.report),
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
      redirect: 'error',
      signal: controller.signal,
    });
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (e) {
    return e?.name === 'AbortError' ? 'no answer' : String(e?.message ?? e);
  } finally {
    clearTimeout(timer);
  }
}

let flushing = null;
let again = false;
let forceNext = false;

/**
 * Delivers every due report. Before each attempt the item's next try is written to storage, so
 * an attempt cut short (the background unloaded) is retried by the alarm. A call while a flush
 * runs makes that flush look at the queue once more when it is done.
 */
export function flush({ force = false } = {}) {
  if (flushing) {
    again = true;
    forceNext ||= force;
    return flushing;
  }
  forceNext = force;
  flushing = (async () => {
    try {
      do {
        again = false;
        const forced = forceNext;
        forceNext = false;
        await flushOnce(forced);
      } while (again);
    } finally {
      flushing = null;
    }
  })();
  return flushing;
}

/** One pass over the queue; `force` sends every queued report now ("deliver now" on the options page). */
async function flushOnce(force) {
  const due = await serial(async () => {
    const items = await get(QUEUE_KEY, []);
    const now = Date.now();
    const picked = items.filter((i) => force || i.nextAt <= now);
    for (const i of picked) {
      i.attempts += 1;
      i.nextAt = now + jittered(backoffMs(i.attempts, { baseMs: RETRY_BASE_MS, maxMs: RETRY_MAX_MS }));
    }
    await api.storage.local.set({ [QUEUE_KEY]: items });
    return picked;
  });
  await arm();
  for (const item of due) {
    const error = await post(item);
    const summary = { hostname: item.report.hostname, verdict: item.report.verdict };
    const dropped = Boolean(error) && item.attempts >= MAX_ATTEMPTS;
    if (!error || dropped) {
      await serial(async () => {
        const items = await get(QUEUE_KEY, []);
        await api.storage.local.set({ [QUEUE_KEY]: items.filter((i) => i.id !== item.id) });
      });
    }
    await log({
      ...summary,
      result: error ? (dropped ? 'dropped' : 'retrying') : 'sent',
      detail: error ? `attempt ${item.attempts}: ${error}` : `attempt ${item.attempts}`,
    });
  }
  if (due.length) await arm();
}

/** The alarm for the earliest queued report; none when the queue is empty. */
async function arm() {
  if (!api.alarms) return;
  const items = await get(QUEUE_KEY, []);
  if (!items.length) {
    await api.alarms.clear(ALARM);
    return;
  }
  const when = Math.min(...items.map((i) => i.nextAt));
  await api.alarms.create(ALARM, { when: Math.max(when, Date.now() + 30_000) });
}

/** For the options page. */
export async function statusView(policy) {
  const [items, entries, cache] = await Promise.all([get(QUEUE_KEY, []), get(LOG_KEY, []), get(DEDUPE_KEY, [])]);
  return {
    endpoint: policy.reportEndpoint,
    queued: items.length,
    log: entries.slice(-10).reverse(),
    suppressed: cache.reduce((n, e) => n + (e.suppressed ?? 0), 0),
  };
}
