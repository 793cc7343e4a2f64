// Update channels: each one a URL and a trusted signer set (keys, threshold), set by policy or
// by the user. The background fetches every channel on a schedule (alarms: every 6 hours by
// default, with jitter; exponential back-off after failures; ETag / If-None-Match), hands the
// envelope to the WASM core's `acceptList` (all acceptance rules live there, see
// docs/pinlist-format.md) and stores the list and the new trust state only once accepted.
// A failed, rejected, rolled-back or expired update changes nothing but the channel's status:
// the last good list stays in force, and the options page shows why the update was refused.
//
// storage.local:
//   channelLists  {[url]: {payload, trust, configured, info, envelopeSha256, acceptedAt, signedBy, rotated}}
//                 the last good list of each channel; a change rebuilds the engine (settings.js)
//   channelState  {[url]: {etag, lastCheck, lastOkCheckAt, failures, nextAt}}  schedule and status only
//
// The times, in ms since the epoch. Two questions are kept apart, because an interceptor who
// blocks updates or answers every check with `304 Not Modified` must not make an old list look
// current:
//   channelLists[url].acceptedAt  when the core's `acceptList` accepted the envelope now in force.
//                 Written once, together with the list, and by nothing else: a 304, a 200 with the
//                 same bytes ("unchanged"), a refusal or a network error never touch it. This is
//                 the only "how new is the list" time; with the list's own `info.expiresAt` it is
//                 all the status derives freshness from.
//   channelState[url].lastCheck   the last check, whatever its answer: `{ok, code, reason, at,
//                 httpStatus?, sequence?, note?}`, `at` being when it started. `ok` says only that
//                 the exchange went as it should (accepted, unchanged, not-modified), never that the
//                 list is fresh.
//   channelState[url].lastOkCheckAt  the `at` of the last check with `ok` (a 304 included): the
//                 server answered properly. Only reported (statusView), nothing decides on it; it was called
//                 `lastSuccessAt` before, a name that invited reading a 304 as freshness.
//   channelState[url].failures, nextAt  back-off and the next check. A 304 ends the back-off
//                 (the server answered), and that is all it does.
// No code path derives "healthy" or "fresh" from a 304: `statusView` warns from `acceptedAt` and
// `expiresAt` alone, and a 304 or "unchanged" answer for a list that has expired is a failed check.

import { api } from '../shared/compat.js';
import { invalidate, nowSecs, sameSigners } from './engine.js';
import { activeChannels, CHANNEL_LISTS_KEY, loadPolicy, loadUser } from './settings.js';
import { cleanChannel, DEFAULT_UPDATE_HOURS } from './policy.js';
import { HOUR, MINUTE, nextCheckDelay } from './schedule.js';
import { serialQueue } from '../shared/serial.js';
import { readBody } from './bounded-body.js';
import { problem } from '../shared/problem.js';
import { PROBLEM_CODE } from '../shared/vocabulary.js';
import { acceptList, parsePublicKey } from './lists-wasm.js';

export const ALARM = 'pinwatch-channels';
export const STATE_KEY = 'channelState';

/** Refused before reading further, as the core would (8 MiB). */
const MAX_BYTES = 8 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
/** Back-off after a failure starts here and doubles, up to the regular interval. */
const RETRY_BASE_MS = 5 * MINUTE;
const DAY = 24 * HOUR;
/** The status warns when the list in force expires within this (or has expired). */
export const EXPIRY_WARNING_MS = 7 * DAY;
/**
 * The status warns when no new list was accepted for longer than this. Two weeks: publishers who
 * release weekly stay quiet, and an interceptor who blocks updates is named long before a
 * 70-day list expires (EXPIRY_WARNING_MS covers the end).
 */
export const NO_NEW_LIST_WARNING_MS = 14 * DAY;

// Checks run one at a time; storage has no transactions.
const serial = serialQueue();

async function getLocal(key) {
  return (await api.storage.local.get(key))[key] ?? {};
}

function intervalMs(policy) {
  return (policy.updateIntervalHours ?? DEFAULT_UPDATE_HOURS) * HOUR;
}

/**
 * An RFC 3339 time as the core reads it (`T`/`t`, `Z`/`z` or ±hh:mm, optional fraction) in ms
 * since the epoch; `null` when it is not one. The core keeps its own parse to itself.
 */
export function rfc3339Ms(text) {
  const m = typeof text === 'string'
    && /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:([Zz])|([+-])(\d{2}):(\d{2}))$/.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, sec, frac, , sign, oh, om] = m;
  const ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(sec), frac ? Number(frac.slice(0, 3).padEnd(3, '0')) : 0);
  const offset = sign ? (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om)) * MINUTE : 0;
  return Number.isFinite(ms) ? ms - offset : null;
}

/** Whether a list with this `expiresAt` has expired at `nowMs`, by the core's rule (now > expires_at, in seconds). */
function expiredAt(expiresAt, nowMs) {
  const ms = rfc3339Ms(expiresAt);
  return ms !== null && Math.floor(nowMs / 1000) > Math.floor(ms / 1000);
}

async function sha256Hex(bytes) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Fetches and judges one channel. Returns `{result, list?, etag?}`: `result` =
 * `{ok, code, reason, at, httpStatus?, sequence?}`; `list` is set only when a new list was accepted.
 */
async function check(ch, stored, state) {
  const at = Date.now();
  const headers = {};
  const conditional = Boolean(stored && state?.etag);
  if (conditional) headers['If-None-Match'] = state.etag;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
  let response;
  let bytes;
  try {
    response = await fetch(ch.url, {
      headers,
      cache: 'no-store',
      credentials: 'omit',
      referrerPolicy: 'no-referrer',
      signal: controller.signal,
    });
    if (response.status === 304) {
      // A 304 says "what you have is current": it refreshes the check time and nothing else.
      if (!conditional) {
        return { result: { ok: false, code: 'unexpected-not-modified', reason: 'the server answered 304 Not Modified to a request that named no list', at, httpStatus: 304 } };
      }
      if (expiredAt(stored.info?.expiresAt, at)) {
        return { result: { ok: false, code: 'expired-in-force', reason: `the server answered 304 Not Modified, but the list in force expired at ${stored.info.expiresAt}`, at, httpStatus: 304 } };
      }
      return { result: { ok: true, code: 'not-modified', reason: 'the server answered 304 Not Modified: no new list', at, httpStatus: 304 } };
    }
    if (!response.ok) {
      return { result: { ok: false, code: 'http-error', reason: `the server answered HTTP ${response.status}`, at, httpStatus: response.status } };
    }
    bytes = await readBody(response, MAX_BYTES);
  } catch (e) {
    const reason = e?.name === 'AbortError' ? `no answer within ${FETCH_TIMEOUT_MS / 1000} s` : `the list could not be fetched (${e?.message ?? e})`;
    return { result: { ok: false, code: 'network-error', reason, at } };
  } finally {
    clearTimeout(timer);
  }
  const etag = response.headers.get('etag');
  const envelopeSha256 = await sha256Hex(bytes);
  if (stored && stored.envelopeSha256 === envelopeSha256) {
    // The same bytes are not accepted again (the core would refuse them as a rollback): no new list.
    if (expiredAt(stored.info?.expiresAt, at)) {
      return { result: { ok: false, code: 'expired-in-force', reason: `the server still serves the list in force, which expired at ${stored.info.expiresAt}`, at, httpStatus: response.status }, etag };
    }
    return { result: { ok: true, code: 'unchanged', reason: 'the server still serves the list in force: no new list', at, httpStatus: response.status }, etag };
  }
  const trust = stored?.trust ?? { keys: ch.keys, threshold: ch.threshold, sequence: 0 };
  let verdict;
  try {
    verdict = await acceptList(bytes, trust, { name: ch.binding ?? ch.url, allowUnbound: ch.allowUnboundLists === true }, nowSecs());
  } catch (e) {
    // Malformed arguments throw (a configured key or threshold that is not valid); so does a
    // module that did not load or stopped (our own failure): either way the list in force stays.
    return { result: { ok: false, code: e?.code ?? 'bad-configuration', reason: `the channel's list could not be checked (${e?.message ?? e})`, at } };
  }
  if (!verdict.accepted) {
    return { result: { ok: false, code: verdict.code, reason: verdict.reason, at, httpStatus: response.status } };
  }
  const list = {
    payload: verdict.payload,
    trust: verdict.trust,
    configured: { keys: ch.keys, threshold: ch.threshold },
    info: verdict.info,
    signedBy: verdict.signedBy,
    rotated: verdict.rotated,
    envelopeSha256,
    // The one place acceptedAt is set: the core accepted this envelope just now.
    acceptedAt: at,
  };
  const how = verdict.rotated ? ' (the signer set was rotated as the list says)' : '';
  return {
    result: { ok: true, code: 'accepted', reason: `accepted sequence ${verdict.info.sequence}${how}`, at, httpStatus: response.status, sequence: verdict.info.sequence },
    list,
    etag,
  };
}

/**
 * Checks the active channels: all of them with `force`, else those whose time has come.
 * Returns `[{url, result}]`. Only an accepted list is written to `channelLists`.
 */
export function update({ force = false } = {}) {
  return serial(async () => {
    const [policy, user] = await Promise.all([loadPolicy(), loadUser()]);
    const channels = activeChannels(policy, user);
    const out = [];
    for (const ch of channels) {
      const lists = await getLocal(CHANNEL_LISTS_KEY);
      const states = await getLocal(STATE_KEY);
      const state = states[ch.url] ?? {};
      let stored = lists[ch.url] ?? null;
      // A channel whose configured signer set changed is due at once (the core compares the sets).
      const reconfigured = Boolean(stored) && !(await sameSigners(stored.configured, ch));
      if (!force && !reconfigured && state.nextAt && state.nextAt > Date.now()) continue;
      let note = null;
      if (reconfigured) {
        // A new signer set is a new trust decision: the list accepted under the old one, and the
        // old rollback floor, no longer count.
        stored = null;
        note = 'the configured signer set changed: the list accepted under the previous keys was dropped';
      }
      const got = await check(ch, stored, state);
      const failures = got.result.ok ? 0 : (state.failures ?? 0) + 1;
      const next = {
        etag: got.result.ok ? (got.etag ?? state.etag ?? null) : (state.etag ?? null),
        lastCheck: note ? { ...got.result, note } : got.result,
        // Was lastSuccessAt (stored by older versions, read once here): a proper answer, not freshness.
        lastOkCheckAt: got.result.ok ? got.result.at : (state.lastOkCheckAt ?? state.lastSuccessAt ?? null),
        failures,
        nextAt: Date.now() + nextCheckDelay({ failures, intervalMs: intervalMs(policy), retryBaseMs: RETRY_BASE_MS }),
      };
      if (got.list) {
        await api.storage.local.set({ [CHANNEL_LISTS_KEY]: { ...lists, [ch.url]: got.list } });
      } else if (note) {
        const { [ch.url]: _dropped, ...rest } = lists;
        await api.storage.local.set({ [CHANNEL_LISTS_KEY]: rest });
        next.etag = null;
      }
      // storage.onChanged rebuilds the engine too, but later: the next check must see the new list.
      if (got.list || note) invalidate();
      await api.storage.local.set({ [STATE_KEY]: { ...(await getLocal(STATE_KEY)), [ch.url]: next } });
      out.push({ url: ch.url, result: next.lastCheck });
    }
    await schedule(channels);
    return out;
  });
}

/**
 * Sets the alarm for the earliest next check; clears it when there is no channel. A channel
 * never checked is due at once (the caller runs `update()` on wake for that).
 */
async function schedule(channels) {
  if (!api.alarms) return;
  if (!channels.length) {
    await api.alarms.clear(ALARM);
    return;
  }
  const states = await getLocal(STATE_KEY);
  const now = Date.now();
  const due = Math.min(...channels.map((c) => states[c.url]?.nextAt ?? now));
  // Chromium does not fire alarms sooner than 30 s; a due channel was just checked anyway.
  await api.alarms.create(ALARM, { when: Math.max(due, now + 30_000) });
}

/** On every wake of the background: check what is due (a missed alarm, a new channel) and re-arm. */
export async function kick() {
  return update({ force: false });
}

/**
 * What the status says about how current the list in force is, from its acceptance time and its
 * own expiry only (never from a check's answer: a 304 proves nothing about freshness). Returns
 * `[{code, at}]`, most serious first:
 *   `expired`       the list in force expired at `at` (the engine no longer enforces it);
 *   `expires-soon`  it expires at `at`, within EXPIRY_WARNING_MS;
 *   `no-new-list`   no new list was accepted since `at`, more than NO_NEW_LIST_WARNING_MS ago
 *                   (`checksOk`: the last check answered properly, e.g. 304 or "unchanged");
 *   `expiry-unknown` the list's expiry could not be read.
 */
export function freshnessWarnings({ expiresAt, acceptedAt, lastCheck }, now = Date.now()) {
  const warnings = [];
  const expiresMs = rfc3339Ms(expiresAt);
  if (expiresMs === null) warnings.push({ code: 'expiry-unknown', at: null });
  else if (expiredAt(expiresAt, now)) warnings.push({ code: 'expired', at: expiresMs });
  else if (expiresMs - now <= EXPIRY_WARNING_MS) warnings.push({ code: 'expires-soon', at: expiresMs });
  if (typeof acceptedAt !== 'number' || now - acceptedAt > NO_NEW_LIST_WARNING_MS) {
    warnings.push({ code: 'no-new-list', at: typeof acceptedAt === 'number' ? acceptedAt : null, checksOk: lastCheck?.ok === true });
  }
  return warnings;
}

/**
 * Per channel, for the options page: configuration, the list in force, the last check and the
 * next one. The two times are apart: `lastAcceptedAt` (when the list in force was accepted,
 * `list.acceptedAt` too) and `lastCheckAt` (when the last check ran, whatever it answered);
 * `list.expiresAt` is the list's own `expires_at`. `warnings` (see `freshnessWarnings`) is empty
 * when the list in force is current, and also when there is none (`list: null` says that).
 */
export async function statusView(policy, user, now = Date.now()) {
  const lists = await getLocal(CHANNEL_LISTS_KEY);
  const states = await getLocal(STATE_KEY);
  return Promise.all(activeChannels(policy, user).map(async (ch) => {
    const stored = lists[ch.url];
    const inForce = stored && (await sameSigners(stored.configured, ch)) ? stored : null;
    const st = states[ch.url] ?? {};
    const lastCheck = st.lastCheck ?? null;
    const acceptedAt = typeof inForce?.acceptedAt === 'number' ? inForce.acceptedAt : null;
    return {
      url: ch.url,
      name: ch.name,
      from: ch.from,
      scope: ch.scope,
      threshold: ch.threshold,
      keys: ch.keys,
      list: inForce
        ? {
          ...inForce.info,
          expiresAt: inForce.info?.expiresAt ?? null,
          expiresAtMs: rfc3339Ms(inForce.info?.expiresAt),
          acceptedAt,
          signedBy: inForce.signedBy,
          trustedKeys: inForce.trust.keys.length,
          threshold: inForce.trust.threshold,
        }
        : null,
      lastAcceptedAt: acceptedAt,
      lastCheckAt: typeof lastCheck?.at === 'number' ? lastCheck.at : null,
      lastCheck,
      lastOkCheckAt: st.lastOkCheckAt ?? st.lastSuccessAt ?? null,
      failures: st.failures ?? 0,
      nextAt: st.nextAt ?? null,
      warnings: inForce ? freshnessWarnings({ expiresAt: inForce.info?.expiresAt, acceptedAt, lastCheck }, now) : [],
    };
  }));
}

/**
 * What is wrong with channels as the user typed them (raw values): URL, threshold, and every
 * key checked by the WASM core (the signed-list module), as problems (`shared/problem.js`). An
 * empty list when they are fine. Throws (`not-checked`) when the module cannot answer.
 */
export async function configurationProblems(raw) {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return [problem(PROBLEM_CODE.policyNotList, { key: 'channels' })];
  const problems = [];
  const seen = new Set();
  for (const [i, value] of raw.entries()) {
    const { channel, error } = cleanChannel(value, i + 1);
    if (error) {
      problems.push(error);
      continue;
    }
    if (seen.has(channel.url)) problems.push(problem(PROBLEM_CODE.channelTwice, { channel: i + 1, url: channel.url }));
    seen.add(channel.url);
    for (const key of channel.keys) {
      try {
        await parsePublicKey(key);
      } catch (e) {
        // The module not answering is our failure, not a wrong key: the save is refused as such.
        if (e?.code === 'not-checked') throw e;
        problems.push(problem(PROBLEM_CODE.channelBadKey, { channel: i + 1, key: JSON.stringify(key.slice(0, 80)), error: e?.message ?? e }));
      }
    }
  }
  return problems;
}
