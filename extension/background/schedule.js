// When to try again: the regular check interval with jitter, and exponential back-off after
// failures. Pure functions (no browser API), shared by channels.js and reports.js and unit-tested.

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;

/** `ms` spread by ±`spread` (a fraction), so that many browsers do not ask at the same moment. */
export function jittered(ms, { random = Math.random, spread = 0.1 } = {}) {
  return Math.round(ms * (1 - spread + 2 * spread * random()));
}

/** The delay after the `failures`-th failure in a row: base, 2·base, 4·base, … capped at `maxMs`. */
export function backoffMs(failures, { baseMs, maxMs }) {
  if (failures <= 0) return 0;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

/**
 * Milliseconds until a channel's next check: the regular interval after a success, back-off
 * (from `retryBaseMs`, never beyond the interval) after `failures` failures in a row; jittered.
 */
export function nextCheckDelay({ failures, intervalMs, retryBaseMs = 5 * MINUTE, random = Math.random }) {
  const raw = failures > 0 ? backoffMs(failures, { baseMs: retryBaseMs, maxMs: intervalMs }) : intervalMs;
  return jittered(raw, { random });
}
