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
//   channelState  {[url]: {etag, lastCheck, lastSuccessAt, failures, nextAt}}  schedule and status only

import { api } from './compat.js';
import { invalidate, loadWasm, nowSecs, sameSigners } from './engine.js';
import { activeChannels, CHANNEL_LISTS_KEY, loadPolicy, loadUser } from './settings.js';
import { cleanChannel, DEFAULT_UPDATE_HOURS } from './policy.js';
import { HOUR, MINUTE, nextCheckDelay } from './schedule.js';
import { serialQueue } from './serial.js';
import { readBody } from './bounded-body.js';
// A namespace import: the bindings for signed lists are looked up when used, so a WASM build
// without them fails a channel check, never the background's start.
import * as wasm from './wasm/pinwatch.js';

export const ALARM = 'pinwatch-channels';
export const STATE_KEY = 'channelState';

/** Refused before reading further, as the core would (8 MiB). */
const MAX_BYTES = 8 * 1024 * 1024;
const FETCH_TIMEOUT_MS = 30_000;
/** Back-off after a failure starts here and doubles, up to the regular interval. */
const RETRY_BASE_MS = 5 * MINUTE;

// Checks run one at a time; storage has no transactions.
const serial = serialQueue();

async function getLocal(key) {
  return (await api.storage.local.get(key))[key] ?? {};
}

function intervalMs(policy) {
  return (policy.updateIntervalHours ?? DEFAULT_UPDATE_HOURS) * HOUR;
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
  if (stored && state?.etag) headers['If-None-Match'] = state.etag;
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
      return { result: { ok: true, code: 'not-modified', reason: 'the list has not changed since the last check', at, httpStatus: 304 } };
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
    return { result: { ok: true, code: 'unchanged', reason: 'the server still serves the list in force', at, httpStatus: response.status }, etag };
  }
  await loadWasm();
  const trust = stored?.trust ?? { keys: ch.keys, threshold: ch.threshold, sequence: 0 };
  let verdict;
  try {
    verdict = wasm.acceptList(bytes, trust, nowSecs());
  } catch (e) {
    // Only malformed arguments throw: a configured key or threshold that is not valid.
    return { result: { ok: false, code: 'bad-configuration', reason: `the channel's signer set is not valid (${e?.message ?? e})`, at } };
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
        lastSuccessAt: got.result.ok ? got.result.at : (state.lastSuccessAt ?? null),
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

/** Per channel, for the options page: configuration, last good list, last check and next one. */
export async function statusView(policy, user) {
  const lists = await getLocal(CHANNEL_LISTS_KEY);
  const states = await getLocal(STATE_KEY);
  return Promise.all(activeChannels(policy, user).map(async (ch) => {
    const stored = lists[ch.url];
    const inForce = stored && (await sameSigners(stored.configured, ch)) ? stored : null;
    const st = states[ch.url] ?? {};
    return {
      url: ch.url,
      name: ch.name,
      from: ch.from,
      scope: ch.scope,
      threshold: ch.threshold,
      keys: ch.keys,
      list: inForce ? { ...inForce.info, acceptedAt: inForce.acceptedAt, signedBy: inForce.signedBy, trustedKeys: inForce.trust.keys.length, threshold: inForce.trust.threshold } : null,
      lastCheck: st.lastCheck ?? null,
      lastSuccessAt: st.lastSuccessAt ?? null,
      failures: st.failures ?? 0,
      nextAt: st.nextAt ?? null,
    };
  }));
}

/**
 * What is wrong with channels as the user typed them (raw values): URL, threshold, and every
 * key checked by the WASM core. An empty list when they are fine.
 */
export async function configurationProblems(raw) {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) return ['channels must be a list'];
  const problems = [];
  const seen = new Set();
  await loadWasm();
  raw.forEach((value, i) => {
    const { channel, error } = cleanChannel(value);
    if (error) {
      problems.push(`channel ${i + 1}: ${error}`);
      return;
    }
    if (seen.has(channel.url)) problems.push(`channel ${i + 1}: ${channel.url} is listed twice`);
    seen.add(channel.url);
    for (const key of channel.keys) {
      try {
        wasm.parsePublicKey(key);
      } catch (e) {
        problems.push(`channel ${i + 1} (${channel.url}): "${key.slice(0, 80)}" is not a public key (${e?.message ?? e})`);
      }
    }
  });
  return problems;
}
